"""Given-data first-order sensitivity indices: each assumption's share of an output's variance, Var(E[Y | X_i]) / Var(Y),
estimated from the draws a Monte Carlo run already makes, by binning each assumption, chunk by chunk.

The estimator is the correlation ratio of a one-way analysis of variance over B equal-probability bins of each
assumption (the "given data" or binning estimator of Plischke, Borgonovo and Smith, "Global sensitivity measures
from given data", EJOR 226 (2013), and Li and Mahadevan's binning). Per output cell it needs only each bin's count
and sum and the cell's mean and sum of squared deviations, so chunks are summarised on their own and merged in
order: memory is assumptions x bins x cells, whatever the number of draws. The bias that noise in the bins' means
adds to the between-bin variance, (B - 1) times the within-bin mean square, is taken off (Kelley's epsilon squared):

    S_i = (SS_between - (B - 1) SS_within / (N - B)) / SS_total,   clipped to [0, 1].

With equal-probability bins the correction holds also when the spread within bins differs from bin to bin. Binning
coarsens E[Y | X_i] and so underestimates S_i a little (a share of about h^2 / 12 of the effect's curvature for
bins of width h); `bin_count` balances that against the noise as N grows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# Below this many draws the indices are not shown. At 10,000 draws and their 22 bins, an index of 1/4 on a sum of
# four normal scores comes out at 0.246 on average with a standard deviation of 0.007 (200 replications); on a
# lognormal output (exp of that sum / 2, index 0.165) at 0.157 with 0.010, its wide last bins losing more of the
# tail (tests/core/test_first_order.py checks both cases).
MIN_DRAWS = 10_000
# The most bins an assumption is cut into (the heuristic's cap; a bin's index then fits a byte).
MAX_BINS = 48


def bin_count(draws: int) -> int:
    """Bins per assumption for a run of `draws` draws: Plischke, Borgonovo and Smith's (2013) heuristic, as SALib's
    given-data estimators use it, ceil(N^(2 / (7 + tanh((1500 - N) / 500)))) capped at MAX_BINS: about N^(1/3)
    for large N (22 bins at 10,000 draws, 47 at 100,000), fewer for small runs; at least 2."""
    if draws < 1:
        raise ValueError(f"draws must be at least 1, not {draws}")
    exponent = 2 / (7 + math.tanh((1500 - draws) / 500))
    return int(max(2, min(MAX_BINS, math.ceil(draws**exponent))))


def check_bins(bins: int) -> None:
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or not 2 <= bins <= MAX_BINS:
        raise ValueError(f"bins must be a whole number from 2 to {MAX_BINS}, not {bins!r}")


def bins_of_scores(scores: np.ndarray, bins: int) -> np.ndarray:
    """(d, n) uint8: the bin of each standard normal score of `scores` (d, n) (each assumption's marginal is
    N(0, 1), coupled by a copula or not) among `bins` bins of equal probability."""
    from scipy.special import ndtr

    check_bins(bins)
    # the normal CDF and a floor: three times faster than a search among the bins' edges
    return np.minimum(ndtr(scores) * bins, bins - 1).astype(np.uint8)


def bins_of_uniforms(u: np.ndarray, bins: int) -> np.ndarray:
    """(d, n) uint8: the bin of each uniform draw of `u` (n, d) in (0, 1), `bins` bins of equal width."""
    check_bins(bins)
    u = np.asarray(u, dtype=float)
    if u.ndim != 2 or not np.all((u >= 0) & (u <= 1)):
        raise ValueError("u must be (n, d) with every draw in [0, 1]")
    return np.minimum((u.T * bins).astype(np.intp), bins - 1).astype(np.uint8)


def bins_of_draws(u: np.ndarray, scores: np.ndarray, coupled: np.ndarray, bins: int) -> np.ndarray:
    """(d, n) uint8: each assumption's bin among `bins` of equal probability, from its uniform draw `u` (n, d)
    where no copula couples it (eight times faster than the normal CDF of its score, and the same bin), and from its
    coupled normal score `scores` (d, n) for the assumptions `coupled` (indices)."""
    check_bins(bins)
    found = np.minimum(u.T * bins, bins - 1).astype(np.uint8)
    if len(coupled):
        found[coupled] = bins_of_scores(scores[coupled], bins)
    return found


@dataclass(frozen=True)
class BinnedSums:
    """What the indices need of some draws: d assumptions, B bins, R output cells."""

    draws: int
    counts: np.ndarray  # (d, B) int64: draws in each bin
    sums: np.ndarray  # (d, B, R) float64: the outputs' sum in each bin
    mean: np.ndarray  # (R,) the outputs' mean
    squares: np.ndarray  # (R,) the outputs' sum of squared deviations from their mean


def binned_sums(bins: np.ndarray, outputs: np.ndarray, n_bins: int) -> BinnedSums:
    """The sums of draws whose assumptions fall in `bins` (d, n) (from `bins_of_scores` or `bins_of_uniforms`)
    and whose outputs are `outputs` (R, n), draws last, for `n_bins` bins."""
    from scipy import sparse

    check_bins(n_bins)
    d, n = bins.shape
    outputs = np.asarray(outputs)
    if outputs.ndim != 2 or outputs.shape[1] != n:
        raise ValueError(f"outputs must be (R, {n}), draws last, not {outputs.shape}")
    if n == 0:
        raise ValueError("binned sums need at least one draw")
    # one sparse matrix (d * B, n) with a 1 where draw k falls in bin b of assumption j: its product with the
    # outputs is every bin's sum in one pass over the draws (as many multiply-adds as d x n x R); built column by
    # column (a draw's d bins), which needs no sorting
    rows = (np.arange(d, dtype=np.int32)[:, None] * n_bins + bins).T.ravel()
    membership = sparse.csc_matrix((np.ones(d * n), rows, np.arange(0, d * n + 1, d)), shape=(d * n_bins, n))
    values = np.ascontiguousarray(outputs.T, dtype=np.float64)  # (n, R)
    sums = np.asarray(membership @ values).reshape(d, n_bins, -1)
    counts = np.bincount(rows, minlength=d * n_bins).reshape(d, n_bins).astype(np.int64)
    mean = values.mean(axis=0)
    squares = ((values - mean) ** 2).sum(axis=0)
    return BinnedSums(n, counts, sums, mean, squares)


def merged(a: BinnedSums, b: BinnedSums) -> BinnedSums:
    """The sums of the draws of `a` and `b` together; the mean and squared deviations by Chan, Golub and LeVeque's
    pairwise update, which keeps its precision where the spread is small beside the mean."""
    if a.counts.shape != b.counts.shape or a.sums.shape != b.sums.shape:
        raise ValueError("binned sums of different shapes cannot be merged")
    draws = a.draws + b.draws
    delta = b.mean - a.mean
    return BinnedSums(draws, a.counts + b.counts, a.sums + b.sums, a.mean + delta * (b.draws / draws),
                      a.squares + b.squares + delta**2 * (a.draws * b.draws / draws))


# A cell whose standard deviation is below this share of its mean (float32 draws round at about 6e-8) does not vary:
# no assumption moves it, and each index is 0 rather than rounding noise divided by rounding noise.
CONSTANT = 1e-6


def first_order(sums: BinnedSums) -> np.ndarray:
    """(d, R): each assumption's first-order index on each output cell (see the module's docstring), in [0, 1]; 0
    for a cell that does not vary."""
    counts = sums.counts[:, :, None].astype(float)  # (d, B, 1)
    occupied = counts > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        bin_means = np.where(occupied, sums.sums / counts, 0.0)
    between = (counts * (bin_means - sums.mean) ** 2 * occupied).sum(axis=1)  # (d, R)
    used = occupied.sum(axis=1)  # (d, 1): bins holding a draw
    total = sums.squares  # (R,)
    within = np.maximum(total - between, 0.0)
    degrees = np.maximum(sums.draws - used, 1)
    varies = total > (CONSTANT * np.abs(sums.mean)) ** 2 * sums.draws
    with np.errstate(divide="ignore", invalid="ignore"):
        index = (between - (used - 1) * within / degrees) / total
    return np.where(varies, np.clip(np.nan_to_num(index, nan=0.0), 0.0, 1.0), 0.0)


def first_order_indices(u: np.ndarray, y: np.ndarray, *, bins: int | None = None) -> np.ndarray:
    """First-order indices (d, ...) of outputs `y` (n, ...) given the uniform draws `u` (n, d) of d independent or
    dependent inputs that made them, with `bins` bins per input (default `bin_count(n)`)."""
    u, y = np.asarray(u, dtype=float), np.asarray(y, dtype=float)
    if y.shape[:1] != u.shape[:1]:
        raise ValueError(f"y must have one row per draw of u ({u.shape[0]}), not {y.shape[0]}")
    if not np.isfinite(y).all():
        raise ValueError("y holds a NaN or an infinity")
    n = u.shape[0]
    bins = bin_count(n) if bins is None else bins
    flat = y.reshape(n, -1).T  # (R, n)
    return first_order(binned_sums(bins_of_uniforms(u, bins), flat, bins)).reshape(u.shape[1], *y.shape[1:])


@dataclass(frozen=True)
class FirstOrder:
    """First-order indices of a Monte Carlo run: for each metric, (d, C, H) over the assumptions `keys` (in the
    sampler's column order), companies C and horizon years H."""

    keys: tuple[str, ...]
    bins: int
    indices: dict[str, np.ndarray]
