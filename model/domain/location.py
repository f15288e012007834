"""Where an entry is written: its file and the line of each key in it, as plain data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from model.errors import Problem, display_path

# The mappings whose keys are entries: a problem's key names the entry (capex.growth), not the container.
CONTAINERS = {"assumptions", "overrides", "rates"}


def key_path(loc: tuple[Any, ...]) -> str:
    """`('assumptions', 'capex.growth', 'sources', 0, 'ref')` -> `capex.growth.sources[0].ref`."""
    if len(loc) > 1 and loc[0] in CONTAINERS:
        loc = loc[1:]
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) and text else f"{'.' if text else ''}{part}"
    return text


@dataclass(frozen=True)
class Location:
    """A file and the line (1-based) of every key path written in it, so that any later rule can point at a line."""

    file: Path
    lines: Mapping[tuple[Any, ...], int] = field(default_factory=dict, compare=False, repr=False)

    def line(self, loc: tuple[Any, ...]) -> int | None:
        """The line of the deepest part of `loc` written in the file (parts not written are passed over)."""
        line = self.lines.get(())
        path: tuple[Any, ...] = ()
        for part in loc:
            try:
                found = self.lines.get((*path, part))
            except TypeError:  # an unhashable part names nothing written
                found = None
            if found is not None:
                path, line = (*path, part), found
        return line

    def where(self, loc: tuple[Any, ...] = ()) -> str:
        """`file:line` of `loc`, as problems print it (the file alone when no line is known)."""
        line = self.line(loc)
        return f"{display_path(self.file)}:{line}" if line else display_path(self.file)

    def problem(self, loc: tuple[Any, ...], message: str, severity: str = "error") -> Problem:
        return Problem(display_path(self.file), self.line(loc), key_path(loc), message, severity)
