"""`simulate`'s stop hook: the run ends at the first chunk whose summary is enough, with the numbers of a run of
that many draws, whatever the number of workers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import norm

from model.core.simulation import STOP_EVERY_CHUNK, STOP_GROWTH, simulate
from model.io.loading import load_inputs
from tests.conftest import SMALL

CHUNK = 4096
# Alpha's 2025 capex is plan / 2 / fx, two independent lognormals with a 90% factor of 1.1 each: a lognormal of
# median 1.875 and log-sigma ln(1.1) sqrt(2) / z95. Its median's standard error over n draws is
# sqrt(p (1 - p)) / (sqrt(n) f(median)) with p = 1/2 and f(median) = 1 / (median sigma sqrt(2 pi)).
MEDIAN = 1.875
SIGMA = math.log(1.1) * math.sqrt(2) / norm.ppf(0.95)
SE_ONE_DRAW = 0.5 * MEDIAN * SIGMA * math.sqrt(2 * math.pi)  # times 1/sqrt(n)
# The target is the median's standard error at 5.5 chunks: the analytic answer is to stop after the 6th chunk.
NEEDED = 5.5 * CHUNK
TARGET = SE_ONE_DRAW / math.sqrt(NEEDED)


@pytest.fixture(scope="module")
def small_inputs():
    return load_inputs(SMALL / "scenarios" / "base.yaml")


def stopping_run(inputs, seed: int, workers: int = 1):
    asked = []

    def enough(summary) -> bool:
        error = float(summary.standard_error["capex"][1, 0, 0])  # the median of Alpha's 2025 capex
        asked.append((summary.draws, error))
        return error <= TARGET

    run = simulate(inputs, 40 * CHUNK, sampler="random", rng=seed, chunk_size=CHUNK, stop=enough, workers=workers)
    return run, asked


def test_the_run_stops_at_the_first_chunk_whose_standard_error_is_under_the_target(small_inputs):
    run, asked = stopping_run(small_inputs, seed=1)
    assert [draws for draws, _ in asked] == [CHUNK * k for k in range(1, len(asked) + 1)]  # asked after each chunk
    assert run.draws == asked[-1][0]
    assert asked[-1][1] <= TARGET and all(error > TARGET for _, error in asked[:-1])
    # each estimate (from 10 to 30 batches) is the analytic standard error within its own noise, about 1/sqrt(2 B)
    for draws, error in asked:
        assert error == pytest.approx(SE_ONE_DRAW / math.sqrt(draws), rel=0.4)


def test_the_stopping_chunk_is_the_analytic_one_over_seeds(small_inputs):
    """The estimate is noisy (about 13% at 30 batches, so a stop from 3 to 9 chunks is in keeping), but over seeds
    the run stops where the analytic standard error crosses the target: the median stopping chunk is the 6th."""
    stops = [stopping_run(small_inputs, seed)[0].draws // CHUNK for seed in range(9)]
    assert 5 <= np.median(stops) <= 7, stops
    assert all(3 <= k <= 12 for k in stops), stops


def test_a_stopped_run_has_the_numbers_of_a_run_of_as_many_draws_whatever_the_workers(small_inputs):
    one, _ = stopping_run(small_inputs, seed=1, workers=1)
    three, _ = stopping_run(small_inputs, seed=1, workers=3)
    plain = simulate(small_inputs, one.draws, sampler="random", rng=1, chunk_size=CHUNK, workers=1)
    assert three.draws == one.draws
    for name in one.percentiles:
        np.testing.assert_array_equal(one.percentiles[name], plain.percentiles[name])
        np.testing.assert_array_equal(one.mean[name], plain.mean[name])
        np.testing.assert_array_equal(one.percentiles[name], three.percentiles[name])
        np.testing.assert_array_equal(one.standard_error[name], three.standard_error[name])
        np.testing.assert_array_equal(one.lead.get(name, 0), plain.lead.get(name, 0))


def test_a_run_that_never_stops_ends_at_its_cap_and_is_asked_less_often_as_it_grows(small_inputs):
    asked = []
    run = simulate(small_inputs, 64 * 40 + 10, sampler="random", rng=3, chunk_size=64, workers=1,
                   stop=lambda summary: asked.append(summary.draws) or False)
    assert run.draws == 64 * 40 + 10
    assert asked[:STOP_EVERY_CHUNK] == [64 * k for k in range(1, STOP_EVERY_CHUNK + 1)]
    later = asked[STOP_EVERY_CHUNK - 1 :]
    assert all(b >= a * (1 + STOP_GROWTH) for a, b in zip(later, later[1:]))  # a sixteenth more each time
    assert all(b - a <= math.ceil(a * STOP_GROWTH / 64) * 64 for a, b in zip(later, later[1:]))  # and no later
    # the first chunks alone give standard errors: ten batches in the first chunk
    assert np.isfinite(simulate(small_inputs, 64 * 40, sampler="random", rng=3, chunk_size=64,
                                stop=lambda s: True).standard_error["capex"]).all()
