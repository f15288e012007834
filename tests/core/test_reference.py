"""The vectorised engine against the plain-Python reference in tests/reference_model.py.

The reference is written from the README's equations, one draw, company and year at a time; here it reproduces the
hand-computed values of the small fixture, and equals the engine on random draws of every assumption (all draws
passed to the engine at once) for the small fixture, variants of it that reach the rarer rules (plan phasing, capex
before and after a plan window, a reporting currency other than the base, a fiscal year ending after June), and
every shipped scenario.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from model.catalogue import parameter_of
from model.core.engine import METRICS, project
from model.core.parameters import assumption_values, engine_inputs
from model.domain import FX_PREFIX, Inputs
from model.io.loading import load_inputs
from tests.conftest import REPO, SMALL, Project
from tests.core.test_engine import EXPECTED, capex_by_intensity
from tests.reference_model import METRIC_NAMES, project_one, values_from_draw

DRAWS = 20
SEED = 12345
RTOL = 1e-9
SMALL_SCENARIOS = sorted((SMALL / "scenarios").glob("*.yaml"))
SHIPPED_SCENARIOS = sorted((REPO / "scenarios").glob("*.yaml"))


def perturbed(inputs: Inputs, rng: np.random.Generator, draws: int = DRAWS) -> dict[str, np.ndarray]:
    """`draws` random variations of every assumption (each value of a series on its own): exchange rates within
    +/-10%, ratios moved by up to +/-0.05 inside their catalogue bounds, positive figures (money, years) times a
    factor in [0.5, 1.5]."""
    values = {}
    for key, base in assumption_values(inputs).items():
        shape = (draws, *base.shape[1:])
        item = inputs.resolved[key]
        if key.startswith(f"{FX_PREFIX}."):
            values[key] = base * rng.uniform(0.9, 1.1, shape)
            continue
        parameter = parameter_of(item.parameter)
        if parameter.kind == "ratio":
            lower = parameter.lower if parameter.lower_inclusive else np.nextafter(parameter.lower, np.inf)
            values[key] = np.clip(base + rng.uniform(-0.05, 0.05, shape), lower, parameter.upper)
        else:
            assert np.all(base > 0), key
            values[key] = base * rng.uniform(0.5, 1.5, shape)
    return values


def assert_engine_equals_reference(inputs: Inputs, values: dict[str, np.ndarray]) -> None:
    draws = max(len(v) for v in values.values())
    engine = project(engine_inputs(inputs, values))
    names = [c.name for c in inputs.companies]
    horizon = len(inputs.scenario.years)
    assert set(METRIC_NAMES) <= set(engine)
    for d in range(draws):
        reference = project_one(inputs, values_from_draw(values, d))
        for metric in METRIC_NAMES:
            expected = np.array([reference[metric][name] for name in names])
            assert expected.shape == (len(names), horizon), metric
            got = engine[metric][d]
            assert got.shape == expected.shape, f"{metric}: engine gives {got.shape[-1]} years, horizon has {horizon}"
            np.testing.assert_allclose(got, expected, rtol=RTOL, atol=0,
                                       err_msg=f"{inputs.scenario.name} draw {d} {metric} ({', '.join(names)})")


# ------------------------------------------------------------------------------------------ the reference itself
def test_reference_reproduces_the_hand_computed_values():
    inputs = load_inputs(SMALL / "scenarios" / "base.yaml")
    reference = project_one(inputs, values_from_draw(assumption_values(inputs), 0))
    assert set(reference) <= set(EXPECTED)
    for metric in reference:
        expected = EXPECTED[metric]
        got = [reference[metric]["Alpha"], reference[metric]["Beta"]]
        np.testing.assert_allclose(got, expected, rtol=1e-12, err_msg=metric)


def test_reference_covers_engine_metrics_in_catalogue_order():
    # a new metric may come with its hand-computed values (test_engine) before a second implementation here
    assert METRIC_NAMES == tuple(name for name in METRICS if name in METRIC_NAMES)
    assert set(METRIC_NAMES) <= set(METRICS)


def test_values_from_draw_picks_one_draw_and_broadcasts_single_draws():
    values = {"a": np.array([1.0, 2.0, 3.0]), "b": np.array([[0.1, 0.2]]), "c": np.array([[1.0, 2.0], [3.0, 4.0]])}
    assert values_from_draw(values, 1) == {"a": 2.0, "b": [0.1, 0.2], "c": [3.0, 4.0]}
    assert values_from_draw(values, 0) == {"a": 1.0, "b": [0.1, 0.2], "c": [1.0, 2.0]}


def test_reference_handles_ties_zero_totals_and_fractional_lives():
    """The reference's own rules on a case worked by hand: a 0.5-year life keeps half of the year's purchases."""
    inputs = load_inputs(SMALL / "scenarios" / "base.yaml")
    values = values_from_draw(assumption_values(inputs), 0)
    values["alpha.accelerators.service_life"] = 0.5
    values["beta.accelerators.service_life"] = 2.25
    reference = project_one(inputs, values)
    assert reference["accelerators_installed"]["Alpha"] == pytest.approx([50, 150, 450])
    # Beta buys 100, 130, 143 (thousand): in 2027 the 2025 cohort is two years old and keeps a quarter; its
    # opening fleet of 1,500 keeps 1 - 1/2.25 and 1 - 2/2.25 of itself, and none in 2027
    assert reference["accelerators_installed"]["Beta"] == pytest.approx(
        [100 + 1500 * (1 - 1 / 2.25), 230 + 1500 * (1 - 2 / 2.25), 100 / 4 + 130 + 143])
    assert reference["accelerators_installed_rank"]["Alpha"] == [2.0, 2.0, 1.0]

    values["beta.ai_chips.share_of_capex"] = 0.0
    values["alpha.ai_chips.budget_base"] = 0.0
    reference = project_one(inputs, values)
    assert all(math.isnan(v) for v in reference["ai_chip_spend_share"]["Alpha"])
    assert reference["ai_chip_spend_rank"] == {"Alpha": [1.0, 1.0, 1.0], "Beta": [1.0, 1.0, 1.0]}


# ------------------------------------------------------------------------------- the engine against the reference
@pytest.mark.parametrize("path", SMALL_SCENARIOS + SHIPPED_SCENARIOS,
                         ids=lambda p: f"{p.parent.parent.name}-{p.stem}")
def test_engine_equals_reference_on_random_draws(path: Path):
    inputs = load_inputs(path)
    values = perturbed(inputs, np.random.default_rng(SEED))
    assert all(len(v) == DRAWS for v in values.values())
    assert_engine_equals_reference(inputs, values)


@pytest.mark.parametrize("path", SMALL_SCENARIOS + SHIPPED_SCENARIOS,
                         ids=lambda p: f"{p.parent.parent.name}-{p.stem}")
def test_engine_equals_reference_at_the_files_values(path: Path):
    inputs = load_inputs(path)
    assert_engine_equals_reference(inputs, assumption_values(inputs))


ALPHA_BEFORE_AND_AFTER_ITS_PLAN = """
  capex.base:
    value: 12
    unit: CNY bn
    period: 2024
    confidence: low
    as_of: 2025-05-31
    sources:
      - ref: analyst-judgement
        rationale: a base year before the plan, for the test

  capex.growth:
    value: {2025: 0.3, 2028: 0.1}
    unit: ratio
    period: 2025-2028
    confidence: low
    as_of: 2025-05-31
    sources:
      - ref: analyst-judgement
        rationale: growth before the plan, for the test

  capex.plan_phasing:
    value: {2026: 1.0, 2027: 3.0}
    unit: ratio
    period: 2026-2027
    confidence: low
    as_of: 2025-05-31
    sources:
      - ref: analyst-judgement
        rationale: a back-loaded plan, for the test
"""

HKD_RATE = """
  HKD:
    value: 1.1
    unit: HKD per USD
    period: 2025
    confidence: high
    as_of: 2025-03-01
    sources:
      - ref: alpha-filing
        excerpt: "1.1 HKD per dollar, for the test"
"""


def plan_with_phasing_and_base(project: Project) -> None:
    """Alpha's plan moves to 2026-2027 with back-loaded phasing; capex from a base before it; a 2029 horizon."""
    project.edit("assumptions/alpha.yaml", "period: 2025-2026", "period: 2026-2027")
    project.write("assumptions/alpha.yaml", project.path("assumptions/alpha.yaml").read_text()
                  + ALPHA_BEFORE_AND_AFTER_ITS_PLAN)
    project.edit("scenarios/base.yaml", "horizon: [2025, 2027]", "horizon: [2025, 2029]")


def other_currencies_and_fiscal_year(project: Project) -> None:
    """Report in CNY; Beta's price in HKD (a second rate); Beta's fiscal year ends in September (FY2025 = 2025)."""
    project.edit("scenarios/base.yaml", "reporting_currency: USD", "reporting_currency: CNY")
    project.write("assumptions/fx.yaml", project.path("assumptions/fx.yaml").read_text() + HKD_RATE)
    project.edit("assumptions/beta.yaml", "value: 15000\n    unit: USD", "value: 120000\n    unit: HKD")
    project.edit("assumptions/beta.yaml", "fiscal_year_end: 3", "fiscal_year_end: 9")


def late_horizon(project: Project) -> None:
    """The horizon starts after every base year and ends after Alpha's plan (2028-2031)."""
    project.edit("scenarios/base.yaml", "horizon: [2025, 2027]", "horizon: [2028, 2031]")


@pytest.mark.parametrize("variant", [plan_with_phasing_and_base, other_currencies_and_fiscal_year, late_horizon,
                                     capex_by_intensity],
                         ids=lambda f: f.__name__)
def test_engine_equals_reference_on_variants_of_the_small_project(small: Project, variant):
    variant(small)
    inputs = load_inputs(small.path("scenarios/base.yaml"))
    assert_engine_equals_reference(inputs, assumption_values(inputs))
    assert_engine_equals_reference(inputs, perturbed(inputs, np.random.default_rng(SEED)))


def test_engine_stops_at_the_horizons_last_year(small: Project):
    """Horizon 2025-2025 with Alpha's plan over 2025-2026: the model timeline is 2024-2026, but only 2025 is
    reported (this once returned 2026 too, and `scenario run` failed on it)."""
    small.edit("scenarios/base.yaml", "horizon: [2025, 2027]", "horizon: [2025, 2025]")
    inputs = load_inputs(small.path("scenarios/base.yaml"))
    assert_engine_equals_reference(inputs, assumption_values(inputs))
    from model.analysis.projection import run

    assert run(inputs).tidy()["year"].unique().tolist() == [2025]
