"""The sensitivity heatmap of a run with draws: its frame, its chart, its CSV and sheet, and the note below the
minimum number of draws."""

from __future__ import annotations

import io

import numpy as np
import openpyxl
import pandas as pd
import pytest

from model.analysis.projection import (
    FIRST_ORDER_COLUMNS,
    HEATMAP_MAX_COMPANIES,
    HEATMAP_METRICS,
    first_order_note,
    overtake_note,
    run,
    run_result,
)
from model.core.first_order import MIN_DRAWS
from model.io.loading import load_inputs
from model.present import charts
from model.present.artifacts import Rendering
from model.present.formats import csv, xlsx
from model.present.heatmap import LABELLED_INDEX, SHOWN_INDEX, first_order_heatmap, top_assumptions
from model.present.report import render_chart
from model.present.run import charts as run_charts
from model.present.run import terminal
from tests.conftest import SMALL
from tests.core.test_scale import COMPANIES, many_inputs  # noqa: F401 (a fixture)
from tests.present.test_charts import font_sizes


def _result(draws: int):
    inputs = load_inputs(SMALL / "scenarios" / "base.yaml")
    return run_result(inputs, run(inputs, draws=draws, rng=4))


@pytest.fixture(scope="module")
def enough():
    return _result(MIN_DRAWS)


@pytest.fixture(scope="module")
def few():
    return _result(1000)


def test_the_frame_is_tidy_with_a_row_per_metric_company_year_and_assumption(enough):
    frame = enough.projection.first_order()
    simulation = enough.projection.simulation
    assert frame.columns.tolist() == FIRST_ORDER_COLUMNS
    keys, companies, years = simulation.first_order.keys, enough.projection.companies, enough.projection.years
    assert len(frame) == len(HEATMAP_METRICS) * len(companies) * len(years) * len(keys)
    assert frame["first_order"].between(0, 1).all()
    # a row says what the array says: Beta's chip spend in the last year, against beta.ai_chips.share_of_capex
    row = frame[(frame["metric"] == "ai_chip_spend_cumulative") & (frame["company"] == "Beta")
                & (frame["year"] == years[-1]) & (frame["assumption"] == "beta.ai_chips.share_of_capex")]
    expected = simulation.first_order.indices["ai_chip_spend_cumulative"][
        keys.index("beta.ai_chips.share_of_capex"), companies.index("Beta"), -1]
    assert row["first_order"].tolist() == [expected] and expected > 0.5


def test_the_csv_and_the_workbook_hold_every_index(enough):
    written = csv.first_order(Rendering(enough))["first_order.csv"]
    read = pd.read_csv(io.StringIO(written))
    frame = enough.projection.first_order()
    assert read.columns.tolist() == FIRST_ORDER_COLUMNS
    np.testing.assert_allclose(read["first_order"], frame["first_order"], rtol=1e-15)
    book = openpyxl.load_workbook(io.BytesIO(xlsx.run(Rendering(enough))["base.xlsx"]))
    assert "First-order" in book.sheetnames
    sheet = book["First-order"]
    rows = list(sheet.iter_rows())
    assert [cell.value for cell in rows[0]] == ["Scenario", "Metric", "Label", "Company", "Year", "Assumption",
                                                "First order"]
    assert len(rows) == len(frame) + 1
    assert rows[1][-1].number_format == "0.000"  # an index to three decimals, as every index is shown


def test_the_same_seed_gives_the_same_csv_bytes(enough):
    again = _result(MIN_DRAWS)
    assert csv.first_order(Rendering(again)) == csv.first_order(Rendering(enough))


def test_a_run_below_the_minimum_says_so_and_writes_no_heatmap(few, enough):
    note = "the sensitivity heatmaps (which assumption decides each company's figure in each year) need 10,000 " \
           "draws or more; this run has 1,000"
    assert first_order_note(few.projection) == note
    assert f"{note[0].upper()}{note[1:]}." in terminal(few)
    assert csv.first_order(Rendering(few)) == {}
    assert not [stem for stem in run_charts(few) if stem.startswith("first_order")]
    assert first_order_note(enough.projection) is None
    assert [stem for stem in run_charts(enough) if stem.startswith("first_order")] == \
        [f"first_order_{metric}" for metric in HEATMAP_METRICS]


def test_a_run_of_more_companies_than_a_heatmap_holds_draws_none_and_says_why(many_inputs):  # noqa: F811
    assert COMPANIES > HEATMAP_MAX_COMPANIES
    result = run_result(many_inputs, run(many_inputs, draws=MIN_DRAWS, rng=0))
    assert result.projection.simulation.first_order is None
    assert first_order_note(result.projection) == (
        "the sensitivity heatmaps (which assumption decides each company's figure in each year) are drawn for at "
        f"most 12 companies; this run has {COMPANIES}")
    assert not [stem for stem in run_charts(result) if stem.startswith("first_order")]
    # nor are overtakes counted for every pair, and the run says among whom they are
    note = overtake_note(result.projection)
    assert note.startswith(f"with {COMPANIES} companies, who overtakes whom is counted among the 12 that lead each "
                           "race metric in the last year at median values (")
    assert note.endswith("); the other pairs show 0%") and f"{note[0].upper()}{note[1:]}." in terminal(result)
    assert overtake_note(_result(MIN_DRAWS).projection) is None


# ----------------------------------------------------------------------------------------------------- the chart
def _frame(indices: dict[str, list[float]]) -> pd.DataFrame:
    """A one-metric frame: Alpha and Beta, 2025-2026, the assumptions' indices in that order of cells."""
    rows = []
    for key, values in indices.items():
        for (company, year), value in zip([("Alpha", 2025), ("Alpha", 2026), ("Beta", 2025), ("Beta", 2026)],
                                          values, strict=True):
            rows.append({"scenario": "base", "metric": "accelerators_installed", "company": company, "year": year,
                         "assumption": key, "first_order": value})
    return pd.DataFrame(rows)


def test_the_rows_are_the_top_assumptions_by_their_largest_index():
    frame = _frame({"a.x": [0.1, 0.2, 0.0, 0.0], "b.y": [0.0, 0.0, 0.7, 0.1], "c.z": [0.2, 0.0, 0.0, 0.0],
                    "d.w": [0.0, SHOWN_INDEX / 2, 0.0, 0.0]})
    assert top_assumptions(frame) == ["b.y", "a.x", "c.z"]  # a tie (0.2) by key; d.w is never above noise
    assert top_assumptions(frame, top=1) == ["b.y"]


def test_the_heatmap_shows_each_cells_index_names_its_scenario_and_stays_legible():
    frame = _frame({"a.x": [0.1, 0.2, 0.0, 0.0], "b.y": [0.0, 0.0, 0.7, LABELLED_INDEX / 2]})
    chart = first_order_heatmap(frame)
    spec = chart.to_dict()
    assert spec["title"]["text"] == ("Accelerators installed: which assumption decides it, by company and year, "
                                     "scenario base")
    assert not [size for _, size in font_sizes(spec) if size < charts.SMALLEST_FONT]
    data = next(iter(spec["datasets"].values()))
    labels = {(row["assumption"], row["company"], row["year"]): row["label"] for row in data}
    assert labels[("b.y", "Beta", 2025)] == "0.700" and labels[("b.y", "Beta", 2026)] == ""  # below LABELLED_INDEX
    tooltips = spec["spec"]["layer"][0]["encoding"]["tooltip"]
    assert {t["field"] for t in tooltips} == {"company", "year", "assumption", "first_order"}
    svg = render_chart(chart).svg
    assert "0.700" in svg and "b.y" in svg


def test_a_heatmap_is_of_one_metric():
    frame = pd.concat([_frame({"a.x": [0.1] * 4}), _frame({"a.x": [0.1] * 4}).assign(metric="capex")])
    with pytest.raises(ValueError, match="a heatmap is of one metric and scenario"):
        first_order_heatmap(frame)


# ------------------------------------------------------------------------------------------------------ the command
def test_scenario_run_writes_the_heatmaps_and_their_csv_the_same_bytes_each_time(small, tmp_path):
    from typer.testing import CliRunner

    from model.cli import app

    runner = CliRunner()
    for out in ("one", "two"):
        result = runner.invoke(app, ["run", "base", "--draws", str(MIN_DRAWS), "--out", str(tmp_path / out)])
        assert result.exit_code == 0, result.output
        assert "sensitivity heatmaps" not in result.stdout
    one, two = tmp_path / "one", tmp_path / "two"
    stems = [f"first_order_{metric}" for metric in HEATMAP_METRICS]
    names = ["first_order.csv", "report.html",
             *(f"charts/{stem}.{ext}" for stem in stems for ext in ("vl.json", "svg", "png"))]
    for name in names:
        assert (one / name).read_bytes() == (two / name).read_bytes(), name
    report = (one / "report.html").read_text()
    assert "Accelerators installed: which assumption decides it, by company and year, scenario base" in report
    result = runner.invoke(app, ["run", "base", "--draws", "4096", "--out", str(tmp_path / "few")])
    assert result.exit_code == 0, result.output
    assert ("The sensitivity heatmaps (which assumption decides each company's figure in each year) need 10,000 "
            "draws or more; this run has 4,096.") in result.stdout
    assert not (tmp_path / "few" / "first_order.csv").exists()


def test_the_python_api_gives_the_indices_and_the_heatmaps(enough):
    import model

    result = model.run(SMALL / "scenarios" / "base.yaml", draws=MIN_DRAWS, seed=4)
    pd.testing.assert_frame_equal(result.first_order(), enough.projection.first_order())
    stems = [f"first_order_{metric}" for metric in HEATMAP_METRICS]
    assert list(result.charts()[-len(stems):]) == stems
    assert result.chart(stems[0]).to_dict()["title"]["text"].startswith("Cumulative AI-chip spend: which assumption")
    few = model.run(SMALL / "scenarios" / "base.yaml", draws=1000, seed=4)
    assert few.first_order().empty and not [name for name in few.charts() if name.startswith("first_order")]
    with pytest.raises(model.UsageError, match="unknown chart 'first_order_capex'"):
        result.chart("first_order_capex")
