"""Renderings of a comparison (`model.analysis.compare.Comparison`): the side-by-side table as text for a terminal
or markdown, the JSON records, and a chart per metric with a line per side."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from model.analysis.compare import COMPARE_METRICS, Comparison, reference_and_others, side_by_side
from model.present.charts import ChartLike, scenario_overlay
from model.present.run import format_headline_value


def formatted(long: pd.DataFrame) -> pd.DataFrame:
    """The side-by-side table as text for a terminal or markdown: figures as in the headline table, changes signed
    (shares in percentage points), 'n/a' where a side lacks a figure or a percentage has no base."""
    wide = side_by_side(long)
    reference, others = reference_and_others(long)
    text = pd.DataFrame({"Company": wide["company"], "Measure": wide["measure"]})
    for label in [reference, *others]:
        text[label] = [_figure(m, v) for m, v in zip(wide["measure"], wide[label], strict=True)]
        if label != reference:
            change = f"{label} - {reference}"
            text[change] = [_change(m, v) for m, v in zip(wide["measure"], wide[change], strict=True)]
            text[f"{change} (%)"] = [_percent(v) for v in wide[f"{change} (%)"]]
    return text


def _missing(value: float) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _figure(measure: str, value: float) -> str:
    return "n/a" if _missing(value) else format_headline_value(measure, value)


def _signed(value: float, decimals: int, suffix: str = "") -> str:
    rounded = round(value, decimals)
    if rounded == 0:  # no "-0.0" for a change that rounds away
        return f"{0:.{decimals}f}{suffix}"
    return f"{rounded:+,.{decimals}f}{suffix}"


def _change(measure: str, value: float) -> str:
    if _missing(value):
        return "n/a"
    if measure.startswith("Share"):
        return _signed(100 * value, 1, " pp")
    return _signed(value, 0 if measure.endswith("(k)") else 1)


def _percent(value: float) -> str:
    return "n/a" if _missing(value) else _signed(value, 1, "%")


def to_records(long: pd.DataFrame) -> dict[str, Any]:
    """The comparison as JSON-ready data: the reference, the sides, and per company and measure each side's value,
    change and change in percent (null where missing)."""
    reference, others = reference_and_others(long)

    def number(value: Any) -> float | int | None:
        return None if _missing(value) else value

    rows = []
    for (company, measure), group in long.groupby(["company", "measure"], sort=False):
        first = group.iloc[0]
        by_side = group.set_index("scenario")
        rows.append({
            "company": company, "measure": measure, "metric": first["metric"], "year": int(first["year"]),
            "unit": first["unit"],
            "values": {label: number(float(by_side.at[label, "value"])) if label in by_side.index else None
                       for label in [reference, *others]},
            "change": {label: number(float(by_side.at[label, "change"])) if label in by_side.index else None
                       for label in others},
            "change_pct": {label: number(float(by_side.at[label, "change_pct"])) if label in by_side.index else None
                           for label in others},
        })
    return {"reference": reference, "scenarios": [reference, *others], "rows": rows}


def charts(result: Comparison) -> dict[str, ChartLike]:
    """A chart per metric of COMPARE_METRICS, by file stem (the metric), each with a line per side."""
    overlay = result.overlay()
    return {metric: scenario_overlay(overlay, metric=metric) for metric in COMPARE_METRICS}


def title(result: Comparison) -> str:
    return f"Headline results ({result.currency}); changes from {result.labels[0]}"
