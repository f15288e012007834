"""`scenario sensitivity`: which assumptions decide an output."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from model.catalogue import Kind
from model.cli.common import (
    SEED_HELP,
    ProgressBar,
    TableFormat,
    app,
    audited,
    err,
    out,
    print_frame,
    print_warnings,
    print_wrote,
    reports_errors,
)
from model.io.loading import (
    find_scenario,
    load_inputs,
)
from model.present import format


class Method(StrEnum):
    tornado = "tornado"
    sobol = "sobol"


SHOWN_PER_COMPANY = 10  # rows of each company's table in the terminal; the CSV has them all


@app.command()
@reports_errors
def sensitivity(
    scenario: Annotated[str, typer.Argument(help="A scenario name in scenarios/ (base, base.yaml) or a path.")],
    method: Annotated[Method, typer.Option(help="tornado: one assumption at a time; sobol: variance shares.")] = Method.tornado,
    metric: Annotated[str | None, typer.Option(help="The output metric (default: cumulative AI-chip spend).")] = None,
    company: Annotated[list[str] | None, typer.Option(help="Only this company's output (slug or name); repeatable.")] = None,
    year: Annotated[int | None, typer.Option(help="The output's year (default: the horizon's last).")] = None,
    samples: Annotated[int, typer.Option(help="Sobol: base sample size n, a power of two; runs n x (assumptions + 2).")] = 2**13,
    seed: Annotated[int, typer.Option(min=0, help=SEED_HELP)] = 0,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Write here instead of outputs/<name>-<method>/.")] = None,
    assumptions: Annotated[Path | None, typer.Option(help="Assumptions folder (default: beside scenarios/).")] = None,
) -> None:
    """Which assumptions decide an output: a tornado (each assumption at its 5th and 95th percentile) or Sobol'
    indices with research priorities; prints the tables and writes CSV, charts and a manifest."""
    from model.analysis import sensitivity as analysis
    from model.analysis.resources import check_sobol_size
    from model.io.outputs import destination, to_csv, write_run
    from model.present.charts import sobol as sobol_chart
    from model.present.charts import tornado as tornado_chart
    from model.present.report import render_chart
    from model.present.sensitivity import priority_table

    path = find_scenario(scenario)
    inputs = load_inputs(path, assumptions)
    if method is Method.sobol:
        analysis.check_samples(samples)
        check_sobol_size(samples, inputs)
    root = path.resolve().parent.parent
    target = destination(out_dir or root / "outputs" / f"{inputs.scenario.name}-{method.value}", root=root,
                         inputs=inputs.files, named=out_dir is not None)
    print_warnings(inputs.warnings)
    problems = audited(inputs)
    metric = metric or analysis.OUTPUT_DEFAULT_METRIC
    settings: dict[str, Any] = {"method": method.value, "metric": metric, "year": analysis.output_year(inputs, year),
                                "companies": company or []}
    files: dict[str, str | bytes] = {}
    widest = None
    if method is Method.tornado:
        frame = analysis.tornado(inputs, metric=metric, year=year, companies=company)
        files["tornado.csv"] = to_csv(frame)
        chart = render_chart(tornado_chart(analysis.moving(frame)))
        shown = frame.loc[frame["swing"] > 0, ["company", "key", "input_low", "input_high", "output_low",
                                               "output_high", "swing"]]
        shown = shown.assign(**{column: shown[column].map(format.approximate)
                                for column in ("output_low", "output_high", "swing")})
        notes: tuple[str, ...] = ()
    else:
        keys = len(inputs.resolved)
        with ProgressBar(f"Sobol' indices, {format.count(samples)} x {keys + 2} runs", samples * (keys + 2)) as bar:
            result = analysis.sobol(inputs, metric=metric, year=year, companies=company, samples=samples, rng=seed,
                                    on_progress=bar.advance)
        frame = result.frame
        priorities = analysis.research_priorities(inputs, frame)
        files["sobol.csv"] = to_csv(frame)
        files["priorities.csv"] = to_csv(priorities)
        chart = render_chart(sobol_chart(frame))
        settings |= {"samples": samples, "seed": result.seed, "bootstrap": result.bootstrap,
                     "confidence": result.confidence, "evaluations": result.evaluations}
        shown = priority_table(frame, priorities)
        notes = (*result.notes, *result.warnings)
        widest = max(result.max_interval_width.items(), key=lambda item: item[1], default=None)
    files |= chart.files(method.value)
    write_run(target, files, command="sensitivity", scenario=inputs.scenario.name, chain=inputs.scenario.chain,
              inputs=inputs.files, root=root, settings=settings, named=out_dir is not None, problems=problems)
    for note in notes:
        err.print(f"warning: {note}", markup=False)
    unit = frame["unit"].iloc[0] if len(frame) else ""
    for name, rows in shown.groupby("company", sort=False):
        title = f"{name}: {metric} in {settings['year']} ({unit})"
        print_frame(rows.drop(columns="company").head(SHOWN_PER_COMPANY), TableFormat.table, title=title)
    if method is Method.sobol and widest is not None:
        out.print(f"Widest {format.figure(result.confidence, Kind.probability, decimals=0)} bootstrap interval of an "
                  f"index: {format.sensitivity_index(widest[1])} ({widest[0]}); {format.count(result.samples)} samples, "
                  f"{format.count(result.evaluations)} runs of the model", markup=False)
    print_wrote(target)
