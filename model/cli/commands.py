"""The typer app with every command registered: importing a command's module registers it, so the order below is
the order of `scenario --help`."""

from __future__ import annotations

# isort: off
from model.cli import (  # noqa: F401
    run, sensitivity, discover, validate, assumptions, diff, compare, backtest, set_value, schema,
)
# isort: on
from model.cli.common import app

__all__ = ["app"]
