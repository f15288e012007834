"""The charts of each result, each as Vega-Lite JSON, SVG and PNG under charts/."""

from __future__ import annotations

from collections.abc import Mapping

from model.analysis.backtest import Backtest
from model.analysis.compare import Comparison
from model.analysis.discovery import Discovery
from model.analysis.projection import RunResult
from model.analysis.review import Review
from model.analysis.sensitivity import SensitivityResult
from model.present import backtest, compare, review, run
from model.present.artifacts import Contents, Rendering, ahead, artefact
from model.present.charts import ChartLike
from model.present.discovery import peeling_chart
from model.present.report import DrawnCharts, RenderedChart, render_charts
from model.present.sensitivity import view_of


def _files(charts: Mapping[str, RenderedChart]) -> dict[str, str | bytes]:
    files: dict[str, str | bytes] = {}
    for stem, chart in charts.items():
        files |= chart.files(stem)
    return files


def _rendered(charts: Mapping[str, ChartLike]) -> dict[str, str | bytes]:
    return _files(render_charts(charts))


@ahead(RunResult, "run charts")
def drawn_run_charts(result: RunResult) -> DrawnCharts:
    """A run's charts, drawn while its other files are made."""
    return run.drawn_charts(result)


@artefact(RunResult, "charts/<chart>.*", "chart", uses=("run charts",))
def run_charts(rendering: Rendering) -> Contents:
    return _files(rendering.shared("run charts", run.rendered_charts))


@artefact(SensitivityResult, "charts/<method>.*", "chart")
def sensitivity_chart(rendering: Rendering) -> Contents:
    result = rendering.result
    return _rendered({result.method: view_of(result).chart(result)})


@artefact(Comparison, "charts/<metric>.*", "chart")
def compare_charts(rendering: Rendering) -> Contents:
    return _rendered(compare.charts(rendering.result))


@artefact(Backtest, "charts/backtest.*", "chart")
def backtest_chart(rendering: Rendering) -> Contents:
    return _rendered({"backtest": backtest.chart(rendering.result)})


@artefact(Review, "charts/waterfall-<scenario>.*", "chart")
def waterfalls(rendering: Rendering) -> Contents:
    return _rendered(review.waterfalls(rendering.result))


@artefact(Discovery, "charts/peeling.*", "chart")
def discovery_chart(rendering: Rendering) -> Contents:
    """PRIM's peeling trade-off; none when the event never or always happens."""
    result = rendering.result
    return {} if result.trajectory is None else _rendered({"peeling": peeling_chart(result)})
