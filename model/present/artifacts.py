"""The files of a run folder, made in memory: the tidy CSV, each chart in three formats, and the HTML report; a run
with draws adds the race tables (who leads, who overtakes whom) and their charts."""

from __future__ import annotations

from collections.abc import Sequence

from model.analysis.projection import Projection, convergence_report
from model.analysis.register import register, source_table, without_empty_history
from model.errors import Problem
from model.io.loading import Inputs
from model.io.outputs import to_csv
from model.present import format
from model.present.charts import build_charts, lead_probability, overtake_years
from model.present.report import render_chart, render_report
from model.present.run import headline_text, interval_headline, race_tables

# How the report names each sampler of model.core.uncertainty.
SAMPLER_NAMES = {"sobol": "scrambled Sobol' sequence", "lhs": "Latin hypercube", "random": "plain random"}


def run_files(inputs: Inputs, projection: Projection, problems: Sequence[Problem] = ()) -> dict[str, str | bytes]:
    """Relative path -> content for everything in a run folder except the manifest; `problems`, what the source
    audit rejects in the inputs, make the report's banner."""
    scenario = inputs.scenario
    simulation = projection.simulation
    tidy = projection.tidy()
    files: dict[str, str | bytes] = {"projection.csv": to_csv(tidy)}
    charts = build_charts(tidy, projection.plans)
    meta = {
        "Horizon": f"{scenario.horizon[0]}-{scenario.horizon[1]}",
        "Reporting currency": scenario.reporting_currency,
        "Information as of": scenario.as_of.isoformat(),
        "Extends": " -> ".join(scenario.chain[1:]) or "nothing",
        "Companies": ", ".join(projection.companies),
    }
    if simulation is None:
        table, caption, race = headline_text(projection), "", {}
    else:
        leads, overtakes = projection.leads(), projection.overtakes()
        files["leads.csv"] = to_csv(leads)
        files["overtakes.csv"] = to_csv(overtakes)
        charts["lead_probability"] = lead_probability(leads)
        charts["overtake_years"] = overtake_years(overtakes, companies=list(projection.companies))
        meta["Draws"] = (f"{format.count(simulation.draws)} ({SAMPLER_NAMES[simulation.sampler]}, seed {simulation.seed}); "
                         "each assumption drawn from its 90% range or its confidence's default width")
        table, race = interval_headline(projection), race_tables(projection)
        caption = (f"Each figure with every assumption at its value, and in brackets the 5th to 95th percentile "
                   f"over {format.count(simulation.draws)} draws; {convergence_report(projection)}.")
    rendered = {name: render_chart(chart) for name, chart in charts.items()}
    for name, chart in rendered.items():
        files |= chart.files(name)
    cited = {c.ref for item in inputs.resolved.values() for c in item.assumption.sources}
    files["report.html"] = render_report(
        title=f"Scenario '{scenario.name}'",
        description=scenario.description,
        scenario_meta=meta,
        headline=table.reset_index(),
        headline_caption=caption,
        charts=rendered,
        race=race,
        register=without_empty_history(register(inputs.resolved.values(), inputs.assumptions.sources)),
        sources=source_table(s for s in inputs.assumptions.sources.values() if s.id in cited),
        problems=[str(p) for p in problems],
    )
    return files
