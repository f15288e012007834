"""Renderings of a backtest (`model.analysis.backtest.Backtest`): the table as text for a terminal or markdown, its
title and one-line summary, and its chart."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from model.analysis.backtest import Backtest
from model.errors import display_path
from model.present.charts import ChartLike, backtest_chart


def summary(table: pd.DataFrame, as_of: dt.date) -> str:
    """One line on the backtest: how many figures, how many out of sample, and the mean absolute error in percent
    over all and over the out-of-sample ones."""
    count, outside = len(table), int(table["out_of_sample"].sum())
    text = (f"{count} reported figure{'s' * (count != 1)}, {outside} published after as_of {as_of} (out of sample); "
            f"mean absolute error {table['error_pct'].abs().mean():.1f}%")
    if 0 < outside < count:
        text += f", out of sample {table.loc[table['out_of_sample'], 'error_pct'].abs().mean():.1f}%"
    if "within_90" in table.columns:
        text += f"; {int(table['within_90'].sum())} of {count} within the projection's 90% interval"
    return text


def formatted(table: pd.DataFrame) -> pd.DataFrame:
    """The backtest table as text for a terminal or markdown."""
    def number(value: float) -> str:
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:,.2f}"

    text = pd.DataFrame({
        "Company": table["company"],
        "Metric": table["metric"],
        "Year": table["year"].astype(str),
        "Basis": table["basis"],
        "Reported": table["reported"],
        "Actual": [f"{number(v)} {u}" for v, u in zip(table["actual"], table["unit"], strict=True)],
        "Projected": [number(v) for v in table["projected"]],
        "Error": [_signed_percent(v) for v in table["error_pct"]],
    })
    if "within_90" in table.columns:
        text["90% interval"] = [f"{number(lo)}-{number(hi)}{'' if inside else ' (outside)'}"
                                for lo, hi, inside in zip(table["p5"], table["p95"], table["within_90"], strict=True)]
    text["Published"] = table["published"].astype(str)
    text["Out of sample"] = np.where(table["out_of_sample"], "yes", "no")
    text["Sources"] = table["sources"]
    return text


def _signed_percent(value: float) -> str:
    rounded = round(value, 1)
    return "0.0%" if rounded == 0 else f"{rounded:+.1f}%"  # no "-0.0%" for an error that rounds away


def chart(result: Backtest) -> ChartLike:
    return backtest_chart(result.projection, result.table)


def title(result: Backtest) -> str:
    scenario = result.scenario
    return (f"{scenario.name} ({scenario.horizon[0]}-{scenario.horizon[1]}, {scenario.reporting_currency}, as of "
            f"{scenario.as_of}) against {display_path(result.actuals)}; error = projected - actual")
