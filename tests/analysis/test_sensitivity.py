"""Tornado swings, Sobol' indices and research priorities, against analytic and hand-computed answers."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.stats import qmc

from model.analysis import methods as methods_package
from model.analysis.methods.sobol import (
    PRIORITY_COLUMNS,
    SOBOL_COLUMNS,
    research_priorities,
    sobol,
    sobol_indices,
)
from model.analysis.methods.tornado import TORNADO_COLUMNS, tornado
from model.analysis.projection import run
from model.analysis.sensitivity import MAX_INTERVAL_WIDTH, SensitivityResult, analyse, find_method
from model.cli import sensitivity as cli_sensitivity
from model.core.uncertainty import Z95
from model.errors import UsageError
from model.io.loading import load_inputs
from model.present.methods.sobol import priority_table
from tests.conftest import REPO, SMALL

A, B = 7.0, 0.1  # the Ishigami function's usual constants


# ---------------------------------------------------------------------------------------- the estimator alone
def saltelli_outputs(func, d: int, n: int, seed: int):
    """f_A (n, ...), f_B (n, ...), f_AB (d, n, ...) of `func` on x uniform in [0, 1]^d from one scrambled Sobol'
    sequence of 2d columns."""
    u = qmc.Sobol(d=2 * d, scramble=True, seed=seed).random(n)
    a, b = u[:, :d], u[:, d:]
    f_ab = []
    for i in range(d):
        mixed = a.copy()
        mixed[:, i] = b[:, i]
        f_ab.append(func(mixed))
    return func(a), func(b), f_ab


def ishigami(u: np.ndarray) -> np.ndarray:
    x = -np.pi + 2 * np.pi * u  # (n, 3) uniform on [-pi, pi]
    return np.sin(x[:, 0]) + A * np.sin(x[:, 1]) ** 2 + B * x[:, 2] ** 4 * np.sin(x[:, 0])


@pytest.fixture(scope="session")
def ishigami_exact():
    """Analytic first- and total-order indices of the Ishigami function."""
    variance = A**2 / 8 + B * np.pi**4 / 5 + B**2 * np.pi**8 / 18 + 0.5
    v1 = 0.5 * (1 + B * np.pi**4 / 5) ** 2
    v2 = A**2 / 8
    v13 = B**2 * np.pi**8 * (1 / 18 - 1 / 50)
    first = np.array([v1, v2, 0.0]) / variance
    total = np.array([v1 + v13, v2, v13]) / variance
    return first, total


@pytest.fixture(scope="session")
def ishigami_indices():
    f_a, f_b, f_ab = saltelli_outputs(ishigami, 3, 2**14, seed=1234)
    return sobol_indices(f_a, f_b, f_ab, bootstrap=1000, confidence=0.95, rng=5)


def test_ishigami_indices_match_the_analytic_answer(ishigami_indices, ishigami_exact):
    first, total = ishigami_exact
    np.testing.assert_allclose(first, [0.3139, 0.4424, 0.0], atol=1e-4)
    np.testing.assert_allclose(total, [0.5576, 0.4424, 0.2437], atol=1e-4)
    np.testing.assert_allclose(ishigami_indices.first, first, atol=0.02)
    np.testing.assert_allclose(ishigami_indices.total, total, atol=0.02)


def test_ishigami_bootstrap_intervals_cover_the_analytic_answer(ishigami_indices, ishigami_exact):
    first, total = ishigami_exact
    hair = 0.005
    assert np.all(ishigami_indices.first_low - hair <= first) and np.all(first <= ishigami_indices.first_high + hair)
    assert np.all(ishigami_indices.total_low - hair <= total) and np.all(total <= ishigami_indices.total_high + hair)
    width = ishigami_indices.total_high - ishigami_indices.total_low
    assert np.all((width > 0) & (width < 0.05))


def test_scipy_agrees_on_ishigami(ishigami_indices, ishigami_exact):
    first, total = ishigami_exact
    theirs = stats.sobol_indices(
        func=lambda x: ishigami(((x + np.pi) / (2 * np.pi)).T),  # scipy passes x (d, n)
        n=2**14,
        dists=[stats.uniform(loc=-np.pi, scale=2 * np.pi)] * 3,
        rng=1234,
    )
    np.testing.assert_allclose(theirs.first_order, first, atol=0.02)
    np.testing.assert_allclose(theirs.total_order, total, atol=0.02)
    np.testing.assert_allclose(ishigami_indices.first, theirs.first_order, atol=0.03)
    np.testing.assert_allclose(ishigami_indices.total, theirs.total_order, atol=0.03)


def test_a_linear_model_splits_its_variance_by_coefficient_squared_times_variance():
    """y = sum(c_i x_i), x_i uniform on [0, w_i]: S_i = ST_i = c_i^2 w_i^2 / sum_j c_j^2 w_j^2; two outputs at
    once show the estimator keeps trailing axes (n, 2) -> (d, 2)."""
    widths = np.array([1.0, 2.0, 3.0])
    coefficients = np.array([[3.0, 1.0, 0.5], [0.0, 1.0, 1.0]])  # (outputs, d)
    f_a, f_b, f_ab = saltelli_outputs(lambda u: (u * widths) @ coefficients.T, 3, 2**13, seed=7)
    indices = sobol_indices(f_a, f_b, f_ab, bootstrap=200, rng=1)
    parts = (coefficients * widths) ** 2
    exact = (parts / parts.sum(axis=1, keepdims=True)).T  # (d, outputs)
    assert indices.first.shape == indices.total_high.shape == (3, 2)
    np.testing.assert_allclose(indices.first, exact, atol=0.01)
    np.testing.assert_allclose(indices.total, exact, atol=0.01)
    assert indices.first[0, 1] == 0.0 and indices.total[0, 1] == 0.0  # an input the output ignores: exactly 0


def test_a_constant_output_has_no_indices_and_no_bootstrap_means_no_intervals():
    f_a, f_b, f_ab = saltelli_outputs(lambda u: np.column_stack([np.full(len(u), 2.0), u.sum(axis=1)]), 2, 64, 3)
    indices = sobol_indices(f_a, f_b, f_ab, bootstrap=50, rng=1)
    assert np.isnan(indices.first[:, 0]).all() and np.isnan(indices.total_high[:, 0]).all()
    assert np.isfinite(indices.first[:, 1]).all() and np.isfinite(indices.total_low[:, 1]).all()
    bare = sobol_indices(f_a, f_b, f_ab, bootstrap=0)
    np.testing.assert_array_equal(bare.total, indices.total)
    assert np.isnan(bare.first_low).all() and np.isnan(bare.total_high).all()


# ------------------------------------------------------------------------------------------------------ tornado
@pytest.fixture(scope="module")
def small_inputs():
    return load_inputs(SMALL / "scenarios" / "base.yaml")


@pytest.fixture(scope="module")
def base_inputs():
    return load_inputs(REPO / "scenarios" / "base.yaml")


def rows(frame: pd.DataFrame, company: str) -> dict[str, pd.Series]:
    return {row.key: row for _, row in frame[frame.company == company].iterrows()}


@pytest.mark.parametrize("metric", ["ai_chip_spend_cumulative", "capex", "capex_share", "accelerators_installed"])
def test_the_tornado_base_is_the_deterministic_projection(small_inputs, metric):
    frame = tornado(small_inputs, metric=metric, year=2026)
    projected = run(small_inputs).metrics[metric][0, :, 1]  # (C,) in 2026
    for position, company in enumerate(["Alpha", "Beta"]):
        np.testing.assert_allclose(frame[frame.company == company].base, projected[position], rtol=1e-12)


def test_tornado_moves_a_linear_figure_by_the_assumptions_percentile_ratio(small_inputs):
    """Alpha's 2025 capex is half its RMB 30bn plan at 8 CNY per USD: 1.875. Both are high confidence, so their
    5th and 95th percentiles are value / 1.1 and value x 1.1; a cheaper dollar (p5 of fx) raises capex."""
    frame = tornado(small_inputs, metric="capex", year=2025, companies=["alpha"])
    assert list(frame.columns) == TORNADO_COLUMNS
    alpha = rows(frame, "Alpha")
    plan, fx = alpha["alpha.capex.plan_total"], alpha["fx.CNY"]
    assert (plan.scenario, plan.metric, plan.unit, plan.year) == ("base", "capex", "USD bn", 2025)
    assert (plan.input_low, plan.input_high, fx.input_low, fx.input_high) == ("27.27", "33", "7.273", "8.8")
    assert (plan.output_low, plan.output_high) == (pytest.approx(1.875 / 1.1), pytest.approx(1.875 * 1.1))
    assert (fx.output_low, fx.output_high) == (pytest.approx(1.875 * 1.1), pytest.approx(1.875 / 1.1))
    assert plan.base == pytest.approx(1.875) and plan.swing == pytest.approx(1.875 * (1.1 - 1 / 1.1))
    assert alpha["alpha.cloud.growth"].swing == 0  # Alpha's own assumptions show even when they do not move it


def test_tornado_on_cloud_revenue(small_inputs):
    """Alpha's cloud revenue: RMB 2bn in 2024Q4 is 8bn a year, USD 1bn, grown 10% to 1.1bn in 2025. The base
    (high: / to x 1.1) moves it to 1.0 and 1.21; the growth (medium: +/- 0.05) to 1.05 and 1.15."""
    alpha = rows(tornado(small_inputs, metric="cloud_revenue", year=2025), "Alpha")
    revenue, growth = alpha["alpha.cloud.revenue_base"], alpha["alpha.cloud.growth"]
    assert revenue.base == pytest.approx(1.1)
    assert (revenue.output_low, revenue.output_high) == (pytest.approx(1.0), pytest.approx(1.21))
    assert (growth.input_low, growth.input_high) == ("0.05", "0.15")
    assert (growth.output_low, growth.output_high) == (pytest.approx(1.05), pytest.approx(1.15))


def test_tornado_shows_series_and_large_numbers_readably(small_inputs):
    frame = tornado(small_inputs, metric="accelerators_installed")
    alpha, beta = rows(frame, "Alpha"), rows(frame, "Beta")
    share = alpha["alpha.cloud.ai_share"]  # {2025: 0.1, 2027: 0.3}, low: +/- 0.1, clipped at 0
    assert (share.input_low, share.input_high) == ("2025: 0, 2027: 0.2", "2025: 0.2, 2027: 0.4")
    assert beta["beta.capex.growth"].input_low == "2025: 0.45, 2027: 0.05"
    assert (alpha["alpha.accelerators.unit_price"].input_low, beta["beta.accelerators.unit_price"].input_high) == (
        "8000", "18750")


def test_tornado_rows_are_sorted_by_swing_and_hold_only_what_can_move_a_company(small_inputs):
    frame = tornado(small_inputs, metric="capex", year=2025)
    assert list(dict.fromkeys(frame.company)) == ["Alpha", "Beta"]
    for _, group in frame.groupby("company"):
        assert group.swing.is_monotonic_decreasing
    alpha_keys = {key for key in small_inputs.resolved if key.startswith("alpha.")}
    assert set(rows(frame, "Alpha")) == alpha_keys | {"fx.CNY"}  # Beta's figures do not move Alpha's capex
    share = rows(tornado(small_inputs, metric="capex_share", year=2025), "Alpha")
    rival = share["beta.capex.base"]  # Beta's 2025 capex: 2 x 1.5 = 3.0, at p95 3.3
    assert rival.base == pytest.approx(1.875 / 4.875)
    assert rival.output_high == pytest.approx(1.875 / (1.875 + 3.3))


def test_companies_are_chosen_by_name_or_slug(small_inputs):
    by_slug = tornado(small_inputs, companies=["beta"])
    pd.testing.assert_frame_equal(by_slug, tornado(small_inputs, companies=["Beta"]))
    assert set(by_slug.company) == {"Beta"}


@pytest.mark.parametrize("method", [tornado, sobol])
def test_bad_choices_list_the_valid_ones(small_inputs, method):
    with pytest.raises(UsageError, match=r"^unknown metric 'capx'; valid: capex, capex_cumulative, ai_chip_spend, "):
        method(small_inputs, metric="capx")
    with pytest.raises(UsageError, match=r"^unknown company 'gamma'; valid: alpha, beta$"):
        method(small_inputs, companies=["alpha", "gamma"])
    with pytest.raises(UsageError, match=r"^year 2030 is outside the horizon 2025-2027$"):
        method(small_inputs, year=2030)


def test_tornado_on_the_shipped_base_scenario(base_inputs):
    frame = tornado(base_inputs)
    projected = run(base_inputs).metrics["ai_chip_spend_cumulative"][0, :, -1]
    assert list(dict.fromkeys(frame.company)) == [c.name for c in base_inputs.companies]
    for position, company in enumerate(base_inputs.companies):
        mine = frame[frame.company == company.name]
        np.testing.assert_allclose(mine.base, projected[position], rtol=1e-12)
        assert set(mine.key) >= {key for key in base_inputs.resolved if key.startswith(f"{company.slug}.")}
        assert mine.swing.is_monotonic_decreasing and mine.swing.iloc[0] > 0
    assert not frame.input_low.str.contains("e-|e\\+").any()


# ------------------------------------------------------------------------------------------------------- Sobol'
def test_sobol_of_a_product_of_two_lognormals_is_analytic(small_inputs):
    """Alpha's 2025 capex is plan / 2 / fx, two independent lognormals with the same sigma = ln 1.1 / z95: each
    alone explains 1 / (e^sigma^2 + 1) of the variance, and with the interaction e^sigma^2 / (e^sigma^2 + 1)."""
    result = sobol(small_inputs, metric="capex", year=2025, companies=["Alpha"], samples=2**12, rng=3)
    factor = math.exp((math.log(1.1) / Z95) ** 2)
    first, total = 1 / (factor + 1), factor / (factor + 1)  # 0.49916, 0.50084
    frame = result.frame
    assert list(frame.columns) == SOBOL_COLUMNS
    assert set(frame.key) == {"alpha.capex.plan_total", "fx.CNY"}  # nothing else moves it: dropped
    np.testing.assert_allclose(frame.first_order, first, atol=0.02)
    np.testing.assert_allclose(frame.total_order, total, atol=0.02)
    assert (frame.total_order_low <= total).all() and (total <= frame.total_order_high).all()
    assert (frame.scenario.iloc[0], frame.unit.iloc[0], frame.year.iloc[0]) == ("base", "USD bn", 2025)
    assert result.warnings == () and result.notes == ()
    assert result.max_interval_width["Alpha"] <= MAX_INTERVAL_WIDTH


def test_the_same_seed_gives_the_same_sobol_result(small_inputs):
    calls = []
    one = sobol(small_inputs, samples=256, rng=42, on_progress=calls.append)
    again = sobol(small_inputs, samples=256, rng=42)
    pd.testing.assert_frame_equal(one.frame, again.frame)
    k = len(small_inputs.resolved)  # every assumption of both companies and the exchange rate
    assert calls == [256] * (k + 2)
    assert (one.samples, one.evaluations, one.seed, one.bootstrap, one.confidence) == (256, 256 * (k + 2), 42, 1000, 0.95)
    assert not one.frame.equals(sobol(small_inputs, samples=256, rng=43).frame)


def test_sobol_indices_stay_in_range_and_rows_are_sorted(small_inputs):
    frame = sobol(small_inputs, metric="accelerators_installed", samples=256, rng=8).frame
    values = frame[SOBOL_COLUMNS[6:]].to_numpy()
    assert np.isfinite(values).all()
    assert (values >= -0.1).all() and (values <= 1.1).all()
    assert list(dict.fromkeys(frame.company)) == ["Alpha", "Beta"]
    for _, group in frame.groupby("company"):
        assert group.total_order.is_monotonic_decreasing
    assert (frame.first_order_low <= frame.first_order_high).all()


def test_a_small_sample_warns_with_the_widest_interval(small_inputs):
    result = sobol(small_inputs, samples=256, rng=1)
    assert len(result.warnings) == 2
    pattern = (r"^(alpha|beta) ai_chip_spend_cumulative 2027: the widest Sobol interval is \d\.\d\d wide "
               r"\(([a-zA-Z_.]+)\); rerun with --samples 1024 or more$")
    for warning, (company, width) in zip(result.warnings, result.max_interval_width.items(), strict=True):
        match = re.match(pattern, warning)
        assert match is not None, warning
        assert match[1] == company.lower() and f"{width:.2f} wide" in warning and width > MAX_INTERVAL_WIDTH
        mine = result.frame[result.frame.company == company]
        widest = np.fmax(mine.first_order_high - mine.first_order_low, mine.total_order_high - mine.total_order_low)
        assert mine.key[widest.idxmax()] == match[2] and widest.max() == width


@pytest.mark.parametrize("samples", [1000, 32, 0])
def test_sobol_samples_must_be_a_power_of_two(small_inputs, samples):
    with pytest.raises(UsageError, match=rf"^samples must be a power of two, at least 64 \(such as 4096\), not {samples}$"):
        sobol(small_inputs, samples=samples)


def test_sobol_bootstrap_options_are_checked(small_inputs):
    with pytest.raises(UsageError, match=r"^bootstrap is a number of resamples, 0 or more, not -1$"):
        sobol(small_inputs, bootstrap=-1)
    with pytest.raises(UsageError, match=r"^confidence must lie between 0 and 1, not 95$"):
        sobol(small_inputs, confidence=95)


def test_sobol_notes_correlations_it_leaves_out(small):
    small.edit("scenarios/base.yaml", "as_of: 2025-05-31\n", "as_of: 2025-05-31\ncorrelations:\n"
               "  - keys: [alpha.accelerators.unit_price, beta.accelerators.unit_price]\n    rank: 0.8\n"
               "    rationale: same suppliers\n")
    result = sobol(load_inputs(small.path("scenarios/base.yaml")), samples=64, bootstrap=0)
    assert result.notes == ("the scenario's 1 rank correlations are not applied: Sobol indices assume independent "
                            "assumptions",)
    assert result.warnings == () and result.max_interval_width == {}  # no bootstrap, no intervals to judge


def test_an_output_that_never_varies_has_no_rows_and_a_note(small):
    small.path("assumptions/beta.yaml").unlink()  # alone, Alpha always has all of the capex
    result = sobol(load_inputs(small.path("scenarios/base.yaml")), metric="capex_share", samples=64)
    assert result.frame.empty
    assert result.notes == ("alpha capex_share 2027: the output is the same in every draw, so no assumption "
                            "explains any of its variance",)


def test_sobol_on_the_shipped_base_scenario(base_inputs):
    result = sobol(base_inputs, samples=2**12, rng=2025)
    frame = result.frame
    assert list(dict.fromkeys(frame.company)) == [c.name for c in base_inputs.companies]
    assert np.isfinite(frame[SOBOL_COLUMNS[6:]].to_numpy()).all()
    assert result.evaluations == 2**12 * (len(base_inputs.resolved) + 2)
    assert "the scenario's 3 rank correlations are not applied" in result.notes[0]
    for _, group in frame.groupby("company"):
        assert 0.9 < group.first_order.sum() <= group.total_order.sum() < 1.2  # a nearly additive output


# ------------------------------------------------------------------------------------------ research priorities
def test_research_priorities_rank_by_total_order_and_flag_soft_figures(small_inputs):
    """Hand-made indices for Alpha: post-plan growth (low, analyst judgement) and the unit price (medium,
    judgement) are flagged, the plan (high, a filing) is not; a negative index counts as no variance."""
    indices = pd.DataFrame({
        "scenario": "base", "metric": "capex", "unit": "USD bn", "company": "Alpha", "year": 2027,
        "key": ["alpha.capex.plan_total", "alpha.accelerators.unit_price", "fx.CNY", "alpha.capex.post_plan_growth"],
        "first_order": 0.0, "first_order_low": 0.0, "first_order_high": 0.0,
        "total_order": [0.5, 0.04, -0.01, 0.6], "total_order_low": 0.0, "total_order_high": 0.0,
    })
    table = research_priorities(small_inputs, indices)
    assert list(table.columns) == PRIORITY_COLUMNS
    assert table[["rank", "key", "confidence", "flags", "dig"]].to_dict("records") == [
        {"rank": 1, "key": "alpha.capex.post_plan_growth", "confidence": "low",
         "flags": "low confidence; analyst judgement", "dig": True},
        {"rank": 2, "key": "alpha.capex.plan_total", "confidence": "high", "flags": "", "dig": False},
        {"rank": 3, "key": "alpha.accelerators.unit_price", "confidence": "medium", "flags": "analyst judgement",
         "dig": False},  # flagged, but below PRIORITY_THRESHOLD
        {"rank": 4, "key": "fx.CNY", "confidence": "high", "flags": "", "dig": False},
    ]
    np.testing.assert_allclose(table.variance_share, [0.6 / 1.14, 0.5 / 1.14, 0.04 / 1.14, 0.0])
    shown = priority_table(indices, table)
    assert shown.iloc[0].to_dict() == {
        "company": "Alpha", "rank": 1, "key": "alpha.capex.post_plan_growth", "first_order": "0.000 [0.000, 0.000]",
        "total_order": "0.600 [0.000, 0.000]", "confidence": "low", "flags": "low confidence; analyst judgement",
        "dig": "dig here"}
    assert shown["dig"].tolist() == ["dig here", "", "", ""]


def test_research_priorities_from_a_sobol_run(small_inputs):
    """Beta's cumulative chip spend is a share of its capex; the share is low confidence and rests on a rumour."""
    table = research_priorities(small_inputs, sobol(small_inputs, companies=["beta"], samples=1024, rng=4).frame)
    assert table[["rank", "key", "flags", "dig"]].to_dict("records") == [
        {"rank": 1, "key": "beta.ai_chips.share_of_capex", "flags": "low confidence; unconfirmed source",
         "dig": True},
        {"rank": 2, "key": "beta.capex.base", "flags": "", "dig": False},
        {"rank": 3, "key": "beta.capex.growth", "flags": "", "dig": False},
    ]
    assert table.variance_share.sum() == pytest.approx(1.0)
    assert (table.scenario.iloc[0], table.metric.iloc[0], table.year.iloc[0]) == ("base", "ai_chip_spend_cumulative",
                                                                                  2027)


# ---------------------------------------------------------------------------------- methods, one module each
def test_the_methods_are_the_modules_of_their_package_default_first(tmp_path, monkeypatch):
    declared = methods_package.declared()
    assert list(declared)[:2] == ["tornado", "sobol"]
    assert (declared["tornado"].description, declared["sobol"].description) == (
        "one assumption at a time", "variance shares")
    assert [m.value for m in cli_sensitivity.Method] == list(declared)
    # a new method is a module: listed from its source, in its ORDER, without importing it
    (tmp_path / "tornado.py").write_text('DESCRIPTION = "one at a time"\nORDER = 0\n')
    (tmp_path / "morris.py").write_text('"""Elementary effects."""\nimport no_such_module\n\n'
                                        'DESCRIPTION = "elementary effects"\nORDER = 2\n')
    (tmp_path / "sobol.py").write_text('DESCRIPTION = "variance shares"\nORDER = 1\n')
    monkeypatch.setattr(methods_package, "__path__", [str(tmp_path)])
    assert [(m.name, m.description) for m in methods_package.declared().values()] == [
        ("tornado", "one at a time"), ("sobol", "variance shares"), ("morris", "elementary effects")]


def test_an_unknown_method_lists_the_valid_ones(small_inputs):
    with pytest.raises(UsageError, match=r"^unknown sensitivity method 'morris'; valid: tornado, sobol"):
        analyse(small_inputs, method="morris")


def test_every_method_gives_one_result_type(small_inputs):
    """Alpha's 2025 capex again (see the tornado above): the method's own frame, and the manifest's settings."""
    swings = analyse(small_inputs, method="tornado", metric="capex", year=2025, companies=["alpha"])
    assert isinstance(swings, SensitivityResult) and list(swings.tables) == ["tornado"]
    pd.testing.assert_frame_equal(swings.frame, tornado(small_inputs, metric="capex", year=2025, companies=["alpha"]))
    assert (swings.scenario, swings.metric, swings.year, swings.unit) == ("base", "capex", 2025, "USD bn")
    assert swings.settings == {"method": "tornado", "metric": "capex", "year": 2025, "companies": ["alpha"]}
    steps = []
    shares = analyse(small_inputs, method="sobol", samples=64, seed=5, on_progress=steps.append)
    assert list(shares.tables) == ["sobol", "priorities"] and shares.year == 2027  # the horizon's last
    k = len(small_inputs.resolved)
    assert shares.settings == {"method": "sobol", "metric": "ai_chip_spend_cumulative", "year": 2027,
                               "companies": [], "samples": 64, "seed": 5, "bootstrap": 1000, "confidence": 0.95,
                               "evaluations": 64 * (k + 2), "priorities_by": "total_order"}
    assert sum(steps) == find_method("sobol").work(small_inputs, 64)[1] == 64 * (k + 2)
    pd.testing.assert_frame_equal(shares.frame, sobol(small_inputs, samples=64, rng=5).frame)
    with pytest.raises(UsageError, match=r"^samples must be a power of two, at least 64 \(such as 4096\), not 100$"):
        analyse(small_inputs, method="sobol", samples=100)
