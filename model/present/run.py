"""Renderings of a run (`model.analysis.projection.RunResult`): the headline table (with its intervals for a run
with draws), the tables of the race, the charts and the HTML report; what the terminal and the run folder show.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import numpy as np
import pandas as pd

from model import format
from model.analysis.projection import (
    RACE_LABELS,
    Projection,
    RunResult,
    bases_differ,
    convergence_report,
    first_order_note,
    headline,
    headline_cells,
    headline_kinds,
    overtake_note,
    precision_report,
)
from model.analysis.register import DISAGREEMENT_HEADERS, REGISTER_HEADERS, disagreements
from model.catalogue import METRICS, Kind
from model.present.charts import BASIS_MARK, ChartLike, basis_note, lead_probability, overtake_years
from model.present.charts import each_chart as chart_by_chart
from model.present.heatmap import first_order_heatmap
from model.present.report import DrawnCharts, RenderedChart, render_report
from model.present.tables import Shown

# How the report names each sampler of model.core.uncertainty.
SAMPLER_NAMES = {"sobol": "scrambled Sobol' sequence", "lhs": "Latin hypercube", "random": "plain random"}


def formatted_headline(table: pd.DataFrame, kinds: Mapping[str, Kind], low: pd.DataFrame | None = None,
                       high: pd.DataFrame | None = None, median: pd.DataFrame | None = None) -> pd.DataFrame:
    """The headline table as text, each column by its kind in `kinds` (`headline_kinds`): money to one decimal,
    thousands of units whole, shares in percent; with `low` and `high` (tables of the same shape, e.g. the 5th and
    95th percentiles), each figure is followed by its interval in brackets: "12.3 [10.1-14.8]"; with `median`, the
    median follows the figure where the two differ as shown, since the charts draw the median: "12.3 (median 11.9)
    [10.1-14.8]"."""
    def cell(column: str, row: int) -> str:
        text = format.figure(table[column].iloc[row], kinds[column])
        if median is not None:
            middle = format.figure(median[column].iloc[row], kinds[column])
            text += f" (median {middle})" if middle != text else ""
        if low is None or high is None:
            return text
        return f"{text} [{format.interval(low[column].iloc[row], high[column].iloc[row], kinds[column])}]"

    return pd.DataFrame({c: [cell(c, row) for row in range(len(table))] for c in table.columns}, index=table.index)


def interval_headline(projection: Projection) -> pd.DataFrame:
    """The formatted headline of a run with draws: each value (every assumption at its value), its median over the
    draws where the two differ, and its 5th-95th percentile interval."""
    return formatted_headline(headline(projection), headline_kinds(projection), headline(projection, "p5"),
                              headline(projection, "p95"), headline(projection, "p50"))


def _probability(probability: float) -> str:
    return format.figure(probability, Kind.probability)


def race_tables(projection: Projection) -> dict[str, pd.DataFrame]:
    """Readable tables of the race for a run with draws: who leads in the horizon's last year, and who overtakes
    whom (with what probability within the horizon, and when: the likeliest year and the median year of those
    draws in which it happens)."""
    last = int(projection.years[-1])
    leads = projection.leads()
    leading = (
        leads[leads["year"] == last]
        .assign(measure=lambda f: f["metric"].map(RACE_LABELS))
        .pivot(index="company", columns="measure", values="probability")
        .reindex(index=list(projection.companies), columns=list(RACE_LABELS.values()))
        .map(_probability)
        .rename_axis(index="Company", columns=None)
        .reset_index()
    )
    rows = []
    for (metric, company, rival), years in projection.overtakes().groupby(["metric", "company", "rival"], sort=False):
        probability = years["probability"].to_numpy()
        cumulative = np.cumsum(probability) / probability.sum()
        rows.append({
            "Measure": RACE_LABELS[metric],
            "Overtake": f"{company} overtakes {rival}",
            "probability": probability.sum(),
            "Likeliest year": int(years["year"].iloc[int(probability.argmax())]),
            "Median year": int(years["year"].iloc[int(np.searchsorted(cumulative, 0.5))]),
        })
    overtakes = pd.DataFrame(rows, columns=["Measure", "Overtake", "probability", "Likeliest year", "Median year"])
    # by measure in race order, the likeliest overtakes first
    overtakes = overtakes.sort_values(["Measure", "probability"], ascending=[True, False], kind="stable",
                                      key=lambda c: c.map(list(RACE_LABELS.values()).index) if c.name == "Measure" else c)
    overtakes.insert(2, f"Probability by {last}", overtakes.pop("probability").map(_probability))
    return {
        f"Probability of leading in {last}": leading,
        "Overtakes within the horizon": overtakes.reset_index(drop=True),
    }


# ------------------------------------------------------------------------------------------------------ a run
def each_chart(result: RunResult) -> Iterator[tuple[str, ChartLike]]:
    """Every chart of a run (`projection_charts`)."""
    return projection_charts(result.projection)


def projection_charts(projection: Projection) -> Iterator[tuple[str, ChartLike]]:
    """Every chart of a run's projection, in report order, with its file stem, made one at a time; a run with draws
    adds who leads and who overtakes, and one with enough draws a sensitivity heatmap per metric of the catalogue's
    heatmap view (`first_order_<metric>`)."""
    colours = projection.colours
    yield from chart_by_chart(projection.tidy(), projection.plans, colours)
    if projection.simulation is not None:
        yield "lead_probability", lead_probability(projection.leads(), colours)
        yield "overtake_years", overtake_years(projection.overtakes(), colours)
        for metric, rows in projection.first_order().groupby("metric", sort=False):
            yield f"first_order_{metric}", first_order_heatmap(rows)


def charts(result: RunResult) -> dict[str, ChartLike]:
    """Every chart of a run (`each_chart`), by file stem."""
    return dict(each_chart(result))


def drawn_charts(result: RunResult) -> DrawnCharts:
    """The run's charts being drawn, each sent to be drawn as soon as it is made (its result waits for them)."""
    return DrawnCharts(each_chart(result))


def rendered_charts(result: RunResult) -> dict[str, RenderedChart]:
    """The run's charts drawn."""
    return drawn_charts(result).result()


def headline_text(result: RunResult) -> pd.DataFrame:
    """The headline table as text; with draws, each figure followed by its 5th-95th percentile interval. Where the
    companies' cloud revenue bases differ, the columns built on cloud revenue carry BASIS_MARK (`basis_lines`)."""
    projection = result.projection
    if projection.simulation is None:
        return basis_marked(formatted_headline(headline(projection), headline_kinds(projection)), projection)
    return basis_marked(interval_headline(projection), projection)


def basis_marked(table: pd.DataFrame, projection: Projection) -> pd.DataFrame:
    """`table` (a headline) with the mark on each column built on cloud revenue, where the companies' bases
    differ."""
    if not bases_differ(projection.cloud_bases()):
        return table
    cells = headline_cells(int(projection.years[0]), int(projection.years[-1]), projection.reporting_currency)
    return table.rename(columns={label: f"{label} {BASIS_MARK}" for label, metric, _ in cells
                                 if METRICS[metric].on_cloud_basis})


def basis_lines(projection: Projection) -> list[str]:
    """The note under a headline whose companies' cloud revenue bases differ (none where they agree)."""
    bases = projection.cloud_bases()
    return basis_note(bases) if bases_differ(bases) else []


# ------------------------------------------------------------------------------------------ what a scenario changes
# The columns of the report's tables shown on a labelled line under their row: long texts that a cell would squeeze.
DETAIL_COLUMNS = ("Evidence", "Rationale", REGISTER_HEADERS["history"])


def _assumptions(count: int) -> str:
    return f"{count} assumption{'s' * (count != 1)}"


def overrides_line(result: RunResult) -> str:
    """Whose values the scenario replaces, in one line: "bull overrides 11 assumptions of base", through the
    scenarios between for a longer chain; "base overrides no assumption" for one that overrides nothing."""
    chain, count = result.scenario.chain, len(result.overrides)
    name = chain[0]
    if count == 0:
        return f"{name} overrides no assumption"
    if len(chain) == 1:
        return f"{name} overrides {_assumptions(count)} of the assumption files"
    through = f" (through {', '.join(chain[1:-1])})" if len(chain) > 2 else ""
    return f"{name} overrides {_assumptions(count)} of {chain[-1]}{through}"


def changes_caption(result: RunResult) -> str:
    """The sentence that opens the report's "What this scenario changes"."""
    if result.overrides.empty:
        return (f"{overrides_line(result)}: every value is the one its assumption file gives, as the assumption "
                "register lists it.")
    return (f"{overrides_line(result)}. Each is set against the value it replaces (the one the scenario it extends "
            "uses), with the sources of both.")


def _moved(old: str, new: str) -> str:
    """One field across an override: "low" where it stays, "high -> low" where it moves."""
    return new if old == new else f"{old} -> {new}"


def changes_table(overrides: pd.DataFrame) -> pd.DataFrame:
    """The overrides (`RunResult.overrides`) as the report lists them: key, company, the change of value, period
    and confidence, and on lines of their own each side's evidence ("480 CNY bn (bull: ref "excerpt") replaces 380
    CNY bn (base: ref "excerpt")") and the rationale."""
    rows = []
    for row in overrides.itertuples(index=False):
        rows.append({
            "Key": row.key,
            "Company": row.company,
            "Change": f"{row.replaced_set_by} {row.replaced_stated} -> {row.set_by} {row.stated}",
            "Period": _moved(row.replaced_period, row.period),
            "Confidence": _moved(row.replaced_confidence, row.confidence),
            "Evidence": (f"{row.stated} ({row.set_by}: {row.evidence}) replaces {row.replaced_stated} "
                         f"({row.replaced_set_by}: {row.replaced_evidence})"),
            "Rationale": row.rationale,
        })
    return pd.DataFrame(rows, columns=["Key", "Company", "Change", "Period", "Confidence", "Evidence", "Rationale"])


def report(result: RunResult, rendered: dict[str, RenderedChart], *, vega_embed: str = "") -> str:
    """The run's HTML report, with the `rendered` charts in their order; with `vega_embed` (Vega-Embed's bundle),
    the charts are live views over their SVGs."""
    scenario, projection = result.scenario, result.projection
    simulation = projection.simulation
    meta = {
        "Horizon": f"{scenario.horizon[0]}-{scenario.horizon[1]}",
        "Reporting currency": scenario.reporting_currency,
        "Information as of": scenario.as_of.isoformat(),
        "Extends": " -> ".join(scenario.chain[1:]) or "nothing",
        "Companies": ", ".join(projection.companies),
    }
    caption, race = "", {}
    if simulation is not None:
        meta["Draws"] = (f"{format.count(simulation.draws)} ({SAMPLER_NAMES[simulation.sampler]}, seed {simulation.seed}); "
                         "each assumption drawn from its 90% range or its confidence's default width")
        race = race_tables(projection)
        caption = (f"Each figure with every assumption at its value, then its median over "
                   f"{format.count(simulation.draws)} draws where the two differ (the charts' lines are medians), "
                   f"and in brackets the 5th to 95th percentile; {convergence_report(projection)}.")
        for note in filter(None, (first_order_note(projection), overtake_note(projection))):
            caption += f" {note[0].upper()}{note[1:]}."
        if drawn_until := precision_report(projection):
            caption += f" {drawn_until}."
    caption = " ".join([caption, *basis_lines(projection)]).strip()
    return render_report(
        title=f"Scenario '{scenario.name}'",
        description=scenario.description,
        scenario_meta=meta,
        headline=headline_text(result).reset_index(),
        headline_caption=caption,
        charts=rendered,
        race=race,
        register=result.register.rename(columns=REGISTER_HEADERS),
        sources=result.sources,
        problems=[str(p) for p in result.problems],
        changes=changes_table(result.overrides),
        changes_caption=changes_caption(result),
        disagreements=disagreements(result.assumptions, dict(zip(result.sources["id"], result.sources["kind"],
                                                                 strict=True))).rename(columns=DISAGREEMENT_HEADERS),
        details=DETAIL_COLUMNS,
        vega_embed=vega_embed,
    )


def terminal(result: RunResult) -> list[Shown]:
    """What `scenario run` prints: the headline, and with draws the race and how precise its intervals are."""
    scenario, projection = result.scenario, result.projection
    title = (f"{scenario.name}: {scenario.horizon[0]}-{scenario.horizon[1]}, {scenario.reporting_currency}, "
             f"as of {scenario.as_of}")
    if projection.simulation is not None:
        title += f"; {format.count(projection.simulation.draws)} draws, value (median) [5th-95th percentile]"
    shown: list[Shown] = [(title, headline_text(result).T.reset_index(names=""))]
    if notes := basis_lines(projection):
        shown.append(" ".join(notes))
    if projection.simulation is not None:
        shown.append("Each figure is the value with every assumption at its value; where the median of the draws "
                     "differs, it follows in parentheses (the charts draw medians).")
        shown += [(name, race) for name, race in race_tables(projection).items() if not race.empty]
        precision = convergence_report(projection)
        shown.append(f"{precision[0].upper()}{precision[1:]}.")
        for note in filter(None, (first_order_note(projection), overtake_note(projection))):
            shown.append(f"{note[0].upper()}{note[1:]}.")
        if drawn_until := precision_report(projection):
            shown.append(f"{drawn_until}.")
    if not result.overrides.empty:
        shown.append(f"{overrides_line(result)}; report.html lists each against the value it replaces.")
    return shown
