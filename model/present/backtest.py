"""Renderings of a backtest (`model.analysis.backtest.Backtest`): the table as text for a terminal or markdown, its
title and one-line summary, and its chart."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from model import catalogue, format
from model.analysis.backtest import Backtest
from model.catalogue import Kind
from model.errors import display_path
from model.present.charts import ChartLike, backtest_chart

MONEY_DECIMALS = 2


def summary(result: Backtest) -> str:
    """Lines on the backtest: how many figures, how many out of sample and excluded; then, by basis (outturn,
    plan, estimate) and over all, the mean absolute error of the counted figures (over all and out of sample) and,
    with draws, how many lay within the 90% interval and how wide the intervals were; then each excluded figure
    with its reason."""
    table, as_of = result.table, result.scenario.as_of
    count, outside = len(table), int(table["out_of_sample"].sum())
    excluded = table[table["excluded"] != ""]
    lines = [f"{count} reported figure{'s' * (count != 1)}, {outside} published after as_of {as_of} (out of "
             f"sample), {len(excluded)} excluded as restating an input"]
    for row in result.summary.itertuples(index=False):
        lines.append(f"{row.basis}: {_group(row)}")
    for row in excluded.itertuples(index=False):
        lines.append(f"excluded: {row.company} {row.metric} {row.year} ({row.reported}, {row.basis}): {row.excluded}")
    return "\n".join(lines)


def _group(row: Any) -> str:
    """One basis's line of the summary (a row of `Backtest.summary`)."""
    if not row.counted:
        return f"{row.figures} figure{'s' * (row.figures != 1)}, none counted"
    text = (f"{row.counted} counted, mean absolute error {format.relative(row.mean_absolute_error, sign=False)}")
    if row.out_of_sample and row.out_of_sample < row.counted:
        text += f", out of sample ({row.out_of_sample}) {format.relative(row.out_of_sample_mean_absolute_error, sign=False)}"
    elif row.out_of_sample:
        text += ", all out of sample"
    if hasattr(row, "within_90"):
        text += (f"; {row.within_90} of {row.counted} within the projection's 90% interval "
                 f"({format.relative(row.coverage_90, sign=False)})")
        if not pd.isna(row.mean_relative_width):
            text += f", mean relative width {format.relative(row.mean_relative_width, sign=False)}"
    return text


def formatted(table: pd.DataFrame) -> pd.DataFrame:
    """The backtest table as text for a terminal or markdown: each figure by its metric's kind, money to two
    decimals (a reported figure is often known that closely), the error in percent of the actual; with draws, the
    projection's median and 90% interval beside the value (with every assumption at its value) and the interval's
    width relative to the median."""
    kinds = [catalogue.METRICS[metric].kind for metric in table["metric"]]

    def number(value: float, kind: Kind) -> str:
        return format.figure(value, kind, decimals=MONEY_DECIMALS if kind is Kind.money else None)

    text = pd.DataFrame({
        "Company": table["company"],
        "Metric": table["metric"],
        "Year": table["year"].astype(str),
        "Basis": table["basis"],
        "Built": table["built"],
        "Reported": table["reported"],
        "Actual": [f"{number(v, k)} {u}" for v, k, u in zip(table["actual"], kinds, table["unit"], strict=True)],
        "Projected": [number(v, k) for v, k in zip(table["projected"], kinds, strict=True)],
        "Error": [format.relative(v) for v in table["relative_error"]],
    })
    if "within_90" in table.columns:
        text["Median"] = [number(v, k) for v, k in zip(table["p50"], kinds, strict=True)]
        text["90% interval"] = [f"{number(lo, k)}-{number(hi, k)}{'' if inside else ' (outside)'}" for lo, hi, k, inside
                                in zip(table["p5"], table["p95"], kinds, table["within_90"], strict=True)]
        text["Width"] = ["" if pd.isna(w) else format.relative(w, sign=False) for w in table["relative_width"]]
    text["Published"] = table["published"].astype(str)
    text["Out of sample"] = np.where(table["out_of_sample"], "yes", "no")
    text["Sources"] = table["sources"]
    text["Counted"] = np.where(table["excluded"] == "", "yes", "no: restates an input")
    return text


def chart(result: Backtest) -> ChartLike:
    return backtest_chart(result.projection, result.table, result.colours or None)


def title(result: Backtest) -> str:
    scenario = result.scenario
    return (f"{scenario.name} ({scenario.horizon[0]}-{scenario.horizon[1]}, {scenario.reporting_currency}, as of "
            f"{scenario.as_of}) against {display_path(result.actuals)}; error = projected - actual")
