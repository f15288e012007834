"""An independent, deliberately naive reference implementation of the projection: the test oracle.

`project_one` evaluates one draw with plain Python loops and floats, company by company and year by year, straight
from the equations in the README ("The model, in plain words"). It does not use `model.core.engine` or
`model.core.parameters`, and the model itself uses no numpy: it is what the vectorised engine is checked against, and
the "plain per-draw Python evaluation" a benchmark compares the engine with.

Conventions (as the README states them, and as the engine documents them):

* Years are calendar years. A fiscal year maps to the calendar year holding most of its months
  (`Period.calendar_years`); a quarterly flow stands for its year at four times the quarter.
* A growth rate for year s is the change from s-1 to s: value(t) = value(b) x product over b < s <= t of
  (1 + g(s)) after the base year b, and value(b) / product over t < s <= b of (1 + g(s)) before it. (The engine
  extends its timeline back to the base years to do the same; here each year is computed directly.)
* A series is interpolated linearly between its given years and held flat outside them.
* A plan is spread over its window by its phasing weights (normalised over the window; even without phasing);
  after the window, capex is the last window year's grown by the post-plan growth; before it (or without a
  plan), capex.intensity x group revenue where the company gives an intensity, else capex.base grown by
  capex.growth.
* Group revenue is group.revenue_base grown by group.revenue_growth; capex intensity = capex / group revenue.
* AI-chip spend comes from the chip budget where a company has one, else it is a share of capex.
* Accelerators in service: the opening fleet F at the end of its year t0 counts F x min(1, max(0, 1 - (t - t0) / L))
  in year t, and purchases count from the year after t0; a cohort of age a (0 in the year it is bought) counts
  with weight min(1, max(0, L - a)) for a service life L, so a fractional life keeps that fraction of the oldest
  cohort. Compute weighs the fleet by its performance and each cohort by its year's performance (the base-year
  performance grown by its yearly change).
* Money converts to the reporting currency as value x (reporting per base) / (currency per base).
* Display units: money in reporting-currency bn, the accelerator price in whole units, accelerators in thousands;
  shares of the modelled companies' total (NaN when the total is 0); rank 1 = largest, ties share the better rank.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from model.domain import FX_PREFIX, Inputs, ResolvedAssumption, plan_window
from model.io.schema import parse_period, parse_unit

BILLION = 1e9
THOUSAND = 1e3
QUARTERS_PER_YEAR = 4

Value = float | Sequence[float]

# The metrics the reference computes, in the catalogue's order (checked by the tests, not imported by the model).
METRIC_NAMES = (
    "capex",
    "capex_cumulative",
    "ai_chip_spend",
    "ai_chip_spend_cumulative",
    "accelerator_unit_price",
    "accelerators_bought",
    "accelerators_installed",
    "accelerator_performance",
    "compute_installed",
    "spend_per_compute",
    "cloud_revenue",
    "ai_revenue",
    "cloud_market_revenue",
    "cloud_market_share",
    "group_revenue",
    "capex_intensity",
    "capex_share",
    "capex_cumulative_share",
    "ai_chip_spend_share",
    "accelerators_installed_share",
    "compute_installed_share",
    "capex_rank",
    "ai_chip_spend_rank",
    "accelerators_installed_rank",
    "compute_installed_rank",
)


# ------------------------------------------------------------------------------------------------- reading values
def interpolate(knot_years: Sequence[int], knot_values: Sequence[float], year: int) -> float:
    """A series at `year`: linear between the given years, flat before the first and after the last."""
    if len(knot_years) != len(knot_values):
        raise ValueError(f"{len(knot_values)} values for {len(knot_years)} given years")
    if year <= knot_years[0]:
        return float(knot_values[0])
    if year >= knot_years[-1]:
        return float(knot_values[-1])
    for i in range(len(knot_years) - 1):
        left, right = knot_years[i], knot_years[i + 1]
        if left <= year <= right:
            fraction = (year - left) / (right - left)
            return float(knot_values[i]) + (float(knot_values[i + 1]) - float(knot_values[i])) * fraction
    raise AssertionError("unreachable: the given years are not ascending")


def rate_at(item: ResolvedAssumption, values: Mapping[str, Value], year: int) -> float:
    """A rate assumption (single value or series) at a calendar year."""
    value = values[item.key]
    given = item.assumption.value
    if given.is_series:
        return interpolate(list(given.years), list(value), year)  # type: ignore[arg-type]
    return float(value)  # type: ignore[arg-type]


def single(item: ResolvedAssumption, values: Mapping[str, Value]) -> float:
    value = values[item.key]
    if isinstance(value, (list, tuple)):
        raise ValueError(f"{item.key} takes a single value, not a series")
    return float(value)


def anchor_year(item: ResolvedAssumption) -> int:
    """The calendar year a base value or a price describes (a fiscal year mapped to its calendar year)."""
    first, _ = parse_period(item.assumption.period).calendar_years(item.fiscal_year_end)
    return first


def reporting_factors(inputs: Inputs, values: Mapping[str, Value]) -> dict[str, float]:
    """Per currency: how many reporting-currency units one unit of it is worth."""
    currency_per_base = {inputs.assumptions.base_currency: 1.0}
    for key in inputs.resolved:
        if key.startswith(FX_PREFIX + "."):
            currency_per_base[key[len(FX_PREFIX) + 1:]] = float(values[key])  # type: ignore[arg-type]
    reporting_per_base = currency_per_base[inputs.scenario.reporting_currency]
    return {currency: reporting_per_base / rate for currency, rate in currency_per_base.items()}


def money(item: ResolvedAssumption, values: Mapping[str, Value], factors: dict[str, float]) -> float:
    """A money assumption in whole reporting-currency units; a quarterly flow annualised (x4)."""
    unit = parse_unit(item.assumption.unit)
    period = parse_period(item.assumption.period)
    amount = single(item, values) * unit.scale
    if period.quarter is not None:
        amount *= QUARTERS_PER_YEAR
    return amount * factors[unit.currency]


def grown(base: float, base_year: int, growth: ResolvedAssumption, values: Mapping[str, Value], year: int) -> float:
    """`base`, known in `base_year`, carried to `year` by the yearly growth (backwards by dividing)."""
    value = base
    if year >= base_year:
        for s in range(base_year + 1, year + 1):
            value *= 1.0 + rate_at(growth, values, s)
    else:
        for s in range(year + 1, base_year + 1):
            value /= 1.0 + rate_at(growth, values, s)
    return value


def divide(numerator: float, denominator: float) -> float:
    """numerator / denominator, with numpy's answers for a zero denominator (inf, or NaN for 0/0)."""
    if denominator == 0:
        if numerator == 0 or math.isnan(numerator):
            return math.nan
        return math.copysign(math.inf, numerator) * math.copysign(1.0, denominator)
    return numerator / denominator


# ------------------------------------------------------------------------------------------------ one company
def group_revenue_path(items: dict[str, ResolvedAssumption], values: Mapping[str, Value],
                       factors: dict[str, float], years: Sequence[int]) -> list[float]:
    base = items["group.revenue_base"]
    return [grown(money(base, values, factors), anchor_year(base), items["group.revenue_growth"], values, year)
            for year in years]


def capex_path(items: dict[str, ResolvedAssumption], values: Mapping[str, Value], factors: dict[str, float],
               years: Sequence[int]) -> list[float]:
    plan = items.get("capex.plan_total")

    def from_base(year: int) -> float:
        intensity = items.get("capex.intensity")
        if intensity is not None:
            revenue = group_revenue_path(items, values, factors, [year])[0]
            return rate_at(intensity, values, year) * revenue
        base = items["capex.base"]
        return grown(money(base, values, factors), anchor_year(base), items["capex.growth"], values, year)

    if plan is None:
        return [from_base(year) for year in years]

    start, end = plan_window(plan)
    total = money(plan, values, factors)
    window = list(range(start, end + 1))
    phasing = items.get("capex.plan_phasing")
    raw = {y: (rate_at(phasing, values, y) if phasing is not None else 1.0) for y in window}
    weight_sum = sum(raw.values())
    weights = {y: (raw[y] / weight_sum if weight_sum > 0 else 0.0) for y in window}

    capex = []
    for year in years:
        if start <= year <= end:
            capex.append(total * weights[year])
        elif year > end:
            capex.append(grown(total * weights[end], end, items["capex.post_plan_growth"], values, year))
        else:
            capex.append(from_base(year))
    return capex


def company_paths(items: dict[str, ResolvedAssumption], values: Mapping[str, Value], factors: dict[str, float],
                  years: Sequence[int]) -> dict[str, list[float]]:
    """One company's quantities over the horizon years, in whole reporting-currency units and whole accelerators."""
    capex = capex_path(items, values, factors, years)

    budget = items.get("ai_chips.budget_base")
    if budget is not None:
        base = money(budget, values, factors)
        chips = [grown(base, anchor_year(budget), items["ai_chips.growth"], values, year) for year in years]
    else:
        share = items["ai_chips.share_of_capex"]
        chips = [rate_at(share, values, year) * capex[i] for i, year in enumerate(years)]

    price_item = items["accelerators.unit_price"]
    base_price = money(price_item, values, factors)
    price = [grown(base_price, anchor_year(price_item), items["accelerators.price_change"], values, year)
             for year in years]

    performance_item = items["accelerators.performance"]
    fleet_item = items["accelerators.installed_base"]
    fleet, fleet_year = single(fleet_item, values), anchor_year(fleet_item)
    fleet_performance = single(items["accelerators.installed_base_performance"], values)

    def bought_in(year: int) -> float:
        """Chip spend over price in any year, the years between the fleet's and the horizon's included."""
        spend = chips[years.index(year)] if year in years else chips_in(year)
        return spend / grown(base_price, anchor_year(price_item), items["accelerators.price_change"], values, year)

    def chips_in(year: int) -> float:
        if budget is not None:
            return grown(money(budget, values, factors), anchor_year(budget), items["ai_chips.growth"], values, year)
        return rate_at(items["ai_chips.share_of_capex"], values, year) * capex_path(items, values, factors, [year])[0]

    def performance_in(year: int) -> float:
        return grown(single(performance_item, values), anchor_year(performance_item),
                     items["accelerators.performance_change"], values, year)

    performance = [performance_in(year) for year in years]
    bought = [chips[i] / price[i] for i in range(len(years))]
    life = single(items["accelerators.service_life"], values)
    installed, compute = [], []
    for year in years:
        kept = min(1.0, max(0.0, 1.0 - (year - fleet_year) / life))
        in_service, in_compute = fleet * kept, fleet * kept * fleet_performance
        for s in range(fleet_year + 1, year + 1):
            weight = min(1.0, max(0.0, life - (year - s)))
            in_service += bought_in(s) * weight
            in_compute += bought_in(s) * performance_in(s) * weight
        installed.append(in_service)
        compute.append(in_compute)

    revenue_item = items["cloud.revenue_base"]
    base_revenue = money(revenue_item, values, factors)
    revenue = [grown(base_revenue, anchor_year(revenue_item), items["cloud.growth"], values, year) for year in years]
    ai_share = items["cloud.ai_share"]
    ai_revenue = [revenue[i] * rate_at(ai_share, values, year) for i, year in enumerate(years)]
    group_revenue = group_revenue_path(items, values, factors, years)

    capex_cumulative, chips_cumulative = [], []
    running_capex = running_chips = 0.0
    for i in range(len(years)):
        running_capex += capex[i]
        running_chips += chips[i]
        capex_cumulative.append(running_capex)
        chips_cumulative.append(running_chips)

    return {
        "capex": capex,
        "capex_cumulative": capex_cumulative,
        "ai_chip_spend": chips,
        "ai_chip_spend_cumulative": chips_cumulative,
        "accelerator_unit_price": price,
        "accelerators_bought": bought,
        "accelerators_installed": installed,
        "accelerator_performance": performance,
        "compute_installed": compute,
        "spend_per_compute": [price[i] / performance[i] for i in range(len(years))],
        "cloud_revenue": revenue,
        "ai_revenue": ai_revenue,
        "group_revenue": group_revenue,
    }


# ------------------------------------------------------------------------------------------------ all companies
def shares(by_company: dict[str, list[float]], year_index: int) -> dict[str, float]:
    total = 0.0
    for path in by_company.values():
        total += path[year_index]
    return {name: (path[year_index] / total if total != 0 else math.nan) for name, path in by_company.items()}


def ranks(by_company: dict[str, list[float]], year_index: int) -> dict[str, float]:
    """1 + the number of companies strictly larger: 1 for the largest, ties sharing the better rank."""
    result = {}
    for name, path in by_company.items():
        larger = 0
        for other, other_path in by_company.items():
            if other != name and other_path[year_index] > path[year_index]:
                larger += 1
        result[name] = 1.0 + larger
    return result


def project_one(inputs: Inputs, values: Mapping[str, Value]) -> dict[str, dict[str, list[float]]]:
    """Every metric for one draw: metric -> company display name -> values over the horizon's years.

    `values` maps every assumption key of `inputs.resolved` ("alpha.capex.plan_total", "fx.CNY") to a float, or
    for a series assumption to a list of floats at its given years in ascending order.
    """
    first, last = inputs.scenario.horizon
    years = list(range(first, last + 1))
    factors = reporting_factors(inputs, values)

    raw: dict[str, dict[str, list[float]]] = {}  # company -> quantity -> path, in whole units
    for company in inputs.companies:
        raw[company.name] = company_paths(inputs.of(company), values, factors, years)

    def across(quantity: str) -> dict[str, list[float]]:
        return {name: paths[quantity] for name, paths in raw.items()}

    out: dict[str, dict[str, list[float]]] = {name: {} for name in METRIC_NAMES}
    scale = {
        "capex": BILLION, "capex_cumulative": BILLION, "ai_chip_spend": BILLION, "ai_chip_spend_cumulative": BILLION,
        "accelerator_unit_price": 1.0, "accelerators_bought": THOUSAND, "accelerators_installed": THOUSAND,
        "accelerator_performance": 1.0, "compute_installed": THOUSAND, "spend_per_compute": 1.0,
        "cloud_revenue": BILLION, "ai_revenue": BILLION, "group_revenue": BILLION,
    }
    for name, paths in raw.items():
        for quantity, divisor in scale.items():
            out[quantity][name] = [value / divisor for value in paths[quantity]]
        out["capex_intensity"][name] = [divide(paths["capex"][i], paths["group_revenue"][i])
                                        for i in range(len(years))]
    # one market for every company (market.yaml), each company's share of it
    market_item = inputs.resolved["market.cloud.total_base"]
    market = [grown(money(market_item, values, factors), anchor_year(market_item),
                    inputs.resolved["market.cloud.total_growth"], values, year) for year in years]
    for company in inputs.companies:
        share_item = inputs.of(company)["cloud.market_share"]
        share = [rate_at(share_item, values, year) for year in years]
        out["cloud_market_share"][company.name] = share
        out["cloud_market_revenue"][company.name] = [market[i] * share[i] / BILLION for i in range(len(years))]

    for metric, quantity, how in (
        ("capex_share", "capex", shares),
        ("capex_cumulative_share", "capex_cumulative", shares),
        ("ai_chip_spend_share", "ai_chip_spend", shares),
        ("accelerators_installed_share", "accelerators_installed", shares),
        ("compute_installed_share", "compute_installed", shares),
        ("capex_rank", "capex", ranks),
        ("ai_chip_spend_rank", "ai_chip_spend", ranks),
        ("accelerators_installed_rank", "accelerators_installed", ranks),
        ("compute_installed_rank", "compute_installed", ranks),
    ):
        by_company = across(quantity)
        out[metric] = {name: [] for name in raw}
        for i in range(len(years)):
            for name, value in how(by_company, i).items():
                out[metric][name].append(value)
    return out


# ------------------------------------------------------------------------------------------------ helpers for tests
def values_from_draw(values: Mapping[str, object], d: int) -> dict[str, Value]:
    """Draw `d` of arrays shaped (D,) or (D, K), as `model.core.parameters.engine_inputs` takes them (D may be 1 for a
    key that does not vary): a float, or a list of floats for a series."""
    import numpy as np  # only here: the model above is plain Python

    picked: dict[str, Value] = {}
    for key, array in values.items():
        array = np.asarray(array, dtype=float)
        row = array[d if array.shape[0] > 1 else 0]
        picked[key] = [float(v) for v in row] if array.ndim == 2 else float(row)
    return picked
