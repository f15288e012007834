"""`scenario schema`: write the input files' JSON Schema."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from model.cli.common import Command, app, examples, out, reports_errors
from model.errors import display_path
from model.io.project import find_project_root


@app.command("schema", cls=Command, epilog=examples(
    ("Write the schemas to schemas/, for editors", "scenario schema"),
    ("Somewhere else", "scenario schema --out ../editor-schemas"),
))
@reports_errors
def schema_command(
    out_dir: Annotated[Path | None, typer.Option("--out", help="Write here instead of schemas/ at the project root.")] = None,
) -> None:
    """Write the JSON Schema of company, fx, sources and scenario files, which the input files name on their first
    line so that editors complete and check keys."""
    from model.io import json_schema
    from model.io.outputs import write_schemas

    files = json_schema.schema_files()
    root = find_project_root() if out_dir is None else None
    target = write_schemas(out_dir or root / json_schema.SCHEMA_FOLDER, files, root=root,  # type: ignore[operator]
                           titles=[title for _, title, _ in json_schema.KINDS.values()],
                           dialect=json_schema.DIALECT, named=out_dir is not None)
    out.print(f"wrote {', '.join(files)} to {display_path(target)}/", markup=False)
