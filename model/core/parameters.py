"""Turns a resolved scenario into the engine's arrays: units, fiscal years, quarters and currencies applied.

`assumption_values` gives each assumption's number(s) as a draws-first array; a sampler can pass arrays with
many draws instead, and `engine_inputs` lays any of them onto the (draws, companies, years) grid.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from model.catalogue import MARKET_PARAMETERS, MARKET_PREFIX, parameter_of, parameters_in_role
from model.core.engine import EngineInputs, draws_first
from model.domain import FX_PREFIX, Inputs, ResolvedAssumption, plan_window
from model.units import ExchangeRates, Unit, parse_period, parse_unit, to_whole


def knots(item: ResolvedAssumption) -> np.ndarray:
    """The years a series assumption gives values for; a single value has none."""
    return np.array(item.assumption.value.years, dtype=float)


def assumption_values(inputs: Inputs) -> dict[str, np.ndarray]:
    """Each assumption's value(s) as one draw: shape (1,) for a single value, (1, K) for a series of K years."""
    values = {}
    for key, item in inputs.resolved.items():
        value = item.assumption.value
        values[key] = np.array([value.values]) if value.is_series else np.array(value.values)
    return values


def anchor_year(item: ResolvedAssumption) -> int:
    """The calendar year a base value or price describes (fiscal years mapped)."""
    return parse_period(item.assumption.period).calendar_years(item.fiscal_year_end)[0]


def timeline(inputs: Inputs) -> np.ndarray:
    """The model's years: the horizon, extended to every base year and plan window the companies use."""
    first, last = inputs.scenario.horizon
    for item in inputs.resolved.values():
        parameter = parameter_of(item.parameter)
        if parameter is not None and parameter.role in ("flow", "level", "plan"):
            start, end = parse_period(item.assumption.period).calendar_years(item.fiscal_year_end)
            first, last = min(first, start), max(last, end)
    return np.arange(first, last + 1)


def exchange_rates(inputs: Inputs) -> ExchangeRates:
    """The scenario's exchange rates, each at its value (validation keeps a rate a single number)."""
    return ExchangeRates(inputs.assumptions.base_currency, {
        key.removeprefix(f"{FX_PREFIX}."): item.assumption.value.scalar
        for key, item in inputs.resolved.items() if key.startswith(f"{FX_PREFIX}.")})


def _interpolation(years: np.ndarray, given: np.ndarray) -> np.ndarray:
    """(K, T) weights: series values at `given` years @ weights = values on `years`, linear between the given
    years and flat outside them."""
    return np.stack([np.interp(years, given, row) for row in np.eye(len(given))])


@dataclass(frozen=True)
class _Series:
    key: str
    weights: np.ndarray | None  # (T, K) interpolation weights for a series; None for a single value


@dataclass(frozen=True)
class _Base:
    key: str
    unit: Unit
    per_year: int  # 4 for a quarterly flow, else 1
    index: int  # the base year's index in the timeline (0 for a plan, whose window says when)


@dataclass(frozen=True)
class Layout:
    """Where each assumption's values go in the engine's arrays: a resolved scenario's structure, worked out once so
    that a sampled run only lays numbers, chunk after chunk, into draws-last arrays."""

    years: np.ndarray  # (T,) the model's timeline
    horizon_start: int
    horizon_stop: int
    base_currency: str
    reporting_currency: str
    fx_keys: tuple[str, ...]
    series: dict[str, tuple[_Series | None, ...]]  # parameter -> per company, None where the company lacks it
    bases: dict[str, tuple[_Base | None, ...]]
    in_plan: np.ndarray  # (C, T)
    after_plan: np.ndarray  # (C, T)
    plan_end_index: np.ndarray  # (C,)

    def has(self, parameter: str) -> np.ndarray:
        """(C,) whether each company gives `parameter`."""
        return np.array([slot is not None for slot in {**self.series, **self.bases}[parameter]])

    def engine_inputs(self, values: Mapping[str, np.ndarray]) -> EngineInputs:
        """The engine's arrays for assumption values shaped as in `assumption_values`: (D,) or (D, K) each, D the
        same for every key or 1. Arrays are (D, C, T) views of (C, T, D) memory, in the values' float dtype; a
        per-year parameter that no company varies over the years is (D, C, 1), one that none gives (1, C, 1)."""
        dtype = np.result_type(*values.values())
        dtype = dtype if np.issubdtype(dtype, np.floating) else np.dtype(float)
        draws = max(len(v) for v in values.values())
        years = len(self.years)
        rates = self._exchange_rates(values, dtype)

        def series(parameter: str, fill: float = 0.0) -> np.ndarray:
            """(C, T, D) per-year values, in the file's unit (ratios and years need no conversion); (C, 1, D) when
            every company's value is constant over the years, D = 1 when no company gives the parameter."""
            slots = self.series[parameter]
            given = [slot for slot in slots if slot is not None]
            per_year = any(slot.weights is not None for slot in given)
            out = np.empty((len(slots), years if per_year else 1, draws if given else 1), dtype)
            for c, slot in enumerate(slots):
                if slot is None:
                    out[c] = fill
                    continue
                value = np.asarray(values[slot.key], dtype)
                if slot.weights is None:
                    out[c] = value
                elif len(value) == draws:
                    np.matmul(slot.weights.astype(dtype), value.T, out=out[c])
                else:
                    out[c] = slot.weights.astype(dtype) @ value.T
            return out

        def base(parameter: str) -> tuple[np.ndarray, np.ndarray]:
            """(C, 1, D) a money base value in reporting-currency units, and (C,) its base year's index."""
            slots = self.bases[parameter]
            out = np.zeros((len(slots), 1, draws), dtype)
            index = np.zeros(len(slots), dtype=int)
            for c, slot in enumerate(slots):
                if slot is not None:
                    out[c, 0] = to_whole(values[slot.key], slot.unit, into=self.reporting_currency, rates=rates,
                                         per_year=slot.per_year)
                    index[c] = slot.index
            return out, index

        phasing = np.where(self.has("capex.plan_phasing")[:, None, None], series("capex.plan_phasing"), 1.0)
        phasing = phasing * self.in_plan[..., None]
        window_sum = phasing.sum(axis=1, keepdims=True)
        plan_weights = np.divide(phasing, window_sum, out=np.zeros_like(phasing), where=window_sum > 0)

        capex_base, capex_base_index = base("capex.base")
        plan_total, _ = base("capex.plan_total")
        chip_budget, chip_budget_index = base("ai_chips.budget_base")
        unit_price, unit_price_index = base("accelerators.unit_price")
        revenue_base, revenue_index = base("cloud.revenue_base")
        # counts and H100-equivalents, which `base` only rescales
        fleet, fleet_index = base("accelerators.installed_base")
        fleet_performance, _ = base("accelerators.installed_base_performance")
        performance, performance_index = base("accelerators.performance")
        group_revenue_base, group_revenue_index = base("group.revenue_base")
        market_base, market_index = base(MARKET_BASE)  # one row: the market is every company's
        first = draws_first
        return EngineInputs(
            years=self.years,
            horizon_start=self.horizon_start,
            horizon_stop=self.horizon_stop,
            capex_base=first(capex_base),
            capex_base_index=capex_base_index,
            capex_growth=first(series("capex.growth")),
            plan_total=first(plan_total),
            plan_weights=first(plan_weights),
            plan_end_index=self.plan_end_index,
            in_plan=self.in_plan,
            after_plan=self.after_plan,
            post_plan_growth=first(series("capex.post_plan_growth")),
            uses_capex_intensity=self.has("capex.intensity"),
            capex_intensity=first(series("capex.intensity")),
            group_revenue_base=first(group_revenue_base),
            group_revenue_index=group_revenue_index,
            group_revenue_growth=first(series("group.revenue_growth")),
            uses_chip_budget=self.has("ai_chips.budget_base"),
            chip_budget=first(chip_budget),
            chip_budget_index=chip_budget_index,
            chip_growth=first(series("ai_chips.growth")),
            chip_share_of_capex=first(series("ai_chips.share_of_capex")),
            unit_price=first(unit_price),
            unit_price_index=unit_price_index,
            price_change=first(series("accelerators.price_change")),
            service_life_years=first(series("accelerators.service_life")[:, :1]),
            installed_base=first(fleet),
            installed_base_index=fleet_index,
            installed_base_performance=first(fleet_performance),
            performance=first(performance),
            performance_index=performance_index,
            performance_change=first(series("accelerators.performance_change")),
            cloud_revenue_base=first(revenue_base),
            cloud_revenue_index=revenue_index,
            cloud_growth=first(series("cloud.growth")),
            ai_share=first(series("cloud.ai_share")),
            cloud_market_share=first(series("cloud.market_share")),
            market_total_base=first(market_base),
            market_total_index=market_index,
            market_total_growth=first(series(MARKET_GROWTH)),
        )

    def _exchange_rates(self, values: Mapping[str, np.ndarray], dtype: np.dtype) -> ExchangeRates:
        """The exchange rates among assumption values shaped as in `assumption_values`: (D,) each, in `dtype`."""
        return ExchangeRates(self.base_currency, {key.removeprefix(f"{FX_PREFIX}."): np.asarray(values[key], dtype)
                                                  for key in self.fx_keys})


# A rate applies year by year (a per-year array); a flow, plan or level is one base value anchored in a year.
SERIES_PARAMETERS = parameters_in_role("rate")
BASE_PARAMETERS = parameters_in_role("flow", "plan", "level")
# market.yaml's keys as resolved assumptions name them; each has one slot, not one per company
MARKET_BASE, MARKET_GROWTH = (f"{MARKET_PREFIX}.{key}" for key in MARKET_PARAMETERS)


def layout(inputs: Inputs) -> Layout:
    """The structure of a resolved scenario, as `Layout.engine_inputs` uses it."""
    years = timeline(inputs)
    by_company = [inputs.of(c) for c in inputs.companies]

    def series_slot(item: ResolvedAssumption | None) -> _Series | None:
        if item is None:
            return None
        given = knots(item)
        return _Series(item.key, _interpolation(years, given).T if len(given) else None)

    def base_slot(parameter: str, item: ResolvedAssumption | None) -> _Base | None:
        if item is None:
            return None
        per_year = parse_period(item.assumption.period).per_year
        index = anchor_year(item) - years[0] if parameter_of(parameter).role != "plan" else 0
        return _Base(item.key, parse_unit(item.assumption.unit), per_year, int(index))

    windows = [plan_window(items["capex.plan_total"]) if "capex.plan_total" in items else None
               for items in by_company]
    return Layout(
        years=years,
        horizon_start=int(np.searchsorted(years, inputs.scenario.horizon[0])),
        horizon_stop=int(np.searchsorted(years, inputs.scenario.horizon[1])) + 1,
        base_currency=inputs.assumptions.base_currency,
        reporting_currency=inputs.scenario.reporting_currency,
        fx_keys=tuple(key for key in inputs.resolved if key.startswith(f"{FX_PREFIX}.")),
        series={**{p: tuple(series_slot(items.get(p)) for items in by_company) for p in SERIES_PARAMETERS},
                MARKET_GROWTH: (series_slot(inputs.resolved.get(MARKET_GROWTH)),)},
        bases={**{p: tuple(base_slot(p, items.get(p)) for items in by_company) for p in BASE_PARAMETERS},
               MARKET_BASE: (base_slot(MARKET_BASE, inputs.resolved.get(MARKET_BASE)),)},
        in_plan=np.array([[w is not None and w[0] <= y <= w[1] for y in years] for w in windows], dtype=bool),
        after_plan=np.array([[w is not None and y > w[1] for y in years] for w in windows], dtype=bool),
        plan_end_index=np.array([w[1] - years[0] if w else 0 for w in windows]),
    )


def engine_inputs(inputs: Inputs, values: Mapping[str, np.ndarray] | None = None) -> EngineInputs:
    """Lay assumption values (default: each assumption's own value) onto the engine's arrays.

    `values[key]` has shape (D,) or (D, K) as in `assumption_values`; D may differ between keys only by being 1.
    A run that lays many chunks of values keeps `layout(inputs)` and calls its `engine_inputs` instead.
    """
    return layout(inputs).engine_inputs(assumption_values(inputs) if values is None else values)
