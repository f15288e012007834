"""The files of a run folder, made in memory: the tidy CSV, each chart in three formats, and the HTML report."""

from __future__ import annotations

from model.charts import build_charts
from model.loading import Inputs
from model.projection import Projection, formatted_headline, headline
from model.register import register, source_table
from model.report import render_chart, render_report


def projection_csv(projection: Projection) -> str:
    # Shortest round-trip float repr: the same numbers always give the same bytes.
    return projection.tidy().to_csv(index=False, lineterminator="\n")


def run_files(inputs: Inputs, projection: Projection) -> dict[str, str | bytes]:
    """Relative path -> content for everything in a run folder except the manifest."""
    scenario = inputs.scenario
    files: dict[str, str | bytes] = {"projection.csv": projection_csv(projection)}
    rendered = {name: render_chart(chart) for name, chart in build_charts(projection.tidy(), projection.plans).items()}
    for name, chart in rendered.items():
        files[f"charts/{name}.vl.json"] = chart.vega_lite_json
        files[f"charts/{name}.svg"] = chart.svg
        files[f"charts/{name}.png"] = chart.png
    cited = {c.ref for item in inputs.resolved.values() for c in item.assumption.sources}
    files["report.html"] = render_report(
        title=f"Scenario '{scenario.name}'",
        description=scenario.description,
        scenario_meta={
            "Horizon": f"{scenario.horizon[0]}-{scenario.horizon[1]}",
            "Reporting currency": scenario.reporting_currency,
            "Information as of": scenario.as_of.isoformat(),
            "Extends": " -> ".join(scenario.chain[1:]) or "nothing",
            "Companies": ", ".join(projection.companies),
        },
        headline=formatted_headline(headline(projection)).reset_index(),
        charts=rendered,
        register=register(inputs.resolved.values(), inputs.assumptions.sources),
        sources=source_table(s for s in inputs.assumptions.sources.values() if s.id in cited),
    )
    return files
