"""Renderings of a review (`model.analysis.review.Review`): its sections as terminal tables, one markdown block for a
pull request, and JSON; they only format what the diff and the attribution found.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from model import format
from model.analysis.attribution import SHAPLEY_LIMIT, STRUCTURE_STEP, ScenarioEffect, waterfall_frame
from model.analysis.review import Change, FieldChange, Review, relative
from model.domain.assumptions import EXCERPT_MAX_CHARS
from model.present.charts import ChartLike, waterfall
from model.present.tables import Shown, markdown

EVIDENCE_UNCHANGED = "value changed, evidence unchanged"

LONG_TEXTS = ("notes", "rationale", "description")  # fields said to be "edited", not quoted in full
NO_FIGURE_MOVED = "No headline figure moved."


def value_text(value: float | dict[int, float] | str | None, unit: str | None = None) -> str:
    """A value as the files write it (a series per year), with its unit unless that is a plain ratio."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    text = format.input_value(value)
    if not unit or unit == "ratio":
        return text
    return f"{text} ({unit})" if isinstance(value, dict) else f"{text} {unit}"


def percent_text(change: Change) -> str:
    """The value's change in percent: per year for a series (a year only one side gives is "added" or "removed"),
    "n/a" across a change of unit or from zero, empty where the value did not change or is not a number."""
    if change.kind not in ("assumption", "override") or not change.value_changed:
        return ""
    old, new = change.old, change.new
    if change.old_unit != change.new_unit:
        return "n/a"
    if isinstance(old, dict) and isinstance(new, dict):
        parts = []
        for year in sorted({*old, *new}):  # the years that moved; the old -> new columns show them all
            if year in old and year in new and old[year] != new[year]:
                parts.append(f"{year}: {format.relative(relative(old[year], new[year]))}")
            elif year not in old or year not in new:
                parts.append(f"{year}: {'added' if year in new else 'removed'}")
        return ", ".join(parts)
    if isinstance(old, float) and isinstance(new, float):
        return format.relative(relative(old, new))
    return "n/a"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _shortened(text: str, limit: int = EXCERPT_MAX_CHARS) -> str:
    """A rationale cut to about an excerpt's length at a word, for a table cell; the file has it in full."""
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + " ..."


def field_text(field: FieldChange) -> str:
    if field.field.split(" ")[0] in LONG_TEXTS:
        verb = "added" if field.old is None else "removed" if field.new is None else "edited"
        return f"{field.field} {verb}"

    def shown(text: str | None) -> str:
        if text is None:
            return "none"
        return f'"{_one_line(text)}"' if field.field.startswith("excerpt") else _one_line(text)

    return f"{field.field}: {shown(field.old)} -> {shown(field.new)}"


def evidence_text(change: Change) -> str:
    """The citations behind the row's value (the new one; the old one's for a removed row): `ref: "excerpt"`, or
    the rationale of analyst judgement."""
    parts = []
    for citation in change.evidence:
        if citation.excerpt:
            parts.append(f'{citation.ref}: "{_one_line(citation.excerpt)}"')
        elif citation.rationale:
            parts.append(f"{citation.ref}: {_shortened(_one_line(citation.rationale))}")
        else:
            parts.append(citation.ref)
    return "; ".join(parts)


def changes_frame(changes: Iterable[Change], *, evidence: bool = True) -> pd.DataFrame:
    """The changes as a table: key, status, old, new, change (percent), also changed, and the evidence; a `flag`
    column after `change` when a value changed while its evidence did not."""
    changes = list(changes)
    flagged = any(c.evidence_unchanged for c in changes)
    rows = []
    for change in changes:
        edited = change.kind == "description"
        fields = [field_text(f) for f in change.fields]
        if edited:
            fields.insert(0, "description edited")
        row = {
            "key": change.key,
            "status": change.status,
            "old": "" if edited else value_text(change.old, change.old_unit),
            "new": "" if edited else value_text(change.new, change.new_unit),
            "change": percent_text(change),
            **({"flag": EVIDENCE_UNCHANGED if change.evidence_unchanged else ""} if flagged else {}),
            "also changed": "; ".join(fields),
        }
        if evidence:
            row["evidence"] = evidence_text(change)
        rows.append(row)
    columns = ["key", "status", "old", "new", "change", *(["flag"] if flagged else []), "also changed",
               *(["evidence"] if evidence else [])]
    return pd.DataFrame(rows, columns=columns)


def effect_frame(effect: ScenarioEffect) -> pd.DataFrame:
    """One row per figure: old and new as the run's headline table shows them (empty where a side lacks it), the
    change signed (in points for a share) and relative."""
    rows = [{
        "company": row.company,
        "figure": row.figure,
        "old": format.figure(row.old, effect.kinds[row.figure], missing=""),
        "new": format.figure(row.new, effect.kinds[row.figure], missing=""),
        "change": format.change(row.change, effect.kinds[row.figure], missing=""),
        "%": "" if math.isnan(row.change) else format.relative(row.relative_change),
    } for row in effect.effect.itertuples(index=False)]
    return pd.DataFrame(rows, columns=["company", "figure", "old", "new", "change", "%"])


def attribution_frame(effect: ScenarioEffect) -> pd.DataFrame:
    """One row per moved figure: its change split by step (a column each, in order), and the total."""
    rows = []
    for (company, figure), group in effect.attribution.groupby(["company", "figure"], sort=False):
        row = {"company": company, "figure": figure}
        kind = effect.kinds[figure]
        row |= {step: format.change(amount, kind) for step, amount in zip(group["step"], group["contribution"],
                                                                           strict=True)}
        row["total"] = format.change(float(group["contribution"].sum()), kind)
        rows.append(row)
    return pd.DataFrame(rows, columns=["company", "figure", *effect.steps, "total"])


def attribution_notes(effect: ScenarioEffect, shapley_limit: int = SHAPLEY_LIMIT) -> list[str]:
    """How the attribution was made, in words."""
    changed = len(effect.steps) - (STRUCTURE_STEP in effect.steps)
    notes = []
    if changed == 1 and not effect.structural:
        notes.append(f"One changed assumption: the whole change is its effect ({format.count(effect.runs)} runs of the model).")
    elif changed == 1:
        notes.append(f"One changed assumption: its effect is what changing it alone does, with the new files' "
                     f"structure ({format.count(effect.runs)} runs of the model).")
    elif changed and effect.method == "shapley":
        notes.append(f"Shapley values over the {changed} changed assumption{'s' * (changed != 1)}: each one's effect "
                     f"averaged over every order of making the changes ({format.count(effect.runs)} runs of the model).")
    elif changed:
        notes.append(f"{changed} assumptions changed, more than the {shapley_limit} for which exact Shapley values "
                     f"are computed: a sequential waterfall instead, each assumption's effect when changed after "
                     f"those above it, in file order ({format.count(effect.runs)} runs of the model).")
    if effect.structural:
        notes.append(f"{STRUCTURE_STEP}: the total change minus the attributions, from changes that cannot be "
                     f"swapped value for value ({'; '.join(effect.structural)}).")
    return notes


def summary(review: Review) -> str:
    counts = {status: sum(c.status == status for c in review.changes) for status in ("changed", "added", "removed")}
    if not any(counts.values()):
        return f"{review.base} -> {review.head}: no changes to assumptions, scenarios or sources."
    return f"{review.base} -> {review.head}: " + ", ".join(f"{n} {status}" for status, n in counts.items()) + "."


def unaffected_text(review: Review) -> str:
    if not review.effects:
        return "No scenario's results change."
    if not review.unaffected:
        return ""
    return f"Results unchanged: {', '.join(review.unaffected)}."


def review_markdown(review: Review) -> str:
    """The whole review as one markdown block for a pull request."""
    parts = ["## Assumption changes", summary(review)]
    if review.changes:
        parts.append(markdown(changes_frame(review.changes)).rstrip("\n"))
    parts.append("## Effect on results")
    for effect in review.effects:
        frame = effect_frame(effect)
        parts += [f"### {effect.scenario}", markdown(frame).rstrip("\n") if len(frame) else NO_FIGURE_MOVED]
    if text := unaffected_text(review):
        parts.append(text)
    parts.append("## Attribution")
    if not review.effects:
        parts.append("Nothing to attribute.")
    for effect in review.effects:
        parts.append(f"### {effect.scenario}")
        parts += attribution_notes(effect, review.shapley_limit)
        frame = attribution_frame(effect)
        parts.append(markdown(frame).rstrip("\n") if len(frame) else NO_FIGURE_MOVED)
    return "\n\n".join(parts) + "\n"


def _plain(value: object) -> object:
    """A value JSON can hold: NaN as null, numpy scalars as Python numbers, series keyed by year."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    return value


def _records(frame: pd.DataFrame) -> list[dict[str, object]]:
    return [{column: _plain(value) for column, value in row.items()} for row in frame.to_dict("records")]


def review_json(review: Review) -> dict[str, Any]:
    """The review as plain data: every change with its fields and evidence, each affected scenario's effect and
    attribution in long form (numbers unrounded)."""
    return {
        "base": review.base,
        "head": review.head,
        "changes": [
            {**_plain(dataclasses.asdict(change)), "relative_change": _plain(change.relative_change)} for change in review.changes
        ],
        "scenarios": [
            {
                "scenario": effect.scenario,
                "method": effect.method,
                "runs": effect.runs,
                "steps": list(effect.steps),
                "structural": list(effect.structural),
                "effect": _records(effect.effect),
                "attribution": _records(effect.attribution),
            }
            for effect in review.effects
        ],
        "unaffected": list(review.unaffected),
    }


def waterfalls(review: Review) -> dict[str, ChartLike]:
    """The waterfall of each affected scenario's chosen figure (`Review.figures`), by file stem."""
    found = {}
    for effect, figure in zip(review.effects, review.figures, strict=True):
        if figure is None:
            continue
        # the chart's own subtitle speaks of Shapley values alone; otherwise say what these steps are, a line each
        notes = (attribution_notes(effect, review.shapley_limit)
                 if effect.method != "shapley" or effect.structural else None)
        found[f"waterfall-{effect.scenario}"] = waterfall(waterfall_frame(effect, figure), kind=effect.kinds[figure],
                                                             subtitle=notes)
    return found


def terminal(review: Review) -> list[Shown]:
    """What `scenario diff` prints on the terminal."""
    shown: list[Shown] = [summary(review)]
    if review.changes:
        shown.append(("Assumption changes", changes_frame(review.changes, evidence=False)))
    for effect in review.effects:
        shown.append((f"Effect on results: {effect.scenario}", effect_frame(effect)))
        attribution = attribution_frame(effect)
        if len(attribution):
            shown.append((f"Attribution: {effect.scenario}", attribution))
        shown += attribution_notes(effect, review.shapley_limit)
    if unaffected := unaffected_text(review):
        shown.append(unaffected)
    return shown
