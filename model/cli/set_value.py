"""`scenario set`: change one assumption with its new source."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from model.cli.common import (
    ASSUMPTION_KEYS,
    PROJECT_COMPANIES,
    PROJECT_SCENARIOS,
    Command,
    Confidence,
    app,
    examples,
    out,
    print_warnings,
    reports_errors,
)
from model.errors import Problem
from model.io.project import find_project_root


@app.command("set", cls=Command, epilog=examples(
    ("Tencent's capex intensity path on the team's judgement (the old path goes to history)",
     "scenario set tencent.capex.intensity 2025:0.12,2026:0.13,2028:0.12,2030:0.11 \\\n"
     "  --source analyst-judgement --rationale 'guided higher for 2026 on the call'"),
    ("The latest scenario's exchange rate, the day's fix unrounded, with the report that states it",
     "scenario set fx.CNY 6.8375 --scenario latest --source el7-2026-05-19 \\\n"
     "  --excerpt 'setting the USD/CNY central parity rate at 6.8375' \\\n"
     "  --rationale 'the fix of 2026-05-19, unrounded'"),
), context_settings={"ignore_unknown_options": True})  # so that VALUE may be negative (-0.05)
@reports_errors
def set_command(
    key: Annotated[str, typer.Argument(help=f"<company>.<key> (tencent.capex.intensity), market.<key> or fx.<CCY> "
                                            f"(fx.CNY); the keys: {ASSUMPTION_KEYS}. {PROJECT_COMPANIES}")],
    value: Annotated[str, typer.Argument(
        help="A number (0.12, -0.05, 1.5e3) or a per-year series: 2025:0.1,2027:0.08 or '{2025: 0.1, 2027: 0.08}'.")],
    source: Annotated[str, typer.Option(help="The id in assumptions/sources.yaml of the source for the new value.")],
    excerpt: Annotated[str | None, typer.Option(help="The source's short phrase that states the figure.")] = None,
    confidence: Annotated[Confidence | None, typer.Option(help="The new confidence (default: unchanged).")] = None,
    scenario: Annotated[str | None, typer.Option(
        help=f"Set this scenario's override of KEY (added if absent) instead of the assumption. {PROJECT_SCENARIOS}")
    ] = None,
    rationale: Annotated[str | None, typer.Option(
        help="Why: required with --scenario, and for an analyst-judgement source.")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="When the figure was known, YYYY-MM-DD (default: the "
                                                               "source's date; for analyst judgement, today).")] = None,
    locator: Annotated[str | None, typer.Option(help="Where in the source: page, section or paragraph.")] = None,
    add_source: Annotated[bool, typer.Option("--add-source", help="Keep the current sources and add this one "
                                                                  "(default: it replaces them).")] = False,
    bounds: Annotated[tuple[str, str] | None, typer.Option("--range", metavar="LOW HIGH", help="The new explicit "
                                                           "90% interval, holding VALUE.")] = None,
) -> None:
    """Change one assumption, or a scenario's override of it, with its new source; the previous value, with its
    sources, goes into the entry's history. The rest of the file stays byte for byte; nothing is written unless the
    whole project still validates."""
    from model.cli.checks import validate_and_audit
    from model.io import editing
    from model.io.outputs import write_atomically

    def validate(scenarios_dir: Path, assumptions_dir: Path) -> list[Problem]:
        """What `scenario validate` finds: the loader's rules and the source audit, in one loading of the files."""
        return validate_and_audit(sorted(scenarios_dir.glob("*.yaml")), [assumptions_dir])[0]

    target = editing.find_target(find_project_root(), key, scenario)
    change = editing.make_change(target, value, source=source, excerpt=excerpt, locator=locator,
                                 as_of=editing.parse_date(as_of, "--as-of") if as_of else None,
                                 confidence=confidence.value if confidence else None, rationale=rationale,
                                 add_source=add_source, bounds=bounds)
    edited = editing.edit(target, change)
    warnings = editing.validated(edited, validate)
    write_atomically(target.path, edited.text)
    print_warnings(warnings)
    out.print(edited.summary, markup=False)
