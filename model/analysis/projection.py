"""A run's results: the projected metrics with their labels, and the tables made from them (tidy, headline, and for
a run with draws the summaries of the draws and the race between the companies)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model import format
from model.analysis.precision import Precision, run_report, run_warning
from model.analysis.register import overrides, register, source_table, without_empty_history
from model.catalogue import HEADLINE, METRICS, Kind, View, metrics_in, metrics_on_cloud_basis
from model.core.engine import project
from model.core.first_order import MIN_DRAWS as FIRST_ORDER_MIN_DRAWS
from model.core.parameters import engine_inputs
from model.core.simulation import PERCENTILES, RACE_METRICS, Simulation, simulate
from model.domain import Inputs, ResolvedAssumption, Scenario, plan_window
from model.domain.colours import company_colours
from model.errors import InputError, Problem, display_path
from model.format import input_value

TIDY_COLUMNS = ["scenario", "company", "year", "metric", "unit", "value"]
# Columns a run with draws adds: the mean and the percentiles of each value over the draws.
SUMMARY_COLUMNS = ["mean", *(f"p{p:g}" for p in PERCENTILES)]
# A headline interval is trusted when the Monte Carlo standard error of its 5th, 50th and 95th percentiles is at
# most this share of its width (p95 - p5); above it the run says to draw more.
MAX_INTERVAL_ERROR = 0.02
RACE_LABELS = {metric: METRICS[metric].label for metric in RACE_METRICS}
# The column of the tidy table that gives, on the rows of a metric built on cloud revenue, what the company's
# cloud.revenue_base counts (catalogue.CLOUD_BASES); missing (an empty cell) on every other row.
BASIS_COLUMN = "basis"
# The metrics whose first-order indices a run with at least FIRST_ORDER_MIN_DRAWS draws estimates from its draws
# and draws as a heatmap (the catalogue's heatmap view).
HEATMAP_METRICS = metrics_in(View.heatmap)
# The heatmaps' sums grow as assumptions x companies (about 17 x companies^2 x 48 bins x 6 years per metric): 780 MB
# a chunk at 100 companies, a heatmap no slide could show. Past this many companies a run draws none, and says why.
HEATMAP_MAX_COMPANIES = 12
FIRST_ORDER_COLUMNS = ["scenario", "metric", "company", "year", "assumption", "first_order"]


@dataclass(frozen=True)
class Projection:
    """Metrics (D, C, H) for companies C over horizon years H, in the reporting currency."""

    scenario: str
    companies: tuple[str, ...]  # display names, in the order of the company files
    years: np.ndarray
    reporting_currency: str
    metrics: dict[str, np.ndarray]  # every assumption at its value (one draw)
    plans: pd.DataFrame  # capex plans in the reporting currency: company, plan_total, unit, start, end
    simulation: Simulation | None = None  # summaries of the draws, for a run with draws
    bases: tuple[str | None, ...] = ()  # each company's cloud revenue basis, in the order of `companies`
    declared_colours: tuple[str | None, ...] = ()  # each company's file's `colour:`, in the order of `companies`
    precision: Precision | None = None  # how a run drawn until precise ended

    @property
    def colours(self) -> dict[str, str]:
        """Every company's colour (company -> "#rrggbb"), in order: the one its file declares, else its name's
        palette slot."""
        declared = {name: colour for name, colour in zip(self.companies, self.declared_colours) if colour}
        return company_colours(self.companies, declared)

    def unit(self, metric: str) -> str:
        return METRICS[metric].unit(self.reporting_currency)

    def cloud_bases(self) -> dict[str, str]:
        """Each company's cloud revenue basis by display name (those that state one)."""
        return {company: basis for company, basis in zip(self.companies, self.bases, strict=False) if basis}

    def tidy(self) -> pd.DataFrame:
        """The long table `scenario, company, year, metric, unit, value`: `value` with every assumption at its
        value; a run with draws adds the mean, 5th, 50th and 95th percentile of the value over the draws. A last
        column, `basis`, gives each company's cloud revenue basis on the rows of the metrics built on it."""
        if any(m.shape[0] != 1 for m in self.metrics.values()):
            raise ValueError("tidy() takes a one-draw projection; summarise draws first")
        n_companies, n_years = len(self.companies), len(self.years)
        blocks = []
        for name, values in self.metrics.items():
            columns = {
                "scenario": self.scenario,
                "company": np.repeat(self.companies, n_years),
                "year": np.tile(self.years, n_companies),
                "metric": name,
                "unit": self.unit(name),
                "value": values[0].reshape(-1),
            }
            if self.simulation is not None:
                columns["mean"] = self.simulation.mean[name].reshape(-1)
                for position, column in enumerate(SUMMARY_COLUMNS[1:]):
                    columns[column] = self.simulation.percentiles[name][position].reshape(-1)
            on_basis = METRICS[name].on_cloud_basis and len(self.bases) == n_companies
            # no basis is missing data (NaN), as a run folder's CSV reads an empty cell back
            columns[BASIS_COLUMN] = (np.repeat(np.array(self.bases, dtype=object), n_years) if on_basis
                                     else np.full(n_companies * n_years, None, dtype=object))
            blocks.append(pd.DataFrame(columns))
        return pd.concat(blocks, ignore_index=True)

    def leads(self) -> pd.DataFrame:
        """For a run with draws, the probability that each company leads (is first, ties together) on each race
        metric in each year: columns scenario, metric, company, year, probability."""
        simulation = self._simulation()
        return pd.concat([
            pd.DataFrame({
                "scenario": self.scenario,
                "metric": metric,
                "company": np.repeat(self.companies, len(self.years)),
                "year": np.tile(self.years, len(self.companies)),
                "probability": simulation.lead[metric].reshape(-1),
            })
            for metric in RACE_METRICS
        ], ignore_index=True)

    def overtakes(self) -> pd.DataFrame:
        """For a run with draws, the probability that `company` first moves ahead of `rival` on a race metric in
        `year` (having been behind or level the year before): columns scenario, metric, company, rival, year,
        probability; only the years with a non-zero probability have rows."""
        simulation = self._simulation()
        rows = []
        for metric in RACE_METRICS:
            counts = simulation.overtake[metric]  # (C, C, T)
            for a, b, t in zip(*np.nonzero(counts > 0), strict=True):
                rows.append({"scenario": self.scenario, "metric": metric, "company": self.companies[a],
                             "rival": self.companies[b], "year": int(self.years[t]),
                             "probability": float(counts[a, b, t])})
        return pd.DataFrame(rows, columns=["scenario", "metric", "company", "rival", "year", "probability"])

    def first_order(self) -> pd.DataFrame:
        """For a run with enough draws, each assumption's given-data first-order index (its share of the variance
        of a figure, alone; `model.core.first_order`) on each HEATMAP_METRICS metric of each company and year:
        columns scenario, metric, company, year, assumption, first_order; empty for a run with too few draws."""
        found = self._simulation().first_order
        if found is None:
            return pd.DataFrame(columns=FIRST_ORDER_COLUMNS)
        keys = np.array(found.keys, dtype=object)
        blocks = []
        for metric, indices in found.indices.items():  # (d, C, H)
            d, c, h = indices.shape
            blocks.append(pd.DataFrame({
                "scenario": self.scenario,
                "metric": metric,
                "company": np.repeat(self.companies, h * d),
                "year": np.tile(np.repeat(self.years, d), c),
                "assumption": np.tile(keys, c * h),
                "first_order": indices.transpose(1, 2, 0).reshape(-1),
            }))
        return pd.concat(blocks, ignore_index=True)

    def _simulation(self) -> Simulation:
        if self.simulation is None:
            raise ValueError("this projection has no draws; run it with draws > 1")
        return self.simulation


def run(
    inputs: Inputs,
    *,
    draws: int = 1,
    sampler: str = "sobol",
    rng: np.random.Generator | int | None = None,
    on_chunk: Callable[[int], None] | None = None,
    precision: float | None = None,
    cap_option: str = "--draws",
) -> Projection:
    """Project a resolved scenario with every assumption at its value and, when `draws` > 1, summarise the
    projection over that many draws of the assumptions' distributions (see `model.core.simulation.simulate`).

    With `precision` (a share in (0, 1), see `model.analysis.precision`), `draws` is a cap: the draws go on, chunk
    after chunk of the same sequence, until `percentile_error` is at most `precision`, and `Projection.precision`
    says where they stopped (`cap_option` names where the cap came from, for the warning when it is reached)."""
    engine = engine_inputs(inputs)
    currency = inputs.scenario.reporting_currency
    plan_rows = []
    for index, company in enumerate(inputs.companies):
        if (plan := inputs.of(company).get("capex.plan_total")) is not None:
            start, end = plan_window(plan)
            capex = METRICS["capex"]
            plan_rows.append({"company": company.name,
                              "plan_total": float(engine.plan_total[0, index, 0]) / capex.scale.factor,
                              "unit": capex.unit(currency), "start": start, "end": end})
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # check_finite reports it, with its cause
        metrics = project(engine)
    check_finite(inputs, metrics, "with every assumption at its value")
    # the heatmaps' indices come from the same draws (about a quarter more of the simulation's time; none below the
    # minimum, which a run drawn until precise passes with its first chunk)
    heatmap = HEATMAP_METRICS if draws >= FIRST_ORDER_MIN_DRAWS and len(inputs.companies) <= HEATMAP_MAX_COMPANIES \
        else ()
    companies = tuple(c.name for c in inputs.companies)
    first, last = inputs.scenario.horizon
    cells = headline_cells(first, last, currency)
    if precision is not None:
        simulation = simulate(inputs, draws, sampler=sampler, rng=rng, on_chunk=on_chunk, first_order_metrics=heatmap,
                              stop=lambda drawn: simulation_error(drawn, cells, companies)[0] <= precision)
    else:
        simulation = simulate(inputs, draws, sampler=sampler, rng=rng, on_chunk=on_chunk,
                              first_order_metrics=heatmap) if draws > 1 else None
    if simulation is not None:
        # a non-finite draw makes its cell's sum, and so its mean, non-finite: the summaries show every draw
        check_finite(inputs, simulation.mean, "in the draws, which are computed in float32 (largest about 3.4e38)")
        check_finite(inputs, simulation.percentiles, "in the draws' percentiles")
    reached = None
    if precision is not None and simulation is not None:
        achieved, where = simulation_error(simulation, cells, companies)
        reached = Precision(precision, achieved, where, simulation.draws, draws, cap_option)
    return Projection(
        scenario=inputs.scenario.name,
        companies=companies,
        years=np.array(list(inputs.scenario.years)),
        reporting_currency=currency,
        metrics=metrics,
        plans=pd.DataFrame(plan_rows, columns=["company", "plan_total", "unit", "start", "end"]),
        simulation=simulation,
        bases=cloud_revenue_bases(inputs),
        declared_colours=tuple(c.colour for c in inputs.companies),
        precision=reached,
    )


def cloud_revenue_bases(inputs: Inputs) -> tuple[str | None, ...]:
    """Each company's cloud revenue basis as the scenario uses it (an override may restate it), in company order."""
    return tuple(item.assumption.basis if (item := inputs.of(company).get("cloud.revenue_base")) else None
                 for company in inputs.companies)


def frame_bases(frame: pd.DataFrame) -> dict[str, str]:
    """Each company's cloud revenue basis as a tidy projection frame's `basis` column gives it, in the order the
    frame names the companies; empty for a frame without the column (a run folder of an earlier version)."""
    if BASIS_COLUMN not in frame.columns:
        return {}
    rows = frame.loc[frame["metric"].isin(metrics_on_cloud_basis()), ["company", BASIS_COLUMN]]
    rows = rows[rows[BASIS_COLUMN].notna()].drop_duplicates("company")
    return dict(zip(rows["company"], rows[BASIS_COLUMN], strict=True))


def bases_differ(bases: dict[str, str]) -> bool:
    """Whether the companies' cloud revenue figures rest on different bases, so they do not compare like for like."""
    return len(set(bases.values())) > 1


def check_finite(inputs: Inputs, metrics: dict[str, np.ndarray], where: str) -> None:
    """Raise InputError if any metric (..., C, H) holds a NaN or an infinity: no output may show one. The error
    names the first year and company that became non-finite and lists that company's assumptions, which feed it."""
    for name, values in metrics.items():
        if np.isfinite(values).all():
            continue
        bad = (~np.isfinite(values)).reshape(-1, *values.shape[-2:]).any(axis=0)  # (C, H): in any draw
        year_index = int(np.nonzero(bad.any(axis=0))[0][0])
        company = inputs.companies[int(np.nonzero(bad[:, year_index])[0][0])]
        year = inputs.scenario.years[year_index]
        feeding = sorted(inputs.of(company).values(), key=lambda r: (str(r.file), r.line or 0))
        problems = [Problem(display_path(company.located.file), None, "",
                            f"{company.slug} {name} {year} is not finite {where}; it overflows or divides by zero. "
                            f"The assumptions of {company.slug} that feed it:")]
        problems += [Problem(display_path(r.file), r.line, r.key, f"{input_value(r.assumption.value.plain())} {r.assumption.unit}")
                     for r in feeding]
        raise InputError(problems)


def _headline_cells(projection: Projection) -> list[tuple[str, str, int]]:
    """The headline table's columns: (label, metric, index of the year) each."""
    return headline_cells(int(projection.years[0]), int(projection.years[-1]), projection.reporting_currency)


def headline_cells(first: int, last: int, cur: str) -> list[tuple[str, str, int]]:
    """The headline table's columns for a horizon `first`-`last` reported in `cur`: (label, metric, index of the
    year: 0 the first, -1 the last) each."""
    return [(cell.label(first, last, cur), cell.metric, cell.index) for cell in HEADLINE]


def headline(projection: Projection, statistic: str = "value") -> pd.DataFrame:
    """One row per company: the figures an analyst reads first, labelled with years and units.

    `statistic` is "value" (every assumption at its value) or, for a run with draws, one of SUMMARY_COLUMNS.
    """
    if statistic == "value":
        pick = {name: values[0] for name, values in projection.metrics.items()}  # (C, H) of the one draw
    elif statistic == "mean":
        pick = projection._simulation().mean
    elif statistic in SUMMARY_COLUMNS:
        position = SUMMARY_COLUMNS.index(statistic) - 1
        pick = {name: values[position] for name, values in projection._simulation().percentiles.items()}
    else:
        raise ValueError(f"unknown statistic {statistic!r}; valid: value, {', '.join(SUMMARY_COLUMNS)}")
    columns = {label: pick[metric][:, year] for label, metric, year in _headline_cells(projection)}
    return pd.DataFrame(columns, index=pd.Index(projection.companies, name="Company"))


def tidy_headline(frame: pd.DataFrame, statistic: str = "value") -> pd.DataFrame:
    """The table of `headline` made from a tidy projection frame, as `Projection.tidy` returns it and a run
    folder's projection.csv holds it: one row per company, in the order the frame first names them.

    `statistic` is a column of the frame: "value" (every assumption at its value) or, for a run with draws, one of
    SUMMARY_COLUMNS. Raises ValueError when the frame lacks a column or a metric the headline needs, or holds more
    than one scenario.
    """
    missing = [column for column in (*TIDY_COLUMNS, statistic) if column not in frame.columns]
    if missing:
        raise ValueError(f"the frame has no column(s) {', '.join(dict.fromkeys(missing))}")
    scenarios = frame["scenario"].drop_duplicates().tolist()
    if len(scenarios) != 1:
        raise ValueError(f"a headline is of one scenario, but the frame holds {len(scenarios)}: {scenarios}")
    years = sorted(int(year) for year in frame["year"].drop_duplicates())
    companies = frame["company"].drop_duplicates().tolist()
    currency = reporting_currency(frame)
    columns = {}
    for label, metric, index in headline_cells(years[0], years[-1], currency):
        rows = frame[frame["metric"] == metric]
        if rows.empty:
            raise ValueError(f"the frame has no rows for metric {metric}")
        by_year = rows.pivot(index="company", columns="year", values=statistic).reindex(index=companies, columns=years)
        columns[label] = by_year.iloc[:, index].to_numpy(dtype=float)
    return pd.DataFrame(columns, index=pd.Index(companies, name="Company"))


def reporting_currency(frame: pd.DataFrame) -> str:
    """The reporting currency of a tidy projection frame, read from the unit of its capex rows ("USD bn" -> "USD")."""
    units = frame.loc[frame["metric"] == "capex", "unit"].drop_duplicates().tolist()
    suffix = METRICS["capex"].unit("")  # " bn"
    if len(units) != 1 or not str(units[0]).endswith(suffix):
        raise ValueError(f"cannot tell the reporting currency from the capex unit(s) {units}")
    return str(units[0]).removesuffix(suffix)


def headline_kinds(projection: Projection) -> dict[str, Kind]:
    """The kind of figure of each headline column (its label): how the column reads as text."""
    return {label: METRICS[metric].kind for label, metric, _ in _headline_cells(projection)}


def percentile_error(projection: Projection) -> tuple[float, str]:
    """The largest Monte Carlo standard error of a headline figure's 5th, 50th or 95th percentile, as a share of its
    interval's width (p95 - p5), and where it is ("Company, figure"); inf when the draws are too few to estimate it.
    """
    return simulation_error(projection._simulation(), _headline_cells(projection), projection.companies)


def simulation_error(simulation: Simulation, cells: Sequence[tuple[str, str, int]],
                     companies: Sequence[str]) -> tuple[float, str]:
    """`percentile_error` of a simulation's headline `cells` (as `headline_cells` gives them) for `companies`."""
    worst, where = 0.0, ""
    for label, metric, year in cells:
        p5, _, p95 = simulation.percentiles[metric][:, :, year]
        errors = simulation.standard_error[metric][:, :, year]  # (P, C)
        width = p95 - p5
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(width > 0, errors.max(axis=0) / width, 0.0)
        ratio = np.nan_to_num(ratio, nan=np.inf)
        if ratio.max() > worst or not where:
            worst, where = float(ratio.max()), f"{companies[int(ratio.argmax())]}, {label}"
    return worst, where


def convergence_report(projection: Projection) -> str:
    """One line on how precise the headline intervals are: the largest standard error of a percentile."""
    worst, where = percentile_error(projection)
    if math.isinf(worst):
        return "the percentiles' Monte Carlo standard errors cannot be estimated from so few draws"
    return (f"the percentiles' Monte Carlo standard errors are at most {format.figure(worst, Kind.share)} of their "
            f"interval's width ({where})")


def convergence_warnings(projection: Projection) -> list[str]:
    """Warnings when the draws are too few for the headline intervals: the Monte Carlo standard error of a 5th, 50th
    or 95th percentile above MAX_INTERVAL_ERROR of the interval's width, with the draws that would bring it under;
    for a run drawn until precise that stopped at its cap short of its target, that it did (`precision.run_warning`)."""
    simulation = projection._simulation()
    if projection.precision is not None and not projection.precision.reached:
        return [run_warning(projection.precision)]
    worst, where = percentile_error(projection)
    if worst <= MAX_INTERVAL_ERROR:
        return []
    if math.isinf(worst):
        return [f"{format.count(simulation.draws)} draws are too few to estimate the percentiles' standard errors; "
                "use --draws 1,000 or more"]
    # the standard error falls as 1/sqrt(draws); suggest the next round number (1, 2 or 5 times a power of ten)
    needed = simulation.draws * (worst / MAX_INTERVAL_ERROR) ** 2
    power = 10 ** math.floor(math.log10(needed))
    suggest = next(step * power for step in (1, 2, 5, 10) if step * power >= needed)
    return [f"with {format.count(simulation.draws)} draws the 5th, 50th and 95th percentiles carry standard errors "
            f"up to {format.figure(worst, Kind.share)} of their interval's width ({where}); use --draws {format.count(suggest)} "
            "or more"]


def first_order_note(projection: Projection) -> str | None:
    """Why a run with draws has no sensitivity heatmap (too few draws), or None when it has one or has no draws."""
    simulation = projection.simulation
    if simulation is None or simulation.first_order is not None:
        return None
    companies = len(simulation.mean[next(iter(simulation.mean))])
    if companies > HEATMAP_MAX_COMPANIES:
        return (f"the sensitivity heatmaps (which assumption decides each company's figure in each year) are drawn "
                f"for at most {HEATMAP_MAX_COMPANIES} companies; this run has {companies}")
    return (f"the sensitivity heatmaps (which assumption decides each company's figure in each year) need "
            f"{format.count(FIRST_ORDER_MIN_DRAWS)} draws or more; this run has {format.count(simulation.draws)}")


def overtake_note(projection: Projection) -> str | None:
    """Which companies a run with many companies counted "who overtakes whom" among (model.core.simulation's
    OVERTAKE_LIMIT), or None when it counted every pair."""
    simulation = projection.simulation
    if simulation is None:
        return None
    companies = len(projection.companies)
    counted = {name: among for name, among in simulation.overtake_among.items() if len(among) < companies}
    if not counted:
        return None
    names = sorted({projection.companies[i] for among in counted.values() for i in among})
    return (f"with {companies} companies, who overtakes whom is counted among the {max(map(len, counted.values()))} "
            f"that lead each race metric in the last year at median values ({', '.join(names)}); the other pairs "
            "show 0%")


# ---------------------------------------------------------------------------------------------------- a whole run
def draw_settings(projection: Projection) -> dict[str, Any]:
    """The manifest's settings of a run's draws: seed and sampler mean nothing without a simulation."""
    simulation = projection.simulation
    if simulation is None:
        return {"draws": 1, "seed": None, "sampler": None}
    drawn = {"draws": simulation.draws, "seed": simulation.seed, "sampler": simulation.sampler}
    return drawn if projection.precision is None else drawn | projection.precision.settings("draws")


def precision_report(projection: Projection) -> str | None:
    """For a run drawn until precise, the line saying how many draws it took (None for any other run)."""
    return None if projection.precision is None else run_report(projection.precision)


@dataclass(frozen=True, eq=False)
class RunResult:
    """What `scenario run` makes of a scenario: the projection, the register of the assumptions it rests on and the
    sources they cite (as the report lists them), and what the source audit and the draws warn of."""

    scenario: Scenario  # name, description, horizon, reporting currency, as_of, `extends` chain
    projection: Projection
    register: pd.DataFrame  # one row per assumption used (`register.register`, empty history column dropped)
    # each assumption the scenario's `extends` chain overrides, against the value it replaces (`register.overrides`;
    # empty for a scenario that overrides nothing, such as base)
    overrides: pd.DataFrame
    sources: pd.DataFrame  # the sources those assumptions cite (`register.source_table`)
    files: tuple[Path, ...]  # the input files read
    problems: tuple[Problem, ...] = ()  # what validation's source audit rejects in the inputs, as warnings
    warnings: tuple[str, ...] = ()  # too few draws for the headline intervals (`convergence_warnings`)
    # the register's assumptions themselves, for what its text columns cannot hold (the workbook's numbers,
    # distributions and each source's own cell with its link)
    assumptions: tuple[ResolvedAssumption, ...] = ()

    @property
    def settings(self) -> dict[str, Any]:
        return draw_settings(self.projection)


def run_result(inputs: Inputs, projection: Projection, problems: Sequence[Problem] = ()) -> RunResult:
    """A run of `inputs` (`run`'s `projection` of them) with what its folder shows beside the projection;
    `problems` are the source audit's findings."""
    cited = {c.ref for item in inputs.resolved.values() for c in item.assumption.citations}
    return RunResult(
        scenario=inputs.scenario,
        projection=projection,
        register=without_empty_history(register(inputs.resolved.values(), inputs.assumptions.sources)),
        overrides=overrides(inputs.resolved.values(), inputs.scenario.chain),
        sources=source_table(s for s in inputs.assumptions.sources.values() if s.id in cited),
        files=inputs.files,
        problems=tuple(problems),
        warnings=tuple(convergence_warnings(projection)) if projection.simulation is not None else (),
        assumptions=tuple(inputs.resolved.values()),
    )
