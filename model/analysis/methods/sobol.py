"""Sobol' indices: each assumption's share of the output's variance, alone (first order) and with its interactions
(total order), with bootstrap intervals; and the research priorities they point to, or, where the scenario
correlates assumptions, that Shapley effects of the same sample point to."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy.stats import qmc

from model import format
from model.analysis.methods import shapley
from model.analysis.precision import SOBOL_START, Precision, check_precision, sobol_warning
from model.analysis.priorities import ranked_priorities
from model.analysis.resources import check_sobol_size
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
from model.catalogue import Kind
from model.core.uncertainty import distributions, resolve_seed, values_at
from model.domain import Inputs
from model.errors import UsageError

DESCRIPTION = "variance shares"
ORDER = 1

SOBOL_MIN_SAMPLES = 64
# Bootstrap weights are made this many at a time (4 MB as float32): memory stays flat for any R and n, and the
# counting stays in cache (about twice as fast as 2^22 at a time).
BOOTSTRAP_CHUNK_WEIGHTS = 2**20
SOBOL_COLUMNS = ["scenario", "metric", "unit", "company", "year", "key", "first_order", "first_order_low",
                 "first_order_high", "total_order", "total_order_low", "total_order_high"]
PRIORITY_COLUMNS = ["scenario", "metric", "year", "company", "rank", "key", "total_order", "variance_share",
                    "confidence", "flags", "dig"]


# ---------------------------------------------------------------------------------------------- Sobol' estimator
class SobolIndices(NamedTuple):
    """First- and total-order indices with their bootstrap percentile intervals, each (d, ...)."""

    first: np.ndarray
    first_low: np.ndarray
    first_high: np.ndarray
    total: np.ndarray
    total_low: np.ndarray
    total_high: np.ndarray


def bootstrap_weights(n: int, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """Resampling weights (resamples, n), float32, each row the counts of n draws with replacement divided by n:
    multinomial weights, drawn as n picks per row (several times faster than `Generator.multinomial`)."""
    picks = rng.integers(0, n, size=(resamples, n), dtype=np.int32 if resamples * n < 2**31 else np.int64)
    offsets = (np.arange(resamples) * n).astype(picks.dtype)[:, None]
    counts = np.bincount((picks + offsets).ravel(), minlength=resamples * n)
    return (counts.reshape(resamples, n) / n).astype(np.float32)


def _resampled_means(columns: np.ndarray, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """Means (resamples, m) of columns (n, m) over bootstrap resamples of the n rows: one matmul per chunk."""
    n = columns.shape[0]
    chunk = max(1, BOOTSTRAP_CHUNK_WEIGHTS // n)
    columns = columns.astype(np.float32)
    return np.concatenate([bootstrap_weights(n, min(chunk, resamples - start), rng) @ columns
                           for start in range(0, resamples, chunk)]).astype(float)


def sobol_indices(
    f_A: np.ndarray,
    f_B: np.ndarray,
    f_AB: np.ndarray | Sequence[np.ndarray],
    *,
    bootstrap: int = 1000,
    confidence: float = 0.95,
    rng: np.random.Generator | int | None = None,
) -> SobolIndices:
    """Sobol' indices of any model from its outputs on a Saltelli design: first order by Saltelli et al. (2010),
    total order by Jansen (1999), with percentile intervals from `bootstrap` resamples of the n rows.

    f_A, f_B: outputs (n, ...) at the sample matrices A and B; f_AB: (d, n, ...), f_AB[i] the output at A with
    column i taken from B. Outputs are centred on their pooled mean first (Sobol' and Levitan 1999), which
    changes no index but lowers the first-order estimator's variance. The variance is that of f_A and f_B
    pooled; where it is zero the indices are NaN. Every interval is NaN when `bootstrap` is 0.
    Returns six arrays (d, ...): first, first_low, first_high, total, total_low, total_high.
    """
    a, b = np.asarray(f_A, dtype=float), np.asarray(f_B, dtype=float)
    ab = np.asarray(f_AB, dtype=float)
    d, n, tail = ab.shape[0], a.shape[0], a.shape[1:]
    a, b, ab = a.reshape(n, -1), b.reshape(n, -1), ab.reshape(d, n, -1)
    centre = (a.mean(axis=0) + b.mean(axis=0)) / 2
    a, b, ab = a - centre, b - centre, ab - centre
    first_terms = b * (ab - a)  # (d, n, s)
    total_terms = 0.5 * (a - ab) ** 2  # (d, n, s)
    variance = (np.mean(a**2, axis=0) + np.mean(b**2, axis=0)) / 2  # (s,): pooled, about the pooled mean
    varies = variance > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        first = np.where(varies, first_terms.mean(axis=1) / variance, np.nan)  # (d, s)
        total = np.where(varies, total_terms.mean(axis=1) / variance, np.nan)
    if bootstrap > 0:
        s = a.shape[1]
        columns = np.concatenate([first_terms.transpose(1, 0, 2).reshape(n, d * s),
                                  total_terms.transpose(1, 0, 2).reshape(n, d * s),
                                  a, a**2, b, b**2], axis=1)  # (n, (2d + 4) s)
        means = _resampled_means(columns, bootstrap, np.random.default_rng(rng))  # (R, (2d + 4) s)
        first_r, total_r = means[:, : d * s].reshape(-1, d, s), means[:, d * s : 2 * d * s].reshape(-1, d, s)
        mean_a, square_a, mean_b, square_b = means[:, 2 * d * s :].reshape(-1, 4, s).transpose(1, 0, 2)
        variance_r = (square_a + square_b) / 2 - ((mean_a + mean_b) / 2) ** 2  # (R, s)
        with np.errstate(divide="ignore", invalid="ignore"):
            first_r, total_r = first_r / variance_r[:, None], total_r / variance_r[:, None]
        tails = [(1 - confidence) / 2, (1 + confidence) / 2]
        first_low, first_high = np.where(varies, np.quantile(first_r, tails, axis=0), np.nan)
        total_low, total_high = np.where(varies, np.quantile(total_r, tails, axis=0), np.nan)
    else:
        first_low = first_high = total_low = total_high = np.full((d, a.shape[1]), np.nan)
    shaped = (first, first_low, first_high, total, total_low, total_high)
    return SobolIndices(*(x.reshape(d, *tail) for x in shaped))


# -------------------------------------------------------------------------------------------------- Sobol' runs
@dataclass(frozen=True)
class SobolResult:
    """A Sobol' analysis of one metric in one year.

    `frame` has SOBOL_COLUMNS, one row per company and assumption that moves the output (rows whose indices are
    exactly zero, where swapping the assumption never changes the output, are dropped), sorted by company, then
    total order descending. `max_interval_width` is, per company (display name), the widest first- or
    total-order interval among its rows. `notes` say what the indices leave out; `warnings` say when the sample
    is too small for them (an interval wider than MAX_INTERVAL_WIDTH).
    """

    frame: pd.DataFrame
    samples: int  # n, rows of each of A and B
    evaluations: int  # n (K + 2) draws of the projection
    seed: int
    bootstrap: int
    confidence: float
    max_interval_width: dict[str, float]
    notes: tuple[str, ...]
    warnings: tuple[str, ...]


def check_samples(samples: int) -> None:
    if isinstance(samples, bool) or not isinstance(samples, (int, np.integer)) or samples < SOBOL_MIN_SAMPLES \
            or samples & (samples - 1):
        raise UsageError(f"samples must be a power of two, at least {SOBOL_MIN_SAMPLES} (such as 4096), "
                         f"not {samples}")


def _check_bootstrap(bootstrap: int, confidence: float) -> None:
    if isinstance(bootstrap, bool) or not isinstance(bootstrap, (int, np.integer)) or bootstrap < 0:
        raise UsageError(f"bootstrap is a number of resamples, 0 or more, not {bootstrap!r}")
    if not 0 < confidence < 1:
        raise UsageError(f"confidence must lie between 0 and 1, not {confidence!r}")


def sobol(
    inputs: Inputs,
    *,
    metric: str = OUTPUT_DEFAULT_METRIC,
    year: int | None = None,
    companies: Sequence[str] | None = None,
    samples: int = 2**12,
    rng: np.random.Generator | int | None = None,
    bootstrap: int = 1000,
    confidence: float = 0.95,
    on_progress: Callable[[int], None] | None = None,
) -> SobolResult:
    """Each assumption's share of the variance of `metric` in `year` (default: the horizon's last), per company:
    first-order (alone) and total-order (with its interactions) Sobol' indices, see `sobol_indices`.

    A scrambled Sobol' sequence of `samples` rows (a power of two) and 2K columns gives A (its first K) and B;
    the projection runs K + 2 times on `samples` draws each (A, B, then A with one column from B), and
    `on_progress(samples)` follows each run. Memory stays O(samples K). The scenario's correlations are not
    applied: the indices assume independent assumptions (a note says so when the scenario declares some).
    Intervals come from `bootstrap` resamples at `confidence`, seeded from the same seed: one seed, one result.
    """
    year, chosen = chosen_output(inputs, metric, year, companies)
    check_samples(samples)
    _check_bootstrap(bootstrap, confidence)
    design = _Design(inputs, metric, year, chosen, resolve_seed(rng), on_progress)
    design.grow(samples)
    return design.result(bootstrap, confidence)


def sobol_until(
    inputs: Inputs,
    *,
    precision: float,
    cap: int,
    metric: str = OUTPUT_DEFAULT_METRIC,
    year: int | None = None,
    companies: Sequence[str] | None = None,
    rng: np.random.Generator | int | None = None,
    bootstrap: int = 1000,
    confidence: float = 0.95,
    on_progress: Callable[[int], None] | None = None,
) -> tuple[SobolResult, Precision]:
    """`sobol` with the sample grown until the widest first- or total-order interval of any company is at most
    `precision` wide: SOBOL_START rows (or `cap`, if smaller), then twice as many, up to `cap` (a power of two).

    Each doubling draws the next rows of the same scrambled Sobol' sequence and runs the model on them alone, so
    the model runs as often as for the final sample once; the result at n rows is `sobol(samples=n)`'s, bit for bit.
    Returns the result and how the growth ended.
    """
    year, chosen = chosen_output(inputs, metric, year, companies)
    check_samples(cap)
    _check_bootstrap(bootstrap, confidence)
    precision = check_precision(precision, "precision")
    design = _Design(inputs, metric, year, chosen, resolve_seed(rng), on_progress)
    samples = min(SOBOL_START, cap)
    while True:
        design.grow(samples)
        result = design.result(bootstrap, confidence)
        company, (widest, key) = max(interval_widths(result.frame).items(), key=lambda item: item[1][0],
                                     default=("", (0.0, "")))
        if widest <= precision or samples >= cap:
            return result, Precision(precision, widest, f"{company}, {key}" if company else "", samples, cap,
                                     "--samples")
        samples *= 2


class _Design:
    """A Saltelli design over a scrambled Sobol' sequence that grows: its rows, and the model's outputs on them."""

    def __init__(self, inputs: Inputs, metric: str, year: int, chosen: list[int], seed: int,
                 on_progress: Callable[[int], None] | None):
        self.inputs, self.metric, self.year, self.chosen, self.seed = inputs, metric, year, chosen, seed
        self.on_progress = on_progress
        self.dists = distributions(inputs)
        self.keys = list(self.dists)
        self.sequence = qmc.Sobol(d=2 * len(self.keys), scramble=True, seed=seed)
        self.samples = 0
        self.f_a, self.f_b, self.f_ab = [], [], []  # outputs on each block of rows: (n, C), (n, C), (K, n, C)

    def grow(self, samples: int) -> None:
        """Draw the sequence's next rows, up to `samples` in all, and run the model K + 2 times on them."""
        new, k = samples - self.samples, len(self.keys)
        design = self.sequence.random(new)  # the same rows as `random(samples)` drawn at once: a sequence's prefix
        values_a, values_b = values_at(self.dists, design[:, :k]), values_at(self.dists, design[:, k:])

        def evaluate(values: dict[str, np.ndarray]) -> np.ndarray:
            result = outputs(self.inputs, values, metric=self.metric, year=self.year, chosen=self.chosen)  # (n, C)
            if self.on_progress is not None:
                self.on_progress(new)
            return result

        self.f_a.append(evaluate(values_a))
        self.f_b.append(evaluate(values_b))
        f_ab = np.empty((k, new, len(self.chosen)))
        for i, key in enumerate(self.keys):  # one assumption at a time keeps memory at O(n K), not O(n K^2)
            f_ab[i] = evaluate(values_a | {key: values_b[key]})  # A with column i from B
        self.f_ab.append(f_ab)
        self.samples = samples

    def result(self, bootstrap: int, confidence: float) -> SobolResult:
        """The indices of the rows drawn so far."""
        inputs, metric, year, chosen, keys = self.inputs, self.metric, self.year, self.chosen, self.keys
        f_a, f_b = np.concatenate(self.f_a), np.concatenate(self.f_b)
        f_ab = self.f_ab[0] if len(self.f_ab) == 1 else np.concatenate(self.f_ab, axis=1)
        indices = sobol_indices(f_a, f_b, f_ab, bootstrap=bootstrap, confidence=confidence,
                                rng=np.random.default_rng([self.seed, 1]))
        frame = labels(inputs, metric, year, chosen, keys).assign(**{
            column: values.T.ravel() for column, values in zip(SOBOL_COLUMNS[6:], indices, strict=True)})
        moves = (f_ab != f_a).any(axis=1).T.ravel()  # (C K): the assumption changed the output in some draw
        frame = sorted_rows(inputs, frame[moves], "total_order")[SOBOL_COLUMNS]
        widths = interval_widths(frame)
        return SobolResult(
            frame=frame,
            samples=self.samples,
            evaluations=self.samples * (len(keys) + 2),
            seed=self.seed,
            bootstrap=bootstrap,
            confidence=confidence,
            max_interval_width={name: width for name, (width, _) in widths.items()},
            notes=tuple(_sobol_notes(inputs, metric, year, chosen, f_a, f_b)),
            warnings=tuple(_sobol_warnings(inputs, metric, year, self.samples, widths)),
        )


def interval_widths(frame: pd.DataFrame) -> dict[str, tuple[float, str]]:
    """Per company, the widest first- or total-order interval among its rows, and the assumption it belongs to."""
    width = np.fmax(frame["first_order_high"] - frame["first_order_low"],
                    frame["total_order_high"] - frame["total_order_low"])
    widest = {}
    for company, group in width.groupby(frame["company"], sort=False):
        if group.notna().any():
            widest[company] = (float(group.max()), str(frame.loc[group.idxmax(), "key"]))
    return widest


def _sobol_notes(inputs: Inputs, metric: str, year: int, chosen: Sequence[int], f_a: np.ndarray,
                 f_b: np.ndarray) -> list[str]:
    notes = []
    if correlations := inputs.scenario.correlations:
        notes.append(f"the scenario's {len(correlations)} rank correlations are not applied: Sobol indices assume "
                     "independent assumptions")
    pooled = np.concatenate([f_a, f_b])  # (2n, C)
    for column in np.flatnonzero((pooled == pooled[0]).all(axis=0)):
        notes.append(f"{inputs.companies[chosen[column]].slug} {metric} {year}: the output is the same in every "
                     "draw, so no assumption explains any of its variance")
    return notes


def _sobol_warnings(inputs: Inputs, metric: str, year: int, samples: int,
                    widths: dict[str, tuple[float, str]]) -> list[str]:
    slugs = {c.name: c.slug for c in inputs.companies}
    return [f"{slugs[company]} {metric} {year}: the widest Sobol interval is {format.figure(width, Kind.ratio)} wide ({key}); "
            f"rerun with --samples {4 * samples} or more"
            for company, (width, key) in widths.items() if width > MAX_INTERVAL_WIDTH]


# -------------------------------------------------------------------------------------------- research priorities
def research_priorities(inputs: Inputs, sobol_frame: pd.DataFrame) -> pd.DataFrame:
    """Where to dig next: per company, the assumptions of a `SobolResult.frame` ranked by total-order index
    (rank 1 the largest), with their flags (`research_flags`).

    `variance_share` is each total-order index, clipped at 0, over the company's sum of them: the indices
    themselves add up to more than 1 when assumptions interact, the shares to 1. `dig` marks a flagged
    assumption with a total-order index of at least PRIORITY_THRESHOLD. Columns: PRIORITY_COLUMNS.
    """
    return ranked_priorities(inputs, sobol_frame, "total_order")[PRIORITY_COLUMNS]


# ------------------------------------------------------------------------------------------------ as a method
def ranks_by_shapley(inputs: Inputs) -> bool:
    """Whether a Sobol' analysis ranks its research priorities by Shapley effects: when the scenario correlates
    assumptions. The indices drop the correlations, and with them what a correlated assumption's figure says about
    its partners', so they would rank those assumptions below what learning them is worth."""
    return bool(inputs.scenario.correlations)


def _priorities(inputs: Inputs, result: SobolResult, *, metric: str, year: int, companies: Sequence[str] | None,
                on_progress: Callable[[int], None] | None) -> tuple[dict[str, pd.DataFrame], list[str], list[str],
                                                                   dict[str, object]]:
    """The research priorities of a Sobol' analysis with what they add to its result: tables, notes, warnings and
    settings. By total-order index; or, where the scenario correlates assumptions, by Shapley effects of the same
    sample and seed, under the correlations (their table `shapley` is kept beside the indices)."""
    if not ranks_by_shapley(inputs):
        return {"priorities": research_priorities(inputs, result.frame)}, [], [], {"priorities_by": "total_order"}
    samples = _shapley_samples(inputs, result.samples)
    frame, _, notes, warnings = shapley.shapley(inputs, metric=metric, year=year, companies=companies,
                                                samples=samples, rng=result.seed, on_progress=on_progress)
    tables = {"shapley": frame, "priorities": shapley.shapley_priorities(inputs, frame)}
    correlations = len(inputs.scenario.correlations)
    told = (f"the research priorities are ranked by Shapley effects, which apply the scenario's {correlations} rank "
            f"correlations ({format.count(samples)} samples; --method shapley gives them alone)")
    settings = {"priorities_by": "shapley", "shapley_samples": samples,
                "shapley_evaluations": samples * (len(inputs.resolved) + 1)}
    # (Shapley's first note says that it applies the correlations, as `told` does; an output that never varies
    # is noted by the indices already)
    return tables, [told, *(note for note in notes[1:] if note not in result.notes)], warnings, settings


def _shapley_samples(inputs: Inputs, samples: int) -> int:
    """The Shapley sample beside a Sobol' sample of `samples`: the same, within what this machine can run."""
    ceiling = shapley.max_samples(len(inputs.resolved), len(inputs.companies), len(inputs.scenario.years))
    return max(shapley.SHAPLEY_MIN_SAMPLES, min(samples, ceiling))


def analyse(inputs: Inputs, *, metric: str, year: int, companies: Sequence[str] | None, samples: int, seed: int,
            on_progress: Callable[[int], None] | None = None) -> SensitivityResult:
    """`sobol` and its research priorities (`_priorities`) as a SensitivityResult: tables sobol, then shapley
    where the scenario correlates assumptions, and priorities."""
    result = sobol(inputs, metric=metric, year=year, companies=companies, samples=samples, rng=seed,
                   on_progress=on_progress)
    tables, notes, warnings, ranked = _priorities(inputs, result, metric=metric, year=year, companies=companies,
                                                  on_progress=on_progress)
    return sensitivity_result(
        inputs, "sobol", metric=metric, year=year, companies=companies, tables={"sobol": result.frame, **tables},
        notes=(*result.notes, *notes), warnings=(*result.warnings, *warnings),
        settings={"samples": samples, "seed": result.seed, "bootstrap": result.bootstrap,
                  "confidence": result.confidence, "evaluations": result.evaluations, **ranked},
    )


def analyse_until(inputs: Inputs, *, metric: str, year: int, companies: Sequence[str] | None, precision: float,
                  cap: int, seed: int, cap_option: str = "--samples",
                  on_progress: Callable[[int], None] | None = None) -> SensitivityResult:
    """`sobol_until` as a SensitivityResult (see `analyse`), its settings saying the target and whether it was
    reached; a warning when the growth stopped at `cap` (`cap_option` names where the cap came from) short of it.
    Shapley-ranked priorities are estimated once, at the sample the growth ended at."""
    result, grown = sobol_until(inputs, precision=precision, cap=cap, metric=metric, year=year, companies=companies,
                                rng=seed, on_progress=on_progress)
    grown = replace(grown, cap_option=cap_option)
    tables, notes, warnings, ranked = _priorities(inputs, result, metric=metric, year=year, companies=companies,
                                                  on_progress=on_progress)
    return sensitivity_result(
        inputs, "sobol", metric=metric, year=year, companies=companies, tables={"sobol": result.frame, **tables},
        notes=(*result.notes, *notes),
        warnings=(*result.warnings, *([] if grown.reached else [sobol_warning(grown)]), *warnings),
        settings={"samples": result.samples, "seed": result.seed, "bootstrap": result.bootstrap,
                  "confidence": result.confidence, "evaluations": result.evaluations, **grown.settings("samples"),
                  **ranked},
    )


def check(inputs: Inputs, samples: int, option: str = "--samples") -> None:
    check_samples(samples)
    check_sobol_size(samples, inputs, option=option)


def work(inputs: Inputs, samples: int) -> tuple[str, int]:
    """The progress bar's description and steps: the indices' runs, and the Shapley runs of the priorities."""
    keys = len(inputs.resolved)
    if not ranks_by_shapley(inputs):
        return f"Sobol' indices, {format.count(samples)} x {keys + 2} runs", samples * (keys + 2)
    shapley_samples = _shapley_samples(inputs, samples)
    return (f"Sobol' indices and Shapley-ranked priorities, {format.count(samples)} x {keys + 2} + "
            f"{format.count(shapley_samples)} x {keys + 1} runs", samples * (keys + 2) + shapley_samples * (keys + 1))
