"""The projection: pure numpy over arrays shaped (draws, companies, years); a deterministic run is one draw.

Arrays are indexed (D, C, T), but the work runs "draws last", on (C, T, D) views: with the memory layout that
`parameters.engine_inputs` gives, every operation sweeps contiguous rows of draws (any layout gives the same
numbers). Nothing here reads files, prints or draws. `EngineInputs` arrives with every money figure already in the
reporting currency (whole units) on the model's timeline, which may start before the reported horizon so that base
years anchor correctly; `project` returns the catalogue's metrics over the horizon in their display units
(`model.catalogue.METRICS`).

The fleet: accelerators in service in year t are the opening fleet F, in service at the end of its year t0,
retired evenly over the service life L as its ages are spread evenly over one life, F x clip(1 - (t - t0) / L, 0, 1),
plus each later year's purchases, a cohort counting fully for floor(L) years and by the fraction left in the next.
Compute in service (H100-equivalents) weighs each of them by its performance: F's by the fleet's average, a cohort
bought in year s by the performance of that year, the base-year performance compounded by its yearly change.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.catalogue import METRICS, Kind


@dataclass(frozen=True)
class EngineInputs:
    """The model's parameters as arrays. D draws (or 1 where a parameter does not vary), C companies, T years.

    Values are shaped (D, C, T) for per-year parameters (or (D, C, 1) for one that is constant over the years) and
    (D, C, 1) for base values, in one float dtype (float64 for a deterministic run); `*_index` arrays (C,) give
    each company's base year as an index into `years`; masks are (C, T) or (C,) booleans that say which rule
    applies (they describe the structure of the files, so they never vary by draw). Any memory layout works;
    draws-last memory, as `parameters.engine_inputs` lays it out, is the fast one.
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
    uses_capex_intensity: np.ndarray  # (C,) capex outside a plan window is intensity x group revenue
    capex_intensity: np.ndarray  # (D, C, T) capex as a share of group revenue
    group_revenue_base: np.ndarray  # (D, C, 1)
    group_revenue_index: np.ndarray  # (C,)
    group_revenue_growth: np.ndarray  # (D, C, T)
    uses_chip_budget: np.ndarray  # (C,) chip spend from a budget (else a share of capex)
    chip_budget: np.ndarray  # (D, C, 1)
    chip_budget_index: np.ndarray  # (C,)
    chip_growth: np.ndarray  # (D, C, T)
    chip_share_of_capex: np.ndarray  # (D, C, T)
    unit_price: np.ndarray  # (D, C, 1)
    unit_price_index: np.ndarray  # (C,)
    price_change: np.ndarray  # (D, C, T)
    service_life_years: np.ndarray  # (D, C, 1)
    installed_base: np.ndarray  # (D, C, 1) accelerators in service at the end of the fleet's year
    installed_base_index: np.ndarray  # (C,) the fleet's year; purchases count from the year after it
    installed_base_performance: np.ndarray  # (D, C, 1) H100-equivalents of the fleet's average accelerator
    performance: np.ndarray  # (D, C, 1) H100-equivalents of an accelerator bought in its base year
    performance_index: np.ndarray  # (C,)
    performance_change: np.ndarray  # (D, C, T)
    cloud_revenue_base: np.ndarray  # (D, C, 1)
    cloud_revenue_index: np.ndarray  # (C,)
    cloud_growth: np.ndarray  # (D, C, T)
    ai_share: np.ndarray  # (D, C, T)
    cloud_market_share: np.ndarray  # (D, C, T) each company's share of the whole China cloud market
    market_total_base: np.ndarray  # (D, 1, 1) that market in its base year: one row, every company's market
    market_total_index: np.ndarray  # (1,)
    market_total_growth: np.ndarray  # (D, 1, T)


def draws_last(values: np.ndarray) -> np.ndarray:
    """A (D, C, T) array as a (C, T, D) view."""
    return values.transpose(1, 2, 0)


def draws_first(values: np.ndarray) -> np.ndarray:
    """A (C, T, D) array as a (D, C, T) view."""
    return values.transpose(2, 0, 1)


# Each helper below takes and returns (D, C, T) arrays; its `_rows` twin does the work on (C, T, D) views.
def compound(base: np.ndarray, growth: np.ndarray, base_index: np.ndarray) -> np.ndarray:
    """Grow `base` (D, C, 1), known in year `base_index` (C,), by `growth` (D, C, T) in both directions.

    value[t] = base * prod(1 + growth[s] for b < s <= t) after the base year b, and base / prod(1 + growth[s]
    for t < s <= b) before it: the year-t growth rate is the change from t-1 to t.
    """
    return draws_first(_compound_rows(draws_last(base), draws_last(growth), base_index))


def _compound_rows(base: np.ndarray, growth: np.ndarray, base_index: np.ndarray, years: int | None = None
                   ) -> np.ndarray:
    """`compound` on (C, T, D) views; `years` T when growth is constant over the years, (C, 1, D)."""
    factor = np.empty((growth.shape[0], years or growth.shape[1], growth.shape[2]), growth.dtype)
    np.add(1.0, growth, out=factor)
    for t in range(1, factor.shape[1]):  # a running product over the years (cumprod, without its slow strides)
        np.multiply(factor[:, t - 1], factor[:, t], out=factor[:, t])
    anchor = _value_at_rows(factor, base_index)
    grown = factor if np.broadcast_shapes(base.shape, factor.shape) == factor.shape else None
    grown = np.multiply(base, factor, out=grown)
    grown /= anchor
    return grown


def _value_at_rows(values: np.ndarray, index: np.ndarray) -> np.ndarray:
    """values (C, T, D) at each company's year `index` (C,), as (C, 1, D)."""
    return values[np.arange(values.shape[0]), index][:, None, :]


def installed_base(bought: np.ndarray, service_life_years: np.ndarray) -> np.ndarray:
    """Accelerators in service each year: a cohort bought in year s counts fully for floor(L) years and partly
    in the next, so a service life L (D, C, 1), fractional in a sampled run, keeps exactly L years of each cohort.
    """
    return draws_first(_installed_base_rows(draws_last(bought), draws_last(service_life_years)))


def _installed_base_rows(bought: np.ndarray, service_life_years: np.ndarray) -> np.ndarray:
    years = bought.shape[1]
    shape = np.broadcast_shapes(bought.shape, service_life_years.shape)
    installed = np.zeros(shape, np.result_type(bought, service_life_years))
    cohort = np.empty_like(installed)
    for age in range(years):  # a loop over cohort ages (a handful), never over draws or companies
        surviving = np.clip(service_life_years - age, 0.0, 1.0)
        np.multiply(bought[:, : years - age], surviving, out=cohort[:, : years - age])
        installed[:, age:] += cohort[:, : years - age]
    return installed


def opening_fleet(fleet: np.ndarray, fleet_index: np.ndarray, service_life_years: np.ndarray, years: int
                  ) -> np.ndarray:
    """(D, C, T): the fleet (D, C, 1) in service at the end of year `fleet_index` (C,), retired evenly over the
    service life (D, C, 1), its ages taken as spread evenly over one life: fleet x clip(1 - age / L, 0, 1)."""
    return draws_first(_opening_fleet_rows(draws_last(fleet), fleet_index, draws_last(service_life_years), years))


def _opening_fleet_rows(fleet: np.ndarray, fleet_index: np.ndarray, service_life_years: np.ndarray, years: int
                        ) -> np.ndarray:
    age = (np.arange(years)[None, :] - fleet_index[:, None])[..., None].astype(service_life_years.dtype)
    return fleet * np.clip(1.0 - age / service_life_years, 0.0, 1.0)


def rank(values: np.ndarray) -> np.ndarray:
    """1 for the largest of the companies (axis 1), ties sharing the better rank."""
    return draws_first(_rank_rows(draws_last(values)))


# Up to this many companies a rank counts the larger companies pair by pair (quickest for a few, and its cost grows
# as the square of the companies); beyond it, by sorting each draw's companies (C log C). Measured with
# benchmarks/companies.py.
RANK_PAIRS_LIMIT = 40


def _rank_rows(values: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    if values.shape[0] > RANK_PAIRS_LIMIT:
        return _rank_rows_sorted(values, out)
    ranks = np.empty_like(values) if out is None else out
    larger = np.empty(values.shape[1:], np.uint8)
    for company in range(values.shape[0]):  # companies are a handful
        larger[...] = 1
        for other in range(values.shape[0]):
            if other != company:
                larger += values[other] > values[company]
        ranks[company] = larger
    return ranks


def _rank_rows_sorted(values: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """`_rank_rows` by sorting: 1 + the number of companies strictly larger, ties sharing the better rank."""
    companies = values.shape[0]
    by_draw = np.moveaxis(values, 0, -1).reshape(-1, companies)  # (T x D, C): each draw's companies contiguous
    order = np.argsort(by_draw, axis=1)  # the order among equal values does not matter: they share a rank
    ascending = np.take_along_axis(by_draw, order, axis=1)
    positions = np.arange(companies, dtype=values.dtype)
    tied = ascending[:, 1:] == ascending[:, :-1]
    if tied.any():  # the last sorted position holding each value: the companies after it are strictly larger
        last = np.where(np.append(~tied, np.ones((len(ascending), 1), bool), axis=1), positions, companies)
        ranked = companies - np.minimum.accumulate(last[:, ::-1], axis=1)[:, ::-1]
    else:  # no ties: the rank is the place from the top
        ranked = np.broadcast_to(companies - positions, ascending.shape)
    ranks = np.empty(by_draw.shape, values.dtype)
    np.put_along_axis(ranks, order, ranked.astype(values.dtype, copy=False), axis=1)
    ranks = np.moveaxis(ranks.reshape(*values.shape[1:], companies), -1, 0)
    if out is None:
        return ranks
    out[...] = ranks
    return out


def share(values: np.ndarray) -> np.ndarray:
    """Each company's share of the companies' total (axis 1); NaN where the total is 0."""
    return draws_first(_share_rows(draws_last(values)))


def _share_rows(values: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    total = values.sum(axis=0, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        shares = np.divide(values, total, out=out)
    zero = total == 0
    if zero.any():
        shares[np.broadcast_to(zero, shares.shape)] = np.nan
    return shares


def _by_rule(rules: list[tuple[np.ndarray, np.ndarray]], otherwise: np.ndarray) -> np.ndarray:
    """(C, T, D): each cell from the first rule whose mask (C, T) holds there, else from `otherwise`; a copy of
    whole runs of years, as the masks describe the files' structure and never vary by draw."""
    shape = np.broadcast_shapes(otherwise.shape, *(values.shape for _, values in rules))
    out = np.empty(shape, np.result_type(otherwise, *(values for _, values in rules)))
    choice = np.full(shape[:2], len(rules))
    for i, (mask, _) in reversed(list(enumerate(rules))):
        choice[np.broadcast_to(mask, shape[:2])] = i
    sources = [values for _, values in rules] + [otherwise]
    for company, row in enumerate(choice.tolist()):
        start = 0
        for stop in range(1, len(row) + 1):
            if stop == len(row) or row[stop] != row[start]:
                out[company, start:stop] = sources[row[start]][company, start:stop]
                start = stop
    return out


def _cumsum_rows(values: np.ndarray) -> np.ndarray:
    """A running sum over the years (axis 1): np.cumsum's sums, without its slow strides."""
    total = values.copy()
    for t in range(1, total.shape[1]):
        np.add(total[:, t - 1], total[:, t], out=total[:, t])
    return total


def first_overtake_year(values: np.ndarray, years: np.ndarray) -> np.ndarray:
    """(D, C, C): the first year company a (axis 1) moves ahead of company b (axis 2) having not been ahead the
    year before; NaN where it never does within `years` (T,)."""
    ahead = values[:, :, None, :] > values[:, None, :, :]
    overtakes = ahead[..., 1:] & ~ahead[..., :-1]
    first = overtakes.argmax(axis=-1)
    return np.where(overtakes.any(axis=-1), years[1:][first], np.nan)


def project(inputs: EngineInputs, *, out: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """Every metric in `METRICS` over the horizon, each (D, C, H), in its display unit and the inputs' dtype.

    Each metric is a (D, C, H) view of a (C, H, D) array (`draws_last` gives that array back), or a read-only
    broadcast of a metric that does not vary when others do. With `out` (metric -> (D, C, H) array, any layout,
    for instance rows of a larger block), the metrics are written there and those arrays returned.
    """
    metrics = _project_rows(inputs, None if out is None else {name: draws_last(array) for name, array in out.items()})
    if out is not None:
        return out
    draws = max(m.shape[-1] for m in metrics.values())
    return {name: draws_first(m) if m.shape[-1] == draws else np.broadcast_to(draws_first(m), (draws, *m.shape[:-1]))
            for name, m in metrics.items()}


def _project_rows(inputs: EngineInputs, out: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """`project` on (C, T, D) views of the inputs; each metric (C, H, D), C-contiguous unless written to `out`."""
    rows = draws_last
    years = len(inputs.years)
    grown = _compound_rows(rows(inputs.capex_base), rows(inputs.capex_growth), inputs.capex_base_index, years)
    planned = rows(inputs.plan_total) * rows(inputs.plan_weights)
    after = _compound_rows(_value_at_rows(planned, inputs.plan_end_index), rows(inputs.post_plan_growth),
                           inputs.plan_end_index, years)
    group_revenue = _compound_rows(rows(inputs.group_revenue_base), rows(inputs.group_revenue_growth),
                                   inputs.group_revenue_index, years)
    from_intensity = rows(inputs.capex_intensity) * group_revenue
    # a plan rules its window and, through post-plan growth, the years after it; intensity rules the other years
    by_intensity = np.broadcast_to(inputs.uses_capex_intensity[:, None], inputs.in_plan.shape)
    capex = _by_rule([(inputs.in_plan, planned), (inputs.after_plan, after), (by_intensity, from_intensity)], grown)

    budget = _compound_rows(rows(inputs.chip_budget), rows(inputs.chip_growth), inputs.chip_budget_index, years)
    share_of_capex = rows(inputs.chip_share_of_capex)
    chips = np.empty(np.broadcast_shapes(budget.shape, share_of_capex.shape, capex.shape), capex.dtype)
    for company, uses_budget in enumerate(inputs.uses_chip_budget.tolist()):
        if uses_budget:
            chips[company] = budget[company]
        else:
            np.multiply(share_of_capex[company], capex[company], out=chips[company])

    price = _compound_rows(rows(inputs.unit_price), rows(inputs.price_change), inputs.unit_price_index, years)
    performance = _compound_rows(rows(inputs.performance), rows(inputs.performance_change), inputs.performance_index,
                                 years)
    bought = chips / price
    # the opening fleet holds what was bought up to the end of its year, so only later purchases join it
    after_fleet = (np.arange(years)[None, :] > inputs.installed_base_index[:, None])[..., None]
    life = rows(inputs.service_life_years)
    fleet = _opening_fleet_rows(rows(inputs.installed_base), inputs.installed_base_index, life, years)
    installed = _installed_base_rows(bought * after_fleet, life) + fleet
    compute = (_installed_base_rows(bought * after_fleet * performance, life)
               + fleet * rows(inputs.installed_base_performance))

    revenue = _compound_rows(rows(inputs.cloud_revenue_base), rows(inputs.cloud_growth), inputs.cloud_revenue_index,
                             years)
    ai_revenue = revenue * rows(inputs.ai_share)
    # like for like: one market total on its source's one basis, times each company's share of it
    market = _compound_rows(rows(inputs.market_total_base), rows(inputs.market_total_growth),
                            inputs.market_total_index, years)
    market_share = np.broadcast_to(rows(inputs.cloud_market_share), np.broadcast_shapes(
        rows(inputs.cloud_market_share).shape, (revenue.shape[0], years, market.shape[2])))
    market_revenue = market * market_share

    h = slice(inputs.horizon_start, inputs.horizon_stop)
    capex, chips, price, bought, installed = capex[:, h], chips[:, h], price[:, h], bought[:, h], installed[:, h]
    performance, compute = performance[:, h], compute[:, h]
    revenue, ai_revenue = revenue[:, h], ai_revenue[:, h]
    group_revenue = group_revenue[:, h]
    market_revenue, market_share = market_revenue[:, h], market_share[:, h]
    # the equations in whole units, shown in each metric's display scale; a share or rank is of the metric the
    # catalogue derives it from
    whole = {
        "capex": capex,
        "capex_cumulative": _cumsum_rows(capex),
        "ai_chip_spend": chips,
        "ai_chip_spend_cumulative": _cumsum_rows(chips),
        "accelerators_bought": bought,
        "accelerators_installed": installed,
        "accelerator_performance": performance,
        "compute_installed": compute,
        "spend_per_compute": price / performance,
        "cloud_revenue": revenue,
        "ai_revenue": ai_revenue,
        "group_revenue": group_revenue,
        "cloud_market_revenue": market_revenue,
    }

    def to(name: str) -> np.ndarray | None:
        return None if out is None else out[name]

    unit_price = to("accelerator_unit_price")
    if unit_price is None:
        unit_price = np.array(np.broadcast_to(price, capex.shape))
    else:
        np.copyto(unit_price, price)
    metrics = {  # the equations whose results need no display scale
        "accelerator_unit_price": unit_price,
        "capex_intensity": np.divide(capex, group_revenue, out=to("capex_intensity")),
        "cloud_market_share": np.add(market_share, 0.0, out=to("cloud_market_share"), dtype=capex.dtype),
    }
    for name, metric in METRICS.items():
        if metric.derived_from is not None:
            of = whole[metric.derived_from]
            metrics[name] = _rank_rows(of, to(name)) if metric.kind is Kind.rank else _share_rows(of, to(name))
        elif name in whole:
            metrics[name] = np.divide(whole[name], metric.scale.factor, out=to(name))
    return {name: metrics[name] for name in METRICS}  # a catalogued metric without an equation is a KeyError here
