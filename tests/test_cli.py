"""Every command through typer's CliRunner, on real files in a copy of the small project."""

from __future__ import annotations

import json
import shutil

from typer.testing import CliRunner

from model.cli import app

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args))


# -------------------------------------------------------------------------------------------------------------- run
def test_run_prints_the_headline_table_and_writes_the_run_folder(small):
    result = invoke("run", "base.yaml")
    assert result.exit_code == 0, result.output
    assert "base: 2025-2027, USD, as of 2025-05-31" in result.stdout
    assert "Capex 2025-2027 (USD bn)" in result.stdout and "11.2" in result.stdout
    run = small.path("outputs/base")
    assert sorted(p.name for p in run.iterdir()) == ["charts", "manifest.json", "projection.csv", "report.html"]
    charts = sorted(p.name for p in (run / "charts").iterdir())
    for name in ("capex", "capex_cumulative_vs_plan", "ai_chip_spend", "cloud_revenue", "race_shares"):
        assert {f"{name}.vl.json", f"{name}.svg", f"{name}.png"} <= set(charts)
    assert run.joinpath("projection.csv").read_text().startswith("scenario,company,year,metric,unit,value\n")
    manifest = json.loads(run.joinpath("manifest.json").read_text())
    assert [i["path"] for i in manifest["inputs"]] == [
        "scenarios/base.yaml", "assumptions/sources.yaml", "assumptions/fx.yaml", "assumptions/alpha.yaml",
        "assumptions/beta.yaml",
    ]
    assert manifest["settings"] == {"draws": 1, "seed": None, "sampler": None}


def test_two_runs_of_the_same_inputs_give_identical_data_files(small, tmp_path):
    for out in ("one", "two"):
        assert invoke("run", "high", "--out", str(tmp_path / out)).exit_code == 0
    for name in ("projection.csv", "manifest.json", "charts/capex.vl.json", "report.html"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), name


def test_run_accepts_a_path(small, tmp_path):
    result = invoke("run", str(small.path("scenarios/high.yaml")), "--out", str(tmp_path / "x"))
    assert result.exit_code == 0, result.output
    assert "high: 2025-2027" in result.stdout


def test_a_failed_run_names_the_problem_and_leaves_earlier_outputs(small):
    assert invoke("run", "base").exit_code == 0
    before = small.path("outputs/base/projection.csv").read_bytes()
    small.edit("assumptions/alpha.yaml", "confidence: high", "confidence: certain")
    result = invoke("run", "base")
    assert result.exit_code == 1
    assert result.stderr == (
        "assumptions/alpha.yaml:9: capex.plan_total.confidence: 'certain' is not one of 'high', 'medium' or 'low'\n"
        "1 error; nothing was written\n"
    )
    assert "Traceback" not in result.output
    assert small.path("outputs/base/projection.csv").read_bytes() == before


def test_an_unknown_scenario_is_a_usage_error(small):
    result = invoke("run", "bsae")
    assert result.exit_code == 2
    assert result.stderr == "error: unknown scenario 'bsae'; did you mean 'base'? valid: base, high\n"


def test_an_unknown_option_is_a_usage_error(small):
    assert invoke("run", "base", "--draws-typo", "5").exit_code == 2


def test_a_company_file_added_shows_up_in_every_output(small):
    text = small.path("assumptions/beta.yaml").read_text()
    small.write("assumptions/gamma.yaml", text.replace("company: beta", "company: gamma").replace("name: Beta", "name: Gamma"))
    result = invoke("run", "base")
    assert result.exit_code == 0, result.output
    assert "Gamma" in result.stdout
    run = small.path("outputs/base")
    assert {"Alpha", "Beta", "Gamma"} <= set(line.split(",")[1] for line in run.joinpath("projection.csv").read_text().splitlines()[1:])
    for spec in (run / "charts").glob("*.vl.json"):
        assert "Gamma" in spec.read_text(), spec.name
    for svg in (run / "charts").glob("*.svg"):
        assert "Gamma" in svg.read_text(), svg.name
    assert run.joinpath("report.html").read_text().count("Gamma") >= 10


# --------------------------------------------------------------------------------------------------------- validate
def test_validate_is_clean_on_the_fixture(small):
    result = invoke("validate", "--strict")
    assert result.exit_code == 0, result.output
    assert result.stdout == "checked 2 scenarios, 1 assumption folder: 0 errors, 0 warnings\n"


def test_validate_lists_every_error_and_exits_1(small):
    small.edit("assumptions/alpha.yaml", "unit: CNY bn\n    period: 2025-2026", "unit: CNY bn\n    period: 2026-2025")
    small.edit("scenarios/high.yaml", "extends: base", "extends: bsae")
    result = invoke("validate")
    assert result.exit_code == 1
    assert result.stderr == (
        "assumptions/alpha.yaml:8: capex.plan_total.period: period '2026-2025' ends before it starts\n"
        "scenarios/high.yaml:3: extends: unknown scenario 'bsae'; did you mean 'base'? valid: base, high\n"
    )
    assert result.stdout == "checked 2 scenarios, 1 assumption folder: 2 errors, 0 warnings\n"


def test_warnings_fail_only_with_strict(small):
    small.edit("scenarios/high.yaml", "as_of: 2026-01-31", "as_of: 2025-12-31")
    relaxed = invoke("validate")
    assert relaxed.exit_code == 0
    assert "warning: source 'later-news' is dated 2026-01-15" in relaxed.stderr
    assert invoke("validate", "--strict").exit_code == 1


def test_validate_takes_paths(small):
    small.edit("scenarios/high.yaml", "extends: base", "extends: bsae")
    assert invoke("validate", "scenarios/base.yaml").exit_code == 0
    assert invoke("validate", "assumptions").exit_code == 0
    assert invoke("validate", "scenarios").exit_code == 1
    missing = invoke("validate", "nowhere.yaml")
    assert (missing.exit_code, missing.stderr) == (2, "error: nowhere.yaml: no such file or folder\n")


# ------------------------------------------------------------------------------------------------------ assumptions
def test_assumptions_as_csv_filtered_by_company_and_confidence(small):
    result = invoke("assumptions", "--company", "Alpha", "--confidence", "high", "--format", "csv")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "key,company,value,unit,period,confidence,source_kinds,as_of,sources,excerpts,overridden_by,notes"
    assert [line.split(",")[0] for line in lines[1:]] == ["alpha.capex.plan_total", "alpha.cloud.revenue_base"]


def test_assumptions_of_a_scenario_show_its_overrides(small):
    result = invoke("assumptions", "--scenario", "high", "--company", "alpha", "--format", "markdown")
    row = next(line for line in result.stdout.splitlines() if line.startswith("| alpha.capex.plan_total"))
    assert row.startswith("| alpha.capex.plan_total | Alpha | 60 | CNY bn | 2025-2026 | low | press | 2026-01-15 | "
                          "later-news | RMB 60 billion | high |")


def test_assumptions_table_and_judgement_filter(small):
    result = invoke("assumptions", "--judgement", "--company", "beta")
    assert result.exit_code == 0
    assert "5 assumptions" in result.stdout and "beta.cloud.ai_share" in result.stdout


def test_assumptions_of_an_unknown_company(small):
    result = invoke("assumptions", "--company", "gamma")
    assert (result.exit_code, result.stderr) == (2, "error: unknown company gamma; valid: alpha, beta\n")


def test_an_invalid_confidence_filter_is_a_usage_error(small):
    result = invoke("assumptions", "--confidence", "sure")
    assert result.exit_code == 2
    assert "Invalid value for '--confidence'" in result.output and "'sure' is not one of" in result.output


def test_sources_lists_the_registry(small):
    result = invoke("sources", "--format", "csv")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == "id,title,publisher,date,kind,url"
    assert len(result.stdout.splitlines()) == 6


def test_commands_outside_a_project_say_so(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("validate")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: no scenarios/ and assumptions/ folders found at or above")


def test_the_help_lists_the_commands():
    result = invoke("--help")
    assert result.exit_code == 0
    for command in ("run", "validate", "assumptions", "sources"):
        assert command in result.stdout


def test_a_scenario_folder_without_assumptions_beside_it(small, tmp_path):
    alone = tmp_path / "alone" / "scenarios"
    alone.mkdir(parents=True)
    shutil.copy(small.path("scenarios/base.yaml"), alone)
    result = invoke("run", str(alone / "base.yaml"))
    assert result.exit_code == 2
    assert result.stderr.startswith("error: assumptions folder not found:")
