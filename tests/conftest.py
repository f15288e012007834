"""Shared fixtures: a copy of the small two-company project, editable per test, and the shipped project."""

from __future__ import annotations

import shutil
import subprocess
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


# ------------------------------------------------------------------------------------------- temporary git repositories
def git(folder: Path, *args: str) -> None:
    """Run git in `folder` with a fixed identity and no signing, as a throwaway repository needs."""
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false",
                    "-c", "init.defaultBranch=main", *args], cwd=folder, check=True, capture_output=True)


def committed(root: Path) -> Path:
    """A copy of the small project at `root`, committed as the first commit of a new repository."""
    shutil.copytree(SMALL, root)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "first")
    return root


@pytest.fixture
def isolated_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Git finds only the repositories a test makes: none above tmp_path, none named by the environment."""
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
