"""Shapley effects against the closed forms for linear models of correlated Gaussian inputs, the Ishigami function,
and a scenario whose only uncertainty is two correlated accelerator prices."""

from __future__ import annotations

import itertools
import math
import re

import numpy as np
import pandas as pd
import pytest
from scipy.special import ndtr

from model.analysis.methods import shapley as shapley_method
from model.analysis.methods.shapley import (
    SHAPLEY_COLUMNS,
    SHAPLEY_PRIORITY_COLUMNS,
    _conditional_block,
    check,
    max_samples,
    shapley,
    shapley_effects,
    shapley_priorities,
)
from model.analysis.methods.sobol import sobol, sobol_indices
from model.analysis.sensitivity import SensitivityResult, analyse, find_method
from model.core.correlation import pearson_from_spearman
from model.core.uncertainty import DEFAULT_WIDTHS, Z95, Width
from model.errors import UsageError
from model.io.loading import load_inputs
from tests.analysis.test_sensitivity import A, B, ishigami, saltelli_outputs
from tests.conftest import REPO, SMALL


def linear(coefficients: np.ndarray, sigmas: np.ndarray):
    """Y = sum_i b_i X_i with X_i = sigma_i z_i: a model of the scores z (d, n)."""
    return lambda z: (coefficients * sigmas) @ z


def enumerated_shapley(coefficients: np.ndarray, covariance: np.ndarray) -> np.ndarray:
    """Exact normalised Shapley effects of Y = b.X, X ~ N(0, covariance), by every coalition: the cost
    Var E[Y | X_J] = Var Y - b_K' (S_KK - S_KJ S_JJ^-1 S_JK) b_K, K the rest, weighted |S|! (d - |S| - 1)! / d!."""
    d = len(coefficients)
    variance = coefficients @ covariance @ coefficients

    def cost(coalition: tuple[int, ...]) -> float:
        rest = [i for i in range(d) if i not in coalition]
        if not coalition or not rest:
            return 0.0 if not coalition else variance
        j, k = list(coalition), rest
        left = covariance[np.ix_(k, k)] - covariance[np.ix_(k, j)] @ np.linalg.solve(covariance[np.ix_(j, j)],
                                                                                     covariance[np.ix_(j, k)])
        return variance - coefficients[k] @ left @ coefficients[k]

    effects = np.zeros(d)
    for i in range(d):
        others = [j for j in range(d) if j != i]
        for size in range(d):
            weight = math.factorial(size) * math.factorial(d - size - 1) / math.factorial(d)
            for coalition in itertools.combinations(others, size):
                effects[i] += weight * (cost(tuple(sorted((*coalition, i)))) - cost(coalition))
    return effects / variance


def assert_within(result, exact, *, errors: float = 4.0, atol: float = 0.02):
    """Each estimate within `errors` of its own standard errors of the exact answer, and within `atol`."""
    np.testing.assert_allclose(result.effect, exact, atol=atol)
    assert (np.abs(result.effect - exact) <= errors * result.standard_error).all(), (result.effect, exact)


# ------------------------------------------------------------------------------------------- closed forms
def test_two_correlated_gaussians_match_owen_and_prieur():
    """Owen & Prieur (2017): Sh_1 = [b1^2 s1^2 (1 - rho^2 / 2) + rho b1 b2 s1 s2 + b2^2 s2^2 rho^2 / 2] / Var Y."""
    b, s, rho = np.array([1.0, 2.0]), np.array([1.5, 0.5]), 0.6
    variance = (b[0] * s[0]) ** 2 + 2 * rho * b[0] * b[1] * s[0] * s[1] + (b[1] * s[1]) ** 2
    first = ((b[0] * s[0]) ** 2 * (1 - rho**2 / 2) + rho * b[0] * b[1] * s[0] * s[1]
             + (b[1] * s[1]) ** 2 * rho**2 / 2) / variance
    exact = np.array([first, 1 - first])  # 0.6914, 0.3086
    correlation = np.array([[1, rho], [rho, 1]])
    np.testing.assert_allclose(enumerated_shapley(b, correlation * np.outer(s, s)), exact)
    result = shapley_effects(linear(b, s), 2, samples=2**15, correlation=correlation, rng=1)
    assert_within(result, exact)
    assert result.variance == pytest.approx(variance, rel=0.03)


def test_three_gaussians_two_correlated_match_iooss_and_prieur():
    """Iooss & Prieur (2019), X1 independent of (X2, X3) with correlation rho: Sh_1 = b1^2 s1^2 / V,
    Sh_2 = [b2^2 s2^2 (1 - rho^2 / 2) + rho b2 b3 s2 s3 + b3^2 s3^2 rho^2 / 2] / V, Sh_3 likewise."""
    b, s, rho = np.array([1.0, 1.0, 1.0]), np.array([1.0, 1.0, 2.0]), -0.5
    variance = 1 + 1 + 4 + 2 * rho * 2
    exact = np.array([1, 1 * (1 - rho**2 / 2) + rho * 2 + 4 * rho**2 / 2,
                      4 * (1 - rho**2 / 2) + rho * 2 + 1 * rho**2 / 2]) / variance  # 0.25, 0.0, 0.75
    correlation = np.array([[1, 0, 0], [0, 1, rho], [0, rho, 1]])
    np.testing.assert_allclose(enumerated_shapley(b, correlation * np.outer(s, s)), exact, atol=1e-15)
    assert_within(shapley_effects(linear(b, s), 3, samples=2**15, correlation=correlation, rng=2), exact)


def test_a_dense_correlation_matches_every_coalition():
    b, s = np.array([1.0, 2.0, -1.5, 0.5]), np.array([1.0, 0.5, 2.0, 1.0])
    correlation = np.array([[1, 0.5, 0.2, 0], [0.5, 1, -0.6, 0.3], [0.2, -0.6, 1, 0], [0, 0.3, 0, 1]])
    exact = enumerated_shapley(b, correlation * np.outer(s, s))
    result = shapley_effects(linear(b, s), 4, samples=2**15, correlation=correlation, rng=3)
    assert_within(result, exact)
    assert result.effect.sum() == pytest.approx(1.0, abs=1e-12)  # efficiency: the shares add up to 1 exactly


def test_the_intervals_cover_the_closed_form_about_95_times_in_100():
    b, s = np.array([1.0, 2.0, -1.5]), np.array([1.0, 0.5, 2.0])
    correlation = np.array([[1, 0.5, 0.2], [0.5, 1, -0.6], [0.2, -0.6, 1]])
    exact = enumerated_shapley(b, correlation * np.outer(s, s))
    covered = np.array([(lambda r: (r.low <= exact) & (exact <= r.high))(
        shapley_effects(linear(b, s), 3, samples=2**11, correlation=correlation, rng=seed)) for seed in range(200)])
    assert 0.90 <= covered.mean() <= 0.99, covered.mean(axis=0)


def test_independent_inputs_of_a_linear_model_give_sobol_first_order_equal_to_total():
    b, s = np.array([1.0, -2.0, 0.5]), np.array([1.0, 1.0, 3.0])
    exact = (b * s) ** 2 / ((b * s) ** 2).sum()  # 0.1143, 0.4571, 0.4286
    result = shapley_effects(linear(b, s), 3, samples=2**15, rng=4)
    assert_within(result, exact)
    from scipy.special import ndtri

    f_a, f_b, f_ab = saltelli_outputs(lambda u: (b * s) @ ndtri(u).T, 3, 2**14, seed=4)
    indices = sobol_indices(f_a, f_b, f_ab, bootstrap=0)
    np.testing.assert_allclose(indices.first, exact, atol=0.01)
    np.testing.assert_allclose(indices.total, exact, atol=0.01)


def test_ishigami_splits_its_interaction_equally():
    """Independent inputs: Sh_i = S_i + half of each pairwise interaction it is in; Ishigami's only one is x1 x3."""
    variance = A**2 / 8 + B * np.pi**4 / 5 + B**2 * np.pi**8 / 18 + 0.5
    v1, v2, v13 = 0.5 * (1 + B * np.pi**4 / 5) ** 2, A**2 / 8, B**2 * np.pi**8 * 8 / 225
    exact = np.array([v1 + v13 / 2, v2, v13 / 2]) / variance  # 0.4358, 0.4424, 0.1218
    assert exact.sum() == pytest.approx(1.0)
    result = shapley_effects(lambda z: ishigami(ndtr(z).T), 3, samples=2**15, rng=5)
    assert_within(result, exact)


def test_an_input_that_only_informs_on_another_gets_half_its_explained_share():
    """Y = X1, corr(X1, X2) = rho: Sh_2 = Var E[Y | X2] / 2 / Var Y = rho^2 / 2; an unrelated X3 gets exactly 0."""
    rho = 0.8
    correlation = np.array([[1, rho, 0], [rho, 1, 0], [0, 0, 1]])
    result = shapley_effects(lambda z: z[0], 3, samples=2**15, correlation=correlation, rng=6)
    assert_within(result, [1 - rho**2 / 2, rho**2 / 2, 0.0])
    assert result.effect[2] == 0 and result.standard_error[2] == 0
    assert result.moves.tolist() == [True, True, False]


def test_conditional_draws_have_the_conditional_normals_moments():
    """Kept scores z_K fixed: the others' mean is R_JK R_KK^-1 z_K, their covariance R_JJ - R_JK R_KK^-1 R_KJ."""
    correlation = np.array([[1, 0.5, 0.3], [0.5, 1, -0.4], [0.3, -0.4, 1]])
    n = 200_000
    rng = np.random.default_rng(7)
    cholesky = np.linalg.cholesky(correlation)
    z = np.repeat(np.array([[0.7], [0.0], [-1.2]]), n, axis=1)  # only z_0 and z_2 matter: they are kept
    kept = np.tile([True, False, True], (n, 1))
    drawn = _conditional_block(kept, z, cholesky @ rng.standard_normal((3, n)), correlation)
    k, j = [0, 2], [1]
    regression = correlation[np.ix_(j, k)] @ np.linalg.inv(correlation[np.ix_(k, k)])
    assert (drawn[k] == z[k]).all()
    assert drawn[1].mean() == pytest.approx((regression @ z[k, 0])[0], abs=0.01)
    assert drawn[1].var() == pytest.approx((correlation[1, 1] - regression @ correlation[np.ix_(k, j)])[0, 0],
                                           rel=0.01)


def test_a_constant_output_has_no_effects():
    result = shapley_effects(lambda z: np.zeros(z.shape[1]), 2, samples=64, rng=0)
    assert np.isnan(result.effect).all() and result.variance == 0 and not result.moves.any()


def test_several_outputs_at_once_and_one_seed_one_result():
    def model(z):
        return np.stack([z[0] + z[1], z[0] * 3], axis=1)

    one = shapley_effects(model, 2, samples=256, rng=9)
    assert one.effect.shape == (2, 2) and one.variance.shape == (2,)
    np.testing.assert_array_equal(one.effect, shapley_effects(model, 2, samples=256, rng=9).effect)
    assert not np.array_equal(one.effect, shapley_effects(model, 2, samples=256, rng=10).effect)
    np.testing.assert_allclose(one.effect[:, 1], [1, 0])  # the second output ignores z_1: exactly


# ------------------------------------------------------------------------------------------------- scenarios
CORRELATED_PRICES = ("as_of: 2025-05-31\ncorrelations:\n"
                     "  - keys: [alpha.accelerators.unit_price, beta.accelerators.unit_price]\n    rank: {rank}\n"
                     "    rationale: same suppliers\n")


@pytest.fixture
def two_prices(small, monkeypatch):
    """The small project with every assumption certain except the two accelerator prices, each a lognormal with a
    90% interval of price / 1.25 to price x 1.25, rank-correlated 0.8."""
    for level in ("high", "medium", "low"):
        monkeypatch.setitem(DEFAULT_WIDTHS, level, Width(relative=0.0, absolute=0.0))
    small.edit("assumptions/alpha.yaml", "range: [6, 10]", "range: [8, 8]")
    small.edit("assumptions/alpha.yaml", "value: 10000\n", "value: 10000\n    range: [8000, 12500]\n")
    small.edit("assumptions/beta.yaml", "value: 15000\n", "value: 15000\n    range: [12000, 18750]\n")
    small.edit("scenarios/base.yaml", "as_of: 2025-05-31\n", CORRELATED_PRICES.format(rank=0.8))
    return load_inputs(small.path("scenarios/base.yaml"))


def test_a_correlated_price_gets_its_share_where_sobol_drops_it(two_prices):
    """Alpha's installed accelerators are a + b / P with a, b certain and P = 10,000 e^(sigma z), sigma =
    ln 1.25 / z95. Beta's price tells of Alpha's only through rho = 2 sin(pi 0.8 / 6), the normal scores'
    correlation: its effect is Var E[Y | z_beta] / 2 / Var Y = (e^(sigma^2 rho^2) - 1) / (e^(sigma^2) - 1) / 2
    (0.3284), and Alpha's own price has the rest (0.6716); Beta's output likewise."""
    sigma, rho = math.log(1.25) / Z95, float(pearson_from_spearman(0.8))
    informed = (math.exp(sigma**2 * rho**2) - 1) / (math.exp(sigma**2) - 1) / 2
    frame, seed, notes, warnings = shapley(two_prices, metric="accelerators_installed", samples=2**14, rng=11)
    assert list(frame.columns) == SHAPLEY_COLUMNS and seed == 11
    for company, own, other in (("Alpha", "alpha", "beta"), ("Beta", "beta", "alpha")):
        rows = frame[frame.company == company].set_index("key")
        assert list(rows.index) == [f"{own}.accelerators.unit_price", f"{other}.accelerators.unit_price"]
        np.testing.assert_allclose(rows.shapley, [1 - informed, informed], atol=0.02)
        assert (rows.shapley_low <= [1 - informed, informed]).all()
        assert ([1 - informed, informed] <= rows.shapley_high).all()
        assert rows.shapley.sum() == pytest.approx(1.0, abs=1e-12)
        assert rows.correlated_with.tolist() == [f"{other}.accelerators.unit_price", f"{own}.accelerators.unit_price"]
    assert notes == ["the scenario's 1 rank correlations are applied: an assumption's effect includes what it "
                     "says about the assumptions it is correlated with"]
    assert warnings == []
    alpha = sobol(two_prices, metric="accelerators_installed", samples=2**10, rng=11, bootstrap=0).frame
    assert alpha[alpha.company == "Alpha"].key.tolist() == ["alpha.accelerators.unit_price"]  # Beta's: dropped


def test_without_the_correlation_each_price_explains_its_own_company_alone(two_prices, small):
    small.edit("scenarios/base.yaml", "rank: 0.8", "rank: 0.0")
    frame, *_ = shapley(load_inputs(small.path("scenarios/base.yaml")), metric="accelerators_installed",
                        samples=256, rng=1)
    # rank 0 leaves the copula the identity: Beta's price never moves Alpha's output, and is dropped
    assert frame[["company", "key"]].values.tolist() == [
        ["Alpha", "alpha.accelerators.unit_price"], ["Beta", "beta.accelerators.unit_price"]]
    np.testing.assert_allclose(frame.shapley, 1.0, rtol=1e-12)


def test_priorities_rank_by_shapley_effect_and_flag_soft_correlated_figures(two_prices):
    frame, *_ = shapley(two_prices, metric="accelerators_installed", samples=2**12, rng=2)
    priorities = shapley_priorities(two_prices, frame)
    assert list(priorities.columns) == SHAPLEY_PRIORITY_COLUMNS
    alpha = priorities[priorities.company == "Alpha"]
    assert alpha[["rank", "key", "confidence", "flags", "dig"]].values.tolist() == [
        [1, "alpha.accelerators.unit_price", "medium", "analyst judgement", True],
        [2, "beta.accelerators.unit_price", "medium", "analyst judgement", True]]
    assert alpha.variance_share.sum() == pytest.approx(1.0)


def test_sobols_research_priorities_rank_by_shapley_effects_where_the_scenario_correlates(two_prices):
    """Sobol' indices drop the correlation, so Beta's price, which never moves Alpha's output, has no index for
    Alpha; the priorities the analysis gives rank by Shapley effects of the same sample and seed instead, where it
    has its closed-form share (see the test above)."""
    sigma, rho = math.log(1.25) / Z95, float(pearson_from_spearman(0.8))
    informed = (math.exp(sigma**2 * rho**2) - 1) / (math.exp(sigma**2) - 1) / 2
    steps = []
    result = analyse(two_prices, method="sobol", metric="accelerators_installed", samples=2**12, seed=3,
                     on_progress=steps.append)
    assert list(result.tables) == ["sobol", "shapley", "priorities"]
    assert result.frame[result.frame.company == "Alpha"].key.tolist() == ["alpha.accelerators.unit_price"]
    priorities = result.tables["priorities"]
    assert list(priorities.columns) == SHAPLEY_PRIORITY_COLUMNS
    alpha = priorities[priorities.company == "Alpha"]
    assert alpha.key.tolist() == ["alpha.accelerators.unit_price", "beta.accelerators.unit_price"]
    np.testing.assert_allclose(alpha.shapley, [1 - informed, informed], atol=0.03)
    frame, *_ = shapley(two_prices, metric="accelerators_installed", samples=2**12, rng=3)
    pd.testing.assert_frame_equal(result.tables["shapley"], frame)
    pd.testing.assert_frame_equal(priorities, shapley_priorities(two_prices, frame))
    assert result.notes == (
        "the scenario's 1 rank correlations are not applied: Sobol indices assume independent assumptions",
        "the research priorities are ranked by Shapley effects, which apply the scenario's 1 rank correlations "
        "(4,096 samples; --method shapley gives them alone)")
    k = len(two_prices.resolved)
    assert {name: result.settings[name] for name in ("priorities_by", "shapley_samples", "shapley_evaluations",
                                                     "evaluations")} == {
        "priorities_by": "shapley", "shapley_samples": 2**12, "shapley_evaluations": 2**12 * (k + 1),
        "evaluations": 2**12 * (k + 2)}
    assert sum(steps) == find_method("sobol").work(two_prices, 2**12)[1] == 2**12 * (2 * k + 3)


def test_sobols_priorities_keep_the_total_order_index_where_nothing_is_correlated(small):
    result = analyse(load_inputs(small.path("scenarios/base.yaml")), method="sobol", samples=64, seed=1)
    assert list(result.tables) == ["sobol", "priorities"] and "total_order" in result.tables["priorities"]
    assert result.settings["priorities_by"] == "total_order" and "shapley_samples" not in result.settings
    assert not any("Shapley" in note for note in result.notes)


def test_shapley_priorities_beside_sobols_largest_sample_stay_within_the_machine(two_prices, monkeypatch):
    monkeypatch.setattr(shapley_method, "max_samples", lambda *args: 100)
    result = analyse(two_prices, method="sobol", metric="accelerators_installed", samples=2**10, seed=3)
    assert result.settings["shapley_samples"] == 100 and result.settings["samples"] == 2**10


def test_the_shipped_base_shares_the_correlated_prices():
    """Base correlates the three accelerator prices: each company's installed accelerators owe a share to its
    rivals' prices, which Sobol' leaves out; cumulative chip spend, which no price moves, has no such row."""
    inputs = load_inputs(REPO / "scenarios" / "base.yaml")
    frame, _, notes, warnings = shapley(inputs, metric="accelerators_installed", samples=2**12, rng=2025)
    assert "the scenario's 3 rank correlations are applied" in notes[0] and warnings == []
    for company in inputs.companies:
        rows = frame[frame.company == company.name].set_index("key")
        assert rows.shapley.sum() == pytest.approx(1.0, abs=1e-12)
        rivals = [f"{c.slug}.accelerators.unit_price" for c in inputs.companies if c is not company]
        assert (rows.loc[rivals, "shapley_low"] > 0).all()  # a share, with an interval clear of zero
        assert rows.index[0] == f"{company.slug}.accelerators.unit_price"
    spend, *_ = shapley(inputs, samples=2**10, rng=2025)
    assert not spend.key.str.endswith("unit_price").any()


# --------------------------------------------------------------------------------------- options and size
@pytest.fixture(scope="module")
def small_inputs():
    return load_inputs(SMALL / "scenarios" / "base.yaml")


@pytest.mark.parametrize("samples", [0, 63, -5, 1.5, "many", True, float("nan")])
def test_samples_must_be_a_whole_number_of_at_least_64(small_inputs, samples):
    message = (r"^--samples for Shapley effects must be a whole number of draws, at least 64 \(such as 8192\), "
               rf"not {re.escape(repr(samples))}$")
    with pytest.raises(UsageError, match=message):
        check(small_inputs, samples)
    with pytest.raises(UsageError, match=message.replace("--samples", "samples")):
        analyse(small_inputs, method="shapley", samples=samples, samples_option="samples")


def test_a_sample_beyond_the_machine_is_refused_naming_the_most_it_can(small_inputs, monkeypatch):
    k = len(small_inputs.resolved)
    ceiling = max_samples(k, 2, 3)
    with pytest.raises(UsageError, match=rf"^--samples 10,000,000,000 is {10**10 * (k + 1):,} runs of the model "
                       rf"\({k} assumptions \+ 1\), above the ceiling of 1,000,000,000 \(about 20 minutes\); the most "
                       rf"this machine can do is --samples {ceiling:,}$"):
        check(small_inputs, 10**10)
    monkeypatch.setattr(shapley_method, "available_memory", lambda: 2**30)  # 1 GiB
    small = max_samples(k, 2, 3)
    assert small < ceiling
    with pytest.raises(UsageError, match=rf"^--samples {small + 1:,} is more than this machine's memory holds "
                                         rf"\(.+ needed, 1\.0 GB available\); the most this machine can do is "
                                         rf"--samples {small:,}$"):
        check(small_inputs, small + 1)
    check(small_inputs, small)


def test_the_confidence_is_checked(small_inputs):
    with pytest.raises(UsageError, match=r"^confidence must lie between 0 and 1, not 95$"):
        shapley(small_inputs, confidence=95)


def test_shapley_is_a_method_with_one_result_type(small_inputs):
    steps = []
    result = analyse(small_inputs, method="shapley", samples=64, seed=5, on_progress=steps.append)
    assert isinstance(result, SensitivityResult) and list(result.tables) == ["shapley", "priorities"]
    k = len(small_inputs.resolved)
    assert result.settings == {"method": "shapley", "metric": "ai_chip_spend_cumulative", "year": 2027,
                               "companies": [], "samples": 64, "seed": 5, "confidence": 0.95,
                               "evaluations": 64 * (k + 1), "correlations": 0}
    assert sum(steps) == find_method("shapley").work(small_inputs, 64)[1] == 64 * (k + 1)
    pd.testing.assert_frame_equal(result.frame, shapley(small_inputs, samples=64, rng=5)[0])


def test_a_result_carries_the_colours_the_company_files_declare():
    swings = analyse(load_inputs(REPO / "scenarios" / "base.yaml"), method="tornado")
    assert swings.colours == {"Alibaba": "#d55e00", "ByteDance": "#0072b2", "Tencent": "#009e73"}


def test_a_small_sample_warns_with_the_widest_interval(small_inputs):
    frame, _, _, warnings = shapley(small_inputs, samples=64, rng=1)
    assert warnings and all(re.match(r"^(alpha|beta) ai_chip_spend_cumulative 2027: the widest Shapley interval is "
                                     r"\d\.\d\d wide \([a-z_.]+\); rerun with --samples 256 or more$", w)
                            for w in warnings)
