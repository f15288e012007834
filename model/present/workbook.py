"""The Excel workbook of each result: its tables as sheets with real number formats (by the catalogue's kinds),
frozen headers, filters and fitted columns, and a first sheet saying what the workbook is; data in, bytes out."""

from __future__ import annotations

import datetime as dt
import io
import math
import numbers
import re
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from model import format
from model.analysis.attribution import ATTRIBUTION_COLUMNS, EFFECT_COLUMNS
from model.analysis.backtest import Backtest
from model.analysis.compare import Comparison, reference_and_others
from model.analysis.projection import RunResult, bases_differ, headline
from model.analysis.register import OVERRIDE_COLUMNS, OVERRIDE_HEADERS, REGISTER_HEADERS, distribution_table
from model.analysis.review import Review
from model.analysis.sensitivity import SensitivityResult
from model.catalogue import HEADLINE, METRICS, Kind
from model.core.simulation import PERCENTILES
from model.present.charts import BASIS_MARK
from model.present.report import UNAUDITED_BANNER
from model.present.run import SAMPLER_NAMES, basis_lines

Cell = str | float | int | bool | dt.date | None

# Excel's specifications and limits: longer texts, links and sheet names are refused or cut by Excel itself.
MAX_CELL_TEXT = 32767
MAX_URL = 2079
MAX_SHEET_NAME = 31
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_NAME_RESERVED = "history"  # Excel keeps a sheet of this name for its change tracking
TRUNCATED = " [...]"
# Only web addresses become links: a `file:`, `javascript:` or relative url from a YAML file stays text.
LINKABLE = re.compile(r"^https?://[^\s]+$", re.IGNORECASE)
# Column widths in characters: fitted to the longest cell within these bounds; text longer than the widest wraps.
MIN_WIDTH, MAX_WIDTH = 8, 60
HEADER_WIDTH = 16  # a longer header wraps onto more lines rather than widen its column
# Lines above a table (the description of a scenario) are frozen with its header only while the frozen rows are
# this few lines of text, so a long narrative never fills a screen that cannot scroll.
MAX_FROZEN_LINES = 20
LINE_HEIGHT = 15  # points, a line of Excel's default 11 pt font
MAX_ROW_HEIGHT = 409  # points, Excel's tallest row
PRINT_FIT_WIDTH = 240  # characters of columns: about two landscape pages at 100%
HEADER_FILL = "#e8edf2"
LINK_COLOUR = "#0b5cad"
# A workbook of a result without an information date (a review, a comparison of saved runs) carries this fixed
# creation date, never the time it was made, so that the same inputs give the same bytes.
FIXED_CREATED = dt.datetime(2000, 1, 1)
AUTHOR = "scenario"


# --------------------------------------------------------------------------------------------- what a sheet holds
@dataclass(frozen=True)
class Column:
    """One column of a table: its header and cells, each cell's Excel number format (one for all, or one per row),
    and optionally per row a link (an http(s) URL) and a fill (a company's "#rrggbb")."""

    header: str
    values: tuple[Cell, ...]
    formats: str | tuple[str | None, ...] | None = None
    links: tuple[str | None, ...] = ()
    fills: tuple[str | None, ...] = ()
    header_fill: str | None = None

    def number_format(self, row: int) -> str | None:
        return self.formats if not isinstance(self.formats, tuple) else self.formats[row]


@dataclass(frozen=True)
class Line:
    """A line above a sheet's table: a label and its value (text, a number or a date) with its number format."""

    label: str
    value: Cell
    number_format: str | None = None


@dataclass(frozen=True)
class Sheet:
    """A sheet: lines about it, then one table (which may be empty); `frozen_columns` stay in view when scrolling
    right (the table's row labels)."""

    name: str
    columns: tuple[Column, ...] = ()
    lines: tuple[Line, ...] = ()
    frozen_columns: int = 0


@dataclass(frozen=True)
class Book:
    """A workbook: its title and creation date (document properties; None for FIXED_CREATED) and its sheets."""

    title: str
    created: dt.date | dt.datetime | None
    sheets: tuple[Sheet, ...]


# ---------------------------------------------------------------------------------------------- cells and names
def finite(value: Any) -> Cell:
    """A cell's value: numbers as floats (None for NaN or an infinity, which Excel cannot hold: a blank cell),
    booleans and dates as they are, anything else as its text."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Real):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, dt.date):
        return value
    return str(value)


def cell_text(text: str) -> str:
    """`text` within Excel's limit for a cell, marked where it was cut."""
    return text if len(text) <= MAX_CELL_TEXT else text[: MAX_CELL_TEXT - len(TRUNCATED)] + TRUNCATED


def link(url: str | None) -> str | None:
    """`url` if a cell may link to it: http(s), without spaces, within Excel's length; else None (shown as text)."""
    return url if url and len(url) <= MAX_URL and LINKABLE.match(url) else None


def sheet_name(name: str, taken: Iterable[str] = ()) -> str:
    """`name` as Excel allows a sheet's: none of []:*?/\\, no apostrophe at either end, at most 31 characters, and
    unlike (ignoring case) every name in `taken` and Excel's own "History"."""
    clean = SHEET_NAME_FORBIDDEN.sub("-", name).strip("'").strip() or "Sheet"
    used = {item.lower() for item in taken} | {SHEET_NAME_RESERVED}
    candidate, number = clean[:MAX_SHEET_NAME], 1
    while candidate.lower() in used:
        number += 1
        suffix = f" ({number})"
        candidate = clean[: MAX_SHEET_NAME - len(suffix)] + suffix
    return candidate


def header(name: str) -> str:
    """A table column's header for reading: "relative_error" -> "Relative error"; the percentile columns by name."""
    known = {f"p{p:g}": f"{_ordinal(p)} percentile" for p in PERCENTILES} | {"mean": "Mean", "p50": "Median"}
    if name in known:
        return known[name]
    text = name.replace("_", " ")
    return text[:1].upper() + text[1:]


def _ordinal(number: float) -> str:
    whole = int(number)
    suffix = "th" if 10 <= whole % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(whole % 10, "th")
    return f"{whole}{suffix}"


def text_colour(fill: str) -> str:
    """Black or white, whichever reads better on `fill` ("#rrggbb"), by its relative luminance (WCAG)."""
    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(fill[i:i + 2]) for i in (1, 3, 5))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "#000000" if (luminance + 0.05) / 0.05 >= 1.05 / (luminance + 0.05) else "#ffffff"


def _decimals(number_format: str) -> int:
    body = number_format.split(";")[0]
    return len(body.split(".")[1].rstrip("%\"").rstrip()) if "." in body else 0


def shown_width(value: Cell, number_format: str | None) -> int:
    """About how many characters `value` takes as Excel shows it in `number_format` (the longest line of a text)."""
    if isinstance(value, str):
        return max(map(len, value.splitlines())) if "\n" in value else len(value)
    if value is None:
        return 0
    if isinstance(value, bool):
        return 5
    if isinstance(value, dt.date):
        return 10
    if isinstance(value, float):
        fmt = number_format or "General"
        if "%" in fmt:
            return len(f"{value * 100:+,.{_decimals(fmt)}f}") + 1
        if "#" in fmt or "0" in fmt:
            return len(f"{value:+,.{_decimals(fmt)}f}")
        return len(f"{value:.10g}")
    return max((len(part) for part in str(value).splitlines()), default=0)


def column_width(column: Column) -> tuple[int, bool]:
    """A column's width in characters, fitted to its header and cells within MIN_WIDTH-MAX_WIDTH, and whether its
    text wraps (a cell longer than the widest)."""
    longest_word = max((len(word) for word in column.header.split()), default=0)
    needed = max([min(len(column.header), HEADER_WIDTH), longest_word],
                 default=0)
    cells = max((shown_width(v, column.number_format(row)) for row, v in enumerate(column.values)), default=0)
    width = max(needed, cells) + 2
    return max(MIN_WIDTH, min(width, MAX_WIDTH)), cells + 2 > MAX_WIDTH


# ----------------------------------------------------------------------------------------------------- to bytes
def to_xlsx(book: Book) -> bytes:
    """The workbook's .xlsx bytes: the same book gives the same bytes (fixed creation date, fixed zip dates)."""
    import xlsxwriter  # here, not at the top: only a command that writes a workbook pays for the import

    buffer = io.BytesIO()
    # every cell is written as what it is: a text from a YAML file that starts with "=" stays text, never a formula
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                            "strings_to_numbers": False, "nan_inf_to_errors": False,
                                            "max_url_length": MAX_URL})
    created = book.created or FIXED_CREATED
    if not isinstance(created, dt.datetime):
        created = dt.datetime.combine(created, dt.time())
    workbook.set_properties({"title": book.title, "author": AUTHOR, "created": created})
    formats = _Formats(workbook)
    taken: list[str] = []
    for sheet in book.sheets:
        name = sheet_name(sheet.name, taken)
        taken.append(name)
        _write_sheet(workbook.add_worksheet(name), sheet, formats)
    workbook.close()
    return buffer.getvalue()


class _Formats:
    """The workbook's cell formats, made once per combination (Excel keeps a table of them)."""

    def __init__(self, workbook: Any):
        self.workbook = workbook
        self.made: dict[tuple[Any, ...], Any] = {}

    def __call__(self, number_format: str | None = None, *, fill: str | None = None, bold: bool = False,
                 wrap: bool = False, linked: bool = False, border: bool = False, left: bool = False) -> Any:
        key = (number_format, fill, bold, wrap, linked, border, left)
        if key not in self.made:
            spec: dict[str, Any] = {"valign": "top"}
            if number_format:
                spec["num_format"] = number_format
            if fill:
                spec |= {"bg_color": fill, "font_color": text_colour(fill), "pattern": 1}
            if bold:
                spec["bold"] = True
            if wrap:
                spec["text_wrap"] = True
            if linked:
                spec |= {"font_color": LINK_COLOUR, "underline": 1}
            if border:
                spec["bottom"] = 1
            if left:
                spec["align"] = "left"
            self.made[key] = self.workbook.add_format(spec)
        return self.made[key]


def _write_cell(worksheet: Any, row: int, col: int, value: Cell, number_format: str | None, formats: _Formats, *,
                url: str | None = None, fill: str | None = None, wrap: bool = False, left: bool = False) -> None:
    if value is None:
        if fill:  # a blank cell keeps its company's colour
            worksheet.write_blank(row, col, None, formats(fill=fill))
        return
    if isinstance(value, bool):
        worksheet.write_boolean(row, col, value, formats(fill=fill, left=left))
    elif isinstance(value, (float, int)):
        worksheet.write_number(row, col, float(value), formats(number_format, fill=fill, left=left))
    elif isinstance(value, dt.date):
        when = value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())
        worksheet.write_datetime(row, col, when, formats(number_format or format.EXCEL_DATE, fill=fill, left=left))
    elif (target := link(url)) is not None:
        worksheet.write_url(row, col, target, formats(linked=True, wrap=wrap), string=cell_text(value))
    else:
        worksheet.write_string(row, col, cell_text(value), formats(fill=fill, wrap=wrap))


def wrapped_lines(text: Cell, width: int) -> int:
    """How many lines `text` takes wrapped at word breaks in a column `width` characters wide (1 for a number)."""
    if not isinstance(text, str) or len(text) <= width - 2 and "\n" not in text:
        return 1
    return sum(max(1, len(textwrap.wrap(part, max(width - 2, 1)))) for part in text.splitlines() or [""])


def _set_height(worksheet: Any, row: int, lines: int) -> None:
    """Give a row of wrapped text its lines' height: neither Excel nor LibreOffice fits it on opening a file."""
    if lines > 1:
        worksheet.set_row(row, min(LINE_HEIGHT * lines, MAX_ROW_HEIGHT))


def _write_sheet(worksheet: Any, sheet: Sheet, formats: _Formats) -> None:
    widths = [column_width(column) for column in sheet.columns]
    worksheet.set_landscape()
    # a sheet at most two landscape pages wide prints on one page's width; a wider one (the register) across pages,
    # with its row labels repeated, as shrinking it would leave its text too small to read
    if sheet.lines or sum(width for width, _ in widths) <= PRINT_FIT_WIDTH:
        worksheet.fit_to_pages(1, 0)
    elif sheet.frozen_columns:
        worksheet.repeat_columns(0, sheet.frozen_columns - 1)
    for col, (width, _) in enumerate(widths):
        worksheet.set_column(col, col, width)
    row = 0
    if sheet.lines:
        label_width = max(len(line.label) for line in sheet.lines) + 2
        first = widths[0][0] if widths else 0
        worksheet.set_column(0, 0, max(first, min(label_width, MAX_WIDTH)))
        # a line's value spans the table's columns after the first (at least a readable width), merged
        span_columns = max(len(sheet.columns) - 1, 1)
        span = max(sum(width for width, _ in widths[1:]), MAX_WIDTH)
        if not widths[1:]:
            worksheet.set_column(1, 1, span)
        heights = [wrapped_lines(line.value, span) for line in sheet.lines]
        for line, height in zip(sheet.lines, heights, strict=True):
            worksheet.write_string(row, 0, line.label, formats(bold=True))
            value = finite(line.value)
            wrap = isinstance(value, str) and height > 1
            # left-aligned: a number or date at the right end of a merged line would sit far from its label
            if span_columns > 1:
                worksheet.merge_range(row, 1, row, span_columns, None,
                                      formats(line.number_format, wrap=wrap, left=True))
            _write_cell(worksheet, row, 1, value, line.number_format, formats, wrap=wrap, left=True)
            _set_height(worksheet, row, height)
            row += 1
        if not sheet.columns:
            return
        row += 1
    else:
        heights = []
    if not sheet.columns:
        return
    top = row
    for col, column in enumerate(sheet.columns):
        worksheet.write_string(top, col, cell_text(column.header),
                               formats(fill=column.header_fill or HEADER_FILL, bold=True, wrap=True, border=True))
    _set_height(worksheet, top, max(wrapped_lines(c.header, width) for c, (width, _) in zip(sheet.columns, widths,
                                                                                            strict=True)))
    rows = len(sheet.columns[0].values)
    lines = [1] * rows
    for col, column in enumerate(sheet.columns):
        width, wrap = widths[col]
        for index, value in enumerate(column.values):
            cell = finite(value)
            _write_cell(worksheet, top + 1 + index, col, cell, column.number_format(index), formats,
                        url=column.links[index] if column.links else None,
                        fill=column.fills[index] if column.fills else None, wrap=wrap)
            if wrap:
                lines[index] = max(lines[index], wrapped_lines(cell, width))
    for index, count in enumerate(lines):
        _set_height(worksheet, top + 1 + index, count)
    worksheet.autofilter(top, 0, top + rows, len(sheet.columns) - 1)
    worksheet.repeat_rows(top)  # each printed page starts with the header
    frozen_rows = top + 1 if sum(heights) + top - len(heights) + 1 <= MAX_FROZEN_LINES else 0
    worksheet.freeze_panes(frozen_rows, sheet.frozen_columns)


# ------------------------------------------------------------------------------------------------ tables to sheets
def frame_columns(frame: pd.DataFrame, formats: Mapping[str, str | tuple[str | None, ...] | None] | None = None, *,
                  fills: Mapping[str, tuple[str | None, ...]] | None = None,
                  links: Mapping[str, tuple[str | None, ...]] | None = None,
                  named: Iterable[str] = (), headers: Mapping[str, str] | None = None) -> tuple[Column, ...]:
    """A frame's columns, each headed by `headers` (by column name) or else `header` (a column in `named`, such as a
    scenario's label, by its own name), with its number format from `formats` (by column name; a year column is a
    plain integer) and `fills` and `links` by column name."""
    named, headers = set(named), headers or {}
    formats, fills, links = formats or {}, fills or {}, links or {}
    columns = []
    for name in frame.columns:
        values = tuple(frame[name].tolist())
        fmt = formats.get(name)
        if fmt is None and name == "year":
            fmt = format.EXCEL_YEAR
        title = headers.get(name) or (str(name) if name in named else header(str(name)))
        columns.append(Column(title, values, fmt, links.get(name, ()), fills.get(name, ())))
    return tuple(columns)


def row_formats(metrics: Iterable[str], *, sign: bool = False) -> tuple[str | None, ...]:
    """Per row, the number format of its metric's kind (None for a key the catalogue does not know)."""
    return tuple(format.excel_format(METRICS[m].kind, sign=sign) if m in METRICS else None for m in metrics)


def kind_formats(kinds: Iterable[Kind | None], *, sign: bool = False) -> tuple[str | None, ...]:
    return tuple(format.excel_format(kind, sign=sign) if kind is not None else None for kind in kinds)


def _dates(values: Iterable[object]) -> list[Cell]:
    """ISO date texts as dates (a cell Excel sorts and filters as a date); anything else as it is."""
    found: list[Cell] = []
    for value in values:
        try:
            found.append(dt.date.fromisoformat(value) if isinstance(value, str) else finite(value))
        except ValueError:
            found.append(value)
    return found


def about_sheet(title: str, lines: Sequence[Line]) -> Sheet:
    """The first sheet of a workbook without a headline: what it is and what it was made from."""
    return Sheet("About", lines=(Line("Workbook", title), *lines))


# --------------------------------------------------------------------------------------------------------- a run
def _company_fills(companies: Iterable[object], colours: Mapping[str, str]) -> tuple[str | None, ...]:
    return tuple(colours.get(str(company)) for company in companies)


def _company_column_fills(frame: pd.DataFrame, colours: Mapping[str, str]) -> dict[str, tuple[str | None, ...]]:
    """A table's company column filled with each company's colour, as a run's sheets and charts show it."""
    return {"company": _company_fills(frame["company"], colours)} if "company" in frame.columns else {}


def headline_sheet(result: RunResult, colours: Mapping[str, str]) -> Sheet:
    """The first sheet: the scenario (name, narrative, information date, horizon, currency, draws) and its
    headline figures as numbers, a row per figure and a column per company; with draws, each company's median and
    5th and 95th percentiles in columns of their own."""
    scenario, projection = result.scenario, result.projection
    simulation = projection.simulation
    lines = [Line("Scenario", scenario.name), Line("Description", scenario.description.strip()),
             Line("Information as of", scenario.as_of, format.EXCEL_DATE),
             Line("Horizon", f"{scenario.horizon[0]}-{scenario.horizon[1]}"),
             Line("Reporting currency", scenario.reporting_currency),
             Line("Extends", " -> ".join(scenario.chain[1:]) or "nothing")]
    statistics = [("value", "")]
    if simulation is not None:
        lines += [Line("Draws", simulation.draws, format.excel_format(Kind.count)),
                  Line("Seed", simulation.seed, format.EXCEL_YEAR),
                  Line("Sampler", SAMPLER_NAMES.get(simulation.sampler, simulation.sampler))]
        statistics += [("p50", " median"), ("p5", " 5th percentile"), ("p95", " 95th percentile")]
        lines.append(Line("Figures", "Each figure with every assumption at its value, then for each company its "
                                     f"median and 5th and 95th percentiles over {format.count(simulation.draws)} draws "
                                     "(the charts draw the medians)."))
    else:
        lines.append(Line("Figures", "Each figure with every assumption at its value."))
    if notes := basis_lines(projection):
        lines.append(Line("Cloud revenue bases", " ".join(notes)))
    if result.problems:
        lines.append(Line("Warning", f"{UNAUDITED_BANNER}: " + "; ".join(str(p) for p in result.problems)))
    first, last = int(projection.years[0]), int(projection.years[-1])
    labels = [cell.label(first, last, projection.reporting_currency) for cell in HEADLINE]
    formats = kind_formats(METRICS[cell.metric].kind for cell in HEADLINE)
    marked = bases_differ(projection.cloud_bases())  # the note above says what the mark means
    shown = [f"{label} {BASIS_MARK}" if marked and METRICS[cell.metric].on_cloud_basis else label
             for label, cell in zip(labels, HEADLINE, strict=True)]
    columns = [Column("Figure", tuple(shown))]
    for statistic, suffix in statistics:
        table = headline(projection, statistic)
        for company in projection.companies:
            columns.append(Column(f"{company}{suffix}", tuple(table.loc[company, label] for label in labels),
                                  formats, header_fill=colours.get(company)))
    # each company's columns side by side: Alpha, Alpha median, Alpha 5th..., Beta, ...
    by_company = sorted(range(1, len(columns)), key=lambda i: (i - 1) % len(projection.companies))
    return Sheet("Headline", (columns[0], *(columns[i] for i in by_company)), tuple(lines), frozen_columns=1)


def projection_sheet(result: RunResult, colours: Mapping[str, str]) -> Sheet:
    """The tidy projection: a row per company, year and metric, with its label; the value (and with draws the mean
    and percentiles) in the metric's number format."""
    tidy = result.projection.tidy()
    tidy.insert(tidy.columns.get_loc("metric") + 1, "label", tidy["metric"].map(lambda m: METRICS[m].label))
    figures = row_formats(tidy["metric"])
    numbers_of = [name for name in ("value", "mean", *(f"p{p:g}" for p in PERCENTILES)) if name in tidy.columns]
    return Sheet("Projection", frame_columns(tidy, dict.fromkeys(numbers_of, figures),
                                             fills={"company": _company_fills(tidy["company"], colours)}),
                 frozen_columns=2)


def race_sheets(result: RunResult, colours: Mapping[str, str]) -> tuple[Sheet, ...]:
    """Who leads and who overtakes whom (a run with draws): probabilities in percent."""
    projection = result.projection
    if projection.simulation is None:
        return ()
    sheets = []
    for name, frame in (("Leads", projection.leads()), ("Overtakes", projection.overtakes())):
        frame = frame.copy()
        frame.insert(frame.columns.get_loc("metric") + 1, "label", frame["metric"].map(lambda m: METRICS[m].label))
        sheets.append(Sheet(name, frame_columns(frame, {"probability": format.excel_format(Kind.probability)},
                                                fills={"company": _company_fills(frame["company"], colours)}),
                            frozen_columns=2))
    return tuple(sheets)


def first_order_sheets(result: RunResult) -> tuple[Sheet, ...]:
    """The heatmaps' first-order indices, every assumption (a run with enough draws)."""
    projection = result.projection
    if projection.simulation is None or projection.simulation.first_order is None:
        return ()
    frame = projection.first_order()
    frame.insert(frame.columns.get_loc("metric") + 1, "label", frame["metric"].map(lambda m: METRICS[m].label))
    return (Sheet("First-order", frame_columns(frame, {"first_order": format.EXCEL_SENSITIVITY_INDEX}),
                  frozen_columns=2),)


def _number_or_text(value: float | Mapping[int, float] | str) -> Cell:
    """A scalar as a number; a per-year series (or its text) as the files write it."""
    if isinstance(value, Mapping):
        return format.input_value(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return float(value)


def overrides_sheets(result: RunResult, colours: Mapping[str, str]) -> tuple[Sheet, ...]:
    """What the scenario changes: each override of its `extends` chain against the value it replaces (the report's
    table), values as numbers and dates as dates; none for a scenario that overrides nothing."""
    frame = result.overrides
    if frame.empty:
        return ()
    # the report's "Now" and "Was" sentences repeat the value and unit columns, which a workbook keeps as numbers
    frame = frame[[name for name in OVERRIDE_COLUMNS if name not in ("stated", "replaced_stated")]]
    frame = frame.assign(value=[_number_or_text(v) for v in frame["value"]],
                         replaced_value=[_number_or_text(v) for v in frame["replaced_value"]],
                         as_of=_dates(frame["as_of"]), replaced_as_of=_dates(frame["replaced_as_of"]))
    return (Sheet("Overrides", frame_columns(frame, {"as_of": format.EXCEL_DATE, "replaced_as_of": format.EXCEL_DATE},
                                             fills={"company": _company_fills(frame["company"], colours)},
                                             headers=OVERRIDE_HEADERS), frozen_columns=2),)


def register_sheet(result: RunResult, colours: Mapping[str, str]) -> Sheet:
    """The assumption register: a row per assumption, its value as a number, its distribution's 5th, 50th and 95th
    percentiles, each source in a cell of its own (linked to its url) beside its excerpt, the notes and history."""
    items, titles = result.assumptions, REGISTER_HEADERS
    register = result.register.set_index("key").to_dict("index")
    urls = dict(zip(result.sources["id"], result.sources["url"], strict=True))
    distributions = distribution_table(items).set_index("key").to_dict("index")
    # a pooled assumption's citations are its own, then its candidates'
    most = max((len(item.assumption.citations) for item in items), default=0)
    keys = [item.key for item in items]
    companies = [item.company.name if item.company else "" for item in items]
    columns = [
        Column(titles["key"], tuple(keys)),
        Column(titles["company"], tuple(companies), fills=_company_fills(companies, colours)),
        Column(titles["value"], tuple(_number_or_text(item.assumption.value.plain()) for item in items)),
        Column(titles["unit"], tuple(item.assumption.unit for item in items)),
        Column(titles["period"], tuple(item.assumption.period for item in items)),
        Column(titles["confidence"], tuple(item.assumption.confidence for item in items)),
        Column("Distribution", tuple(distributions[key]["distribution"] for key in keys)),
        *(Column(f"{_ordinal(p)} percentile" if p != 50 else "Median",
                 tuple(_number_or_text(distributions[key][column]) for key in keys))
          for p, column in ((5, "p5"), (50, "p50"), (95, "p95"))),
        Column(titles["source_kinds"], tuple(register[key]["source_kinds"] for key in keys)),
        Column(titles["as_of"], tuple(item.assumption.as_of for item in items), format.EXCEL_DATE),
    ]
    for position in range(most):
        cited = [item.assumption.citations[position] if position < len(item.assumption.citations) else None
                 for item in items]
        columns.append(Column(f"Source {position + 1}", tuple(c.ref if c else None for c in cited),
                              links=tuple(urls.get(c.ref) if c else None for c in cited)))
        columns.append(Column(f"Excerpt {position + 1}", tuple(_evidence(c) for c in cited)))
    columns.append(Column(titles["overridden_by"], tuple(register[key]["overridden_by"] or None for key in keys)))
    columns.append(Column(titles["notes"], tuple(register[key]["notes"] or None for key in keys)))
    if "history" in result.register.columns:
        columns.append(Column(titles["history"], tuple(register[key]["history"] or None for key in keys)))
    return Sheet("Register", tuple(columns), frozen_columns=2)


def _evidence(citation: Any) -> str | None:
    """A citation's excerpt (with where in the source it stands), or the rationale of a judgement."""
    if citation is None:
        return None
    if citation.excerpt:
        return f"{citation.excerpt} ({citation.locator})" if citation.locator else citation.excerpt
    return f"judgement: {citation.rationale}" if citation.rationale else None


def sources_sheet(sources: pd.DataFrame) -> Sheet:
    """The sources the assumptions cite: their url linked, their date a date."""
    frame = sources.assign(date=_dates(sources["date"]))
    return Sheet("Sources", frame_columns(frame, links={"url": tuple(sources["url"].tolist())}), frozen_columns=1)


def run_book(result: RunResult, colours: Mapping[str, str]) -> Book:
    """A run's workbook: Headline, Overrides (of a scenario that overrides any), Projection, Leads and Overtakes
    (with draws), First-order (with enough draws for the heatmaps), Register and Sources."""
    return Book(f"Scenario '{result.scenario.name}'", result.scenario.as_of, (
        headline_sheet(result, colours),
        *overrides_sheets(result, colours),
        projection_sheet(result, colours),
        *race_sheets(result, colours),
        *first_order_sheets(result),
        register_sheet(result, colours),
        sources_sheet(result.sources),
    ))


# -------------------------------------------------------------------------------------------- the other commands
# The columns of the sensitivity methods' tables that hold the explained figure (in its metric's unit) or an index
# (a share of variance); the inputs' own ends are each in their key's unit, so left General.
SENSITIVITY_INPUTS = ("input_low", "input_high")
SENSITIVITY_FIGURES = ("output_low", "output_high", "base", "swing")
SENSITIVITY_INDICES = ("first_order", "first_order_low", "first_order_high", "total_order", "total_order_low",
                       "total_order_high", "variance_share", "shapley", "shapley_low", "shapley_high",
                       "standard_error")


def sensitivity_book(result: SensitivityResult) -> Book:
    """A sensitivity analysis's workbook: what it explains, then each of its tables on a sheet."""
    metric = METRICS[result.metric]
    lines = [Line("Command", f"scenario sensitivity {result.scenario} --method {result.method}"),
             Line("Scenario", result.scenario),
             Line("Information as of", result.as_of, format.EXCEL_DATE),
             Line("Explains", f"{metric.label} ({result.unit}) in {result.year}")]
    for name, value in result.settings.items():
        if name == "companies":
            lines.append(Line("Companies", ", ".join(map(str, value)) or "every company"))
        elif name not in ("method", "metric", "year"):
            lines.append(Line(header(name), _setting(value)))
    lines += [Line("Note", note) for note in (*result.notes, *result.warnings)]
    figure = format.excel_format(metric.kind)
    formats: dict[str, str | tuple[str | None, ...] | None] = {
        **dict.fromkeys(SENSITIVITY_FIGURES, figure),
        **dict.fromkeys(SENSITIVITY_INDICES, format.EXCEL_SENSITIVITY_INDEX),
        "rank": format.EXCEL_YEAR,
    }
    sheets = []
    for name, table in result.tables.items():
        # an input's ends are written as its file writes it: a number as a number, a series as its text
        ends = {column: [_number_or_text(v) for v in table[column]] for column in SENSITIVITY_INPUTS
                if column in table.columns}
        sheets.append(Sheet(header(name), frame_columns(table.assign(**ends), formats,
                                                        fills=_company_column_fills(table, result.colours))))
    title = f"Sensitivity of scenario '{result.scenario}' ({result.method})"
    return Book(title, result.as_of, (about_sheet(title, lines), *sheets))


def _setting(value: object) -> Cell:
    return value if isinstance(value, (int, float, str)) and not isinstance(value, bool) else str(value)


def compare_book(result: Comparison) -> Book:
    """A comparison's workbook: the sides compared, the side-by-side table (compare.csv) and the long one
    (compare.json), each figure in its metric's number format and the changes signed."""
    reference, others = reference_and_others(result.long)
    lines = [Line("Command", "scenario compare"), Line("Reference", reference)]
    for side in result.sides:
        dated = f", information as of {side.as_of.isoformat()}" if side.as_of else ""
        lines.append(Line(side.label, f"{side.kind} {side.path.name}{dated}"))
    wide = result.side_by_side()
    values = row_formats(wide["metric"])
    changes = row_formats(wide["metric"], sign=True)
    formats: dict[str, str | tuple[str | None, ...] | None] = {label: values for label in (reference, *others)}
    for label in others:
        formats[f"{label} - {reference}"] = changes
        formats[f"{label} - {reference} (relative)"] = format.excel_relative()
    long = result.long
    long_formats: dict[str, str | tuple[str | None, ...] | None] = {
        "value": row_formats(long["metric"]), "change": row_formats(long["metric"], sign=True),
        "relative_change": format.excel_relative()}
    dates = [side.as_of for side in result.sides if side.as_of]
    title = "Comparison of " + ", ".join(result.labels)
    return Book(title, max(dates) if dates else None, (
        about_sheet(title, lines),
        Sheet("Side by side", frame_columns(wide, formats, named=set(formats) - {"year"}), frozen_columns=2),
        Sheet("Long", frame_columns(long, long_formats), frozen_columns=2),
    ))


def backtest_book(result: Backtest) -> Book:
    """A backtest's workbook: the scenario and the actuals file, each figure against its projection (in its
    metric's number format, errors in percent), and the summary by basis."""
    scenario = result.scenario
    lines = [Line("Command", f"scenario backtest {scenario.name}"), Line("Scenario", scenario.name),
             Line("Information as of", scenario.as_of, format.EXCEL_DATE), Line("Actuals", result.actuals.name)]
    if result.settings.get("draws", 1) > 1:
        lines += [Line("Draws", result.settings["draws"], format.excel_format(Kind.count)),
                  Line("Seed", result.settings.get("seed"), format.EXCEL_YEAR),
                  Line("Sampler", SAMPLER_NAMES.get(result.settings.get("sampler"), result.settings.get("sampler")))]
    table = result.table.assign(published=_dates(result.table["published"]))
    figures = row_formats(table["metric"])
    relative = format.excel_relative()
    formats: dict[str, str | tuple[str | None, ...] | None] = {
        **dict.fromkeys(("actual", "projected", "p5", "p50", "p95"), figures),
        "error": row_formats(table["metric"], sign=True), "relative_error": relative,
        "relative_width": format.excel_format(Kind.share)}
    share = format.excel_format(Kind.share)
    count = format.excel_format(Kind.count)
    summary_formats: dict[str, str | tuple[str | None, ...] | None] = {
        **dict.fromkeys(("figures", "counted", "excluded", "out_of_sample", "within_90"), count),
        **dict.fromkeys(("mean_absolute_error", "out_of_sample_mean_absolute_error", "coverage_90",
                         "mean_relative_width"), share)}
    title = f"Backtest of scenario '{scenario.name}'"
    return Book(title, scenario.as_of, (
        about_sheet(title, lines),
        Sheet("Backtest", frame_columns(table, formats, fills=_company_column_fills(table, result.colours)),
              frozen_columns=3),
        Sheet("Summary", frame_columns(result.summary, summary_formats), frozen_columns=1),
    ))


def _change_value(value: object) -> Cell:
    """A change's old or new value: a number, a per-year series as the files write it, or a text."""
    if isinstance(value, Mapping):
        return format.input_value(value)
    return finite(value)


def review_book(result: Review) -> Book:
    """A review's workbook: the revisions compared, each change with its evidence, and each affected scenario's
    effect on its headline figures and each change's share of it."""
    lines = [Line("Command", "scenario diff"), Line("Base", result.base), Line("Head", result.head),
             Line("Affected scenarios", ", ".join(effect.scenario for effect in result.effects) or "none"),
             Line("Unaffected scenarios", ", ".join(result.unaffected) or "none")]
    if result.problems:
        lines.append(Line("Warning", "; ".join(str(p) for p in result.problems)))
    changes = result.changes
    relative = [change.relative_change for change in changes]
    columns = (
        Column("Key", tuple(c.key for c in changes)),
        Column("Kind", tuple(c.kind for c in changes)),
        Column("Status", tuple(c.status for c in changes)),
        Column("Old", tuple(_change_value(c.old) for c in changes)),
        Column("Old unit", tuple(c.old_unit for c in changes)),
        Column("New", tuple(_change_value(c.new) for c in changes)),
        Column("New unit", tuple(c.new_unit for c in changes)),
        Column("Relative change", tuple(r if not isinstance(r, Mapping) else
                                        format.series(r, [format.relative(v) for v in r.values()])
                                        for r in relative), format.excel_relative()),
        Column("Fields changed", tuple("; ".join(f"{f.field}: {f.old} -> {f.new}" for f in c.fields) or None
                                       for c in changes)),
        Column("Evidence", tuple("; ".join(f"{e.ref}: {e.excerpt or e.rationale or ''}".rstrip(": ")
                                           for e in c.evidence) or None for c in changes)),
        Column("File", tuple(f"{c.file}:{c.line}" if c.line else c.file for c in changes)),
    )
    effects = [effect.effect.assign(scenario=effect.scenario) for effect in result.effects]
    attributions = [effect.attribution.assign(scenario=effect.scenario) for effect in result.effects]
    kinds = {(effect.scenario, figure): kind for effect in result.effects for figure, kind in effect.kinds.items()}
    title = f"Review of {result.base} -> {result.head}"
    sheets = [about_sheet(title, lines), Sheet("Changes", columns, frozen_columns=1)]
    for name, frames, value_columns, empty in (("Effects", effects, ("old", "new"), EFFECT_COLUMNS),
                                               ("Attribution", attributions, (), ATTRIBUTION_COLUMNS)):
        frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["scenario", *empty])
        frame = frame[["scenario", *(c for c in frame.columns if c != "scenario")]]
        row_kinds = [kinds.get(key) for key in zip(frame["scenario"], frame.get("figure", []), strict=False)]
        formats: dict[str, str | tuple[str | None, ...] | None] = {
            **dict.fromkeys(value_columns, kind_formats(row_kinds)),
            "change": kind_formats(row_kinds, sign=True), "contribution": kind_formats(row_kinds, sign=True),
            "relative_change": format.excel_relative()}
        sheets.append(Sheet(name, frame_columns(frame, formats), frozen_columns=2))
    return Book(title, None, tuple(sheets))
