"""The assumption register and its markdown rendering."""

from __future__ import annotations

import pandas as pd

from model.loading import load_inputs
from model.register import markdown, register, rests_on_judgement
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
    assert judged == [
        "alpha.accelerators.price_change", "alpha.accelerators.service_life", "alpha.accelerators.unit_price",
        "alpha.ai_chips.growth", "alpha.capex.post_plan_growth", "alpha.cloud.ai_share",
        "beta.accelerators.price_change", "beta.accelerators.service_life", "beta.accelerators.unit_price",
        "beta.cloud.ai_share", "beta.cloud.growth",
    ]


def test_markdown_escapes_pipes():
    frame = pd.DataFrame({"key": ["a|b"], "note": ["line\nbreak"]})
    assert markdown(frame) == "| key | note |\n|---|---|\n| a\\|b | line break |\n"
