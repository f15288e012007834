"""The `scenario` command: parses arguments, calls the model, prints and writes. No modelling logic lives here."""

from __future__ import annotations

import functools
import sys
import time
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import pandas as pd
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from model.errors import InputError, Problem, ScenarioError, UsageError, display_path
from model.loading import (
    Inputs,
    base_assumptions,
    find_project_root,
    find_scenario,
    load_assumption_set,
    load_inputs,
    validate_project,
)
from model.register import distribution_table, markdown, register, rests_on_judgement, source_table

app = typer.Typer(
    name="scenario",
    help="Sourced assumptions, scenarios and projections of the AI-infrastructure race.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(highlight=False)
err = Console(stderr=True, highlight=False, soft_wrap=True)  # one problem per line, never folded
if not out.is_terminal:  # piped or captured: rich would assume 80 columns and fold every key
    out.width = 200

F = TypeVar("F", bound=Callable[..., Any])


def reports_errors(command: F) -> F:
    """Turn the project's errors into a message on stderr and an exit code, never a traceback."""
    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except InputError as error:
            for problem in error.problems:
                err.print(str(problem), markup=False)
            errors = sum(p.severity == "error" for p in error.problems)
            err.print(f"{errors} error{'s' * (errors != 1)}; nothing was written", markup=False)
            raise typer.Exit(error.exit_code) from None
        except ScenarioError as error:
            err.print(f"error: {error}", markup=False)
            raise typer.Exit(error.exit_code) from None

    return wrapper  # type: ignore[return-value]


class TableFormat(StrEnum):
    table = "table"
    csv = "csv"
    markdown = "markdown"


def print_frame(frame: pd.DataFrame, fmt: TableFormat, title: str | None = None) -> None:
    if fmt is TableFormat.csv:
        sys.stdout.write(frame.to_csv(index=False, lineterminator="\n"))
    elif fmt is TableFormat.markdown:
        sys.stdout.write(markdown(frame))
    else:
        table = Table(title=title, show_lines=False)
        for index, column in enumerate(frame.columns):
            table.add_column(str(column), overflow="fold", no_wrap=index == 0)
        for row in frame.itertuples(index=False):
            table.add_row(*(str(v) for v in row))
        out.print(table)


def print_warnings(warnings: tuple[Problem, ...] | list[Problem]) -> None:
    for warning in warnings:
        err.print(str(warning), markup=False)


class ProgressBar:
    """A progress bar on stderr for work of `total` steps, shown only on a terminal and only once the work has
    taken longer than `after` seconds, so quick runs and piped output stay clean. Use as a context manager and
    call `advance(n)`."""

    def __init__(self, description: str, total: int, after: float = 1.0):
        self.description, self.total, self.after = description, total, after
        self.started = time.perf_counter()
        self.done = 0
        self.progress: Progress | None = None
        self.task = None

    def __enter__(self) -> ProgressBar:
        return self

    def advance(self, steps: int) -> None:
        self.done += steps
        if self.progress is None and err.is_terminal and time.perf_counter() - self.started > self.after:
            self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                     TimeRemainingColumn(), console=err, transient=True)
            self.progress.start()
            self.task = self.progress.add_task(self.description, total=self.total, completed=self.done)
        elif self.progress is not None:
            self.progress.update(self.task, completed=self.done)

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()


class Sampler(StrEnum):
    sobol = "sobol"
    lhs = "lhs"
    random = "random"


DRAWS_HELP = "Draws of the assumptions' distributions; above 1, the outputs gain percentiles and race odds."
SEED_HELP = "Seed of the draws: the same seed gives the same numbers."
SAMPLER_HELP = "Uniform draws: scrambled Sobol' sequence, Latin hypercube or plain random."


# -------------------------------------------------------------------------------------------------------------- run
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
    from model.outputs import manifest, to_json, write_folder
    from model.artifacts import run_files
    from model.projection import convergence_warnings, formatted_headline, headline, interval_headline, race_tables
    from model.projection import run as project

    path = find_scenario(scenario)
    started = time.perf_counter()
    inputs = load_inputs(path, assumptions)
    print_warnings(inputs.warnings)
    with ProgressBar(f"{draws:,} draws", draws) as bar:
        projection = project(inputs, draws=draws, sampler=sampler.value, rng=seed, on_chunk=bar.advance)
    simulation = projection.simulation
    if simulation is not None:  # (a repaired correlation matrix was reported with the files' warnings)
        for note in convergence_warnings(projection):
            err.print(f"warning: {note}", markup=False)
    modelled = time.perf_counter()
    files = run_files(inputs, projection)
    rendered = time.perf_counter()
    root = path.resolve().parent.parent
    target = out_dir or root / "outputs" / inputs.scenario.name
    files["manifest.json"] = to_json(manifest(
        scenario=inputs.scenario.name, chain=inputs.scenario.chain, files=inputs.files, root=root,
        settings={"draws": draws, "seed": seed if simulation else None, "sampler": sampler.value if simulation else None},
        outputs=[*files, "manifest.json"],
    ))
    write_folder(target, files)
    scenario_info = inputs.scenario
    title = (f"{scenario_info.name}: {scenario_info.horizon[0]}-{scenario_info.horizon[1]}, "
             f"{scenario_info.reporting_currency}, as of {scenario_info.as_of}")
    if simulation is None:
        table = formatted_headline(headline(projection))
    else:
        table = interval_headline(projection)
        title += f"; {draws:,} draws, value [5th-95th percentile]"
    print_frame(table.T.reset_index(names=""), TableFormat.table, title=title)
    if simulation is not None:
        for name, race in race_tables(projection).items():
            if not race.empty:
                print_frame(race, TableFormat.table, title=name)
    out.print(f"wrote {display_path(target)}/ (model {modelled - started:.2f} s, charts and report "
              f"{rendered - modelled:.2f} s)", markup=False)


# ------------------------------------------------------------------------------------------------------ sensitivity
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
    from model import sensitivity as analysis
    from model.charts import sobol as sobol_chart, tornado as tornado_chart
    from model.outputs import manifest, to_json, write_folder
    from model.artifacts import to_csv
    from model.report import render_chart

    path = find_scenario(scenario)
    inputs = load_inputs(path, assumptions)
    print_warnings(inputs.warnings)
    metric = metric or analysis.OUTPUT_DEFAULT_METRIC
    settings: dict[str, Any] = {"method": method.value, "metric": metric, "year": analysis.output_year(inputs, year),
                                "companies": company or []}
    files: dict[str, str | bytes] = {}
    if method is Method.tornado:
        frame = analysis.tornado(inputs, metric=metric, year=year, companies=company)
        files["tornado.csv"] = to_csv(frame)
        # the chart, like the terminal, shows what moves the output; the CSV keeps each company's every assumption
        moving = frame[frame["swing"] > 0]
        chart = render_chart(tornado_chart(moving if len(moving) else frame))
        shown = frame.loc[frame["swing"] > 0, ["company", "key", "input_low", "input_high", "output_low",
                                               "output_high", "swing"]]
        shown = shown.assign(**{column: shown[column].map(_number) for column in ("output_low", "output_high", "swing")})
        notes: tuple[str, ...] = ()
    else:
        keys = len(inputs.resolved)
        with ProgressBar(f"Sobol' indices, {samples:,} x {keys + 2} runs", samples * (keys + 2)) as bar:
            result = analysis.sobol(inputs, metric=metric, year=year, companies=company, samples=samples, rng=seed,
                                    on_progress=bar.advance)
        frame = result.frame
        priorities = analysis.research_priorities(inputs, frame)
        files["sobol.csv"] = to_csv(frame)
        files["priorities.csv"] = to_csv(priorities)
        chart = render_chart(sobol_chart(frame))
        settings |= {"samples": samples, "seed": result.seed, "bootstrap": result.bootstrap,
                     "confidence": result.confidence, "evaluations": result.evaluations}
        intervals = frame.assign(**{
            index: [_interval(*row) for row in frame[[index, f"{index}_low", f"{index}_high"]].to_numpy()]
            for index in ("first_order", "total_order")
        })[["company", "key", "first_order", "total_order"]]
        shown = priorities.drop(columns=["total_order"]).merge(intervals, on=["company", "key"], how="left")[
            ["company", "rank", "key", "first_order", "total_order", "confidence", "flags", "dig"]]
        notes = (*result.notes, *result.warnings)
    for name, content in (("vl.json", chart.vega_lite_json), ("svg", chart.svg), ("png", chart.png)):
        files[f"charts/{method.value}.{name}"] = content
    root = path.resolve().parent.parent
    target = out_dir or root / "outputs" / f"{inputs.scenario.name}-{method.value}"
    files["manifest.json"] = to_json(manifest(
        scenario=inputs.scenario.name, chain=inputs.scenario.chain, files=inputs.files, root=root,
        settings=settings, outputs=[*files],
    ))
    write_folder(target, files)
    for note in notes:
        err.print(f"warning: {note}", markup=False)
    unit = frame["unit"].iloc[0] if len(frame) else ""
    for name, rows in shown.groupby("company", sort=False):
        title = f"{name}: {metric} in {settings['year']} ({unit})"
        print_frame(rows.drop(columns="company").head(SHOWN_PER_COMPANY), TableFormat.table, title=title)
    out.print(f"wrote {display_path(target)}/", markup=False)


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def _interval(estimate: float, low: float, high: float) -> str:
    return f"{estimate:.3f} [{low:.3f}, {high:.3f}]"


# --------------------------------------------------------------------------------------------------------- validate
def _split_paths(paths: list[Path], root: Path) -> tuple[list[Path], list[Path]]:
    """Scenario files and assumption folders among `paths` (folders holding sources.yaml are assumptions)."""
    if not paths:
        return sorted((root / "scenarios").glob("*.yaml")), [root / "assumptions"]
    scenarios, folders = [], []
    for path in paths:
        if not path.exists():
            raise UsageError(f"{path}: no such file or folder")
        folder = path if path.is_dir() else path.parent
        if (folder / "sources.yaml").is_file():
            folders.append(folder)
        elif path.is_dir():
            scenarios += sorted(path.glob("*.yaml"))
        else:
            scenarios.append(path)
    return scenarios, folders


@app.command()
@reports_errors
def validate(
    paths: Annotated[list[Path] | None, typer.Argument(help="Files or folders (default: assumptions/ and scenarios/).")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Fail on warnings too.")] = False,
) -> None:
    """Check assumption and scenario files; print each problem as file:line: key: message."""
    root = find_project_root() if not paths else Path.cwd()
    scenarios, folders = _split_paths(paths or [], root)
    problems = validate_project(scenarios, folders)
    for problem in sorted(problems, key=lambda p: (p.file, p.line or 0, p.key)):
        err.print(str(problem), markup=False)
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    checked = f"{len(scenarios)} scenario{'s' * (len(scenarios) != 1)}, {len(folders)} assumption folder" \
              f"{'s' * (len(folders) != 1)}"
    out.print(f"checked {checked}: {errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}",
              markup=False)
    if errors or (strict and warnings):
        raise typer.Exit(1)


# ------------------------------------------------------------------------------------------------------ assumptions
class Confidence(StrEnum):
    high = "high"
    medium = "medium"
    low = "low"


@app.command()
@reports_errors
def assumptions(
    company: Annotated[list[str] | None, typer.Option(help="Only this company (slug or name); repeatable.")] = None,
    confidence: Annotated[list[Confidence] | None, typer.Option(help="Only this confidence; repeatable.")] = None,
    judgement: Annotated[bool, typer.Option("--judgement", help="Only assumptions resting on analyst judgement.")] = False,
    scenario: Annotated[str | None, typer.Option(help="Show the values this scenario uses (with its overrides).")] = None,
    distributions: Annotated[bool, typer.Option(
        "--distributions", help="Show each assumption's distribution and its 5th, 50th and 95th percentiles.")] = False,
    fmt: Annotated[TableFormat, typer.Option("--format", help="Output format.")] = TableFormat.table,
) -> None:
    """The assumption register: every figure with its unit, period, confidence, sources and date; or, with
    --distributions, the distribution each one is drawn from."""
    if scenario:
        inputs: Inputs = load_inputs(find_scenario(scenario))
        items, sources = list(inputs.resolved.values()), inputs.assumptions.sources
    else:
        assumption_set = load_assumption_set(find_project_root() / "assumptions")
        items, sources = list(base_assumptions(assumption_set).values()), assumption_set.sources
    if company:
        wanted = {c.lower() for c in company}
        known = {i.company.slug for i in items if i.company} | {i.company.name.lower() for i in items if i.company}
        if unknown := wanted - known:
            raise UsageError(f"unknown company {', '.join(sorted(unknown))}; valid: "
                                f"{', '.join(sorted({i.company.slug for i in items if i.company}))}")
        items = [i for i in items if i.company and {i.company.slug, i.company.name.lower()} & wanted]
    if confidence:
        items = [i for i in items if i.assumption.confidence in {c.value for c in confidence}]
    if judgement:
        items = [i for i in items if rests_on_judgement(i, sources)]
    if distributions:
        frame = distribution_table(items)
        if fmt is TableFormat.table:
            frame = frame.drop(columns=["company"])
    else:
        frame = register(items, sources)
        if fmt is TableFormat.table:
            frame = frame[["key", "value", "unit", "period", "confidence", "source_kinds", "as_of", "sources"]]
    print_frame(frame, fmt, title=f"{len(frame)} assumptions")


@app.command()
@reports_errors
def sources(fmt: Annotated[TableFormat, typer.Option("--format", help="Output format.")] = TableFormat.table) -> None:
    """The source registry."""
    assumption_set = load_assumption_set(find_project_root() / "assumptions")
    print_frame(source_table(assumption_set.sources.values()), fmt, title="sources")


def main() -> None:
    app()
