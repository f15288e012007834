"""The `scenario` command: a module per command, each parsing its arguments, calling the model, printing and
writing; no modelling logic lives here. `model.cli.app` is the typer app with every command (model.cli.commands);
`main` is the console script, which starts the process (model.cli.startup) before it imports the commands."""

from __future__ import annotations

import sys
from typing import Any

from model.cli import startup

__all__ = ["app", "main"]


def __getattr__(name: str) -> Any:
    if name == "app":  # imported when asked for, so that `main` can start the process first
        from model.cli.commands import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    startup.begin(sys.argv[1:])
    from model.cli.common import BUG_EXIT_CODE, INTERRUPTED_EXIT_CODE, err, report_bug

    try:
        from model.cli.commands import app_for

        app_for(startup.command_of(sys.argv[1:]))()
    except KeyboardInterrupt:  # outside a command: while typer parses, or while the libraries load
        err.print("interrupted", markup=False)
        sys.exit(INTERRUPTED_EXIT_CODE)
    except Exception as error:  # noqa: BLE001 (anything else is a bug, reported in one line)
        report_bug(error)
        sys.exit(BUG_EXIT_CODE)
    finally:
        startup.end()
