"""The project's one error base class and the problem records that input errors carry."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One finding about an input file, printed as `file:line: key: message`."""

    file: str
    line: int | None
    key: str
    message: str
    severity: str = "error"  # "error", "warning", or "acknowledged" (a warning the files call a known conflict)

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        prefix = "" if self.severity == "error" else f"{self.severity}: "
        key = f" {self.key}:" if self.key else ""
        return f"{where}:{key} {prefix}{self.message}"


@dataclass
class Problems:
    """Collects problems across files, each once; `check` raises once at the end if any is an error."""

    items: list[Problem] = field(default_factory=list)

    def add(self, problem: Problem) -> None:
        if problem not in self.items:
            self.items.append(problem)

    def extend(self, problems: Iterable[Problem]) -> None:
        for problem in problems:
            self.add(problem)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "warning"]

    def check(self) -> None:
        if self.errors:
            raise InputError(self.items)


class ScenarioError(Exception):
    """Base of every error a user can cause; the CLI prints it and exits with `exit_code`."""

    exit_code = 1


class InputError(ScenarioError):
    """One or more input files are invalid; carries every problem found, not only the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class UsageError(ScenarioError):
    """The command line asks for something that cannot be done (unknown scenario, bad option)."""

    exit_code = 2


def display_path(path: Path) -> str:
    """A path as the user should see it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def suggest(word: str, choices: Iterable[str]) -> str:
    """`did you mean 'x'? valid: a, b, x`: the closest choice, if any is close, and every valid one."""
    choices = sorted(choices)
    close = difflib.get_close_matches(word, choices, n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    return f"{hint}valid: {', '.join(choices)}"
