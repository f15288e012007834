"""Every command through typer's CliRunner, on real files in a copy of the small project."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil

import pytest
from typer.testing import CliRunner

from model.cli import app
from model.io.loading import load_inputs
from tests.conftest import REPO, at

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
    assert sorted(p.name for p in run.iterdir()) == ["base.xlsx", "charts", "manifest.json", "projection.csv",
                                                     "report.html"]
    charts = sorted(p.name for p in (run / "charts").iterdir())
    for name in ("capex", "capex_cumulative_vs_plan", "ai_chip_spend", "cloud_revenue", "race_shares"):
        assert {f"{name}.vl.json", f"{name}.svg", f"{name}.png"} <= set(charts)
    assert run.joinpath("projection.csv").read_text().startswith("scenario,company,year,metric,unit,value,basis\n")
    manifest = json.loads(run.joinpath("manifest.json").read_text())
    assert [i["path"] for i in manifest["inputs"]] == [
        "scenarios/base.yaml", "assumptions/sources.yaml", "assumptions/fx.yaml", "assumptions/market.yaml",
        "assumptions/alpha.yaml", "assumptions/beta.yaml",
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
        at("assumptions/alpha.yaml", "capex.plan_total.confidence") + ": 'certain' is not one of 'high', 'medium' or "
        "'low'\n1 error; nothing was written\n"
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


# ------------------------------------------------------------------------------------------------- run with draws
def test_a_run_with_draws_writes_percentiles_race_odds_and_its_seed(small):
    result = invoke("run", "base", "--draws", "4096", "--seed", "3")
    assert result.exit_code == 0, result.output
    assert "base: 2025-2027, USD, as of 2025-05-31; 4,096 draws, value (median) [5th-95th percentile]" in result.stdout
    assert ("Each figure is the value with every assumption at its value; where the median of the draws differs, it "
            "follows in parentheses (the charts draw medians).") in result.stdout
    assert "1.9 [1.6-2.1]" in result.stdout  # Alpha's 2025 capex with its 90% interval
    assert "Probability of leading in 2027" in result.stdout and "Overtakes within the horizon" in result.stdout
    assert result.stderr == ""  # 4,096 draws are enough: no convergence warning
    assert re.search(r"The percentiles' Monte Carlo standard errors are at most \d\.\d% of their interval's width "
                     r"\((Alpha|Beta), .+\)\.", result.stdout)
    run = small.path("outputs/base")
    assert {"leads.csv", "overtakes.csv"} <= {p.name for p in run.iterdir()}
    assert run.joinpath("projection.csv").read_text().startswith(
        "scenario,company,year,metric,unit,value,mean,p5,p50,p95,basis\n")
    assert {"lead_probability.svg", "overtake_years.svg"} <= {p.name for p in (run / "charts").iterdir()}
    report = run.joinpath("report.html").read_text()
    assert '<section id="race">' in report and "4,096 (scrambled Sobol&#x27; sequence, seed 3)" in report
    manifest = json.loads(run.joinpath("manifest.json").read_text())
    assert manifest["settings"] == {"draws": 4096, "seed": 3, "sampler": "sobol"}


def test_the_same_seed_gives_identical_files_and_another_seed_other_numbers(small, tmp_path):
    for out, seed in (("one", "5"), ("two", "5"), ("three", "6")):
        assert invoke("run", "base", "--draws", "1000", "--seed", seed, "--sampler", "lhs",
                      "--out", str(tmp_path / out)).exit_code == 0
    for name in ("projection.csv", "leads.csv", "overtakes.csv", "manifest.json", "report.html"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), name
    assert (tmp_path / "one" / "projection.csv").read_bytes() != (tmp_path / "three" / "projection.csv").read_bytes()


def test_too_few_draws_warn_but_run(small):
    for draws in ("2", "7", "40"):  # fewer draws than the batches standard errors come from, and more
        result = invoke("run", "base", "--draws", draws)
        assert result.exit_code == 0, result.output
        assert result.stderr.startswith(f"warning: with {draws} draws the 5th, 50th and 95th percentiles carry "
                                        "standard")


def test_bad_draws_options_are_usage_errors(small):
    def message(result) -> str:  # typer boxes its usage errors; the words are what matter
        return " ".join(result.stderr.replace("│", " ").split())

    result = invoke("run", "base", "--draws", "0")
    assert result.exit_code == 2
    assert "Invalid value for '--draws': Input should be greater than or equal to 1" in message(result)
    result = invoke("run", "base", "--draws", "10", "--sampler", "halton")
    assert result.exit_code == 2
    assert "Invalid value for '--sampler': Value error, 'halton' is not one of 'sobol', 'lhs', 'random'" in message(result)
    assert not small.path("outputs/base").exists()


# ---------------------------------------------------------------------------------------------------- sensitivity
def test_tornado_prints_the_swings_and_writes_csv_chart_and_manifest(small):
    result = invoke("sensitivity", "base", "--method", "tornado", "--metric", "capex", "--year", "2025",
                    "--company", "alpha")
    assert result.exit_code == 0, result.output
    assert "Alpha: capex in 2025 (USD bn)" in result.stdout
    # half of a CNY 30bn plan at CNY 8 per USD: the plan's 5th and 95th percentiles are 30 / 1.1 and 30 x 1.1
    assert "alpha.capex.plan_total" in result.stdout and "1.7" in result.stdout and "2.06" in result.stdout
    assert "beta." not in result.stdout  # another company's assumption cannot move Alpha's capex
    folder = small.path("outputs/base-tornado")
    assert sorted(p.name for p in folder.iterdir()) == ["base-tornado.xlsx", "charts", "manifest.json", "tornado.csv"]
    assert sorted(p.name for p in (folder / "charts").iterdir()) == ["tornado.png", "tornado.svg", "tornado.vl.json"]
    manifest = json.loads(folder.joinpath("manifest.json").read_text())
    assert manifest["settings"] == {"method": "tornado", "metric": "capex", "year": 2025, "companies": ["alpha"]}
    assert manifest["outputs"] == ["base-tornado.xlsx", "charts/tornado.png", "charts/tornado.svg",
                                   "charts/tornado.vl.json", "manifest.json", "tornado.csv"]


def test_sobol_prints_indices_and_priorities(small):
    result = invoke("sensitivity", "base", "--method", "sobol", "--metric", "capex", "--year", "2025",
                    "--samples", "1024", "--seed", "4")
    assert result.exit_code == 0, result.output
    assert "Alpha: capex in 2025 (USD bn)" in result.stdout and "Beta: capex in 2025 (USD bn)" in result.stdout
    assert "alpha.capex.plan_total" in result.stdout and "fx.CNY" in result.stdout
    folder = small.path("outputs/base-sobol")
    assert sorted(p.name for p in folder.iterdir()) == ["base-sobol.xlsx", "charts", "manifest.json", "priorities.csv",
                                                        "sobol.csv"]
    runs = 1024 * (len(load_inputs(small.path("scenarios/base.yaml")).resolved) + 2)  # n x (assumptions + 2)
    assert re.search(r"Widest 95% bootstrap interval of an index: 0\.\d{3} \((Alpha|Beta)\); 1,024 samples, "
                     rf"{runs:,} runs of the model", result.stdout)
    settings = json.loads(folder.joinpath("manifest.json").read_text())["settings"]
    assert settings["samples"] == 1024 and settings["seed"] == 4 and settings["evaluations"] == runs


def test_sensitivity_usage_errors_name_what_is_valid(small):
    result = invoke("sensitivity", "base", "--metric", "capx")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: unknown metric 'capx'; valid: capex, capex_cumulative, ")
    result = invoke("sensitivity", "base", "--year", "2031")
    assert result.exit_code == 2 and result.stderr == "error: year 2031 is outside the horizon 2025-2027\n"
    result = invoke("sensitivity", "base", "--method", "sobol", "--samples", "1000")
    assert result.exit_code == 2 and "power of two" in result.stderr
    assert not small.path("outputs/base-sobol").exists()


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
        at("assumptions/alpha.yaml", "capex.plan_total.period") + ": period '2026-2025' ends before it starts\n"
        + at("scenarios/high.yaml", "extends") + ": unknown scenario 'bsae'; did you mean 'base'? valid: base, high\n"
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
    assert lines[0] == ("key,company,value,unit,period,confidence,source_kinds,as_of,sources,excerpts,overridden_by,"
                        "notes,history")
    assert [line.split(",")[0] for line in lines[1:]] == ["alpha.capex.plan_total", "alpha.cloud.revenue_base"]


def _set_plan_twice(monkeypatch) -> None:
    from model.io import editing

    monkeypatch.setattr(editing, "today", lambda: dt.date(2026, 6, 1))
    assert invoke("set", "alpha.capex.plan_total", "35", "--source", "alpha-filing", "--excerpt",
                  "RMB 35 billion").exit_code == 0
    assert invoke("set", "alpha.capex.plan_total", "40", "--source", "alpha-filing", "--excerpt", "RMB 40 billion",
                  "--confidence", "medium", "--as-of", "2025-05-01").exit_code == 0


def test_assumptions_history_lists_the_vintages_oldest_first_current_last(small, monkeypatch):
    _set_plan_twice(monkeypatch)
    result = invoke("assumptions", "--history", "alpha.capex.plan_total", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "vintage,value,unit,period,confidence,range,as_of,replaced,sources,excerpts,rationale",
        "1,30,CNY bn,2025-2026,high,,2025-03-01,2026-06-01,alpha-filing,RMB 30 billion over two years,",
        "2,35,CNY bn,2025-2026,high,,2025-03-01,2026-06-01,alpha-filing,RMB 35 billion,",
        "current,40,CNY bn,2025-2026,medium,,2025-05-01,,alpha-filing,RMB 40 billion,",
    ]
    table = invoke("assumptions", "--history", "alpha.capex.plan_total")
    assert table.exit_code == 0, table.output
    assert "alpha.capex.plan_total: 3 vintages, oldest first" in table.stdout


def test_assumptions_history_of_an_assumption_never_changed_is_its_current_value(small):
    result = invoke("assumptions", "--history", "fx.CNY", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert [line.split(",")[0] for line in result.stdout.splitlines()] == ["vintage", "current"]


def test_assumptions_history_of_an_unknown_key_names_the_valid_ones(small):
    result = invoke("assumptions", "--history", "alpha.capex.plan_totl")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --history: no assumption 'alpha.capex.plan_totl'; did you mean "
                                    "'alpha.capex.plan_total'? valid: alpha.accelerators.installed_base, ")


def test_assumptions_history_does_not_combine_with_distributions(small):
    result = invoke("assumptions", "--history", "alpha.capex.plan_total", "--distributions")
    assert (result.exit_code, result.stderr) == (2, ("error: --history shows one assumption's values over time; it "
                                                     "does not combine with --distributions\n"))


def test_the_reports_register_shows_history_only_when_an_assumption_has_some(small, monkeypatch):
    assert invoke("run", "base").exit_code == 0
    assert '<span class="label">History</span>' not in small.path("outputs/base/report.html").read_text()
    _set_plan_twice(monkeypatch)
    assert invoke("run", "base").exit_code == 0
    report = small.path("outputs/base/report.html").read_text()
    # each earlier value on a line under its assumption's row, in its unit
    assert ('<p><span class="label">History</span> 30 CNY bn (high, as of 2025-03-01, replaced 2026-06-01; '
            'alpha-filing); 35 CNY bn (high, as of 2025-03-01, replaced 2026-06-01; alpha-filing)</p>') in report


def test_assumptions_of_a_scenario_show_its_overrides(small):
    result = invoke("assumptions", "--scenario", "high", "--company", "alpha", "--format", "markdown")
    row = next(line for line in result.stdout.splitlines() if line.startswith("| alpha.capex.plan_total"))
    assert row.startswith("| alpha.capex.plan_total | Alpha | 60 | CNY bn | 2025-2026 | low | press | 2026-01-15 | "
                          "later-news | RMB 60 billion | high |")


def test_assumptions_table_and_judgement_filter(small):
    result = invoke("assumptions", "--judgement", "--company", "beta")
    assert result.exit_code == 0
    # Beta's assumptions that rest on analyst judgement, counted in its file: one block per key
    blocks = re.split(r"\n  (?=\S)", small.path("assumptions/beta.yaml").read_text())
    judged = sum("ref: analyst-judgement" in block for block in blocks)
    assert judged >= 2
    assert f"{judged} assumptions" in result.stdout and "beta.cloud.ai_share" in result.stdout


def test_assumptions_with_their_distributions(small):
    result = invoke("assumptions", "--distributions", "--format", "csv", "--company", "alpha")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    # (source and weight name a pooled assumption's candidates; a file's data keeps its columns, empty here)
    assert lines[0] == "key,company,value,unit,confidence,distribution,p5,p50,p95,source,weight"
    assert lines[1] == (
        'alpha.capex.plan_total,Alpha,30,CNY bn,high,"lognormal (high default, / to x 1.1)",27.27,30,33,,')
    assert 'alpha.ai_chips.budget_base,Alpha,8,CNY bn,medium,lognormal (given 90% range),6,8,10,,' in lines
    assert (
        'alpha.cloud.ai_share,Alpha,"2025: 0.1, 2027: 0.3",ratio,low,"normal (low default, +/- 0.1, clipped to [0, 1])",'
        '"2025: 0, 2027: 0.2","2025: 0.1, 2027: 0.3","2025: 0.2, 2027: 0.4",,') in lines


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
    lines = result.stdout.splitlines()
    assert lines[0] == "id,title,publisher,date,kind,url"
    registered = re.findall(r"^  - id: (\S+)$", small.path("assumptions/sources.yaml").read_text(), re.M)
    assert [line.split(",")[0] for line in lines[1:]] == registered
    assert "beta-press" in registered


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


def test_the_version_is_the_installed_one_and_needs_no_project(tmp_path, monkeypatch):
    from importlib.metadata import version

    monkeypatch.chdir(tmp_path)  # no scenarios/ here: --version answers before any command looks for one
    result = invoke("--version")
    assert (result.exit_code, result.stdout) == (0, f"scenario {version('scenario')}\n")
    assert invoke("--version", "run", "nowhere").stdout == result.stdout  # eager: it answers before the command


def test_a_scenario_folder_without_assumptions_beside_it(small, tmp_path):
    alone = tmp_path / "alone" / "scenarios"
    alone.mkdir(parents=True)
    shutil.copy(small.path("scenarios/base.yaml"), alone)
    result = invoke("run", str(alone / "base.yaml"))
    assert result.exit_code == 2
    assert result.stderr.startswith("error: assumptions folder not found:")


# ---------------------------------------------------------------------------------------------------- fast refusal
def test_a_bad_file_is_refused_before_the_charting_and_statistics_libraries_load(small):
    """`scenario run` checks the inputs first: a typo costs the loading of the files, not altair, vl-convert,
    pandas or scipy (which take most of a run's start-up)."""
    import subprocess
    import sys

    small.edit("assumptions/alpha.yaml", "confidence: high", "confidence: hihg")
    probe = ("import sys\nfrom model.cli import main\nsys.argv = ['scenario', 'run', 'base']\n"
             "try:\n    main()\nexcept SystemExit as stop:\n    code = stop.code\n"
             "heavy = sorted(m for m in ('altair', 'vl_convert', 'pandas', 'scipy.stats') if m in sys.modules)\n"
             "print(code, heavy)\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=False,
                          cwd=small.root, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.stdout.strip().splitlines()[-1] == "1 []", done.stdout + done.stderr
    assert "capex.plan_total.confidence: 'hihg' is not one of" in done.stderr


def _modules_loaded_by(root, *args: str) -> tuple[int, bool]:
    """Run `scenario ARGS` in a fresh interpreter in `root`: its exit code, and whether scipy.stats was imported."""
    import subprocess
    import sys

    probe = (f"import sys\nfrom model.cli import main\nsys.argv = ['scenario', *{list(args)!r}]\n"
             "try:\n    main()\nexcept SystemExit as stop:\n    code = stop.code\n"
             "print(code, 'scipy.stats' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300, check=False,
                          cwd=root, env={**os.environ, "PYTHONPATH": str(REPO)})
    code, loaded = done.stdout.strip().splitlines()[-1].split()
    return int(code), loaded == "True"


def test_only_a_command_that_samples_imports_scipy_stats(small):
    """scipy.stats takes longer to import than a deterministic run takes to model: --help and a run of one draw
    leave it alone, a run with draws loads it."""
    assert _modules_loaded_by(small.root, "--help") == (0, False)
    assert _modules_loaded_by(small.root, "run", "base") == (0, False)
    assert _modules_loaded_by(small.root, "run", "base", "--draws", "8") == (0, True)


def test_a_deterministic_run_of_a_pooled_assumption_imports_no_scipy(tmp_path):
    """The shipped project pools ByteDance's capex: its register's percentiles come from the pool's table, built
    without scipy (whose import would be a tenth of the run)."""
    import subprocess
    import sys

    for folder in ("scenarios", "assumptions"):
        shutil.copytree(REPO / folder, tmp_path / folder)
    probe = ("import sys\nfrom model.cli import main\nsys.argv = ['scenario', 'run', 'base']\n"
             "try:\n    main()\nexcept SystemExit as stop:\n    code = stop.code\n"
             "print(code, sorted(m for m in sys.modules if m.split('.')[0] == 'scipy'))\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300, check=False,
                          cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.stdout.strip().splitlines()[-1] == "0 []", done.stdout[-2000:] + done.stderr
    assert "pool" in (tmp_path / "assumptions" / "bytedance.yaml").read_text()


# ------------------------------------------------------------------------------------------------ verbatim messages
@pytest.mark.parametrize("line", [100, 1234])
def test_problems_are_printed_verbatim_with_no_emoji_or_markup(small, line):
    """rich would print `file:100:` as an emoji and eat `[bold]`: every message comes out as written."""
    text = small.path("assumptions/alpha.yaml").read_text()
    padding = "#\n" * (line - 9)  # confidence: is on line 9 of the fixture's file
    small.write("assumptions/alpha.yaml", padding + text.replace(
        "    confidence: high\n", "    '[bold]x:smile:': 1\n", 1))
    for command in (["validate"], ["run", "base"]):
        result = invoke(*command)
        assert result.exit_code == 1
        assert (f"assumptions/alpha.yaml:{line}: capex.plan_total.[bold]x:smile:: unknown field; valid fields: "
                in result.stderr), result.stderr


def test_run_says_how_many_assumptions_a_scenario_overrides_and_the_report_lists_them(small):
    result = invoke("run", "high")
    assert result.exit_code == 0, result.output
    assert ("high overrides 1 assumption of base; report.html lists each against the value it replaces.\n"
            "wrote outputs/high/") in result.stdout
    report = small.path("outputs/high/report.html").read_text()
    assert "<td>base 30 CNY bn -&gt; high 60 CNY bn</td>" in report
    assert "overrides" not in invoke("run", "base").stdout
