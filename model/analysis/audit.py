"""The source audit of `scenario validate`: whether excerpts state their figures and match their sources' texts,
whether figures given in two currencies agree with our exchange rates, and which assumptions are old.

Rules, in the order `audit_project` applies them:

1. **Figures.** An excerpt's figures are read as sources write them: a number (``380``, ``1,200``, ``31.742``) with
   an optional currency before it (``RMB``, ``CNY``, ``¥``, ``US$``, ``USD``, ``$``, ``HK$``) or after it (``yuan``,
   ``RMB``, ``U.S. dollars``), an optional scale (thousand/k, million/mn/m, billion/bn/b, trillion/tn) and an
   optional percent sign (``%``, ``per cent``, ``percent``); ``half``, ``a third``, ``a quarter`` (and two thirds,
   three quarters) are figures for ratios. A range written ``80-100bn`` gives both ends the scale and currency
   written once. A figure states a value when, in the value's unit, the two agree at the precision of the less
   precise one: the more precise figure, rounded to the digits the other shows, equals it (``14%`` states 0.137,
   ``31.7 billion`` states 31.742 CNY bn, ``RMB 31.742bn`` states 31.7 CNY bn). Money needs a matching currency
   when the figure names one (``US$53bn`` does not state 380 CNY bn); a figure without a scale word is read in the
   unit's own scale or in whole units. A ratio is stated by a percentage or a bare number; signs are not read (a
   "fall of 5%" states -0.05).
2. **Value check** (error). An assumption in a company file or fx.yaml whose citations include no analyst
   judgement claims that its sources state its value: at least one of its excerpts must state it (for a series,
   at least one of its values). Other excerpts may state other figures (sources that disagree, corroboration, a
   part of the whole): the rule asks only that the value is found somewhere, and the error lists the figures the
   excerpts do give. Assumptions citing analyst judgement, and every scenario override (an override always
   carries a rationale, the scenario's own reasoning from its sources to its value), are derived figures: their
   excerpts are evidence for the reasoning, not the value, so the check is skipped for them.
3. **Two currencies** (warning: the source's own conversion, not our error). Two consecutive money figures in
   different currencies joined by at most a bracket and a hedge word ("RMB 380 billion (US$53bn)", "380 billion
   yuan (about 53 billion U.S. dollars)") are a conversion. Its implied rate is compared with ours (fx.yaml, or the
   scenario's override of it): the converted figure is flagged when it lies further from our conversion than
   `FX_TOLERANCE` (2%) or than the rounding of the two figures as written can explain, whichever is larger. Checked
   in every excerpt, and with `--sources` also in the source's text around each excerpt found there. A citation's
   `acknowledged:` reason turns its flagged conversions into findings of severity "acknowledged" (listed with the
   reason, neither error nor warning); an acknowledgement that no finding answers, once every check that could find
   one has run, is a warning (stale).
4. **Source texts** (`--sources DIR`; errors). A source maps to a text through its optional `file:` field in
   sources.yaml, a path relative to DIR (the shipped texts sit in `../shared/sources`, which is not part of the
   project, so DIR is never guessed). Every excerpt citing such a source must occur in that text once whitespace,
   quote marks (‘’“” and straight), dashes and case are normalised. Excerpts of sources without a file are skipped
   and counted in the report.
5. **Age** (`--max-age DAYS`; warning). An assumption of a company file or fx.yaml whose `as_of` lies more than
   DAYS days before the reference date (`--today`, by default today's date) is flagged. The check runs only when
   asked: a validation that fails as the calendar moves, with no change to its inputs, would break every clean
   checkout; how old is too old is a question a reviewer asks on purpose.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from itertools import pairwise
from pathlib import Path
from typing import Any

from model.domain import (
    FX_PREFIX,
    Assumption,
    AssumptionSet,
    Citation,
    Inputs,
    Location,
    Override,
    Scenario,
    Source,
    Value,
    cites_judgement,
)
from model.errors import Problem, Problems
from model.units import MONEY_SCALES, ExchangeRates, parse_unit

# A source's text is an article or a filing's section, not a whole annual report: larger is the wrong file.
# A source's conversion within 2% of ours is the same rate read on another day or rounded; the US$54.5bn given for
# RMB 380bn (2.86% above our US$52.99bn) is the kind of error this is meant to catch.
FX_TOLERANCE = 0.02
JUDGEMENT = "analyst-judgement"

SCALES: dict[str, int] = {
    "thousand": 10**3, "k": 10**3,
    "million": 10**6, "mln": 10**6, "mn": 10**6, "m": 10**6,
    "billion": 10**9, "bln": 10**9, "bn": 10**9, "b": 10**9,
    "trillion": 10**12, "tn": 10**12,
}
SCALE_NAMES = {10**3: "thousand", 10**6: "million", 10**9: "billion", 10**12: "trillion"}
UNIT_SCALE_WORDS = {int(scale): word for word, scale in MONEY_SCALES.items() if word}  # 10**9: "bn", as units write it
CURRENCY_WORDS: dict[str, str] = {
    "us$": "USD", "usd": "USD", "$": "USD", "u.s. dollars": "USD", "u.s. dollar": "USD", "us dollars": "USD",
    "dollars": "USD", "hk$": "HKD", "hkd": "HKD", "rmb": "CNY", "cny": "CNY", "¥": "CNY", "yuan": "CNY",
    "renminbi": "CNY", "eur": "EUR", "€": "EUR", "euros": "EUR", "gbp": "GBP", "£": "GBP", "jpy": "JPY",
}
FRACTIONS: dict[str, Decimal] = {
    "half": Decimal(1) / 2, "a third": Decimal(1) / 3, "one third": Decimal(1) / 3, "two thirds": Decimal(2) / 3,
    "a quarter": Decimal(1) / 4, "one quarter": Decimal(1) / 4, "three quarters": Decimal(3) / 4,
}

# Longer alternatives first: the regex takes the first that fits.
_PRE = r"us\$|hk\$|usd|rmb|cny|hkd|eur|gbp|jpy|\$|¥|€|£"
_POST = r"u\.s\. dollars?|us dollars|dollars|yuan|renminbi|rmb|cny|usd|hkd|euros|eur|gbp|jpy"
_SCALE = "|".join(sorted(SCALES, key=len, reverse=True))
FIGURE = re.compile(
    rf"(?<![\w.,$¥€£])(?:(?P<pre>{_PRE}) ?)?"
    r"(?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?(?!\d)|\d+(?:\.\d+)?)"
    rf"(?: ?(?P<scale>{_SCALE})(?![a-z]))?"
    r"(?: ?(?P<percent>%|per ?cent(?![a-z])|percent(?![a-z])))?"
    rf"(?: ?(?P<post>{_POST})(?![a-z]))?",
    re.IGNORECASE,
)
FRACTION = re.compile(rf"\b(?P<word>{'|'.join(FRACTIONS)})\b", re.IGNORECASE)
RANGE_GAP = re.compile(r"^ ?(?:-|to) ?$", re.IGNORECASE)
# What may stand between a figure and its conversion: a bracket, a comma, "or", and a hedge word.
CONVERSION_GAP = re.compile(
    r"^ ?(?:[(\[,/]|or|i\.e\.)? ?(?:(?:about|approximately|approx\.|approx|around|roughly|some|nearly|almost|"
    r"or|over|more than|~|c\.) ?)?$",
    re.IGNORECASE,
)
QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'", "`": "'",
                        "“": '"', "”": '"', "„": '"', "‟": '"', "″": '"', "«": '"', "»": '"'})
DASHES = re.compile("[\u2010\u2011\u2012\u2013\u2014\u2015\u2212]")
SPACES = re.compile(r"\s+")


# --------------------------------------------------------------------------------------------------------- figures
def normalise(text: str) -> str:
    """Text with compatibility forms, quote marks, dashes and runs of whitespace made uniform (case is kept)."""
    text = unicodedata.normalize("NFKC", text).translate(QUOTES)
    return SPACES.sub(" ", DASHES.sub("-", text)).strip()


@dataclass(frozen=True)
class Figure:
    """A number as a source writes it. `number` is as written (380 in "RMB 380bn"), `scale` the multiplier of its
    scale word (10**9, or 1 without one), `decimals` the digits after its point (None for a word such as "half",
    which is exact); `start` and `end` locate it in the text it was read from."""

    text: str
    number: Decimal
    decimals: int | None
    scale: int = 1
    scaled: bool = False
    percent: bool = False
    currency: str | None = None
    start: int = 0
    end: int = 0

    @property
    def amount(self) -> Decimal:
        """The figure in whole units (380e9 for "RMB 380bn")."""
        return self.number * self.scale

    @property
    def is_year(self) -> bool:
        return (not self.scaled and not self.percent and self.currency is None and self.decimals == 0
                and 1900 <= self.number <= 2100)


def figures_in(text: str) -> list[Figure]:
    """Every figure in `text` (normalised first), in order of appearance."""
    text = normalise(text)
    found = [_figure(match) for match in FIGURE.finditer(text)]
    found += [Figure(m[0], FRACTIONS[m["word"].lower()], None, start=m.start(), end=m.end())
              for m in FRACTION.finditer(text)]
    found.sort(key=lambda f: f.start)
    return _share_range_units(found, text)


def _figure(match: re.Match[str]) -> Figure:
    number = match["number"].replace(",", "")
    scale_word = (match["scale"] or "").lower()
    currency_word = (match["pre"] or match["post"] or "").lower()
    return Figure(
        text=match[0].strip(),
        number=Decimal(number),
        decimals=len(number.partition(".")[2]),
        scale=SCALES.get(scale_word, 1),
        scaled=bool(scale_word),
        percent=bool(match["percent"]),
        currency=CURRENCY_WORDS.get(currency_word),
        start=match.start(),
        end=match.end(),
    )


def _share_range_units(figures: list[Figure], text: str) -> list[Figure]:
    """In "RMB 80-100bn" or "11-14%", the first end takes the scale, percent and currency written once."""
    shared = list(figures)
    for index in range(len(shared) - 1):
        first, second = shared[index], shared[index + 1]
        if first.decimals is None or second.decimals is None or not RANGE_GAP.match(text[first.end:second.start]):
            continue
        if not first.scaled and not first.percent and (second.scaled or second.percent):
            shared[index] = replace(first, scale=second.scale, scaled=second.scaled, percent=second.percent,
                                    currency=first.currency or second.currency)
        if second.currency is None and first.currency is not None:
            shared[index + 1] = replace(second, currency=first.currency)
    return shared


def _decimals(number: Decimal) -> int:
    exponent = number.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _agree(figure: Figure, target: Decimal) -> bool:
    """The two agree at the precision of the less precise: the other, rounded to its digits, equals it."""
    digits = _decimals(target) if figure.decimals is None else min(figure.decimals, _decimals(target))
    step = Decimal(1).scaleb(-digits)
    with localcontext() as context:
        context.prec = 80  # whole units of a trillion-scale figure, with its decimals, exceed the default 28 digits
        try:
            return figure.number.quantize(step, ROUND_HALF_UP) == target.quantize(step, ROUND_HALF_UP)
        except InvalidOperation:  # beyond 80 digits (a value the loader refuses as implausible): no agreement
            return False


def states_value(figure: Figure, value: float, unit: str) -> bool:
    """Whether `figure` states `value` given in `unit` (rules in the module docstring)."""
    parsed = parse_unit(unit)
    exact = Decimal(repr(float(value)))
    if figure.decimals is None:  # a fraction word
        return parsed.kind == "ratio" and _agree(figure, abs(exact))
    if parsed.kind == "money":
        if figure.percent or (figure.currency is not None and figure.currency != parsed.currency):
            return False
        whole = exact * int(parsed.scale)
        if figure.scaled:
            return _agree(figure, whole / figure.scale)
        return _agree(figure, exact) or _agree(figure, whole)
    if figure.currency is not None and parsed.kind != "fx":
        return False
    if parsed.kind == "ratio":
        if figure.scaled:
            return False
        return _agree(figure, abs(exact) * 100 if figure.percent else abs(exact))
    if figure.percent:
        return False
    return _agree(figure, exact / figure.scale)  # years, count, exchange rates


def excerpt_states(excerpt: str, value: Value, unit: str) -> bool:
    """Whether some figure of `excerpt` states the value (for a series, one of its values)."""
    return any(states_value(f, v, unit) for f in figures_in(excerpt) for v in value.values)


def value_forms(value: float, unit: str) -> str:
    """How a source would write `value`, for messages: "380 billion" or "RMB 380bn"; "11%"."""
    parsed = parse_unit(unit)
    if parsed.kind == "ratio":
        return f'"{abs(value) * 100:g}%"'
    if parsed.kind == "money" and int(parsed.scale) in SCALE_NAMES:
        scale = int(parsed.scale)
        return f'"{value:g} {SCALE_NAMES[scale]}" or "{parsed.currency} {value:g}{UNIT_SCALE_WORDS[scale]}"'
    return f'"{value:g}"'


# ----------------------------------------------------------------------------------------------------- conversions
@dataclass(frozen=True)
class Conversion:
    """A figure given in two currencies, `given` then `converted`, against our rates.

    `implied_rate` and `our_rate` are units of `quote` per unit of `per` (the base currency when one of the two is
    it, so a CNY/USD pair reads as CNY per USD like fx.yaml); `ours` is `given` converted at our rates, in the
    currency of `converted`; `deviation` is `converted` over `ours`, minus one.
    """

    given: Figure
    converted: Figure
    quote: str
    per: str
    implied_rate: float
    our_rate: float
    ours: float
    deviation: float
    allowed: float

    @property
    def flagged(self) -> bool:
        return abs(self.deviation) > self.allowed


def conversion_pairs(figures: list[Figure], text: str) -> list[tuple[Figure, Figure]]:
    """Consecutive money figures in two currencies joined by at most a bracket and a hedge word."""
    text = normalise(text)
    pairs = []
    for first, second in pairwise(figures):
        if (first.currency and second.currency and first.currency != second.currency
                and not first.percent and not second.percent and first.decimals is not None
                and second.decimals is not None and CONVERSION_GAP.match(text[first.end:second.start])):
            pairs.append((first, second))
    return pairs


def _rounding(figure: Figure) -> float:
    """The relative error the rounding of a figure as written allows (half a unit of its last digit)."""
    assert figure.decimals is not None
    return float(Decimal(5).scaleb(-figure.decimals - 1) / figure.number) if figure.number else 0.0


def check_conversion(given: Figure, converted: Figure, rates: ExchangeRates,
                     tolerance: float = FX_TOLERANCE) -> Conversion | None:
    """`given` converted as the source did, against `rates`; None without a rate for both."""
    if given.currency not in rates or converted.currency not in rates or not given.amount or not converted.amount:
        return None
    assert given.currency is not None and converted.currency is not None
    ours = float(given.amount) * float(rates.factor(given.currency, converted.currency))
    deviation = float(converted.amount) / ours - 1
    if given.currency == rates.base:
        quote, per, quote_amount, per_amount = converted.currency, given.currency, converted.amount, given.amount
    else:
        quote, per, quote_amount, per_amount = given.currency, converted.currency, given.amount, converted.amount
    allowed = max(tolerance, _rounding(given) + _rounding(converted))
    return Conversion(given, converted, quote, per, float(quote_amount / per_amount), float(rates.factor(per, quote)),
                      ours / converted.scale, deviation, allowed)


def _rate_label(conversion: Conversion, base: str) -> str:
    if conversion.per == base:
        return f"{FX_PREFIX}.{conversion.quote}"
    return f"{FX_PREFIX}.{conversion.quote}/{FX_PREFIX}.{conversion.per}"


def conversion_message(conversion: Conversion, source: str, base: str, where: str = "") -> str:
    """The warning for a flagged conversion: both figures, the rate they imply and ours."""
    scale = SCALE_NAMES.get(conversion.converted.scale, "")
    ours = f"{conversion.converted.currency} {conversion.ours:,.2f}{' ' + scale if scale else ''}"
    side = "above" if conversion.deviation > 0 else "below"
    return (f"'{source}' converts {conversion.given.text} to {conversion.converted.text}{where}: "
            f"{conversion.implied_rate:.4f} {conversion.quote} per {conversion.per} against our "
            f"{conversion.our_rate:g} ({_rate_label(conversion, base)}), which gives {ours}; "
            f"{conversion.converted.text} is {abs(conversion.deviation):.2%} {side} it "
            f"(tolerance {conversion.allowed * 100:.3g}%)")


# ----------------------------------------------------------------------------------------------------- source texts
@dataclass(frozen=True)
class SourceText:
    """A source's text, normalised, with its figures and their conversions read once."""

    name: str  # the path as sources.yaml gives it
    text: str
    figures: list[Figure]
    pairs: list[tuple[Figure, Figure]]

    def find(self, excerpt: str) -> list[tuple[int, int]]:
        """Where the excerpt occurs (start, end in the normalised text), ignoring case."""
        pattern = re.compile(re.escape(normalise(excerpt)), re.IGNORECASE)
        return [(m.start(), m.end()) for m in pattern.finditer(self.text)]

    def pairs_beside(self, start: int, end: int) -> list[tuple[Figure, Figure]]:
        """Conversions touching the span [start, end) that are not wholly inside it (those the excerpt shows)."""
        def inside(f: Figure) -> bool:
            return start <= f.start and f.end <= end

        def touches(f: Figure) -> bool:
            return f.start < end and f.end > start
        return [(a, b) for a, b in self.pairs if (touches(a) or touches(b)) and not (inside(a) and inside(b))]


def source_text(text: str, name: str) -> SourceText:
    text = normalise(text)
    figures = figures_in(text)
    return SourceText(name, text, figures, conversion_pairs(figures, text))


# ------------------------------------------------------------------------------------------------------- the audit
@dataclass(frozen=True)
class AuditSettings:
    """What `audit_project` checks beyond the excerpts themselves."""

    sources_dir: Path | None = None  # check excerpts against the texts sources.yaml names under this folder
    max_age_days: int | None = None  # warn about assumptions older than this...
    today: dt.date | None = None  # ...before this date (default: today's date)
    tolerance: float = FX_TOLERANCE


@dataclass(frozen=True)
class AuditReport:
    """The audit's problems, and how many excerpts were found in source texts or skipped for want of one."""

    problems: tuple[Problem, ...]
    excerpts_in_texts: int = 0
    texts: int = 0
    excerpts_without_text: int = 0
    actuals_files: int = 0  # checked by `validate_and_audit`

    def texts_summary(self) -> str:
        return (f"source texts: {self.excerpts_in_texts} excerpt{'s' * (self.excerpts_in_texts != 1)} checked in "
                f"{self.texts} file{'s' * (self.texts != 1)}; {self.excerpts_without_text} "
                f"excerpt{'s' * (self.excerpts_without_text != 1)} cite sources without a text file (skipped)")


@dataclass(frozen=True)
class _Entry:
    """One assumption or override with where it is written and the rates its conversions are checked against."""

    item: Assumption | Override
    located: Location
    loc: tuple[Any, ...]
    rates: ExchangeRates
    derived: bool  # an override, or a figure resting on analyst judgement: its value is not checked


@dataclass
class _Audit:
    assumption_set: AssumptionSet
    settings: AuditSettings
    problems: Problems
    texts: dict[str, SourceText | None] = field(default_factory=dict)
    in_texts: set[tuple[Path, int | None]] = field(default_factory=set)
    without_text: set[tuple[Path, int | None]] = field(default_factory=set)

    @property
    def base(self) -> str:
        return self.assumption_set.base_currency

    def run(self, entry: _Entry) -> None:
        item = entry.item
        pooled = isinstance(item, Assumption) and item.pooled
        if not entry.derived and isinstance(item, Assumption) and not pooled:
            self.check_value(entry)
        citations = [((*entry.loc, "sources", index), citation) for index, citation in enumerate(item.sources)]
        if pooled:  # each candidate's excerpt states its own figure, and is audited as any excerpt is
            assert isinstance(item, Assumption)
            for index, candidate in enumerate(item.candidates):
                citations.append(((*entry.loc, "candidates", index, "source"), candidate.source))
                self.check_candidate(entry, index, candidate.value, candidate.source)
        for where, citation in citations:
            source = self.assumption_set.sources.get(citation.ref)
            audited = bool(citation.excerpt) and not (source is not None and source.kind == JUDGEMENT)
            found = self.check_citation(entry, (*where, "excerpt"), citation, source) if audited else []
            if citation.acknowledged and not any(found):
                self.check_stale(entry, (*where, "acknowledged"), source, audited)

    def check_candidate(self, entry: _Entry, index: int, value: float, citation: Citation) -> None:
        """A pooled assumption's candidate claims that its source states its figure (analyst judgement aside)."""
        source = self.assumption_set.sources.get(citation.ref)
        unit = entry.item.unit
        assert unit is not None
        if not citation.excerpt or (source is not None and source.kind == JUDGEMENT):
            return
        if excerpt_states(citation.excerpt, Value.of(value), unit):
            return
        found = [f'"{f.text}"' for f in figures_in(citation.excerpt) if not f.is_year]
        given = f"it gives {', '.join(dict.fromkeys(found))}" if found else "it states no figure"
        self.problems.add(entry.located.problem(
            (*entry.loc, "candidates", index, "source", "excerpt"),
            f"the excerpt does not state the candidate's value {value:g} {unit} (as {value_forms(value, unit)}); "
            f"{given}"))

    def check_citation(self, entry: _Entry, where: tuple[Any, ...], citation: Citation,
                       source: Source | None) -> list[bool]:
        """The conversions of an excerpt, and with --sources its text; whether each check found something."""
        assert citation.excerpt is not None
        found = [self.check_pair(entry, where, citation, given, converted)
                 for given, converted in conversion_pairs(figures_in(citation.excerpt), citation.excerpt)]
        if self.settings.sources_dir is not None and source is not None:
            found += self.check_text(entry, where, source, citation)
        return found

    def check_stale(self, entry: _Entry, where: tuple[Any, ...], source: Source | None, audited: bool) -> None:
        """An acknowledgement that no finding answers, once every check that could find one has run (a source
        with a text is checked beside the excerpt only with --sources)."""
        if audited and source is not None and source.file is not None and self.settings.sources_dir is None:
            return
        if audited:
            message = ("acknowledges a finding the audit does not make (stale): no conversion in this excerpt, nor "
                       "beside it in its source's text, disagrees with our rates; remove `acknowledged`")
        else:
            message = ("acknowledges a finding, but the audit reads no excerpt in this citation (analyst judgement "
                       "or none given); remove `acknowledged`")
        self.problems.add(entry.located.problem(where, message, "warning"))

    def check_value(self, entry: _Entry) -> None:
        assumption = entry.item
        assert isinstance(assumption, Assumption)
        excerpts = [c.excerpt for c in assumption.sources if c.excerpt]
        if not excerpts or any(excerpt_states(e, assumption.value, assumption.unit) for e in excerpts):
            return
        values = list(assumption.value.values)
        if len(values) == 1:
            wanted = f"the value {values[0]:g} {assumption.unit} (as {value_forms(values[0], assumption.unit)})"
        else:
            wanted = f"any of its values {', '.join(f'{v:g}' for v in values)} ({assumption.unit})"
        found = [f'"{f.text}"' for e in excerpts for f in figures_in(e) if not f.is_year]
        given = f"the excerpts give {', '.join(dict.fromkeys(found))}" if found else "the excerpts state no figure"
        self.problems.add(entry.located.problem(
            (*entry.loc, "sources"), f"no excerpt states {wanted}; {given}"))

    def check_pair(self, entry: _Entry, where: tuple[Any, ...], citation: Citation, given: Figure,
                   converted: Figure, text_name: str | None = None) -> bool:
        """Report a flagged conversion (acknowledged when the citation says why); whether there was one."""
        conversion = check_conversion(given, converted, entry.rates, self.settings.tolerance)
        if conversion is None or not conversion.flagged:
            return False
        beside = f" in its text {text_name}, beside the excerpt" if text_name else ""
        message = conversion_message(conversion, citation.ref, self.base, beside)
        if citation.acknowledged:
            self.problems.add(entry.located.problem(where, f"{message}; reason: {citation.acknowledged}",
                                                    "acknowledged"))
        else:
            self.problems.add(entry.located.problem(where, message, "warning"))
        return True

    def add_texts(self, texts: dict[str, str | None]) -> None:
        """The texts of the sources, by the file name sources.yaml gives (None for one that could not be read)."""
        for name, text in texts.items():
            self.texts.setdefault(name, source_text(text, name) if text is not None else None)

    def check_text(self, entry: _Entry, where: tuple[Any, ...], source: Source, citation: Citation) -> list[bool]:
        """Whether the excerpt is in its source's text, and the conversions beside it there (each flagged or not);
        an unread text counts as a finding, so that its acknowledgements are not called stale."""
        site = (entry.located.file, entry.located.line(where))
        if source.file is None:
            self.without_text.add(site)
            return []
        text = self.texts.get(source.file)
        if text is None:
            return [True]  # reported once, on the source's entry in sources.yaml
        self.in_texts.add(site)
        assert citation.excerpt is not None
        spans = text.find(citation.excerpt)
        if not spans:
            self.problems.add(entry.located.problem(
                where, f"not found in {source.file}, the text of '{source.id}' (compared ignoring case, spacing, "
                       f"quote marks and dashes)"))
        return [self.check_pair(entry, where, citation, given, converted, source.file)
                for start, end in spans for given, converted in text.pairs_beside(start, end)]

    def check_age(self, entry: _Entry) -> None:
        if self.settings.max_age_days is None or not isinstance(entry.item, Assumption):
            return
        today = self.settings.today or dt.date.today()
        age = (today - entry.item.as_of).days
        if age > self.settings.max_age_days:
            self.problems.add(entry.located.problem(
                (*entry.loc, "as_of"), f"as_of {entry.item.as_of} is {age} days before {today}, older than the "
                                       f"{self.settings.max_age_days} days of --max-age", "warning"))


def _rates(assumption_set: AssumptionSet, overrides: dict[str, Override] | None = None) -> ExchangeRates:
    """The rates conversions are checked against: fx.yaml's, or the scenario's overrides of them. A series, which
    validation refuses as a rate, checks nothing (its error is reported where it is written)."""
    chosen: dict[str, Assumption | Override] = {c: (overrides or {}).get(f"{FX_PREFIX}.{c}") or rate
                                                for c, rate in assumption_set.rates.items()}
    return ExchangeRates(assumption_set.base_currency,
                         {c: rate.value.scalar for c, rate in chosen.items() if not rate.value.is_series})


def _assumption_entries(assumption_set: AssumptionSet) -> Iterator[_Entry]:
    rates = _rates(assumption_set)
    registry = assumption_set.sources
    for currency, rate in assumption_set.rates.items():
        yield _Entry(rate, assumption_set.fx, ("rates", currency), rates,
                     cites_judgement(rate, registry))
    for company in assumption_set.companies:
        for key, assumption in company.assumptions.items():
            yield _Entry(assumption, company.located, ("assumptions", key), rates,
                         cites_judgement(assumption, registry))
    if assumption_set.market_at is not None:  # market.yaml's figures are evidence like a company's
        for key, assumption in assumption_set.market.items():
            yield _Entry(assumption, assumption_set.market_at, ("assumptions", key), rates,
                         cites_judgement(assumption, registry))


# What reads a folder's source texts for the audit (`model.io.source_texts.read_source_texts`, bound to the --sources
# folder): each text by the file name sources.yaml gives, None where it could not be read, and why as problems.
TextReader = Callable[[AssumptionSet], tuple[dict[str, "str | None"], list[Problem]]]


class ProjectAudit:
    """The audit of a project as `loading.load_project` walks it: pass `visit` each (set, None) and (set, scenario)
    it yields, as `validate_project(..., visit=audit.visit)` does, then take the `report`."""

    def __init__(self, settings: AuditSettings | None = None, read_texts: TextReader | None = None) -> None:
        self.settings = settings or AuditSettings()
        self.read_texts = read_texts
        self.problems = Problems()
        self.audits: dict[Path, _Audit] = {}

    def visit(self, assumption_set: AssumptionSet, scenario: Scenario | None) -> None:
        if scenario is None:  # a folder, seen once before any of its scenarios
            audit = self.audits[assumption_set.directory] = _Audit(assumption_set, self.settings, self.problems)
            if self.read_texts is not None:
                texts, problems = self.read_texts(assumption_set)
                audit.add_texts(texts)
                self.problems.extend(problems)
            for entry in _assumption_entries(assumption_set):
                audit.run(entry)
                audit.check_age(entry)
            return
        audit = self.audits[assumption_set.directory]
        rates = _rates(assumption_set, {k: e.override for k, e in scenario.overrides.items()})
        for key, override_entry in scenario.overrides.items():
            audit.run(_Entry(override_entry.override, override_entry.located, ("overrides", key), rates,
                             derived=True))

    def report(self) -> AuditReport:
        done = self.audits.values()
        return AuditReport(
            problems=tuple(self.problems.items),
            excerpts_in_texts=len(set().union(*(a.in_texts for a in done))),
            texts=len({name for a in done for name, text in a.texts.items() if text is not None}),
            excerpts_without_text=len(set().union(*(a.without_text for a in done))),
        )


def audit_inputs(inputs: Inputs) -> tuple[Problem, ...]:
    """What `scenario validate` (without --sources) would reject in a run's loaded inputs, as warnings: a command
    goes on, but says its results rest on unaudited evidence. The audit's own warnings are left to validate."""
    return audit_loaded(inputs.assumptions, [inputs.scenario])


def audit_loaded(assumption_set: AssumptionSet, scenarios: Iterable[Scenario]) -> tuple[Problem, ...]:
    """`audit_inputs` for an assumption set and any of its scenarios, already loaded (each problem once)."""
    audit = ProjectAudit()
    audit.visit(assumption_set, None)
    for scenario in scenarios:
        audit.visit(assumption_set, scenario)
    return tuple(replace(p, severity="warning") for p in audit.problems.items if p.severity == "error")
