"""`scenario validate`: check and audit the input files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from model.cli.common import Command, app, err, examples, out, reports_errors
from model.errors import UsageError
from model.io.project import find_project_root


def _split_paths(paths: list[Path], root: Path) -> tuple[list[Path], list[Path]]:
    """Scenario files and assumption folders among `paths`: folders holding sources.yaml are assumptions, and an
    actuals file or folder (assumptions/actuals/) stands for the assumptions folder above it, whose actuals are
    all checked."""
    from model.io.actuals import ACTUALS_FOLDER

    if not paths:
        return sorted((root / "scenarios").glob("*.yaml")), [root / "assumptions"]
    scenarios, folders = [], []
    for path in paths:
        if not path.exists():
            raise UsageError(f"{path}: no such file or folder")
        folder = path if path.is_dir() else path.parent
        if folder.name == ACTUALS_FOLDER and (folder.parent / "sources.yaml").is_file():
            folders.append(folder.parent)
        elif (folder / "sources.yaml").is_file():
            folders.append(folder)
        elif path.is_dir():
            scenarios += sorted(path.glob("*.yaml"))
        else:
            scenarios.append(path)
    return scenarios, folders


@app.command(cls=Command, epilog=examples(
    ("Check every assumption, scenario and actuals file, and audit the sources", "scenario validate"),
    ("As a pull request's check: warnings fail too", "scenario validate --strict"),
    ("Each excerpt found in its source's text; figures older than a year flagged",
     "scenario validate --sources ../shared/sources --max-age 365"),
))
@reports_errors
def validate(
    paths: Annotated[list[Path] | None, typer.Argument(help="Files or folders (default: assumptions/ and scenarios/).")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Fail on warnings too.")] = False,
    sources: Annotated[Path | None, typer.Option(
        "--sources", help="Folder of the sources' texts: each excerpt must be found in the file its source's "
                          "`file:` names, relative to this folder.")] = None,
    max_age: Annotated[int | None, typer.Option(
        "--max-age", min=0, help="Warn about assumptions whose as_of is more than DAYS days before --today.",
        metavar="DAYS")] = None,
    today: Annotated[str | None, typer.Option(
        "--today", help="Reference date of --max-age, YYYY-MM-DD (default: today's date).", metavar="DATE")] = None,
) -> None:
    """Check assumption and scenario files and audit their sources; print each problem as file:line: key: message."""
    import datetime as dt

    from model.analysis.audit import AuditSettings
    from model.cli.checks import validate_and_audit

    reference = None
    if today is not None:
        if max_age is None:
            raise UsageError("--today is the reference date of --max-age; give --max-age DAYS too")
        try:
            reference = dt.date.fromisoformat(today)
        except ValueError:
            raise UsageError(f"--today must be a date such as 2026-01-31, not '{today}'") from None
    root = find_project_root() if not paths else Path.cwd()
    scenarios, folders = _split_paths(paths or [], root)
    settings = AuditSettings(sources_dir=sources, max_age_days=max_age, today=reference)
    problems, audit = validate_and_audit(scenarios, folders, settings)
    for problem in sorted(problems, key=lambda p: (p.file, p.line or 0, p.key)):
        err.print(str(problem), markup=False)
    errors = sum(p.severity == "error" for p in problems)
    warnings = sum(p.severity == "warning" for p in problems)
    acknowledged = len(problems) - errors - warnings  # listed, but neither errors nor warnings: --strict passes
    folders = list(dict.fromkeys(f.resolve() for f in folders))
    checked = f"{len(scenarios)} scenario{'s' * (len(scenarios) != 1)}, {len(folders)} assumption folder" \
              f"{'s' * (len(folders) != 1)}"
    if audit.actuals_files:
        checked += f", {audit.actuals_files} actuals file{'s' * (audit.actuals_files != 1)}"
    counts = f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
    if acknowledged:
        counts += f", {acknowledged} acknowledged"
    out.print(f"checked {checked}: {counts}", markup=False)
    if sources is not None:
        out.print(audit.texts_summary(), markup=False)
    if errors or (strict and warnings):
        raise typer.Exit(1)
