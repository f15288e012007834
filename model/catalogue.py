"""The assumption keys the model understands: their unit kind, valid values and what their period means."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

Role = Literal["flow", "plan", "level", "rate"]


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

    def check(self, value: float) -> str | None:
        """Why `value` is invalid for this parameter, or None when it is valid."""
        too_low = value < self.lower if self.lower_inclusive else value <= self.lower
        if too_low or value > self.upper:
            low = "[" if self.lower_inclusive else "("
            upper = "inf)" if math.isinf(self.upper) else f"{self.upper:g}]"
            return f"{value:g} is outside the valid interval {low}{self.lower:g}, {upper}"
        return None


def _rate(key: str, description: str, *, share: bool = False, series: bool = True) -> Parameter:
    if share:
        return Parameter(key, "ratio", "rate", description, lower=0.0, upper=1.0, series=series)
    # a growth rate of -100% or below would make the quantity vanish or turn negative
    return Parameter(key, "ratio", "rate", description, lower=-1.0, lower_inclusive=False, series=series)


def _positive(key: str, kind: Literal["money", "years"], role: Role, description: str) -> Parameter:
    return Parameter(key, kind, role, description, lower=0.0, lower_inclusive=False)


PARAMETERS: dict[str, Parameter] = {
    p.key: p
    for p in (
        _positive("capex.base", "money", "flow", "capital expenditure in its base year"),
        _rate("capex.growth", "yearly growth of capex from capex.base"),
        _positive("capex.plan_total", "money", "plan", "a multi-year capex plan spread over its window"),
        Parameter(
            "capex.plan_phasing", "ratio", "rate", "weights of the plan's years (normalised)",
            lower=0.0, series=True,
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
