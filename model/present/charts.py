"""Altair charts of one scenario's projection and of its uncertainty: tidy frame in, Vega-Lite chart out; nothing is
saved or shown.

Companies are data: every chart draws the companies of the frame in the order they first appear, each in the
same colour everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping

import altair as alt
import numpy as np
import pandas as pd

from model import format
from model.analysis.projection import bases_differ, frame_bases
from model.catalogue import METRICS, Kind, View, metrics_in, metrics_in_chart, metrics_on_cloud_basis

# Fixed sizes keep the rendered SVG/PNG identical from run to run and readable side by side in the report.
WIDTH = 560
HEIGHT = 320
FACET_WIDTH = 180
# one band per assumption in the tornado and Sobol panels, so a panel grows with its company's assumptions
ASSUMPTION_STEP = 22

# The metrics of the charts that draw several, with their names there (a share is named after what it shares).
RACE_SHARE_METRICS: dict[str, str] = {
    key: METRICS[str(METRICS[key].derived_from)].label for key in metrics_in_chart("race_shares")
}
CLOUD_REVENUE_METRICS: dict[str, str] = {key: METRICS[key].label for key in metrics_in_chart("cloud_revenue")}
# The race metrics of lead and overtake probabilities, in panel order.
RACE_METRICS = metrics_in(View.race)

# A projection frame of a run with draws has these summaries of each value over the draws, titled as in tooltips.
DRAW_SUMMARIES: dict[str, str] = {"mean": "Mean", "p5": "5th percentile", "p50": "Median", "p95": "95th percentile"}
# The table beside a fan chart shows each figure with every assumption at its value, which can differ from the
# median the line draws: the second line of the subtitle says so.
FAN_TABLE_NOTE = ("(the headline table gives each figure with every assumption at its value, and its median where "
                  "they differ)")
FAN_SUBTITLE = [
    "Median and 90% interval: the line is the median of the draws, the band spans their 5th to 95th percentile",
    FAN_TABLE_NOTE,
]

# Where the companies' cloud revenue figures rest on different bases (what each cloud.revenue_base counts), every
# figure built on them carries this mark, and a note lists each company's basis.
BASIS_MARK = "*"
CLOUD_BASIS_LABELS = [METRICS[key].label for key in metrics_on_cloud_basis()]
LIKE_FOR_LIKE = [METRICS[key].label.lower() for key in metrics_in_chart("cloud_market_share")
                 + metrics_in_chart("cloud_market_revenue")]


def bases_listed(bases: Mapping[str, str]) -> str:
    """"Alibaba segment-reported; ByteDance, Tencent market-share-estimate": each basis after its companies."""
    by_basis: dict[str, list[str]] = {}
    for company, basis in bases.items():
        by_basis.setdefault(basis, []).append(company)
    return "; ".join(f"{', '.join(companies)} {basis}" for basis, companies in by_basis.items())


def basis_note(bases: Mapping[str, str]) -> list[str]:
    """What the mark says, in two lines: each basis with its companies, and which figures compare like for like."""
    return [f"{BASIS_MARK} {' and '.join(CLOUD_BASIS_LABELS)} mix bases ({bases_listed(bases)}),",
            f"so they do not compare like for like; {LIKE_FOR_LIKE_NOTE}"]


LIKE_FOR_LIKE_NOTE = f"{' and '.join(LIKE_FOR_LIKE)} do (one market total x each company's share)"


# Tornado bars coloured by the sign of output_high - output_low.
EFFECTS: dict[int, str] = {1: "raises the output", -1: "lowers the output", 0: "leaves it unchanged"}
EFFECT_COLOURS: dict[str, str] = {
    "raises the output": "#2a9d8f",
    "lowers the output": "#d95f02",
    "leaves it unchanged": "#9e9e9e",
}
SOBOL_INDICES: dict[str, str] = {"total_order": "Total order", "first_order": "First order"}

ChartLike = alt.Chart | alt.LayerChart | alt.FacetChart


# ------------------------------------------------------------------------------------------------------- helpers
def _companies(frame: pd.DataFrame) -> list[str]:
    return frame["company"].drop_duplicates().tolist()


def _company_colour(companies: list[str]) -> alt.Color:
    """A colour encoding whose domain is every company given, so a company keeps its colour in all charts, even in
    one where it has no rows."""
    return alt.Color("company:N", title="Company", scale=alt.Scale(domain=companies, scheme="tableau10"))


def _year_axis() -> alt.X:
    # ordinal: one tick per modelled year and no thousands separator ("2,025")
    return alt.X("year:O", title="Year", axis=alt.Axis(labelAngle=0))


def _metric_name(metric: str) -> str:
    """The catalogue's label of a metric; one the catalogue lacks (a projection of another version) is named after
    its key."""
    known = METRICS.get(metric)
    return known.label if known is not None else metric.replace("_", " ").capitalize()


def _panel_order(metrics: pd.Series) -> list[str]:
    """The readable names of `metrics` for panel headers: the race metrics first, in their order, then the rest."""
    present = metrics.drop_duplicates().tolist()
    ordered = [metric for metric in RACE_METRICS if metric in present] + [m for m in present if m not in RACE_METRICS]
    return [_metric_name(metric) for metric in ordered]


def _only(frame: pd.DataFrame, column: str) -> object:
    """The single value of `column` in `frame`: a chart draws one scenario (and a sensitivity one metric and year)."""
    values = frame[column].drop_duplicates().tolist()
    if len(values) != 1:
        raise ValueError(f"a chart draws one {column}, but the frame holds {len(values)}: {values}")
    return values[0]


def _metric_rows(frame: pd.DataFrame, metrics: list[str]) -> tuple[pd.DataFrame, str]:
    """The rows of `metrics` (only the columns charts use) and their common unit.

    When the rows have Monte Carlo summaries (non-null p5 and p95) their columns mean, p5, p50 and p95 come too, and
    the line charts draw fans; columns of summaries left empty, as a run without draws may write them, are dropped.
    """
    _only(frame, "scenario")
    summaries = [column for column in DRAW_SUMMARIES if column in frame.columns]
    rows = frame.loc[frame["metric"].isin(metrics), ["company", "year", "metric", "unit", "value", *summaries]]
    missing = sorted(set(metrics) - set(rows["metric"]))
    if missing:
        present = sorted(frame["metric"].drop_duplicates())
        raise ValueError(f"the frame has no rows for metric(s) {missing}; metrics present: {present}")
    units = rows["unit"].drop_duplicates().tolist()
    if len(units) > 1:
        raise ValueError(f"metrics {metrics} mix units {units}; a chart needs one unit")
    interval = rows.reindex(columns=["p5", "p95"]).notna()
    if not interval.any(axis=None):
        rows = rows.drop(columns=summaries)
    elif absent := [column for column in DRAW_SUMMARIES if column not in summaries]:
        raise ValueError(f"the frame has summaries of draws but no {absent}; a fan chart needs {list(DRAW_SUMMARIES)}")
    elif not interval.all(axis=None):
        raise ValueError(f"metric(s) {metrics} have p5 and p95 in some rows only; a fan needs them in every row")
    return rows.reset_index(drop=True), units[0]


def _has_draws(rows: pd.DataFrame) -> bool:
    return "p50" in rows.columns


def _titled(text: str, rows: pd.DataFrame, fan_subtitle: str | list[str] = FAN_SUBTITLE) -> str | alt.Title:
    # a plain title without draws keeps the charts of a one-draw run exactly as they were
    return alt.Title(text, subtitle=fan_subtitle) if _has_draws(rows) else text


def _value_tooltips(rows: pd.DataFrame, title: str, unit: str, kind: Kind) -> list[alt.Tooltip]:
    """The value's tooltip, titled `title`; with draws, the projection at the assumptions' values and the summaries
    of the draws, each in `unit`, as a figure of `kind` reads."""
    number = format.d3_format(kind)
    if not _has_draws(rows):
        return [alt.Tooltip("value:Q", title=title, format=number)]
    return [alt.Tooltip("value:Q", title=f"At the assumptions' values ({unit})", format=number)] + [
        alt.Tooltip(f"{column}:Q", title=f"{name} ({unit})", format=number) for column, name in DRAW_SUMMARIES.items()
    ]


def _band(rows: pd.DataFrame, companies: list[str], y_title: str) -> alt.Chart:
    """Each company's 90% interval of the draws (p5 to p95), pale in its colour, to sit behind its median line."""
    return (
        alt.Chart(rows)
        # no tooltip: an area reports one point of its series, whichever the pointer is nearest; the line's points
        # carry the numbers
        .mark_area(opacity=0.18)
        .encode(
            x=_year_axis(),
            y=alt.Y("p5:Q", title=y_title),
            y2="p95:Q",
            # opaque swatches: the band's pale one would misstate the company's colour
            color=_company_colour(companies).legend(symbolOpacity=1),
        )
    )


def _lines_by_company(frame: pd.DataFrame, *, metric: str, subject: str = "by company") -> ChartLike:
    """One line per company of `metric` over the years, titled "<metric name> <subject> (<unit>)"; with draws the
    line follows the median, over a band of the 90% interval."""
    rows, unit = _metric_rows(frame, [metric])
    quantity = _metric_name(metric)
    kind = METRICS[metric].kind
    share = kind is Kind.share  # a share reads in percent, on its axis and in its title
    unit = "%" if share else unit
    y_title = f"{quantity} ({unit})"
    drawn = rows.drop(columns=["metric", "unit"])
    axis = alt.Axis(format=format.axis_format(kind)) if share else alt.Axis()
    lines = (
        alt.Chart(drawn)
        .mark_line(point=True)
        .encode(
            x=_year_axis(),
            y=alt.Y(f"{'p50' if _has_draws(rows) else 'value'}:Q", title=y_title, axis=axis),
            color=_company_colour(_companies(frame)),
            tooltip=[
                alt.Tooltip("company:N", title="Company"),
                alt.Tooltip("year:O", title="Year"),
                *_value_tooltips(rows, y_title, unit, kind),
            ],
        )
    )
    title = _titled(f"{quantity} {subject} ({unit})", rows)
    if not _has_draws(rows):
        return lines.properties(title=title, width=WIDTH, height=HEIGHT)
    band = _band(drawn, _companies(frame), y_title)
    return alt.layer(band, lines, title=title).properties(width=WIDTH, height=HEIGHT)


def _assumption_labels(frame: pd.DataFrame) -> pd.Series:
    """Each row's assumption key without its company's prefix ("alpha.capex.plan_total" -> "capex.plan_total" in
    Alpha's panel), the prefix being the company's name in lower case without spaces or punctuation; keys of another
    company or of none ("fx.CNY") keep theirs, since the panel's company does not name them."""
    prefixes = frame["company"].str.lower().str.replace(r"[^a-z0-9]", "", regex=True) + "."
    return pd.Series(
        [key.removeprefix(prefix) for key, prefix in zip(frame["key"], prefixes, strict=True)], index=frame.index
    )


def _company_panels(layers: alt.LayerChart, frame: pd.DataFrame, title: str, subtitle: str, *, step: int,
                    **scales: str) -> alt.FacetChart:
    """`layers` in one panel per company of `frame`, one under another (each `step` pixels a row), each company's
    name above its panel, under `title` and `subtitle`; `scales` says which scales the panels share
    (x="independent": each panel its own x)."""
    header = alt.Header(labelAngle=0, labelOrient="top", labelAnchor="start", labelFontWeight="bold", labelFontSize=12)
    return (
        layers.properties(width=WIDTH, height=alt.Step(step))
        .facet(row=alt.Row("company:N", title=None, sort=_companies(frame), header=header))
        .resolve_scale(**scales)
        .properties(title=alt.Title(title, subtitle=subtitle))
    )


# ---------------------------------------------------------------------------------------------------------- charts
def capex_by_company(frame: pd.DataFrame) -> ChartLike:
    """Yearly capex per company (metric `capex`), one line each; with draws, the median over a 90% band."""
    return _lines_by_company(frame, metric="capex")


def cumulative_capex_vs_plan(frame: pd.DataFrame, plans: pd.DataFrame) -> alt.LayerChart:
    """Cumulative capex per company (metric `capex_cumulative`) with a dashed, labelled rule at each company's
    multi-year plan total, so one company's spend over a window reads against another's announced plan; with
    draws, the lines are medians over 90% bands.

    `plans` has columns company, plan_total, unit, start, end (unit must be the capex unit); it may be empty.
    """
    lines = _lines_by_company(frame, metric="capex_cumulative", subject="against announced plans")
    _, unit = _metric_rows(frame, ["capex_cumulative"])
    plan_units = set(plans["unit"]) - {unit}
    if plan_units:
        raise ValueError(f"plans are in {sorted(plan_units)} but cumulative capex is in {unit}; convert them first")
    plan_rules = plans[["company", "plan_total", "start", "end"]]
    plan_rules = plan_rules.assign(
        label=[
            f"{company} plan {start}-{end}: {format.figure(total, Kind.money, decimals=0)} {unit}"
            for company, total, start, end in plan_rules.itertuples(index=False)
        ]
    )
    rule_base = alt.Chart(plan_rules).encode(
        y=alt.Y("plan_total:Q"),
        color=_company_colour(_companies(frame)),
        tooltip=[
            alt.Tooltip("company:N", title="Company"),
            alt.Tooltip("plan_total:Q", title=f"Plan total ({unit})", format=format.d3_format(Kind.money)),
            alt.Tooltip("start:O", title="First year"),
            alt.Tooltip("end:O", title="Last year"),
        ],
    )
    rules = rule_base.mark_rule(strokeDash=[6, 4], strokeWidth=1.5)
    # labels sit at the left edge, above their rule, where the cumulative lines are still low
    labels = rule_base.mark_text(align="left", baseline="bottom", dx=4, dy=-3, fontSize=11).encode(
        x=alt.value(0), text="label:N"
    )
    # `+` appends to the fan's layers rather than nesting them; the layer takes its title and size from the lines
    return lines + rules + labels


def ai_chip_spend(frame: pd.DataFrame) -> ChartLike:
    """Yearly AI-chip spend per company (metric `ai_chip_spend`), one line each; with draws, the median over a 90%
    band."""
    return _lines_by_company(frame, metric="ai_chip_spend")


def accelerators_installed(frame: pd.DataFrame) -> ChartLike:
    """Installed base of accelerators per company (metric `accelerators_installed`), one line each; with draws, the
    median over a 90% band."""
    return _lines_by_company(frame, metric="accelerators_installed")


def compute_installed(frame: pd.DataFrame) -> ChartLike:
    """Compute in service per company, in thousand H100-equivalents (metric `compute_installed`), one line each;
    with draws, the median over a 90% band."""
    return _lines_by_company(frame, metric="compute_installed")


def cloud_revenue(frame: pd.DataFrame) -> alt.LayerChart:
    """Cloud revenue (solid) and the AI revenue within it (dashed) per company; with draws, both lines are medians
    and cloud revenue has a band of its 90% interval (a second band for AI revenue would hide the first)."""
    rows, unit = _metric_rows(frame, list(CLOUD_REVENUE_METRICS))
    summaries = [column for column in DRAW_SUMMARIES if column in rows.columns]
    rows = rows.assign(series=rows["metric"].map(CLOUD_REVENUE_METRICS))[
        ["company", "year", "series", "value", *summaries]
    ]
    revenue = alt.Chart(rows).encode(
        x=_year_axis(),
        y=alt.Y(f"{'p50' if _has_draws(rows) else 'value'}:Q", title=f"Revenue ({unit})"),
        color=_company_colour(_companies(frame)),
        tooltip=[
            alt.Tooltip("company:N", title="Company"),
            alt.Tooltip("series:N", title="Revenue"),
            alt.Tooltip("year:O", title="Year"),
            *_value_tooltips(rows, unit, unit, Kind.money),
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
    layers = [lines, points]
    if _has_draws(rows):
        cloud = rows[rows["series"] == CLOUD_REVENUE_METRICS["cloud_revenue"]]
        layers.insert(0, _band(cloud, _companies(frame), f"Revenue ({unit})"))
    title = _titled(
        f"Cloud revenue and AI revenue by company ({unit})",
        rows,
        ["Median and 90% interval: lines are medians of the draws, the band spans cloud revenue's 5th to 95th "
         "percentile", FAN_TABLE_NOTE],
    )
    bases = frame_bases(frame)
    if bases_differ(bases):  # the figures are not like for like: the chart says so under its title
        note = basis_note(bases)
        title = (alt.Title(title.text, subtitle=[*title.subtitle, *note]) if isinstance(title, alt.Title)
                 else alt.Title(title, subtitle=note))
    return alt.layer(*layers, title=title).properties(width=WIDTH, height=HEIGHT)


def cloud_market_revenue(frame: pd.DataFrame) -> ChartLike:
    """Each company's revenue in the one China cloud market (metric `cloud_market_revenue`: the market total x its
    share), one line each; with draws, the median over a 90% band."""
    return _lines_by_company(frame, metric="cloud_market_revenue", subject="by company, market total x share")


def cloud_market_share(frame: pd.DataFrame) -> ChartLike:
    """Each company's share of the whole China cloud market (metric `cloud_market_share`), one line each, in
    percent; the modelled companies' shares need not add to 100%, the rest of the market being others'."""
    return _lines_by_company(frame, metric="cloud_market_share", subject="by company, of the whole market")


def _zero_to_one(field: str, title: str, kind: Kind, **options: object) -> alt.Y:
    """A y axis of a share or probability, from 0 to 1, labelled in percent."""
    return alt.Y(f"{field}:Q", title=title, axis=alt.Axis(format=format.axis_format(kind)),
                 scale=alt.Scale(domain=[0, 1]), **options)


def _bars_between(x: alt.X, x2: str, y: alt.Y, field: str, legend: str | None, colours: dict[str, str],
                  shown: list[str], tooltip: list[alt.Tooltip]) -> alt.Chart:
    """Bars from `x` to `x2` on each row of `y`, coloured by `field` with the fixed `colours` of the values
    `shown`."""
    colour = alt.Color(f"{field}:N", title=legend,
                       scale=alt.Scale(domain=shown, range=[colours[value] for value in shown]))
    return alt.Chart().mark_bar().encode(x=x, x2=x2, y=y, color=colour, tooltip=tooltip)


def _panel_tooltips(field: str, title: str, kind: Kind) -> list[alt.Tooltip]:
    """The tooltip of a company's figure in a panel per measure: company, measure, year and the figure."""
    return [alt.Tooltip("company:N", title="Company"), alt.Tooltip("measure:N", title="Measure"),
            alt.Tooltip("year:O", title="Year"), alt.Tooltip(f"{field}:Q", title=title, format=format.d3_format(kind))]


def race_shares(frame: pd.DataFrame) -> alt.Chart:
    """Each company's share of the modelled total of capex, AI-chip spend, installed accelerators and installed
    compute: one panel per measure, a stacked bar per year adding to 100%."""
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
            # fixed at 100%: rounding (a total of 1.0000000001) would otherwise stretch the axis to 110%
            y=_zero_to_one("value", "Share of modelled total (%)", Kind.share, stack="zero"),
            color=_company_colour(_companies(frame)),
            # stack companies in frame order, the first on the baseline so its share reads straight off the axis
            order=alt.Order("company_order:Q", sort="ascending"),
            column=alt.Column("measure:N", title=None, sort=list(RACE_SHARE_METRICS.values())),
            tooltip=_panel_tooltips("value", "Share", Kind.share),
        )
        .properties(width=FACET_WIDTH, height=HEIGHT)
    )


def build_charts(frame: pd.DataFrame, plans: pd.DataFrame) -> dict[str, ChartLike]:
    """Every chart of a projection, in report order, keyed by the file stem it is saved under."""
    return {
        "capex": capex_by_company(frame),
        "capex_cumulative_vs_plan": cumulative_capex_vs_plan(frame, plans),
        "ai_chip_spend": ai_chip_spend(frame),
        "cloud_revenue": cloud_revenue(frame),
        "cloud_market_revenue": cloud_market_revenue(frame),
        "cloud_market_share": cloud_market_share(frame),
        "race_shares": race_shares(frame),
        "accelerators_installed": accelerators_installed(frame),
        "compute_installed": compute_installed(frame),
    }


# ----------------------------------------------------------------------------------------------- sensitivity
def tornado(frame: pd.DataFrame) -> alt.FacetChart:
    """How far each assumption alone moves the output: per company, a bar from the output with the assumption at
    its 5th percentile to the output with it at its 95th (the others at their values), largest swing on top, a
    line at the base output (every assumption at its value), the bar coloured by whether the high input raises or
    lowers the output.

    `frame` is the tornado frame: scenario, metric, unit, company, year, key, input_low, input_high, output_low,
    output_high, base, swing; one metric, year and unit.
    """
    _only(frame, "scenario")
    metric, year, unit = str(_only(frame, "metric")), _only(frame, "year"), _only(frame, "unit")
    name, number = _metric_name(metric), format.d3_format(METRICS[metric].kind)
    effect = np.sign(frame["output_high"] - frame["output_low"]).map(EFFECTS)
    rows = frame[["company", "key", "input_low", "input_high", "output_low", "output_high", "base", "swing"]].assign(
        assumption=_assumption_labels(frame), effect=effect
    )
    x_title = f"{name} in {year} ({unit})"
    # zero off: the swings are what matter, and a base far from zero would squeeze them into slivers
    x_scale = alt.Scale(zero=False)
    effects = [label for label in EFFECT_COLOURS if label in set(effect)]
    bars = _bars_between(
        alt.X("output_low:Q", title=x_title, scale=x_scale), "output_high:Q",
        alt.Y("assumption:N", title=None, sort=alt.EncodingSortField("swing", order="descending")),
        "effect", "Assumption at its 95th percentile", EFFECT_COLOURS, effects,
        tooltip=[
            alt.Tooltip("key:N", title="Assumption"),
            alt.Tooltip("input_low:N", title="5th percentile"),
            alt.Tooltip("input_high:N", title="95th percentile"),
            alt.Tooltip("output_low:Q", title=f"Output at the 5th ({unit})", format=number),
            alt.Tooltip("output_high:Q", title=f"Output at the 95th ({unit})", format=number),
            alt.Tooltip("swing:Q", title=f"Swing ({unit})", format=number),
        ],
    )
    base = (
        alt.Chart()
        .mark_rule(color="#333333", strokeWidth=1.5)
        .encode(
            x=alt.X("min(base):Q", title=x_title, scale=x_scale),
            tooltip=[alt.Tooltip("min(base):Q", title=f"Base: every assumption at its value ({unit})", format=number)],
        )
    )
    # each panel lists only its own assumptions, on its own scale
    return _company_panels(alt.layer(bars, base, data=rows), frame, f"{x_title}: the swing of each assumption",
                           "Bar: the output with one assumption at its 5th and at its 95th percentile, the others at "
                           "their values; line: every assumption at its value",
                           step=ASSUMPTION_STEP, y="independent", x="independent")


def sobol(frame: pd.DataFrame) -> alt.FacetChart:
    """Which assumptions the output's variance comes from: per company, each assumption's total-order Sobol index
    (its share with every interaction) and its first-order index (its share alone) as a pair of bars, each with
    its 95% bootstrap interval, largest total on top, on a 0-1 axis (estimates below 0 or above 1, from
    sampling noise, are drawn at the edge; the tooltip gives them as estimated).

    `frame` is the Sobol frame: scenario, metric, unit, company, year, key, first_order, first_order_low,
    first_order_high, total_order, total_order_low, total_order_high; one metric and year.
    """
    _only(frame, "scenario")
    name, year = _metric_name(str(_only(frame, "metric"))), _only(frame, "year")
    columns = [f"{index}{bound}" for index in SOBOL_INDICES for bound in ("", "_low", "_high")]
    rows = frame[["company", "key", *columns]].assign(assumption=_assumption_labels(frame))
    # clamp is for display only: the data keep the estimates
    x_scale = alt.Scale(domain=[0, 1], clamp=True)
    index_names = list(SOBOL_INDICES.values())
    # each index in its own half of the assumption's band
    offset = alt.YOffset("index:N", scale=alt.Scale(domain=index_names))
    bounds = {"": "", "_low": ", 95% interval from", "_high": ", 95% interval to"}
    base = alt.Chart().encode(
        # "max", not the default "sum": Vega-Lite drops any other sort when it unions the layers' domains
        y=alt.Y("assumption:N", title=None, sort=alt.EncodingSortField("total_order", op="max", order="descending")),
        yOffset=offset,
        tooltip=[alt.Tooltip("key:N", title="Assumption")]
        + [
            alt.Tooltip(f"{index}{bound}:Q", title=f"{label}{words}", format=format.D3_SENSITIVITY_INDEX)
            for index, label in SOBOL_INDICES.items()
            for bound, words in bounds.items()
        ],
    )
    layers = []
    for index, label in SOBOL_INDICES.items():
        # a constant field, not a datum, names the index: only a field's colour scale takes the fixed colours
        indexed = base.transform_calculate(index=f"'{label}'")
        layers += [
            indexed.mark_bar().encode(
                x=alt.X(f"{index}:Q", title="Share of the output's variance", scale=x_scale,
                          axis=alt.Axis(format=format.axis_format(Kind.share))),
                color=alt.Color(
                    "index:N", title="Sobol index", scale=alt.Scale(domain=index_names, range=["#9ecae1", "#3182bd"])
                ),
            ),
            indexed.mark_rule(color="#222222").encode(
                x=f"{index}_low:Q",
                x2=f"{index}_high:Q",
                # a rule sits at the start of its band unless told to take the middle, the centre of its bar
                yOffset=offset.bandPosition(0.5),
            ),
        ]
    # each panel lists only its own assumptions, on the shared 0-1 axis; with an offset, the step is each bar's, so
    # the pair of bars takes about one assumption's step
    return _company_panels(alt.layer(*layers, data=rows), frame,
                           f"{name} in {year}: where its variance comes from (Sobol indices)",
                           "Total order: the assumption with all its interactions; first order: the assumption "
                           "alone; whiskers: 95% bootstrap interval",
                           step=ASSUMPTION_STEP // 2, y="independent", x="shared")


# ----------------------------------------------------------------------------------------------------- the race
def lead_probability(frame: pd.DataFrame) -> alt.Chart:
    """The probability that each company leads (is first in that year, over the draws) on cumulative capex,
    cumulative AI-chip spend and installed accelerators: one panel per metric, a line per company.

    `frame` has columns scenario, metric, company, year, probability.
    """
    _only(frame, "scenario")
    rows = frame[["company", "metric", "year", "probability"]].assign(measure=frame["metric"].map(_metric_name))
    return (
        alt.Chart(rows, title="Probability of leading by company (% of draws in which it is first)")
        .mark_line(point=True)
        .encode(
            x=_year_axis(),
            y=_zero_to_one("probability", "Probability of leading", Kind.probability),
            color=_company_colour(_companies(frame)),
            column=alt.Column("measure:N", title=None, sort=_panel_order(frame["metric"])),
            tooltip=_panel_tooltips("probability", "Probability of leading", Kind.probability),
        )
        .properties(width=FACET_WIDTH, height=HEIGHT)
    )


def overtake_years(frame: pd.DataFrame, *, companies: list[str] | None = None) -> ChartLike:
    """When one company first overtakes another: for each (company, rival) pair with any overtake, a row of panels,
    one per metric, with bars of the probability that the overtake happens in each year, coloured by the
    overtaking company, and the probability that it happens at all (the sum) in the corner.

    `frame` has columns scenario, metric, company, rival, year, probability; it may be empty (nobody overtook), and
    the chart then says so. `companies` fixes the colour order, to match the other charts (pass the projection's
    companies); by default it is the order the companies appear in, as overtakers, then as rivals.
    """
    title = "Year of first overtaking (% of draws)"
    if frame.empty:
        message = pd.DataFrame({"message": ["No company overtook another in any draw."]})
        return (
            alt.Chart(message, title=title)
            .mark_text(fontSize=14)
            .encode(text="message:N")
            .properties(width=WIDTH, height=60)
        )
    _only(frame, "scenario")
    if companies is None:
        companies = pd.concat([frame["company"], frame["rival"]]).drop_duplicates().tolist()
    pairs = frame["company"] + " overtakes " + frame["rival"]
    rows = frame[["company", "rival", "metric", "year", "probability"]].assign(
        measure=frame["metric"].map(_metric_name), pair=pairs
    )
    # Vega-Lite puts the cells of a sorted row x column facet in the wrong places when one has no rows
    # (vega-lite#8675), so a pair that never overtakes on a metric gets one row of probability 0, which is what
    # its missing rows mean.
    cells = (
        rows[["company", "rival", "pair"]]
        .drop_duplicates()
        .merge(rows[["metric", "measure"]].drop_duplicates(), how="cross")
        .merge(rows[["pair", "metric"]].drop_duplicates(), how="left", indicator=True)
    )
    empty = cells[cells["_merge"] == "left_only"].assign(year=rows["year"].min(), probability=0.0)
    rows = pd.concat([rows, empty], ignore_index=True)[rows.columns]
    bars = (
        alt.Chart()
        .mark_bar()
        .encode(
            x=_year_axis(),
            y=alt.Y("probability:Q", title="Probability", axis=alt.Axis(format=format.axis_format(Kind.probability))),
            color=_company_colour(companies),
            tooltip=[
                alt.Tooltip("pair:N", title="Overtake"),
                alt.Tooltip("measure:N", title="Measure"),
                alt.Tooltip("year:O", title="Year"),
                alt.Tooltip("probability:Q", title="Probability", format=format.d3_format(Kind.probability)),
            ],
        )
    )
    total = (
        alt.Chart()
        .transform_aggregate(total="sum(probability)")
        .transform_calculate(label=f"'in all: ' + format(datum.total, '{format.d3_format(Kind.probability, decimals=0)}')")
        .mark_text(align="right", baseline="top", fontSize=11, color="#333333")
        .encode(x=alt.value(FACET_WIDTH - 4), y=alt.value(4), text="label:N")
    )
    header = alt.Header(labelAngle=0, labelAlign="left", labelFontWeight="bold")
    return (
        alt.layer(bars, total, data=rows)
        .properties(width=FACET_WIDTH, height=90)
        .facet(
            row=alt.Row("pair:N", title=None, sort=pairs.drop_duplicates().tolist(), header=header),
            column=alt.Column("measure:N", title=None, sort=_panel_order(frame["metric"])),
            title=title,
        )
    )


# ------------------------------------------------------------------------------------------ review: the waterfall
WATERFALL_COLOURS: dict[str, str] = {
    "old": "#9e9e9e",
    "increase": "#2a9d8f",
    "decrease": "#d95f02",
    "new": "#4c78a8",
}


WATERFALL_SUBTITLE = (
    "Top bar: the old value; then each changed assumption's share of the change (Shapley value), from the running "
    "total before it to the total after; bottom bar: the new value"
)


def waterfall(frame: pd.DataFrame, *, kind: Kind, subtitle: str | list[str] | None = None) -> alt.FacetChart:
    """How a reviewed change moved one headline figure: per company, a bar for the old value, a floating bar per
    changed assumption (its attribution, from the running total before it to the total after), and a bar for the
    new value, in that order from the top; each step labelled with its amount.

    `frame` is `model.analysis.review.waterfall_frame`: scenario, company, figure, order, step, kind (old, increase,
    decrease, new), bottom, top, amount; one scenario and figure, of `kind` (a share's steps read in points).
    `subtitle` (a list: a line each) says what the steps are when they are not Shapley values (default:
    WATERFALL_SUBTITLE).
    """
    scenario, figure = _only(frame, "scenario"), str(_only(frame, "figure"))
    number = format.d3_format(kind)
    rows = frame.assign(
        label=[
            format.figure(amount, kind) if bar in ("old", "new") else format.change(amount, kind)
            for bar, amount in zip(frame["kind"], frame["amount"], strict=True)
        ],
        end=frame[["bottom", "top"]].max(axis=1),
    )
    bars_shown = [bar for bar in WATERFALL_COLOURS if bar in set(frame["kind"])]
    y = alt.Y("step:N", title=None, sort=alt.EncodingSortField("order", order="ascending"))
    x_axis = alt.Axis(format=axis) if (axis := format.axis_format(kind)) else alt.Axis()
    bars = _bars_between(
        alt.X("bottom:Q", title=figure, axis=x_axis), "top:Q", y, "kind", None, WATERFALL_COLOURS, bars_shown,
        tooltip=[
            alt.Tooltip("step:N", title="Step"),
            alt.Tooltip("amount:Q", title="Amount", format=number),
            alt.Tooltip("bottom:Q", title="From", format=number),
            alt.Tooltip("top:Q", title="To", format=number),
        ],
    )
    labels = (
        alt.Chart()
        .mark_text(align="left", dx=4, fontSize=11, color="#333333")
        .encode(x=alt.X("end:Q", title=figure, axis=x_axis), y=y, text="label:N")
    )
    return _company_panels(alt.layer(bars, labels, data=rows), frame,
                           f"{figure}, scenario {scenario}: what each change did",
                           WATERFALL_SUBTITLE if subtitle is None else subtitle, step=ASSUMPTION_STEP, x="independent")


# ------------------------------------------------------------------------------------ scenario comparison, backtest
# Dash patterns of the scenarios in a comparison, in the order given (the first, the reference, solid): the lines
# stay apart in print and for readers who cannot tell the colours apart.
SCENARIO_DASHES = ([1, 0], [6, 3], [2, 2], [8, 3, 2, 3], [4, 4], [1, 3])
# A backtest reads money to two decimals (a reported figure is often known that closely); a tooltip has one
# format for every panel.
BACKTEST_NUMBER = format.d3_format(Kind.money, decimals=2)
# How a backtest chart marks a reported figure: published after the scenario's as_of (a true out-of-sample check)
# or already known by then.
SAMPLE_SHAPES: dict[str, str] = {"published after as_of": "circle", "known by as_of": "square"}


def scenario_overlay(frame: pd.DataFrame, *, metric: str) -> alt.FacetChart:
    """One metric of several scenarios over the years: a panel per company (each with its own scale, so that a
    small company's lines are not flattened by a large one's) and a line per scenario, coloured and dashed by
    scenario in the order the frame names them, the first solid.

    `frame` is the tidy projection frames of the scenarios stacked (columns scenario, company, year, metric, unit,
    value), each scenario under a distinct name; the rows of `metric` share one unit.
    """
    rows = frame.loc[frame["metric"] == metric, ["scenario", "company", "year", "unit", "value"]]
    if rows.empty:
        present = sorted(frame["metric"].drop_duplicates())
        raise ValueError(f"the frame has no rows for metric {metric}; metrics present: {present}")
    units = rows["unit"].drop_duplicates().tolist()
    if len(units) > 1:
        raise ValueError(f"metric {metric} mixes units {units}; a chart needs one unit")
    unit = units[0]
    scenarios = rows["scenario"].drop_duplicates().tolist()
    dashes = [SCENARIO_DASHES[position % len(SCENARIO_DASHES)] for position in range(len(scenarios))]
    y_title = f"{_metric_name(metric)} ({unit})"
    number = format.d3_format(METRICS[metric].kind)
    # colour and dash on the same field with the same title merge into one legend
    colour = alt.Color("scenario:N", title="Scenario", scale=alt.Scale(domain=scenarios, scheme="dark2"))
    base = alt.Chart().encode(
        x=_year_axis(),
        y=alt.Y("value:Q", title=y_title),
        color=colour,
        tooltip=[
            alt.Tooltip("scenario:N", title="Scenario"),
            alt.Tooltip("company:N", title="Company"),
            alt.Tooltip("year:O", title="Year"),
            alt.Tooltip("value:Q", title=y_title, format=number),
        ],
    )
    lines = base.mark_line().encode(
        strokeDash=alt.StrokeDash(
            "scenario:N",
            title="Scenario",
            scale=alt.Scale(domain=scenarios, range=dashes),
            legend=alt.Legend(symbolType="stroke", symbolStrokeWidth=2),
        )
    )
    # points in their own layer: as a line's overlay they would make Vega-Lite hide the dash legend's strokes
    points = base.mark_point(filled=True, opacity=1)
    return (
        alt.layer(lines, points, data=rows.drop(columns="unit"))
        .properties(width=FACET_WIDTH, height=HEIGHT)
        .facet(
            column=alt.Column("company:N", title=None, sort=_companies(frame)),
            title=alt.Title(f"{_metric_name(metric)} by scenario ({unit})",
                            subtitle="One panel per company, each on its own scale; one line per scenario"),
        )
        .resolve_scale(y="independent")
    )


def backtest_chart(projected: pd.DataFrame, table: pd.DataFrame) -> alt.FacetChart:
    """A scenario's projections against reported figures: a panel per metric, each company's projected line (the
    median over a band of the 90% interval in a run with draws) and each reported figure as a point in the
    company's colour, a circle when it was published after the scenario's as_of (an out-of-sample check), a square
    when it was known by then.

    `projected` is the scenario's tidy projection (company, year, metric, unit, value, and p5, p50, p95 with draws);
    only the companies and metrics of `table` are drawn. `table` is the backtest table: company, metric, year, unit,
    reported, actual, projected, relative_error, basis, built, published, out_of_sample, excluded (a figure that
    restates an input is drawn hollow: it is shown, not counted).
    """
    if table.empty:
        raise ValueError("the backtest table is empty: no reported figure to draw")
    pairs = table[["company", "metric"]].drop_duplicates()
    draws = "p50" in projected.columns and projected["p50"].notna().any()
    columns = ["company", "year", "metric", "unit", "value", *(["p5", "p50", "p95"] if draws else [])]
    lines = projected[columns].merge(pairs, on=["company", "metric"])
    if draws:  # the line follows the median of the draws, as in the fan charts
        lines = lines.assign(value=lines["p50"]).drop(columns="p50")
    panels = {metric: f"{_metric_name(metric)} ({unit})" for metric, unit in zip(table["metric"], table["unit"], strict=True)}
    lines = lines.assign(panel=lines["metric"].map(panels), series="Projected").drop(columns=["metric", "unit"])
    points = table.assign(
        panel=table["metric"].map(panels),
        series="Reported",
        value=table["actual"],
        sample=np.where(table["out_of_sample"], *SAMPLE_SHAPES),
        published=table["published"].astype(str),
        counted=np.where(table["excluded"] == "", "yes", "no: " + table["excluded"]),
    )[["company", "year", "panel", "series", "value", "sample", "reported", "projected", "relative_error", "basis",
       "built", "published", "counted"]]
    rows = pd.concat([lines, points], ignore_index=True)
    # every company of the projection in the colour domain, so each keeps the colour it has in the run's charts
    colour = _company_colour(_companies(projected)).legend(symbolOpacity=1)
    y = alt.Y("value:Q", title=None)
    projected_only = alt.datum.series == "Projected"
    line = (
        alt.Chart()
        .transform_filter(projected_only)
        .mark_line()
        .encode(
            x=_year_axis(),
            y=y,
            color=colour,
            tooltip=[
                alt.Tooltip("company:N", title="Company"),
                alt.Tooltip("year:O", title="Year"),
                alt.Tooltip("value:Q", title="Projected", format=BACKTEST_NUMBER),
            ],
        )
    )
    dots = (
        alt.Chart()
        .transform_filter(alt.datum.series == "Reported")
        .mark_point(size=90, opacity=1, strokeWidth=1.5)
        .encode(
            x=_year_axis(),
            y=y,
            color=colour,
            # a figure the summary leaves out, as restating an input, is drawn as an outline in its company's colour
            fill=alt.condition(alt.datum.counted == "yes", alt.Fill(
                "company:N", scale=alt.Scale(domain=_companies(projected), scheme="tableau10"), legend=None),
                alt.value("white")),
            stroke=alt.value("#222222"),
            shape=alt.Shape("sample:N", title="Reported figure",
                            scale=alt.Scale(domain=list(SAMPLE_SHAPES), range=list(SAMPLE_SHAPES.values()))),
            tooltip=[
                alt.Tooltip("company:N", title="Company"),
                alt.Tooltip("year:O", title="Year"),
                alt.Tooltip("reported:N", title="Reported"),
                alt.Tooltip("basis:N", title="Basis"),
                alt.Tooltip("built:N", title="Built"),
                alt.Tooltip("value:Q", title="Reported, converted", format=BACKTEST_NUMBER),
                alt.Tooltip("projected:Q", title="Projected", format=BACKTEST_NUMBER),
                alt.Tooltip("relative_error:Q", title="Error (%)", format=format.d3_relative()),
                alt.Tooltip("published:N", title="Published"),
                alt.Tooltip("counted:N", title="Counted"),
            ],
        )
    )
    layers = [line, dots]
    if draws:
        band = (
            alt.Chart()
            .transform_filter(projected_only)
            .mark_area(opacity=0.18)
            .encode(x=_year_axis(), y=alt.Y("p5:Q", title=None), y2="p95:Q", color=colour)
        )
        layers.insert(0, band)
    subtitle = ("Lines: the projection" + (" (median of the draws, band: 5th to 95th percentile)" if draws else "")
                + "; points: reported figures in the reporting currency"
                + ("; white: restates an input, not counted" if (table["excluded"] != "").any() else ""))
    return (
        alt.layer(*layers, data=rows)
        .properties(width=WIDTH, height=HEIGHT // 2)
        .facet(
            row=alt.Row("panel:N", title=None, sort=list(dict.fromkeys(panels.values())),
                        header=alt.Header(labelAngle=0, labelAlign="left", labelFontWeight="bold")),
            title=alt.Title("Projected against reported", subtitle=subtitle),
        )
        .resolve_scale(y="independent")
    )
