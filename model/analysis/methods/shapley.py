"""Shapley effects: each assumption's fair share of the output's variance when assumptions are correlated (the
scenario's Gaussian copula, sampled exactly), with standard errors; and the research priorities they point to."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from model import format
from model.analysis.priorities import ranked_priorities
from model.analysis.resources import FLOAT64, MAX_EVALUATIONS, MEMORY_SHARE, available_memory
from model.analysis.sensitivity import (
    MAX_INTERVAL_WIDTH,
    OUTPUT_DEFAULT_METRIC,
    SensitivityResult,
    chosen_output,
    labels,
    outputs,
    sensitivity_result,
    sorted_rows,
)
from model.catalogue import METRICS, Kind
from model.core.uncertainty import ScoreMap, copula_matrix, distributions, resolve_seed
from model.domain import Inputs
from model.errors import UsageError

DESCRIPTION = "variance shares with correlations"
ORDER = 2

SHAPLEY_MIN_SAMPLES = 64
SHAPLEY_CONFIDENCE = 0.95  # of each effect's interval
SHAPLEY_COLUMNS = ["scenario", "metric", "unit", "company", "year", "key", "shapley", "shapley_low", "shapley_high",
                   "standard_error", "correlated_with"]
SHAPLEY_PRIORITY_COLUMNS = ["scenario", "metric", "year", "company", "rank", "key", "shapley", "variance_share",
                            "confidence", "flags", "correlated_with", "dig"]


# ------------------------------------------------------------------------------------------- Shapley estimator
class ShapleyEffects(NamedTuple):
    """Normalised Shapley effects (d, ...) with their standard errors and normal intervals; `variance` (...) the
    output's variance as the estimator saw it (the effects, unnormalised, sum to it); `moves` (d, ...) whether
    the walk's step through an input changed the output in any draw (False: its effect is exactly 0)."""

    effect: np.ndarray
    low: np.ndarray
    high: np.ndarray
    standard_error: np.ndarray
    variance: np.ndarray
    moves: np.ndarray


def _coupled(correlation: np.ndarray | None, d: int) -> np.ndarray:
    """The inputs correlated with at least one other: only they need conditional sampling."""
    if correlation is None:
        return np.array([], dtype=int)
    linked = ~np.eye(d, dtype=bool) & (correlation != 0)
    return np.flatnonzero(linked.any(axis=0))


def _conditional_block(kept: np.ndarray, z: np.ndarray, fresh: np.ndarray, block: np.ndarray) -> np.ndarray:
    """The correlated inputs' scores (b, n) with each draw's `kept` ones (n, b) at `z` and the rest drawn from
    their distribution given the kept ones, by Matheron's rule: fresh + R_JK R_KK^-1 (z_K - fresh_K), from the
    independent draw `fresh` (b, n) of the same normal N(0, R) (`block` is R over them, b x b).

    Each draw has its own kept set, so each solves its own small system: (n, b, b) at once, no loop over draws.
    """
    kept = kept.astype(bool)
    both = kept[:, :, None] & kept[:, None, :]
    # R_KK where both are kept, the identity on the resampled rows: its inverse is R_KK^-1 on K, zero across
    system = np.where(both, block, 0.0) + np.eye(len(block)) * ~kept[:, :, None]
    gap = np.where(kept, (z - fresh).T, 0.0)  # (n, b): z_K - fresh_K on K, 0 elsewhere
    solved = np.linalg.solve(system, gap[:, :, None])[:, :, 0]  # R_KK^-1 (z_K - fresh_K), 0 off K
    drawn = fresh.T + solved @ block  # block is symmetric: row n is R (solved_n)
    return np.where(kept, z.T, drawn).T


def shapley_effects(
    model: Callable[[np.ndarray], np.ndarray],
    d: int,
    *,
    samples: int,
    correlation: np.ndarray | None = None,
    confidence: float = 0.95,
    rng: np.random.Generator | int | None = None,
) -> ShapleyEffects:
    """Shapley effects of `model` on d inputs whose normal scores are N(0, `correlation`) (independent when None).

    `model` maps scores z (d, n), draws last, to outputs (n, ...). Each of the `samples` draws takes its own
    random order of the inputs (Castro et al. 2009) and walks it: at step j the first j inputs of its order are
    drawn again given the others, exactly, as a Gaussian copula allows (Song, Nelson and Staum 2016 with their cost
    E[Var(Y | X_-J)], estimated as half the squared difference from the starting point, as Jansen's total index is).
    A step's rise of that half squared difference is the draw's share for the input it adds; every step of a walk
    reuses one independent point, so the shares of a draw add up to half its squared difference from that point,
    an estimate of Var(Y). The model runs d + 1 times on `samples` draws.

    Effects are normalised by that sum, so they add up to 1 exactly (unnormalised, to the variance); the standard
    error of each ratio is the delta method's over the independent draws, its interval estimate +/- z se at
    `confidence`. Where the output never varies, effects and errors are NaN.
    """
    from scipy.special import ndtri

    generator = np.random.default_rng(rng)
    cholesky = np.eye(d) if correlation is None else np.linalg.cholesky(correlation)
    z = cholesky @ generator.standard_normal((d, samples))
    fresh = cholesky @ generator.standard_normal((d, samples))  # the walk's far end: an independent point
    orders = generator.permuted(np.tile(np.arange(d), (samples, 1)), axis=1)  # (n, d): each draw's order
    block = _coupled(correlation, d)
    in_block = np.zeros(d, dtype=bool)
    in_block[block] = True
    position = np.full(d, -1)
    position[block] = np.arange(len(block))
    kept = np.ones((samples, len(block)), dtype=bool)
    draws = np.arange(samples)

    start = np.array(model(z), dtype=float)  # a copy: a model may return a view of its scores
    tail = start.shape[1:]
    start = start.reshape(samples, -1)
    current = z.copy()
    previous_cost = np.zeros_like(start)
    shares = np.zeros((d, samples, start.shape[1]))
    moves = np.zeros((d, start.shape[1]), dtype=bool)
    previous = start
    for step in range(d):  # a loop over the walk's steps, each over every draw at once
        chosen = orders[:, step]  # (n,): the input each draw adds now
        plain = ~in_block[chosen]
        current[chosen[plain], draws[plain]] = fresh[chosen[plain], draws[plain]]
        coupled = np.flatnonzero(~plain)
        if coupled.size:
            kept[coupled, position[chosen[coupled]]] = False
            current[np.ix_(block, coupled)] = _conditional_block(kept[coupled], z[np.ix_(block, coupled)],
                                                                 fresh[np.ix_(block, coupled)],
                                                                 correlation[np.ix_(block, block)])
        value = np.array(model(current), dtype=float).reshape(samples, -1)
        cost = 0.5 * (start - value) ** 2
        shares[chosen, draws] = cost - previous_cost
        changed = value != previous  # (n, s)
        np.logical_or.at(moves, chosen, changed)
        previous_cost, previous = cost, value

    variance = previous_cost.mean(axis=0)  # (s,): the shares' sum, half the mean squared gap to the far end
    varies = variance > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        effect = np.where(varies, shares.mean(axis=1) / variance, np.nan)  # (d, s)
        # delta method for a ratio of means: the spread of share - effect x total, over the total's mean
        residual = shares - effect[:, None, :] * previous_cost[None]
        error = np.where(varies, residual.std(axis=1, ddof=1) / math.sqrt(samples) / variance, np.nan)
    half = float(ndtri((1 + confidence) / 2)) * error
    shaped = [x.reshape(d, *tail) for x in (effect, effect - half, effect + half, error)]
    return ShapleyEffects(*shaped, variance.reshape(tail), moves.reshape(d, *tail))


# ---------------------------------------------------------------------------------------------------- its size
def check_samples(samples: object, option: str = "--samples") -> None:
    if isinstance(samples, bool) or not isinstance(samples, (int, np.integer)) or samples < SHAPLEY_MIN_SAMPLES:
        raise UsageError(f"{option} for Shapley effects must be a whole number of draws, at least "
                         f"{SHAPLEY_MIN_SAMPLES} (such as 8192), not {samples!r}")


def shapley_bytes(samples: int, assumptions: int, companies: int, years: int) -> int:
    """An upper bound of what `shapley` holds for `samples` draws: the scores (the start, the far end and the walk's
    point), the orders, the shares (d x companies), and one projection of `samples` draws with its inputs."""
    k, s = assumptions, companies
    kept = (4 * k + k * s + 4 * s) * FLOAT64 + k * years * FLOAT64  # scores, orders, shares, outputs; values
    engine = 2 * (len(METRICS) + 24) * companies * years * FLOAT64  # as `resources.sobol_bytes` counts it
    return samples * (kept + engine)


def max_samples(assumptions: int, companies: int, years: int, memory: int | None = None) -> int:
    """The most draws this machine can give a Shapley analysis: MAX_EVALUATIONS runs of the model, within
    MEMORY_SHARE of its available memory."""
    budget = MEMORY_SHARE * (available_memory() if memory is None else memory)
    by_time = MAX_EVALUATIONS // (assumptions + 1)
    by_memory = int(budget // (shapley_bytes(1, assumptions, companies, years)))
    return max(SHAPLEY_MIN_SAMPLES, min(by_time, by_memory))


def check(inputs: Inputs, samples: int, option: str = "--samples") -> None:
    """A UsageError for a sample that is not a whole number of at least SHAPLEY_MIN_SAMPLES draws, or more than
    this machine can run, naming the most it can."""
    check_samples(samples, option)
    k, companies, years = len(inputs.resolved), len(inputs.companies), len(inputs.scenario.years)
    ceiling = max_samples(k, companies, years)
    if samples <= ceiling:
        return
    evaluations = samples * (k + 1)
    if evaluations > MAX_EVALUATIONS:
        why = (f"{evaluations:,} runs of the model ({k} assumptions + 1), above the ceiling of "
               f"{MAX_EVALUATIONS:,} (about 20 minutes)")
    else:
        why = (f"more than this machine's memory holds ({format.byte_size(shapley_bytes(samples, k, companies, years))}"
               f" needed, {format.byte_size(available_memory())} available)")
    raise UsageError(f"{option} {samples:,} is {why}; the most this machine can do is {option} {ceiling:,}")


def work(inputs: Inputs, samples: int) -> tuple[str, int]:
    keys = len(inputs.resolved)
    return f"Shapley effects, {format.count(samples)} x {keys + 1} runs", samples * (keys + 1)


# ------------------------------------------------------------------------------------------------ Shapley runs
def correlated_with(inputs: Inputs, keys: Sequence[str]) -> dict[str, str]:
    """Each key's partners in the scenario's correlations, "; "-joined in the order of `keys` ("" for none)."""
    partners: dict[str, set[str]] = {key: set() for key in keys}
    for a, b in inputs.scenario.correlations:
        partners[a].add(b)
        partners[b].add(a)
    return {key: "; ".join(other for other in keys if other in partners[key]) for key in keys}


def shapley(
    inputs: Inputs,
    *,
    metric: str = OUTPUT_DEFAULT_METRIC,
    year: int | None = None,
    companies: Sequence[str] | None = None,
    samples: int = 2**13,
    rng: np.random.Generator | int | None = None,
    confidence: float = SHAPLEY_CONFIDENCE,
    on_progress: Callable[[int], None] | None = None,
) -> tuple[pd.DataFrame, int, list[str], list[str]]:
    """Each assumption's Shapley effect on `metric` in `year` (default: the horizon's last), per company, under
    the scenario's correlations (`shapley_effects`); `on_progress(samples)` follows each of the K + 1 runs.

    Returns the frame (SHAPLEY_COLUMNS: rows of assumptions that never move a company's output dropped, sorted by
    company, then effect descending), the seed used, notes and warnings.
    """
    year, chosen = chosen_output(inputs, metric, year, companies)
    check_samples(samples, "samples")
    if not 0 < confidence < 1:
        raise UsageError(f"confidence must lie between 0 and 1, not {confidence!r}")
    seed = resolve_seed(rng)
    dists = distributions(inputs)
    keys = list(dists)
    correlation, repairs = copula_matrix(inputs, keys)
    values_of = ScoreMap(dists)

    def evaluate(z: np.ndarray) -> np.ndarray:
        result = outputs(inputs, values_of(z), metric=metric, year=year, chosen=chosen)  # (n, C)
        if on_progress is not None:
            on_progress(samples)
        return result

    effects = shapley_effects(evaluate, len(keys), samples=samples, correlation=correlation, confidence=confidence,
                              rng=np.random.default_rng([seed, 2]))
    partners = correlated_with(inputs, keys)
    frame = labels(inputs, metric, year, chosen, keys).assign(
        shapley=effects.effect.T.ravel(), shapley_low=effects.low.T.ravel(), shapley_high=effects.high.T.ravel(),
        standard_error=effects.standard_error.T.ravel(),
        correlated_with=np.tile(np.array([partners[key] for key in keys], dtype=object), len(chosen)))
    frame = sorted_rows(inputs, frame[effects.moves.T.ravel()], "shapley")[SHAPLEY_COLUMNS]
    notes = []
    if inputs.scenario.correlations:
        notes.append(f"the scenario's {len(inputs.scenario.correlations)} rank correlations are applied: an "
                     "assumption's effect includes what it says about the assumptions it is correlated with")
    notes += [f"the correlations were repaired to hold together: {repair}" for repair in repairs]
    for column in np.flatnonzero(~(effects.variance > 0)):
        notes.append(f"{inputs.companies[chosen[column]].slug} {metric} {year}: the output is the same in every "
                     "draw, so no assumption explains any of its variance")
    return frame, seed, notes, _warnings(inputs, metric, year, samples, frame)


def widest_intervals(frame: pd.DataFrame) -> dict[str, tuple[float, str]]:
    """Per company, the widest interval of a Shapley effect among its rows, and the assumption it belongs to."""
    width = frame["shapley_high"] - frame["shapley_low"]
    widest = {}
    for company, group in width.groupby(frame["company"], sort=False):
        if group.notna().any():
            widest[company] = (float(group.max()), str(frame.loc[group.idxmax(), "key"]))
    return widest


def _warnings(inputs: Inputs, metric: str, year: int, samples: int, frame: pd.DataFrame) -> list[str]:
    slugs = {c.name: c.slug for c in inputs.companies}
    return [f"{slugs[company]} {metric} {year}: the widest Shapley interval is {format.figure(width, Kind.ratio)} "
            f"wide ({key}); rerun with --samples {4 * samples} or more"
            for company, (width, key) in widest_intervals(frame).items() if width > MAX_INTERVAL_WIDTH]


# -------------------------------------------------------------------------------------------- research priorities
def shapley_priorities(inputs: Inputs, shapley_frame: pd.DataFrame) -> pd.DataFrame:
    """Where to dig next when assumptions are correlated: per company, the assumptions ranked by Shapley effect
    (rank 1 the largest) with their flags (`priorities.research_flags`) and correlation partners.

    `variance_share` is each effect clipped at 0 over the company's sum of them (the effects add up to 1, so it
    differs only where sampling noise made one negative). `dig` marks a flagged assumption with an effect of at
    least PRIORITY_THRESHOLD, as Sobol's priorities do with the total-order index. Columns:
    SHAPLEY_PRIORITY_COLUMNS.
    """
    return ranked_priorities(inputs, shapley_frame, "shapley")[SHAPLEY_PRIORITY_COLUMNS]


# ------------------------------------------------------------------------------------------------ as a method
def analyse(inputs: Inputs, *, metric: str, year: int, companies: Sequence[str] | None, samples: int, seed: int,
            on_progress: Callable[[int], None] | None = None) -> SensitivityResult:
    """`shapley` and `shapley_priorities` as a SensitivityResult: tables shapley and priorities."""
    frame, used, notes, warnings = shapley(inputs, metric=metric, year=year, companies=companies, samples=samples,
                                           rng=seed, on_progress=on_progress)
    return sensitivity_result(
        inputs, "shapley", metric=metric, year=year, companies=companies,
        tables={"shapley": frame, "priorities": shapley_priorities(inputs, frame)}, notes=notes, warnings=warnings,
        settings={"samples": samples, "seed": used, "confidence": SHAPLEY_CONFIDENCE,
                  "evaluations": samples * (len(inputs.resolved) + 1),
                  "correlations": len(inputs.scenario.correlations)},
    )
