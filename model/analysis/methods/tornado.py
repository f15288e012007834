"""The tornado: each assumption moved alone to the ends of its 90% interval, the others at their value, and the
swing that gives the output."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from model.analysis import sensitivity
from model.analysis.sensitivity import OUTPUT_DEFAULT_METRIC, SensitivityResult
from model.core.uncertainty import distributions, values_at
from model.domain import Inputs, ResolvedAssumption
from model.format import significant_value

DESCRIPTION = "one assumption at a time"
ORDER = 0

# A tornado moves each assumption to the ends of its 90% interval.
TORNADO_LOW, TORNADO_HIGH = 0.05, 0.95
TORNADO_COLUMNS = ["scenario", "metric", "unit", "company", "year", "key", "input_low", "input_high", "output_low",
                   "output_high", "base", "swing"]


def _series_years(item: ResolvedAssumption) -> list[int] | None:
    value = item.assumption.value
    return list(value.years) if value.is_series else None


def tornado_design(k: int) -> np.ndarray:
    """Uniform draws (2k + 1, k): row 0 every assumption at its median (its value); rows 2i + 1 and 2i + 2
    assumption i at TORNADO_LOW and TORNADO_HIGH, the others at their median."""
    u = np.full((2 * k + 1, k), 0.5)
    columns = np.arange(k)
    u[2 * columns + 1, columns] = TORNADO_LOW
    u[2 * columns + 2, columns] = TORNADO_HIGH
    return u


def tornado(
    inputs: Inputs,
    *,
    metric: str = OUTPUT_DEFAULT_METRIC,
    year: int | None = None,
    companies: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Each assumption moved alone to the 5th and to the 95th percentile of its distribution, the others at their
    value: the swing it gives `metric` in `year` (default: the horizon's last), per company.

    One engine call of 2K + 1 draws for K assumptions (`tornado_design`). The scenario's correlations are not
    applied: one at a time is the point. A company's rows are its own assumptions (always) and any other one
    that moves its output (an exchange rate; a rival's figures for a share or rank). Sorted by company, then
    swing descending. Columns: TORNADO_COLUMNS; `input_low`/`input_high` are text (a series lists its years).
    """
    year, chosen = sensitivity.chosen_output(inputs, metric, year, companies)
    dists = distributions(inputs)
    keys = list(dists)
    design = values_at(dists, tornado_design(len(keys)))
    values = sensitivity.outputs(inputs, design, metric=metric, year=year, chosen=chosen)  # (2K + 1, C)
    base, low, high = values[0], values[1::2].T, values[2::2].T  # (C,), (C, K), (C, K)
    ends = [dists[key].ppf(np.array([TORNADO_LOW, TORNADO_HIGH])) for key in keys]  # K x (2, knots)
    years = [_series_years(inputs.resolved[key]) for key in keys]
    frame = sensitivity.labels(inputs, metric, year, chosen, keys).assign(
        input_low=np.tile([significant_value(e[0], y) for e, y in zip(ends, years, strict=True)], len(chosen)),
        input_high=np.tile([significant_value(e[1], y) for e, y in zip(ends, years, strict=True)], len(chosen)),
        output_low=low.ravel(),
        output_high=high.ravel(),
        base=np.repeat(base, len(keys)),
        swing=np.abs(high - low).ravel(),
    )
    owners = [inputs.resolved[key].company for key in keys]
    own = np.array([[owner is inputs.companies[c] for owner in owners] for c in chosen]).ravel()
    return sensitivity.sorted_rows(inputs, frame[(frame["swing"].to_numpy() > 0) | own], "swing")[TORNADO_COLUMNS]



def moving(tornado_frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of a tornado whose assumption moves the output (all rows when none does): what a chart or a reader
    needs, where the CSV keeps each company's every assumption."""
    rows = tornado_frame[tornado_frame["swing"] > 0]
    return rows if len(rows) else tornado_frame


def analyse(inputs: Inputs, *, metric: str, year: int, companies: Sequence[str] | None, samples: int, seed: int,
            on_progress: Callable[[int], None] | None = None) -> SensitivityResult:
    """`tornado` as a SensitivityResult; it takes no samples or seed (one engine call: one step of progress)."""
    frame = tornado(inputs, metric=metric, year=year, companies=companies)
    if on_progress is not None:
        on_progress(1)
    return sensitivity.sensitivity_result(inputs, "tornado", metric=metric, year=year, companies=companies,
                              tables={"tornado": frame})


def work(inputs: Inputs, samples: int) -> tuple[str, int]:
    return "tornado", 1


def check(inputs: Inputs, samples: int, option: str = "--samples") -> None:
    return None
