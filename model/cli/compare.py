"""`scenario compare`: scenarios or saved runs side by side."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from model.cli.common import (
    PROJECT_SCENARIOS,
    Command,
    TableFormat,
    app,
    examples,
    out,
    print_frame,
    print_warnings,
    print_wrote,
    reports_errors,
)


class CompareFormat(StrEnum):
    table = "table"
    markdown = "markdown"
    csv = "csv"
    json = "json"


@app.command(cls=Command, epilog=examples(
    ("Three scenarios side by side, each against base", "scenario compare base bull bear"),
    ("The current view against the saved run of base, as markdown",
     "scenario compare outputs/base latest --format markdown"),
))
@reports_errors
def compare(
    names: Annotated[list[str], typer.Argument(
        help="Two or more scenarios (base, bull.yaml, a path) or run folders (outputs/base); the first is the "
             "reference. A name that is both a scenario and a folder in outputs/ means the scenario, run afresh. "
             f"{PROJECT_SCENARIOS}")],
    fmt: Annotated[CompareFormat, typer.Option("--format", help="What to print.")] = CompareFormat.table,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Write here instead of outputs/compare-<names>/.")] = None,
    assumptions: Annotated[Path | None, typer.Option(help="Assumptions folder (default: beside scenarios/).")] = None,
) -> None:
    """Headline results of scenarios or saved runs side by side, with each one's change from the first (absolute
    and in percent); writes the table (CSV, JSON), a chart per metric with a line per scenario, and a manifest to
    outputs/compare-<names>/. Scenarios run with every assumption at its value; a run folder gives its 'value'
    column."""
    from model.cli.sides import compare as comparing
    from model.io.outputs import destination, write_run
    from model.present import compare as rendering
    from model.present.artifacts import files_of

    result = comparing(names, assumptions)
    target = destination(out_dir or result.root / "outputs" / result.name, root=result.root, inputs=result.files,
                         named=out_dir is not None)
    from model.present import vega

    vega.start()  # the chart renderer's runtime starts beside the work before the charts
    for side in result.sides:
        print_warnings(side.warnings)
    print_warnings(result.problems)
    files = files_of(result)
    write_run(target, files, command="compare", scenario=result.name, chain=[result.name], root=result.root,
              inputs=result.files, settings=result.settings, named=out_dir is not None, problems=result.problems)
    if fmt is CompareFormat.json:
        sys.stdout.write(str(files["compare.json"]))
    elif fmt is CompareFormat.csv:
        sys.stdout.write(str(files["compare.csv"]))
    else:
        print_frame(rendering.formatted(result.long, mark_bases=result.bases_mixed()), TableFormat(fmt.value),
                    title=rendering.title(result))
        for line in rendering.basis_notes(result):
            out.print(line, markup=False, soft_wrap=True)
    print_wrote(target, fmt)
