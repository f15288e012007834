"""Scenarios, their overrides and correlations, and a scenario resolved against an assumption set."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from model.domain.assumptions import Assumption, AssumptionSet, Company, Override
from model.domain.location import Location
from model.errors import Problem, display_path
from model.units import parse_period


@dataclass(frozen=True)
class Correlation:
    """A rank (Spearman) correlation between two assumptions, applied through a Gaussian copula."""

    keys: tuple[str, str]
    rank: float
    rationale: str


@dataclass(frozen=True)
class ScenarioDefinition:
    """One scenario file as written, before its `extends` chain is applied (settings it leaves out are None)."""

    name: str
    description: str
    extends: str | None
    horizon: tuple[int, int] | None
    reporting_currency: str | None
    as_of: dt.date | None
    overrides: dict[str, Override]
    correlations: tuple[Correlation, ...]


@dataclass(frozen=True)
class OverrideEntry:
    key: str
    override: Override
    scenario: str
    located: Location
    # the same key's override in a scenario further up the `extends` chain, which this one shadows
    replaces: OverrideEntry | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class CorrelationEntry:
    keys: tuple[str, str]
    rank: float
    rationale: str
    located: Location
    index: int  # position in its file's `correlations` list


@dataclass(frozen=True)
class Scenario:
    """A scenario with its `extends` chain applied: settings from the nearest file that sets them."""

    name: str
    description: str
    horizon: tuple[int, int]
    reporting_currency: str
    as_of: dt.date
    chain: tuple[str, ...]  # this scenario first, then what it extends
    files: tuple[Path, ...]
    overrides: dict[str, OverrideEntry]
    located: Location
    correlation_entries: tuple[CorrelationEntry, ...] = ()

    @property
    def correlations(self) -> dict[tuple[str, str], float]:
        """Rank correlations by pair of keys (a child's entry for a pair replaces its parent's)."""
        return {entry.keys: entry.rank for entry in self.correlation_entries}

    @property
    def years(self) -> range:
        return range(self.horizon[0], self.horizon[1] + 1)


@dataclass(frozen=True)
class ResolvedAssumption:
    """One assumption as a scenario uses it: the company file's, or a scenario's override of it."""

    key: str  # "alibaba.capex.plan_total", or "fx.CNY"
    company: Company | None
    parameter: str  # "capex.plan_total", or "fx"
    assumption: Assumption
    file: Path
    line: int | None
    overridden_by: str | None = None
    rationale: str | None = None
    # for an override, the assumption as the scenario it extends resolves it: the file's, or an earlier override
    replaces: ResolvedAssumption | None = field(default=None, compare=False, repr=False)

    @property
    def fiscal_year_end(self) -> int:
        return self.company.fiscal_year_end if self.company else 12

    @property
    def where(self) -> str:
        """`file:line` where the value used is written."""
        return f"{display_path(self.file)}:{self.line}" if self.line else display_path(self.file)


def plan_window(plan: ResolvedAssumption) -> tuple[int, int]:
    """The calendar years a plan spreads over (fiscal years mapped)."""
    return parse_period(plan.assumption.period).calendar_years(plan.fiscal_year_end)


@dataclass(frozen=True)
class Inputs:
    """A scenario resolved against an assumption set: what a run needs, with provenance."""

    scenario: Scenario
    assumptions: AssumptionSet
    resolved: dict[str, ResolvedAssumption]
    warnings: tuple[Problem, ...]

    @property
    def companies(self) -> tuple[Company, ...]:
        return self.assumptions.companies

    @property
    def files(self) -> tuple[Path, ...]:
        return (*self.scenario.files, *self.assumptions.files)

    def of(self, company: Company) -> dict[str, ResolvedAssumption]:
        """A company's assumptions keyed by parameter."""
        return {r.parameter: r for r in self.resolved.values() if r.company is company}


@dataclass(frozen=True)
class ProjectInputs:
    """A whole project loaded: its assumption set and every scenario, checked and resolved (one side of a review)."""

    label: str  # "HEAD", "working tree", a revision as given, or a folder
    assumptions: AssumptionSet
    scenario_files: dict[str, tuple[ScenarioDefinition, Location]]  # each scenario file as written, by name
    scenarios: dict[str, Inputs]  # each scenario resolved (its `extends` chain and overrides applied), by name
