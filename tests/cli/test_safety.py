"""Safe writes, driven like a user would: refused targets, read-only and full disks, killed-run debris, concurrent
writers, bugs and interrupts without a traceback, and size requests beyond the machine."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest
from typer.testing import CliRunner

from model.analysis import resources
from model.cli import app
from model.io.loading import load_inputs
from model.io.outputs import write_folder
from tests.conftest import REPO, committed

runner = CliRunner()


def invoke(*args: str, **kwargs):
    return runner.invoke(app, list(args), **kwargs)


def snapshot(root: Path) -> dict[str, str]:
    """Every file and link under `root` (.git included) with its content's hash: what a refused write must not change."""
    found = {}
    for path in sorted(root.rglob("*")):
        key = path.relative_to(root).as_posix()
        if path.is_symlink():
            found[key] = "-> " + os.readlink(path)
        elif path.is_file():
            found[key] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            found[key] = "dir"
    return found


@contextlib.contextmanager
def mounted(*command: str, target: Path):
    """Run `mount ... target` for the block, or skip the test where mounting is not permitted."""
    try:
        done = subprocess.run(["mount", *command, str(target)], capture_output=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        pytest.skip("mount is not available")
    if done.returncode != 0:
        pytest.skip(f"mount is not permitted here: {done.stderr.decode().strip()}")
    try:
        yield target
    finally:
        subprocess.run(["umount", str(target)], capture_output=True, timeout=10, check=False)


# ---------------------------------------------------------------------------------------------- refused targets
def test_run_out_dot_in_a_git_checkout_is_refused_and_nothing_changes(tmp_path, monkeypatch, isolated_git):
    root = committed(tmp_path / "repo")
    (root / "notes.md").write_text("uncommitted work\n")
    monkeypatch.chdir(root)
    before = snapshot(root)
    result = invoke("run", "base", "--out", ".")
    assert result.exit_code == 2
    assert result.stderr == (f"error: --out .: refusing to replace {root}: it is the project's root folder; give a "
                             "new or empty folder, or outputs/<name>\n")
    assert snapshot(root) == before  # .git and the uncommitted file included


@pytest.mark.parametrize(("out", "why"), [
    ("assumptions", "it is a folder of input files"),
    ("scenarios", "it is a folder of input files"),
    ("outputs", "it is the project's outputs/ folder, which holds every run folder"),
    ("assumptions/deeper", "it is inside a folder of input files ({root}/assumptions)"),
    ("..", "it holds the project {root}"),
])
def test_folders_of_the_project_are_refused(small, out, why):
    small.path("outputs").mkdir(exist_ok=True)
    before = snapshot(small.root.parent)
    result = invoke("run", "base", "--out", out)
    assert result.exit_code == 2
    resolved = (small.root / out).resolve()
    assert result.stderr == (f"error: --out {out}: refusing to replace {resolved}: {why.format(root=small.root)}; "
                             "give a new or empty folder, or outputs/<name>\n")
    assert snapshot(small.root.parent) == before


def test_the_file_system_root_is_refused(small):
    result = invoke("run", "base", "--out", "/")
    assert result.exit_code == 2
    assert result.stderr == ("error: --out /: refusing to replace /: it is the root of the file system; give a new "
                             "or empty folder, or outputs/<name>\n")


def test_a_folder_of_user_files_is_refused(small, tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.docx").write_text("months of work")
    result = invoke("run", "base", "--out", str(mine))
    assert result.exit_code == 2
    assert result.stderr == (f"error: --out {mine}: refusing to replace {mine}: it is not a run folder of scenario "
                             "(it holds files the tool did not make); give an empty or new folder, or "
                             "outputs/<name>\n")
    assert (mine / "thesis.docx").read_text() == "months of work"


@pytest.mark.parametrize("points_to", [".", "outputs/base"])
def test_a_symlink_is_refused_whatever_it_points_to(small, points_to):
    assert invoke("run", "base").exit_code == 0
    small.path("link").symlink_to(small.path(points_to).resolve())
    before = snapshot(small.root)
    result = invoke("run", "base", "--out", "link")
    assert result.exit_code == 2
    assert result.stderr == (f"error: --out link: refusing to write through a symbolic link (to "
                             f"{small.path(points_to).resolve()}); give the folder itself, or a new folder\n")
    assert snapshot(small.root) == before


def test_a_symlinked_parent_cannot_lead_into_a_refused_folder(small, tmp_path):
    (tmp_path / "way").symlink_to(small.root)
    result = invoke("run", "base", "--out", str(tmp_path / "way" / "scenarios"))
    assert result.exit_code == 2
    assert "it is a folder of input files" in result.stderr
    assert sorted(p.name for p in small.path("scenarios").iterdir()) == ["base.yaml", "high.yaml"]


def test_a_loop_of_symlinks_in_the_path_is_refused(small):
    small.path("loop").symlink_to("loop")
    result = invoke("run", "base", "--out", "loop/base")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --out loop/base: cannot follow the path: ")


def test_a_missing_parent_is_refused_rather_than_created(small):
    result = invoke("run", "base", "--out", "typo/base")
    assert result.exit_code == 2
    assert result.stderr == (f"error: --out typo/base: the folder {small.root}/typo does not exist; create it first, "
                             "or give a folder whose parent exists\n")
    assert not small.path("typo").exists()


def test_the_default_outputs_folder_is_created(small):
    assert not small.path("outputs").exists()
    assert invoke("run", "base").exit_code == 0
    # and the report's JavaScript kept beside the run folders (model.io.bundle_cache)
    assert sorted(p.name for p in small.path("outputs").iterdir()) == [".cache", "base"]


def test_a_file_in_the_way_is_refused(small):
    small.write("base.txt", "mine")
    result = invoke("run", "base", "--out", "base.txt")
    assert result.exit_code == 2
    assert result.stderr == (f"error: --out base.txt: refusing to replace {small.root}/base.txt: it is a file, not a "
                             "folder; give a new or empty folder, or outputs/<name>\n")
    assert small.path("base.txt").read_text() == "mine"


@pytest.mark.parametrize("command", [
    ["sensitivity", "base"], ["compare", "base", "high"], ["diff", "{a}", "{b}"], ["schema"],
    ["discover", "base", "--event", "alpha leads capex 2026"],
])
def test_every_writing_command_refuses_the_inputs(small, tmp_path, command):
    a, b = tmp_path / "a", tmp_path / "b"
    for side in (a, b):
        (side / "assumptions").mkdir(parents=True)
        (side / "scenarios").mkdir()
        for folder in ("assumptions", "scenarios"):
            for path in small.path(folder).iterdir():
                (side / folder / path.name).write_bytes(path.read_bytes())
    before = snapshot(small.root)
    result = invoke(*(c.format(a=a, b=b) for c in command), "--out", "scenarios")
    assert result.exit_code == 2, result.output
    verb = "write into" if command == ["schema"] else "replace"
    assert result.stderr.startswith(f"error: --out scenarios: refusing to {verb} {small.root}/scenarios: ")
    assert snapshot(small.root) == before


# ------------------------------------------------------------------------------------------ what may be replaced
def test_a_run_folder_is_replaced_whole(small, tmp_path):
    out = tmp_path / "run"
    assert invoke("run", "base", "--out", str(out)).exit_code == 0
    (out / "my-notes.txt").write_text("not kept, as the README says")
    assert invoke("run", "high", "--out", str(out)).exit_code == 0
    assert not (out / "my-notes.txt").exists()
    manifest = json.loads((out / "manifest.json").read_text())
    assert (manifest["tool"], manifest["command"], manifest["scenario"]) == ("scenario", "run", "high")


def test_run_folders_of_the_previous_version_are_still_replaced(small):
    legacy_run = small.path("outputs/base")
    legacy_run.mkdir(parents=True)
    legacy_run.joinpath("manifest.json").write_text(json.dumps(
        {"scenario": "base", "inputs": [], "outputs": [], "versions": {"scenario": "0.1.0"}}))
    legacy_diff = small.path("outputs/diff")
    (legacy_diff / "charts").mkdir(parents=True)
    for name in ("review.md", "review.json", "charts/waterfall-base.svg"):
        legacy_diff.joinpath(name).write_text("old")
    assert invoke("run", "base").exit_code == 0
    assert invoke("run", "base", "--out", str(legacy_diff)).exit_code == 0
    assert json.loads(legacy_run.joinpath("manifest.json").read_text())["tool"] == "scenario"


def test_a_manifest_of_another_tool_does_not_make_a_run_folder(small, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    other.joinpath("manifest.json").write_text(json.dumps({"tool": "webpack", "files": []}))
    assert invoke("run", "base", "--out", str(other)).exit_code == 2


def test_diff_writes_a_manifest_that_marks_its_folder(small, tmp_path):
    result = invoke("diff", str(small.root), str(small.root), "--out", str(tmp_path / "review"))
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "review" / "manifest.json").read_text())
    assert (manifest["tool"], manifest["command"]) == ("scenario", "diff")
    assert "assumptions/alpha.yaml" in [i["path"] for i in manifest["inputs"]]


def test_manifest_paths_outside_the_project_are_relative_to_it(small, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for path in small.path("assumptions").iterdir():
        (elsewhere / path.name).write_bytes(path.read_bytes())
    assert invoke("run", "base", "--assumptions", str(elsewhere)).exit_code == 0
    paths = [i["path"] for i in json.loads(small.path("outputs/base/manifest.json").read_text())["inputs"]]
    assert paths[0] == "scenarios/base.yaml" and "../elsewhere/alpha.yaml" in paths
    assert not any(p.startswith("/") for p in paths)


# -------------------------------------------------------------------------------------- failures while writing
def test_a_read_only_folder_gives_one_line_and_keeps_the_earlier_outputs(small):
    assert invoke("run", "base").exit_code == 0
    outputs = small.path("outputs")
    before = snapshot(outputs)
    with mounted("-o", "bind,ro", str(outputs), target=outputs):
        result = invoke("run", "base")
    assert result.exit_code == 1
    assert result.stderr == "error: cannot write outputs/base: Read-only file system\n"
    assert snapshot(outputs) == before


def test_a_full_disk_gives_one_line_leaves_no_debris_and_keeps_the_earlier_outputs(small, tmp_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    with mounted("-t", "tmpfs", "-o", "size=96k", "tmpfs", target=disk):
        write_folder(disk / "base", {"projection.csv": "earlier\n"}, command="run")
        before = snapshot(disk)
        result = invoke("run", "base", "--out", str(disk / "base"))
        after = snapshot(disk)
    assert result.exit_code == 1
    assert result.stderr == f"error: cannot write {disk}/base: No space left on device\n"
    assert after == before


def test_a_schema_file_the_tool_did_not_make_is_not_replaced(small):
    assert invoke("schema").exit_code == 0
    small.write("schemas/fx.schema.json", '{"mine": true}\n')
    result = invoke("schema")
    assert result.exit_code == 2
    assert result.stderr == (f"error: schemas: refusing to replace {small.root}/schemas/fx.schema.json: it is not a "
                             "schema written by scenario; move it away, or give another folder\n")
    assert small.path("schemas/fx.schema.json").read_text() == '{"mine": true}\n'
    small.path("schemas/fx.schema.json").unlink()
    assert invoke("schema").exit_code == 0  # its own files are rewritten
    assert invoke("schema").exit_code == 0


def test_set_on_a_read_only_folder_gives_one_line(small):
    folder = small.path("assumptions")
    before = snapshot(folder)
    with mounted("-o", "bind,ro", str(folder), target=folder):
        result = invoke("set", "beta.ai_chips.share_of_capex", "0.4", "--source", "beta-press", "--excerpt", "40%")
    assert result.exit_code == 1
    assert result.stderr == "error: cannot write assumptions/beta.yaml: Read-only file system\n"
    assert snapshot(folder) == before


def test_debris_of_a_killed_run_is_removed_by_the_next(small):
    outputs = small.path("outputs")
    for name in (".base.new-k1ll3d", ".base.old-0ld0ld", ".high.new-other"):
        (outputs / name).mkdir(parents=True)
        (outputs / name / "projection.csv").write_text("half")
    assert invoke("run", "base").exit_code == 0
    assert sorted(p.name for p in outputs.iterdir()) == [".cache", ".high.new-other", "base"]  # another name's is left


def test_an_interrupt_while_writing_leaves_the_earlier_outputs_and_no_staging(small, monkeypatch):
    assert invoke("run", "base").exit_code == 0
    before = snapshot(small.path("outputs"))

    def interrupted(self, data):
        raise KeyboardInterrupt

    monkeypatch.setattr(Path, "write_bytes", interrupted)
    result = invoke("run", "base")
    assert result.exit_code == 130
    assert result.stderr == "interrupted; nothing was written\n"
    assert snapshot(small.path("outputs")) == before


WRITER = """
import sys
from pathlib import Path
from model.io.outputs import write_folder
for n in range(int(sys.argv[2])):
    write_folder(Path(sys.argv[1]), {"projection.csv": f"{sys.argv[3]} {n}\\n", "charts/x.svg": "<svg/>"},
                 command="run")
"""


def test_two_processes_writing_one_folder_both_succeed_and_leave_no_strays(tmp_path):
    target = tmp_path / "outputs" / "base"
    target.parent.mkdir()
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(target), "40", name], cwd=REPO,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE) for name in ("one", "two")]
    results = [(w.wait(timeout=120), w.stderr.read().decode()) for w in writers]
    assert results == [(0, ""), (0, "")]
    assert [p.name for p in target.parent.iterdir()] == ["base"]
    assert (target / "projection.csv").read_text() in {"one 39\n", "two 39\n"}


# ------------------------------------------------------------------------------------------------ no traceback
def failing(*args, **kwargs):
    raise ValueError("month must be in 1..12")


def test_a_bug_is_one_line_and_exit_3(small, monkeypatch):
    monkeypatch.setattr("model.analysis.projection.run", failing)
    result = invoke("run", "base")
    assert result.exit_code == 3
    assert result.stderr == ("error: this is a bug in scenario: ValueError: month must be in 1..12 (run with --debug "
                             "or SCENARIO_DEBUG=1 for the traceback)\n")
    assert not small.path("outputs").exists()


@pytest.mark.parametrize(("args", "env"), [(["--debug"], {}), ([], {"SCENARIO_DEBUG": "1"})])
def test_debug_shows_the_traceback(small, monkeypatch, args, env):
    monkeypatch.setattr("model.analysis.projection.run", failing)
    result = invoke(*args, "run", "base", env=env)
    assert result.exit_code == 3
    assert result.stderr.startswith("Traceback (most recent call last):\n")
    assert result.stderr.endswith("ValueError: month must be in 1..12\nerror: this is a bug in scenario: ValueError: "
                                  "month must be in 1..12 (run with --debug or SCENARIO_DEBUG=1 for the traceback)\n")


def test_an_os_error_while_reading_names_the_file(small, monkeypatch):
    def unreadable(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(small.path("assumptions/alpha.yaml")))

    monkeypatch.setattr("model.cli.run.load_inputs", unreadable)
    result = invoke("run", "base")
    assert result.exit_code == 1
    assert result.stderr == "error: assumptions/alpha.yaml: Permission denied\n"


def test_typer_usage_errors_keep_exit_2(small):
    assert invoke("run").exit_code == 2
    assert invoke("--no-such-option").exit_code == 2


def test_the_console_script_never_prints_a_traceback(small):
    result = subprocess.run([sys.executable, "-c", "from model.cli import main; main()", "run", "base", "--draws",
                             "0"], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 2 and "Traceback" not in result.stderr


# ------------------------------------------------------------------------------------------------- size requests
def test_draws_beyond_the_ceiling_are_refused_before_any_work(small, monkeypatch):
    monkeypatch.setattr("model.analysis.projection.run", failing)  # the projection must not start
    result = invoke("run", "base", "--draws", str(10**12))
    assert result.exit_code == 2
    assert result.stderr == ("error: --draws 1,000,000,000,000 is above the ceiling of 1,000,000,000 draws (about 20 "
                             "minutes at the measured 750,000 draws a second, and the most points a Sobol' sequence "
                             "gives); the most this machine can do is --draws 1,000,000,000\n")
    assert invoke("backtest", "base", "--draws", str(10**12)).exit_code == 2


def test_draws_beyond_a_small_machine_s_memory_are_refused(small, monkeypatch):
    monkeypatch.setattr(resources, "available_memory", lambda: 2**27)
    ceiling = resources.max_draws(2, 3, memory=2**27)
    assert 0 < ceiling < resources.MAX_DRAWS
    assert resources.draws_bytes(ceiling, 2, 3) <= 0.8 * 2**27 < resources.draws_bytes(ceiling + 2**15, 2, 3)
    result = invoke("run", "base", "--draws", str(resources.MAX_DRAWS))
    assert result.exit_code == 2
    assert result.stderr.endswith(f"128.0 MB available); the most this machine can do is --draws {ceiling:,}\n")


def test_sobol_samples_beyond_the_machine_are_refused_with_the_largest_it_can_do(small, monkeypatch):
    monkeypatch.setattr(resources, "available_memory", lambda: 2**34)
    k = len(load_inputs(small.path("scenarios/base.yaml")).resolved)
    ceiling = resources.max_samples(k, 2, 3, memory=2**34)
    result = invoke("sensitivity", "base", "--method", "sobol", "--samples", str(2**40))
    assert result.exit_code == 2
    assert result.stderr == (f"error: --samples 1,099,511,627,776 is {2**40 * (k + 2):,} runs of the model ({k} "
                             "assumptions + 2), above the ceiling of 1,000,000,000 (about 20 minutes); the most this "
                             f"machine can do is --samples {ceiling:,}\n")
    monkeypatch.setattr(resources, "available_memory", lambda: 2**28)
    result = invoke("sensitivity", "base", "--method", "sobol", "--samples", str(2**22))
    assert result.exit_code == 2
    assert "more than this machine's memory holds" in result.stderr
    assert result.stderr.endswith(f"the most this machine can do is --samples {resources.max_samples(k, 2, 3, 2**28):,}\n")


def test_the_sobol_memory_estimate_bounds_what_the_analysis_allocates(small):
    from model.analysis.methods.sobol import sobol
    from model.io.loading import load_inputs

    inputs = load_inputs(small.path("scenarios/base.yaml"))
    samples = 2**13
    tracemalloc.start()
    try:
        sobol(inputs, samples=samples)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    estimate = resources.sobol_bytes(samples, len(inputs.resolved), len(inputs.companies), len(inputs.scenario.years))
    assert peak <= estimate <= 3 * peak
