"""`scenario sensitivity`: which assumptions decide an output."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from model.analysis.methods import declared
from model.cli.common import (
    METRIC_KEYS,
    PROJECT_COMPANIES,
    SCENARIO_HELP,
    SEED_HELP,
    Command,
    ProgressBar,
    app,
    audited,
    err,
    examples,
    print_shown,
    print_warnings,
    print_wrote,
    reports_errors,
)
from model.io.loading import load_inputs
from model.io.project import find_scenario

METHODS = declared()  # read without importing them: every command starts with this module
Method = StrEnum("Method", {name: name for name in METHODS})  # type: ignore[misc]
METHOD_HELP = "; ".join(f"{name}: {method.description}" for name, method in METHODS.items()) + "."


@app.command(cls=Command, epilog=examples(
    ("Which assumptions decide cumulative AI-chip spend in the horizon's last year", "scenario sensitivity base"),
    ("Sobol' indices of Tencent's capex in 2027", "scenario sensitivity bull --method sobol --metric capex \\\n"
                                                   "  --company tencent --year 2027"),
    ("Shapley effects, which share the correlated accelerator prices' variance",
     "scenario sensitivity base --method shapley --metric accelerators_installed"),
    ("Sobol' indices, the sample doubled until every interval is at most 0.05 wide",
     "scenario sensitivity base --method sobol --precision 0.05"),
))
@reports_errors
def sensitivity(
    scenario: Annotated[str, typer.Argument(help=SCENARIO_HELP)],
    method: Annotated[Method, typer.Option(help=METHOD_HELP)] = next(iter(Method)),  # type: ignore[assignment]
    metric: Annotated[str | None, typer.Option(
        help=f"The output metric (default: cumulative AI-chip spend), one of: {METRIC_KEYS}.")] = None,
    company: Annotated[list[str] | None, typer.Option(
        help=f"Only this company's output (slug or name); repeatable. {PROJECT_COMPANIES}")] = None,
    year: Annotated[int | None, typer.Option(help="The output's year (default: the horizon's last).")] = None,
    samples: Annotated[int | None, typer.Option(show_default=False, help=(
        f"Sobol: base sample size n, a power of two; runs n x (assumptions + 2). Shapley: n draws, at least 64; runs "
        f"n x (assumptions + 1). Default {2**13}; with --precision (Sobol), the most (default: this machine's "
        "ceiling)."))] = None,
    seed: Annotated[int, typer.Option(min=0, help=SEED_HELP)] = 0,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Write here instead of outputs/<name>-<method>/.")] = None,
    assumptions: Annotated[Path | None, typer.Option(help="Assumptions folder (default: beside scenarios/).")] = None,
    precision: Annotated[str | None, typer.Option(metavar="WIDTH", help=(
        "Sobol: double the sample, from 1,024, until every index's 95% interval is at most this wide, such as "
        "0.05; the footer gives the sample it took."))] = None,
) -> None:
    """Which assumptions decide an output: a tornado (each assumption at its 5th and 95th percentile), Sobol'
    indices or Shapley effects (which respect the scenario's correlations), with research priorities (by Shapley
    effects wherever the scenario correlates assumptions); prints the tables and writes CSV, the workbook
    <name>-<method>.xlsx, charts and a manifest."""
    from model.analysis.precision import read_precision
    from model.analysis.sensitivity import OUTPUT_DEFAULT_METRIC, find_method, growing_method, output_year, sample_cap
    from model.io.outputs import destination, write_run
    from model.present import sensitivity as rendering
    from model.present.artifacts import files_of

    if precision is None:
        chosen = find_method(method.value)
    else:
        chosen = growing_method(method.value, option="--precision", named=lambda name: f"--method {name}")
    wanted = None if precision is None else read_precision(precision, "--precision")
    path = find_scenario(scenario)
    inputs = load_inputs(path, assumptions)
    if samples is not None or wanted is None:
        samples = 2**13 if samples is None else samples
        chosen.check(inputs, samples)
    samples, cap_option = sample_cap(inputs, samples, "--samples")
    root = path.resolve().parent.parent
    target = destination(out_dir or root / "outputs" / f"{inputs.scenario.name}-{method.value}", root=root,
                         inputs=inputs.files, named=out_dir is not None)
    from model.present import vega

    vega.start()  # the chart renderer's runtime starts beside the work before the charts
    print_warnings(inputs.warnings)
    problems = audited(inputs)
    year = output_year(inputs, year)
    if wanted is None:
        with ProgressBar(*chosen.work(inputs, samples)) as bar:
            result = chosen.analyse(inputs, metric=metric or OUTPUT_DEFAULT_METRIC, year=year, companies=company,
                                    samples=samples, seed=seed, on_progress=bar.advance)
    else:
        with ProgressBar(f"{method.value} until precise, runs of the model", None) as bar:
            result = chosen.analyse_until(inputs, metric=metric or OUTPUT_DEFAULT_METRIC, year=year,
                                          companies=company, precision=wanted, cap=samples, seed=seed,
                                          cap_option=cap_option, on_progress=bar.advance)
    write_run(target, files_of(result), command="sensitivity", scenario=inputs.scenario.name,
              chain=inputs.scenario.chain, inputs=inputs.files, root=root, settings=result.settings,
              named=out_dir is not None, problems=problems)
    for note in (*result.notes, *result.warnings):
        err.print(f"warning: {note}", markup=False)
    print_shown(rendering.terminal(result))
    print_wrote(target)
