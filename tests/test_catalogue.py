"""The catalogue of parameters and metrics: what each metric shows, and that the code's lists come from it."""

from __future__ import annotations

import pytest

from model.analysis.projection import headline, run
from model.catalogue import (
    ANCHORS,
    CONFIDENCE_LEVELS,
    FLOW_METRICS,
    HEADLINE,
    INPUTS,
    METRICS,
    PARAMETERS,
    HeadlineCell,
    Kind,
    View,
    metrics_in,
    metrics_in_chart,
)
from model.core.engine import project
from model.core.parameters import BASE_PARAMETERS, SERIES_PARAMETERS, engine_inputs
from model.core.uncertainty import DEFAULT_WIDTHS
from model.io.loading import load_inputs
from model.present.charts import build_charts
from tests.conftest import SMALL


@pytest.fixture(scope="module")
def small_run():
    return run(load_inputs(SMALL / "scenarios" / "base.yaml"))


@pytest.mark.parametrize(("metric", "unit"), [
    ("capex", "CNY bn"),
    ("accelerator_unit_price", "CNY"),
    ("accelerators_installed", "thousand units"),
    ("accelerator_performance", "H100e"),
    ("compute_installed", "thousand H100e"),
    ("spend_per_compute", "CNY"),
    ("capex_intensity", "ratio"),
    ("capex_share", "ratio"),
    ("capex_rank", "rank"),
])
def test_a_metric_s_unit_is_written_from_its_kind_and_scale(metric, unit):
    assert METRICS[metric].unit("CNY") == unit


def test_a_headline_column_is_titled_with_its_years_and_unit():
    spend, installed, share = (HeadlineCell("ai_chip_spend_cumulative", "AI chips", "last", span=True),
                               HeadlineCell("accelerators_installed", "Accelerators in service", "last"),
                               HeadlineCell("capex_cumulative_share", "Share of capex", "last", span=True))
    assert spend.label(2025, 2030, "USD") == "AI chips 2025-2030 (USD bn)"
    assert installed.label(2025, 2030, "USD") == "Accelerators in service 2030 (k)"
    assert share.label(2025, 2030, "USD") == "Share of capex 2025-2030"  # a share has no unit
    compute = HeadlineCell("compute_installed", "Compute in service", "last")
    assert compute.label(2025, 2030, "USD") == "Compute in service 2030 (k H100e)"
    assert HeadlineCell("capex", "Capex", "first").label(2025, 2030, "EUR") == "Capex 2025 (EUR bn)"
    assert (HeadlineCell("capex", "Capex", "first").index, spend.index) == (0, -1)


def test_the_headline_table_is_the_catalogue_s_columns(small_run):
    table = headline(small_run)
    assert list(table.columns) == [cell.label(2025, 2027, "USD") for cell in HEADLINE]
    assert table.loc["Beta", "Capex 2025-2027 (USD bn)"] == pytest.approx(11.19)  # 3 + 3.9 + 4.29


def test_the_engine_gives_every_catalogued_metric_in_catalogue_order():
    inputs = load_inputs(SMALL / "scenarios" / "base.yaml")
    assert list(project(engine_inputs(inputs))) == list(METRICS)


def test_shares_and_ranks_are_taken_of_a_catalogued_quantity():
    for metric in METRICS.values():
        if metric.kind is Kind.rank:
            assert metric.derived_from is not None, metric.key
        if metric.derived_from is not None:
            assert metric.kind in (Kind.share, Kind.rank), metric.key
            assert METRICS[metric.derived_from].kind in (Kind.money, Kind.count), metric.key


def test_a_reported_metric_is_money_or_a_count_never_a_construct_of_the_model():
    reported = metrics_in(View.backtest)
    assert {"capex", "ai_chip_spend", "cloud_revenue", "accelerators_bought"} <= set(reported)
    for key in reported:
        metric = METRICS[key]
        assert metric.kind in (Kind.money, Kind.count) and metric.derived_from is None, key
        assert not key.endswith("_cumulative"), key


def test_what_a_backtest_knows_of_a_metric_names_reported_metrics_and_their_inputs():
    reported = set(metrics_in(View.backtest))
    assert FLOW_METRICS <= reported
    assert "accelerator_unit_price" not in FLOW_METRICS  # a price is a level: its quarters add up to nothing
    assert set(ANCHORS) <= reported
    for metric, keys in ANCHORS.items():
        for key in keys:
            # an anchor sets the metric's level in one year: a base value or a price, in the metric's kind
            assert PARAMETERS[key].role in ("flow", "level") and not PARAMETERS[key].series, key
            assert PARAMETERS[key].kind == METRICS[metric].kind.value, key
            assert key in INPUTS[metric], key
    assert set(INPUTS) == reported  # a reported metric without its inputs could not tell a restated figure
    assert all(key in PARAMETERS for keys in INPUTS.values() for key in keys)


def test_race_metrics_are_the_race_s_quantities():
    assert metrics_in(View.race) == ("capex_cumulative", "ai_chip_spend_cumulative", "accelerators_installed",
                                     "compute_installed")


def test_every_chart_the_catalogue_names_is_drawn(small_run):
    charts = build_charts(small_run.tidy(), small_run.plans)
    named = {metric.chart for metric in METRICS.values() if metric.chart is not None}
    assert named <= set(charts)
    assert metrics_in_chart("cloud_revenue") == ("cloud_revenue", "ai_revenue")


def test_every_parameter_reaches_the_engine_once():
    assert set(SERIES_PARAMETERS) | set(BASE_PARAMETERS) == set(PARAMETERS)
    assert not set(SERIES_PARAMETERS) & set(BASE_PARAMETERS)
    assert "capex.plan_total" in BASE_PARAMETERS and "cloud.growth" in SERIES_PARAMETERS


def test_every_confidence_level_has_a_default_width():
    assert tuple(DEFAULT_WIDTHS) == CONFIDENCE_LEVELS
