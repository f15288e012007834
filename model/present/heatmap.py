"""The sensitivity heatmap of a run with draws: which assumption decides each company's figure in each year, as
first-order indices (`Projection.first_order`) in a grid of assumptions by company and year."""

from __future__ import annotations

import altair as alt
import pandas as pd

from model import format
from model.catalogue import METRICS
from model.present.charts import ASSUMPTION_STEP, ChartLike, for_slides

# Assumptions shown: those with the largest index anywhere on the metric, so that a grid of 20-odd assumptions by
# 3 companies x 6 years stays legible; the CSV and the workbook hold every one.
TOP_ASSUMPTIONS = 15
# An assumption whose indices all stay below this is not shown: at the fewest draws a run draws a heatmap for, its
# index is not told apart from sampling noise (`model.core.first_order.MIN_DRAWS`).
SHOWN_INDEX = 0.01
# Each cell's index is written in it from this size up; below it the colour alone says "next to nothing".
LABELLED_INDEX = 0.05
# Cells from this index up are dark enough to take white text.
DARK_INDEX = 0.4
CELL_WIDTH = 40
# Classes of index, each a shade of ColorBrewer's Blues (nearly white below LABELLED_INDEX, so that "nothing" reads
# as empty), fixed so that two heatmaps compare. Classes rather than a gradient: a gradient legend's SVG carries an
# id that counts the renderer's earlier gradients, so the same chart would not give the same bytes.
COLOUR_CLASSES = ([LABELLED_INDEX, 0.1, 0.2, DARK_INDEX, 0.6, 0.8],
                  ["#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#4292c6", "#2171b5", "#084594"])


def top_assumptions(frame: pd.DataFrame, top: int = TOP_ASSUMPTIONS) -> list[str]:
    """The `top` assumptions of a first-order frame by their largest index on any company and year, largest first
    (ties by key); assumptions whose indices all stay below SHOWN_INDEX are left out."""
    largest = frame.groupby("assumption")["first_order"].max()
    largest = largest[largest >= SHOWN_INDEX]
    ranked = sorted(largest.items(), key=lambda item: (-item[1], item[0]))
    return [key for key, _ in ranked[:top]]


@for_slides
def first_order_heatmap(frame: pd.DataFrame, *, top: int = TOP_ASSUMPTIONS) -> ChartLike:
    """A heatmap of one metric's first-order indices: a row per assumption (the `top` by largest index), a panel per
    company with a column per year, each cell coloured by the assumption's share of the variance of that company's
    figure in that year, its value written in cells of LABELLED_INDEX or more, and in a tooltip.

    `frame` is `Projection.first_order()` for one metric: scenario, metric, company, year, assumption, first_order.
    The colour is the index, not the company (each panel names its company): a company colour would compete with
    the scale the cells are read on.
    """
    metrics = frame["metric"].drop_duplicates().tolist()
    scenarios = frame["scenario"].drop_duplicates().tolist()
    if len(metrics) != 1 or len(scenarios) != 1:
        raise ValueError(f"a heatmap is of one metric and scenario, not {metrics} of {scenarios}")
    metric = METRICS[metrics[0]]
    companies = frame["company"].drop_duplicates().tolist()
    shown = top_assumptions(frame, top)
    rows = frame[frame["assumption"].isin(shown)].assign(
        label=lambda f: f["first_order"].map(lambda v: format.sensitivity_index(v) if v >= LABELLED_INDEX else ""))
    base = alt.Chart().encode(
        x=alt.X("year:O", title=None, axis=alt.Axis(labelAngle=0, orient="top")),
        y=alt.Y("assumption:N", title=None, sort=shown, axis=alt.Axis(labelLimit=320)),
        tooltip=[alt.Tooltip("company:N", title="Company"), alt.Tooltip("year:O", title="Year"),
                 alt.Tooltip("assumption:N", title="Assumption"),
                 alt.Tooltip("first_order:Q", title="First-order index", format=format.D3_SENSITIVITY_INDEX)],
    )
    cells = base.mark_rect(stroke="white", strokeWidth=1).encode(
        color=alt.Color("first_order:Q", title=["First-order", "index"],
                        scale=alt.Scale(type="threshold", domain=COLOUR_CLASSES[0], range=COLOUR_CLASSES[1]),
                        legend=alt.Legend(format=format.D3_SENSITIVITY_INDEX)))
    text = base.mark_text(fontSize=12).encode(
        text="label:N",
        color=alt.ColorValue(**alt.condition(f"datum.first_order >= {DARK_INDEX}", alt.value("white"),
                                             alt.value("#222222"))))
    subtitle = [("Each cell: the share of the variance of the company's figure in that year that the assumption "
                 "explains alone (given-data first-order index from the run's draws);"),
                (f"the {len(shown)} assumptions with the largest index anywhere, largest first; empty cells are "
                 f"below {format.sensitivity_index(LABELLED_INDEX)}; correlated assumptions (such as accelerator "
                 "prices) share their effect, so a column may sum above 1")]
    return (
        alt.layer(cells, text, data=rows)
        .properties(width=alt.Step(CELL_WIDTH), height=alt.Step(ASSUMPTION_STEP))
        .facet(column=alt.Column("company:N", title=None, sort=companies,
                                 header=alt.Header(labelFontSize=14, labelFontWeight="bold")))
        .properties(title=alt.Title(f"{metric.label}: which assumption decides it, by company and year, "
                                    f"scenario {scenarios[0]}", subtitle=subtitle))
    )
