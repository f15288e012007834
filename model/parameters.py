"""Turns a resolved scenario into the engine's arrays: units, fiscal years, quarters and currencies applied.

`assumption_values` gives each assumption's number(s) as a draws-first array; a sampler can pass arrays with
many draws instead, and `engine_inputs` lays any of them onto the (draws, companies, years) grid.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from model.catalogue import PARAMETERS
from model.engine import EngineInputs
from model.loading import FX_PREFIX, Inputs, ResolvedAssumption, plan_window
from model.schema import parse_period, parse_unit

QUARTERS_PER_YEAR = 4


def knots(item: ResolvedAssumption) -> np.ndarray:
    """The years a series assumption gives values for; a single value has none."""
    value = item.assumption.value
    return np.array(sorted(value), dtype=float) if isinstance(value, dict) else np.empty(0)


def assumption_values(inputs: Inputs) -> dict[str, np.ndarray]:
    """Each assumption's value(s) as one draw: shape (1,) for a single value, (1, K) for a series of K years."""
    values = {}
    for key, item in inputs.resolved.items():
        value = item.assumption.value
        values[key] = np.array([[value[y] for y in sorted(value)]]) if isinstance(value, dict) else np.array([value])
    return values


def anchor_year(item: ResolvedAssumption) -> int:
    """The calendar year a base value or price describes (fiscal years mapped)."""
    return parse_period(item.assumption.period).calendar_years(item.fiscal_year_end)[0]


def timeline(inputs: Inputs) -> np.ndarray:
    """The model's years: the horizon, extended to every base year and plan window the companies use."""
    first, last = inputs.scenario.horizon
    for item in inputs.resolved.values():
        parameter = PARAMETERS.get(item.parameter)
        if parameter is not None and parameter.role in ("flow", "level", "plan"):
            start, end = parse_period(item.assumption.period).calendar_years(item.fiscal_year_end)
            first, last = min(first, start), max(last, end)
    return np.arange(first, last + 1)


def _interpolation(years: np.ndarray, given: np.ndarray) -> np.ndarray:
    """(K, T) weights: series values at `given` years @ weights = values on `years`, linear between the given
    years and flat outside them."""
    return np.stack([np.interp(years, given, row) for row in np.eye(len(given))])


def _to_reporting(values: Mapping[str, np.ndarray], inputs: Inputs) -> dict[str, np.ndarray]:
    """Per currency, the factor (D,) that turns one unit of it into reporting-currency units."""
    per_base = {inputs.assumptions.base_currency: np.ones(1)}
    per_base |= {key.removeprefix(f"{FX_PREFIX}."): values[key] for key in inputs.resolved if key.startswith("fx.")}
    reporting = per_base[inputs.scenario.reporting_currency]
    return {currency: reporting / rate for currency, rate in per_base.items()}


def engine_inputs(inputs: Inputs, values: Mapping[str, np.ndarray] | None = None) -> EngineInputs:
    """Lay assumption values (default: each assumption's own value) onto the engine's arrays.

    `values[key]` has shape (D,) or (D, K) as in `assumption_values`; D may differ between keys only by being 1.
    """
    values = assumption_values(inputs) if values is None else values
    years = timeline(inputs)
    draws = max(len(v) for v in values.values())
    to_reporting = _to_reporting(values, inputs)
    companies = inputs.companies
    by_company = [inputs.of(c) for c in companies]

    def series(parameter: str, fill: float = 0.0) -> np.ndarray:
        """(D, C, T): per-year values, in the file's unit (ratios and years need no conversion)."""
        out = np.full((draws, len(companies), len(years)), fill)
        for c, items in enumerate(by_company):
            if (item := items.get(parameter)) is not None:
                value = values[item.key]
                given = knots(item)
                out[:, c, :] = value @ _interpolation(years, given) if len(given) else value[:, None]
        return out

    def base(parameter: str) -> tuple[np.ndarray, np.ndarray]:
        """(D, C, 1) a money base value in reporting-currency units, and (C,) its base year's index."""
        out = np.zeros((draws, len(companies), 1))
        index = np.zeros(len(companies), dtype=int)
        for c, items in enumerate(by_company):
            if (item := items.get(parameter)) is not None:
                unit = parse_unit(item.assumption.unit)
                period = parse_period(item.assumption.period)
                per_year = QUARTERS_PER_YEAR if period.quarter else 1
                out[:, c, 0] = values[item.key] * unit.scale * per_year * to_reporting[unit.currency]
                if PARAMETERS[parameter].role != "plan":
                    index[c] = anchor_year(item) - years[0]
        return out, index

    def has(parameter: str) -> np.ndarray:
        return np.array([parameter in items for items in by_company])

    windows = [plan_window(items["capex.plan_total"]) if "capex.plan_total" in items else None
               for items in by_company]
    in_plan = np.array([[w is not None and w[0] <= y <= w[1] for y in years] for w in windows], dtype=bool)
    after_plan = np.array([[w is not None and y > w[1] for y in years] for w in windows], dtype=bool)
    plan_end_index = np.array([w[1] - years[0] if w else 0 for w in windows])
    phasing = np.where(has("capex.plan_phasing")[:, None], series("capex.plan_phasing"), 1.0) * in_plan
    window_sum = phasing.sum(axis=-1, keepdims=True)
    plan_weights = np.divide(phasing, window_sum, out=np.zeros_like(phasing), where=window_sum > 0)

    capex_base, capex_base_index = base("capex.base")
    plan_total, _ = base("capex.plan_total")
    chip_budget, chip_budget_index = base("ai_chips.budget_base")
    unit_price, unit_price_index = base("accelerators.unit_price")
    revenue_base, revenue_index = base("cloud.revenue_base")
    return EngineInputs(
        years=years,
        horizon_start=int(np.searchsorted(years, inputs.scenario.horizon[0])),
        horizon_stop=int(np.searchsorted(years, inputs.scenario.horizon[1])) + 1,
        capex_base=capex_base,
        capex_base_index=capex_base_index,
        capex_growth=series("capex.growth"),
        plan_total=plan_total,
        plan_weights=plan_weights,
        plan_end_index=plan_end_index,
        in_plan=in_plan,
        after_plan=after_plan,
        post_plan_growth=series("capex.post_plan_growth"),
        uses_chip_budget=has("ai_chips.budget_base"),
        chip_budget=chip_budget,
        chip_budget_index=chip_budget_index,
        chip_growth=series("ai_chips.growth"),
        chip_share_of_capex=series("ai_chips.share_of_capex"),
        unit_price=unit_price,
        unit_price_index=unit_price_index,
        price_change=series("accelerators.price_change"),
        service_life_years=series("accelerators.service_life")[..., :1],
        cloud_revenue_base=revenue_base,
        cloud_revenue_index=revenue_index,
        cloud_growth=series("cloud.growth"),
        ai_share=series("cloud.ai_share"),
    )
