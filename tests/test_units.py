"""`model.units`: the one conversion to the reporting currency and to whole units, against figures computed by hand,
and the rule that an exchange rate is a single number, refused as a series by every command that loads it."""

from __future__ import annotations

import shutil
import subprocess
import sys

import jsonschema
import numpy as np
import pytest
from typer.testing import CliRunner

from model.cli import app
from model.core.parameters import engine_inputs, exchange_rates
from model.errors import ScenarioError
from model.io import json_schema
from model.io.loading import load_inputs
from model.units import ExchangeRates, parse_period, parse_unit, to_whole
from tests.analysis.test_backtest import ACTUALS  # four reported figures of the small project
from tests.conftest import REPO, SMALL

runner = CliRunner()
# The small project's rate, and a second currency for conversions between two currencies that are not the base.
RATES = ExchangeRates("USD", {"CNY": 8.0, "HKD": 7.8})


def invoke(*args: str):
    return runner.invoke(app, list(args))


def test_the_grammar_and_the_conversion_load_no_file_or_table_library():
    # model.units sits under the numeric core: importing it must not pull in the loaders' or the renderers' libraries
    code = ("import sys, model.units; "
            "print(sorted(m for m in ('pandas', 'pydantic', 'ruamel', 'altair') if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert loaded.stdout == "[]\n"


# ------------------------------------------------------------------------------------------------- the conversion
@pytest.mark.parametrize(("amount", "unit", "into", "display_scale", "expected"), [
    (160, "CNY bn", "USD", 1e9, 20.0),  # 160 / 8
    (160, "CNY bn", "USD", 1.0, 20e9),  # the same in whole dollars
    (2.5, "USD bn", "USD", 1e9, 2.5),  # the reporting currency itself: only rescaled
    (1250, "USD mn", "USD", 1e9, 1.25),  # 1,250 million is 1.25 billion
    (5, "USD bn", "CNY", 1e9, 40.0),  # into a currency that is not the base: 5 x 8
    (10_000, "USD", "CNY", 1.0, 80_000.0),
    (78, "HKD", "CNY", 1.0, 80.0),  # neither is the base: 78 / 7.8 HKD per USD x 8 CNY per USD
    (3, "CNY tn", "CNY", 1e9, 3000.0),
])
def test_a_scalar_in_the_reporting_currency_and_display_scale(amount, unit, into, display_scale, expected):
    assert to_whole(amount, parse_unit(unit), into=into, rates=RATES, display_scale=display_scale) == \
        pytest.approx(expected, rel=1e-15)


def test_h100_equivalents_are_a_plain_unit_only_rescaled():
    assert parse_unit("H100e").kind == "H100e"
    assert to_whole(np.array([0.15, 0.3]), parse_unit("H100e"), display_scale=1e3).tolist() == pytest.approx(
        [0.00015, 0.0003])
    with pytest.raises(ValueError, match="valid units: ratio, years, count, H100e, a currency"):
        parse_unit("h100e")


def test_a_count_in_thousand_units_is_only_rescaled():
    # 250,000 accelerators are 250 "thousand units"; no currency is involved, so no rates are needed
    assert to_whole(250_000, parse_unit("count"), display_scale=1e3) == 250.0
    assert to_whole(250_000, parse_unit("count"), into="CNY", rates=RATES, display_scale=1e3) == 250.0


def test_a_quarterly_flow_stands_for_its_year_at_four_times_the_quarter():
    period = parse_period("2024Q4")
    assert (period.per_year, parse_period("2025").per_year, parse_period("FY2026").per_year) == (4, 1, 1)
    # RMB 2bn in the quarter is RMB 8bn a year, USD 1bn at 8 CNY per USD
    assert to_whole(2, parse_unit("CNY bn"), into="USD", rates=RATES, per_year=period.per_year,
                    display_scale=1e9) == 1.0


@pytest.mark.parametrize(("period", "fiscal_year_end", "quarters"), [
    ("2025", 12, ("2025Q1", "2025Q2", "2025Q3", "2025Q4")),
    ("2025", 3, ("2025Q1", "2025Q2", "2025Q3", "2025Q4")),  # a calendar year, whatever the company's fiscal year
    ("FY2026", 3, ("2025Q2", "2025Q3", "2025Q4", "2026Q1")),  # April 2025 - March 2026
    ("FY2025", 6, ("2024Q3", "2024Q4", "2025Q1", "2025Q2")),
    ("FY2025", 12, ("2025Q1", "2025Q2", "2025Q3", "2025Q4")),
    ("FY2025", 2, None),  # a year ending in February is not made of calendar quarters
    ("2025-2026", 12, None),
    ("2025Q1", 12, None),
])
def test_the_quarters_of_a_year(period, fiscal_year_end, quarters):
    assert parse_period(period).quarters(fiscal_year_end) == quarters


def test_a_series_keeps_its_years():
    converted = to_whole({2025: 80.0, 2027: 96.0}, parse_unit("CNY bn"), into="USD", rates=RATES, display_scale=1e9)
    assert converted == {2025: 10.0, 2027: 12.0}  # 80 / 8 and 96 / 8


def test_draws_of_amounts_and_of_rates_convert_draw_by_draw():
    sampled = ExchangeRates("USD", {"CNY": np.array([8.0, 10.0, 6.4])})
    # three draws of a scalar: 16 / 8, 16 / 10, 16 / 6.4
    scalar = to_whole(np.array([16.0, 16.0, 16.0]), parse_unit("CNY bn"), into="USD", rates=sampled,
                      display_scale=1e9)
    np.testing.assert_allclose(scalar, [2.0, 1.6, 2.5], rtol=1e-15)
    # three draws of a two-year series (D, K): each draw's rate applies to its whole row
    series = to_whole(np.array([[8.0, 16.0], [10.0, 20.0], [6.4, 12.8]]), parse_unit("CNY bn"), into="USD",
                      rates=sampled, display_scale=1e9)
    np.testing.assert_allclose(series, [[1.0, 2.0], [1.0, 2.0], [1.0, 2.0]], rtol=1e-15)


def test_float32_draws_stay_float32():
    # the engine's draws are float32: a conversion must not double their memory
    sampled = ExchangeRates("USD", {"CNY": np.array([8.0, 10.0], dtype=np.float32)})
    converted = to_whole(np.array([16.0, 16.0], dtype=np.float32), parse_unit("CNY bn"), into="USD", rates=sampled)
    assert converted.dtype == np.float32
    np.testing.assert_allclose(converted, [2e9, 1.6e9], rtol=1e-6)


@pytest.mark.parametrize(("unit", "into"), [("EUR bn", "USD"), ("CNY bn", "EUR")])
def test_a_currency_without_a_rate_is_the_projects_error(unit, into):
    with pytest.raises(ScenarioError, match=r"^currency EUR has no exchange rate \(known: CNY, HKD, USD\)$"):
        to_whole(1.0, parse_unit(unit), into=into, rates=RATES)


def test_money_without_rates_is_a_mistake_in_the_code():
    with pytest.raises(ValueError, match="converting CNY needs exchange rates and a currency to convert into"):
        to_whole(1.0, parse_unit("CNY bn"))


def test_the_engine_inputs_convert_by_the_same_rule(small):
    # Alpha (tests/fixtures/small) at 8 CNY per USD: plan RMB 30bn = USD 3.75bn; chip budget RMB 8bn = USD 1bn;
    # cloud revenue RMB 2bn in 2024Q4 = RMB 8bn a year = USD 1bn; accelerator USD 10,000 stays as it is
    inputs = load_inputs(small.path("scenarios/base.yaml"))
    alpha = inputs.companies.index(next(c for c in inputs.companies if c.slug == "alpha"))
    arrays = engine_inputs(inputs)
    assert arrays.plan_total[0, alpha, 0] == pytest.approx(3.75e9)
    assert arrays.chip_budget[0, alpha, 0] == pytest.approx(1e9)
    assert arrays.cloud_revenue_base[0, alpha, 0] == pytest.approx(1e9)
    assert arrays.unit_price[0, alpha, 0] == pytest.approx(1e4)
    assert exchange_rates(inputs) == ExchangeRates("USD", {"CNY": 8.0})


def test_the_engine_inputs_in_a_reporting_currency_that_is_not_the_base(small):
    small.write("scenarios/yuan.yaml", "name: yuan\ndescription: In yuan.\nextends: base\nreporting_currency: CNY\n")
    inputs = load_inputs(small.path("scenarios/yuan.yaml"))
    alpha = inputs.companies.index(next(c for c in inputs.companies if c.slug == "alpha"))
    arrays = engine_inputs(inputs)
    assert arrays.plan_total[0, alpha, 0] == pytest.approx(30e9)  # already in yuan
    assert arrays.unit_price[0, alpha, 0] == pytest.approx(80_000)  # USD 10,000 x 8


# ------------------------------------------------------------------------------------ a per-year exchange rate
SERIES_RATE = ("value: 8.0\n    unit: CNY per USD", "value: {2025: 8.0, 2027: 7.0}\n    unit: CNY per USD")
IN_FX = "assumptions/fx.yaml:4: CNY.value: fx.CNY takes a single value, not a series\n"
OVERRIDE = """\
  fx.CNY:
    value: {2025: 8.0, 2026: 7.5}
    rationale: the yuan strengthens
    confidence: low
    sources:
      - ref: later-news
        excerpt: "7.5 yuan per dollar"
"""


def refused(args: tuple[str, ...], message: str) -> None:
    result = invoke(*args)
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)  # never a traceback
    assert message in result.stderr


@pytest.mark.parametrize("args", [
    ("validate",), ("run", "base"), ("run", "base", "--draws", "64"), ("backtest", "base"),
    ("sensitivity", "base", "--method", "tornado"), ("compare", "base", "high"), ("assumptions", "--distributions"),
])
def test_a_series_of_rates_in_fx_yaml_is_refused_by_every_command(small, args):
    small.edit("assumptions/fx.yaml", *SERIES_RATE)
    small.path("assumptions/actuals").mkdir()
    small.write("assumptions/actuals/reported.yaml", ACTUALS)
    refused(args, IN_FX)
    assert not small.path("outputs").exists() or not any(small.path("outputs").iterdir())


def test_a_review_of_a_change_to_a_series_of_rates_is_refused(small, tmp_path):
    shutil.copytree(SMALL, tmp_path / "before")
    small.edit("assumptions/fx.yaml", *SERIES_RATE)
    result = invoke("diff", str(tmp_path / "before"), str(small.root))
    assert result.exit_code == 1, result.output
    assert "fx.yaml:4: CNY.value: fx.CNY takes a single value, not a series\n" in result.stderr
    assert not small.path("outputs/diff").exists()


def test_validate_says_it_once_and_nothing_else(small):
    # the audit checks the excerpt's conversion against no rate rather than against the refused series: RMB 30bn
    # is USD 3.75bn at 8, so the US$5bn beside it would be flagged (33% above) if the audit read a rate from it
    small.edit("assumptions/alpha.yaml", '"RMB 30 billion over two years"', '"RMB 30 billion (US$5bn) over two years"')
    small.edit("assumptions/fx.yaml", *SERIES_RATE)
    result = invoke("validate")
    assert result.exit_code == 1, result.output
    assert result.stderr == IN_FX
    assert result.stdout == "checked 2 scenarios, 1 assumption folder: 1 error, 0 warnings\n"


def test_the_same_excerpt_against_a_single_rate_is_flagged(small):
    # the counterpart of the test above: 30 / 5 = 6 CNY per USD against 8; 5 / 3.75 - 1 = 33.33%, beyond the
    # rounding of the two figures as written, 0.5 / 30 + 0.5 / 5 = 11.67%
    small.edit("assumptions/alpha.yaml", '"RMB 30 billion over two years"', '"RMB 30 billion (US$5bn) over two years"')
    result = invoke("validate")
    assert result.exit_code == 0, result.output
    assert ("assumptions/alpha.yaml:13: capex.plan_total.sources[0].excerpt: warning: 'alpha-filing' converts RMB 30 "
            "billion to US$5bn: 6.0000 CNY per USD against our 8 (fx.CNY), which gives USD 3.75 billion; US$5bn is "
            "33.33% above it (tolerance 11.7%)\n") in result.stderr


@pytest.mark.parametrize("args", [("validate",), ("run", "high"), ("backtest", "high")])
def test_a_series_of_rates_in_an_override_is_refused(small, args):
    small.path("scenarios/high.yaml").write_text(small.path("scenarios/high.yaml").read_text() + OVERRIDE)
    small.path("assumptions/actuals").mkdir()
    small.write("assumptions/actuals/reported.yaml", ACTUALS)
    refused(args, "scenarios/high.yaml:14: fx.CNY.value: fx.CNY takes a single value, not a series\n")


def test_scenario_set_refuses_a_series_of_rates_and_writes_nothing(small):
    before = small.path("assumptions/fx.yaml").read_text()
    refused(("set", "fx.CNY", "2025:8.0,2027:7.0", "--source", "analyst-judgement", "--rationale", "a path"), IN_FX)
    assert small.path("assumptions/fx.yaml").read_text() == before


def test_the_json_schema_refuses_a_series_of_rates_too():
    document = {"base_currency": "USD", "rates": {"CNY": {
        "value": {"2025": 8.0}, "unit": "CNY per USD", "period": "2025", "confidence": "high", "as_of": "2025-03-01",
        "sources": [{"ref": "alpha-filing", "excerpt": "8.0 yuan per dollar"}]}}}
    validator = jsonschema.Draft202012Validator(json_schema.build("fx"))
    assert ["/".join(map(str, e.absolute_path)) for e in validator.iter_errors(document)] == ["rates/CNY/value"]
    document["rates"]["CNY"]["value"] = 8.0
    assert list(validator.iter_errors(document)) == []
