"""Shared fixtures: a copy of the small two-company project, editable per test, and the shipped project."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

TESTS = Path(__file__).parent
SMALL = TESTS / "fixtures" / "small"
REPO = TESTS.parent


class Project:
    """A throwaway project folder: scenarios/ and assumptions/ that a test may edit as text."""

    def __init__(self, root: Path):
        self.root = root

    def path(self, relative: str) -> Path:
        return self.root / relative

    def edit(self, relative: str, old: str, new: str) -> None:
        path = self.path(relative)
        text = path.read_text()
        assert old in text, f"{old!r} not in {relative}"
        path.write_text(text.replace(old, new, 1))

    def write(self, relative: str, text: str) -> Path:
        path = self.path(relative)
        path.write_text(text)
        return path


@pytest.fixture
def small(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    """A fresh copy of tests/fixtures/small, and the working directory set to it."""
    root = tmp_path / "project"
    shutil.copytree(SMALL, root)
    monkeypatch.chdir(root)
    return Project(root)
