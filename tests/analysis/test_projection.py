"""The tidy table, the headline table and the plans table of a run; with draws, the summaries and the race odds."""

from __future__ import annotations

import re

import numpy as np
import pytest

from model.analysis.projection import (
    BASIS_COLUMN,
    SUMMARY_COLUMNS,
    TIDY_COLUMNS,
    convergence_report,
    convergence_warnings,
    headline,
    headline_kinds,
    percentile_error,
    run,
    run_result,
)
from model.core.engine import METRICS
from model.domain.colours import company_colours
from model.io.loading import load_inputs
from model.io.project import find_scenario
from model.present.run import formatted_headline, interval_headline, race_tables
from tests.conftest import SMALL


@pytest.fixture(scope="module")
def projection():
    return run(load_inputs(SMALL / "scenarios" / "base.yaml"))


def test_tidy_table_has_a_row_per_company_year_and_metric(projection):
    tidy = projection.tidy()
    assert list(tidy.columns) == [*TIDY_COLUMNS, BASIS_COLUMN]
    assert len(tidy) == 2 * 3 * len(METRICS)
    row = tidy[(tidy.company == "Beta") & (tidy.year == 2026) & (tidy.metric == "capex")].iloc[0]
    assert (row.scenario, row.unit, row.value) == ("base", "USD bn", pytest.approx(3.9))
    units = dict(zip(tidy.metric, tidy.unit))
    assert units["accelerators_installed"] == "thousand units"
    assert units["capex_share"] == "ratio"
    assert units["accelerator_unit_price"] == "USD"


def test_plans_are_in_the_reporting_currency(projection):
    assert projection.plans.to_dict("records") == [
        {"company": "Alpha", "plan_total": 3.75, "unit": "USD bn", "start": 2025, "end": 2026}
    ]


def test_headline_figures(projection):
    table = headline(projection)
    assert list(table.index) == ["Alpha", "Beta"]
    assert table.loc["Beta", "Capex 2025-2027 (USD bn)"] == pytest.approx(11.19)
    assert table.loc["Alpha", "Share of capex 2025-2027"] == pytest.approx(6.0 / 17.19)
    text = formatted_headline(table, headline_kinds(projection))
    assert text.loc["Alpha", "Share of capex 2025-2027"] == "34.9%"
    assert text.loc["Alpha", "Accelerators in service 2027 (k)"] == "1,200"
    assert text.loc["Beta", "Capex 2027 (USD bn)"] == "4.3"


# --------------------------------------------------------------------------------------------------- with draws
@pytest.fixture(scope="module")
def drawn():
    return run(load_inputs(SMALL / "scenarios" / "base.yaml"), draws=2**14, rng=11)


def test_a_run_with_draws_adds_the_mean_and_percentiles(drawn):
    tidy = drawn.tidy()
    assert list(tidy.columns) == [*TIDY_COLUMNS, *SUMMARY_COLUMNS, BASIS_COLUMN] == [
        *TIDY_COLUMNS, "mean", "p5", "p50", "p95", "basis"]
    assert (tidy["p5"] <= tidy["p50"]).all() and (tidy["p50"] <= tidy["p95"]).all()
    # `value` stays the projection with every assumption at its value
    assert tidy["value"].tolist() == run(load_inputs(SMALL / "scenarios" / "base.yaml")).tidy()["value"].tolist()


def test_percentiles_match_the_analytic_distribution(drawn):
    # Alpha's 2025 capex is half its CNY 30bn plan over CNY 8 per USD: 1.875 USD bn. Plan and rate are high
    # confidence, each lognormal with its 95th percentile 1.1 x its value, so their ratio is lognormal with sigma
    # sqrt(2) times theirs: 5th and 95th percentiles at 1.875 / and x 1.1 ** sqrt(2).
    tidy = drawn.tidy()
    row = tidy[(tidy.company == "Alpha") & (tidy.year == 2025) & (tidy.metric == "capex")].iloc[0]
    spread = 1.1 ** np.sqrt(2)
    assert row.p50 == pytest.approx(1.875, rel=2e-3)
    assert row.p5 == pytest.approx(1.875 / spread, rel=3e-3)
    assert row.p95 == pytest.approx(1.875 * spread, rel=3e-3)
    # the mean of a lognormal is its median times exp(sigma^2 / 2)
    sigma = np.sqrt(2) * np.log(1.1) / 1.6448536269514722
    assert row["mean"] == pytest.approx(1.875 * np.exp(sigma**2 / 2), rel=2e-3)


def test_lead_probabilities_cover_every_draw(drawn):
    leads = drawn.leads()
    assert list(leads.columns) == ["scenario", "metric", "company", "year", "probability"]
    totals = leads.groupby(["metric", "year"])["probability"].sum()
    assert (totals >= 1 - 1e-12).all()  # ties lead together, so a year's leaders may add to more than 1
    # Beta's capex is always the larger: it leads on cumulative capex in every draw
    beta = leads[(leads.metric == "capex_cumulative") & (leads.company == "Beta")]
    assert beta["probability"].tolist() == [1.0, 1.0, 1.0]


def test_an_overtake_happens_at_most_once_per_draw(drawn):
    overtakes = drawn.overtakes()
    assert list(overtakes.columns) == ["scenario", "metric", "company", "rival", "year", "probability"]
    assert (overtakes["probability"] > 0).all()
    assert (overtakes.groupby(["metric", "company", "rival"])["probability"].sum() <= 1).all()
    assert set(overtakes["year"]) <= {2026, 2027}  # the first year cannot be an overtake: nothing came before


def test_headline_with_intervals(drawn):
    text = interval_headline(drawn)
    assert text.loc["Alpha", "Capex 2025 (USD bn)"] == "1.9 [1.6-2.1]"
    assert text.loc["Alpha", "Share of capex 2025-2027"].startswith("34.9% [")
    with pytest.raises(ValueError, match="unknown statistic 'p99'; valid: value, mean, p5, p50, p95"):
        headline(drawn, "p99")


def test_a_projection_without_draws_has_no_race_odds(projection):
    with pytest.raises(ValueError, match="this projection has no draws; run it with draws > 1"):
        projection.leads()


def test_too_few_draws_are_flagged_with_the_draws_that_would_do(drawn):
    assert convergence_warnings(drawn) == []
    worst, where = percentile_error(drawn)
    # at 2^14 draws a 5th percentile's standard error is about 2.1 sigma / sqrt(n), its interval 3.3 sigma wide
    assert 0 < worst < 0.01 and where.split(", ")[0] in {"Alpha", "Beta"}
    assert convergence_report(drawn) == (
        f"the percentiles' Monte Carlo standard errors are at most {worst:.1%} of their interval's width ({where})")
    few = run(load_inputs(SMALL / "scenarios" / "base.yaml"), draws=64, rng=11)
    (warning,) = convergence_warnings(few)
    assert re.fullmatch(
        r"with 64 draws the 5th, 50th and 95th percentiles carry standard errors up to \d+\.\d% of their interval's "
        r"width "
        r"\((Alpha|Beta), .+\); use --draws [125](0|,000)+ or more", warning
    ), warning


def test_race_tables(drawn):
    tables = race_tables(drawn)
    leading = tables["Probability of leading in 2027"]
    assert list(leading.columns) == ["Company", "Cumulative capex", "Cumulative AI-chip spend", "Accelerators installed",
                                     "Compute installed"]
    assert leading.set_index("Company").loc["Beta", "Cumulative capex"] == "100.0%"
    overtakes = tables["Overtakes within the horizon"]
    assert list(overtakes.columns) == ["Measure", "Overtake", "Probability by 2027", "Likeliest year", "Median year"]
    assert set(overtakes["Overtake"]) <= {"Alpha overtakes Beta", "Beta overtakes Alpha"}


def test_a_run_result_lists_what_its_scenario_overrides():
    high = load_inputs(SMALL / "scenarios" / "high.yaml")
    changes = run_result(high, run(high)).overrides
    assert changes[["key", "set_by", "stated", "replaced_set_by", "replaced_stated"]].values.tolist() == [
        ["alpha.capex.plan_total", "high", "60 CNY bn", "base", "30 CNY bn"]]
    base = load_inputs(SMALL / "scenarios" / "base.yaml")
    assert run_result(base, run(base)).overrides.empty


def test_each_company_has_its_files_colour_else_its_names(small):
    small.edit("assumptions/alpha.yaml", "name: Alpha\n", "name: Alpha\ncolour: '#CC79A7'\n")
    projection = run(load_inputs(find_scenario("base")))
    assert projection.colours == {"Alpha": "#cc79a7", "Beta": company_colours(["Beta"])["Beta"]}
