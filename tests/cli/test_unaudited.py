"""Commands on inputs that `scenario validate` rejects for their evidence go on, but say so: warnings on stderr,
`inputs_valid` and `input_problems` in the manifest, a banner in the report; `scenario diff` flags a value changed
while its evidence stayed as it was."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from model.cli import app
from tests.analysis.test_backtest import ACTUALS as REPORTED
from tests.conftest import SMALL, at

runner = CliRunner()

# alpha's capex plan moves from 30 to 31 while its excerpt still reads "RMB 30 billion over two years"
STALE = (at("assumptions/alpha.yaml", "capex.plan_total.sources", SMALL) + ': warning: no excerpt states the value '
         '31 CNY bn (as "31 billion" or "CNY 31bn"); the excerpts give "RMB 30 billion"')
BANNER = "These results rest on inputs that fail validation"
# the first reported figure of the backtest's tests: Alpha's 2025 capex, RMB 16bn
ACTUALS = REPORTED[:REPORTED.index("  - company: beta")]


def invoke(*args: str):
    return runner.invoke(app, list(args))


def stale(project) -> None:
    project.edit("assumptions/alpha.yaml", "    value: 30\n", "    value: 31\n")


def manifest(folder: str) -> dict:
    return json.loads(Path(folder, "manifest.json").read_text())


COMMANDS = {
    "run": (["run", "base"], "outputs/base"),
    "sensitivity": (["sensitivity", "base"], "outputs/base-tornado"),
    "backtest": (["backtest", "base"], "outputs/backtest-base"),
    "compare": (["compare", "base", "high"], "outputs/compare-base-high"),
    "discover": (["discover", "base", "--event", "alpha leads ai_chip_spend 2027", "--draws", "1000"],
                 "outputs/discover-base"),
}


@pytest.fixture
def with_actuals(small):
    small.path("assumptions/actuals").mkdir()
    small.write("assumptions/actuals/reported.yaml", ACTUALS)
    return small


@pytest.mark.parametrize("command", COMMANDS)
def test_a_stale_excerpt_is_a_warning_and_recorded(with_actuals, command):
    stale(with_actuals)
    args, folder = COMMANDS[command]
    assert invoke("validate").exit_code == 1  # what validate rejects...
    result = invoke(*args)
    assert result.exit_code == 0, result.output  # ...the command runs on, saying so once
    assert result.stderr.splitlines().count(STALE) == 1, result.stderr
    written = manifest(folder)
    assert (written["inputs_valid"], written["input_problems"]) == (False, [STALE])


@pytest.mark.parametrize("command", COMMANDS)
def test_clean_inputs_are_recorded_valid(with_actuals, command):
    args, folder = COMMANDS[command]
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    assert "warning: no excerpt states" not in result.stderr
    written = manifest(folder)
    assert (written["inputs_valid"], written["input_problems"]) == (True, [])


def test_the_report_shows_a_banner_with_the_problems_escaped(small):
    stale(small)
    small.edit("assumptions/alpha.yaml", '"RMB 30 billion over two years"', '"RMB 30 billion <b>over</b> two years"')
    assert invoke("run", "base").exit_code == 0
    html = Path("outputs/base/report.html").read_text()
    assert html.index(BANNER) < html.index("<h1>")
    assert ("<li>" + at("assumptions/alpha.yaml", "capex.plan_total.sources") + ": warning: no excerpt states the "
            "value 31 CNY bn (as &quot;31 billion&quot; or &quot;CNY 31bn&quot;); the excerpts give &quot;RMB 30 "
            "billion&quot;</li>") in html


def test_clean_inputs_give_no_banner(small):
    assert invoke("run", "base").exit_code == 0
    assert BANNER not in Path("outputs/base/report.html").read_text()


def test_compare_carries_a_run_folders_failed_validation(small):
    stale(small)
    assert invoke("run", "base", "--out", "saved").exit_code == 0
    small.edit("assumptions/alpha.yaml", "    value: 31\n", "    value: 30\n")
    result = invoke("compare", "high", "saved")
    assert result.exit_code == 0, result.output
    line = ("saved/manifest.json: inputs_valid: warning: saved was made from inputs that fail validation "
            "(1 problem, listed in its manifest)")
    assert line in result.stderr.splitlines()
    written = manifest("outputs/compare-high-saved")
    assert (written["inputs_valid"], written["input_problems"]) == (False, [line])


# ------------------------------------------------------------------------------------------------------------- diff
@pytest.fixture
def before(small, tmp_path) -> str:
    copy = tmp_path / "before"
    shutil.copytree(SMALL, copy)
    return str(copy)


def test_diff_flags_a_value_changed_with_its_evidence_unchanged(small, before):
    stale(small)
    result = invoke("diff", before, ".", "--format", "json")
    assert result.exit_code == 0, result.output
    assert STALE in result.stderr.splitlines()
    change, = json.loads(result.stdout)["changes"]
    assert (change["key"], change["evidence_unchanged"]) == ("alpha.capex.plan_total", True)
    written = manifest("outputs/diff")
    assert (written["inputs_valid"], written["input_problems"]) == (False, [STALE])
    markdown = Path("outputs/diff/review.md").read_text()
    assert ("| key | status | old | new | change | flag | also changed | evidence |\n|---|---|---|---|---|---|---|---|\n"
            "| alpha.capex.plan_total | changed | 30 CNY bn | 31 CNY bn | +3.3% | value changed, evidence unchanged |  "
            '| alpha-filing: "RMB 30 billion over two years" |') in markdown
    table = invoke("diff", before, ".")
    assert table.exit_code == 0, table.output
    row = next(line for line in table.stdout.splitlines() if "alpha.capex.plan_total" in line)
    assert "value changed, evidence unchanged" in row


def test_diff_does_not_flag_a_value_changed_with_its_excerpt(small, before):
    stale(small)
    small.edit("assumptions/alpha.yaml", '"RMB 30 billion over two years"', '"RMB 31 billion over two years"')
    result = invoke("diff", before, ".", "--format", "json")
    assert result.exit_code == 0, result.output
    change, = json.loads(result.stdout)["changes"]
    assert (change["key"], change["evidence_unchanged"]) == ("alpha.capex.plan_total", False)
    assert "warning: no excerpt states" not in result.stderr
    assert "| key | status | old | new | change | also changed | evidence |" in Path("outputs/diff/review.md").read_text()
    written = manifest("outputs/diff")
    assert (written["inputs_valid"], written["input_problems"]) == (True, [])


def test_diff_flags_an_override_changed_with_its_rationale_and_excerpt_unchanged(small, before):
    small.edit("scenarios/high.yaml", "value: 60", "value: 70")
    change, = json.loads(invoke("diff", before, ".", "--format", "json").stdout)["changes"]
    assert (change["key"], change["evidence_unchanged"]) == ("scenario high: alpha.capex.plan_total", True)
