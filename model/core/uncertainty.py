"""Assumptions as distributions (several sources' figures pooled into a mixture), and the samplers whose uniform
draws those distributions map into values.

One code path serves Monte Carlo, tornado and Sobol: uniform numbers in (0, 1), from a sampler or chosen by hand
(0.05 and 0.95 for a tornado), go through `Distribution.ppf` (or `Pool.ppf`), the inverse CDF.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from statistics import NormalDist

import numpy as np

from model.catalogue import SAMPLERS, parameter_of
from model.core.correlation import gaussian_copula_matrix
from model.domain import FX_PREFIX, Assumption, Candidate, Inputs, ResolvedAssumption, Value
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

# The one place that says how much a pooled assumption's candidate figure counts against the others: a weight by its
# source's kind (a filing states what happened; a company's statement what it says it will do; the press reports
# either, on the record; an analyst estimates from outside; an unconfirmed report rests on unnamed people; the team's
# own judgement is the least of evidence), halved for each HALF_LIFE_DAYS of the figure's age at the scenario's
# as_of, times the candidate's explicit `weight` if it gives one; the weights are then scaled to sum to 1. A figure
# dated after the as_of (which the loader flags) counts as new. The decay is exponential, so only the gaps between
# the candidates' dates matter: every scenario whose as_of follows them all gives the same weights.
SOURCE_WEIGHTS: dict[str, float] = {
    "filing": 1.0,
    "company-statement": 0.8,
    "press": 0.6,
    "analyst": 0.4,
    "unconfirmed": 0.3,
    "analyst-judgement": 0.2,
}
HALF_LIFE_DAYS = 365.0


def pool_weights(kinds: Sequence[str], dates: Sequence[dt.date], explicit: Sequence[float | None],
                 as_of: dt.date) -> tuple[float, ...]:
    """The normalised weights (N,) of N candidates, by their sources' `kinds` (keys of SOURCE_WEIGHTS), their
    `dates` against `as_of` and their `explicit` multipliers (None for none), summing to 1."""
    ages = np.array([max(0, (as_of - date).days) for date in dates], dtype=float)
    # in logarithms, so that very old figures or tiny multipliers cannot all underflow to a sum of zero
    logs = (np.log([SOURCE_WEIGHTS[kind] for kind in kinds]) + np.log([1.0 if w is None else w for w in explicit])
            - ages * math.log(2) / HALF_LIFE_DAYS)
    weights = np.exp(logs - logs.max())
    return tuple(float(w) for w in weights / weights.sum())


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
    interval = valid_interval(item.parameter)
    assert interval is not None, f"{item.key} is not catalogued"
    return interval


def valid_interval(parameter: str) -> tuple[float, float] | None:
    """The values a parameter (capex.base, market.cloud.total_base, fx) may take, or None for one not catalogued."""
    if parameter == FX_PREFIX:
        return math.nextafter(0.0, 1.0), math.inf
    found = parameter_of(parameter)
    if found is None:
        return None
    low = found.lower if found.lower_inclusive else math.nextafter(found.lower, math.inf)
    return low, found.upper


def pooled(assumption: Assumption, parameter: str, kinds: Sequence[str], as_of: dt.date,
           widths: dict[str, Width] = DEFAULT_WIDTHS) -> Assumption:
    """A pooled assumption with its weights worked out against `as_of` (its candidates' sources of `kinds`) and its
    value the pool's median; a parameter that is not catalogued (an error its file reports) pools unclipped."""
    weights = pool_weights(kinds, [c.as_of for c in assumption.candidates],
                           [c.weight for c in assumption.candidates], as_of)
    weighed = replace(assumption, weights=weights)
    low, high = valid_interval(parameter) or (-math.inf, math.inf)
    figures = [x for c in assumption.candidates for x in (c.value, *(c.range or ()))]
    if not all(low <= x <= high and (low <= 0 or x > 0) for x in figures):
        # a figure the parameter cannot take is an error the loader reports at that candidate, and the inputs do not
        # load; the weighted mean only stands in for the median meanwhile, so that the other checks can run
        return replace(weighed, value=Value.of(float(np.dot(weights, [c.value for c in assumption.candidates]))))
    components = [candidate_distribution(parameter, c, low, high, widths) for c in assumption.candidates]
    median = _median(components, weights)  # without scipy, whose import a command that only loads need not pay
    value = math.exp(median) if low > 0 else median
    return replace(weighed, value=Value.of(min(max(value, low), high)))


def _median(components: Sequence[Distribution], weights: Sequence[float]) -> float:
    """The mixture's median, in log-values for lognormal components: the least t with CDF(t) >= 1/2, by bisection
    to the last float (where half the mass sits on one value, that value)."""
    def cdf(t: float) -> float:
        scores = (float(_component_scores(c, np.array(t))) for c in components)
        return math.fsum(w * 0.5 * math.erfc(-z / math.sqrt(2)) for w, z in zip(weights, scores, strict=True))

    spans = [_centre_and_scales(c) for c in components]
    low = min(median - POOL_SPAN * below for median, below, _ in spans)
    high = max(median + POOL_SPAN * above for median, _, above in spans)
    while cdf(low) >= 0.5:  # (no component holds half the weight below POOL_SPAN standard deviations: never)
        low -= high - low
    while True:
        middle = (low + high) / 2
        if not low < middle < high:
            return high
        low, high = (low, middle) if cdf(middle) >= 0.5 else (middle, high)


def _spread(center: np.ndarray, bounds: tuple[float, float] | None, confidence: str, family: str,
            widths: dict[str, Width]) -> tuple[np.ndarray, np.ndarray]:
    """The 5th and 95th percentiles: the explicit range, else the width of the confidence."""
    if bounds is not None:
        return np.array([bounds[0]]), np.array([bounds[1]])
    width = widths[confidence]
    if family == "lognormal":
        return center / (1 + width.relative), center * (1 + width.relative)
    return center - width.absolute, center + width.absolute


def distribution(item: ResolvedAssumption, widths: dict[str, Width] = DEFAULT_WIDTHS) -> Distribution | Pool:
    """The distribution of one resolved assumption: its explicit range, else the width of its confidence; for a
    pooled assumption, the mixture of its candidates' distributions (each made so) under its weights."""
    low, high = _valid_interval(item)
    family = "lognormal" if low > 0 else "normal"
    if item.assumption.pooled:
        return pool(item.key, item.assumption, low, high, widths)
    value = item.assumption.value
    center = np.array(value.values, dtype=float)
    lower, upper = _spread(center, item.assumption.range, item.assumption.confidence, family, widths)
    return Distribution(item.key, family, center, lower, upper, low, high,
                        explicit=item.assumption.range is not None, series=value.is_series)


def candidate_distribution(key: str, candidate: Candidate, low: float, high: float,
                           widths: dict[str, Width] = DEFAULT_WIDTHS) -> Distribution:
    """One candidate's component of a pool: its explicit range, else the width of its confidence, as a figure's."""
    family = "lognormal" if low > 0 else "normal"
    center = np.array([candidate.value])
    lower, upper = _spread(center, candidate.range, candidate.confidence, family, widths)
    return Distribution(key, family, center, lower, upper, low, high, explicit=candidate.range is not None,
                        series=False)


def distributions(inputs: Inputs, widths: dict[str, Width] = DEFAULT_WIDTHS) -> dict[str, Distribution | Pool]:
    """Every assumption of a resolved scenario as a distribution, keyed like `inputs.resolved`."""
    return {key: distribution(item, widths) for key, item in inputs.resolved.items()}


# ------------------------------------------------------------------------------------------------------- pooling
# A pool's quantile function is read off a table of the mixture's CDF by straight lines: each component gives nodes at
# POOL_NODES standard scores evenly spread over +/- POOL_SPAN (its median, where the mixture's CDF has a kink, among
# them), POOL_NODES more spread evenly from the lowest to the highest, and the mixture's score Phi^-1(F) is worked
# out exactly at every node. Between two nodes the quantile lies
# between them, and the straight line is within POOL_TOLERANCE of it (relative to the value for a lognormal pool, to
# the component's spread for a normal one); tests check the bound against a root-finder on the mixture's CDF.
POOL_NODES = 2001
POOL_SPAN = 9.0  # standard scores: beyond Phi(-9) = 1e-19, no sampler's uniform reaches
POOL_TOLERANCE = 1e-5


@dataclass(frozen=True, eq=False)
class Pool:
    """A pooled assumption's distribution: the mixture of its candidates' `components` under `weights` (N,), a
    linear opinion pool. `center`, `lower` and `upper` (1,) are its median and its 5th and 95th percentiles; draws
    are clipped to [`low`, `high`] as a single figure's are. Always a single value (candidates take no series)."""

    key: str
    family: str
    components: tuple[Distribution, ...]
    weights: np.ndarray  # (N,)
    low: float
    high: float
    scores: np.ndarray = field(repr=False)  # (M,) the mixture's standard score at each node, strictly increasing
    nodes: np.ndarray = field(repr=False)  # (M,) log-values (lognormal) or values (normal) at those scores
    center: np.ndarray = field(init=False)
    lower: np.ndarray = field(init=False)
    upper: np.ndarray = field(init=False)
    explicit = False
    series = False

    def __post_init__(self) -> None:
        lower, center, upper = self.from_scores(np.array([-Z95, 0.0, Z95]))
        for name, number in (("lower", lower), ("center", center), ("upper", upper)):
            object.__setattr__(self, name, np.array([number]))

    def from_scores(self, z: np.ndarray) -> np.ndarray:
        """Values (D,) at standard normal scores z (D,): the mixture's quantiles at Phi(z), clipped."""
        t = np.interp(np.asarray(z, dtype=float), self.scores, self.nodes)
        values = np.exp(t) if self.family == "lognormal" else t
        return np.clip(values, self.low, self.high)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Values (D, 1) at cumulative probabilities u (D,), as `Distribution.ppf` gives them."""
        from scipy.special import ndtri

        return self.from_scores(ndtri(np.asarray(u, dtype=float)))[:, None]

    def cdf(self, x: np.ndarray) -> np.ndarray:
        """The mixture's CDF (before clipping) at values x (...,): sum_i w_i F_i(x)."""
        from scipy.special import ndtr

        t = np.asarray(x, dtype=float)
        if self.family == "lognormal":
            with np.errstate(divide="ignore"):
                t = np.log(t)
        return sum(w * ndtr(_component_scores(c, t)) for w, c in zip(self.weights, self.components, strict=True))


def _centre_and_scales(dist: Distribution) -> tuple[float, float, float]:
    """A component's median and its two standard deviations, in log-values for a lognormal one."""
    center, lower, upper = float(dist.center[0]), float(dist.lower[0]), float(dist.upper[0])
    if dist.family == "lognormal":
        return math.log(center), math.log(center / lower) / Z95, math.log(upper / center) / Z95
    return center, (center - lower) / Z95, (upper - center) / Z95


def _component_scores(dist: Distribution, t: np.ndarray) -> np.ndarray:
    """A component's standard scores at log-values (or values) t: each side of its median with its own spread; a
    side of zero spread (a range that ends at the value) is a step."""
    median, below, above = _centre_and_scales(dist)
    spread = np.where(t < median, below, above)
    # at the median, half the mass lies at or below it; all of it when the upper side has no spread
    at_median = 0.0 if above > 0 else np.inf
    with np.errstate(divide="ignore", invalid="ignore"):
        scores = (t - median) / spread
        return np.where(t == median, at_median, np.where(spread > 0, scores, np.sign(t - median) * np.inf))


# The normal CDF and its inverse for building a pool's table, from the standard library: a deterministic run builds
# the pools of its register (the report's and the workbook's percentiles), and scipy.special's import (a quarter of
# a second) is more than the rest of its modelling. erfc keeps the tails' digits; NormalDist.inv_cdf is Wichura's
# AS241, good to about 1e-16; the table's thousands of nodes take milliseconds.
_erfc = np.frompyfunc(math.erfc, 1, 1)
_inverse_normal = np.frompyfunc(NormalDist().inv_cdf, 1, 1)


def _ndtr(z: np.ndarray) -> np.ndarray:
    """The standard normal CDF at z, elementwise."""
    return (0.5 * _erfc(-np.asarray(z, dtype=float) / math.sqrt(2))).astype(float)


def _ndtri(p: np.ndarray) -> np.ndarray:
    """The standard normal quantile at probabilities p in [0, 1], elementwise: -inf at 0, inf at 1."""
    p = np.asarray(p, dtype=float)
    inside = (p > 0) & (p < 1)
    scores = np.where(p <= 0, -np.inf, np.inf)
    scores[inside] = _inverse_normal(p[inside]).astype(float)
    return scores


def pool(key: str, assumption: Assumption, low: float, high: float,
         widths: dict[str, Width] = DEFAULT_WIDTHS) -> Pool:
    """The linear opinion pool of a pooled assumption's candidates, under its normalised weights."""
    ndtr, ndtri = _ndtr, _ndtri

    components = tuple(candidate_distribution(key, c, low, high, widths) for c in assumption.candidates)
    weights = np.array(assumption.weights, dtype=float)
    assert len(weights) == len(components), f"{key}: {len(weights)} weights for {len(components)} candidates"
    grid = np.linspace(-POOL_SPAN, POOL_SPAN, POOL_NODES)
    nodes = []
    for component in components:
        median, below, above = _centre_and_scales(component)
        # the floats either side of the median too, where a side of no spread puts half the mass at once
        nodes.append(np.concatenate([median + grid * np.where(grid < 0, below, above),
                                     np.nextafter(median, [-np.inf, np.inf])]))
    # and nodes spread evenly over the whole span, for the stretches between components far apart, where the
    # mixture's quantile climbs steeply through little probability
    span = np.concatenate(nodes)
    # and the median itself, so that the pool's median is the value `pooled` gives the assumption, to the last bit
    median = _median(components, weights)
    t = np.unique(np.concatenate([span, np.linspace(span.min(), span.max(), POOL_NODES), [median]]))
    cdf = np.zeros_like(t)
    survival = np.zeros_like(t)
    for weight, component in zip(weights, components, strict=True):
        z = _component_scores(component, t)
        cdf += weight * ndtr(z)
        survival += weight * ndtr(-z)
    # the upper tail from the survival function, which keeps its digits where the CDF rounds to 1
    with np.errstate(divide="ignore"):
        scores = np.where(cdf < 0.5, ndtri(cdf), -ndtri(survival))
    scores[t == median] = 0.0
    finite = np.isfinite(scores)
    t, scores = t[finite], scores[finite]
    # a flat stretch (between components far apart) gives equal scores: keep the first node of each
    rising = np.concatenate([[True], scores[1:] > np.maximum.accumulate(scores)[:-1]])
    family = "lognormal" if low > 0 else "normal"
    return Pool(key, family, components, weights, low, high, scores[rising], t[rising])


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
    rounded inwards. A pool's row is read off its table (`Pool.from_scores`) in float64, then rounded.
    """

    def __init__(self, dists: dict[str, Distribution | Pool], dtype: np.dtype | type = np.float64):
        self.dtype = np.dtype(dtype)
        # lognormal values first, so that each family's arithmetic runs on one block of rows; pools last
        order = sorted(dists, key=lambda key: (isinstance(dists[key], Pool), dists[key].family != "lognormal"))
        sizes = [dists[key].center.size for key in order]
        bounds = np.cumsum([0, *sizes]).tolist()
        self.lognormal_rows = sum(size for key, size in zip(order, sizes, strict=True)
                                  if dists[key].family == "lognormal" and not isinstance(dists[key], Pool))
        self.pools = [(start, list(dists).index(key), dists[key]) for key, start in zip(order, bounds, strict=False)
                      if isinstance(dists[key], Pool)]
        self.plain_rows = self.pools[0][0] if self.pools else bounds[-1]
        self.columns = np.repeat([list(dists).index(key) for key in order], sizes)
        below, above, center, low, high = (np.zeros((bounds[-1], 1), self.dtype) for _ in range(5))
        for key, start, stop in zip(order, bounds[:-1], bounds[1:], strict=True):
            dist = dists[key]
            if isinstance(dist, Pool):
                low[start:stop], high[start:stop] = _inwards(dist.low, dist.high, self.dtype)
            elif dist.family == "lognormal":
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
        plain = self.plain_rows
        scores = z.astype(self.dtype, copy=False)[self.columns[:plain]]  # (M, D): each value's row of scores
        halves = np.where(scores < 0, self.below[:plain], self.above[:plain])  # half-widths per standard deviation
        if self.pools:  # their rows after the others'
            values = np.empty((len(self.columns), z.shape[1]), self.dtype)
            values[:plain] = halves
        else:
            values = halves
        values[:plain] *= scores
        split = self.lognormal_rows
        np.exp(values[:split], out=values[:split])
        values[:split] *= self.center[:split]
        values[split:plain] += self.center[split:plain]
        for row, column, pooled in self.pools:
            values[row] = pooled.from_scores(z[column])
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
