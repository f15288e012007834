"""Monte Carlo runs: the projection over many draws, summarised chunk by chunk so that memory stays bounded.

No array of all draws is ever kept: each chunk of draws is projected and summarised on its own (sums for the
means, its percentiles, lead and overtake counts), possibly in worker threads, and the chunks' summaries are
combined in chunk order, so the numbers do not depend on the number of workers or on their timing.
"""

from __future__ import annotations

import itertools
import math
import os
import queue
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from model.catalogue import METRICS, Kind, View, metrics_in
from model.core.engine import draws_first, project
from model.core.first_order import (
    BinnedSums,
    FirstOrder,
    bin_count,
    binned_sums,
    bins_of_draws,
    check_bins,
    first_order,
    merged,
)
from model.core.parameters import Layout, engine_inputs, layout
from model.core.uncertainty import ScoreMap, UniformStream, copula_matrix, distributions, resolve_seed
from model.domain import Inputs

PERCENTILES = (5.0, 50.0, 95.0)
# Metrics on which "who leads" and "who overtakes whom" are asked.
RACE_METRICS = metrics_in(View.race)
# A chunk is the unit of the percentiles: the mean of the chunks' percentiles has a bias of order 1/chunk, which at
# 2^15 draws is under a tenth of the Monte Carlo standard error at 10^6 draws (about a quarter at 10^7), for 40 MB
# of float32 rows per running chunk; larger chunks sort more slowly (their rows leave the caches). A power of two
# keeps each chunk of a Sobol' sequence balanced. Measured with benchmarks/draws.py. The most draws a chunk holds.
DEFAULT_CHUNK = 2**15
# Bytes a chunk may hold, its block of rows (metrics x companies x years float32 per draw) and its uniform draws
# (float64 per assumption): with many companies a chunk holds fewer draws (`chunk_size_for`), so that memory stays
# bounded (two running chunks and four drawn ones on two cores: about 360 MB at 100 companies, whose run peaks at
# 750 MiB). The shipped three companies fill a quarter of it at DEFAULT_CHUNK. Measured with benchmarks/companies.py.
CHUNK_BYTES = 2**28
# The fewest draws a chunk holds, whatever the budget, so that the chunks' percentile bias (of order 1/chunk) stays
# near what the README reports for 2,048. It binds beyond about 350 companies (the budget is then exceeded).
MIN_CHUNK = 2**10
# Percentiles' standard errors come from the spread of percentiles over at least this many batches of draws.
SE_BATCHES = 10
# Draws the engine projects at a time within a chunk: its arrays stay in the processor's caches and small enough
# for the allocator to reuse rather than map afresh. Measured with benchmarks/draws.py. The most draws of a slice:
ENGINE_SLICE = 2**13
# and the bytes of one of its (companies, years) arrays, so that with many companies a slice holds fewer draws (the
# engine holds dozens of such arrays at once).
ENGINE_BYTES = 2**22
# Up to this many companies, "who first overtakes whom" is counted for every pair; beyond it, among the OVERTAKE_LIMIT
# companies that lead each race metric in the horizon's last year with every assumption at its median (the pairs,
# and their cost, grow as the square of the companies; the rest grows linearly). Pairs outside them count zero.
OVERTAKE_LIMIT = 12
# Percentiles are found for this many bytes of rows at a time (a processor's L2 cache holds them).
GROUP_BYTES = 2**20
# A run with a `stop` rule asks it after each of its first STOP_EVERY_CHUNK chunks, then each time its draws have
# grown by STOP_GROWTH: summarising k chunks costs O(k) (their percentiles are kept apart), so asking after every
# chunk would cost O(k^2), a second at 300 chunks; this way a run stops at most a sixteenth later than it could.
STOP_EVERY_CHUNK = 16
STOP_GROWTH = 1 / 16
# Threads by default at most: each holds a chunk's block (40 MB at the default chunk) and the engine's arrays.
MAX_WORKERS = 8
# The sampled path runs in float32: half the memory traffic of float64, and faster sorting; its rounding (1e-7)
# is far below Monte Carlo error. A deterministic run (`projection.run`) stays float64.
SAMPLED_DTYPE = np.float32


@dataclass(frozen=True)
class Simulation:
    """Summaries of a Monte Carlo run; arrays are over companies C and horizon years T."""

    draws: int
    seed: int
    sampler: str
    chunk_size: int
    mean: dict[str, np.ndarray]  # (C, T)
    percentiles: dict[str, np.ndarray]  # (P, C, T) for PERCENTILES
    standard_error: dict[str, np.ndarray]  # (P, C, T): Monte Carlo standard error of each percentile
    lead: dict[str, np.ndarray]  # (C, T): share of draws in which the company is first on a RACE_METRIC
    overtake: dict[str, np.ndarray]  # (C, C, T): share of draws in which company a first moves ahead of b in year t
    # (counted among `overtake_among` only: zero for other pairs)
    notes: tuple[str, ...]  # repairs made to the scenario's correlations
    workers: int = 1  # threads that projected and summarised the chunks (the numbers do not depend on it)
    first_order: FirstOrder | None = None  # given-data first-order indices of the metrics asked for, if any
    # the companies (indices, in company order) among which each RACE_METRIC's overtakes were counted: every
    # company up to OVERTAKE_LIMIT of them; empty when not recorded
    overtake_among: dict[str, tuple[int, ...]] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------------- percentiles
def row_percentiles(rows: np.ndarray, percentiles: tuple[float, ...] = PERCENTILES,
                    levels: np.ndarray | None = None) -> np.ndarray:
    """(P, R): the percentiles of each row of `rows` (R, n), equal to `np.percentile(rows, percentiles, axis=1)`.

    The interpolation is numpy's default, "linear" (Hyndman and Fan's type 7: the order statistics either side of
    position (n - 1) p / 100, counted from 0, weighted by distance); NaN for a row holding NaN. Instead of sorting,
    single-kth partitions put each needed order statistic in place, nearest the middle first, so that the later
    ones work on a part of the row; the rows are reordered in place (any layout whose rows are contiguous). Rows
    whose values all lie in `levels` = 1, 2, ..., L (ranks) are counted instead, and left as they are.
    """
    group = max(1, GROUP_BYTES // max(1, rows.shape[1] * rows.itemsize))
    if rows.shape[0] > group:  # a group of rows at a time, so that its partitions and minima stay in the caches
        return np.concatenate([row_percentiles(rows[start : start + group], percentiles, levels)
                               for start in range(0, rows.shape[0], group)], axis=1)
    n = rows.shape[1]
    q = np.true_divide(percentiles, 100)
    # numpy's own arithmetic (its "linear" virtual index, _get_indexes, _get_gamma and _lerp), for equal bits
    position = (n - 1) * q
    last = position >= n - 1
    below = np.where(last, n - 1, np.floor(position)).astype(np.intp)
    weight = position - np.where(last, -1, below)
    above = np.where(last, n - 1, below + 1)
    if levels is None:
        order_statistic = _partitioned(rows, below)
        # NaN sorts last: a row holding NaN has it at the last partition's position or after it
        has_nan = np.isnan(rows[:, below.max() :]).any(axis=1)
    else:
        order_statistic = _counted(rows, levels)
        has_nan = np.zeros(rows.shape[0], dtype=bool)
    estimates = np.empty((len(q), rows.shape[0]))
    for i in range(len(q)):
        a, b = order_statistic(int(below[i])), order_statistic(int(above[i]))
        difference = b - a
        estimates[i] = a + difference * weight[i]
        if weight[i] >= 0.5:
            estimates[i] = b - difference * (1 - weight[i])
    estimates[:, has_nan] = np.nan
    return estimates


def _partitioned(rows: np.ndarray, below: np.ndarray) -> Callable[[int], np.ndarray]:
    """Partition `rows` at the positions `below`; return the order statistic (R,) at any position k (in `below`,
    or one after)."""
    n = rows.shape[1]
    fixed = sorted(set(below.tolist()))
    _select(rows, fixed, 0, n)

    def order_statistic(k: int) -> np.ndarray:
        if k in fixed:
            return rows[:, k]
        # every value after the next fixed position is at least its value, so the order statistic after a fixed
        # one is the least value up to there
        following = next((f for f in fixed if f > k), n - 1)
        return rows[:, k : following + 1].min(axis=1)

    return order_statistic


def _counted(rows: np.ndarray, levels: np.ndarray) -> Callable[[int], np.ndarray]:
    """The order statistic (R,) at any position k of rows whose values all lie in the sorted `levels`."""
    if len(levels) <= 4:  # a few levels: a comparison pass per level is quicker than finding each value's level
        at_most = np.stack([np.count_nonzero(rows <= level, axis=1) for level in levels[:-1]], axis=1)  # (R, L - 1)
    else:  # a histogram of each row in one pass, rather than a pass per level (ranks of many companies)
        level_of = rows.astype(np.intp)  # the levels are 1, 2, ..., L: each value's level is its index + 1
        level_of += np.arange(rows.shape[0])[:, None] * len(levels) - 1
        counts = np.bincount(level_of.reshape(-1), minlength=rows.shape[0] * len(levels))
        at_most = counts.reshape(rows.shape[0], len(levels)).cumsum(axis=1)[:, :-1]  # (R, L - 1)
    levels = np.asarray(levels, dtype=rows.dtype)

    def order_statistic(k: int) -> np.ndarray:
        return levels[np.count_nonzero(at_most <= k, axis=1)]

    return order_statistic


def _select(rows: np.ndarray, positions: list[int], start: int, stop: int) -> None:
    """Partition rows[:, start:stop] so that each of the sorted `positions` (in [start, stop)) holds its order
    statistic."""
    if not positions:
        return
    middle = len(positions) // 2
    k = positions[middle]
    rows[:, start:stop].partition(k - start, axis=1)
    _select(rows, positions[:middle], start, k)
    _select(rows, positions[middle + 1 :], k + 1, stop)


# ---------------------------------------------------------------------------------------------------------- chunks
@dataclass(frozen=True)
class _Chunk:
    """The summaries of one chunk of draws; every array is over the metric's (C, H) cells."""

    draws: int
    sums: dict[str, np.ndarray]  # (C, H) float64
    percentiles: dict[str, np.ndarray]  # (P, C, H) of all the chunk's draws
    batch_percentiles: dict[str, np.ndarray]  # (B, P, C, H) of each batch of the chunk
    batch_sizes: tuple[int, ...]
    leads: dict[str, np.ndarray]  # (C, H) counts
    overtakes: dict[str, np.ndarray]  # (C, C, H) counts
    binned: BinnedSums | None = None  # for the first-order indices: the asked metrics' (C, H) rows, in order


class _Chunks:
    """Projects and summarises chunks of draws. Pure apart from its blocks, so worker threads may share it.

    A chunk is projected ENGINE_SLICE draws at a time (the engine's arrays stay small) into a block of rows, one
    row per metric, company and year (continuous metrics first, then ranks), whose percentiles are then found in
    place. Each running chunk holds one block; a finished chunk hands its block on to the next.
    """

    def __init__(self, stream: UniformStream, score_map: ScoreMap, structure: Layout, chunk_size: int, batches: int,
                 overtake_among: dict[str, tuple[int, ...]], first_order_metrics: tuple[str, ...] = (),
                 bins: int = 2, coupled: np.ndarray | None = None):
        self.stream, self.score_map, self.structure, self.batches = stream, score_map, structure, batches
        self.first_order_metrics, self.bins = first_order_metrics, bins
        self.coupled = np.array([], dtype=np.intp) if coupled is None else coupled  # columns the copula mixes
        self.chunk_size = chunk_size
        self.cells = (len(structure.in_plan), structure.horizon_stop - structure.horizon_start)  # (C, H)
        self.engine_slice = engine_slice_for(self.cells[0], len(structure.years))
        # None: every company, counted without a copy of its rows
        self.overtake_among = {name: None if len(among) == self.cells[0] else np.array(among, dtype=np.intp)
                               for name, among in overtake_among.items()}
        ranked = [name for name, metric in METRICS.items() if metric.kind is Kind.rank]
        order = [name for name in METRICS if name not in ranked] + ranked
        size = math.prod(self.cells)
        self.rows = {name: slice(i * size, (i + 1) * size) for i, name in enumerate(order)}
        self.continuous = (len(order) - len(ranked)) * size
        self.levels = np.arange(1.0, self.cells[0] + 1)  # the values a rank takes
        self.free_blocks: queue.SimpleQueue[np.ndarray] = queue.SimpleQueue()

    def __call__(self, u: np.ndarray, batches: int | None = None) -> _Chunk:
        """The summaries of the draws `u`, their standard errors' batches `batches` (default: the constructor's)."""
        try:
            block = self.free_blocks.get_nowait()
        except queue.Empty:
            block = np.empty((len(METRICS) * math.prod(self.cells), self.chunk_size), SAMPLED_DTYPE)
        try:
            # errstate is per thread; `projection.check_finite` reports a non-finite draw, with its cause
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                return self._summarise(u, block[:, : len(u)], self.batches if batches is None else batches)
        finally:
            self.free_blocks.put(block)

    def _summarise(self, u: np.ndarray, block: np.ndarray, batches: int) -> _Chunk:
        draws = len(u)
        leads = {name: np.zeros(self.cells, dtype=np.int64) for name in RACE_METRICS}
        overtakes = {name: np.zeros(self.cells[:1] + self.cells, dtype=np.int64) for name in RACE_METRICS}
        bins = np.empty((u.shape[1], draws), np.uint8) if self.first_order_metrics else None
        for start in range(0, draws, self.engine_slice):
            stop = min(draws, start + self.engine_slice)
            cells = {name: block[rows, start:stop].reshape(*self.cells, -1) for name, rows in self.rows.items()}
            scores = self.stream.scores(u[start:stop])
            if bins is not None:  # each assumption's bin, as its (coupled) draw falls
                bins[:, start:stop] = bins_of_draws(u[start:stop], scores, self.coupled, self.bins)
            values = self.score_map(scores)
            project(self.structure.engine_inputs(values), out={name: draws_first(c) for name, c in cells.items()})
            for name in RACE_METRICS:  # while the slice is in the caches
                leads[name] += _lead_counts(cells[name])
                if (among := self.overtake_among[name]) is None:
                    overtakes[name] += _overtake_counts(cells[name])
                else:
                    overtakes[name][np.ix_(among, among)] += _overtake_counts(cells[name][among])
        # before the percentiles' partitions reorder each row's draws
        binned = None if bins is None else binned_sums(
            bins, np.concatenate([block[self.rows[name]] for name in self.first_order_metrics]), self.bins)
        batches = min(batches, draws)  # a chunk smaller than the batches asked for has a draw per batch
        bounds = np.cumsum([0, *(len(b) for b in np.array_split(np.empty(draws), batches))])
        sums, percentiles, batch_percentiles = np.empty(len(block)), [], []
        group = max(1, GROUP_BYTES // (draws * block.itemsize))
        starts = [*range(0, self.continuous, group), *range(self.continuous, len(block), group), len(block)]
        for first, stop in itertools.pairwise(starts):  # a group of rows at a time, read from memory once
            rows = block[first:stop]
            levels = self.levels if first >= self.continuous else None
            sums[first:stop] = rows.sum(axis=1, dtype=np.float64)
            # the batches' percentiles first: the whole chunk's partitions mix the batches
            batch_percentiles.append([row_percentiles(rows[:, a:b], levels=levels)
                                      for a, b in itertools.pairwise(bounds)] if batches > 1 else [])
            percentiles.append(row_percentiles(rows, levels=levels))
        percentiles = np.concatenate(percentiles, axis=1)  # (P, R)
        batch_percentiles = np.concatenate([np.stack(b) for b in batch_percentiles], axis=2) if batches > 1 \
            else percentiles[None]  # (B, P, R)

        def by_cell(array: np.ndarray, name: str) -> np.ndarray:
            return array[..., self.rows[name]].reshape(*array.shape[:-1], *self.cells)

        return _Chunk(
            draws=draws,
            sums={name: by_cell(sums, name) for name in METRICS},
            percentiles={name: by_cell(percentiles, name) for name in METRICS},
            batch_percentiles={name: by_cell(batch_percentiles, name) for name in METRICS},
            batch_sizes=tuple(int(size) for size in np.diff(bounds)),
            leads=leads,
            overtakes=overtakes,
            binned=binned,
        )


def _lead_counts(values: np.ndarray) -> np.ndarray:
    """(C, H): how many draws of `values` (C, H, D) see each company first (ties lead together)."""
    first = np.packbits(values >= values.max(axis=0), axis=-1)  # eight draws a byte: less to count
    return np.bitwise_count(first).sum(axis=-1, dtype=np.int64)


def _overtake_counts(values: np.ndarray) -> np.ndarray:
    """(C, C, H): how many draws of `values` (C, H, D) see company a first move ahead of company b in year t, having
    not been ahead the year before (as `engine.first_overtake_year` defines it)."""
    ahead = np.packbits(values[:, None] > values[None, :], axis=-1)  # (C, C, H, D / 8), eight draws a byte
    moved = ahead[:, :, 1:] & ~ahead[:, :, :-1]  # the padding bits stay 0
    counts = np.zeros(ahead.shape[:-1], dtype=np.int64)
    seen = np.zeros(ahead.shape[:2] + ahead.shape[3:], dtype=np.uint8)
    for t in range(moved.shape[2]):  # the horizon's years, a handful
        new = moved[:, :, t] & ~seen
        counts[:, :, t + 1] = np.bitwise_count(new).sum(axis=-1)
        seen |= new
    return counts


def chunk_size_for(companies: int, years: int, assumptions: int) -> int:
    """The draws of a chunk of a run over `companies` companies, `years` horizon years and `assumptions` uniform
    draws per draw: the largest power of two whose block and uniforms fit in CHUNK_BYTES, between MIN_CHUNK and
    DEFAULT_CHUNK."""
    per_draw = len(METRICS) * companies * years * np.dtype(SAMPLED_DTYPE).itemsize + assumptions * 8
    return min(DEFAULT_CHUNK, max(MIN_CHUNK, _power_of_two_below(CHUNK_BYTES // per_draw)))


def engine_slice_for(companies: int, years: int) -> int:
    """The draws the engine projects at a time for `companies` companies over `years` model years: the largest
    power of two whose (companies, years) arrays fit in ENGINE_BYTES, at most ENGINE_SLICE (and at least 64)."""
    per_draw = companies * years * np.dtype(SAMPLED_DTYPE).itemsize
    return min(ENGINE_SLICE, max(64, _power_of_two_below(ENGINE_BYTES // per_draw)))


def _power_of_two_below(n: int) -> int:
    """The largest power of two at most n (1 for n < 1)."""
    return 1 << max(0, int(n).bit_length() - 1)


def overtakers(inputs: Inputs, limit: int = OVERTAKE_LIMIT) -> dict[str, tuple[int, ...]]:
    """Per RACE_METRIC, the companies (indices in company order) among which overtakes are counted: every company
    when there are at most `limit`, else the `limit` largest in the horizon's last year with every assumption at its
    median (the deterministic projection; ties keep company order)."""
    companies = len(inputs.companies)
    if companies <= limit:
        return {name: tuple(range(companies)) for name in RACE_METRICS}
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # `projection.run` reports non-finite values
        central = project(engine_inputs(inputs))
    chosen = {}
    for name in RACE_METRICS:
        last = np.nan_to_num(central[name][0, :, -1], nan=-np.inf)
        chosen[name] = tuple(sorted(np.argsort(-last, kind="stable")[:limit].tolist()))
    return chosen


class _Totals:
    """The chunks' summaries combined, in chunk order."""

    def __init__(self) -> None:
        self.draws = 0
        self.sums: dict[str, np.ndarray] = {}
        self.chunk_percentiles: dict[str, list[np.ndarray]] = {}
        self.chunk_sizes: list[int] = []
        self.batch_percentiles: dict[str, list[np.ndarray]] = {}
        self.batch_sizes: list[int] = []
        self.leads: dict[str, np.ndarray] = {}
        self.overtakes: dict[str, np.ndarray] = {}
        self.binned: BinnedSums | None = None

    def add(self, chunk: _Chunk) -> None:
        self.draws += chunk.draws
        if chunk.binned is not None:
            self.binned = chunk.binned if self.binned is None else merged(self.binned, chunk.binned)
        self.chunk_sizes.append(chunk.draws)
        self.batch_sizes += chunk.batch_sizes
        for name, total in chunk.sums.items():
            self.sums[name] = self.sums.get(name, 0.0) + total
            self.chunk_percentiles.setdefault(name, []).append(chunk.percentiles[name])
            self.batch_percentiles.setdefault(name, []).extend(chunk.batch_percentiles[name])
        for name in RACE_METRICS:
            self.leads[name] = self.leads.get(name, 0) + chunk.leads[name]
            self.overtakes[name] = self.overtakes.get(name, 0) + chunk.overtakes[name]

    def percentiles(self) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """Percentile estimates (the size-weighted mean of the chunks' percentiles, exact for a run of one chunk)
        and their standard errors (the spread of the batches' percentiles, scaled from one batch to all draws)."""
        chunk_weights = np.array(self.chunk_sizes, dtype=float) / self.draws
        sizes = np.array(self.batch_sizes, dtype=float)
        weights = sizes / sizes.sum()
        estimates, errors = {}, {}
        for name, stack in self.batch_percentiles.items():
            chunks = self.chunk_percentiles[name]
            estimates[name] = chunks[0] if len(chunks) == 1 else np.tensordot(chunk_weights, np.stack(chunks), axes=1)
            if len(stack) > 1:
                batches = np.stack(stack)  # (B, P, C, T)
                centre = np.tensordot(weights, batches, axes=1)
                with np.errstate(over="ignore", invalid="ignore"):  # a non-finite draw: `projection.run` reports it
                    spread = np.tensordot(weights, (batches - centre) ** 2, axes=1) * len(stack) / (len(stack) - 1)
                errors[name] = np.sqrt(spread * sizes.mean() / self.draws)
            else:
                errors[name] = np.full(estimates[name].shape, np.nan)
        return estimates, errors


# ------------------------------------------------------------------------------------------------------------ runs
def default_workers() -> int:
    """The processor cores this process may use, at most MAX_WORKERS."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return min(cores, MAX_WORKERS)


def simulate(
    inputs: Inputs,
    draws: int,
    *,
    sampler: str = "sobol",
    rng: np.random.Generator | int | None = None,
    chunk_size: int | None = None,
    on_chunk: Callable[[int], None] | None = None,
    workers: int | None = None,
    stop: Callable[[Simulation], bool] | None = None,
    first_order_metrics: Sequence[str] = (),
    bins: int | None = None,
) -> Simulation:
    """Run the projection over `draws` draws of every assumption's distribution, `chunk_size` draws at a time
    (default: as many as CHUNK_BYTES holds for this scenario's companies, `chunk_size_for`).

    `on_chunk(n)` is called, in chunk order, after each chunk of n draws (for a progress bar). `workers` threads
    (default: one per available core) project and summarise chunks; the uniform draws are made in order in the
    calling thread, and the summaries combined in order, so the numbers do not depend on `workers`. Percentiles
    are exact (numpy's linear interpolation) when the run fits in one chunk; over several chunks they are the mean
    of the chunks' percentiles, whose bias shrinks with the chunk size. Their standard errors come from the spread
    over at least SE_BATCHES batches (the chunks, or parts of them). Memory is bounded by the chunk size times the
    number of chunks in flight (two per worker at most), whatever the number of draws. Overtakes are counted among
    `overtakers(inputs)`: every pair up to OVERTAKE_LIMIT companies.

    `stop`, when given, makes `draws` the most that are drawn: after each chunk (in chunk order; past
    STOP_EVERY_CHUNK chunks, once the draws have grown by STOP_GROWTH since it was last asked), the draws so far
    are summarised and `stop(summary)` is asked whether they are enough; True ends the run with them (chunks drawn
    ahead by other workers are dropped, so the stopping point does not depend on `workers` either). The k-th
    chunk (from 1) is then split into ceil(SE_BATCHES / k) batches, so that the first chunks, whatever their
    number, give standard errors from at least SE_BATCHES batches. A run stopped after n draws has the means and
    percentiles of a run of n draws; only its standard errors' batches differ.

    For each of `first_order_metrics` the run also estimates every assumption's first-order index on each company
    and year from the same draws (`model.core.first_order`), with `bins` bins per assumption (default
    `bin_count(draws)`, so that the indices do not depend on the chunk size; with `stop`, on the most draws).
    """
    if draws < 1:
        raise ValueError(f"draws must be at least 1, not {draws}")
    if chunk_size is not None and chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, not {chunk_size}")
    seed = resolve_seed(rng)
    dists = distributions(inputs)
    structure = layout(inputs)
    if chunk_size is None:
        chunk_size = chunk_size_for(len(inputs.companies), structure.horizon_stop - structure.horizon_start,
                                    len(dists))
    correlation, notes = copula_matrix(inputs, list(dists))
    stream = UniformStream(list(dists), sampler=sampler, seed=seed, correlation=correlation)
    chunks = math.ceil(draws / chunk_size)
    batches = max(1, math.ceil(SE_BATCHES / chunks))
    workers = max(1, min(default_workers() if workers is None else workers, chunks))

    def sizes() -> Iterator[tuple[int, int]]:  # each chunk's draws and its batches
        for index, start in enumerate(range(0, draws, chunk_size)):
            split = batches if stop is None else math.ceil(SE_BATCHES / (index + 1))
            yield min(chunk_size, draws - start), max(1, split)

    first_order_metrics = tuple(first_order_metrics)
    unknown = [name for name in first_order_metrics if name not in METRICS]
    if unknown:
        raise ValueError(f"unknown metric(s) {', '.join(unknown)}; valid: {', '.join(METRICS)}")
    bins = bin_count(draws) if bins is None else bins
    if first_order_metrics:
        check_bins(bins)
    coupled = None if correlation is None else np.flatnonzero((correlation != np.eye(len(dists))).any(axis=0))
    among = overtakers(inputs)
    run_chunk = _Chunks(stream, ScoreMap(dists, SAMPLED_DTYPE), structure, min(chunk_size, draws), batches, among,
                        first_order_metrics, bins, coupled)

    def indices(totals: _Totals) -> FirstOrder | None:
        if totals.binned is None:
            return None
        found = first_order(totals.binned).reshape(len(dists), len(first_order_metrics), *run_chunk.cells)
        return FirstOrder(tuple(dists), bins, {name: found[:, i] for i, name in enumerate(first_order_metrics)})

    totals = _Totals()
    asked: list[Simulation] = []  # the last summary `stop` was asked about

    def summary() -> Simulation:
        if asked and asked[0].draws == totals.draws:
            return asked[0]
        return _simulation(totals, seed=seed, sampler=sampler, chunk_size=chunk_size, notes=notes, workers=workers,
                           first_order=indices(totals), overtake_among=among)

    def added(chunk: _Chunk) -> bool:
        """Add a chunk, in order; whether the run stops there."""
        totals.add(chunk)
        if on_chunk is not None:
            on_chunk(chunk.draws)
        if stop is None or (len(totals.chunk_sizes) > STOP_EVERY_CHUNK
                            and totals.draws < asked[0].draws * (1 + STOP_GROWTH)):
            return False
        asked[:] = [summary()]
        return bool(stop(asked[0]))

    if workers == 1:
        for size, split in sizes():
            if added(run_chunk(stream.draw(size), split)):
                break
    else:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="simulate") as pool:
            pending: deque[Future[_Chunk]] = deque()
            stopped = False
            try:
                for size, split in sizes():
                    if len(pending) >= 2 * workers:  # bounds memory: a chunk is drawn only when one is collected
                        if stopped := added(pending.popleft().result()):
                            break
                    pending.append(pool.submit(run_chunk, stream.draw(size), split))
                while pending and not stopped:
                    stopped = added(pending.popleft().result())
            finally:  # stopped, an error or an interrupt: leave the queued chunks undone
                for future in pending:
                    future.cancel()
    return summary()


def _simulation(totals: _Totals, *, seed: int, sampler: str, chunk_size: int, notes: list[str],
                workers: int, first_order: FirstOrder | None = None,
                overtake_among: dict[str, tuple[int, ...]] | None = None) -> Simulation:
    """The Simulation of the chunks added to `totals` so far."""
    percentiles, errors = totals.percentiles()
    return Simulation(
        draws=totals.draws,
        seed=seed,
        sampler=sampler,
        chunk_size=chunk_size,
        mean={name: total / totals.draws for name, total in totals.sums.items()},
        percentiles=percentiles,
        standard_error=errors,
        lead={name: counts / totals.draws for name, counts in totals.leads.items()},
        overtake={name: counts / totals.draws for name, counts in totals.overtakes.items()},
        notes=tuple(notes),
        workers=workers,
        first_order=first_order,
        overtake_among=overtake_among or {},
    )
