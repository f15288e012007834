"""Renderings of a sensitivity analysis (`model.analysis.sensitivity.SensitivityResult`): each method's view (its
chart, the table the terminal shows and a closing line), one module each in `model.present.methods`, and the
terminal tables made from it."""

from __future__ import annotations

import importlib
from typing import Protocol

import pandas as pd

from model.analysis.sensitivity import SensitivityResult
from model.present import methods
from model.present.charts import ChartLike
from model.present.tables import Shown

SHOWN_PER_COMPANY = 10  # rows of each company's table in the terminal; the CSV has them all


class View(Protocol):
    """A module of `model.present.methods`, named as its method: `chart` (saved as charts/<method>.*), `table` (text
    with a `company` column, a row per assumption shown) and `footer`, a line after the tables or None."""

    def chart(self, result: SensitivityResult) -> ChartLike: ...

    def table(self, result: SensitivityResult) -> pd.DataFrame: ...

    def footer(self, result: SensitivityResult) -> str | None: ...


def view_of(result: SensitivityResult) -> View:
    return importlib.import_module(f"{methods.__name__}.{result.method}")  # type: ignore[return-value]


def terminal(result: SensitivityResult) -> list[Shown]:
    """What `scenario sensitivity` prints: a table per company (its first SHOWN_PER_COMPANY rows), then the
    method's footer."""
    view = view_of(result)
    shown: list[Shown] = [(f"{name}: {result.metric} in {result.year} ({result.unit})",
                           rows.drop(columns="company").head(SHOWN_PER_COMPANY))
                          for name, rows in view.table(result).groupby("company", sort=False)]
    if footer := view.footer(result):
        shown.append(footer)
    return shown
