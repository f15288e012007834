"""A reported figure (an actual), checked and put in a scenario's terms, for a backtest to hold a projection against."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

# How an annual figure was built: the year's figure as reported, or the sum of its four reported quarters.
REPORTED_ANNUAL = "reported-annual"
SUM_OF_QUARTERS = "sum-of-quarters"


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
    built: str = REPORTED_ANNUAL  # or SUM_OF_QUARTERS
