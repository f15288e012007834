"""The JSON files of each result: plain data, numbers unrounded."""

from __future__ import annotations

import json
from typing import Any

from model.analysis.compare import Comparison
from model.analysis.review import Review
from model.present.artifacts import Contents, Rendering, artefact
from model.present.compare import to_records
from model.present.review import review_json


def to_json(data: Any) -> str:
    # keys sorted and two-space indents, as the manifest (model.io.outputs): the same data gives the same bytes
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@artefact(Comparison, "compare.json", "json")
def compare(rendering: Rendering) -> Contents:
    return {"compare.json": to_json(to_records(rendering.result.long))}


@artefact(Review, "review.json", "json")
def review(rendering: Rendering) -> Contents:
    return {"review.json": to_json(review_json(rendering.result))}
