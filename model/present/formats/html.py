"""The HTML report of a run: one self-contained page with its tables and charts."""

from __future__ import annotations

from model.analysis.projection import RunResult
from model.present import run
from model.present.artifacts import Contents, Rendering, artefact


@artefact(RunResult, "report.html", "html")
def report(rendering: Rendering) -> Contents:
    return {"report.html": run.report(rendering.result, rendering.shared("run charts", run.rendered_charts))}
