"""Loads a project's inputs and resolves a scenario against its assumption set: what every command starts from.

Every problem is reported as `file:line: key: message`; loading collects all of them before raising, so that
`scenario validate` lists a file's problems in one pass.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from pathlib import Path

from model.catalogue import MARKET_PREFIX
from model.domain import (
    FX_PREFIX,
    Assumption,
    AssumptionSet,
    Inputs,
    OverrideEntry,
    ResolvedAssumption,
    Scenario,
    Source,
)
from model.errors import Problem, display_path, suggest
from model.io.assumption_files import load_assumptions
from model.io.build import repool
from model.io.checks import absent_capex_route, check_assumption, check_correlations, missing_parameters
from model.io.project import assumptions_for
from model.io.scenario_files import load_scenario
from model.io.validation import Problems


def base_assumptions(assumption_set: AssumptionSet) -> dict[str, ResolvedAssumption]:
    resolved = {}
    for company in assumption_set.companies:
        for parameter, assumption in company.assumptions.items():
            key = f"{company.slug}.{parameter}"
            line = company.located.line(("assumptions", parameter))
            resolved[key] = ResolvedAssumption(key, company, parameter, assumption, company.located.file, line)
    for currency, assumption in assumption_set.rates.items():
        line = assumption_set.fx.line(("rates", currency))
        key = f"{FX_PREFIX}.{currency}"
        resolved[key] = ResolvedAssumption(key, None, FX_PREFIX, assumption, assumption_set.fx.file, line)
    market = assumption_set.market_at
    for parameter, assumption in assumption_set.market.items():
        key = f"{MARKET_PREFIX}.{parameter}"
        assert market is not None, "market assumptions without their file"
        resolved[key] = ResolvedAssumption(key, None, key, assumption, market.file, market.line(("assumptions",
                                                                                                  parameter)))
    return resolved


def _apply(entry: OverrideEntry, original: ResolvedAssumption, registry: dict[str, Source]) -> ResolvedAssumption:
    override = entry.override
    dates = [registry[c.ref].date for c in override.sources if c.ref in registry]
    assumption = Assumption(
        value=override.value,
        unit=override.unit or original.assumption.unit,
        period=override.period or original.assumption.period,
        confidence=override.confidence,
        range=override.range,
        as_of=override.as_of or max(dates, default=original.assumption.as_of),
        sources=override.sources,
        notes=override.notes,
        history=override.history,
        basis=override.basis or original.assumption.basis,
    )
    line = entry.located.line(("overrides", entry.key))
    # what it replaces: the override it shadows further up the chain (resolved against the file's, as every
    # override is), or the file's own assumption
    replaces = original if entry.replaces is None else _apply(entry.replaces, original, registry)
    return ResolvedAssumption(original.key, original.company, original.parameter, assumption, entry.located.file,
                              line, overridden_by=entry.scenario, rationale=override.rationale, replaces=replaces)


def _repooled(item: ResolvedAssumption, assumption_set: AssumptionSet, scenario: Scenario) -> ResolvedAssumption:
    if not item.assumption.pooled:
        return item
    weighed = repool(item.assumption, item.parameter, assumption_set.sources, scenario.as_of)
    return replace(item, assumption=weighed)


def resolve_scenario(scenario: Scenario, assumption_set: AssumptionSet, problems: Problems) -> Inputs:
    """Apply the scenario's overrides to the assumption set and check what the horizon needs; pooled assumptions
    are weighed against the scenario's as_of."""
    resolved = {key: _repooled(item, assumption_set, scenario) for key, item in base_assumptions(assumption_set).items()}
    companies = {c.slug: c for c in assumption_set.companies}
    for key, entry in scenario.overrides.items():
        loc = ("overrides", key)
        original = resolved.get(key)
        if original is None and assumption_set.unloaded.covers(key):
            continue  # the assumption did not load: its file's error says why
        if original is None:
            prefix = key.partition(".")[0]
            if prefix not in (FX_PREFIX, MARKET_PREFIX) and prefix not in companies:
                message = f"unknown company '{prefix}'; {suggest(prefix, [*companies, FX_PREFIX, MARKET_PREFIX])}"
            elif prefix in companies and (route := absent_capex_route(prefix, key.partition(".")[2],
                                                                      companies[prefix].assumptions)):
                message = route
            else:
                message = f"no such assumption; {suggest(key, resolved)}"
            problems.add(entry.located.problem(loc, message))
            continue
        found = list(check_assumption(
            entry.override, key if original.company is None else original.parameter, entry.located, loc,
            assumption_set.sources, assumption_set.currencies,
            unit=original.assumption.unit, period=original.assumption.period,
        ))
        problems.extend(found)
        if not any(p.severity == "error" for p in found):
            resolved[key] = _apply(entry, original, assumption_set.sources)
    if scenario.reporting_currency not in assumption_set.currencies:
        problems.add(scenario.located.problem(
            ("reporting_currency",),
            f"no exchange rate for {scenario.reporting_currency}; known: {', '.join(sorted(assumption_set.currencies))}",
        ))
    check_correlations(scenario, resolved, problems, assumption_set.unloaded)
    for company in assumption_set.companies:
        if assumption_set.unloaded.incomplete(company):
            continue  # what it lacks may be the assumption that did not load
        keys = {r.parameter: r for r in resolved.values() if r.company is company}
        for message in missing_parameters(keys, scenario.horizon):
            problems.add(company.located.problem(("assumptions",), f"{message} (scenario {scenario.name}, "
                                                                   f"horizon {scenario.horizon[0]}-{scenario.horizon[1]})"))
    for item in resolved.values():
        for citation in item.assumption.citations:
            source = assumption_set.sources.get(citation.ref)
            if source is not None and source.date > scenario.as_of:
                problems.add(Problem(display_path(item.file), item.line, item.key,
                                     f"source '{source.id}' is dated {source.date}, after as_of {scenario.as_of} "
                                     f"of scenario '{scenario.name}'", "warning"))
    warnings = tuple(p for p in problems.items if p.severity == "warning")
    return Inputs(scenario, assumption_set, resolved, warnings)



def load_assumption_set(directory: Path) -> AssumptionSet:
    """Load an assumptions folder on its own; raise InputError listing every error."""
    problems = Problems()
    assumption_set = load_assumptions(directory, problems)
    problems.check()
    assert assumption_set is not None, "loading failed without an error"
    return assumption_set


def load_inputs(scenario_path: Path, assumptions_dir: Path | None = None) -> Inputs:
    """Load, check and resolve one scenario; raise InputError listing every error (warnings are kept)."""
    problems = Problems()
    assumption_set = load_assumptions(assumptions_dir or assumptions_for(scenario_path), problems)
    scenario = load_scenario(scenario_path, problems)
    problems.check()
    assert assumption_set is not None and scenario is not None, "loading failed without an error"
    inputs = resolve_scenario(scenario, assumption_set, problems)
    problems.check()
    return inputs


def load_project(scenario_paths: Iterable[Path], assumption_dirs: Iterable[Path],
                 problems: Problems) -> Iterator[tuple[AssumptionSet, Scenario | None]]:
    """Load the given assumption folders, then each scenario and the folder beside it, each folder once: yields
    (set, None) when a folder is first loaded and (set, scenario) for each scenario. What does not load is skipped;
    its problems go to `problems`."""
    sets: dict[Path, AssumptionSet | None] = {}

    def first_load(directory: Path) -> Iterator[tuple[AssumptionSet, None]]:
        if directory not in sets:
            sets[directory] = load_assumptions(directory, problems)
            if sets[directory] is not None:
                yield sets[directory], None

    for directory in assumption_dirs:
        yield from first_load(directory.resolve())
    for path in scenario_paths:
        scenario = load_scenario(path, problems)
        directory = assumptions_for(path).resolve()
        yield from first_load(directory)
        found = sets[directory]
        if scenario is not None and found is not None:
            yield found, scenario


def validate_project(scenario_paths: Iterable[Path], assumption_dirs: Iterable[Path],
                     visit: Callable[[AssumptionSet, Scenario | None], None] | None = None) -> list[Problem]:
    """Every problem in the given scenarios and assumption folders (each scenario resolved against its folder).

    `visit`, if given, sees what `load_project` yields, so that another check (the source audit) shares the loading.
    """
    problems = Problems()
    for assumption_set, scenario in load_project(scenario_paths, assumption_dirs, problems):
        if scenario is not None:
            resolve_scenario(scenario, assumption_set, problems)
        if visit is not None:
            visit(assumption_set, scenario)
    return problems.items
