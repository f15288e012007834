"""One formatter by kind of figure: every terminal table, markdown block, report and chart label writes its numbers
through these functions, so a figure reads the same everywhere; the kind comes from the catalogue, never a label."""

from __future__ import annotations

import json
import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from model.catalogue import Kind

MISSING = "n/a"
# Decimals a figure of each kind shows by default: money in its display scale to one decimal (12.3 USD bn), counts
# whole (3,017 thousand units), shares and probabilities to one decimal of a percent, plain ratios to two decimals.
DECIMALS: dict[Kind, int] = {
    Kind.money: 1,
    Kind.count: 0,
    Kind.share: 1,
    Kind.ratio: 2,
    Kind.rank: 0,
    Kind.years: 1,
    Kind.probability: 1,
}
INDEX_DECIMALS = 3  # a sensitivity index, a share of variance estimated to about a thousandth
PERCENT_KINDS = frozenset({Kind.share, Kind.probability})
BYTE_UNITS = ("bytes", "KB", "MB", "GB", "TB", "PB")


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, numbers.Real) and math.isnan(value))


def _fixed(value: float, decimals: int, *, sign: bool = False, percent: bool = False) -> str:
    """`value` to `decimals` with thousands separators (x100 with a % sign when `percent`); a value that rounds to
    zero is "0.0", never "-0.0" or "+0.0", so a change that rounds away reads as none."""
    spec = f",.{decimals}{'%' if percent else 'f'}"
    text = format(value, spec)
    if float(text.replace(",", "").rstrip("%")) == 0:
        return format(0.0, spec)
    return format(value, "+" + spec) if sign else text


def figure(value: float | None, kind: Kind, *, decimals: int | None = None, missing: str = MISSING) -> str:
    """A figure of `kind` in its display scale: money "12.3", counts "3,017", shares and probabilities "30.9%",
    ratios "0.45", ranks "2"; `missing` for None or NaN. A probability too small to show but not zero reads "<0.1%",
    so that a rare event is not mistaken for an impossible one."""
    if _missing(value):
        return missing
    places = DECIMALS[kind] if decimals is None else decimals
    if kind in PERCENT_KINDS:
        smallest = 0.5 * 10.0 ** -(places + 2)
        if kind is Kind.probability and 0 < value < smallest:
            return f"<{smallest * 2:.{places}%}"
        return _fixed(value, places, percent=True)
    return _fixed(value, places)


def change(value: float | None, kind: Kind, *, decimals: int | None = None, missing: str = MISSING) -> str:
    """The difference of two figures of `kind`: signed, at the figure's precision, in percentage points for a share
    or probability ("+2.1 pp"); a difference that rounds to zero is unsigned ("0.0", "0.0 pp")."""
    if _missing(value):
        return missing
    places = DECIMALS[kind] if decimals is None else decimals
    if kind in PERCENT_KINDS:
        return _fixed(value, places, sign=True, percent=True).removesuffix("%") + " pp"
    return _fixed(value, places, sign=True)


def relative(fraction: float | None, *, decimals: int = 1, sign: bool = True, missing: str = MISSING) -> str:
    """A relative change or error, given as a fraction of the reference (0.053), in signed percent: "+5.3%",
    "-16.0%", "0.0%" when it rounds to zero (unsigned with `sign=False`, for a mean absolute error); `missing` for
    None or NaN (no reference to divide by)."""
    if _missing(fraction):
        return missing
    return _fixed(fraction, decimals, sign=sign, percent=True)


def count(number: int) -> str:
    """A number of things a command counts (draws, samples, runs of the model), whole with separators: "20,000"."""
    return figure(number, Kind.count)


def seconds(duration: float) -> str:
    """A duration for a progress line: "1.25 s"."""
    return f"{duration:.2f} s"


def interval(low: float, high: float, kind: Kind, *, decimals: int | None = None) -> str:
    """A figure's interval, "10.1-14.8", each bound as `figure` shows it."""
    return f"{figure(low, kind, decimals=decimals)}-{figure(high, kind, decimals=decimals)}"


def byte_size(size: float) -> str:
    """A size in bytes for reading, in powers of 1024: "512 bytes", "1.5 GB"."""
    for unit in BYTE_UNITS:
        if size < 1024 or unit == BYTE_UNITS[-1]:
            return f"{size:,.0f} {unit}" if unit == "bytes" else f"{size:,.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def input_number(value: float) -> str:
    """A number as an input file would write it: shortest form, no separators ("380", "0.05", "1e+15")."""
    return f"{value + 0.0:g}"


def input_value(value: float | Mapping[int, float]) -> str:
    """An assumption's value as the files write it: "380", or a per-year series "2025: 0.17, 2027: 0.1"."""
    if isinstance(value, Mapping):
        return series(value.keys(), [input_number(item) for item in value.values()])
    return input_number(value)


def written_number(value: float) -> str:
    """A reported figure as a source writes it, with thousands separators: 160, 2.5, 1,250, 250,000 (never
    2.5e+05)."""
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,}"


def input_range(low: float, high: float) -> str:
    """An interval as the files write a range: "[350, 420]"."""
    return f"[{input_number(low)}, {input_number(high)}]"


def series(years: Iterable[int], texts: Iterable[str]) -> str:
    """A per-year series of texts as the files and `scenario set` write it: "2025: 0.17, 2027: 0.1"."""
    return ", ".join(f"{year}: {text}" for year, text in zip(years, texts, strict=True))


def significant(values: Iterable[float], digits: int = 4) -> list[str]:
    """Numbers to `digits` significant figures of the largest of them, without exponents or separators (14000, not
    1.4e+04), so that a rounding residue such as 4e-17 beside 0.1 reads as 0."""
    values = [float(value) for value in values]
    scale = max((abs(value) for value in values), default=0.0)
    decimals = digits - 1 - math.floor(math.log10(scale)) if scale > 0 else 0
    texts = []
    for value in values:
        rounded = round(float(value), decimals) + 0.0
        texts.append(f"{rounded:.{decimals}f}".rstrip("0").rstrip(".") if decimals > 0 else f"{rounded:.0f}")
    return texts


def significant_value(values: Iterable[float], years: Sequence[int] | None = None) -> str:
    """An assumption's value(s) (K,) to 4 significant figures: "0.15", or "2025: 0.1, 2027: 0.3" for a series
    given in `years`."""
    texts = significant(values)
    return texts[0] if years is None else series(years, texts)


def approximate(value: float) -> str:
    """A number of no declared kind for reading: three significant figures, large totals with their digits (1,234,
    not 1.23e+03)."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def sensitivity_index(estimate: float, low: float | None = None, high: float | None = None) -> str:
    """A sensitivity index (a share of variance, 0-1, estimated) to three decimals, with its interval when given:
    "0.709 [0.651, 0.767]"."""
    if low is None or high is None:
        return f"{estimate:.{INDEX_DECIMALS}f}"
    return f"{estimate:.{INDEX_DECIMALS}f} [{low:.{INDEX_DECIMALS}f}, {high:.{INDEX_DECIMALS}f}]"


# Charts format numbers in the browser: d3-format specifiers that give the texts above.
D3_SENSITIVITY_INDEX = f".{INDEX_DECIMALS}f"


def d3_format(kind: Kind, *, decimals: int | None = None) -> str:
    """The d3-format specifier of a figure of `kind` in a chart's tooltip or label: ",.1f", ".1%"."""
    places = DECIMALS[kind] if decimals is None else decimals
    return f".{places}%" if kind in PERCENT_KINDS else f",.{places}f"


def d3_relative(*, decimals: int = 1) -> str:
    """The d3-format specifier of a relative change or error held as a fraction: "+.1%"."""
    return f"+.{decimals}%"


# Workbooks format numbers in Excel: number formats that show the texts above while the cells keep the numbers.
EXCEL_YEAR = "0"  # a calendar year: no thousands separator (2,030 is not a year)
EXCEL_DATE = "yyyy-mm-dd"
EXCEL_SENSITIVITY_INDEX = "0." + "0" * INDEX_DECIMALS


def excel_format(kind: Kind, *, decimals: int | None = None, sign: bool = False) -> str:
    """The Excel number format of a figure of `kind` in its display scale, as `figure` writes it: "#,##0.0" for
    money, "#,##0" for counts, "0.0%" for a share or probability held as a fraction; with `sign`, a change that
    shows its plus ("+#,##0.0;-#,##0.0;#,##0.0")."""
    places = DECIMALS[kind] if decimals is None else decimals
    digits = "0." + "0" * places if places else "0"
    body = f"{digits}%" if kind in PERCENT_KINDS else f"#,##{digits}"
    return f"+{body};-{body};{body}" if sign else body


def excel_relative(*, decimals: int = 1) -> str:
    """The Excel number format of a relative change or error held as a fraction, as `relative` writes it:
    "+0.0%;-0.0%;0.0%"."""
    body = f"0.{'0' * decimals}%" if decimals else "0%"
    return f"+{body};-{body};{body}"


def axis_format(kind: Kind) -> str | None:
    """The d3-format of a chart axis of `kind`: percent ticks for shares and probabilities, else Vega-Lite's own."""
    return "%" if kind in PERCENT_KINDS else None


def to_json(data: Any) -> str:
    """Data as the JSON text of every file the tool writes (manifests, results, schemas): keys sorted, two-space
    indents, UTF-8 as is, so that the same data always gives the same bytes."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
