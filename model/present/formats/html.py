"""The HTML report of a run: one self-contained page with its tables and its charts, live (Vega-Embed inlined)
over their static SVGs."""

from __future__ import annotations

from model.analysis.projection import RunResult
from model.present import run
from model.present.artifacts import Contents, Rendering, artefact
from model.present.report import vega_embed_bundle


@artefact(RunResult, "report.html", "html", uses=("run charts",))
def report(rendering: Rendering) -> Contents:
    bundle = (rendering.bundle or vega_embed_bundle)()
    return {"report.html": run.report(rendering.result, rendering.shared("run charts", run.rendered_charts),
                                      vega_embed=bundle)}
