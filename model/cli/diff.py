"""`scenario diff`: review a change to the inputs."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from model.cli.common import (
    HEADLINE_FIGURES,
    Command,
    app,
    examples,
    print_shown,
    print_warnings,
    print_wrote,
    reports_errors,
)
from model.errors import UsageError
from model.io.project import find_project_root


class ReviewFormat(StrEnum):
    table = "table"
    markdown = "markdown"
    json = "json"


@app.command("diff", cls=Command, epilog=examples(
    ("What your uncommitted edits change", "scenario diff"),
    ("A pull request's change, as one markdown block for its comment",
     "scenario diff --base origin/main --markdown > review.md"),
    ("Two project folders, every row shown", "scenario diff ../before ../after --all"),
))
@reports_errors
def diff_command(
    folders: Annotated[list[Path] | None, typer.Argument(
        help="Two folders to compare, A_DIR B_DIR: project folders (with assumptions/ and scenarios/) or "
             "assumptions folders (then with this project's scenarios/). Default: the working tree against HEAD.",
        show_default=False)] = None,
    base: Annotated[str | None, typer.Option(help="The revision to compare from (default: HEAD).")] = None,
    head: Annotated[str | None, typer.Option(help="The revision to compare to (default: the working tree).")] = None,
    show_all: Annotated[bool, typer.Option("--all", help="Also list unchanged assumptions, overrides and figures.")] = False,
    markdown_flag: Annotated[bool, typer.Option(
        "--markdown", help="Print the whole review as one markdown block, for a pull request.")] = False,
    fmt: Annotated[ReviewFormat, typer.Option("--format", help="Output format.")] = ReviewFormat.table,
    figure: Annotated[str | None, typer.Option(
        help="The headline figure of the waterfall charts, by its label or the start of it, such as 'AI chips' "
             "or 'Capex 2030' (default: the figure with the largest relative change); the headline figures are "
             f"{HEADLINE_FIGURES}, each with its year or years.")] = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Write the review here instead of outputs/diff/.")] = None,
) -> None:
    """Review a change to the inputs: changed assumptions and overrides with their evidence, the effect on each
    affected scenario's headline results, and each change's share of it (Shapley values); writes outputs/diff/."""
    from model.analysis.review import review
    from model.io.outputs import destination, write_run
    from model.io.revisions import input_files, sides
    from model.present import review as rendering
    from model.present.artifacts import files_of

    if markdown_flag and fmt is not ReviewFormat.table and fmt is not ReviewFormat.markdown:
        raise UsageError(f"--markdown and --format {fmt.value} ask for two formats; give one")
    fmt = ReviewFormat.markdown if markdown_flag else fmt
    try:
        project: Path | None = find_project_root()
    except UsageError:
        project = None
    home = project if project is not None else (folders[-1] if folders else Path.cwd())
    target = out_dir or home / "outputs" / "diff"
    destination(target, root=project, inputs=folders or [], named=out_dir is not None)
    old, new = sides(project, base=base, head=head, folders=folders)
    from model.present import vega

    vega.start()  # the chart renderer's runtime starts beside the work before the charts
    inputs = [file for side in (old, new) for file in input_files(side) if file.is_file()]  # not exported copies
    result = review(old, new, include_unchanged=show_all, figure=figure)
    files = files_of(result)
    print_warnings(result.problems)  # once --figure is known good: a refused command says only why
    target = write_run(target, files, command="diff", scenario=None, chain=[], inputs=dict.fromkeys(inputs),
                       root=home, settings=result.settings, named=out_dir is not None, problems=result.problems)
    if fmt is ReviewFormat.markdown:
        sys.stdout.write(str(files["review.md"]))
    elif fmt is ReviewFormat.json:
        sys.stdout.write(str(files["review.json"]))
    else:
        print_shown(rendering.terminal(result))
    print_wrote(target, fmt)
