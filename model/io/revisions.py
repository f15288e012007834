"""The two sides of `scenario diff`: a project's input files at a git revision (exported to a temporary folder with
`git archive`), in the working tree, or in a folder, each loaded and checked. The only module that runs git.
"""

from __future__ import annotations

import dataclasses
import io
import subprocess
import tarfile
import tempfile
from pathlib import Path

from model.errors import InputError, Problem, UsageError, display_path
from model.io.loading import (
    AssumptionSet,
    Inputs,
    Located,
    Problems,
    load_assumptions,
    load_scenario,
    resolve_scenario,
)
from model.io.schema import ScenarioFile

WORKING_TREE = "working tree"
INPUT_FOLDERS = ("assumptions", "scenarios")
GIT_TIMEOUT_SECONDS = 60
NOT_A_REPOSITORY = ("not inside a git repository: there is no HEAD to compare with; to compare two project folders, "
                    "run scenario diff A_DIR B_DIR")


@dataclasses.dataclass(frozen=True)
class ProjectInputs:
    """One side of a review: a project's assumption set and every scenario, loaded, checked and resolved."""

    label: str  # "HEAD", "working tree", a revision as given, or a folder
    assumptions: AssumptionSet
    scenario_files: dict[str, tuple[ScenarioFile, Located]]  # each scenario file as written, by name
    scenarios: dict[str, Inputs]  # each scenario resolved (its `extends` chain and overrides applied), by name


def _git(folder: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", "-C", str(folder), *args], capture_output=True, timeout=GIT_TIMEOUT_SECONDS,
                              check=False)
    except FileNotFoundError:
        raise UsageError("git is not installed; to compare two project folders, run scenario diff A_DIR B_DIR") from None
    except subprocess.TimeoutExpired:
        raise UsageError(f"git {args[0]} took longer than {GIT_TIMEOUT_SECONDS} s") from None


def repository(project: Path) -> tuple[Path, str]:
    """The top folder of the git repository holding `project`, and `project`'s path inside it ("" or "sub/")."""
    found = _git(project, "rev-parse", "--show-toplevel", "--show-prefix")
    if found.returncode != 0:
        raise UsageError(NOT_A_REPOSITORY)
    top, prefix = [*found.stdout.decode().splitlines(), ""][:2]
    return Path(top), prefix


def commit_of(top: Path, revision: str) -> str:
    """The commit `revision` names (a hash, branch, tag, HEAD~1...); a UsageError when it names none."""
    if revision.startswith("-"):  # would be read as an option of git
        raise UsageError(f"unknown revision '{revision}'")
    found = _git(top, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}^{{commit}}")
    if found.returncode == 0:
        return found.stdout.decode().strip()
    if revision == "HEAD":
        raise UsageError("the repository has no commit yet, so there is no HEAD to compare with; commit the inputs "
                         "first, or compare two project folders: scenario diff A_DIR B_DIR")
    raise UsageError(f"unknown revision '{revision}'; give a commit, branch or tag, such as HEAD~1 or main")


def export(top: Path, prefix: str, revision: str, target: Path) -> Path:
    """Write the project's assumptions/ and scenarios/ as they are at `revision` under `target`; return the project
    folder there (target/prefix)."""
    commit = commit_of(top, revision)
    wanted = [f"{prefix}{name}" for name in INPUT_FOLDERS]
    listed = _git(top, "ls-tree", "--name-only", commit, "--", *wanted)
    present = set(listed.stdout.decode().splitlines())
    missing = [name for name in wanted if name not in present]
    if listed.returncode != 0 or missing:
        raise UsageError(f"{revision} has no {' and no '.join(f'{name}/' for name in missing or wanted)} to compare")
    archive = _git(top, "archive", "--format=tar", commit, "--", *wanted)
    if archive.returncode != 0:
        raise UsageError(f"git archive failed at {revision}: {archive.stderr.decode().strip()}")
    try:
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(target, filter="data")  # refuses absolute paths and links leaving the folder
    except tarfile.TarError as error:  # a committed symlink to /etc/passwd, say
        raise UsageError(f"the inputs at {revision} cannot be read safely: {error}") from None
    return target / prefix


def load_side(label: str, assumptions: Path, scenarios: Path, *, shown_as: tuple[Path, str] | None = None
              ) -> ProjectInputs:
    """Load an assumptions folder and every scenario in a scenarios folder, all checked and resolved.

    Any error raises InputError listing every problem; with `shown_as` = (folder, name), files under `folder` are
    named `name:path` (as git names a file at a revision: `HEAD:assumptions/alpha.yaml`) so the reader knows which
    side is at fault. Warnings are left to `scenario validate`.
    """
    problems = Problems()
    assumption_set = load_assumptions(assumptions, problems)
    files, loaded = {}, {}
    for path in sorted(scenarios.glob("*.yaml")):
        parsed = problems.parse(path, ScenarioFile)
        scenario = load_scenario(path, problems)
        if parsed is not None and scenario is not None:
            files[path.stem], loaded[path.stem] = parsed, scenario
    # as `load_inputs` does, scenarios are resolved only against files without errors: an invalid company file
    # would otherwise make every override of its keys an error too
    if not problems.errors and assumption_set is not None:
        resolved = {name: resolve_scenario(scenario, assumption_set, problems) for name, scenario in loaded.items()}
    if problems.errors or assumption_set is None:
        errors = problems.errors
        raise InputError([_renamed(p, shown_as) for p in errors] if shown_as else errors)
    return ProjectInputs(label, assumption_set, files, resolved)


def _renamed(problem: Problem, shown_as: tuple[Path, str]) -> Problem:
    folder, name = shown_as
    for prefix in {str(folder), display_path(folder)}:
        if problem.file.startswith(prefix + "/"):
            return dataclasses.replace(problem, file=f"{name}:{problem.file.removeprefix(prefix + '/')}")
    return problem


def at_revision(project: Path, revision: str) -> ProjectInputs:
    """The project's inputs as committed at `revision`."""
    top, prefix = repository(project)
    with tempfile.TemporaryDirectory(prefix="scenario-diff-") as temporary:
        root = export(top, prefix, revision, Path(temporary).resolve())
        return load_side(revision, root / "assumptions", root / "scenarios", shown_as=(root, revision))


def working_tree(project: Path) -> ProjectInputs:
    """The project's inputs as they are on disk."""
    return load_side(WORKING_TREE, project / "assumptions", project / "scenarios")


def from_folder(folder: Path, project: Path | None) -> ProjectInputs:
    """A folder's inputs: a project folder (holding assumptions/ and scenarios/), or an assumptions folder (holding
    sources.yaml), whose scenarios are then those of `project` (the project the command runs in)."""
    shown = display_path(folder)
    if not folder.is_dir():
        raise UsageError(f"{shown}: no such folder")
    if (folder / "assumptions").is_dir() and (folder / "scenarios").is_dir():
        return load_side(shown, folder / "assumptions", folder / "scenarios")
    if (folder / "sources.yaml").is_file():
        if project is None:
            raise UsageError(f"{shown} is an assumptions folder; run the command inside a project, whose scenarios/ "
                             "it then uses, or give two project folders")
        return load_side(shown, folder, project / "scenarios")
    raise UsageError(f"{shown}: neither a project folder (with assumptions/ and scenarios/) nor an assumptions folder "
                     "(with sources.yaml)")


def input_files(side: ProjectInputs) -> list[Path]:
    """The files a side was loaded from: its assumption files and scenario files (at a revision, exported copies)."""
    return [*side.assumptions.files, *(located.file for _, located in side.scenario_files.values())]


def sides(project: Path | None, *, base: str | None = None, head: str | None = None,
          folders: list[Path] | None = None) -> tuple[ProjectInputs, ProjectInputs]:
    """The base and head of a review: two folders, or two revisions of `project` (base default HEAD, head default
    the working tree)."""
    if folders:
        if base is not None or head is not None:
            raise UsageError("give either two folders or --base/--head revisions, not both")
        if len(folders) != 2:
            raise UsageError(f"give two folders to compare (A_DIR B_DIR), not {len(folders)}; or none to compare "
                             "the working tree with HEAD")
        return from_folder(folders[0], project), from_folder(folders[1], project)
    if project is None:
        raise UsageError("no scenarios/ and assumptions/ folders found here or above; run the command inside a "
                         "project, or give two project folders: scenario diff A_DIR B_DIR")
    repository(project)  # outside git, say so before anything else
    old = at_revision(project, base or "HEAD")
    new = working_tree(project) if head is None else at_revision(project, head)
    return old, new
