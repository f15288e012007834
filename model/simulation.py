"""Monte Carlo runs: the projection over many draws, summarised chunk by chunk so that memory stays bounded.

No array of all draws is ever kept: each chunk adds to running sums (means, lead and overtake counts) and leaves
its percentiles, per batch, for the final estimate.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from model.engine import first_overtake_year, project
from model.loading import Inputs
from model.parameters import engine_inputs
from model.uncertainty import UniformStream, copula_matrix, distributions, resolve_seed, values_at

PERCENTILES = (5.0, 50.0, 95.0)
# Metrics on which "who leads" and "who overtakes whom" are asked.
RACE_METRICS = ("capex_cumulative", "ai_chip_spend_cumulative", "accelerators_installed")
# 2^15 draws of three companies keep the engine's working arrays near 200 MB; a power of two keeps each chunk of a
# Sobol' sequence balanced.
DEFAULT_CHUNK = 2**15
# Percentiles' standard errors come from the spread of percentiles over at least this many batches of draws.
SE_BATCHES = 10


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
    notes: tuple[str, ...]  # repairs made to the scenario's correlations


class _Accumulator:
    def __init__(self, years: np.ndarray, batches_per_chunk: int, single_chunk: bool):
        self.years = years
        self.batches_per_chunk = batches_per_chunk
        self.exact: dict[str, np.ndarray] | None = {} if single_chunk else None
        self.count = 0
        self.sums: dict[str, np.ndarray] = {}
        self.batch_percentiles: dict[str, list[np.ndarray]] = {}
        self.batch_sizes: list[int] = []
        self.leads: dict[str, np.ndarray] = {}
        self.overtakes: dict[str, np.ndarray] = {}

    def add(self, metrics: dict[str, np.ndarray]) -> None:
        draws = next(iter(metrics.values())).shape[0]
        self.count += draws
        batches = np.array_split(np.arange(draws), self.batches_per_chunk)
        self.batch_sizes += [len(b) for b in batches]
        for name, values in metrics.items():
            self.sums[name] = self.sums.get(name, 0.0) + values.sum(axis=0)
            stack = self.batch_percentiles.setdefault(name, [])
            stack += [np.percentile(values[b[0] : b[-1] + 1], PERCENTILES, axis=0) for b in batches]
            if self.exact is not None:
                self.exact[name] = np.percentile(values, PERCENTILES, axis=0)
        for name in RACE_METRICS:
            values = metrics[name]
            first = values >= values.max(axis=1, keepdims=True)  # ties lead together
            self.leads[name] = self.leads.get(name, 0) + first.sum(axis=0)
            year_of = first_overtake_year(values, self.years)  # (D, C, C)
            counts = np.stack([(year_of == year).sum(axis=0) for year in self.years], axis=-1)
            self.overtakes[name] = self.overtakes.get(name, 0) + counts

    def percentiles(self) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """Percentile estimates (exact for a run of one chunk, else the size-weighted mean of the batches'
        percentiles) and their standard errors (the batches' spread, scaled from one batch to all draws)."""
        sizes = np.array(self.batch_sizes, dtype=float)
        weights = sizes / sizes.sum()
        estimates, errors = {}, {}
        for name, stack in self.batch_percentiles.items():
            batches = np.stack(stack)  # (B, P, C, T)
            estimate = np.tensordot(weights, batches, axes=1)
            estimates[name] = estimate if self.exact is None else self.exact[name]
            if len(stack) > 1:
                spread = np.tensordot(weights, (batches - estimate) ** 2, axes=1) * len(stack) / (len(stack) - 1)
                errors[name] = np.sqrt(spread * sizes.mean() / self.count)
            else:
                errors[name] = np.full(estimate.shape, np.nan)
        return estimates, errors


def simulate(
    inputs: Inputs,
    draws: int,
    *,
    sampler: str = "sobol",
    rng: np.random.Generator | int | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    on_chunk: Callable[[int], None] | None = None,
) -> Simulation:
    """Run the projection over `draws` draws of every assumption's distribution, `chunk_size` draws at a time.

    `on_chunk(n)` is called after each chunk of n draws (for a progress bar). Percentiles are exact when the run
    fits in one chunk and of at least SE_BATCHES batches; over several chunks they are the mean of the chunks'
    percentiles, whose bias shrinks with the chunk size.
    """
    if draws < 1:
        raise ValueError(f"draws must be at least 1, not {draws}")
    seed = resolve_seed(rng)
    dists = distributions(inputs)
    correlation, notes = copula_matrix(inputs, list(dists))
    stream = UniformStream(list(dists), sampler=sampler, seed=seed, correlation=correlation)
    chunks = math.ceil(draws / chunk_size)
    batches_per_chunk = max(1, math.ceil(SE_BATCHES / chunks))
    years = np.array(list(inputs.scenario.years))
    accumulator = _Accumulator(years, batches_per_chunk, single_chunk=chunks == 1)
    done = 0
    while done < draws:
        size = min(chunk_size, draws - done)
        accumulator.add(project(engine_inputs(inputs, values_at(dists, stream.next(size)))))
        done += size
        if on_chunk is not None:
            on_chunk(size)
    percentiles, errors = accumulator.percentiles()
    return Simulation(
        draws=draws,
        seed=seed,
        sampler=sampler,
        chunk_size=chunk_size,
        mean={name: total / draws for name, total in accumulator.sums.items()},
        percentiles=percentiles,
        standard_error=errors,
        lead={name: counts / draws for name, counts in accumulator.leads.items()},
        overtake={name: counts / draws for name, counts in accumulator.overtakes.items()},
        notes=tuple(notes),
    )
