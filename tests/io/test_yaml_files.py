"""The input files' reader (model.io.yaml_files): libyaml's parser with ruamel's round-trip constructor gives the
data, the types and the line of every key that ruamel's own round-trip loader gives, for every file the project
ships; what the event checks refuse, they refuse before anything is composed."""

from __future__ import annotations

from pathlib import Path

import pytest
from ruamel.yaml import YAML

from model.errors import InputError
from model.io.yaml_files import lines_of, read_yaml
from tests.conftest import REPO


def _types(node):
    if isinstance(node, dict):
        return {key: _types(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_types(value) for value in node]
    return type(node).__name__


SHIPPED = sorted([*REPO.glob("assumptions/**/*.yaml"), *REPO.glob("scenarios/*.yaml")])


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: str(path.relative_to(REPO)))
def test_every_shipped_file_reads_as_ruamels_round_trip_loader_reads_it(path: Path):
    expected = YAML(typ="rt").load(path.read_text(encoding="utf-8"))
    read = read_yaml(path)
    assert read == expected
    assert _types(read) == _types(expected)
    assert lines_of(read) == lines_of(expected)


@pytest.mark.parametrize(("text", "value"), [
    ("a: yes\n", "yes"),  # YAML 1.2: a string, not a boolean
    ("a: 0o17\n", 15),
    ("a: 1_000\n", 1000),
    ("a: 1e3\n", 1000.0),
    ("a: .inf\n", float("inf")),  # read as written; the schema refuses it with its line
    ("a: '2025-02-30'\n", "2025-02-30"),  # quoted: a string, so no date to check
])
def test_scalars_resolve_as_yaml_1_2(tmp_path, text, value):
    path = tmp_path / "a.yaml"
    path.write_text(text)
    assert read_yaml(path)["a"] == value


def test_every_date_that_does_not_exist_is_listed_with_its_line(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_text("a: 2025-02-30\nb:\n  - 2025-13-01\n  - 2025-01-01\n")
    with pytest.raises(InputError) as raised:
        read_yaml(path)
    assert [(problem.line, problem.key, problem.message) for problem in raised.value.problems] == [
        (1, "a", "2025-02-30 is not a real date"), (3, "b[0]", "2025-13-01 is not a real date")]
