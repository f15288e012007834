"""The JSON files of each result: plain data, numbers unrounded."""

from __future__ import annotations

from model.analysis.compare import Comparison
from model.analysis.discovery import Discovery
from model.analysis.review import Review
from model.format import to_json
from model.present.artifacts import Contents, Rendering, artefact
from model.present.compare import compare_json
from model.present.discovery import discovery_json
from model.present.review import review_json


@artefact(Comparison, "compare.json", "json")
def compare(rendering: Rendering) -> Contents:
    return {"compare.json": to_json(compare_json(rendering.result))}


@artefact(Review, "review.json", "json")
def review(rendering: Rendering) -> Contents:
    return {"review.json": to_json(review_json(rendering.result))}


@artefact(Discovery, "discovery.json", "json")
def discovery(rendering: Rendering) -> Contents:
    """The event, its share of the draws, PRIM's boxes and the tree's leaves."""
    return {"discovery.json": to_json(discovery_json(rendering.result))}
