"""Renderings of a comparison (`model.analysis.compare.Comparison`): the side-by-side table as text for a terminal
or markdown, the JSON records, and a chart per metric with a line per side."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from model import catalogue, format
from model.analysis.compare import COMPARE_METRICS, Comparison, reference_and_others, side_by_side
from model.present.charts import (
    BASIS_MARK,
    CLOUD_BASIS_LABELS,
    LIKE_FOR_LIKE_NOTE,
    ChartLike,
    bases_listed,
    scenario_overlay,
)


def formatted(long: pd.DataFrame, *, mark_bases: bool = False) -> pd.DataFrame:
    """The side-by-side table as text for a terminal or markdown: figures as in the headline table, changes signed
    (shares in percentage points), 'n/a' where a side lacks a figure or a percentage has no base; with
    `mark_bases`, each measure built on cloud revenue carries BASIS_MARK (see `basis_notes`)."""
    wide = side_by_side(long)
    reference, others = reference_and_others(long)
    kinds = [catalogue.METRICS[metric].kind for metric in wide["metric"]]
    marked = [f"{measure} {BASIS_MARK}" if mark_bases and catalogue.METRICS[metric].on_cloud_basis else measure
              for measure, metric in zip(wide["measure"], wide["metric"], strict=True)]
    text = pd.DataFrame({"Company": wide["company"], "Measure": marked})
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


def compare_json(result: Comparison) -> dict[str, Any]:
    """compare.json: `to_records`, and each side's companies' cloud revenue bases (`bases`)."""
    return {**to_records(result.long), "bases": result.bases()}


def basis_notes(result: Comparison) -> list[str]:
    """Under the table, where figures built on cloud revenue mix bases (`Comparison.bases_mixed`): what the mark
    says, then each side's bases."""
    if not result.bases_mixed():
        return []
    return [f"{BASIS_MARK} {' and '.join(CLOUD_BASIS_LABELS)} mix bases, so they do not compare like for like; "
            f"{LIKE_FOR_LIKE_NOTE}:",
            *(f"  {label}: {bases_listed(found)}" for label, found in result.bases().items() if found)]


def charts(result: Comparison) -> dict[str, ChartLike]:
    """A chart per metric of COMPARE_METRICS, by file stem (the metric), each with a line per side."""
    overlay = result.overlay()
    return {metric: scenario_overlay(overlay, metric=metric) for metric in COMPARE_METRICS}


def title(result: Comparison) -> str:
    return f"Headline results ({result.currency}); changes from {result.labels[0]}"
