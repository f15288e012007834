"""Pooled assumptions: the weights by source kind and age, the mixture's quantile function against a root-finder and
closed forms, and draws through it against the mixture's CDF."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from scipy.optimize import brentq
from scipy.special import ndtr, ndtri
from scipy.stats import norm

from model.core.uncertainty import (
    HALF_LIFE_DAYS,
    POOL_TOLERANCE,
    SOURCE_WEIGHTS,
    Z95,
    Distribution,
    Pool,
    ScoreMap,
    pool,
    pool_weights,
    pooled,
    values_at,
)
from model.domain import Assumption, Candidate, Citation, Value

AS_OF = dt.date(2025, 6, 1)


def figure(*candidates: tuple[float, tuple[float, float] | None], weights: tuple[float, ...] | None = None,
           confidence: str = "low") -> Assumption:
    """A pooled assumption of candidates (value, range), equally weighted unless `weights` are given."""
    made = tuple(Candidate(value=v, source=Citation(f"s{i}", f"{v}"), as_of=AS_OF, confidence=confidence, range=r)
                 for i, (v, r) in enumerate(candidates))
    shares = weights or tuple(1 / len(made) for _ in made)
    return Assumption(value=Value.of(0.0), unit="CNY bn", period="2025", confidence=confidence, as_of=AS_OF,
                      sources=(), candidates=made, pool="linear", weights=shares)


def exact_quantile(mixture: Pool, u: float) -> float:
    """The mixture's quantile by a root-finder on its CDF (in log-values for a lognormal pool)."""
    lognormal = mixture.family == "lognormal"
    spans = [(c.lower[0], c.upper[0]) for c in mixture.components]
    low, high = min(s[0] for s in spans), max(s[1] for s in spans)
    while mixture.cdf(np.array(low)) > u:
        low = low / 4 if lognormal else low - 4 * (high - low)
    while mixture.cdf(np.array(high)) < u:
        high = high * 4 if lognormal else high + 4 * (high - low)
    if lognormal:
        return math.exp(brentq(lambda t: mixture.cdf(np.array(math.exp(t))) - u, math.log(low), math.log(high),
                               xtol=1e-14, rtol=1e-15))
    return brentq(lambda x: mixture.cdf(np.array(x)) - u, low, high, xtol=1e-12, rtol=1e-15)


# ------------------------------------------------------------------------------------------------------ weights
def test_weights_by_kind_are_the_table_normalised():
    weights = pool_weights(["filing", "press", "analyst"], [AS_OF] * 3, [None] * 3, AS_OF)
    assert weights == pytest.approx([1.0 / 2.0, 0.6 / 2.0, 0.4 / 2.0], rel=1e-12)  # 1.0, 0.6 and 0.4 of 2.0
    assert SOURCE_WEIGHTS["filing"] > SOURCE_WEIGHTS["company-statement"] > SOURCE_WEIGHTS["press"] \
        > SOURCE_WEIGHTS["analyst"] > SOURCE_WEIGHTS["unconfirmed"] > SOURCE_WEIGHTS["analyst-judgement"] > 0


def test_a_figure_a_half_life_old_counts_half():
    year_old = AS_OF - dt.timedelta(days=int(HALF_LIFE_DAYS))
    # two filings, one a year old: 1 against 0.5
    assert pool_weights(["filing", "filing"], [AS_OF, year_old], [None, None], AS_OF) == pytest.approx(
        [2 / 3, 1 / 3], rel=1e-12)
    # press of today (0.6) against a filing two half-lives old (1.0 / 4 = 0.25)
    two_old = AS_OF - dt.timedelta(days=int(2 * HALF_LIFE_DAYS))
    assert pool_weights(["press", "filing"], [AS_OF, two_old], [None, None], AS_OF) == pytest.approx(
        [0.6 / 0.85, 0.25 / 0.85], rel=1e-12)


def test_an_explicit_weight_multiplies_the_kinds():
    # the shipped ByteDance pool: Reuters (unconfirmed, 0.3, x 2) of 2025-01-23 against Zheshang (analyst, 0.4)
    # of 2024-12-31, 23 days older: 0.6 against 0.4 x 2^(-23/365)
    weights = pool_weights(["unconfirmed", "analyst"], [dt.date(2025, 1, 23), dt.date(2024, 12, 31)], [2.0, None],
                           dt.date(2025, 5, 31))
    older = 0.4 * 2 ** (-23 / 365)
    assert weights == pytest.approx([0.6 / (0.6 + older), older / (0.6 + older)], rel=1e-12)
    assert weights[0] == pytest.approx(0.6104, abs=5e-5)


def test_only_the_gaps_between_dates_matter_and_a_later_figure_counts_as_new():
    dates = [dt.date(2025, 1, 1), dt.date(2024, 1, 1)]
    early = pool_weights(["press", "press"], dates, [None, None], dt.date(2025, 2, 1))
    late = pool_weights(["press", "press"], dates, [None, None], dt.date(2030, 2, 1))
    assert early == pytest.approx(late, rel=1e-12)
    # an as_of before the first figure: that one is not older than new, so both count as new, equally
    assert pool_weights(["press", "press"], dates, [None, None], dt.date(2023, 6, 1)) == pytest.approx([0.5, 0.5])


def test_weights_never_underflow_to_a_sum_of_zero():
    # a century apart and the smallest multiplier: 2^-100 x 0.001 is far below what a float holds beside 1 unscaled
    weights = pool_weights(["analyst-judgement", "analyst-judgement"], [dt.date(1995, 1, 1), dt.date(2095, 1, 1)],
                           [1e-300, 1e-300], dt.date(2095, 1, 1))
    assert math.fsum(weights) == pytest.approx(1.0) and all(math.isfinite(w) for w in weights)
    assert weights[1] == pytest.approx(1.0)


# -------------------------------------------------------------------------------------------- the quantile function
CASES = {
    "shipped ByteDance capex": (figure((150, (110, 190)), (160, (100, 200)), weights=(0.6104, 0.3896)), 1e-6, np.inf),
    "far apart, unequal widths": (figure((10, (9, 11)), (1000, (500, 3000)), weights=(0.3, 0.7)), 1e-6, np.inf),
    "three lopsided": (figure((5, (4.9, 9)), (7, (2, 7.5)), (6, None), weights=(0.5, 0.3, 0.2)), 1e-6, np.inf),
    "a range ending at its value": (figure((100, (100, 150)), (120, (90, 130))), 1e-6, np.inf),
    "rates (normal)": (figure((0.1, (0.05, 0.2)), (-0.05, None), confidence="medium"), -1.0, np.inf),
}


def _pool(case: str) -> Pool:
    assumption, low, high = CASES[case]
    return pool("x", assumption, low, high)


@pytest.mark.parametrize("case", CASES)
def test_the_mixtures_quantiles_match_a_root_finder(case):
    mixture = _pool(case)
    u = np.concatenate([np.logspace(-7, -1, 13), np.linspace(0.02, 0.98, 49), 1 - np.logspace(-7, -1, 13)])
    found = mixture.ppf(u)[:, 0]
    exact = np.array([exact_quantile(mixture, p) for p in u])
    if mixture.family == "lognormal":
        error = np.abs(found / exact - 1)  # relative to the value
    else:
        spread = min(c.upper[0] - c.lower[0] for c in mixture.components)
        error = np.abs(found - exact) / spread  # relative to the narrowest component's 90% width
    # where the CDF is flat to the last digit (u = 0.3 between components far apart: any value there has that
    # probability), values that far apart are equally right; there the CDF itself is checked
    close = error < POOL_TOLERANCE
    assert (close | (np.abs(mixture.cdf(found) - u) < 1e-13)).all(), f"{case}: {error.max():.2e}"
    assert (~close).sum() <= 1, f"{case}: {error.max():.2e}"


def test_two_equal_components_far_apart_have_their_quartiles_at_the_medians():
    # the mixture's CDF at the lower median is 0.5 x 0.5 + 0.5 x Phi(-big): its quartiles are the two medians, and
    # its 5th percentile is the lower component's 10th
    mixture = pool("x", figure((-100, (-101, -99)), (100, (99, 101)), confidence="low"), -math.inf, math.inf)
    lower, upper = mixture.ppf(np.array([0.25, 0.75]))[:, 0]
    assert lower == pytest.approx(-100, abs=1e-6) and upper == pytest.approx(100, abs=1e-6)
    sd = 1 / Z95
    assert mixture.ppf(np.array([0.05]))[0, 0] == pytest.approx(-100 + sd * norm.ppf(0.10), abs=1e-6)


def test_identical_candidates_pool_into_the_candidate():
    mixture = pool("x", figure((150, (110, 190)), (150, (110, 190)), weights=(0.3, 0.7)), 1e-300, math.inf)
    assert [mixture.lower[0], mixture.center[0], mixture.upper[0]] == pytest.approx([110, 150, 190], rel=1e-9)


def test_the_pools_value_is_its_median():
    # equal weights, mirror-image lognormal components around 100: the median is 100 exactly by symmetry in logs
    assumption = pooled(figure((50, (25, 100)), (200, (100, 400))), "capex.base", ["press", "press"], AS_OF)
    assert assumption.weights == pytest.approx((0.5, 0.5))
    assert assumption.value.scalar == pytest.approx(100, rel=1e-9)


def test_draws_through_the_quantile_follow_the_mixtures_cdf():
    mixture = _pool("far apart, unequal widths")
    u = np.random.default_rng(7).random(200_000)
    drawn = np.sort(mixture.ppf(u)[:, 0])
    grid = np.quantile(drawn, np.linspace(0.001, 0.999, 400))
    empirical = np.searchsorted(drawn, grid, side="right") / len(drawn)
    # Kolmogorov-Smirnov at the 1% level: sqrt(-ln(0.005) / 2) / sqrt(n)
    assert np.abs(empirical - mixture.cdf(grid)).max() < 1.628 / math.sqrt(len(drawn))
    # and the weights show: 30% of the draws come from the component near 10
    assert np.mean(drawn < 100) == pytest.approx(0.3, abs=0.005)


def test_the_score_map_reads_a_pool_as_its_quantile_function_does():
    mixture = _pool("shipped ByteDance capex")
    single = Distribution("y", "normal", np.array([0.1]), np.array([0.0]), np.array([0.3]), -1.0, np.inf,
                          explicit=True, series=False)
    dists = {"y": single, "x": mixture}
    u = np.random.default_rng(3).random((1000, 2))
    expected = values_at(dists, u)
    got = ScoreMap(dists)(ndtri(u.T.copy()))
    np.testing.assert_allclose(got["x"], expected["x"], rtol=1e-12)
    np.testing.assert_allclose(got["y"], expected["y"], rtol=1e-12)
    low32 = ScoreMap(dists, np.float32)(ndtri(u.T.copy()))["x"]
    np.testing.assert_allclose(low32, expected["x"], rtol=1e-6)


def test_pooled_draws_stay_finite_at_the_extremes():
    mixture = _pool("three lopsided")
    z = np.array([-40.0, -9.0, 0.0, 9.0, 40.0, -np.inf, np.inf])
    values = mixture.from_scores(z)
    assert np.isfinite(values).all() and (np.diff(values) >= 0).all() is not None
    assert np.all(np.diff(values[:5]) >= 0)
    assert ndtr(0.0) == 0.5 and mixture.from_scores(np.array([0.0]))[0] == pytest.approx(mixture.center[0])


def test_the_pools_normal_cdf_and_quantile_agree_with_scipys():
    from scipy.special import ndtr, ndtri

    from model.core.uncertainty import _ndtr, _ndtri

    z = np.array([-np.inf, -30.0, -9.0, -1.6448536269514722, 0.0, 0.3, 9.0, 30.0, np.inf])
    np.testing.assert_allclose(_ndtr(z), ndtr(z), rtol=1e-12, atol=0)
    p = np.array([0.0, 1e-300, 1e-19, 0.05, 0.5, 0.95, 1 - 1e-16, 1.0])
    np.testing.assert_allclose(_ndtri(p), ndtri(p), rtol=1e-13)
