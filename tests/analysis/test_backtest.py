"""`scenario backtest`: reported figures against the small project's base case with errors computed by hand, the
provenance rules of an actuals file pinned with their lines, and the backtest of the shipped base case."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from model.cli import app
from model.io.actuals import ACTUALS_FILE
from model.io.loading import load_assumption_set
from tests.conftest import REPO, at

runner = CliRunner()

# Four reported figures for the small project (USD, 8 CNY per USD; base as_of 2025-05-31), with what base projects:
#   Alpha capex 2025: RMB 16bn = 2.0 USD bn; projected 30 / 2 / 8 = 1.875; error -0.125, -6.25%; published after as_of
#   Beta capex FY2026 (year to March 2026, so 2025): 2.5; projected 2 x 1.5 = 3.0; error +0.5, +20%; known by as_of
#   Beta cloud revenue 2026: USD 1,250mn = 1.25bn; projected 1.0 (flat); error -0.25, -20%; published after
#   Alpha accelerators bought 2026: 250,000 = 250 thousand; projected 1.5bn / 5,000 = 300; +50, +20%; published after
ACTUALS = """\
actuals:
  - company: alpha
    metric: capex
    value: 16
    unit: CNY bn
    period: 2025
    basis: outturn
    confidence: high
    as_of: 2026-01-20
    sources:
      - ref: later-news
        excerpt: "RMB 16 billion"
  - company: beta
    metric: capex
    value: 2.5
    unit: USD bn
    period: FY2026
    basis: plan
    confidence: low
    as_of: 2025-04-01
    sources:
      - ref: rumour
        excerpt: "US$2.5bn"
  - company: beta
    metric: cloud_revenue
    value: 1250
    unit: USD mn
    period: 2026
    basis: estimate
    confidence: medium
    as_of: 2026-01-15
    sources:
      - ref: later-news
        excerpt: "US$1.25bn"
  - company: alpha
    metric: accelerators_bought
    value: 250000
    unit: count
    period: 2026
    basis: outturn
    confidence: medium
    as_of: 2026-01-15
    sources:
      - ref: later-news
        excerpt: "250,000 accelerators"
"""
ACTUALS_PATH = "assumptions/actuals/reported.yaml"


def invoke(*args: str):
    return runner.invoke(app, list(args))


@pytest.fixture
def actuals(small):
    small.path("assumptions/actuals").mkdir()
    small.write(ACTUALS_PATH, ACTUALS)
    return small


def backtest_csv(result) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(result.stdout))


def test_errors_by_hand(actuals):
    result = invoke("backtest", "base", "--format", "csv")
    assert result.exit_code == 0, result.output
    table = backtest_csv(result)
    assert list(table.columns) == ["company", "metric", "year", "period", "basis", "confidence", "unit", "reported",
                                   "actual", "projected", "error", "relative_error", "published", "out_of_sample",
                                   "sources"]
    assert table[["company", "metric", "year", "unit"]].values.tolist() == [
        ["Alpha", "capex", 2025, "USD bn"], ["Beta", "capex", 2025, "USD bn"],
        ["Beta", "cloud_revenue", 2026, "USD bn"], ["Alpha", "accelerators_bought", 2026, "thousand units"]]
    assert table["actual"].tolist() == pytest.approx([2.0, 2.5, 1.25, 250])
    assert table["projected"].tolist() == pytest.approx([1.875, 3.0, 1.0, 300])
    assert table["error"].tolist() == pytest.approx([-0.125, 0.5, -0.25, 50])
    assert table["relative_error"].tolist() == pytest.approx([-0.0625, 0.2, -0.2, 0.2])
    assert table["out_of_sample"].tolist() == [True, False, True, True]
    assert table["reported"].tolist() == ["16 CNY bn", "2.5 USD bn", "1,250 USD mn", "250,000 count"]
    assert table["published"].tolist() == ["2026-01-20", "2025-04-01", "2026-01-15", "2026-01-15"]
    # mean absolute error: (6.25 + 20 + 20 + 20) / 4 = 16.5625; out of sample (6.25 + 20 + 20) / 3 = 15.4167
    assert result.stderr == ("4 reported figures, 3 published after as_of 2025-05-31 (out of sample); mean absolute "
                             "error 16.6%, out of sample 15.4%\nwrote outputs/backtest-base/\n")


def test_the_table_and_the_folder(actuals):
    result = invoke("backtest", "base")
    assert result.exit_code == 0, result.output
    assert "base (2025-2027, USD, as of 2025-05-31) against assumptions/actuals/reported.yaml" in result.stdout
    row = next(line for line in result.stdout.splitlines() if "cloud_revenue" in line)
    assert [cell.strip() for cell in row.split("│")[1:-1]] == [
        "Beta", "cloud_revenue", "2026", "estimate", "1,250 USD mn", "1.25 USD bn", "1.00", "-20.0%", "2026-01-15",
        "yes", "later-news"]
    # a count reads whole, as in every table: 250,000 accelerators bought are 250 thousand units, projected 300
    row = next(line for line in result.stdout.splitlines() if "accelerators_bought" in line)
    assert [cell.strip() for cell in row.split("│")[1:-1]][5:8] == ["250 thousand units", "300", "+20.0%"]
    assert "wrote outputs/backtest-base/" in result.stdout
    folder = actuals.path("outputs/backtest-base")
    names = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
    assert names == ["backtest.csv", "charts/backtest.png", "charts/backtest.svg", "charts/backtest.vl.json",
                     "manifest.json"]
    manifest = json.loads(folder.joinpath("manifest.json").read_text())
    assert manifest["inputs"][-1]["path"] == ACTUALS_PATH
    assert manifest["settings"] == {"draws": 1, "seed": None, "sampler": None}
    spec = json.loads(folder.joinpath("charts/backtest.vl.json").read_text())
    reported = [row for row in next(iter(spec["datasets"].values())) if row["series"] == "Reported"]
    assert [(row["company"], row["year"], row["value"], row["sample"]) for row in reported] == [
        ("Alpha", 2025, 2.0, "published after as_of"), ("Beta", 2025, 2.5, "known by as_of"),
        ("Beta", 2026, 1.25, "published after as_of"), ("Alpha", 2026, 250.0, "published after as_of")]


def test_the_markdown_format(actuals):
    result = invoke("backtest", "base", "--format", "markdown")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[2] == ("| Alpha | capex | 2025 | outturn | 16 CNY bn | 2.00 USD bn | 1.88 | -6.2% "
                                             "| 2026-01-20 | yes | later-news |")


def test_a_later_scenario_sees_its_figures_in_sample(actuals):
    # high (as_of 2026-01-31) doubles Alpha's plan: capex 2025 = 60 / 2 / 8 = 3.75 against 2.0, +87.5%
    result = invoke("backtest", "high", "--format", "csv")
    assert result.exit_code == 0, result.output
    table = backtest_csv(result)
    assert table.loc[0, "relative_error"] == pytest.approx(0.875)
    assert not table["out_of_sample"].any()


def test_an_exchange_rate_override_converts_the_figures(actuals):
    actuals.write("scenarios/weak.yaml", """\
name: weak
description: A weaker yuan.
extends: base
overrides:
  fx.CNY:
    value: 10.0
    rationale: test
    confidence: low
    sources:
      - ref: later-news
        excerpt: "10 yuan per dollar"
""")
    table = backtest_csv(invoke("backtest", "weak", "--format", "csv"))
    # RMB 16bn at 10 per USD is 1.6; the plan at 10 gives 30 / 2 / 10 = 1.5: -6.25% again, as both convert alike
    assert table.loc[0, ["actual", "projected", "relative_error"]].tolist() == pytest.approx([1.6, 1.5, -0.0625])


def test_with_draws_each_projection_has_its_interval(actuals):
    result = invoke("backtest", "base", "--draws", "256", "--format", "csv")
    assert result.exit_code == 0, result.output
    table = backtest_csv(result)
    assert list(table.columns[12:15]) == ["p5", "p95", "within_90"]
    assert (table["p5"] <= table["projected"]).all() and (table["projected"] <= table["p95"]).all()
    assert table["within_90"].tolist() == ((table["p5"] <= table["actual"]) & (table["actual"] <= table["p95"])).tolist()
    assert "within the projection's 90% interval" in result.stderr


# ------------------------------------------------------------------------------------------------ provenance rules
def check(actuals, old: str, new: str) -> str:
    actuals.edit(ACTUALS_PATH, old, new)
    result = invoke("backtest", "base")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert not actuals.path("outputs/backtest-base").exists()
    return result.stderr


def test_an_unknown_source(actuals):
    assert check(actuals, "ref: rumour", "ref: rumor") == (
        at(ACTUALS_PATH, "actuals[1].sources[0].ref") + ": unknown source 'rumor'; did you mean 'rumour'? valid: "
        "alpha-filing, analyst-judgement, beta-press, later-news, rumour\n1 error; nothing was written\n")


def test_a_missing_excerpt(actuals):
    assert check(actuals, '        excerpt: "US$2.5bn"\n', "") == (
        at(ACTUALS_PATH, "actuals[1].sources[0]") + ": 'rumour' needs an excerpt: the short phrase that states the "
        "figure\n1 error; nothing was written\n")


def test_an_unknown_metric(actuals):
    assert check(actuals, "metric: cloud_revenue", "metric: cloud_revnue") == (
        at(ACTUALS_PATH, "actuals[2].metric") + ": unknown metric 'cloud_revnue'; did you mean 'cloud_revenue'? valid: "
        "accelerator_unit_price, accelerators_bought, accelerators_installed, ai_chip_spend, ai_revenue, capex, "
        "cloud_revenue, group_revenue\n1 error; nothing was written\n")


def test_a_metric_the_model_derives(actuals):
    assert "actuals[2].metric: unknown metric 'capex_share' is the model's own construct, not a reported figure; " in \
        check(actuals, "metric: cloud_revenue", "metric: capex_share")


def test_an_unknown_company(actuals):
    assert check(actuals, "company: beta\n    metric: capex", "company: gamma\n    metric: capex") == (
        at(ACTUALS_PATH, "actuals[1].company") + ": unknown company 'gamma'; valid: alpha, beta\n"
        "1 error; nothing was written\n")


def test_a_quarter_is_not_compared(actuals):
    assert check(actuals, "period: FY2026", "period: 2025Q4") == (
        at(ACTUALS_PATH, "actuals[1].period") + ": '2025Q4' is a quarter; only annual figures (2025, FY2026) are "
        "compared, since the model projects whole years\n1 error; nothing was written\n")


def test_a_range_of_years_is_not_one_figure(actuals):
    assert at(ACTUALS_PATH, "actuals[1].period") + ": '2025-2026' spans several years; give one year's figure\n" in \
        check(actuals, "period: FY2026", "period: 2025-2026")


def test_a_unit_must_suit_the_metric(actuals):
    assert check(actuals, "unit: count", "unit: USD") == (
        at(ACTUALS_PATH, "actuals[3].unit") + ": accelerators_bought is counted in units: its unit is 'count', not "
        "'USD'\n1 error; nothing was written\n")
    actuals.edit(ACTUALS_PATH, "unit: USD mn", "unit: EUR mn")
    expected = at(ACTUALS_PATH, "actuals[2].unit") + ": currency EUR has no exchange rate in fx.yaml (known: CNY, " \
                                                      "USD)\n"
    assert expected in invoke("backtest", "base").stderr


def test_analyst_judgement_is_not_a_report(actuals):
    assert check(actuals, 'ref: rumour\n        excerpt: "US$2.5bn"', "ref: analyst-judgement\n        rationale: x") == (
        at(ACTUALS_PATH, "actuals[1].sources[0].ref") + ": a reported figure cites what reported it; analyst-judgement "
        "is not a report\n1 error; nothing was written\n")


def test_unknown_fields_and_bad_values_are_schema_errors(actuals):
    stderr = check(actuals, "basis: plan", "basis: guidance\n    confidance: low")
    assert stderr == (
        at(ACTUALS_PATH, "actuals[1].basis") + ": 'guidance' is not one of 'outturn', 'plan' or 'estimate'\n"
        + at(ACTUALS_PATH, "actuals[1].confidance") + ": unknown field; did you mean 'confidence'? valid fields: "
        "company, metric, value, unit, period, basis, confidence, as_of, sources, notes\n2 errors; nothing was "
        "written\n")
    actuals.write(ACTUALS_PATH, ACTUALS.replace("value: 16\n", "value: -16\n"))
    assert at(ACTUALS_PATH, "actuals[0].value") + ": a reported figure must be positive, not -16\n" in \
        invoke("backtest", "base").stderr


def test_every_error_is_listed_at_once(actuals):
    actuals.edit(ACTUALS_PATH, "company: alpha\n    metric: capex", "company: alfa\n    metric: capex")
    stderr = check(actuals, "ref: rumour", "ref: rumor")
    assert stderr.splitlines()[-1] == "2 errors; nothing was written"
    assert [": ".join(line.split(": ")[:2]) for line in stderr.splitlines()[:2]] == [
        at(ACTUALS_PATH, "actuals[0].company"), at(ACTUALS_PATH, "actuals[1].sources[0].ref")]


def test_a_figure_outside_the_horizon_is_left_out_with_a_warning(actuals):
    actuals.edit(ACTUALS_PATH, "period: 2026\n    basis: estimate", "period: 2028\n    basis: estimate")
    result = invoke("backtest", "base", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith(
        at(ACTUALS_PATH, "actuals[2].period") + ": warning: 2028 lies outside the horizon 2025-2027 of scenario "
        "'base'; not compared\n")
    assert len(backtest_csv(result)) == 3


def test_a_figure_dated_before_its_source_warns(actuals):
    actuals.edit(ACTUALS_PATH, "as_of: 2026-01-20", "as_of: 2025-01-20")
    result = invoke("backtest", "base", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith(
        at(ACTUALS_PATH, "actuals[0].as_of") + ": warning: 2025-01-20 is before its earliest "
                                    "source 'later-news' (2026-01-15) was published\n")


def test_no_actuals_file_is_a_usage_error(small):
    result = invoke("backtest", "base")
    assert result.exit_code == 2
    assert result.stderr == f"error: actuals file not found: {ACTUALS_PATH}; give one with --actuals\n"


def test_an_actuals_file_elsewhere(actuals, tmp_path):
    other = tmp_path / "mine.yaml"
    other.write_text(ACTUALS.split("  - company: beta")[0])
    result = invoke("backtest", "base", "--actuals", str(other), "--format", "csv")
    assert result.exit_code == 0, result.output
    assert backtest_csv(result)["relative_error"].tolist() == pytest.approx([-0.0625])


# ----------------------------------------------------------------------------------------------- shipped project
def test_the_shipped_actuals_are_not_a_company_file():
    assert (REPO / "assumptions" / ACTUALS_FILE).is_file()
    assert [c.slug for c in load_assumption_set(REPO / "assumptions").companies] == ["alibaba", "bytedance", "tencent"]


def test_the_shipped_base_case_backtests(tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    result = invoke("backtest", "base", "--format", "csv", "--out", str(tmp_path / "backtest"))
    assert result.exit_code == 0, result.output
    table = backtest_csv(result).set_index(["metric", "year", "reported"])
    # base: ByteDance's RMB 150bn of 2025 capex grows 12% in 2026 to RMB 168bn; the exchange rate cancels out
    assert table.loc[("capex", 2025, "150 CNY bn"), "relative_error"] == pytest.approx(0.0, abs=1e-9)
    assert table.loc[("capex", 2026, "160 CNY bn"), "relative_error"] == pytest.approx(168 / 160 - 1)
    assert table.loc[("capex", 2026, "200 CNY bn"), "relative_error"] == pytest.approx(168 / 200 - 1)
    # chips: US$9.5bn grown 20% = US$11.4bn against RMB 85bn at 7.1717 per USD
    assert table.loc[("ai_chip_spend", 2026, "85 CNY bn"), "relative_error"] == pytest.approx(11.4 * 7.1717 / 85 - 1)
    assert table["out_of_sample"].all()
    assert (tmp_path / "backtest" / "charts" / "backtest.svg").is_file()
