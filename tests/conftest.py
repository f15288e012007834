"""Shared fixtures: a copy of the small two-company project, editable per test, and the shipped project."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
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


# ------------------------------------------------------------------------------------------------ lines of a file
# Where a message names a line, the test finds that line in the file's text, so that a fixture gaining an entry
# above it moves the expected line with it. The lookup reads the indentation itself, independently of the loader.
_KEY = re.compile(r"""^(["']?)([^"'#\s][^"':]*?)\1:(?:\s|$)""")
# The mapping a message's key lives in, when it does not start at the top of the file.
_CONTAINERS = {"scenarios": "overrides", "fx.yaml": "rates", "": "assumptions"}


@dataclass
class _Node:
    line: int
    keys: dict[str, _Node] = field(default_factory=dict)
    items: list[_Node] = field(default_factory=list)


def _tree(text: str) -> _Node:
    root = _Node(0)  # the top mapping begins at the first line that is not blank or a comment
    stack: list[tuple[int, _Node]] = [(-1, root)]
    for number, raw in enumerate(text.splitlines(), 1):
        content = raw.lstrip(" ")
        if not content or content.startswith("#"):
            continue
        root.line = root.line or number
        indent = len(raw) - len(content)
        while stack[-1][0] >= indent:
            stack.pop()
        parent = stack[-1][1]
        while content.startswith("- "):  # a list item, whose first key may share its line
            item = _Node(number)
            parent.items.append(item)
            stack.append((indent, item))
            parent, indent, content = item, indent + 2, content[2:]
        if match := _KEY.match(content):
            node = _Node(number)
            parent.keys[match[2]] = node
            stack.append((indent, node))
    return root


def line_of(text: str, key: str, container: str | None = None) -> int:
    """The line of `key` (a message's key path: `capex.plan_total.sources[0].ref`, `CNY.value`, `horizon`) in a
    YAML text, or of its deepest ancestor the text holds (where a missing field is reported); a key that is not at
    the top of the file is looked up in `container` (`assumptions` of a company file)."""
    tokens = re.findall(r"\[\d+\]|[^.\[\]]+", key)
    node, position = _tree(text), 0
    while position < len(tokens):
        token = tokens[position]
        if token.startswith("["):
            index = int(token[1:-1])
            if index >= len(node.items):
                break
            node, position = node.items[index], position + 1
            continue
        names = [".".join(tokens[position:end]) for end in range(len(tokens), position, -1)
                 if not any(t.startswith("[") for t in tokens[position:end])]
        inside = node.keys[container] if container in node.keys else None
        found = next((name for name in names if name in node.keys), None)
        if found is None and inside is not None:  # a key of the container (a missing top field stays at the top)
            found = next((name for name in names if name in inside.keys), None)
            node = node if found is None else inside
        if found is None:
            break
        node, container, position = node.keys[found], None, position + found.count(".") + 1
    return node.line


def at(relative: str, key: str, root: Path | None = None) -> str:
    """`file:line: key`, as a problem begins, with the line found in the file (under `root`, default the working
    directory) as it is now."""
    path = (root or Path.cwd()) / relative
    container = next((c for part, c in _CONTAINERS.items() if part and part in relative), None)
    lookup = key
    if container is None and path.parent.name == "assumptions" and path.name != "sources.yaml":
        container = _CONTAINERS[""]
        lookup = key.removeprefix(f"{path.stem}.")  # a company's key as a scenario names it: alpha.capex.base
    return f"{relative}:{line_of(path.read_text(), lookup, container)}: {key}"
