"""The one formatter: each kind of figure, change and size as exact text, at zero, below zero, at rounding edges,
at -0.0 and at large values."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from model import format
from model.catalogue import Kind
from model.cli import app
from tests.analysis.test_backtest import ACTUALS


@pytest.mark.parametrize(("value", "kind", "text"), [
    (17.662014, Kind.money, "17.7"),
    (0.0, Kind.money, "0.0"),
    (-0.0, Kind.money, "0.0"),
    (-0.04, Kind.money, "0.0"),  # rounds to zero: no "-0.0"
    (-12.25, Kind.money, "-12.2"),  # to the nearest, ties as the binary value falls (12.25 is exact: even)
    (-12.35, Kind.money, "-12.3"),  # 12.35 is stored a little below itself
    (1234567.891, Kind.money, "1,234,567.9"),
    (3016.6, Kind.count, "3,017"),
    (0.4, Kind.count, "0"),
    (-0.4, Kind.count, "0"),
    (2.5e9, Kind.count, "2,500,000,000"),
    (0.309, Kind.share, "30.9%"),
    (1.0, Kind.share, "100.0%"),
    (0.0, Kind.share, "0.0%"),
    (-0.0001, Kind.share, "0.0%"),
    (0.0004, Kind.share, "0.0%"),  # a share too small to show is shown as none
    (0.4521, Kind.ratio, "0.45"),
    (12.0, Kind.ratio, "12.00"),
    (2.0, Kind.rank, "2"),
    (6.0, Kind.years, "6.0"),
    (0.6248, Kind.probability, "62.5%"),
    (0.0004, Kind.probability, "<0.1%"),  # rare, not impossible
    (0.0005, Kind.probability, "0.1%"),
    (0.0, Kind.probability, "0.0%"),
    (1.0, Kind.probability, "100.0%"),
])
def test_a_figure_by_its_kind(value, kind, text):
    assert format.figure(value, kind) == text


def test_a_figure_takes_a_precision_and_says_what_is_missing():
    assert format.figure(20.91554, Kind.money, decimals=2) == "20.92"
    assert format.figure(1234.5, Kind.money, decimals=0) == "1,234"  # 1234.5 is exact: to even
    assert format.figure(0.6248, Kind.probability, decimals=0) == "62%"
    assert format.figure(0.00004, Kind.probability, decimals=2) == "<0.01%"
    assert format.figure(None, Kind.money) == "n/a"
    assert format.figure(math.nan, Kind.share, missing="") == ""
    assert format.figure(np.float32("nan"), Kind.money) == "n/a"
    assert format.figure(np.float32(2.5), Kind.money) == "2.5"


@pytest.mark.parametrize(("value", "kind", "text"), [
    (4.6479, Kind.money, "+4.6"),
    (-1.875, Kind.money, "-1.9"),
    (0.0, Kind.money, "0.0"),
    (-0.0, Kind.money, "0.0"),
    (0.04, Kind.money, "0.0"),  # rounds away: unsigned, as in every table
    (-0.04, Kind.money, "0.0"),
    (12345.6, Kind.money, "+12,345.6"),
    (905.6, Kind.count, "+906"),
    (-1775.2, Kind.count, "-1,775"),
    (0.0, Kind.count, "0"),
    (0.021, Kind.share, "+2.1 pp"),  # a share's change is in percentage points
    (-0.0046, Kind.share, "-0.5 pp"),
    (0.0004, Kind.share, "0.0 pp"),
    (-0.0004, Kind.share, "0.0 pp"),
    (0.25, Kind.probability, "+25.0 pp"),
    (-1.0, Kind.rank, "-1"),
    (0.125, Kind.ratio, "+0.12"),  # 0.125 is exact: to even
])
def test_a_change_by_its_kind(value, kind, text):
    assert format.change(value, kind) == text


@pytest.mark.parametrize(("fraction", "text"), [
    (0.263157, "+26.3%"),
    (-0.16, "-16.0%"),
    (0.0, "0.0%"),
    (-0.0, "0.0%"),
    (0.0004, "0.0%"),
    (-0.0004, "0.0%"),  # no "-0.0%" for an error that rounds away
    (12.3456, "+1,234.6%"),
    (None, "n/a"),
    (math.nan, "n/a"),
])
def test_a_relative_change_is_a_fraction_shown_in_signed_percent(fraction, text):
    assert format.relative(fraction) == text


def test_a_mean_absolute_error_is_unsigned():
    assert format.relative(0.0617, sign=False) == "6.2%"
    assert format.relative(0.0, sign=False) == "0.0%"


def test_an_interval_reads_each_bound_as_its_figure():
    assert format.interval(10.06, 14.84, Kind.money) == "10.1-14.8"
    assert format.interval(0.301, 0.352, Kind.share) == "30.1%-35.2%"
    assert format.interval(12.6293, 26.5743, Kind.money, decimals=2) == "12.63-26.57"


@pytest.mark.parametrize(("size", "text"), [
    (0, "0 bytes"),
    (1023, "1,023 bytes"),
    (1024, "1.0 KB"),
    (1536, "1.5 KB"),
    (3 * 1024**3, "3.0 GB"),
    (2048 * 1024**5, "2,048.0 PB"),  # the largest unit goes on counting
])
def test_a_byte_size(size, text):
    assert format.byte_size(size) == text


def test_input_values_read_as_the_files_write_them():
    assert format.input_value(380.0) == "380"
    assert format.input_value(0.05) == "0.05"
    assert format.input_value(-0.0) == "0"
    assert format.input_value(1e15) == "1e+15"
    assert format.input_value({2025: 0.17, 2027: 0.1}) == "2025: 0.17, 2027: 0.1"
    assert format.input_range(350.0, 420.0) == "[350, 420]"
    assert format.written_number(160.0) == "160" and format.written_number(250000.0) == "250,000"
    assert format.written_number(2.5) == "2.5" and format.written_number(1250.5) == "1,250.5"


def test_significant_figures_read_without_exponents_or_residues():
    assert format.significant([8000.0, 14000.0, 25000.0]) == ["8000", "14000", "25000"]
    assert format.significant(np.array([0.05, -4.163e-17, 0.25])) == ["0.05", "0", "0.25"]
    assert format.significant([-0.0001, 0.1]) == ["-0.0001", "0.1"]
    assert format.significant([0.0, 0.0]) == ["0", "0"]
    assert format.significant_value([0.1, 0.3], [2025, 2027]) == "2025: 0.1, 2027: 0.3"
    assert format.significant_value([28.8563]) == "28.86"


def test_numbers_of_no_declared_kind_and_indices():
    assert format.approximate(1234.4) == "1,234" and format.approximate(0.012345) == "0.0123"
    assert format.approximate(-150.5) == "-150" and format.approximate(0.0) == "0"
    assert format.sensitivity_index(0.70924) == "0.709"
    assert format.sensitivity_index(0.70924, 0.65073, 0.76671) == "0.709 [0.651, 0.767]"
    assert format.count(20000) == "20,000" and format.seconds(1.256) == "1.26 s"


@pytest.mark.parametrize(("kind", "tooltip", "axis"), [
    (Kind.money, ",.1f", None),
    (Kind.count, ",.0f", None),
    (Kind.share, ".1%", "%"),
    (Kind.probability, ".1%", "%"),
    (Kind.ratio, ",.2f", None),
])
def test_charts_get_the_same_formats_as_d3_specifiers(kind, tooltip, axis):
    assert format.d3_format(kind) == tooltip
    assert format.axis_format(kind) == axis
    assert format.d3_relative() == "+.1%"


@pytest.mark.parametrize(("kind", "cell", "change"), [
    (Kind.money, "#,##0.0", "+#,##0.0;-#,##0.0;#,##0.0"),
    (Kind.count, "#,##0", "+#,##0;-#,##0;#,##0"),
    (Kind.share, "0.0%", "+0.0%;-0.0%;0.0%"),
    (Kind.probability, "0.0%", "+0.0%;-0.0%;0.0%"),
    (Kind.ratio, "#,##0.00", "+#,##0.00;-#,##0.00;#,##0.00"),
])
def test_workbooks_get_the_same_formats_as_excel_number_formats(kind, cell, change):
    assert format.excel_format(kind) == cell
    assert format.excel_format(kind, sign=True) == change
    assert format.excel_relative() == "+0.0%;-0.0%;0.0%" and format.excel_relative(decimals=0) == "+0%;-0%;0%"
    assert format.EXCEL_YEAR == "0"  # 2030, never 2,030


def test_every_kind_has_a_precision():
    assert set(format.DECIMALS) == set(Kind)


# ------------------------------------------------------------------------------- the README's conventions, kept true
def _conventions() -> str:
    text = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    return text.split("<!-- number-conventions -->", 1)[1].split("\n\n", 1)[0]


def test_every_data_file_keeps_the_readmes_number_conventions(small):
    small.path("assumptions/actuals").mkdir()
    small.write("assumptions/actuals/reported.yaml", ACTUALS)
    for command in (["run", "base", "--draws", "64", "--seed", "0"], ["compare", "base", "high"],
                    ["backtest", "base"], ["sensitivity", "base", "--method", "tornado"]):
        result = CliRunner().invoke(app, command)
        assert result.exit_code == 0, result.output
    outputs = small.path("outputs")
    tables = {path.relative_to(outputs).as_posix(): pd.read_csv(path) for path in outputs.rglob("*.csv")}
    assert {"base/projection.csv", "base/leads.csv", "compare-base-high/compare.csv", "backtest-base/backtest.csv",
            "base-tornado/tornado.csv"} <= set(tables)
    for name, table in tables.items():  # no percentage x100 under any name
        assert not [c for c in table.columns if c.endswith(("_pct", "(%)", "percent"))], name

    conventions = _conventions()
    for column in ("relative_change", "relative_error", "<side> - <first> (relative)"):
        assert f"`{column}`" in conventions
    # a relative change is a fraction of the reference: Alpha's capex 2025 doubles from 1.875 to 3.75
    compare = tables["compare-base-high/compare.csv"].set_index(["company", "measure"])
    assert compare.loc[("Alpha", "Capex 2025 (USD bn)"), "high - base (relative)"] == pytest.approx(1.0)
    records = json.loads(outputs.joinpath("compare-base-high/compare.json").read_text())["rows"]
    assert records[0]["relative_change"] == {"high": pytest.approx(1.0)}
    # Alpha's reported RMB 16bn = USD 2.0bn against a projected 1.875: -6.25%
    backtest = tables["backtest-base/backtest.csv"]
    assert backtest.loc[0, "relative_error"] == pytest.approx(-0.0625)
    # shares and probabilities are fractions; money and counts are in the unit their row names
    projection = tables["base/projection.csv"].set_index(["metric", "company", "year"])
    assert projection.loc[("capex_cumulative_share", "Alpha", 2027), ["unit", "value"]].tolist() == [
        "ratio", pytest.approx(6.0 / 17.19)]
    assert projection.loc[("capex", "Alpha", 2025), ["unit", "value"]].tolist() == ["USD bn", pytest.approx(1.875)]
    assert projection.loc[("accelerators_installed", "Alpha", 2027), "unit"] == "thousand units"
    assert tables["base/leads.csv"]["probability"].between(0, 1).all()
