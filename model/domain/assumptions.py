"""Sources, citations and assumptions, and the companies and assumption sets that hold them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from model.domain.location import Location
from model.domain.value import Value

# The prefix of an exchange rate's key (fx.CNY), in place of a company's slug.
FX_PREFIX = "fx"
# An excerpt quotes the phrase that states a figure; anything longer is a sentence, which the sources' terms
# of use (and good citation practice) rule out.
EXCERPT_MAX_CHARS = 120


@dataclass(frozen=True, kw_only=True)
class Source:
    """One registered source: an article, filing, call or the team's own judgement (fields in the file's order)."""

    id: str
    title: str
    publisher: str
    date: dt.date
    url: str | None = None
    kind: str  # filing, company-statement, press, analyst, unconfirmed or analyst-judgement
    file: str | None = None  # the source's text, relative to the sources folder
    notes: str | None = None


@dataclass(frozen=True)
class Citation:
    """A registered source and the short phrase in it that states the figure."""

    ref: str
    excerpt: str | None = None
    locator: str | None = None
    rationale: str | None = None  # why this figure: what analyst judgement gives in place of an excerpt
    acknowledged: str | None = None  # why the audit's finding on this excerpt is a known conflict, not a warning


@dataclass(frozen=True)
class Vintage:
    """An earlier value of an assumption or override, with the evidence it rested on then; the model never uses it."""

    value: Value
    confidence: str
    as_of: dt.date
    sources: tuple[Citation, ...]
    unit: str | None = None  # when it differed from the current one
    period: str | None = None
    range: tuple[float, float] | None = None
    replaced: dt.date | None = None
    rationale: str | None = None
    notes: str | None = None


@dataclass(frozen=True, kw_only=True)
class Candidate:
    """One source's figure for a pooled assumption: a component of the pool, in the assumption's unit and period."""

    value: float
    source: Citation
    as_of: dt.date  # when the figure was known: the candidate's date, else its source's
    confidence: str  # sets the component's width unless `range` is given; the assumption's own unless given
    range: tuple[float, float] | None = None  # the component's explicit 90% interval
    weight: float | None = None  # an explicit multiplier on the weight its source's kind and age give it
    notes: str | None = None
    unit: str | None = None  # as written, if written: the loader refuses one that is not the assumption's
    period: str | None = None


# The one pooling rule: a linear opinion pool, the weighted mixture of the candidates' distributions.
POOL_RULES = ("linear",)


@dataclass(frozen=True)
class Assumption:
    """One sourced figure: its value in `unit` over `period` (as written: CNY bn, FY2025), with its evidence.

    A pooled assumption lists its sources' `candidates` instead of one value: its distribution is their mixture
    under `pool`, with `weights` (normalised, in the candidates' order) from each source's kind and age, and its
    `value` is the mixture's median (both worked out when the file is loaded, and again against a scenario's as_of).
    """

    value: Value
    unit: str
    period: str
    confidence: str  # high, medium or low
    as_of: dt.date
    sources: tuple[Citation, ...]
    range: tuple[float, float] | None = None  # an explicit 90% interval
    notes: str | None = None
    history: tuple[Vintage, ...] = ()
    basis: str | None = None  # what a cloud revenue figure counts (catalogue.CLOUD_BASES); only that key has one
    candidates: tuple[Candidate, ...] = ()
    pool: str | None = None  # one of POOL_RULES, for a pooled assumption
    weights: tuple[float, ...] = ()  # the candidates' normalised weights, summing to 1

    @property
    def pooled(self) -> bool:
        return bool(self.candidates)

    @property
    def citations(self) -> tuple[Citation, ...]:
        """Every citation: the assumption's sources, then each candidate's."""
        return (*self.sources, *(c.source for c in self.candidates))


@dataclass(frozen=True)
class Override:
    """A scenario's replacement for one assumption; unit, period and as_of default to the assumption's own."""

    value: Value
    rationale: str
    confidence: str
    sources: tuple[Citation, ...]
    unit: str | None = None
    period: str | None = None
    range: tuple[float, float] | None = None
    as_of: dt.date | None = None
    notes: str | None = None
    history: tuple[Vintage, ...] = ()
    basis: str | None = None  # a cloud revenue override may restate its basis; else it keeps the one it replaces


def cites_judgement(assumption: Assumption | Override, registry: dict[str, Source]) -> bool:
    """True when the figure involves the team's judgement: it cites analyst judgement, alone or beside evidence."""
    citations = assumption.citations if isinstance(assumption, Assumption) else assumption.sources
    return any(c.ref in registry and registry[c.ref].kind == "analyst-judgement" for c in citations)


@dataclass(frozen=True)
class Company:
    slug: str
    name: str
    fiscal_year_end: int  # the month its fiscal year ends (12: calendar years)
    assumptions: dict[str, Assumption]
    located: Location
    colour: str | None = None  # "#rrggbb" from its file; else `colours.company_colours` gives its palette slot


class _Everything(frozenset):
    """A set that holds every name: what stands for all of a file's entries when the file did not load."""

    def __contains__(self, item: object) -> bool:
        return True


EVERYTHING: frozenset[str] = _Everything()


@dataclass(frozen=True)
class Unloaded:
    """What did not load; its errors are reported where it is written, so nothing that refers to it is reported
    again (an override of it, a correlation naming it, a citation of it, a currency it would define)."""

    sources: frozenset[str] = frozenset()  # source ids, or EVERYTHING when sources.yaml did not load
    currencies: frozenset[str] = frozenset()  # currencies of fx.yaml, or EVERYTHING when it did not load
    keys: frozenset[str] = frozenset()  # "alpha.capex.plan_total"
    companies: frozenset[str] = frozenset()  # slugs of company files that did not load at all

    def covers(self, key: str) -> bool:
        prefix, _, rest = key.partition(".")
        if prefix == FX_PREFIX:
            return rest in self.currencies
        return key in self.keys or prefix in self.companies

    def incomplete(self, company: Company) -> bool:
        return any(key.partition(".")[0] == company.slug for key in self.keys)


class Registry(dict[str, Source]):
    """The source registry by id; `unloaded` holds the ids of entries that did not load (citing them is not
    reported as citing an unknown source)."""

    def __init__(self, sources: Iterable[Source] = (), unloaded: frozenset[str] = frozenset()):
        super().__init__((s.id, s) for s in sources)
        self.unloaded = unloaded


@dataclass(frozen=True)
class AssumptionSet:
    """Everything under assumptions/: the source registry, the companies (in name order) and exchange rates."""

    directory: Path
    sources: dict[str, Source]
    companies: tuple[Company, ...]
    base_currency: str
    rates: dict[str, Assumption]
    fx: Location
    files: tuple[Path, ...]
    unloaded: Unloaded = field(default_factory=Unloaded)
    market: dict[str, Assumption] = field(default_factory=dict)  # market.yaml's, by its key (cloud.total_base)
    market_at: Location | None = None  # market.yaml, where it loaded

    @property
    def currencies(self) -> frozenset[str]:
        """The currencies with a rate, and those of rates that did not load (every one, when fx.yaml did not)."""
        if isinstance(self.unloaded.currencies, _Everything):
            return EVERYTHING
        return frozenset({self.base_currency, *self.rates, *self.unloaded.currencies})
