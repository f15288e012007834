"""The assumption register, the distribution table and their plain-text renderings."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd

from model.analysis.register import (
    DISTRIBUTION_COLUMNS,
    OVERRIDE_COLUMNS,
    OVERRIDE_HEADERS,
    REGISTER_COLUMNS,
    REGISTER_HEADERS,
    _earlier,
    distribution_table,
    overrides,
    register,
    rests_on_judgement,
)
from model.domain import Citation, Value, Vintage
from model.io.loading import load_inputs
from tests.conftest import REPO, SMALL


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


# ------------------------------------------------------------------------------------------------------ overrides
def _overrides(path) -> pd.DataFrame:
    inputs = load_inputs(path)
    return overrides(inputs.resolved.values(), inputs.scenario.chain).set_index("key")


def test_bull_sets_alibabas_plan_against_the_base_value_and_its_sources():
    plan = _overrides(REPO / "scenarios" / "bull.yaml").loc["alibaba.capex.plan_total"]
    # scenarios/bull.yaml's override and the entry of assumptions/alibaba.yaml it replaces, read off the two files
    assert plan[["company", "set_by", "value", "unit", "period", "confidence", "sources"]].tolist() == [
        "Alibaba", "bull", "480", "CNY bn", "2025-2027", "low", "moneydj-2026-01-30, bloomberg-2025-09-24"]
    assert plan.evidence == 'moneydj-2026-01-30 "reportedly weighing RMB 480bn"; bloomberg-2025-09-24 "to add more"'
    assert plan.rationale.startswith("Alibaba said it would add to the RMB 380bn plan (2025-09-24) without a figure;")
    assert plan[["replaced_set_by", "replaced_value", "replaced_unit", "replaced_period", "replaced_confidence",
                 "replaced_as_of"]].tolist() == ["base", "380", "CNY bn", "2025-2027", "high", "2025-05-14"]
    assert plan.replaced_evidence.startswith(
        'xinhua-2025-02-24 "more than 380 billion yuan (about 53 billion U.S. dollars)"; '
        'computerweekly-2025-02-24 "RMB 380 billion (US$53bn)"; ')
    assert (plan.stated, plan.replaced_stated) == ("480 CNY bn", "380 CNY bn")
    assert plan.replaced_location.startswith("assumptions/alibaba.yaml:")
    assert plan.location.startswith("scenarios/bull.yaml:")


def test_bulls_growth_paths_replace_the_base_series():
    growth = _overrides(REPO / "scenarios" / "bull.yaml").loc["alibaba.capex.post_plan_growth"]
    # a plain ratio reads without its unit
    assert (growth.replaced_stated, growth.stated, growth.unit) == ("0.05", "0.12", "ratio")
    judgement = growth.replaced_evidence.split("; ")[0]
    # analyst judgement's paragraph cut at a word to about an excerpt's length; the register has it whole
    assert judgement.startswith("analyst-judgement: No source gives capex after 2027.")
    assert judgement.endswith(" ...") and len(judgement) <= len("analyst-judgement: ") + 120 + len(" ...")


def test_base_overrides_nothing():
    table = _overrides(REPO / "scenarios" / "base.yaml")
    assert table.empty
    assert ["key", *table.columns] == OVERRIDE_COLUMNS


def test_a_chain_of_two_replaces_the_nearest_value_up_the_chain(small):
    small.write("scenarios/higher.yaml", """name: higher
description: Alpha triples its plan, and the yuan strengthens.
extends: high
overrides:
  alpha.capex.plan_total:
    value: 90
    rationale: a later report triples the plan
    confidence: low
    sources:
      - ref: rumour
        excerpt: "RMB 90 billion"
  fx.CNY:
    value: 7
    rationale: the yuan strengthens
    confidence: medium
    sources:
      - ref: analyst-judgement
        rationale: a  stronger
          yuan
""")
    table = _overrides(small.path("scenarios/higher.yaml"))
    assert table.index.tolist() == ["alpha.capex.plan_total", "fx.CNY"]
    plan = table.loc["alpha.capex.plan_total"]
    # higher's 90 replaces high's 60, not the file's 30
    assert plan[["set_by", "stated", "evidence", "replaced_set_by", "replaced_stated", "replaced_evidence",
                 "replaced_confidence"]].tolist() == [
        "higher", "90 CNY bn", 'rumour "RMB 90 billion"', "high", "60 CNY bn", 'later-news "RMB 60 billion"', "low"]
    assert plan.replaced_location.startswith("scenarios/high.yaml:")
    rate = table.loc["fx.CNY"]
    # the exchange rate that no scenario before it overrides replaces fx.yaml's, which the root scenario uses
    assert rate[["company", "set_by", "stated", "evidence", "replaced_set_by", "replaced_stated",
                 "replaced_evidence", "replaced_location"]].tolist() == [
        "", "higher", "7 CNY per USD", "analyst-judgement: a stronger yuan", "base", "8 CNY per USD",
        'alpha-filing "8.0 yuan per dollar"', "assumptions/fx.yaml:3"]
    # the scenario in the middle lists its own override alone
    assert _overrides(small.path("scenarios/high.yaml")).index.tolist() == ["alpha.capex.plan_total"]


def test_an_override_in_the_root_scenario_replaces_the_assumption_files_value(small):
    small.edit("scenarios/base.yaml", "as_of: 2025-05-31", """as_of: 2025-05-31
overrides:
  market.cloud.total_base:
    value: 12
    rationale: a larger market
    confidence: low
    sources:
      - ref: rumour
        excerpt: "USD 12 billion"
""")
    row = _overrides(small.path("scenarios/base.yaml")).loc["market.cloud.total_base"]
    assert (row.set_by, row.replaced_set_by) == ("base", "assumptions")
    assert row.replaced_location.startswith("assumptions/market.yaml:")


def test_the_display_headers_name_every_column():
    assert list(REGISTER_HEADERS) == REGISTER_COLUMNS
    assert list(REGISTER_HEADERS.values()) == [
        "Key", "Company", "Value", "Unit", "Period", "Confidence", "Source kinds", "As of", "Sources", "Excerpts",
        "Overridden by", "Notes", "History"]
    assert list(OVERRIDE_HEADERS) == OVERRIDE_COLUMNS


def test_the_register_states_an_earlier_value_in_its_unit():
    vintage = Vintage(Value.of(350), "medium", dt.date(2025, 2, 24), (Citation("src", "RMB 350bn"),),
                      replaced=dt.date(2025, 5, 31))
    assert _earlier(vintage, "CNY bn") == "350 CNY bn (medium, as of 2025-02-24, replaced 2025-05-31; src)"
    assert _earlier(dataclasses.replace(vintage, unit="USD bn", replaced=None), "CNY bn") == (
        "350 USD bn (medium, as of 2025-02-24; src)")
