"""docs/ci/review.sh, the shell part of the CI recipe (docs/ci.md), on a throwaway repository of the small project:
what it posts for a valid change, for invalid inputs and for a failed diff, and its exit status."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, committed, git

SCRIPT = REPO / "docs" / "ci" / "review.sh"
MARKER = "<!-- scenario-review -->\n"

pytestmark = pytest.mark.skipif(shutil.which("git") is None or shutil.which("sh") is None,
                                reason="the recipe needs git and a POSIX shell")


@pytest.fixture
def pull_request(tmp_path: Path, isolated_git: None) -> Path:
    """A repository whose first commit is the base and whose second changes alpha's post-plan capex growth."""
    root = committed(tmp_path / "project")
    company = root / "assumptions" / "alpha.yaml"
    text = company.read_text()
    old = "    value: 0.2\n    unit: ratio\n    period: 2027\n"
    assert old in text
    company.write_text(text.replace(old, old.replace("0.2", "0.3"), 1)
                       .replace("spending keeps rising after the plan", "spending rises faster after the plan"))
    git(root, "commit", "-q", "-am", "alpha grows faster after its plan")
    return root


def review(root: Path, *args: str, poster: str | None = None) -> tuple[subprocess.CompletedProcess, Path]:
    """Run the script in `root` with a stand-in poster that keeps what it was given; returns the run and the
    file the comment was posted to."""
    tools = root.parent / "tools"
    tools.mkdir(exist_ok=True)
    scenario = tools / "scenario"
    scenario.write_text(f"#!/bin/sh\nexec '{sys.executable}' -c 'import sys; from model.cli import main; "
                        f"sys.argv[0] = \"scenario\"; main()' \"$@\"\n")
    scenario.chmod(0o755)
    posted = tools / "posted.md"
    stand_in = tools / "post"
    stand_in.write_text(f"#!/bin/sh\nprintf '%s\\n' \"$#\" > '{tools}/args'\ncat > '{posted}'\n")
    stand_in.chmod(0o755)
    summary = tools / "summary.md"
    env = {**os.environ, "PYTHONPATH": str(REPO), "SCENARIO": str(scenario),
           "SCENARIO_REVIEW_POSTER": str(stand_in) if poster is None else poster, "GITHUB_STEP_SUMMARY": str(summary)}
    env.pop("PR_NUMBER", None)
    done = subprocess.run(["sh", str(SCRIPT), *args], cwd=root, env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    return done, posted


def git_status(root: Path) -> list[str]:
    return subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True,
                          check=True).stdout.splitlines()


def test_a_valid_change_posts_the_review_of_the_changed_assumption_and_its_effect(pull_request):
    done, posted = review(pull_request, "main~1")
    assert done.returncode == 0, done.stdout + done.stderr
    comment = posted.read_text()
    assert comment.startswith(MARKER + "## Assumption changes\n\nmain~1 -> working tree: 1 changed, 0 added, 0 "
                                       "removed.\n")
    assert ("| alpha.capex.post_plan_growth | changed | 0.2 | 0.3 | +50.0% | rationale (analyst-judgement) edited "
            "| analyst-judgement: spending rises faster after the plan |") in comment
    # 2027 is the first year after alpha's 2025-2026 plan: its capex is 2026's times (1 + growth), so it moves
    # by 1.3 / 1.2 - 1 = +8.3%, and the base scenario's headline shows it
    assert "### base\n\n| company | figure | old | new | change | % |\n" in comment
    assert "| Alpha | Capex 2027 (USD bn) | 2.2 | 2.4 | +0.2 | +8.3% |" in comment
    assert (pull_request.parent / "tools" / "args").read_text() == "0\n"  # the markdown comes on stdin alone
    assert (pull_request.parent / "tools" / "summary.md").read_text() == comment  # and in the job's summary
    assert (pull_request / "outputs" / "diff" / "review.md").read_text() == comment.removeprefix(MARKER)
    assert git_status(pull_request) == ["?? outputs/"]  # nothing else written in the project


def test_invalid_inputs_post_the_problems_and_fail(pull_request):
    company = pull_request / "assumptions" / "alpha.yaml"
    company.write_text(company.read_text().replace("confidence: high", "confidence: hihg", 1))
    done, posted = review(pull_request, "main~1")
    assert done.returncode == 1, done.stdout + done.stderr
    assert posted.read_text() == (
        MARKER + "## The inputs do not validate: scenario validate --strict\n\n```text\n"
        "assumptions/alpha.yaml:9: capex.plan_total.confidence: 'hihg' is not one of 'high', 'medium' or 'low'\n"
        "checked 2 scenarios, 1 assumption folder: 1 error, 0 warnings\n```\n")
    assert not (pull_request / "outputs").exists()  # no review of inputs that do not validate


def test_a_warning_fails_the_check_too(pull_request):
    scenario = pull_request / "scenarios" / "base.yaml"
    scenario.write_text(scenario.read_text().replace("as_of: 2025-05-31", "as_of: 2020-01-01", 1))
    done, posted = review(pull_request, "main~1")
    assert done.returncode == 1, done.stdout + done.stderr
    comment = posted.read_text()
    assert comment.startswith(MARKER + "## The inputs do not validate: scenario validate --strict\n")
    assert "fx.CNY: warning: source 'alpha-filing' is dated 2025-03-01, after as_of 2020-01-01 of scenario 'base'\n" \
        in comment
    assert ": 0 errors, " in comment


def test_an_unknown_base_posts_the_diff_s_message_and_exits_2(pull_request):
    done, posted = review(pull_request, "no-such-branch")
    assert done.returncode == 2, done.stdout + done.stderr
    assert posted.read_text() == (
        MARKER + "## scenario diff --base no-such-branch failed\n\n```text\n"
        "error: unknown revision 'no-such-branch'; give a commit, branch or tag, such as HEAD~1 or main\n```\n")


def test_a_failed_post_fails_the_script(pull_request):
    done, _ = review(pull_request, "main~1", poster="cat >/dev/null; exit 7")
    assert done.returncode == 7


def test_without_a_base_it_says_how_to_call_it(pull_request):
    done, posted = review(pull_request)
    assert (done.returncode, done.stderr) == (2, "usage: sh docs/ci/review.sh BASE_REV (such as origin/main)\n")
    assert not posted.exists()


def test_the_default_poster_needs_the_pull_request_s_number(pull_request):
    done, posted = review(pull_request, "main~1", poster="")
    assert done.returncode != 0
    assert "PR_NUMBER names the pull request to comment on (or set SCENARIO_REVIEW_POSTER)" in done.stderr


def test_the_workflow_runs_the_script_on_pull_requests_touching_the_inputs():
    from ruamel.yaml import YAML

    workflow = YAML(typ="safe").load((REPO / "docs" / "ci" / "scenario-review.yml").read_text())
    assert workflow["on"]["pull_request"]["paths"] == ["assumptions/**", "scenarios/**"]
    assert workflow["permissions"] == {"contents": "read", "pull-requests": "write"}
    steps = workflow["jobs"]["review"]["steps"]
    assert steps[0]["with"]["fetch-depth"] == 0
    run = next(step for step in steps if "review.sh" in step.get("run", ""))
    assert run["run"] == 'sh docs/ci/review.sh "origin/$BASE_REF"'
    assert set(run["env"]) == {"GH_TOKEN", "PR_NUMBER", "BASE_REF", "SCENARIO_REVIEW_POSTER"}
