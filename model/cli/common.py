"""What every command shares: the typer app, the consoles, error reporting and the table printers."""

from __future__ import annotations

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
import typer.exceptions
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from model.catalogue import CONFIDENCE_LEVELS, SAMPLERS
from model.domain import Inputs
from model.errors import InputError, Problem, ScenarioError, display_path

if TYPE_CHECKING:
    import pandas as pd

    from model.present.tables import Shown

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


# The choices of --confidence and --sampler, as the catalogue lists them.
Confidence = StrEnum("Confidence", {level: level for level in CONFIDENCE_LEVELS})
Sampler = StrEnum("Sampler", {name: name for name in SAMPLERS})


DRAWS_HELP = "Draws of the assumptions' distributions; above 1, the outputs gain percentiles and race odds."
SEED_HELP = "Seed of the draws: the same seed gives the same numbers."
SAMPLER_HELP = "Uniform draws: scrambled Sobol' sequence, Latin hypercube or plain random."
