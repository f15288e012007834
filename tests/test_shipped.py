"""The shipped assumption and scenario files: they validate, every figure is sourced, and every scenario runs."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from model.analysis.register import rests_on_judgement
from model.cli import app
from model.io.loading import load_inputs, validate_project
from model.io.project import find_scenario
from tests.conftest import REPO

SCENARIOS = sorted(p.stem for p in (REPO / "scenarios").glob("*.yaml"))
BASE_AS_OF = "2025-05-31"


@pytest.fixture(scope="module")
def base():
    return load_inputs(REPO / "scenarios" / "base.yaml")


def test_the_shipped_files_validate_strictly():
    problems = validate_project(sorted((REPO / "scenarios").glob("*.yaml")), [REPO / "assumptions"])
    assert [str(p) for p in problems] == []  # no errors and no expected warnings


def test_the_three_companies_and_at_least_four_scenarios(base):
    assert [c.name for c in base.companies] == ["Alibaba", "ByteDance", "Tencent"]
    assert {"base", "bull", "bear", "export_controls"} <= set(SCENARIOS)


def test_the_base_case_rests_only_on_sources_up_to_its_cut_off(base):
    assert str(base.scenario.as_of) == BASE_AS_OF
    late = {c.ref for item in base.resolved.values() for c in item.assumption.sources
            if str(base.assumptions.sources[c.ref].date) > BASE_AS_OF}
    assert late == set()


def test_judgement_alone_is_never_high_confidence(base):
    sources = base.assumptions.sources
    judged = [item for item in base.resolved.values() if rests_on_judgement(item, sources)]
    assert {"tencent.ai_chips.share_of_capex", "bytedance.cloud.revenue_base"} <= {item.key for item in judged}
    alone = [item for item in judged if all(sources[c.ref].kind == "analyst-judgement" for c in item.assumption.sources)]
    assert alone
    assert {item.assumption.confidence for item in alone} == {"low"}


@pytest.mark.parametrize(("key", "phrases"), [
    ("fx.CNY", ["54.5", "53"]),  # the same RMB 380bn converted at two rates
    ("alibaba.cloud.growth", ["11%", "13%"]),  # external-customer vs headline growth
    ("bytedance.ai_chips.budget_base", ["AI chips", "infrastructure"]),
    ("alibaba.ai_chips.budget_base", ["one source"]),
    ("bytedance.capex.base", ["over RMB 150bn", "RMB 160bn", "incorrect"]),  # Reuters's leak vs a broker's estimate
    ("bytedance.ai_chips.budget_base", ["Denied", "incorrect"]),  # the FT report was denied too
])
def test_known_conflicts_between_sources_are_recorded(base, key, phrases):
    notes = base.resolved[key].assumption.notes or ""
    for phrase in phrases:
        assert phrase in notes, f"{key} notes should mention {phrase!r}"


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_shipped_scenario_runs(name, tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    result = CliRunner().invoke(app, ["run", name, "--out", str(tmp_path / name)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / name / "report.html").is_file()
    assert find_scenario(name) == REPO / "scenarios" / f"{name}.yaml"


def test_overrides_carry_their_own_evidence():
    for name in SCENARIOS:
        inputs = load_inputs(REPO / "scenarios" / f"{name}.yaml")
        for item in inputs.resolved.values():
            if item.overridden_by:
                assert item.rationale and item.assumption.sources and item.assumption.confidence


def test_bull_anchors_alibabas_2025_on_its_reported_fy2026_capex():
    # RMB 126bn reported for FY2026 (calendar 2025); the rest of the RMB 480bn plan, (480 - 126) / 2 = RMB 177bn a
    # year, in 2026 and 2027; converted at fx.CNY's 7.1717 CNY per USD
    import model

    tidy = model.run(REPO / "scenarios" / "bull.yaml").tidy()
    capex = tidy[(tidy.company == "Alibaba") & (tidy.metric == "capex")].set_index("year")
    assert set(capex.loc[[2025, 2026, 2027], "unit"]) == {"USD bn"}
    assert list(capex.loc[[2025, 2026, 2027], "value"]) == pytest.approx([126 / 7.1717, 177 / 7.1717, 177 / 7.1717])


def test_tencents_capex_is_its_guided_share_of_group_revenue(base):
    from model.analysis.projection import run

    given = {item.parameter for item in base.resolved.values() if item.company and item.company.slug == "tencent"}
    assert "capex.intensity" in given and not {"capex.base", "capex.growth"} & given
    projection = run(base)
    tencent = projection.companies.index("Tencent")
    # RMB 660.3bn of revenue in 2024, +9% in 2025, 12% of it on capex, at 7.1717 CNY per USD
    assert projection.metrics["capex"][0, tencent, 0] == pytest.approx(660.3 * 1.09 * 0.12 / 7.1717, rel=1e-9)
    assert projection.metrics["capex_intensity"][0, tencent, 0] == pytest.approx(0.12)


def test_bulls_tencent_2025_capex_is_below_guidance_and_above_2024():
    """Tencent said on 2025-11-13 that 2025 capex would fall below its "low teens" guidance but stay above 2024's
    RMB 76.7bn; bull (as of 2026-05-31) must agree with both."""
    from model.analysis.projection import run

    projection = run(load_inputs(REPO / "scenarios" / "bull.yaml"))
    tencent = projection.companies.index("Tencent")
    capex_cny = projection.metrics["capex"][0, tencent, 0] * 7.1717
    revenue_cny = projection.metrics["group_revenue"][0, tencent, 0] * 7.1717
    assert 76.8 < capex_cny < 0.11 * revenue_cny


def test_low_teens_is_read_as_10_to_13_percent_everywhere():
    for path in [*(REPO / "assumptions").glob("*.yaml"), *(REPO / "scenarios").glob("*.yaml")]:
        assert "11-14%" not in path.read_text(), f"{path.name} reads Tencent's 'low teens' as 11-14%"
