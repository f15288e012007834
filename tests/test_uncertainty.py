"""Distributions from assumptions, the samplers, the copula, and Monte Carlo summaries against analytic answers."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import spearmanr

from model.correlation import gaussian_copula_matrix, is_valid
from model.loading import load_inputs
from model.simulation import simulate
from model.uncertainty import UniformStream, distributions
from tests.conftest import SMALL

P = np.array([0.05, 0.5, 0.95])


@pytest.fixture(scope="module")
def small_inputs():
    return load_inputs(SMALL / "scenarios" / "base.yaml")


def test_default_width_of_a_positive_level_is_multiplicative(small_inputs):
    plan = distributions(small_inputs)["alpha.capex.plan_total"]  # 30, high confidence: 90% in [30/1.1, 33]
    assert plan.family == "lognormal"
    np.testing.assert_allclose(plan.ppf(P)[:, 0], [30 / 1.1, 30, 33])


def test_an_explicit_range_sets_the_5th_and_95th_percentiles(small_inputs):
    budget = distributions(small_inputs)["alpha.ai_chips.budget_base"]  # 8 with range [6, 10]
    np.testing.assert_allclose(budget.ppf(P)[:, 0], [6, 8, 10])
    assert budget.explicit


def test_rates_spread_in_points_and_are_clipped_to_their_interval(small_inputs):
    dists = distributions(small_inputs)
    growth = dists["alpha.cloud.growth"]  # 0.1, medium: +/- 0.05
    assert growth.family == "normal"
    np.testing.assert_allclose(growth.ppf(P)[:, 0], [0.05, 0.1, 0.15])
    share = dists["alpha.cloud.ai_share"]  # 0.1 in 2025, low: +/- 0.10, a share clipped to [0, 1]
    assert share.ppf(np.array([1e-12]))[0, 0] == 0.0


def test_a_series_moves_as_one(small_inputs):
    share = distributions(small_inputs)["alpha.cloud.ai_share"]  # {2025: 0.1, 2027: 0.3}, low
    np.testing.assert_allclose(share.ppf(P), [[0.0, 0.2], [0.1, 0.3], [0.2, 0.4]], atol=1e-12)


@pytest.mark.parametrize("sampler", ["lhs", "random"])
def test_a_keys_draws_depend_only_on_the_seed_and_the_key(sampler):
    two = UniformStream(["a", "b"], sampler=sampler, seed=7).next(64)
    three = UniformStream(["a", "new", "b"], sampler=sampler, seed=7).next(64)
    np.testing.assert_array_equal(two, three[:, [0, 2]])
    assert not np.array_equal(two, UniformStream(["a", "b"], sampler=sampler, seed=8).next(64))


def test_latin_hypercube_fills_every_stratum_once():
    u = UniformStream(["a", "b"], sampler="lhs", seed=1).next(100)
    for column in u.T:
        assert sorted(np.floor(column * 100).astype(int)) == list(range(100))


def test_the_copula_gives_the_asked_rank_correlation():
    matrix, notes = gaussian_copula_matrix(["a", "b"], {("a", "b"): 0.7})
    u = UniformStream(["a", "b"], sampler="random", seed=3, correlation=matrix).next(50_000)
    assert notes == []
    assert spearmanr(u[:, 0], u[:, 1]).statistic == pytest.approx(0.7, abs=0.01)
    assert u.min() > 0 and u.max() < 1


def test_impossible_correlations_are_repaired_with_a_note_per_pair():
    ranks = {("a", "b"): 0.9, ("b", "c"): 0.9, ("a", "c"): -0.9}
    matrix, notes = gaussian_copula_matrix(["a", "b", "c"], ranks)
    assert is_valid(matrix)
    np.testing.assert_allclose(np.diag(matrix), 1.0)
    assert len(notes) == 3 and notes[0].startswith("a ~ b: 0.90 -> ")


def test_monte_carlo_percentiles_match_the_analytic_lognormal(small_inputs):
    """Alpha's 2025 capex is plan / 2 / fx: two independent lognormals each with a 90% factor of 1.1, so the
    ratio is lognormal with median 1.875 and a 90% factor of 1.1 ** sqrt(2)."""
    run = simulate(small_inputs, 2**16, rng=11)
    factor = 1.1 ** np.sqrt(2)
    np.testing.assert_allclose(run.percentiles["capex"][:, 0, 0], [1.875 / factor, 1.875, 1.875 * factor], rtol=5e-3)
    assert np.all(run.standard_error["capex"][:, 0, 0] < 0.005)
    assert run.lead["capex_cumulative"].shape == (2, 3)
    assert np.all(run.lead["capex_cumulative"].sum(axis=0) >= 1.0)


def test_the_same_seed_gives_the_same_numbers_and_chunks_do_not_change_the_mean(small_inputs):
    one = simulate(small_inputs, 3000, sampler="random", rng=5)
    again = simulate(small_inputs, 3000, sampler="random", rng=5)
    chunked = simulate(small_inputs, 3000, sampler="random", rng=5, chunk_size=700)
    np.testing.assert_array_equal(one.percentiles["ai_revenue"], again.percentiles["ai_revenue"])
    np.testing.assert_allclose(one.mean["capex"], chunked.mean["capex"], rtol=1e-12)
    assert one.seed == 5


def test_an_unknown_sampler_lists_the_valid_ones():
    with pytest.raises(Exception, match="unknown sampler 'halton'; valid: sobol, lhs, random"):
        UniformStream(["a"], sampler="halton", seed=1)


def test_a_correlation_must_name_existing_assumptions(small):
    small.edit("scenarios/base.yaml", "as_of: 2025-05-31\n", "as_of: 2025-05-31\ncorrelations:\n  - keys: [alpha.accelerators.unit_price, beta.accelerators.unit_prize]\n    rank: 0.8\n    rationale: same suppliers\n")
    from model.errors import InputError
    with pytest.raises(InputError) as caught:
        load_inputs(small.path("scenarios/base.yaml"))
    assert str(caught.value.problems[0]).startswith(
        "scenarios/base.yaml:7: correlations[0].keys: no such assumption 'beta.accelerators.unit_prize'; "
        "did you mean 'beta.accelerators.unit_price'?")
