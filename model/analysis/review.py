"""Reviewing a change to the inputs: what changed between two versions of a project's files, how much it moved each
scenario's headline results, and how much of that each changed assumption did (Shapley values, exact).

Pure: the two sides arrive loaded (`model.io.revisions` reads them); rendering (terminal tables, markdown, JSON) is a
separate set of functions at the end that only format what the diff found.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from model import domain
from model.analysis.audit import audit_loaded
from model.analysis.projection import Projection, format_headline_value, headline, run
from model.analysis.register import format_value, markdown
from model.catalogue import PARAMETERS
from model.core.engine import project
from model.core.parameters import assumption_values, engine_inputs
from model.domain import (
    FX_PREFIX,
    Assumption,
    AssumptionSet,
    Inputs,
    Override,
    ResolvedAssumption,
    ScenarioDefinition,
    Source,
    Vintage,
)
from model.errors import Problem, UsageError
from model.io.schema import EXCERPT_MAX_CHARS

Status = Literal["added", "removed", "changed", "unchanged"]

# Exact Shapley values take 2^m runs of the model for m changed assumptions: 4,096 runs (one vectorised call) at the
# limit. Past it the attribution is a sequential waterfall in file order (m + 1 runs), and the review says so.
SHAPLEY_LIMIT = 12
STRUCTURE_STEP = "other changes (structure)"
# Two results closer than this (relative to their size) are the same number: runs of equal inputs agree to the bit,
# but the vectorised Shapley runs sum floats in another order.
SAME = 1e-9
EVIDENCE_UNCHANGED = "value changed, evidence unchanged"
SOURCE_FIELDS = tuple(f.name for f in dataclasses.fields(Source))


# ----------------------------------------------------------------------------------------------------- the sides
@dataclass(frozen=True)
class ProjectInputs:
    """One side of a review: a project's assumption set and every scenario, loaded, checked and resolved."""

    label: str  # "HEAD", "working tree", a revision as given, or a folder
    assumptions: AssumptionSet
    scenario_files: dict[str, tuple[ScenarioDefinition, domain.Location]]  # each scenario file as written, by name
    scenarios: dict[str, Inputs]  # each scenario resolved (its `extends` chain and overrides applied), by name


def audit_side(side: ProjectInputs) -> tuple[Problem, ...]:
    """What `scenario validate` would reject in a side's evidence, as warnings (see `audit.audit_inputs`); files of
    a revision, exported to a folder since removed, are named as git names them (HEAD:assumptions/alpha.yaml)."""
    problems = audit_loaded(side.assumptions, [inputs.scenario for inputs in side.scenarios.values()])
    root = side.assumptions.directory.parent
    if root.exists():
        return problems
    return tuple(dataclasses.replace(p, file=f"{side.label}:{p.file.removeprefix(str(root) + '/')}")
                 if p.file.startswith(str(root) + "/") else p for p in problems)


# ------------------------------------------------------------------------------------------- changes to the files
@dataclass(frozen=True)
class FieldChange:
    """A change to something beside an assumption's value: its unit, confidence, a source's excerpt..."""

    field: str  # "confidence", "sources", "excerpt (alpha-filing)", "notes"...
    old: str | None
    new: str | None


@dataclass(frozen=True)
class Citation:
    """The evidence a value rests on: a source and the excerpt (or, for analyst judgement, the rationale)."""

    ref: str
    excerpt: str | None = None
    rationale: str | None = None


@dataclass(frozen=True)
class Change:
    """One row of the review: an assumption, override, scenario setting, company or source, old against new.

    `kind` is assumption, override, correlation, setting, description, scenario, company or source; `old`/`new` are
    values (a number or {year: number}) for assumptions, overrides and correlations, otherwise short texts; None on
    the side where the row does not exist. `file` is shown as folder/file.yaml and `line` is the head's (the base's
    for a removed row).
    """

    key: str
    kind: str
    status: Status
    old: float | dict[int, float] | str | None
    new: float | dict[int, float] | str | None
    old_unit: str | None = None
    new_unit: str | None = None
    fields: tuple[FieldChange, ...] = ()
    evidence: tuple[Citation, ...] = ()
    file: str = ""
    line: int | None = None
    evidence_unchanged: bool = False  # the value moved while its sources and rationale stayed byte for byte

    @property
    def value_changed(self) -> bool:
        return self.status == "changed" and self.old != self.new

    @property
    def percent(self) -> float | dict[int, float | None] | None:
        """The value's change in percent of the old value (a fraction): per year present on both sides for a
        series; None where it has no meaning (not a number, a unit changed, the old value is zero, unchanged)."""
        if self.kind not in ("assumption", "override") or not self.value_changed or self.old_unit != self.new_unit:
            return None
        old, new = self.old, self.new
        if isinstance(old, dict) and isinstance(new, dict):
            return {year: _relative(old[year], new[year]) for year in new if year in old}
        if isinstance(old, float) and isinstance(new, float):
            return _relative(old, new)
        return None


def _relative(old: float, new: float) -> float | None:
    return (new - old) / abs(old) if old else None


def _shown_file(path: Path) -> str:
    # the side's own folder names it (assumptions/alpha.yaml), whichever temporary or other folder holds it
    return f"{path.parent.name}/{path.name}"


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, tuple):
        return f"[{', '.join(format_value(v) for v in value)}]"
    if isinstance(value, float):
        return format_value(value)
    return str(value).strip()


def _citations(sources: Iterable[domain.Citation]) -> tuple[Citation, ...]:
    return tuple(Citation(c.ref, c.excerpt, c.rationale) for c in sources)


def _source_changes(old: Sequence[domain.Citation], new: Sequence[domain.Citation]) -> Iterator[FieldChange]:
    old_refs, new_refs = [c.ref for c in old], [c.ref for c in new]
    if old_refs != new_refs:
        yield FieldChange("sources", ", ".join(old_refs), ", ".join(new_refs))
    before = {c.ref: c for c in reversed(old)}  # the first citation of a ref, when one cites it twice
    for citation in new:
        previous = before.pop(citation.ref, None)
        if previous is None:
            continue
        for name in ("excerpt", "locator", "rationale"):
            if getattr(previous, name) != getattr(citation, name):
                yield FieldChange(f"{name} ({citation.ref})", getattr(previous, name), getattr(citation, name))


def _assumption_fields(old: Assumption | Override, new: Assumption | Override, units: tuple[str, str],
                       periods: tuple[str, str]) -> tuple[FieldChange, ...]:
    """What changed beside the value, in the order of the files' fields; unit and period are the effective ones (an
    override without them takes its assumption's)."""
    found = []
    for name, (before, after) in (("unit", units), ("period", periods)):
        if before != after:
            found.append(FieldChange(name, before, after))
    for name in ("confidence", "range", "as_of"):
        if getattr(old, name) != getattr(new, name):
            found.append(FieldChange(name, _text(getattr(old, name)), _text(getattr(new, name))))
    found += _source_changes(old.sources, new.sources)
    for name in ("rationale", "notes"):
        before, after = getattr(old, name, None), getattr(new, name, None)
        if before != after:
            found.append(FieldChange(name, _text(before), _text(after)))
    if old.history != new.history:
        found.append(FieldChange("history", _history_text(old.history), _history_text(new.history)))
    return tuple(found)


def _history_text(history: Sequence[Vintage]) -> str | None:
    """The earlier values, oldest first, each with when it was known and what it cited (None when there are none)."""
    if not history:
        return None
    return "; ".join(f"{format_value(v.value)} as of {v.as_of.isoformat()} ({', '.join(c.ref for c in v.sources)})"
                     for v in history)


def _effective(assumption_set: AssumptionSet, key: str) -> Assumption | None:
    """The assumption a scenario's override of `key` replaces on one side (None if that side has none)."""
    prefix, _, parameter = key.partition(".")
    if prefix == FX_PREFIX:
        return assumption_set.rates.get(parameter)
    company = next((c for c in assumption_set.companies if c.slug == prefix), None)
    return company.assumptions.get(parameter) if company else None


def _unit_period(item: Assumption | Override, assumption_set: AssumptionSet, key: str) -> tuple[str | None, str | None]:
    if isinstance(item, Assumption):
        return item.unit, item.period
    original = _effective(assumption_set, key)
    return item.unit or (original.unit if original else None), item.period or (original.period if original else None)


def _row(key: str, kind: str, old: Assumption | Override | None, new: Assumption | Override | None, *,
         old_set: AssumptionSet, new_set: AssumptionSet, parameter: str, file: str, line: int | None,
         include_unchanged: bool) -> Change | None:
    """The row of one assumption or override, or None when it is unchanged and not asked for."""
    old_unit, old_period = _unit_period(old, old_set, parameter) if old is not None else (None, None)
    new_unit, new_period = _unit_period(new, new_set, parameter) if new is not None else (None, None)
    if old is None or new is None:
        status: Status = "added" if old is None else "removed"
        fields: tuple[FieldChange, ...] = ()
    else:
        fields = _assumption_fields(old, new, (old_unit, new_unit), (old_period, new_period))
        status = "changed" if fields or old.value != new.value else "unchanged"
    if status == "unchanged" and not include_unchanged:
        return None
    shown = new if new is not None else old
    # a change holds plain numbers and series, as the JSON output writes them
    return Change(key, kind, status, old.value.plain() if old is not None else None,
                  new.value.plain() if new is not None else None,
                  old_unit, new_unit, fields, _citations(shown.sources), file, line,
                  evidence_unchanged=old is not None and new is not None and old.value != new.value
                  and _evidence(old) == _evidence(new))


def _evidence(item: Assumption | Override) -> tuple[object, ...]:
    """What a value rests on, as written: each citation's ref, excerpt, locator and rationale, and the rationale."""
    return (tuple((c.ref, c.excerpt, c.locator, c.rationale) for c in item.sources), getattr(item, "rationale", None))


def _keyed(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """The keys of both, in the new side's order, then the removed ones in the old side's."""
    return [*new, *(key for key in old if key not in new)]


def _company_rows(base: AssumptionSet, head: AssumptionSet, include_unchanged: bool) -> Iterator[Change]:
    old_companies = {c.slug: c for c in base.companies}
    new_companies = {c.slug: c for c in head.companies}
    for slug in _keyed(old_companies, new_companies):
        old, new = old_companies.get(slug), new_companies.get(slug)
        if old is None or new is None:
            company = new or old
            summary = f"{company.name}, {len(company.assumptions)} assumptions"
            yield Change(f"company {slug}", "company", "added" if old is None else "removed",
                         None if old is None else summary, summary if old is None else None,
                         file=_shown_file(company.located.file))
            continue
        file = _shown_file(new.located.file)
        for name in ("name", "fiscal_year_end"):
            if getattr(old, name) != getattr(new, name):
                yield Change(f"company {slug}: {name}", "company", "changed", str(getattr(old, name)),
                             str(getattr(new, name)), file=file, line=new.located.line((name,)))
        for parameter in _keyed(old.assumptions, new.assumptions):
            located = new.located if parameter in new.assumptions else old.located
            row = _row(f"{slug}.{parameter}", "assumption", old.assumptions.get(parameter),
                       new.assumptions.get(parameter), old_set=base, new_set=head, parameter=f"{slug}.{parameter}",
                       file=file, line=located.line(("assumptions", parameter)),
                       include_unchanged=include_unchanged)
            if row is not None:
                yield row


def _fx_rows(base: AssumptionSet, head: AssumptionSet, include_unchanged: bool) -> Iterator[Change]:
    file = _shown_file(head.fx.file)
    if base.base_currency != head.base_currency:
        yield Change("fx: base_currency", "setting", "changed", base.base_currency, head.base_currency, file=file,
                     line=head.fx.line(("base_currency",)))
    for currency in _keyed(base.rates, head.rates):
        located = head.fx if currency in head.rates else base.fx
        key = f"{FX_PREFIX}.{currency}"
        row = _row(key, "assumption", base.rates.get(currency), head.rates.get(currency), old_set=base,
                   new_set=head, parameter=key, file=file, line=located.line(("rates", currency)),
                   include_unchanged=include_unchanged)
        if row is not None:
            yield row


SETTINGS = ("extends", "horizon", "reporting_currency", "as_of")


def _setting_text(name: str, value: object) -> str | None:
    if name == "horizon" and value is not None:
        return f"{value[0]}-{value[1]}"
    return None if value is None else str(value)


def _scenario_summary(scenario: ScenarioDefinition) -> str:
    parent = f"extends {scenario.extends}" if scenario.extends else "extends nothing"
    return f"{parent}, {len(scenario.overrides)} override{'s' * (len(scenario.overrides) != 1)}"


def _scenario_rows(base: ProjectInputs, head: ProjectInputs, include_unchanged: bool) -> Iterator[Change]:
    for name in _keyed(base.scenario_files, head.scenario_files):
        old_entry, new_entry = base.scenario_files.get(name), head.scenario_files.get(name)
        if old_entry is None or new_entry is None:
            scenario, located = new_entry or old_entry
            summary = _scenario_summary(scenario)
            yield Change(f"scenario {name}", "scenario", "added" if old_entry is None else "removed",
                         None if old_entry is None else summary, summary if old_entry is None else None,
                         file=_shown_file(located.file))
            continue
        (old, old_located), (new, located) = old_entry, new_entry
        file = _shown_file(located.file)
        if old.description != new.description:
            yield Change(f"scenario {name}: description", "description", "changed", old.description.strip(),
                         new.description.strip(), file=file, line=located.line(("description",)))
        for setting in SETTINGS:
            before, after = getattr(old, setting), getattr(new, setting)
            if before != after:
                yield Change(f"scenario {name}: {setting}", "setting", "changed", _setting_text(setting, before),
                             _setting_text(setting, after), file=file, line=located.line((setting,)))
        for key in _keyed(old.overrides, new.overrides):
            node = located if key in new.overrides else old_located
            row = _row(f"scenario {name}: {key}", "override", old.overrides.get(key), new.overrides.get(key),
                       old_set=base.assumptions, new_set=head.assumptions, parameter=key, file=file,
                       line=node.line(("overrides", key)), include_unchanged=include_unchanged)
            if row is not None:
                yield row
        old_pairs = {frozenset(c.keys): (i, c) for i, c in enumerate(old.correlations)}
        new_pairs = {frozenset(c.keys): (i, c) for i, c in enumerate(new.correlations)}
        for pair in _keyed(old_pairs, new_pairs):
            before, after = old_pairs.get(pair), new_pairs.get(pair)
            index, correlation = after or before
            node = located if after else old_located
            fields: tuple[FieldChange, ...] = ()
            if before and after and before[1].rationale != after[1].rationale:
                fields = (FieldChange("rationale", before[1].rationale, after[1].rationale),)
            if before and after and before[1].rank == after[1].rank and not fields:
                continue
            status = "added" if before is None else "removed" if after is None else "changed"
            yield Change(f"scenario {name}: correlation {correlation.keys[0]} ~ {correlation.keys[1]}",
                         "correlation", status, before[1].rank if before else None, after[1].rank if after else None,
                         fields=fields, file=file, line=node.line(("correlations", index)))


def _source_summary(source: Source) -> str:
    return f"{source.kind}, {source.date}"


def _registry_rows(base: AssumptionSet, head: AssumptionSet) -> Iterator[Change]:
    file = _shown_file(head.directory / "sources.yaml")
    for ref in _keyed(base.sources, head.sources):
        old, new = base.sources.get(ref), head.sources.get(ref)
        if old is not None and new is not None and old == new:
            continue
        fields = ()
        if old is not None and new is not None:
            fields = tuple(FieldChange(name, _text(getattr(old, name)), _text(getattr(new, name)))
                           for name in SOURCE_FIELDS if getattr(old, name) != getattr(new, name))
        status: Status = "added" if old is None else "removed" if new is None else "changed"
        yield Change(f"source {ref}", "source", status, _source_summary(old) if old else None,
                     _source_summary(new) if new else None, fields=fields, file=file)


def diff_projects(base: ProjectInputs, head: ProjectInputs, *, include_unchanged: bool = False) -> tuple[Change, ...]:
    """Every change between two sides' files: company assumptions (file by file, in each file's order), exchange
    rates, scenarios (settings, overrides, correlations) and the source registry; added and removed entries too.
    Unchanged assumptions and overrides are left out unless `include_unchanged`."""
    return (
        *_company_rows(base.assumptions, head.assumptions, include_unchanged),
        *_fx_rows(base.assumptions, head.assumptions, include_unchanged),
        *_scenario_rows(base, head, include_unchanged),
        *_registry_rows(base.assumptions, head.assumptions),
    )


# ------------------------------------------------------------------------------------------ what a scenario runs on
@dataclass(frozen=True)
class InputChanges:
    """How a scenario's resolved inputs differ: keys whose value alone changed (their old values fit the new
    structure, so they can be swapped one by one) and changes of structure, which cannot."""

    values: tuple[str, ...]  # keys, in the new side's (file) order
    structural: tuple[str, ...]  # descriptions: "alpha.capex.base added", "horizon 2025-2027 -> 2025-2028"

    def __bool__(self) -> bool:
        return bool(self.values or self.structural)


def _shape(item: ResolvedAssumption) -> tuple[object, ...]:
    """What of an assumption decides where its value lands in the engine: its unit, the years of a series, and its
    period unless it is a rate (whose period only records what the evidence describes)."""
    value = item.assumption.value
    parameter = PARAMETERS.get(item.parameter)
    period = item.assumption.period if parameter is not None and parameter.role != "rate" else None
    return item.assumption.unit, value.years if value.is_series else None, period, item.fiscal_year_end


def label(item: ResolvedAssumption) -> str:
    """How the review names a resolved assumption: the key, prefixed by the scenario whose override sets it."""
    return f"scenario {item.overridden_by}: {item.key}" if item.overridden_by else item.key


def input_changes(old: Inputs, new: Inputs) -> InputChanges:
    """What differs between two resolutions of one scenario, as far as a deterministic run can tell."""
    structural = []
    for name, before, after in (
        ("horizon", "-".join(map(str, old.scenario.horizon)), "-".join(map(str, new.scenario.horizon))),
        ("reporting currency", old.scenario.reporting_currency, new.scenario.reporting_currency),
        ("base currency", old.assumptions.base_currency, new.assumptions.base_currency),
    ):
        if before != after:
            structural.append(f"{name} {before} -> {after}")
    old_companies = [c.slug for c in old.companies]
    new_companies = [c.slug for c in new.companies]
    structural += [f"company {slug} added" for slug in new_companies if slug not in old_companies]
    structural += [f"company {slug} removed" for slug in old_companies if slug not in new_companies]
    values = []
    for key in _keyed(old.resolved, new.resolved):
        before, after = old.resolved.get(key), new.resolved.get(key)
        company = (after or before).company
        if company is not None and (company.slug not in old_companies or company.slug not in new_companies):
            continue  # an added or removed company is one change, named above, not one per key
        if before is None or after is None:
            structural.append(f"{label(after or before)} {'added' if before is None else 'removed'}")
        elif _shape(before) != _shape(after):
            what = [name for name, a, b in zip(("unit", "series years", "period", "fiscal year"), _shape(before),
                                               _shape(after), strict=True) if a != b]
            structural.append(f"{label(after)}: {', '.join(what)} changed")
        elif before.assumption.value != after.assumption.value:
            values.append(key)
    return InputChanges(tuple(values), tuple(structural))


# -------------------------------------------------------------------------------------------------- attribution
def shapley_weights(players: int) -> np.ndarray:
    """(m, 2^m) weights W such that W @ v gives each player's Shapley value, for v the game's worth on every
    coalition (coalition j holds player i when bit i of j is set).

    phi_i = sum over coalitions S without i of |S|! (m - |S| - 1)! / m! * (v(S + i) - v(S)): W[i, S] is that weight
    where S holds i (as the "S + i" term) and minus it where S does not.
    """
    coalitions = np.arange(2**players)
    member = (coalitions[None, :] >> np.arange(players)[:, None]) & 1  # (m, 2^m)
    size = member.sum(axis=0)  # (2^m,)
    factorial = np.array([math.factorial(k) for k in range(players + 1)], dtype=float)

    def weight(others: np.ndarray) -> np.ndarray:  # coalitions of `others` players besides i
        return factorial[others] * factorial[players - others - 1] / factorial[players]

    with_i = weight(np.maximum(size - 1, 0))
    without_i = weight(np.minimum(size, players - 1))
    return np.where(member == 1, with_i[None, :], -without_i[None, :])


def shapley_values(outcomes: np.ndarray) -> np.ndarray:
    """Exact Shapley values of m players from the outcomes (2^m, ...) of every coalition (bit i of the first index:
    player i is in); returns (m, ...). They add up to outcomes[-1] - outcomes[0]."""
    players = len(outcomes).bit_length() - 1
    if 2**players != len(outcomes):
        raise ValueError(f"outcomes of every coalition number a power of two, not {len(outcomes)}")
    flat = outcomes.reshape(len(outcomes), -1)
    return (shapley_weights(players) @ flat).reshape(players, *outcomes.shape[1:])


def sequential_values(outcomes: np.ndarray) -> np.ndarray:
    """A waterfall's steps from the outcomes (m + 1, ...) of making the changes one after another (row k: the first
    k made); returns (m, ...)."""
    return np.diff(outcomes, axis=0)


def _coalitions(players: int, method: str) -> np.ndarray:
    """(N, m) booleans, True where a run takes the new value: every coalition, or the first k for k = 0..m."""
    if method == "shapley":
        return ((np.arange(2**players)[:, None] >> np.arange(players)[None, :]) & 1).astype(bool)
    return np.arange(players)[None, :] < np.arange(players + 1)[:, None]


def _figures(template: Projection, metrics: dict[str, np.ndarray]) -> np.ndarray:
    """(N, C, F) headline figures of N draws of metrics (N, C, H), through `headline` itself: the draws are laid
    side by side as N x C companies, which the headline (a per-company table) reads row by row."""
    draws, companies = next(iter(metrics.values())).shape[:2]
    stacked = {name: np.ascontiguousarray(values).reshape(1, draws * companies, -1) for name, values in metrics.items()}
    names = tuple(f"{d}:{c}" for d in range(draws) for c in template.companies)
    table = headline(dataclasses.replace(template, companies=names, metrics=stacked, simulation=None))
    return table.to_numpy().reshape(draws, companies, -1)


def attribution_runs(old: Inputs, new: Inputs, keys: tuple[str, ...], template: Projection, method: str) -> np.ndarray:
    """The headline figures (N, C, F) of `new` with each of `keys` at its old or new value as `_coalitions` lays
    out: N draws of one engine call on the new side's structure."""
    values, old_values = assumption_values(new), assumption_values(old)
    masks = _coalitions(len(keys), method)
    for position, key in enumerate(keys):
        before, after = old_values[key][0], values[key][0]
        take_new = masks[:, position].reshape(-1, *([1] * after.ndim))
        values[key] = np.where(take_new, after, before)
    return _figures(template, project(engine_inputs(new, values)))


@dataclass(frozen=True)
class ScenarioEffect:
    """A scenario run on both sides: its headline figures and each figure's change split among the changes.

    `effect`: company, slug, figure, old, new, change, percent (NaN where a side lacks the figure; percent NaN where
    the old figure is zero). `attribution`: company, slug, figure, step, contribution, in the order of `steps`, for
    every figure both sides have that moved (or whose steps cancel out); per figure they add up to its change.
    """

    scenario: str
    effect: pd.DataFrame
    attribution: pd.DataFrame
    steps: tuple[str, ...]  # the changed assumptions' labels in file order, then STRUCTURE_STEP when there is one
    method: str  # "shapley" or "sequential"
    runs: int  # draws of the model the attribution took
    structural: tuple[str, ...]
    figures: tuple[str, ...] = ()  # every headline figure of the new side, moved or not


EFFECT_COLUMNS = ["company", "slug", "figure", "old", "new", "change", "percent"]
ATTRIBUTION_COLUMNS = ["company", "slug", "figure", "step", "contribution"]


def _moved(old: np.ndarray, new: np.ndarray) -> np.ndarray:
    scale = np.maximum(np.abs(old), np.abs(new))
    return np.abs(new - old) > SAME * scale


def scenario_effect(old: Inputs, new: Inputs, changes: InputChanges, *, include_unchanged: bool = False,
                    shapley_limit: int = SHAPLEY_LIMIT) -> ScenarioEffect:
    """Run one scenario on both sides (one draw each) and attribute each headline figure's change.

    The value changes are attributed on the new side's structure: exact Shapley values over them when there are at
    most `shapley_limit` (2^m draws in one engine call), else a sequential waterfall in file order (m + 1 draws).
    Whatever structural changes add (keys added or removed, units, periods, the horizon...) is the total change minus
    those attributions, one STRUCTURE_STEP, so each figure's steps add up to its change exactly.
    """
    old_projection, new_projection = run(old), run(new)
    old_table, new_table = headline(old_projection), headline(new_projection)
    old_slugs = [c.slug for c in old.companies]
    new_slugs = [c.slug for c in new.companies]
    names = {c.slug: c.name for c in (*old.companies, *new.companies)}  # the new name of a renamed company
    slugs = [*new_slugs, *(s for s in old_slugs if s not in new_slugs)]
    figures = [*new_table.columns, *(f for f in old_table.columns if f not in new_table.columns)]
    rows = []
    for slug in slugs:
        for figure in figures:
            before = old_table[figure].iloc[old_slugs.index(slug)] if slug in old_slugs and figure in old_table else np.nan
            after = new_table[figure].iloc[new_slugs.index(slug)] if slug in new_slugs and figure in new_table else np.nan
            rows.append({"company": names[slug], "slug": slug, "figure": figure, "old": float(before),
                         "new": float(after)})
    effect = pd.DataFrame(rows, columns=EFFECT_COLUMNS[:5])
    effect["change"] = effect["new"] - effect["old"]
    with np.errstate(divide="ignore", invalid="ignore"):
        effect["percent"] = np.where(effect["old"] != 0, effect["change"] / effect["old"].abs(), np.nan)

    keys = changes.values
    method = "shapley" if len(keys) <= shapley_limit else "sequential"
    steps = tuple(label(new.resolved[key]) for key in keys)
    contributions = np.zeros((len(keys), len(new_slugs), len(new_table.columns)))
    runs = 0
    if keys:
        outcomes = attribution_runs(old, new, keys, new_projection, method)
        runs = len(outcomes)
        contributions = shapley_values(outcomes) if method == "shapley" else sequential_values(outcomes)
    if changes.structural:
        steps += (STRUCTURE_STEP,)
    attribution = []
    for c, slug in enumerate(new_slugs):
        if slug not in old_slugs:
            continue
        for f, figure in enumerate(new_table.columns):
            if figure not in old_table.columns:
                continue
            before = float(old_table[figure].iloc[old_slugs.index(slug)])
            after = float(new_table[figure].iloc[c])
            scale = max(abs(before), abs(after))
            # a step that leaves a figure alone comes out as rounding noise of the weighted sums: call it zero
            parts = [0.0 if abs(part) <= SAME * scale else float(part) for part in contributions[:, c, f]]
            if changes.structural:
                rest = (after - before) - sum(parts)
                parts.append(0.0 if abs(rest) <= SAME * scale else rest)
            if not _moved(np.array(before), np.array(after)) and all(abs(p) <= SAME * scale for p in parts):
                continue
            attribution += [{"company": names[slug], "slug": slug, "figure": figure, "step": step,
                             "contribution": float(part)} for step, part in zip(steps, parts, strict=True)]
    attribution_frame = pd.DataFrame(attribution, columns=ATTRIBUTION_COLUMNS)
    if not include_unchanged:
        # shown: the figures that moved, those only one side has, and those whose steps cancel out
        moved = _moved(effect["old"].to_numpy(), effect["new"].to_numpy()) | effect["change"].isna().to_numpy()
        attributed = pd.MultiIndex.from_frame(attribution_frame[["slug", "figure"]])
        moved |= pd.MultiIndex.from_frame(effect[["slug", "figure"]]).isin(attributed)
        effect = effect[moved].reset_index(drop=True)
    return ScenarioEffect(new.scenario.name, effect, attribution_frame, steps, method, runs, changes.structural,
                          tuple(new_table.columns))


# ------------------------------------------------------------------------------------------------------- a review
@dataclass(frozen=True)
class Review:
    """Everything `scenario diff` reports: the changed entries, and the scenarios whose results they move."""

    base: str
    head: str
    changes: tuple[Change, ...]
    effects: tuple[ScenarioEffect, ...]  # the affected scenarios, by name
    unaffected: tuple[str, ...]  # scenarios on both sides whose headline figures do not move
    shapley_limit: int = SHAPLEY_LIMIT


def review(base: ProjectInputs, head: ProjectInputs, *, include_unchanged: bool = False,
           shapley_limit: int = SHAPLEY_LIMIT) -> Review:
    """Diff two sides' files, run every scenario whose resolved inputs differ on both sides, and attribute."""
    changes = diff_projects(base, head, include_unchanged=include_unchanged)
    effects, unaffected = [], []
    for name in sorted(set(base.scenarios) & set(head.scenarios)):
        found = input_changes(base.scenarios[name], head.scenarios[name])
        if not found:
            unaffected.append(name)
            continue
        effect = scenario_effect(base.scenarios[name], head.scenarios[name], found,
                                 include_unchanged=include_unchanged, shapley_limit=shapley_limit)
        if effect.effect.empty and effect.attribution.empty:  # a change of structure that moves no figure
            unaffected.append(name)
        else:
            effects.append(effect)
    return Review(base.label, head.label, changes, tuple(effects), tuple(unaffected), shapley_limit)


# --------------------------------------------------------------------------------------------------- the waterfall
WATERFALL_COLUMNS = ["scenario", "company", "figure", "order", "step", "kind", "bottom", "top", "amount"]


def waterfall_figures(effect: ScenarioEffect) -> list[str]:
    """The figures a waterfall can show: those with an attribution, in headline order."""
    return effect.attribution["figure"].drop_duplicates().tolist()


def default_figure(effect: ScenarioEffect) -> str | None:
    """The figure whose change is largest relative to its size (|new - old| / max(|old|, |new|)) at any company;
    the first in headline order on a tie; None when no figure moved."""
    candidates = waterfall_figures(effect)
    if not candidates:
        return None
    rows = effect.effect[effect.effect["figure"].isin(candidates)].dropna(subset=["change"])
    size = np.maximum(rows["old"].abs(), rows["new"].abs()).replace(0, np.nan)
    relative = (rows["change"].abs() / size).fillna(0).groupby(rows["figure"], sort=False).max()
    return max(candidates, key=lambda f: (relative.get(f, 0.0), -candidates.index(f)))


def pick_figure(effect: ScenarioEffect, wanted: str | None) -> str | None:
    """The figure whose waterfall to draw: the headline figure named `wanted` (its label, or the start of it, in any
    case), or by default `default_figure`; None when that figure did not move in this scenario (no waterfall). A
    UsageError lists the valid names when `wanted` matches no figure, or several."""
    if wanted is None:
        return default_figure(effect)
    needle = wanted.strip().lower()
    exact = [f for f in effect.figures if f.lower() == needle]
    found = exact or [f for f in effect.figures if f.lower().startswith(needle)]
    if len(found) != 1:
        what = "matches several headline figures" if found else "matches no headline figure"
        raise UsageError(f"--figure '{wanted}' {what} of scenario {effect.scenario}; valid: "
                         f"{', '.join(repr(f) for f in (found or effect.figures))}")
    return found[0] if found[0] in waterfall_figures(effect) else None


def waterfall_frame(effect: ScenarioEffect, figure: str) -> pd.DataFrame:
    """The waterfall of one figure, per company that has it on both sides: an "old" bar (from zero to the old
    value), a floating bar per step from the running total before it to the total after it, and a "new" bar."""
    rows = []
    moved = effect.attribution[effect.attribution["figure"] == figure]
    for slug, steps in moved.groupby("slug", sort=False):
        figures = effect.effect[(effect.effect["slug"] == slug) & (effect.effect["figure"] == figure)].iloc[0]
        company, old, new = steps["company"].iloc[0], float(figures["old"]), float(figures["new"])
        bars = [("old", "old", 0.0, old, old)]
        total = old
        for step, amount in zip(steps["step"], steps["contribution"], strict=True):
            bars.append((step, "increase" if amount >= 0 else "decrease", total, total + amount, amount))
            total += amount
        bars.append(("new", "new", 0.0, new, new))
        rows += [{"scenario": effect.scenario, "company": company, "figure": figure, "order": order, "step": step,
                  "kind": kind, "bottom": bottom, "top": top, "amount": amount}
                 for order, (step, kind, bottom, top, amount) in enumerate(bars)]
    return pd.DataFrame(rows, columns=WATERFALL_COLUMNS)


# ---------------------------------------------------------------------------------------------------- rendering
# What follows only formats a Review: the same sections as terminal tables, one markdown block, or JSON.
LONG_TEXTS = ("notes", "rationale", "description")  # fields said to be "edited", not quoted in full
NO_FIGURE_MOVED = "No headline figure moved."


def value_text(value: float | dict[int, float] | str | None, unit: str | None = None) -> str:
    """A value as the files write it (a series per year), with its unit unless that is a plain ratio."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    text = format_value(value)
    if not unit or unit == "ratio":
        return text
    return f"{text} ({unit})" if isinstance(value, dict) else f"{text} {unit}"


def _percent(fraction: float | None) -> str:
    return "n/a" if fraction is None else f"{fraction:+.1%}"


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
                parts.append(f"{year}: {_percent(_relative(old[year], new[year]))}")
            elif year not in old or year not in new:
                parts.append(f"{year}: {'added' if year in new else 'removed'}")
        return ", ".join(parts)
    if isinstance(old, float) and isinstance(new, float):
        return _percent(_relative(old, new))
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


def figure_text(figure: str, value: float) -> str:
    """A headline figure as the run's headline table shows it; empty where the side lacks it."""
    if value is None or math.isnan(value):
        return ""
    return format_headline_value(figure, value)


def signed_figure_text(figure: str, value: float) -> str:
    """A change of a headline figure: signed, in the figure's format, and in percentage points for a share."""
    if value is None or math.isnan(value):
        return ""
    if value == 0:
        return "0"
    text = figure_text(figure, abs(value))
    if text.endswith("%"):
        text = f"{text[:-1]} pp"
    return f"{'+' if value > 0 else '-' if value < 0 else ''}{text}"


def effect_frame(effect: ScenarioEffect) -> pd.DataFrame:
    rows = [{
        "company": row.company,
        "figure": row.figure,
        "old": figure_text(row.figure, row.old),
        "new": figure_text(row.figure, row.new),
        "change": signed_figure_text(row.figure, row.change),
        "%": "" if math.isnan(row.change) else _percent(None if math.isnan(row.percent) else row.percent),
    } for row in effect.effect.itertuples(index=False)]
    return pd.DataFrame(rows, columns=["company", "figure", "old", "new", "change", "%"])


def attribution_frame(effect: ScenarioEffect) -> pd.DataFrame:
    """One row per moved figure: its change split by step (a column each, in order), and the total."""
    rows = []
    for (company, figure), group in effect.attribution.groupby(["company", "figure"], sort=False):
        row = {"company": company, "figure": figure}
        row |= {step: signed_figure_text(figure, amount) for step, amount in zip(group["step"], group["contribution"],
                                                                                   strict=True)}
        row["total"] = signed_figure_text(figure, float(group["contribution"].sum()))
        rows.append(row)
    return pd.DataFrame(rows, columns=["company", "figure", *effect.steps, "total"])


def attribution_notes(effect: ScenarioEffect, shapley_limit: int = SHAPLEY_LIMIT) -> list[str]:
    """How the attribution was made, in words."""
    changed = len(effect.steps) - (STRUCTURE_STEP in effect.steps)
    notes = []
    if changed == 1 and not effect.structural:
        notes.append(f"One changed assumption: the whole change is its effect ({effect.runs:,} runs of the model).")
    elif changed == 1:
        notes.append(f"One changed assumption: its effect is what changing it alone does, with the new files' "
                     f"structure ({effect.runs:,} runs of the model).")
    elif changed and effect.method == "shapley":
        notes.append(f"Shapley values over the {changed} changed assumption{'s' * (changed != 1)}: each one's effect "
                     f"averaged over every order of making the changes ({effect.runs:,} runs of the model).")
    elif changed:
        notes.append(f"{changed} assumptions changed, more than the {shapley_limit} for which exact Shapley values "
                     f"are computed: a sequential waterfall instead, each assumption's effect when changed after "
                     f"those above it, in file order ({effect.runs:,} runs of the model).")
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
            {**_plain(dataclasses.asdict(change)), "percent": _plain(change.percent)} for change in review.changes
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
