"""`scenario backtest`: a scenario against reported figures."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from model.analysis.resources import check_draws
from model.cli.common import (
    SAMPLER_HELP,
    SEED_HELP,
    ProgressBar,
    Sampler,
    TableFormat,
    app,
    audited,
    draw_settings,
    print_frame,
    print_note,
    print_warnings,
    print_wrote,
    reports_errors,
)
from model.errors import UsageError, display_path
from model.io.loading import (
    find_scenario,
    load_inputs,
)
from model.present import format


@app.command()
@reports_errors
def backtest(
    scenario: Annotated[str, typer.Argument(help="A scenario name in scenarios/ (base, base.yaml) or a path.")],
    actuals: Annotated[Path | None, typer.Option(
        help="The file of reported figures (default: actuals/reported.yaml in the assumptions folder).")] = None,
    draws: Annotated[int, typer.Option(min=1, help="Draws of the assumptions; above 1, each projection gains its "
                                                   "90% interval and whether the reported figure lies in it.")] = 1,
    seed: Annotated[int, typer.Option(min=0, help=SEED_HELP)] = 0,
    sampler: Annotated[Sampler, typer.Option(help=SAMPLER_HELP)] = Sampler.sobol,
    fmt: Annotated[TableFormat, typer.Option("--format", help="Output format.")] = TableFormat.table,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Write here instead of outputs/backtest-<name>/.")] = None,
    assumptions: Annotated[Path | None, typer.Option(help="Assumptions folder (default: beside scenarios/).")] = None,
) -> None:
    """Check a scenario against what was reported: each reported figure of an actuals file against the projection
    for its company, metric and year, in the reporting currency, with the error in percent and whether it was
    published after the scenario's as_of; writes outputs/backtest-<name>/ (CSV, chart, manifest)."""
    from model.analysis import backtest as testing
    from model.analysis.projection import run as project
    from model.io.actuals import default_actuals
    from model.io.loading import assumptions_for
    from model.io.outputs import destination, to_csv, write_run
    from model.present import backtest as rendering
    from model.present.charts import backtest_chart
    from model.present.report import render_chart

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
    figures, warnings = testing.load_actuals(actuals_path, inputs)
    print_warnings(warnings)
    first, last = inputs.scenario.horizon
    if not figures:
        raise UsageError(f"no reported figure in {display_path(actuals_path)} falls within the horizon {first}-{last} "
                         f"of scenario '{inputs.scenario.name}'")
    with ProgressBar(f"{format.count(draws)} draws", draws) as bar:
        projection = project(inputs, draws=draws, sampler=sampler.value, rng=seed, on_chunk=bar.advance)
    tidy = projection.tidy()
    table = testing.backtest_table(figures, tidy, inputs.scenario.as_of)
    files = {"backtest.csv": to_csv(table), **render_chart(backtest_chart(tidy, table)).files("backtest")}
    write_run(target, files, command="backtest", scenario=inputs.scenario.name, chain=inputs.scenario.chain,
              inputs=[*inputs.files, actuals_path], root=root,
              settings=draw_settings(draws, seed, sampler, projection.simulation is not None),
              named=out_dir is not None, problems=problems)
    scenario_info = inputs.scenario
    title = (f"{scenario_info.name} ({first}-{last}, {scenario_info.reporting_currency}, as of {scenario_info.as_of}) "
             f"against {display_path(actuals_path)}; error = projected - actual")
    print_frame(table if fmt is TableFormat.csv else rendering.formatted(table), fmt, title=title)
    print_note(rendering.summary(table, scenario_info.as_of), fmt)
    print_wrote(target, fmt)
