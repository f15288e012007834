"""Actuals files: the figures companies and the press reported, read and checked against an assumptions folder
(its companies, exchange rates and source registry), for `scenario backtest` and `scenario validate`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from model.catalogue import METRICS, Kind, View, metrics_in
from model.core.parameters import exchange_rates
from model.domain import AssumptionSet, Company, Inputs, Location, ReportedFigure
from model.errors import Problem, suggest
from model.format import written_number
from model.io.checks import check_citations
from model.io.project import FX_FILE
from model.io.schema import Actual, ActualsFile
from model.io.validation import Problems, kept_positions
from model.units import parse_period, parse_unit, to_whole

# The metrics a company reports and the model projects year by year (the catalogue's backtest view); shares,
# ranks, cumulative sums and intensities are the model's own constructs, never reported as such.
REPORTED_METRICS = metrics_in(View.backtest)
# Where an assumptions folder keeps its reported figures: a subfolder, so that the loader (which reads
# assumptions/*.yaml as company files) never takes it for a company.
ACTUALS_FILE = Path("actuals") / "reported.yaml"
ACTUALS_FOLDER = "actuals"


def default_actuals(assumptions_dir: Path) -> Path:
    return assumptions_dir / ACTUALS_FILE


def actuals_files(assumptions_dir: Path) -> list[Path]:
    """The actuals files of an assumptions folder: every *.yaml in its actuals/ subfolder."""
    return sorted((assumptions_dir / ACTUALS_FOLDER).glob("*.yaml"))


def read_actuals(path: Path, assumption_set: AssumptionSet, problems: Problems) -> tuple[list[tuple[int, Actual]],
                                                                                        Location]:
    """Parse an actuals file entry by entry and check each figure against `assumption_set`; problems go to
    `problems`. Returns the figures without errors with their place in the file's list, and where they are written."""
    parsed = problems.parse_entries(path, ActualsFile)
    actuals_file, located = parsed.model, parsed.located
    if actuals_file is None:
        return [], located
    checked = []
    for index, actual in zip(kept_positions(len(actuals_file.actuals), parsed.dropped.get("actuals", ())),
                             actuals_file.actuals, strict=True):
        found = list(check_actual(actual, ("actuals", index), located, assumption_set))
        for problem in found:
            problems.add(problem)
        if not any(p.severity == "error" for p in found):
            checked.append((index, actual))
    return checked, located


def check_actual(actual: Actual, loc: tuple[Any, ...], located: Location,
                 assumption_set: AssumptionSet) -> Iterator[Problem]:
    """The rules for one reported figure that need the companies, exchange rates and source registry."""
    companies = {c.slug: c for c in assumption_set.companies}
    if actual.company not in companies:
        yield located.problem((*loc, "company"), f"unknown company '{actual.company}'; {suggest(actual.company, companies)}")
    if actual.metric not in REPORTED_METRICS:
        derived = " is the model's own construct, not a reported figure" if actual.metric in METRICS else ""
        yield located.problem((*loc, "metric"), f"unknown metric '{actual.metric}'{derived}; "
                                                f"{suggest(actual.metric, REPORTED_METRICS)}")
    else:
        unit, kind = parse_unit(actual.unit), METRICS[actual.metric].kind
        if kind is Kind.count and unit.kind != "count":
            yield located.problem((*loc, "unit"), f"{actual.metric} is counted in units: its unit is 'count', "
                                                  f"not '{actual.unit}'")
        elif kind is Kind.money and unit.kind != "money":
            yield located.problem((*loc, "unit"), f"{actual.metric} needs a money unit such as 'CNY bn', "
                                                  f"not '{actual.unit}'")
        elif unit.kind == "money" and unit.currency not in assumption_set.currencies:
            known = ", ".join(sorted(assumption_set.currencies))
            yield located.problem((*loc, "unit"), f"currency {unit.currency} has no exchange rate in {FX_FILE} "
                                                  f"(known: {known})")
    period = parse_period(actual.period)
    if period.quarter:
        yield located.problem((*loc, "period"), f"'{actual.period}' is a quarter; only annual figures (2025, "
                                                "FY2026) are compared, since the model projects whole years")
    elif period.is_range:
        yield located.problem((*loc, "period"), f"'{actual.period}' spans several years; give one year's figure")
    registry = assumption_set.sources
    yield from check_citations(actual, located, loc, registry)  # type: ignore[arg-type]  # same fields it reads
    cited = []
    for index, citation in enumerate(actual.sources):
        source = registry.get(citation.ref)
        if source is None:
            continue
        if source.kind == "analyst-judgement":
            yield located.problem((*loc, "sources", index, "ref"),
                                  "a reported figure cites what reported it; analyst-judgement is not a report")
        else:
            cited.append(source)
    if cited and actual.as_of < min(s.date for s in cited):
        earliest = min(cited, key=lambda s: s.date)
        yield located.problem((*loc, "as_of"), f"{actual.as_of} is before its earliest source '{earliest.id}' "
                                               f"({earliest.date}) was published", "warning")


# -------------------------------------------------------------------------------------------------- loading
def load_actuals(path: Path, inputs: Inputs) -> tuple[list[ReportedFigure], list[Problem]]:
    """Read and check an actuals file against a resolved scenario: companies, metrics, units and periods it can
    compare, sources in its registry. Returns the figures within the scenario's horizon and the warnings (figures
    outside the horizon are left out with one); raises InputError listing every error as file:line: key: message."""
    problems = Problems()
    checked, located = read_actuals(path, inputs.assumptions, problems)
    problems.check()
    figures = []
    first, last = inputs.scenario.horizon
    for index, actual in checked:
        figure = reported_figure(actual, inputs)
        if first <= figure.year <= last:
            figures.append(figure)
        else:
            problems.add(located.problem(
                ("actuals", index, "period"),
                f"{figure.year} lies outside the horizon {first}-{last} of scenario '{inputs.scenario.name}'; "
                "not compared", "warning"))
    return figures, problems.warnings


def reported_figure(actual: Actual, inputs: Inputs) -> ReportedFigure:
    """A checked actual in the scenario's terms: its calendar year and its value in the metric's display unit."""
    company: Company = next(c for c in inputs.companies if c.slug == actual.company)
    year = parse_period(actual.period).calendar_years(company.fiscal_year_end)[0]
    metric = METRICS[actual.metric]
    value = to_whole(actual.value, parse_unit(actual.unit), into=inputs.scenario.reporting_currency,
                     rates=exchange_rates(inputs), display_scale=metric.scale.factor)
    return ReportedFigure(
        company=company.name,
        metric=actual.metric,
        year=year,
        period=actual.period,
        reported=f"{written_number(actual.value)} {actual.unit}",
        value=value,
        unit=metric.unit(inputs.scenario.reporting_currency),
        basis=actual.basis,
        confidence=actual.confidence,
        published=actual.as_of,
        sources=tuple(c.ref for c in actual.sources),
    )
