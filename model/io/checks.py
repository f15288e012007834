"""The rules that span an entry and the catalogue, the source registry or a scenario's horizon and correlations."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from model.catalogue import (
    ALWAYS_NEEDED,
    CAPEX_GROWTH,
    CAPEX_INTENSITY,
    CHIPS_BUDGET,
    CLOUD_BASES,
    FLEET_NEEDED,
    GROUP_REVENUE,
    MARKET_PARAMETERS,
    MARKET_PREFIX,
    MAX_EXCHANGE_RATE,
    PARAMETERS,
    parameter_of,
)
from model.core.correlation import gaussian_copula_matrix
from model.domain import (
    FX_PREFIX,
    Assumption,
    Location,
    Override,
    Registry,
    ResolvedAssumption,
    Scenario,
    Source,
    Unloaded,
    Vintage,
    plan_window,
)
from model.errors import Problem, suggest
from model.io.project import FX_FILE
from model.io.validation import Problems
from model.units import parse_period, parse_unit


def check_assumption(
    assumption: Assumption | Override | Vintage,
    key: str,
    located: Location,
    loc: tuple[Any, ...],
    registry: dict[str, Source],
    currencies: set[str],
    *,
    unit: str | None = None,
    period: str | None = None,
) -> Iterator[Problem]:
    """Rules for one assumption that need the catalogue or the registry.

    `key` is the parameter, or `fx.<CCY>` for an exchange rate; `unit` and `period` are the effective ones when
    an override leaves them out.
    """
    unit = assumption.unit or unit
    period = assumption.period or period
    # each figure with where it is written: a pooled assumption's are its candidates' (its value is their median)
    candidates = getattr(assumption, "candidates", ())
    if candidates:
        figures = [((*loc, "candidates", i, "value"), v) for i, c in enumerate(candidates)
                   for v in (c.value, *(c.range or ()))]
    else:
        figures = [((*loc, "value"), v) for v in (*assumption.value.values, *(assumption.range or ()))]
    parsed_unit = parse_unit(unit)
    if key.startswith(f"{FX_PREFIX}."):
        currency = key.removeprefix(f"{FX_PREFIX}.")
        if parsed_unit.kind != "fx":
            yield located.problem((*loc, "unit"), f"an exchange rate's unit is '<CCY> per <BASE>', not '{unit}'")
        elif parsed_unit.currency != currency:
            yield located.problem((*loc, "unit"), f"unit '{unit}' does not quote {currency}")
        if assumption.value.is_series:  # each figure converts once, at one rate: a path would be ignored
            yield located.problem((*loc, "value"), f"{key} takes a single value, not a series")
        yield from (located.problem(at, f"rate {v:g} must be positive") for at, v in figures if v <= 0)
        yield from (located.problem(at, f"rate {v:g} is above {MAX_EXCHANGE_RATE:g}, the largest "
                                        "plausible exchange rate") for at, v in figures if v > MAX_EXCHANGE_RATE)
    else:
        parameter = parameter_of(key)
        if parameter is None:
            market = key.startswith(f"{MARKET_PREFIX}.")
            known = MARKET_PARAMETERS if market else PARAMETERS
            yield located.problem(loc, f"unknown assumption key; {suggest(key.partition('.')[2] if market else key, known)}")
            return
        yield from _check_basis(assumption, key, parameter.needs_basis, located, loc)
        if parsed_unit.kind != parameter.kind:
            yield located.problem((*loc, "unit"), f"{key} needs a {parameter.kind} unit, not '{unit}'")
        elif parsed_unit.kind == "money" and parsed_unit.currency not in currencies:
            yield located.problem((*loc, "unit"), f"currency {parsed_unit.currency} has no exchange rate in "
                                                  f"{FX_FILE} (known: {', '.join(sorted(currencies))})")
        if assumption.value.is_series and not parameter.series:
            yield located.problem((*loc, "value"), f"{key} takes a single value, not a series")
        scale = parsed_unit.scale if parsed_unit.kind == "money" else 1.0
        for at, value in figures:
            if reason := parameter.check(value, scale):
                yield located.problem(at, reason)
        if parameter.not_all_zero and assumption.value.is_series and not any(assumption.value.values):
            yield located.problem((*loc, "value"), f"{key} needs at least one weight above zero")
        parsed_period = parse_period(period)
        if parameter.role in ("flow", "level") and parsed_period.is_range:
            yield located.problem((*loc, "period"), f"{key} is anchored in one year; '{period}' is a range")
        if parsed_period.quarter and parameter.role != "flow":
            yield located.problem((*loc, "period"), f"only a flow can be given for a quarter; {key} cannot")
    yield from check_citations(assumption, located, loc, registry)
    yield from _check_candidates(assumption, located, loc, registry, unit, period)
    # each earlier value must be one the key could take, resting on registered sources, as the current one; only
    # errors, since a warning about a replaced value asks for nothing to be done (and non-finite values never get
    # here: the schema's number type refuses them)
    for index, vintage in enumerate(getattr(assumption, "history", ())):
        found = check_assumption(vintage, key, located, (*loc, "history", index), registry, currencies, unit=unit,
                                 period=period)
        yield from (problem for problem in found if problem.severity == "error")


def _check_basis(assumption: Assumption | Override | Vintage, key: str, needs_basis: bool, located: Location,
                 loc: tuple[Any, ...]) -> Iterator[Problem]:
    # a cloud revenue figure is comparable with another only on the same basis, so the file must say which it is;
    # an override without one keeps the basis of the figure it replaces
    basis = getattr(assumption, "basis", None)
    if needs_basis and basis is None and isinstance(assumption, Assumption):
        yield located.problem(loc, f"{key} needs a basis: what the figure counts, one of {', '.join(CLOUD_BASES)}")
    elif not needs_basis and basis is not None:
        takes = ", ".join(k for k, p in PARAMETERS.items() if p.needs_basis)
        yield located.problem((*loc, "basis"), f"only {takes} takes a basis; {key} has none")


def _check_candidates(assumption: Assumption | Override | Vintage, located: Location, loc: tuple[Any, ...],
                      registry: dict[str, Source], unit: str, period: str) -> Iterator[Problem]:
    """A pool mixes figures of one unit and period, each known by the assumption's as_of."""
    for index, candidate in enumerate(getattr(assumption, "candidates", ())):
        where = (*loc, "candidates", index)
        for name, written, own in (("unit", candidate.unit, unit), ("period", candidate.period, period)):
            if written is not None and written != own:
                yield located.problem((*where, name), f"candidate's {name} '{written}' is not the assumption's "
                                                      f"'{own}': a pool mixes figures of one {name}")
        if candidate.as_of > assumption.as_of:
            source = registry.get(candidate.source.ref)
            dated = "as_of" if source is None or candidate.as_of != source.date else "source"
            yield located.problem((*where, dated), f"candidate is dated {candidate.as_of}, after the assumption's "
                                                   f"as_of {assumption.as_of} (the date its latest figure was known)")


def check_citations(
    assumption: Assumption | Override | Vintage, located: Location, loc: tuple[Any, ...], registry: dict[str, Source]
) -> Iterator[Problem]:
    cited = []
    citations = [((*loc, "sources", index), citation) for index, citation in enumerate(assumption.sources)]
    citations += [((*loc, "candidates", index, "source"), candidate.source)
                  for index, candidate in enumerate(getattr(assumption, "candidates", ()))]
    for where, citation in citations:
        source = registry.get(citation.ref)
        if source is None:
            if not (isinstance(registry, Registry) and citation.ref in registry.unloaded):  # (reported at its entry)
                yield located.problem((*where, "ref"),
                                      f"unknown source '{citation.ref}'; {suggest(citation.ref, registry)}")
            continue
        cited.append(source)
        if source.kind == "analyst-judgement":
            if not citation.rationale:
                yield located.problem(where, "analyst-judgement needs a rationale: why this figure")
        elif not citation.excerpt:
            yield located.problem(where, f"'{source.id}' needs an excerpt: the short phrase that states the figure")
    if assumption.confidence == "high" and cited and all(s.kind == "unconfirmed" for s in cited):
        yield located.problem((*loc, "confidence"), "high confidence rests only on unconfirmed sources", "warning")



def check_correlations(scenario: Scenario, resolved: dict[str, ResolvedAssumption], problems: Problems,
                       unloaded: Unloaded = Unloaded()) -> None:
    """Each correlation names existing assumptions; pairs that cannot hold together are repaired, with a warning."""
    valid = []
    for entry in scenario.correlation_entries:
        loc = ("correlations", entry.index, "keys")
        unknown = [key for key in entry.keys if key not in resolved]
        for key in unknown:
            if not unloaded.covers(key):  # (an assumption that did not load is reported in its file)
                problems.add(entry.located.problem(loc, f"no such assumption '{key}'; {suggest(key, resolved)}"))
        if not unknown:
            valid.append(entry)
    if not valid:
        return
    keys = sorted({key for entry in valid for key in entry.keys})
    _, notes = gaussian_copula_matrix(keys, {entry.keys: entry.rank for entry in valid})
    if notes:
        problems.add(scenario.located.problem(
            ("correlations",), "these rank correlations cannot hold together and are repaired to the nearest "
                               f"valid matrix: {'; '.join(notes)}", "warning"))



def missing_parameters(keys: dict[str, ResolvedAssumption], horizon: tuple[int, int]) -> list[str]:
    """What a company lacks to be projected over `horizon`, as messages; empty when complete."""
    missing: list[str] = []

    def need(names: Iterable[str], why: str) -> None:
        absent = [n for n in names if n not in keys]
        if absent:
            missing.append(f"needs {', '.join(absent)} {why}")

    plan = keys.get("capex.plan_total")
    # capex.intensity stands in for capex.base + capex.growth wherever no plan rules
    growth_route = () if CAPEX_INTENSITY in keys else CAPEX_GROWTH
    if plan is None:
        need(growth_route, f"to project capex (or a {CAPEX_INTENSITY}, or a capex.plan_total)")
    else:
        start, end = plan_window(plan)
        if horizon[0] < start:
            need(growth_route, f"for capex before its plan window {start}-{end} (or a {CAPEX_INTENSITY})")
        if horizon[1] > end:
            need(("capex.post_plan_growth",), f"for capex after its plan window {start}-{end}")
        phasing = keys.get("capex.plan_phasing")
        if phasing is not None:
            value = phasing.assumption.value
            outside = [y for y in value.years if not start <= y <= end]
            if outside or not value.is_series:
                missing.append(f"capex.plan_phasing must be a series over the plan's years {start}-{end}")
    if "ai_chips.budget_base" in keys or "ai_chips.share_of_capex" not in keys:
        need(CHIPS_BUDGET, "to project AI-chip spend (or an ai_chips.share_of_capex)")
    need(ALWAYS_NEEDED, "for the projection")
    need(FLEET_NEEDED, "for the accelerators in service and their compute")
    fleet = keys.get("accelerators.installed_base")
    if fleet is not None:
        fleet_year = parse_period(fleet.assumption.period).calendar_years(fleet.fiscal_year_end)[0]
        if fleet_year > horizon[0]:  # the years before it would count the whole fleet as already in service
            missing.append(f"accelerators.installed_base is the fleet at the end of {fleet_year}, after the "
                           f"horizon's first year {horizon[0]}: give the fleet the horizon opens with")
    need(GROUP_REVENUE, "for group revenue and capex intensity")
    return missing


def check_capex_routes(keys: Iterable[str], located: Location) -> Iterator[Problem]:
    """A company gives capex outside a plan one way: capex.intensity, or capex.base and capex.growth."""
    given = [key for key in CAPEX_GROWTH if key in keys]
    if CAPEX_INTENSITY in keys and given:
        yield located.problem(("assumptions", CAPEX_INTENSITY),
                              f"capex is given twice: as {CAPEX_INTENSITY} (a share of group revenue) and by "
                              f"{' and '.join(given)}; keep one of the two ways")


def absent_capex_route(company: str, parameter: str, keys: Iterable[str], verb: str = "override") -> str | None:
    """Why `parameter` of a company that gives its capex the other way cannot be overridden (or set), or None."""
    keys = set(keys)
    if parameter in CAPEX_GROWTH and CAPEX_INTENSITY in keys:
        return (f"{company} gives its capex as {CAPEX_INTENSITY} (a share of group revenue), so it has no "
                f"{parameter} to {verb}; {verb} {company}.{CAPEX_INTENSITY} instead")
    if parameter == CAPEX_INTENSITY and keys & set(CAPEX_GROWTH):
        given = " and ".join(f"{company}.{key}" for key in CAPEX_GROWTH if key in keys)
        why = " (a scenario changes numbers, not the way capex is given)" if verb == "override" else ""
        return (f"{company} gives its capex by {' and '.join(CAPEX_GROWTH)}, so it has no {CAPEX_INTENSITY} to "
                f"{verb}; {verb} {given} instead{why}")
    return None

