"""Which assumptions move a projected figure: one-at-a-time swings (tornado), Sobol' variance shares, and the
research priorities they point to. Pure: arrays and frames out, nothing read, printed or drawn."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy.stats import qmc

from model.analysis.projection import check_finite
from model.analysis.register import rests_on_judgement
from model.catalogue import METRICS, Kind
from model.core.engine import project
from model.core.parameters import engine_inputs
from model.core.uncertainty import distributions, resolve_seed, values_at
from model.errors import UsageError
from model.io.loading import Inputs, ResolvedAssumption
from model.io.schema import Source
from model.present import format
from model.present.format import significant_value

OUTPUT_DEFAULT_METRIC = "ai_chip_spend_cumulative"
# A tornado moves each assumption to the ends of its 90% interval.
TORNADO_LOW, TORNADO_HIGH = 0.05, 0.95
SOBOL_MIN_SAMPLES = 64
# A Sobol' run warns when a kept row's bootstrap interval (first- or total-order) is wider than this: at that width
# the ranking of assumptions a tenth of the variance apart is no longer trustworthy.
SOBOL_MAX_INTERVAL_WIDTH = 0.1
# An assumption is worth digging into when it carries a flag and at least this total-order index (5% of variance).
PRIORITY_THRESHOLD = 0.05
# Bootstrap weights are made this many at a time (4 MB as float32): memory stays flat for any R and n, and the
# counting stays in cache (about twice as fast as 2^22 at a time).
BOOTSTRAP_CHUNK_WEIGHTS = 2**20

TORNADO_COLUMNS = ["scenario", "metric", "unit", "company", "year", "key", "input_low", "input_high", "output_low",
                   "output_high", "base", "swing"]
SOBOL_COLUMNS = ["scenario", "metric", "unit", "company", "year", "key", "first_order", "first_order_low",
                 "first_order_high", "total_order", "total_order_low", "total_order_high"]
PRIORITY_COLUMNS = ["scenario", "metric", "year", "company", "rank", "key", "total_order", "variance_share",
                    "confidence", "flags", "dig"]


# ------------------------------------------------------------------------------------------------ choosing outputs
def check_metric(metric: str) -> None:
    if metric not in METRICS:
        raise UsageError(f"unknown metric '{metric}'; valid: {', '.join(METRICS)}")


def output_year(inputs: Inputs, year: int | None) -> int:
    """The year to explain: `year`, or the horizon's last year when None."""
    first, last = inputs.scenario.horizon
    if year is None:
        return last
    if not first <= year <= last:
        raise UsageError(f"year {year} is outside the horizon {first}-{last}")
    return int(year)


def company_indices(inputs: Inputs, companies: Sequence[str] | str | None) -> list[int]:
    """Positions in `inputs.companies` of the companies named (display name or slug), in that order; all for None."""
    if companies is None:
        return list(range(len(inputs.companies)))
    wanted = [companies] if isinstance(companies, str) else list(companies)
    positions = {}
    for index, company in enumerate(inputs.companies):
        positions[company.slug] = positions[company.name] = index
    for name in wanted:
        if name not in positions:
            raise UsageError(f"unknown company '{name}'; valid: {', '.join(c.slug for c in inputs.companies)}")
    return sorted({positions[name] for name in wanted})


def outputs(inputs: Inputs, values: dict[str, np.ndarray], *, metric: str, year: int,
            chosen: Sequence[int]) -> np.ndarray:
    """The metric in `year` for D draws of the assumptions' `values` (as from `values_at`): (D, C) for the
    `chosen` companies."""
    year_index = year - inputs.scenario.horizon[0]
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # check_finite reports it, with its cause
        projected = project(engine_inputs(inputs, values))[metric]
    check_finite(inputs, {metric: projected}, "in the sensitivity analysis's draws")
    return projected[:, chosen, year_index]


def _labels(inputs: Inputs, metric: str, year: int, chosen: Sequence[int], keys: Sequence[str]) -> pd.DataFrame:
    """The label columns of a (company x assumption) table: C * K rows, company-major."""
    names = [inputs.companies[c].name for c in chosen]
    return pd.DataFrame({
        "scenario": inputs.scenario.name,
        "metric": metric,
        "unit": METRICS[metric].unit(inputs.scenario.reporting_currency),
        "company": np.repeat(names, len(keys)),
        "year": year,
        "key": np.tile(np.array(keys, dtype=object), len(names)),
    })


def _sorted(inputs: Inputs, frame: pd.DataFrame, by: str) -> pd.DataFrame:
    """Rows by company (in the inputs' order), then `by` descending, then key."""
    order = frame["company"].map({c.name: i for i, c in enumerate(inputs.companies)})
    frame = frame.assign(_order=order).sort_values(["_order", by, "key"], ascending=[True, False, True],
                                                  na_position="last", kind="stable")
    return frame.drop(columns="_order").reset_index(drop=True)


# ------------------------------------------------------------------------------------------------------- tornado
def _series_years(item: ResolvedAssumption) -> list[int] | None:
    value = item.assumption.value
    return sorted(value) if isinstance(value, dict) else None


def tornado_design(k: int) -> np.ndarray:
    """Uniform draws (2k + 1, k): row 0 every assumption at its median (its value); rows 2i + 1 and 2i + 2
    assumption i at TORNADO_LOW and TORNADO_HIGH, the others at their median."""
    u = np.full((2 * k + 1, k), 0.5)
    columns = np.arange(k)
    u[2 * columns + 1, columns] = TORNADO_LOW
    u[2 * columns + 2, columns] = TORNADO_HIGH
    return u


def tornado(
    inputs: Inputs,
    *,
    metric: str = OUTPUT_DEFAULT_METRIC,
    year: int | None = None,
    companies: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Each assumption moved alone to the 5th and to the 95th percentile of its distribution, the others at their
    value: the swing it gives `metric` in `year` (default: the horizon's last), per company.

    One engine call of 2K + 1 draws for K assumptions (`tornado_design`). The scenario's correlations are not
    applied: one at a time is the point. A company's rows are its own assumptions (always) and any other one
    that moves its output (an exchange rate; a rival's figures for a share or rank). Sorted by company, then
    swing descending. Columns: TORNADO_COLUMNS; `input_low`/`input_high` are text (a series lists its years).
    """
    check_metric(metric)
    year = output_year(inputs, year)
    chosen = company_indices(inputs, companies)
    dists = distributions(inputs)
    keys = list(dists)
    design = values_at(dists, tornado_design(len(keys)))
    values = outputs(inputs, design, metric=metric, year=year, chosen=chosen)  # (2K + 1, C)
    base, low, high = values[0], values[1::2].T, values[2::2].T  # (C,), (C, K), (C, K)
    ends = [dists[key].ppf(np.array([TORNADO_LOW, TORNADO_HIGH])) for key in keys]  # K x (2, knots)
    years = [_series_years(inputs.resolved[key]) for key in keys]
    frame = _labels(inputs, metric, year, chosen, keys).assign(
        input_low=np.tile([significant_value(e[0], y) for e, y in zip(ends, years, strict=True)], len(chosen)),
        input_high=np.tile([significant_value(e[1], y) for e, y in zip(ends, years, strict=True)], len(chosen)),
        output_low=low.ravel(),
        output_high=high.ravel(),
        base=np.repeat(base, len(keys)),
        swing=np.abs(high - low).ravel(),
    )
    owners = [inputs.resolved[key].company for key in keys]
    own = np.array([[owner is inputs.companies[c] for owner in owners] for c in chosen]).ravel()
    return _sorted(inputs, frame[(frame["swing"].to_numpy() > 0) | own], "swing")[TORNADO_COLUMNS]


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
    is too small for them (an interval wider than SOBOL_MAX_INTERVAL_WIDTH).
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
    check_metric(metric)
    year = output_year(inputs, year)
    chosen = company_indices(inputs, companies)
    check_samples(samples)
    _check_bootstrap(bootstrap, confidence)
    seed = resolve_seed(rng)
    dists = distributions(inputs)
    keys = list(dists)
    k = len(keys)
    design = qmc.Sobol(d=2 * k, scramble=True, seed=seed).random(samples)
    values_a, values_b = values_at(dists, design[:, :k]), values_at(dists, design[:, k:])

    def evaluate(values: dict[str, np.ndarray]) -> np.ndarray:
        result = outputs(inputs, values, metric=metric, year=year, chosen=chosen)  # (n, C)
        if on_progress is not None:
            on_progress(samples)
        return result

    f_a, f_b = evaluate(values_a), evaluate(values_b)
    f_ab = np.empty((k, samples, len(chosen)))
    for i, key in enumerate(keys):  # one assumption at a time keeps memory at O(n K), not O(n K^2)
        f_ab[i] = evaluate(values_a | {key: values_b[key]})  # A with column i from B
    indices = sobol_indices(f_a, f_b, f_ab, bootstrap=bootstrap, confidence=confidence,
                            rng=np.random.default_rng([seed, 1]))
    frame = _labels(inputs, metric, year, chosen, keys).assign(**{
        column: values.T.ravel() for column, values in zip(SOBOL_COLUMNS[6:], indices, strict=True)})
    moves = (f_ab != f_a).any(axis=1).T.ravel()  # (C K): the assumption changed the output in some draw
    frame = _sorted(inputs, frame[moves], "total_order")[SOBOL_COLUMNS]
    widths = _interval_widths(frame)
    return SobolResult(
        frame=frame,
        samples=samples,
        evaluations=samples * (k + 2),
        seed=seed,
        bootstrap=bootstrap,
        confidence=confidence,
        max_interval_width={name: width for name, (width, _) in widths.items()},
        notes=tuple(_sobol_notes(inputs, metric, year, chosen, f_a, f_b)),
        warnings=tuple(_sobol_warnings(inputs, metric, year, samples, widths)),
    )


def _interval_widths(frame: pd.DataFrame) -> dict[str, tuple[float, str]]:
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
            for company, (width, key) in widths.items() if width > SOBOL_MAX_INTERVAL_WIDTH]


# -------------------------------------------------------------------------------------------- research priorities
def research_flags(item: ResolvedAssumption, sources: dict[str, Source]) -> str:
    """Why an assumption's figure is soft: "low confidence", "unconfirmed source", "analyst judgement", joined
    with "; "; empty when none applies."""
    kinds = {sources[c.ref].kind for c in item.assumption.sources if c.ref in sources}
    flags = [
        ("low confidence", item.assumption.confidence == "low"),
        ("unconfirmed source", "unconfirmed" in kinds),
        ("analyst judgement", rests_on_judgement(item, sources)),
    ]
    return "; ".join(flag for flag, applies in flags if applies)


def research_priorities(inputs: Inputs, sobol_frame: pd.DataFrame) -> pd.DataFrame:
    """Where to dig next: per company, the assumptions of a `SobolResult.frame` ranked by total-order index
    (rank 1 the largest), with their flags (`research_flags`).

    `variance_share` is each total-order index, clipped at 0, over the company's sum of them: the indices
    themselves add up to more than 1 when assumptions interact, the shares to 1. `dig` marks a flagged
    assumption with a total-order index of at least PRIORITY_THRESHOLD. Columns: PRIORITY_COLUMNS.
    """
    frame = _sorted(inputs, sobol_frame, "total_order")
    clipped = frame["total_order"].clip(lower=0)
    items = [inputs.resolved[key] for key in frame["key"]]
    frame = frame.assign(
        rank=frame.groupby("company", sort=False).cumcount() + 1,
        variance_share=clipped / clipped.groupby(frame["company"]).transform("sum"),
        confidence=[item.assumption.confidence for item in items],
        flags=[research_flags(item, inputs.assumptions.sources) for item in items],
    )
    frame["dig"] = (frame["flags"] != "") & (frame["total_order"] >= PRIORITY_THRESHOLD)
    return frame[PRIORITY_COLUMNS]


# ----------------------------------------------------------------------------------------------- tables to read
def moving(tornado_frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of a tornado whose assumption moves the output (all rows when none does): what a chart or a reader
    needs, where the CSV keeps each company's every assumption."""
    rows = tornado_frame[tornado_frame["swing"] > 0]
    return rows if len(rows) else tornado_frame
