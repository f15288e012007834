"""The markdown files of each result: the review, as one block for a pull request; a discovery's tree rules."""

from __future__ import annotations

from model.analysis.discovery import Discovery
from model.analysis.review import Review
from model.present.artifacts import Contents, Rendering, artefact
from model.present.discovery import tree_markdown
from model.present.review import review_markdown


@artefact(Review, "review.md", "markdown")
def review(rendering: Rendering) -> Contents:
    return {"review.md": review_markdown(rendering.result)}


@artefact(Discovery, "tree.md", "markdown")
def discovery_tree(rendering: Rendering) -> Contents:
    """The decision tree's rules, each leaf as a sentence."""
    return {"tree.md": tree_markdown(rendering.result)}
