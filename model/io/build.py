"""Builds the domain's plain objects from the validated file models (the schema stays inside io)."""

from __future__ import annotations

from typing import Any

from model.domain import Assumption, Citation, Correlation, Override, ScenarioDefinition, Source, Value, Vintage
from model.io import schema


def citation(ref: schema.SourceRef) -> Citation:
    return Citation(ref.ref, ref.excerpt, ref.locator, ref.rationale, ref.acknowledged)


def source(entry: schema.Source) -> Source:
    return Source(**dict(entry))


def _figure(model: schema.Assumption | schema.Override | schema.Vintage, kind: type[Any]) -> Any:
    # the file models and the domain types share their field names; only values, citations and vintages change type
    fields = dict(model)
    fields["value"] = Value.of(model.value)
    fields["sources"] = tuple(citation(c) for c in model.sources)
    if "history" in fields:
        fields["history"] = tuple(_figure(v, Vintage) for v in model.history)
    return kind(**fields)


def assumption(model: schema.Assumption) -> Assumption:
    return _figure(model, Assumption)


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
