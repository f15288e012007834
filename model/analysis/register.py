"""The assumption register, a scenario's overrides against the values they replace, and the source list as tables,
and the plain-text renderings of their values."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from model.core.uncertainty import DEFAULT_WIDTHS, Distribution, Pool, distribution
from model.domain import Assumption, Citation, ResolvedAssumption, Source, Value, Vintage, cites_judgement
from model.domain.assumptions import EXCERPT_MAX_CHARS
from model.errors import UsageError, suggest
from model.format import input_number, input_range, input_value, relative, series, significant

REGISTER_COLUMNS = [
    "key", "company", "value", "unit", "period", "confidence", "source_kinds", "as_of", "sources", "excerpts",
    "overridden_by", "notes", "history",
]
# The register's columns as a reader sees them, for the report and the workbook; the frame keeps the machine names
# of REGISTER_COLUMNS for CSV, JSON and the Python API.
REGISTER_HEADERS = {
    "key": "Key", "company": "Company", "value": "Value", "unit": "Unit", "period": "Period",
    "confidence": "Confidence", "source_kinds": "Source kinds", "as_of": "As of", "sources": "Sources",
    "excerpts": "Excerpts", "overridden_by": "Overridden by", "notes": "Notes", "history": "History",
}
HISTORY_COLUMNS = [
    "vintage", "value", "unit", "period", "confidence", "range", "as_of", "replaced", "sources", "excerpts",
    "rationale",
]


def _identity(item: ResolvedAssumption) -> dict[str, str]:
    """The columns that name an assumption in every register table: key, company, value and unit."""
    return {"key": item.key, "company": item.company.name if item.company else "",
            "value": input_value(item.assumption.value.plain()), "unit": item.assumption.unit}


def _evidence(citations: Iterable[Citation]) -> str:
    return " | ".join(c.excerpt or f"judgement: {c.rationale}" for c in citations)


def stated(value: Value, unit: str) -> str:
    """A value with its unit, as a sentence states it: "480 CNY bn", a series "2025: 126, 2026: 177 (CNY bn)"; a
    plain ratio without one ("0.12")."""
    text = input_value(value.plain())
    if unit == "ratio":
        return text
    return f"{text} ({unit})" if value.is_series else f"{text} {unit}"


def _earlier(vintage: Vintage, unit: str) -> str:
    """An earlier value in one line: the value in its unit (`unit`, the current one, unless it had its own), its
    confidence, when it was known and replaced, and its sources."""
    replaced = f", replaced {vintage.replaced.isoformat()}" if vintage.replaced else ""
    refs = ", ".join(c.ref for c in vintage.sources)
    return (f"{stated(vintage.value, vintage.unit or unit)} ({vintage.confidence}, as of {vintage.as_of.isoformat()}"
            f"{replaced}; {refs})")


def weight(share: float) -> str:
    """A candidate's normalised weight in its pool, as a percentage: "61%"."""
    return relative(share, decimals=0, sign=False)


def pooled_from(assumption: Assumption) -> str:
    """A pooled assumption's candidates in one line: "Pooled (linear) from 150 (reuters-2025-01-23, 61%), ..."."""
    parts = [f"{input_number(c.value)} ({c.source.ref}, {weight(w)})"
             for c, w in zip(assumption.candidates, assumption.weights, strict=True)]
    return f"Pooled ({assumption.pool}; the value is the median) from {', '.join(parts)}."


def register(items: Iterable[ResolvedAssumption], sources: dict[str, Source]) -> pd.DataFrame:
    """One row per assumption, with where it comes from; an override's rationale leads its notes; `history` lists
    the earlier values, oldest first. A pooled assumption's sources and excerpts are its own, then its candidates'."""
    rows = []
    for item in items:
        a = item.assumption
        cited = [sources[c.ref] for c in a.citations if c.ref in sources]
        evidence = _evidence(a.citations)
        basis = f"Basis: {a.basis}." if a.basis else None  # what a cloud revenue figure counts
        pool = pooled_from(a) if a.pooled else None
        notes = " ".join(part.strip() for part in (item.rationale, basis, pool, a.notes) if part)
        rows.append({
            **_identity(item),
            "period": a.period,
            "confidence": a.confidence,
            "source_kinds": ", ".join(dict.fromkeys(s.kind for s in cited)),
            "as_of": a.as_of.isoformat(),
            "sources": ", ".join(dict.fromkeys(c.ref for c in a.citations)),
            "excerpts": evidence,
            "overridden_by": item.overridden_by or "",
            "notes": notes,
            "history": "; ".join(_earlier(v, a.unit) for v in a.history),
        })
    return pd.DataFrame(rows, columns=REGISTER_COLUMNS)


OVERRIDE_COLUMNS = [
    "key", "company", "set_by", "value", "unit", "period", "confidence", "as_of", "sources", "evidence", "rationale",
    "replaced_set_by", "replaced_value", "replaced_unit", "replaced_period", "replaced_confidence", "replaced_as_of",
    "replaced_sources", "replaced_evidence", "stated", "replaced_stated", "location", "replaced_location",
]
# The overrides' columns as a reader sees them (the report, the workbook).
OVERRIDE_HEADERS = {
    "key": "Key", "company": "Company", "set_by": "Set by", "value": "Value", "unit": "Unit", "period": "Period",
    "confidence": "Confidence", "as_of": "As of", "sources": "Sources", "evidence": "Evidence",
    "rationale": "Rationale", "replaced_set_by": "Replaced, set by", "replaced_value": "Replaced value",
    "replaced_unit": "Replaced unit", "replaced_period": "Replaced period",
    "replaced_confidence": "Replaced confidence", "replaced_as_of": "Replaced as of",
    "replaced_sources": "Replaced sources", "replaced_evidence": "Replaced evidence", "stated": "Now",
    "replaced_stated": "Was", "location": "File", "replaced_location": "Replaced file",
}
# Who set a value that no scenario overrides, when the root scenario itself overrides it: the assumption files.
ASSUMPTION_FILES = "assumptions"


def cited(citations: Iterable[Citation]) -> str:
    """Each citation as a sentence quotes it: `ref "excerpt"`, or `ref: rationale` for analyst judgement, the
    rationale cut at a word to about an excerpt's length (the register and the override's rationale have it whole)."""
    parts = []
    for citation in citations:
        if citation.excerpt:
            parts.append(f'{citation.ref} "{" ".join(citation.excerpt.split())}"')
        elif citation.rationale:
            gist = " ".join(citation.rationale.split())
            if len(gist) > EXCERPT_MAX_CHARS:
                gist = gist[:EXCERPT_MAX_CHARS].rsplit(" ", 1)[0].rstrip(",;:") + " ..."
            parts.append(f"{citation.ref}: {gist}")
        else:
            parts.append(citation.ref)
    return "; ".join(parts)


def _written(item: ResolvedAssumption) -> str:
    """Where a value is written, as its folder and file (`scenarios/bull.yaml:19`): the same wherever the command
    runs, and no absolute path in a run folder."""
    where = f"{item.file.parent.name}/{item.file.name}"
    return f"{where}:{item.line}" if item.line else where


def overrides(items: Iterable[ResolvedAssumption], chain: Sequence[str]) -> pd.DataFrame:
    """One row per assumption a scenario overrides (anywhere in its `extends` chain, `chain` this scenario first),
    against the value it replaces: the same key in the scenario the setter extends, which is an earlier override
    or, where none, the assumption file's value (set by the chain's root scenario, or by the assumption files when
    the root is the setter). Empty (with its columns) for a scenario that overrides nothing."""
    root = chain[-1] if chain else ""
    rows = []
    for item in items:
        replaced = item.replaces
        if replaced is None:
            continue
        new, old = item.assumption, replaced.assumption
        rows.append({
            "key": item.key,
            "company": item.company.name if item.company else "",
            "set_by": item.overridden_by or "",
            "value": input_value(new.value.plain()),
            "unit": new.unit,
            "period": new.period,
            "confidence": new.confidence,
            "as_of": new.as_of.isoformat(),
            "sources": ", ".join(c.ref for c in new.sources),
            "evidence": cited(new.sources),
            "rationale": " ".join((item.rationale or "").split()),
            "replaced_set_by": replaced.overridden_by or (root if root != item.overridden_by else ASSUMPTION_FILES),
            "replaced_value": input_value(old.value.plain()),
            "replaced_unit": old.unit,
            "replaced_period": old.period,
            "replaced_confidence": old.confidence,
            "replaced_as_of": old.as_of.isoformat(),
            "replaced_sources": ", ".join(dict.fromkeys(c.ref for c in old.citations)),
            "replaced_evidence": cited(old.citations),
            "stated": stated(new.value, new.unit),
            "replaced_stated": stated(old.value, old.unit),
            "location": _written(item),
            "replaced_location": _written(replaced),
        })
    return pd.DataFrame(rows, columns=OVERRIDE_COLUMNS)


def without_empty_history(frame: pd.DataFrame) -> pd.DataFrame:
    """The register without its history column when no assumption has an earlier value (a report shows every
    column, and an empty one tells the reader nothing)."""
    return frame.drop(columns=["history"]) if not frame["history"].astype(bool).any() else frame


def history_table(items: Iterable[ResolvedAssumption], key: str) -> pd.DataFrame:
    """One row per vintage of the assumption `key` (`alpha.capex.plan_total`, `fx.CNY`): its earlier values,
    oldest first, then the current one; raises UsageError naming the valid keys."""
    found = {item.key: item for item in items}
    item = found.get(key)
    if item is None:
        raise UsageError(f"--history: no assumption '{key}'; {suggest(key, found)}")
    current = item.assumption
    rows = []
    for index, vintage in enumerate([*current.history, current], start=1):
        is_current = vintage is current
        rows.append({
            "vintage": "current" if is_current else str(index),
            "value": input_value(vintage.value.plain()),
            "unit": vintage.unit or current.unit,
            "period": vintage.period or current.period,
            "confidence": vintage.confidence,
            "range": input_range(*vintage.range) if vintage.range else "",
            "as_of": vintage.as_of.isoformat(),
            "replaced": "" if is_current or vintage.replaced is None else vintage.replaced.isoformat(),
            "sources": ", ".join(c.ref for c in vintage.sources),
            "excerpts": _evidence(vintage.sources),
            "rationale": (item.rationale or "") if is_current else (vintage.rationale or ""),
        })
    return pd.DataFrame(rows, columns=HISTORY_COLUMNS)


DISTRIBUTION_COLUMNS = ["key", "company", "value", "unit", "confidence", "distribution", "p5", "p50", "p95",
                        "source", "weight"]


def _percentiles(dist: Distribution | Pool) -> np.ndarray:
    # a distribution's 5th, 50th and 95th percentiles are its lower bound, centre and upper bound, clipped as its
    # draws are: read off, so that a run's register (the workbook's) needs no inverse CDF, nor scipy
    return np.clip(np.stack(np.broadcast_arrays(dist.lower, dist.center, dist.upper)), dist.low, dist.high)  # (3, K)


def _spread_text(dist: Distribution, confidence: str, percentiles: np.ndarray) -> str:
    width = DEFAULT_WIDTHS[confidence]
    if dist.explicit:
        spread = "given 90% range"
    elif dist.family == "lognormal":
        spread = f"{confidence} default, / to x {input_number(1 + width.relative)}"
    else:
        spread = f"{confidence} default, +/- {input_number(width.absolute)}"
    if (percentiles[0] <= dist.low).any() or (percentiles[-1] >= dist.high).any():
        spread += f", clipped to {input_range(dist.low, dist.high)}"
    return f"{dist.family} ({spread})"


def distribution_table(items: Iterable[ResolvedAssumption], *, components: bool = False) -> pd.DataFrame:
    """One row per assumption: the distribution a run with draws samples it from, and its 5th, 50th and 95th
    percentiles (as drawn: clipped to the parameter's valid interval; a series lists each given year, all moving
    together). A pooled assumption's row is its mixture's; with `components`, a row per candidate follows it (its
    component, its source and its weight), under the same key."""
    rows = []
    for item in items:
        dist = distribution(item)
        percentiles = _percentiles(dist)
        a = item.assumption
        texts = np.array(significant(percentiles.ravel()), dtype=object).reshape(percentiles.shape)
        years = list(a.value.years) if a.value.is_series else None
        shown = [series(years, row) if years else row[0] for row in texts]
        if isinstance(dist, Pool):
            described = f"{a.pool} pool of {len(a.candidates)} {dist.family} candidates"
            source, share = "", weight(1.0)
        else:
            described, source, share = _spread_text(dist, a.confidence, percentiles), "", ""
        rows.append({**_identity(item), "confidence": a.confidence, "distribution": described,
                     "p5": shown[0], "p50": shown[1], "p95": shown[2], "source": source, "weight": share})
        if isinstance(dist, Pool) and components:
            for candidate, component, part in zip(a.candidates, dist.components, a.weights, strict=True):
                bounds = _percentiles(component)
                low, mid, high = significant(bounds.ravel())
                rows.append({**_identity(item), "value": input_number(candidate.value),
                             "confidence": candidate.confidence,
                             "distribution": _spread_text(component, candidate.confidence, bounds),
                             "p5": low, "p50": mid, "p95": high, "source": candidate.source.ref,
                             "weight": weight(part)})
    return pd.DataFrame(rows, columns=DISTRIBUTION_COLUMNS)


DISAGREEMENT_COLUMNS = ["key", "company", "value", "unit", "period", "candidate", "source", "kind", "as_of",
                        "weight", "excerpt"]
DISAGREEMENT_HEADERS = {
    "key": "Key", "company": "Company", "value": "Pool median", "unit": "Unit", "period": "Period",
    "candidate": "Candidate", "source": "Source", "kind": "Kind", "as_of": "As of", "weight": "Weight",
    "excerpt": "Excerpt",
}


def disagreements(items: Iterable[ResolvedAssumption], kinds: Mapping[str, str]) -> pd.DataFrame:
    """Where sources disagree: one row per candidate of each pooled assumption, with its source, the source's kind
    (`kinds`: source id -> kind), its date and its weight in the pool, beside the pool's median (the value a run
    uses). Empty (with its columns) when nothing is pooled."""
    rows = []
    for item in items:
        a = item.assumption
        for candidate, share in zip(a.candidates, a.weights, strict=True):
            rows.append({
                **_identity(item), "period": a.period, "candidate": input_number(candidate.value),
                "source": candidate.source.ref, "kind": kinds.get(candidate.source.ref, ""),
                "as_of": candidate.as_of.isoformat(), "weight": weight(share),
                "excerpt": candidate.source.excerpt or candidate.source.rationale or "",
            })
    return pd.DataFrame(rows, columns=DISAGREEMENT_COLUMNS)


def rests_on_judgement(item: ResolvedAssumption, sources: dict[str, Source]) -> bool:
    """True when the figure involves the team's judgement: it cites analyst judgement, alone or beside evidence."""
    return cites_judgement(item.assumption, sources)


def source_table(sources: Iterable[Source]) -> pd.DataFrame:
    rows = [{"id": s.id, "title": s.title, "publisher": s.publisher, "date": s.date.isoformat(), "kind": s.kind,
             "url": s.url or ""} for s in sources]
    return pd.DataFrame(rows, columns=["id", "title", "publisher", "date", "kind", "url"])
