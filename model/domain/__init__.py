"""The domain: scenarios, companies, assumptions and their values, with provenance as file and line; no files read."""

from model.domain.actuals import ReportedFigure
from model.domain.assumptions import (
    EVERYTHING,
    FX_PREFIX,
    POOL_RULES,
    Assumption,
    AssumptionSet,
    Candidate,
    Citation,
    Company,
    Override,
    Registry,
    Source,
    Unloaded,
    Vintage,
    cites_judgement,
)
from model.domain.location import Location, key_path
from model.domain.scenarios import (
    Correlation,
    CorrelationEntry,
    Inputs,
    OverrideEntry,
    ProjectInputs,
    ResolvedAssumption,
    Scenario,
    ScenarioDefinition,
    plan_window,
)
from model.domain.value import Value

__all__ = [
    "EVERYTHING", "FX_PREFIX", "POOL_RULES", "Assumption", "AssumptionSet", "Candidate", "Citation", "Company", "Correlation",
    "CorrelationEntry", "Inputs", "Location", "Override", "OverrideEntry", "ProjectInputs", "Registry", "ReportedFigure", "ResolvedAssumption",
    "Scenario", "ScenarioDefinition", "Source", "Unloaded", "Value", "Vintage", "cites_judgement", "key_path",
    "plan_window",
]
