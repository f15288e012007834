"""The `scenario` process's start-up and end: the cyclic garbage collector held off while the libraries load, and
the chart renderer's helper started first for a command that draws charts.

A command's start-up makes about a million objects (the libraries' modules, classes and schemas) and no garbage;
the collector would walk them again and again as they pile up, and once more at exit, for a third of a cold
`scenario run`. So `main` turns it off at once, a command turns it back on (`loaded`) once its imports are done,
freezing what they made out of its sight, and `end` freezes what is left before the interpreter tears it down.
Only the console script does this: a test or a notebook calling the app keeps its collector as it was.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence

# Commands that draw charts: the helper that renders them starts before the command's imports, so its JavaScript
# runtime is ready when the first chart is. Another command (or one not listed) that draws charts starts the
# helper itself once its inputs are checked (model.present.vega.start), a little later.
DRAWS_CHARTS = frozenset({"run", "sensitivity", "discover", "compare", "backtest", "diff"})
# Options that answer without running the command.
ANSWERS_AT_ONCE = frozenset({"--help", "-h", "--version"})

_held = {"collector": False}


def begin(arguments: Sequence[str]) -> None:
    """The process starts `scenario ARGUMENTS`: hold the collector and, for a command that draws charts, start the
    chart helper."""
    if gc.isenabled():
        gc.disable()
        _held["collector"] = True
    command = command_of(arguments)
    if command in DRAWS_CHARTS and not ANSWERS_AT_ONCE.intersection(arguments):
        from model.present import vega

        vega.start()


def command_of(arguments: Sequence[str]) -> str | None:
    """The command `scenario ARGUMENTS` names: its first argument that is not an option (the app's own options,
    --debug and --version, take no value), or None."""
    return next((argument for argument in arguments if not argument.startswith("-")), None)


def loaded() -> None:
    """The command has imported what it needs: freeze what is there and let the collector work again, so a long
    command's own garbage is collected as usual. Does nothing where `begin` did not hold the collector."""
    if _held["collector"]:
        _held["collector"] = False
        gc.freeze()
        gc.enable()


def end() -> None:
    """The command is done: what it leaves is freed by the interpreter without the collector walking it first."""
    if _held["collector"] or gc.get_freeze_count():
        gc.freeze()
