"""`scenario compare`: scenarios or saved runs side by side."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from model.cli.common import TableFormat, app, print_frame, print_warnings, print_wrote, reports_errors


class CompareFormat(StrEnum):
    table = "table"
    markdown = "markdown"
    csv = "csv"
    json = "json"


@app.command()
@reports_errors
def compare(
    names: Annotated[list[str], typer.Argument(
        help="Two or more scenarios (base, bull.yaml, a path) or run folders (outputs/base); the first is the "
             "reference. A name that is both a scenario and a folder in outputs/ means the scenario, run afresh.")],
    fmt: Annotated[CompareFormat, typer.Option("--format", help="What to print.")] = CompareFormat.table,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Write here instead of outputs/compare-<names>/.")] = None,
    assumptions: Annotated[Path | None, typer.Option(help="Assumptions folder (default: beside scenarios/).")] = None,
) -> None:
    """Headline results of scenarios or saved runs side by side, with each one's change from the first (absolute
    and in percent); writes the table (CSV, JSON), a chart per metric with a line per scenario, and a manifest to
    outputs/compare-<names>/. Scenarios run with every assumption at its value; a run folder gives its 'value'
    column."""
    from model.analysis import compare as comparing
    from model.io.outputs import destination, to_csv, to_json, write_run
    from model.present import compare as rendering
    from model.present.charts import scenario_overlay
    from model.present.report import render_chart

    sides = comparing.load_sides(names, assumptions)
    root = comparing.project_root_or_cwd()
    name = comparing.folder_name([side.label for side in sides])
    inputs = list(dict.fromkeys(f for side in sides for f in side.files))
    target = destination(out_dir or root / "outputs" / name, root=root, inputs=inputs, named=out_dir is not None)
    for side in sides:
        print_warnings(side.warnings)
    problems = [problem for side in sides for problem in side.problems]
    print_warnings(problems)
    labels = [side.label for side in sides]
    long = comparing.comparison({side.label: side.frame for side in sides})
    files: dict[str, str | bytes] = {
        "compare.csv": to_csv(comparing.side_by_side(long)),
        "compare.json": to_json(rendering.to_records(long)),
    }
    overlay = comparing.overlay_frame(sides)
    for metric in comparing.COMPARE_METRICS:
        files |= render_chart(scenario_overlay(overlay, metric=metric)).files(metric)
    write_run(target, files, command="compare", scenario=name, chain=[name], root=root, inputs=inputs,
              settings={"reference": labels[0], "compared": comparing.described(sides, root)},
              named=out_dir is not None, problems=problems)
    if fmt is CompareFormat.json:
        sys.stdout.write(str(files["compare.json"]))
    elif fmt is CompareFormat.csv:
        sys.stdout.write(str(files["compare.csv"]))
    else:
        title = f"Headline results ({sides[0].currency}); changes from {labels[0]}"
        print_frame(rendering.formatted(long), TableFormat(fmt.value), title=title)
    print_wrote(target, fmt)
