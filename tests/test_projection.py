"""The tidy table, the headline table and the plans table of a run."""

from __future__ import annotations

import pytest

from model.engine import METRICS
from model.loading import load_inputs
from model.projection import TIDY_COLUMNS, formatted_headline, headline, run
from tests.conftest import SMALL


@pytest.fixture(scope="module")
def projection():
    return run(load_inputs(SMALL / "scenarios" / "base.yaml"))


def test_tidy_table_has_a_row_per_company_year_and_metric(projection):
    tidy = projection.tidy()
    assert list(tidy.columns) == TIDY_COLUMNS
    assert len(tidy) == 2 * 3 * len(METRICS)
    row = tidy[(tidy.company == "Beta") & (tidy.year == 2026) & (tidy.metric == "capex")].iloc[0]
    assert (row.scenario, row.unit, row.value) == ("base", "USD bn", pytest.approx(3.9))
    units = dict(zip(tidy.metric, tidy.unit))
    assert units["accelerators_installed"] == "thousand units"
    assert units["capex_share"] == "ratio"
    assert units["accelerator_unit_price"] == "USD"


def test_plans_are_in_the_reporting_currency(projection):
    assert projection.plans.to_dict("records") == [
        {"company": "Alpha", "plan_total": 3.75, "unit": "USD bn", "start": 2025, "end": 2026}
    ]


def test_headline_figures(projection):
    table = headline(projection)
    assert list(table.index) == ["Alpha", "Beta"]
    assert table.loc["Beta", "Capex 2025-2027 (USD bn)"] == pytest.approx(11.19)
    assert table.loc["Alpha", "Share of capex 2025-2027"] == pytest.approx(6.0 / 17.19)
    text = formatted_headline(table)
    assert text.loc["Alpha", "Share of capex 2025-2027"] == "34.9%"
    assert text.loc["Alpha", "Accelerators in service 2027 (k)"] == "1,200"
    assert text.loc["Beta", "Capex 2027 (USD bn)"] == "4.3"
