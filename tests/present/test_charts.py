"""Charts: the Vega-Lite each builder writes (marks, encodings, data), for made-up companies."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from model import format
from model.catalogue import METRICS, Kind
from model.present import charts
from model.present.palette import company_colours
from model.present.report import VEGA_LITE_VERSION, render_chart

YEARS = (2025, 2026, 2027)
CHARTED = [metric for metric in METRICS.values() if metric.chart is not None]


def tidy_frame(companies: list[str]) -> pd.DataFrame:
    """A projection with every metric the catalogue charts: company i (from 1) has value i * 10 + year offset for
    money, i * 100 for counts (accelerators), and an equal share of each total."""
    rows = []
    for position, company in enumerate(companies, start=1):
        for offset, year in enumerate(YEARS):
            for metric in CHARTED:
                value = {Kind.money: position * 10.0 + offset, Kind.count: position * 100.0}.get(
                    metric.kind, 1 / len(companies))
                rows.append(("test", company, year, metric.key, metric.unit("USD"), value))
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


def rows_of(frame: pd.DataFrame, metric: str, columns: tuple[str, ...] = ("company", "year", "value")) -> list[dict]:
    return frame.loc[frame["metric"] == metric, list(columns)].to_dict("records")


def with_draws(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` as a run with draws writes it: summaries around each value, the median not equal to the value."""
    return frame.assign(
        mean=frame["value"] * 1.1, p5=frame["value"] * 0.8, p50=frame["value"] * 1.05, p95=frame["value"] * 1.3
    )


DRAW_COLUMNS = ("company", "year", "value", "mean", "p5", "p50", "p95")
# what a fan chart's line draws and its tooltip shows: the mean is in the frame, not in the chart
FAN_COLUMNS = ("company", "year", "value", "p5", "p50", "p95")


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
        (
            charts.compute_installed,
            "compute_installed",
            "Compute installed by company (thousand H100e)",
            "Compute installed (thousand H100e)",
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
    assert spec["title"] == f"{title}, scenario test"
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
    # across the plan's window only, on the lines' year axis
    assert (rules["encoding"]["x"]["field"], rules["encoding"]["x"]["type"]) == ("start", "ordinal")
    assert rules["encoding"]["x2"]["field"] == "end"
    assert data_values(spec, rules) == [
        {"company": "Alpha", "plan_total": 30.0, "start": 2025, "end": 2027, "label": "Alpha plan 2025-2027: 30"}
    ]
    assert labels["mark"]["type"] == "text"
    assert labels["encoding"]["text"]["field"] == "label"
    assert labels["encoding"]["x"]["field"] == "start"


def test_a_plan_rule_spans_its_window_in_the_rendered_chart(frame):
    # a plan of 2026-2027 in a 2025-2027 horizon: the rule runs from the 2026 tick to the 2027 tick, not across 2025
    plan = pd.DataFrame({"company": ["Beta"], "plan_total": [30.0], "unit": ["USD bn"], "start": [2026], "end": [2027]})
    svg = assert_renders(charts.cumulative_capex_vs_plan(frame, plan))
    ticks = {year: float(x) for x, year in re.findall(r'translate\(([\d.]+),16\)"[^>]*>(20\d\d)</text>', svg)}
    rule = re.search(r'aria-roledescription="rule mark" transform="translate\(([\d.]+),[\d.]+\)" x2="([\d.]+)"', svg)
    assert rule, "no plan rule in the SVG"
    start, length = float(rule[1]), float(rule[2])
    assert start == pytest.approx(ticks["2026"], abs=1)
    assert start + length == pytest.approx(ticks["2027"], abs=1)


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
    assert encoding["column"]["sort"] == ["Capex", "AI-chip spend", "Accelerators installed", "Compute installed"]
    assert encoding["y"]["axis"]["format"] == "%"
    assert encoding["y"]["scale"]["domain"] == [0, 1]
    assert encoding["y"]["stack"] == "zero"
    assert encoding["order"]["field"] == "company_order"
    drawn = pd.DataFrame(data_values(spec, spec))
    assert drawn.groupby(["measure", "year"])["value"].sum().tolist() == pytest.approx([1.0] * 12)
    assert drawn["company"].drop_duplicates().tolist() == ["Alpha", "Beta", "Gamma"]
    assert drawn["company_order"].drop_duplicates().tolist() == [0, 1, 2]


def test_build_charts_in_report_order(frame, plans):
    assert list(charts.build_charts(frame, plans)) == [
        "capex",
        "capex_cumulative_vs_plan",
        "ai_chip_spend",
        "cloud_revenue",
        "cloud_market_revenue",
        "cloud_market_share",
        "race_shares",
        "accelerators_installed",
        "compute_installed",
    ]


def colour_pairs(view: dict) -> dict[str, str]:
    """Company -> colour of a view's colour scale."""
    scale = view["encoding"]["color"]["scale"]
    return dict(zip(scale["domain"], scale["range"], strict=True))


# made-up colours, none of them a palette slot a name would get
COLOURS = {"Gamma": "#111111", "Alpha": "#222222", "Beta": "#333333"}


@pytest.mark.parametrize("draws", [False, True])
def test_every_chart_gives_each_company_the_colour_it_is_given(plans, draws):
    # not alphabetical: the frame's order is the legend's
    frame = tidy_frame(["Gamma", "Alpha", "Beta"])
    frame = with_draws(frame) if draws else frame
    for name, chart in charts.build_charts(frame, plans, COLOURS).items():
        spec = chart.to_dict()
        for view in spec.get("layer", [spec]):
            if "color" in view.get("encoding", {}):
                assert colour_pairs(view) == COLOURS, name
        assert (main_view(spec)["encoding"]["x"]["field"], main_view(spec)["encoding"]["x"]["type"]) == (
            "year", "ordinal"), name


@pytest.mark.parametrize("draws", [False, True])
def test_adding_a_company_leaves_the_others_colours_as_they_were(plans, draws):
    # no colours given: each company's comes from its name, as for a company file without `colour:`
    def colours(companies: list[str]) -> dict[str, dict[str, str]]:
        frame = tidy_frame(companies)
        frame = with_draws(frame) if draws else frame
        return {name: colour_pairs(main_view(chart.to_dict())) for name, chart in charts.build_charts(frame,
                                                                                                      plans).items()}

    before, after = colours(["Alpha", "Beta", "Gamma"]), colours(["Aardvark", "Alpha", "Beta", "Gamma"])
    for name in before:
        assert {company: after[name][company] for company in before[name]} == before[name], name
        assert set(after[name]) == {"Aardvark", "Alpha", "Beta", "Gamma"}, name


@pytest.mark.parametrize("draws", [False, True])
def test_a_fourth_company_appears_in_every_chart(plans, draws):
    frame = tidy_frame(["Alpha", "Beta", "Gamma", "Delta"])
    frame = with_draws(frame) if draws else frame
    for name, chart in charts.build_charts(frame, plans).items():
        spec = chart.to_dict()
        view = main_view(spec)
        assert {row["company"] for row in data_values(spec, view)} == {"Alpha", "Beta", "Gamma", "Delta"}, name
        assert view["encoding"]["color"]["scale"]["domain"][-1] == "Delta", name


def test_unknown_columns_and_empty_summaries_change_no_chart(frame, plans):
    # a run without draws may write the summary columns empty: its charts are those of the bare frame
    empty_summaries = frame.assign(source="made up", mean=np.nan, p5=np.nan, p50=np.nan, p95=np.nan)
    expected = charts.build_charts(frame, plans)
    for name, chart in charts.build_charts(empty_summaries, plans).items():
        assert chart.to_dict() == expected[name].to_dict(), name


def test_a_missing_metric_is_named_with_the_metrics_present(frame):
    with pytest.raises(ValueError, match=r"no rows for metric\(s\) \['capex'\]; metrics present: \['accelerators"):
        charts.capex_by_company(frame[frame["metric"] != "capex"])


def test_one_scenario_per_chart(frame):
    two_scenarios = pd.concat([frame, frame.assign(scenario="bull")])
    with pytest.raises(ValueError, match=r"a chart draws one scenario, but the frame holds 2: \['test', 'bull'\]"):
        charts.capex_by_company(two_scenarios)


def rendered_y(svg: str, label: str) -> float:
    """The y of an axis label in a rendered SVG: relative to its axis, so comparable only within one panel."""
    match = re.search(rf'translate\(-?[\d.]+,(-?[\d.]+)\)"[^>]*>{re.escape(label)}</text>', svg)
    assert match, f"{label!r} is not a label of the rendered chart"
    return float(match[1])


def assert_renders(chart) -> str:
    rendered = render_chart(chart)
    assert rendered.png.startswith(b"\x89PNG")
    return rendered.svg


# ------------------------------------------------------------------------------------------------------ fan charts
FAN_BUILDERS = {
    "capex": (charts.capex_by_company, "capex"),
    "ai_chip_spend": (charts.ai_chip_spend, "ai_chip_spend"),
    "accelerators_installed": (charts.accelerators_installed, "accelerators_installed"),
    "capex_cumulative_vs_plan": (lambda frame: charts.cumulative_capex_vs_plan(frame, PLANS), "capex_cumulative"),
}
PLANS = pd.DataFrame({"company": ["Alpha"], "plan_total": [30.0], "unit": ["USD bn"], "start": [2025], "end": [2027]})


@pytest.mark.parametrize(("builder", "metric"), FAN_BUILDERS.values(), ids=FAN_BUILDERS)
def test_fan_charts_draw_an_outlined_band_behind_the_median(frame, builder, metric):
    spec = builder(with_draws(frame)).to_dict()
    fill, edges, line = spec["layer"][:3]
    assert fill["mark"] == {"type": "area"}
    assert (fill["encoding"]["y"]["field"], fill["encoding"]["y2"]["field"]) == ("p5", "p95")
    assert fill["encoding"]["color"]["field"] == "company"
    # the band's two edges, a line each in the company's colour, so overlapping bands can be told apart
    assert edges["mark"] == {"type": "line", "strokeWidth": 1}
    assert edges["transform"][0] == {"fold": ["p5", "p95"], "as": ["edge", "bound"]}
    assert (edges["encoding"]["y"]["field"], edges["encoding"]["detail"]["field"]) == ("bound", "edge")
    assert edges["encoding"]["color"] == fill["encoding"]["color"] == line["encoding"]["color"]
    assert line["mark"] == {"type": "line", "point": True}
    assert line["encoding"]["y"]["field"] == "p50"
    unit = METRICS[metric].unit("USD")
    assert [(tooltip["field"], tooltip["title"]) for tooltip in line["encoding"]["tooltip"][2:]] == [
        ("p50", f"Median ({unit})"), ("interval", f"5th-95th percentile ({unit})"),
        ("value", f"At the assumptions' values ({unit})")]
    assert spec["title"]["subtitle"][0].startswith("Median and 90% interval")
    assert spec["title"]["subtitle"][1] == charts.FAN_TABLE_NOTE
    expected = [{**row, "interval": format.interval(row["p5"], row["p95"], METRICS[metric].kind)}
                for row in rows_of(with_draws(frame), metric, FAN_COLUMNS)]
    assert data_values(spec, fill) == data_values(spec, edges) == data_values(spec, line) == expected


def test_a_fan_tooltip_gives_the_band_as_the_one_formatter_writes_it(frame):
    # 5th and 95th percentiles of 1,234.56 and 2,345.67: thousands separated, one decimal
    wide = with_draws(frame).assign(p5=1234.56, p95=2345.67)
    spec = charts.capex_by_company(wide).to_dict()
    assert {row["interval"] for row in data_values(spec, spec["layer"][2])} == {"1,234.6-2,345.7"}


def test_every_mark_of_a_fan_has_a_tooltip_naming_the_company(frame, plans):
    for name, chart in charts.build_charts(with_draws(frame), plans).items():
        spec = chart.to_dict()
        for view in spec.get("layer", [spec.get("spec", spec)]):
            tooltips = view["encoding"]["tooltip"]
            assert tooltips[0] == {"field": "company", "type": "nominal", "title": "Company"}, (name, view["mark"])


def test_cumulative_capex_fan_keeps_its_plan_rules_in_one_flat_layer(frame, plans):
    spec = charts.cumulative_capex_vs_plan(with_draws(frame), plans).to_dict()
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["area", "line", "line", "rule", "text"]
    assert spec["title"]["text"] == "Cumulative capex against announced plans (USD bn), scenario test"


def test_cloud_revenue_fan_bands_cloud_revenue_only(frame):
    spec = charts.cloud_revenue(with_draws(frame)).to_dict()
    band, edges, lines, points = spec["layer"]
    assert band["mark"]["type"] == "area"
    assert edges["transform"][0]["fold"] == ["p5", "p95"]
    assert {row["series"] for row in data_values(spec, band)} == {"Cloud revenue"}
    assert [row["p95"] for row in data_values(spec, band)] == [
        row["p95"] for row in rows_of(with_draws(frame), "cloud_revenue", ("p95",))
    ]
    assert lines["encoding"]["y"]["field"] == points["encoding"]["y"]["field"] == "p50"
    assert [tooltip["field"] for tooltip in points["encoding"]["tooltip"]] == ["company", "series", "year", "p50",
                                                                               "interval", "value"]
    assert spec["title"]["subtitle"][0].startswith("Median and 90% interval")
    assert spec["title"]["subtitle"][1] == charts.FAN_TABLE_NOTE


def test_summaries_in_some_rows_only_are_refused(frame):
    partial = with_draws(frame)
    partial.loc[partial["company"] == "Beta", "p95"] = np.nan
    with pytest.raises(ValueError, match=r"metric\(s\) \['capex'\] have p5 and p95 in some rows only"):
        charts.capex_by_company(partial)


def test_a_fan_needs_every_summary(frame):
    for dropped in ("mean", "p95"):
        with pytest.raises(
            ValueError, match=rf"has summaries of draws but no \['{dropped}'\]; a fan chart needs \['mean'"
        ):
            charts.capex_by_company(with_draws(frame).drop(columns=dropped))


# --------------------------------------------------------------------------------------------------- sensitivity
def per_row(frame: pd.DataFrame) -> list[str]:
    """The columns of a sensitivity frame that vary by row; a chart titles the others (one scenario, metric, year)."""
    return [column for column in frame.columns if column not in ("scenario", "metric", "unit", "year")]


def tornado_frame(companies: list[str]) -> pd.DataFrame:
    """Per company, in the spec's order (swing descending): its capex plan (raises chip spend), the chip price
    (lowers it), the exchange rate (a key of no company) and a key of another company, which keeps its prefix."""
    rows = []
    for position, company in enumerate(companies, start=1):
        base = position * 100.0
        slug = company.lower()
        other = "zeta" if slug != "zeta" else "alpha"
        rows += [
            (company, f"{slug}.capex.plan_total", "350", "440", base - 30, base + 40),
            (
                company,
                f"{slug}.accelerator.unit_price",
                "2025: 1.0, 2026: 0.9",
                "2025: 2.0, 2026: 1.8",
                base + 20,
                base - 25,
            ),
            (company, "fx.CNY", "6.9", "7.4", base - 5, base + 6),
            (company, f"{other}.capex.plan_total", "10", "20", base, base),
        ]
    frame = pd.DataFrame(rows, columns=["company", "key", "input_low", "input_high", "output_low", "output_high"])
    frame = frame.assign(
        scenario="test",
        metric="ai_chip_spend_cumulative",
        unit="USD bn",
        year=2027,
        base=frame["company"].map({company: position * 100.0 for position, company in enumerate(companies, start=1)}),
        swing=(frame["output_high"] - frame["output_low"]).abs(),
    )
    return frame[
        [
            "scenario",
            "metric",
            "unit",
            "company",
            "year",
            "key",
            "input_low",
            "input_high",
            "output_low",
            "output_high",
            "base",
            "swing",
        ]
    ]


def sobol_frame(companies: list[str]) -> pd.DataFrame:
    """Per company, total order descending; the last assumption's estimates are below zero, as noise makes them."""
    rows = []
    for company in companies:
        slug = company.lower()
        rows += [
            (company, f"{slug}.capex.plan_total", 0.55, 0.5, 0.6, 0.7, 0.62, 0.78),
            (company, f"{slug}.chips.share_of_capex", 0.2, 0.15, 0.25, 0.3, 0.24, 0.36),
            (company, "fx.CNY", -0.01, -0.03, 0.02, -0.002, -0.01, 0.01),
        ]
    columns = [
        "company",
        "key",
        "first_order",
        "first_order_low",
        "first_order_high",
        "total_order",
        "total_order_low",
        "total_order_high",
    ]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.assign(scenario="test", metric="ai_chip_spend_cumulative", unit="USD bn", year=2027)[
        ["scenario", "metric", "unit", "company", "year", *columns[1:]]
    ]


def test_tornado_bars_run_from_low_to_high_output_around_the_base():
    frame = tornado_frame(["Alpha", "Beta"])
    spec = charts.tornado(frame).to_dict()
    assert spec["facet"]["row"]["field"] == "company"
    assert spec["facet"]["row"]["sort"] == ["Alpha", "Beta"]
    assert spec["resolve"]["scale"]["y"] == "independent"
    bars, base = spec["spec"]["layer"]
    assert bars["mark"]["type"] == "bar"
    encoding = bars["encoding"]
    assert (encoding["x"]["field"], encoding["x2"]["field"]) == ("output_low", "output_high")
    assert encoding["y"]["field"] == "assumption"
    assert encoding["y"]["sort"] == {"field": "swing", "order": "descending"}
    assert encoding["color"]["field"] == "effect"
    assert encoding["color"]["scale"]["domain"] == ["raises the output", "lowers the output", "leaves it unchanged"]
    assert base["mark"]["type"] == "rule"
    assert (base["encoding"]["x"]["field"], base["encoding"]["x"]["aggregate"]) == ("base", "min")
    assert spec["title"]["text"] == ("Cumulative AI-chip spend in 2027 (USD bn): the swing of each assumption, "
                                     "scenario test")
    drawn = pd.DataFrame(data_values(spec, spec))
    pd.testing.assert_frame_equal(drawn[per_row(frame)], frame[per_row(frame)].reset_index(drop=True))
    assert drawn.loc[drawn["company"] == "Alpha", "assumption"].tolist() == [
        "capex.plan_total",
        "accelerator.unit_price",
        "fx.CNY",
        "zeta.capex.plan_total",
    ]
    assert drawn.loc[drawn["company"] == "Beta", "effect"].tolist() == [
        "raises the output",
        "lowers the output",
        "raises the output",
        "leaves it unchanged",
    ]


def test_tornado_puts_the_largest_swing_on_top():
    # rows in the opposite order, and keys whose alphabetical order is not the swings'
    frame = tornado_frame(["Alpha"]).iloc[::-1]
    svg = assert_renders(charts.tornado(frame))
    tops = [rendered_y(svg, label) for label in ("capex.plan_total", "accelerator.unit_price", "fx.CNY")]
    assert tops == sorted(tops)


def test_tornado_draws_one_metric():
    frame = tornado_frame(["Alpha"])
    frame.loc[0, "metric"] = "capex"
    with pytest.raises(ValueError, match=r"a chart draws one metric, but the frame holds 2"):
        charts.tornado(frame)


def test_sobol_pairs_total_and_first_order_bars_with_their_intervals():
    frame = sobol_frame(["Alpha", "Beta"])
    spec = charts.sobol(frame).to_dict()
    assert spec["facet"]["row"]["sort"] == ["Alpha", "Beta"]
    assert spec["resolve"]["scale"]["y"] == "independent"
    layers = spec["spec"]["layer"]
    assert [layer["mark"]["type"] for layer in layers] == ["bar", "rule", "bar", "rule"]
    for bar, rule, (index, label) in zip(layers[::2], layers[1::2], charts.SOBOL_INDICES.items(), strict=True):
        assert bar["encoding"]["x"]["field"] == index
        assert bar["encoding"]["x"]["scale"] == {"domain": [0, 1], "clamp": True}
        assert (rule["encoding"]["x"]["field"], rule["encoding"]["x2"]["field"]) == (f"{index}_low", f"{index}_high")
        for layer in (bar, rule):
            assert layer["transform"] == [{"calculate": f"'{label}'", "as": "index"}]
            assert layer["encoding"]["yOffset"]["field"] == "index"
            assert layer["encoding"]["y"]["sort"] == {"field": "total_order", "op": "max", "order": "descending"}
    assert layers[0]["encoding"]["color"]["scale"]["domain"] == ["Total order", "First order"]
    drawn = pd.DataFrame(data_values(spec, spec))
    # the data keep the negative estimates: only the axis clamps them
    pd.testing.assert_frame_equal(drawn[per_row(frame)], frame[per_row(frame)].reset_index(drop=True))
    assert drawn["assumption"].tolist() == ["capex.plan_total", "chips.share_of_capex", "fx.CNY"] * 2


def test_sobol_puts_the_largest_total_order_on_top():
    frame = sobol_frame(["Alpha"]).iloc[::-1]
    frame["key"] = ["a.first_alphabetically", "alpha.middle", "z.last_alphabetically"]
    svg = assert_renders(charts.sobol(frame))
    tops = [rendered_y(svg, label) for label in ("z.last_alphabetically", "middle", "a.first_alphabetically")]
    assert tops == sorted(tops)


@pytest.mark.parametrize(("builder", "make_frame"), [(charts.tornado, tornado_frame), (charts.sobol, sobol_frame)])
def test_sensitivity_charts_draw_a_company_added(builder, make_frame):
    spec = builder(make_frame(["Alpha", "Beta", "Gamma", "Delta"])).to_dict()
    assert spec["facet"]["row"]["sort"] == ["Alpha", "Beta", "Gamma", "Delta"]
    assert {row["company"] for row in data_values(spec, spec)} == {"Alpha", "Beta", "Gamma", "Delta"}


# ------------------------------------------------------------------------------------------------------- the race
def lead_frame(companies: list[str]) -> pd.DataFrame:
    """Company i of n leads with probability (n - i) / sum, the same on every metric; metrics in an order that is
    neither the panels' nor alphabetical."""
    weights = np.arange(len(companies), 0, -1) / np.arange(len(companies), 0, -1).sum()
    rows = [
        ("test", metric, company, year, weight)
        for metric in ("accelerators_installed", "capex_cumulative", "compute_installed", "ai_chip_spend_cumulative")
        for company, weight in zip(companies, weights, strict=True)
        for year in YEARS
    ]
    return pd.DataFrame(rows, columns=["scenario", "metric", "company", "year", "probability"])


def test_lead_probability_draws_a_line_per_company_in_a_panel_per_metric():
    frame = lead_frame(["Gamma", "Alpha", "Beta"])
    spec = charts.lead_probability(frame).to_dict()
    assert spec["mark"] == {"type": "line", "point": True}
    encoding = spec["encoding"]
    assert encoding["column"]["field"] == "measure"
    assert encoding["column"]["sort"] == ["Cumulative capex", "Cumulative AI-chip spend", "Accelerators installed",
                                          "Compute installed"]
    assert (encoding["x"]["field"], encoding["x"]["type"]) == ("year", "ordinal")
    assert encoding["y"]["field"] == "probability"
    assert (encoding["y"]["axis"]["format"], encoding["y"]["scale"]["domain"]) == ("%", [0, 1])
    assert encoding["color"]["scale"]["domain"] == ["Gamma", "Alpha", "Beta"]
    assert spec["title"] == "Probability of leading by company (% of draws in which it is first), scenario test"
    drawn = pd.DataFrame(data_values(spec, spec))
    columns = ["company", "metric", "year", "probability"]
    pd.testing.assert_frame_equal(drawn[columns], frame[columns])
    assert drawn.groupby(["metric", "year"])["probability"].sum().tolist() == pytest.approx([1.0] * 12)


def test_lead_probability_draws_a_company_added():
    spec = charts.lead_probability(lead_frame(["Alpha", "Beta", "Gamma", "Delta"])).to_dict()
    assert spec["encoding"]["color"]["scale"]["domain"][-1] == "Delta"
    assert {row["company"] for row in data_values(spec, spec)} == {"Alpha", "Beta", "Gamma", "Delta"}


def overtake_frame(pairs: list[tuple[str, str]]) -> pd.DataFrame:
    """Every pair overtakes on every race metric: in 2026 with probability 0.1 and in 2027 with 0.3."""
    rows = [
        ("test", metric, company, rival, year, probability)
        for metric in charts.RACE_METRICS
        for company, rival in pairs
        for year, probability in ((2026, 0.1), (2027, 0.3))
    ]
    return pd.DataFrame(rows, columns=["scenario", "metric", "company", "rival", "year", "probability"])


def test_overtake_years_draw_a_row_per_pair_and_a_column_per_metric():
    frame = overtake_frame([("Beta", "Alpha"), ("Gamma", "Alpha")])
    spec = charts.overtake_years(frame, COLOURS).to_dict()
    assert spec["facet"]["row"]["field"] == "pair"
    assert spec["facet"]["row"]["sort"] == ["Beta overtakes Alpha", "Gamma overtakes Alpha"]
    assert spec["facet"]["column"]["sort"] == ["Cumulative capex", "Cumulative AI-chip spend", "Accelerators installed",
                                               "Compute installed"]
    bars, total = spec["spec"]["layer"]
    assert bars["mark"]["type"] == "bar"
    assert (bars["encoding"]["x"]["field"], bars["encoding"]["y"]["field"]) == ("year", "probability")
    assert bars["encoding"]["y"]["axis"]["format"] == "%"
    # the legend lists the overtakers, in the order of the colours given: Alpha, a rival only, is not drawn
    assert colour_pairs(bars) == {"Gamma": "#111111", "Beta": "#333333"}
    assert spec["title"] == "Year of first overtaking (% of draws), scenario test"
    assert total["mark"]["type"] == "text"
    assert total["transform"][0] == {"aggregate": [{"op": "sum", "field": "probability", "as": "total"}]}
    drawn = pd.DataFrame(data_values(spec, spec))
    columns = ["company", "rival", "metric", "year", "probability"]
    pd.testing.assert_frame_equal(drawn[columns], frame[columns])
    assert drawn["pair"].drop_duplicates().tolist() == ["Beta overtakes Alpha", "Gamma overtakes Alpha"]


def test_overtake_years_fill_an_empty_cell_with_a_zero():
    # Beta never overtakes Alpha on capex: without a row there, Vega-Lite would shift the grid's cells
    frame = overtake_frame([("Beta", "Alpha"), ("Gamma", "Alpha")])
    frame = frame[~((frame["company"] == "Beta") & (frame["metric"] == "capex_cumulative"))]
    spec = charts.overtake_years(frame).to_dict()
    drawn = pd.DataFrame(data_values(spec, spec))
    assert len(drawn) == len(frame) + 1
    assert drawn.iloc[-1].to_dict() == {
        "company": "Beta",
        "rival": "Alpha",
        "metric": "capex_cumulative",
        "year": 2026,
        "probability": 0.0,
        "measure": "Cumulative capex",
        "pair": "Beta overtakes Alpha",
    }


def test_overtake_colours_are_the_companies_own_and_the_legend_lists_the_overtakers():
    frame = overtake_frame([("Gamma", "Alpha"), ("Beta", "Alpha")])
    by_name = charts.overtake_years(frame).to_dict()["spec"]["layer"][0]
    # without colours, each company's own from its name, as a run gives them
    assert colour_pairs(by_name) == {name: colour for name, colour in company_colours(["Gamma", "Beta"]).items()}


def test_overtake_years_draw_a_company_added():
    spec = charts.overtake_years(overtake_frame([("Beta", "Alpha"), ("Delta", "Gamma")])).to_dict()
    assert "Delta overtakes Gamma" in spec["facet"]["row"]["sort"]
    assert {row["company"] for row in data_values(spec, spec)} == {"Beta", "Delta"}


def test_no_overtakes_say_so():
    empty = overtake_frame([])
    spec = charts.overtake_years(empty).to_dict()
    assert spec["mark"]["type"] == "text"
    assert data_values(spec, spec) == [{"message": "No company overtook another in any draw."}]
    assert "No company overtook another" in assert_renders(charts.overtake_years(empty))


# ---------------------------------------------------------------------------------------------------- the waterfall
def waterfall_frame() -> pd.DataFrame:
    """Alpha's figure 10 -> 13: one change of +4, another of -1."""
    return pd.DataFrame(
        [("base", "Alpha", "Capex 2025 (USD bn)", order, step, kind, bottom, top, amount)
         for order, (step, kind, bottom, top, amount) in enumerate([
             ("old", "old", 0.0, 10.0, 10.0), ("alpha.capex.base", "increase", 10.0, 14.0, 4.0),
             ("fx.CNY", "decrease", 13.0, 14.0, -1.0), ("new", "new", 0.0, 13.0, 13.0)])],
        columns=["scenario", "company", "figure", "order", "step", "kind", "bottom", "top", "amount"],
    )


def test_the_waterfall_speaks_of_shapley_values_unless_told_what_its_steps_are():
    spec = charts.waterfall(waterfall_frame(), kind=Kind.money).to_dict()
    assert spec["title"] == {"text": "Capex 2025 (USD bn), scenario base: what each change did",
                             "subtitle": charts.WATERFALL_SUBTITLE}
    assert spec["facet"]["row"]["sort"] == ["Alpha"] and spec["resolve"]["scale"] == {"x": "independent"}
    assert [row["label"] for row in data_values(spec, spec)] == ["10.0", "+4.0", "-1.0", "13.0"]
    notes = ["Two changed assumptions, one after the other.", "Another line."]
    assert charts.waterfall(waterfall_frame(), kind=Kind.money, subtitle=notes).to_dict()["title"]["subtitle"] == notes


def test_a_share_waterfall_reads_in_percent_its_steps_in_points():
    # a share 0.309 -> 0.32: one change of +0.0115, another of -0.0004 that rounds away
    share = waterfall_frame().assign(figure="Share of capex 2025-2030", bottom=[0.0, 0.309, 0.3200, 0.0],
                                     top=[0.309, 0.3205, 0.3205, 0.32], amount=[0.309, 0.0115, -0.0004, 0.32])
    spec = charts.waterfall(share, kind=Kind.share).to_dict()
    # the change that rounds away is not listed
    assert [row["label"] for row in data_values(spec, spec)] == ["30.9%", "+1.1 pp", "32.0%"]
    bars = spec["spec"]["layer"][0]["encoding"]
    assert bars["x"]["axis"]["format"] == "%" and bars["tooltip"][1]["format"] == ".1%"


# ------------------------------------------------------------------------------------------------------ rendering
def test_every_new_chart_renders(frame, plans):
    new_charts = {
        **{f"fan {name}": chart for name, chart in charts.build_charts(with_draws(frame), plans).items()},
        "tornado": charts.tornado(tornado_frame(["Alpha", "Beta", "Gamma"])),
        "sobol": charts.sobol(sobol_frame(["Alpha", "Beta", "Gamma"])),
        "lead probability": charts.lead_probability(lead_frame(["Alpha", "Beta", "Gamma"])),
        "overtake years": charts.overtake_years(overtake_frame([("Beta", "Alpha"), ("Gamma", "Beta")])),
    }
    for name, chart in new_charts.items():
        assert "<svg" in assert_renders(chart), name



def test_a_waterfall_axis_spans_the_steps_not_zero():
    # 3,016.6 -> 3,004.7: a step of -11.9 on a figure of three thousand, and a step that rounds away (-0.01)
    frame = pd.DataFrame(
        [("base", "Alpha", "Capex 2030 (USD bn)", order, step, kind, bottom, top, amount)
         for order, (step, kind, bottom, top, amount) in enumerate([
             ("old", "old", 0.0, 3016.6, 3016.6), ("alpha.capex.growth", "decrease", 3016.6, 3004.7, -11.9),
             ("fx.CNY", "decrease", 3004.7, 3004.69, -0.01), ("new", "new", 0.0, 3004.69, 3004.69)])],
        columns=["scenario", "company", "figure", "order", "step", "kind", "bottom", "top", "amount"],
    )
    spec = charts.waterfall(frame, kind=Kind.money).to_dict()
    bars = spec["spec"]["layer"][0]["encoding"]
    assert bars["x"]["scale"] == {"zero": False, "nice": False}
    drawn = data_values(spec, spec)
    assert [row["step"] for row in drawn] == ["old", "alpha.capex.growth", "new"]
    assert [row["label"] for row in drawn] == ["3,016.6", "-11.9", "3,004.7"]
    # the old and new bars start a margin (15% of the 11.91 span) below the lowest running total, 3,004.69
    assert [row["start"] for row in drawn] == pytest.approx([3004.69 - 0.15 * 11.91, 3016.6, 3004.69 - 0.15 * 11.91])
    # the tooltip keeps what the bars mean: the old value from zero
    assert (drawn[0]["bottom"], drawn[0]["top"]) == (0.0, 3016.6)
    svg = assert_renders(charts.waterfall(frame, kind=Kind.money))
    assert ">3,010<" in svg  # an axis tick between the totals, with its thousands separator


def test_a_waterfall_near_zero_starts_at_zero():
    # 2 -> 12: a margin of 1.5 below 2 stays above zero, but 0.5 -> 10.5 would not: the floor is zero there
    frame = waterfall_frame().assign(bottom=[0.0, 0.5, 10.5, 0.0], top=[0.5, 10.5, 10.0, 10.0],
                                     amount=[0.5, 10.0, -0.5, 10.0])
    drawn = data_values(spec := charts.waterfall(frame, kind=Kind.money).to_dict(), spec)
    assert [row["start"] for row in drawn] == [0.0, 0.5, 10.5, 0.0]


# --------------------------------------------------------------------------------------- comparison and backtest
def test_a_comparison_chart_names_its_scenarios():
    frame = pd.concat([tidy_frame(["Alpha", "Beta"]).assign(scenario=name) for name in ("base", "bull")])
    spec = charts.scenario_overlay(frame, metric="capex").to_dict()
    assert spec["title"]["text"] == "Capex by scenario (USD bn): base, bull"


def backtest_table(companies: list[str]) -> pd.DataFrame:
    """One reported capex figure per company, for 2025, projected 10% high."""
    return pd.DataFrame({
        "company": companies, "metric": "capex", "year": 2025, "unit": "USD bn", "reported": "USD 10bn",
        "actual": 10.0, "projected": 11.0, "relative_error": 0.1, "basis": "outturn", "built": "reported",
        "published": "2026-03-01", "out_of_sample": True, "excluded": "", "sources": "press"})


@pytest.mark.parametrize("draws", [False, True])
def test_a_backtest_legend_lists_only_the_companies_with_reported_figures(frame, draws):
    projected = with_draws(frame) if draws else frame
    spec = charts.backtest_chart(projected, backtest_table(["Beta"]), COLOURS).to_dict()
    for view in spec["spec"]["layer"]:
        assert colour_pairs(view) == {"Beta": "#333333"}
        assert view["encoding"]["tooltip"][0]["field"] == "company"
    assert {row["company"] for row in data_values(spec, spec)} == {"Beta"}
    assert spec["title"]["text"] == "Projected against reported, scenario test"


# ------------------------------------------------------------------------------------------------ for slides
def every_chart(frame: pd.DataFrame, plans: pd.DataFrame) -> dict[str, charts.ChartLike]:
    overlay = pd.concat([frame.assign(scenario=name) for name in ("base", "bull")])
    return {
        **charts.build_charts(frame, plans),
        **{f"fan {name}": chart for name, chart in charts.build_charts(with_draws(frame), plans).items()},
        "tornado": charts.tornado(tornado_frame(["Alpha", "Beta"])),
        "sobol": charts.sobol(sobol_frame(["Alpha", "Beta"])),
        "lead probability": charts.lead_probability(lead_frame(["Alpha", "Beta"])),
        "overtake years": charts.overtake_years(overtake_frame([("Beta", "Alpha")])),
        "no overtakes": charts.overtake_years(overtake_frame([])),
        "waterfall": charts.waterfall(waterfall_frame(), kind=Kind.money),
        "comparison": charts.scenario_overlay(overlay, metric="capex"),
        "backtest": charts.backtest_chart(with_draws(frame), backtest_table(["Alpha", "Beta"])),
    }


def font_sizes(node: object, path: str = "") -> list[tuple[str, object]]:
    """Every font size anywhere in a spec, with where it is."""
    if isinstance(node, dict):
        return [found for key, value in node.items()
                for found in ([(f"{path}.{key}", value)] if key.lower().endswith("fontsize") else [])
                + font_sizes(value, f"{path}.{key}")]
    if isinstance(node, list):
        return [found for position, value in enumerate(node) for found in font_sizes(value, f"{path}[{position}]")]
    return []


def test_no_text_of_any_chart_is_under_twelve_pixels(frame, plans):
    for name, chart in every_chart(frame, plans).items():
        spec = chart.to_dict()
        # Vega's defaults are 10 and 11 px: each must be overridden, by the one configuration every chart carries
        assert {part: spec["config"][part] for part in charts.SLIDE_CONFIG} == charts.SLIDE_CONFIG, name
        small = [(where, size) for where, size in font_sizes(spec) if size < charts.SMALLEST_FONT]
        assert not small, (name, small)


def test_the_rendered_text_is_twelve_pixels_or_more(frame, plans):
    svg = assert_renders(charts.overtake_years(overtake_frame([("Beta", "Alpha")])))
    sizes = {float(size) for size in re.findall(r'font-size="([\d.]+)px"', svg)}
    assert sizes and min(sizes) >= 12


def test_every_chart_names_its_scenario_in_its_title(frame, plans):
    for name, chart in every_chart(frame, plans).items():
        if name == "no overtakes":  # no rows, so no scenario to name
            continue
        spec = chart.to_dict()
        # a one-draw line chart joined with more layers keeps its title in its first layer, which Vega-Lite shows
        title = spec["title"] if "title" in spec else spec["layer"][0]["title"]
        text = title["text"] if isinstance(title, dict) else title
        assert "scenario test" in text or text.endswith(": base, bull") or "scenario base" in text, (name, text)


def test_a_click_on_a_company_in_the_legend_highlights_it(frame, plans):
    import vl_convert as vlc

    for name, chart in {**charts.build_charts(with_draws(frame), plans),
                        "lead probability": charts.lead_probability(lead_frame(["Alpha", "Beta"])),
                        "overtake years": charts.overtake_years(overtake_frame([("Beta", "Alpha")])),
                        "backtest": charts.backtest_chart(with_draws(frame), backtest_table(["Alpha"]))}.items():
        vega = vlc.vegalite_to_vega(chart.to_dict(), vl_version=VEGA_LITE_VERSION)
        legend = next(legend for legend in vega["legends"] if legend.get("title") == "Company")
        assert legend["encode"]["symbols"]["interactive"] is True, name
        assert any(signal["name"] == "company_pick" for signal in vega["signals"]), name
    # the static renders have nothing picked: no company is dimmed
    assert 'opacity="0.15"' not in assert_renders(charts.capex_by_company(with_draws(frame)))


def marked_views(spec: dict) -> list[dict]:
    """Every view of a spec that draws a mark: the spec itself, its layers, a facet's inner view and its layers."""
    views = []
    for view in (spec, spec.get("spec", {})):
        views += [view] if "mark" in view else []
        views += [layer for layer in view.get("layer", []) if "mark" in layer]
    return views


def test_every_mark_of_every_chart_has_a_tooltip(frame, plans):
    for name, chart in every_chart(frame, plans).items():
        views = marked_views(chart.to_dict())
        assert views, name
        for view in views:
            assert view["encoding"].get("tooltip"), (name, view["mark"])


def test_a_click_on_a_scenario_in_a_comparison_legend_highlights_it():
    import vl_convert as vlc

    frame = pd.concat([tidy_frame(["Alpha", "Beta"]).assign(scenario=name) for name in ("base", "bull")])
    vega = vlc.vegalite_to_vega(charts.scenario_overlay(frame, metric="capex").to_dict(), vl_version=VEGA_LITE_VERSION)
    assert [legend["encode"]["symbols"]["interactive"] for legend in vega["legends"]] == [True]
    assert 'opacity="0.15"' not in assert_renders(charts.scenario_overlay(frame, metric="capex"))


def test_every_chart_of_a_run_with_draws_is_valid_vega_lite():
    """The chart renderer does not have Altair check its specs again (model.present.report.DrawnCharts): this is
    where they are checked, each kind a run draws, heatmaps included, against Vega-Lite's schema."""
    from model.analysis.projection import run, run_result
    from model.io.loading import load_inputs
    from model.present import run as run_rendering
    from tests.conftest import SMALL

    inputs = load_inputs(SMALL / "scenarios" / "base.yaml")
    result = run_result(inputs, run(inputs, draws=10_000, rng=1))
    drawn = dict(run_rendering.each_chart(result))
    assert {"lead_probability", "overtake_years"} <= set(drawn) and any(stem.startswith("first_order_")
                                                                        for stem in drawn)
    for stem, chart in drawn.items():
        chart.to_dict(validate=True)  # raises on a spec the schema refuses
