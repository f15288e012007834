"""The projection against values computed by hand for the two-company fixture, and each array helper."""

from __future__ import annotations

import numpy as np
import pytest

from model.analysis.projection import run
from model.core.engine import compound, first_overtake_year, installed_base, project, rank, share
from model.core.parameters import assumption_values, engine_inputs
from model.io.loading import load_inputs
from tests.conftest import SMALL

# Worked by hand from tests/fixtures/small (CNY 8.0 per USD, reporting USD, horizon 2025-2027).
# Alpha: RMB 30bn plan over 2025-2026 -> 15/8 = 1.875 a year, then +20%; chips RMB 8bn = US$1bn growing 50%;
# price 10,000 halving each year; life 2 years; cloud RMB 2bn in 2024Q4 -> 8bn = US$1bn in 2024, +10% a year;
# AI share 0.1 -> 0.3 linearly.
# Beta: US$2bn in FY2025 (fiscal year to March -> 2024), growth 50% in 2025, 10% in 2027, 30% between;
# chips half of capex; price 15,000 flat; life 1.5 years; cloud US$1bn flat with AI share 0.5.
# The market: US$10bn in 2024 growing 10% (11, 12.1, 13.31); Alpha's share 0.2 -> 0.3 linearly, Beta's 0.1.
EXPECTED = {
    "capex": [[1.875, 1.875, 2.25], [3.0, 3.9, 4.29]],
    "capex_cumulative": [[1.875, 3.75, 6.0], [3.0, 6.9, 11.19]],
    "ai_chip_spend": [[1.0, 1.5, 2.25], [1.5, 1.95, 2.145]],
    "ai_chip_spend_cumulative": [[1.0, 2.5, 4.75], [1.5, 3.45, 5.595]],
    "accelerator_unit_price": [[10000, 5000, 2500], [15000, 15000, 15000]],
    "accelerators_bought": [[100, 300, 900], [100, 130, 143]],
    # Beta: 2026 = 130 + half of 2025's 100; 2027 = 143 + half of 130 (2025's cohort has retired)
    "accelerators_installed": [[100, 400, 1200], [100, 180, 208]],
    "cloud_revenue": [[1.1, 1.21, 1.331], [1.0, 1.0, 1.0]],
    "ai_revenue": [[0.11, 0.242, 0.3993], [0.5, 0.5, 0.5]],
    "cloud_market_revenue": [[2.2, 3.025, 3.993], [1.1, 1.21, 1.331]],
    "cloud_market_share": [[0.2, 0.25, 0.3], [0.1, 0.1, 0.1]],
    "capex_intensity": [[1.875 / 1.1, 1.875 / 1.21, 2.25 / 1.331], [3.0, 3.9, 4.29]],
    "capex_share": [[1.875 / 4.875, 1.875 / 5.775, 2.25 / 6.54], [3 / 4.875, 3.9 / 5.775, 4.29 / 6.54]],
    "capex_cumulative_share": [[1.875 / 4.875, 3.75 / 10.65, 6 / 17.19], [3 / 4.875, 6.9 / 10.65, 11.19 / 17.19]],
    "ai_chip_spend_share": [[0.4, 1.5 / 3.45, 2.25 / 4.395], [0.6, 1.95 / 3.45, 2.145 / 4.395]],
    "accelerators_installed_share": [[0.5, 400 / 580, 1200 / 1408], [0.5, 180 / 580, 208 / 1408]],
    "capex_rank": [[2, 2, 2], [1, 1, 1]],
    "ai_chip_spend_rank": [[2, 2, 1], [1, 1, 2]],
    "accelerators_installed_rank": [[1, 1, 1], [1, 2, 2]],  # a tie in 2025 shares first place
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
