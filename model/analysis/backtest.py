"""Backtesting a scenario: reported figures, kept in an actuals file with sources like assumptions, set against what
the scenario projected for the same company, metric and year, with the error in percent and whether each figure
was published after the scenario's as_of (a true out-of-sample check).

Only annual figures are compared (a calendar year, or a fiscal year mapped to the calendar year holding most of its
months, as for assumptions): the model projects calendar years, and a quarter of a year's flow is not a year (four
reported quarters of a flow are summed into their year by the loader).

A figure that merely restates an input is listed but not counted (`restatement`): it cites a source that an input
bearing on its company, metric and year cites (catalogue.INPUTS: an anchor on its year, a plan on its window, a
rate on every year), or its value is that of the input anchoring the year (catalogue.ANCHORS: a base value or
price whose period maps to it) within RESTATEMENT_TOLERANCE, unless it is an outturn published after the
scenario's as_of, a plan that came true.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.analysis.projection import draw_settings, run
from model.catalogue import ANCHORS, INPUTS, METRICS, PARAMETERS
from model.core.parameters import anchor_year, exchange_rates
from model.domain import Assumption, Inputs, ReportedFigure, Scenario, plan_window
from model.errors import Problem
from model.format import input_value
from model.units import parse_period, parse_unit, to_whole

TABLE_COLUMNS = ["company", "metric", "year", "period", "basis", "built", "confidence", "unit", "reported", "actual",
                 "projected", "error", "relative_error", "published", "out_of_sample", "sources", "excluded"]
INTERVAL_COLUMNS = ["p5", "p50", "p95", "within_90", "relative_width"]
# The groups of the summary, by what a figure is; "all" pools them.
SUMMARY_GROUPS = ("outturn", "plan", "estimate", "all")
SUMMARY_COLUMNS = ["basis", "figures", "counted", "excluded", "out_of_sample", "mean_absolute_error",
                   "out_of_sample_mean_absolute_error"]
COVERAGE_COLUMNS = ["within_90", "coverage_90", "mean_relative_width"]
# A restated figure is often rounded ("over 150 billion yuan" for 150): half a percent is a restatement, not a hit.
RESTATEMENT_TOLERANCE = 0.005


# ------------------------------------------------------------------------------------------------ restatements
@dataclass(frozen=True)
class Bearing:
    """An input that bears on a company's metric in one year, as the backtest reads it."""

    key: str  # the resolved key: "bytedance.capex.base"
    written: str  # its value as the file gives it: "150 CNY bn, 2025"
    sources: frozenset[str]
    # an anchor's value (catalogue.ANCHORS) in the metric's display unit and the reporting currency, a quarter
    # annualised; None for an input that does not set the metric's level in that year by itself
    value: float | None = None


def bearings(inputs: Inputs) -> dict[tuple[str, str, int], tuple[Bearing, ...]]:
    """The inputs bearing on each (company name, metric, calendar year) of the horizon, by catalogue.INPUTS: an
    anchor (a flow or a level) on its period's year, a plan on its window's years, a rate on every year; the anchors
    (catalogue.ANCHORS) first, with their values."""
    rates = exchange_rates(inputs)
    found: dict[tuple[str, str, int], list[Bearing]] = {}
    for company in inputs.companies:
        given = inputs.of(company)
        for metric, keys in INPUTS.items():
            for key in sorted((k for k in keys if k in given), key=lambda k: k not in ANCHORS.get(metric, ())):
                item = given[key]
                assumption, role = item.assumption, PARAMETERS[key].role
                anchor = key in ANCHORS.get(metric, ()) and not assumption.value.is_series

                def whole(number: float, assumption: Assumption = assumption, metric: str = metric) -> float:
                    return float(to_whole(number, parse_unit(assumption.unit),
                                          into=inputs.scenario.reporting_currency, rates=rates,
                                          per_year=parse_period(assumption.period).per_year,
                                          display_scale=METRICS[metric].scale.factor))

                raw = assumption.value.series if assumption.value.is_series else assumption.value.scalar
                bearing = Bearing(item.key, f"{input_value(raw)} {assumption.unit}, {assumption.period}",
                                  frozenset(c.ref for c in assumption.citations),
                                  whole(assumption.value.scalar) if anchor else None)
                # a pooled anchor's candidates are inputs too: a reported figure that repeats one restates it
                bearings_here = [bearing, *(
                    Bearing(item.key, f"{input_value(c.value)} {assumption.unit}, {assumption.period}, a candidate of "
                                      "its pool", frozenset({c.source.ref}), whole(c.value) if anchor else None)
                    for c in assumption.candidates)]
                if role in ("flow", "level"):
                    years = [anchor_year(item)]
                elif role == "plan":
                    first, last = plan_window(item)
                    years = list(range(first, last + 1))
                else:
                    years = list(inputs.scenario.years)
                for year in years:
                    found.setdefault((company.name, metric, year), []).extend(bearings_here)
    return {where: tuple(found_here) for where, found_here in found.items()}


def restatement(figure: ReportedFigure, bearing: Sequence[Bearing], as_of: dt.date) -> str:
    """Why `figure` merely restates an input of `bearing` (those on its company, metric and year); empty when it
    does not.

    It does when it cites a source such an input cites (the same evidence), or when its value is an anchor's within
    RESTATEMENT_TOLERANCE (the same figure), unless it is an outturn published after `as_of`: then the input, a plan
    or an estimate, came true, and that is a hit to count."""
    came_true = figure.basis == "outturn" and figure.published > as_of
    for item in bearing:
        shared = sorted(item.sources.intersection(figure.sources))
        if shared:
            return f"restates the input {item.key} ({item.written}): cites {', '.join(shared)} as it does"
        if item.value is not None and not came_true and \
                abs(figure.value - item.value) <= RESTATEMENT_TOLERANCE * abs(item.value):
            return f"restates the input {item.key} ({item.written}): the same figure"
    return ""


# ------------------------------------------------------------------------------------------------ the backtest
def backtest_table(figures: Sequence[ReportedFigure], projection: pd.DataFrame, as_of: dt.date,
                   bearing: dict[tuple[str, str, int], tuple[Bearing, ...]] | None = None) -> pd.DataFrame:
    """Each reported figure against the projection for its company, metric and year.

    `projection` is the scenario's tidy projection frame (company, year, metric, value, and p5, p50, p95 in a run
    with draws). Returns one row per figure with columns TABLE_COLUMNS: `actual` is the reported figure and
    `projected` the projection (every assumption at its value), both in `unit`; `error` = projected - actual
    (positive: the projection was too high), `relative_error` = error / actual (a fraction: 0.05 for 5%);
    `out_of_sample` is whether the figure was published after `as_of`, the scenario's information cut-off; `built`
    how the year's figure was made (reported-annual, sum-of-quarters); `excluded` why the figure is not counted (it
    restates an input of `bearing` on its company, metric and year, see `restatement`), empty when it is. With
    draws, INTERVAL_COLUMNS follow `relative_error`: the projection's 5th, 50th and 95th percentiles, whether the
    actual lies between the 5th and the 95th, and the interval's width relative to its median, (p95 - p5) / p50.
    """
    rows = pd.DataFrame({
        "company": [f.company for f in figures],
        "metric": [f.metric for f in figures],
        "year": [f.year for f in figures],
        "period": [f.period for f in figures],
        "basis": [f.basis for f in figures],
        "built": [f.built for f in figures],
        "confidence": [f.confidence for f in figures],
        "unit": [f.unit for f in figures],
        "reported": [f.reported for f in figures],
        "actual": np.array([f.value for f in figures], dtype=float),
        "published": [f.published for f in figures],
        "out_of_sample": np.array([f.published > as_of for f in figures], dtype=bool),
        "sources": [", ".join(f.sources) for f in figures],
        "excluded": [restatement(f, (bearing or {}).get((f.company, f.metric, f.year), ()), as_of) for f in figures],
    })
    draws = "p5" in projection.columns and projection["p5"].notna().any()
    keep = ["company", "year", "metric", "value", *(("p5", "p50", "p95") if draws else ())]
    merged = rows.merge(projection[keep], on=["company", "year", "metric"], how="left", validate="many_to_one")
    merged = merged.rename(columns={"value": "projected"})
    merged["error"] = merged["projected"] - merged["actual"]
    merged["relative_error"] = merged["error"] / merged["actual"]
    columns = list(TABLE_COLUMNS)
    if draws:
        merged["within_90"] = (merged["p5"] <= merged["actual"]) & (merged["actual"] <= merged["p95"])
        # a median of zero has no relative width: left empty, never infinite
        merged["relative_width"] = (merged["p95"] - merged["p5"]) / merged["p50"].where(merged["p50"] > 0)
        columns[columns.index("relative_error") + 1:columns.index("relative_error") + 1] = INTERVAL_COLUMNS
    return merged[columns]


def backtest_summary(table: pd.DataFrame) -> pd.DataFrame:
    """The backtest by what its figures are: a row per basis present (outturn, plan, estimate) and one for all.

    Columns SUMMARY_COLUMNS: how many figures, how many counted (not `excluded` as restatements), how many excluded,
    how many counted ones were out of sample, and the mean absolute relative error over the counted ones and over
    the counted out-of-sample ones (a fraction; empty where there is none). With draws COVERAGE_COLUMNS follow: how
    many counted figures lay within the projection's 90% interval, that as a fraction of those counted (a
    calibrated projection holds about 0.9), and the mean relative width of their intervals, (p95 - p5) / p50 (the
    narrower, the sharper the projection, if it still covers)."""
    draws = "within_90" in table.columns
    rows = []
    for group in SUMMARY_GROUPS:
        part = table if group == "all" else table[table["basis"] == group]
        if part.empty and group != "all":
            continue
        counted = part[part["excluded"] == ""]
        outside = counted[counted["out_of_sample"]]
        row: dict[str, Any] = {
            "basis": group,
            "figures": len(part),
            "counted": len(counted),
            "excluded": len(part) - len(counted),
            "out_of_sample": len(outside),
            "mean_absolute_error": counted["relative_error"].abs().mean() if len(counted) else np.nan,
            "out_of_sample_mean_absolute_error": outside["relative_error"].abs().mean() if len(outside) else np.nan,
        }
        if draws:
            row["within_90"] = int(counted["within_90"].sum())
            row["coverage_90"] = row["within_90"] / len(counted) if len(counted) else np.nan
            row["mean_relative_width"] = counted["relative_width"].mean() if counted["relative_width"].notna().any() \
                else np.nan
        rows.append(row)
    return pd.DataFrame(rows, columns=[*SUMMARY_COLUMNS, *(COVERAGE_COLUMNS if draws else ())])


# ------------------------------------------------------------------------------------------------- the result
@dataclass(frozen=True, eq=False)
class Backtest:
    """What `scenario backtest` found: `table` (see `backtest_table`), its `summary` by basis (see
    `backtest_summary`) and the tidy projection it compares with."""

    scenario: Scenario
    actuals: Path  # the file of reported figures
    table: pd.DataFrame
    summary: pd.DataFrame
    projection: pd.DataFrame  # the scenario's tidy projection (with percentiles for a run with draws)
    files: tuple[Path, ...]  # the inputs read, the actuals file last
    settings: dict[str, Any]  # of the draws
    problems: tuple[Problem, ...] = ()  # what validation's source audit rejects in the inputs, as warnings
    colours: dict[str, str] = field(default_factory=dict)  # each company's colour, as in the run's charts


def backtest(inputs: Inputs, figures: Sequence[ReportedFigure], actuals: Path, *, draws: int = 1,
             sampler: str = "sobol", rng: np.random.Generator | int | None = None,
             on_chunk: Callable[[int], None] | None = None, problems: Sequence[Problem] = ()) -> Backtest:
    """Project the scenario (`draws` > 1: with percentiles) and set each of `figures` (from `load_actuals` of the
    file `actuals`) against it, leaving out of the summary the figures that restate the scenario's inputs."""
    projection = run(inputs, draws=draws, sampler=sampler, rng=rng, on_chunk=on_chunk)
    tidy = projection.tidy()
    table = backtest_table(figures, tidy, inputs.scenario.as_of, bearings(inputs))
    return Backtest(inputs.scenario, actuals, table, backtest_summary(table), tidy, (*inputs.files, actuals),
                    draw_settings(projection), tuple(problems), projection.colours)
