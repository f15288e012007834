"""The file models on their own: units, periods, values, ranges and unknown fields."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from model.io.schema import Assumption, ScenarioFile
from model.units import Period, parse_period, parse_unit

VALID = {
    "value": 380,
    "unit": "CNY bn",
    "period": "2025-2027",
    "confidence": "high",
    "as_of": dt.date(2025, 2, 24),
    "sources": [{"ref": "s", "excerpt": "RMB 380bn"}],
}


@pytest.mark.parametrize(("text", "kind", "currency", "scale"), [
    ("CNY bn", "money", "CNY", 1e9), ("USD", "money", "USD", 1.0), ("USD mn", "money", "USD", 1e6),
    ("ratio", "ratio", None, 1.0), ("years", "years", None, 1.0), ("CNY per USD", "fx", "CNY", 1.0),
])
def test_units_parse(text, kind, currency, scale):
    unit = parse_unit(text)
    assert (unit.kind, unit.currency, unit.scale) == (kind, currency, scale)


@pytest.mark.parametrize("text", ["RMB billions", "cny bn", "USD bns", "percent", "CNY per"])
def test_unknown_units_are_refused_with_the_valid_forms(text):
    with pytest.raises(ValueError, match=rf"unknown unit '{text}'; valid units: ratio, years, count"):
        parse_unit(text)


@pytest.mark.parametrize(("text", "period", "calendar"), [
    ("2025", Period(2025, 2025), (2025, 2025)),
    ("2025-2027", Period(2025, 2027), (2025, 2027)),
    ("FY2025", Period(2025, 2025, fiscal=True), (2024, 2024)),  # fiscal year to March: mostly 2024
    ("FY2026-FY2028", Period(2026, 2028, fiscal=True), (2025, 2027)),
    ("2024Q4", Period(2024, 2024, quarter=4), (2024, 2024)),
])
def test_periods_parse_and_map_fiscal_years(text, period, calendar):
    assert parse_period(text) == period
    assert parse_period(text).calendar_years(fiscal_year_end=3) == calendar


def test_fiscal_year_ending_in_the_second_half_keeps_its_year():
    assert parse_period("FY2025").calendar_years(fiscal_year_end=6) == (2025, 2025)


@pytest.mark.parametrize(("text", "message"), [
    ("2027-2025", "ends before it starts"), ("FY2025-2026", "mixes fiscal and calendar"),
    ("2025Q5", "unknown period"), ("next year", "unknown period"),
])
def test_bad_periods(text, message):
    with pytest.raises(ValueError, match=message):
        parse_period(text)


def test_a_valid_assumption_and_a_series():
    assert Assumption(**VALID).value == 380.0
    series = Assumption(**{**VALID, "value": {2027: 0.1, 2025: 0.2}, "unit": "ratio"})
    assert list(series.value) == [2025, 2027]


@pytest.mark.parametrize(("change", "message"), [
    ({"confidence": "certain"}, "Input should be 'high', 'medium' or 'low'"),
    ({"range": [400, 350]}, "range low 400 is above high 350"),
    ({"range": [390, 420]}, r"value 380 lies outside its range \[390, 420\]"),
    ({"value": {2025: 0.1}, "range": [0, 1]}, "an explicit range needs a single value"),
    ({"value": "380"}, "value must be a number, not str '380'"),
    ({"value": True}, "value must be a number, not bool"),
    ({"value": {"2025": 1}}, "series keys must be years"),
    ({"sources": []}, "at least 1 item"),
    ({"unit": "RMB billion"}, "unknown unit 'RMB billion'"),
    ({"colour": "red"}, "Extra inputs are not permitted"),
    ({"sources": [{"ref": "s", "excerpt": "x" * 121}]}, "at most 120 characters"),
])
def test_assumption_rules(change, message):
    with pytest.raises(ValidationError, match=message):
        Assumption(**{**VALID, **change})


@pytest.mark.parametrize(("horizon", "message"), [
    ([2030, 2025], "horizon ends \\(2025\\) before it starts \\(2030\\)"),
    ([2025], "horizon must be two years"),
    (["2025", "2030"], "horizon must be two years"),
])
def test_horizon_rules(horizon, message):
    with pytest.raises(ValidationError, match=message):
        ScenarioFile(name="x", description="d", horizon=horizon)
