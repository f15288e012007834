"""The `scenario` command: parses arguments, calls the model, prints and writes. No modelling logic lives here."""

from __future__ import annotations

import functools
import os
import sys
import time
import traceback
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
import typer.exceptions
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
)
from model.resources import check_draws

if TYPE_CHECKING:
    import pandas as pd

app = typer.Typer(
    name="scenario",
    help="Sourced assumptions, scenarios and projections of the AI-infrastructure race.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Plain consoles: file names, keys, excerpts and table cells are printed verbatim, so `file:100:` never becomes an
# emoji and `[bold]` in a message is text, not markup.
out = Console(highlight=False, markup=False, emoji=False)
err = Console(stderr=True, highlight=False, markup=False, emoji=False, soft_wrap=True)  # one problem a line
if not out.is_terminal:  # piped or captured: rich would assume 80 columns and fold every key
    out.width = 200

F = TypeVar("F", bound=Callable[..., Any])


def debugging() -> bool:
    """Whether a bug's traceback is shown: the global --debug option, or SCENARIO_DEBUG=1 in the environment."""
    return DEBUG["on"] or os.environ.get("SCENARIO_DEBUG", "") not in ("", "0")


DEBUG = {"on": False}
BUG_EXIT_CODE = 3
INTERRUPTED_EXIT_CODE = 130


def report_bug(error: BaseException) -> None:
    if debugging():
        traceback.print_exception(error, file=sys.stderr)
    message = str(error).splitlines()[0] if str(error) else ""
    err.print(f"error: this is a bug in scenario: {type(error).__name__}: {message} (run with --debug or "
              f"SCENARIO_DEBUG=1 for the traceback)", markup=False)


def reports_errors(command: F) -> F:
    """Turn every error into a message on stderr and an exit code, never a traceback: the project's errors (1, 2),
    a failed read or write (1), an interrupt (130), and anything else, a bug in the tool (3)."""
    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (typer.Exit, typer.Abort, typer.exceptions.TyperException):
            raise  # typer's own exits and usage errors keep their codes
        except InputError as error:
            for problem in error.problems:
                err.print(str(problem), markup=False)
            errors = sum(p.severity == "error" for p in error.problems)
            err.print(f"{errors} error{'s' * (errors != 1)}; nothing was written", markup=False)
            raise typer.Exit(error.exit_code) from None
        except ScenarioError as error:
            err.print(f"error: {error}", markup=False)
            raise typer.Exit(error.exit_code) from None
        except OSError as error:
            where = f"{display_path(Path(os.fsdecode(error.filename)))}: " if error.filename is not None else ""
            err.print(f"error: {where}{error.strerror or error}", markup=False)
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            err.print("interrupted; nothing was written", markup=False)
            raise typer.Exit(INTERRUPTED_EXIT_CODE) from None
        except Exception as error:  # noqa: BLE001 (RecursionError, MemoryError, ValueError...: a bug)
            report_bug(error)
            raise typer.Exit(BUG_EXIT_CODE) from None

    return wrapper  # type: ignore[return-value]


@app.callback()
def options(debug: Annotated[bool, typer.Option(
        "--debug", help="On a bug in the tool, show the traceback (also SCENARIO_DEBUG=1).")] = False) -> None:
    """Sourced assumptions, scenarios and projections of the AI-infrastructure race."""
    DEBUG["on"] = debug


class TableFormat(StrEnum):
    table = "table"
    csv = "csv"
    markdown = "markdown"


def print_frame(frame: pd.DataFrame, fmt: TableFormat, title: str | None = None) -> None:
    if fmt is TableFormat.csv:
        from model.outputs import to_csv

        sys.stdout.write(to_csv(frame))
    elif fmt is TableFormat.markdown:
        from model.register import markdown

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


def audited(inputs: Inputs) -> tuple[Problem, ...]:
    """The source audit's findings on a command's inputs, printed as warnings: the command goes on regardless."""
    from model.audit import audit_inputs

    problems = audit_inputs(inputs)
    print_warnings(problems)
    return problems


def print_note(text: str, fmt: str = "table") -> None:
    """A line about the result: beside a table on the terminal; on stderr when stdout is data to paste or parse."""
    (out if fmt == "table" else err).print(text, markup=False)


def print_wrote(folder: Path, fmt: str = "table") -> None:
    print_note(f"wrote {display_path(folder)}/", fmt)


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


def draw_settings(draws: int, seed: int, sampler: Sampler, simulated: bool) -> dict[str, Any]:
    """The manifest's settings of the draws: seed and sampler mean nothing without a simulation."""
    return {"draws": draws, "seed": seed if simulated else None, "sampler": sampler.value if simulated else None}


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
    from model.outputs import destination, write_run

    path = find_scenario(scenario)
    inputs = load_inputs(path, assumptions)
    check_draws(draws, inputs)
    root = path.resolve().parent.parent
    target = destination(out_dir or root / "outputs" / inputs.scenario.name, root=root, inputs=inputs.files,
                         named=out_dir is not None)
    # Only checked inputs and a writable target are worth the charting and statistics libraries' import time: a
    # bad file is refused about as fast as `scenario --help` answers.
    from model.artifacts import run_files
    from model.projection import (
        convergence_report,
        convergence_warnings,
        formatted_headline,
        headline,
        interval_headline,
        race_tables,
    )
    from model.projection import run as project

    print_warnings(inputs.warnings)
    problems = audited(inputs)
    started = time.perf_counter()
    with ProgressBar(f"{draws:,} draws", draws) as bar:
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
        table = formatted_headline(headline(projection))
    else:
        table = interval_headline(projection)
        title += f"; {draws:,} draws, value [5th-95th percentile]"
    print_frame(table.T.reset_index(names=""), TableFormat.table, title=title)
    if simulation is not None:
        for name, race in race_tables(projection).items():
            if not race.empty:
                print_frame(race, TableFormat.table, title=name)
        report = convergence_report(projection)
        out.print(f"{report[0].upper()}{report[1:]}.", markup=False)
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
    from model.charts import sobol as sobol_chart
    from model.charts import tornado as tornado_chart
    from model.outputs import destination, to_csv, write_run
    from model.report import readable_number, render_chart
    from model.resources import check_sobol_size

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
        shown = shown.assign(**{column: shown[column].map(readable_number)
                                for column in ("output_low", "output_high", "swing")})
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
        shown = analysis.priority_table(frame, priorities)
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
        out.print(f"Widest {result.confidence:.0%} bootstrap interval of an index: {widest[1]:.3f} ({widest[0]}); "
                  f"{result.samples:,} samples, {result.evaluations:,} runs of the model", markup=False)
    print_wrote(target)


# --------------------------------------------------------------------------------------------------------- validate
def _split_paths(paths: list[Path], root: Path) -> tuple[list[Path], list[Path]]:
    """Scenario files and assumption folders among `paths`: folders holding sources.yaml are assumptions, and an
    actuals file or folder (assumptions/actuals/) stands for the assumptions folder above it, whose actuals are
    all checked."""
    from model.actuals import ACTUALS_FOLDER

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


@app.command()
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

    from model.audit import AuditSettings, validate_and_audit

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
    warnings = len(problems) - errors
    folders = list(dict.fromkeys(f.resolve() for f in folders))
    checked = f"{len(scenarios)} scenario{'s' * (len(scenarios) != 1)}, {len(folders)} assumption folder" \
              f"{'s' * (len(folders) != 1)}"
    if audit.actuals_files:
        checked += f", {audit.actuals_files} actuals file{'s' * (audit.actuals_files != 1)}"
    out.print(f"checked {checked}: {errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}",
              markup=False)
    if sources is not None:
        out.print(audit.texts_summary(), markup=False)
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
    history: Annotated[str | None, typer.Option(
        "--history", metavar="KEY", help="Show this assumption's values over time (alpha.capex.plan_total, fx.CNY), "
                                         "oldest first, with their sources.")] = None,
    fmt: Annotated[TableFormat, typer.Option("--format", help="Output format.")] = TableFormat.table,
) -> None:
    """The assumption register: every figure with its unit, period, confidence, sources and date; or, with
    --distributions, the distribution each one is drawn from; or, with --history, one figure's vintages."""
    from model.register import distribution_table, history_table, register, rests_on_judgement

    if scenario:
        inputs: Inputs = load_inputs(find_scenario(scenario))
        items, sources = list(inputs.resolved.values()), inputs.assumptions.sources
    else:
        assumption_set = load_assumption_set(find_project_root() / "assumptions")
        items, sources = list(base_assumptions(assumption_set).values()), assumption_set.sources
    if history is not None:
        if distributions:
            raise UsageError("--history shows one assumption's values over time; it does not combine with "
                             "--distributions")
        frame = history_table(items, history)
        if fmt is TableFormat.table:
            frame = frame[["vintage", "value", "unit", "confidence", "as_of", "replaced", "sources", "excerpts"]]
        print_frame(frame, fmt, title=f"{history}: {len(frame)} vintage{'s' * (len(frame) != 1)}, oldest first")
        return
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
    from model.register import source_table

    assumption_set = load_assumption_set(find_project_root() / "assumptions")
    print_frame(source_table(assumption_set.sources.values()), fmt, title="sources")


# ------------------------------------------------------------------------------------------------------------- diff
class ReviewFormat(StrEnum):
    table = "table"
    markdown = "markdown"
    json = "json"


@app.command("diff")
@reports_errors
def diff_command(
    folders: Annotated[list[Path] | None, typer.Argument(
        help="Two folders to compare, A_DIR B_DIR: project folders (with assumptions/ and scenarios/) or "
             "assumptions folders (then with this project's scenarios/). Default: the working tree against HEAD.",
        show_default=False)] = None,
    base: Annotated[str | None, typer.Option(help="The revision to compare from (default: HEAD).")] = None,
    head: Annotated[str | None, typer.Option(help="The revision to compare to (default: the working tree).")] = None,
    show_all: Annotated[bool, typer.Option("--all", help="Also list unchanged assumptions, overrides and figures.")] = False,
    markdown_flag: Annotated[bool, typer.Option(
        "--markdown", help="Print the whole review as one markdown block, for a pull request.")] = False,
    fmt: Annotated[ReviewFormat, typer.Option("--format", help="Output format.")] = ReviewFormat.table,
    figure: Annotated[str | None, typer.Option(
        help="The headline figure of the waterfall charts, by its label or the start of it, such as 'AI chips' "
             "(default: the figure with the largest relative change).")] = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Write the review here instead of outputs/diff/.")] = None,
) -> None:
    """Review a change to the inputs: changed assumptions and overrides with their evidence, the effect on each
    affected scenario's headline results, and each change's share of it (Shapley values); writes outputs/diff/."""
    from model import review as reviewing
    from model.charts import waterfall
    from model.outputs import destination, to_json, write_run
    from model.report import render_chart
    from model.revisions import input_files, sides

    if markdown_flag and fmt is not ReviewFormat.table and fmt is not ReviewFormat.markdown:
        raise UsageError(f"--markdown and --format {fmt.value} ask for two formats; give one")
    fmt = ReviewFormat.markdown if markdown_flag else fmt
    try:
        project: Path | None = find_project_root()
    except UsageError:
        project = None
    home = project if project is not None else (folders[-1] if folders else Path.cwd())
    target = out_dir or home / "outputs" / "diff"
    destination(target, root=project, inputs=folders or [], named=out_dir is not None)
    old, new = sides(project, base=base, head=head, folders=folders)
    inputs = [file for side in (old, new) for file in input_files(side) if file.is_file()]  # not exported copies
    result = reviewing.review(old, new, include_unchanged=show_all)
    problems = reviewing.audit_side(new)
    text = reviewing.review_markdown(result)
    files: dict[str, str | bytes] = {"review.md": text, "review.json": to_json(reviewing.review_json(result))}
    for effect in result.effects:
        chosen = reviewing.pick_figure(effect, figure)
        if chosen is None:
            continue
        # the chart's own subtitle speaks of Shapley values alone; otherwise say what these steps are, a line each
        notes = (reviewing.attribution_notes(effect, result.shapley_limit)
                 if effect.method != "shapley" or effect.structural else None)
        chart = waterfall(reviewing.waterfall_frame(effect, chosen), subtitle=notes)
        files |= render_chart(chart).files(f"waterfall-{effect.scenario}")
    print_warnings(problems)  # once --figure is known good: a refused command says only why
    target = write_run(target, files, command="diff", scenario=None, chain=[], inputs=dict.fromkeys(inputs),
                       root=home, settings={"base": old.label, "head": new.label}, named=out_dir is not None,
                       problems=problems)
    if fmt is ReviewFormat.markdown:
        sys.stdout.write(text)
    elif fmt is ReviewFormat.json:
        sys.stdout.write(files["review.json"])  # type: ignore[arg-type]
    else:
        out.print(reviewing.summary(result), markup=False)
        if result.changes:
            print_frame(reviewing.changes_frame(result.changes, evidence=False), TableFormat.table,
                        title="Assumption changes")
        for effect in result.effects:
            print_frame(reviewing.effect_frame(effect), TableFormat.table,
                        title=f"Effect on results: {effect.scenario}")
            attribution = reviewing.attribution_frame(effect)
            if len(attribution):
                print_frame(attribution, TableFormat.table, title=f"Attribution: {effect.scenario}")
            for note in reviewing.attribution_notes(effect, result.shapley_limit):
                out.print(note, markup=False)
        if unaffected := reviewing.unaffected_text(result):
            out.print(unaffected, markup=False)
    print_wrote(target, fmt)


# ---------------------------------------------------------------------------------------------------------- compare
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
    from model import compare as comparing
    from model.charts import scenario_overlay
    from model.outputs import destination, to_csv, to_json, write_run
    from model.report import render_chart

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
        "compare.json": to_json(comparing.to_records(long)),
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
        print_frame(comparing.formatted(long), TableFormat(fmt.value), title=title)
    print_wrote(target, fmt)


# --------------------------------------------------------------------------------------------------------- backtest
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
    from model import backtest as testing
    from model.actuals import default_actuals
    from model.charts import backtest_chart
    from model.loading import assumptions_for
    from model.outputs import destination, to_csv, write_run
    from model.projection import run as project
    from model.report import render_chart

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
    with ProgressBar(f"{draws:,} draws", draws) as bar:
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
    print_frame(table if fmt is TableFormat.csv else testing.formatted(table), fmt, title=title)
    print_note(testing.summary(table, scenario_info.as_of), fmt)
    print_wrote(target, fmt)


# -------------------------------------------------------------------------------------------------------------- set
@app.command("set", context_settings={"ignore_unknown_options": True})  # so that VALUE may be negative (-0.05)
@reports_errors
def set_command(
    key: Annotated[str, typer.Argument(help="<company>.<key> (tencent.capex.growth) or fx.<CCY> (fx.CNY).")],
    value: Annotated[str, typer.Argument(
        help="A number (0.12, -0.05, 1.5e3) or a per-year series: 2025:0.1,2027:0.08 or '{2025: 0.1, 2027: 0.08}'.")],
    source: Annotated[str, typer.Option(help="The id in assumptions/sources.yaml of the source for the new value.")],
    excerpt: Annotated[str | None, typer.Option(help="The source's short phrase that states the figure.")] = None,
    confidence: Annotated[Confidence | None, typer.Option(help="The new confidence (default: unchanged).")] = None,
    scenario: Annotated[str | None, typer.Option(
        help="Set this scenario's override of KEY (added if absent) instead of the assumption.")] = None,
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
    from model import editing
    from model.outputs import write_atomically

    target = editing.find_target(find_project_root(), key, scenario)
    change = editing.make_change(target, value, source=source, excerpt=excerpt, locator=locator,
                                 as_of=editing.parse_date(as_of, "--as-of") if as_of else None,
                                 confidence=confidence.value if confidence else None, rationale=rationale,
                                 add_source=add_source, bounds=bounds)
    edited = editing.edit(target, change)
    warnings = editing.validated(edited)
    write_atomically(target.path, edited.text)
    print_warnings(warnings)
    out.print(edited.summary, markup=False)


# ----------------------------------------------------------------------------------------------------------- schema
@app.command("schema")
@reports_errors
def schema_command(
    out_dir: Annotated[Path | None, typer.Option("--out", help="Write here instead of schemas/ at the project root.")] = None,
) -> None:
    """Write the JSON Schema of company, fx, sources and scenario files, which the input files name on their first
    line so that editors complete and check keys."""
    from model import json_schema
    from model.outputs import write_schemas

    files = json_schema.schema_files()
    root = find_project_root() if out_dir is None else None
    target = write_schemas(out_dir or root / json_schema.SCHEMA_FOLDER, files, root=root,  # type: ignore[operator]
                           titles=[title for _, title, _ in json_schema.KINDS.values()],
                           dialect=json_schema.DIALECT, named=out_dir is not None)
    out.print(f"wrote {', '.join(files)} to {display_path(target)}/", markup=False)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:  # outside a command: while typer parses, or while the libraries load
        err.print("interrupted", markup=False)
        sys.exit(INTERRUPTED_EXIT_CODE)
    except Exception as error:  # noqa: BLE001 (anything else is a bug, reported in one line)
        report_bug(error)
        sys.exit(BUG_EXIT_CODE)
