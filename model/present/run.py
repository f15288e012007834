"""Renderings of a run's results as text: the headline table (with its intervals for a run with draws) and the
tables of the race; what the terminal and the report show, every number through `model.present.format`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from model.analysis.projection import RACE_LABELS, Projection, headline, headline_kinds
from model.catalogue import Kind
from model.present import format


def formatted_headline(table: pd.DataFrame, kinds: Mapping[str, Kind], low: pd.DataFrame | None = None,
                       high: pd.DataFrame | None = None) -> pd.DataFrame:
    """The headline table as text, each column by its kind in `kinds` (`headline_kinds`): money to one decimal,
    thousands of units whole, shares in percent; with `low` and `high` (tables of the same shape, e.g. the 5th and
    95th percentiles), each figure is followed by its interval in brackets: "12.3 [10.1-14.8]"."""
    def cell(column: str, row: int) -> str:
        text = format.figure(table[column].iloc[row], kinds[column])
        if low is None or high is None:
            return text
        return f"{text} [{format.interval(low[column].iloc[row], high[column].iloc[row], kinds[column])}]"

    return pd.DataFrame({c: [cell(c, row) for row in range(len(table))] for c in table.columns}, index=table.index)


def headline_text(projection: Projection) -> pd.DataFrame:
    """The formatted headline of a run: every assumption at its value."""
    return formatted_headline(headline(projection), headline_kinds(projection))


def interval_headline(projection: Projection) -> pd.DataFrame:
    """The formatted headline of a run with draws: each value with its 5th-95th percentile interval."""
    return formatted_headline(headline(projection), headline_kinds(projection), headline(projection, "p5"),
                              headline(projection, "p95"))


def _probability(probability: float) -> str:
    return format.figure(probability, Kind.probability)


def race_tables(projection: Projection) -> dict[str, pd.DataFrame]:
    """Readable tables of the race for a run with draws: who leads in the horizon's last year, and who overtakes
    whom (with what probability within the horizon, and when: the likeliest year and the median year of those
    draws in which it happens)."""
    last = int(projection.years[-1])
    leads = projection.leads()
    leading = (
        leads[leads["year"] == last]
        .assign(measure=lambda f: f["metric"].map(RACE_LABELS))
        .pivot(index="company", columns="measure", values="probability")
        .reindex(index=list(projection.companies), columns=list(RACE_LABELS.values()))
        .map(_probability)
        .rename_axis(index="Company", columns=None)
        .reset_index()
    )
    rows = []
    for (metric, company, rival), years in projection.overtakes().groupby(["metric", "company", "rival"], sort=False):
        probability = years["probability"].to_numpy()
        cumulative = np.cumsum(probability) / probability.sum()
        rows.append({
            "Measure": RACE_LABELS[metric],
            "Overtake": f"{company} overtakes {rival}",
            "probability": probability.sum(),
            "Likeliest year": int(years["year"].iloc[int(probability.argmax())]),
            "Median year": int(years["year"].iloc[int(np.searchsorted(cumulative, 0.5))]),
        })
    overtakes = pd.DataFrame(rows, columns=["Measure", "Overtake", "probability", "Likeliest year", "Median year"])
    # by measure in race order, the likeliest overtakes first
    overtakes = overtakes.sort_values(["Measure", "probability"], ascending=[True, False], kind="stable",
                                      key=lambda c: c.map(list(RACE_LABELS.values()).index) if c.name == "Measure" else c)
    overtakes.insert(2, f"Probability by {last}", overtakes.pop("probability").map(_probability))
    return {
        f"Probability of leading in {last}": leading,
        "Overtakes within the horizon": overtakes.reset_index(drop=True),
    }
