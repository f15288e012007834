"""A pooled assumption in the files: Beta's capex given as two sources' candidate figures in a copy of the small
project, its weights and value as loaded, each hostile field with the message the user sees pinned, and what
`validate`, `set`, `assumptions --distributions` and the report make of it."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from typer.testing import CliRunner

from model.analysis.audit import AuditSettings
from model.analysis.register import disagreements, distribution_table
from model.cli import app
from model.cli.checks import audit_project
from model.core.uncertainty import Pool, distribution
from model.errors import InputError
from model.io.loading import load_inputs
from tests.conftest import at

runner = CliRunner()

SINGLE = """  capex.base:
    value: 2
    unit: USD bn
    period: FY2025
    confidence: high
    as_of: 2025-02-01
    sources:
      - ref: beta-press
        excerpt: "US$2bn in fiscal 2025"
"""
POOLED = """  capex.base:
    unit: USD bn
    period: FY2025
    confidence: high
    as_of: 2025-04-01
    pool: linear
    candidates:
      - value: 2
        source:
          ref: beta-press
          excerpt: "US$2bn in fiscal 2025"
      - value: 2.4
        range: [2, 3]
        weight: 1.5
        source:
          ref: rumour
          excerpt: "US$2.4bn in fiscal 2025"
    sources:
      - ref: beta-press
        excerpt: "US$2bn in fiscal 2025"
"""
FILE = "assumptions/beta.yaml"


@pytest.fixture
def pooled(small):
    small.edit(FILE, SINGLE, POOLED)
    return small


def problems_of(project) -> list[str]:
    with pytest.raises(InputError) as caught:
        load_inputs(project.path("scenarios/base.yaml"))
    return [str(p) for p in caught.value.problems]


def test_a_pool_loads_with_its_weights_and_median(pooled):
    item = load_inputs(pooled.path("scenarios/base.yaml")).resolved["beta.capex.base"]
    # base's as_of is 2025-05-31: beta-press (press, 0.6) of 2025-02-01 is 119 days old; the rumour (unconfirmed,
    # 0.3, times its weight of 1.5) of 2025-04-01 is 60 days old
    press, rumour = 0.6 * 2 ** (-119 / 365), 0.45 * 2 ** (-60 / 365)
    assert item.assumption.weights == pytest.approx((press / (press + rumour), rumour / (press + rumour)), rel=1e-12)
    assert [c.as_of for c in item.assumption.candidates] == [dt.date(2025, 2, 1), dt.date(2025, 4, 1)]
    assert [c.confidence for c in item.assumption.candidates] == ["high", "high"]  # the assumption's
    dist = distribution(item)
    assert isinstance(dist, Pool)
    assert item.assumption.value.scalar == pytest.approx(dist.center[0], rel=1e-12)  # the value is the median
    assert 2 < item.assumption.value.scalar < 2.4
    # the first candidate's default width (high: / to x 1.1), the second its range
    assert dist.components[0].lower[0] == pytest.approx(2 / 1.1) and dist.components[1].upper[0] == 3


def test_a_later_scenario_weighs_the_candidates_alike(pooled):
    base = load_inputs(pooled.path("scenarios/base.yaml")).resolved["beta.capex.base"].assumption
    high = load_inputs(pooled.path("scenarios/high.yaml")).resolved["beta.capex.base"].assumption
    assert high.weights == pytest.approx(base.weights, rel=1e-12)  # only the gap between the dates counts


def test_a_candidate_dated_after_a_scenarios_as_of_is_flagged_and_counts_as_new(pooled):
    pooled.edit("scenarios/base.yaml", "as_of: 2025-05-31", "as_of: 2025-03-01")
    inputs = load_inputs(pooled.path("scenarios/base.yaml"))
    assert any("source 'rumour' is dated 2025-04-01, after as_of 2025-03-01" in str(w) for w in inputs.warnings)
    press = 0.6 * 2 ** (-28 / 365)  # 2025-02-01 to 2025-03-01; the rumour is not older than new: 0.45
    assert inputs.resolved["beta.capex.base"].assumption.weights[0] == pytest.approx(press / (press + 0.45))


HOSTILE = [
    ("weight: 1.5", "weight: abc", "capex.base.candidates[1].weight", "weight must be a number, not str 'abc'"),
    ("weight: 1.5", "weight: .nan", "capex.base.candidates[1].weight", "weight must be a finite number, not nan"),
    ("weight: 1.5", "weight: 0", "capex.base.candidates[1].weight",
     "weight 0 must be above zero (leave a candidate out rather than weigh it at zero)"),
    ("weight: 1.5", "weight: -2", "capex.base.candidates[1].weight",
     "weight -2 must be above zero (leave a candidate out rather than weigh it at zero)"),
    ("weight: 1.5", "weight: 5000", "capex.base.candidates[1].weight",
     "weight 5000 is above 1000, the largest multiplier"),
    ("value: 2.4", "value: .inf", "capex.base.candidates[1].value",
     "value must be a finite number, not inf (a number this large overflows)"),
    ("value: 2.4", "value: '2.4'", "capex.base.candidates[1].value", "value must be a number, not str '2.4'"),
    ("value: 2.4", "value: {2025: 2.4}", "capex.base.candidates[1].value",
     "a candidate's value is a single number: a pool mixes single figures, not series"),
    ("value: 2.4", "value: -2.4\n        unit: USD bn", "capex.base.candidates[1]", None),  # below: the range
    ("range: [2, 3]", "range: [2.5, 3]", "capex.base.candidates[1]", "value 2.4 lies outside its range [2.5, 3]"),
    ("ref: rumour", "ref: rumor", "capex.base.candidates[1].source.ref",
     ("unknown source 'rumor'; did you mean 'rumour'? valid: alpha-filing, analyst-judgement, beta-press, "
      "later-news, rumour")),
    ("weight: 1.5", "weight: 1.5\n        wieght: 2", "capex.base.candidates[1].wieght",
     ("unknown field; did you mean 'weight'? valid fields: value, source, as_of, confidence, range, weight, unit, "
      "period, notes")),
    ("weight: 1.5", "weight: 1.5\n        unit: CNY bn", "capex.base.candidates[1].unit",
     "candidate's unit 'CNY bn' is not the assumption's 'USD bn': a pool mixes figures of one unit"),
    ("weight: 1.5", "weight: 1.5\n        period: FY2026", "capex.base.candidates[1].period",
     "candidate's period 'FY2026' is not the assumption's 'FY2025': a pool mixes figures of one period"),
    ("weight: 1.5", "weight: 1.5\n        as_of: 2025-05-01", "capex.base.candidates[1].as_of",
     "candidate is dated 2025-05-01, after the assumption's as_of 2025-04-01 (the date its latest figure was known)"),
    ("    as_of: 2025-04-01\n", "    as_of: 2025-03-01\n", "capex.base.candidates[1].source",
     "candidate is dated 2025-04-01, after the assumption's as_of 2025-03-01 (the date its latest figure was known)"),
    ("pool: linear", "pool: log", "capex.base.pool", "'log' is not one of 'linear'"),
    ("    pool: linear\n", "", "capex.base", "candidates need their pooling rule: pool: linear"),
    ("    pool: linear\n", "    pool: linear\n    value: 2\n", "capex.base",
     "give value or candidates, not both: a pooled assumption's value is its pool's median"),
    ("    pool: linear\n", "    pool: linear\n    range: [1, 3]\n", "capex.base",
     "a pooled assumption's spread comes from its candidates: give each candidate its own range instead"),
    ("    candidates:\n", "    candidates: 2\n    unused:\n", "capex.base.candidates", None),
]


@pytest.mark.parametrize(("old", "new", "key", "message"), HOSTILE, ids=[h[2] + ":" + h[1] for h in HOSTILE])
def test_each_hostile_pool_field_is_refused_with_its_place(pooled, old, new, key, message):
    pooled.edit(FILE, old, new)
    found = problems_of(pooled)
    if key == "capex.base.candidates[1]" and message is None:  # a negative capex, and the range it lies outside
        assert found == [at(FILE, "capex.base.candidates[1]") + ": value -2.4 lies outside its range [2, 3]"]
        return
    if message is None:  # not a list, and the unknown field beside it
        assert found[0] == at(FILE, "capex.base.candidates") + ": Input should be a valid list"
        return
    assert found == [at(FILE, key) + ": " + message]


def test_a_negative_candidate_is_refused_as_a_negative_value_is(pooled):
    pooled.edit(FILE, "      - value: 2.4\n        range: [2, 3]\n", "      - value: -2.4\n")
    assert problems_of(pooled) == [
        at(FILE, "capex.base.candidates[1].value") + ": -2.4 is outside the valid interval (0, 1e+06]"]


def test_weights_that_are_all_zero_are_each_refused(pooled):
    pooled.edit(FILE, "weight: 1.5", "weight: 0")
    pooled.edit(FILE, "      - value: 2\n", "      - value: 2\n        weight: 0.0\n")
    assert problems_of(pooled) == [
        at(FILE, f"capex.base.candidates[{i}].weight") + ": weight 0 must be above zero (leave a candidate out "
        "rather than weigh it at zero)" for i in (0, 1)]


def test_a_single_candidate_is_not_a_pool(pooled):
    pooled.edit(FILE, """      - value: 2.4
        range: [2, 3]
        weight: 1.5
        source:
          ref: rumour
          excerpt: "US$2.4bn in fiscal 2025"
""", "")
    assert problems_of(pooled) == [at(FILE, "capex.base.candidates") + ": a pool needs at least 2 candidates, not 1: "
                                   "give a single figure as value"]


def test_an_assumption_needs_a_value_or_candidates(small):
    small.edit(FILE, "    value: 2\n    unit: USD bn\n    period: FY2025", "    unit: USD bn\n    period: FY2025")
    assert problems_of(small) == [at(FILE, "capex.base") + ": give value (one figure), or candidates (several "
                                  "sources' figures) with pool: linear"]


def test_a_pool_rule_needs_candidates(small):
    small.edit(FILE, "    value: 2\n    unit: USD bn\n    period: FY2025",
               "    value: 2\n    pool: linear\n    unit: USD bn\n    period: FY2025")
    assert problems_of(small) == [at(FILE, "capex.base") + ": pool says how candidates are pooled; this assumption "
                                  "has none (give candidates, or leave pool out)"]


# ------------------------------------------------------------------------------------------------- the commands
def test_validate_audits_each_candidates_excerpt(pooled):
    assert [str(p) for p in audit_project(sorted(pooled.path("scenarios").glob("*.yaml")),
                                          [pooled.path("assumptions")], AuditSettings()).problems] == []
    pooled.edit(FILE, '"US$2.4bn in fiscal 2025"', '"US$2.5bn in fiscal 2025"')
    assert [str(p) for p in audit_project(sorted(pooled.path("scenarios").glob("*.yaml")),
                                          [pooled.path("assumptions")], AuditSettings()).problems] == [
        at(FILE, "capex.base.candidates[1].source.excerpt") + ": the excerpt does not state the candidate's value 2.4 "
        'USD bn (as "2.4 billion" or "USD 2.4bn"); it gives "US$2.5bn"']


def test_set_refuses_a_pools_own_entry_but_overrides_it(pooled):
    before = pooled.path(FILE).read_text()
    result = runner.invoke(app, ["set", "beta.capex.base", "2.2", "--source", "beta-press", "--excerpt", "US$2bn"])
    assert result.exit_code == 2
    assert "assumptions/beta.yaml: capex.base pools 2 candidate figures, so there is no single value to set: edit " \
           "its candidates by hand (each with its source), or override it in a scenario with --scenario" in \
           " ".join(result.output.split())
    assert pooled.path(FILE).read_text() == before
    result = runner.invoke(app, ["set", "beta.capex.base", "2.2", "--scenario", "high", "--rationale", "a test",
                                 "--source", "beta-press", "--excerpt", "US$2bn in fiscal 2025"])
    assert result.exit_code == 0, result.output
    assert "beta.capex.base: a pool of 2 candidates -> 2.2 (new override" in result.output
    assert load_inputs(pooled.path("scenarios/high.yaml")).resolved["beta.capex.base"].assumption.value.scalar == 2.2


def test_distributions_list_the_candidates_with_their_weights(pooled):
    items = list(load_inputs(pooled.path("scenarios/base.yaml")).resolved.values())
    table = distribution_table(items, components=True)
    rows = table[table["key"] == "beta.capex.base"]
    assert rows["source"].tolist() == ["", "beta-press", "rumour"]
    assert rows["weight"].tolist() == ["100%", "54%", "46%"]  # 0.479 and 0.401 of 0.880, as the first test has them
    assert rows["value"].tolist()[1:] == ["2", "2.4"]
    assert rows["distribution"].tolist()[0] == "linear pool of 2 lognormal candidates"
    assert len(distribution_table(items)) == len(items)  # one row per assumption without the components
    result = runner.invoke(app, ["assumptions", "--distributions", "--company", "beta", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert 'beta.capex.base,Beta,2,USD bn,high,"lognormal (high default, / to x 1.1)",1.818,2,2.2,beta-press,54%' \
        in result.output
    assert result.output.count("beta.capex.base,") == 3


def test_the_report_shows_where_sources_disagree(pooled):
    inputs = load_inputs(pooled.path("scenarios/base.yaml"))
    frame = disagreements(inputs.resolved.values(), {s.id: s.kind for s in inputs.assumptions.sources.values()})
    assert frame[["candidate", "source", "kind", "as_of", "weight"]].values.tolist() == [
        ["2", "beta-press", "press", "2025-02-01", "54%"], ["2.4", "rumour", "unconfirmed", "2025-04-01", "46%"]]
    pooled.path("outputs").mkdir()
    result = runner.invoke(app, ["run", "base", "--out", str(pooled.path("outputs/base"))])
    assert result.exit_code == 0, result.output
    html = pooled.path("outputs/base/report.html").read_text()
    assert "<h2>Where sources disagree</h2>" in html and "US$2.4bn in fiscal 2025" in html


def test_the_json_schema_checks_candidates_as_the_loader_does(pooled):
    from tests.io.test_json_schema import errors, load

    document = load(pooled.path(FILE))
    assert errors("company", document) == []
    candidates = document["assumptions"]["capex.base"]["candidates"]
    candidates[1]["value"] = -2.4  # capex is positive
    candidates[1]["weight"] = 0
    candidates[0]["wieght"] = 2
    assert [path for path, _ in errors("company", document)] == [
        "assumptions/capex.base/candidates",  # (the list as a whole, then where in it)
        "assumptions/capex.base/candidates/0", "assumptions/capex.base/candidates/1/value",
        "assumptions/capex.base/candidates/1/weight"]
    document["assumptions"]["capex.base"]["candidates"] = candidates[:1]  # a single candidate is no pool
    assert "assumptions/capex.base/candidates" in [path for path, _ in errors("company", document)]
    del document["assumptions"]["capex.base"]["candidates"]  # neither a value nor candidates
    assert any(path == "assumptions/capex.base" for path, _ in errors("company", document))


def test_the_register_names_the_candidates_and_cites_their_sources(pooled):
    from model.analysis.register import register

    inputs = load_inputs(pooled.path("scenarios/base.yaml"))
    row = register(inputs.resolved.values(), inputs.assumptions.sources).set_index("key").loc["beta.capex.base"]
    assert row["sources"] == "beta-press, rumour"
    assert row["source_kinds"] == "press, unconfirmed"
    assert row["notes"].startswith("Pooled (linear; the value is the median) from 2 (beta-press, 54%), 2.4 (rumour, "
                                   "46%).")
    assert row["value"] == f"{inputs.resolved['beta.capex.base'].assumption.value.scalar:g}"


def test_a_review_lists_a_changed_candidate_and_its_move(tmp_path):
    from model.analysis.review import review
    from model.io.revisions import from_folder
    from tests.conftest import SMALL, Project

    old, new = tmp_path / "old", tmp_path / "new"
    for side in (old, new):
        shutil.copytree(SMALL, side)
        Project(side).edit(FILE, SINGLE, POOLED)
    Project(new).edit(FILE, "weight: 1.5", "weight: 3")
    [change] = review(from_folder(old, None), from_folder(new, None)).changes
    assert change.key == "beta.capex.base" and change.value_changed  # the median moves towards 2.4
    fields = {f.field: (f.old, f.new) for f in change.fields}
    assert fields["candidates"][0].endswith("from 2 (beta-press, 54%), 2.4 (rumour, 46%).")
    assert fields["candidates"][1].endswith("from 2 (beta-press, 37%), 2.4 (rumour, 63%).")  # 0.479 : 0.803


def test_loading_the_shipped_pool_imports_no_scipy():
    # the median of a pool is found by bisection on math.erfc: a command that only loads the project (validate, a
    # deterministic run) does not pay for scipy's import, as it did not before pools
    import subprocess
    import sys

    from tests.conftest import REPO

    code = ("import sys; from pathlib import Path; from model.io.loading import load_inputs; "
            "value = load_inputs(Path('scenarios/base.yaml')).resolved['bytedance.capex.base'].assumption.value; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'scipy')[:1], round(value.scalar, 3))")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert done.stdout == "[] 152.366\n"
