"""What `scenario compare` compares: each name found as a scenario (run afresh, one draw) or a run folder under
outputs/ (read back), checked and loaded into the sides of a `Comparison`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pandas as pd

from model.analysis.audit import audit_inputs
from model.analysis.compare import RUN_FOLDER, SCENARIO, Comparison, Side, check_currencies, comparison, folder_name
from model.analysis.projection import run, tidy_headline
from model.errors import InputError, Problem, UsageError, display_path
from model.io.loading import load_inputs
from model.io.outputs import project_path, read_json_object
from model.io.project import find_project_root, find_scenario, scenario_names

RUN_FILES = ("projection.csv", "manifest.json")


def locate(name: str) -> tuple[str, Path]:
    """What `name` means: (SCENARIO, scenario file) for a scenario name or path, else (RUN_FOLDER, folder) for a
    folder path or a folder under outputs/. A name that is both a scenario and a run folder means the scenario."""
    try:
        return SCENARIO, find_scenario(name)
    except UsageError:
        pass
    path = Path(name)
    try:
        root: Path | None = find_project_root()
    except UsageError:
        root = None
    candidates = [path]
    if root is not None and path.parent == Path("."):
        candidates.append(root / "outputs" / path.name)
    for folder in candidates:
        if folder.is_dir():
            absent = [f for f in RUN_FILES if not (folder / f).is_file()]
            if absent:
                raise UsageError(f"{display_path(folder)} is not a run folder: it has no {' or '.join(absent)}")
            return RUN_FOLDER, folder
    scenarios = ", ".join(scenario_names(root / "scenarios")) if root else "none (no project found)"
    runs = ", ".join(run_folders(root / "outputs")) if root else ""
    raise UsageError(f"unknown scenario or run folder '{name}'; scenarios: {scenarios}; run folders in outputs/: "
                     f"{runs or 'none'}")


def run_folders(directory: Path) -> list[str]:
    """The names of the run folders (those with a projection.csv and a manifest.json) in `directory`."""
    if not directory.is_dir():
        return []
    return sorted(p.name for p in directory.iterdir() if p.is_dir() and all((p / f).is_file() for f in RUN_FILES))


def read_run_folder(folder: Path) -> pd.DataFrame:
    """A run folder's projection.csv as a tidy frame; InputError when it is not a run's projection."""
    path = folder / "projection.csv"
    shown = display_path(path)
    try:
        frame = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise InputError([Problem(shown, None, "", f"not a readable CSV ({error})")]) from None
    try:
        tidy_headline(frame)
    except ValueError as error:
        raise InputError([Problem(shown, None, "", f"not a run's projection: {error}")]) from None
    return frame


def load_side(name: str, assumptions: Path | None = None) -> Side:
    """Run the scenario `name` means (one draw, every assumption at its value), or read the run folder it means."""
    kind, path = locate(name)
    if kind == RUN_FOLDER:
        return Side(path.name, kind, path, read_run_folder(path), tuple(path / f for f in RUN_FILES),
                    problems=unaudited_run(path))
    inputs = load_inputs(path, assumptions)
    frame = run(inputs).tidy()
    return Side(inputs.scenario.name, kind, path, frame, inputs.files, inputs.warnings, audit_inputs(inputs),
                as_of=inputs.scenario.as_of)


def unaudited_run(folder: Path) -> tuple[Problem, ...]:
    """A warning when a run folder's manifest says its inputs failed validation (nothing for older manifests)."""
    path = folder / "manifest.json"
    data = read_json_object(path)  # (read_run_folder and locate judge the folder; this reads what it says)
    if data is None or data.get("inputs_valid") is not False:
        return ()
    count = len(data.get("input_problems") or [])
    return (Problem(display_path(path), None, "inputs_valid",
                    f"{display_path(folder)} was made from inputs that fail validation ({count} problem"
                    f"{'s' * (count != 1)}, listed in its manifest)", "warning"),)


def load_sides(names: Sequence[str], assumptions: Path | None = None) -> list[Side]:
    """Every side of a comparison, checked: at least two, none given twice, one reporting currency; a run folder
    named like a scenario being compared is labelled '<name>-run'. A warning about the files two scenarios share is
    kept by the first only."""
    if len(names) < 2:
        raise UsageError(f"compare needs at least two scenarios or run folders; got {len(names)}")
    sides: list[Side] = []
    for name in names:
        side = load_side(name, assumptions)
        for other in sides:
            if other.path.resolve() == side.path.resolve():
                raise UsageError(f"'{name}' is given twice ({display_path(side.path)})")
        seen = {warning for other in sides for warning in (*other.warnings, *other.problems)}
        sides.append(replace(side, warnings=tuple(w for w in side.warnings if w not in seen),
                             problems=tuple(p for p in side.problems if p not in seen)))
    scenarios = {side.label for side in sides if side.kind == SCENARIO}
    sides = [
        replace(side, label=f"{side.label}-run") if side.kind == RUN_FOLDER and side.label in scenarios else side
        for side in sides
    ]
    labels = [side.label for side in sides]
    if repeated := sorted({label for label in labels if labels.count(label) > 1}):
        raise UsageError(f"two inputs are both named '{repeated[0]}'; compare one of them under another name")
    check_currencies(sides)
    return sides


def project_root_or_cwd() -> Path:
    """The project holding the working directory, or the working directory when run folders are compared outside a
    project."""
    try:
        return find_project_root()
    except UsageError:
        return Path.cwd()


def described(sides: Sequence[Side], root: Path) -> list[dict[str, str]]:
    """Each side's label, kind and path (relative to `root`, with `..` steps outside it), for the manifest."""
    return [{"label": side.label, "kind": side.kind, "path": project_path(side.path, root)} for side in sides]


def compare(names: Sequence[str], assumptions: Path | None = None) -> Comparison:
    """Compare the scenarios or run folders `names` (see `load_sides`), the first the reference."""
    sides = load_sides(names, assumptions)
    root = project_root_or_cwd()
    return Comparison(folder_name([side.label for side in sides]), tuple(sides),
                      comparison({side.label: side.frame for side in sides}), root,
                      tuple(described(sides, root)))
