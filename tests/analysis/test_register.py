"""The assumption register, the distribution table and their plain-text renderings."""

from __future__ import annotations

from model.analysis.register import (
    DISTRIBUTION_COLUMNS,
    distribution_table,
    register,
    rests_on_judgement,
)
from model.io.loading import load_inputs
from tests.conftest import SMALL


def test_register_traces_each_value_to_its_sources():
    inputs = load_inputs(SMALL / "scenarios" / "high.yaml")
    table = register(inputs.resolved.values(), inputs.assumptions.sources).set_index("key")
    plan = table.loc["alpha.capex.plan_total"]
    assert (plan.value, plan.unit, plan.confidence, plan.sources, plan.excerpts, plan.overridden_by) == (
        "60", "CNY bn", "low", "later-news", "RMB 60 billion", "high")
    assert plan.notes.startswith("the later report doubles the plan")
    share = table.loc["alpha.cloud.ai_share"]
    assert (share.value, share.source_kinds) == ("2025: 0.1, 2027: 0.3", "analyst-judgement")
    assert share.excerpts == "judgement: AI share ramps up"


def test_judgement_only_assumptions():
    inputs = load_inputs(SMALL / "scenarios" / "base.yaml")
    judged = sorted(k for k, item in inputs.resolved.items() if rests_on_judgement(item, inputs.assumptions.sources))
    # judgement alone (never pin the whole list: it grows with the fixture) against sourced figures
    assert {"alpha.accelerators.price_change", "alpha.capex.post_plan_growth", "beta.cloud.growth",
            "market.cloud.total_growth"} <= set(judged)
    assert not {"alpha.capex.plan_total", "fx.CNY"} & set(judged)




def test_distribution_table_gives_each_assumptions_percentiles():
    inputs = load_inputs(SMALL / "scenarios" / "base.yaml")
    table = distribution_table(inputs.resolved.values()).set_index("key")
    assert list(table.columns) == DISTRIBUTION_COLUMNS[1:]
    # CNY 8 per USD, high confidence: lognormal from 8 / 1.1 to 8 x 1.1
    assert table.loc["fx.CNY", ["distribution", "p5", "p50", "p95"]].tolist() == [
        "lognormal (high default, / to x 1.1)", "7.273", "8", "8.8"]
    # a growth rate of 0 with low confidence: +/- 0.1 points, never clipped
    assert table.loc["beta.cloud.growth", ["distribution", "p5", "p95"]].tolist() == [
        "normal (low default, +/- 0.1)", "-0.1", "0.1"]


def test_the_register_says_what_a_cloud_revenue_figure_counts():
    inputs = load_inputs(SMALL / "scenarios" / "base.yaml")
    notes = register(inputs.resolved.values(), inputs.assumptions.sources).set_index("key")["notes"]
    assert notes["alpha.cloud.revenue_base"] == "Basis: segment-reported."
    assert notes["beta.cloud.revenue_base"] == "Basis: market-share-estimate."
    assert not notes.drop(["alpha.cloud.revenue_base", "beta.cloud.revenue_base"]).str.contains("Basis").any()
