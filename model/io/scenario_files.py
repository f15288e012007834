"""Loads a scenario file and its `extends` chain into a Scenario."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from model.domain import CorrelationEntry, Location, OverrideEntry, Scenario, ScenarioDefinition
from model.errors import suggest
from model.io import build
from model.io.project import scenario_names
from model.io.schema import SLUG, ScenarioFile
from model.io.validation import Problems, kept_positions


def read_definition(path: Path, problems: Problems) -> tuple[ScenarioDefinition, Location] | None:
    """One scenario file as written, without its `extends` chain; None (with its problems collected) when invalid."""
    parsed = problems.parse(path, ScenarioFile)
    return None if parsed is None else (build.scenario_definition(parsed[0]), parsed[1])


def load_scenario(path: Path, problems: Problems) -> Scenario | None:
    """Load a scenario and its `extends` chain; problems (cycles, unknown parents, missing settings) collected."""
    chain: list[tuple[ScenarioDefinition, Location]] = []
    places: dict[Path, list[int]] = {}
    seen: list[Path] = []
    current = path
    while True:
        if current.resolve() in seen:
            names = " -> ".join([*(f.name for f, _ in chain), chain[0][0].name if chain else current.stem])
            problems.add(chain[-1][1].problem(("extends",), f"extends makes a cycle: {names}"))
            return None
        seen.append(current.resolve())
        parsed = problems.parse_entries(current, ScenarioFile)  # (a bad entry drops alone)
        if parsed.model is None:
            return None
        scenario_file, located = build.scenario_definition(parsed.model), parsed.located
        # the place of each kept correlation in the file's list, for its line
        places[current.resolve()] = kept_positions(len(scenario_file.correlations),
                                                   parsed.dropped.get("correlations", ()))
        if scenario_file.name != current.stem:
            problems.add(located.problem(("name",), f"'{scenario_file.name}' must equal the file name "
                                                    f"'{current.stem}'"))
        chain.append((scenario_file, located))
        if scenario_file.extends is None:
            break
        parent_name = scenario_file.extends.removesuffix(".yaml")
        if not SLUG.match(parent_name):  # a path could reach any file on the machine
            problems.add(located.problem(("extends",), f"'{scenario_file.extends}' is not a scenario name; extends "
                                                       "names a scenario in the same folder, such as base"))
            return None
        parent = current.parent / f"{parent_name}.yaml"
        if not parent.is_file():
            problems.add(located.problem(("extends",), f"unknown scenario '{scenario_file.extends}'; "
                                                       f"{suggest(scenario_file.extends, scenario_names(current.parent))}"))
            return None
        current = parent

    def setting(name: str) -> Any:
        return next((getattr(f, name) for f, _ in chain if getattr(f, name) is not None), None)

    root_file, root_located = chain[-1]
    missing = [name for name in ("horizon", "reporting_currency", "as_of") if setting(name) is None]
    for name in missing:
        problems.add(root_located.problem((name,), f"the root scenario '{root_file.name}' must set {name}"))
    if missing:
        return None
    overrides: dict[str, OverrideEntry] = {}
    correlations: dict[frozenset[str], CorrelationEntry] = {}
    for scenario_file, located in reversed(chain):  # the child's override of a key wins
        for key, override in scenario_file.overrides.items():
            overrides[key] = OverrideEntry(key, override, scenario_file.name, located, replaces=overrides.get(key))
        for index, correlation in zip(places[located.file.resolve()], scenario_file.correlations, strict=True):
            entry = CorrelationEntry(correlation.keys, correlation.rank, correlation.rationale, located, index)
            correlations[frozenset(correlation.keys)] = entry
    first, located = chain[0]
    return Scenario(
        name=first.name,
        description=first.description,
        horizon=setting("horizon"),
        reporting_currency=setting("reporting_currency"),
        as_of=setting("as_of"),
        chain=tuple(f.name for f, _ in chain),
        files=tuple(loc.file for _, loc in chain),
        overrides=overrides,
        located=located,
        correlation_entries=tuple(correlations.values()),
    )


