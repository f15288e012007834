"""The review of a change: diffs of the files, the effect on each scenario's headline, and Shapley attributions
checked against hand-computed splits on the small project; then `scenario diff` end to end in temporary git
repositories.

In the small project Alpha's cloud revenue is RMB 2bn a quarter in 2024Q4 (RMB 8bn a year) at 8 CNY per USD, so
USD 1bn in 2024, compounded by cloud.growth: USD 1.1^3 = 1.331bn in 2027 at 10%, 1.2^3 = 1.728bn at 20%. Its AI
revenue is that times cloud.ai_share, 0.3 in 2027.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from model.analysis.attribution import STRUCTURE_STEP, pick_figure, waterfall_frame
from model.analysis.review import Review, diff_projects, review
from model.catalogue import HEADLINE
from model.cli import app
from model.errors import UsageError
from model.io.loading import load_inputs
from model.io.revisions import from_folder
from model.present.review import attribution_notes, review_json, review_markdown
from tests.conftest import SMALL, Project, at, committed, git, line_of

CLOUD_2027 = "Cloud revenue 2027 (USD bn)"
AI_2027 = "AI revenue 2027 (USD bn)"
CAPEX_2025 = "Capex 2025 (USD bn)"
runner = CliRunner()


# ------------------------------------------------------------------------------------------------------- helpers
class Sides:
    """Two copies of the small project, old/ and new/, the new one edited by the test."""

    def __init__(self, root: Path):
        self.old, self.new = root / "old", root / "new"
        shutil.copytree(SMALL, self.old)
        shutil.copytree(SMALL, self.new)

    def edit(self, relative: str, old: str, new: str) -> Sides:
        Project(self.new).edit(relative, old, new)
        return self

    def review(self, **options) -> Review:
        return review(from_folder(self.old, None), from_folder(self.new, None), **options)


@pytest.fixture
def sides(tmp_path: Path) -> Sides:
    return Sides(tmp_path)


GROWTH = ("assumptions/alpha.yaml", "value: 0.1\n", "value: 0.2\n")
AI_SHARE = ("assumptions/alpha.yaml", "{2025: 0.1, 2027: 0.3}", "{2025: 0.1, 2027: 0.4}")
PHASING = ("assumptions/alpha.yaml", "  capex.post_plan_growth:", """  capex.plan_phasing:
    value: {2025: 1, 2026: 3}
    unit: ratio
    period: 2025-2026
    confidence: low
    as_of: 2025-05-31
    sources:
      - ref: analyst-judgement
        rationale: spending is back-loaded

  capex.post_plan_growth:""")


def steps(result: Review, scenario: str, company: str, figure: str) -> dict[str, float]:
    effect = next(e for e in result.effects if e.scenario == scenario)
    rows = effect.attribution[(effect.attribution["company"] == company) & (effect.attribution["figure"] == figure)]
    return dict(zip(rows["step"], rows["contribution"], strict=True))


def figure(result: Review, scenario: str, company: str, name: str) -> tuple[float, float]:
    effect = next(e for e in result.effects if e.scenario == scenario).effect
    row = effect[(effect["company"] == company) & (effect["figure"] == name)].iloc[0]
    return row["old"], row["new"]


def assert_steps_add_up(result: Review) -> None:
    """Every attributed figure's steps sum to its change (new - old from the two runs)."""
    for effect in result.effects:
        totals = effect.attribution.groupby(["slug", "figure"], sort=False)["contribution"].sum()
        changes = effect.effect.set_index(["slug", "figure"])["change"]
        for index, total in totals.items():
            assert total == pytest.approx(changes[index], rel=1e-9, abs=1e-12), (effect.scenario, index)


# --------------------------------------------------------------------------------------- attribution on the model
def test_one_changed_assumption_takes_the_whole_change(sides):
    result = sides.edit(*GROWTH).review()
    assert [e.scenario for e in result.effects] == ["base", "high"] and result.unaffected == ()
    assert figure(result, "base", "Alpha", CLOUD_2027) == pytest.approx((1.331, 1.728))
    assert steps(result, "base", "Alpha", CLOUD_2027) == pytest.approx({"alpha.cloud.growth": 1.728 - 1.331})
    assert steps(result, "base", "Alpha", AI_2027) == pytest.approx({"alpha.cloud.growth": (1.728 - 1.331) * 0.3})
    effect = result.effects[0]
    assert (effect.method, effect.runs, effect.steps, effect.structural) == ("shapley", 2, ("alpha.cloud.growth",), ())
    assert attribution_notes(effect) == ["One changed assumption: the whole change is its effect (2 runs of the "
                                         "model)."]
    assert_steps_add_up(result)


def test_two_changes_that_interact_split_as_computed_by_hand(sides):
    result = sides.edit(*GROWTH).edit(*AI_SHARE).review()
    # AI revenue = R x s with R 1.331 -> 1.728 and s 0.3 -> 0.4: phi_R = (1.728 - 1.331)(0.3 + 0.4)/2 = 0.13895,
    # phi_s = (0.4 - 0.3)(1.331 + 1.728)/2 = 0.15295; together 1.728 x 0.4 - 1.331 x 0.3 = 0.2919
    assert steps(result, "base", "Alpha", AI_2027) == pytest.approx(
        {"alpha.cloud.growth": 0.13895, "alpha.cloud.ai_share": 0.15295})
    assert steps(result, "base", "Alpha", CLOUD_2027) == pytest.approx(
        {"alpha.cloud.growth": 0.397, "alpha.cloud.ai_share": 0.0})
    assert steps(result, "base", "Beta", AI_2027) == {}  # Beta's figures did not move
    assert result.effects[0].runs == 4
    assert_steps_add_up(result)


def test_changes_that_cancel_out_are_shown_with_their_steps(sides):
    # Alpha buys USD 1bn, 1.5bn, 2.25bn of chips at USD 10,000, 5,000, 2,500 apiece: 100k, 300k, 900k, two years in
    # service, so 1,200k in 2027. Twice the budget at twice the price buys as many: v({}) = 1,200, v(budget) = 2,400,
    # v(price) = 600, v(both) = 1,200, so phi_budget = ((2,400 - 1,200) + (1,200 - 600)) / 2 = 900 = -phi_price
    sides.edit("assumptions/alpha.yaml", "value: 8\n    unit: CNY bn\n    period: 2025\n    confidence: medium\n"
               "    range: [6, 10]", "value: 16\n    unit: CNY bn\n    period: 2025\n    confidence: medium\n"
               "    range: [12, 20]")
    sides.edit("assumptions/alpha.yaml", "value: 10000", "value: 20000")
    result = sides.review()
    installed = "Accelerators in service 2027 (k)"
    assert figure(result, "base", "Alpha", installed) == pytest.approx((1200, 1200))
    assert steps(result, "base", "Alpha", installed) == pytest.approx(
        {"alpha.ai_chips.budget_base": 900, "alpha.accelerators.unit_price": -900})
    assert_steps_add_up(result)


def test_past_the_limit_a_sequential_waterfall_in_file_order(sides):
    result = sides.edit(*GROWTH).edit(*AI_SHARE).review(shapley_limit=1)
    # growth first (file order): 0.397 x 0.3 = 0.1191; then the share at the new revenue: 1.728 x 0.1 = 0.1728
    assert steps(result, "base", "Alpha", AI_2027) == pytest.approx(
        {"alpha.cloud.growth": 0.1191, "alpha.cloud.ai_share": 0.1728})
    effect = result.effects[0]
    assert (effect.method, effect.runs) == ("sequential", 3)
    assert attribution_notes(effect, 1) == [
        "2 assumptions changed, more than the 1 for which exact Shapley values are computed: a sequential waterfall "
        "instead, each assumption's effect when changed after those above it, in file order (3 runs of the model)."
    ]
    assert_steps_add_up(result)


def test_an_added_key_is_a_change_of_structure_with_the_rest_of_the_change(sides):
    result = sides.edit(*GROWTH).edit(*PHASING).review()
    effect = result.effects[0]
    assert effect.steps == ("alpha.cloud.growth", STRUCTURE_STEP)
    assert effect.structural == ("alpha.capex.plan_phasing added",)
    # the plan of RMB 30bn spread 1:3 instead of evenly: 2025 capex RMB 7.5bn instead of 15bn, at 8 CNY per USD
    assert figure(result, "base", "Alpha", CAPEX_2025) == pytest.approx((1.875, 0.9375))
    assert steps(result, "base", "Alpha", CAPEX_2025) == pytest.approx(
        {"alpha.cloud.growth": 0.0, STRUCTURE_STEP: -0.9375})
    assert steps(result, "base", "Alpha", CLOUD_2027) == pytest.approx(
        {"alpha.cloud.growth": 0.397, STRUCTURE_STEP: 0.0})
    assert attribution_notes(effect)[-1] == (
        "other changes (structure): the total change minus the attributions, from changes that cannot be swapped "
        "value for value (alpha.capex.plan_phasing added).")
    assert_steps_add_up(result)


def test_a_removed_override_and_an_added_key_are_listed_and_attributed(sides):
    sides.edit(*PHASING)
    high = sides.new / "scenarios/high.yaml"
    high.write_text(high.read_text().split("overrides:")[0])
    result = sides.review()
    rows = {(c.key, c.status): c for c in result.changes}
    assert list(rows) == [("alpha.capex.plan_phasing", "added"), ("scenario high: alpha.capex.plan_total", "removed")]
    removed = rows["scenario high: alpha.capex.plan_total", "removed"]
    assert (removed.old, removed.new, removed.old_unit, removed.file, removed.line) == (
        60, None, "CNY bn", "scenarios/high.yaml", 6)
    added = rows["alpha.capex.plan_phasing", "added"]
    assert (added.new, added.file, added.line) == ({2025: 1.0, 2026: 3.0}, "assumptions/alpha.yaml", 15)
    # in high the plan falls back to the company file's RMB 30bn: a change of value, named by where it now comes from
    high_effect = next(e for e in result.effects if e.scenario == "high")
    assert high_effect.steps == ("alpha.capex.plan_total", STRUCTURE_STEP)
    assert_steps_add_up(result)


def test_an_acknowledgement_is_listed_among_the_changed_fields(sides):
    sides.edit("assumptions/alpha.yaml", 'excerpt: "up 10%"', 'excerpt: "up 10%"\n        acknowledged: "known"')
    result = sides.review()
    [growth] = result.changes
    assert (growth.key, [(f.field, f.old, f.new) for f in growth.fields]) == (
        "alpha.cloud.growth", [("acknowledged (alpha-filing)", None, "known")])
    assert not growth.value_changed


def test_sources_excerpts_and_confidence_are_listed_and_move_nothing(sides):
    sides.edit("assumptions/alpha.yaml", 'excerpt: "up 10%"', 'excerpt: "up ten percent"')
    sides.edit("assumptions/alpha.yaml", "    confidence: medium\n    as_of: 2025-03-01\n    sources:\n      - ref: "
               "alpha-filing\n        excerpt: \"up", "    confidence: high\n    as_of: 2025-03-01\n    sources:\n"
               "      - ref: alpha-filing\n        excerpt: \"up")
    sides.edit("assumptions/sources.yaml", "    kind: unconfirmed", "    kind: press")
    result = sides.review()
    assert [(c.key, c.status) for c in result.changes] == [("alpha.cloud.growth", "changed"),
                                                           ("source rumour", "changed")]
    growth = result.changes[0]
    assert [(f.field, f.old, f.new) for f in growth.fields] == [
        ("confidence", "medium", "high"), ("excerpt (alpha-filing)", "up 10%", "up ten percent")]
    assert not growth.value_changed and growth.relative_change is None
    assert (result.effects, result.unaffected) == ((), ("base", "high"))
    assert review_markdown(result) == """\
## Assumption changes

old -> new: 2 changed, 0 added, 0 removed.

| key | status | old | new | change | also changed | evidence |
|---|---|---|---|---|---|---|
| alpha.cloud.growth | changed | 0.1 | 0.1 |  | confidence: medium -> high; excerpt (alpha-filing): "up 10%" -> "up ten percent" | alpha-filing: "up ten percent" |
| source rumour | changed | unconfirmed, 2025-04-01 | press, 2025-04-01 |  | kind: unconfirmed -> press |  |

## Effect on results

No scenario's results change.

## Attribution

Nothing to attribute.
""".replace("old -> new", f"{sides.old} -> {sides.new}")


def test_unchanged_keys_only_with_all(sides):
    sides.edit(*GROWTH)
    assert [c.status for c in sides.review().changes] == ["changed"]
    everything = sides.review(include_unchanged=True)
    # every assumption (each company's and the CNY rate) and high's override, the one edited changed
    every_key = [*load_inputs(SMALL / "scenarios" / "base.yaml").resolved, "scenario high: alpha.capex.plan_total"]
    assert {c.key: c.status for c in everything.changes} == {
        key: "changed" if key == "alpha.cloud.growth" else "unchanged" for key in every_key
    }
    base = everything.effects[0]
    # every headline figure of both companies, moved or not
    figures = [cell.label(2025, 2027, "USD") for cell in HEADLINE]
    assert sorted(zip(base.effect["company"], base.effect["figure"])) == sorted(
        (company, figure) for company in ("Alpha", "Beta") for figure in figures
    )


def test_settings_series_units_scenarios_and_sources(sides):
    sides.edit("scenarios/base.yaml", "horizon: [2025, 2027]", "horizon: [2025, 2028]")
    sides.edit("assumptions/beta.yaml", "value: {2025: 0.5, 2027: 0.1}", "value: {2025: 0.5, 2026: 0.2, 2027: 0.1}")
    sides.edit("assumptions/alpha.yaml", "    value: 2\n    unit: CNY bn\n    period: 2024Q4",
               "    value: 0.25\n    unit: USD bn\n    period: 2024Q4")
    sides.edit("assumptions/sources.yaml", "  - id: later-news", "  - id: new-source\n    title: T\n    publisher: P\n"
               "    date: 2025-01-01\n    kind: press\n  - id: later-news")
    shutil.copy(sides.new / "scenarios/high.yaml", sides.new / "scenarios/higher.yaml")
    sides.edit("scenarios/higher.yaml", "name: high", "name: higher")
    result = sides.review()
    rows = {c.key: c for c in result.changes}
    assert list(rows) == ["alpha.cloud.revenue_base", "beta.capex.growth", "scenario base: horizon", "scenario higher",
                          "source new-source"]
    revenue = rows["alpha.cloud.revenue_base"]
    assert (revenue.old_unit, revenue.new_unit, revenue.relative_change) == ("CNY bn", "USD bn", None)
    assert [(f.field, f.old, f.new) for f in revenue.fields] == [("unit", "CNY bn", "USD bn")]
    assert rows["beta.capex.growth"].relative_change == {2025: 0.0, 2027: 0.0}
    assert (rows["scenario base: horizon"].old, rows["scenario base: horizon"].new) == ("2025-2027", "2025-2028")
    assert (rows["scenario higher"].status, rows["scenario higher"].new) == ("added", "extends base, 1 override")
    assert rows["source new-source"].status == "added"
    effect = result.effects[0]
    assert effect.structural == ("horizon 2025-2027 -> 2025-2028", "alpha.cloud.revenue_base: unit changed",
                                 "beta.capex.growth: series years changed")
    assert effect.steps == (STRUCTURE_STEP,)
    # figures of the old horizon's last year exist on one side only: shown, not attributed
    only_old = effect.effect[effect.effect["figure"] == "Capex 2027 (USD bn)"]
    assert only_old["new"].isna().all() and only_old["old"].notna().all()
    # the one figure both horizons have, Capex 2025, did not move: nothing to attribute
    assert effect.attribution.empty
    markdown = review_markdown(result)
    # both values moved under the same excerpts and rationale
    assert ("| alpha.cloud.revenue_base | changed | 2 CNY bn | 0.25 USD bn | n/a | value changed, evidence unchanged "
            "| unit: CNY bn -> USD bn |") in markdown
    assert ("| beta.capex.growth | changed | 2025: 0.5, 2027: 0.1 | 2025: 0.5, 2026: 0.2, 2027: 0.1 | 2026: added "
            "| value changed, evidence unchanged |") in markdown


def test_the_waterfall_and_its_figure(sides):
    result = sides.edit(*GROWTH).edit("scenarios/high.yaml", "value: 60", "value: 70").review()
    high = next(e for e in result.effects if e.scenario == "high")
    assert pick_figure(high, None) == CLOUD_2027  # +29.8%, the largest relative change
    assert pick_figure(high, "capex 2025-") == "Capex 2025-2027 (USD bn)"
    with pytest.raises(UsageError, match=r"^--figure 'Capex' matches several headline figures of scenario high; "
                                         r"valid: 'Capex 2025 \(USD bn\)', 'Capex 2027 \(USD bn\)', 'Capex 2025-2027 "
                                         r"\(USD bn\)', 'Capex intensity 2027'$"):
        pick_figure(high, "Capex")
    with pytest.raises(UsageError, match=r"^--figure 'Revenue' matches no headline figure of scenario high; valid: "
                                         r"'Capex 2025 \(USD bn\)', "):
        pick_figure(high, "Revenue")
    assert pick_figure(high, "Accelerators") is None  # a figure the change did not move: no waterfall
    frame = waterfall_frame(high, "Capex 2025-2027 (USD bn)")
    # the plan RMB 60bn -> 70bn over 2025-2026 at 8 CNY per USD, and 2027 its last year grown 20%: 12 -> 14
    assert frame["step"].tolist() == ["old", "scenario high: alpha.capex.plan_total", "alpha.cloud.growth", "new"]
    assert frame["kind"].tolist() == ["old", "increase", "increase", "new"]
    np.testing.assert_allclose(frame[["bottom", "top"]].to_numpy(), [[0, 12], [12, 14], [14, 14], [0, 14]])


def test_the_json_has_every_number_unrounded(sides):
    result = sides.edit(*GROWTH).review()
    data = json.loads(json.dumps(review_json(result), allow_nan=False))
    assert data["changes"][0] | {"evidence": None} == {
        "key": "alpha.cloud.growth", "kind": "assumption", "status": "changed", "old": 0.1, "new": 0.2,
        "old_unit": "ratio", "new_unit": "ratio", "fields": [], "evidence": None, "file": "assumptions/alpha.yaml",
        "line": line_of((SMALL / "assumptions/alpha.yaml").read_text(), "cloud.growth", "assumptions"),
        "relative_change": pytest.approx(1.0), "evidence_unchanged": True,
    }
    base = data["scenarios"][0]
    assert (base["scenario"], base["method"], base["runs"], base["steps"]) == ("base", "shapley", 2,
                                                                              ["alpha.cloud.growth"])
    cloud = next(row for row in base["attribution"] if row["figure"] == CLOUD_2027)
    assert cloud == {"company": "Alpha", "slug": "alpha", "figure": CLOUD_2027, "step": "alpha.cloud.growth",
                     "contribution": pytest.approx(0.397)}


def test_diff_projects_lists_companies_added_and_removed(sides):
    (sides.new / "assumptions/beta.yaml").rename(sides.new / "assumptions/gamma.yaml")
    sides.edit("assumptions/gamma.yaml", "company: beta", "company: gamma")
    base, head = from_folder(sides.old, None), from_folder(sides.new, None)
    keys = len(re.findall(r"^  \S[^:]*:$", (sides.old / "assumptions/beta.yaml").read_text(), re.M))
    assert [(c.key, c.status, c.old, c.new) for c in diff_projects(base, head)] == [
        ("company gamma", "added", None, f"Beta, {keys} assumptions"),
        ("company beta", "removed", f"Beta, {keys} assumptions", None),
    ]
    effect = review(base, head).effects[0]
    assert effect.structural == ("company gamma added", "company beta removed")
    # Gamma has Beta's numbers, so Alpha's share is as it was: the companies' figures are shown, none attributed
    assert effect.attribution.empty
    assert effect.effect.groupby("slug")[["old", "new"]].count().to_dict("index") == {
        "beta": {"old": len(HEADLINE), "new": 0}, "gamma": {"old": 0, "new": len(HEADLINE)}}


def test_a_companys_colour_is_a_change_that_moves_nothing(sides):
    sides.edit("assumptions/alpha.yaml", "name: Alpha\n", "name: Alpha\ncolour: '#CC79A7'\n")
    base, head = from_folder(sides.old, None), from_folder(sides.new, None)
    assert [(c.key, c.status, c.old, c.new) for c in diff_projects(base, head)] == [
        ("company alpha: colour", "changed", "None", "#cc79a7")]
    assert not review(base, head).effects  # no figure moved, so no scenario has an effect to show


# ------------------------------------------------------------------------------------------------ scenario diff
@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated_git: None) -> Path:
    """The small project committed in a new git repository (and nothing above it), the working directory."""
    root = committed(tmp_path / "repo")
    monkeypatch.chdir(root)
    return root


def change(root: Path, relative: str, old: str, new: str) -> None:
    Project(root).edit(relative, old, new)


def edit_growth_and_plan(root: Path) -> None:
    change(root, "assumptions/alpha.yaml", "value: 0.1\n", "value: 0.2\n")
    change(root, "assumptions/alpha.yaml", '"up 10%"', '"up 20%"')
    change(root, "scenarios/high.yaml", "value: 60", "value: 70")
    change(root, "scenarios/high.yaml", "RMB 60 billion", "RMB 70 billion")


DIFF_MARKDOWN = """\
## Assumption changes

HEAD -> working tree: 2 changed, 0 added, 0 removed.

| key | status | old | new | change | also changed | evidence |
|---|---|---|---|---|---|---|
| alpha.cloud.growth | changed | 0.1 | 0.2 | +100.0% | excerpt (alpha-filing): "up 10%" -> "up 20%" | alpha-filing: "up 20%" |
| scenario high: alpha.capex.plan_total | changed | 60 CNY bn | 70 CNY bn | +16.7% | excerpt (later-news): "RMB 60 billion" -> "RMB 70 billion" | later-news: "RMB 70 billion" |

## Effect on results

### base

| company | figure | old | new | change | % |
|---|---|---|---|---|---|
| Alpha | Cloud revenue 2027 (USD bn) | 1.3 | 1.7 | +0.4 | +29.8% |
| Alpha | AI revenue 2027 (USD bn) | 0.4 | 0.5 | +0.1 | +29.8% |

### high

| company | figure | old | new | change | % |
|---|---|---|---|---|---|
| Alpha | Capex 2025 (USD bn) | 3.8 | 4.4 | +0.6 | +16.7% |
| Alpha | Capex 2027 (USD bn) | 4.5 | 5.2 | +0.8 | +16.7% |
| Alpha | Capex 2025-2027 (USD bn) | 12.0 | 14.0 | +2.0 | +16.7% |
| Alpha | Share of capex 2025-2027 | 51.7% | 55.6% | +3.8 pp | +7.4% |
| Alpha | Capex intensity 2027 | 46.1% | 53.8% | +7.7 pp | +16.7% |
| Alpha | Cloud revenue 2027 (USD bn) | 1.3 | 1.7 | +0.4 | +29.8% |
| Alpha | AI revenue 2027 (USD bn) | 0.4 | 0.5 | +0.1 | +29.8% |
| Beta | Share of capex 2025-2027 | 48.3% | 44.4% | -3.8 pp | -7.9% |

## Attribution

### base

One changed assumption: the whole change is its effect (2 runs of the model).

| company | figure | alpha.cloud.growth | total |
|---|---|---|---|
| Alpha | Cloud revenue 2027 (USD bn) | +0.4 | +0.4 |
| Alpha | AI revenue 2027 (USD bn) | +0.1 | +0.1 |

### high

Shapley values over the 2 changed assumptions: each one's effect averaged over every order of making the changes (4 runs of the model).

| company | figure | scenario high: alpha.capex.plan_total | alpha.cloud.growth | total |
|---|---|---|---|---|
| Alpha | Capex 2025 (USD bn) | +0.6 | 0.0 | +0.6 |
| Alpha | Capex 2027 (USD bn) | +0.8 | 0.0 | +0.8 |
| Alpha | Capex 2025-2027 (USD bn) | +2.0 | 0.0 | +2.0 |
| Alpha | Share of capex 2025-2027 | +3.8 pp | 0.0 pp | +3.8 pp |
| Alpha | Capex intensity 2027 | +7.7 pp | 0.0 pp | +7.7 pp |
| Alpha | Cloud revenue 2027 (USD bn) | 0.0 | +0.4 | +0.4 |
| Alpha | AI revenue 2027 (USD bn) | 0.0 | +0.1 | +0.1 |
| Beta | Share of capex 2025-2027 | -3.8 pp | 0.0 pp | -3.8 pp |
"""


def test_diff_markdown_of_a_change_in_the_working_tree(repo):
    # Alpha's 2027 cloud revenue 1.331 -> 1.728 (+29.8%); high's plan RMB 60bn -> 70bn: capex 2025 USD 3.75bn ->
    # 4.375bn, capex 2025-2027 12 -> 14 and Alpha's share of the two companies' 23.19 -> 25.19: 51.7% -> 55.6%
    edit_growth_and_plan(repo)
    result = runner.invoke(app, ["diff", "--markdown"])
    assert result.exit_code == 0, result.output
    assert result.stdout == DIFF_MARKDOWN
    assert result.stderr == "wrote outputs/diff/\n"
    written = repo / "outputs" / "diff"
    assert written.joinpath("review.md").read_text() == DIFF_MARKDOWN
    assert json.loads(written.joinpath("review.json").read_text())["head"] == "working tree"
    assert sorted(p.name for p in (written / "charts").iterdir()) == [
        f"waterfall-{name}.{suffix}" for name in ("base", "high") for suffix in ("png", "svg", "vl.json")]
    spec = json.loads((written / "charts" / "waterfall-high.vl.json").read_text())
    assert spec["title"]["text"] == "Cloud revenue 2027 (USD bn), scenario high: what each change did"


def test_diff_between_two_commits_and_a_clean_working_tree(repo):
    edit_growth_and_plan(repo)
    git(repo, "commit", "-q", "-am", "second")
    clean = runner.invoke(app, ["diff"])
    assert clean.exit_code == 0, clean.output
    assert clean.stdout == ("HEAD -> working tree: no changes to assumptions, scenarios or sources.\n"
                            "No scenario's results change.\nwrote outputs/diff/\n")
    result = runner.invoke(app, ["diff", "--base", "HEAD~1", "--head", "HEAD", "--format", "json", "--out", "review"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["base"], data["head"]) == ("HEAD~1", "HEAD")
    assert [c["key"] for c in data["changes"]] == ["alpha.cloud.growth", "scenario high: alpha.capex.plan_total"]
    assert [s["scenario"] for s in data["scenarios"]] == ["base", "high"]
    assert (repo / "review" / "review.json").read_text() == result.stdout


def test_diff_of_two_folders_in_the_terminal(repo, tmp_path):
    shutil.copytree(SMALL, tmp_path / "before")
    edit_growth_and_plan(repo)
    result = runner.invoke(app, ["diff", str(tmp_path / "before"), str(repo), "--figure", "Capex 2025-2027"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"{tmp_path / 'before'} -> .: 2 changed, 0 added, 0 removed."
    assert "Attribution: high" in result.stdout and "Shapley values over the 2 changed assumptions" in result.stdout
    charts = repo / "outputs/diff/charts"
    spec = json.loads((charts / "waterfall-high.vl.json").read_text())
    assert spec["title"]["text"] == "Capex 2025-2027 (USD bn), scenario high: what each change did"
    assert not (charts / "waterfall-base.vl.json").exists()  # the figure did not move in base


def test_diff_all_shows_unchanged_keys(repo):
    change(repo, "assumptions/alpha.yaml", "value: 0.1\n", "value: 0.2\n")
    result = runner.invoke(app, ["diff", "--all", "--format", "json"])
    assert result.exit_code == 0, result.output
    statuses = [c["status"] for c in json.loads(result.stdout)["changes"]]
    high = load_inputs(repo / "scenarios/high.yaml")  # every assumption and override, one of them changed
    keys = len(high.resolved) + len(high.scenario.overrides)
    assert (len(statuses), statuses.count("unchanged")) == (keys, keys - 1)


def test_diff_names_the_side_of_an_invalid_file(repo):
    change(repo, "assumptions/alpha.yaml", "confidence: high", "confidence: certain")
    result = runner.invoke(app, ["diff"])
    assert result.exit_code == 1
    assert result.stderr == (
        at("assumptions/alpha.yaml", "capex.plan_total.confidence") + ": 'certain' is not one of 'high', 'medium' or "
        "'low'\n1 error; nothing was written\n"
    )
    git(repo, "commit", "-q", "-am", "broken")
    change(repo, "assumptions/alpha.yaml", "confidence: certain", "confidence: high")
    result = runner.invoke(app, ["diff"])
    assert result.exit_code == 1
    assert result.stderr == (
        "HEAD:" + at("assumptions/alpha.yaml", "capex.plan_total.confidence") + ": 'certain' is not one of 'high', "
        "'medium' or 'low'\n1 error; nothing was written\n"
    )
    assert not (repo / "outputs" / "diff").exists()


def test_diff_outside_a_git_repository(small, isolated_git):
    result = runner.invoke(app, ["diff"])
    assert result.exit_code == 2
    assert result.stderr == ("error: not inside a git repository: there is no HEAD to compare with; to compare two "
                             "project folders, run scenario diff A_DIR B_DIR\n")


def test_diff_usage_errors(repo):
    result = runner.invoke(app, ["diff", "--base", "nope"])
    assert (result.exit_code, result.stderr) == (
        2, "error: unknown revision 'nope'; give a commit, branch or tag, such as HEAD~1 or main\n")
    result = runner.invoke(app, ["diff", "--markdown", "--format", "json"])
    assert (result.exit_code, result.stderr) == (2, "error: --markdown and --format json ask for two formats; give one\n")
    change(repo, "assumptions/alpha.yaml", "value: 0.1\n", "value: 0.2\n")
    result = runner.invoke(app, ["diff", "--figure", "Capex"])
    assert result.exit_code == 2
    assert result.stderr == ("error: --figure 'Capex' matches several headline figures of scenario base; valid: "
                             "'Capex 2025 (USD bn)', 'Capex 2027 (USD bn)', 'Capex 2025-2027 (USD bn)', "
                             "'Capex intensity 2027'\n")


def test_the_effect_table_hides_figures_that_did_not_move(sides):
    result = sides.edit(*GROWTH).review()
    shown = result.effects[0].effect
    assert isinstance(shown, pd.DataFrame)
    assert shown[["company", "figure"]].values.tolist() == [["Alpha", CLOUD_2027], ["Alpha", AI_2027]]


def test_a_changed_history_is_listed_among_the_fields_that_changed(sides):
    vintage = ("    history:\n      - value: 0.05\n        confidence: low\n        as_of: 2024-12-01\n"
               "        sources:\n          - ref: analyst-judgement\n            rationale: the year before\n")
    sides.edit("assumptions/alpha.yaml", '        excerpt: "up 10%"\n', '        excerpt: "up 10%"\n' + vintage)
    result = sides.review()
    (growth,) = result.changes
    assert (growth.key, growth.status, growth.value_changed) == ("alpha.cloud.growth", "changed", False)
    assert [(f.field, f.old, f.new) for f in growth.fields] == [
        ("history", None, "0.05 as of 2024-12-01 (analyst-judgement)")]
    assert "history: none -> 0.05 as of 2024-12-01 (analyst-judgement)" in review_markdown(result)
