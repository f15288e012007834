"""The chart renderer's helper processes: the same bytes as rendering in the command's own process, whoever draws a
chart, and a failure reported as the tool reports it."""

from __future__ import annotations

import io
import json
import time

import altair as alt
import pandas as pd
import pytest
from typer.testing import CliRunner

from model.analysis.projection import run, run_result
from model.cli import app
from model.io.loading import load_inputs
from model.present import run as run_rendering
from model.present import vega
from model.present.artifacts import files_of
from model.present.report import PNG_SCALE, VEGA_LITE_VERSION
from tests.conftest import SMALL


def spec(title: str, points: int) -> dict:
    values = pd.DataFrame({"year": range(2025, 2025 + points), "value": [i * 1.5 for i in range(points)]})
    return alt.Chart(values, title=title).mark_line(point=True).encode(x="year:O", y="value:Q").to_dict()


SPECS = [spec(f"Chart {n}", 3 + n) for n in range(5)]


def drawn_here(specs: list[dict]) -> list[tuple[str, bytes]]:
    return [vega._render_here(s, VEGA_LITE_VERSION, PNG_SCALE) for s in specs]


@pytest.fixture
def fresh_helpers():
    """Helpers started afresh for the test, and ended after it (later tests start their own)."""
    vega.stop()
    yield
    vega.stop()


def test_helpers_draw_every_chart_with_the_bytes_of_drawing_here(fresh_helpers, monkeypatch):
    expected = drawn_here(SPECS)
    vega.start()
    assert vega._helpers, "no helper started"

    def not_here(*args):
        raise AssertionError("a chart was drawn in the command's process")

    monkeypatch.setattr(vega, "_render_here", not_here)
    assert vega.render(SPECS, vl_version=VEGA_LITE_VERSION, scale=PNG_SCALE) == expected


def test_charts_a_dead_helper_leaves_are_drawn_here(fresh_helpers):
    vega.start()
    for helper in vega._helpers:
        helper.process.kill()
        helper.process.wait()
    assert vega.render(SPECS, vl_version=VEGA_LITE_VERSION, scale=PNG_SCALE) == drawn_here(SPECS)
    assert not vega._helpers  # a helper out of step is ended, so no later call reads its replies


def test_a_helper_draws_the_svgs_and_rasterises_a_png_only_when_no_other_chart_waits(fresh_helpers, monkeypatch):
    expected = drawn_here(SPECS)
    vega.start()
    rasterised = []
    monkeypatch.setattr(vega, "_png", lambda svg, scale: rasterised.append(svg) or b"png")
    monkeypatch.setattr(vega, "_svg", lambda *args: pytest.fail("an SVG was drawn in the command's process"))
    drawn = vega.render(SPECS, vl_version=VEGA_LITE_VERSION, scale=PNG_SCALE)  # sent at once: charts wait
    assert [svg for svg, _ in drawn] == [svg for svg, _ in expected]
    by_helper = [svg not in rasterised for svg, _ in drawn]
    assert by_helper[-1] and not all(by_helper)  # the last chart left the helper free
    assert [png for (_, png), helper in zip(drawn, by_helper) if helper] == \
        [png for (_, png), helper in zip(expected, by_helper) if helper]

    def slowly():  # a command busy between two charts: the helper is free after each
        for spec in SPECS:
            yield spec
            time.sleep(0.5)

    rasterised.clear()
    drawn = vega.render(slowly(), vl_version=VEGA_LITE_VERSION, scale=PNG_SCALE)
    assert rasterised == [] and drawn == expected


def test_a_helper_serves_a_request_file_descriptor(tmp_path):
    requests = tmp_path / "requests"
    requests.write_bytes(b"".join(json.dumps({"spec": spec, "vl_version": VEGA_LITE_VERSION, "png": PNG_SCALE})
                                  .encode() + b"\n" for spec in SPECS[:2]) + b"not json\n")
    replies = io.BytesIO()
    with requests.open("rb") as file:
        vega.serve(file.fileno(), replies)
    first = json.loads(replies.getvalue().split(b"\n", 1)[0])
    assert first["svg"] > 0 and first["png"] is None  # the second request was waiting: the command rasterises
    assert replies.getvalue().endswith(b'{"error": "JSONDecodeError: Expecting value: line 1 column 1 (char 0)"}\n')


def test_a_run_folder_is_the_same_drawn_by_helpers_or_in_one_process(fresh_helpers, monkeypatch):
    inputs = load_inputs(SMALL / "scenarios" / "base.yaml")
    result = run_result(inputs, run(inputs))
    concurrent = files_of(result)
    vega.stop()
    monkeypatch.setattr(vega, "MAX_HELPERS", 0)  # no helper: every chart drawn here, one after the other
    serial = files_of(result)
    assert not vega._helpers
    assert concurrent == serial


def test_a_chart_a_helper_cannot_draw_fails_as_it_would_here(fresh_helpers):
    vega.start()
    fetching = alt.Chart(alt.UrlData("https://example.com/projection.csv")).mark_point().encode(x="value:Q")
    with pytest.raises(ValueError, match="External data url not allowed"):
        vega.render([fetching.to_dict()], vl_version=VEGA_LITE_VERSION, scale=PNG_SCALE)
    # the helper that refused it is still there for the next charts
    assert vega.render(SPECS[:2], vl_version=VEGA_LITE_VERSION, scale=PNG_SCALE) == drawn_here(SPECS[:2])


def test_a_failure_while_drawing_reaches_the_user_as_one_line_and_exit_3(small, monkeypatch):
    fetching = alt.Chart(alt.UrlData("https://example.com/projection.csv")).mark_point().encode(x="value:Q")
    monkeypatch.setattr(run_rendering, "each_chart", lambda result: iter([("capex", fetching)]))
    result = CliRunner().invoke(app, ["run", "base"])
    assert result.exit_code == 3
    assert result.stderr == ("error: this is a bug in scenario: ValueError: Vega-Lite to SVG conversion failed: "
                             "(run with --debug or SCENARIO_DEBUG=1 for the traceback)\n")
    assert not small.path("outputs/base").exists()


def test_vega_embeds_bundle_is_made_by_a_process_of_its_own_beside_the_charts(fresh_helpers, monkeypatch):
    expected = vega._bundle(VEGA_LITE_VERSION)
    vega.start()
    drawing = vega.draw(SPECS, vl_version=VEGA_LITE_VERSION, scale=PNG_SCALE)  # not waited for yet
    monkeypatch.setattr(vega, "_bundle", lambda version: pytest.fail("the bundle was made in the command's process"))
    assert vega.bundle(VEGA_LITE_VERSION) == expected
    assert drawing.result() == drawn_here(SPECS)  # the helper's replies are its charts' alone


def _silent(tmp_path) -> str:
    script = tmp_path / "silent"
    script.write_text("#!/bin/sh\nexec sleep 60\n")
    script.chmod(0o755)
    return str(script)


@pytest.mark.parametrize("maker", [
    pytest.param(lambda tmp_path: str(tmp_path / "no-such-python"), id="cannot start"),
    pytest.param(lambda tmp_path: "/bin/false", id="fails"),
    pytest.param(_silent, id="hangs"),
])
def test_a_bundle_its_process_cannot_make_is_made_here(maker, tmp_path, monkeypatch):
    monkeypatch.setattr(vega.sys, "executable", maker(tmp_path))
    monkeypatch.setattr(vega, "REPLY_TIMEOUT", 0.5)
    monkeypatch.setattr(vega, "_bundle", lambda version: f"made here for {version}")
    started = time.perf_counter()
    assert vega.bundle(VEGA_LITE_VERSION) == f"made here for {VEGA_LITE_VERSION}"
    assert time.perf_counter() - started < 30  # a silent maker is ended, not waited out


def test_a_drawing_nobody_waits_for_leaves_the_next_one_its_own_replies(fresh_helpers):
    vega.start()
    vega.draw(SPECS[:3], vl_version=VEGA_LITE_VERSION, scale=PNG_SCALE)  # dropped, as a failed artefact drops it
    assert vega.render(SPECS[3:], vl_version=VEGA_LITE_VERSION, scale=PNG_SCALE) == drawn_here(SPECS[3:])


def test_a_spec_json_cannot_hold_is_drawn_here_and_the_helper_stays(fresh_helpers, monkeypatch):
    vega.start()
    odd = {**SPECS[0], "usermeta": {"when": object()}}  # json.dumps refuses it; nothing reaches the helper
    here = []
    monkeypatch.setattr(vega, "_render_here", lambda spec, *args: here.append(spec) or ("<svg/>", b"png"))
    assert vega.render([odd, SPECS[1]], vl_version=VEGA_LITE_VERSION, scale=PNG_SCALE)[0] == ("<svg/>", b"png")
    assert here == [odd] and vega._helpers


def test_a_hung_helper_is_ended_and_its_charts_drawn_here(fresh_helpers, monkeypatch):
    import os
    import signal

    monkeypatch.setattr(vega, "REPLY_TIMEOUT", 1.0)
    vega.start()
    for helper in vega._helpers:
        os.kill(helper.process.pid, signal.SIGSTOP)  # alive, and silent
    started = time.perf_counter()
    assert vega.render(SPECS, vl_version=VEGA_LITE_VERSION, scale=PNG_SCALE) == drawn_here(SPECS)
    assert time.perf_counter() - started < 60 and not vega._helpers
