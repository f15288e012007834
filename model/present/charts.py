"""Altair charts of one scenario's projection and of its uncertainty: tidy frame in, Vega-Lite chart out; nothing is
saved or shown.

Companies are data: every chart draws the companies of the frame in the order they first appear, each in its own
colour (`model.present.palette`: its file's `colour:`, else one fixed by its name), the same in every chart; a
legend lists only the companies its chart draws, and a click on one highlights that company. Every chart is sized
for a slide (`for_slides`: no text under SMALLEST_FONT px), names its scenario in its title and has a tooltip on
every mark.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from typing import ParamSpec

import altair as alt
import numpy as np
import pandas as pd

from model import format
from model.analysis.projection import bases_differ, frame_bases
from model.catalogue import METRICS, Kind, View, metrics_in, metrics_in_chart, metrics_on_cloud_basis
from model.present.palette import company_colours, company_scale

# Fixed sizes keep the rendered SVG/PNG identical from run to run and readable side by side in the report.
WIDTH = 560
HEIGHT = 320
# wide enough for six years of 12 px labels side by side
FACET_WIDTH = 220
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

# ------------------------------------------------------------------------------------------ slides and colours
# Vega's defaults (10 px axis labels and headers, 11 px axis titles and legends) cannot be read in a slide at 100%:
# every text of every chart is at least SMALLEST_FONT px, set once by `for_slides`.
SMALLEST_FONT = 12
SLIDE_CONFIG: dict[str, dict[str, int | bool]] = {
    "axis": {"labelFontSize": SMALLEST_FONT, "titleFontSize": 13},
    # Vega-Lite pushes a continuous x axis's end labels inward, where at 12 px the first runs into the second
    # ("2,5003,000"): centred on their ticks, and every other one dropped while any two come closer than 6 px
    "axisQuantitative": {"labelFlush": False, "labelOverlap": True, "labelSeparation": 6},
    # limits in px: Vega's (160 and 180) cut the larger text short ("Assumption at its 95th per…")
    "legend": {"labelFontSize": SMALLEST_FONT, "titleFontSize": 13, "labelLimit": 320, "titleLimit": 320},
    "header": {"labelFontSize": 13, "titleFontSize": 13},
    "title": {"fontSize": 16, "subtitleFontSize": SMALLEST_FONT},
    "text": {"fontSize": SMALLEST_FONT},
}

Built = ParamSpec("Built")


def for_slides(build: Callable[Built, ChartLike]) -> Callable[Built, ChartLike]:
    """`build`, its chart carrying SLIDE_CONFIG; every public builder is wrapped, so none can miss it. A configured
    chart can no longer be layered, so builders compose the unwrapped helpers, never each other."""
    @functools.wraps(build)
    def configured(*args: Built.args, **kwargs: Built.kwargs) -> ChartLike:
        return build(*args, **kwargs).configure(**SLIDE_CONFIG)

    return configured


def _companies(frame: pd.DataFrame) -> list[str]:
    return frame["company"].drop_duplicates().tolist()


def _colours_of(frame: pd.DataFrame, colours: Mapping[str, str] | None) -> Mapping[str, str]:
    """The colours a chart gives its companies: those given (a run's `Projection.colours`), else each company's
    from its name alone, as a run gives a company whose file declares none."""
    return colours if colours is not None else company_colours(_companies(frame))


def _company_colour(colours: Mapping[str, str], drawn: list[str]) -> alt.Color:
    """A colour encoding that gives each company its colour in `colours`; the legend lists `drawn` (the companies
    the chart draws) and no other."""
    # opaque swatches: a pale band's would misstate the company's colour
    return alt.Color("company:N", title="Company", scale=company_scale(colours, drawn), legend=alt.Legend(
        symbolOpacity=1))


# A click on a company in a legend highlights it (shift-click adds another) and dims the rest; with none picked, as
# in the SVG and PNG renders, every company is drawn in full. One layer of a chart adds it, the others refer to it.
COMPANY_PICK = alt.selection_point(name="company_pick", fields=["company"], bind="legend")
DIMMED = 0.15


def _picked(full: float = 1.0, dimmed: float = DIMMED, pick: alt.Parameter = COMPANY_PICK) -> alt.OpacityValue:
    """An opacity of `full` for the picked companies (all, while none is) and `dimmed` for the others."""
    # (Altair's `condition` gives a dict that `encode` turns into its channel by trying every class the channel
    # could be; given as the channel, the same spec is made in a third of the time)
    return alt.OpacityValue(**alt.condition(pick, alt.value(full), alt.value(dimmed)))


def _named(title: str, scenario: object) -> str:
    """A chart's title naming its scenario, so that a chart lifted into a slide still says what it shows."""
    return f"{title}, scenario {scenario}"


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
    """The value's tooltip, titled `title`; with draws, the median the line draws, the band's 5th-95th percentile
    interval (`_with_interval`) and the projection at the assumptions' values, each in `unit`, as a figure of `kind`
    reads."""
    number = format.d3_format(kind)
    if not _has_draws(rows):
        return [alt.Tooltip("value:Q", title=title, format=number)]
    return [alt.Tooltip("p50:Q", title=f"Median ({unit})", format=number),
            alt.Tooltip("interval:N", title=f"5th-95th percentile ({unit})"),
            alt.Tooltip("value:Q", title=f"At the assumptions' values ({unit})", format=number)]


def _with_interval(rows: pd.DataFrame, kind: Kind) -> pd.DataFrame:
    """`rows` with draws gain `interval`, "16.1-20.5", their 5th to 95th percentile as the one formatter writes
    it (a tooltip cannot join two formatted numbers itself)."""
    if not _has_draws(rows):
        return rows
    return rows.assign(interval=[format.interval(low, high, kind) for low, high in zip(rows["p5"], rows["p95"],
                                                                                         strict=True)])


BAND_OPACITY = 0.1
BAND_EDGES = {"p5": "5th percentile", "p95": "95th percentile"}


def _band(base: alt.Chart, colour: alt.Color, y_title: str | None) -> list[alt.Chart]:
    """Each company's 90% interval of the draws (p5 to p95), to sit behind its median line: a pale fill outlined by
    its two edges, thin lines in the company's colour.

    `base` is a chart of rows with p5 and p95 (its data, or its filter of the layer's data).

    Filled bands alone blend where they overlap (three companies' became one brown); the outlines keep each
    company's interval traceable in its own colour on the one axis the companies are compared on. Small multiples
    (a panel per company) separate the bands too, but put each company on its own panel and leave the others as
    unlabelled grey lines; the base scenario's capex read better outlined.
    """
    tooltip = [alt.Tooltip("company:N", title="Company"), alt.Tooltip("band:N", title="Band")]
    # no numbers: an area or a line reports one point of its series, whichever Vega picks; the median's points
    # carry the figures
    fill = (
        base
        .transform_calculate(band="'5th to 95th percentile of the draws'")
        .mark_area()
        .encode(x=_year_axis(), y=alt.Y("p5:Q", title=y_title), y2="p95:Q", color=colour,
                opacity=_picked(BAND_OPACITY, BAND_OPACITY / 4), tooltip=tooltip)
    )
    edges = (
        base
        .transform_fold(list(BAND_EDGES), as_=["edge", "bound"])
        .transform_calculate(band=f"datum.edge == 'p5' ? '{BAND_EDGES['p5']}' : '{BAND_EDGES['p95']}'")
        # thin and solid: a dash would read as the dashed AI revenue of the cloud revenue chart
        .mark_line(strokeWidth=1)
        .encode(x=_year_axis(), y=alt.Y("bound:Q", title=y_title), color=colour, detail="edge:N",
                opacity=_picked(0.9, DIMMED), tooltip=tooltip)
    )
    return [fill, edges]


def _lines_by_company(frame: pd.DataFrame, *, metric: str, subject: str = "by company",
                      colours: Mapping[str, str] | None = None) -> ChartLike:
    """One line per company of `metric` over the years, titled "<metric name> <subject> (<unit>), scenario <name>";
    with draws the line follows the median, over an outlined band of the 90% interval."""
    rows, unit = _metric_rows(frame, [metric])
    quantity = _metric_name(metric)
    kind = METRICS[metric].kind
    share = kind is Kind.share  # a share reads in percent, on its axis and in its title
    unit = "%" if share else unit
    y_title = f"{quantity} ({unit})"
    drawn = _with_interval(rows.drop(columns=["metric", "unit", "mean"], errors="ignore"), kind)
    axis = alt.Axis(format=format.axis_format(kind)) if share else alt.Axis()
    colour = _company_colour(_colours_of(frame, colours), _companies(rows))
    lines = (
        alt.Chart(drawn)
        .mark_line(point=True)
        .encode(
            x=_year_axis(),
            y=alt.Y(f"{'p50' if _has_draws(rows) else 'value'}:Q", title=y_title, axis=axis),
            color=colour,
            opacity=_picked(),
            tooltip=[
                alt.Tooltip("company:N", title="Company"),
                alt.Tooltip("year:O", title="Year"),
                *_value_tooltips(rows, y_title, unit, kind),
            ],
        )
        .add_params(COMPANY_PICK)
    )
    title = _titled(_named(f"{quantity} {subject} ({unit})", _only(frame, "scenario")), rows)
    if not _has_draws(rows):
        return lines.properties(title=title, width=WIDTH, height=HEIGHT)
    return alt.layer(*_band(alt.Chart(drawn), colour, y_title), lines, title=title).properties(width=WIDTH,
                                                                                                 height=HEIGHT)


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
@for_slides
def capex_by_company(frame: pd.DataFrame, colours: Mapping[str, str] | None = None) -> ChartLike:
    """Yearly capex per company (metric `capex`), one line each; with draws, the median over a 90% band."""
    return _lines_by_company(frame, metric="capex", colours=colours)


@for_slides
def cumulative_capex_vs_plan(frame: pd.DataFrame, plans: pd.DataFrame,
                             colours: Mapping[str, str] | None = None) -> alt.LayerChart:
    """Cumulative capex per company (metric `capex_cumulative`) with a dashed, labelled rule at each company's
    multi-year plan total across the plan's window only (from its first year to its last), so one company's spend
    over a window reads against another's announced plan; with draws, the lines are medians over 90% bands.

    `plans` has columns company, plan_total, unit, start, end (unit must be the capex unit); it may be empty.
    """
    lines = _lines_by_company(frame, metric="capex_cumulative", subject="against announced plans", colours=colours)
    drawn, unit = _metric_rows(frame, ["capex_cumulative"])
    plan_units = set(plans["unit"]) - {unit}
    if plan_units:
        raise ValueError(f"plans are in {sorted(plan_units)} but cumulative capex is in {unit}; convert them first")
    plan_rules = plans[["company", "plan_total", "start", "end"]]
    plan_rules = plan_rules.assign(
        label=[
            # no unit, which the axis gives: a shorter label crosses fewer lines
            f"{company} plan {start}-{end}: {format.figure(total, Kind.money, decimals=0)}"
            for company, total, start, end in plan_rules.itertuples(index=False)
        ]
    )
    # the plan's years on the lines' year axis: a window's years are years of the horizon
    window = alt.X("start:O", title="Year")
    rule_base = alt.Chart(plan_rules).encode(
        y=alt.Y("plan_total:Q"),
        color=_company_colour(_colours_of(frame, colours), _companies(drawn)),
        opacity=_picked(),
        tooltip=[
            alt.Tooltip("company:N", title="Company"),
            alt.Tooltip("label:N", title="Plan"),
            alt.Tooltip("plan_total:Q", title=f"Plan total ({unit})", format=format.d3_format(Kind.money)),
            alt.Tooltip("start:O", title="First year"),
            alt.Tooltip("end:O", title="Last year"),
        ],
    )
    rules = rule_base.mark_rule(strokeDash=[6, 4], strokeWidth=2).encode(x=window, x2="end:O")
    # each label starts at its plan's first year, above its rule, where the cumulative lines are still low
    labels = rule_base.mark_text(align="left", baseline="bottom", dx=-6, dy=-3).encode(x=window, text="label:N")
    # `+` appends to the fan's layers rather than nesting them; the layer takes its title and size from the lines
    return lines + rules + labels


@for_slides
def ai_chip_spend(frame: pd.DataFrame, colours: Mapping[str, str] | None = None) -> ChartLike:
    """Yearly AI-chip spend per company (metric `ai_chip_spend`), one line each; with draws, the median over a 90%
    band."""
    return _lines_by_company(frame, metric="ai_chip_spend", colours=colours)


@for_slides
def accelerators_installed(frame: pd.DataFrame, colours: Mapping[str, str] | None = None) -> ChartLike:
    """Installed base of accelerators per company (metric `accelerators_installed`), one line each; with draws, the
    median over a 90% band."""
    return _lines_by_company(frame, metric="accelerators_installed", colours=colours)


@for_slides
def compute_installed(frame: pd.DataFrame, colours: Mapping[str, str] | None = None) -> ChartLike:
    """Compute in service per company, in thousand H100-equivalents (metric `compute_installed`), one line each;
    with draws, the median over a 90% band."""
    return _lines_by_company(frame, metric="compute_installed", colours=colours)


@for_slides
def cloud_revenue(frame: pd.DataFrame, colours: Mapping[str, str] | None = None) -> alt.LayerChart:
    """Cloud revenue (solid) and the AI revenue within it (dashed) per company; with draws, both lines are medians
    and cloud revenue has an outlined band of its 90% interval (a second band for AI revenue would hide the
    first)."""
    rows, unit = _metric_rows(frame, list(CLOUD_REVENUE_METRICS))
    summaries = [column for column in ("p5", "p50", "p95") if column in rows.columns]
    rows = _with_interval(rows.assign(series=rows["metric"].map(CLOUD_REVENUE_METRICS))[
        ["company", "year", "series", "value", *summaries]
    ], Kind.money)
    colour = _company_colour(_colours_of(frame, colours), _companies(rows))
    revenue = alt.Chart(rows).encode(
        x=_year_axis(),
        y=alt.Y(f"{'p50' if _has_draws(rows) else 'value'}:Q", title=f"Revenue ({unit})"),
        color=colour,
        opacity=_picked(),
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
    points = revenue.mark_point(filled=True).add_params(COMPANY_PICK)
    layers = [lines, points]
    if _has_draws(rows):
        cloud = rows[rows["series"] == CLOUD_REVENUE_METRICS["cloud_revenue"]]
        layers = [*_band(alt.Chart(cloud), colour, f"Revenue ({unit})"), *layers]
    title = _titled(
        _named(f"Cloud revenue and AI revenue by company ({unit})", _only(frame, "scenario")),
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


@for_slides
def cloud_market_revenue(frame: pd.DataFrame, colours: Mapping[str, str] | None = None) -> ChartLike:
    """Each company's revenue in the one China cloud market (metric `cloud_market_revenue`: the market total x its
    share), one line each; with draws, the median over a 90% band."""
    return _lines_by_company(frame, metric="cloud_market_revenue", subject="by company, market total x share",
                             colours=colours)


@for_slides
def cloud_market_share(frame: pd.DataFrame, colours: Mapping[str, str] | None = None) -> ChartLike:
    """Each company's share of the whole China cloud market (metric `cloud_market_share`), one line each, in
    percent; the modelled companies' shares need not add to 100%, the rest of the market being others'."""
    return _lines_by_company(frame, metric="cloud_market_share", subject="by company, of the whole market",
                             colours=colours)


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


@for_slides
def race_shares(frame: pd.DataFrame, colours: Mapping[str, str] | None = None) -> alt.Chart:
    """Each company's share of the modelled total of capex, AI-chip spend, installed accelerators and installed
    compute: one panel per measure, a stacked bar per year adding to 100%."""
    rows, _ = _metric_rows(frame, list(RACE_SHARE_METRICS))
    company_order = {company: position for position, company in enumerate(_companies(frame))}
    rows = rows.assign(
        measure=rows["metric"].map(RACE_SHARE_METRICS), company_order=rows["company"].map(company_order)
    )[["company", "company_order", "year", "measure", "value"]]
    return (
        alt.Chart(rows, title=_named("Share of the modelled total by company (%)", _only(frame, "scenario")))
        .mark_bar()
        .encode(
            x=_year_axis(),
            # fixed at 100%: rounding (a total of 1.0000000001) would otherwise stretch the axis to 110%
            y=_zero_to_one("value", "Share of modelled total (%)", Kind.share, stack="zero"),
            color=_company_colour(_colours_of(frame, colours), _companies(rows)),
            opacity=_picked(),
            # stack companies in frame order, the first on the baseline so its share reads straight off the axis
            order=alt.Order("company_order:Q", sort="ascending"),
            column=alt.Column("measure:N", title=None, sort=list(RACE_SHARE_METRICS.values())),
            tooltip=_panel_tooltips("value", "Share", Kind.share),
        )
        .add_params(COMPANY_PICK)
        .properties(width=FACET_WIDTH, height=HEIGHT)
    )


def each_chart(frame: pd.DataFrame, plans: pd.DataFrame,
               colours: Mapping[str, str] | None = None) -> Iterator[tuple[str, ChartLike]]:
    """Every chart of a projection, in report order, with the file stem it is saved under, made one at a time (so
    the first can be drawn while the next are made); `colours` gives each company its colour (a run's
    `Projection.colours`; by default, each company's from its name)."""
    yield "capex", capex_by_company(frame, colours)
    yield "capex_cumulative_vs_plan", cumulative_capex_vs_plan(frame, plans, colours)
    yield "ai_chip_spend", ai_chip_spend(frame, colours)
    yield "cloud_revenue", cloud_revenue(frame, colours)
    yield "cloud_market_revenue", cloud_market_revenue(frame, colours)
    yield "cloud_market_share", cloud_market_share(frame, colours)
    yield "race_shares", race_shares(frame, colours)
    yield "accelerators_installed", accelerators_installed(frame, colours)
    yield "compute_installed", compute_installed(frame, colours)


def build_charts(frame: pd.DataFrame, plans: pd.DataFrame,
                 colours: Mapping[str, str] | None = None) -> dict[str, ChartLike]:
    """Every chart of a projection (`each_chart`), keyed by file stem."""
    return dict(each_chart(frame, plans, colours))


# ----------------------------------------------------------------------------------------------- sensitivity
@for_slides
def tornado(frame: pd.DataFrame) -> alt.FacetChart:
    """How far each assumption alone moves the output: per company, a bar from the output with the assumption at
    its 5th percentile to the output with it at its 95th (the others at their values), largest swing on top, a
    line at the base output (every assumption at its value), the bar coloured by whether the high input raises or
    lowers the output.

    `frame` is the tornado frame: scenario, metric, unit, company, year, key, input_low, input_high, output_low,
    output_high, base, swing; one metric, year and unit.
    """
    scenario = _only(frame, "scenario")
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
    return _company_panels(alt.layer(bars, base, data=rows), frame,
                           _named(f"{x_title}: the swing of each assumption", scenario),
                           "Bar: the output with one assumption at its 5th and at its 95th percentile, the others at "
                           "their values; line: every assumption at its value",
                           step=ASSUMPTION_STEP, y="independent", x="independent")


@for_slides
def sobol(frame: pd.DataFrame) -> alt.FacetChart:
    """Which assumptions the output's variance comes from: per company, each assumption's total-order Sobol index
    (its share with every interaction) and its first-order index (its share alone) as a pair of bars, each with
    its 95% bootstrap interval, largest total on top, on a 0-1 axis (estimates below 0 or above 1, from
    sampling noise, are drawn at the edge; the tooltip gives them as estimated).

    `frame` is the Sobol frame: scenario, metric, unit, company, year, key, first_order, first_order_low,
    first_order_high, total_order, total_order_low, total_order_high; one metric and year.
    """
    scenario = _only(frame, "scenario")
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
                           _named(f"{name} in {year}: where its variance comes from (Sobol indices)", scenario),
                           "Total order: the assumption with all its interactions; first order: the assumption "
                           "alone; whiskers: 95% bootstrap interval",
                           step=ASSUMPTION_STEP // 2, y="independent", x="shared")


# ----------------------------------------------------------------------------------------------------- the race
@for_slides
def lead_probability(frame: pd.DataFrame, colours: Mapping[str, str] | None = None) -> alt.Chart:
    """The probability that each company leads (is first in that year, over the draws) on cumulative capex,
    cumulative AI-chip spend and installed accelerators: one panel per metric, a line per company.

    `frame` has columns scenario, metric, company, year, probability.
    """
    scenario = _only(frame, "scenario")
    rows = frame[["company", "metric", "year", "probability"]].assign(measure=frame["metric"].map(_metric_name))
    return (
        alt.Chart(rows, title=_named("Probability of leading by company (% of draws in which it is first)", scenario))
        .mark_line(point=True)
        .encode(
            x=_year_axis(),
            y=_zero_to_one("probability", "Probability of leading", Kind.probability),
            color=_company_colour(_colours_of(frame, colours), _companies(frame)),
            opacity=_picked(),
            column=alt.Column("measure:N", title=None, sort=_panel_order(frame["metric"])),
            tooltip=_panel_tooltips("probability", "Probability of leading", Kind.probability),
        )
        .add_params(COMPANY_PICK)
        .properties(width=FACET_WIDTH, height=HEIGHT)
    )


@for_slides
def overtake_years(frame: pd.DataFrame, colours: Mapping[str, str] | None = None) -> ChartLike:
    """When one company first overtakes another: for each (company, rival) pair with any overtake, a row of panels,
    one per metric, with bars of the probability that the overtake happens in each year, coloured by the
    overtaking company, and the probability that it happens at all (the sum) in the corner.

    `frame` has columns scenario, metric, company, rival, year, probability; it may be empty (nobody overtook), and
    the chart then says so. `colours` gives each company its colour (pass the projection's, so they match the
    other charts); the legend lists the overtaking companies, the ones the bars are coloured by, in its order.
    """
    if frame.empty:
        message = pd.DataFrame({"message": ["No company overtook another in any draw."]})
        return (
            alt.Chart(message, title="Year of first overtaking (% of draws)")
            .mark_text(fontSize=14)
            .encode(text="message:N", tooltip=alt.Tooltip("message:N", title="Overtakes"))
            .properties(width=WIDTH, height=60)
        )
    scenario = _only(frame, "scenario")
    colours = _colours_of(frame, colours)
    overtakers = [company for company in [*colours, *_companies(frame)] if company in set(frame["company"])]
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
            color=_company_colour(colours, list(dict.fromkeys(overtakers))),
            opacity=_picked(),
            tooltip=[
                alt.Tooltip("pair:N", title="Overtake"),
                alt.Tooltip("measure:N", title="Measure"),
                alt.Tooltip("year:O", title="Year"),
                alt.Tooltip("probability:Q", title="Probability", format=format.d3_format(Kind.probability)),
            ],
        )
        .add_params(COMPANY_PICK)
    )
    in_all = format.d3_format(Kind.probability, decimals=0)
    total = (
        alt.Chart()
        .transform_aggregate(total="sum(probability)")
        .transform_calculate(label=f"'in all: ' + format(datum.total, '{in_all}')")
        # at the panel's right edge ("width"), not a pixel: the report's live view widens the panels to the page
        .mark_text(align="right", baseline="top", color="#333333", dx=-4)
        .encode(x=alt.value("width"), y=alt.value(4), text="label:N",
                tooltip=alt.Tooltip("total:Q", title="Probability within the horizon",
                                    format=format.d3_format(Kind.probability)))
    )
    header = alt.Header(labelAngle=0, labelAlign="left", labelFontWeight="bold")
    return (
        alt.layer(bars, total, data=rows)
        .properties(width=FACET_WIDTH, height=90)
        .facet(
            row=alt.Row("pair:N", title=None, sort=pairs.drop_duplicates().tolist(), header=header),
            column=alt.Column("measure:N", title=None, sort=_panel_order(frame["metric"])),
            title=_named("Year of first overtaking (% of draws)", scenario),
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


# The share of a panel's span (its running totals' range) left free beyond them, so that the smallest step shows
# and the old and new bars reach the axis without dwarfing the steps.
WATERFALL_MARGIN = 0.15


def _waterfall_floor(rows: pd.DataFrame) -> float:
    """Where a company's old and new bars start: a margin below the lowest running total (not zero, which would
    make a step of 11.9 on 3,016.6 a sliver), or zero where that margin reaches past it."""
    totals = pd.concat([rows.loc[rows["kind"].isin(["old", "new"]), "top"],
                        rows.loc[~rows["kind"].isin(["old", "new"]), ["bottom", "top"]].stack()])
    low, high = float(totals.min()), float(totals.max())
    margin = (high - low) * WATERFALL_MARGIN or abs(high) * WATERFALL_MARGIN or 1.0
    return 0.0 if low >= 0 > low - margin else low - margin


@for_slides
def waterfall(frame: pd.DataFrame, *, kind: Kind, subtitle: str | list[str] | None = None) -> alt.FacetChart:
    """How a reviewed change moved one headline figure: per company, a bar for the old value, a floating bar per
    changed assumption (its attribution, from the running total before it to the total after), and a bar for the
    new value, in that order from the top; each step labelled with its amount. A step that reads as zero at its
    label's precision is left out; the axis spans the running totals (`_waterfall_floor`), not zero.

    `frame` is `model.analysis.review.waterfall_frame`: scenario, company, figure, order, step, kind (old, increase,
    decrease, new), bottom, top, amount; one scenario and figure, of `kind` (a share's steps read in points).
    `subtitle` (a list: a line each) says what the steps are when they are not Shapley values (default:
    WATERFALL_SUBTITLE).
    """
    scenario, figure = _only(frame, "scenario"), str(_only(frame, "figure"))
    number = format.d3_format(kind)
    reads_as_zero = frame["amount"].map(lambda amount: format.change(amount, kind)) == format.change(0.0, kind)
    shown = frame[frame["kind"].isin(["old", "new"]) | ~reads_as_zero]
    totals = shown["kind"].isin(["old", "new"])
    floors = shown.groupby("company", sort=False)[["kind", "bottom", "top"]].apply(_waterfall_floor)
    rows = shown.assign(
        label=[
            format.figure(amount, kind) if total else format.change(amount, kind)
            for total, amount in zip(totals, shown["amount"], strict=True)
        ],
        start=shown["bottom"].where(~totals, shown["company"].map(floors)),
        end=shown[["bottom", "top"]].max(axis=1),
    )
    bars_shown = [bar for bar in WATERFALL_COLOURS if bar in set(rows["kind"])]
    y = alt.Y("step:N", title=None, sort=alt.EncodingSortField("order", order="ascending"))
    # zero off and no rounding out: each panel spans its bars, whose old and new ones start at its floor
    x_scale = alt.Scale(zero=False, nice=False)
    x_axis = alt.Axis(format=axis) if (axis := format.axis_format(kind)) else alt.Axis()
    tooltip = [
        alt.Tooltip("step:N", title="Step"),
        alt.Tooltip("amount:Q", title="Amount", format=number),
        alt.Tooltip("bottom:Q", title="From", format=number),
        alt.Tooltip("top:Q", title="To", format=number),
    ]
    bars = _bars_between(
        alt.X("start:Q", title=figure, axis=x_axis, scale=x_scale), "top:Q", y, "kind", None, WATERFALL_COLOURS,
        bars_shown, tooltip=tooltip,
    )
    labels = (
        alt.Chart()
        .mark_text(align="left", dx=4, color="#333333")
        .encode(x=alt.X("end:Q", title=figure, axis=x_axis, scale=x_scale), y=y, text="label:N", tooltip=tooltip)
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
BACKTEST_DECIMALS = 2
BACKTEST_NUMBER = format.d3_format(Kind.money, decimals=BACKTEST_DECIMALS)
# How a backtest chart marks a reported figure: published after the scenario's as_of (a true out-of-sample check)
# or already known by then.
SAMPLE_SHAPES: dict[str, str] = {"published after as_of": "circle", "known by as_of": "square"}


@for_slides
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
    # a click on a scenario in the legend highlights it, as a company's does in a run's charts
    pick = alt.selection_point(name="scenario_pick", fields=["scenario"], bind="legend")
    base = alt.Chart().encode(
        x=_year_axis(),
        y=alt.Y("value:Q", title=y_title),
        color=colour,
        opacity=_picked(pick=pick),
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
    ).add_params(pick)  # on the lines, whose legend (colour and dash merged) is the one shown
    # points in their own layer: as a line's overlay they would make Vega-Lite hide the dash legend's strokes
    points = base.mark_point(filled=True)
    return (
        alt.layer(lines, points, data=rows.drop(columns="unit"))
        .properties(width=FACET_WIDTH, height=HEIGHT)
        .facet(
            column=alt.Column("company:N", title=None, sort=_companies(frame)),
            title=alt.Title(f"{_metric_name(metric)} by scenario ({unit}): {', '.join(scenarios)}",
                            subtitle="One panel per company, each on its own scale; one line per scenario"),
        )
        .resolve_scale(y="independent")
    )


@for_slides
def backtest_chart(projected: pd.DataFrame, table: pd.DataFrame,
                   colours: Mapping[str, str] | None = None) -> alt.FacetChart:
    """A scenario's projections against reported figures: a panel per metric, each company's projected line (the
    median over a band of the 90% interval in a run with draws) and each reported figure as a point in the
    company's colour, a circle when it was published after the scenario's as_of (an out-of-sample check), a square
    when it was known by then.

    `projected` is the scenario's tidy projection (company, year, metric, unit, value, and p5, p50, p95 with draws);
    only the companies and metrics of `table` are drawn. `table` is the backtest table: company, metric, year, unit,
    reported, actual, projected, relative_error, basis, built, published, out_of_sample, excluded (a figure that
    restates an input is drawn hollow: it is shown, not counted). `colours` gives each company its colour (the
    run's; by default, each company's from its name); the legend lists the companies of `table` only.
    """
    if table.empty:
        raise ValueError("the backtest table is empty: no reported figure to draw")
    pairs = table[["company", "metric"]].drop_duplicates()
    draws = "p50" in projected.columns and projected["p50"].notna().any()
    columns = ["company", "year", "metric", "unit", "value", *(["p5", "p50", "p95"] if draws else [])]
    lines = projected[columns].merge(pairs, on=["company", "metric"])
    if draws:  # the line follows the median of the draws, as in the fan charts
        kinds = [METRICS[metric].kind for metric in lines["metric"]]
        lines = lines.assign(value=lines["p50"], interval=[
            format.interval(low, high, kind, decimals=BACKTEST_DECIMALS if kind is Kind.money else None)
            for low, high, kind in zip(lines["p5"], lines["p95"], kinds, strict=True)]).drop(columns="p50")
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
    # the companies with a reported figure, the only ones drawn, each in the colour it has in the run's charts
    drawn = [company for company in _companies(projected) if company in set(table["company"])]
    colours = _colours_of(projected, colours)
    colour = _company_colour(colours, drawn)
    y = alt.Y("value:Q", title=None)
    projected_only = alt.datum.series == "Projected"
    line = (
        alt.Chart()
        .transform_filter(projected_only)
        # no points: here the points are the reported figures
        .mark_line()
        .encode(
            x=_year_axis(),
            y=y,
            color=colour,
            opacity=_picked(),
            tooltip=[
                alt.Tooltip("company:N", title="Company"),
                alt.Tooltip("year:O", title="Year"),
                alt.Tooltip("value:Q", title="Projected" + (" (median)" if draws else ""), format=BACKTEST_NUMBER),
                *([alt.Tooltip("interval:N", title="5th-95th percentile")] if draws else []),
            ],
        )
        .add_params(COMPANY_PICK)
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
            fill=alt.FillValue(**alt.condition(alt.datum.counted == "yes", alt.Fill(
                "company:N", scale=company_scale(colours, drawn), legend=None), alt.value("white"))),
            stroke=alt.value("#222222"),
            opacity=_picked(),
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
        layers = [*_band(alt.Chart().transform_filter(projected_only), colour, None), *layers]
    subtitle = ("Lines: the projection" + (" (median of the draws, band: 5th to 95th percentile)" if draws else "")
                + "; points: reported figures in the reporting currency"
                + ("; white: restates an input, not counted" if (table["excluded"] != "").any() else ""))
    return (
        alt.layer(*layers, data=rows)
        .properties(width=WIDTH, height=HEIGHT // 2)
        .facet(
            row=alt.Row("panel:N", title=None, sort=list(dict.fromkeys(panels.values())),
                        header=alt.Header(labelAngle=0, labelAlign="left", labelFontWeight="bold")),
            title=alt.Title(_named("Projected against reported", _only(projected, "scenario")), subtitle=subtitle),
        )
        .resolve_scale(y="independent")
    )
