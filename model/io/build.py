"""Builds the domain's plain objects from the validated file models (the schema stays inside io)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from model.core.uncertainty import pooled
from model.domain import (
    Assumption,
    Candidate,
    Citation,
    Correlation,
    Override,
    ScenarioDefinition,
    Source,
    Value,
    Vintage,
)
from model.io import schema

# The kind a candidate's source is weighed as when the source is not registered (an error reported at its citation,
# so the number only lets loading go on to find the file's other problems).
UNREGISTERED_KIND = "unconfirmed"


def citation(ref: schema.SourceRef) -> Citation:
    return Citation(ref.ref, ref.excerpt, ref.locator, ref.rationale, ref.acknowledged)


def source(entry: schema.Source) -> Source:
    return Source(**dict(entry))


def _figure(model: schema.Assumption | schema.Override | schema.Vintage, kind: type[Any]) -> Any:
    # the file models and the domain types share their field names; only values, citations and vintages change type
    fields = dict(model)
    if fields.get("candidates", ()) is None:
        del fields["candidates"]  # (a single figure's; the domain's default is none)
    fields["value"] = Value.of(model.value)
    fields["sources"] = tuple(citation(c) for c in model.sources)
    if "history" in fields:
        fields["history"] = tuple(_figure(v, Vintage) for v in model.history)
    return kind(**fields)


def assumption(model: schema.Assumption, parameter: str = "", registry: Mapping[str, Source] | None = None
               ) -> Assumption:
    """The domain's assumption; a pooled one with its weights and value (the pool's median) worked out against its
    own as_of, from the kinds and dates of its candidates' sources in `registry` (scenarios weigh them again against
    their as_of: `repool`). `parameter` is the catalogue's key (capex.base, market.cloud.total_base) or fx."""
    if model.candidates is None:
        return _figure(model, Assumption)
    registry = registry or {}
    fields = dict(model)
    fields["value"] = Value.of(0.0)  # replaced by the pool's median below
    fields["sources"] = tuple(citation(c) for c in model.sources)
    fields["history"] = tuple(_figure(v, Vintage) for v in model.history)
    fields["candidates"] = tuple(_candidate(c, model, registry) for c in model.candidates)
    return repool(Assumption(**fields), parameter, registry, model.as_of)


def _candidate(model: schema.Candidate, entry: schema.Assumption, registry: Mapping[str, Source]) -> Candidate:
    source = registry.get(model.source.ref)
    known = model.as_of or (source.date if source is not None else entry.as_of)
    return Candidate(value=model.value, source=citation(model.source), as_of=known,
                     confidence=model.confidence or entry.confidence, range=model.range, weight=model.weight,
                     notes=model.notes, unit=model.unit, period=model.period)


def repool(figure: Assumption, parameter: str, registry: Mapping[str, Source], as_of: dt.date) -> Assumption:
    """A pooled assumption weighed against `as_of` (a scenario's information cut-off), its value the pool's median;
    any other assumption as it is."""
    if not figure.pooled:
        return figure
    kinds = [registry[c.source.ref].kind if c.source.ref in registry else UNREGISTERED_KIND for c in figure.candidates]
    return pooled(figure, parameter, kinds, as_of)


def override(model: schema.Override) -> Override:
    return _figure(model, Override)


def vintage(model: schema.Vintage) -> Vintage:
    return _figure(model, Vintage)


def scenario_definition(model: schema.ScenarioFile) -> ScenarioDefinition:
    return ScenarioDefinition(
        name=model.name,
        description=model.description,
        extends=model.extends,
        horizon=model.horizon,
        reporting_currency=model.reporting_currency,
        as_of=model.as_of,
        overrides={key: override(entry) for key, entry in model.overrides.items()},
        correlations=tuple(Correlation(c.keys, c.rank, c.rationale) for c in model.correlations),
    )
