"""Many companies: chunks and engine slices sized by bytes, ranks by sorting, rank percentiles from a histogram,
and overtakes counted among the leading companies, each against a direct computation."""

from __future__ import annotations

import re
import shutil

import numpy as np
import pytest

from model.catalogue import METRICS
from model.core import engine
from model.core.engine import first_overtake_year, project, rank
from model.core.parameters import engine_inputs
from model.core.simulation import (
    CHUNK_BYTES,
    DEFAULT_CHUNK,
    MIN_CHUNK,
    OVERTAKE_LIMIT,
    PERCENTILES,
    RACE_METRICS,
    chunk_size_for,
    engine_slice_for,
    overtakers,
    row_percentiles,
    simulate,
)
from model.core.uncertainty import distributions
from model.io.loading import load_inputs
from tests.conftest import SMALL
from tests.core.test_uncertainty import _direct_summaries

COMPANIES = OVERTAKE_LIMIT + 2  # past the limit, so that overtakes are counted among the leading companies only


@pytest.fixture(scope="module")
def many_inputs(tmp_path_factory):
    """The small project with its two companies copied to COMPANIES in all, under new keys and names."""
    root = tmp_path_factory.mktemp("many") / "project"
    shutil.copytree(SMALL, root)
    folder = root / "assumptions"
    for i in range(2, COMPANIES):
        slug = ("alpha", "beta")[i % 2]
        text = (folder / f"{slug}.yaml").read_text()
        text = re.sub(rf"^company: {slug}$", f"company: {slug}_{i:02d}", text, count=1, flags=re.M)
        text = re.sub(r"^name: (.+)$", rf"name: \1 {i:02d}", text, count=1, flags=re.M)
        (folder / f"{slug}_{i:02d}.yaml").write_text(text)
    inputs = load_inputs(root / "scenarios" / "base.yaml")
    assert len(inputs.companies) == COMPANIES
    return inputs


# ------------------------------------------------------------------------------------------------------- sizes
def test_a_chunk_holds_as_many_draws_as_its_bytes_allow():
    # 3 companies, 6 years, 45 assumptions: 25 x 3 x 6 x 4 + 45 x 8 = 2,160 bytes a draw, 124,275 draws: the cap
    assert CHUNK_BYTES == 2**28 and len(METRICS) == 25
    assert chunk_size_for(3, 6, 45) == DEFAULT_CHUNK == 2**15
    # 100 companies, 6 years, 1,671 assumptions: 60,000 + 13,368 = 73,368 bytes a draw, 3,658 draws: 2^11
    assert chunk_size_for(100, 6, 1671) == 2**11
    # 30 companies: 18,000 + 4,000 bytes, 12,201 draws: 2^13
    assert chunk_size_for(30, 6, 500) == 2**13
    # ten thousand companies would leave 44 draws: the floor holds
    assert chunk_size_for(10_000, 6, 0) == MIN_CHUNK == 2**10


def test_an_engine_slice_holds_as_many_draws_as_its_bytes_allow():
    assert engine_slice_for(3, 7) == 2**13  # 4 MiB / (3 x 7 x 4 bytes) = 49,932 draws: the cap
    assert engine_slice_for(100, 7) == 2**10  # 4 MiB / 2,800 bytes = 1,497
    assert engine_slice_for(10**6, 7) == 64  # the floor


def test_the_default_chunk_follows_the_companies(many_inputs):
    run = simulate(many_inputs, 100, sampler="random", rng=1, workers=1)
    years = len(many_inputs.scenario.years)
    assert run.chunk_size == chunk_size_for(COMPANIES, years, len(distributions(many_inputs)))


# -------------------------------------------------------------------------------------------------------- ranks
def _pairwise_ranks(values: np.ndarray) -> np.ndarray:
    """1 + the number of companies (axis 1) strictly larger: the definition, pair by pair."""
    return 1 + (values[:, None, :, :] > values[:, :, None, :]).sum(axis=2)  # [d, i, j, t]: j larger than i


@pytest.mark.parametrize("companies", [engine.RANK_PAIRS_LIMIT + 1, 100])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_ranks_by_sorting_equal_the_pairwise_definition(companies, dtype):
    rng = np.random.default_rng(companies)
    tied = rng.integers(0, 4, size=(50, companies, 5)).astype(dtype)  # (D, C, T), heavy ties
    tied[0, 0, 0], tied[0, 1, 0] = -0.0, 0.0  # equal, so tied
    spread = rng.lognormal(size=(50, companies, 5)).astype(dtype)
    for values in (tied, spread, spread[:, :, ::2]):  # a strided view too
        got = rank(values)
        assert companies > engine.RANK_PAIRS_LIMIT and got.dtype == dtype
        np.testing.assert_array_equal(got, _pairwise_ranks(values))


def test_ranks_of_many_companies_have_counted_percentiles():
    """More than four levels take the histogram; the result is numpy's percentile of the same rows."""
    ranks = np.random.default_rng(3).integers(1, 31, size=(7, 2001)).astype(np.float32)
    ranks[0] = 30.0
    ranks[1, :1000] = 1.0
    np.testing.assert_array_equal(row_percentiles(ranks.copy(), levels=np.arange(1.0, 31.0)),
                                  np.percentile(ranks, PERCENTILES, axis=1))


# ---------------------------------------------------------------------------------------------------- overtakes
def test_overtakes_are_counted_among_the_leaders_at_the_median(many_inputs):
    central = project(engine_inputs(many_inputs))
    chosen = overtakers(many_inputs)
    for name in RACE_METRICS:
        last = central[name][0, :, -1].tolist()
        # the OVERTAKE_LIMIT largest in the last year, ties to the earlier company
        leaders = sorted(range(COMPANIES), key=lambda c: (-last[c], c))[:OVERTAKE_LIMIT]
        assert chosen[name] == tuple(sorted(leaders)), name
    assert overtakers(many_inputs, limit=COMPANIES) == {name: tuple(range(COMPANIES)) for name in RACE_METRICS}


def test_many_companies_in_one_chunk_give_the_direct_summaries(many_inputs):
    run = simulate(many_inputs, 3000, sampler="random", rng=4, chunk_size=4096, workers=1)
    metrics = _direct_summaries(many_inputs, 3000, 4)
    years = np.array(list(many_inputs.scenario.years))
    for name, values in metrics.items():
        np.testing.assert_array_equal(run.percentiles[name], np.percentile(values, PERCENTILES, axis=0), err_msg=name)
    for name in RACE_METRICS:
        values = metrics[name]
        lead = (values >= values.max(axis=1, keepdims=True)).mean(axis=0)
        np.testing.assert_array_equal(run.lead[name], lead)
        among = list(run.overtake_among[name])
        assert among == list(overtakers(many_inputs)[name]) and len(among) == OVERTAKE_LIMIT
        year_of = first_overtake_year(values[:, among], years)
        expected = np.zeros((COMPANIES, COMPANIES, len(years)))
        expected[np.ix_(among, among)] = np.stack([(year_of == year).mean(axis=0) for year in years], axis=-1)
        np.testing.assert_array_equal(run.overtake[name], expected, err_msg=name)
        assert run.overtake[name][np.ix_(among, among)].sum() > 0, name  # the copies do overtake one another


def test_many_companies_give_the_same_numbers_on_any_number_of_workers(many_inputs):
    one = simulate(many_inputs, 5000, rng=8, chunk_size=1024, workers=1)
    two = simulate(many_inputs, 5000, rng=8, chunk_size=1024, workers=2)
    for field in ("mean", "percentiles", "standard_error", "lead", "overtake"):
        for name, values in getattr(one, field).items():
            np.testing.assert_array_equal(getattr(two, field)[name], values, err_msg=f"{field} {name}")
