"""Reviewing a change to the inputs: what changed between two versions of a project's files (a pure diff over
their entries), and which scenarios it moves; `model.analysis.attribution` splits each moved figure among the changes
and `model.present.review` renders the result. The two sides arrive loaded (`model.io.revisions` reads them).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from model import domain
from model.analysis.attribution import (
    SHAPLEY_LIMIT,
    InputChanges,
    ScenarioEffect,
    label,
    pick_figure,
    scenario_effect,
)
from model.analysis.audit import audit_loaded
from model.analysis.register import pooled_from
from model.catalogue import MARKET_PREFIX, parameter_of
from model.domain import (
    FX_PREFIX,
    Assumption,
    AssumptionSet,
    Inputs,
    Override,
    ProjectInputs,
    ResolvedAssumption,
    ScenarioDefinition,
    Source,
    Vintage,
)
from model.errors import Problem
from model.format import input_value

Status = Literal["added", "removed", "changed", "unchanged"]
SOURCE_FIELDS = tuple(f.name for f in dataclasses.fields(Source))


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
    def relative_change(self) -> float | dict[int, float | None] | None:
        """The value's change as a fraction of the old value (0.05 for 5%): per year present on both sides for a
        series; None where it has no meaning (not a number, a unit changed, the old value is zero, unchanged)."""
        if self.kind not in ("assumption", "override") or not self.value_changed or self.old_unit != self.new_unit:
            return None
        old, new = self.old, self.new
        if isinstance(old, dict) and isinstance(new, dict):
            return {year: relative(old[year], new[year]) for year in new if year in old}
        if isinstance(old, float) and isinstance(new, float):
            return relative(old, new)
        return None


def relative(old: float, new: float) -> float | None:
    return (new - old) / abs(old) if old else None


def _shown_file(path: Path) -> str:
    # the side's own folder names it (assumptions/alpha.yaml), whichever temporary or other folder holds it
    return f"{path.parent.name}/{path.name}"


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, tuple):
        return f"[{', '.join(input_value(v) for v in value)}]"
    if isinstance(value, float):
        return input_value(value)
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
        for name in ("excerpt", "locator", "rationale", "acknowledged"):
            if getattr(previous, name) != getattr(citation, name):
                yield FieldChange(f"{name} ({citation.ref})", getattr(previous, name), getattr(citation, name))


def _pool_text(figure: Assumption | Override) -> str | None:
    if not getattr(figure, "candidates", ()):
        return None
    return pooled_from(figure)  # type: ignore[arg-type]


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
    old_pool, new_pool = (_pool_text(figure) for figure in (old, new))
    if old_pool != new_pool:  # a pooled assumption's candidates, their sources and weights
        found.append(FieldChange("candidates", old_pool, new_pool))
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
    return "; ".join(f"{input_value(v.value.plain())} as of {v.as_of.isoformat()} ({', '.join(c.ref for c in v.sources)})"
                     for v in history)


def _effective(assumption_set: AssumptionSet, key: str) -> Assumption | None:
    """The assumption a scenario's override of `key` replaces on one side (None if that side has none)."""
    prefix, _, parameter = key.partition(".")
    if prefix == FX_PREFIX:
        return assumption_set.rates.get(parameter)
    if prefix == MARKET_PREFIX:
        return assumption_set.market.get(parameter)
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
        for name in ("name", "fiscal_year_end", "colour"):
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


def _market_rows(base: AssumptionSet, head: AssumptionSet, include_unchanged: bool) -> Iterator[Change]:
    located = head.market_at or base.market_at
    if located is None:
        return
    for parameter in _keyed(base.market, head.market):
        key = f"{MARKET_PREFIX}.{parameter}"
        where = head.market_at if parameter in head.market else base.market_at
        row = _row(key, "assumption", base.market.get(parameter), head.market.get(parameter), old_set=base,
                   new_set=head, parameter=key, file=_shown_file(located.file),
                   line=where.line(("assumptions", parameter)) if where else None, include_unchanged=include_unchanged)
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
        *_market_rows(base.assumptions, head.assumptions, include_unchanged),
        *_scenario_rows(base, head, include_unchanged),
        *_registry_rows(base.assumptions, head.assumptions),
    )


# ------------------------------------------------------------------------------------------ what a scenario runs on
def _shape(item: ResolvedAssumption) -> tuple[object, ...]:
    """What of an assumption decides where its value lands in the engine: its unit, the years of a series, and its
    period unless it is a rate (whose period only records what the evidence describes)."""
    value = item.assumption.value
    parameter = parameter_of(item.parameter)
    period = item.assumption.period if parameter is not None and parameter.role != "rate" else None
    return item.assumption.unit, value.years if value.is_series else None, period, item.fiscal_year_end


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
    figures: tuple[str | None, ...] = ()  # per effect, the figure its waterfall shows; None: it has none
    problems: tuple[Problem, ...] = ()  # what validation's source audit rejects in the head's evidence

    @property
    def settings(self) -> dict[str, Any]:
        return {"base": self.base, "head": self.head}


def review(base: ProjectInputs, head: ProjectInputs, *, include_unchanged: bool = False,
           shapley_limit: int = SHAPLEY_LIMIT, figure: str | None = None) -> Review:
    """Diff two sides' files, run every scenario whose resolved inputs differ on both sides, and attribute; each
    waterfall shows `figure` (see `attribution.pick_figure`), and the head's evidence is audited."""
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
    return Review(base.label, head.label, changes, tuple(effects), tuple(unaffected), shapley_limit,
                  tuple(pick_figure(effect, figure) for effect in effects), audit_side(head))
