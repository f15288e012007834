"""The README's two commands stay true: CI runs the test command verbatim."""

from __future__ import annotations

import re

from tests.conftest import REPO

README = (REPO / "README.md").read_text()
COMMANDS = re.findall(r"```sh\n(.+?)\n```", README)


def test_the_readme_gives_exactly_two_commands():
    assert COMMANDS == [
        "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/scenario run base.yaml",
        "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/python -m pytest",
    ]


def test_ci_runs_the_readme_test_command():
    ci = (REPO / ".ci" / "run").read_text().splitlines()
    assert COMMANDS[1] in ci


def test_every_picture_the_readme_shows_is_in_the_repository():
    pictures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README)
    assert {"docs/fan_chart.png", "docs/tornado_chart.png"} <= set(pictures)
    for picture in pictures:
        assert (REPO / picture).is_file(), picture
