"""The Excel workbooks (model.present.workbook, model.present.formats.xlsx), read back with openpyxl: sheets in order,
cells as numbers with the catalogue's number formats, links, frozen headers and filters; the same bytes for the same
inputs; texts from YAML files written as texts, never formulas or unsafe links."""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import subprocess
import sys
import zipfile

import openpyxl
import pytest
from typer.testing import CliRunner

from model.analysis.projection import run, run_result
from model.cli import app
from model.io.loading import load_inputs
from model.io.outputs import write_folder
from model.present import workbook
from model.present.artifacts import files_of
from model.present.workbook import Book, Column, Line, Sheet
from tests.conftest import REPO, SMALL

runner = CliRunner()


def _result(root=SMALL, draws: int = 1):
    inputs = load_inputs(root / "scenarios" / "base.yaml")
    return run_result(inputs, run(inputs, draws=draws, rng=0))


def _book(content: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(content))


def _rows(sheet, header_row: int) -> tuple[list[str], list[tuple]]:
    """The header and the cells (as openpyxl cells) of the table whose header is on `header_row`."""
    rows = list(sheet.iter_rows(min_row=header_row))
    return [c.value for c in rows[0]], rows[1:]


def _header_row(sheet, first: str) -> int:
    return next(row[0].row for row in sheet.iter_rows() if row[0].value == first)


@pytest.fixture(scope="module")
def drawn() -> openpyxl.Workbook:
    return _book(files_of(_result(draws=1000))["base.xlsx"])


@pytest.fixture(scope="module")
def single() -> openpyxl.Workbook:
    return _book(files_of(_result())["base.xlsx"])


def test_a_runs_workbook_has_its_sheets_in_order(drawn, single):
    assert drawn.sheetnames == ["Headline", "Projection", "Leads", "Overtakes", "Register", "Sources"]
    assert single.sheetnames == ["Headline", "Projection", "Register", "Sources"]  # no race without draws


def test_the_headline_sheet_says_what_the_scenario_is_and_holds_numbers(single):
    sheet = single["Headline"]
    lines = {row[0].value: row[1] for row in sheet.iter_rows(max_row=8)}
    assert lines["Scenario"].value == "base"
    assert lines["Description"].value == "Two made-up companies over three years, for hand-checked tests."
    assert lines["Information as of"].value == dt.datetime(2025, 5, 31)
    assert lines["Information as of"].number_format == "yyyy-mm-dd"
    assert lines["Horizon"].value == "2025-2027" and lines["Reporting currency"].value == "USD"
    top = _header_row(sheet, "Figure")
    head, rows = _rows(sheet, top)
    assert head == ["Figure", "Alpha", "Beta"]
    figures = {row[0].value: row for row in rows}
    # Alpha's plan of CNY 30 bn spread evenly over 2025-2026, at 8 CNY per USD: 15 / 8 = 1.875 USD bn in 2025
    capex = figures["Capex 2025 (USD bn)"][1]
    assert capex.value == pytest.approx(1.875) and capex.number_format == "#,##0.0"
    # Alpha's capex 2025-2027 is 1.875 + 1.875 + 2.25 = 6, Beta's 3 + 3.9 + 4.29 = 11.19: a share, held as a fraction
    share = figures["Share of capex 2025-2027"][1]
    assert share.value == pytest.approx(6 / 17.19) and share.number_format == "0.0%"
    assert figures["Accelerators in service 2027 (k)"][1].number_format == "#,##0"
    # Alpha's cloud revenue is segment-reported, Beta's a market-share estimate: the figures built on it are marked
    assert "Cloud revenue 2027 (USD bn) *" in figures and "Cloud market share 2027" in figures
    notes = next(row[1].value for row in sheet.iter_rows(max_row=top) if row[0].value == "Cloud revenue bases")
    assert notes.startswith("* Cloud revenue and AI revenue mix bases")
    assert sheet.freeze_panes == f"B{top + 1}"
    assert sheet.auto_filter.ref == f"A{top}:C{top + len(rows)}"


def test_with_draws_each_company_has_its_median_and_percentiles_in_columns(drawn):
    sheet = drawn["Headline"]
    lines = {row[0].value: row[1].value for row in sheet.iter_rows(max_row=12)}
    assert lines["Draws"] == 1000 and lines["Seed"] == 0 and lines["Sampler"] == "scrambled Sobol' sequence"
    head, rows = _rows(sheet, _header_row(sheet, "Figure"))
    assert head == ["Figure", "Alpha", "Alpha median", "Alpha 5th percentile", "Alpha 95th percentile",
                    "Beta", "Beta median", "Beta 5th percentile", "Beta 95th percentile"]
    capex = next(row for row in rows if row[0].value == "Capex 2025 (USD bn)")
    value, median, low, high = (cell.value for cell in capex[1:5])
    assert low < median < high and low < value < high
    assert {cell.number_format for cell in capex[1:]} == {"#,##0.0"}


def test_the_projection_sheet_is_the_tidy_table_with_formats_by_kind(drawn):
    sheet = drawn["Projection"]
    head, rows = _rows(sheet, 1)
    assert head == ["Scenario", "Company", "Year", "Metric", "Label", "Unit", "Value", "Mean", "5th percentile",
                    "Median", "95th percentile", "Basis"]
    by_metric = {}
    for row in rows:
        by_metric.setdefault(row[3].value, row)
    assert by_metric["capex"][2].value == 2025 and by_metric["capex"][2].number_format == "0"
    assert by_metric["capex"][4].value == "Capex" and by_metric["capex"][6].number_format == "#,##0.0"
    assert by_metric["accelerators_installed"][6].number_format == "#,##0"
    assert {cell.number_format for cell in by_metric["capex_share"][6:11]} == {"0.0%"}
    assert sheet.freeze_panes == "C2" and sheet.auto_filter.ref == f"A1:L{len(rows) + 1}"


def test_leads_and_overtakes_are_probabilities_in_percent(drawn):
    for name in ("Leads", "Overtakes"):
        head, rows = _rows(drawn[name], 1)
        probability = head.index("Probability")
        assert rows and all(row[probability].number_format == "0.0%" for row in rows)
        assert all(0 <= row[probability].value <= 1 for row in rows)


def test_the_register_links_each_source_and_gives_the_distribution(single):
    sheet = single["Register"]
    head, rows = _rows(sheet, 1)
    assert head[:12] == ["Key", "Company", "Value", "Unit", "Period", "Confidence", "Distribution", "5th percentile",
                         "Median", "95th percentile", "Source kinds", "As of"]
    assert head[12:14] == ["Source 1", "Excerpt 1"] and head[-2:] == ["Overridden by", "Notes"]
    by_key = {row[0].value: dict(zip(head, row, strict=True)) for row in rows}
    budget = by_key["alpha.ai_chips.budget_base"]  # 8 CNY bn with an explicit 90% range [6, 10]
    assert (budget["Value"].value, budget["5th percentile"].value, budget["Median"].value,
            budget["95th percentile"].value) == (8, 6, 8, 10)
    assert budget["As of"].value == dt.datetime(2025, 3, 1)
    capex = by_key["beta.capex.base"]
    assert capex["Source 1"].value == "beta-press" and capex["Excerpt 1"].value == "US$2bn in fiscal 2025"
    assert capex["Source 1"].hyperlink.target == "https://example.com/beta"
    assert budget["Source 1"].value == "alpha-filing" and budget["Source 1"].hyperlink is None  # it has no url
    judged = by_key["alpha.capex.post_plan_growth"]
    assert judged["Excerpt 1"].value == "judgement: spending keeps rising after the plan"
    assert sheet.freeze_panes == "C2"


def test_the_sources_sheet_links_each_url(single):
    head, rows = _rows(single["Sources"], 1)
    assert head == ["Id", "Title", "Publisher", "Date", "Kind", "Url"]
    press = next(row for row in rows if row[0].value == "beta-press")
    assert press[5].hyperlink.target == "https://example.com/beta"
    assert press[3].value == dt.datetime(2025, 2, 1) and press[3].number_format == "yyyy-mm-dd"


def test_the_same_inputs_give_the_same_bytes_with_fixed_dates():
    first, second = (files_of(_result(draws=200))["base.xlsx"] for _ in range(2))
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = archive.read("docProps/core.xml").decode()
    assert "<dcterms:created xsi:type=\"dcterms:W3CDTF\">2025-05-31T00:00:00Z</dcterms:created>" in core
    assert _book(first).properties.creator == "scenario"


def test_a_book_without_a_date_is_created_on_a_fixed_day():
    content = workbook.to_xlsx(Book("t", None, (Sheet("S", (Column("a", (1.0,)),)),)))
    assert _book(content).properties.created == dt.datetime(2000, 1, 1)


# ----------------------------------------------------------------------------------------------- hostile content
HOSTILE = ['=HYPERLINK("http://evil.example","click")', "+1+1", "-2+3", "@SUM(A1)", "=1+1"]


def test_texts_that_look_like_formulas_stay_texts():
    content = workbook.to_xlsx(Book("t", None, (Sheet("S", (Column("text", tuple(HOSTILE)),),
                                                      lines=(Line("Note", HOSTILE[0]),)),)))
    sheet = _book(content)["S"]
    assert sheet["B1"].value == HOSTILE[0] and sheet["B1"].data_type == "s"
    _, rows = _rows(sheet, 3)
    assert [row[0].value for row in rows] == HOSTILE and {row[0].data_type for row in rows} == {"s"}
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()


def test_a_hostile_excerpt_and_url_in_the_project_are_written_as_text(small):
    small.edit("assumptions/beta.yaml", '"US$2bn in fiscal 2025"', "'=HYPERLINK(\"http://evil.example\",\"2\")'")
    small.edit("assumptions/sources.yaml", "url: https://example.com/beta", "url: javascript:alert(1)")
    register = _book(files_of(_result(small.root))["base.xlsx"])["Register"]
    head, rows = _rows(register, 1)
    capex = next(dict(zip(head, row, strict=True)) for row in rows if row[0].value == "beta.capex.base")
    assert capex["Excerpt 1"].value == '=HYPERLINK("http://evil.example","2")'
    assert capex["Excerpt 1"].data_type == "s"
    assert capex["Source 1"].value == "beta-press" and capex["Source 1"].hyperlink is None


@pytest.mark.parametrize("url", ["javascript:alert(1)", "file:///etc/passwd", "ftp://example.com/a", "example.com",
                                 "https://example.com/a b", "https://example.com/" + "a" * 2100, ""])
def test_only_web_addresses_within_excels_length_are_linked(url):
    assert workbook.link(url) is None


def test_a_web_address_is_linked():
    assert workbook.link("https://example.com/a?b=1#c") == "https://example.com/a?b=1#c"
    assert workbook.link("HTTP://EXAMPLE.COM") == "HTTP://EXAMPLE.COM"


def test_non_finite_numbers_are_blank_cells_and_long_texts_are_cut():
    long = "x" * 40000
    content = workbook.to_xlsx(Book("t", None, (Sheet("S", (
        Column("n", (math.nan, math.inf, -math.inf, 1.5), "#,##0.0"), Column("t", (long, None, "", "ok"))),),)))
    _, rows = _rows(_book(content)["S"], 1)
    assert [row[0].value for row in rows] == [None, None, None, 1.5]
    text = rows[0][1].value
    assert len(text) == workbook.MAX_CELL_TEXT and text.endswith(" [...]")


def test_sheet_names_keep_excels_rules():
    assert workbook.sheet_name("a/b\\c:d*e?f[g]h") == "a-b-c-d-e-f-g-h"
    assert workbook.sheet_name("'quoted'") == "quoted"
    long = workbook.sheet_name("x" * 40)
    assert len(long) == 31
    assert workbook.sheet_name("Register", ["register"]) == "Register (2)"
    assert workbook.sheet_name("History") == "History (2)"  # Excel's own
    assert len(workbook.sheet_name("y" * 40, ["y" * 31])) == 31
    content = workbook.to_xlsx(Book("t", None, (Sheet("a/b"), Sheet("A-B"))))
    assert _book(content).sheetnames == ["a-b", "A-B (2)"]


def test_a_long_description_is_not_frozen_above_the_table():
    lines = tuple(Line(f"line {i}", "text") for i in range(25))
    content = workbook.to_xlsx(Book("t", None, (Sheet("S", (Column("a", (1.0,)),), lines, frozen_columns=1),)))
    assert _book(content)["S"].freeze_panes == "B1"  # the first column only: 25 lines would fill the screen


def test_company_cells_take_the_company_colour_with_readable_text():
    assert workbook.text_colour("#0072b2") == "#ffffff" and workbook.text_colour("#e69f00") == "#000000"
    content = workbook.to_xlsx(Book("t", None, (Sheet("S", (Column("Company", ("Alpha",), fills=("#0072b2",)),)),)))
    cell = _book(content)["S"]["A2"]
    assert cell.fill.fgColor.rgb == "FF0072B2" and cell.font.color.rgb == "FFFFFFFF"


def test_column_widths_fit_their_content_within_bounds():
    assert workbook.column_width(Column("a", ("abc",))) == (workbook.MIN_WIDTH, False)
    assert workbook.column_width(Column("a", ("w" * 30,))) == (32, False)
    assert workbook.column_width(Column("a", ("w" * 300,))) == (workbook.MAX_WIDTH, True)  # wrapped
    assert workbook.column_width(Column("a", (1234567.0,), "#,##0.0")) == (14, False)  # "+1,234,567.0" and room


# -------------------------------------------------------------------------------------------- the other commands
def test_a_run_writes_its_workbook_and_lists_it_in_the_manifest(small):
    result = runner.invoke(app, ["run", "base.yaml", "--draws", "1000"])
    assert result.exit_code == 0, result.output
    path = small.path("outputs/base/base.xlsx")
    assert _book(path.read_bytes()).sheetnames[0] == "Headline"
    assert "base.xlsx" in json.loads(small.path("outputs/base/manifest.json").read_text())["outputs"]


def test_sensitivity_compare_and_diff_write_workbooks_named_as_their_folders(small, tmp_path):
    assert runner.invoke(app, ["sensitivity", "base", "--method", "tornado"]).exit_code == 0
    book = _book(small.path("outputs/base-tornado/base-tornado.xlsx").read_bytes())
    assert book.sheetnames == ["About", "Tornado"]
    about = {row[0].value: row[1].value for row in book["About"].iter_rows()}
    assert about["Scenario"] == "base" and about["Information as of"] == dt.datetime(2025, 5, 31)
    head, rows = _rows(book["Tornado"], 1)
    assert {row[head.index("Swing")].number_format for row in rows} == {"#,##0.0"}  # USD bn of AI-chip spend
    budget = next(dict(zip(head, row, strict=True)) for row in rows if row[5].value == "alpha.ai_chips.budget_base")
    assert (budget["Input low"].value, budget["Input high"].value) == (6, 10)  # its explicit range, as numbers
    share = next(dict(zip(head, row, strict=True)) for row in rows if row[5].value == "alpha.cloud.ai_share")
    assert share["Input low"].value == "2025: 0, 2027: 0.2"  # a series, as the files write it

    assert runner.invoke(app, ["compare", "base", "high"]).exit_code == 0
    book = _book(small.path("outputs/compare-base-high/compare-base-high.xlsx").read_bytes())
    assert book.sheetnames == ["About", "Side by side", "Long"]
    head, rows = _rows(book["Side by side"], 1)
    assert head == ["Company", "Measure", "Metric", "Year", "Unit", "base", "high", "high - base",
                    "high - base (relative)"]
    capex = next(row for row in rows if row[0].value == "Alpha" and row[1].value == "Capex 2025 (USD bn)")
    # high doubles Alpha's plan: 1.875 -> 3.75 USD bn, +100%
    assert [c.value for c in capex[5:9]] == pytest.approx([1.875, 3.75, 1.875, 1.0])
    assert capex[7].number_format == "+#,##0.0;-#,##0.0;#,##0.0" and capex[8].number_format == "+0.0%;-0.0%;0.0%"

    other = tmp_path / "other"
    other.mkdir()
    for folder in ("assumptions", "scenarios"):
        (other / folder).mkdir()
        for file in small.path(folder).glob("*.yaml"):
            (other / folder / file.name).write_text(file.read_text())
    small.edit("assumptions/alpha.yaml", "value: 30\n", "value: 36\n")
    result = runner.invoke(app, ["diff", str(other), str(small.root), "--out", str(tmp_path / "review")])
    assert result.exit_code == 0, result.output
    book = _book((tmp_path / "review" / "diff.xlsx").read_bytes())
    assert book.sheetnames == ["About", "Changes", "Effects", "Attribution"]
    head, rows = _rows(book["Changes"], 1)
    plan = next(dict(zip(head, row, strict=True)) for row in rows if row[0].value == "alpha.capex.plan_total")
    assert (plan["Old"].value, plan["New"].value, plan["Relative change"].value) == (30, 36, pytest.approx(0.2))


def test_the_workbook_library_loads_only_when_a_workbook_is_made():
    code = ("import sys\nfrom model.present import artifacts, workbook\nartifacts.artefacts()\n"
            "print('xlsxwriter' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert done.stdout.strip() == "False"


def test_a_companys_cells_carry_the_colour_its_file_declares_and_its_charts_use(small):
    small.edit("assumptions/alpha.yaml", "name: Alpha\n", "name: Alpha\ncolour: '#AA3377'\n")
    result = _result(small.root)
    beta = result.projection.colours["Beta"]
    book = _book(files_of(result)["base.xlsx"])
    headline = book["Headline"]
    top = _header_row(headline, "Figure")
    fills = {cell.value: cell.fill.fgColor.rgb for cell in next(headline.iter_rows(min_row=top, max_row=top))}
    assert fills["Alpha"] == "FFAA3377" and fills["Beta"] == "FF" + beta[1:].upper()
    for name, column in (("Projection", 1), ("Register", 1)):
        _, rows = _rows(book[name], 1)
        alpha = [row[column] for row in rows if row[column].value == "Alpha"]
        assert alpha and {cell.fill.fgColor.rgb for cell in alpha} == {"FFAA3377"}


def test_wrapped_headers_and_texts_get_the_height_of_their_lines():
    assert workbook.wrapped_lines("aaa bbb ccc", 6) == 3 and workbook.wrapped_lines("one\ntwo", 60) == 2
    assert workbook.wrapped_lines(12.5, 8) == 1
    long = "word " * 100  # 100 words, 11 to a line of the widest column (58 characters): 10 lines
    content = workbook.to_xlsx(Book("t", None, (Sheet("S", (
        Column("A header long enough to wrap onto three lines", (1.0, 2.0)), Column("Notes", (long, "short"))),),)))
    sheet = _book(content)["S"]
    lines = workbook.wrapped_lines(long, workbook.MAX_WIDTH)
    assert lines == 10 and sheet.row_dimensions[2].height == 15 * lines
    assert sheet.row_dimensions[1].height == 15 * workbook.wrapped_lines(
        "A header long enough to wrap onto three lines", workbook.HEADER_WIDTH + 2)
    assert sheet.row_dimensions[3].height is None  # one line: Excel's own height
    assert sheet.page_setup.orientation == "landscape" and sheet.print_title_rows == "$1:$1"


def test_a_lines_number_or_date_sits_beside_its_label():
    content = workbook.to_xlsx(Book("t", None, (Sheet("S", (Column("a", (1.0,)), Column("b", (2.0,))),
                                                      (Line("Draws", 2000, "#,##0"),)),)))
    cell = _book(content)["S"]["B1"]
    assert cell.value == 2000 and cell.number_format == "#,##0" and cell.alignment.horizontal == "left"


def test_a_disk_full_at_the_workbook_keeps_the_earlier_outputs(small, tmp_path):
    from tests.cli.test_safety import mounted, snapshot

    assert runner.invoke(app, ["run", "base", "--out", str(tmp_path / "measure")]).exit_code == 0
    sizes = {p.name: p.stat().st_size for p in (tmp_path / "measure").rglob("*") if p.is_file()}
    page = 4096
    others = sum(-(-size // page) * page for name, size in sizes.items() if not name.endswith(".xlsx"))
    assert sizes["base.xlsx"] > 4 * page  # so that room for all but a few pages of it is room for all but it
    disk = tmp_path / "disk"
    disk.mkdir()
    # room for the earlier folder and every file of the new one but the workbook
    with mounted("-t", "tmpfs", "-o", f"size={(others + 4 * page) // 1024}k", "tmpfs", target=disk):
        write_folder(disk / "base", {"projection.csv": "earlier\n"}, command="run")
        before = snapshot(disk)
        result = runner.invoke(app, ["run", "base", "--out", str(disk / "base")])
        after = snapshot(disk)
    assert result.exit_code == 1
    assert result.stderr == f"error: cannot write {disk}/base: No space left on device\n"
    assert after == before
    # and with room for the workbook too, the same run writes: it was the workbook that did not fit
    room = others + -(-sizes["base.xlsx"] // page) * page + 4 * page
    with mounted("-t", "tmpfs", "-o", f"size={room // 1024}k", "tmpfs", target=disk):
        write_folder(disk / "base", {"projection.csv": "earlier\n"}, command="run")
        result = runner.invoke(app, ["run", "base", "--out", str(disk / "base")])
        written = (disk / "base" / "base.xlsx").read_bytes()
    assert result.exit_code == 0, result.output
    assert written == (tmp_path / "measure" / "base.xlsx").read_bytes()


def test_the_overrides_sheet_sets_each_override_against_the_value_it_replaces(small):
    inputs = load_inputs(small.path("scenarios/high.yaml"))
    book = _book(files_of(run_result(inputs, run(inputs)))["high.xlsx"])
    assert book.sheetnames[:3] == ["Headline", "Overrides", "Projection"]
    head, rows = _rows(book["Overrides"], 1)
    plan = dict(zip(head, rows[0], strict=True))
    assert len(rows) == 1 and plan["Key"].value == "alpha.capex.plan_total"
    # high doubles Alpha's plan: 60 CNY bn set by high, replacing base's 30
    assert (plan["Value"].value, plan["Set by"].value, plan["Replaced value"].value, plan["Replaced, set by"].value) \
        == (60, "high", 30, "base")
    assert plan["As of"].number_format == "yyyy-mm-dd" and plan["Rationale"].value == "the later report doubles the plan"
    assert "Now" not in head and "Was" not in head  # the values are numbers in their own columns
    assert "Overrides" not in _book(files_of(_result())["base.xlsx"]).sheetnames  # base overrides nothing


def test_the_company_cells_of_sensitivity_and_backtest_workbooks_carry_each_companys_colour(small):
    from tests.analysis.test_backtest import ACTUALS

    small.edit("assumptions/alpha.yaml", "name: Alpha\n", "name: Alpha\ncolour: '#AA3377'\n")
    small.path("assumptions/actuals").mkdir()
    small.write("assumptions/actuals/reported.yaml", ACTUALS)
    assert runner.invoke(app, ["sensitivity", "base", "--method", "tornado"]).exit_code == 0
    assert runner.invoke(app, ["backtest", "base"]).exit_code == 0
    for path, sheet in (("outputs/base-tornado/base-tornado.xlsx", "Tornado"),
                        ("outputs/backtest-base/backtest-base.xlsx", "Backtest")):
        head, rows = _rows(_book(small.path(path).read_bytes())[sheet], 1)
        column = head.index("Company")
        alpha = [row[column] for row in rows if row[column].value == "Alpha"]
        assert alpha and {cell.fill.fgColor.rgb for cell in alpha} == {"FFAA3377"}, path
