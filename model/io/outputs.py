"""Run folders: the manifest of a run's inputs and environment, and safe, all-or-nothing writes of a folder or a
file that never replace what the tool did not make."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import platform
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from model.errors import Problem, ScenarioError, UsageError, display_path
from model.format import to_json

PACKAGES = ("scenario", "numpy", "pandas", "pydantic", "typer", "altair", "scipy", "ruamel.yaml",
            "vl-convert-python", "rich", "XlsxWriter")
TOOL = "scenario"
# The commands that write a folder; each run folder's manifest names the one that wrote it.
COMMANDS = ("run", "sensitivity", "compare", "backtest", "diff", "discover")
MANIFEST = "manifest.json"
# A manifest is a few kilobytes; a larger file of that name is not one of ours, and is not read whole.
MANIFEST_MAX_BYTES = 10 * 2**20
# Before run folders carried `tool`, a manifest was recognised by these keys (and versions["scenario"]).
LEGACY_MANIFEST_KEYS = frozenset({"scenario", "inputs", "outputs", "versions"})
# Before diff folders carried a manifest, they held only these files and charts/waterfall-*.
LEGACY_DIFF_FILES = frozenset({"review.md", "review.json"})
INPUT_FOLDERS = ("assumptions", "scenarios")


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


def project_path(path: Path, root: Path) -> str:
    """`path` relative to the project `root`, in POSIX form; a file outside the project (named on the command line)
    gets `..` steps rather than an absolute path, so a manifest names no folder of the analyst's machine."""
    return Path(os.path.relpath(path.resolve(), root.resolve())).as_posix()


def manifest(*, scenario: str | None, chain: Iterable[str], files: Iterable[Path], root: Path,
             settings: Mapping[str, Any], outputs: Iterable[str], command: str = "run",
             problems: Sequence[Problem] = ()) -> dict[str, Any]:
    """What a run used and made: the tool and command that wrote it (the marker of a run folder), inputs with their
    sha256, whether they pass validation's source audit (and what fails it), settings (seed, draws...), versions,
    git commit."""
    return {
        "inputs_valid": not problems,
        "input_problems": [str(p) for p in problems],
        "tool": TOOL,
        "command": command,
        "scenario": scenario,
        "extends": list(chain)[1:],
        "inputs": [{"path": project_path(p, root), "sha256": sha256(p)} for p in files],
        "settings": dict(settings),
        "outputs": sorted(outputs),
        "versions": package_versions(),
        "git": git_state(root),
    }


# ------------------------------------------------------------------------------------------- where a write may go
def read_json_object(path: Path) -> dict[str, Any] | None:
    """The JSON object in a manifest or schema file the tool may have written, or None: a symlink, a file over the
    size limit, unreadable or not a JSON object is never taken for one of the tool's."""
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > MANIFEST_MAX_BYTES:
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _manifest_marks_a_run(path: Path) -> bool:
    data = read_json_object(path)
    if data is None:
        return False
    if "tool" in data:
        return data["tool"] == TOOL
    versions = data.get("versions")
    return LEGACY_MANIFEST_KEYS <= data.keys() and isinstance(versions, dict) and TOOL in versions


def _legacy_diff_folder(folder: Path) -> bool:
    entries = {entry.name: entry for entry in folder.iterdir()}
    if not LEGACY_DIFF_FILES <= entries.keys() or not entries.keys() <= LEGACY_DIFF_FILES | {"charts"}:
        return False
    if any(entries[name].is_symlink() or not entries[name].is_file() for name in LEGACY_DIFF_FILES):
        return False
    charts = entries.get("charts")
    if charts is None:
        return True
    return (not charts.is_symlink() and charts.is_dir()
            and all(c.name.startswith("waterfall-") and c.is_file() and not c.is_symlink() for c in charts.iterdir()))


def is_run_folder(folder: Path) -> bool:
    """Whether `folder` is the tool's own: its manifest.json names the tool (or is a manifest of the version before
    the marker), or it is a diff folder of that version (review.md, review.json, charts/waterfall-*)."""
    return _manifest_marks_a_run(folder / MANIFEST) or _legacy_diff_folder(folder)


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _protected(root: Path | None, inputs: Iterable[Path]) -> tuple[list[Path], list[Path]]:
    """(project roots, input folders), resolved: the projects of `root` and of the working directory, and the
    folders of every input file read (an input given as a folder counts as one)."""
    from model.io.project import find_project_root

    roots = [root.resolve()] if root is not None else []
    with contextlib.suppress(ScenarioError, OSError):
        roots.append(find_project_root())
    folders = [r / name for r in roots for name in INPUT_FOLDERS]
    for path in inputs:
        with contextlib.suppress(OSError):
            resolved = path.resolve()
            folders.append(resolved if resolved.is_dir() else resolved.parent)
    return list(dict.fromkeys(roots)), list(dict.fromkeys(folders))


def _refusal(folder: Path, roots: list[Path], input_folders: list[Path]) -> str | None:
    """Why `folder` (resolved) may never be replaced or written into, or None."""
    if folder == Path(folder.anchor):
        return "it is the root of the file system"
    for root in roots:
        if _inside(root, folder):
            return (f"it holds the project {root}" if root != folder else "it is the project's root folder")
        if folder == root / "outputs":
            return "it is the project's outputs/ folder, which holds every run folder"
    for inputs in input_folders:
        if _inside(inputs, folder):
            return f"it holds input files ({inputs})" if inputs != folder else "it is a folder of input files"
        # below assumptions/ or scenarios/, a run folder would sit among the inputs (a folder elsewhere that
        # merely holds an input named on the command line, such as an actuals file, may hold run folders)
        if _inside(folder, inputs) and _is_input_folder(inputs):
            return f"it is inside a folder of input files ({inputs})"
    return None


def _is_input_folder(folder: Path) -> bool:
    return folder.name in INPUT_FOLDERS or (folder / "sources.yaml").is_file() or any(
        parent.name in INPUT_FOLDERS for parent in folder.parents)


def _replaceable(folder: Path, held: bool) -> bool:
    """Whether `folder` is absent, empty or a run folder, read under the parent's lock (taken here unless `held`),
    so that a concurrent writer's swap is never seen half done."""
    if not folder.parent.is_dir():
        return True
    with contextlib.nullcontext() if held else locked(folder.parent):
        return not folder.is_dir() or not any(folder.iterdir()) or is_run_folder(folder)


def destination(folder: Path, *, root: Path | None = None, inputs: Iterable[Path] = (), named: bool = True,
                option: str = "--out", replaces: bool = True, held: bool = False) -> Path:
    """The resolved folder a command may write to, or a UsageError saying why not and what to do.

    Refused: a symlink, `/`, a project's root or any folder above it, outputs/ itself, a folder that holds or lies
    inside a folder of input files, a file in the way, and (when `replaces`, as a run folder is replaced whole) an
    existing folder that is neither empty nor a run folder. A folder the user `named` must have an existing
    parent, so that a typo does not create a tree; the default outputs/<name> may create outputs/. `held`: the
    caller holds the parent's lock already.
    """
    shown = f"{option} {folder}" if named else display_path(folder)
    if folder.is_symlink():
        raise UsageError(f"{shown}: refusing to write through a symbolic link (to {folder.resolve()}); give the "
                         f"folder itself, or a new folder")
    try:
        resolved = folder.resolve()
    except (OSError, RuntimeError) as error:  # a loop of symbolic links
        raise UsageError(f"{shown}: cannot follow the path: {getattr(error, 'strerror', None) or error}") from None
    roots, input_folders = _protected(root, inputs)
    why = _refusal(resolved, roots, input_folders)
    if why is not None:
        what = "a new or empty folder, or outputs/<name>" if replaces else "a new or empty folder"
        raise UsageError(f"{shown}: refusing to {'replace' if replaces else 'write into'} {resolved}: {why}; "
                         f"give {what}")
    if resolved.exists() and not resolved.is_dir():
        raise UsageError(f"{shown}: refusing to replace {resolved}: it is a file, not a folder; give a new or empty "
                         f"folder, or outputs/<name>")
    if not resolved.parent.is_dir() and (named or not resolved.parent.parent.is_dir()):
        raise UsageError(f"{shown}: the folder {resolved.parent} does not exist; create it first, or give a folder "
                         f"whose parent exists")
    if replaces and not _replaceable(resolved, held):
        raise UsageError(f"{shown}: refusing to replace {resolved}: it is not a run folder of {TOOL} (it holds files "
                         f"the tool did not make); give an empty or new folder, or outputs/<name>")
    return resolved


# ---------------------------------------------------------------------------------------------------------- writes
def cannot_write(path: Path, error: OSError) -> ScenarioError:
    """One line for a failed write (a full disk, a read-only folder...): what could not be written, and why."""
    return ScenarioError(f"cannot write {display_path(path)}: {error.strerror or error}")


@contextlib.contextmanager
def locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on `folder` itself (flock on its descriptor): no lock file to leave behind, and the
    lock dies with the process that holds it."""
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # releases the lock


def _remove_debris(folder: Path) -> None:
    """Staging and retired folders of `folder` left by a killed write; only called under the parent's lock, when no
    live write of this name can own them."""
    for prefix in (f".{folder.name}.new-", f".{folder.name}.old-"):
        for debris in folder.parent.glob(f"{glob_escape(prefix)}*"):
            if debris.is_dir() and not debris.is_symlink():
                shutil.rmtree(debris, ignore_errors=True)


def glob_escape(text: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in text)


def write_run(folder: Path, files: Mapping[str, str | bytes], *, command: str, scenario: str | None,
              chain: Iterable[str], inputs: Iterable[Path], root: Path, settings: Mapping[str, Any],
              named: bool = True, problems: Sequence[Problem] = ()) -> Path:
    """Write `files` and their manifest.json (listing itself among the outputs) as the whole of `folder`; `inputs`
    are the files read, shown relative to `root`, and never replaced (see `destination`); `problems`, what the
    source audit rejects in them, go into the manifest. Returns the folder."""
    inputs = list(inputs)
    listed = manifest(scenario=scenario, chain=chain, files=inputs, root=root, settings=settings,
                      outputs=[*files, MANIFEST], command=command, problems=problems)
    return write_folder(folder, {**files, MANIFEST: to_json(listed)}, command=command, root=root, inputs=inputs,
                        named=named)


def write_folder(folder: Path, files: Mapping[str, str | bytes], *, command: str, root: Path | None = None,
                 inputs: Iterable[Path] = (), named: bool = True) -> Path:
    """Write `files` (relative path -> content) as the whole of `folder`, replacing what was there, when
    `destination` allows it; a folder without a manifest among `files` gets one naming `command`, so that the next
    write knows it for the tool's own.

    Everything is written into a staging sibling (.<name>.new-*) and swapped in by renames under a lock on the
    parent, so a failure or a kill at any point leaves the previous folder as it was, concurrent writers take
    turns (the last one wins), and the next write removes a killed write's debris. Returns the folder.
    """
    if command not in COMMANDS:
        raise ValueError(f"unknown command {command!r}; valid: {', '.join(COMMANDS)}")
    files = dict(files) if MANIFEST in files else {**files, MANIFEST: to_json({"tool": TOOL, "command": command})}
    inputs = list(inputs)
    target = destination(folder, root=root, inputs=inputs, named=named)
    try:
        if not named:
            target.parent.mkdir(exist_ok=True)  # the default outputs/ of a project
        with locked(target.parent):
            # checked again under the lock: another writer may have made or replaced the folder meanwhile
            destination(target, root=root, inputs=inputs, named=named, held=True)
            _remove_debris(target)
            _swap_in(target, files)
    except OSError as error:
        raise cannot_write(target, error) from None
    return target


def _swap_in(folder: Path, files: Mapping[str, str | bytes]) -> None:
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.new-", dir=folder.parent))
    retired: Path | None = None
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
        staging.rename(folder)
    except BaseException:  # an interrupt too: put the previous folder back and leave no staging
        if retired is not None and not folder.exists():
            retired.rename(folder)
            retired = None
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        if retired is not None:
            shutil.rmtree(retired, ignore_errors=True)


def write_atomically(path: Path, text: str) -> None:
    """Replace `path` with `text` in one step: a reader sees the old file or the new one, never half of either.
    A failure (a full disk, a read-only folder) leaves the file as it was, no temporary file, and one line."""
    temporary: str | None = None
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        if path.exists():
            shutil.copymode(path, temporary)
        else:  # mkstemp makes the file private; a new file gets the usual permissions
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException as error:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        if isinstance(error, OSError):
            raise cannot_write(path, error) from None
        raise


def is_own_schema(path: Path, titles: Iterable[str], dialect: str) -> bool:
    """Whether the file at `path` is a JSON Schema the tool wrote: an object naming `dialect` with one of `titles`."""
    data = read_json_object(path)
    return data is not None and data.get("$schema") == dialect and data.get("title") in set(titles)


def write_schemas(folder: Path, files: Mapping[str, str], *, titles: Iterable[str], dialect: str,
                  root: Path | None, named: bool = True) -> Path:
    """Write each schema file into `folder` (created when absent), leaving its other files alone; an existing file
    of the same name is replaced only when it is a schema the tool wrote. Returns the folder."""
    target = destination(folder, root=root, named=named, replaces=False)
    titles = list(titles)
    shown = f"--out {folder}" if named else display_path(folder)
    for name in files:
        existing = target / name
        if existing.is_symlink() or (existing.exists() and not is_own_schema(existing, titles, dialect)):
            raise UsageError(f"{shown}: refusing to replace {existing}: it is not a schema written by {TOOL}; move "
                             f"it away, or give another folder")
    try:
        target.mkdir(exist_ok=True)
    except OSError as error:
        raise cannot_write(target, error) from None
    for name, text in files.items():
        write_atomically(target / name, text)
    return target

