"""Where a project's files are: its root, its scenarios by name, and the assumption files beside them."""

from __future__ import annotations

import stat
from pathlib import Path

from model.errors import UsageError, suggest

SOURCES_FILE = "sources.yaml"
FX_FILE = "fx.yaml"
MARKET_FILE = "market.yaml"
RESERVED_FILES = {SOURCES_FILE, FX_FILE, MARKET_FILE}


def find_project_root(start: Path | None = None) -> Path:
    """The nearest folder at or above `start` holding both scenarios/ and assumptions/."""
    start = (start or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if (folder / "scenarios").is_dir() and (folder / "assumptions").is_dir():
            return folder
    raise UsageError(f"no scenarios/ and assumptions/ folders found at or above {start}")


def find_scenario(name: str, root: Path | None = None) -> Path:
    """A scenario file from a path, or a bare name (with or without .yaml) looked up in scenarios/.

    A path the user typed is theirs to name, but it must be a regular file (a FIFO would hang the read)."""
    path = Path(name)
    bare = path.parent == Path(".")
    if bare:
        try:
            scenarios = find_project_root(root) / "scenarios"
        except UsageError:
            scenarios = None
        candidate = scenarios / f"{path.name.removesuffix('.yaml')}.yaml" if scenarios else None
        if candidate is not None and candidate.exists():  # read_yaml refuses it if it is not a regular file
            return candidate
    try:
        mode = path.stat().st_mode
    except OSError:
        mode = None
    if mode is not None and stat.S_ISREG(mode):
        return path
    if mode is not None and (not bare or path.suffix == ".yaml"):
        raise UsageError(f"scenario '{name}' is not a regular file")
    scenarios = find_project_root(root) / "scenarios"
    raise UsageError(f"unknown scenario '{name}'; {suggest(path.stem, scenario_names(scenarios))}")


def assumptions_for(scenario_path: Path) -> Path:
    """The assumptions folder beside the scenario's folder (scenarios/../assumptions)."""
    return scenario_path.resolve().parent.parent / "assumptions"


def scenario_names(directory: Path) -> list[str]:
    return sorted(p.stem for p in directory.glob("*.yaml"))


def company_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob("*.yaml") if p.name not in RESERVED_FILES)
