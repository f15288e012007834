"""The console script's start-up: the collector held while the libraries load and given back for the long part of
a command, the chart helper started before the commands are imported, and nothing of this in a process that only
calls the app (a test, a notebook)."""

from __future__ import annotations

import gc
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from model.cli import app
from tests.conftest import REPO


def _probe(small, body: str) -> list[str]:
    """Run `body` in a fresh interpreter in the small project; the lines it prints."""
    done = subprocess.run([sys.executable, "-c", body], capture_output=True, text=True, timeout=300, check=False,
                          cwd=small.root, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.strip().splitlines()


@pytest.mark.parametrize(("arguments", "helpers"), [
    (["run", "base"], 1),
    (["--debug", "sensitivity", "base"], 1),
    (["run", "base", "--help"], 0),
    (["--version"], 0),
    (["validate"], 0),
    ([], 0),
])
def test_the_chart_helper_starts_before_the_commands_load_for_a_command_that_draws(small, arguments, helpers):
    body = ("import gc, sys\nfrom model.cli import startup\nfrom model.present import vega\n"
            f"startup.begin({arguments!r})\n"
            "print(len(vega._helpers) > 0, 'model.cli.commands' in sys.modules, gc.isenabled())\nvega.stop()\n")
    assert _probe(small, body)[-1] == f"{helpers > 0} False False"


def test_the_collector_is_held_until_the_command_has_loaded_and_then_works_again(small):
    body = ("import gc\nfrom model.cli import startup\nstartup.begin(['validate'])\nheld = gc.isenabled()\n"
            "startup.loaded()\nprint(held, gc.isenabled(), gc.get_freeze_count() > 0)\n"
            "startup.loaded()\nprint(gc.isenabled())\n")
    assert _probe(small, body)[-2:] == ["False True True", "True"]


def test_a_run_through_the_console_script_collects_again_once_it_draws(small):
    """`ProgressBar` marks the long part of a command: from there its garbage is collected as usual."""
    body = ("import gc, sys\nfrom model.cli import main, common\nseen = []\n"
            "class Watched(common.ProgressBar):\n"
            "    def advance(self, steps):\n        seen.append(gc.isenabled())\n        super().advance(steps)\n"
            "common.ProgressBar = Watched\nimport model.cli.run\nmodel.cli.run.ProgressBar = Watched\n"
            "sys.argv = ['scenario', 'run', 'base', '--draws', '16']\n"
            "try:\n    main()\nexcept SystemExit as stop:\n    print(stop.code, seen and all(seen))\n")
    assert _probe(small, body)[-1] == "0 True"


def test_calling_the_app_leaves_the_callers_collector_alone(small):
    frozen = gc.get_freeze_count()
    result = CliRunner().invoke(app, ["run", "base"])
    assert result.exit_code == 0, result.output
    assert gc.isenabled() and gc.get_freeze_count() == frozen


def test_the_commands_table_lists_every_command_in_the_order_of_help():
    from model.cli.commands import COMMANDS

    names = [command.name or command.callback.__name__ for command in app.registered_commands]
    assert names == list(COMMANDS)


@pytest.mark.parametrize(("arguments", "loaded", "not_loaded"), [
    (["run", "base", "--help"], "model.cli.run", "model.cli.sensitivity"),
    (["--debug", "sources", "--help"], "model.cli.assumptions", "model.cli.run"),
    (["--help"], "model.cli.schema", None),
    (["rn", "base"], "model.cli.discover", None),  # a mistyped command: typer suggests from every command
])
def test_the_console_script_imports_only_the_module_of_the_command_it_runs(small, arguments, loaded, not_loaded):
    body = ("import sys\nfrom model.cli import main\n"
            f"sys.argv = ['scenario', *{arguments!r}]\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            f"print({loaded!r} in sys.modules, {not_loaded!r} in sys.modules)\n")
    assert _probe(small, body)[-1] == "True False"
