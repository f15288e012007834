"""Research priorities: where to dig next, from any method's variance shares. Per company, the assumptions ranked
by an index, each with its share of the variance, its confidence and why its figure is soft."""

from __future__ import annotations

import pandas as pd

from model.analysis.register import rests_on_judgement
from model.analysis.sensitivity import sorted_rows
from model.domain import Inputs, ResolvedAssumption, Source

# An assumption is worth digging into when it carries a flag and at least this index (5% of variance).
PRIORITY_THRESHOLD = 0.05


def research_flags(item: ResolvedAssumption, sources: dict[str, Source]) -> str:
    """Why an assumption's figure is soft: "low confidence", "unconfirmed source", "analyst judgement", joined
    with "; "; empty when none applies."""
    kinds = {sources[c.ref].kind for c in item.assumption.citations if c.ref in sources}
    flags = [
        ("low confidence", item.assumption.confidence == "low"),
        ("unconfirmed source", "unconfirmed" in kinds),
        ("analyst judgement", rests_on_judgement(item, sources)),
    ]
    return "; ".join(flag for flag, applies in flags if applies)


def ranked_priorities(inputs: Inputs, frame: pd.DataFrame, by: str) -> pd.DataFrame:
    """`frame`'s rows ranked within each company by the index `by` (largest first), with each one's variance_share
    (`by` clipped at 0 over the company's sum), confidence, research flags and `dig` (flagged, with `by` at least
    PRIORITY_THRESHOLD): what Sobol' and Shapley priorities share."""
    frame = sorted_rows(inputs, frame, by)
    clipped = frame[by].clip(lower=0)
    items = [inputs.resolved[key] for key in frame["key"]]
    frame = frame.assign(
        rank=frame.groupby("company", sort=False).cumcount() + 1,
        variance_share=clipped / clipped.groupby(frame["company"]).transform("sum"),
        confidence=[item.assumption.confidence for item in items],
        flags=[research_flags(item, inputs.assumptions.sources) for item in items],
    )
    frame["dig"] = (frame["flags"] != "") & (frame[by] >= PRIORITY_THRESHOLD)
    return frame
