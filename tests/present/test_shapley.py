"""How Shapley effects are shown: the chart (company colours, correlated assumptions lighter, readable on a slide),
the terminal's priorities and footer, and the workbook's number formats."""

from __future__ import annotations

import pandas as pd
import pytest

from model import format
from model.analysis.methods.shapley import SHAPLEY_COLUMNS
from model.analysis.sensitivity import SensitivityResult
from model.present import charts, sensitivity, workbook
from model.present.methods import shapley as view
from tests.present.test_charts import assert_renders, data_values, font_sizes, rendered_y

COLOURS = {"Alpha": "#d55e00", "Beta": "#0072b2"}


def shapley_frame(companies: list[str]) -> pd.DataFrame:
    """Per company, effect descending: its own price (correlated with the other's), its budget, the other's price,
    and an exchange rate whose estimate noise made negative."""
    rows = []
    for company in companies:
        slug, other = company.lower(), "beta" if company == "Alpha" else "alpha"
        rows += [
            (company, f"{slug}.accelerators.unit_price", 0.55, 0.5, 0.6, 0.025, f"{other}.accelerators.unit_price"),
            (company, f"{slug}.ai_chips.budget_base", 0.3, 0.27, 0.33, 0.015, ""),
            (company, f"{other}.accelerators.unit_price", 0.16, 0.12, 0.2, 0.02, f"{slug}.accelerators.unit_price"),
            (company, "fx.CNY", -0.01, -0.03, 0.01, 0.01, ""),
        ]
    frame = pd.DataFrame(rows, columns=["company", "key", *SHAPLEY_COLUMNS[6:]])
    return frame.assign(scenario="test", metric="accelerators_installed", unit="thousand units", year=2027)[
        SHAPLEY_COLUMNS]


def result_of(frame: pd.DataFrame) -> SensitivityResult:
    priorities = frame.assign(rank=frame.groupby("company").cumcount() + 1, variance_share=frame.shapley.clip(0),
                              confidence="low", flags="low confidence", dig=frame.shapley >= 0.05)
    return SensitivityResult("shapley", "test", "accelerators_installed", 2027, "thousand units",
                             {"shapley": frame, "priorities": priorities},
                             settings={"method": "shapley", "samples": 8192, "confidence": 0.95,
                                       "evaluations": 8192 * 54},
                             colours=COLOURS)


def test_the_chart_draws_each_company_in_its_colour_and_correlated_assumptions_lighter():
    frame = shapley_frame(["Alpha", "Beta"])
    spec = view.chart(result_of(frame)).to_dict()
    assert spec["facet"]["row"]["sort"] == ["Alpha", "Beta"]
    assert spec["title"]["text"] == ("Accelerators installed in 2027: where its variance comes from (Shapley "
                                     "effects), scenario test")
    bars, whiskers = spec["spec"]["layer"]
    assert (bars["mark"]["type"], whiskers["mark"]["type"]) == ("bar", "rule")
    assert bars["encoding"]["color"]["scale"] == {"domain": ["Alpha", "Beta"], "range": ["#d55e00", "#0072b2"]}
    assert bars["encoding"]["opacity"]["scale"] == {"domain": [view.INDEPENDENT, view.CORRELATED],
                                                    "range": [1.0, 0.45]}
    assert bars["encoding"]["x"]["scale"] == {"domain": [0, 1], "clamp": True}
    assert (whiskers["encoding"]["x"]["field"], whiskers["encoding"]["x2"]["field"]) == ("shapley_low", "shapley_high")
    assert {tip["field"] for tip in bars["encoding"]["tooltip"]} == {"key", "shapley", "shapley_low", "shapley_high",
                                                                      "correlated_with"}
    drawn = pd.DataFrame(data_values(spec, spec))
    assert drawn["shapley"].tolist() == frame["shapley"].tolist()  # the negative estimate is kept; the axis clamps
    assert drawn["dependence"].tolist() == [view.CORRELATED, view.INDEPENDENT, view.CORRELATED, view.INDEPENDENT] * 2
    assert drawn["correlated_with"].tolist()[:2] == ["beta.accelerators.unit_price", "none"]
    assert drawn["assumption"].tolist()[:4] == ["accelerators.unit_price", "ai_chips.budget_base",
                                                "beta.accelerators.unit_price", "fx.CNY"]
    assert not [size for _, size in font_sizes(spec) if size < charts.SMALLEST_FONT]
    assert {part: spec["config"][part] for part in charts.SLIDE_CONFIG} == charts.SLIDE_CONFIG


def test_the_chart_renders_with_the_largest_effect_on_top():
    frame = shapley_frame(["Alpha"]).iloc[::-1]
    frame["key"] = ["z.last_alphabetically", "alpha.middle", "m.third", "a.first_alphabetically"]
    svg = assert_renders(view.chart(result_of(frame)))
    # effects 0.55, 0.3, 0.16 and -0.01, in that order from the top, whatever their names' order
    tops = [rendered_y(svg, label) for label in ("a.first_alphabetically", "m.third", "middle",
                                                 "z.last_alphabetically")]
    assert tops == sorted(tops)


def test_the_chart_without_declared_colours_takes_each_company_s_palette_slot():
    result = result_of(shapley_frame(["Alpha", "Beta"]))
    spec = view.shapley_chart(result.frame).to_dict()
    scale = spec["spec"]["layer"][0]["encoding"]["color"]["scale"]
    assert scale["domain"] == ["Alpha", "Beta"] and len(set(scale["range"])) == 2


def test_the_terminal_shows_the_priorities_with_each_effect_and_its_interval():
    result = result_of(shapley_frame(["Alpha", "Beta"]))
    table = view.table(result)
    assert list(table.columns) == ["company", "rank", "key", "shapley", "confidence", "flags", "correlated_with",
                                   "dig"]
    alpha = table[table.company == "Alpha"]
    assert alpha.shapley.tolist() == ["0.550 [0.500, 0.600]", "0.300 [0.270, 0.330]", "0.160 [0.120, 0.200]",
                                      "-0.010 [-0.030, 0.010]"]
    assert alpha.dig.tolist() == ["dig here", "dig here", "dig here", ""]
    shown = sensitivity.terminal(result)
    assert [title for title, _ in shown[:2]] == ["Alpha: accelerators_installed in 2027 (thousand units)",
                                                 "Beta: accelerators_installed in 2027 (thousand units)"]
    assert shown[2] == ("Widest 95% interval of a Shapley effect: 0.100 (Alpha); 8,192 samples, 442,368 runs of the "
                        "model")


def test_the_footer_is_empty_without_intervals():
    frame = shapley_frame(["Alpha"]).assign(shapley_low=float("nan"), shapley_high=float("nan"))
    assert view.footer(result_of(frame)) is None


@pytest.mark.parametrize("column", ["shapley", "shapley_low", "shapley_high", "standard_error"])
def test_the_workbook_writes_effects_as_indices(column):
    book = workbook.sensitivity_book(result_of(shapley_frame(["Alpha"])))
    sheet = next(sheet for sheet in book.sheets if sheet.name == "Shapley")
    written = next(c for c in sheet.columns if c.header == workbook.header(column))
    assert written.formats == format.EXCEL_SENSITIVITY_INDEX
