"""Run folders: all-or-nothing writes of a folder or a file, and the manifest."""

from __future__ import annotations

import hashlib
import json

import pytest

from model.errors import UsageError
from model.io.outputs import manifest, package_versions, to_json, write_atomically, write_folder, write_run


def test_write_folder_replaces_the_whole_folder(tmp_path):
    target = tmp_path / "outputs" / "base"
    write_folder(target, {"a.txt": "old", "charts/x.svg": "<svg/>"}, command="run", named=False)
    write_folder(target, {"a.txt": "new", "b.bin": b"\x00\x01"}, command="run")
    assert sorted(p.relative_to(target).as_posix() for p in target.rglob("*")) == ["a.txt", "b.bin", "manifest.json"]
    assert json.loads((target / "manifest.json").read_text()) == {"tool": "scenario", "command": "run"}
    assert (target / "a.txt").read_text() == "new"
    assert [p.name for p in target.parent.iterdir()] == ["base"]  # no staging or retired folders left


def test_a_failed_write_leaves_the_previous_folder_untouched(tmp_path):
    target = tmp_path / "base"
    write_folder(target, {"projection.csv": "previous"}, command="run")

    class Unwritable:  # neither str nor bytes: fails halfway through writing
        pass

    with pytest.raises(TypeError):
        write_folder(target, {"projection.csv": "half", "report.html": Unwritable()},  # type: ignore[dict-item]
                     command="run")
    assert (target / "projection.csv").read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["base"]


def test_a_file_in_the_way_is_a_clear_error(tmp_path):
    (tmp_path / "base").write_text("not a folder")
    with pytest.raises(UsageError, match=f"^--out {tmp_path}/base: refusing to replace {tmp_path}/base: it is a "
                                         "file, not a folder; give a new or empty folder, or outputs/<name>$"):
        write_folder(tmp_path / "base", {"a": "b"}, command="run")


def test_manifest_lists_inputs_with_their_sha256(tmp_path):
    source = tmp_path / "scenarios" / "base.yaml"
    source.parent.mkdir()
    source.write_text("name: base\n")
    data = manifest(scenario="bull", chain=["bull", "base"], files=[source], root=tmp_path,
                    settings={"draws": 1, "seed": None}, outputs=["projection.csv", "manifest.json"])
    assert data["inputs"] == [{"path": "scenarios/base.yaml",
                               "sha256": hashlib.sha256(b"name: base\n").hexdigest()}]
    assert data["extends"] == ["base"]
    assert data["outputs"] == ["manifest.json", "projection.csv"]
    assert data["git"] is None  # tmp_path is no git repository
    assert json.loads(to_json(data)) == data


def test_write_run_adds_a_manifest_that_lists_itself(tmp_path):
    source = tmp_path / "scenarios" / "base.yaml"
    source.parent.mkdir()
    source.write_text("name: base\n")
    write_run(tmp_path / "outputs" / "base-tornado", {"tornado.csv": "key\n", "charts/tornado.svg": "<svg/>"},
              command="sensitivity", named=False, scenario="base", chain=["base"], inputs=[source], root=tmp_path,
              settings={"seed": 0})
    data = json.loads((tmp_path / "outputs" / "base-tornado" / "manifest.json").read_text())
    assert data["outputs"] == ["charts/tornado.svg", "manifest.json", "tornado.csv"]
    assert (data["settings"], [i["path"] for i in data["inputs"]]) == ({"seed": 0}, ["scenarios/base.yaml"])
    assert (data["tool"], data["command"]) == ("scenario", "sensitivity")


def test_write_atomically_replaces_a_file_and_keeps_its_permissions(tmp_path):
    path = tmp_path / "alpha.yaml"
    path.write_text("old\n")
    path.chmod(0o640)
    write_atomically(path, "new\n")
    assert path.read_text() == "new\n"
    assert path.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["alpha.yaml"]  # no temporary file left


def test_package_versions_name_the_libraries():
    versions = package_versions()
    assert {"python", "numpy", "pandas", "altair", "vl-convert-python"} <= set(versions)
    assert versions["numpy"][0].isdigit()
