"""Several scenarios or saved runs side by side: their headline figures with each one's difference from the first,
a pure function of tidy projection frames (`model.cli.sides` finds and loads the sides; `model.present.compare`
renders the result)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.analysis.projection import (
    TIDY_COLUMNS,
    bases_differ,
    frame_bases,
    headline_cells,
    reporting_currency,
    tidy_headline,
)
from model.catalogue import View, metrics_in
from model.errors import Problem, UsageError

# The metrics drawn as overlay charts, one chart each, in this order.
COMPARE_METRICS = metrics_in(View.compare)
LONG_COLUMNS = ["company", "measure", "metric", "year", "unit", "scenario", "value", "change", "relative_change"]
SCENARIO, RUN_FOLDER = "scenario", "run folder"


@dataclass(frozen=True)
class Side:
    """One side of a comparison: a scenario run afresh (one draw) or a run folder read back."""

    label: str  # its name in tables and charts: the scenario's name, or the run folder's
    kind: str  # SCENARIO or RUN_FOLDER
    path: Path  # the scenario file or the run folder
    frame: pd.DataFrame  # the tidy projection: scenario, company, year, metric, unit, value (...)
    files: tuple[Path, ...]  # what it was made from, for the manifest
    warnings: tuple[Problem, ...] = ()
    problems: tuple[Problem, ...] = ()  # what validation's source audit rejects in its inputs, as warnings
    as_of: dt.date | None = None  # a scenario's information date (a run folder's projection does not record it)

    @property
    def currency(self) -> str:
        return reporting_currency(self.frame)


def check_currencies(sides: Sequence[Side]) -> None:
    """Refuse sides reported in different currencies: converting would need one side's exchange rates applied to
    another's figures, which would no longer be either side's result."""
    currencies = {side.label: side.currency for side in sides}
    if len(set(currencies.values())) > 1:
        listed = ", ".join(f"{label} in {currency}" for label, currency in currencies.items())
        raise UsageError(f"cannot compare results in different reporting currencies ({listed}); give the scenarios "
                         "one reporting_currency")


def folder_name(labels: Sequence[str]) -> str:
    """`compare-<labels joined by '-'>`, the comparison's folder under outputs/."""
    return "compare-" + "-".join(labels)


# ------------------------------------------------------------------------------------------------- the comparison
def comparison(frames: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The headline figures of each tidy projection frame (keyed by its label, the first the reference), with
    each one's difference from the reference's figure for the same company and measure.

    Returns a long frame with columns company, measure (the headline's label, such as "Capex 2030 (USD bn)"),
    metric, year (of the figure; the last for a cumulative one), unit, scenario (the label), value, change (value
    minus the reference's) and relative_change (change as a fraction of the reference's absolute value, 0.05 for
    5%; NaN where the reference is zero or lacks the figure). Rows come by company, then measure, in the order the frames first name
    them, then scenario in the order given. A measure one side lacks (another horizon, another company) has no row
    for that side.
    """
    if not frames:
        raise ValueError("comparison needs at least one projection frame")
    blocks = []
    for label, frame in frames.items():
        years = sorted(int(year) for year in frame["year"].drop_duplicates())
        units = frame.drop_duplicates("metric").set_index("metric")["unit"]
        table = tidy_headline(frame)
        for measure, metric, index in headline_cells(years[0], years[-1], reporting_currency(frame)):
            blocks.append(pd.DataFrame({
                "company": table.index, "measure": measure, "metric": metric, "year": years[index],
                "unit": units[metric], "scenario": label, "value": table[measure].to_numpy(dtype=float),
            }))
    long = pd.concat(blocks, ignore_index=True)
    reference = next(iter(frames))
    base = long.loc[long["scenario"] == reference, ["company", "measure", "value"]].rename(columns={"value": "ref"})
    long = long.merge(base, on=["company", "measure"], how="left")
    long["change"] = long["value"] - long["ref"]
    with np.errstate(divide="ignore", invalid="ignore"):
        long["relative_change"] = np.where(long["ref"].abs() > 0, long["change"] / long["ref"].abs(), np.nan)
    order = {
        column: {key: position for position, key in enumerate(long[column].drop_duplicates())}
        for column in ("company", "measure", "scenario")
    }
    long = long.sort_values(
        ["company", "measure", "scenario"], key=lambda column: column.map(order[column.name]), kind="stable"
    )
    return long[LONG_COLUMNS].reset_index(drop=True)


def reference_and_others(long: pd.DataFrame) -> tuple[str, list[str]]:
    labels = long["scenario"].drop_duplicates().tolist()
    return labels[0], labels[1:]


def side_by_side(long: pd.DataFrame) -> pd.DataFrame:
    """The comparison as one row per company and measure: each side's value, then for each side after the first its
    change from the first ('<side> - <first>') and that change relative to the first, a fraction ('<side> - <first>
    (relative)')."""
    reference, others = reference_and_others(long)
    keys = ["company", "measure", "metric", "year", "unit"]
    rows = long[keys].drop_duplicates().reset_index(drop=True)
    for column, labels, suffix in (("value", [reference, *others], ""), ("change", others, f" - {reference}"),
                                   ("relative_change", others, f" - {reference} (relative)")):
        for label in labels:
            values = long.loc[long["scenario"] == label, [*keys[:2], column]].rename(columns={column: label + suffix})
            rows = rows.merge(values, on=keys[:2], how="left")
    # each side's change beside its value: a, b, b - a, b - a (%), c, c - a, ...
    ordered = [*keys, reference]
    for label in others:
        ordered += [label, f"{label} - {reference}", f"{label} - {reference} (relative)"]
    return rows[ordered]


def overlay_frame(sides: Sequence[Side], metrics: Sequence[str] = COMPARE_METRICS) -> pd.DataFrame:
    """The tidy rows of `metrics` of every side, its `scenario` column set to the side's label (a run folder's
    projection may name the same scenario as a fresh run)."""
    return pd.concat(
        [side.frame.loc[side.frame["metric"].isin(metrics), TIDY_COLUMNS].assign(scenario=side.label)
         for side in sides],
        ignore_index=True,
    )


# ------------------------------------------------------------------------------------------------- the result
@dataclass(frozen=True, eq=False)
class Comparison:
    """What `scenario compare` found: the sides in the order given (the first the reference) and `long`, their
    headline figures with each one's change from the reference (see `comparison`)."""

    name: str  # the folder under outputs/: compare-<labels>
    sides: tuple[Side, ...]
    long: pd.DataFrame
    root: Path  # the project (or working directory) the manifest's paths are relative to
    described: tuple[dict[str, str], ...]  # each side's label, kind and path (relative to the project), for the manifest

    @property
    def labels(self) -> list[str]:
        return [side.label for side in self.sides]

    @property
    def currency(self) -> str:
        return self.sides[0].currency

    @property
    def files(self) -> list[Path]:
        """Every file the sides were made from, once each."""
        return list(dict.fromkeys(f for side in self.sides for f in side.files))

    @property
    def problems(self) -> list[Problem]:
        """What validation's source audit rejects in the sides' inputs (or their manifests say), as warnings."""
        return [problem for side in self.sides for problem in side.problems]

    @property
    def settings(self) -> dict[str, Any]:
        return {"reference": self.labels[0], "compared": list(self.described)}

    def side_by_side(self) -> pd.DataFrame:
        return side_by_side(self.long)

    def overlay(self) -> pd.DataFrame:
        return overlay_frame(self.sides)

    def bases(self) -> dict[str, dict[str, str]]:
        """Each side's companies' cloud revenue bases (empty for a run folder that does not record them)."""
        return {side.label: frame_bases(side.frame) for side in self.sides}

    def bases_mixed(self) -> bool:
        """Whether figures built on cloud revenue mix bases: the companies of a side differ, or one company's
        basis differs between sides (a scenario that restates it)."""
        bases = self.bases()
        by_company: dict[str, set[str]] = {}
        for side in bases.values():
            for company, basis in side.items():
                by_company.setdefault(company, set()).add(basis)
        return any(map(bases_differ, bases.values())) or any(len(found) > 1 for found in by_company.values())

