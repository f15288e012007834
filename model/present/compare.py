"""Renderings of a comparison (`model.analysis.compare.Comparison`): the side-by-side table as text for a terminal
or markdown, the JSON records, and a chart per metric with a line per side."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from model import catalogue, format
from model.analysis.compare import COMPARE_METRICS, Comparison, reference_and_others, side_by_side
from model.present.charts import ChartLike, scenario_overlay


def formatted(long: pd.DataFrame) -> pd.DataFrame:
    """The side-by-side table as text for a terminal or markdown: figures as in the headline table, changes signed
    (shares in percentage points), 'n/a' where a side lacks a figure or a percentage has no base."""
    wide = side_by_side(long)
    reference, others = reference_and_others(long)
    kinds = [catalogue.METRICS[metric].kind for metric in wide["metric"]]
    text = pd.DataFrame({"Company": wide["company"], "Measure": wide["measure"]})
    for label in [reference, *others]:
        text[label] = [format.figure(v, kind) for kind, v in zip(kinds, wide[label], strict=True)]
        if label != reference:
            change = f"{label} - {reference}"
            text[change] = [format.change(v, kind) for kind, v in zip(kinds, wide[change], strict=True)]
            text[f"{change} (%)"] = [format.relative(v) for v in wide[f"{change} (relative)"]]
    return text


def _missing(value: float) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def to_records(long: pd.DataFrame) -> dict[str, Any]:
    """The comparison as JSON-ready data: the reference, the sides, and per company and measure each side's value,
    change and relative change, a fraction (null where missing)."""
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
            "relative_change": {label: number(float(by_side.at[label, "relative_change"]))
                                if label in by_side.index else None for label in others},
        })
    return {"reference": reference, "scenarios": [reference, *others], "rows": rows}


def charts(result: Comparison) -> dict[str, ChartLike]:
    """A chart per metric of COMPARE_METRICS, by file stem (the metric), each with a line per side."""
    overlay = result.overlay()
    return {metric: scenario_overlay(overlay, metric=metric) for metric in COMPARE_METRICS}


def title(result: Comparison) -> str:
    return f"Headline results ({result.currency}); changes from {result.labels[0]}"
