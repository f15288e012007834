"""Reading a project's inputs at a git revision (in temporary repositories made here) or from a folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from model.errors import InputError, UsageError
from model.io.revisions import WORKING_TREE, at_revision, from_folder, load_side, repository, sides, working_tree
from tests.conftest import SMALL, Project, at, committed, git


@pytest.fixture(autouse=True)
def isolated(isolated_git: None) -> None:
    """Every test here sees only the repositories it makes."""


def edit(path: Path, old: str, new: str) -> None:
    Project(path.parent).edit(path.name, old, new)


def growth(side) -> float:
    company = next(c for c in side.assumptions.companies if c.slug == "alpha")
    return company.assumptions["cloud.growth"].value.scalar


def test_a_revision_and_the_working_tree(tmp_path):
    root = committed(tmp_path / "repo")
    edit(root / "assumptions/alpha.yaml", "value: 0.1\n", "value: 0.2\n")
    head, now = at_revision(root, "HEAD"), working_tree(root)
    assert (head.label, now.label) == ("HEAD", WORKING_TREE)
    assert (growth(head), growth(now)) == (0.1, 0.2)
    assert sorted(head.scenarios) == sorted(head.scenario_files) == ["base", "high"]
    assert head.scenarios["high"].resolved["alpha.capex.plan_total"].assumption.value.scalar == 60


def test_two_commits_and_a_project_inside_a_subfolder_of_the_repository(tmp_path):
    top = tmp_path / "repo"
    top.mkdir()
    root = top / "models" / "small"
    shutil.copytree(SMALL, root)
    git(top, "init", "-q")
    git(top, "add", "-A")
    git(top, "commit", "-q", "-m", "first")
    edit(root / "assumptions/alpha.yaml", "value: 0.1\n", "value: 0.3\n")
    git(top, "commit", "-q", "-am", "second")
    assert repository(root) == (top.resolve(), "models/small/")
    assert growth(at_revision(root, "HEAD~1")) == 0.1
    assert growth(at_revision(root, "HEAD")) == 0.3
    old, new = sides(root, base="HEAD~1", head="HEAD")
    assert (old.label, new.label, growth(old), growth(new)) == ("HEAD~1", "HEAD", 0.1, 0.3)


def test_an_invalid_file_at_a_revision_is_named_with_the_revision(tmp_path):
    root = committed(tmp_path / "repo")
    edit(root / "assumptions/alpha.yaml", "confidence: high", "confidence: certain")
    git(root, "commit", "-q", "-am", "broken")
    with pytest.raises(InputError) as caught:
        at_revision(root, "HEAD")
    assert [str(p) for p in caught.value.problems] == [
        "HEAD:" + at("assumptions/alpha.yaml", "capex.plan_total.confidence", root) + ": 'certain' is not one of "
        "'high', 'medium' or 'low'",
    ]


def test_outside_git_and_before_the_first_commit(tmp_path):
    root = tmp_path / "project"
    shutil.copytree(SMALL, root)
    with pytest.raises(UsageError, match=r"^not inside a git repository: there is no HEAD to compare with; to compare "
                                         r"two project folders, run scenario diff A_DIR B_DIR$"):
        sides(root)
    git(root, "init", "-q")
    with pytest.raises(UsageError, match=r"^the repository has no commit yet, so there is no HEAD to compare with; "
                                         r"commit the inputs first, or compare two project folders: scenario diff "
                                         r"A_DIR B_DIR$"):
        sides(root)


def test_unknown_revisions_and_revisions_without_the_inputs(tmp_path):
    root = committed(tmp_path / "repo")
    with pytest.raises(UsageError, match=r"^unknown revision 'nope'; give a commit, branch or tag, such as HEAD~1 "
                                         r"or main$"):
        at_revision(root, "nope")
    with pytest.raises(UsageError, match=r"^unknown revision '--all'$"):
        at_revision(root, "--all")
    git(root, "rm", "-q", "-r", "scenarios")
    git(root, "commit", "-q", "-m", "no scenarios")
    with pytest.raises(UsageError, match=r"^HEAD has no scenarios/ to compare$"):
        at_revision(root, "HEAD")


def test_two_project_folders_or_assumptions_folders(tmp_path):
    shutil.copytree(SMALL, tmp_path / "a")
    shutil.copytree(SMALL, tmp_path / "b")
    edit(tmp_path / "b/assumptions/alpha.yaml", "value: 0.1\n", "value: 0.2\n")
    old, new = sides(None, folders=[tmp_path / "a", tmp_path / "b"])
    assert (growth(old), growth(new)) == (0.1, 0.2)
    assert old.label == str(tmp_path / "a")
    # an assumptions folder is run with the scenarios of the project the command runs in
    side = from_folder(tmp_path / "b" / "assumptions", tmp_path / "a")
    assert growth(side) == 0.2 and sorted(side.scenarios) == ["base", "high"]


def test_folder_usage_errors(tmp_path):
    shutil.copytree(SMALL, tmp_path / "a")
    with pytest.raises(UsageError, match=r"^give two folders to compare \(A_DIR B_DIR\), not 1; or none to compare "
                                         r"the working tree with HEAD$"):
        sides(None, folders=[tmp_path / "a"])
    with pytest.raises(UsageError, match=r"^give either two folders or --base/--head revisions, not both$"):
        sides(None, base="HEAD", folders=[tmp_path / "a", tmp_path / "a"])
    with pytest.raises(UsageError, match=r"no such folder$"):
        from_folder(tmp_path / "missing", None)
    with pytest.raises(UsageError, match=r"neither a project folder \(with assumptions/ and scenarios/\) nor an "
                                         r"assumptions folder \(with sources.yaml\)$"):
        from_folder(tmp_path / "a" / "scenarios", None)
    with pytest.raises(UsageError, match=r"is an assumptions folder; run the command inside a project"):
        from_folder(tmp_path / "a" / "assumptions", None)
    with pytest.raises(UsageError, match=r"^no scenarios/ and assumptions/ folders found here or above"):
        sides(None)


def test_an_invalid_company_file_is_not_reported_again_through_every_override(small):
    small.edit("assumptions/alpha.yaml", "confidence: high", "confidence: certain")
    with pytest.raises(InputError) as caught:
        load_side("here", small.path("assumptions"), small.path("scenarios"))
    assert [str(p) for p in caught.value.problems] == [
        at("assumptions/alpha.yaml", "capex.plan_total.confidence") + ": 'certain' is not one of 'high', 'medium' or "
        "'low'",
    ]
