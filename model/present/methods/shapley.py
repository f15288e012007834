"""How Shapley effects are shown: their chart (a bar per assumption, the correlated ones marked), the research
priorities they give in the terminal, and how wide the widest interval is."""

from __future__ import annotations

import altair as alt
import pandas as pd

from model import format
from model.analysis.methods.shapley import widest_intervals
from model.analysis.sensitivity import SensitivityResult
from model.catalogue import Kind
from model.present import charts
from model.present.charts import ASSUMPTION_STEP, ChartLike
from model.present.palette import company_colours

CORRELATED, INDEPENDENT = "correlated with another", "independent"


def chart(result: SensitivityResult) -> ChartLike:
    return shapley_chart(result.frame, result.colours)


@charts.for_slides
def shapley_chart(frame: pd.DataFrame, colours: dict[str, str] | None = None) -> alt.FacetChart:
    """Per company, each assumption's Shapley effect (its fair share of the output's variance, correlations
    included) as a bar in the company's colour with its interval, largest on top, on a 0-1 axis (an estimate below 0
    or above 1, from sampling noise, is drawn at the edge; the tooltip gives it as estimated); an assumption
    correlated with another is drawn lighter.

    `frame` is the Shapley frame (`methods.shapley.SHAPLEY_COLUMNS`), one scenario, metric and year.
    """
    scenario = charts._only(frame, "scenario")
    name, year = charts._metric_name(str(charts._only(frame, "metric"))), charts._only(frame, "year")
    companies = charts._companies(frame)
    colours = colours or company_colours(companies)
    rows = frame[["company", "key", "shapley", "shapley_low", "shapley_high", "standard_error",
                  "correlated_with"]].assign(
        assumption=charts._assumption_labels(frame),
        dependence=[CORRELATED if partners else INDEPENDENT for partners in frame["correlated_with"]],
        correlated_with=frame["correlated_with"].replace("", "none"))
    x_scale = alt.Scale(domain=[0, 1], clamp=True)  # display only: the data keep the estimates
    base = alt.Chart().encode(
        y=alt.Y("assumption:N", title=None, sort=alt.EncodingSortField("shapley", op="max", order="descending")),
        tooltip=[alt.Tooltip("key:N", title="Assumption"),
                 alt.Tooltip("shapley:Q", title="Shapley effect", format=format.D3_SENSITIVITY_INDEX),
                 alt.Tooltip("shapley_low:Q", title="95% interval from", format=format.D3_SENSITIVITY_INDEX),
                 alt.Tooltip("shapley_high:Q", title="95% interval to", format=format.D3_SENSITIVITY_INDEX),
                 alt.Tooltip("correlated_with:N", title="Correlated with")],
    )
    bars = base.mark_bar().encode(
        x=alt.X("shapley:Q", title="Share of the output's variance", scale=x_scale,
                axis=alt.Axis(format=format.axis_format(Kind.share))),
        color=charts._company_colour(colours, companies),
        opacity=alt.Opacity("dependence:N", title="Assumption",
                            scale=alt.Scale(domain=[INDEPENDENT, CORRELATED], range=[1.0, 0.45])),
    )
    whiskers = base.mark_rule(color="#222222").encode(x="shapley_low:Q", x2="shapley_high:Q")
    return charts._company_panels(
        alt.layer(bars, whiskers, data=rows), frame,
        charts._named(f"{name} in {year}: where its variance comes from (Shapley effects)", scenario),
        "Each assumption's fair share, its correlations included (the shares add up to 1); lighter: correlated with "
        "another assumption; whiskers: 95% interval", step=ASSUMPTION_STEP, y="independent", x="shared")


def table(result: SensitivityResult) -> pd.DataFrame:
    """The research priorities by Shapley effect, each effect as "estimate [low, high]" and "dig here" where to
    dig: columns company, rank, key, shapley, confidence, flags, correlated_with, dig."""
    frame = result.frame
    effects = frame.assign(shapley=[format.sensitivity_index(*row) for row in
                                    frame[["shapley", "shapley_low", "shapley_high"]].to_numpy()])
    priorities = result.tables["priorities"].drop(columns=["shapley", "correlated_with"])
    shown = priorities.merge(effects[["company", "key", "shapley", "correlated_with"]], on=["company", "key"],
                             how="left")
    shown = shown.assign(dig=shown["dig"].map({True: "dig here", False: ""}))
    return shown[["company", "rank", "key", "shapley", "confidence", "flags", "correlated_with", "dig"]]


def footer(result: SensitivityResult) -> str | None:
    """The widest interval of an effect, and what the estimate cost; None when no effect has one."""
    widest = max(widest_intervals(result.frame).items(), key=lambda item: item[1][0], default=None)
    if widest is None:
        return None
    settings = result.settings
    return (f"Widest {format.figure(settings['confidence'], Kind.probability, decimals=0)} interval of a Shapley "
            f"effect: {format.sensitivity_index(widest[1][0])} ({widest[0]}); {format.count(settings['samples'])} "
            f"samples, {format.count(settings['evaluations'])} runs of the model")
