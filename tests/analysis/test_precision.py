"""Drawing until precise: the target's checks, a run's stop and its report, and a Sobol' sample grown by doubling."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from model.analysis.methods.sobol import interval_widths, sobol, sobol_until
from model.analysis.precision import Precision, check_precision, needed, read_precision, shown
from model.analysis.projection import (
    convergence_warnings,
    draw_settings,
    percentile_error,
    precision_report,
    run,
    simulation_error,
)
from model.catalogue import Kind
from model.errors import UsageError
from model.io.loading import load_inputs
from tests.conftest import SMALL

MESSAGE = r"--precision must be a share between 0 and 1, such as 0.01 or 1%, not "


@pytest.fixture(scope="module")
def small_inputs():
    return load_inputs(SMALL / "scenarios" / "base.yaml")


# ---------------------------------------------------------------------------------------------------- the target
@pytest.mark.parametrize("text", ["0", "0%", "-0.01", "-1%", "nan", "inf", "-inf", "1", "100%", "1.5", "abc", "",
                                  "1%%", "0x1"])
def test_a_target_outside_zero_to_one_or_not_a_number_is_refused(text):
    with pytest.raises(UsageError, match=MESSAGE + f"'{re.escape(text)}'$"):
        read_precision(text)


@pytest.mark.parametrize("value", [0, 0.0, -0.5, 1, 2.0, math.nan, math.inf, True, "0.01", None])
def test_a_target_must_be_a_finite_number_in_zero_to_one(value):
    with pytest.raises(UsageError, match="precision must be a share between 0 and 1"):
        check_precision(value, "precision")


def test_a_target_reads_as_a_share_or_in_percent():
    assert read_precision("0.01") == read_precision("1%") == read_precision(" 1 % ".replace(" %", "%")) == 0.01
    assert read_precision("0.25%") == pytest.approx(0.0025)
    assert check_precision(0.5) == 0.5


def test_targets_show_with_the_decimals_they_need():
    assert [shown(p, Kind.share) for p in (0.01, 0.0025, 0.0001, 0.2)] == ["1.0%", "0.25%", "0.01%", "20.0%"]
    assert [shown(p, Kind.ratio) for p in (0.05, 0.005)] == ["0.05", "0.005"]


def test_the_draws_needed_grow_as_the_square_of_the_error_ratio():
    assert needed(10_000, 0.02, 0.01) == 40_000  # half the error, four times the draws
    assert needed(32_768, 0.004, 0.001) == 530_000  # 524,288 rounded up to two figures
    assert needed(100, math.inf, 0.01) == 0  # not estimable: no advice


# ---------------------------------------------------------------------------------------------------------- runs
def test_a_run_stops_once_its_headline_percentiles_are_precise_enough(small_inputs):
    projection = run(small_inputs, draws=2**20, rng=4, precision=0.01)
    precision = projection.precision
    assert precision.reached and precision.cap == 2**20 and precision.size == projection.simulation.draws
    assert precision.achieved == percentile_error(projection)[0] <= 0.01
    assert projection.simulation.draws % 32768 == 0 and projection.simulation.draws < 2**20
    reached = f"{100 * precision.achieved:.1f}%"  # the error reached, as precisely as the target is given
    assert precision_report(projection) == (f"Drawn until precise: {projection.simulation.draws:,} draws brought them "
                                            f"to {reached}, within --precision 1.0%")
    assert draw_settings(projection) == {"draws": projection.simulation.draws, "seed": 4, "sampler": "sobol",
                                         "precision": 0.01, "precision_reached": True, "draws_cap": 2**20}
    assert convergence_warnings(projection) == []


def test_a_target_too_strict_for_the_cap_stops_there_and_says_what_would_reach_it(small_inputs):
    projection = run(small_inputs, draws=5000, rng=4, precision=0.0001)
    assert projection.simulation.draws == 5000 and not projection.precision.reached
    (warning,) = convergence_warnings(projection)
    worst, where = percentile_error(projection)
    assert warning == (f"--precision 0.01% was not reached within 5,000 draws (--draws): the percentiles' standard "
                       f"errors are still up to {worst:.2%} of their interval's width ({where}); about "
                       f"{needed(5000, worst, 0.0001):,} draws would reach it")
    assert precision_report(projection) == ("Drawn until precise (--precision 0.01%), but stopped at the cap of "
                                            "5,000 draws (--draws) short of it")
    assert draw_settings(projection)["precision_reached"] is False


def test_the_same_seed_and_target_give_the_same_draws_and_numbers(small_inputs):
    one = run(small_inputs, draws=2**20, rng=9, precision=0.005, sampler="lhs")
    two = run(small_inputs, draws=2**20, rng=9, precision=0.005, sampler="lhs")
    assert one.simulation.draws == two.simulation.draws
    pd.testing.assert_frame_equal(one.tidy(), two.tidy())


def test_the_measure_takes_the_median_too(small_inputs):
    """The run's measure is the largest of the 5th, 50th and 95th percentiles' errors over the interval's width."""
    projection = run(small_inputs, draws=4096, rng=2)
    simulation = projection.simulation
    worst, _ = percentile_error(projection)
    ratios = []
    for metric, year in (("capex", 0), ("cloud_revenue", -1)):
        p5, _, p95 = simulation.percentiles[metric][:, :, year]
        ratios.append((simulation.standard_error[metric][:, :, year] / (p95 - p5)).max())
    assert worst >= max(ratios) > 0
    cells = [("Capex 2025", "capex", 0)]
    one, where = simulation_error(simulation, cells, projection.companies)
    p5, _, p95 = simulation.percentiles["capex"][:, :, 0]
    assert one == pytest.approx((simulation.standard_error["capex"][:, :, 0] / (p95 - p5)).max())
    assert where.endswith(", Capex 2025")


# ------------------------------------------------------------------------------------------------ Sobol' growth
def test_a_grown_sobol_sample_is_the_sample_of_that_size_and_the_first_precise_enough(small_inputs):
    options = {"metric": "capex", "year": 2025, "rng": 3}
    result, grown = sobol_until(small_inputs, precision=0.07, cap=2**14, **options)
    # a bootstrap interval narrows as 1/sqrt(n): from its width at the first 1,024 rows, the first power of two to
    # reach 0.07 is the one past 1,024 (w / 0.07)^2
    first = max(width for width, _ in interval_widths(sobol(small_inputs, samples=1024, **options).frame).values())
    assert grown.reached and grown.size == result.samples == 2 ** math.ceil(math.log2(1024 * (first / 0.07) ** 2))
    direct = sobol(small_inputs, samples=result.samples, **options)
    pd.testing.assert_frame_equal(result.frame, direct.frame)  # the same rows of the same sequence, bit for bit
    widest = max(width for width, _ in interval_widths(direct.frame).values())
    assert grown.achieved == widest <= 0.07
    smaller = sobol(small_inputs, samples=result.samples // 2, **options)
    assert max(width for width, _ in interval_widths(smaller.frame).values()) > 0.07  # half would not have done
    company, key = grown.where.split(", ")
    assert interval_widths(direct.frame)[company] == (widest, key)


def test_a_sobol_sample_stops_at_its_cap_short_of_a_strict_target(small_inputs):
    result, grown = sobol_until(small_inputs, precision=1e-6, cap=256, metric="capex", year=2025, rng=3)
    assert result.samples == grown.size == 256 and not grown.reached
    assert grown.settings("samples") == {"precision": 1e-6, "precision_reached": False, "samples_cap": 256}
    with pytest.raises(UsageError, match="samples must be a power of two, at least 64"):
        sobol_until(small_inputs, precision=0.05, cap=1000)
    with pytest.raises(UsageError, match="precision must be a share between 0 and 1"):
        sobol_until(small_inputs, precision=math.nan, cap=1024)


def test_a_precision_is_reached_when_its_measure_is_at_most_the_target():
    assert Precision(0.01, 0.01, "", 10, 10, "--draws").reached
    assert not Precision(0.01, np.nextafter(0.01, 1), "", 10, 10, "--draws").reached
    assert not Precision(0.01, math.inf, "", 10, 10, "--draws").reached
