"""The markdown files of each result: the review, as one block for a pull request."""

from __future__ import annotations

from model.analysis.review import Review
from model.present.artifacts import Contents, Rendering, artefact
from model.present.review import review_markdown


@artefact(Review, "review.md", "markdown")
def review(rendering: Rendering) -> Contents:
    return {"review.md": review_markdown(rendering.result)}
