"""The unit and period grammar of the input files, and the one conversion of a figure into whole units of the
reporting currency (or of a display scale), for a scalar, a per-year series and an array of draws alike."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from model.errors import ScenarioError

CURRENCY = re.compile(r"^[A-Z]{3}$")
MONEY_SCALES: dict[str, float] = {"": 1.0, "k": 1e3, "mn": 1e6, "bn": 1e9, "tn": 1e12}
# H100e: H100-equivalents per accelerator, its dense BF16 throughput over one Nvidia H100 SXM's (989 TFLOPS), the
# one yardstick that compares the mix of Nvidia, Huawei and in-house parts the companies buy
PLAIN_UNITS = ("ratio", "years", "count", "H100e")
QUARTERS_PER_YEAR = 4

# Every year a file may name (periods, series keys, horizons, dates) lies in this window: the race this tool models
# began well after 1990, and a projection past 2100 is not a forecast. A year outside it is a typo (1025, 20255).
FIRST_YEAR, LAST_YEAR = 1990, 2100
YEAR_WINDOW = f"{FIRST_YEAR}-{LAST_YEAR}"
# FIRST_YEAR..LAST_YEAR as a regular expression, for the JSON Schema patterns
YEAR_PATTERN = r"(?:199[0-9]|20[0-9]{2}|2100)"


def check_year(year: int, what: str) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"{what} {year} lies outside the years {YEAR_WINDOW}")


# ---------------------------------------------------------------------------------------------------------- units
@dataclass(frozen=True)
class Unit:
    """A parsed unit: `kind` is money, fx, ratio, years, count or H100e."""

    kind: str
    currency: str | None = None  # money: its currency; fx: the quoted currency (CNY in "CNY per USD")
    scale: float = 1.0  # money: multiplier to whole currency units
    per: str | None = None  # fx: the base currency (USD in "CNY per USD")


@lru_cache(maxsize=256)
def parse_unit(text: str) -> Unit:
    """Parse `CNY bn`, `USD`, `ratio`, `years`, `count`, `H100e` or `CNY per USD`; raise ValueError listing valid
    forms."""
    words = text.split()
    if len(words) == 1 and words[0] in PLAIN_UNITS:
        return Unit(kind=words[0])
    if len(words) == 3 and words[1] == "per" and CURRENCY.match(words[0]) and CURRENCY.match(words[2]):
        return Unit(kind="fx", currency=words[0], per=words[2])
    if 1 <= len(words) <= 2 and CURRENCY.match(words[0]):
        scale = words[1] if len(words) == 2 else ""
        if scale in MONEY_SCALES:
            return Unit(kind="money", currency=words[0], scale=MONEY_SCALES[scale])
    raise ValueError(
        f"unknown unit '{text}'; valid units: ratio, years, count, H100e, a currency with an optional scale "
        f"({', '.join(s for s in MONEY_SCALES if s)}) such as 'CNY bn' or 'USD', or a rate such as 'CNY per USD'"
    )


_MONEY_UNIT = rf"[A-Z]{{3}}(?:\s+(?:{'|'.join(s for s in MONEY_SCALES if s)}))?"
_FX_UNIT = r"[A-Z]{3}\s+per\s+[A-Z]{3}"
# What parse_unit accepts, as one regular expression (it splits on whitespace, so spacing is free).
UNIT_PATTERN = rf"^\s*(?:{'|'.join(PLAIN_UNITS)}|{_MONEY_UNIT}|{_FX_UNIT})\s*$"
MONEY_UNIT_PATTERN = rf"^\s*{_MONEY_UNIT}\s*$"
FX_UNIT_PATTERN = rf"^\s*{_FX_UNIT}\s*$"


# -------------------------------------------------------------------------------------------------------- periods
@dataclass(frozen=True)
class Period:
    """A parsed period: years `first`..`last`, fiscal or calendar, or one calendar quarter."""

    first: int
    last: int
    fiscal: bool = False
    quarter: int | None = None

    @property
    def is_range(self) -> bool:
        return self.last > self.first

    @property
    def per_year(self) -> int:
        """How many of this period a year holds: a quarterly flow stands for its year at four times the quarter."""
        return QUARTERS_PER_YEAR if self.quarter else 1

    def calendar_years(self, fiscal_year_end: int) -> tuple[int, int]:
        """Calendar years this period stands for; a fiscal year maps to the calendar year holding most of its months.

        A fiscal year ending in month m of year Y covers months m+1..12 of Y-1 and 1..m of Y, so it maps to Y
        when m >= 6 and to Y-1 otherwise (Alibaba's FY2025, April 2024 to March 2025, maps to 2024).
        """
        if not self.fiscal:
            return self.first, self.last
        shift = 0 if fiscal_year_end >= 6 else -1
        return self.first + shift, self.last + shift

    def quarters(self, fiscal_year_end: int) -> tuple[str, ...] | None:
        """The four calendar quarters (2025Q2, ...) that make up this one year, in order; None for a fiscal year
        that does not end with a calendar quarter (its year is not made of whole quarters).

        A fiscal year FY2026 ending in March is 2025Q2, 2025Q3, 2025Q4 and 2026Q1.
        """
        end_month = fiscal_year_end if self.fiscal else 12
        if self.quarter or self.is_range or end_month % 3:
            return None
        last = self.last * 12 + end_month - 1  # months counted from year 0, so that a year boundary is plain
        months = [last - 3 * k for k in (3, 2, 1, 0)]
        return tuple(f"{month // 12}Q{month % 12 // 3 + 1}" for month in months)


_YEAR = r"(FY)?(\d{4})"
PERIOD_RANGE = re.compile(rf"^{_YEAR}(?:\s*-\s*{_YEAR})?$")
PERIOD_QUARTER = re.compile(r"^(\d{4})\s*Q([1-4])$")


@lru_cache(maxsize=256)
def parse_period(text: str) -> Period:
    """Parse `2025`, `2025-2027`, `FY2025`, `FY2026-FY2028` or `2024Q4`; raise ValueError listing valid forms."""
    text = str(text).strip()
    if match := PERIOD_QUARTER.match(text):
        year = int(match[1])
        check_year(year, f"period '{text}': year")
        return Period(first=year, last=year, quarter=int(match[2]))
    if match := PERIOD_RANGE.match(text):
        fiscal_first, first, fiscal_last, last = match.groups()
        if last is not None and bool(fiscal_first) != bool(fiscal_last):
            raise ValueError(f"period '{text}' mixes fiscal and calendar years")
        last = last or first
        for year in {int(first), int(last)}:
            check_year(year, f"period '{text}': year")
        if int(last) < int(first):
            raise ValueError(f"period '{text}' ends before it starts")
        return Period(first=int(first), last=int(last), fiscal=bool(fiscal_first))
    raise ValueError(
        f"unknown period '{text}'; valid forms: 2025, 2025-2027, FY2025, FY2026-FY2028, 2024Q4"
    )


# What parse_period accepts (it strips the text first; both ends of a range are fiscal or neither); a bare year may
# also be a YAML integer.
_Y = YEAR_PATTERN
PERIOD_PATTERN = rf"^\s*(?:FY{_Y}(?:\s*-\s*FY{_Y})?|{_Y}(?:\s*-\s*{_Y})?|{_Y}\s*Q[1-4])\s*$"


# ----------------------------------------------------------------------------------------------------- conversion
Rate = float | np.ndarray  # one rate, or one per draw: shape (D,)
Amount = float | np.ndarray | Mapping[int, float]


@dataclass(frozen=True)
class ExchangeRates:
    """Units of each currency per one `base` currency, as fx.yaml quotes them ("CNY per USD"); the base itself need
    not be listed. A rate is a number, or an array of draws (D,) when the rates are sampled.

    A rate is one value for the whole run: validation refuses a per-year series of rates, since the model converts
    each figure once, at this rate, and grows it in the reporting currency.
    """

    base: str
    per_base: Mapping[str, Rate]

    def __contains__(self, currency: object) -> bool:
        return currency == self.base or currency in self.per_base

    def rate(self, currency: str) -> Rate:
        if currency == self.base:
            return 1.0
        if currency not in self.per_base:
            known = ", ".join(sorted({self.base, *self.per_base}))
            raise ScenarioError(f"currency {currency} has no exchange rate (known: {known})")
        return self.per_base[currency]

    def factor(self, currency: str, into: str) -> Rate:
        """What one unit of `currency` is worth in `into`: a number, or (D,) with sampled rates."""
        return self.rate(into) / self.rate(currency)


def to_whole(amount: Amount, unit: Unit, *, into: str | None = None, rates: ExchangeRates | None = None,
             per_year: int = 1, display_scale: float = 1.0) -> Amount:
    """`amount`, given in `unit`, in units of `display_scale` (1: whole units; 1e9: "bn") of the currency `into`.

    `amount` is a number, a per-year series {year: number} (returned as one, years kept) or an array whose first
    axis is the draws, (D,) or (D, K); sampled `rates` (D,) broadcast along that axis. Money is converted from its
    currency to `into` by `rates` (both required for money); counts, ratios and years are only rescaled.
    `per_year` annualises a flow given for part of a year (4 for a quarter, `Period.per_year`).
    """
    if isinstance(amount, Mapping):
        years = list(amount)
        converted = to_whole(np.array([amount[y] for y in years], dtype=float), unit, into=into, rates=rates,
                             per_year=per_year, display_scale=display_scale)
        return dict(zip(years, converted.tolist(), strict=True))
    # The order of operations is the engine's since its first version, so that outputs stay byte for byte.
    whole = amount * unit.scale * per_year
    if unit.kind == "money":
        if rates is None or into is None:
            raise ValueError(f"converting {unit.currency} needs exchange rates and a currency to convert into")
        factor = rates.factor(unit.currency or "", into)
        if np.ndim(factor) and np.ndim(whole) > np.ndim(factor):  # (D,) rates against (D, K) amounts
            factor = np.reshape(factor, np.shape(factor) + (1,) * (np.ndim(whole) - np.ndim(factor)))
        whole = whole * factor
    return whole / display_scale
