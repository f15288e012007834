"""Each loading rule, broken in a copy of the small project, with the message the user sees pinned."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from model.errors import InputError, UsageError
from model.io.loading import load_inputs, validate_project
from model.io.project import find_scenario
from tests.conftest import REPO, Project, at, line_of
from tests.core.test_engine import BETA_GROWTH_ROUTE, intensity


def problems_of(project, scenario: str = "base") -> list[str]:
    with pytest.raises(InputError) as caught:
        load_inputs(project.path(f"scenarios/{scenario}.yaml"))
    return [str(p) for p in caught.value.problems]


def all_problems(project) -> list[str]:
    scenarios = sorted(project.path("scenarios").glob("*.yaml"))
    return [str(p) for p in validate_project(scenarios, [project.path("assumptions")])]


def test_the_fixture_is_clean(small):
    assert all_problems(small) == []
    inputs = load_inputs(small.path("scenarios/high.yaml"))
    assert inputs.warnings == ()
    assert [c.slug for c in inputs.companies] == ["alpha", "beta"]


# ------------------------------------------------------------------------------------------- citations and sources
def test_a_cited_source_must_exist(small):
    small.edit("assumptions/alpha.yaml", "ref: alpha-filing\n        excerpt: \"8 billion", "ref: alpha-filling\n        excerpt: \"8 billion")
    assert problems_of(small) == [
        at("assumptions/alpha.yaml", "ai_chips.budget_base.sources[0].ref") + ": unknown source 'alpha-filling'; "
        "did you mean 'alpha-filing'? valid: alpha-filing, analyst-judgement, beta-press, later-news, rumour"
    ]


def test_an_assumption_needs_a_source(small):
    small.edit("assumptions/beta.yaml", """    sources:
      - ref: beta-press
        excerpt: "US$1bn cloud revenue"
""", "")
    assert problems_of(small) == [
        at("assumptions/beta.yaml", "cloud.revenue_base.sources") + ": required field is missing"]


def test_a_citation_needs_an_excerpt(small):
    small.edit("assumptions/beta.yaml", '        excerpt: "US$2bn in fiscal 2025"\n', "")
    assert problems_of(small) == [
        at("assumptions/beta.yaml", "capex.base.sources[0]") + ": 'beta-press' needs an excerpt: the short phrase that "
        "states the figure"
    ]


def test_an_excerpt_is_a_phrase_not_a_paragraph(small):
    small.edit("assumptions/beta.yaml", "US$2bn in fiscal 2025", "US$2bn " * 20)
    assert problems_of(small) == [
        at("assumptions/beta.yaml", "capex.base.sources[0].excerpt") + ": String should have at most 120 characters"
    ]


def test_analyst_judgement_needs_a_rationale(small):
    small.edit("assumptions/beta.yaml", "        rationale: half of it\n", "")
    assert problems_of(small) == [
        at("assumptions/beta.yaml", "cloud.ai_share.sources[0]") + ": analyst-judgement needs a rationale: why this "
        "figure"
    ]


def test_source_ids_are_unique(small):
    small.edit("assumptions/sources.yaml", "id: rumour", "id: beta-press")
    registry = line_of(small.path("assumptions/sources.yaml").read_text(), "sources")
    assert problems_of(small) == [f"assumptions/sources.yaml:{registry}: source id 'beta-press' appears twice"]


# --------------------------------------------------------------------------------------------- values and units
def test_confidence_is_high_medium_or_low(small):
    small.edit("assumptions/alpha.yaml", "confidence: medium\n    range", "confidence: sure\n    range")
    assert problems_of(small) == [
        at("assumptions/alpha.yaml", "ai_chips.budget_base.confidence") + ": 'sure' is not one of 'high', 'medium' or "
        "'low'"
    ]


def test_a_range_holds_its_value(small):
    small.edit("assumptions/alpha.yaml", "range: [6, 10]", "range: [9, 10]")
    assert problems_of(small) == [
        at("assumptions/alpha.yaml", "ai_chips.budget_base") + ": value 8 lies outside its range [9, 10]"
    ]


def test_a_range_runs_low_to_high(small):
    small.edit("assumptions/alpha.yaml", "range: [6, 10]", "range: [10, 6]")
    assert problems_of(small) == [
        at("assumptions/alpha.yaml", "ai_chips.budget_base.range") + ": range low 10 is above high 6"
    ]


def test_units_must_be_known(small):
    small.edit("assumptions/alpha.yaml", "unit: CNY bn\n    period: 2025-2026", "unit: RMB billions\n    period: 2025-2026")
    assert problems_of(small)[0].startswith(
        at("assumptions/alpha.yaml", "capex.plan_total.unit") + ": unknown unit 'RMB billions'; valid units: ratio, "
        "years"
    )


def test_a_currency_needs_an_exchange_rate(small):
    small.edit("assumptions/alpha.yaml", "unit: CNY bn\n    period: 2025-2026", "unit: RMB bn\n    period: 2025-2026")
    assert problems_of(small) == [
        at("assumptions/alpha.yaml", "capex.plan_total.unit") + ": currency RMB has no exchange rate in fx.yaml "
        "(known: CNY, USD)"
    ]


def test_a_unit_must_suit_its_key(small):
    small.edit("assumptions/beta.yaml", "value: 1.5\n    unit: years", "value: 1.5\n    unit: USD")
    assert problems_of(small) == [
        at("assumptions/beta.yaml", "accelerators.service_life.unit") + ": accelerators.service_life needs a years "
        "unit, not 'USD'"
    ]


def test_values_must_be_in_their_valid_interval(small):
    small.edit("assumptions/beta.yaml", "value: 0.5\n    unit: ratio\n    period: 2025\n    confidence: low\n    as_of: 2025-04-01",
               "value: 1.5\n    unit: ratio\n    period: 2025\n    confidence: low\n    as_of: 2025-04-01")
    assert problems_of(small) == [
        at("assumptions/beta.yaml", "ai_chips.share_of_capex.value") + ": 1.5 is outside the valid interval [0, 1]"
    ]


def test_unknown_keys_are_errors_with_a_suggestion(small):
    small.edit("assumptions/alpha.yaml", "  cloud.growth:", "  cloud.grwoth:")
    problems = problems_of(small)
    assert problems[0].startswith(
        at("assumptions/alpha.yaml", "cloud.grwoth") + ": unknown assumption key; did you mean 'cloud.growth'? valid: "
        "accelerators.installed_base,"
    )


def test_unknown_fields_are_errors_with_the_valid_ones(small):
    small.edit("assumptions/alpha.yaml", "    confidence: high\n    as_of: 2025-03-01\n    sources:\n      - ref: alpha-filing\n        excerpt: \"RMB 30",
               "    confidance: high\n    as_of: 2025-03-01\n    sources:\n      - ref: alpha-filing\n        excerpt: \"RMB 30")
    assert problems_of(small) == [
        at("assumptions/alpha.yaml", "capex.plan_total.confidence") + ": required field is missing",
        at("assumptions/alpha.yaml", "capex.plan_total.confidance") + ": unknown field; did you mean 'confidence'? "
        "valid fields: value, unit, period, confidence, range, as_of, sources, notes, history, basis, candidates, pool",
    ]


def test_a_base_figure_is_anchored_in_one_year(small):
    small.edit("assumptions/beta.yaml", "period: FY2025", "period: 2024-2025")
    assert problems_of(small) == [
        at("assumptions/beta.yaml", "capex.base.period") + ": capex.base is anchored in one year; '2024-2025' is a "
        "range"
    ]


def test_company_must_match_its_file_name(small):
    small.edit("assumptions/beta.yaml", "company: beta", "company: gamma")
    assert problems_of(small) == [at("assumptions/beta.yaml", "company") + ": 'gamma' must equal the file name 'beta'"]


def test_a_company_needs_what_its_horizon_uses(small):
    small.edit("assumptions/alpha.yaml", "  capex.post_plan_growth:", "  capex.growth:")
    assert problems_of(small) == [
        at("assumptions/alpha.yaml", "assumptions") + ": needs capex.post_plan_growth for capex after its plan window "
        "2025-2026 (scenario base, horizon 2025-2027)"
    ]


def test_a_company_without_any_capex_route_is_told_all_three(small):
    small.edit("assumptions/beta.yaml", BETA_GROWTH_ROUTE, "")
    assert problems_of(small) == [at("assumptions/beta.yaml", "assumptions") + (
        ": needs capex.base, capex.growth to project capex (or a capex.intensity, or a capex.plan_total) "
        "(scenario base, horizon 2025-2027)")]


def test_capex_before_a_plan_may_come_from_its_intensity(small):
    small.edit("scenarios/base.yaml", "horizon: [2025, 2027]", "horizon: [2024, 2027]")
    assert problems_of(small) == [
        at("assumptions/alpha.yaml", "assumptions") + ": needs capex.base, capex.growth for capex before its plan "
        "window 2025-2026 (or a capex.intensity) (scenario base, horizon 2024-2027)"]
    small.edit("assumptions/alpha.yaml", "  group.revenue_base:", intensity("0.5", "2024") + "\n  group.revenue_base:")
    assert "alpha.capex.intensity" in load_inputs(small.path("scenarios/base.yaml")).resolved


def test_a_company_needs_group_revenue(small):
    text = small.path("assumptions/beta.yaml").read_text()
    start = text.index("  group.revenue_growth:")
    small.write("assumptions/beta.yaml", text[:start] + text[text.index("  ai_chips.share_of_capex:"):])
    assert problems_of(small) == [at("assumptions/beta.yaml", "assumptions") + (
        ": needs group.revenue_growth for group revenue and capex intensity (scenario base, horizon 2025-2027)")]


def test_capex_given_both_as_intensity_and_by_base_and_growth_is_an_error(small):
    small.edit("assumptions/beta.yaml", "  group.revenue_base:", intensity("0.3") + "\n  group.revenue_base:")
    assert problems_of(small) == [
        at("assumptions/beta.yaml", "capex.intensity") + ": capex is given twice: as capex.intensity (a share of "
        "group revenue) and by capex.base and capex.growth; keep one of the two ways"]


@pytest.mark.parametrize("value", ["1.2", "-0.1", "{2025: 0.2, 2027: 1.5}", ".nan", "'low teens'"])
def test_capex_intensity_is_a_share_of_revenue(small, value):
    small.edit("assumptions/beta.yaml", BETA_GROWTH_ROUTE, intensity(value))
    problems = problems_of(small)
    assert len(problems) == 1 and problems[0].startswith(at("assumptions/beta.yaml", "capex.intensity.value") + ": ")


def add_override(project: Project, key: str) -> None:
    """An override of `key` at the end of the `high` scenario."""
    project.write("scenarios/high.yaml", project.path("scenarios/high.yaml").read_text() + f"""
  {key}:
    value: 0.2
    rationale: a different figure, for the test
    confidence: low
    sources:
      - ref: beta-press
        excerpt: "50% more"
""")


def test_an_override_of_the_capex_route_a_company_does_not_use_says_which_it_uses(small):
    small.edit("assumptions/beta.yaml", BETA_GROWTH_ROUTE, intensity("0.3"))
    add_override(small, "beta.capex.growth")
    assert problems_of(small, "high") == [
        at("scenarios/high.yaml", "beta.capex.growth") + ": beta gives its capex as capex.intensity (a share of group "
        "revenue), so it has no capex.growth to override; override beta.capex.intensity instead"]


def test_an_override_of_an_intensity_a_company_does_not_give_names_its_route(small):
    add_override(small, "beta.capex.intensity")
    assert problems_of(small, "high") == [
        at("scenarios/high.yaml", "beta.capex.intensity") + ": beta gives its capex by capex.base and capex.growth, "
        "so it has no capex.intensity to override; override beta.capex.base and beta.capex.growth instead (a "
        "scenario changes numbers, not the way capex is given)"]


# -------------------------------------------------------------------------------------------------------- scenarios
def test_an_override_needs_a_rationale(small):
    small.edit("scenarios/high.yaml", "    rationale: the later report doubles the plan\n", "")
    assert problems_of(small, "high") == [
        at("scenarios/high.yaml", "alpha.capex.plan_total.rationale") + ": required field is missing"]


def test_an_override_needs_a_source(small):
    small.edit("scenarios/high.yaml", """    sources:
      - ref: later-news
        excerpt: "RMB 60 billion"
""", "")
    assert problems_of(small, "high") == [
        at("scenarios/high.yaml", "alpha.capex.plan_total.sources") + ": required field is missing"]


def test_an_override_key_must_exist(small):
    valid = ", ".join(sorted(load_inputs(small.path("scenarios/base.yaml")).resolved))  # grows with the fixture
    small.edit("scenarios/high.yaml", "alpha.capex.plan_total:", "alpha.capex.plan_totl:")
    assert problems_of(small, "high") == [
        at("scenarios/high.yaml", "alpha.capex.plan_totl") + ": no such assumption; did you mean "
        f"'alpha.capex.plan_total'? valid: {valid}"]


def test_an_override_of_an_unknown_company(small):
    small.edit("scenarios/high.yaml", "alpha.capex.plan_total:", "alhpa.capex.plan_total:")
    assert problems_of(small, "high") == [
        at("scenarios/high.yaml", "alhpa.capex.plan_total") + ": unknown company 'alhpa'; did you mean 'alpha'? "
        "valid: alpha, beta, fx, market"
    ]


def test_an_override_is_checked_like_an_assumption(small):
    small.edit("scenarios/high.yaml", "value: 60", "value: -60")
    assert problems_of(small, "high") == [
        at("scenarios/high.yaml", "alpha.capex.plan_total.value") + ": -60 is outside the valid interval (0, 1e+06]"
    ]


def test_an_override_applies_with_the_assumptions_unit(small):
    inputs = load_inputs(small.path("scenarios/high.yaml"))
    plan = inputs.resolved["alpha.capex.plan_total"]
    assert (plan.assumption.value.scalar, plan.assumption.unit, plan.assumption.period) == (60, "CNY bn", "2025-2026")
    assert plan.overridden_by == "high"
    assert plan.rationale == "the later report doubles the plan"
    assert str(plan.assumption.as_of) == "2026-01-15"  # the newest date among its sources
    assert str(inputs.scenario.horizon) == "(2025, 2027)"  # inherited from base


def test_extends_has_no_cycle(small):
    small.edit("scenarios/base.yaml", "name: base\n", "name: base\nextends: high\n")
    assert problems_of(small, "high") == [
        at("scenarios/base.yaml", "extends") + ": extends makes a cycle: high -> base -> high"
    ]


def test_extends_names_an_existing_scenario(small):
    small.edit("scenarios/high.yaml", "extends: base", "extends: bsae")
    assert problems_of(small, "high") == [
        at("scenarios/high.yaml", "extends") + ": unknown scenario 'bsae'; did you mean 'base'? valid: base, high"
    ]


def test_a_root_scenario_sets_its_horizon(small):
    small.edit("scenarios/base.yaml", "horizon: [2025, 2027]\n", "")
    assert problems_of(small) == [at("scenarios/base.yaml", "horizon") + ": the root scenario 'base' must set horizon"]


# --------------------------------------------------------------------------------------------------------- warnings
def test_high_confidence_on_unconfirmed_sources_warns(small):
    small.edit("assumptions/beta.yaml", "confidence: low\n    as_of: 2025-04-01", "confidence: high\n    as_of: 2025-04-01")
    inputs = load_inputs(small.path("scenarios/base.yaml"))
    assert [str(w) for w in inputs.warnings] == [
        at("assumptions/beta.yaml", "ai_chips.share_of_capex.confidence") + ": warning: high confidence rests only on "
        "unconfirmed sources"
    ]


def test_a_source_after_the_scenarios_cut_off_warns(small):
    small.edit("scenarios/high.yaml", "as_of: 2026-01-31", "as_of: 2025-12-31")
    inputs = load_inputs(small.path("scenarios/high.yaml"))
    assert [str(w) for w in inputs.warnings] == [
        at("scenarios/high.yaml", "alpha.capex.plan_total") + ": warning: source 'later-news' is dated 2026-01-15, "
        "after as_of 2025-12-31 of scenario 'high'"
    ]


# ------------------------------------------------------------------------------------------------------ YAML safety
def test_yaml_syntax_errors_name_the_line(small):
    small.edit("assumptions/beta.yaml", "  capex.growth:", "  capex.growth: [")
    (problem,) = problems_of(small)
    assert problem.startswith("assumptions/beta.yaml:")
    assert "invalid YAML" in problem


def test_duplicate_keys_are_refused(small):
    small.edit("assumptions/beta.yaml", "name: Beta\n", "name: Beta\nname: Beta2\n")
    (problem,) = problems_of(small)
    repeated = small.path("assumptions/beta.yaml").read_text().splitlines().index("name: Beta2") + 1
    assert problem.startswith(f"assumptions/beta.yaml:{repeated}: invalid YAML: while constructing a mapping")
    assert 'found duplicate key "name"' in problem


def test_aliases_are_refused(small):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    small.write("assumptions/bomb.yaml", bomb)
    aliases = at("assumptions/bomb.yaml", "b[0]") + ": YAML aliases (*name) are not allowed in input files"
    assert aliases in problems_of(small)


def test_python_tags_cannot_run_code(small, tmp_path):
    marker = tmp_path / "ran"
    small.write("assumptions/evil.yaml", f"!!python/object/apply:os.system ['touch {marker}']\n")
    (problem,) = problems_of(small)
    assert problem == ("assumptions/evil.yaml:1: YAML tags (tag:yaml.org,2002:python/object/apply:os.system) are not "
                       "allowed in input files")
    assert not marker.exists()


def test_oversized_files_are_refused(small):
    small.write("assumptions/huge.yaml", "# padding\n" * 120_000)
    assert problems_of(small) == ["assumptions/huge.yaml: file is 1,200,000 bytes; input files are limited to 1 MB"]


def test_every_problem_in_a_file_is_reported_at_once(small):
    small.edit("assumptions/beta.yaml", "confidence: high", "confidence: total")
    small.edit("assumptions/alpha.yaml", "period: 2024Q4", "period: 2024Q9")
    assert len(problems_of(small)) == 2


# --------------------------------------------------------------------------------------------- finding scenarios
def test_a_bare_name_resolves_in_scenarios(small):
    assert find_scenario("high") == small.path("scenarios/high.yaml").resolve()
    assert find_scenario("high.yaml") == small.path("scenarios/high.yaml").resolve()
    assert find_scenario("scenarios/high.yaml") == Path("scenarios/high.yaml")


def test_an_unknown_scenario_lists_the_known_ones(small):
    with pytest.raises(UsageError, match="unknown scenario 'hgih'; did you mean 'high'\\? valid: base, high"):
        find_scenario("hgih")


# -------------------------------------------------------------------------------------- every problem once, no cascade
def test_a_typo_in_one_field_of_the_shipped_project_is_one_error(tmp_path):
    """A company file with one bad field still loads its other assumptions, so the scenarios that override or
    correlate them get no false 'unknown company' errors."""
    for folder in ("assumptions", "scenarios"):
        shutil.copytree(REPO / folder, tmp_path / folder)
    company = tmp_path / "assumptions" / "alibaba.yaml"
    text = company.read_text()
    line = text[:text.index("    confidence: high")].count("\n") + 1
    company.write_text(text.replace("    confidence: high", "    confidence: hihg", 1))
    errors = [p for p in all_problems(Project(tmp_path)) if ": warning: " not in p]
    assert errors == [f"{company}:{line}: capex.plan_total.confidence: 'hihg' is not one of 'high', 'medium' or "
                      "'low'"]


def test_a_bad_entry_does_not_hide_the_other_entries_checks(small):
    small.edit("assumptions/alpha.yaml", "confidence: high", "confidence: hihg")  # capex.plan_total, line 9
    small.edit("assumptions/alpha.yaml", "ref: alpha-filing\n        excerpt: \"8 billion", "ref: alpha-filin\n        excerpt: \"8 billion")
    assert all_problems(small) == [
        at("assumptions/alpha.yaml", "capex.plan_total.confidence") + ": 'hihg' is not one of 'high', 'medium' or "
        "'low'",
        at("assumptions/alpha.yaml", "ai_chips.budget_base.sources[0].ref") + ": unknown source 'alpha-filin'; did you "
        "mean 'alpha-filing'? valid: alpha-filing, analyst-judgement, beta-press, later-news, rumour",
    ]


def test_a_company_file_with_a_bad_own_field_still_has_its_entries_checked(small):
    """name: is missing, so alpha cannot be projected; its entries' interval and source errors are still found, and
    the scenario overriding alpha.capex.plan_total is not told that alpha is unknown."""
    small.edit("assumptions/alpha.yaml", "name: Alpha\n", "")
    small.edit("assumptions/alpha.yaml", "ref: alpha-filing\n        excerpt: \"8 billion", "ref: alpha-filin\n        excerpt: \"8 billion")
    assert all_problems(small) == [
        at("assumptions/alpha.yaml", "name") + ": required field is missing",
        at("assumptions/alpha.yaml", "ai_chips.budget_base.sources[0].ref") + ": unknown source 'alpha-filin'; did you "
        "mean 'alpha-filing'? valid: alpha-filing, analyst-judgement, beta-press, later-news, rumour",
    ]


def test_a_bad_source_entry_is_reported_once_not_at_every_citation(small):
    small.edit("assumptions/sources.yaml", "    date: 2025-03-01\n    kind: filing", "    date: 2025-03-01\n    kind: filling")
    found = all_problems(small)
    assert found == [at("assumptions/sources.yaml", "sources[0].kind") + ": 'filling' is not one of 'filing', "
                     "'company-statement', 'press', 'analyst', 'unconfirmed' or 'analyst-judgement'"]


def test_a_sources_file_that_does_not_load_hides_no_other_file_and_adds_no_false_errors(small):
    small.write("assumptions/sources.yaml", "sources: [\n")
    found = all_problems(small)
    assert len(found) == 1 and found[0].startswith("assumptions/sources.yaml:2: invalid YAML:"), found


def test_a_bad_exchange_rate_gives_no_false_currency_errors(small):
    small.edit("assumptions/fx.yaml", "value: 8.0", "value: eight")
    assert all_problems(small) == [
        at("assumptions/fx.yaml", "CNY.value") + ": value must be a number, not str 'eight'",
    ]


def test_a_bad_correlation_drops_alone_and_the_next_keeps_its_line(small):
    small.write("scenarios/base.yaml", small.path("scenarios/base.yaml").read_text() + (
        "correlations:\n"
        "  - keys: [alpha.cloud.growth, beta.cloud.growth]\n"
        "    rank: 2\n    rationale: too strong\n"
        "  - keys: [alpha.cloud.growth, beta.cloud.grwth]\n"
        "    rank: 0.5\n"
        "    rationale: a typo in a key\n"
    ))
    found = all_problems(small)
    assert found[0] == at("scenarios/base.yaml", "correlations[0].rank") + ": rank 2 lies outside [-1, 1]"
    assert found[1].startswith(
        at("scenarios/base.yaml", "correlations[1].keys") + ": no such assumption 'beta.cloud.grwth'; "
                               "did you mean 'beta.cloud.growth'?")
    assert len(found) == 2, found


# ----------------------------------------------------------------------------------------------------- history
VINTAGE = ("    history:\n"
           "      - value: 25\n"
           "        confidence: high\n"
           "        as_of: 2024-12-01\n"
           "        replaced: 2025-03-01\n"
           "        sources:\n"
           "          - ref: alpha-filing\n"
           "            excerpt: \"RMB 25 billion\"\n")
PLAN_SOURCES = "        excerpt: \"RMB 30 billion over two years\"\n"


def with_history(project, old: str = "", new: str = "") -> None:
    project.edit("assumptions/alpha.yaml", PLAN_SOURCES, PLAN_SOURCES + VINTAGE.replace(old, new))


def test_a_valid_history_loads_oldest_first(small):
    with_history(small)
    assert all_problems(small) == []
    (vintage,) = load_inputs(small.path("scenarios/base.yaml")).resolved["alpha.capex.plan_total"].assumption.history
    assert (vintage.value.scalar, vintage.sources[0].excerpt) == (25, "RMB 25 billion")


H = "assumptions/alpha.yaml:{}: capex.plan_total.history[0]"


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("ref: alpha-filing", "ref: alpha-filling",
     H.format(20) + ".sources[0].ref: unknown source 'alpha-filling'; did you mean 'alpha-filing'? valid: "
                    "alpha-filing, analyst-judgement, beta-press, later-news, rumour"),
    ("value: 25", "value: .nan", H.format(15) + ".value: value must be a finite number, not nan"),
    ("value: 25", "value: .inf", H.format(15) + ".value: value must be a finite number, not inf (a number this "
                                                "large overflows)"),
    ("value: 25", "value: 1e999", H.format(15) + ".value: value must be a finite number, not inf (a number this "
                                                 "large overflows)"),
    ("value: 25", "value: twenty-five", H.format(15) + ".value: value must be a number, not str 'twenty-five'"),
    ("        sources:\n          - ref: alpha-filing\n            excerpt: \"RMB 25 billion\"\n",
     "        sources: alpha-filing\n", H.format(19) + ".sources: Input should be a valid list"),
    ("        confidence: high\n", "        confidence: high\n        colour: blue\n",
     H.format(17) + ".colour: unknown field; valid fields: value, unit, period, confidence, range, as_of, replaced, "
                    "sources, rationale, notes"),
    ("        confidence: high\n", "        confidence: high\n        range: [26, 40]\n",
     H.format(15) + ": value 25 lies outside its range [26, 40]"),
    ("value: 25", "value: -5", H.format(15) + ".value: -5 is outside the valid interval (0, 1e+06]"),
])
def test_a_broken_vintage_is_an_error_with_its_line(small, old, new, expected):
    with_history(small, old, new)
    # (a vintage the schema refuses makes the file fail to load; what that does to the scenarios is not the point)
    assert [p for p in all_problems(small) if p.startswith("assumptions/alpha.yaml")] == [expected]


# ------------------------------------------------------------------------------ cloud revenue bases and the market
def test_a_cloud_revenue_figure_states_its_basis(small):
    small.edit("assumptions/beta.yaml", "    basis: market-share-estimate\n", "")
    assert problems_of(small) == [
        at("assumptions/beta.yaml", "cloud.revenue_base") + ": cloud.revenue_base needs a basis: what the figure "
        "counts, one of segment-reported, external-only, market-share-estimate"]


@pytest.mark.parametrize("written, shown", [("segment", "'segment'"), ("3", "3"),
                                            ("[segment-reported]", "['segment-reported']"), ("true", "True")])
def test_a_basis_is_one_of_the_three(small, written, shown):
    small.edit("assumptions/beta.yaml", "basis: market-share-estimate", f"basis: {written}")
    assert problems_of(small) == [
        at("assumptions/beta.yaml", "cloud.revenue_base.basis") + f": {shown} is not one of 'segment-reported', "
        "'external-only' or 'market-share-estimate'"]


def test_only_cloud_revenue_takes_a_basis(small):
    small.edit("assumptions/beta.yaml", "    period: 2025\n    confidence: low\n    as_of: 2025-05-31\n    sources:\n"
               "      - ref: analyst-judgement\n        rationale: flat in this test",
               "    period: 2025\n    basis: external-only\n    confidence: low\n    as_of: 2025-05-31\n    sources:\n"
               "      - ref: analyst-judgement\n        rationale: flat in this test")
    assert problems_of(small) == [
        at("assumptions/beta.yaml", "cloud.growth.basis") + ": only cloud.revenue_base takes a basis; cloud.growth "
        "has none"]


def _override_beta_revenue(small, basis: str = "") -> None:
    small.write("scenarios/restated.yaml", f"""name: restated
description: Beta's cloud revenue as its own filing gives it.
extends: base
overrides:
  beta.cloud.revenue_base:
    value: 1.2
{basis}    rationale: the filing's figure
    confidence: medium
    sources:
      - ref: beta-press
        excerpt: "US$1.2bn"
""")


def test_an_override_keeps_the_basis_it_replaces_or_restates_it(small):
    _override_beta_revenue(small)
    assert load_inputs(small.path("scenarios/restated.yaml")).resolved["beta.cloud.revenue_base"].assumption.basis \
        == "market-share-estimate"
    _override_beta_revenue(small, "    basis: external-only\n")
    assert load_inputs(small.path("scenarios/restated.yaml")).resolved["beta.cloud.revenue_base"].assumption.basis \
        == "external-only"
    _override_beta_revenue(small, "    basis: reported\n")
    assert problems_of(small, "restated") == [
        at("scenarios/restated.yaml", "beta.cloud.revenue_base.basis") + ": 'reported' is not one of "
        "'segment-reported', 'external-only' or 'market-share-estimate'"]


def test_the_market_file_is_required(small):
    small.path("assumptions/market.yaml").unlink()
    assert problems_of(small) == ["assumptions/market.yaml: file not found"]


def test_the_market_file_takes_only_its_keys(small):
    small.edit("assumptions/market.yaml", "cloud.total_growth:", "cloud.total_grwth:")
    assert problems_of(small) == [
        at("assumptions/market.yaml", "cloud.total_grwth") + ": unknown assumption key; did you mean "
        "'cloud.total_growth'? valid: cloud.total_base, cloud.total_growth",
        f"assumptions/market.yaml:{line_of(small.path('assumptions/market.yaml').read_text(), 'assumptions')}: "
        "assumptions: market.yaml needs cloud.total_growth (every company's cloud.market_share is a share of it)"]


@pytest.mark.parametrize("written, message", [
    (".nan", "value must be a finite number, not nan"),
    ("1e309", "value must be a finite number, not inf (a number this large overflows)"),
    ("-10", "-10 is outside the valid interval (0, 1e+06]"),
    ('"ten"', "value must be a number, not str 'ten'"),
])
def test_the_market_total_is_a_finite_positive_amount(small, written, message):
    small.edit("assumptions/market.yaml", "    value: 10\n", f"    value: {written}\n")
    assert problems_of(small) == [at("assumptions/market.yaml", "cloud.total_base.value") + f": {message}"]


@pytest.mark.parametrize("written, message", [
    ("1.2", "1.2 is outside the valid interval [0, 1]"),
    ("-0.1", "-0.1 is outside the valid interval [0, 1]"),
    ("{2025: 0.1, 2027: 1.5}", "1.5 is outside the valid interval [0, 1]"),
])
def test_a_market_share_lies_in_zero_to_one(small, written, message):
    small.edit("assumptions/beta.yaml", "    value: 0.1\n    unit: ratio\n    period: 2025\n    confidence: low\n"
               "    as_of: 2025-05-31\n    sources:\n      - ref: analyst-judgement\n        rationale: a tenth",
               f"    value: {written}\n    unit: ratio\n    period: 2025\n    confidence: low\n"
               "    as_of: 2025-05-31\n    sources:\n      - ref: analyst-judgement\n        rationale: a tenth")
    assert problems_of(small) == [at("assumptions/beta.yaml", "cloud.market_share.value") + f": {message}"]


def test_every_company_gives_its_market_share(small):
    text = small.path("assumptions/alpha.yaml").read_text()
    small.path("assumptions/alpha.yaml").write_text(text[:text.index("\n  cloud.market_share:")] + "\n")
    assert problems_of(small) == [
        at("assumptions/alpha.yaml", "assumptions") + ": needs cloud.market_share for the projection (scenario base, "
        "horizon 2025-2027)"]


def test_a_scenario_overrides_the_market_as_market_keys(small):
    small.write("scenarios/bigger.yaml", """name: bigger
description: A larger market.
extends: base
as_of: 2026-01-31
overrides:
  market.cloud.total_base:
    value: 20
    rationale: a later estimate
    confidence: low
    sources:
      - ref: later-news
        excerpt: "US$20bn"
  market.cloud.total_grwth:
    value: 0.2
    rationale: a typo
    confidence: low
    sources:
      - ref: later-news
        excerpt: "20%"
""")
    assert problems_of(small, "bigger") == [
        at("scenarios/bigger.yaml", "market.cloud.total_grwth") + ": no such assumption; did you mean "
        "'market.cloud.total_growth'? valid: " + ", ".join(sorted(load_inputs(small.path("scenarios/base.yaml"))
                                                                   .resolved))]
    small.edit("scenarios/bigger.yaml", "total_grwth", "total_growth")
    inputs = load_inputs(small.path("scenarios/bigger.yaml"))
    assert inputs.resolved["market.cloud.total_base"].overridden_by == "bigger"
    assert inputs.resolved["market.cloud.total_base"].assumption.unit == "USD bn"
