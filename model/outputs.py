"""Run folders: the manifest of a run's inputs and environment, and all-or-nothing writes of a folder or a file."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from model.errors import ScenarioError

if TYPE_CHECKING:
    import pandas as pd

PACKAGES = ("scenario", "numpy", "pandas", "pydantic", "typer", "altair", "scipy", "ruamel.yaml",
            "vl-convert-python", "rich")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def git_state(root: Path) -> dict[str, Any] | None:
    """The commit of the repository holding `root`, and whether its inputs differ from it; None outside git."""
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=True,
                              timeout=10).stdout.strip()

    try:
        commit = git("rev-parse", "HEAD")
        changed = git("status", "--porcelain", "--", "assumptions", "scenarios")
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": commit, "inputs_modified": bool(changed)}


def manifest(*, scenario: str, chain: Iterable[str], files: Iterable[Path], root: Path, settings: Mapping[str, Any],
             outputs: Iterable[str]) -> dict[str, Any]:
    """What a run used and made: inputs with their sha256, settings (seed, draws...), versions, git commit."""
    def shown(path: Path) -> str:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            return str(path.resolve())

    return {
        "scenario": scenario,
        "extends": list(chain)[1:],
        "inputs": [{"path": shown(p), "sha256": sha256(p)} for p in files],
        "settings": dict(settings),
        "outputs": sorted(outputs),
        "versions": package_versions(),
        "git": git_state(root),
    }


def to_json(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def to_csv(frame: pd.DataFrame) -> str:
    # Shortest round-trip float repr: the same numbers always give the same bytes.
    return frame.to_csv(index=False, lineterminator="\n")


def write_run(folder: Path, files: Mapping[str, str | bytes], *, scenario: str, chain: Iterable[str],
              inputs: Iterable[Path], root: Path, settings: Mapping[str, Any]) -> None:
    """Write `files` and their manifest.json (listing itself among the outputs) as the whole of `folder`; `inputs`
    are the files read, shown relative to `root`."""
    listed = manifest(scenario=scenario, chain=chain, files=inputs, root=root, settings=settings,
                      outputs=[*files, "manifest.json"])
    write_folder(folder, {**files, "manifest.json": to_json(listed)})


def write_folder(folder: Path, files: Mapping[str, str | bytes]) -> None:
    """Write `files` (relative path -> content) as the whole of `folder`, replacing what was there.

    Everything is written into a temporary sibling first and swapped in by renames, so a failure at any point
    leaves the previous folder as it was.
    """
    folder = folder.resolve()
    if folder.exists() and not folder.is_dir():
        raise ScenarioError(f"cannot write the run to {folder}: a file of that name exists")
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.new-", dir=folder.parent))
    try:
        for relative, content in files.items():
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, str):
                path.write_text(content, encoding="utf-8", newline="\n")
            else:
                path.write_bytes(content)
        if folder.exists():
            retired = folder.with_name(f".{folder.name}.old-{uuid.uuid4().hex[:8]}")
            folder.rename(retired)
            try:
                staging.rename(folder)
            except OSError:
                retired.rename(folder)
                raise
            shutil.rmtree(retired, ignore_errors=True)
        else:
            staging.rename(folder)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def write_atomically(path: Path, text: str) -> None:
    """Replace `path` with `text` in one step: a reader sees the old file or the new one, never half of either."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        if path.exists():
            shutil.copymode(path, temporary)
        else:  # mkstemp makes the file private; a new file gets the usual permissions
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
