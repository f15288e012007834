"""`scenario backtest`: reported figures against the small project's base case with errors computed by hand, the
provenance rules of an actuals file pinned with their lines, and the backtest of the shipped base case."""

from __future__ import annotations

import io
import json

import numpy as np
import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from model.catalogue import FLOW_METRICS, METRICS
from model.cli import app
from model.io.actuals import ACTUALS_FILE
from model.io.loading import load_assumption_set, load_inputs
from tests.conftest import REPO, at

runner = CliRunner()

# Four reported figures for the small project (USD, 8 CNY per USD; base as_of 2025-05-31), with what base projects:
#   Alpha capex 2025: RMB 16bn = 2.0 USD bn; projected 30 / 2 / 8 = 1.875; error -0.125, -6.25%; published after as_of
#   Beta capex FY2026 (year to March 2026, so 2025): 2.5; projected 2 x 1.5 = 3.0; error +0.5, +20%; known by as_of
#   Beta cloud revenue 2026: USD 1,250mn = 1.25bn; projected 1.0 (flat); error -0.25, -20%; published after
#   Alpha accelerators bought 2026: 250,000 = 250 thousand; projected 1.5bn / 5,000 = 300; +50, +20%; published after
BETA_CAPEX = """\
    value: 2.5
    unit: USD bn
    period: FY2026
    basis: plan
    confidence: low
    as_of: 2025-04-01
    sources:
      - ref: rumour
        excerpt: "US$2.5bn"
"""
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
{beta_capex}  - company: beta
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
""".format(beta_capex=BETA_CAPEX)
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
    assert list(table.columns) == ["company", "metric", "year", "period", "basis", "built", "confidence", "unit",
                                   "reported", "actual", "projected", "error", "relative_error", "published",
                                   "out_of_sample", "sources", "excluded"]
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
    assert table["built"].tolist() == ["reported-annual"] * 4
    assert table["excluded"].isna().all()  # (an empty text is an empty CSV cell)
    # by basis: outturns 6.25% and 20%, both out of sample: 13.125%; the plan 20%, known by as_of; the estimate 20%;
    # all: (6.25 + 20 + 20 + 20) / 4 = 16.5625; out of sample (6.25 + 20 + 20) / 3 = 15.4167
    assert result.stderr == (
        "4 reported figures, 3 published after as_of 2025-05-31 (out of sample), 0 excluded as restating an input\n"
        "outturn: 2 counted, mean absolute error 13.1%, all out of sample\n"
        "plan: 1 counted, mean absolute error 20.0%\n"
        "estimate: 1 counted, mean absolute error 20.0%, all out of sample\n"
        "all: 4 counted, mean absolute error 16.6%, out of sample (3) 15.4%\n"
        "wrote outputs/backtest-base/\n")


def test_the_table_and_the_folder(actuals):
    result = invoke("backtest", "base")
    assert result.exit_code == 0, result.output
    assert "base (2025-2027, USD, as of 2025-05-31) against assumptions/actuals/reported.yaml" in result.stdout
    row = next(line for line in result.stdout.splitlines() if "cloud_revenue" in line)
    assert [cell.strip() for cell in row.split("│")[1:-1]] == [
        "Beta", "cloud_revenue", "2026", "estimate", "reported-annual", "1,250 USD mn", "1.25 USD bn", "1.00", "-20.0%",
        "2026-01-15", "yes", "later-news", "yes"]
    # a count reads whole, as in every table: 250,000 accelerators bought are 250 thousand units, projected 300
    row = next(line for line in result.stdout.splitlines() if "accelerators_bought" in line)
    assert [cell.strip() for cell in row.split("│")[1:-1]][6:9] == ["250 thousand units", "300", "+20.0%"]
    assert "wrote outputs/backtest-base/" in result.stdout
    folder = actuals.path("outputs/backtest-base")
    names = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
    assert names == ["backtest-base.xlsx", "backtest.csv", "backtest_summary.csv", "charts/backtest.png",
                     "charts/backtest.svg", "charts/backtest.vl.json", "manifest.json"]
    book = openpyxl.load_workbook(folder / "backtest-base.xlsx")
    assert book.sheetnames == ["About", "Backtest", "Summary"]
    head = [cell.value for cell in book["Backtest"][1]]
    cloud = next(row for row in book["Backtest"].iter_rows(min_row=2) if row[1].value == "cloud_revenue")
    error = cloud[head.index("Relative error")]
    assert error.value == pytest.approx(-0.2) and error.number_format == "+0.0%;-0.0%;0.0%"  # 1.00 against 1.25
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
    assert result.stdout.splitlines()[2] == ("| Alpha | capex | 2025 | outturn | reported-annual | 16 CNY bn | 2.00 USD bn "
                                             "| 1.88 | -6.2% | 2026-01-20 | yes | later-news | yes |")


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
    assert list(table.columns[13:18]) == ["p5", "p50", "p95", "within_90", "relative_width"]
    assert (table["p5"] <= table["projected"]).all() and (table["projected"] <= table["p95"]).all()
    assert table["within_90"].tolist() == ((table["p5"] <= table["actual"]) & (table["actual"] <= table["p95"])).tolist()
    assert table["relative_width"].tolist() == pytest.approx(((table["p95"] - table["p5"]) / table["p50"]).tolist())
    inside = int(table["within_90"].sum())
    assert f"all: 4 counted, mean absolute error 16.6%, out of sample (3) 15.4%; {inside} of 4 within the " \
           f"projection's 90% interval ({inside * 25:.1f}%), mean relative width " in result.stderr
    summary = pd.read_csv(actuals.path("outputs/backtest-base/backtest_summary.csv"))
    assert list(summary.columns) == ["basis", "figures", "counted", "excluded", "out_of_sample", "mean_absolute_error",
                                     "out_of_sample_mean_absolute_error", "within_90", "coverage_90",
                                     "mean_relative_width"]
    assert summary["basis"].tolist() == ["outturn", "plan", "estimate", "all"]
    assert summary.loc[3, "mean_relative_width"] == pytest.approx(table["relative_width"].mean())


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
        "company, metric, value, unit, period, basis, confidence, as_of, sources, quarters, notes\n2 errors; nothing "
        "was written\n")
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
    # base: ByteDance's 2025 capex pools RMB 150bn (Reuters, 61%) and 160bn (a broker, 39%): the pool's median,
    # about RMB 152.4bn, grows 12% in 2026; the exchange rate cancels out
    median = load_inputs(REPO / "scenarios" / "base.yaml").resolved["bytedance.capex.base"].assumption.value.scalar
    assert median == pytest.approx(152.366, abs=5e-4)
    assert table.loc[("capex", 2025, "150 CNY bn"), "relative_error"] == pytest.approx(median / 150 - 1)
    # ... and that 150bn, a plan restated in December 2025, is one of base's own candidates: listed, not counted
    assert table.loc[("capex", 2025, "150 CNY bn"), "excluded"] == (
        "restates the input bytedance.capex.base (150 CNY bn, 2025, a candidate of its pool): the same figure")
    assert table.loc[("capex", 2026, "160 CNY bn"), "relative_error"] == pytest.approx(median * 1.12 / 160 - 1)
    assert table.loc[("capex", 2026, "200 CNY bn"), "relative_error"] == pytest.approx(median * 1.12 / 200 - 1)
    # chips: US$9.5bn grown 20% = US$11.4bn against RMB 85bn at 7.1717 per USD
    assert table.loc[("ai_chip_spend", 2026, "85 CNY bn"), "relative_error"] == pytest.approx(11.4 * 7.1717 / 85 - 1)
    assert table["out_of_sample"].all()
    assert (tmp_path / "backtest" / "charts" / "backtest.svg").is_file()


# ------------------------------------------------------------------------------------------------------ quarters
# Beta's fiscal year ends in March: FY2026 is 2025Q2-2026Q1, and 0.5 + 0.6 + 0.7 + 0.7 = 2.5 USD bn, as actuals[1]
QUARTERS = """\
    quarters:
      - period: 2025Q2
        value: 0.5
        sources:
          - ref: beta-press
            excerpt: "US$0.5bn"
      - period: 2025Q3
        value: 0.6
        sources:
          - ref: beta-press
            excerpt: "US$0.6bn"
      - period: 2025Q4
        value: 0.7
        sources:
          - ref: later-news
            excerpt: "US$0.7bn"
      - period: 2026Q1
        value: 0.7
        sources:
          - ref: later-news
            excerpt: "US$0.7bn"
"""
BY_QUARTERS = ACTUALS.replace(BETA_CAPEX, """    unit: USD bn
    period: FY2026
    basis: outturn
    confidence: high
    as_of: 2026-01-15
""" + QUARTERS)


@pytest.fixture
def quarterly(actuals):
    actuals.write(ACTUALS_PATH, BY_QUARTERS)
    return actuals


def test_four_quarters_make_their_year(quarterly):
    result = invoke("backtest", "base", "--format", "csv")
    assert result.exit_code == 0, result.output
    row = backtest_csv(result).loc[1]
    # the same 2.5 USD bn as the annual figure, so the same error against the projected 3.0: +20%
    assert row[["period", "year", "basis", "built", "reported"]].tolist() == [
        "FY2026", 2025, "outturn", "sum-of-quarters", "0.5 + 0.6 + 0.7 + 0.7 USD bn"]
    assert row[["actual", "projected", "relative_error"]].tolist() == pytest.approx([2.5, 3.0, 0.2])
    assert row["sources"] == "beta-press, later-news"


def test_a_calendar_year_of_a_fiscal_year_company(quarterly):
    quarterly.edit(ACTUALS_PATH, "period: FY2026\n", "period: 2025\n")
    quarterly.edit(ACTUALS_PATH, "period: 2026Q1", "period: 2025Q1")
    table = backtest_csv(invoke("backtest", "base", "--format", "csv"))
    assert table.loc[1, ["year", "actual"]].tolist() == [2025, pytest.approx(2.5)]
    assert str(table.loc[1, "period"]) == "2025"


def test_three_quarters_are_not_a_year(quarterly):
    text = BY_QUARTERS.replace("""      - period: 2026Q1
        value: 0.7
        sources:
          - ref: later-news
            excerpt: "US$0.7bn"
""", "")
    quarterly.write(ACTUALS_PATH, text)
    assert check(quarterly, "period: FY2026", "period: FY2026") == (
        at(ACTUALS_PATH, "actuals[1].quarters") + ": 3 of the 4 quarters of FY2026 cover part of the year; a year's "
        "figure needs all four (missing: 2026Q1)\n1 error; nothing was written\n")


@pytest.mark.parametrize(("old", "new", "key", "message"), [
    ("period: 2026Q1", "period: 2025Q3", "actuals[1].quarters[3].period", "2025Q3 is given twice (also quarters[1])"),
    # FY2026 ends in March 2026: 2026Q2 belongs to FY2027
    ("period: 2025Q2", "period: 2026Q2", "actuals[1].quarters[0].period",
     "2026Q2 is not a quarter of FY2026 (its quarters: 2025Q2, 2025Q3, 2025Q4, 2026Q1)"),
    ("period: 2025Q2", "period: 2025", "actuals[1].quarters[0].period", "'2025' is not a quarter; give each as 2025Q1"),
], ids=["a quarter twice", "quarters of two years", "not a quarter"])
def test_each_quarter_is_one_distinct_quarter_of_the_year(quarterly, old, new, key, message):
    assert check(quarterly, old, new) == at(ACTUALS_PATH, key) + f": {message}\n1 error; nothing was written\n"


def test_a_level_is_not_given_by_quarters(quarterly):
    flows = ", ".join(key for key in METRICS if key in FLOW_METRICS)  # the catalogue's flows, in its order
    quarterly.edit(ACTUALS_PATH, "metric: capex\n    unit: USD bn\n    period: FY2026",
                   "metric: accelerator_unit_price\n    unit: USD bn\n    period: FY2026")
    assert check(quarterly, "basis: outturn\n    confidence: high\n    as_of: 2026-01-15",
                 "basis: outturn\n    confidence: high\n    as_of: 2026-01-15") == (
        at(ACTUALS_PATH, "actuals[1].quarters") + ": accelerator_unit_price is a level, not a flow summed over its "
        f"year, so its quarters add up to nothing; give the year's figure as value (quarters suit {flows})\n"
        "1 error; nothing was written\n")


def test_value_and_quarters_exclude_each_other(quarterly):
    stderr = check(quarterly, "    unit: USD bn\n    period: FY2026", "    value: 2.5\n    unit: USD bn\n    period: FY2026")
    assert stderr == (at(ACTUALS_PATH, "actuals[1]") + ": give the year's figure as value with its sources, or its "
                      "four quarters as quarters (each with its sources), not both\n1 error; nothing was written\n")
    quarterly.write(ACTUALS_PATH, BY_QUARTERS.replace(QUARTERS, ""))
    assert invoke("backtest", "base").stderr == (
        at(ACTUALS_PATH, "actuals[1]") + ": give the year's figure as value (with its sources), or its four quarters "
        "as quarters\n1 error; nothing was written\n")


def test_a_quarter_needs_a_finite_value_and_its_sources(quarterly):
    assert check(quarterly, "value: 0.6\n", "value: .inf\n") == (
        at(ACTUALS_PATH, "actuals[1].quarters[1].value") + ": value must be a finite number, not inf (a number this "
        "large overflows)\n1 error; nothing was written\n")
    quarterly.write(ACTUALS_PATH, BY_QUARTERS)
    assert check(quarterly, 'ref: later-news\n            excerpt: "US$0.7bn"', "ref: later-news") == (
        at(ACTUALS_PATH, "actuals[1].quarters[2].sources[0]") + ": 'later-news' needs an excerpt: the short phrase "
        "that states the figure\n1 error; nothing was written\n")
    quarterly.write(ACTUALS_PATH, BY_QUARTERS.replace('        value: 0.6\n        sources:\n          - ref: beta-press\n'
                                                      '            excerpt: "US$0.6bn"\n', '        value: 0.6\n'))
    assert "actuals[1].quarters[1].sources: " in invoke("backtest", "base").stderr


def test_as_of_before_the_last_quarter_was_published_warns(quarterly):
    quarterly.edit(ACTUALS_PATH, "as_of: 2026-01-15\n    quarters:", "as_of: 2025-06-01\n    quarters:")
    result = invoke("backtest", "base", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith(
        at(ACTUALS_PATH, "actuals[1].as_of") + ": warning: 2025-06-01 is before the source 'later-news' of a quarter "
        "(2026-01-15) was published: a year given by its quarters is known only once the last of them is\n")


# -------------------------------------------------------------------------------------------- restated inputs
# Beta's cloud.revenue_base is US$1bn for 2025, from beta-press (2025-02-01): base projects 2025 at exactly that.
def cloud_2025(basis: str, value: str, ref: str, as_of: str = "2026-01-15") -> str:
    return ACTUALS.split("  - company: beta\n    metric: cloud_revenue")[0] + f"""\
  - company: beta
    metric: cloud_revenue
    value: {value}
    unit: USD mn
    period: 2025
    basis: {basis}
    confidence: medium
    as_of: {as_of}
    sources:
      - ref: {ref}
        excerpt: "US${value}mn"
"""


def restated(actuals, text: str, scenario: str = "base") -> tuple[str, str]:
    actuals.write(ACTUALS_PATH, text)
    result = invoke("backtest", scenario, "--format", "csv")
    assert result.exit_code == 0, result.output
    excluded = backtest_csv(result)["excluded"].astype(object).fillna("").tolist()
    assert excluded[:2] == ["", ""]
    return excluded[2], result.stderr


def test_a_plan_restated_later_is_not_counted(actuals):
    # ByteDance's case: the plan the input holds, restated by a later report (another source, the same figure)
    reason, stderr = restated(actuals, cloud_2025("plan", "1000", "later-news"))
    assert reason == "restates the input beta.cloud.revenue_base (1 USD bn, 2025): the same figure"
    assert stderr.startswith("3 reported figures, 2 published after as_of 2025-05-31 (out of sample), 1 excluded as "
                             "restating an input\n")
    assert "plan: 1 counted, mean absolute error 20.0%\n" in stderr
    assert "\nall: 2 counted, mean absolute error 13.1%, out of sample (1) 6.2%\n" in stderr
    assert "\nexcluded: Beta cloud_revenue 2025 (1,000 USD mn, plan): restates the input beta.cloud.revenue_base " \
           "(1 USD bn, 2025): the same figure\n" in stderr
    # the chart draws it white, and says so
    spec = json.loads(actuals.path("outputs/backtest-base/charts/backtest.vl.json").read_text())
    reported = [row for row in next(iter(spec["datasets"].values())) if row["series"] == "Reported"]
    assert [row["counted"] for row in reported] == ["yes", "yes", "no: " + reason]
    assert spec["title"]["subtitle"].endswith("; white: restates an input, not counted")
    # within half a percent ("over 1,000") it is still the same figure; beyond it, a figure of its own
    assert restated(actuals, cloud_2025("plan", "1004", "later-news"))[0].endswith("the same figure")
    assert restated(actuals, cloud_2025("plan", "1006", "later-news"))[0] == ""


def test_an_outturn_that_came_true_counts(actuals):
    # published after as_of, the outturn tests the input's figure: 0.0% error, counted
    assert restated(actuals, cloud_2025("outturn", "1000", "later-news"))[0] == ""
    # known by as_of, it is what the scenario was built on
    assert restated(actuals, cloud_2025("outturn", "1000", "rumour", as_of="2025-04-01"))[0] == (
        "restates the input beta.cloud.revenue_base (1 USD bn, 2025): the same figure")


def test_a_figure_citing_the_inputs_source_is_not_counted(actuals):
    assert restated(actuals, cloud_2025("outturn", "1100", "beta-press"))[0] == (
        "restates the input beta.cloud.revenue_base (1 USD bn, 2025): cites beta-press as it does")


def test_only_the_anchored_year_is_restated(actuals):
    text = cloud_2025("plan", "1000", "later-news").replace("period: 2025\n    basis: plan", "period: 2026\n    basis: plan")
    assert restated(actuals, text)[0] == ""


def test_a_later_scenario_whose_inputs_are_the_outturns(actuals):
    # as `latest` will: a scenario as of late 2026 anchors 2025 on the outturn, so the outturn tests nothing there
    actuals.write("scenarios/late.yaml", """\
name: late
description: The outturns known.
extends: base
as_of: 2026-11-30
overrides:
  beta.cloud.revenue_base:
    value: 1.25
    rationale: the reported year
    confidence: high
    sources:
      - ref: later-news
        excerpt: "US$1.25bn"
""")
    # the same source, or another source with the same figure, known by the scenario's as_of: both restate it
    expected = "restates the input beta.cloud.revenue_base (1.25 USD bn, 2025): "
    assert restated(actuals, cloud_2025("outturn", "1250", "later-news"), "late")[0] == expected + (
        "cites later-news as it does")
    assert restated(actuals, cloud_2025("outturn", "1250", "rumour", as_of="2026-02-01"), "late")[0] == expected + (
        "the same figure")
    # in base, the same outturn is a true test of the older input: -20%, counted
    assert restated(actuals, cloud_2025("outturn", "1250", "later-news"))[0] == ""


def test_the_summary_by_hand():
    from model.analysis.backtest import backtest_summary

    table = pd.DataFrame({
        "basis": ["outturn", "outturn", "outturn", "plan", "plan"],
        "relative_error": [0.10, -0.30, 0.0, 0.50, 0.20],
        "out_of_sample": [True, False, True, True, True],
        "excluded": ["", "", "restates", "", ""],
        "within_90": [True, False, True, False, True],
        "relative_width": [0.4, 0.6, 0.0, 1.0, np.nan],
    })
    summary = backtest_summary(table).set_index("basis")
    assert summary.index.tolist() == ["outturn", "plan", "all"]  # no estimate in the table, so no row of it
    # outturns: 2 counted (the third restates), |0.1| and |-0.3| -> 0.2; out of sample only the first: 0.1;
    # one of the two inside (0.5), widths 0.4 and 0.6 -> 0.5
    assert summary.loc["outturn"].tolist() == pytest.approx([3, 2, 1, 1, 0.2, 0.1, 1, 0.5, 0.5])
    # plans: 0.5 and 0.2 -> 0.35, both out of sample; one inside; the width of one only (a zero median has none)
    assert summary.loc["plan"].tolist() == pytest.approx([2, 2, 0, 2, 0.35, 0.35, 1, 0.5, 1.0])
    # all four counted: (0.1 + 0.3 + 0.5 + 0.2) / 4 = 0.275; out of sample (0.1 + 0.5 + 0.2) / 3; 2 of 4 inside;
    # widths (0.4 + 0.6 + 1.0) / 3
    assert summary.loc["all"].tolist() == pytest.approx([5, 4, 1, 3, 0.275, 0.8 / 3, 2, 0.5, 2.0 / 3])


def test_quarters_of_the_wrong_type(quarterly):
    for quarters, message in (("5", "Input should be a valid list"),
                              ("[]", "List should have at least 1 item after validation, not 0")):
        quarterly.write(ACTUALS_PATH, BY_QUARTERS.replace(QUARTERS, f"    quarters: {quarters}\n"))
        assert check(quarterly, "period: FY2026", "period: FY2026") == (
            at(ACTUALS_PATH, "actuals[1].quarters") + f": {message}\n1 error; nothing was written\n")
    quarterly.write(ACTUALS_PATH, BY_QUARTERS)
    assert check(quarterly, "period: 2025Q3", "period: 2025Q5") == (
        at(ACTUALS_PATH, "actuals[1].quarters[1].period") + ": unknown period '2025Q5'; valid forms: 2025, 2025-2027, "
        "FY2025, FY2026-FY2028, 2024Q4\n1 error; nothing was written\n")


def test_with_draws_the_table_shows_the_median_and_the_interval_beside_the_value(actuals):
    result = invoke("backtest", "base", "--draws", "256", "--format", "markdown")
    assert result.exit_code == 0, result.output
    header = [cell.strip() for cell in result.stdout.splitlines()[0].split("|")[1:-1]]
    assert header == ["Company", "Metric", "Year", "Basis", "Built", "Reported", "Actual", "Projected", "Error",
                      "Median", "90% interval", "Width", "Published", "Out of sample", "Sources", "Counted"]
    table = backtest_csv(invoke("backtest", "base", "--draws", "256", "--format", "csv"))
    row = [cell.strip() for cell in result.stdout.splitlines()[2].split("|")[1:-1]]
    # money to two decimals, the width in percent of the median
    assert row[9] == f"{table.loc[0, 'p50']:.2f}"
    assert row[11] == f"{table.loc[0, 'relative_width'] * 100:.1f}%"


def test_a_figure_citing_what_a_plan_or_a_rate_of_its_metric_cites_is_not_counted(actuals):
    # Alpha's capex plan (2025-2026) cites alpha-filing: a capex figure of 2025 citing it too is evidence base used
    text = ACTUALS.replace('      - ref: later-news\n        excerpt: "RMB 16 billion"',
                           '      - ref: alpha-filing\n        excerpt: "RMB 16 billion"')
    actuals.write(ACTUALS_PATH, text)
    table = backtest_csv(invoke("backtest", "base", "--format", "csv"))
    assert table.loc[0, "excluded"] == "restates the input alpha.capex.plan_total (30 CNY bn, 2025-2026): cites " \
                                       "alpha-filing as it does"
    # ... but 2027 lies after the plan's window, and its post-plan growth cites analyst judgement only
    actuals.write(ACTUALS_PATH, text.replace("period: 2025\n    basis: outturn", "period: 2027\n    basis: outturn"))
    assert pd.isna(backtest_csv(invoke("backtest", "base", "--format", "csv")).loc[0, "excluded"])
    # Beta's capex growth, a rate of every year, cites beta-press
    actuals.write(ACTUALS_PATH, ACTUALS.replace('      - ref: rumour\n        excerpt: "US$2.5bn"',
                                                '      - ref: beta-press\n        excerpt: "US$2.5bn"'))
    table = backtest_csv(invoke("backtest", "base", "--format", "csv"))
    assert table.loc[1, "excluded"] == "restates the input beta.capex.growth (2025: 0.5, 2027: 0.1 ratio, " \
                                       "2025-2027): cites beta-press as it does"


def test_a_fiscal_year_not_made_of_calendar_quarters(quarterly):
    quarterly.edit("assumptions/beta.yaml", "fiscal_year_end: 3", "fiscal_year_end: 2")
    assert check(quarterly, "period: FY2026", "period: FY2026") == (
        at(ACTUALS_PATH, "actuals[1].period") + ": FY2026 of Beta, whose fiscal year ends in month 2, is not made of "
        "calendar quarters; give the year's figure as value\n1 error; nothing was written\n")
