"""Pydantic models of the input files; the unit and period grammars they use are `model.units`.

These models check the shape of one file; rules that need another file (a cited source exists, an override's key
exists, a company has what its horizon needs) live in `loading`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from model.catalogue import CLOUD_BASES, CONFIDENCE_LEVELS, MAX_MONEY
from model.domain.assumptions import EXCERPT_MAX_CHARS, POOL_RULES
from model.domain.colours import COLOUR
from model.units import (
    CURRENCY,
    FIRST_YEAR,
    LAST_YEAR,
    PERIOD_PATTERN,
    UNIT_PATTERN,
    YEAR_PATTERN,
    YEAR_WINDOW,
    check_year,
    parse_period,
    parse_unit,
)

Confidence = Literal[CONFIDENCE_LEVELS]  # type: ignore[valid-type]
CONFIDENCES: tuple[str, ...] = CONFIDENCE_LEVELS
CloudBasis = Literal[CLOUD_BASES]  # type: ignore[valid-type]
SourceKind = Literal["filing", "company-statement", "press", "analyst", "unconfirmed", "analyst-judgement"]


SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def _slug(text: str) -> str:
    if not SLUG.match(text):
        raise ValueError(f"'{text}' is not a slug: use lowercase letters, digits, '-' and '_'")
    return text


def _currency(text: str) -> str:
    if not CURRENCY.match(text):
        raise ValueError(f"'{text}' is not a currency code: use three capital letters such as USD or CNY")
    return text


# The JSON Schema annotations (WithJsonSchema) describe for editors what the validators accept; they change no
# validation. `model.io.json_schema` builds the shipped schema files from them.
Slug = Annotated[str, AfterValidator(_slug), WithJsonSchema({"type": "string", "pattern": SLUG.pattern})]
Currency = Annotated[str, AfterValidator(_currency), WithJsonSchema({"type": "string", "pattern": CURRENCY.pattern})]
NonEmpty = Annotated[str, Field(min_length=1)]


# ---------------------------------------------------------------------------------------------------------- units
def _unit(text: str) -> str:
    parse_unit(text)
    return text


UnitText = Annotated[str, AfterValidator(_unit), WithJsonSchema({"type": "string", "pattern": UNIT_PATTERN})]


# -------------------------------------------------------------------------------------------------------- periods
def _period(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError("a period is a year such as 2025, a range such as 2025-2027, FY2025 or 2024Q4")
    parse_period(str(value))
    return str(value)


PeriodText = Annotated[str, PlainValidator(_period), WithJsonSchema({"anyOf": [
    {"type": "integer", "minimum": FIRST_YEAR, "maximum": LAST_YEAR},
    {"type": "string", "pattern": PERIOD_PATTERN},
]})]


# --------------------------------------------------------------------------------------------------------- values
Series = dict[int, float]


def finite_number(value: object, what: str) -> float:
    """`value` as a finite float; ValueError naming `what` for anything else (nan, inf, an integer past float)."""
    # bool is an int in Python, and "380" would be coerced by pydantic's lax mode: both hide typos in YAML.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{what} must be a number, not {type(value).__name__} {value!r}")
    try:
        number = float(value)
    except OverflowError:
        raise ValueError(f"{what} must be a finite number; an integer of {len(str(abs(value)))} digits is too "
                         "large") from None
    if not math.isfinite(number):
        # YAML reads 1e309 as inf: say so, since the file shows no infinity
        shown = "nan" if math.isnan(number) else f"{number} (a number this large overflows)"
        raise ValueError(f"{what} must be a finite number, not {shown}")
    return number



def _value(value: object) -> float | Series:
    if isinstance(value, dict):
        if not value:
            raise ValueError("a series needs at least one {year: number} entry")
        series: Series = {}
        for year, item in value.items():
            if isinstance(year, bool) or not isinstance(year, int):
                raise ValueError(f"series keys must be years such as 2025, not {year!r}")
            check_year(year, "series key")
            series[year] = finite_number(item, f"the value for {year}")
        return dict(sorted(series.items()))
    return finite_number(value, "value")


# Series keys are years FIRST_YEAR-LAST_YEAR (JSON object keys are strings: YAML's 2025 arrives as "2025").
YEAR_KEY_PATTERN = rf"^{YEAR_PATTERN}$"
SERIES_SCHEMA = {"type": "object", "propertyNames": {"pattern": YEAR_KEY_PATTERN},
                 "additionalProperties": {"type": "number"}, "minProperties": 1}
Value = Annotated[float | Series, PlainValidator(_value), WithJsonSchema({"anyOf": [{"type": "number"},
                                                                                    SERIES_SCHEMA]})]


def _range(value: object) -> tuple[float, float]:
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise ValueError("range must be a list of two numbers [low, high]")
    low, high = (finite_number(v, "each end of the range") for v in value)
    if low > high:
        raise ValueError(f"range low {low:g} is above high {high:g}")
    return low, high


Range = Annotated[tuple[float, float], PlainValidator(_range), WithJsonSchema(
    {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2})]


def _date(value: object) -> dt.date:
    # read_yaml has already refused dates that do not exist (2025-02-30), with their line
    if isinstance(value, dt.datetime):
        if value.time() != dt.time(0) or value.tzinfo is not None:
            raise ValueError(f"a date is written 2025-02-24, without a time of day, not {value.isoformat()}")
        value = value.date()
    if not isinstance(value, dt.date):
        if isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value)
            except ValueError:
                raise ValueError(f"'{value}' is not a real date in the form 2025-02-24") from None
        else:
            raise ValueError(f"a date is written 2025-02-24, not {type(value).__name__} {value!r}")
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"date {value} lies outside the years {YEAR_WINDOW}")
    return value


Date = Annotated[dt.date, PlainValidator(_date), WithJsonSchema({"type": "string", "format": "date"})]


def _source_file(value: object) -> str:
    # The text is read under the --sources folder: a path that could leave it is refused here, before any read.
    if not isinstance(value, str) or not value.strip():
        raise ValueError("file is a path relative to the sources folder, such as seeds/003.txt")
    parts = value.replace("\\", "/").split("/")
    if value.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", value) or ".." in parts or "\0" in value:
        raise ValueError(f"'{value}' must be a path inside the sources folder (relative, without '..')")
    return value


SourceFile = Annotated[str, PlainValidator(_source_file), WithJsonSchema(
    {"type": "string", "pattern": r"^(?![/\\])(?![A-Za-z]:)(?!.*(?:^|[/\\])\.\.(?:[/\\]|$)).+$"})]


def _check_value_in_range(value: float | Series | None, bounds: tuple[float, float] | None) -> None:
    if bounds is None or value is None:  # (a pooled assumption has no value of its own, nor a range: see Assumption)
        return
    if isinstance(value, dict):
        raise ValueError("an explicit range needs a single value; a series moves as one by its confidence")
    low, high = bounds
    if not low <= value <= high:
        raise ValueError(f"value {value:g} lies outside its range [{low:g}, {high:g}]")


def _month(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 12:
        raise ValueError(f"fiscal_year_end is the month the fiscal year ends, 1 to 12, not {value!r}")
    return value


Month = Annotated[int, PlainValidator(_month), WithJsonSchema({"type": "integer", "minimum": 1, "maximum": 12})]


def _colour(value: object) -> str:
    if not isinstance(value, str) or not COLOUR.match(value):
        raise ValueError(f"colour is a hex colour such as '#d55e00', not {value!r}")
    return value.lower()


Colour = Annotated[str, PlainValidator(_colour), WithJsonSchema({"type": "string", "pattern": COLOUR.pattern})]


# ------------------------------------------------------------------------------------------------------- the files
class Strict(BaseModel):
    """Base of every file model: unknown keys are errors, and loaded files are not edited in place."""

    # attribute docstrings become the fields' descriptions in the JSON Schema that editors show
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class Source(Strict):
    """One registered source: an article, filing, call or the team's own judgement."""

    id: Slug
    """The id that citations give as `ref`: lowercase letters, digits, '-' and '_'."""
    title: NonEmpty
    publisher: NonEmpty
    date: Date
    """Publication date (ISO, 2025-02-24)."""
    url: str | None = None
    kind: SourceKind
    """filing, company-statement, press, analyst, unconfirmed or analyst-judgement (the team's own reasoning)."""
    file: SourceFile | None = None
    """The source's text, relative to the sources folder (e.g. seeds/003_5b1e114000de48f6.txt)."""
    notes: str | None = None


class SourcesFile(Strict):
    """assumptions/sources.yaml: the source registry."""

    sources: list[Source] = Field(min_length=1)
    """One entry per source; ids are unique."""

    @model_validator(mode="after")
    def _unique_ids(self) -> SourcesFile:
        seen: set[str] = set()
        for source in self.sources:
            if source.id in seen:
                raise ValueError(f"source id '{source.id}' appears twice")
            seen.add(source.id)
        return self


class ReportRef(Strict):
    """A citation: a registered source and the short phrase in it that states the figure."""

    ref: NonEmpty
    """A source id from assumptions/sources.yaml."""
    excerpt: Annotated[str, Field(min_length=1, max_length=EXCERPT_MAX_CHARS)] | None = None
    """The short verbatim phrase that states the figure (at most 120 characters)."""
    locator: str | None = None
    """Where in the source: a page, section or paragraph."""
    rationale: NonEmpty | None = None
    """Why this figure; required when citing analyst judgement."""


def _reason(text: str) -> str:
    if not text.strip():
        raise ValueError("an acknowledgement needs its reason: why the finding is a known, documented conflict")
    return text.strip()


Reason = Annotated[str, AfterValidator(_reason), WithJsonSchema({"type": "string", "pattern": r"\S"})]


class SourceRef(ReportRef):
    """A citation of an assumption or override: a registered source, the short phrase in it that states the
    figure, and the audit's findings on that phrase that are known conflicts (reported figures' citations,
    `ReportRef`, are not audited, so they have nothing to acknowledge)."""

    acknowledged: Reason | None = None
    """Why the source audit's warning on this excerpt (its conversion between currencies disagrees with fx.yaml)
    is a known, documented conflict: the finding is still listed, marked acknowledged, but is no warning."""


class _InRange(Strict):
    """A figure whose value lies within its explicit 90% interval, where it has one (`value` and `range` fields)."""

    @model_validator(mode="after")
    def _value_within_range(self) -> _InRange:
        _check_value_in_range(self.value, self.range)  # type: ignore[attr-defined]
        return self


class Vintage(_InRange):
    """An earlier value of an assumption or override, with the evidence it rested on then; the model never uses it."""

    value: Value
    """The value then: a number, or a per-year series."""
    unit: UnitText | None = None
    """The unit then, when it differed from the current one."""
    period: PeriodText | None = None
    """The period then, when it differed from the current one."""
    confidence: Confidence
    range: Range | None = None
    """The explicit 90% interval then, if it had one."""
    as_of: dt.date
    """When that value was known."""
    replaced: dt.date | None = None
    """When a later value replaced it."""
    sources: list[SourceRef] = Field(min_length=1)
    """The citations that value rested on."""
    rationale: NonEmpty | None = None
    """An override's rationale then."""
    notes: str | None = None


# An explicit weight multiplies the one its source's kind and age give a candidate (model.core.uncertainty's
# SOURCE_WEIGHTS): a thousandfold either way is far past any judgement of one source against another.
MAX_WEIGHT = 1000.0


def _weight(value: object) -> float:
    weight = finite_number(value, "weight")
    if weight <= 0:
        raise ValueError(f"weight {weight:g} must be above zero (leave a candidate out rather than weigh it at zero)")
    if weight > MAX_WEIGHT:
        raise ValueError(f"weight {weight:g} is above {MAX_WEIGHT:g}, the largest multiplier")
    return weight


Weight = Annotated[float, PlainValidator(_weight, json_schema_input_type=float), WithJsonSchema(
    {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_WEIGHT})]


def _single(value: object) -> float:
    if isinstance(value, dict):
        raise ValueError("a candidate's value is a single number: a pool mixes single figures, not series")
    return finite_number(value, "value")


SingleValue = Annotated[float, PlainValidator(_single, json_schema_input_type=float),
                        WithJsonSchema({"type": "number"})]
PoolRule = Literal[POOL_RULES]  # type: ignore[valid-type]
MIN_CANDIDATES = 2


class Candidate(_InRange):
    """One source's figure for a pooled assumption: a component of its mixture, weighed by its source's kind and
    age (and `weight`)."""

    value: SingleValue
    """The figure this source gives, in the assumption's unit and for its period."""
    source: SourceRef
    """The citation that states it: {ref, excerpt, locator?}."""
    as_of: Date | None = None
    """When the figure was known (default: its source's date); its age at the scenario's as_of lowers its weight."""
    confidence: Confidence | None = None
    """high, medium or low: the width of its component unless `range` is given (default: the assumption's)."""
    range: Range | None = None
    """Its component's explicit 90% interval [low, high], holding the value."""
    weight: Weight | None = None
    """A multiplier (above 0, at most 1000) on the weight its source's kind and age give it; say why in notes."""
    unit: UnitText | None = None
    """The assumption's unit, if written here (it must be the same: a pool mixes figures of one unit)."""
    period: PeriodText | None = None
    """The assumption's period, if written here (it must be the same)."""
    notes: str | None = None


class Assumption(_InRange):
    """One sourced figure, or several sources' figures pooled into one distribution."""

    value: Value | None = None
    """A number, or a per-year series {2025: 0.17, 2027: 0.10} where the key allows one (or give candidates)."""
    unit: UnitText
    """CCY [k|mn|bn|tn] (CNY bn, USD), ratio, years, count or H100e; an exchange rate is 'CNY per USD'."""
    period: PeriodText
    """The year or years it describes: 2025, 2025-2027, FY2025, FY2026-FY2028 or 2024Q4."""
    confidence: Confidence
    """high, medium or low: sets the width of its distribution unless `range` is given."""
    range: Range | None = None
    """An explicit 90% interval [low, high] holding the value."""
    as_of: Date
    """When the figure was known (ISO date)."""
    sources: list[SourceRef] = Field(min_length=1)
    """At least one citation: {ref, excerpt, locator?} (analyst judgement: {ref, rationale})."""
    notes: str | None = None
    """Caveats: fiscal year, conflicts between sources and which one the value uses."""
    history: list[Vintage] = Field(default_factory=list)
    """The assumption's earlier values (vintages), oldest first, each with its sources; `scenario set` adds them."""
    basis: CloudBasis | None = None
    """What a cloud revenue figure counts (cloud.revenue_base only, and required there): segment-reported (the
    segment as reported, sales to the group included), external-only, or market-share-estimate."""
    candidates: list[Candidate] | None = None
    """Several sources' figures, pooled by `pool` into one distribution whose median is the value shown (in place
    of `value`): each {value, source, as_of?, confidence?, range?, weight?}."""
    pool: PoolRule | None = None
    """How candidates are pooled: linear (a linear opinion pool, the weighted mixture of their distributions)."""

    @field_validator("candidates")
    @classmethod
    def _several(cls, candidates: list[Candidate] | None) -> list[Candidate] | None:
        if candidates is not None and len(candidates) < MIN_CANDIDATES:
            raise ValueError(f"a pool needs at least {MIN_CANDIDATES} candidates, not {len(candidates)}: give a "
                             "single figure as value")
        return candidates

    @model_validator(mode="after")
    def _value_or_candidates(self) -> Assumption:
        if self.candidates is None:
            if self.value is None:
                raise ValueError("give value (one figure), or candidates (several sources' figures) with pool: linear")
            if self.pool is not None:
                raise ValueError("pool says how candidates are pooled; this assumption has none (give candidates, "
                                 "or leave pool out)")
            return self
        if self.value is not None:
            raise ValueError("give value or candidates, not both: a pooled assumption's value is its pool's median")
        if self.pool is None:
            raise ValueError(f"candidates need their pooling rule: pool: {' or '.join(POOL_RULES)}")
        if self.range is not None:
            raise ValueError("a pooled assumption's spread comes from its candidates: give each candidate its own "
                             "range instead")
        return self


class CompanyFile(Strict):
    """assumptions/<company>.yaml: one company's assumptions."""

    company: Slug
    """Equal to the file's name without .yaml."""
    name: NonEmpty
    """Shown in tables and charts."""
    fiscal_year_end: Month = 12
    """The month the fiscal year ends (12: calendar years)."""
    colour: Colour | None = None
    """The company's colour in every chart and the workbook ('#d55e00'); without it, a palette colour fixed by
    its name."""
    notes: str | None = None
    assumptions: dict[str, Assumption] = Field(min_length=1)
    """Keyed by the catalogue's dotted keys (capex.plan_total, cloud.growth, ...)."""


class FxFile(Strict):
    """assumptions/fx.yaml: exchange rates, themselves sourced assumptions."""

    base_currency: Currency
    """The currency every rate is quoted against (USD)."""
    rates: dict[Currency, Assumption]
    """Keyed by currency; each rate's unit is '<CCY> per <base>'. Scenarios override them as fx.<CCY>."""


class MarketFile(Strict):
    """assumptions/market.yaml: the China cloud market every company's cloud.market_share is a share of."""

    notes: str | None = None
    assumptions: dict[str, Assumption] = Field(min_length=1)
    """cloud.total_base (money, a flow) and cloud.total_growth (ratio); scenarios override them as market.<key>."""


class Override(_InRange):
    """A scenario's replacement for one assumption; unit and period default to the assumption's own."""

    value: Value
    """The new number, or a per-year series {2025: 0.17, 2027: 0.10} where the key allows one."""
    unit: UnitText | None = None
    """The assumption's unit unless given."""
    period: PeriodText | None = None
    """The assumption's period unless given."""
    rationale: NonEmpty
    """Why the scenario departs from the assumption."""
    confidence: Confidence
    range: Range | None = None
    """An explicit 90% interval [low, high] holding the value."""
    as_of: Date | None = None
    """When the figure was known (default: the latest date of its sources)."""
    sources: list[SourceRef] = Field(min_length=1)
    """At least one citation: {ref, excerpt, locator?} (analyst judgement: {ref, rationale})."""
    notes: str | None = None
    history: list[Vintage] = Field(default_factory=list)
    """The override's earlier values (vintages), oldest first, each with its sources and rationale."""
    basis: CloudBasis | None = None
    """An override of cloud.revenue_base may restate its basis; the assumption's own unless given."""


def _horizon(value: object) -> tuple[int, int]:
    if not isinstance(value, (list, tuple)) or len(value) != 2 or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        raise ValueError("horizon must be two years [first, last], such as [2025, 2030]")
    first, last = value
    for year in (first, last):
        check_year(year, "horizon year")
    if last < first:
        raise ValueError(f"horizon ends ({last}) before it starts ({first})")
    return first, last


Horizon = Annotated[tuple[int, int], PlainValidator(_horizon), WithJsonSchema(
    {"type": "array", "items": {"type": "integer", "minimum": FIRST_YEAR, "maximum": LAST_YEAR},
     "minItems": 2, "maxItems": 2})]


def _pair(value: object) -> tuple[str, str]:
    if not isinstance(value, (list, tuple)) or len(value) != 2 or not all(isinstance(v, str) for v in value):
        raise ValueError("keys must be two assumption keys, such as [alibaba.accelerators.unit_price, "
                         "tencent.accelerators.unit_price]")
    if value[0] == value[1]:
        raise ValueError(f"a correlation needs two different keys, not {value[0]} twice")
    return value[0], value[1]


Pair = Annotated[tuple[str, str], PlainValidator(_pair), WithJsonSchema(
    {"type": "array", "items": {"type": "string"}, "minItems": 2, "maxItems": 2})]


def _rank(value: object) -> float:
    rank = finite_number(value, "rank")
    if not -1.0 <= rank <= 1.0:
        raise ValueError(f"rank {rank:g} lies outside [-1, 1]")
    return rank


Rank = Annotated[float, PlainValidator(_rank), WithJsonSchema({"type": "number", "minimum": -1, "maximum": 1})]


class Correlation(Strict):
    """A rank (Spearman) correlation between two assumptions, applied through a Gaussian copula."""

    keys: Pair
    """Two assumption keys, such as [alibaba.accelerators.unit_price, tencent.accelerators.unit_price]."""
    rank: Rank
    """Spearman rank correlation, -1 to 1."""
    rationale: NonEmpty


class ScenarioFile(Strict):
    """scenarios/<name>.yaml: a scenario, its narrative and the assumptions it overrides."""

    name: Slug
    """Equal to the file's name without .yaml."""
    description: NonEmpty
    """The scenario's narrative."""
    extends: str | None = None
    """The scenario it builds on (base); settings left out come from it."""
    horizon: Horizon | None = None
    """First and last year: [2025, 2030]."""
    reporting_currency: Currency | None = None
    """The currency every output is shown in."""
    as_of: Date | None = None
    """The information cut-off: sources dated later are flagged."""
    overrides: dict[str, Override] = Field(default_factory=dict)
    """Keyed <company>.<key> (tencent.capex.intensity) or fx.<CCY>."""
    correlations: list[Correlation] = Field(default_factory=list)
    """Rank correlations between assumptions, applied through a Gaussian copula."""


# ----------------------------------------------------------------------------------------------- reported figures
# A count of accelerators bought or installed: a trillion is far above every chip ever made.
MAX_COUNT = 1e12
BASES = ("outturn", "plan", "estimate")
Basis = Literal[BASES]  # type: ignore[valid-type]


def _positive(value: object) -> float:
    number = finite_number(value, "value")
    if number <= 0:
        raise ValueError(f"a reported figure must be positive, not {number:g}")
    return number


PositiveNumber = Annotated[float, PlainValidator(_positive, json_schema_input_type=float),
                           WithJsonSchema({"type": "number", "exclusiveMinimum": 0})]


class ReportedQuarter(Strict):
    """One quarter of a year's flow, as a source stated it; an actual's four quarters add up to its year."""

    period: PeriodText
    """The calendar quarter: 2025Q3."""
    value: PositiveNumber
    """The quarter's figure (not annualised), in the actual's unit."""
    sources: list[ReportRef] = Field(min_length=1)
    """The reports that state it: {ref, excerpt, locator?}."""
    notes: str | None = None


class Actual(Strict):
    """One reported figure: a company's metric in one year, as a source stated it, or as the sum of its four
    reported quarters."""

    company: Slug
    """The company's slug, as its file is named (bytedance)."""
    metric: NonEmpty
    """A metric the model projects year by year that companies report (the catalogue's backtest view)."""
    value: PositiveNumber | None = None
    """The year's figure as reported, in `unit` (or give `quarters` instead)."""
    unit: UnitText
    """CCY [k|mn|bn|tn] for money, count for accelerators."""
    period: PeriodText
    """The one year it covers: 2025 or FY2026."""
    basis: Basis
    """outturn: the period's reported result; plan: a budget or plan for it; estimate: an analyst's estimate."""
    confidence: Confidence
    as_of: Date
    """When the figure was published (for quarters: when the last of them was)."""
    sources: list[ReportRef] = Field(default_factory=list)
    """The reports that state the year's figure: {ref, excerpt, locator?} (with quarters, each cites its own)."""
    quarters: list[ReportedQuarter] | None = Field(default=None, min_length=1)
    """A flow's year as its four reported quarters, summed by the loader, in place of `value` and `sources`."""
    notes: str | None = None

    @model_validator(mode="after")
    def _plausible(self) -> Actual:
        if self.quarters is None:
            if self.value is None:
                raise ValueError("give the year's figure as value (with its sources), or its four quarters as "
                                 "quarters")
            if not self.sources:
                raise ValueError("value needs its sources: the reports that state it")
        elif self.value is not None or self.sources:
            raise ValueError("give the year's figure as value with its sources, or its four quarters as quarters "
                             "(each with its sources), not both")
        unit = parse_unit(self.unit)
        # compared in the unit's own scale, so that 1e308 CNY bn cannot overflow on the way
        upper = MAX_MONEY / unit.scale if unit.kind == "money" else MAX_COUNT if unit.kind == "count" else math.inf
        if self.total > upper:
            raise ValueError(f"value {self.total:g} {self.unit} is above {upper:g} {self.unit}, the largest "
                             "plausible figure")
        return self

    @property
    def total(self) -> float:
        """The year's figure: `value`, or the sum of the quarters."""
        return self.value if self.quarters is None else math.fsum(q.value for q in self.quarters)  # type: ignore


class ActualsFile(Strict):
    """assumptions/actuals/<name>.yaml: reported figures that `scenario backtest` holds projections against."""

    actuals: list[Actual] = Field(min_length=1)
    """One entry per reported figure."""
