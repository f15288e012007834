"""Backtesting a scenario: reported figures, kept in an actuals file with sources like assumptions, set against what
the scenario projected for the same company, metric and year, with the error in percent and whether each figure
was published after the scenario's as_of (a true out-of-sample check).

Only annual figures are compared (a calendar year, or a fiscal year mapped to the calendar year holding most of its
months, as for assumptions): the model projects calendar years, and a quarter of a year's flow is not a year.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.analysis.projection import draw_settings, run
from model.domain import Inputs, ReportedFigure, Scenario
from model.errors import Problem

TABLE_COLUMNS = ["company", "metric", "year", "period", "basis", "confidence", "unit", "reported", "actual",
                 "projected", "error", "relative_error", "published", "out_of_sample", "sources"]
INTERVAL_COLUMNS = ["p5", "p95", "within_90"]




# ------------------------------------------------------------------------------------------------ the backtest
def backtest_table(figures: Sequence[ReportedFigure], projection: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Each reported figure against the projection for its company, metric and year.

    `projection` is the scenario's tidy projection frame (company, year, metric, value, and p5, p95 in a run with
    draws). Returns one row per figure with columns TABLE_COLUMNS: `actual` is the reported figure and `projected`
    the projection (every assumption at its value), both in `unit`; `error` = projected - actual (positive: the
    projection was too high), `relative_error` = error / actual (a fraction: 0.05 for 5%); `out_of_sample` is whether the figure was
    published after `as_of`, the scenario's information cut-off. With draws, INTERVAL_COLUMNS follow: the
    projection's 5th and 95th percentiles and whether the actual lies between them.
    """
    rows = pd.DataFrame({
        "company": [f.company for f in figures],
        "metric": [f.metric for f in figures],
        "year": [f.year for f in figures],
        "period": [f.period for f in figures],
        "basis": [f.basis for f in figures],
        "confidence": [f.confidence for f in figures],
        "unit": [f.unit for f in figures],
        "reported": [f.reported for f in figures],
        "actual": np.array([f.value for f in figures], dtype=float),
        "published": [f.published for f in figures],
        "out_of_sample": np.array([f.published > as_of for f in figures], dtype=bool),
        "sources": [", ".join(f.sources) for f in figures],
    })
    draws = "p5" in projection.columns and projection["p5"].notna().any()
    keep = ["company", "year", "metric", "value", *(("p5", "p95") if draws else ())]
    merged = rows.merge(projection[keep], on=["company", "year", "metric"], how="left", validate="many_to_one")
    merged = merged.rename(columns={"value": "projected"})
    merged["error"] = merged["projected"] - merged["actual"]
    merged["relative_error"] = merged["error"] / merged["actual"]
    columns = list(TABLE_COLUMNS)
    if draws:
        merged["within_90"] = (merged["p5"] <= merged["actual"]) & (merged["actual"] <= merged["p95"])
        columns[columns.index("relative_error") + 1:columns.index("relative_error") + 1] = INTERVAL_COLUMNS
    return merged[columns]


# ------------------------------------------------------------------------------------------------- the result
@dataclass(frozen=True, eq=False)
class Backtest:
    """What `scenario backtest` found: `table` (see `backtest_table`) and the tidy projection it compares with."""

    scenario: Scenario
    actuals: Path  # the file of reported figures
    table: pd.DataFrame
    projection: pd.DataFrame  # the scenario's tidy projection (with percentiles for a run with draws)
    files: tuple[Path, ...]  # the inputs read, the actuals file last
    settings: dict[str, Any]  # of the draws
    problems: tuple[Problem, ...] = ()  # what validation's source audit rejects in the inputs, as warnings


def backtest(inputs: Inputs, figures: Sequence[ReportedFigure], actuals: Path, *, draws: int = 1,
             sampler: str = "sobol", rng: np.random.Generator | int | None = None,
             on_chunk: Callable[[int], None] | None = None, problems: Sequence[Problem] = ()) -> Backtest:
    """Project the scenario (`draws` > 1: with percentiles) and set each of `figures` (from `load_actuals` of the
    file `actuals`) against it."""
    projection = run(inputs, draws=draws, sampler=sampler, rng=rng, on_chunk=on_chunk)
    tidy = projection.tidy()
    return Backtest(inputs.scenario, actuals, backtest_table(figures, tidy, inputs.scenario.as_of), tidy,
                    (*inputs.files, actuals), draw_settings(projection), tuple(problems))
