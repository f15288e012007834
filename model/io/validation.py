"""Validates a parsed file against its pydantic schema, entry by entry, and collects the problems with their lines."""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from model import errors
from model.domain.location import Location
from model.errors import InputError, Problem
from model.io.yaml_files import locate

M = TypeVar("M", bound=BaseModel)

def _unwrap(annotation: Any) -> Any:
    """Strip Optional[...] and Annotated[...] from a field's annotation."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation
            annotation = args[0]
        else:
            return annotation


def _fields_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str] | None:
    """The field names of the model found at `loc` inside `model`, or None if `loc` is not a model."""
    current: Any = model
    for part in loc:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            if part not in current.model_fields:
                return None
            current = current.model_fields[part].annotation
        elif typing.get_origin(current) in (dict, list):
            current = typing.get_args(current)[-1]
        else:
            return None
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return None


def _message(error: dict[str, Any], model: type[BaseModel]) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        fields = _fields_at(model, error["loc"][:-1]) or []
        suggestion = difflib.get_close_matches(str(error["loc"][-1]), fields, n=1)
        hint = f"did you mean '{suggestion[0]}'? " if suggestion else ""
        return f"unknown field; {hint}valid fields: {', '.join(fields)}"
    if kind == "missing":
        return "required field is missing"
    if kind == "literal_error":
        return f"{error['input']!r} is not one of {error['ctx']['expected']}"
    message = error["msg"]
    return message.removeprefix("Value error, ")


def _read_mapping(path: Path, model: type[BaseModel]) -> tuple[dict[Any, Any], Location]:
    """The file's top-level mapping and where its keys are written; InputError when it is not a mapping."""
    node, located = locate(path)
    if not isinstance(node, dict):
        raise InputError([located.problem((), f"expected a mapping of fields ({', '.join(model.model_fields)})")])
    return node, located


def _located_problems(error: ValidationError, located: Location, model: type[BaseModel]) -> list[Problem]:
    return [located.problem(tuple(e["loc"]), _message(e, model)) for e in error.errors(include_url=False)]


def parse_file(path: Path, model: type[M]) -> tuple[M, Location]:
    """Read `path` and validate it as `model`; raise InputError with every problem located."""
    node, located = _read_mapping(path, model)
    try:
        return model.model_validate(dict(node)), located
    except ValidationError as error:
        raise InputError(_located_problems(error, located, model)) from None


# The lists and mappings of entries in input files: one bad entry is dropped alone, so the file's other entries are
# still checked and what refers to them is not reported as missing.
ENTRY_CONTAINERS = ("assumptions", "rates", "sources", "overrides", "correlations", "actuals")


@dataclass(frozen=True)
class Parsed(typing.Generic[M]):
    """A file validated entry by entry: the model of its valid entries (None when the file's own fields are wrong or
    it cannot be read), its YAML node, where its keys are written, and the dropped entries by container (mapping keys
    or list positions)."""

    model: M | None
    node: Any
    located: Location
    dropped: dict[str, set[Any]] = field(default_factory=dict)


def parse_entries(path: Path, model: type[M]) -> tuple[Parsed[M], list[Problem]]:
    """Read `path` and validate it as `model`, entry by entry, with the problems found. A file whose only errors are
    inside entries gives the model of the valid entries. Raise InputError when it cannot be read."""
    node, located = _read_mapping(path, model)
    data = dict(node)
    try:
        return Parsed(model.model_validate(data), node, located), []
    except ValidationError as error:
        errors = error.errors(include_url=False)
        problems = _located_problems(error, located, model)
    dropped: dict[str, set[Any]] = {}
    for error in errors:
        loc = error["loc"]
        if len(loc) >= 2 and loc[0] in ENTRY_CONTAINERS and isinstance(data.get(loc[0]), (dict, list)):
            dropped.setdefault(str(loc[0]), set()).add(loc[1])
        else:  # a field of the file itself: nothing of it is used
            return Parsed(None, node, located, dropped), problems
    kept = dict(data)
    for container, keys in dropped.items():
        entries = data[container]
        kept[container] = ({k: v for k, v in entries.items() if k not in keys} if isinstance(entries, dict)
                           else [v for i, v in enumerate(entries) if i not in keys])
    try:
        return Parsed(model.model_validate(kept), node, located, dropped), problems
    except ValidationError:  # (every entry of a container that needs one was dropped)
        return Parsed(None, node, located, dropped), problems


def kept_positions(kept: int, dropped: Iterable[Any]) -> list[int]:
    """The places in a file's list of the `kept` entries that remain once the `dropped` positions are taken out."""
    dropped = set(dropped)
    return [i for i in range(kept + len(dropped)) if i not in dropped]



# ----------------------------------------------------------------------------------------------- problem collection
class Problems(errors.Problems):
    """The problem collector that also reads files: each file's problems are collected, not raised."""

    def parse(self, path: Path, model: type[M]) -> tuple[M, Location] | None:
        try:
            return parse_file(path, model)
        except InputError as error:
            self.extend(error.problems)
            return None

    def parse_entries(self, path: Path, model: type[M]) -> Parsed[M]:
        """`parse_entries` with its problems collected here; a file that cannot be read gives no model and no node."""
        try:
            parsed, problems = parse_entries(path, model)
        except InputError as error:
            self.extend(error.problems)
            return Parsed(None, None, Location(path))
        self.extend(problems)
        return parsed

