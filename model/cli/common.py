"""What every command shares: the typer app, the consoles, error reporting, the table printers, and the help
(examples, and the valid values of options that are free text)."""

from __future__ import annotations

import copy
import functools
import os
import sys
import time
import traceback
from collections.abc import Callable, Iterable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
import typer.core
import typer.exceptions
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from model.catalogue import CONFIDENCE_LEVELS, HEADLINE, METRICS, PARAMETERS, SAMPLERS
from model.cli import startup
from model.domain import Inputs
from model.errors import InputError, Problem, ScenarioError, UsageError, display_path

if TYPE_CHECKING:
    import pandas as pd

    from model.present.tables import Shown


# ------------------------------------------------------------------------------------------------------------ help
def examples(*shown: tuple[str, str]) -> str:
    """A command's `--help` epilog: under "Examples:", what each example does and, indented below, its command line,
    printed as written (typer's rich help keeps an epilog's line breaks; it reads square brackets as markup, so
    there are none)."""
    lines = ["Examples:"]
    for what, command in shown:  # a long command continues on indented lines, as a shell reads it
        lines += [f"{what}:", *(f"  {part}" for part in command.split("\n"))]
    return "\n".join(lines)


def _flag_without_type(display_type: Callable[..., str | None]) -> Callable[..., str | None]:
    @functools.wraps(display_type)
    def display(self: Any, ctx: Any) -> str | None:
        if getattr(self, "is_flag", False) or getattr(self, "count", False):
            return None  # the rich help leaves the type column empty
        return display_type(self, ctx)

    display.scenario_flag_fix = True  # type: ignore[attr-defined]
    return display


# typer 0.29's rich help labels every option with its type, a flag too ('--strict <bool>'), where its plain help
# and click's own leave a flag's out: a flag takes no value to describe. Replaced only where the method exists and
# has not been replaced already; tests/cli/test_help.py fails if a newer typer prints '<bool>' another way.
_display_type = getattr(typer.core.TyperOption, "display_type_rich", None)
if callable(_display_type) and not getattr(_display_type, "scenario_flag_fix", False):
    typer.core.TyperOption.display_type_rich = _flag_without_type(_display_type)  # type: ignore[method-assign]

# Where an option's help says one of these, `--help` names the current project's companies or scenarios (the file
# names of its folders, read when the help is shown: they differ from project to project).
PROJECT_COMPANIES = "The companies of this project's assumptions/ folder."
PROJECT_SCENARIOS = "The scenarios of this project's scenarios/ folder."


def _project_names(files: Callable[[Path], list[Path]]) -> list[str]:
    from model.io.project import find_project_root

    try:
        return [path.stem for path in files(find_project_root())]
    except (UsageError, OSError):
        return []


def project_companies() -> str:
    """PROJECT_COMPANIES, as the help shows it: the current project's companies, or where to find them."""
    from model.io.project import company_files

    if slugs := _project_names(lambda root: company_files(root / "assumptions")):
        return f"This project's companies: {', '.join(slugs)}."
    return "The companies are the file names in a project's assumptions/ (alpha for alpha.yaml)."


def project_scenarios() -> str:
    """PROJECT_SCENARIOS, as the help shows it: the current project's scenarios, or where to find them."""
    if names := _project_names(lambda root: sorted((root / "scenarios").glob("*.yaml"))):
        return f"This project's scenarios: {', '.join(names)}."
    return "The scenarios are the file names in a project's scenarios/ (base for base.yaml)."


FILLED_IN = {PROJECT_COMPANIES: project_companies, PROJECT_SCENARIOS: project_scenarios}


class Command(typer.core.TyperCommand):
    """A command whose help is made when it is shown: the project's companies and scenarios filled in, and its
    summary in the list of `scenario --help` one paragraph (rich keeps a docstring's line breaks there)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.help and not self.short_help:
            self.short_help = " ".join(self.help.split("\n\n")[0].split())

    def format_help(self, ctx: Any, formatter: Any) -> None:
        declared, shown, values = self.params, [], {}
        for param in declared:
            text = getattr(param, "help", None) or ""
            if any(marker in text for marker in FILLED_IN):
                param = copy.copy(param)
                for marker, value in FILLED_IN.items():
                    if marker in text:
                        values[marker] = values.get(marker) or value()
                        text = text.replace(marker, values[marker])
                param.help = text
            shown.append(param)
        self.params = shown
        try:
            super().format_help(ctx, formatter)
        finally:
            self.params = declared  # the app outlives one help in tests: the next project has its own companies


# The valid values of the free-text options, from the catalogue (enums list their own choices).
METRIC_KEYS = ", ".join(METRICS)
ASSUMPTION_KEYS = ", ".join(PARAMETERS)
HEADLINE_FIGURES = ", ".join(f"'{title}'" for title in dict.fromkeys(cell.title for cell in HEADLINE))


app = typer.Typer(
    name="scenario",
    help="Sourced assumptions, scenarios and projections of the AI-infrastructure race.",
    epilog=examples(
        ("Project the base case, then open outputs/base/report.html", "scenario run base"),
        ("The same with 5th-95th percentile intervals and fan charts", "scenario run base --draws 10000"),
        ("What your uncommitted edits change, as markdown for a pull request", "scenario diff --markdown"),
        ("A command's options, with examples", "scenario run --help"),
    ),
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


def show_version(asked: bool) -> None:
    if asked:
        from importlib.metadata import version

        out.print(f"scenario {version('scenario')}")
        raise typer.Exit()


@app.callback()
def options(debug: Annotated[bool, typer.Option(
        "--debug", help="On a bug in the tool, show the traceback (also SCENARIO_DEBUG=1).")] = False,
        _version: Annotated[bool, typer.Option("--version", callback=show_version, is_eager=True,
                                               help="Print the installed version and exit.")] = False) -> None:
    """Sourced assumptions, scenarios and projections of the AI-infrastructure race."""
    DEBUG["on"] = debug


class TableFormat(StrEnum):
    table = "table"
    csv = "csv"
    markdown = "markdown"


def print_frame(frame: pd.DataFrame, fmt: TableFormat, title: str | None = None) -> None:
    if fmt is TableFormat.csv:
        from model.present.tables import to_csv

        sys.stdout.write(to_csv(frame))
    elif fmt is TableFormat.markdown:
        from model.present.tables import markdown

        sys.stdout.write(markdown(frame))
    else:
        table = Table(title=title, show_lines=False)
        for index, column in enumerate(frame.columns):
            table.add_column(str(column), overflow="fold", no_wrap=index == 0)
        for row in frame.itertuples(index=False):
            table.add_row(*(str(v) for v in row))
        out.print(table)


def print_shown(shown: Iterable[Shown]) -> None:
    """A command's terminal output, as its renderer lays it out: lines and titled tables."""
    for item in shown:
        if isinstance(item, str):
            out.print(item, markup=False)
        else:
            print_frame(item[1], TableFormat.table, title=item[0])


def print_warnings(warnings: tuple[Problem, ...] | list[Problem]) -> None:
    for warning in warnings:
        err.print(str(warning), markup=False)


def audited(inputs: Inputs) -> tuple[Problem, ...]:
    """The source audit's findings on a command's inputs, printed as warnings: the command goes on regardless."""
    from model.analysis.audit import audit_inputs

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
    call `advance(n)`. Work whose total is not known in advance (None: drawing until precise) shows a pulsing bar,
    the steps done so far and the time elapsed, where a known total shows its fraction and the time remaining."""

    def __init__(self, description: str, total: int | None, after: float = 1.0):
        startup.loaded()  # the long part of the command begins: its own garbage is collected as usual
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
            self.progress = Progress(*self.columns(), console=err, transient=True)
            self.progress.start()
            self.task = self.progress.add_task(self.description, total=self.total, completed=self.done)
        elif self.progress is not None:
            self.progress.update(self.task, completed=self.done)

    def columns(self) -> tuple[Any, ...]:
        """The bar's columns: with a known total, how much of it is done and the time left; without, how much is
        done (no "of", no time left to guess) and the time spent."""
        if self.total is None:
            return (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed:,.0f}"),
                    TimeElapsedColumn())
        return TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()


# The choices of --confidence and --sampler, as the catalogue lists them.
Confidence = StrEnum("Confidence", {level: level for level in CONFIDENCE_LEVELS})
Sampler = StrEnum("Sampler", {name: name for name in SAMPLERS})


SCENARIO_HELP = f"A scenario name in scenarios/ (base, base.yaml) or a path. {PROJECT_SCENARIOS}"
DRAWS_HELP = "Draws of the assumptions' distributions; above 1, the outputs gain percentiles and race odds."
SEED_HELP = "Seed of the draws: the same seed gives the same numbers."
SAMPLER_HELP = "Uniform draws: scrambled Sobol' sequence, Latin hypercube or plain random."
PRECISION_HELP = ("Draw in chunks until the headline percentiles' Monte Carlo standard errors are at most this share "
                  "of their 90% interval's width, as 0.01 or 1%; the run says how many draws it took.")
