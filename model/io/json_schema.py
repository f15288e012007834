"""JSON Schema (draft 2020-12) of the input files, built from the pydantic models and the catalogue, so that editors
complete and check assumption and scenario files; `scenario schema` writes them to schemas/."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from model.catalogue import MARKET_PARAMETERS, MARKET_PREFIX, MAX_EXCHANGE_RATE, PARAMETERS, Parameter, View, metrics_in
from model.format import to_json
from model.io.actuals import ACTUALS_FOLDER
from model.io.project import RESERVED_FILES
from model.io.schema import (
    SERIES_SCHEMA,
    SLUG,
    ActualsFile,
    CompanyFile,
    FxFile,
    MarketFile,
    ScenarioFile,
    SourcesFile,
)
from model.units import CURRENCY, FX_UNIT_PATTERN, MONEY_UNIT_PATTERN

DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_FOLDER = "schemas"
_COMPANY = SLUG.pattern.removeprefix("^").removesuffix("$")
_KEYS = "|".join(re.escape(key) for key in PARAMETERS)
_MARKET_KEYS = "|".join(re.escape(key) for key in MARKET_PARAMETERS)
# Any key a scenario can name: <company>.<catalogue key>, fx.<CCY> or market.<market key>.
ASSUMPTION_KEY_PATTERN = rf"^(?:{_COMPANY}\.(?:{_KEYS})|fx\.[A-Z]{{3}}|{MARKET_PREFIX}\.(?:{_MARKET_KEYS}))$"
FX_KEY_PATTERN = r"^fx\.[A-Z]{3}$"
CURRENCY_KEY_PATTERN = CURRENCY.pattern

# schema name -> (model, title, description); a file's schema is `<name>.schema.json`
KINDS: dict[str, tuple[type[BaseModel], str, str]] = {
    "company": (CompanyFile, "Company assumption file",
                "assumptions/<company>.yaml: one company's sourced assumptions, keyed by the catalogue's dotted keys."),
    "fx": (FxFile, "Exchange-rate file", "assumptions/fx.yaml: exchange rates, themselves sourced assumptions."),
    "market": (MarketFile, "Cloud market file",
               "assumptions/market.yaml: the China cloud market that each company's cloud.market_share is a share of."),
    "sources": (SourcesFile, "Source registry", "assumptions/sources.yaml: every source that assumptions cite."),
    "scenario": (ScenarioFile, "Scenario file",
                 "scenarios/<name>.yaml: a scenario's narrative, settings and the assumptions it overrides."),
    "actuals": (ActualsFile, "Actuals file",
                "assumptions/actuals/<name>.yaml: reported figures that `scenario backtest` holds projections against."),
}


def file_name(kind: str) -> str:
    return f"{kind}.schema.json"


def kind_of(path: Path) -> str:
    """Which schema an input file follows, from its place in the project."""
    if path.parent.name == "scenarios":
        return "scenario"
    if path.parent.name == ACTUALS_FOLDER:
        return "actuals"
    if path.name in RESERVED_FILES:  # sources.yaml, fx.yaml, market.yaml
        return path.stem
    return "company"


# ------------------------------------------------------------------------------------- one schema per catalogue key
def _number(parameter: Parameter | None) -> dict[str, Any]:
    """A number inside the parameter's valid interval (the rule `Parameter.check` applies); an exchange rate (None)
    is positive."""
    if parameter is None:
        return {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_EXCHANGE_RATE}
    schema: dict[str, Any] = {"type": "number"}
    if math.isfinite(parameter.lower):
        schema["minimum" if parameter.lower_inclusive else "exclusiveMinimum"] = parameter.lower
    if math.isfinite(parameter.upper):
        schema["maximum"] = parameter.upper
    return schema


def _unit(parameter: Parameter | None) -> dict[str, Any]:
    if parameter is None:
        return {"type": "string", "pattern": FX_UNIT_PATTERN, "description": "'<CCY> per <base>', such as 'CNY per USD'"}
    if parameter.kind == "money":
        return {"type": "string", "pattern": MONEY_UNIT_PATTERN,
                "description": "a currency with an optional scale (k, mn, bn, tn), such as 'CNY bn' or 'USD'"}
    return {"enum": [parameter.kind]}


def _specialised(definition: str, parameter: Parameter | None, description: str) -> dict[str, Any]:
    """`definition` (Assumption or Override) narrowed to one key: its unit, its valid values, series or not."""
    number = _number(parameter)
    series = {**SERIES_SCHEMA, "additionalProperties": number}
    takes_series = parameter is not None and parameter.series  # an exchange rate is one number
    value = {"anyOf": [number, series]} if takes_series else number
    bounds = {"type": "array", "items": number, "minItems": 2, "maxItems": 2}
    narrowed = {
        "properties": {
            "value": value,
            "unit": {"anyOf": [_unit(parameter), {"type": "null"}]},  # null only where the definition allows it
            "range": {"anyOf": [bounds, {"type": "null"}]},
        },
    }
    if definition == "Assumption":  # a pooled assumption's candidates are figures of the same key
        candidate = {"allOf": [{"$ref": "#/$defs/Candidate"}, {"properties": {
            "value": number, "range": {"anyOf": [bounds, {"type": "null"}]}}}]}
        narrowed["properties"]["candidates"] = {"type": "array", "items": candidate, "minItems": 2}
        narrowed["anyOf"] = [{"required": ["value"]}, {"required": ["candidates"]}]  # one figure, or a pool
    return {"allOf": [{"$ref": f"#/$defs/{definition}"}, narrowed], "description": description}


def _describe(parameter: Parameter) -> str:
    series = "; a number or a per-year series" if parameter.series else "; a single number"
    return f"{parameter.description} ({parameter.kind}{series})"


def _assumptions(definition: str, key_pattern: str | None) -> dict[str, Any]:
    """The mapping of assumptions: the catalogue's keys as properties (editors complete them), or, in a scenario,
    as patterns `<company>.<key>`."""
    if key_pattern is None:
        return {"properties": {key: _specialised(definition, p, _describe(p)) for key, p in PARAMETERS.items()},
                "additionalProperties": False}
    patterns = {key_pattern.format(re.escape(key)): _specialised(definition, p, _describe(p))
                for key, p in PARAMETERS.items()}
    patterns[FX_KEY_PATTERN] = _specialised(definition, None, "an exchange rate, units of <CCY> per base currency")
    for key, p in MARKET_PARAMETERS.items():  # market.yaml's keys, which no company prefix names
        patterns[f"^{re.escape(f'{MARKET_PREFIX}.{key}')}$"] = _specialised(definition, p, _describe(p))
    return {"patternProperties": patterns, "additionalProperties": False}


def _dialect(schema: dict[str, Any], kind: str) -> dict[str, Any]:
    _, title, description = KINDS[kind]
    return {"$schema": DIALECT, **schema, "title": title, "description": description}


def build(kind: str) -> dict[str, Any]:
    """The JSON Schema of one kind of file: company, fx, sources or scenario."""
    model = KINDS[kind][0]
    schema = model.model_json_schema(mode="validation")
    properties = schema["properties"]
    if kind == "company":
        properties["assumptions"].pop("additionalProperties")
        properties["assumptions"] |= _assumptions("Assumption", None)
    elif kind == "market":
        properties["assumptions"].pop("additionalProperties")
        properties["assumptions"] |= {"properties": {key: _specialised("Assumption", p, _describe(p))
                                                     for key, p in MARKET_PARAMETERS.items()},
                                      "additionalProperties": False}
    elif kind == "fx":
        rates = properties["rates"]
        rates["patternProperties"] = {CURRENCY_KEY_PATTERN: _specialised("Assumption", None, "units of this "
                                                                         "currency per base currency")}
        rates["additionalProperties"] = False
    elif kind == "scenario":
        overrides = properties["overrides"]
        overrides.pop("additionalProperties")
        overrides |= _assumptions("Override", rf"^{_COMPANY}\.{{}}$")
        keys = schema["$defs"]["Correlation"]["properties"]["keys"]
        keys["items"] = {"type": "string", "pattern": ASSUMPTION_KEY_PATTERN}
    elif kind == "actuals":
        reported = metrics_in(View.backtest)
        schema["$defs"]["Actual"]["properties"]["metric"] |= {
            "enum": list(reported),
            "description": f"A metric the model projects year by year: {', '.join(reported[:-1])} or {reported[-1]}.",
        }
    return _dialect(schema, kind)


def schema_files() -> dict[str, str]:
    """Every schema file by name: company, fx, market, sources, scenario and actuals (`<kind>.schema.json`)."""
    return {file_name(kind): to_json(build(kind)) for kind in KINDS}


def modeline(path: Path, root: Path) -> str:
    """The first line that points an editor (yaml-language-server) at the input file's schema."""
    relative = Path(*([".."] * len(path.parent.relative_to(root).parts)), SCHEMA_FOLDER, file_name(kind_of(path)))
    return f"# yaml-language-server: $schema={relative.as_posix()}"
