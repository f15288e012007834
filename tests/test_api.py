"""The Python API: the README's snippet run verbatim from outside the project, its numbers against the CLI's files
and the small project's hand-computed values, and every mistake raised as the project's one error type."""

from __future__ import annotations

import ast
import dataclasses
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import model
from model.cli import app
from model.errors import InputError, ScenarioError, UsageError
from tests.conftest import REPO

README = (REPO / "README.md").read_text()
PROJECT_LINE = 'project = "~/scenario"  # the folder holding scenarios/ and assumptions/'


def readme_snippet() -> str:
    """The first python block of the README's "Python and notebooks" section."""
    section = README.split("## Python and notebooks\n", 1)[1]
    return re.search(r"```python\n(.+?)\n```", section, re.DOTALL).group(1)


def run_like_a_notebook(code: str) -> tuple[dict[str, object], list[object]]:
    """Run `code` statement by statement and keep what each bare expression shows, as a notebook cell would."""
    namespace: dict[str, object] = {}
    shown = []
    for statement in ast.parse(code).body:
        if isinstance(statement, ast.Expr):
            shown.append(eval(compile(ast.Expression(statement.value), "<README>", "eval"), namespace))
        else:
            exec(compile(ast.Module([statement], []), "<README>", "exec"), namespace)
    return namespace, shown


def read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path)


def assert_same_table(frame: pd.DataFrame, csv: Path) -> None:
    pd.testing.assert_frame_equal(frame.reset_index(drop=True), read_csv(csv), check_dtype=False, check_exact=True)


# ----------------------------------------------------------------------------------------- the README's snippet
@pytest.fixture(scope="module")
def snippet(tmp_path_factory: pytest.TempPathFactory):
    """The README's snippet on the shipped project, run from an empty folder outside it, and the CLI's run of the
    same scenario with the same draws and seed."""
    code = readme_snippet()
    assert code.count(PROJECT_LINE) == 1
    code = code.replace(PROJECT_LINE, f"project = {str(REPO)!r}")
    elsewhere = tmp_path_factory.mktemp("notebook")
    before = Path.cwd()
    os.chdir(elsewhere)
    try:
        namespace, shown = run_like_a_notebook(code)
        cli_run = elsewhere / "cli-run"
        result = CliRunner().invoke(app, ["run", str(REPO / "scenarios" / "base.yaml"), "--out", str(cli_run),
                                          "--draws", "10000", "--seed", "0"])
        assert result.exit_code == 0, result.output
    finally:
        os.chdir(before)
    assert not any(elsewhere.glob("*.yaml")) and sorted(p.name for p in elsewhere.iterdir()) == ["cli-run"]
    return namespace, shown, cli_run


def test_the_readme_snippet_shows_a_table_a_chart_the_race_a_sensitivity_a_comparison_and_a_discovery(snippet):
    _, shown, _ = snippet
    tidy, chart, leads, overtakes, indices, comparison, boxes = shown
    assert list(tidy.columns) == ["scenario", "company", "year", "metric", "unit", "value", "mean", "p5", "p50", "p95",
                                  "basis"]
    assert isinstance(chart, alt.TopLevelMixin)
    assert chart.to_dict()["title"]["text"] == "Capex by company (USD bn), scenario base"
    assert list(leads.columns) == ["scenario", "metric", "company", "year", "probability"]
    assert list(overtakes.columns) == ["scenario", "metric", "company", "rival", "year", "probability"]
    assert set(indices["year"]) == {2030} and set(indices["metric"]) == {"ai_chip_spend_cumulative"}
    assert set(comparison["scenario"]) == {"base", "bull"}
    assert boxes and boxes[0].startswith("ByteDance leads on accelerators installed in 2028 in ")


def test_the_snippets_run_is_the_clis_run_folder(snippet):
    namespace, shown, cli_run = snippet
    result = namespace["result"]
    assert_same_table(shown[0], cli_run / "projection.csv")
    assert_same_table(result.leads(), cli_run / "leads.csv")
    assert_same_table(result.overtakes(), cli_run / "overtakes.csv")
    assert (result.draws, result.seed, result.sampler) == (10_000, 0, "sobol")


def test_the_snippets_leads_add_up_to_one_a_year(snippet):
    leads = snippet[1][2]
    totals = leads.groupby(["metric", "year"])["probability"].sum()
    assert totals.to_numpy() == pytest.approx(1.0)  # the shipped companies never tie


def test_the_snippets_comparison_starts_from_the_run_it_compares(snippet):
    namespace, shown, _ = snippet
    tidy, comparison = shown[0], shown[5]
    base = comparison[(comparison["scenario"] == "base") & (comparison["measure"] == "Capex 2030 (USD bn)")]
    capex = tidy[(tidy["metric"] == "capex") & (tidy["year"] == 2030)]
    assert base["value"].tolist() == capex["value"].tolist()
    assert base["change"].tolist() == [0.0] * len(base)
    assert namespace["scenario"].path == REPO / "scenarios" / "base.yaml"


def test_the_snippets_sobol_indices_are_variance_shares(snippet):
    indices = snippet[1][4]
    assert set(indices["company"]) == {"Alibaba", "ByteDance", "Tencent"}
    # a total-order index holds the first-order one, up to the estimators' noise; each lies in its interval
    assert (indices["total_order"] >= indices["first_order"] - 0.02).all()
    for index in ("first_order", "total_order"):
        assert (indices[f"{index}_low"] <= indices[index]).all() and (indices[index] <= indices[f"{index}_high"]).all()


# ------------------------------------------------------------------------------------- hand-computed, small project
# Alpha's 2025 capex is half its RMB 30bn 2025-2026 plan at 8 CNY per USD: 1.875 USD bn; high doubles the plan. Beta's
# capex over 2025-2027 is 3.0 + 3.9 + 4.29 = 11.19, Alpha's 1.875 + 1.875 + 1.875 x 1.2 = 6.0 (tests/test_compare.py).
@pytest.fixture
def outside(small, tmp_path, monkeypatch):
    """The small project, and the working directory an empty folder beside it."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return small.root


def figure(tidy: pd.DataFrame, company: str, metric: str, year: int, column: str = "value") -> float:
    rows = tidy[(tidy["company"] == company) & (tidy["metric"] == metric) & (tidy["year"] == year)]
    assert len(rows) == 1
    return float(rows[column].iloc[0])


def test_a_deterministic_run_gives_the_hand_computed_figures(outside):
    scenario = model.load("base", project=outside)
    assert (scenario.name, scenario.companies, scenario.years) == ("base", ("Alpha", "Beta"), (2025, 2026, 2027))
    result = model.run(scenario)
    tidy = result.tidy()
    assert list(tidy.columns) == ["scenario", "company", "year", "metric", "unit", "value", "basis"]
    assert figure(tidy, "Alpha", "capex", 2025) == pytest.approx(1.875)
    assert figure(tidy, "Beta", "capex", 2026) == pytest.approx(3.9)
    assert figure(tidy, "Beta", "capex_cumulative", 2027) == pytest.approx(11.19)
    assert tidy.loc[tidy["metric"] == "capex", "unit"].unique().tolist() == ["USD bn"]
    headline = result.headline()
    assert headline.loc["Alpha", "Share of capex 2025-2027"] == pytest.approx(6.0 / 17.19)
    assert (result.draws, result.seed, result.sampler, result.warnings) == (1, None, None, ())


def test_a_scenario_loads_alike_by_path_by_name_and_from_any_folder(outside, tmp_path, monkeypatch):
    by_name = model.load("high.yaml", project=outside)
    by_path = model.load(outside / "scenarios" / "high.yaml")
    by_relative_path = model.load("scenarios/high.yaml", project=outside)
    assert by_name == by_path == by_relative_path
    monkeypatch.chdir(outside / "scenarios")
    relative = model.load("high.yaml")  # a path relative to where the notebook runs
    monkeypatch.chdir(tmp_path)
    assert relative.path == by_path.path and relative.project == outside
    assert figure(model.run(relative).tidy(), "Alpha", "capex", 2025) == pytest.approx(3.75)


def test_draws_add_percentiles_that_bracket_the_value(outside):
    result = model.run(model.load("base", project=outside), draws=2**12, seed=3, sampler="lhs")
    tidy = result.tidy()
    assert list(tidy.columns)[6:] == ["mean", "p5", "p50", "p95", "basis"]
    # plan and rate are high confidence (their 5th and 95th percentiles value / and x 1.1), so 1.875 lies inside
    assert figure(tidy, "Alpha", "capex", 2025, "p5") < 1.875 < figure(tidy, "Alpha", "capex", 2025, "p95")
    assert (result.seed, result.sampler) == (3, "lhs")
    assert model.run(result.scenario, draws=2**12, seed=3, sampler="lhs").tidy().equals(tidy)
    assert isinstance(result.chart("lead_probability"), alt.TopLevelMixin)
    assert model.run(result.scenario, draws=np.int64(2**12), seed=np.int64(3), sampler="lhs").tidy().equals(tidy)


def test_a_run_drawn_until_precise_says_how_many_draws_it_took(outside):
    scenario = model.load("base", project=outside)
    result = model.run(scenario, precision=0.01, seed=2)
    assert result.draws == result.projection.simulation.draws and result.draws % 32768 == 0 and result.warnings == ()
    assert model.run(scenario, precision=0.01, seed=2).tidy().equals(result.tidy())
    capped = model.run(scenario, precision=0.0001, draws=2000)
    assert capped.draws == 2000 and capped.warnings[0].startswith(
        "--precision 0.01% was not reached within 2,000 draws (draws): ")
    for bad in (0, -0.1, 1.0, float("nan"), float("inf"), "1%", True):
        with pytest.raises(UsageError, match="^precision must be a share between 0 and 1, such as 0.01 or 1%"):
            model.run(scenario, precision=bad)
    with pytest.raises(UsageError, match="^draws must be a whole number, at least 2, not 1$"):
        model.run(scenario, precision=0.01, draws=1)


def test_a_tornado_moves_alphas_capex_by_its_plans_percentiles(outside):
    tornado = model.sensitivity(model.load("base", project=outside), metric="capex", year=2025, companies="alpha")
    plan = tornado.frame.set_index("key").loc["alpha.capex.plan_total"]
    assert (plan.output_low, plan.output_high) == (pytest.approx(1.875 / 1.1), pytest.approx(1.875 * 1.1))
    assert (tornado.method, tornado.metric, tornado.year, tornado.priorities) == ("tornado", "capex", 2025, None)
    assert isinstance(tornado.chart(), alt.TopLevelMixin)


def test_shapley_effects_come_with_research_priorities(outside):
    result = model.sensitivity(model.load("base", project=outside), method="shapley", metric="capex", year=2025,
                               samples=4096)
    alpha = result.priorities[result.priorities["company"] == "Alpha"]
    # plan / rate again: two equally wide independent lognormals share the variance and their interaction equally
    assert set(alpha["key"].head(2)) == {"alpha.capex.plan_total", "fx.CNY"}
    assert alpha["shapley"].head(2).tolist() == pytest.approx([0.5, 0.5], abs=0.03)
    assert isinstance(result.chart(), alt.TopLevelMixin) and result.method == "shapley"


def test_sobol_indices_come_with_research_priorities(outside):
    result = model.sensitivity(model.load("base", project=outside), method="sobol", metric="capex", year=2025,
                               samples=256)
    assert result.year == 2025 and set(result.frame["company"]) == {"Alpha", "Beta"}
    alpha = result.priorities[result.priorities["company"] == "Alpha"]
    assert alpha["variance_share"].sum() == pytest.approx(1.0)
    # Alpha's 2025 capex is plan / rate, two equally wide lognormals: each carries half the variance
    assert set(alpha["key"].head(2)) == {"alpha.capex.plan_total", "fx.CNY"}
    assert alpha["variance_share"].head(2).tolist() == pytest.approx([0.5, 0.5], abs=0.05)


def test_a_comparison_gives_each_change_from_the_first(outside):
    comparison = model.compare([model.load("base", project=outside), outside / "scenarios" / "high.yaml"])
    assert comparison.scenarios == ("base", "high")
    rows = comparison.frame.set_index(["company", "measure", "scenario"])
    high = rows.loc[("Alpha", "Capex 2025 (USD bn)", "high")]
    assert (high["value"], high["change"], high["relative_change"]) == pytest.approx((3.75, 1.875, 1.0))
    assert rows.loc[("Alpha", "Capex 2025-2027 (USD bn)", "high"), "change"] == pytest.approx(6.0)
    assert list(comparison.side_by_side().columns[5:]) == ["base", "high", "high - base", "high - base (relative)"]
    assert isinstance(comparison.chart("capex"), alt.TopLevelMixin)
    with pytest.raises(UsageError) as error:
        comparison.chart("capex_share")
    assert str(error.value) == ("unknown metric 'capex_share'; valid: capex, ai_chip_spend, accelerators_installed, "
                                "compute_installed, cloud_revenue, cloud_market_revenue, group_revenue")


def test_results_are_frozen(outside):
    result = model.run(model.load("base", project=outside))
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.draws = 2  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.scenario.name = "other"  # type: ignore[misc]


def test_import_model_loads_none_of_the_heavy_libraries():
    heavy = ["pandas", "altair", "pydantic", "ruamel", "scipy", "typer"]
    code = f"import sys, model; print([m for m in {heavy!r} if m in sys.modules])"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert done.stdout.strip() == "[]"


# ------------------------------------------------------------------------------------------------------ mistakes
def test_a_missing_scenario_file_names_the_path(outside):
    with pytest.raises(UsageError) as error:
        model.load("nope/base.yaml")
    assert str(error.value) == "no scenario file nope/base.yaml"
    with pytest.raises(UsageError, match=r"^no scenario file 'base'; give a scenario file's path, or its name with "
                                         r"project=PATH$"):
        model.load("base")


def test_an_unknown_name_lists_the_projects_scenarios(outside):
    with pytest.raises(UsageError) as error:
        model.load("bsae", project=outside)
    assert str(error.value) == "unknown scenario 'bsae'; did you mean 'base'? valid: base, high"


def test_a_folder_without_scenarios_and_assumptions_is_no_project(outside):
    with pytest.raises(UsageError) as error:
        model.load("base", project=outside / "scenarios")
    assert str(error.value) == f"{outside / 'scenarios'} is not a project: it has no scenarios/ and assumptions/ folders"


def test_a_path_that_leaves_the_projects_scenarios_is_refused(outside):
    (outside.parent / "stray.yaml").write_text((outside / "scenarios" / "base.yaml").read_text())
    with pytest.raises(UsageError) as error:
        model.load("../stray.yaml", project=outside)
    assert str(error.value) == f"scenario ../stray.yaml lies outside {outside / 'scenarios'}/"
    (outside / "scenarios" / "linked.yaml").symlink_to(outside.parent / "stray.yaml")
    with pytest.raises(UsageError, match=r"^scenario scenarios/linked.yaml lies outside "):
        model.load("scenarios/linked.yaml", project=outside)


def test_a_scenario_file_outside_any_project_has_no_assumptions(outside):
    loose = outside.parent / "loose" / "scenarios"
    loose.mkdir(parents=True)
    (loose / "base.yaml").write_text((outside / "scenarios" / "base.yaml").read_text())
    with pytest.raises(UsageError) as error:
        model.load(loose / "base.yaml")
    assert str(error.value) == f"assumptions folder not found: {loose.parent / 'assumptions'}"


def test_a_folder_is_not_a_scenario_file(outside):
    with pytest.raises(UsageError, match=r"^scenario '.*/scenarios' is not a regular file$"):
        model.load(outside / "scenarios")


def test_a_bad_scenario_file_raises_its_file_line_and_key(outside):
    path = outside / "scenarios" / "base.yaml"
    path.write_text(path.read_text().replace("horizon:", "horizn:"))
    with pytest.raises(InputError) as error:
        model.load("base", project=outside)
    assert str(error.value) == (f"{path}:3: horizn: unknown field; did you mean 'horizon'? valid fields: name, "
                                "description, extends, horizon, reporting_currency, as_of, overrides, correlations")
    assert [(p.file, p.line, p.key) for p in error.value.problems] == [(str(path), 3, "horizn")]


def test_a_bad_assumption_file_raises_its_file_line_and_key(outside):
    path = outside / "assumptions" / "alpha.yaml"
    path.write_text(path.read_text().replace("value: 30\n", "value: -30\n", 1))
    with pytest.raises(InputError) as error:
        model.load(outside / "scenarios" / "base.yaml")
    assert str(error.value) == f"{path}:6: capex.plan_total.value: -30 is outside the valid interval (0, 1e+06]"


@pytest.mark.parametrize(("arguments", "message"), [
    ({"draws": 0}, "draws must be a whole number, at least 1, not 0"),
    ({"draws": 2.5}, "draws must be a whole number, at least 1, not 2.5"),
    ({"draws": True}, "draws must be a whole number, at least 1, not True"),
    ({"seed": -1}, "seed must be a whole number, at least 0, not -1"),
    ({"draws": 100, "sampler": "halton"}, "unknown sampler 'halton'; valid: sobol, lhs, random"),
    ({"draws": 2 * 10**9}, "draws 2,000,000,000 is above the ceiling of 1,000,000,000 draws (about 20 minutes at the "
                           "measured 750,000 draws a second, and the most points a Sobol' sequence gives); the most "
                           "this machine can do is draws 1,000,000,000"),
])
def test_run_refuses_arguments_as_the_cli_does(outside, monkeypatch, arguments, message):
    monkeypatch.setattr("model.analysis.resources.available_memory", lambda: 2**40)
    scenario = model.load("base", project=outside)
    with pytest.raises(UsageError) as error:
        model.run(scenario, **arguments)
    assert str(error.value) == message


@pytest.mark.parametrize(("arguments", "message"), [
    ({"method": "morris"}, "unknown method 'morris'; valid: tornado, sobol, shapley"),
    ({"year": 2031}, "year 2031 is outside the horizon 2025-2027"),
    ({"companies": ["alpha", "gamma"]}, "unknown company 'gamma'; valid: alpha, beta"),
    ({"method": "sobol", "samples": 100}, "samples must be a power of two, at least 64 (such as 4096), not 100"),
    ({"method": "shapley", "samples": 10}, "samples for Shapley effects must be a whole number of draws, at least 64 "
                                           "(such as 8192), not 10"),
    ({"seed": -2}, "seed must be a whole number, at least 0, not -2"),
])
def test_sensitivity_refuses_arguments_as_the_cli_does(outside, arguments, message):
    with pytest.raises(UsageError) as error:
        model.sensitivity(model.load("base", project=outside), **arguments)
    assert str(error.value) == message


def test_an_unknown_metric_lists_the_valid_ones(outside):
    scenario = model.load("base", project=outside)
    metrics = model.run(scenario).tidy()["metric"].drop_duplicates().tolist()
    with pytest.raises(UsageError) as error:
        model.sensitivity(scenario, metric="capx")
    assert str(error.value) == f"unknown metric 'capx'; valid: {', '.join(metrics)}"


def test_an_unknown_chart_lists_the_valid_ones(outside):
    result = model.run(model.load("base", project=outside))
    assert {"capex", "ai_chip_spend", "race_shares"} <= set(result.charts())
    assert "lead_probability" not in result.charts()  # a deterministic run has no race
    with pytest.raises(UsageError) as error:
        result.chart("capx")
    assert str(error.value) == f"unknown chart 'capx'; valid: {', '.join(result.charts())}"


def test_the_race_needs_draws(outside):
    result = model.run(model.load("base", project=outside))
    for race in (result.leads, result.overtakes):
        with pytest.raises(UsageError) as error:
            race()
        assert str(error.value) == ("the race needs a run with draws; run it with draws > 1, such as "
                                    "model.run(scenario, draws=10_000)")


def test_a_comparison_needs_two_distinct_scenarios_in_one_currency(outside):
    base = model.load("base", project=outside)
    with pytest.raises(UsageError, match=r"^compare needs at least two scenarios; got 1$"):
        model.compare([base])
    with pytest.raises(UsageError) as error:
        model.compare([base, outside / "scenarios" / "base.yaml"])
    assert str(error.value) == f"'base' is given twice ({outside / 'scenarios' / 'base.yaml'})"
    high = outside / "scenarios" / "high.yaml"
    high.write_text(high.read_text().replace("extends: base\n", "extends: base\nreporting_currency: CNY\n"))
    with pytest.raises(UsageError) as error:
        model.compare([base, high])
    assert str(error.value) == ("cannot compare results in different reporting currencies (base in USD, high in "
                                "CNY); give the scenarios one reporting_currency")


def test_anything_but_a_scenario_is_refused(outside):
    with pytest.raises(UsageError) as error:
        model.run(42)  # type: ignore[arg-type]
    assert str(error.value) == "expected a scenario from model.load() or a scenario file's path, not int"


def test_every_error_is_a_scenario_error():
    assert issubclass(InputError, ScenarioError) and issubclass(UsageError, ScenarioError)
    assert (model.ScenarioError, model.InputError, model.UsageError) == (ScenarioError, InputError, UsageError)


def test_sobol_priorities_of_a_correlated_scenario_rank_by_shapley_effects(outside):
    from tests.analysis.test_shapley import CORRELATED_PRICES

    scenario = outside / "scenarios" / "base.yaml"
    scenario.write_text(scenario.read_text().replace("as_of: 2025-05-31\n", CORRELATED_PRICES.format(rank=0.8)))
    result = model.sensitivity(model.load("base", project=outside), method="sobol",
                               metric="accelerators_installed", samples=256, seed=1)
    alpha = result.priorities[result.priorities["company"] == "Alpha"]
    assert "beta.accelerators.unit_price" in set(alpha["key"]) and "shapley" in result.priorities
    assert "beta.accelerators.unit_price" not in set(result.frame[result.frame.company == "Alpha"].key)
    assert any("ranked by Shapley effects" in note for note in result.notes)
    assert result.result.tables["shapley"].shape[0] > 0


def test_discovery_finds_the_known_box_and_says_it_as_the_cli_does(outside):
    """Alpha's 2025 accelerator price is its unit_price alone, a lognormal of 90% interval price / 1.25 to x 1.25:
    the price passes 11,000 in 1 - Phi(z95 ln 1.1 / ln 1.25) of the draws, and the box is that one limit."""
    from scipy.stats import norm

    from model.core.uncertainty import Z95
    from tests.cli.test_discover import PRICE_EVENT

    result = model.discover(model.load("base", project=outside), PRICE_EVENT, draws=4096)
    share = 1 - norm.cdf(math.log(1.1) / math.log(1.25) * Z95)
    assert result.share == pytest.approx(share, abs=0.01) and result.draws == 4096
    assert result.event == "Alpha's accelerator unit price in 2025 > 11,000.0 USD"
    assert result.boxes[0].startswith("Alpha's accelerator unit price in 2025 > 11,000.0 USD in 100.0% of draws with "
                                      "Alpha's accelerator price above USD 11,0")
    assert result.leaves and result.leaves[0].startswith("in 100.0% of the ")
    (box,) = result.summary()["boxes"]
    assert [(r["key"], r["upper"]) for r in box["restrictions"]] == [("alpha.accelerators.unit_price", None)]
    assert list(result.trajectory.columns) == ["step", "coverage", "density", "mass", "restricted", "chosen"]
    assert result.trajectory["chosen"].sum() == 1
    assert isinstance(result.chart(), alt.TopLevelMixin)


@pytest.mark.parametrize(("call", "message"), [
    (dict(event="alpha wins capex 2026"), "cannot read the event 'alpha wins capex 2026'"),
    (dict(event=7), "event is text such as"),
    (dict(event="alpha leads capex 2026", draws=10), "draws must be at least 1,000 for scenario discovery"),
    (dict(event="alpha leads capex 2026", draws=True), "draws must be a whole number, at least 1, not True"),
    (dict(event="alpha leads capex 2026", seed=-1), "seed must be a whole number, at least 0, not -1"),
    (dict(event="alpha leads capex 2026", sampler="grid"), "unknown sampler 'grid'; valid: "),
])
def test_discovery_refuses_bad_arguments_with_the_clis_words(outside, call, message):
    with pytest.raises(model.UsageError, match=re.escape(message)):
        model.discover(model.load("base", project=outside), **call)


def test_sobol_indices_drawn_until_precise_from_python(outside):
    from model.analysis.methods.sobol import interval_widths

    result = model.sensitivity(model.load("base", project=outside), method="sobol", metric="capex", year=2025,
                               precision=0.2, samples=4096)
    settings = result.result.settings
    assert settings["precision"] == 0.2 and settings["precision_reached"] and settings["samples_cap"] == 4096
    assert 1024 <= settings["samples"] <= 4096
    assert max(width for width, _ in interval_widths(result.frame).values()) <= 0.2


@pytest.mark.parametrize(("call", "message"), [
    (dict(method="tornado", precision=0.1), "precision grows a sampled method's sample; method 'tornado' is not"),
    (dict(method="sobol", precision=2), "precision must be a share between 0 and 1"),
    (dict(method="sobol", precision=float("nan")), "precision must be a share between 0 and 1"),
    (dict(method="sobol", precision=0.1, samples=100), "samples must be a power of two"),
])
def test_a_precision_that_cannot_be_drawn_to_is_refused(outside, call, message):
    with pytest.raises(model.UsageError, match=re.escape(message)):
        model.sensitivity(model.load("base", project=outside), **call)
