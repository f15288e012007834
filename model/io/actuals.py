"""Actuals files: the figures companies and the press reported, read and checked against an assumptions folder
(its companies, exchange rates and source registry), for `scenario backtest` and `scenario validate`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from model.catalogue import FLOW_METRICS, METRICS, Kind, View, metrics_in
from model.core.parameters import exchange_rates
from model.domain import AssumptionSet, Company, Inputs, Location, ReportedFigure
from model.domain.actuals import REPORTED_ANNUAL, SUM_OF_QUARTERS
from model.errors import Problem, suggest
from model.format import written_number
from model.io.checks import check_citations
from model.io.project import FX_FILE
from model.io.schema import Actual, ActualsFile, SourceRef
from model.io.validation import Problems, kept_positions
from model.units import Period, parse_period, parse_unit, to_whole

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
    elif actual.quarters is not None and actual.company in companies:
        yield from check_quarters(actual, period, companies[actual.company], loc, located)
    registry = assumption_set.sources
    cited = []
    for where, cites in citing(actual, loc):
        yield from check_citations(cites, located, where, registry)  # type: ignore[arg-type]  # same fields it reads
        for index, citation in enumerate(cites.sources):
            source = registry.get(citation.ref)
            if source is None:
                continue
            if source.kind == "analyst-judgement":
                yield located.problem((*where, "sources", index, "ref"),
                                      "a reported figure cites what reported it; analyst-judgement is not a report")
            else:
                cited.append((where, source))
    if actual.quarters is not None and actual.confidence == "high" and cited and \
            all(s.kind == "unconfirmed" for _, s in cited):
        yield located.problem((*loc, "confidence"), "high confidence rests only on unconfirmed sources", "warning")
    if cited and actual.as_of < min(s.date for _, s in cited):
        earliest = min((s for _, s in cited), key=lambda s: s.date)
        yield located.problem((*loc, "as_of"), f"{actual.as_of} is before its earliest source '{earliest.id}' "
                                               f"({earliest.date}) was published", "warning")
    elif actual.quarters is not None and cited and actual.as_of < max(s.date for _, s in cited):
        latest = max((s for _, s in cited), key=lambda s: s.date)
        yield located.problem((*loc, "as_of"), f"{actual.as_of} is before the source '{latest.id}' of a quarter "
                                               f"({latest.date}) was published: a year given by its quarters is known "
                                               "only once the last of them is", "warning")


@dataclass(frozen=True)
class _Citing:
    """What `check_citations` reads of an entry: its sources, and the confidence they must bear."""

    sources: list[SourceRef]
    confidence: str


def citing(actual: Actual, loc: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], _Citing]]:
    """Where an actual's citations are: its own sources, or each quarter's."""
    if actual.quarters is None:
        yield loc, _Citing(actual.sources, actual.confidence)
    else:
        for index, quarter in enumerate(actual.quarters):
            # (how sure the year's figure is, is a matter of all its quarters' sources together, checked below)
            yield (*loc, "quarters", index), _Citing(quarter.sources, "")


def check_quarters(actual: Actual, period: Period, company: Company, loc: tuple[Any, ...],
                   located: Location) -> Iterator[Problem]:
    """A year given by quarters: a flow, and exactly the four calendar quarters that make up its year, once each."""
    if actual.metric in REPORTED_METRICS and actual.metric not in FLOW_METRICS:
        flows = ", ".join(m for m in REPORTED_METRICS if m in FLOW_METRICS)
        yield located.problem((*loc, "quarters"), f"{actual.metric} is a level, not a flow summed over its year, so "
                                                  f"its quarters add up to nothing; give the year's figure as value "
                                                  f"(quarters suit {flows})")
        return
    needed = period.quarters(company.fiscal_year_end)
    if needed is None:
        yield located.problem((*loc, "period"), f"{actual.period} of {company.name}, whose fiscal year ends in month "
                                                f"{company.fiscal_year_end}, is not made of calendar quarters; give "
                                                "the year's figure as value")
        return
    seen: dict[str, int] = {}
    for index, quarter in enumerate(actual.quarters or ()):
        given = parse_period(quarter.period)
        where = (*loc, "quarters", index, "period")
        name = f"{given.first}Q{given.quarter}"
        if not given.quarter:
            yield located.problem(where, f"'{quarter.period}' is not a quarter; give each as 2025Q1")
        elif name not in needed:
            yield located.problem(where, f"{name} is not a quarter of {actual.period} (its quarters: "
                                         f"{', '.join(needed)})")
        elif name in seen:
            yield located.problem(where, f"{name} is given twice (also quarters[{seen[name]}])")
        else:
            seen[name] = index
    missing = [q for q in needed if q not in seen]
    if missing and len(seen) == len(actual.quarters or ()):  # (a wrong quarter is reported above, not again here)
        yield located.problem((*loc, "quarters"), f"{len(seen)} of the 4 quarters of {actual.period} cover part of "
                                                  f"the year; a year's figure needs all four (missing: "
                                                  f"{', '.join(missing)})")


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
    value = to_whole(actual.total, parse_unit(actual.unit), into=inputs.scenario.reporting_currency,
                     rates=exchange_rates(inputs), display_scale=metric.scale.factor)
    if actual.quarters is None:
        reported, sources = written_number(actual.total), tuple(c.ref for c in actual.sources)
    else:
        reported = " + ".join(written_number(q.value) for q in actual.quarters)
        sources = tuple(dict.fromkeys(c.ref for q in actual.quarters for c in q.sources))
    return ReportedFigure(
        company=company.name,
        metric=actual.metric,
        year=year,
        period=actual.period,
        reported=f"{reported} {actual.unit}",
        value=value,
        unit=metric.unit(inputs.scenario.reporting_currency),
        basis=actual.basis,
        confidence=actual.confidence,
        published=actual.as_of,
        sources=sources,
        built=REPORTED_ANNUAL if actual.quarters is None else SUM_OF_QUARTERS,
    )
