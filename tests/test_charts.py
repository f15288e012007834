"""Charts: the Vega-Lite each builder writes (marks, encodings, data), for made-up companies."""

from __future__ import annotations

import pandas as pd
import pytest

from model import charts

YEARS = (2025, 2026, 2027)
MONEY_METRICS = ("capex", "capex_cumulative", "ai_chip_spend", "cloud_revenue", "ai_revenue")
SHARE_METRICS = ("capex_share", "ai_chip_spend_share", "accelerators_installed_share")


def tidy_frame(companies: list[str]) -> pd.DataFrame:
    """A projection with every charted metric: company i (from 1) has value i * 10 + year offset for money,
    i * 100 for accelerators, and an equal share of each total."""
    rows = []
    for position, company in enumerate(companies, start=1):
        for offset, year in enumerate(YEARS):
            rows += [("test", company, year, metric, "USD bn", position * 10.0 + offset) for metric in MONEY_METRICS]
            rows.append(("test", company, year, "accelerators_installed", "thousand units", position * 100.0))
            rows += [("test", company, year, metric, "ratio", 1 / len(companies)) for metric in SHARE_METRICS]
    return pd.DataFrame(rows, columns=["scenario", "company", "year", "metric", "unit", "value"])


@pytest.fixture
def frame() -> pd.DataFrame:
    return tidy_frame(["Alpha", "Beta", "Gamma"])


@pytest.fixture
def plans() -> pd.DataFrame:
    return pd.DataFrame(
        {"company": ["Alpha"], "plan_total": [30.0], "unit": ["USD bn"], "start": [2025], "end": [2027]}
    )


def data_values(spec: dict, view: dict) -> list[dict]:
    """The inline rows a view of `spec` draws: its own data or, failing that, its parent's (Altair keeps the rows
    themselves in the top-level `datasets`)."""
    return spec["datasets"][view.get("data", spec.get("data"))["name"]]


def main_view(spec: dict) -> dict:
    """The view that draws the companies' values: the first layer of a layered chart."""
    return spec["layer"][0] if "layer" in spec else spec


def rows_of(frame: pd.DataFrame, metric: str) -> list[dict]:
    return frame.loc[frame["metric"] == metric, ["company", "year", "value"]].to_dict("records")


@pytest.mark.parametrize(
    ("builder", "metric", "title", "y_title"),
    [
        (charts.capex_by_company, "capex", "Capex by company (USD bn)", "Capex (USD bn)"),
        (charts.ai_chip_spend, "ai_chip_spend", "AI-chip spend by company (USD bn)", "AI-chip spend (USD bn)"),
        (
            charts.accelerators_installed,
            "accelerators_installed",
            "Accelerators installed by company (thousand units)",
            "Accelerators installed (thousand units)",
        ),
    ],
)
def test_line_charts_draw_one_line_per_company(frame, builder, metric, title, y_title):
    spec = builder(frame).to_dict()
    assert spec["mark"] == {"type": "line", "point": True}
    encoding = spec["encoding"]
    assert (encoding["x"]["field"], encoding["x"]["type"]) == ("year", "ordinal")
    assert (encoding["y"]["field"], encoding["y"]["type"], encoding["y"]["title"]) == ("value", "quantitative", y_title)
    assert encoding["color"]["field"] == "company"
    assert [tooltip["field"] for tooltip in encoding["tooltip"]] == ["company", "year", "value"]
    assert spec["title"] == title
    assert data_values(spec, spec) == rows_of(frame, metric)
    assert (spec["width"], spec["height"]) == (charts.WIDTH, charts.HEIGHT)


def test_cumulative_capex_has_a_labelled_rule_per_plan(frame, plans):
    spec = charts.cumulative_capex_vs_plan(frame, plans).to_dict()
    lines, rules, labels = spec["layer"]
    assert lines["mark"]["type"] == "line"
    assert data_values(spec, lines) == rows_of(frame, "capex_cumulative")
    assert rules["mark"]["type"] == "rule"
    assert rules["encoding"]["y"]["field"] == "plan_total"
    assert rules["encoding"]["color"]["field"] == "company"
    assert data_values(spec, rules) == [
        {"company": "Alpha", "plan_total": 30.0, "start": 2025, "end": 2027, "label": "Alpha plan 2025-2027: 30 USD bn"}
    ]
    assert labels["mark"]["type"] == "text"
    assert labels["encoding"]["text"]["field"] == "label"


def test_cumulative_capex_works_without_plans(frame, plans):
    spec = charts.cumulative_capex_vs_plan(frame, plans.iloc[0:0]).to_dict()
    assert data_values(spec, spec["layer"][1]) == []
    assert data_values(spec, spec["layer"][0]) == rows_of(frame, "capex_cumulative")


def test_cumulative_capex_refuses_plans_in_another_unit(frame, plans):
    with pytest.raises(ValueError, match=r"plans are in \['CNY bn'\] but cumulative capex is in USD bn"):
        charts.cumulative_capex_vs_plan(frame, plans.assign(unit="CNY bn"))


def test_cloud_revenue_dashes_ai_revenue(frame):
    spec = charts.cloud_revenue(frame).to_dict()
    lines, points = spec["layer"]
    assert lines["mark"]["type"] == "line"
    dash = lines["encoding"]["strokeDash"]
    assert (dash["field"], dash["scale"]["domain"]) == ("series", ["Cloud revenue", "AI revenue"])
    assert points["mark"]["type"] == "point"
    assert [tooltip["field"] for tooltip in points["encoding"]["tooltip"]] == ["company", "series", "year", "value"]
    assert lines["encoding"]["y"]["title"] == "Revenue (USD bn)"
    drawn = pd.DataFrame(data_values(spec, spec))
    assert sorted(drawn["series"].unique()) == ["AI revenue", "Cloud revenue"]
    cloud = drawn[drawn["series"] == "Cloud revenue"][["company", "year", "value"]].to_dict("records")
    assert cloud == rows_of(frame, "cloud_revenue")


def test_race_shares_stack_to_one_in_a_panel_per_measure(frame):
    spec = charts.race_shares(frame).to_dict()
    assert spec["mark"]["type"] == "bar"
    encoding = spec["encoding"]
    assert encoding["column"]["field"] == "measure"
    assert encoding["column"]["sort"] == ["Capex", "AI-chip spend", "Accelerators installed"]
    assert encoding["y"]["axis"]["format"] == "%"
    assert encoding["y"]["scale"]["domain"] == [0, 1]
    assert encoding["y"]["stack"] == "zero"
    assert encoding["order"]["field"] == "company_order"
    drawn = pd.DataFrame(data_values(spec, spec))
    assert drawn.groupby(["measure", "year"])["value"].sum().tolist() == pytest.approx([1.0] * 9)
    assert drawn["company"].drop_duplicates().tolist() == ["Alpha", "Beta", "Gamma"]
    assert drawn["company_order"].drop_duplicates().tolist() == [0, 1, 2]


def test_build_charts_in_report_order(frame, plans):
    assert list(charts.build_charts(frame, plans)) == [
        "capex",
        "capex_cumulative_vs_plan",
        "ai_chip_spend",
        "cloud_revenue",
        "race_shares",
        "accelerators_installed",
    ]


def test_every_chart_shares_one_colour_per_company_in_frame_order(plans):
    # not alphabetical: the frame's order is the legend's and the palette's
    frame = tidy_frame(["Gamma", "Alpha", "Beta"])
    for name, chart in charts.build_charts(frame, plans).items():
        encoding = main_view(chart.to_dict())["encoding"]
        assert encoding["color"]["scale"] == {"domain": ["Gamma", "Alpha", "Beta"], "scheme": "tableau10"}, name
        assert (encoding["x"]["field"], encoding["x"]["type"]) == ("year", "ordinal"), name


def test_a_fourth_company_appears_in_every_chart(plans):
    frame = tidy_frame(["Alpha", "Beta", "Gamma", "Delta"])
    for name, chart in charts.build_charts(frame, plans).items():
        spec = chart.to_dict()
        view = main_view(spec)
        assert {row["company"] for row in data_values(spec, view)} == {"Alpha", "Beta", "Gamma", "Delta"}, name
        assert view["encoding"]["color"]["scale"]["domain"][-1] == "Delta", name


def test_unknown_columns_are_ignored(frame, plans):
    with_percentiles = frame.assign(p5=frame["value"] * 0.8, p50=frame["value"], p95=frame["value"] * 1.2)
    assert charts.build_charts(with_percentiles, plans)["capex"].to_dict() == charts.capex_by_company(frame).to_dict()


def test_a_missing_metric_is_named_with_the_metrics_present(frame):
    with pytest.raises(ValueError, match=r"no rows for metric\(s\) \['capex'\]; metrics present: \['accelerators"):
        charts.capex_by_company(frame[frame["metric"] != "capex"])


def test_one_scenario_per_chart(frame):
    two_scenarios = pd.concat([frame, frame.assign(scenario="bull")])
    with pytest.raises(ValueError, match=r"a chart draws one scenario, but the frame holds 2: \['test', 'bull'\]"):
        charts.capex_by_company(two_scenarios)
