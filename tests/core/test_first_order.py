"""The given-data first-order indices: against analytic answers, chunk by chunk, and inside a Monte Carlo run."""

from __future__ import annotations

import numpy as np
import pytest

from model.core.first_order import (
    MAX_BINS,
    MIN_DRAWS,
    bin_count,
    binned_sums,
    bins_of_draws,
    bins_of_scores,
    bins_of_uniforms,
    first_order,
    first_order_indices,
    merged,
)
from model.core.simulation import simulate
from model.io.loading import load_inputs
from tests.conftest import SMALL

HEATMAP = ("ai_chip_spend_cumulative", "accelerators_installed")


@pytest.fixture(scope="module")
def small_inputs():
    return load_inputs(SMALL / "scenarios" / "base.yaml")


def test_a_linear_model_of_uniforms_gives_one_fifth_and_four_fifths():
    # Y = X1 + 2 X2, independent uniforms: Var = 1/12 + 4/12, so S1 = 1/5 and S2 = 4/5; an unused X3 gets 0
    u = np.random.default_rng(0).random((2**16, 3))
    indices = first_order_indices(u, u[:, 0] + 2 * u[:, 1])
    # equal-width bins of a uniform keep (1 - 1/B^2) of a linear effect: 0.9994 at the 41 bins of 2^16 draws
    assert indices == pytest.approx([0.2, 0.8, 0.0], abs=0.006)


def test_ishigamis_first_order_indices():
    # Ishigami (a = 7, b = 0.1) on [-pi, pi]^3: S1 = 0.3139, S2 = 0.4424, S3 = 0 (Saltelli et al. 2008, 4.1)
    u = np.random.default_rng(1).random((2**17, 3))
    x = -np.pi + 2 * np.pi * u
    y = np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])
    # binning smooths sin^2 x2 (a loss of about h^2 / 3 of it for bins of width h: 0.6% at the 48 bins of 2^17
    # draws), and the noise of an index at 2^17 draws is about 0.003
    assert first_order_indices(u, y) == pytest.approx([0.3139, 0.4424, 0.0], abs=0.01)


def test_normal_score_bins_recover_a_linear_model_of_normal_inputs():
    # Y = Z1 + Z2 + Z3 of standard normals, binned by score: each explains a third
    z = np.random.default_rng(2).standard_normal((3, 50_000))
    bins = bin_count(50_000)
    y = z.sum(axis=0)[None]
    indices = first_order(binned_sums(bins_of_scores(z, bins), y, bins))[:, 0]
    assert indices == pytest.approx([1 / 3] * 3, abs=0.015)


@pytest.mark.parametrize(("transform", "expected", "tolerance"), [
    (lambda s: s, 0.25, 0.012),
    # exp(Z_1 / 2 + ... + Z_4 / 2): S_i = (e^(1/4) - 1) / (e - 1) = 0.1653; the tail bins lose about 5% of it
    (lambda s: np.exp(s / 2), (np.exp(0.25) - 1) / (np.e - 1), 0.02),
])
def test_at_the_fewest_draws_a_heatmap_shows_the_indices_are_close(transform, expected, tolerance):
    rng = np.random.default_rng(7)
    found = []
    for _ in range(10):
        z = rng.standard_normal((4, MIN_DRAWS))
        bins = bin_count(MIN_DRAWS)
        found.append(first_order(binned_sums(bins_of_scores(z, bins), transform(z.sum(axis=0))[None], bins)))
    assert np.mean(found) == pytest.approx(expected, abs=tolerance)


def test_the_small_sample_correction_takes_the_noise_floor_off():
    # with no effect at all the raw correlation ratio would be about (B - 1) / N, here 0.044; corrected it is ~0
    rng = np.random.default_rng(3)
    u, y = rng.random((1000, 20)), rng.standard_normal(1000)
    indices = first_order_indices(u, y, bins=45)
    assert indices.mean() < 0.005
    assert (indices >= 0).all() and (indices <= 1).all()


def test_chunks_merged_equal_one_chunk():
    rng = np.random.default_rng(4)
    z, y = rng.standard_normal((5, 9000)), 1e6 + rng.standard_normal((4, 9000))  # a spread small beside the mean
    bins = bins_of_scores(z, 20)
    whole = binned_sums(bins, y, 20)
    parts = [binned_sums(bins[:, a:b], y[:, a:b], 20) for a, b in ((0, 1000), (1000, 5500), (5500, 9000))]
    combined = merged(merged(parts[0], parts[1]), parts[2])
    np.testing.assert_array_equal(combined.counts, whole.counts)
    np.testing.assert_allclose(combined.squares, whole.squares, rtol=1e-9)
    np.testing.assert_allclose(first_order(combined), first_order(whole), atol=1e-9)


def test_a_constant_output_has_indices_of_zero_not_nan():
    u = np.random.default_rng(5).random((500, 2))
    assert first_order_indices(u, np.full(500, 3.0)).tolist() == [0.0, 0.0]


def test_bin_count_follows_the_heuristic():
    assert [bin_count(n) for n in (10, 1000, 10_000, 100_000, 10**7)] == [2, 6, 22, 47, MAX_BINS]


@pytest.mark.parametrize("bins", [1, 0, MAX_BINS + 1, 2.5, True])
def test_a_bin_count_out_of_range_is_refused(bins):
    with pytest.raises(ValueError, match=f"bins must be a whole number from 2 to {MAX_BINS}"):
        bins_of_uniforms(np.full((4, 1), 0.5), bins)


def test_hostile_arrays_are_refused():
    u = np.random.default_rng(6).random((10, 2))
    with pytest.raises(ValueError, match="y holds a NaN or an infinity"):
        first_order_indices(u, np.r_[np.inf, np.ones(9)])
    with pytest.raises(ValueError, match=r"y must have one row per draw of u \(10\), not 9"):
        first_order_indices(u, np.ones(9))
    with pytest.raises(ValueError, match=r"every draw in \[0, 1\]"):
        first_order_indices(u * 2, np.ones(10))
    with pytest.raises(ValueError, match=r"outputs must be \(R, 10\), draws last"):
        binned_sums(bins_of_uniforms(u, 2), np.ones((10, 3)), 2)


# ---------------------------------------------------------------------------------------------- inside a run
def test_a_chunked_run_equals_a_one_chunk_run_and_workers_do_not_matter(small_inputs):
    one = simulate(small_inputs, 12_000, rng=3, chunk_size=2**14, first_order_metrics=HEATMAP)
    chunked = simulate(small_inputs, 12_000, rng=3, chunk_size=1700, workers=1, first_order_metrics=HEATMAP)
    threads = simulate(small_inputs, 12_000, rng=3, chunk_size=1700, workers=3, first_order_metrics=HEATMAP)
    assert one.first_order.bins == chunked.first_order.bins == bin_count(12_000)
    for metric in HEATMAP:
        np.testing.assert_allclose(chunked.first_order.indices[metric], one.first_order.indices[metric], atol=1e-9)
        np.testing.assert_array_equal(threads.first_order.indices[metric], chunked.first_order.indices[metric])


def test_a_runs_indices_bin_each_assumption_against_its_own_companys_figures(small_inputs):
    run = simulate(small_inputs, 2**14, rng=1, first_order_metrics=HEATMAP)
    keys = run.first_order.keys
    spend = run.first_order.indices["ai_chip_spend_cumulative"]  # (d, C, H)
    assert spend.shape == (len(keys), len(small_inputs.companies), len(small_inputs.scenario.years))
    for c, company in enumerate(small_inputs.companies):
        others = [i for i, key in enumerate(keys) if key.split(".")[0] not in (company.slug, "fx", "market")]
        assert spend[others, c].max() < 0.01  # another company's assumptions do not move this one's spend
    # alpha's first-year chip spend is its budget (CNY) converted at fx.CNY, both lognormal and independent: the
    # two indices are those of a product of lognormals, whose logs' variances split in proportion
    alpha = [c.slug for c in small_inputs.companies].index("alpha")
    budget, fx = keys.index("alpha.ai_chips.budget_base"), keys.index("fx.CNY")
    assert spend[budget, alpha, 0] > 0.5 and spend[budget, alpha, 0] + spend[fx, alpha, 0] <= 1.0


def test_a_run_without_heatmap_metrics_has_no_indices_and_an_unknown_metric_is_refused(small_inputs):
    assert simulate(small_inputs, 100, rng=0).first_order is None
    with pytest.raises(ValueError, match="unknown metric"):
        simulate(small_inputs, 100, rng=0, first_order_metrics=("capex_typo",))
    with pytest.raises(ValueError, match="bins must be a whole number"):
        simulate(small_inputs, 100, rng=0, first_order_metrics=HEATMAP, bins=1)


def test_a_draws_bin_is_its_uniforms_where_uncoupled_and_its_scores_where_coupled():
    from scipy.special import ndtri

    rng = np.random.default_rng(8)
    u = rng.random((5000, 3))
    scores = ndtri(u.T)
    scores[2] = 0.6 * scores[0] + 0.8 * scores[2]  # a column a copula mixes: its own uniform no longer says its bin
    found = bins_of_draws(u, scores, np.array([2]), 10)
    np.testing.assert_array_equal(found[:2], np.floor(u.T[:2] * 10))
    np.testing.assert_array_equal(found[2], bins_of_scores(scores[2:], 10)[0])
    assert (found[2] != np.floor(u.T[2] * 10)).mean() > 0.5
