"""The domain layer: the assumption value type, provenance as file and line, and a numeric core free of files."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from model.domain import Inputs, Location, Value
from model.io.loading import load_inputs

HEAVY = ("ruamel", "pydantic", "altair", "pandas")
CORE = ("model.core.engine", "model.core.parameters", "model.core.uncertainty", "model.core.simulation",
        "model.core.correlation")


# ------------------------------------------------------------------------------------------------------- Value
def test_a_single_value_is_one_number_for_every_year():
    value = Value.of(0.12)
    assert (value.is_series, value.scalar, value.values, value.years) == (False, 0.12, (0.12,), ())
    assert (value.at(1990), value.at(2030)) == (0.12, 0.12)
    assert value.plain() == 0.12
    with pytest.raises(TypeError, match="^a single value is not a series$"):
        value.series


def test_a_series_is_ordered_by_year_and_has_no_single_number():
    value = Value.of({2027: 0.1, 2025: 0.2})
    assert (value.is_series, value.years, value.values) == (True, (2025, 2027), (0.2, 0.1))
    assert value.series == {2025: 0.2, 2027: 0.1}
    assert list(value.series) == [2025, 2027]
    assert value.plain() == {2025: 0.2, 2027: 0.1}
    with pytest.raises(TypeError, match="^a series over 2025-2027 has no single value$"):
        value.scalar


def test_a_series_is_read_linearly_between_its_years_and_flat_outside_them():
    value = Value.of({2025: 0.2, 2027: 0.1, 2030: 0.4})
    # the given years exactly; flat before the first and after the last
    assert [value.at(y) for y in (2024, 2025, 2027, 2030, 2035)] == [0.2, 0.2, 0.1, 0.4, 0.4]
    # halfway between 0.2 and 0.1; a third and two thirds of the way from 0.1 to 0.4
    assert value.at(2026) == pytest.approx(0.15, abs=1e-15)
    assert value.at(2028) == pytest.approx(0.2, abs=1e-15)
    assert value.at(2029) == pytest.approx(0.3, abs=1e-15)


def test_reading_a_series_agrees_with_the_engines_interpolation_to_the_bit():
    value = Value.of({2025: 0.17, 2026: 0.123456789, 2029: -0.05, 2031: 1e-3})
    years = np.arange(2020, 2036)
    assert [value.at(int(y)) for y in years] == np.interp(years, value.years, value.values).tolist()


def test_map_keeps_the_shape_and_equal_values_compare_equal():
    assert Value.of({2025: 2.0, 2026: 3.0}).map(lambda v: v * 10) == Value.of({2025: 20.0, 2026: 30.0})
    assert Value.of(7).map(lambda v: v / 2) == Value.of(3.5)
    assert Value.of(1) == Value.of(1.0)  # an integer in a file is the same figure as its float
    assert Value.of(1.0) != Value.of({2025: 1.0})
    assert Value.of(Value.of(2.0)) == Value.of(2.0)


def test_a_malformed_value_cannot_be_built():
    with pytest.raises(ValueError, match="^a single value holds one number, not 2$"):
        Value((1.0, 2.0))
    with pytest.raises(ValueError, match=r"^a series' years must ascend without repeats, not \(2026, 2025\)$"):
        Value((1.0, 2.0), (2026, 2025))
    with pytest.raises(ValueError, match="^a series needs one number for each of at least one year$"):
        Value((1.0,), (2025, 2026))


# --------------------------------------------------------------------------------------------------- provenance
def test_a_location_gives_the_line_of_the_deepest_key_written():
    located = Location(Path("assumptions/alpha.yaml"), {(): 1, ("assumptions",): 4, ("assumptions", "capex.growth"): 9,
                                                        ("assumptions", "capex.growth", "unit"): 11})
    assert located.line(("assumptions", "capex.growth", "unit")) == 11
    assert located.line(("assumptions", "capex.growth", "range")) == 9  # not written: its entry's line
    assert located.line(("assumptions", "cloud.growth")) == 4
    assert located.line(()) == 1
    assert Location(Path("x.yaml")).line(("anything",)) is None


def test_a_location_makes_problems_that_name_file_line_and_key(small):
    located = Location(small.path("assumptions/alpha.yaml"), {("assumptions",): 4, ("assumptions", "capex.growth"): 9,
                                                              ("assumptions", "capex.growth", "unit"): 11})
    problem = located.problem(("assumptions", "capex.growth", "unit"), "needs a ratio unit")
    assert str(problem) == "assumptions/alpha.yaml:11: capex.growth.unit: needs a ratio unit"
    assert located.where(("assumptions", "capex.growth", "unit")) == "assumptions/alpha.yaml:11"


def _line_of(path: Path, text: str, after: int = 0) -> int:
    lines = path.read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if i > after and line.strip() == text)


def test_a_resolved_assumption_says_where_its_value_is_written(small):
    inputs = load_inputs(small.path("scenarios/high.yaml"))
    plan = inputs.resolved["alpha.capex.plan_total"]  # overridden by high.yaml
    assert plan.where == f"scenarios/high.yaml:{_line_of(small.path('scenarios/high.yaml'), 'alpha.capex.plan_total:')}"
    assert plan.assumption.value == Value.of(60)
    growth = inputs.resolved["alpha.cloud.growth"]
    assert growth.where == f"assumptions/alpha.yaml:{_line_of(small.path('assumptions/alpha.yaml'), 'cloud.growth:')}"


def _objects(root: object):
    """Every object reachable from `root` through dataclass fields, mappings and sequences."""
    seen, stack = set(), [root]
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        if dataclasses.is_dataclass(item) and not isinstance(item, type):
            stack += [getattr(item, f.name) for f in dataclasses.fields(item)]
        elif isinstance(item, dict):
            stack += [*item.keys(), *item.values()]
        elif isinstance(item, (list, tuple, set, frozenset)):
            stack += list(item)


def test_resolved_inputs_hold_no_yaml_nodes_or_schema_models(small):
    inputs = load_inputs(small.path("scenarios/high.yaml"))
    assert isinstance(inputs, Inputs)
    modules = {type(item).__module__.partition(".")[0] for item in _objects(inputs)}
    assert not modules & {"ruamel", "pydantic"}, modules


# ------------------------------------------------------------------------------------------- what the core loads
def _loaded_after_importing(*modules: str) -> list[str]:
    """Which of HEAVY a fresh interpreter has loaded after importing `modules`."""
    code = (f"import sys, json\nfor name in {list(modules)!r}: __import__(name)\n"
            f"print(json.dumps(sorted(h for h in {list(HEAVY)!r} if any(m == h or m.startswith(h + '.') "
            "for m in sys.modules))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def test_the_domain_loads_no_yaml_schema_charts_or_frames():
    assert _loaded_after_importing("model.domain") == []


def test_the_numeric_core_loads_no_yaml_schema_charts_or_frames():
    assert _loaded_after_importing(*CORE) == []
