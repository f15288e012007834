"""Renderings of a backtest (`model.analysis.backtest.Backtest`): the table as text for a terminal or markdown, its
title and one-line summary, and its chart."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from model import catalogue, format
from model.analysis.backtest import Backtest
from model.catalogue import Kind
from model.errors import display_path
from model.present.charts import ChartLike, backtest_chart

MONEY_DECIMALS = 2


def summary(table: pd.DataFrame, as_of: dt.date) -> str:
    """One line on the backtest: how many figures, how many out of sample, and the mean absolute error in percent
    over all and over the out-of-sample ones."""
    count, outside = len(table), int(table["out_of_sample"].sum())
    text = (f"{count} reported figure{'s' * (count != 1)}, {outside} published after as_of {as_of} (out of sample); "
            f"mean absolute error {format.relative(table['relative_error'].abs().mean(), sign=False)}")
    if 0 < outside < count:
        outside_error = table.loc[table["out_of_sample"], "relative_error"].abs().mean()
        text += f", out of sample {format.relative(outside_error, sign=False)}"
    if "within_90" in table.columns:
        text += f"; {int(table['within_90'].sum())} of {count} within the projection's 90% interval"
    return text


def formatted(table: pd.DataFrame) -> pd.DataFrame:
    """The backtest table as text for a terminal or markdown: each figure by its metric's kind, money to two
    decimals (a reported figure is often known that closely), the error in percent of the actual."""
    kinds = [catalogue.METRICS[metric].kind for metric in table["metric"]]

    def number(value: float, kind: Kind) -> str:
        return format.figure(value, kind, decimals=MONEY_DECIMALS if kind is Kind.money else None)

    text = pd.DataFrame({
        "Company": table["company"],
        "Metric": table["metric"],
        "Year": table["year"].astype(str),
        "Basis": table["basis"],
        "Reported": table["reported"],
        "Actual": [f"{number(v, k)} {u}" for v, k, u in zip(table["actual"], kinds, table["unit"], strict=True)],
        "Projected": [number(v, k) for v, k in zip(table["projected"], kinds, strict=True)],
        "Error": [format.relative(v) for v in table["relative_error"]],
    })
    if "within_90" in table.columns:
        text["90% interval"] = [f"{number(lo, k)}-{number(hi, k)}{'' if inside else ' (outside)'}" for lo, hi, k, inside
                                in zip(table["p5"], table["p95"], kinds, table["within_90"], strict=True)]
    text["Published"] = table["published"].astype(str)
    text["Out of sample"] = np.where(table["out_of_sample"], "yes", "no")
    text["Sources"] = table["sources"]
    return text


def chart(result: Backtest) -> ChartLike:
    return backtest_chart(result.projection, result.table)


def title(result: Backtest) -> str:
    scenario = result.scenario
    return (f"{scenario.name} ({scenario.horizon[0]}-{scenario.horizon[1]}, {scenario.reporting_currency}, as of "
            f"{scenario.as_of}) against {display_path(result.actuals)}; error = projected - actual")
