"""The typer app with every command registered: importing a command's module registers it, so the order of
`COMMANDS` is the order of `scenario --help`."""

from __future__ import annotations

import importlib

import typer

# Each command's name and the module of model.cli that registers it, in the order of `scenario --help`.
COMMANDS = {
    "run": "run", "sensitivity": "sensitivity", "discover": "discover", "validate": "validate",
    "assumptions": "assumptions", "sources": "assumptions", "diff": "diff", "compare": "compare",
    "backtest": "backtest", "set": "set_value", "schema": "schema",
}


def app_for(command: str | None) -> typer.Typer:
    """The app with `command`'s module registered (the console script's start: a command pays for its own imports
    only), or every command when `command` is not one of them (help, a mistyped name: typer lists or suggests)."""
    for module in dict.fromkeys([COMMANDS[command]] if command in COMMANDS else COMMANDS.values()):
        importlib.import_module(f"{__package__}.{module}")
    from model.cli.common import app

    return app


def __getattr__(name: str) -> typer.Typer:
    if name == "app":  # the whole app, as tests and `scenario --help` see it
        return app_for(None)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["COMMANDS", "app_for"]
