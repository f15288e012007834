"""Altair charts of one scenario's projection: tidy frame in, Vega-Lite chart out; nothing is saved or shown.

Companies are data: every chart draws the companies of the frame in the order they first appear, each in the
same colour everywhere.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

# Fixed sizes keep the rendered SVG/PNG identical from run to run and readable side by side in the report.
WIDTH = 560
HEIGHT = 320
FACET_WIDTH = 180

RACE_SHARE_METRICS: dict[str, str] = {
    "capex_share": "Capex",
    "ai_chip_spend_share": "AI-chip spend",
    "accelerators_installed_share": "Accelerators installed",
}
CLOUD_REVENUE_METRICS: dict[str, str] = {"cloud_revenue": "Cloud revenue", "ai_revenue": "AI revenue"}

ChartLike = alt.Chart | alt.LayerChart


# ------------------------------------------------------------------------------------------------------- helpers
def _companies(frame: pd.DataFrame) -> list[str]:
    return frame["company"].drop_duplicates().tolist()


def _company_colour(frame: pd.DataFrame) -> alt.Color:
    """A colour encoding whose domain is every company of the frame, so a company keeps its colour in all charts,
    even in one where it has no rows."""
    return alt.Color("company:N", title="Company", scale=alt.Scale(domain=_companies(frame), scheme="tableau10"))


def _year_axis() -> alt.X:
    # ordinal: one tick per modelled year and no thousands separator ("2,025")
    return alt.X("year:O", title="Year", axis=alt.Axis(labelAngle=0))


def _metric_rows(frame: pd.DataFrame, metrics: list[str]) -> tuple[pd.DataFrame, str]:
    """The rows of `metrics` (only the columns charts use, so extra columns such as p5/p95 are ignored) and their
    common unit."""
    scenarios = frame["scenario"].drop_duplicates().tolist()
    if len(scenarios) > 1:
        raise ValueError(f"a chart draws one scenario, but the frame holds {len(scenarios)}: {scenarios}")
    rows = frame.loc[frame["metric"].isin(metrics), ["company", "year", "metric", "unit", "value"]]
    missing = sorted(set(metrics) - set(rows["metric"]))
    if missing:
        present = sorted(frame["metric"].drop_duplicates())
        raise ValueError(f"the frame has no rows for metric(s) {missing}; metrics present: {present}")
    units = rows["unit"].drop_duplicates().tolist()
    if len(units) > 1:
        raise ValueError(f"metrics {metrics} mix units {units}; a chart needs one unit")
    return rows.reset_index(drop=True), units[0]


def _lines_by_company(frame: pd.DataFrame, *, metric: str, quantity: str, subject: str = "by company") -> alt.Chart:
    """One line per company of `metric` over the years; `quantity` names it in plain words, titled
    "<quantity> <subject> (<unit>)"."""
    rows, unit = _metric_rows(frame, [metric])
    return (
        alt.Chart(rows[["company", "year", "value"]], title=f"{quantity} {subject} ({unit})")
        .mark_line(point=True)
        .encode(
            x=_year_axis(),
            y=alt.Y("value:Q", title=f"{quantity} ({unit})"),
            color=_company_colour(frame),
            tooltip=[
                alt.Tooltip("company:N", title="Company"),
                alt.Tooltip("year:O", title="Year"),
                alt.Tooltip("value:Q", title=f"{quantity} ({unit})", format=",.1f"),
            ],
        )
        .properties(width=WIDTH, height=HEIGHT)
    )


# ---------------------------------------------------------------------------------------------------------- charts
def capex_by_company(frame: pd.DataFrame) -> alt.Chart:
    """Yearly capex per company (metric `capex`), one line each."""
    return _lines_by_company(frame, metric="capex", quantity="Capex")


def cumulative_capex_vs_plan(frame: pd.DataFrame, plans: pd.DataFrame) -> alt.LayerChart:
    """Cumulative capex per company (metric `capex_cumulative`) with a dashed, labelled rule at each company's
    multi-year plan total, so one company's spend over a window reads against another's announced plan.

    `plans` has columns company, plan_total, unit, start, end (unit must be the capex unit); it may be empty.
    """
    lines = _lines_by_company(
        frame, metric="capex_cumulative", quantity="Cumulative capex", subject="against announced plans"
    )
    _, unit = _metric_rows(frame, ["capex_cumulative"])
    plan_units = set(plans["unit"]) - {unit}
    if plan_units:
        raise ValueError(f"plans are in {sorted(plan_units)} but cumulative capex is in {unit}; convert them first")
    plan_rules = plans[["company", "plan_total", "start", "end"]]
    plan_rules = plan_rules.assign(
        label=[
            f"{company} plan {start}-{end}: {total:,.0f} {unit}"
            for company, total, start, end in plan_rules.itertuples(index=False)
        ]
    )
    rule_base = alt.Chart(plan_rules).encode(
        y=alt.Y("plan_total:Q"),
        color=_company_colour(frame),
        tooltip=[
            alt.Tooltip("company:N", title="Company"),
            alt.Tooltip("plan_total:Q", title=f"Plan total ({unit})", format=",.1f"),
            alt.Tooltip("start:O", title="First year"),
            alt.Tooltip("end:O", title="Last year"),
        ],
    )
    rules = rule_base.mark_rule(strokeDash=[6, 4], strokeWidth=1.5)
    # labels sit at the left edge, above their rule, where the cumulative lines are still low
    labels = rule_base.mark_text(align="left", baseline="bottom", dx=4, dy=-3, fontSize=11).encode(
        x=alt.value(0), text="label:N"
    )
    # the layer takes its title and size from the lines
    return alt.layer(lines, rules, labels)


def ai_chip_spend(frame: pd.DataFrame) -> alt.Chart:
    """Yearly AI-chip spend per company (metric `ai_chip_spend`), one line each."""
    return _lines_by_company(frame, metric="ai_chip_spend", quantity="AI-chip spend")


def accelerators_installed(frame: pd.DataFrame) -> alt.Chart:
    """Installed base of accelerators per company (metric `accelerators_installed`), one line each."""
    return _lines_by_company(frame, metric="accelerators_installed", quantity="Accelerators installed")


def cloud_revenue(frame: pd.DataFrame) -> alt.LayerChart:
    """Cloud revenue (solid) and the AI revenue within it (dashed) per company."""
    rows, unit = _metric_rows(frame, list(CLOUD_REVENUE_METRICS))
    rows = rows.assign(series=rows["metric"].map(CLOUD_REVENUE_METRICS))[["company", "year", "series", "value"]]
    revenue = alt.Chart(rows).encode(
        x=_year_axis(),
        y=alt.Y("value:Q", title=f"Revenue ({unit})"),
        color=_company_colour(frame),
        tooltip=[
            alt.Tooltip("company:N", title="Company"),
            alt.Tooltip("series:N", title="Revenue"),
            alt.Tooltip("year:O", title="Year"),
            alt.Tooltip("value:Q", title=unit, format=",.1f"),
        ],
    )
    lines = revenue.mark_line().encode(
        strokeDash=alt.StrokeDash(
            "series:N",
            title="Revenue",
            scale=alt.Scale(domain=list(CLOUD_REVENUE_METRICS.values()), range=[[1, 0], [5, 3]]),
            # a grey line symbol shows the dash pattern, not a company colour
            legend=alt.Legend(symbolType="stroke", symbolStrokeColor="#555555", symbolStrokeWidth=2),
        )
    )
    # points in their own layer: as a line's overlay they would make Vega-Lite hide the dash legend's strokes
    points = revenue.mark_point(filled=True, opacity=1)
    return alt.layer(lines, points, title=f"Cloud revenue and AI revenue by company ({unit})").properties(
        width=WIDTH, height=HEIGHT
    )


def race_shares(frame: pd.DataFrame) -> alt.Chart:
    """Each company's share of the modelled total of capex, AI-chip spend and installed accelerators: one panel
    per measure, a stacked bar per year adding to 100%."""
    rows, _ = _metric_rows(frame, list(RACE_SHARE_METRICS))
    company_order = {company: position for position, company in enumerate(_companies(frame))}
    rows = rows.assign(
        measure=rows["metric"].map(RACE_SHARE_METRICS), company_order=rows["company"].map(company_order)
    )[["company", "company_order", "year", "measure", "value"]]
    return (
        alt.Chart(rows, title="Share of the modelled total by company (%)")
        .mark_bar()
        .encode(
            x=_year_axis(),
            y=alt.Y(
                "value:Q",
                title="Share of modelled total (%)",
                axis=alt.Axis(format="%"),
                # fixed at 100%: rounding (a total of 1.0000000001) would otherwise stretch the axis to 110%
                scale=alt.Scale(domain=[0, 1]),
                stack="zero",
            ),
            color=_company_colour(frame),
            # stack companies in frame order, the first on the baseline so its share reads straight off the axis
            order=alt.Order("company_order:Q", sort="ascending"),
            column=alt.Column("measure:N", title=None, sort=list(RACE_SHARE_METRICS.values())),
            tooltip=[
                alt.Tooltip("company:N", title="Company"),
                alt.Tooltip("measure:N", title="Measure"),
                alt.Tooltip("year:O", title="Year"),
                alt.Tooltip("value:Q", title="Share", format=".1%"),
            ],
        )
        .properties(width=FACET_WIDTH, height=HEIGHT)
    )


def build_charts(frame: pd.DataFrame, plans: pd.DataFrame) -> dict[str, ChartLike]:
    """Every chart of a run, in report order, keyed by the file stem it is saved under."""
    return {
        "capex": capex_by_company(frame),
        "capex_cumulative_vs_plan": cumulative_capex_vs_plan(frame, plans),
        "ai_chip_spend": ai_chip_spend(frame),
        "cloud_revenue": cloud_revenue(frame),
        "race_shares": race_shares(frame),
        "accelerators_installed": accelerators_installed(frame),
    }
