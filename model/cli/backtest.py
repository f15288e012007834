"""`scenario backtest`: a scenario against reported figures."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from model import format
from model.analysis.resources import check_draws
from model.cli.common import (
    SAMPLER_HELP,
    SCENARIO_HELP,
    SEED_HELP,
    Command,
    ProgressBar,
    Sampler,
    TableFormat,
    app,
    audited,
    examples,
    print_frame,
    print_note,
    print_warnings,
    print_wrote,
    reports_errors,
)
from model.errors import UsageError, display_path
from model.io.loading import load_inputs
from model.io.project import find_scenario


@app.command(cls=Command, epilog=examples(
    ("The base case against the figures reported since", "scenario backtest base"),
    ("With 90% intervals: how often the reported figure falls inside",
     "scenario backtest base --draws 1000 --format markdown"),
))
@reports_errors
def backtest(
    scenario: Annotated[str, typer.Argument(help=SCENARIO_HELP)],
    actuals: Annotated[Path | None, typer.Option(
        help="The file of reported figures (default: actuals/reported.yaml in the assumptions folder).")] = None,
    draws: Annotated[int, typer.Option(min=1, help="Draws of the assumptions; above 1, each projection gains its "
                                                   "median and 90% interval, whether the reported figure lies in it, "
                                                   "and the interval's width relative to the median.")] = 1,
    seed: Annotated[int, typer.Option(min=0, help=SEED_HELP)] = 0,
    sampler: Annotated[Sampler, typer.Option(help=SAMPLER_HELP)] = Sampler.sobol,
    fmt: Annotated[TableFormat, typer.Option("--format", help="Output format.")] = TableFormat.table,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Write here instead of outputs/backtest-<name>/.")] = None,
    assumptions: Annotated[Path | None, typer.Option(help="Assumptions folder (default: beside scenarios/).")] = None,
) -> None:
    """Check a scenario against what was reported: each reported figure of an actuals file against the projection
    for its company, metric and year, in the reporting currency, with the error in percent and whether it was
    published after the scenario's as_of; a summary by basis (outturn, plan, estimate) that leaves out, and lists,
    the figures restating one of the scenario's inputs; writes outputs/backtest-<name>/ (CSV, chart, manifest)."""
    from model.analysis import backtest as testing
    from model.io.actuals import default_actuals, load_actuals
    from model.io.outputs import destination, write_run
    from model.io.project import assumptions_for
    from model.present import backtest as rendering
    from model.present.artifacts import files_of

    path = find_scenario(scenario)
    inputs = load_inputs(path, assumptions)
    check_draws(draws, inputs)
    print_warnings(inputs.warnings)
    problems = audited(inputs)
    actuals_path = actuals or default_actuals(assumptions or assumptions_for(path))
    if not actuals_path.is_file():
        raise UsageError(f"actuals file not found: {display_path(actuals_path)}; give one with --actuals")
    root = path.resolve().parent.parent
    target = destination(out_dir or root / "outputs" / f"backtest-{inputs.scenario.name}", root=root,
                         inputs=[*inputs.files, actuals_path], named=out_dir is not None)
    figures, warnings = load_actuals(actuals_path, inputs)
    print_warnings(warnings)
    first, last = inputs.scenario.horizon
    if not figures:
        raise UsageError(f"no reported figure in {display_path(actuals_path)} falls within the horizon {first}-{last} "
                         f"of scenario '{inputs.scenario.name}'")
    from model.present import vega

    vega.start()  # the chart renderer's runtime starts beside the work before the charts
    with ProgressBar(f"{format.count(draws)} draws", draws) as bar:
        result = testing.backtest(inputs, figures, actuals_path, draws=draws, sampler=sampler.value, rng=seed,
                                  on_chunk=bar.advance, problems=problems)
    write_run(target, files_of(result), command="backtest", scenario=inputs.scenario.name,
              chain=inputs.scenario.chain, inputs=result.files, root=root, settings=result.settings,
              named=out_dir is not None, problems=problems)
    table = result.table
    print_frame(table if fmt is TableFormat.csv else rendering.formatted(table), fmt, title=rendering.title(result))
    print_note(rendering.summary(result), fmt)
    print_wrote(target, fmt)
