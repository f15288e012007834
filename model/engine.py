"""The projection: pure numpy over arrays shaped (draws, companies, years); a deterministic run is one draw.

Nothing here reads files, prints or draws. `EngineInputs` arrives with every money figure already in the reporting
currency (whole units) on the model's timeline, which may start before the reported horizon so that base years
anchor correctly; `project` returns the metrics over the horizon in their display units (`METRICS`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

BILLION = 1e9
THOUSAND = 1e3


@dataclass(frozen=True)
class Metric:
    name: str
    unit: str  # "{cur}" stands for the reporting currency
    description: str


METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("capex", "{cur} bn", "capital expenditure"),
        Metric("capex_cumulative", "{cur} bn", "capex summed from the horizon's first year"),
        Metric("ai_chip_spend", "{cur} bn", "spending on AI accelerators"),
        Metric("ai_chip_spend_cumulative", "{cur} bn", "AI-chip spend summed from the horizon's first year"),
        Metric("accelerator_unit_price", "{cur}", "price of one accelerator"),
        Metric("accelerators_bought", "thousand units", "accelerators bought in the year"),
        Metric("accelerators_installed", "thousand units", "accelerators in service, bought within the horizon"),
        Metric("cloud_revenue", "{cur} bn", "cloud revenue"),
        Metric("ai_revenue", "{cur} bn", "AI-related cloud revenue"),
        Metric("capex_intensity", "ratio", "capex / cloud revenue"),
        Metric("capex_share", "ratio", "share of the modelled companies' capex"),
        Metric("capex_cumulative_share", "ratio", "share of the modelled companies' capex since the horizon's start"),
        Metric("ai_chip_spend_share", "ratio", "share of the modelled companies' AI-chip spend"),
        Metric("accelerators_installed_share", "ratio", "share of the modelled companies' installed accelerators"),
        Metric("capex_rank", "rank", "rank by capex (1 = largest)"),
        Metric("ai_chip_spend_rank", "rank", "rank by AI-chip spend (1 = largest)"),
        Metric("accelerators_installed_rank", "rank", "rank by installed accelerators (1 = largest)"),
    )
}


@dataclass(frozen=True)
class EngineInputs:
    """The model's parameters as arrays. D draws (or 1 where a parameter does not vary), C companies, T years.

    Values are shaped (D, C, T) for per-year parameters and (D, C, 1) for base values; `*_index` arrays (C,)
    give each company's base year as an index into `years`; masks are (C, T) or (C,) booleans that say which rule
    applies (they describe the structure of the files, so they never vary by draw).
    """

    years: np.ndarray  # (T,) calendar years of the model timeline
    horizon_start: int  # index in `years` of the horizon's first year
    horizon_stop: int  # index after the horizon's last year (a plan window or base year may reach beyond it)
    capex_base: np.ndarray  # (D, C, 1) capex in its base year
    capex_base_index: np.ndarray  # (C,)
    capex_growth: np.ndarray  # (D, C, T)
    plan_total: np.ndarray  # (D, C, 1)
    plan_weights: np.ndarray  # (D, C, T) phasing, zero outside the window, each company's row sums to 1 or 0
    plan_end_index: np.ndarray  # (C,)
    in_plan: np.ndarray  # (C, T) year lies in the company's plan window
    after_plan: np.ndarray  # (C, T) year lies after it
    post_plan_growth: np.ndarray  # (D, C, T)
    uses_chip_budget: np.ndarray  # (C,) chip spend from a budget (else a share of capex)
    chip_budget: np.ndarray  # (D, C, 1)
    chip_budget_index: np.ndarray  # (C,)
    chip_growth: np.ndarray  # (D, C, T)
    chip_share_of_capex: np.ndarray  # (D, C, T)
    unit_price: np.ndarray  # (D, C, 1)
    unit_price_index: np.ndarray  # (C,)
    price_change: np.ndarray  # (D, C, T)
    service_life_years: np.ndarray  # (D, C, 1)
    cloud_revenue_base: np.ndarray  # (D, C, 1)
    cloud_revenue_index: np.ndarray  # (C,)
    cloud_growth: np.ndarray  # (D, C, T)
    ai_share: np.ndarray  # (D, C, T)


def compound(base: np.ndarray, growth: np.ndarray, base_index: np.ndarray) -> np.ndarray:
    """Grow `base` (D, C, 1), known in year `base_index` (C,), by `growth` (D, C, T) in both directions.

    value[t] = base * prod(1 + growth[s] for b < s <= t) after the base year b, and base / prod(1 + growth[s]
    for t < s <= b) before it: the year-t growth rate is the change from t-1 to t.
    """
    factor = np.cumprod(1.0 + growth, axis=-1)
    companies = np.arange(factor.shape[1])
    anchor = factor[:, companies, base_index][..., None]
    return base * factor / anchor


def value_at(values: np.ndarray, index: np.ndarray) -> np.ndarray:
    """values (D, C, T) at each company's year `index` (C,), as (D, C, 1)."""
    return values[:, np.arange(values.shape[1]), index][..., None]


def installed_base(bought: np.ndarray, service_life_years: np.ndarray) -> np.ndarray:
    """Accelerators in service each year: a cohort bought in year s counts fully for floor(L) years and partly
    in the next, so a service life L (D, C, 1), fractional in a sampled run, keeps exactly L years of each cohort.
    """
    years = bought.shape[-1]
    installed = np.zeros(np.broadcast_shapes(bought.shape, service_life_years.shape))
    for age in range(years):  # a loop over cohort ages (a handful), never over draws or companies
        surviving = np.clip(service_life_years - age, 0.0, 1.0)
        installed[..., age:] += bought[..., : years - age] * surviving
    return installed


def rank(values: np.ndarray) -> np.ndarray:
    """1 for the largest of the companies (axis 1), ties sharing the better rank."""
    larger = values[:, :, None, :] > values[:, None, :, :]  # [d, other, company, t]: other is larger
    return 1.0 + larger.sum(axis=1)


def share(values: np.ndarray) -> np.ndarray:
    total = values.sum(axis=1, keepdims=True)
    return np.divide(values, total, out=np.full(values.shape, np.nan), where=total != 0)


def first_overtake_year(values: np.ndarray, years: np.ndarray) -> np.ndarray:
    """(D, C, C): the first year company a (axis 1) moves ahead of company b (axis 2) having not been ahead the
    year before; NaN where it never does within `years` (T,)."""
    ahead = values[:, :, None, :] > values[:, None, :, :]
    overtakes = ahead[..., 1:] & ~ahead[..., :-1]
    first = overtakes.argmax(axis=-1)
    return np.where(overtakes.any(axis=-1), years[1:][first], np.nan)


def project(inputs: EngineInputs) -> dict[str, np.ndarray]:
    """Every metric in `METRICS` over the horizon, each (D, C, H), in its display unit."""
    grown = compound(inputs.capex_base, inputs.capex_growth, inputs.capex_base_index)
    planned = inputs.plan_total * inputs.plan_weights
    after = compound(value_at(planned, inputs.plan_end_index), inputs.post_plan_growth, inputs.plan_end_index)
    capex = np.where(inputs.in_plan, planned, np.where(inputs.after_plan, after, grown))

    budget = compound(inputs.chip_budget, inputs.chip_growth, inputs.chip_budget_index)
    chips = np.where(inputs.uses_chip_budget[:, None], budget, inputs.chip_share_of_capex * capex)

    price = compound(inputs.unit_price, inputs.price_change, inputs.unit_price_index)
    in_horizon = np.arange(len(inputs.years)) >= inputs.horizon_start
    bought = chips / price * in_horizon  # the installed base counts purchases from the horizon's start
    installed = installed_base(bought, inputs.service_life_years)

    revenue = compound(inputs.cloud_revenue_base, inputs.cloud_growth, inputs.cloud_revenue_index)
    ai_revenue = revenue * inputs.ai_share

    h = slice(inputs.horizon_start, inputs.horizon_stop)
    capex, chips, price, bought, installed = capex[..., h], chips[..., h], price[..., h], bought[..., h], installed[..., h]
    revenue, ai_revenue = revenue[..., h], ai_revenue[..., h]
    capex_cumulative = np.cumsum(capex, axis=-1)
    metrics = {
        "capex": capex / BILLION,
        "capex_cumulative": capex_cumulative / BILLION,
        "ai_chip_spend": chips / BILLION,
        "ai_chip_spend_cumulative": np.cumsum(chips, axis=-1) / BILLION,
        "accelerator_unit_price": np.broadcast_to(price, capex.shape).copy(),
        "accelerators_bought": bought / THOUSAND,
        "accelerators_installed": installed / THOUSAND,
        "cloud_revenue": revenue / BILLION,
        "ai_revenue": ai_revenue / BILLION,
        "capex_intensity": capex / revenue,
        "capex_share": share(capex),
        "capex_cumulative_share": share(capex_cumulative),
        "ai_chip_spend_share": share(chips),
        "accelerators_installed_share": share(installed),
        "capex_rank": rank(capex),
        "ai_chip_spend_rank": rank(chips),
        "accelerators_installed_rank": rank(installed),
    }
    draws = max(m.shape[0] for m in metrics.values())
    return {name: np.broadcast_to(m, (draws, *m.shape[1:])) for name, m in metrics.items()}
