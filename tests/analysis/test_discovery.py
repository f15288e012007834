"""Scenario discovery (model.analysis.discovery and model.present.discovery): PRIM and the tree against cases whose
box is known, events read and checked, the draws against an analytic share, and the sentences they make."""

from __future__ import annotations

import json
import math
import re

import altair as alt
import numpy as np
import pytest
from scipy.stats import norm

from model.analysis import discovery
from model.analysis.discovery import (
    Box,
    Column,
    Discovery,
    Event,
    Leaf,
    Restriction,
    check_discover_draws,
    column_names,
    decision_tree,
    discover,
    parse_event,
    paste,
    peel,
    prim,
    sample,
    threshold_value,
)
from model.catalogue import MARKET_PARAMETERS, PARAMETER_LABELS, PARAMETERS
from model.core.uncertainty import Z95
from model.errors import UsageError
from model.format import to_json
from model.io.loading import load_inputs
from model.present import discovery as rendering
from tests.conftest import REPO, SMALL


@pytest.fixture(scope="module")
def inputs():
    return load_inputs(SMALL / "scenarios" / "base.yaml")


@pytest.fixture(scope="module")
def known():
    """Six uniform inputs; the event is x0 > 0.7 and x1 < 0.4, so the box is known and x2..x5 do not matter."""
    x = np.random.default_rng(1).random((10_000, 6))
    return x, (x[:, 0] > 0.7) & (x[:, 1] < 0.4)


# ----------------------------------------------------------------------------------------------------------- PRIM
def test_prim_finds_the_known_box_and_leaves_the_other_inputs_free(known):
    x, y = known
    trajectory, boxes = prim(x, y)
    box = boxes[0]
    limits = {r.column: (r.lower, r.upper) for r in box.restrictions}
    assert set(limits) == {0, 1}  # x2..x5 unrestricted
    assert limits[0][0] == pytest.approx(0.7, abs=0.01) and limits[0][1] == np.inf
    assert limits[1][0] == -np.inf and limits[1][1] == pytest.approx(0.4, abs=0.01)
    assert box.density > 0.98 and box.coverage > 0.97
    assert box.mass == pytest.approx(0.3 * 0.4, abs=0.01)
    # the box x0 > 0.7, x1 < 0.4 removed, what is left is noise: no second box
    assert len(boxes) == 1
    assert trajectory.density[trajectory.chosen] > 0.98


def test_a_second_box_is_found_in_the_draws_the_first_leaves():
    # the event: x0 > 0.7 (30% of the draws), or x1 < 0.3 and x2 < 0.5 (15% of the other 70%): the first box holds
    # 0.3 / (0.3 + 0.105) = 74.1% of the draws where it happens, the second the other 25.9%
    x = np.random.default_rng(3).random((20_000, 4))
    y = (x[:, 0] > 0.7) | ((x[:, 1] < 0.3) & (x[:, 2] < 0.5))
    first, second = prim(x, y)[1]
    assert [(r.column, r.upper) for r in first.restrictions] == [(0, np.inf)]
    assert first.restrictions[0].lower == pytest.approx(0.7, abs=0.015)
    assert {r.column for r in second.restrictions} == {1, 2}
    limits = {r.column: r.upper for r in second.restrictions}
    assert limits[1] == pytest.approx(0.3, abs=0.015) and limits[2] == pytest.approx(0.5, abs=0.02)
    assert first.coverage == pytest.approx(0.3 / 0.405, abs=0.01)
    assert second.coverage == pytest.approx(0.105 / 0.405, abs=0.01)
    assert first.density > 0.95 and second.density > 0.95
    assert prim(x, y, max_boxes=1)[1] == (first,)


def test_each_restriction_matters_by_the_density_lost_without_it(known):
    x, y = known
    box = prim(x, y)[1][0]
    for restriction in box.restrictions:
        other = 1 - restriction.column
        inside = (x[:, 0] > 0.7) if other == 0 else (x[:, 1] < 0.4)  # the other limit alone, near enough
        assert restriction.density_without == pytest.approx(y[inside].mean(), abs=0.02)
    # the most important first: without x0 > 0.7 the density falls lowest (to 0.3, against 0.4 without x1)
    assert [r.column for r in box.restrictions] == [0, 1]


def test_peeling_by_hand_one_draw_at_a_time():
    # 20 draws 0, 0.05, ..., 0.95, the event in the upper half: each peel takes the lowest draw (a 0) away, as taking
    # the highest (a 1) would lower the mean; density 10/20, 10/19, ..., 10/10, then peeling stops
    x = (np.arange(20) / 20)[:, None]
    trajectory = peel(x, x[:, 0] >= 0.5)
    assert trajectory.density == pytest.approx([10 / n for n in range(20, 9, -1)])
    assert trajectory.coverage == pytest.approx(np.ones(11))
    assert trajectory.mass == pytest.approx([n / 20 for n in range(20, 9, -1)])
    assert trajectory.restricted.tolist() == [0] + [1] * 10
    assert trajectory.lower[:, 0].tolist() == [-np.inf] + [x[i, 0] for i in range(1, 11)]
    assert (trajectory.upper == np.inf).all()
    assert trajectory.chosen == 10  # coverage and density both 1


def test_peeling_stops_at_the_smallest_mass(known):
    x, y = known
    trajectory = peel(x, x[:, 2] > 2)  # an event that never happens would never reach density 1
    assert trajectory.mass[-1] >= discovery.MIN_MASS
    assert trajectory.mass[-1] * (1 - discovery.PEEL_ALPHA) < discovery.MIN_MASS + 1e-3
    steps = trajectory.mass[1:] / trajectory.mass[:-1]
    assert steps == pytest.approx(np.full(len(steps), 1 - discovery.PEEL_ALPHA), abs=2e-3)
    assert (np.diff(peel(x, y).coverage) <= 0).all()


def test_pasting_by_hand_widens_while_the_density_rises():
    # 100 draws 0.00 ... 0.99; the event: 0.44-0.49 (6 draws) and 0.50-0.99 but 0.60-0.64 (45 draws). The box x >= 0.5
    # holds 45 of 50 (0.9); widening by ceil(5% of 50) = 3 draws to 0.47 gives 48/53, by 3 more to 0.44 gives 51/56;
    # by 3 more (0.41) would give 51/59, lower: pasting stops at 0.44
    x = (np.arange(100) / 100)[:, None]
    value = x[:, 0]
    y = ((value >= 0.44) & (value < 0.5)) | ((value >= 0.5) & ~((value >= 0.6) & (value < 0.65)))
    lower, upper = paste(x, y, np.array([0.5]), np.array([np.inf]))
    assert lower[0] == x[44, 0] and upper[0] == np.inf
    assert y[value >= lower[0]].mean() == pytest.approx(51 / 56)


def test_pruning_drops_a_restriction_that_does_not_matter(known):
    x, y = known
    box = discovery.box_of(x, y, np.array([0.7, -np.inf, -np.inf, -np.inf, -np.inf, -np.inf]),
                           np.array([np.inf, 0.4, 0.97, np.inf, np.inf, np.inf]), total_hits=y.sum(),
                           total_draws=len(y))
    assert [r.column for r in box.restrictions] == [0, 1]
    assert box.density == 1.0 and box.coverage == 1.0


def test_the_chosen_box_is_the_knee_of_those_dense_enough():
    coverage = np.array([1.0, 0.9, 0.8, 0.5, 0.2])
    density = np.array([0.3, 0.6, 0.82, 0.9, 0.99])
    # harmonic means 0.46, 0.72, 0.81, 0.64, 0.33: of the boxes at 0.8 or more, box 2
    assert discovery.chosen_box(coverage, density, 0.8) == 2
    assert discovery.chosen_box(coverage, density, 0.95) == 4  # only the last reaches 0.95
    assert discovery.chosen_box(coverage, density * 0.5, 0.8) == 2  # none does: the knee of all


# ----------------------------------------------------------------------------------------------------------- tree
def test_the_tree_finds_the_known_box(known):
    x, y = known
    leaves = decision_tree(x, y)
    assert sum(leaf.draws for leaf in leaves) == len(y)
    pure = [leaf for leaf in leaves if leaf.share == 1.0]
    assert len(pure) == 1
    (first, side_0, at_0), (second, side_1, at_1) = pure[0].conditions
    assert (first, side_0, second, side_1) == (0, ">", 1, "<=")
    assert at_0 == pytest.approx(0.7, abs=0.005) and at_1 == pytest.approx(0.4, abs=0.005)
    assert pure[0].draws == y.sum()
    assert all(column in (0, 1) for leaf in leaves for column, _, _ in leaf.conditions)


def test_a_split_by_hand_lies_halfway_between_the_classes():
    x = np.array([[1.0, 5.0], [2.0, 1.0], [3.0, 4.0], [4.0, 2.0]])
    assert discovery._best_split(x, np.array([0.0, 0.0, 1.0, 1.0]), 1) == (0, 2.5)
    assert discovery._best_split(x, np.array([0.0, 0.0, 1.0, 1.0]), 3) is None  # no side of 3 draws
    leaves = decision_tree(x, np.array([0, 0, 1, 1]), min_leaf=0.25)
    assert leaves == (Leaf(((0, "<=", 2.5),), 2, 0.0), Leaf(((0, ">", 2.5),), 2, 1.0))


# --------------------------------------------------------------------------------------------------------- events
def test_events_are_read_in_the_projects_terms(inputs):
    assert parse_event("alpha leads capex 2026", inputs) == Event("alpha leads capex 2026", "leads", 0, "capex", 2026)
    assert parse_event("Beta overtakes Alpha ai_chip_spend 2027", inputs) == Event(
        "Beta overtakes Alpha ai_chip_spend 2027", "overtakes", 1, "ai_chip_spend", 2027, other=0)
    assert parse_event("alpha capex 2027 >= 12bn", inputs) == Event(
        "alpha capex 2027 >= 12bn", "threshold", 0, "capex", 2027, operator=">=", threshold=12.0)
    assert parse_event("beta capex_share 2025<35%", inputs).threshold == pytest.approx(0.35)


@pytest.mark.parametrize(("text", "unit", "expected"), [
    ("300", "capex", 300.0), ("300bn", "capex", 300.0), ("USD 300bn", "capex", 300.0), ("300 bn USD", "capex", 300.0),
    ("1.2tn", "capex", 1200.0), ("500mn", "capex", 0.5), ("2,500k", "accelerators_installed", 2500.0),
    ("2.5", "accelerators_installed", 2.5), ("35%", "capex_share", 0.35), ("0.35", "capex_share", 0.35),
    ("24,000", "accelerator_unit_price", 24000.0), ("24k", "accelerator_unit_price", 24000.0),
])
def test_thresholds_are_in_the_metrics_display_unit(text, unit, expected):
    assert threshold_value(text, unit, "USD") == pytest.approx(expected)


@pytest.mark.parametrize(("text", "message"), [
    ("alpha wins capex 2026", r"cannot read the event 'alpha wins capex 2026': an event is one of: '<company> leads"),
    ("alpha leads capex", r"cannot read the event .*'<company> overtakes <company> <metric> <year>'"),
    ("gamma leads capex 2026", r"unknown company 'gamma' in the event; valid: alpha, beta"),
    ("alpha leads capx 2026", r"unknown metric a company can lead or overtake on 'capx' in the event; valid: capex, "),
    ("alpha leads capex_rank 2026", r"unknown metric a company can lead or overtake on 'capex_rank'"),
    ("alpha capx 2026 > 3", r"unknown metric 'capx' in the event; valid: capex, capex_cumulative, "),
    ("alpha leads capex 2031", r"the event's year 2031 is outside the horizon 2025-2027"),
    ("alpha leads capex 26", r"the event's year must be a year of the horizon 2025-2027, not '26'"),
    ("alpha overtakes beta capex 2025", r"outside the horizon 2026-2027 \(an overtake needs a year before it\)"),
    ("alpha overtakes alpha capex 2026", r"a company cannot overtake itself"),
    ("alpha capex 2026 > nan", r"the event's threshold must be a finite number, not 'nan'"),
    ("alpha capex 2026 > inf", r"the event's threshold must be a finite number, not 'inf'"),
    ("alpha capex 2026 > -Infinity", r"the event's threshold must be a finite number, not '-Infinity'"),
    ("alpha capex 2026 > 1e999", r"the event's threshold must be a finite number, not '1e999'"),
    ("alpha capex 2026 > lots", r"the event's threshold 'lots' is not a number in USD bn"),
    ("alpha capex 2026 > CNY 30bn", r"names the currency CNY, but capex is in USD bn: give the number in USD bn"),
    ("alpha capex 2026 > 30%", r"is a percentage, but capex is in USD bn"),
    ("alpha capex_share 2026 > 3bn", r"has a scale \(bn\), but capex_share is in ratio"),
])
def test_a_bad_event_says_what_is_valid(inputs, text, message):
    with pytest.raises(UsageError, match=message):
        parse_event(text, inputs)


def test_what_happens_in_each_draw_by_hand():
    # two draws, three companies, three years
    values = np.array([[[1.0, 5.0, 9.0], [2.0, 5.0, 3.0], [0.0, 0.0, 9.0]],
                       [[3.0, 3.0, 1.0], [2.0, 4.0, 2.0], [1.0, 1.0, 1.0]]])
    projected = {"capex": values}
    leads = Event("", "leads", 0, "capex", 2027)
    assert leads.happens(projected, 2025).tolist() == [True, False]  # a tie at 9 leads together
    # company 0 over company 1: draw 0 behind in 2025, level in 2026, ahead in 2027; draw 1 ahead from the start
    overtakes = Event("", "overtakes", 0, "capex", 2027, other=1)
    assert overtakes.happens(projected, 2025).tolist() == [True, False]
    assert Event("", "overtakes", 0, "capex", 2026, other=1).happens(projected, 2025).tolist() == [False, False]
    # company 1 over company 0: draw 1 moves ahead in 2026
    assert Event("", "overtakes", 1, "capex", 2026, other=0).happens(projected, 2025).tolist() == [False, True]
    above = Event("", "threshold", 1, "capex", 2026, operator=">=", threshold=5.0)
    assert above.happens(projected, 2025).tolist() == [True, False]
    assert Event("", "threshold", 1, "capex", 2026, operator=">", threshold=5.0).happens(
        projected, 2025).tolist() == [False, False]


# --------------------------------------------------------------------------------------------------------- draws
def test_the_share_of_a_one_assumption_event_is_its_analytic_probability(inputs):
    # Alpha's accelerator price in 2025 is its unit_price (USD 10,000, medium: 90% interval /1.25 to x1.25), so the
    # share above USD 11,000 is 1 - Phi(ln 1.1 / ln 1.25 x Z95), and the box is that one limit
    result = discover(inputs, parse_event("alpha accelerator_unit_price 2025 > 11000", inputs), draws=2**14, rng=0)
    assert result.share == pytest.approx(1 - norm.cdf(math.log(1.1) / math.log(1.25) * Z95), abs=0.002)
    (box,) = result.boxes
    (restriction,) = box.restrictions
    assert column_names(result.columns)[restriction.column] == "alpha.accelerators.unit_price"
    assert restriction.lower == pytest.approx(11_000, rel=0.005) and restriction.upper == np.inf
    assert box.density == 1.0 and box.coverage > 0.97
    assert result.leaves[-1].share == 1.0 and result.leaves[-1].conditions[0][2] == pytest.approx(11_000, rel=1e-4)


def test_the_draws_are_the_monte_carlo_runs_and_the_truth_is_their_projection(inputs):
    from model.core.uncertainty import UniformStream, distributions, values_at

    event = parse_event("alpha ai_chip_spend 2025 > 1", inputs)
    x, happens, seed = sample(inputs, event, 3000, rng=5)
    names = column_names(discovery.columns_of(inputs))
    dists = distributions(inputs)
    expected = values_at(dists, UniformStream(list(dists), sampler="sobol", seed=5).next(3000))
    for column, key in enumerate(dists):
        drawn = expected[key]
        np.testing.assert_allclose(x[:, column], drawn[:, 0] if drawn.ndim == 2 else drawn, rtol=1e-12)
    # Alpha's 2025 AI-chip spend is its budget (CNY bn) at the CNY rate: above USD 1bn when budget > rate
    budget, rate = x[:, names.index("alpha.ai_chips.budget_base")], x[:, names.index("fx.CNY")]
    assert (happens == (budget / rate > 1)).all() and seed == 5


def test_an_event_that_never_or_always_happens_has_nothing_to_discover(inputs):
    for text, share in (("alpha accelerator_unit_price 2025 > 1000000", 0.0),
                        ("alpha accelerator_unit_price 2025 < 1000000", 1.0)):
        result = discover(inputs, parse_event(text, inputs), draws=1000, rng=0)
        assert result.share == share and result.trajectory is None and not result.boxes and not result.leaves
        assert rendering.trajectory_frame(result).empty
        line = rendering.terminal(result)
        assert line == [(f"{result.description} in {'none' if share == 0 else 'all'} of the 1,000 draws of base: it "
                        f"{'never' if share == 0 else 'always'} happens, so there is nothing to discover")]


def test_the_draws_asked_for_are_checked(inputs, monkeypatch):
    with pytest.raises(UsageError, match=r"--draws must be at least 1,000 for scenario discovery .*, not 999"):
        check_discover_draws(999, inputs)
    with pytest.raises(UsageError, match=r"--draws 1,000,001 is above the ceiling of 1,000,000 draws .*; the most "
                                         r"this machine can do is --draws 1,000,000"):
        check_discover_draws(10**6 + 1, inputs)
    monkeypatch.setattr(discovery, "available_memory", lambda: 10**8)
    with pytest.raises(UsageError, match=r"--draws 1,000,000 is more than this machine's memory holds \(.* needed, "
                                         r"76.3 MB available\); the most this machine can do is --draws [\d,]+$"):
        check_discover_draws(10**6, inputs)
    with pytest.raises(UsageError, match="alpha must lie between 0 and 0.5, not 0.7"):
        discover(inputs, parse_event("alpha leads capex 2026", inputs), draws=1000, alpha=0.7)


# ----------------------------------------------------------------------------------------------------- sentences
def _column(**kwargs) -> Column:
    return Column(**({"key": "x.k", "owner": "ByteDance", "label": "AI-chip budget", "unit": "USD bn",
                      "percent": False, "year": None} | kwargs))


@pytest.mark.parametrize(("column", "number", "text"), [
    (_column(), 11.04, "USD 11.0bn"),
    (_column(unit="CNY bn"), 1234.56, "CNY 1,234.6bn"),
    (_column(unit="USD"), 24_499.6, "USD 24,500"),
    (_column(unit="ratio", percent=True), -0.0912, "-9.1%"),
    (_column(unit="years"), 4.25, "4.2 years"),
    (_column(unit="count"), 1_234_567.2, "1,234,567"),
    (_column(unit="H100e"), 0.853, "0.85 H100e"),
    (_column(unit="ratio"), 0.333, "0.33"),
    (_column(unit="CNY per USD"), 7.1717, "7.17 CNY per USD"),
])
def test_a_figure_reads_in_its_files_unit(column, number, text):
    assert rendering.value(number, column) == text


def test_restrictions_read_as_words():
    budget = _column()
    growth = _column(owner="Tencent", label="capex growth", unit="ratio", percent=True, year=2026)
    rate = _column(key="fx.CNY", owner="", label="CNY exchange rate", unit="CNY per USD")
    assert rendering.limits(budget, 11.0, np.inf) == "ByteDance's AI-chip budget above USD 11.0bn"
    assert rendering.limits(growth, -np.inf, 0.09) == "Tencent's capex growth (2026) below 9.0%"
    assert rendering.limits(rate, 6.9, 7.3) == "the CNY exchange rate between 6.90 CNY per USD and 7.30 CNY per USD"


def _made_up() -> Discovery:
    columns = (_column(), _column(key="y.k", owner="Alibaba", label="yearly accelerator price change", unit="ratio",
                                  percent=True))
    box = Box((Restriction(0, 11.0, np.inf, 0.4), Restriction(1, -np.inf, -0.09, 0.6)), coverage=0.62,
              density=0.87, mass=0.2, draws=2000)
    trajectory = peel(np.random.default_rng(0).random((1000, 2)), np.arange(1000) % 3 == 0)
    leaves = (Leaf(((0, ">", 9.0), (0, ">", 10.5)), 300, 0.9), Leaf(((0, "<=", 9.0),), 700, 0.1))
    event = Event("bytedance leads capex 2028", "leads", 0, "capex", 2028)
    return Discovery("base", event, "ByteDance leads on capex in 2028", 10_000, 0.35, columns, trajectory, (box,),
                     leaves, {"tree_depth": 3, "tree_min_leaf": 0.02, "min_mass": 0.05, "event": event.text})


def test_a_box_and_a_leaf_read_as_sentences():
    result = _made_up()
    assert rendering.box_sentence(result, result.boxes[0]) == (
        "ByteDance leads on capex in 2028 in 87.0% of draws with ByteDance's AI-chip budget above USD 11.0bn and "
        "Alibaba's yearly accelerator price change below -9.0% (coverage 62.0% of the draws where it happens; 20.0% "
        "of all draws)")
    # a column split twice on the path reads as its tightest limit
    assert rendering.leaf_sentence(result, result.leaves[0]) == (
        "in 90.0% of the 300 draws with ByteDance's AI-chip budget above USD 10.5bn")
    lines = rendering.terminal(result)
    assert lines[0] == "ByteDance leads on capex in 2028 in 35.0% of the 10,000 draws of base"
    assert lines[1].startswith("Box 1: ByteDance leads on capex in 2028 in 87.0% of draws with")
    assert lines[2] == ("Tree (depth 3), its likeliest leaf: in 90.0% of the 300 draws with ByteDance's AI-chip "
                        "budget above USD 10.5bn")
    tree = rendering.tree_markdown(result)
    assert tree.index("in 90.0% of the 300") < tree.index("in 10.0% of the 700")


def test_the_json_holds_no_infinity_and_the_free_sides_are_null():
    data = rendering.discovery_json(_made_up())
    json.dumps(data, allow_nan=False)  # raises on an infinity or NaN
    first, second = data["boxes"][0]["restrictions"]
    assert (first["lower"], first["upper"], second["lower"], second["upper"]) == (11.0, None, None, -0.09)
    assert to_json(data) == to_json(rendering.discovery_json(_made_up()))


def test_the_peeling_chart_names_the_scenario_marks_the_chosen_box_and_has_tooltips():
    chart = rendering.peeling_chart(_made_up())
    assert isinstance(chart, alt.LayerChart)
    spec = chart.to_dict()
    assert "(base)" in spec["title"]["text"]
    assert spec["config"]["axis"]["labelFontSize"] >= 12
    layers = spec["layer"]
    assert all("tooltip" in layer["encoding"] for layer in layers if layer["mark"]["type"] != "text")
    points = next(layer for layer in layers if layer["mark"]["type"] == "circle")
    assert points["encoding"]["color"]["field"] == "restricted"
    assert any(layer["mark"].get("shape") == "diamond" for layer in layers)  # the box as reported
    frame = rendering.trajectory_frame(_made_up())
    assert frame["chosen"].sum() == 1 and list(frame.columns) == rendering.TRAJECTORY_COLUMNS


def test_a_share_threshold_outside_its_range_is_refused(inputs):
    for text in ("150%", "1.5", "-0.1"):
        with pytest.raises(UsageError, match=rf"the event's threshold '{re.escape(text)}' is outside 0-100%: "
                                             "capex_share is a share"):
            parse_event(f"alpha capex_share 2026 > {text}", inputs)


def test_every_assumption_the_catalogue_knows_has_a_sentences_label():
    assert set(PARAMETER_LABELS) == set(PARAMETERS) | set(MARKET_PARAMETERS)


def test_the_shipped_assumptions_read_as_words():
    shipped = load_inputs(REPO / "scenarios" / "base.yaml")
    subjects = {column.key: rendering.subject(column) for column in discovery.columns_of(shipped)}
    assert subjects["bytedance.ai_chips.budget_base"] == "ByteDance's AI-chip budget"
    assert subjects["fx.CNY"] == "the CNY exchange rate"
    assert subjects["market.cloud.total_base"] == "the China cloud market's size in its base year"
    series = [c for c in discovery.columns_of(shipped) if c.year is not None]
    assert series and all(shipped.resolved[c.key].assumption.value.series_years[0] == c.year for c in series)
    assert all("None" not in subject and not subject.startswith("'") for subject in subjects.values())
