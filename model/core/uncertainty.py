"""Assumptions as distributions, and the samplers whose uniform draws those distributions map into values.

One code path serves Monte Carlo, tornado and Sobol: uniform numbers in (0, 1), from a sampler or chosen by hand
(0.05 and 0.95 for a tornado), go through `Distribution.ppf`, the inverse CDF.
"""

from __future__ import annotations

import hashlib
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from model.catalogue import SAMPLERS, parameter_of
from model.core.correlation import gaussian_copula_matrix
from model.domain import FX_PREFIX, Inputs, ResolvedAssumption
from model.errors import UsageError

# A 90% interval spans this many standard deviations either side of the median: scipy.special.ndtri(0.95), written
# out because scipy takes longer to import than a deterministic run takes to model (tests check the two agree).
Z95 = 1.6448536269514722


@dataclass(frozen=True)
class Width:
    """Half-width of the default 90% interval: `relative` for positive levels (the interval runs from
    value / (1 + relative) to value x (1 + relative)), `absolute` for rates and shares (value +/- absolute)."""

    relative: float
    absolute: float


# The one place that says how uncertain a confidence level is, where an assumption gives no explicit range.
DEFAULT_WIDTHS: dict[str, Width] = {
    "high": Width(relative=0.10, absolute=0.02),
    "medium": Width(relative=0.25, absolute=0.05),
    "low": Width(relative=0.50, absolute=0.10),
}


@dataclass(frozen=True)
class Distribution:
    """An assumption's distribution: median `center` with 5th and 95th percentiles `lower` and `upper`.

    Each side of the median has its own spread (a two-piece normal or lognormal), so a lopsided range such as
    "more than 380bn" keeps the value as its median. Arrays are (K,): one entry for a single value, one per
    given year for a series, whose years all move together (one uniform number per draw). Draws are clipped to
    the parameter's valid interval [`low`, `high`].
    """

    key: str
    family: str  # "lognormal" for positive levels, "normal" for rates and shares
    center: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    low: float
    high: float
    explicit: bool  # the 90% interval comes from the assumption's range, not from its confidence
    series: bool  # given as {year: value}

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Values (D, K) at cumulative probabilities u (D,)."""
        from scipy.special import ndtri  # only what draws or reads percentiles pays for scipy's import

        z = ndtri(np.asarray(u, dtype=float))[:, None]
        if self.family == "lognormal":
            below, above = np.log(self.center / self.lower), np.log(self.upper / self.center)
            values = self.center * np.exp(z * np.where(z < 0, below, above) / Z95)
        else:
            below, above = self.center - self.lower, self.upper - self.center
            values = self.center + z * np.where(z < 0, below, above) / Z95
        return np.clip(values, self.low, self.high)


def _valid_interval(item: ResolvedAssumption) -> tuple[float, float]:
    if item.parameter == FX_PREFIX:
        return math.nextafter(0.0, 1.0), math.inf
    parameter = parameter_of(item.parameter)
    assert parameter is not None, f"{item.key} is not catalogued"
    low = parameter.lower if parameter.lower_inclusive else math.nextafter(parameter.lower, math.inf)
    return low, parameter.upper


def distribution(item: ResolvedAssumption, widths: dict[str, Width] = DEFAULT_WIDTHS) -> Distribution:
    """The distribution of one resolved assumption: its explicit range, else the width of its confidence."""
    value = item.assumption.value
    center = np.array(value.values, dtype=float)
    low, high = _valid_interval(item)
    family = "lognormal" if low > 0 else "normal"
    if item.assumption.range is not None:
        lower, upper = (np.array([bound]) for bound in item.assumption.range)
    else:
        width = widths[item.assumption.confidence]
        if family == "lognormal":
            lower, upper = center / (1 + width.relative), center * (1 + width.relative)
        else:
            lower, upper = center - width.absolute, center + width.absolute
    return Distribution(item.key, family, center, lower, upper, low, high,
                        explicit=item.assumption.range is not None, series=value.is_series)


def distributions(inputs: Inputs, widths: dict[str, Width] = DEFAULT_WIDTHS) -> dict[str, Distribution]:
    """Every assumption of a resolved scenario as a distribution, keyed like `inputs.resolved`."""
    return {key: distribution(item, widths) for key, item in inputs.resolved.items()}


def values_at(dists: dict[str, Distribution], u: np.ndarray) -> dict[str, np.ndarray]:
    """Assumption values for uniform draws u (D, len(dists)), columns in the order of `dists`, shaped for
    `parameters.engine_inputs`: (D,) for a single value, (D, K) for a series."""
    values = {}
    for column, (key, dist) in enumerate(dists.items()):
        drawn = dist.ppf(u[:, column])
        values[key] = drawn if dist.series else drawn[:, 0]
    return values


class ScoreMap:
    """Assumption values at standard normal scores, as `values_at` gives them at the uniforms whose scores they
    are: the arithmetic of `Distribution.ppf` over every distribution at once, its per-value constants worked out
    once for a run that maps many chunks.

    Called with scores z (len(dists), D), draws last, it gives each value as (D,) or (D, K), a view of one
    draws-last array in `dtype`: in float64 the numbers of `values_at` to the last bit or two (the 90% half-widths
    are divided by Z95 once, not per draw); in float32 rounded once more, and clipped to the valid interval
    rounded inwards.
    """

    def __init__(self, dists: dict[str, Distribution], dtype: np.dtype | type = np.float64):
        self.dtype = np.dtype(dtype)
        # lognormal values first, so that each family's arithmetic runs on one block of rows
        order = sorted(dists, key=lambda key: dists[key].family != "lognormal")
        sizes = [dists[key].center.size for key in order]
        bounds = np.cumsum([0, *sizes]).tolist()
        self.lognormal_rows = sum(size for key, size in zip(order, sizes, strict=True)
                                  if dists[key].family == "lognormal")
        self.columns = np.repeat([list(dists).index(key) for key in order], sizes)
        below, above, center, low, high = (np.empty((bounds[-1], 1), self.dtype) for _ in range(5))
        for key, start, stop in zip(order, bounds[:-1], bounds[1:], strict=True):
            dist = dists[key]
            if dist.family == "lognormal":
                below[start:stop, 0] = np.log(dist.center / dist.lower)
                above[start:stop, 0] = np.log(dist.upper / dist.center)
            else:
                below[start:stop, 0], above[start:stop, 0] = dist.center - dist.lower, dist.upper - dist.center
            center[start:stop, 0] = dist.center
            low[start:stop], high[start:stop] = _inwards(dist.low, dist.high, self.dtype)
        below /= Z95
        above /= Z95
        self.below, self.above, self.center, self.low, self.high = below, above, center, low, high
        self.rows = {key: slice(start, stop) if dists[key].series else start
                     for key, start, stop in zip(order, bounds[:-1], bounds[1:], strict=True)}

    def __call__(self, z: np.ndarray) -> dict[str, np.ndarray]:
        scores = z.astype(self.dtype, copy=False)[self.columns]  # (M, D): each value's row of scores
        values = np.where(scores < 0, self.below, self.above)  # half-widths per standard deviation
        values *= scores
        split = self.lognormal_rows
        np.exp(values[:split], out=values[:split])
        values[:split] *= self.center[:split]
        values[split:] += self.center[split:]
        np.clip(values, self.low, self.high, out=values)
        return {key: values[row].T if isinstance(row, slice) else values[row] for key, row in self.rows.items()}


def _inwards(low: float, high: float, dtype: np.dtype) -> tuple[float, float]:
    """[low, high] in `dtype`, rounded inwards so that a clipped value stays valid (a growth rate above -1 must not
    round to -1)."""
    low_cast, high_cast = dtype.type(low), dtype.type(high)
    if low_cast < low:
        low_cast = np.nextafter(low_cast, dtype.type(np.inf))
    if high_cast > high:
        high_cast = np.nextafter(high_cast, dtype.type(-np.inf))
    return low_cast, high_cast


# ---------------------------------------------------------------------------------------------------------- seeds
def resolve_seed(rng: np.random.Generator | int | None) -> int:
    """The integer seed a run records: `rng` itself, one drawn from a Generator, or fresh entropy for None."""
    if isinstance(rng, np.random.Generator):
        return int(rng.integers(2**63))
    if rng is None:
        return int(np.random.SeedSequence().entropy % 2**63)
    if isinstance(rng, bool) or not isinstance(rng, (int, np.integer)) or rng < 0:
        raise UsageError(f"a seed is a non-negative whole number, not {rng!r}")
    return int(rng)


def key_stream(seed: int, key: str) -> np.random.Generator:
    """A generator that depends only on the seed and the assumption's key."""
    digest = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "little")
    return np.random.default_rng([seed, digest])


# ------------------------------------------------------------------------------------------------------- samplers
class UniformStream:
    """Uniform draws in (0, 1) for a list of assumption keys, delivered in chunks.

    `sobol` is a scrambled Sobol' sequence over all keys together (its draws depend on the set of keys, in the
    order given); `lhs` and `random` give each key its own stream that depends only on the seed and the key, so
    adding an unrelated assumption leaves the others' draws unchanged. Each chunk of `lhs` is itself a Latin
    hypercube (a run of several chunks is stratified chunk by chunk). `correlation`, a (d, d) Gaussian-copula
    matrix over the keys, couples the columns while keeping each column uniform.
    """

    def __init__(self, keys: Sequence[str], *, sampler: str, seed: int, correlation: np.ndarray | None = None):
        if sampler not in SAMPLERS:
            raise UsageError(f"unknown sampler '{sampler}'; valid: {', '.join(SAMPLERS)}")
        self.keys = list(keys)
        self.sampler = sampler
        self.correlated = correlation is not None
        if correlation is not None:
            # only the correlated keys mix: the Cholesky factor is the identity elsewhere, and its block over them
            # is the factor of their block (so a run of many companies need not factor a matrix over every key)
            linked = correlation != np.diag(np.diag(correlation))
            self._coupled = np.flatnonzero(linked.any(axis=0) | linked.any(axis=1))
            self._coupling = np.linalg.cholesky(correlation[np.ix_(self._coupled, self._coupled)])
        if sampler == "sobol":
            from scipy.stats import qmc  # the slowest import of a run: only a run that samples pays for it

            self._sobol = qmc.Sobol(d=len(self.keys), scramble=True, seed=seed)
        else:
            self._streams = [key_stream(seed, key) for key in self.keys]

    def next(self, n: int) -> np.ndarray:
        """The next n draws, (n, d)."""
        u = self.draw(n)
        if self.correlated:
            from scipy.special import ndtr

            u = ndtr(self.scores(u).T)
        return u

    def draw(self, n: int) -> np.ndarray:
        """The next n draws before the copula couples them, (n, d): the only step that advances the stream."""
        if self.sampler == "sobol":
            with warnings.catch_warnings():
                # scipy warns when n is not a power of two: balance is a little weaker then, never wrong
                warnings.simplefilter("ignore", category=UserWarning)
                return self._sobol.random(n)
        if self.sampler == "lhs":
            return np.column_stack([(s.permutation(n) + s.random(n)) / n for s in self._streams])
        return np.column_stack([s.random(n) for s in self._streams])

    def scores(self, u: np.ndarray) -> np.ndarray:
        """Standard normal scores (d, n), draws last, of draws u (n, d) from `draw`, coupled by the copula: the
        scores of `next`'s uniforms, without the round trip through the normal CDF. Pure, so any thread may run it.
        """
        from scipy.special import ndtri

        z = ndtri(u.T.copy())
        if self.correlated:
            z[self._coupled] = self._coupling @ z[self._coupled]
        return z


def copula_matrix(inputs: Inputs, keys: Sequence[str]) -> tuple[np.ndarray | None, list[str]]:
    """The scenario's rank correlations as a Gaussian-copula matrix over `keys` (None when there are none), and
    a note for each pair that had to change to make the matrix valid."""
    pairs = {(a, b): rho for (a, b), rho in inputs.scenario.correlations.items()}
    if not pairs:
        return None, []
    return gaussian_copula_matrix(keys, pairs)
