"""`scenario run`: project a scenario and write its run folder."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from model.analysis.resources import check_draws
from model.cli.common import (
    DRAWS_HELP,
    SAMPLER_HELP,
    SEED_HELP,
    ProgressBar,
    Sampler,
    TableFormat,
    app,
    audited,
    draw_settings,
    err,
    out,
    print_frame,
    print_warnings,
    reports_errors,
)
from model.errors import display_path
from model.io.loading import (
    find_scenario,
    load_inputs,
)
from model.present import format


@app.command()
@reports_errors
def run(
    scenario: Annotated[str, typer.Argument(help="A scenario name in scenarios/ (base, base.yaml) or a path.")],
    out_dir: Annotated[Path | None, typer.Option("--out", help="Write the run here instead of outputs/<name>/.")] = None,
    assumptions: Annotated[Path | None, typer.Option(help="Assumptions folder (default: beside scenarios/).")] = None,
    draws: Annotated[int, typer.Option(min=1, help=DRAWS_HELP)] = 1,
    seed: Annotated[int, typer.Option(min=0, help=SEED_HELP)] = 0,
    sampler: Annotated[Sampler, typer.Option(help=SAMPLER_HELP)] = Sampler.sobol,
) -> None:
    """Project a scenario: print the headline table and write outputs/<name>/ (CSV, charts, report, manifest)."""
    from model.io.outputs import destination, write_run

    path = find_scenario(scenario)
    inputs = load_inputs(path, assumptions)
    check_draws(draws, inputs)
    root = path.resolve().parent.parent
    target = destination(out_dir or root / "outputs" / inputs.scenario.name, root=root, inputs=inputs.files,
                         named=out_dir is not None)
    # Only checked inputs and a writable target are worth the charting and statistics libraries' import time: a
    # bad file is refused about as fast as `scenario --help` answers.
    from model.analysis.projection import convergence_report, convergence_warnings
    from model.analysis.projection import run as project
    from model.present.artifacts import run_files
    from model.present.run import headline_text, interval_headline, race_tables

    print_warnings(inputs.warnings)
    problems = audited(inputs)
    started = time.perf_counter()
    with ProgressBar(f"{format.count(draws)} draws", draws) as bar:
        projection = project(inputs, draws=draws, sampler=sampler.value, rng=seed, on_chunk=bar.advance)
    modelled = time.perf_counter()
    simulation = projection.simulation
    if simulation is not None:  # (a repaired correlation matrix was reported with the files' warnings)
        for note in convergence_warnings(projection):
            err.print(f"warning: {note}", markup=False)
    files = run_files(inputs, projection, problems)
    rendered = time.perf_counter()
    write_run(target, files, command="run", scenario=inputs.scenario.name, chain=inputs.scenario.chain,
              inputs=inputs.files, root=root, settings=draw_settings(draws, seed, sampler, simulation is not None),
              named=out_dir is not None, problems=problems)
    scenario_info = inputs.scenario
    title = (f"{scenario_info.name}: {scenario_info.horizon[0]}-{scenario_info.horizon[1]}, "
             f"{scenario_info.reporting_currency}, as of {scenario_info.as_of}")
    if simulation is None:
        table = headline_text(projection)
    else:
        table = interval_headline(projection)
        title += f"; {format.count(draws)} draws, value [5th-95th percentile]"
    print_frame(table.T.reset_index(names=""), TableFormat.table, title=title)
    if simulation is not None:
        for name, race in race_tables(projection).items():
            if not race.empty:
                print_frame(race, TableFormat.table, title=name)
        report = convergence_report(projection)
        out.print(f"{report[0].upper()}{report[1:]}.", markup=False)
    out.print(f"wrote {display_path(target)}/ (model {format.seconds(modelled - started)}, charts and report "
              f"{format.seconds(rendered - modelled)})", markup=False)
