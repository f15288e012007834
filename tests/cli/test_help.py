"""Every command's --help teaches: examples printed as written, the valid values of its options, no type on a flag,
lines that fit, and no heavy library loaded to print it."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
import typer.core
import typer.main
from typer.testing import CliRunner

from model.catalogue import METRICS, PARAMETERS
from model.cli import app
from model.cli.common import PROJECT_COMPANIES, PROJECT_SCENARIOS, examples
from tests.conftest import REPO

runner = CliRunner()
GROUP = typer.main.get_command(app)
COMMANDS = sorted(GROUP.commands)  # type: ignore[attr-defined]
WIDTH = 100


def shown_help(*args: str, width: int = WIDTH) -> str:
    result = runner.invoke(app, [*args, "--help"], env={"COLUMNS": str(width)})
    assert result.exit_code == 0, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.stdout


def words(text: str) -> set[str]:
    """The words of a help text, whatever the panels' borders and line breaks around them."""
    return set(re.findall(r"\w+(?:\.\w+)*", text))


def option(name: str, command: str):
    return next((p for p in GROUP.commands[command].params if name in getattr(p, "opts", ())), None)  # type: ignore[attr-defined]


def test_every_command_is_covered():
    assert {"run", "validate", "diff", "set", "compare", "backtest", "schema", "assumptions", "sensitivity",
            "sources"} <= set(COMMANDS)


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_each_help_has_examples_no_bool_placeholder_and_fits(small, command):
    text = shown_help(*([command] if command else []))
    assert "Examples:" in text
    assert "<bool>" not in text
    assert "Traceback" not in text
    too_wide = [line for line in text.splitlines() if len(line) > WIDTH]
    assert not too_wide, too_wide
    epilog = (GROUP.commands[command] if command else GROUP).epilog  # type: ignore[attr-defined]
    lines = [line.strip() for line in text.splitlines()]
    for example in (line.strip() for line in epilog.splitlines()[1:] if line.startswith("  ")):
        assert example in lines  # printed as one line, as written: not reflowed into the text around it
    assert "[" not in epilog  # rich would read it as markup
    calls = [line.strip() for line in epilog.splitlines() if line.startswith("  scenario ")]
    assert calls and all(f"{call} ".startswith(f"scenario {command}".rstrip() + " ") for call in calls), calls


def test_the_list_of_commands_gives_each_summary_as_one_paragraph(small):
    """A docstring's line breaks (wrapped at 120 columns in the source) do not break the list of commands."""
    text = shown_help(width=1000)
    for name in COMMANDS:
        summary = " ".join(GROUP.commands[name].help.split("\n\n")[0].split())  # type: ignore[attr-defined]
        assert any(line.strip("│ ").startswith(f"{name}") and line.strip("│ ").endswith(summary)
                   for line in text.splitlines()), (name, summary)


def test_examples_put_each_command_under_what_it_does():
    assert examples(("Run it", "scenario run base"), ("Long", "scenario set a 1 \\\n  --source s")) == (
        "Examples:\nRun it:\n  scenario run base\nLong:\n  scenario set a 1 \\\n    --source s")


def test_a_flag_shows_no_type_and_an_option_with_a_value_keeps_its_own(small):
    text = shown_help("validate")
    strict = next(line for line in text.splitlines() if "--strict" in line)
    assert "<" not in strict and "Fail on warnings too." in strict
    assert "--help  " in next(line for line in text.splitlines() if "--help" in line)
    draws = next(line for line in shown_help("run").splitlines() if "--draws" in line)
    assert "<int range> [x>=1]" in draws
    assert "<sobol|lhs|random>" in shown_help("run")


def test_the_flag_fix_is_applied_once_and_only_to_flags():
    display = typer.core.TyperOption.display_type_rich
    assert getattr(display, "scenario_flag_fix", False)  # fails if a newer typer moved the method: look again
    assert not hasattr(display.__wrapped__, "scenario_flag_fix")  # not wrapped twice by a second import
    flags = [p for p in GROUP.commands["diff"].params if getattr(p, "is_flag", False)]  # type: ignore[attr-defined]
    assert {p.opts[0] for p in flags} == {"--all", "--markdown"}
    assert all(p.display_type_rich(ctx=None) is None for p in flags)


@pytest.mark.parametrize("command", [c for c in COMMANDS if option("--metric", c)])
def test_metric_options_list_every_metric_of_the_catalogue(small, command):
    assert set(METRICS) <= words(shown_help(command))


def test_set_lists_the_catalogue_s_assumption_keys(small):
    assert set(PARAMETERS) <= words(shown_help("set"))


def mentions(marker: str) -> list[str]:
    """The commands with a parameter whose help names the project's companies or scenarios."""
    return [c for c in COMMANDS if any(marker in (getattr(p, "help", None) or "")
                                       for p in GROUP.commands[c].params)]  # type: ignore[attr-defined]


def test_the_options_naming_a_company_or_a_scenario_list_the_project_s():
    assert {c for c in COMMANDS if option("--company", c)} <= set(mentions(PROJECT_COMPANIES))
    assert {"run", "sensitivity", "backtest", "compare", "assumptions", "set"} <= set(mentions(PROJECT_SCENARIOS))


@pytest.mark.parametrize("command", mentions(PROJECT_COMPANIES))
def test_the_help_lists_the_project_s_companies_as_they_are_when_it_is_shown(small, command):
    assert "This project's companies: alpha, beta." in shown_help(command, width=400)
    small.write("assumptions/gamma.yaml", small.path("assumptions/beta.yaml").read_text())
    assert "This project's companies: alpha, beta, gamma." in shown_help(command, width=400)


@pytest.mark.parametrize("command", mentions(PROJECT_SCENARIOS))
def test_the_help_lists_the_project_s_scenarios(small, command):
    assert "This project's scenarios: base, high." in shown_help(command, width=400)


@pytest.mark.parametrize("command", sorted({*mentions(PROJECT_COMPANIES), *mentions(PROJECT_SCENARIOS)}))
def test_outside_a_project_the_help_says_where_the_names_are(tmp_path, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    text = shown_help(command, width=400)
    assert "This project's" not in text
    assert ("The companies are the file names in a project's assumptions/ (alpha for alpha.yaml)." in text
            or command not in mentions(PROJECT_COMPANIES))
    assert ("The scenarios are the file names in a project's scenarios/ (base for base.yaml)." in text
            or command not in mentions(PROJECT_SCENARIOS))


def test_diff_names_the_headline_figures(small):
    text = " ".join(shown_help("diff", width=400).replace("│", " ").split())  # (a long help folds even so)
    assert ("the headline figures are 'Capex', 'Share of capex', 'Capex intensity', 'AI chips', 'Accelerators in "
            "service', 'Compute in service', 'Cloud revenue', 'AI revenue', 'Cloud market revenue', 'Cloud market "
            "share', each with its year or years.") in text


def test_help_loads_no_heavy_library(small):
    """`scenario --help` and every command's help answer before pandas, altair, vl-convert and scipy load."""
    probe = ("import sys\nfrom model.cli import app\n"
             f"for args in [[], *([c] for c in {COMMANDS!r})]:\n"
             "    try:\n        app([*args, '--help'], prog_name='scenario')\n"
             "    except SystemExit as stop:\n        assert stop.code == 0, (args, stop.code)\n"
             "print(sorted(m for m in ('pandas', 'altair', 'vl_convert', 'scipy') if m in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=False,
                          cwd=small.root, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout[-2000:] + done.stderr
