"""`scenario run`: project a scenario and write its run folder."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from model import format
from model.analysis.resources import check_draws, max_draws
from model.cli.common import (
    DRAWS_HELP,
    PRECISION_HELP,
    SAMPLER_HELP,
    SCENARIO_HELP,
    SEED_HELP,
    Command,
    ProgressBar,
    Sampler,
    app,
    audited,
    err,
    examples,
    out,
    print_shown,
    print_warnings,
    reports_errors,
)
from model.errors import UsageError, display_path
from model.io.loading import load_inputs
from model.io.project import find_scenario


@app.command(cls=Command, epilog=examples(
    ("The base case: the headline table, and outputs/base/ with the report", "scenario run base"),
    ("A thousand draws of every assumption: percentile intervals, fan charts and race odds",
     "scenario run bull --draws 1000 --seed 7"),
    ("Draw until every headline percentile is known to 1% of its interval, at most a million draws",
     "scenario run base --precision 1% --draws 1000000"),
    ("Into a folder of your choice (its parent must exist)", "scenario run base.yaml --out /tmp/base-run"),
))
@reports_errors
def run(
    scenario: Annotated[str, typer.Argument(help=SCENARIO_HELP)],
    out_dir: Annotated[Path | None, typer.Option("--out", help="Write the run here instead of outputs/<name>/.")] = None,
    assumptions: Annotated[Path | None, typer.Option(help="Assumptions folder (default: beside scenarios/).")] = None,
    draws: Annotated[int | None, typer.Option(min=1, show_default=False, help=DRAWS_HELP + (
        " Default 1; with --precision, the most drawn (default: this machine's ceiling)."))] = None,
    seed: Annotated[int, typer.Option(min=0, help=SEED_HELP)] = 0,
    sampler: Annotated[Sampler, typer.Option(help=SAMPLER_HELP)] = Sampler.sobol,
    precision: Annotated[str | None, typer.Option(metavar="SHARE", help=PRECISION_HELP)] = None,
) -> None:
    """Project a scenario: print the headline table and write outputs/<name>/ (CSV, charts, report, the workbook
    <name>.xlsx, manifest)."""
    from model.analysis.precision import read_precision
    from model.io.outputs import destination, write_run

    wanted = None if precision is None else read_precision(precision)
    path = find_scenario(scenario)
    inputs = load_inputs(path, assumptions)
    if draws is not None:
        check_draws(draws, inputs)
        if wanted is not None and draws < 2:
            raise UsageError(f"--precision draws until precise, at most --draws: give --draws 2 or more, not {draws}")
    cap_option = "--draws" if draws is not None else "this machine's ceiling"
    if wanted is not None and draws is None:
        draws = max_draws(len(inputs.companies), len(inputs.scenario.years))
    draws = draws or 1
    root = path.resolve().parent.parent
    target = destination(out_dir or root / "outputs" / inputs.scenario.name, root=root, inputs=inputs.files,
                         named=out_dir is not None)
    # Only checked inputs and a writable target are worth the charting and statistics libraries' import time: a
    # bad file is refused about as fast as `scenario --help` answers.
    from model.present import vega

    vega.start()  # the chart renderer's runtime starts beside the imports and the model
    from model.analysis.projection import run as project
    from model.analysis.projection import run_result
    from model.io.bundle_cache import cached_ahead
    from model.present import report
    from model.present import run as rendering
    from model.present.artifacts import files_of

    print_warnings(inputs.warnings)
    problems = audited(inputs)
    # the report's JavaScript, kept in the project's outputs/.cache/ between runs; a first run has a process of its
    # own make it (over a second) from here, while the model runs and the helper draws the charts
    bundle = cached_ahead(root / "outputs", report.bundle_name(), report.vega_embed_bundle_ahead,
                          valid=report.inlinable, create=out_dir is None)
    started = time.perf_counter()
    progress = (f"{format.count(draws)} draws", draws) if wanted is None else ("draws until precise", None)
    with ProgressBar(*progress) as bar:
        projection = project(inputs, draws=draws, sampler=sampler.value, rng=seed, on_chunk=bar.advance,
                             precision=wanted, cap_option=cap_option)
    modelled = time.perf_counter()
    result = run_result(inputs, projection, problems)
    for note in result.warnings:  # (a repaired correlation matrix was reported with the files' warnings)
        err.print(f"warning: {note}", markup=False)
    files = files_of(result, bundle=bundle)
    rendered = time.perf_counter()
    write_run(target, files, command="run", scenario=inputs.scenario.name, chain=inputs.scenario.chain,
              inputs=result.files, root=root, settings=result.settings, named=out_dir is not None, problems=problems)
    print_shown(rendering.terminal(result))
    out.print(f"wrote {display_path(target)}/ (model {format.seconds(modelled - started)}, charts and report "
              f"{format.seconds(rendered - modelled)})", markup=False)
