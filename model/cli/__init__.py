"""The `scenario` command: a module per command, each parsing its arguments, calling the model, printing and
writing; no modelling logic lives here. Importing a command's module registers it, so the order below is the order
of `scenario --help`."""

from __future__ import annotations

import sys

# isort: off
from model.cli import run, sensitivity, discover, validate, assumptions, diff, compare, backtest, set_value, schema  # noqa: F401
# isort: on
from model.cli.common import BUG_EXIT_CODE, INTERRUPTED_EXIT_CODE, app, err, report_bug

__all__ = ["app", "main"]


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:  # outside a command: while typer parses, or while the libraries load
        err.print("interrupted", markup=False)
        sys.exit(INTERRUPTED_EXIT_CODE)
    except Exception as error:  # noqa: BLE001 (anything else is a bug, reported in one line)
        report_bug(error)
        sys.exit(BUG_EXIT_CODE)
