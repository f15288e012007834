"""Ceilings on the sizes a command may ask for (draws, Sobol' samples), from this machine's memory and a documented
time ceiling, so that a request too large is refused at once instead of failing after minutes or exhausting memory."""

from __future__ import annotations

import math
import os
from pathlib import Path

from model.domain import Inputs
from model.errors import UsageError
from model.format import byte_size

# Monte Carlo memory is flat in the draws (chunked summaries), so time bounds them: 10^9 draws take about 20 minutes
# at the ~750,000 draws a second measured on two cores (benchmarks/draws.py), their Monte Carlo error is far below
# any assumption's own uncertainty, and scipy's Sobol' sequence gives at most 2^30 (1.07 x 10^9) points.
MAX_DRAWS = 10**9
# The same time ceiling for a Sobol' analysis, which runs the model samples x (assumptions + 2) times.
MAX_EVALUATIONS = 10**9
# The share of the machine's available memory a run may plan to use; the rest stays for the system and the charts.
MEMORY_SHARE = 0.8
FLOAT64 = 8
FLOAT32 = 4


def available_memory() -> int:
    """Bytes of memory available now (MemAvailable of /proc/meminfo), else the machine's physical memory."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 2**34  # no way to know: assume a 16 GB machine


def _shape(inputs: Inputs) -> tuple[int, int, int]:
    """(assumptions, companies, horizon years) of a resolved scenario."""
    return len(inputs.resolved), len(inputs.companies), len(inputs.scenario.years)


# ----------------------------------------------------------------------------------------------------------- draws
def draws_bytes(draws: int, companies: int, years: int, assumptions: int = 0) -> int:
    """An upper bound of what `simulation.simulate` holds for `draws` draws: the chunks in flight (two per worker,
    each a block of float32 rows) and, per chunk, its percentiles and its batches' (kept to combine them). The
    chunks hold fewer draws with more companies (`simulation.chunk_size_for`), so more of them are kept."""
    from model.catalogue import METRICS
    from model.core.simulation import PERCENTILES, SE_BATCHES, chunk_size_for, default_workers

    cells = len(METRICS) * companies * years
    chunk_size = chunk_size_for(companies, years, assumptions)
    chunk = min(chunk_size, draws)
    chunks = math.ceil(draws / chunk_size)
    batches = max(1, math.ceil(SE_BATCHES / chunks))
    in_flight = 2 * default_workers() * cells * chunk * FLOAT32
    # x 1.25: the metric being combined at the end is stacked once more
    kept = chunks * (1 + batches) * len(PERCENTILES) * cells * FLOAT64 * 5 // 4
    return in_flight + kept


def max_draws(companies: int, years: int, memory: int | None = None, assumptions: int = 0) -> int:
    """The most draws this machine can run: MAX_DRAWS, or fewer where its memory would not hold their summaries."""
    budget = MEMORY_SHARE * (available_memory() if memory is None else memory)
    if draws_bytes(MAX_DRAWS, companies, years, assumptions) <= budget:
        return MAX_DRAWS
    low, high = 1, MAX_DRAWS  # bytes grow with draws: bisect for the largest that fits
    while low < high:
        middle = (low + high + 1) // 2
        low, high = ((middle, high) if draws_bytes(middle, companies, years, assumptions) <= budget
                     else (low, middle - 1))
    return low


def check_draws(draws: int, inputs: Inputs, option: str = "--draws") -> None:
    """A UsageError when `draws` is more than this machine can run for `inputs`, naming the most it can."""
    assumptions, companies, years = _shape(inputs)
    ceiling = max_draws(companies, years, assumptions=assumptions)
    if draws <= ceiling:
        return
    if ceiling == MAX_DRAWS:
        why = (f"above the ceiling of {MAX_DRAWS:,} draws (about 20 minutes at the measured 750,000 draws a "
               f"second, and the most points a Sobol' sequence gives)")
    else:
        why = (f"more than this machine's memory holds ({byte_size(draws_bytes(draws, companies, years, assumptions))} "
               f"needed, {byte_size(available_memory())} available)")
    raise UsageError(f"{option} {draws:,} is {why}; the most this machine can do is {option} {ceiling:,}")


# --------------------------------------------------------------------------------------------------- Sobol' samples
def sobol_bytes(samples: int, assumptions: int, companies: int, years: int) -> int:
    """An upper bound of what `methods.sobol.sobol` holds for `samples` rows: the design and the drawn values (kept
    throughout), then the larger of one projection of `samples` draws and the estimator's arrays (the outputs
    f_AB, their centred copy, the first- and total-order terms with their temporaries, and the bootstrap's
    columns in float64 and float32), plus the bootstrap's fixed working set."""
    from model.analysis.methods.sobol import BOOTSTRAP_CHUNK_WEIGHTS
    from model.catalogue import METRICS

    k, s = assumptions, companies
    kept = 2 * k * FLOAT64 + 2 * k * years * FLOAT64  # design (n, 2k), values of A and B (a series per year)
    # the engine's inputs (about two dozen (n, C, T) arrays) and outputs (every metric), with as many temporaries
    engine = 2 * (len(METRICS) + 24) * companies * years * FLOAT64
    estimator = 6 * k * s * FLOAT64 + (2 * k + 4) * s * (FLOAT64 + FLOAT32)
    bootstrap = BOOTSTRAP_CHUNK_WEIGHTS * (FLOAT32 + 2 * FLOAT64)  # weights, picks and counts of one chunk
    return samples * (kept + max(engine, estimator)) + bootstrap


def max_samples(assumptions: int, companies: int, years: int, memory: int | None = None) -> int:
    """The largest power of two of Sobol' samples this machine can run: within MEMORY_SHARE of its memory and
    MAX_EVALUATIONS runs of the model (at least 2, the smallest sample)."""
    budget = MEMORY_SHARE * (available_memory() if memory is None else memory)
    samples = 2 ** max(1, math.floor(math.log2(MAX_EVALUATIONS / (assumptions + 2))))
    while samples > 2 and sobol_bytes(samples, assumptions, companies, years) > budget:
        samples //= 2
    return samples


def check_sobol_size(samples: int, inputs: Inputs, option: str = "--samples") -> None:
    """A UsageError when a Sobol' analysis of `samples` rows is more than this machine can run, naming the most."""
    assumptions, companies, years = _shape(inputs)
    ceiling = max_samples(assumptions, companies, years)
    if samples <= ceiling:
        return
    evaluations = samples * (assumptions + 2)
    if evaluations > MAX_EVALUATIONS:
        why = (f"{evaluations:,} runs of the model ({assumptions} assumptions + 2), above the ceiling of "
               f"{MAX_EVALUATIONS:,} (about 20 minutes)")
    else:
        why = (f"more than this machine's memory holds ({byte_size(sobol_bytes(samples, assumptions, companies, years))}"
               f" needed for {assumptions} assumptions and {companies} companies, "
               f"{byte_size(available_memory())} available)")
    raise UsageError(f"{option} {samples:,} is {why}; the most this machine can do is {option} {ceiling:,}")
