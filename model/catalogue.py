"""What the model takes and gives: each assumption key (unit kind, valid values, what its period means) and each
metric (label, unit kind, display scale, the views it appears in); code reads these rather than keeping lists."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Literal

Role = Literal["flow", "plan", "level", "rate"]


class Kind(StrEnum):
    """What kind of figure a number is: how it is shown (`model.format`) and converted (`model.units`)."""

    money = "money"  # an amount of a currency, shown in its display scale ("USD bn")
    count = "count"  # a number of things, shown in its display scale ("thousand units")
    share = "share"  # a part of a whole, 0-1, shown in percent
    ratio = "ratio"  # a plain ratio (capex / revenue), shown with two decimals
    rank = "rank"  # 1 = largest
    years = "years"
    probability = "probability"  # 0-1, shown in percent

# Every key has a finite valid interval, so that no valid input can reach the engine as an absurd number.
# Growth: above -100% (the quantity would vanish) and at most +1000%, a tenfold rise in one year; no capex, chip
# budget or cloud business of this race has grown faster than that in a year, so more is a typo (10 for 0.10).
MAX_GROWTH = 10.0
# Money, in whole currency units after the unit's scale: a quadrillion (1e15) is above any company's revenue in any
# currency this tool uses (the yen and won included), so anything larger is a slip of scale (CNY tn for CNY bn).
MAX_MONEY = 1e15
# Years an accelerator stays in service: data-centre hardware is written off in 3-8 years; 50 is a generous cap.
MAX_SERVICE_LIFE_YEARS = 50.0
# Units of a currency per base currency: the weakest currencies trade at a few hundred thousand per US dollar.
MAX_EXCHANGE_RATE = 1e6
# A fleet of accelerators: a billion is far above every data-centre accelerator ever made (a few million a year).
MAX_ACCELERATORS = 1e9
# H100-equivalents in one accelerator: the newest parts do a few H100s' work, so a thousand is a slip of unit
# (TFLOPS written for H100e).
MAX_H100E = 1e3


@dataclass(frozen=True)
class Parameter:
    """One model input per company.

    role says what `period` means: a `flow` or `level` is anchored at its period's year (a quarterly flow is
    annualised), a `plan` spreads over its period's years, and a `rate` applies to every year of the horizon
    (its period only records what the evidence describes).
    """

    key: str
    kind: Literal["money", "ratio", "years", "count", "H100e"]
    role: Role
    description: str
    lower: float = -math.inf
    upper: float = math.inf
    lower_inclusive: bool = True
    series: bool = False  # may be given as {year: value}
    not_all_zero: bool = False  # a series whose values are weights: at least one must be positive
    needs_basis: bool = False  # its entry states a `basis:`, one of CLOUD_BASES (what the figure counts)

    def check(self, value: float, scale: float = 1.0) -> str | None:
        """Why `value` is invalid for this parameter, or None when it is valid; `scale` is a money unit's multiplier
        to whole currency units (the interval of money is in whole units, and shown in the value's own unit)."""
        lower, upper = self.lower / scale, self.upper / scale
        too_low = value < lower if self.lower_inclusive else value <= lower
        if too_low or value > upper:
            low = "[" if self.lower_inclusive else "("
            return f"{value:g} is outside the valid interval {low}{lower:g}, {upper:g}]"
        return None


def _rate(key: str, description: str, *, share: bool = False, series: bool = True) -> Parameter:
    if share:
        return Parameter(key, "ratio", "rate", description, lower=0.0, upper=1.0, series=series)
    # a growth rate of -100% or below would make the quantity vanish or turn negative
    return Parameter(key, "ratio", "rate", description, lower=-1.0, upper=MAX_GROWTH, lower_inclusive=False,
                     series=series)


POSITIVE_UPPER = {"money": MAX_MONEY, "years": MAX_SERVICE_LIFE_YEARS, "count": MAX_ACCELERATORS, "H100e": MAX_H100E}


def _positive(key: str, kind: Literal["money", "years", "count", "H100e"], role: Role, description: str
              ) -> Parameter:
    upper = POSITIVE_UPPER[kind]
    return Parameter(key, kind, role, description, lower=0.0, upper=upper, lower_inclusive=False)


PARAMETERS: dict[str, Parameter] = {
    p.key: p
    for p in (
        _positive("capex.base", "money", "flow", "capital expenditure in its base year"),
        _rate("capex.growth", "yearly growth of capex from capex.base"),
        _positive("capex.plan_total", "money", "plan", "a multi-year capex plan spread over its window"),
        Parameter(
            "capex.plan_phasing", "ratio", "rate", "weights of the plan's years (normalised)",
            lower=0.0, upper=MAX_MONEY, series=True, not_all_zero=True,
        ),
        _rate("capex.post_plan_growth", "yearly growth of capex after the plan's window"),
        _rate("capex.intensity", "capex as a share of group revenue, year by year (instead of capex.base and "
                                 "capex.growth)", share=True),
        _positive("group.revenue_base", "money", "flow", "group (whole-company) revenue in its base year"),
        _rate("group.revenue_growth", "yearly growth of group revenue"),
        _positive("ai_chips.budget_base", "money", "flow", "AI-chip spend in its base year"),
        _rate("ai_chips.growth", "yearly growth of AI-chip spend"),
        _rate("ai_chips.share_of_capex", "AI-chip spend as a share of capex (where no budget is known)", share=True),
        _positive("accelerators.unit_price", "money", "level", "price of one accelerator in its base year"),
        _rate("accelerators.price_change", "yearly change of the accelerator price"),
        _positive("accelerators.service_life", "years", "rate", "years an accelerator stays in service"),
        # the opening fleet and what each accelerator does, in H100-equivalents (`model.units.PLAIN_UNITS`)
        _positive("accelerators.installed_base", "count", "level",
                  "accelerators in service at the end of its year, retired evenly over the service life"),
        _positive("accelerators.installed_base_performance", "H100e", "level",
                  "H100-equivalents of the average accelerator of the opening fleet"),
        _positive("accelerators.performance", "H100e", "level",
                  "H100-equivalents of the average accelerator bought in its base year"),
        _rate("accelerators.performance_change", "yearly change of a new accelerator's H100-equivalents"),
        replace(_positive("cloud.revenue_base", "money", "flow", "cloud revenue in its base year"), needs_basis=True),
        _rate("cloud.growth", "yearly growth of cloud revenue"),
        _rate("cloud.ai_share", "AI revenue as a share of cloud revenue", share=True),
        _rate("cloud.market_share", "the company's share of the China cloud market of market.yaml", share=True),
    )
}

# What a cloud revenue figure counts, as its `basis:` says: a segment as the company reports it (sales to the
# group's own businesses included), its sales to outside customers only, or an analyst's market-share estimate
# (infrastructure and platform services only). Figures on different bases do not compare like for like.
CLOUD_BASES = ("segment-reported", "external-only", "market-share-estimate")

# The China cloud market of assumptions/market.yaml, one for every company (as the exchange rates are); a scenario
# overrides its keys as market.<key>, and a resolved assumption's parameter is written so too.
MARKET_PREFIX = "market"
MARKET_PARAMETERS: dict[str, Parameter] = {
    p.key: p
    for p in (
        _positive("cloud.total_base", "money", "flow", "the China cloud infrastructure services market in its base "
                  "year, as its source defines it"),
        _rate("cloud.total_growth", "yearly growth of the China cloud market"),
    )
}


# How a sentence names each assumption after its company ("ByteDance's AI-chip budget"), for `scenario discover`'s
# boxes; market keys are the China cloud market's. A growth rate or share reads in percent (`reads_in_percent`).
PARAMETER_LABELS: dict[str, str] = {
    "capex.base": "capex in its base year",
    "capex.growth": "capex growth",
    "capex.plan_total": "capex plan",
    "capex.plan_phasing": "capex plan phasing",
    "capex.post_plan_growth": "capex growth after its plan",
    "capex.intensity": "capex intensity",
    "group.revenue_base": "group revenue in its base year",
    "group.revenue_growth": "group revenue growth",
    "ai_chips.budget_base": "AI-chip budget",
    "ai_chips.growth": "AI-chip budget growth",
    "ai_chips.share_of_capex": "AI-chip share of capex",
    "accelerators.unit_price": "accelerator price",
    "accelerators.price_change": "yearly accelerator price change",
    "accelerators.service_life": "accelerator service life",
    "accelerators.installed_base": "opening fleet of accelerators",
    "accelerators.installed_base_performance": "opening fleet's performance per accelerator",
    "accelerators.performance": "performance per new accelerator",
    "accelerators.performance_change": "yearly change of performance per new accelerator",
    "cloud.revenue_base": "cloud revenue in its base year",
    "cloud.growth": "cloud revenue growth",
    "cloud.ai_share": "AI share of cloud revenue",
    "cloud.market_share": "share of the China cloud market",
    "cloud.total_base": "size in its base year",
    "cloud.total_growth": "growth",
}


def reads_in_percent(parameter: Parameter) -> bool:
    """Whether a parameter's figure reads in percent: a growth rate or a share (a ratio within [-1, MAX_GROWTH]),
    not a weight such as the plan's phasing."""
    return parameter.kind == "ratio" and parameter.upper <= MAX_GROWTH


def parameter_of(parameter: str) -> Parameter | None:
    """The catalogue's entry for a resolved assumption's parameter: a company's key (cloud.growth), or a key of
    market.yaml as market.<key>; None for anything else (an exchange rate)."""
    prefix, _, key = parameter.partition(".")
    return MARKET_PARAMETERS.get(key) if prefix == MARKET_PREFIX else PARAMETERS.get(parameter)

# What a company needs for a horizon; `loading.missing_parameters` applies it.
CAPEX_GROWTH = ("capex.base", "capex.growth")
# Capex outside a plan window comes from one of two routes, never both: capex.base grown by capex.growth, or
# capex.intensity x group revenue (Tencent guides capex as a share of revenue, so its guidance is modelled as stated).
CAPEX_INTENSITY = "capex.intensity"
GROUP_REVENUE = ("group.revenue_base", "group.revenue_growth")
CHIPS_BUDGET = ("ai_chips.budget_base", "ai_chips.growth")
ALWAYS_NEEDED = (
    "accelerators.unit_price",
    "accelerators.price_change",
    "accelerators.service_life",
    "cloud.revenue_base",
    "cloud.growth",
    "cloud.ai_share",
    "cloud.market_share",
)
# The opening fleet and the performance that turns accelerators into compute.
FLEET_NEEDED = (
    "accelerators.installed_base",
    "accelerators.installed_base_performance",
    "accelerators.performance",
    "accelerators.performance_change",
)

# What a sampled run may draw its uniform numbers from (`model.core.uncertainty.UniformStream`), and how sure an
# assumption's sources make it; the file schema, the CLI's choices and the default widths all read these.
SAMPLERS = ("sobol", "lhs", "random")
CONFIDENCE_LEVELS = ("high", "medium", "low")


def parameters_in_role(*roles: Role) -> tuple[str, ...]:
    """The keys of the parameters with one of `roles`, in catalogue order."""
    return tuple(key for key, parameter in PARAMETERS.items() if parameter.role in roles)


# --------------------------------------------------------------------------------------------------------- metrics
@dataclass(frozen=True)
class Scale:
    """A display scale: how many whole units one displayed unit holds, and how the unit is written."""

    factor: float
    abbreviation: str  # after a currency ("USD bn") and in a headline's brackets ("(k)")
    count_unit: str  # the unit of a count in this scale ("thousand units")


ONE = Scale(1.0, "", "units")
THOUSAND = Scale(1e3, "k", "thousand units")
BILLION = Scale(1e9, "bn", "billion units")
THOUSAND_H100E = Scale(1e3, "k H100e", "thousand H100e")  # compute: thousands of H100-equivalents


class View(StrEnum):
    """Where a metric appears besides the projection's tidy table (which holds every metric)."""

    race = "race"  # who leads and who overtakes whom, in a run with draws
    compare = "compare"  # an overlay chart, a line per scenario, in `scenario compare`
    backtest = "backtest"  # a figure companies report, so an actuals file may hold it
    heatmap = "heatmap"  # a run with draws shows which assumption decides it, per company and year


@dataclass(frozen=True)
class Metric:
    """One output of the engine, per company and year of the horizon, in its display unit."""

    key: str
    label: str  # its name in charts, race tables and compare charts ("AI-chip spend")
    kind: Kind
    description: str
    scale: Scale = ONE  # of money and counts
    views: frozenset[View] = frozenset()
    chart: str | None = None  # the run chart it is drawn in (the chart's file stem), if any
    derived_from: str | None = None  # the metric a share or rank is taken of
    ratio_unit: str = "ratio"  # what a ratio is measured in, where it is not a plain ratio ("H100e")
    on_cloud_basis: bool = False  # built on each company's cloud.revenue_base, so it counts what that figure's
    # basis counts: where the companies' bases differ, its columns, rows and chart say so

    def unit(self, currency: str) -> str:
        """Its unit as the tidy table's unit column writes it: "USD bn", "USD", "thousand units", "ratio", "rank"."""
        if self.kind is Kind.money:
            return f"{currency} {self.scale.abbreviation}" if self.scale.abbreviation else currency
        if self.kind is Kind.count:
            return self.scale.count_unit
        return "rank" if self.kind is Kind.rank else self.ratio_unit

    def short_unit(self, currency: str) -> str:
        """Its unit as a headline column's brackets give it ("USD bn", "k"); empty for a share or plain ratio."""
        if self.kind is Kind.money:
            return self.unit(currency)
        if self.kind is Kind.ratio and self.ratio_unit != "ratio":
            return self.ratio_unit
        return self.scale.abbreviation if self.kind is Kind.count else ""


def _money(key: str, label: str, description: str, *views: View, scale: Scale = BILLION,
           chart: str | None = None) -> Metric:
    return Metric(key, label, Kind.money, description, scale, frozenset(views), chart)


def _count(key: str, label: str, description: str, *views: View, chart: str | None = None) -> Metric:
    return Metric(key, label, Kind.count, description, THOUSAND, frozenset(views), chart)


def _share(of: str, label: str, description: str, chart: str | None = None) -> Metric:
    return Metric(f"{of}_share", label, Kind.share, description, chart=chart, derived_from=of)


def _rank(of: str, label: str, description: str) -> Metric:
    return Metric(f"{of}_rank", label, Kind.rank, description, derived_from=of)


RACE, COMPARE, BACKTEST, HEATMAP = View.race, View.compare, View.backtest, View.heatmap

# The engine's outputs, in the order of its tables (projection.csv lists them so).
METRICS: dict[str, Metric] = {
    m.key: m
    for m in (
        _money("capex", "Capex", "capital expenditure", COMPARE, BACKTEST, chart="capex"),
        _money("capex_cumulative", "Cumulative capex", "capex summed from the horizon's first year", RACE,
               chart="capex_cumulative_vs_plan"),
        _money("ai_chip_spend", "AI-chip spend", "spending on AI accelerators", COMPARE, BACKTEST,
               chart="ai_chip_spend"),
        _money("ai_chip_spend_cumulative", "Cumulative AI-chip spend",
               "AI-chip spend summed from the horizon's first year", RACE, HEATMAP),
        _money("accelerator_unit_price", "Accelerator unit price", "price of one accelerator", BACKTEST, scale=ONE),
        _count("accelerators_bought", "Accelerators bought", "accelerators bought in the year", BACKTEST),
        _count("accelerators_installed", "Accelerators installed",
               "accelerators in service: the opening fleet, retired evenly over the service life, and the purchases "
               "since", RACE, COMPARE, BACKTEST, HEATMAP, chart="accelerators_installed"),
        Metric("accelerator_performance", "Accelerator performance", Kind.ratio,
               "H100-equivalents of the average accelerator bought in the year", ratio_unit="H100e"),
        Metric("compute_installed", "Compute installed", Kind.count,
               "H100-equivalents in service: each surviving cohort's accelerators times their performance",
               THOUSAND_H100E, frozenset({RACE, COMPARE}), chart="compute_installed"),
        _money("spend_per_compute", "Spend per H100e", "AI-chip spend per H100-equivalent bought (price / performance)",
               scale=ONE),
        replace(_money("cloud_revenue", "Cloud revenue", "cloud revenue", COMPARE, BACKTEST, chart="cloud_revenue"),
                on_cloud_basis=True),
        replace(_money("ai_revenue", "AI revenue", "AI-related cloud revenue", BACKTEST, chart="cloud_revenue"),
                on_cloud_basis=True),
        _money("cloud_market_revenue", "Cloud market revenue", "the China cloud market total (market.yaml) x the "
               "company's share of it: every company's cloud revenue on the market's one basis", COMPARE,
               chart="cloud_market_revenue"),
        Metric("cloud_market_share", "Cloud market share", Kind.share, "the company's share of the whole China "
               "cloud market (not of the modelled companies)", chart="cloud_market_share"),
        _money("group_revenue", "Group revenue", "revenue of the whole company, every business", COMPARE, BACKTEST),
        # shown in percent, as companies guide it ("capex in the low teens as a percentage of revenue")
        Metric("capex_intensity", "Capex intensity", Kind.share, "capex / group revenue"),
        _share("capex", "Capex share", "share of the modelled companies' capex", chart="race_shares"),
        _share("capex_cumulative", "Capex cumulative share",
               "share of the modelled companies' capex since the horizon's start"),
        _share("ai_chip_spend", "AI-chip spend share", "share of the modelled companies' AI-chip spend",
               chart="race_shares"),
        _share("accelerators_installed", "Accelerators installed share",
               "share of the modelled companies' installed accelerators", chart="race_shares"),
        _share("compute_installed", "Compute installed share",
               "share of the modelled companies' installed compute (H100-equivalents)", chart="race_shares"),
        _rank("capex", "Capex rank", "rank by capex (1 = largest)"),
        _rank("ai_chip_spend", "AI-chip spend rank", "rank by AI-chip spend (1 = largest)"),
        _rank("accelerators_installed", "Accelerators installed rank", "rank by installed accelerators (1 = largest)"),
        _rank("compute_installed", "Compute installed rank", "rank by installed compute (1 = largest)"),
    )
}


def metrics_in(view: View) -> tuple[str, ...]:
    """The keys of the metrics that appear in `view`, in catalogue order."""
    return tuple(key for key, metric in METRICS.items() if view in metric.views)


def metrics_on_cloud_basis() -> tuple[str, ...]:
    """The keys of the metrics built on cloud.revenue_base, whose figures carry each company's basis."""
    return tuple(key for key, metric in METRICS.items() if metric.on_cloud_basis)


def metrics_in_chart(chart: str) -> tuple[str, ...]:
    """The keys of the metrics drawn in the run chart `chart`, in catalogue order."""
    return tuple(key for key, metric in METRICS.items() if metric.chart == chart)


# What a backtest needs to know of the reported metrics (the backtest view).
# A flow is summed over its year, so that four reported quarters add up to the year's figure; a price or a fleet is
# a level at a moment, and its quarters do not add up to anything.
FLOW_METRICS: frozenset[str] = frozenset({"capex", "ai_chip_spend", "accelerators_bought", "cloud_revenue",
                                          "ai_revenue", "group_revenue"})
# The assumptions that set a metric's level in the year their period names (a base value or a price, anchored
# there): a reported figure for that company, metric and year may merely restate such an input.
ANCHORS: dict[str, tuple[str, ...]] = {
    "capex": ("capex.base",),
    "ai_chip_spend": ("ai_chips.budget_base",),
    "accelerator_unit_price": ("accelerators.unit_price",),
    "cloud_revenue": ("cloud.revenue_base",),
    "group_revenue": ("group.revenue_base",),
}
# The assumptions each reported metric is computed from: a reported figure citing what one of them cites (for the
# years it bears on: an anchor its year, a plan its window, a rate every year) is evidence the scenario already used.
_CHIPS = ("ai_chips.budget_base", "ai_chips.growth", "ai_chips.share_of_capex")
_PRICE = ("accelerators.unit_price", "accelerators.price_change")
_CLOUD = ("cloud.revenue_base", "cloud.growth")
_GROUP = ("group.revenue_base", "group.revenue_growth")
INPUTS: dict[str, tuple[str, ...]] = {
    "capex": ("capex.base", "capex.growth", "capex.plan_total", "capex.plan_phasing", "capex.post_plan_growth",
              "capex.intensity", *_GROUP),
    "ai_chip_spend": _CHIPS,
    "accelerator_unit_price": _PRICE,
    "accelerators_bought": (*_CHIPS, *_PRICE),
    "accelerators_installed": (*_CHIPS, *_PRICE, "accelerators.service_life", "accelerators.installed_base"),
    "cloud_revenue": _CLOUD,
    "ai_revenue": (*_CLOUD, "cloud.ai_share"),
    "group_revenue": _GROUP,
}


@dataclass(frozen=True)
class HeadlineCell:
    """A column of the headline table: one metric in one year, the horizon's first or last; `span` writes the
    years as "first-last", for a figure summed over the horizon."""

    metric: str
    title: str
    year: Literal["first", "last"]
    span: bool = False

    @property
    def index(self) -> int:
        """The year's index in the horizon: 0 the first, -1 the last."""
        return 0 if self.year == "first" else -1

    def label(self, first: int, last: int, currency: str) -> str:
        """"Capex 2025-2030 (USD bn)": the title, the year(s) and the metric's unit in brackets (none for a share)."""
        years = f"{first}-{last}" if self.span else str(first if self.year == "first" else last)
        unit = METRICS[self.metric].short_unit(currency)
        return f"{self.title} {years} ({unit})" if unit else f"{self.title} {years}"


# The figures an analyst reads first, one column each, in the table's order (compare and diff show the same).
HEADLINE: tuple[HeadlineCell, ...] = (
    HeadlineCell("capex", "Capex", "first"),
    HeadlineCell("capex", "Capex", "last"),
    HeadlineCell("capex_cumulative", "Capex", "last", span=True),
    HeadlineCell("capex_cumulative_share", "Share of capex", "last", span=True),
    HeadlineCell("capex_intensity", "Capex intensity", "last"),
    HeadlineCell("ai_chip_spend_cumulative", "AI chips", "last", span=True),
    HeadlineCell("accelerators_installed", "Accelerators in service", "last"),
    HeadlineCell("compute_installed", "Compute in service", "last"),
    HeadlineCell("cloud_revenue", "Cloud revenue", "last"),
    HeadlineCell("ai_revenue", "AI revenue", "last"),
    HeadlineCell("cloud_market_revenue", "Cloud market revenue", "last"),
    HeadlineCell("cloud_market_share", "Cloud market share", "last"),
)
