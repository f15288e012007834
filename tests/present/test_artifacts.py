"""The writer registry (model.present.artifacts): a run folder is every artefact registered for its result, so a new
output format is one module that registers its artefacts, with no call site to add."""

from __future__ import annotations

import dataclasses
import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from model.analysis.backtest import Backtest
from model.analysis.compare import Comparison
from model.analysis.projection import RunResult, run, run_result
from model.analysis.review import Review
from model.analysis.sensitivity import SensitivityResult
from model.cli import app
from model.io.loading import load_inputs
from model.present import artifacts
from model.present import run as run_rendering
from model.present.artifacts import Rendering, artefact, artefacts, files_of
from tests.conftest import SMALL

runner = CliRunner()


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> list[artifacts.Artefact]:
    """The registry as it is, restored after the test: what a test registers is gone for the next."""
    artefacts()  # every format module imported, so that the copy holds their artefacts
    copy = list(artifacts._ARTEFACTS)
    monkeypatch.setattr(artifacts, "_ARTEFACTS", copy)
    return copy


def test_each_result_has_its_commands_artefacts():
    declared = {result: {(a.name, a.format) for a in artefacts(result)}
                for result in (RunResult, SensitivityResult, Comparison, Backtest, Review)}
    assert {("projection.csv", "csv"), ("report.html", "html"), ("charts/<chart>.*", "chart")} <= declared[RunResult]
    assert {("<table>.csv", "csv"), ("charts/<method>.*", "chart")} <= declared[SensitivityResult]
    assert {("compare.csv", "csv"), ("compare.json", "json")} <= declared[Comparison]
    assert ("backtest.csv", "csv") in declared[Backtest]
    assert {("review.md", "markdown"), ("review.json", "json")} <= declared[Review]


def test_a_format_registered_once_is_written_by_its_command(small, registry):
    @artefact(RunResult, "companies.txt", "text")
    def companies(rendering: Rendering) -> dict[str, str]:
        return {"companies.txt": "\n".join(rendering.result.projection.companies) + "\n"}

    result = runner.invoke(app, ["run", "base"])
    assert result.exit_code == 0, result.output
    folder = small.path("outputs/base")
    assert (folder / "companies.txt").read_text() == "Alpha\nBeta\n"
    assert "companies.txt" in json.loads((folder / "manifest.json").read_text())["outputs"]


def test_an_artefact_of_another_result_is_not_written(small, registry):
    @artefact(Comparison, "never.txt", "text")
    def never(rendering: Rendering) -> dict[str, str]:
        raise AssertionError("a run rendered a comparison's artefact")

    assert runner.invoke(app, ["run", "base"]).exit_code == 0
    assert not small.path("outputs/base/never.txt").exists()


def test_a_runs_charts_are_rendered_once_for_their_files_and_the_report(monkeypatch):
    inputs = load_inputs(SMALL / "scenarios" / "base.yaml")
    result = run_result(inputs, run(inputs))
    calls = []
    drawn = run_rendering.drawn_charts

    def counted(result):
        calls.append(drawn(result))
        return calls[-1]

    monkeypatch.setattr(run_rendering, "drawn_charts", counted)
    files = files_of(result)
    stems = list(run_rendering.charts(result))
    assert [call.stems for call in calls] == [stems]
    report = files["report.html"]
    for stem in stems:
        figure = report[report.index(f'<figure id="chart-{stem}"'):]
        figure = figure[: figure.index("</figure>")]
        # the static SVG, and the spec that the live view draws, are the chart's own files
        assert f'<div class="static">\n{files[f"charts/{stem}.svg"]}\n</div>' in figure
        spec = figure[figure.index('<script type="application/json" class="spec">') :].partition(">")[2]
        assert json.loads(spec.removesuffix("</script>\n")) == json.loads(files[f"charts/{stem}.vl.json"])


def test_a_runs_other_files_are_made_while_its_charts_are_drawn_and_kept_in_the_registrys_order(registry,
                                                                                                 monkeypatch):
    inputs = load_inputs(SMALL / "scenarios" / "base.yaml")
    result = run_result(inputs, run(inputs))
    expected: dict[str, str | bytes] = {}
    for item in artefacts(RunResult):  # one by one, in the registry's order
        expected |= item.render(Rendering(result))
    events = []
    drawn = run_rendering.drawn_charts

    class Watched:
        def __init__(self, charts):
            self.charts = charts

        def result(self):
            events.append("charts waited for")
            return self.charts.result()

    def watched(render, name):
        def rendered(rendering):
            events.append(name)
            return render(rendering)
        return rendered

    monkeypatch.setattr(run_rendering, "drawn_charts", lambda result: events.append("charts sent") or
                        Watched(drawn(result)))
    registry[:] = [dataclasses.replace(item, render=watched(item.render, item.name)) for item in registry]
    files = files_of(result)
    waited = events.index("charts waited for")
    assert events[0] == "charts sent" and events.count("charts waited for") == 1
    assert {"projection.csv", "<scenario>.xlsx"} <= set(events[:waited])  # made while the charts were drawn
    assert events[waited - 1] == "charts/<chart>.*" or events[waited - 1] == "report.html"
    assert list(files) == list(expected) and files == expected


def test_a_failed_artefact_leaves_no_drawing_behind(small, registry):
    @artefact(RunResult, "broken.txt", "text")
    def broken(rendering: Rendering) -> dict[str, str]:
        raise RuntimeError("broken artefact")

    inputs = load_inputs(SMALL / "scenarios" / "base.yaml")
    result = run_result(inputs, run(inputs))
    with pytest.raises(RuntimeError, match="broken artefact"):
        files_of(result)
    registry.remove(next(item for item in registry if item.name == "broken.txt"))
    again = files_of(result)  # the helpers' replies to the dropped drawing are not read as this one's
    assert again == files_of(result)
    assert again["charts/capex.svg"].startswith("<svg")


def test_results_are_frozen():
    inputs = load_inputs(SMALL / "scenarios" / "base.yaml")
    result = run_result(inputs, run(inputs))
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.register = pd.DataFrame()  # type: ignore[misc]
    for kind in (SensitivityResult, Comparison, Backtest, Review):
        assert kind.__dataclass_params__.frozen, kind  # type: ignore[attr-defined]
