"""The JSON Schema files: generated deterministically, shipped as generated, accepting every shipped file and
rejecting what the loader rejects; every shipped input file names its schema on its first line."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re

import jsonschema  # installed with altair, which validates Vega-Lite specs with it
import pytest
from ruamel.yaml import YAML
from typer.testing import CliRunner

from model.catalogue import PARAMETERS
from model.cli import app
from model.io import json_schema
from model.io.schema import PERIOD_PATTERN, UNIT_PATTERN, parse_period, parse_unit
from tests.conftest import REPO, SMALL

runner = CliRunner()
SHIPPED = sorted([*(REPO / "assumptions").glob("*.yaml"), *(REPO / "assumptions" / "actuals").glob("*.yaml"),
                  *(REPO / "scenarios").glob("*.yaml")])
FIXTURES = sorted(SMALL.rglob("*.yaml"))


def as_json(node):
    """A YAML document as an editor's language server sees it: keys are strings and dates are text."""
    if isinstance(node, dict):
        return {str(key): as_json(value) for key, value in node.items()}
    if isinstance(node, list):
        return [as_json(item) for item in node]
    if isinstance(node, dt.date):
        return node.isoformat()
    return node


def load(path):
    return as_json(YAML(typ="safe").load(path.read_text()))


def errors(kind: str, document) -> list[tuple[str, str]]:
    """Where and why `document` breaks the schema; a draft-07 validator (what the VS Code YAML extension
    implements) finds the same, as the schemas use no keyword that draft-07 lacks."""
    found = []
    for validator in (jsonschema.Draft202012Validator, jsonschema.Draft7Validator):
        checker = validator(json_schema.build(kind))
        found.append(sorted(("/".join(str(p) for p in e.absolute_path), e.message) for e in checker.iter_errors(document)))
    assert found[0] == found[1]
    return found[0]


# ------------------------------------------------------------------------------------------------ the files
def test_the_shipped_schema_files_are_what_the_command_writes(tmp_path):
    result = runner.invoke(app, ["schema", "--out", str(tmp_path / "schemas")])
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in (tmp_path / "schemas").iterdir())
    assert written == ["actuals.schema.json", "company.schema.json", "fx.schema.json", "market.schema.json",
                       "scenario.schema.json", "sources.schema.json"]
    assert sorted(p.name for p in (REPO / "schemas").iterdir()) == written
    for name in written:
        assert (REPO / "schemas" / name).read_bytes() == (tmp_path / "schemas" / name).read_bytes(), (
            f"schemas/{name} is stale: run `scenario schema`")


def test_schema_writes_to_the_project_root_and_leaves_other_files(small):
    small.path("schemas").mkdir()
    small.write("schemas/README.txt", "kept")
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0, result.output
    assert result.stdout == ("wrote company.schema.json, fx.schema.json, market.schema.json, sources.schema.json, "
                             "scenario.schema.json, actuals.schema.json to schemas/\n")
    assert sorted(p.name for p in small.path("schemas").iterdir()) == [
        "README.txt", "actuals.schema.json", "company.schema.json", "fx.schema.json", "market.schema.json",
        "scenario.schema.json", "sources.schema.json"]


def test_the_bytes_are_deterministic_and_the_dialect_is_2020_12():
    files = json_schema.schema_files()
    assert files == json_schema.schema_files()
    for text in files.values():
        assert text.endswith("}\n") and text.startswith('{\n  "$defs": {\n')
        schema = json.loads(text)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n" == text
        jsonschema.Draft202012Validator.check_schema(schema)
    assert json.loads(files["company.schema.json"])["title"] == "Company assumption file"


def test_every_shipped_input_file_names_its_schema_on_its_first_line():
    for path in SHIPPED:
        first = path.read_text().split("\n", 1)[0]
        assert first == json_schema.modeline(path, REPO), path
        assert (path.parent / first.split("$schema=")[1]).resolve().is_file()
    assert json_schema.modeline(REPO / "scenarios" / "bull.yaml", REPO) == (
        "# yaml-language-server: $schema=../schemas/scenario.schema.json")
    assert json_schema.modeline(REPO / "assumptions" / "fx.yaml", REPO) == (
        "# yaml-language-server: $schema=../schemas/fx.schema.json")


@pytest.mark.parametrize("path", [*SHIPPED, *FIXTURES], ids=lambda p: str(p.relative_to(REPO)))
def test_every_shipped_yaml_file_is_valid_against_its_schema(path):
    assert errors(json_schema.kind_of(path), load(path)) == []


# ------------------------------------------------------------------------------------------- what they check
def test_editors_complete_the_catalogues_keys_with_their_descriptions():
    company = json_schema.build("company")
    keys = company["properties"]["assumptions"]["properties"]
    assert list(keys) == list(PARAMETERS)
    assert keys["capex.plan_total"]["description"] == "a multi-year capex plan spread over its window (money; a single number)"
    assert keys["cloud.growth"]["description"] == "yearly growth of cloud revenue (ratio; a number or a per-year series)"
    assumption = company["$defs"]["Assumption"]["properties"]
    assert assumption["period"]["description"] == ("The year or years it describes: 2025, 2025-2027, FY2025, "
                                                   "FY2026-FY2028 or 2024Q4.")


def test_a_company_file_with_mistakes_is_rejected_where_the_loader_rejects_it():
    document = load(SMALL / "assumptions" / "alpha.yaml")
    broken = copy.deepcopy(document)
    assumptions = broken["assumptions"]
    assumptions["capex.plan_totl"] = assumptions.pop("capex.plan_total")
    assumptions["cloud.ai_share"]["value"] = {"2025": 1.2}
    assumptions["ai_chips.budget_base"]["unit"] = "ratio"
    assumptions["accelerators.service_life"]["value"] = {"2025": 3}
    assumptions["cloud.growth"]["period"] = "FY2025-2026"
    assumptions["cloud.growth"]["confidence"] = "certain"
    assumptions["ai_chips.growth"]["sources"][0]["excerpt"] = "x" * 121
    assert [path for path, _ in errors("company", broken)] == [
        "assumptions",
        "assumptions/accelerators.service_life/value",
        "assumptions/ai_chips.budget_base/unit",
        "assumptions/ai_chips.growth/sources/0/excerpt",
        "assumptions/cloud.ai_share/value",
        "assumptions/cloud.growth/confidence",
        "assumptions/cloud.growth/period",
    ]
    assert ("assumptions", "Additional properties are not allowed ('capex.plan_totl' was unexpected)") in errors(
        "company", broken)


def test_a_scenario_with_mistakes_is_rejected_where_the_loader_rejects_it():
    document = load(SMALL / "scenarios" / "high.yaml")
    assert errors("scenario", document) == []
    broken = copy.deepcopy(document)
    broken["overrides"]["alpha.capex.plan_totl"] = broken["overrides"]["alpha.capex.plan_total"]
    broken["overrides"]["fx.CNY"] = {**broken["overrides"]["alpha.capex.plan_total"], "value": -8}
    broken["correlations"] = [{"keys": ["alpha.accelerators.unit_price", "beta.accelerator.unit_price"],
                               "rank": 1.5, "rationale": "same suppliers"}]
    broken["horizon"] = [2025]
    assert [path for path, _ in errors("scenario", broken)] == [
        "correlations/0/keys/1", "correlations/0/rank", "horizon", "overrides", "overrides/fx.CNY/value"]


def test_an_actuals_file_names_a_metric_companies_report_as_the_loader_requires():
    document = load(REPO / "assumptions" / "actuals" / "reported.yaml")
    assert errors("actuals", document) == []
    broken = copy.deepcopy(document)
    broken["actuals"][0]["metric"] = "capex_share"  # the model's own construct, never reported
    assert [path for path, _ in errors("actuals", broken)] == ["actuals/0/metric"]
    metric = json_schema.build("actuals")["$defs"]["Actual"]["properties"]["metric"]
    assert "capex" in metric["enum"] and "ai_chip_spend_cumulative" not in metric["enum"]


def accepts(parse, text: str) -> bool:
    try:
        parse(text)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("text", ["CNY bn", "USD", "CNY  mn", " ratio", "years", "count", "CNY per USD", "cny bn",
                                  "CNY billion", "per USD", "CNY per", "EURO"])
def test_the_unit_pattern_accepts_what_the_loader_accepts(text):
    assert bool(re.match(UNIT_PATTERN, text)) == accepts(parse_unit, text)


@pytest.mark.parametrize("text", ["2025", "2025-2027", "2025 - 2027", "FY2025", "FY2026-FY2028", "2024Q4", "2024 Q4",
                                  "FY2025-2026", "2025-FY2026", "25", "2024Q5", "Q4 2024", "FY 2025"])
def test_the_period_pattern_accepts_what_the_loader_accepts(text):
    assert bool(re.match(PERIOD_PATTERN, text)) == accepts(parse_period, text)
