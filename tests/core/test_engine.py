"""The projection against values computed by hand for the two-company fixture, and each array helper."""

from __future__ import annotations

import numpy as np
import pytest

from model.analysis.projection import run
from model.core.engine import compound, first_overtake_year, installed_base, opening_fleet, project, rank, share
from model.core.parameters import assumption_values, engine_inputs
from model.io.loading import load_inputs
from tests.conftest import SMALL, Project

# Worked by hand from tests/fixtures/small (CNY 8.0 per USD, reporting USD, horizon 2025-2027).
# Alpha: RMB 30bn plan over 2025-2026 -> 15/8 = 1.875 a year, then +20%; chips RMB 8bn = US$1bn growing 50%;
# price 10,000 halving each year; life 2 years; cloud RMB 2bn in 2024Q4 -> 8bn = US$1bn in 2024, +10% a year;
# AI share 0.1 -> 0.3 linearly.
# Beta: US$2bn in FY2025 (fiscal year to March -> 2024), growth 50% in 2025, 10% in 2027, 30% between;
# chips half of capex; price 15,000 flat; life 1.5 years; cloud US$1bn flat with AI share 0.5.
# The opening fleets, at the end of 2024, retire evenly over the life: Alpha's 1,000k units of 0.5 H100e keep
# 1 - 1/2 in 2025 and none after (an integer life); Beta's 1,500k of 0.25 H100e keep 1 - 1/1.5 = 1/3 in 2025 and
# none in 2026 (a fractional life). A new accelerator does 0.2 H100e at Alpha in 2025, doubling yearly; 0.5 at Beta.
# The market: US$10bn in 2024 growing 10% (11, 12.1, 13.31); Alpha's share 0.2 -> 0.3 linearly, Beta's 0.1.
EXPECTED = {
    "capex": [[1.875, 1.875, 2.25], [3.0, 3.9, 4.29]],
    "capex_cumulative": [[1.875, 3.75, 6.0], [3.0, 6.9, 11.19]],
    "ai_chip_spend": [[1.0, 1.5, 2.25], [1.5, 1.95, 2.145]],
    "ai_chip_spend_cumulative": [[1.0, 2.5, 4.75], [1.5, 3.45, 5.595]],
    "accelerator_unit_price": [[10000, 5000, 2500], [15000, 15000, 15000]],
    "accelerators_bought": [[100, 300, 900], [100, 130, 143]],
    # Alpha 2025 = 100 bought + 500 of the fleet; Beta 2025 = 100 + 1,500 / 3, 2026 = 130 + half of 2025's 100,
    # 2027 = 143 + half of 130 (2025's cohort has retired)
    "accelerators_installed": [[600, 400, 1200], [600, 180, 208]],
    "accelerator_performance": [[0.2, 0.4, 0.8], [0.5, 0.5, 0.5]],
    # Alpha: 100 x 0.2 + 500 x 0.5; 100 x 0.2 + 300 x 0.4; 300 x 0.4 + 900 x 0.8. Beta: 100 x 0.5 + 500 x 0.25;
    # 130 x 0.5 + 50 x 0.5; 143 x 0.5 + 65 x 0.5
    "compute_installed": [[270, 140, 840], [175, 90, 104]],
    "spend_per_compute": [[50000, 12500, 3125], [30000, 30000, 30000]],
    "cloud_revenue": [[1.1, 1.21, 1.331], [1.0, 1.0, 1.0]],
    "ai_revenue": [[0.11, 0.242, 0.3993], [0.5, 0.5, 0.5]],
    "cloud_market_revenue": [[2.2, 3.025, 3.993], [1.1, 1.21, 1.331]],
    "cloud_market_share": [[0.2, 0.25, 0.3], [0.1, 0.1, 0.1]],
    # group revenue: Alpha RMB 40bn in 2024 = US$5bn, +25% a year; Beta US$10bn in FY2025 (2024), +20% a year
    "group_revenue": [[6.25, 7.8125, 9.765625], [12.0, 14.4, 17.28]],
    "capex_intensity": [[0.3, 0.24, 0.2304], [0.25, 3.9 / 14.4, 4.29 / 17.28]],
    "capex_share": [[1.875 / 4.875, 1.875 / 5.775, 2.25 / 6.54], [3 / 4.875, 3.9 / 5.775, 4.29 / 6.54]],
    "capex_cumulative_share": [[1.875 / 4.875, 3.75 / 10.65, 6 / 17.19], [3 / 4.875, 6.9 / 10.65, 11.19 / 17.19]],
    "ai_chip_spend_share": [[0.4, 1.5 / 3.45, 2.25 / 4.395], [0.6, 1.95 / 3.45, 2.145 / 4.395]],
    "accelerators_installed_share": [[0.5, 400 / 580, 1200 / 1408], [0.5, 180 / 580, 208 / 1408]],
    "compute_installed_share": [[270 / 445, 140 / 230, 840 / 944], [175 / 445, 90 / 230, 104 / 944]],
    "capex_rank": [[2, 2, 2], [1, 1, 1]],
    "ai_chip_spend_rank": [[2, 2, 1], [1, 1, 2]],
    "accelerators_installed_rank": [[1, 1, 1], [1, 2, 2]],  # a tie in 2025 shares first place
    "compute_installed_rank": [[1, 1, 1], [2, 2, 2]],
}


@pytest.fixture(scope="module")
def small_inputs():
    return load_inputs(SMALL / "scenarios" / "base.yaml")


def test_projection_matches_hand_computed_values(small_inputs):
    projection = run(small_inputs)
    assert projection.companies == ("Alpha", "Beta")
    assert projection.years.tolist() == [2025, 2026, 2027]
    assert set(projection.metrics) == set(EXPECTED)
    for name, expected in EXPECTED.items():
        np.testing.assert_allclose(projection.metrics[name][0], expected, rtol=1e-12, err_msg=name)


BETA_GROWTH_ROUTE = """  capex.base:
    value: 2
    unit: USD bn
    period: FY2025
    confidence: high
    as_of: 2025-02-01
    sources:
      - ref: beta-press
        excerpt: "US$2bn in fiscal 2025"

  capex.growth:
    value: {2025: 0.5, 2027: 0.1}
    unit: ratio
    period: 2025-2027
    confidence: medium
    as_of: 2025-02-01
    sources:
      - ref: beta-press
        excerpt: "50% more"
"""


def intensity(value: str, period: str = "2025-2027") -> str:
    return f"""  capex.intensity:
    value: {value}
    unit: ratio
    period: {period}
    confidence: medium
    as_of: 2025-05-31
    sources:
      - ref: analyst-judgement
        rationale: capex as a share of revenue, for the test
"""


def capex_by_intensity(project: Project) -> None:
    """Beta's capex becomes intensity x group revenue; Alpha's plan moves to 2026-2027, an intensity gives its
    2025 capex and post-plan growth its 2028; the horizon runs to 2028."""
    project.edit("assumptions/beta.yaml", BETA_GROWTH_ROUTE, intensity("{2025: 0.2, 2027: 0.3}"))
    project.edit("assumptions/alpha.yaml", "period: 2025-2026", "period: 2026-2027")
    project.edit("assumptions/alpha.yaml", "  group.revenue_base:", intensity("0.5", "2025") + "\n  group.revenue_base:")
    project.edit("scenarios/base.yaml", "horizon: [2025, 2027]", "horizon: [2025, 2028]")


def test_capex_from_intensity_times_group_revenue_where_no_plan_rules(small):
    capex_by_intensity(small)
    metrics = run(load_inputs(small.path("scenarios/base.yaml"))).metrics
    # Beta: 0.2 x 12, 0.25 x 14.4 (the series interpolated), 0.3 x 17.28, then 0.3 x 20.736 (held flat)
    # Alpha: 0.5 x 6.25 before its plan, RMB 30bn / 2 = US$1.875bn in 2026-2027, then +20% post-plan growth (the
    # plan, not the intensity, rules after its window)
    np.testing.assert_allclose(metrics["capex"][0], [[3.125, 1.875, 1.875, 2.25], [2.4, 3.6, 5.184, 6.2208]],
                               rtol=1e-12)
    np.testing.assert_allclose(metrics["capex_intensity"][0, 1], [0.2, 0.25, 0.3, 0.3], rtol=1e-12)
    np.testing.assert_allclose(metrics["capex_intensity"][0, 0],
                               [0.5, 0.24, 0.192, 2.25 / 12.20703125], rtol=1e-12)


def test_timeline_reaches_back_to_base_years(small_inputs):
    engine = engine_inputs(small_inputs)
    assert engine.years.tolist() == [2024, 2025, 2026, 2027]  # Beta's FY2025 and Alpha's 2024Q4 are 2024
    assert engine.horizon_start == 1


def test_many_draws_equal_one_draw_at_a_time(small_inputs):
    """The draws axis is vectorised: a 3-draw run equals three one-draw runs."""
    base = assumption_values(small_inputs)
    factors = np.array([0.5, 1.0, 2.0])
    varied = dict(base)
    varied["alpha.capex.plan_total"] = base["alpha.capex.plan_total"] * factors
    varied["beta.accelerators.service_life"] = np.array([1.0, 1.5, 3.0])
    varied["fx.CNY"] = np.array([7.0, 8.0, 9.0])
    together = project(engine_inputs(small_inputs, varied))
    for d in range(3):
        one = {k: v[d : d + 1] if len(v) == 3 else v for k, v in varied.items()}
        alone = project(engine_inputs(small_inputs, one))
        for name in together:
            np.testing.assert_allclose(together[name][d], alone[name][0], err_msg=name)
    assert together["capex"].shape == (3, 2, 3)


def test_compound_grows_forward_and_discounts_backward():
    base = np.array([[[100.0]]])
    growth = np.array([[[0.0, 0.1, 0.2, 0.5]]])
    values = compound(base, growth, np.array([1]))
    np.testing.assert_allclose(values[0, 0], [100 / 1.1, 100, 120, 180])


def test_installed_base_keeps_exactly_the_service_life():
    bought = np.array([[[10.0, 0, 0, 0, 0]]])
    installed = installed_base(bought, np.array([[[2.5]]]))
    np.testing.assert_allclose(installed[0, 0], [10, 10, 5, 0, 0])
    assert installed.sum() == pytest.approx(10 * 2.5)


def test_opening_fleet_retires_evenly_over_the_service_life():
    """Ages spread evenly over one life: a fifth of a 5-year fleet goes each year, a 2.5-year fleet loses 40% a
    year (the last 20% in its third year); the fleet is whole up to the end of its own year."""
    fleet = np.array([[[100.0], [100.0]]])
    life = np.array([[[5.0], [2.5]]])
    kept = opening_fleet(fleet, np.array([0, 1]), life, 6)
    np.testing.assert_allclose(kept[0, 0], [100, 80, 60, 40, 20, 0])
    np.testing.assert_allclose(kept[0, 1], [100, 100, 60, 20, 0, 0])


def test_a_longer_life_keeps_more_of_the_fleet_and_its_compute(small_inputs):
    values = assumption_values(small_inputs)
    values["alpha.accelerators.service_life"] = np.array([2.0, 4.0])
    metrics = project(engine_inputs(small_inputs, values))
    # life 4: the fleet keeps 3/4, 2/4, 1/4 (750k, 500k, 250k units of 0.5 H100e) and 2025's cohort stays
    np.testing.assert_allclose(metrics["accelerators_installed"][1, 0], [850, 900, 1550])
    np.testing.assert_allclose(metrics["compute_installed"][1, 0], [395, 390, 985])
    np.testing.assert_allclose(metrics["accelerators_installed"][0, 0], EXPECTED["accelerators_installed"][0])


def test_rank_and_share_over_companies():
    values = np.array([[[3.0], [1.0], [3.0]]])
    assert rank(values)[0, :, 0].tolist() == [1, 3, 1]
    np.testing.assert_allclose(share(values)[0, :, 0], [3 / 7, 1 / 7, 3 / 7])


def test_first_overtake_year():
    values = np.array([[[1.0, 2.0, 5.0], [3.0, 3.0, 3.0]]])
    years = np.array([2025, 2026, 2027])
    first = first_overtake_year(values, years)
    assert first[0, 0, 1] == 2027  # company 0 moves ahead of company 1 in 2027
    assert np.isnan(first[0, 1, 0])  # company 1 starts ahead and never overtakes
    assert np.isnan(first[0, 0, 0])
