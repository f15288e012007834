"""The assumption keys the model understands: their unit kind, valid values and what their period means."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

Role = Literal["flow", "plan", "level", "rate"]


class Kind(StrEnum):
    """What kind of figure a number is: how it is shown (`model.present.format`) and converted (`model.units`)."""

    money = "money"  # an amount of a currency, shown in its display scale ("USD bn")
    count = "count"  # a number of things, shown in its display scale ("thousand units")
    share = "share"  # a part of a whole, 0-1, shown in percent
    ratio = "ratio"  # a plain ratio (capex / revenue), shown with two decimals
    rank = "rank"  # 1 = largest
    years = "years"
    probability = "probability"  # 0-1, shown in percent

# Every key has a finite valid interval, so that no valid input can reach the engine as an absurd number.
# Growth: above -100% (the quantity would vanish) and at most +1000%, a tenfold rise in one year; no capex, chip
# budget or cloud business of this race has grown faster than that in a year, so more is a typo (10 for 0.10).
MAX_GROWTH = 10.0
# Money, in whole currency units after the unit's scale: a quadrillion (1e15) is above any company's revenue in any
# currency this tool uses (the yen and won included), so anything larger is a slip of scale (CNY tn for CNY bn).
MAX_MONEY = 1e15
# Years an accelerator stays in service: data-centre hardware is written off in 3-8 years; 50 is a generous cap.
MAX_SERVICE_LIFE_YEARS = 50.0
# Units of a currency per base currency: the weakest currencies trade at a few hundred thousand per US dollar.
MAX_EXCHANGE_RATE = 1e6


@dataclass(frozen=True)
class Parameter:
    """One model input per company.

    role says what `period` means: a `flow` or `level` is anchored at its period's year (a quarterly flow is
    annualised), a `plan` spreads over its period's years, and a `rate` applies to every year of the horizon
    (its period only records what the evidence describes).
    """

    key: str
    kind: Literal["money", "ratio", "years"]
    role: Role
    description: str
    lower: float = -math.inf
    upper: float = math.inf
    lower_inclusive: bool = True
    series: bool = False  # may be given as {year: value}
    not_all_zero: bool = False  # a series whose values are weights: at least one must be positive

    def check(self, value: float, scale: float = 1.0) -> str | None:
        """Why `value` is invalid for this parameter, or None when it is valid; `scale` is a money unit's multiplier
        to whole currency units (the interval of money is in whole units, and shown in the value's own unit)."""
        lower, upper = self.lower / scale, self.upper / scale
        too_low = value < lower if self.lower_inclusive else value <= lower
        if too_low or value > upper:
            low = "[" if self.lower_inclusive else "("
            return f"{value:g} is outside the valid interval {low}{lower:g}, {upper:g}]"
        return None


def _rate(key: str, description: str, *, share: bool = False, series: bool = True) -> Parameter:
    if share:
        return Parameter(key, "ratio", "rate", description, lower=0.0, upper=1.0, series=series)
    # a growth rate of -100% or below would make the quantity vanish or turn negative
    return Parameter(key, "ratio", "rate", description, lower=-1.0, upper=MAX_GROWTH, lower_inclusive=False,
                     series=series)


def _positive(key: str, kind: Literal["money", "years"], role: Role, description: str) -> Parameter:
    upper = MAX_MONEY if kind == "money" else MAX_SERVICE_LIFE_YEARS
    return Parameter(key, kind, role, description, lower=0.0, upper=upper, lower_inclusive=False)


PARAMETERS: dict[str, Parameter] = {
    p.key: p
    for p in (
        _positive("capex.base", "money", "flow", "capital expenditure in its base year"),
        _rate("capex.growth", "yearly growth of capex from capex.base"),
        _positive("capex.plan_total", "money", "plan", "a multi-year capex plan spread over its window"),
        Parameter(
            "capex.plan_phasing", "ratio", "rate", "weights of the plan's years (normalised)",
            lower=0.0, upper=MAX_MONEY, series=True, not_all_zero=True,
        ),
        _rate("capex.post_plan_growth", "yearly growth of capex after the plan's window"),
        _positive("ai_chips.budget_base", "money", "flow", "AI-chip spend in its base year"),
        _rate("ai_chips.growth", "yearly growth of AI-chip spend"),
        _rate("ai_chips.share_of_capex", "AI-chip spend as a share of capex (where no budget is known)", share=True),
        _positive("accelerators.unit_price", "money", "level", "price of one accelerator in its base year"),
        _rate("accelerators.price_change", "yearly change of the accelerator price"),
        _positive("accelerators.service_life", "years", "rate", "years an accelerator stays in service"),
        _positive("cloud.revenue_base", "money", "flow", "cloud revenue in its base year"),
        _rate("cloud.growth", "yearly growth of cloud revenue"),
        _rate("cloud.ai_share", "AI revenue as a share of cloud revenue", share=True),
    )
}

# What a company needs for a horizon; `loading.missing_parameters` applies it.
CAPEX_GROWTH = ("capex.base", "capex.growth")
CHIPS_BUDGET = ("ai_chips.budget_base", "ai_chips.growth")
ALWAYS_NEEDED = (
    "accelerators.unit_price",
    "accelerators.price_change",
    "accelerators.service_life",
    "cloud.revenue_base",
    "cloud.growth",
    "cloud.ai_share",
)
