"""The assumption register and the source list as tables, and the plain-text renderings they share."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from model.loading import ResolvedAssumption
from model.schema import Source

REGISTER_COLUMNS = [
    "key", "company", "value", "unit", "period", "confidence", "source_kinds", "as_of", "sources", "excerpts",
    "overridden_by", "notes",
]


def format_value(value: float | dict[int, float]) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{year}: {item:g}" for year, item in value.items())
    return f"{value:g}"


def register(items: Iterable[ResolvedAssumption], sources: dict[str, Source]) -> pd.DataFrame:
    """One row per assumption, with where it comes from; an override's rationale leads its notes."""
    rows = []
    for item in items:
        a = item.assumption
        cited = [sources[c.ref] for c in a.sources if c.ref in sources]
        evidence = [c.excerpt or f"judgement: {c.rationale}" for c in a.sources]
        notes = " ".join(part.strip() for part in (item.rationale, a.notes) if part)
        rows.append({
            "key": item.key,
            "company": item.company.name if item.company else "",
            "value": format_value(a.value),
            "unit": a.unit,
            "period": a.period,
            "confidence": a.confidence,
            "source_kinds": ", ".join(dict.fromkeys(s.kind for s in cited)),
            "as_of": a.as_of.isoformat(),
            "sources": ", ".join(c.ref for c in a.sources),
            "excerpts": " | ".join(evidence),
            "overridden_by": item.overridden_by or "",
            "notes": notes,
        })
    return pd.DataFrame(rows, columns=REGISTER_COLUMNS)


def rests_on_judgement(item: ResolvedAssumption, sources: dict[str, Source]) -> bool:
    """True when the figure involves the team's judgement: it cites analyst judgement, alone or beside evidence."""
    return any(sources[c.ref].kind == "analyst-judgement" for c in item.assumption.sources if c.ref in sources)


def source_table(sources: Iterable[Source]) -> pd.DataFrame:
    rows = [{"id": s.id, "title": s.title, "publisher": s.publisher, "date": s.date.isoformat(), "kind": s.kind,
             "url": s.url or ""} for s in sources]
    return pd.DataFrame(rows, columns=["id", "title", "publisher", "date", "kind", "url"])


def markdown(frame: pd.DataFrame) -> str:
    """A GitHub-flavoured markdown table (pipes in cells escaped)."""
    def cell(value: object) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(cell(c) for c in frame.columns) + " |", "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines) + "\n"
