"""The assumption register, a scenario's overrides against the values they replace, and the source list as tables,
and the plain-text renderings of their values."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from model.core.uncertainty import DEFAULT_WIDTHS, distribution
from model.domain import Citation, ResolvedAssumption, Source, Value, Vintage, cites_judgement
from model.domain.assumptions import EXCERPT_MAX_CHARS
from model.errors import UsageError, suggest
from model.format import input_number, input_range, input_value, series, significant

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


def register(items: Iterable[ResolvedAssumption], sources: dict[str, Source]) -> pd.DataFrame:
    """One row per assumption, with where it comes from; an override's rationale leads its notes; `history` lists
    the earlier values, oldest first."""
    rows = []
    for item in items:
        a = item.assumption
        cited = [sources[c.ref] for c in a.sources if c.ref in sources]
        evidence = _evidence(a.sources)
        basis = f"Basis: {a.basis}." if a.basis else None  # what a cloud revenue figure counts
        notes = " ".join(part.strip() for part in (item.rationale, basis, a.notes) if part)
        rows.append({
            **_identity(item),
            "period": a.period,
            "confidence": a.confidence,
            "source_kinds": ", ".join(dict.fromkeys(s.kind for s in cited)),
            "as_of": a.as_of.isoformat(),
            "sources": ", ".join(c.ref for c in a.sources),
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
            "replaced_sources": ", ".join(c.ref for c in old.sources),
            "replaced_evidence": cited(old.sources),
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


DISTRIBUTION_COLUMNS = ["key", "company", "value", "unit", "confidence", "distribution", "p5", "p50", "p95"]


def distribution_table(items: Iterable[ResolvedAssumption]) -> pd.DataFrame:
    """One row per assumption: the distribution a run with draws samples it from, and its 5th, 50th and 95th
    percentiles (as drawn: clipped to the parameter's valid interval; a series lists each given year, all moving
    together)."""
    rows = []
    for item in items:
        dist = distribution(item)
        percentiles = dist.ppf(np.array([0.05, 0.5, 0.95]))  # (3, K)
        a = item.assumption
        width = DEFAULT_WIDTHS[a.confidence]
        if dist.explicit:
            spread = "given 90% range"
        elif dist.family == "lognormal":
            spread = f"{a.confidence} default, / to x {input_number(1 + width.relative)}"
        else:
            spread = f"{a.confidence} default, +/- {input_number(width.absolute)}"
        if (percentiles[0] <= dist.low).any() or (percentiles[-1] >= dist.high).any():
            spread += f", clipped to {input_range(dist.low, dist.high)}"
        texts = np.array(significant(percentiles.ravel()), dtype=object).reshape(percentiles.shape)
        years = list(a.value.years) if a.value.is_series else None
        shown = [series(years, row) if years else row[0] for row in texts]
        rows.append({
            **_identity(item),
            "confidence": a.confidence,
            "distribution": f"{dist.family} ({spread})",
            "p5": shown[0],
            "p50": shown[1],
            "p95": shown[2],
        })
    return pd.DataFrame(rows, columns=DISTRIBUTION_COLUMNS)


def rests_on_judgement(item: ResolvedAssumption, sources: dict[str, Source]) -> bool:
    """True when the figure involves the team's judgement: it cites analyst judgement, alone or beside evidence."""
    return cites_judgement(item.assumption, sources)


def source_table(sources: Iterable[Source]) -> pd.DataFrame:
    rows = [{"id": s.id, "title": s.title, "publisher": s.publisher, "date": s.date.isoformat(), "kind": s.kind,
             "url": s.url or ""} for s in sources]
    return pd.DataFrame(rows, columns=["id", "title", "publisher", "date", "kind", "url"])
