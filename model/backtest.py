"""Backtesting a scenario: reported figures, kept in an actuals file with sources like assumptions, set against what
the scenario projected for the same company, metric and year, with the error in percent and whether each figure
was published after the scenario's as_of (a true out-of-sample check).

Only annual figures are compared (a calendar year, or a fiscal year mapped to the calendar year holding most of its
months, as for assumptions): the model projects calendar years, and a quarter of a year's flow is not a year.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, PlainValidator, model_validator

from model.catalogue import MAX_MONEY
from model.engine import BILLION, METRICS, THOUSAND
from model.errors import Problem
from model.loading import (
    FX_FILE,
    FX_PREFIX,
    Company,
    Inputs,
    Located,
    Problems,
    check_citations,
    suggest,
)
from model.schema import (
    Confidence,
    Date,
    NonEmpty,
    PeriodText,
    Slug,
    SourceRef,
    Strict,
    UnitText,
    finite_number,
    parse_period,
    parse_unit,
)

# The metrics a company reports and the model projects year by year, with the kind of unit a reported figure
# takes; shares, ranks, cumulative sums and intensities are the model's own constructs, never reported as such.
REPORTED_METRICS: dict[str, str] = {
    "capex": "money",
    "ai_chip_spend": "money",
    "cloud_revenue": "money",
    "ai_revenue": "money",
    "accelerator_unit_price": "money",
    "accelerators_bought": "count",
    "accelerators_installed": "count",
}
# The display units of METRICS in whole units: "{cur} bn" is 1e9 of the currency, "thousand units" 1e3 units.
DISPLAY_SCALES: dict[str, float] = {"{cur} bn": BILLION, "{cur}": 1.0, "thousand units": THOUSAND}
# Where an assumptions folder keeps its reported figures: a subfolder, so that the loader (which reads
# assumptions/*.yaml as company files) never takes it for a company.
ACTUALS_FILE = Path("actuals") / "reported.yaml"
BASES = ("outturn", "plan", "estimate")
Basis = Literal["outturn", "plan", "estimate"]
TABLE_COLUMNS = ["company", "metric", "year", "period", "basis", "confidence", "unit", "reported", "actual",
                 "projected", "error", "error_pct", "published", "out_of_sample", "sources"]
INTERVAL_COLUMNS = ["p5", "p95", "within_90"]


# A count of accelerators bought or installed: a trillion is far above every chip ever made.
MAX_COUNT = 1e12


def _positive(value: object) -> float:
    number = finite_number(value, "value")
    if number <= 0:
        raise ValueError(f"a reported figure must be positive, not {number:g}")
    return number


PositiveNumber = Annotated[float, PlainValidator(_positive, json_schema_input_type=float)]


class Actual(Strict):
    """One reported figure: a company's metric in one year, as a source stated it."""

    company: Slug
    metric: NonEmpty
    value: PositiveNumber
    unit: UnitText
    period: PeriodText
    basis: Basis  # outturn: the period's reported result; plan: a budget or plan for it; estimate: an analyst's
    confidence: Confidence
    as_of: Date  # when the figure was published
    sources: list[SourceRef] = Field(min_length=1)
    notes: str | None = None

    @model_validator(mode="after")
    def _plausible(self) -> Actual:
        unit = parse_unit(self.unit)
        # compared in the unit's own scale, so that 1e308 CNY bn cannot overflow on the way
        upper = MAX_MONEY / unit.scale if unit.kind == "money" else MAX_COUNT if unit.kind == "count" else math.inf
        if self.value > upper:
            raise ValueError(f"value {self.value:g} {self.unit} is above {upper:g} {self.unit}, the largest "
                             "plausible figure")
        return self


class ActualsFile(Strict):
    actuals: list[Actual] = Field(min_length=1)


@dataclass(frozen=True)
class ReportedFigure:
    """A reported figure checked against a scenario and converted to its reporting currency and display unit."""

    company: str  # display name, as in projections
    metric: str
    year: int  # calendar year (a fiscal year mapped)
    period: str  # as given: 2025, FY2026
    reported: str  # as stated: "160 CNY bn"
    value: float  # in the metric's display unit and the scenario's reporting currency
    unit: str  # that display unit: "USD bn"
    basis: str
    confidence: str
    published: dt.date
    sources: tuple[str, ...]


# ----------------------------------------------------------------------------------------------------- loading
def load_actuals(path: Path, inputs: Inputs) -> tuple[list[ReportedFigure], list[Problem]]:
    """Read and check an actuals file against a resolved scenario: companies, metrics, units and periods it can
    compare, sources in its registry. Returns the figures within the scenario's horizon and the warnings (figures
    outside the horizon are left out with one); raises InputError listing every error as file:line: key: message."""
    problems = Problems()
    parsed = problems.parse(path, ActualsFile)
    problems.check()
    assert parsed is not None, "parsing failed without an error"
    actuals_file, located = parsed
    figures = []
    for index, actual in enumerate(actuals_file.actuals):
        found = list(check_actual(actual, ("actuals", index), located, inputs))
        for problem in found:
            problems.add(problem)
        if not any(p.severity == "error" for p in found):
            figure = reported_figure(actual, inputs)
            first, last = inputs.scenario.horizon
            if first <= figure.year <= last:
                figures.append(figure)
            else:
                problems.add(located.problem(
                    ("actuals", index, "period"),
                    f"{figure.year} lies outside the horizon {first}-{last} of scenario '{inputs.scenario.name}'; "
                    "not compared", "warning"))
    problems.check()
    return figures, problems.warnings


def check_actual(actual: Actual, loc: tuple[Any, ...], located: Located, inputs: Inputs) -> Iterator[Problem]:
    """The rules for one reported figure that need the scenario's companies, exchange rates and source registry."""
    companies = {c.slug: c for c in inputs.companies}
    if actual.company not in companies:
        yield located.problem((*loc, "company"), f"unknown company '{actual.company}'; {suggest(actual.company, companies)}")
    if actual.metric not in REPORTED_METRICS:
        derived = " is the model's own construct, not a reported figure" if actual.metric in METRICS else ""
        yield located.problem((*loc, "metric"), f"unknown metric '{actual.metric}'{derived}; "
                                                f"{suggest(actual.metric, REPORTED_METRICS)}")
    else:
        unit, kind = parse_unit(actual.unit), REPORTED_METRICS[actual.metric]
        if kind == "count" and unit.kind != "count":
            yield located.problem((*loc, "unit"), f"{actual.metric} is counted in units: its unit is 'count', "
                                                  f"not '{actual.unit}'")
        elif kind == "money" and unit.kind != "money":
            yield located.problem((*loc, "unit"), f"{actual.metric} needs a money unit such as 'CNY bn', "
                                                  f"not '{actual.unit}'")
        elif unit.kind == "money" and unit.currency not in inputs.assumptions.currencies:
            known = ", ".join(sorted(inputs.assumptions.currencies))
            yield located.problem((*loc, "unit"), f"currency {unit.currency} has no exchange rate in {FX_FILE} "
                                                  f"(known: {known})")
    period = parse_period(actual.period)
    if period.quarter:
        yield located.problem((*loc, "period"), f"'{actual.period}' is a quarter; only annual figures (2025, "
                                                "FY2026) are compared, since the model projects whole years")
    elif period.is_range:
        yield located.problem((*loc, "period"), f"'{actual.period}' spans several years; give one year's figure")
    registry = inputs.assumptions.sources
    yield from check_citations(actual, located, loc, registry)  # type: ignore[arg-type]  # same fields it reads
    cited = []
    for index, citation in enumerate(actual.sources):
        source = registry.get(citation.ref)
        if source is None:
            continue
        if source.kind == "analyst-judgement":
            yield located.problem((*loc, "sources", index, "ref"),
                                  "a reported figure cites what reported it; analyst-judgement is not a report")
        else:
            cited.append(source)
    if cited and actual.as_of < min(s.date for s in cited):
        earliest = min(cited, key=lambda s: s.date)
        yield located.problem((*loc, "as_of"), f"{actual.as_of} is before its earliest source '{earliest.id}' "
                                               f"({earliest.date}) was published", "warning")


def to_reporting(inputs: Inputs, currency: str, year: int) -> float:
    """What one unit of `currency` is worth in the scenario's reporting currency, by its exchange-rate assumptions
    (a rate given as a series is read at `year`)."""
    def per_base(code: str) -> float:
        if code == inputs.assumptions.base_currency:
            return 1.0
        value = inputs.resolved[f"{FX_PREFIX}.{code}"].assumption.value
        if isinstance(value, dict):
            return float(np.interp(year, list(value), list(value.values())))
        return float(value)

    return per_base(inputs.scenario.reporting_currency) / per_base(currency)


def reported_figure(actual: Actual, inputs: Inputs) -> ReportedFigure:
    """A checked actual in the scenario's terms: its calendar year and its value in the metric's display unit."""
    company: Company = next(c for c in inputs.companies if c.slug == actual.company)
    year = parse_period(actual.period).calendar_years(company.fiscal_year_end)[0]
    unit = parse_unit(actual.unit)
    whole = actual.value * unit.scale
    if unit.kind == "money":
        whole *= to_reporting(inputs, unit.currency or "", year)
    template = METRICS[actual.metric].unit
    return ReportedFigure(
        company=company.name,
        metric=actual.metric,
        year=year,
        period=actual.period,
        reported=f"{_plain(actual.value)} {actual.unit}",
        value=whole / DISPLAY_SCALES[template],
        unit=template.format(cur=inputs.scenario.reporting_currency),
        basis=actual.basis,
        confidence=actual.confidence,
        published=actual.as_of,
        sources=tuple(c.ref for c in actual.sources),
    )


def _plain(value: float) -> str:
    """A number as written, with thousands separators: 160, 2.5, 1,250, 250,000 (never 2.5e+05)."""
    return f"{int(value):,}" if value.is_integer() else f"{value:,}"


def default_actuals(assumptions_dir: Path) -> Path:
    return assumptions_dir / ACTUALS_FILE


# ------------------------------------------------------------------------------------------------ the backtest
def backtest_table(figures: Sequence[ReportedFigure], projection: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Each reported figure against the projection for its company, metric and year.

    `projection` is the scenario's tidy projection frame (company, year, metric, value, and p5, p95 in a run with
    draws). Returns one row per figure with columns TABLE_COLUMNS: `actual` is the reported figure and `projected`
    the projection (every assumption at its value), both in `unit`; `error` = projected - actual (positive: the
    projection was too high), `error_pct` = 100 x error / actual; `out_of_sample` is whether the figure was
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
    merged["error_pct"] = 100 * merged["error"] / merged["actual"]
    columns = list(TABLE_COLUMNS)
    if draws:
        merged["within_90"] = (merged["p5"] <= merged["actual"]) & (merged["actual"] <= merged["p95"])
        columns[columns.index("error_pct") + 1:columns.index("error_pct") + 1] = INTERVAL_COLUMNS
    return merged[columns]


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
