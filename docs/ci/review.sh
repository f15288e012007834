#!/bin/sh
# The shell part of docs/ci/scenario-review.yml: check a project's inputs, review their change against a base
# revision and post the result as one pull-request comment. It runs the same on a laptop (docs/ci.md).
#
# usage: sh docs/ci/review.sh BASE_REV            (from the project's root; BASE_REV such as origin/main)
#
# environment:
#   SCENARIO                the scenario command (default: scenario)
#   SCENARIO_REVIEW_POSTER  a shell command that posts the comment, given its markdown on standard input
#                           (default: `gh pr comment "$PR_NUMBER"`, editing the last comment of the token's user
#                           when there is one, so a pull request keeps one review that follows its pushes)
#   PR_NUMBER               the pull request, for the default poster
#   GITHUB_STEP_SUMMARY     set by GitHub Actions: the comment goes to the job's summary as well
#
# exit status: 0 the change was reviewed and the review posted; 1 the inputs do not validate (the problems are
# posted); 2 a usage error (no BASE_REV, an unknown revision: the message is posted); any other, the failed
# command's. Nothing is written but temporary files and what `scenario diff` writes (outputs/diff/).
set -u

if [ "$#" -ne 1 ]; then
    echo "usage: sh docs/ci/review.sh BASE_REV (such as origin/main)" >&2
    exit 2
fi
base=$1
scenario=${SCENARIO:-scenario}
comment=$(mktemp) && log=$(mktemp) || exit 1
trap 'rm -f "$comment" "$log"' EXIT

failed() {  # the comment for a command that failed: its heading, then what the command printed
    printf '<!-- scenario-review -->\n## %s\n\n```text\n' "$1"
    cat "$log"
    printf '```\n'
}

# --strict: a warning (a high confidence resting on unconfirmed sources, a source dated after a scenario's as_of)
# fails the check too; the diff would only repeat the problems, so it runs on valid inputs alone.
if "$scenario" validate --strict >"$log" 2>&1; then
    if { printf '<!-- scenario-review -->\n'; "$scenario" diff --base "$base" --markdown 2>"$log"; } >"$comment"
    then
        status=0
    else
        status=$?
        failed "scenario diff --base $base failed" >"$comment"
    fi
else
    status=$?
    failed "The inputs do not validate: scenario validate --strict" >"$comment"
fi

if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
    cat "$comment" >>"$GITHUB_STEP_SUMMARY"
fi

if [ -n "${SCENARIO_REVIEW_POSTER:-}" ]; then
    sh -c "$SCENARIO_REVIEW_POSTER" <"$comment"
else
    : "${PR_NUMBER:?PR_NUMBER names the pull request to comment on (or set SCENARIO_REVIEW_POSTER)}"
    gh pr comment "$PR_NUMBER" --edit-last --body-file "$comment" 2>/dev/null \
        || gh pr comment "$PR_NUMBER" --body-file "$comment"
fi
posted=$?

if [ "$status" -ne 0 ]; then
    exit "$status"
fi
exit "$posted"
