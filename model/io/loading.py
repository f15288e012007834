"""Reads the YAML input files into the schema, checks the rules that span files, and resolves a scenario.

Every problem is reported as `file:line: key: message`; loading collects all of them before raising, so that
`scenario validate` lists a file's problems in one pass.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
import stat
import types
import typing
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)

from model.catalogue import ALWAYS_NEEDED, CAPEX_GROWTH, CHIPS_BUDGET, MAX_EXCHANGE_RATE, PARAMETERS
from model.core.correlation import gaussian_copula_matrix
from model.errors import InputError, Problem, UsageError, display_path
from model.io.schema import (
    SLUG,
    Assumption,
    CompanyFile,
    FxFile,
    Override,
    ScenarioFile,
    Source,
    SourcesFile,
    Vintage,
    parse_period,
    parse_unit,
)

# Input files are hand-written and small; anything larger is a mistake or an attack on the parser.
MAX_FILE_BYTES = 1_000_000
# Input files nest a few levels (assumptions > key > sources > citation); deeper is a mistake or an attack on the
# composer, which recurses once per level.
MAX_DEPTH = 32
SOURCES_FILE = "sources.yaml"
FX_FILE = "fx.yaml"
RESERVED_FILES = {SOURCES_FILE, FX_FILE}
FX_PREFIX = "fx"

M = TypeVar("M", bound=BaseModel)

# ruamel's scanner looks ahead over every opening bracket of a flow collection before it yields one event, in time
# that grows with the square of their number: a run of openers is refused before parsing.
_OPENERS = re.compile(rf"(?:[\[{{]\s*){{{MAX_DEPTH + 1}}}")
# A plain scalar that YAML's resolver reads as a date (and constructs with datetime, which raises for 2025-02-30).
_DATE_LIKE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:$|[Tt \t])")


# ------------------------------------------------------------------------------------------------ YAML and lines
def read_confined(path: Path, limit: int, what: str = "input files", *, folder: Path | None = None) -> bytes:
    """The bytes of a regular file of at most `limit` bytes that lies, symlinks resolved, inside `folder` (by
    default its own folder).

    Raise InputError naming `path` otherwise: a symlink that leaves the folder, a directory, a FIFO or device (never
    opened for blocking reads, so a FIFO cannot hang the tool), a file over the limit, or one that cannot be read.
    """
    shown = shown_path(path)

    def refuse(message: str) -> InputError:
        return InputError([Problem(shown, None, "", message)])

    try:
        target = path.resolve(strict=True)
        target.relative_to((path.parent if folder is None else folder).resolve(strict=True))
    except (FileNotFoundError, NotADirectoryError):
        raise refuse("file not found") from None
    except ValueError:
        raise refuse(f"is a symlink to {target}, outside its folder; only files inside the folder are read") from None
    except (OSError, RuntimeError) as error:  # a symlink loop, a permission denied on the way
        raise refuse(f"cannot be read ({getattr(error, 'strerror', None) or error})") from None
    try:
        descriptor = os.open(target, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as error:
        raise refuse(f"cannot be read ({error.strerror})") from None
    status = os.fstat(descriptor)
    if not stat.S_ISREG(status.st_mode):
        os.close(descriptor)
        kind = "a folder" if stat.S_ISDIR(status.st_mode) else "a FIFO" if stat.S_ISFIFO(status.st_mode) \
            else "not a regular file"
        raise refuse(f"is {kind}, not a regular file")
    with os.fdopen(descriptor, "rb") as file:
        if status.st_size > limit:
            raise refuse(f"file is {status.st_size:,} bytes; {what} are limited to {limit / 1e6:g} MB")
        try:
            data = file.read(limit + 1)
        except OSError as error:
            raise refuse(f"cannot be read ({error.strerror})") from None
    if len(data) > limit:  # it grew since fstat
        raise refuse(f"file is over {limit:,} bytes; {what} are limited to {limit / 1e6:g} MB")
    return data


class _Path:
    """The key path of the node a YAML event belongs to, kept while iterating the parser's events."""

    def __init__(self) -> None:
        self.frames: list[list[Any]] = []  # [is_mapping, key or index, expecting a key]

    @property
    def depth(self) -> int:
        return len(self.frames)

    def loc(self) -> tuple[Any, ...]:
        return tuple(frame[1] for frame in self.frames if frame[1] is not None)

    def scalar(self, value: str) -> bool:
        """Record a scalar; True when it is a value (not a mapping's key)."""
        if self.frames and self.frames[-1][0] and self.frames[-1][2]:
            self.frames[-1][1], self.frames[-1][2] = value, False
            return False
        return True

    def after_value(self) -> None:
        if self.frames:
            frame = self.frames[-1]
            if frame[0]:
                frame[2] = True
            else:
                frame[1] += 1

    def open(self, mapping: bool) -> None:
        self.frames.append([True, None, True] if mapping else [False, 0, False])

    def close(self) -> None:
        self.frames.pop()
        self.after_value()


def _check_events(yaml: YAML, text: str, shown: str) -> list[Problem]:
    """What the parser's events show before anything is constructed: aliases, tags and nesting (refused at once),
    and dates that do not exist (all of them listed)."""
    if match := _OPENERS.search(text):
        line = text.count("\n", 0, match.start()) + 1
        raise InputError([Problem(shown, line, "", f"nesting deeper than {MAX_DEPTH} levels; input files are data "
                                                   "a few levels deep")])
    path = _Path()
    problems = []
    for event in yaml.parse(text):
        line = event.start_mark.line + 1 if event.start_mark else None
        # The round-trip loader builds only plain mappings, lists and scalars; aliases are refused before anything
        # could expand them (a "billion laughs" file is a few lines of aliases).
        if isinstance(event, AliasEvent):
            raise InputError([Problem(shown, line, key_path(path.loc()),
                                      "YAML aliases (*name) are not allowed in input files")])
        tag = getattr(event, "tag", None)
        if isinstance(event, DocumentStartEvent) and event.tags:
            raise InputError([Problem(shown, line, "", "YAML %TAG directives are not allowed in input files")])
        if isinstance(event, (ScalarEvent, MappingStartEvent, SequenceStartEvent)) and tag is not None:
            raise InputError([Problem(shown, line, key_path(path.loc()), f"YAML tags ({tag}) are not allowed in "
                                      "input files")])
        if isinstance(event, (MappingStartEvent, SequenceStartEvent)):
            path.open(isinstance(event, MappingStartEvent))
            if path.depth > MAX_DEPTH:
                raise InputError([Problem(shown, line, "", f"nesting deeper than {MAX_DEPTH} levels; input files "
                                                           "are data a few levels deep")])
        elif isinstance(event, (MappingEndEvent, SequenceEndEvent)):
            path.close()
        elif isinstance(event, ScalarEvent):
            is_value = path.scalar(event.value)
            if event.style is None and (date := _DATE_LIKE.match(event.value)):
                try:
                    dt.date(*(int(part) for part in date.groups()))
                except ValueError:
                    problems.append(Problem(shown, line, key_path(path.loc()),
                                            f"{event.value} is not a real date"))
            if is_value:
                path.after_value()
    return problems


def shown_path(path: Path) -> str:
    """`display_path` of the file itself, not of what a symlink points to."""
    return str(Path(display_path(path.parent)) / path.name)


def read_yaml(path: Path) -> Any:
    """Parse one YAML file safely: a regular file inside its folder, size-limited, no aliases, tags or deep
    nesting, no Python objects; keeps line numbers."""
    shown = shown_path(path)
    data = read_confined(path, MAX_FILE_BYTES)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError([Problem(shown, None, "", f"not UTF-8 text ({error.reason})")]) from None
    yaml = YAML(typ="rt")
    try:
        if problems := _check_events(yaml, text, shown):
            raise InputError(problems)
        return yaml.load(text)
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        message = " ".join(str(part) for part in (error.context, error.problem) if part)
        raise InputError([Problem(shown, line, "", f"invalid YAML: {message}")]) from None
    except YAMLError as error:
        raise InputError([Problem(shown, None, "", f"invalid YAML: {error}")]) from None
    except (ValueError, OverflowError) as error:  # a timestamp's time of day out of range (25:00)
        raise InputError([Problem(shown, None, "", f"invalid YAML: {error}")]) from None


def line_of(node: Any, loc: Iterable[Any]) -> int | None:
    """Line (1-based) of the deepest element of `loc` found in a round-trip YAML node."""
    line = node.lc.line + 1 if hasattr(node, "lc") else None
    for part in loc:
        if isinstance(node, CommentedMap) and part in node:
            line = node.lc.key(part)[0] + 1
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
            line = node.lc.item(part)[0] + 1
            node = node[part]
    return line


CONTAINERS = {"assumptions", "overrides", "rates"}


def key_path(loc: tuple[Any, ...]) -> str:
    """`('assumptions', 'capex.growth', 'sources', 0, 'ref')` -> `capex.growth.sources[0].ref`."""
    if len(loc) > 1 and loc[0] in CONTAINERS:
        loc = loc[1:]
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) and text else f"{'.' if text else ''}{part}"
    return text


@dataclass(frozen=True)
class Located:
    """A parsed file with its YAML node, so any later rule can point at a line."""

    file: Path
    node: Any

    def problem(self, loc: tuple[Any, ...], message: str, severity: str = "error") -> Problem:
        return Problem(display_path(self.file), line_of(self.node, loc), key_path(loc), message, severity)


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


def parse_file(path: Path, model: type[M]) -> tuple[M, Located]:
    """Read `path` and validate it as `model`; raise InputError with every problem located."""
    node = read_yaml(path)
    located = Located(path, node)
    if not isinstance(node, dict):
        raise InputError([located.problem((), f"expected a mapping of fields ({', '.join(model.model_fields)})")])
    try:
        return model.model_validate(dict(node)), located
    except ValidationError as error:
        problems = [located.problem(tuple(e["loc"]), _message(e, model)) for e in error.errors(include_url=False)]
        raise InputError(problems) from None


# The lists and mappings of entries in input files: one bad entry is dropped alone, so the file's other entries are
# still checked and what refers to them is not reported as missing.
ENTRY_CONTAINERS = ("assumptions", "rates", "sources", "overrides", "correlations", "actuals")


def parse_entries(path: Path, model: type[M]) -> tuple[M | None, Located, dict[str, set[Any]], list[Problem]]:
    """Read `path` and validate it as `model`, entry by entry: (the model, its node, the dropped entries by container
    (mapping keys or list positions), the problems). A file whose own fields are wrong gives no model; a file whose
    only errors are inside entries gives the model of the valid entries. Raise InputError when it cannot be read."""
    node = read_yaml(path)
    located = Located(path, node)
    if not isinstance(node, dict):
        raise InputError([located.problem((), f"expected a mapping of fields ({', '.join(model.model_fields)})")])
    data = dict(node)
    try:
        return model.model_validate(data), located, {}, []
    except ValidationError as error:
        errors = error.errors(include_url=False)
    problems = [located.problem(tuple(e["loc"]), _message(e, model)) for e in errors]
    dropped: dict[str, set[Any]] = {}
    for error in errors:
        loc = error["loc"]
        if len(loc) >= 2 and loc[0] in ENTRY_CONTAINERS and isinstance(data.get(loc[0]), (dict, list)):
            dropped.setdefault(str(loc[0]), set()).add(loc[1])
        else:  # a field of the file itself: nothing of it is used
            return None, located, dropped, problems
    kept = dict(data)
    for container, keys in dropped.items():
        entries = data[container]
        kept[container] = ({k: v for k, v in entries.items() if k not in keys} if isinstance(entries, dict)
                           else [v for i, v in enumerate(entries) if i not in keys])
    try:
        return model.model_validate(kept), located, dropped, problems
    except ValidationError:  # (every entry of a container that needs one was dropped)
        return None, located, dropped, problems


def kept_positions(kept: int, dropped: Iterable[Any]) -> list[int]:
    """The places in a file's list of the `kept` entries that remain once the `dropped` positions are taken out."""
    dropped = set(dropped)
    return [i for i in range(kept + len(dropped)) if i not in dropped]


def suggest(word: str, choices: Iterable[str]) -> str:
    choices = sorted(choices)
    close = difflib.get_close_matches(word, choices, n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    return f"{hint}valid: {', '.join(choices)}"


# ----------------------------------------------------------------------------------------------- problem collection
@dataclass
class Problems:
    """Collects problems across files; `check` raises once at the end if any is an error."""

    items: list[Problem] = field(default_factory=list)

    def add(self, problem: Problem) -> None:
        if problem not in self.items:
            self.items.append(problem)

    def parse(self, path: Path, model: type[M]) -> tuple[M, Located] | None:
        try:
            return parse_file(path, model)
        except InputError as error:
            for problem in error.problems:
                self.add(problem)
            return None

    def parse_entries(self, path: Path, model: type[M]) -> tuple[M | None, Located, dict[str, set[Any]]]:
        """`parse_entries` with its problems collected here; a file that cannot be read gives no model and a
        located of no node."""
        try:
            parsed, located, dropped, problems = parse_entries(path, model)
        except InputError as error:
            for problem in error.problems:
                self.add(problem)
            return None, Located(path, None), {}
        for problem in problems:
            self.add(problem)
        return parsed, located, dropped

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "warning"]

    def check(self) -> None:
        if self.errors:
            raise InputError(self.items)


# ------------------------------------------------------------------------------------------------ assumption files
@dataclass(frozen=True)
class Company:
    slug: str
    name: str
    fiscal_year_end: int
    assumptions: dict[str, Assumption]
    located: Located


class _Everything(frozenset):
    """A set that holds every name: what stands for all of a file's entries when the file did not load."""

    def __contains__(self, item: object) -> bool:
        return True


EVERYTHING: frozenset[str] = _Everything()


@dataclass(frozen=True)
class Unloaded:
    """What did not load; its errors are reported where it is written, so nothing that refers to it is reported
    again (an override of it, a correlation naming it, a citation of it, a currency it would define)."""

    sources: frozenset[str] = frozenset()  # source ids, or EVERYTHING when sources.yaml did not load
    currencies: frozenset[str] = frozenset()  # currencies of fx.yaml, or EVERYTHING when it did not load
    keys: frozenset[str] = frozenset()  # "alpha.capex.plan_total"
    companies: frozenset[str] = frozenset()  # slugs of company files that did not load at all

    def covers(self, key: str) -> bool:
        prefix, _, rest = key.partition(".")
        if prefix == FX_PREFIX:
            return rest in self.currencies
        return key in self.keys or prefix in self.companies

    def incomplete(self, company: Company) -> bool:
        return any(key.partition(".")[0] == company.slug for key in self.keys)


class Registry(dict[str, Source]):
    """The source registry by id; `unloaded` holds the ids of entries that did not load (citing them is not
    reported as citing an unknown source)."""

    def __init__(self, sources: Iterable[Source] = (), unloaded: frozenset[str] = frozenset()):
        super().__init__((s.id, s) for s in sources)
        self.unloaded = unloaded


@dataclass(frozen=True)
class AssumptionSet:
    """Everything under assumptions/: the source registry, the companies (in name order) and exchange rates."""

    directory: Path
    sources: dict[str, Source]
    companies: tuple[Company, ...]
    base_currency: str
    rates: dict[str, Assumption]
    fx: Located
    files: tuple[Path, ...]
    unloaded: Unloaded = Unloaded()

    @property
    def currencies(self) -> frozenset[str]:
        """The currencies with a rate, and those of rates that did not load (every one, when fx.yaml did not)."""
        if isinstance(self.unloaded.currencies, _Everything):
            return EVERYTHING
        return frozenset({self.base_currency, *self.rates, *self.unloaded.currencies})


def _valid_entries(node: Any, container: str, model: type[M]) -> Iterator[tuple[str, M]]:
    """The entries of a mapping `container` in `node` that validate as `model` (the others' errors are reported
    by the file's own validation)."""
    entries = node.get(container) if isinstance(node, dict) else None
    for key, entry in (entries.items() if isinstance(entries, dict) else ()):
        try:
            yield str(key), model.model_validate(dict(entry) if isinstance(entry, dict) else entry)
        except ValidationError:
            continue


def _dropped_ids(node: Any, positions: Iterable[Any]) -> frozenset[str]:
    """The `id` of each dropped entry of sources.yaml's list, where it has one."""
    entries = node.get("sources") if isinstance(node, dict) else None
    ids = set()
    for position in positions:
        if isinstance(entries, list) and isinstance(position, int) and 0 <= position < len(entries):
            entry = entries[position]
            if isinstance(entry, dict) and isinstance(entry.get("id"), str):
                ids.add(entry["id"])
    return frozenset(ids)


def company_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob("*.yaml") if p.name not in RESERVED_FILES)


def load_assumptions(directory: Path, problems: Problems) -> AssumptionSet | None:
    """Load and check every file of an assumptions folder; problems go to `problems`."""
    if not directory.is_dir():
        raise UsageError(f"assumptions folder not found: {display_path(directory)}")
    sources_file, sources_located, dropped_sources = problems.parse_entries(directory / SOURCES_FILE, SourcesFile)
    fx, fx_located, dropped_rates = problems.parse_entries(directory / FX_FILE, FxFile)
    paths = company_files(directory)
    if not paths:
        problems.add(Problem(display_path(directory), None, "", "no company files (<company>.yaml) found"))
    if sources_file is None:
        registry = Registry(unloaded=EVERYTHING)
    else:
        registry = Registry(sources_file.sources, _dropped_ids(sources_located.node, dropped_sources.get("sources", ())))
    if fx is None:
        base_currency, rates, unloaded_currencies = "", {}, EVERYTHING
    else:
        base_currency, rates = fx.base_currency, dict(fx.rates)
        unloaded_currencies = frozenset(str(c) for c in dropped_rates.get("rates", ()))
    currencies = EVERYTHING if fx is None else frozenset({base_currency, *rates, *unloaded_currencies})
    for currency, rate in rates.items():
        for problem in check_assumption(rate, f"{FX_PREFIX}.{currency}", fx_located, ("rates", currency), registry,
                                        currencies):
            problems.add(problem)
    companies = []
    unloaded_keys: set[str] = set()
    unloaded_companies: set[str] = set()
    for path in paths:
        company_file, located, dropped = problems.parse_entries(path, CompanyFile)
        if company_file is None:
            unloaded_companies.add(path.stem)
            slug = located.node.get("company") if isinstance(located.node, dict) else None
            if isinstance(slug, str):
                unloaded_companies.add(slug)
            # the file's own fields are wrong; its entries still get their range, unit and source checks
            for key, assumption in _valid_entries(located.node, "assumptions", Assumption):
                for problem in check_assumption(assumption, key, located, ("assumptions", key), registry, currencies):
                    problems.add(problem)
            continue
        if company_file.company != located.file.stem:
            problems.add(located.problem(("company",), f"'{company_file.company}' must equal the file name "
                                                       f"'{located.file.stem}'"))
        unloaded_keys |= {f"{company_file.company}.{key}" for key in dropped.get("assumptions", ())}
        for key, assumption in company_file.assumptions.items():
            for problem in check_assumption(assumption, key, located, ("assumptions", key), registry, currencies):
                problems.add(problem)
        companies.append(Company(company_file.company, company_file.name, company_file.fiscal_year_end,
                                 dict(company_file.assumptions), located))
    names = [c.name for c in companies]
    for company in companies:
        if names.count(company.name) > 1:
            problems.add(company.located.problem(("name",), f"display name '{company.name}' is used twice"))
    files = (directory / SOURCES_FILE, directory / FX_FILE, *(c.located.file for c in companies))
    unloaded = Unloaded(registry.unloaded, unloaded_currencies, frozenset(unloaded_keys), frozenset(unloaded_companies))
    return AssumptionSet(directory, registry, tuple(companies), base_currency, rates, fx_located, files, unloaded)


def check_assumption(
    assumption: Assumption | Override | Vintage,
    key: str,
    located: Located,
    loc: tuple[Any, ...],
    registry: dict[str, Source],
    currencies: set[str],
    *,
    unit: str | None = None,
    period: str | None = None,
) -> Iterator[Problem]:
    """Rules for one assumption that need the catalogue or the registry.

    `key` is the parameter, or `fx.<CCY>` for an exchange rate; `unit` and `period` are the effective ones when
    an override leaves them out.
    """
    unit = assumption.unit or unit
    period = assumption.period or period
    values = list(assumption.value.values()) if isinstance(assumption.value, dict) else [assumption.value]
    values += list(assumption.range or ())
    parsed_unit = parse_unit(unit)
    if key.startswith(f"{FX_PREFIX}."):
        currency = key.removeprefix(f"{FX_PREFIX}.")
        if parsed_unit.kind != "fx":
            yield located.problem((*loc, "unit"), f"an exchange rate's unit is '<CCY> per <BASE>', not '{unit}'")
        elif parsed_unit.currency != currency:
            yield located.problem((*loc, "unit"), f"unit '{unit}' does not quote {currency}")
        if isinstance(assumption.value, dict):  # each figure converts once, at one rate: a path would be ignored
            yield located.problem((*loc, "value"), f"{key} takes a single value, not a series")
        yield from (located.problem((*loc, "value"), f"rate {v:g} must be positive") for v in values if v <= 0)
        yield from (located.problem((*loc, "value"), f"rate {v:g} is above {MAX_EXCHANGE_RATE:g}, the largest "
                                                     "plausible exchange rate") for v in values if v > MAX_EXCHANGE_RATE)
    else:
        parameter = PARAMETERS.get(key)
        if parameter is None:
            yield located.problem(loc, f"unknown assumption key; {suggest(key, PARAMETERS)}")
            return
        if parsed_unit.kind != parameter.kind:
            yield located.problem((*loc, "unit"), f"{key} needs a {parameter.kind} unit, not '{unit}'")
        elif parsed_unit.kind == "money" and parsed_unit.currency not in currencies:
            yield located.problem((*loc, "unit"), f"currency {parsed_unit.currency} has no exchange rate in "
                                                  f"{FX_FILE} (known: {', '.join(sorted(currencies))})")
        if isinstance(assumption.value, dict) and not parameter.series:
            yield located.problem((*loc, "value"), f"{key} takes a single value, not a series")
        scale = parsed_unit.scale if parsed_unit.kind == "money" else 1.0
        for value in values:
            if reason := parameter.check(value, scale):
                yield located.problem((*loc, "value"), reason)
        if parameter.not_all_zero and isinstance(assumption.value, dict) and not any(assumption.value.values()):
            yield located.problem((*loc, "value"), f"{key} needs at least one weight above zero")
        parsed_period = parse_period(period)
        if parameter.role in ("flow", "level") and parsed_period.is_range:
            yield located.problem((*loc, "period"), f"{key} is anchored in one year; '{period}' is a range")
        if parsed_period.quarter and parameter.role != "flow":
            yield located.problem((*loc, "period"), f"only a flow can be given for a quarter; {key} cannot")
    yield from check_citations(assumption, located, loc, registry)
    yield from check_history(assumption, key, located, loc, registry, currencies, unit=unit, period=period)


def check_history(
    assumption: Assumption | Override | Vintage,
    key: str,
    located: Located,
    loc: tuple[Any, ...],
    registry: dict[str, Source],
    currencies: set[str],
    *,
    unit: str,
    period: str,
) -> Iterator[Problem]:
    """Each earlier value must be one the key could take, resting on registered sources, as the current one; only
    errors, since a warning about a replaced value asks for nothing to be done."""
    for index, vintage in enumerate(getattr(assumption, "history", ())):
        where = (*loc, "history", index)
        # (non-finite values never get here: the schema's number type refuses them)
        yield from (problem for problem in check_assumption(vintage, key, located, where, registry, currencies,
                                                            unit=unit, period=period)
                    if problem.severity == "error")


def check_citations(
    assumption: Assumption | Override | Vintage, located: Located, loc: tuple[Any, ...], registry: dict[str, Source]
) -> Iterator[Problem]:
    cited = []
    for index, citation in enumerate(assumption.sources):
        where = (*loc, "sources", index)
        source = registry.get(citation.ref)
        if source is None:
            if not (isinstance(registry, Registry) and citation.ref in registry.unloaded):  # (reported at its entry)
                yield located.problem((*where, "ref"),
                                      f"unknown source '{citation.ref}'; {suggest(citation.ref, registry)}")
            continue
        cited.append(source)
        if source.kind == "analyst-judgement":
            if not citation.rationale:
                yield located.problem(where, "analyst-judgement needs a rationale: why this figure")
        elif not citation.excerpt:
            yield located.problem(where, f"'{source.id}' needs an excerpt: the short phrase that states the figure")
    if assumption.confidence == "high" and cited and all(s.kind == "unconfirmed" for s in cited):
        yield located.problem((*loc, "confidence"), "high confidence rests only on unconfirmed sources", "warning")


def cites_judgement(assumption: Assumption | Override, registry: dict[str, Source]) -> bool:
    """True when the figure involves the team's judgement: it cites analyst judgement, alone or beside evidence."""
    return any(c.ref in registry and registry[c.ref].kind == "analyst-judgement" for c in assumption.sources)


# ------------------------------------------------------------------------------------------------------- scenarios
@dataclass(frozen=True)
class OverrideEntry:
    key: str
    override: Override
    scenario: str
    located: Located


@dataclass(frozen=True)
class CorrelationEntry:
    keys: tuple[str, str]
    rank: float
    rationale: str
    located: Located
    index: int  # position in its file's `correlations` list


@dataclass(frozen=True)
class Scenario:
    """A scenario with its `extends` chain applied: settings from the nearest file that sets them."""

    name: str
    description: str
    horizon: tuple[int, int]
    reporting_currency: str
    as_of: dt.date
    chain: tuple[str, ...]  # this scenario first, then what it extends
    files: tuple[Path, ...]
    overrides: dict[str, OverrideEntry]
    located: Located
    correlation_entries: tuple[CorrelationEntry, ...] = ()

    @property
    def correlations(self) -> dict[tuple[str, str], float]:
        """Rank correlations by pair of keys (a child's entry for a pair replaces its parent's)."""
        return {entry.keys: entry.rank for entry in self.correlation_entries}

    @property
    def years(self) -> range:
        return range(self.horizon[0], self.horizon[1] + 1)


def scenario_names(directory: Path) -> list[str]:
    return sorted(p.stem for p in directory.glob("*.yaml"))


def load_scenario(path: Path, problems: Problems) -> Scenario | None:
    """Load a scenario and its `extends` chain; problems (cycles, unknown parents, missing settings) collected."""
    chain: list[tuple[ScenarioFile, Located]] = []
    places: dict[Path, list[int]] = {}
    seen: list[Path] = []
    current = path
    while True:
        if current.resolve() in seen:
            names = " -> ".join([*(f.name for f, _ in chain), chain[0][0].name if chain else current.stem])
            problems.add(chain[-1][1].problem(("extends",), f"extends makes a cycle: {names}"))
            return None
        seen.append(current.resolve())
        scenario_file, located, dropped = problems.parse_entries(current, ScenarioFile)  # (a bad entry drops alone)
        if scenario_file is None:
            return None
        parsed = scenario_file, located
        # the place of each kept correlation in the file's list, for its line
        places[current.resolve()] = kept_positions(len(scenario_file.correlations), dropped.get("correlations", ()))
        if scenario_file.name != current.stem:
            problems.add(located.problem(("name",), f"'{scenario_file.name}' must equal the file name "
                                                    f"'{current.stem}'"))
        chain.append(parsed)
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
            overrides[key] = OverrideEntry(key, override, scenario_file.name, located)
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


# ------------------------------------------------------------------------------------------------------ resolution
@dataclass(frozen=True)
class ResolvedAssumption:
    """One assumption as a scenario uses it: the company file's, or a scenario's override of it."""

    key: str  # "alibaba.capex.plan_total", or "fx.CNY"
    company: Company | None
    parameter: str  # "capex.plan_total", or "fx"
    assumption: Assumption
    file: Path
    line: int | None
    overridden_by: str | None = None
    rationale: str | None = None

    @property
    def fiscal_year_end(self) -> int:
        return self.company.fiscal_year_end if self.company else 12


@dataclass(frozen=True)
class Inputs:
    """A scenario resolved against an assumption set: what a run needs, with provenance."""

    scenario: Scenario
    assumptions: AssumptionSet
    resolved: dict[str, ResolvedAssumption]
    warnings: tuple[Problem, ...]

    @property
    def companies(self) -> tuple[Company, ...]:
        return self.assumptions.companies

    @property
    def files(self) -> tuple[Path, ...]:
        return (*self.scenario.files, *self.assumptions.files)

    def of(self, company: Company) -> dict[str, ResolvedAssumption]:
        """A company's assumptions keyed by parameter."""
        return {r.parameter: r for r in self.resolved.values() if r.company is company}


def base_assumptions(assumption_set: AssumptionSet) -> dict[str, ResolvedAssumption]:
    resolved = {}
    for company in assumption_set.companies:
        for parameter, assumption in company.assumptions.items():
            key = f"{company.slug}.{parameter}"
            line = line_of(company.located.node, ("assumptions", parameter))
            resolved[key] = ResolvedAssumption(key, company, parameter, assumption, company.located.file, line)
    for currency, assumption in assumption_set.rates.items():
        line = line_of(assumption_set.fx.node, ("rates", currency))
        key = f"{FX_PREFIX}.{currency}"
        resolved[key] = ResolvedAssumption(key, None, FX_PREFIX, assumption, assumption_set.fx.file, line)
    return resolved


def _apply(entry: OverrideEntry, original: ResolvedAssumption, registry: dict[str, Source]) -> ResolvedAssumption:
    override = entry.override
    dates = [registry[c.ref].date for c in override.sources if c.ref in registry]
    assumption = Assumption(
        value=override.value,
        unit=override.unit or original.assumption.unit,
        period=override.period or original.assumption.period,
        confidence=override.confidence,
        range=override.range,
        as_of=override.as_of or max(dates, default=original.assumption.as_of),
        sources=override.sources,
        notes=override.notes,
        history=override.history,
    )
    line = line_of(entry.located.node, ("overrides", entry.key))
    return ResolvedAssumption(original.key, original.company, original.parameter, assumption, entry.located.file,
                              line, overridden_by=entry.scenario, rationale=override.rationale)


def resolve_scenario(scenario: Scenario, assumption_set: AssumptionSet, problems: Problems) -> Inputs:
    """Apply the scenario's overrides to the assumption set and check what the horizon needs."""
    resolved = base_assumptions(assumption_set)
    companies = {c.slug: c for c in assumption_set.companies}
    for key, entry in scenario.overrides.items():
        loc = ("overrides", key)
        original = resolved.get(key)
        if original is None and assumption_set.unloaded.covers(key):
            continue  # the assumption did not load: its file's error says why
        if original is None:
            prefix = key.partition(".")[0]
            if prefix != FX_PREFIX and prefix not in companies:
                message = f"unknown company '{prefix}'; {suggest(prefix, [*companies, FX_PREFIX])}"
            else:
                message = f"no such assumption; {suggest(key, resolved)}"
            problems.add(entry.located.problem(loc, message))
            continue
        found = list(check_assumption(
            entry.override, key if original.company is None else original.parameter, entry.located, loc,
            assumption_set.sources, assumption_set.currencies,
            unit=original.assumption.unit, period=original.assumption.period,
        ))
        for problem in found:
            problems.add(problem)
        if not any(p.severity == "error" for p in found):
            resolved[key] = _apply(entry, original, assumption_set.sources)
    if scenario.reporting_currency not in assumption_set.currencies:
        problems.add(scenario.located.problem(
            ("reporting_currency",),
            f"no exchange rate for {scenario.reporting_currency}; known: {', '.join(sorted(assumption_set.currencies))}",
        ))
    check_correlations(scenario, resolved, problems, assumption_set.unloaded)
    for company in assumption_set.companies:
        if assumption_set.unloaded.incomplete(company):
            continue  # what it lacks may be the assumption that did not load
        keys = {r.parameter: r for r in resolved.values() if r.company is company}
        for message in missing_parameters(keys, scenario.horizon):
            problems.add(company.located.problem(("assumptions",), f"{message} (scenario {scenario.name}, "
                                                                   f"horizon {scenario.horizon[0]}-{scenario.horizon[1]})"))
    for item in resolved.values():
        for citation in item.assumption.sources:
            source = assumption_set.sources.get(citation.ref)
            if source is not None and source.date > scenario.as_of:
                problems.add(Problem(display_path(item.file), item.line, item.key,
                                     f"source '{source.id}' is dated {source.date}, after as_of {scenario.as_of} "
                                     f"of scenario '{scenario.name}'", "warning"))
    warnings = tuple(p for p in problems.items if p.severity == "warning")
    return Inputs(scenario, assumption_set, resolved, warnings)


def check_correlations(scenario: Scenario, resolved: dict[str, ResolvedAssumption], problems: Problems,
                       unloaded: Unloaded = Unloaded()) -> None:
    """Each correlation names existing assumptions; pairs that cannot hold together are repaired, with a warning."""
    valid = []
    for entry in scenario.correlation_entries:
        loc = ("correlations", entry.index, "keys")
        unknown = [key for key in entry.keys if key not in resolved]
        for key in unknown:
            if not unloaded.covers(key):  # (an assumption that did not load is reported in its file)
                problems.add(entry.located.problem(loc, f"no such assumption '{key}'; {suggest(key, resolved)}"))
        if not unknown:
            valid.append(entry)
    if not valid:
        return
    keys = sorted({key for entry in valid for key in entry.keys})
    _, notes = gaussian_copula_matrix(keys, {entry.keys: entry.rank for entry in valid})
    if notes:
        problems.add(scenario.located.problem(
            ("correlations",), "these rank correlations cannot hold together and are repaired to the nearest "
                               f"valid matrix: {'; '.join(notes)}", "warning"))


def plan_window(plan: ResolvedAssumption) -> tuple[int, int]:
    return parse_period(plan.assumption.period).calendar_years(plan.fiscal_year_end)


def missing_parameters(keys: dict[str, ResolvedAssumption], horizon: tuple[int, int]) -> list[str]:
    """What a company lacks to be projected over `horizon`, as messages; empty when complete."""
    missing: list[str] = []

    def need(names: Iterable[str], why: str) -> None:
        absent = [n for n in names if n not in keys]
        if absent:
            missing.append(f"needs {', '.join(absent)} {why}")

    plan = keys.get("capex.plan_total")
    if plan is None:
        need(CAPEX_GROWTH, "to project capex (or a capex.plan_total)")
    else:
        start, end = plan_window(plan)
        if horizon[0] < start:
            need(CAPEX_GROWTH, f"for capex before its plan window {start}-{end}")
        if horizon[1] > end:
            need(("capex.post_plan_growth",), f"for capex after its plan window {start}-{end}")
        phasing = keys.get("capex.plan_phasing")
        if phasing is not None:
            value = phasing.assumption.value
            years = value.keys() if isinstance(value, dict) else ()
            outside = [y for y in years if not start <= y <= end]
            if outside or not isinstance(value, dict):
                missing.append(f"capex.plan_phasing must be a series over the plan's years {start}-{end}")
    if "ai_chips.budget_base" in keys or "ai_chips.share_of_capex" not in keys:
        need(CHIPS_BUDGET, "to project AI-chip spend (or an ai_chips.share_of_capex)")
    need(ALWAYS_NEEDED, "for the projection")
    return missing


# -------------------------------------------------------------------------------------------- finding the files
def find_project_root(start: Path | None = None) -> Path:
    """The nearest folder at or above `start` holding both scenarios/ and assumptions/."""
    start = (start or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if (folder / "scenarios").is_dir() and (folder / "assumptions").is_dir():
            return folder
    raise UsageError(f"no scenarios/ and assumptions/ folders found at or above {start}")


def find_scenario(name: str, root: Path | None = None) -> Path:
    """A scenario file from a path, or a bare name (with or without .yaml) looked up in scenarios/.

    A path the user typed is theirs to name, but it must be a regular file (a FIFO would hang the read)."""
    path = Path(name)
    bare = path.parent == Path(".")
    if bare:
        try:
            scenarios = find_project_root(root) / "scenarios"
        except UsageError:
            scenarios = None
        candidate = scenarios / f"{path.name.removesuffix('.yaml')}.yaml" if scenarios else None
        if candidate is not None and candidate.exists():  # read_yaml refuses it if it is not a regular file
            return candidate
    try:
        mode = path.stat().st_mode
    except OSError:
        mode = None
    if mode is not None and stat.S_ISREG(mode):
        return path
    if mode is not None and (not bare or path.suffix == ".yaml"):
        raise UsageError(f"scenario '{name}' is not a regular file")
    scenarios = find_project_root(root) / "scenarios"
    raise UsageError(f"unknown scenario '{name}'; {suggest(path.stem, scenario_names(scenarios))}")


def assumptions_for(scenario_path: Path) -> Path:
    """The assumptions folder beside the scenario's folder (scenarios/../assumptions)."""
    return scenario_path.resolve().parent.parent / "assumptions"


def load_assumption_set(directory: Path) -> AssumptionSet:
    """Load an assumptions folder on its own; raise InputError listing every error."""
    problems = Problems()
    assumption_set = load_assumptions(directory, problems)
    problems.check()
    assert assumption_set is not None, "loading failed without an error"
    return assumption_set


def load_inputs(scenario_path: Path, assumptions_dir: Path | None = None) -> Inputs:
    """Load, check and resolve one scenario; raise InputError listing every error (warnings are kept)."""
    problems = Problems()
    assumption_set = load_assumptions(assumptions_dir or assumptions_for(scenario_path), problems)
    scenario = load_scenario(scenario_path, problems)
    problems.check()
    assert assumption_set is not None and scenario is not None, "loading failed without an error"
    inputs = resolve_scenario(scenario, assumption_set, problems)
    problems.check()
    return inputs


def load_project(scenario_paths: Iterable[Path], assumption_dirs: Iterable[Path],
                 problems: Problems) -> Iterator[tuple[AssumptionSet, Scenario | None]]:
    """Load the given assumption folders, then each scenario and the folder beside it, each folder once: yields
    (set, None) when a folder is first loaded and (set, scenario) for each scenario. What does not load is skipped;
    its problems go to `problems`."""
    sets: dict[Path, AssumptionSet | None] = {}

    def first_load(directory: Path) -> Iterator[tuple[AssumptionSet, None]]:
        if directory not in sets:
            sets[directory] = load_assumptions(directory, problems)
            if sets[directory] is not None:
                yield sets[directory], None

    for directory in assumption_dirs:
        yield from first_load(directory.resolve())
    for path in scenario_paths:
        scenario = load_scenario(path, problems)
        directory = assumptions_for(path).resolve()
        yield from first_load(directory)
        found = sets[directory]
        if scenario is not None and found is not None:
            yield found, scenario


def validate_project(scenario_paths: Iterable[Path], assumption_dirs: Iterable[Path],
                     visit: Callable[[AssumptionSet, Scenario | None], None] | None = None) -> list[Problem]:
    """Every problem in the given scenarios and assumption folders (each scenario resolved against its folder).

    `visit`, if given, sees what `load_project` yields, so that another check (the source audit) shares the loading.
    """
    problems = Problems()
    for assumption_set, scenario in load_project(scenario_paths, assumption_dirs, problems):
        if scenario is not None:
            resolve_scenario(scenario, assumption_set, problems)
        if visit is not None:
            visit(assumption_set, scenario)
    return problems.items
