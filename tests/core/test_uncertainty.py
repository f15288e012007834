"""Distributions from assumptions, the samplers, the copula, and Monte Carlo summaries against analytic answers."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from scipy.special import ndtr, ndtri
from scipy.stats import spearmanr

from model.core.correlation import gaussian_copula_matrix, is_valid
from model.core.engine import METRICS, first_overtake_year, project
from model.core.parameters import engine_inputs, layout
from model.core.simulation import PERCENTILES, RACE_METRICS, SAMPLED_DTYPE, row_percentiles, simulate
from model.core.uncertainty import Z95, ScoreMap, UniformStream, copula_matrix, distributions, values_at
from model.io.loading import load_inputs
from tests.conftest import SMALL, at

P = np.array([0.05, 0.5, 0.95])


@pytest.fixture(scope="module")
def small_inputs():
    return load_inputs(SMALL / "scenarios" / "base.yaml")


def test_the_written_out_z_score_is_scipys():
    assert Z95 == float(ndtri(0.95))  # to the last bit: every sampled value is divided by it


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
        at("scenarios/base.yaml", "correlations[0].keys") + ": no such assumption 'beta.accelerators.unit_prize'; "
        "did you mean 'beta.accelerators.unit_price'?")


# ------------------------------------------------------------------------------------ the fast Monte Carlo path
def test_row_percentiles_equal_numpys_linear_percentiles_exactly():
    rng = np.random.default_rng(0)
    for n in (1, 2, 3, 19, 20, 101, 4097):
        for dtype in (np.float32, np.float64):
            rows = rng.lognormal(size=(6, n)).astype(dtype)
            rows[1] = 2.0  # a constant row
            if n > 3:
                rows[2, n // 2] = np.nan  # NaN anywhere makes the row's percentiles NaN, as in numpy
                rows[3, : n // 2] = 7.0  # heavy ties
            expected = np.percentile(rows, PERCENTILES, axis=1)
            got = row_percentiles(rows.copy())
            np.testing.assert_array_equal(got, expected, err_msg=f"n={n} {dtype.__name__}")
            assert got.dtype == expected.dtype


def test_row_percentiles_of_ranks_are_counted_and_exact():
    ranks = np.random.default_rng(1).integers(1, 4, size=(5, 1001)).astype(np.float32)
    ranks[0] = 3.0
    np.testing.assert_array_equal(row_percentiles(ranks.copy(), levels=np.arange(1.0, 4.0)),
                                  np.percentile(ranks, PERCENTILES, axis=1))


def test_row_percentiles_work_group_by_group_on_many_rows():
    rows = np.random.default_rng(2).normal(size=(40, 2**15)).astype(np.float32)  # 5 MiB: several groups
    np.testing.assert_array_equal(row_percentiles(rows.copy()), np.percentile(rows, PERCENTILES, axis=1))


def test_score_map_values_equal_values_at():
    inputs = load_inputs(SMALL / "scenarios" / "base.yaml")
    dists = distributions(inputs)
    stream = UniformStream(list(dists), sampler="random", seed=4)
    u = stream.draw(500)
    u[0], u[1] = 1e-300, 1 - 1e-16  # the far tails, where the clipping bites
    expected = values_at(dists, u)
    exact = ScoreMap(dists)(stream.scores(u))
    rounded = ScoreMap(dists, np.float32)(stream.scores(u))
    for key, values in expected.items():
        np.testing.assert_allclose(exact[key], values, rtol=1e-13, atol=1e-15, err_msg=key)
        assert rounded[key].dtype == np.float32 and rounded[key].shape == values.shape
        np.testing.assert_allclose(rounded[key][2:], values[2:], rtol=1e-6, atol=1e-7, err_msg=key)
        # clipped to the valid interval rounded inwards: a rate above -1 stays above -1 in float32
        assert np.all(rounded[key] >= dists[key].low) and np.all(rounded[key] <= dists[key].high), key


def test_scores_are_the_normal_scores_of_the_coupled_uniforms():
    matrix, _ = gaussian_copula_matrix(["a", "b", "c"], {("a", "b"): 0.7})
    stream = UniformStream(["a", "b", "c"], sampler="random", seed=3, correlation=matrix)
    again = UniformStream(["a", "b", "c"], sampler="random", seed=3, correlation=matrix)
    z = stream.scores(stream.draw(1000))
    assert z.shape == (3, 1000)
    np.testing.assert_allclose(ndtr(z.T), again.next(1000), rtol=1e-12)


def test_project_writes_into_given_arrays(small_inputs):
    values = values_at(distributions(small_inputs), UniformStream(
        list(distributions(small_inputs)), sampler="random", seed=1).next(50))
    engine = engine_inputs(small_inputs, values)
    expected = project(engine)
    block = np.full((len(expected), 2, 3, 50), np.nan)  # (metric, C, H, D), draws last
    out = {name: np.moveaxis(block[i], -1, 0) for i, name in enumerate(expected)}
    assert project(engine, out=out) is out
    for name, values in expected.items():
        np.testing.assert_array_equal(out[name], values, err_msg=name)


def _direct_summaries(inputs, draws: int, seed: int):
    """The run's metrics for all draws at once, the way `simulate` makes them (float32), for exact checks."""
    dists = distributions(inputs)
    correlation, _ = copula_matrix(inputs, list(dists))
    stream = UniformStream(list(dists), sampler="random", seed=seed, correlation=correlation)
    values = ScoreMap(dists, SAMPLED_DTYPE)(stream.scores(stream.draw(draws)))
    return project(layout(inputs).engine_inputs(values))


def test_one_chunk_gives_numpys_percentiles_and_the_engines_race(small_inputs):
    run = simulate(small_inputs, 3000, sampler="random", rng=9, chunk_size=4096)
    metrics = _direct_summaries(small_inputs, 3000, 9)
    years = np.array(list(small_inputs.scenario.years))
    for name, values in metrics.items():
        np.testing.assert_array_equal(run.percentiles[name], np.percentile(values, PERCENTILES, axis=0), err_msg=name)
        np.testing.assert_allclose(run.mean[name], values.astype(float).mean(axis=0), rtol=1e-12, err_msg=name)
        assert np.all(run.standard_error[name] >= 0), name
    for name in RACE_METRICS:
        values = metrics[name]
        lead = (values >= values.max(axis=1, keepdims=True)).mean(axis=0)
        np.testing.assert_array_equal(run.lead[name], lead)
        year_of = first_overtake_year(values, years)
        overtake = np.stack([(year_of == year).mean(axis=0) for year in years], axis=-1)
        np.testing.assert_array_equal(run.overtake[name], overtake)


def test_chunks_percentiles_stay_within_monte_carlo_error(small_inputs):
    """Eight chunks' mean percentile against the exact percentile of all draws: within 4 standard errors."""
    run = simulate(small_inputs, 2**15, sampler="random", rng=2, chunk_size=2**12)
    metrics = _direct_summaries(small_inputs, 2**15, 2)
    for name, values in metrics.items():
        if METRICS[name].unit == "rank":
            continue  # a discrete percentile moves in whole steps
        exact = np.percentile(values, PERCENTILES, axis=0)
        assert np.all(np.abs(run.percentiles[name] - exact) <= 4 * run.standard_error[name] + 1e-9), name


def test_threads_give_the_same_numbers_as_one_worker(small_inputs):
    calls = []
    one = simulate(small_inputs, 10_000, rng=7, chunk_size=1500, workers=1)
    three = simulate(small_inputs, 10_000, rng=7, chunk_size=1500, workers=3, on_chunk=calls.append)
    assert calls == [1500] * 6 + [1000]  # in chunk order
    assert (one.workers, three.workers) == (1, 3)
    for field in ("mean", "percentiles", "standard_error", "lead", "overtake"):
        for name, values in getattr(one, field).items():
            np.testing.assert_array_equal(getattr(three, field)[name], values, err_msg=f"{field} {name}")


def test_memory_stays_flat_as_draws_grow(small_inputs):
    """Chunking keeps no array of all draws: sixteen times the draws, at most a little more memory.

    One worker: with threads, how many chunks are in flight at the peak depends on how the machine schedules them
    (which made this test fail on a busy machine); with one, the allocations are the same on every run."""
    def peak(draws: int) -> int:
        tracemalloc.start()
        simulate(small_inputs, draws, sampler="random", rng=1, chunk_size=2**11, workers=1)
        _, peak_bytes = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return peak_bytes

    peak(2**13)  # once before measuring: one-time allocations (caches, lazily built tables) are not the draws'
    small, large = peak(2**13), peak(2**17)
    companies, years = len(small_inputs.companies), len(small_inputs.scenario.years)
    every_draw = len(METRICS) * companies * years * 2**17 * np.dtype(SAMPLED_DTYPE).itemsize
    assert large - small < every_draw / 16, (small, large, every_draw)  # what even one array of the draws would add
    assert large < 1.5 * small, (small, large)


def test_a_chunk_size_must_be_positive(small_inputs):
    with pytest.raises(ValueError, match="chunk_size must be at least 1, not 0"):
        simulate(small_inputs, 10, chunk_size=0)
