"""Loads an assumptions folder (sources.yaml, fx.yaml, market.yaml, one file per company) into a checked
AssumptionSet."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from model.catalogue import MARKET_PARAMETERS, MARKET_PREFIX
from model.domain import EVERYTHING, FX_PREFIX, Assumption, AssumptionSet, Company, Location, Registry, Unloaded
from model.errors import Problem, UsageError, display_path
from model.io import build, schema
from model.io.checks import check_assumption, check_capex_routes
from model.io.project import FX_FILE, MARKET_FILE, SOURCES_FILE, company_files
from model.io.validation import Problems


def _valid_entries(node: Any, container: str, registry: Registry, prefix: str = ""
                   ) -> Iterator[tuple[str, Assumption]]:
    """The entries of a mapping `container` in `node` that validate as assumptions (the others' errors are reported
    by the file's own validation); `prefix` makes a key the catalogue's parameter (market.)."""
    entries = node.get(container) if isinstance(node, dict) else None
    for key, entry in (entries.items() if isinstance(entries, dict) else ()):
        try:
            model = schema.Assumption.model_validate(dict(entry) if isinstance(entry, dict) else entry)
            yield str(key), build.assumption(model, f"{prefix}{key}", registry)
        except ValidationError:
            continue


def _dropped_ids(node: Any, positions: Iterable[Any]) -> frozenset[str]:
    """The `id` of each dropped entry of sources.yaml's list, where it has one."""
    entries = node.get("sources") if isinstance(node, dict) else None
    ids = set()
    for position in positions:
        if isinstance(entries, list) and isinstance(position, int) and 0 <= position < len(entries):
            entry = entries[position]
            if isinstance(entry, dict) and isinstance(entry.get("id"), str):
                ids.add(entry["id"])
    return frozenset(ids)


def load_assumptions(directory: Path, problems: Problems) -> AssumptionSet | None:
    """Load and check every file of an assumptions folder; problems go to `problems`."""
    if not directory.is_dir():
        raise UsageError(f"assumptions folder not found: {display_path(directory)}")
    sources = problems.parse_entries(directory / SOURCES_FILE, schema.SourcesFile)
    fx = problems.parse_entries(directory / FX_FILE, schema.FxFile)
    paths = company_files(directory)
    if not paths:
        problems.add(Problem(display_path(directory), None, "", "no company files (<company>.yaml) found"))
    if sources.model is None:
        registry = Registry(unloaded=EVERYTHING)
    else:
        registry = Registry(map(build.source, sources.model.sources),
                            _dropped_ids(sources.node, sources.dropped.get("sources", ())))
    if fx.model is None:
        base_currency, rates, unloaded_currencies = "", {}, EVERYTHING
    else:
        base_currency = fx.model.base_currency
        rates = {currency: build.assumption(rate, FX_PREFIX, registry) for currency, rate in fx.model.rates.items()}
        unloaded_currencies = frozenset(str(c) for c in fx.dropped.get("rates", ()))
    currencies = EVERYTHING if fx.model is None else frozenset({base_currency, *rates, *unloaded_currencies})
    for currency, rate in rates.items():
        problems.extend(check_assumption(rate, f"{FX_PREFIX}.{currency}", fx.located, ("rates", currency), registry,
                                         currencies))
    market, market_at, unloaded_market = _load_market(directory, problems, registry, currencies)
    companies = []
    unloaded_keys: set[str] = set(unloaded_market)
    unloaded_companies: set[str] = set()
    for path in paths:
        parsed = problems.parse_entries(path, schema.CompanyFile)
        company_file, located = parsed.model, parsed.located
        if company_file is None:
            unloaded_companies.add(path.stem)
            slug = parsed.node.get("company") if isinstance(parsed.node, dict) else None
            if isinstance(slug, str):
                unloaded_companies.add(slug)
            # the file's own fields are wrong; its entries still get their range, unit and source checks
            for key, assumption in _valid_entries(parsed.node, "assumptions", registry):
                problems.extend(check_assumption(assumption, key, located, ("assumptions", key), registry, currencies))
            continue
        if company_file.company != located.file.stem:
            problems.add(located.problem(("company",), f"'{company_file.company}' must equal the file name "
                                                       f"'{located.file.stem}'"))
        unloaded_keys |= {f"{company_file.company}.{key}" for key in parsed.dropped.get("assumptions", ())}
        assumptions = {key: build.assumption(entry, key, registry) for key, entry in company_file.assumptions.items()}
        for key, assumption in assumptions.items():
            problems.extend(check_assumption(assumption, key, located, ("assumptions", key), registry, currencies))
        problems.extend(check_capex_routes(assumptions, located))
        companies.append(Company(company_file.company, company_file.name, company_file.fiscal_year_end,
                                 assumptions, located, company_file.colour))
    names = [c.name for c in companies]
    for company in companies:
        if names.count(company.name) > 1:
            problems.add(company.located.problem(("name",), f"display name '{company.name}' is used twice"))
        if company.colour and (twin := next(c for c in companies if c.colour == company.colour)) is not company:
            problems.add(company.located.problem(("colour",), f"colour '{company.colour}' is {twin.name}'s "
                                                              f"already; give each company its own"))
    files = (directory / SOURCES_FILE, directory / FX_FILE, directory / MARKET_FILE,
             *(c.located.file for c in companies))
    unloaded = Unloaded(registry.unloaded, unloaded_currencies, frozenset(unloaded_keys), frozenset(unloaded_companies))
    return AssumptionSet(directory, registry, tuple(companies), base_currency, rates, fx.located, files, unloaded,
                         market, market_at)


def _load_market(directory: Path, problems: Problems, registry: Registry, currencies: frozenset[str]
                 ) -> tuple[dict[str, Assumption], Location | None, set[str]]:
    """market.yaml's assumptions, checked as a company's are, with where the file is and the keys (market.<key>)
    that did not load: every one when the file did not, so that nothing referring to them is reported again."""
    parsed = problems.parse_entries(directory / MARKET_FILE, schema.MarketFile)
    every = {f"{MARKET_PREFIX}.{key}" for key in MARKET_PARAMETERS}
    # the entries that parsed, even where the file as a whole did not, are checked for what else they get wrong
    entries = (dict(_valid_entries(parsed.node, "assumptions", registry, f"{MARKET_PREFIX}.")) if parsed.model is None
               else {key: build.assumption(entry, f"{MARKET_PREFIX}.{key}", registry)
                     for key, entry in parsed.model.assumptions.items()})
    for key, assumption in entries.items():
        problems.extend(check_assumption(assumption, f"{MARKET_PREFIX}.{key}", parsed.located, ("assumptions", key),
                                         registry, currencies))
    if parsed.model is None:
        return {}, None, every
    market = entries
    dropped = {str(key) for key in parsed.dropped.get("assumptions", ())}
    absent = [key for key in MARKET_PARAMETERS if key not in market and key not in dropped]
    if absent:
        problems.add(parsed.located.problem(("assumptions",), f"{MARKET_FILE} needs {', '.join(absent)} (every "
                                                              "company's cloud.market_share is a share of it)"))
    known = {f"{MARKET_PREFIX}.{key}" for key in market if key in MARKET_PARAMETERS}
    return market, parsed.located, every - known
