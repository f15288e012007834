"""`scenario set`: changes one assumption or scenario override in its YAML file, with the evidence for the new
value; every other line of the file keeps its bytes, and nothing is written unless the whole project still validates.

ruamel.yaml (round-trip mode, configured with the file's own indentation) loads the file; the entry is changed in
the loaded document, which is dumped; then only the edited fields' lines of that dump are spliced into the original
text. Where ruamel reproduces a file exactly (every shipped file, which a test checks) the splice equals the dump;
where it would not (values aligned with extra spaces, `[ 1, 2 ]`), the rest of the file still keeps its bytes.
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import io
import math
import re
import shutil
import tempfile
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, FoldedScalarString

from model.catalogue import MARKET_PREFIX, parameter_of
from model.domain import FX_PREFIX
from model.errors import InputError, Problem, ScenarioError, UsageError, display_path, suggest
from model.io.checks import absent_capex_route
from model.io.project import FX_FILE, MARKET_FILE, SOURCES_FILE, assumptions_for, company_files, find_scenario
from model.io.schema import Source, SourcesFile
from model.io.validation import parse_file
from model.io.yaml_files import read_yaml

VALUE_FORMS = "a number (0.12, 1.5e3) or a per-year series (2025:0.1,2027:0.08 or {2025: 0.1, 2027: 0.08})"
# Rationales longer than this are written as a folded block (`>`), wrapped like the hand-written ones.
PROSE_WIDTH = 100
# (mapping, sequence, offset) indentations tried, most common first, until one reproduces the file exactly.
INDENTS = ((2, 4, 2), (2, 2, 0), (4, 4, 2), (4, 6, 4), (4, 4, 0), (2, 3, 1), (3, 5, 2), (3, 3, 0))
# What `set` may change in an entry; every other field keeps its lines.
EDITED_FIELDS = ("value", "rationale", "confidence", "range", "as_of", "sources", "history")
# The fields of an entry that a vintage in its `history:` keeps, in the order the vintage lists them.
VINTAGE_FIELDS = ("value", "rationale", "confidence", "range", "as_of")


# ----------------------------------------------------------------------------------------------- round-trip YAML
def _yaml(indent: tuple[int, int, int] = INDENTS[0], explicit_start: bool = False) -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 1_000_000  # never re-fold a long line
    mapping, sequence, offset = indent
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    yaml.explicit_start = explicit_start
    # one date object may stand for two fields (a judgement's as_of and the day it replaced a value): never an
    # alias (&id001), which input files may not hold
    yaml.representer.ignore_aliases = lambda data: True
    return yaml


def _dump(yaml: YAML, document: Any) -> str:
    buffer = io.StringIO()
    yaml.dump(document, buffer)
    return buffer.getvalue()


def yaml_for(text: str) -> tuple[YAML, Any]:
    """A round-trip YAML with the indentation that reproduces `text` byte for byte, or else comes closest; and
    `text` loaded by it."""
    explicit_start = bool(re.search(r"^---\s*$", text, re.MULTILINE))
    unix = text.replace("\r\n", "\n")  # ruamel writes '\n'; splice() gives the lines it takes the file's ends
    best, best_score = None, -1.0
    for indent in INDENTS:
        yaml = _yaml(indent, explicit_start)
        document = yaml.load(text)
        dumped = _dump(yaml, document)
        if dumped == unix:
            return yaml, document
        score = difflib.SequenceMatcher(None, unix.split("\n"), dumped.split("\n"), autojunk=False).ratio()
        if score > best_score:
            best, best_score = (yaml, document), score
    assert best is not None
    return best


def round_trip(text: str) -> str:
    """`text` loaded and dumped, without edits, by the YAML that `set` configures for it."""
    yaml, document = yaml_for(text)
    return _dump(yaml, document)


# ---------------------------------------------------------------------------------------------------- the value
def _finite(number: Any) -> Any:
    if isinstance(number, bool) or not isinstance(number, (int, float)) or not math.isfinite(number):
        raise ValueError(number)
    return number


def _number(text: str) -> Any:
    """One number as ruamel reads it, so the file keeps the digits as typed (0.10 stays 0.10)."""
    return _finite(_yaml().load(text.strip()) if text.strip() else None)


def parse_value(text: str) -> Any:
    """VALUE as typed on the command line: a number, or {year: number} for `2025:0.1,2027:0.08` or a YAML flow
    mapping; raises UsageError naming the valid forms."""
    stripped = text.strip()
    try:
        if stripped.startswith("{"):
            loaded = _yaml().load(stripped)
            if not isinstance(loaded, dict) or not loaded:
                raise ValueError(text)
            pairs = [(year, _finite(number)) for year, number in loaded.items()]
        elif ":" in stripped:
            pairs = [(int(year), _number(number)) for year, _, number in
                     (part.partition(":") for part in stripped.split(","))]
        else:
            return _number(stripped)
    except (ValueError, YAMLError):
        raise UsageError(f"VALUE '{text}' is not {VALUE_FORMS}") from None
    years = [year for year, _ in pairs]
    if any(isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 2200 for year in years):
        raise UsageError(f"VALUE '{text}': a series is keyed by years such as 2025")
    if len(set(years)) != len(years):
        raise UsageError(f"VALUE '{text}' gives a year twice")
    return dict(sorted(pairs))


def parse_range(low: str, high: str, value: Any, key: str) -> tuple[Any, Any]:
    """`--range LOW HIGH` as typed: two finite numbers, low <= VALUE <= high, inside the valid interval of KEY
    (`tencent.capex.intensity`, or `fx.CNY`: positive); raises UsageError naming the option."""
    shown = f"--range {low} {high}"
    bounds = []
    for text in (low, high):
        try:
            bounds.append(_number(text))
        except (ValueError, YAMLError):
            raise UsageError(f"{shown}: '{text}' is not a finite number") from None
    if bounds[0] > bounds[1]:
        raise UsageError(f"{shown}: low {describe(bounds[0])} is above high {describe(bounds[1])}")
    if isinstance(value, dict):
        raise UsageError(f"{shown}: an explicit range needs a single VALUE; a series moves as one by its confidence")
    if not bounds[0] <= value <= bounds[1]:
        raise UsageError(f"{shown} does not hold VALUE {describe(value)}")
    company, _, parameter = key.partition(".")
    catalogued = None if company == FX_PREFIX else parameter_of(key if company == MARKET_PREFIX else parameter)
    for bound in bounds:
        if catalogued is not None:
            reason = catalogued.check(bound)
        else:
            reason = None if bound > 0 else f"rate {describe(bound)} must be positive"
        if reason:
            raise UsageError(f"{shown}: {reason} for {key}")
    return bounds[0], bounds[1]


def today() -> dt.date:
    """The date an analyst-judgement change is known on, and a replaced value is replaced on (tests replace it)."""
    return dt.date.today()


def parse_date(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{option} '{text}' is not a date such as 2025-08-13") from None


def describe(value: Any) -> str:
    """A value as the summary shows it: `0.12`, or `2025: 0.15, 2026: 0.1` for a series."""
    if isinstance(value, dict):
        return ", ".join(f"{year}: {describe(number)}" for year, number in value.items())
    if isinstance(value, str):  # what stands for a pool's value
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return repr(value)
    return str(value) if isinstance(value, int) else f"{value:g}"


# --------------------------------------------------------------------------------------------------- the target
@dataclass(frozen=True)
class Target:
    """Where `set` writes: a file and the entry in it (`("assumptions", "capex.growth")`, `("rates", "CNY")` or
    `("overrides", "tencent.capex.intensity")`), and the assumption file that holds the key's own figure."""

    key: str  # as typed: tencent.capex.intensity, fx.CNY
    path: Path
    loc: tuple[str, str]
    assumption_path: Path
    assumption_loc: tuple[str, str]
    assumptions_dir: Path
    scenarios_dir: Path

    @property
    def is_override(self) -> bool:
        return self.loc[0] == "overrides"


def find_target(root: Path, key: str, scenario: str | None = None) -> Target:
    """The file and entry that KEY names, in the company's file, fx.yaml or (with `scenario`) the scenario's
    overrides; raises UsageError naming the valid companies and keys."""
    company, _, name = key.partition(".")
    if scenario is not None:
        path = find_scenario(scenario, root)
        assumptions_dir, scenarios_dir = assumptions_for(path), path.resolve().parent
    else:
        path, assumptions_dir, scenarios_dir = None, root / "assumptions", root / "scenarios"
    companies = [p.stem for p in company_files(assumptions_dir)]
    if not name:
        raise UsageError(f"KEY '{key}' is <company>.<key> or fx.<CCY>, such as tencent.capex.intensity or fx.CNY")
    if company == FX_PREFIX:
        assumption_path, assumption_loc = assumptions_dir / FX_FILE, ("rates", name)
    elif company == MARKET_PREFIX:
        assumption_path, assumption_loc = assumptions_dir / MARKET_FILE, ("assumptions", name)
    elif company in companies:
        assumption_path, assumption_loc = assumptions_dir / f"{company}.yaml", ("assumptions", name)
    else:
        raise UsageError(f"unknown company '{company}' in KEY '{key}'; {suggest(company, [*companies, FX_PREFIX, MARKET_PREFIX])}")
    node = read_yaml(assumption_path)
    entries = node.get(assumption_loc[0]) if isinstance(node, dict) else None
    known = list(entries) if isinstance(entries, dict) else []
    if name not in known:
        shown = display_path(assumption_path)
        if company != FX_PREFIX and (route := absent_capex_route(company, name, known, verb="set")):
            raise UsageError(f"{shown} has no assumption '{name}' to set: {route}")
        what = "exchange rate" if company == FX_PREFIX else "assumption"
        raise UsageError(f"{shown} has no {what} '{name}' to set (add a new one by hand, with its unit and period); "
                         f"{suggest(name, known)}")
    entry = entries[name]
    if path is None and isinstance(entry, dict) and "candidates" in entry:
        # a pool's value is the median of its candidates' mixture: no one number to replace, nor one to keep in
        # history; a scenario may still override it with a single figure
        count = len(entry["candidates"]) if isinstance(entry["candidates"], list) else 0
        raise UsageError(f"{display_path(assumption_path)}: {name} pools {count} candidate figures, so there is no "
                         "single value to set: edit its candidates by hand (each with its source), or override it "
                         "in a scenario with --scenario")
    if path is None:
        return Target(key, assumption_path, assumption_loc, assumption_path, assumption_loc, assumptions_dir,
                      scenarios_dir)
    return Target(key, path, ("overrides", key), assumption_path, assumption_loc, assumptions_dir, scenarios_dir)


# --------------------------------------------------------------------------------------------------- the change
@dataclass(frozen=True)
class Change:
    """The new value and its evidence: one citation replaces the entry's sources, or joins them (`add_source`); the
    value it replaces goes into the entry's history, with that value's evidence, dated `replaced`."""

    value: Any  # a number, or {year: number}
    source: Source
    excerpt: str | None
    locator: str | None
    as_of: dt.date
    confidence: str | None
    rationale: str | None  # an override's rationale; also an analyst-judgement citation's
    add_source: bool = False
    range: tuple[Any, Any] | None = None  # the new explicit 90% interval; None leaves the entry's as it is
    replaced: dt.date | None = None

    @property
    def judgement(self) -> bool:
        return self.source.kind == "analyst-judgement"


def read_registry(assumptions_dir: Path) -> dict[str, Source]:
    registry, _ = parse_file(assumptions_dir / SOURCES_FILE, SourcesFile)
    return {source.id: source for source in registry.sources}


def make_change(
    target: Target,
    value: str,
    *,
    source: str,
    excerpt: str | None,
    locator: str | None = None,
    as_of: dt.date | None = None,
    confidence: str | None = None,
    rationale: str | None = None,
    add_source: bool = False,
    bounds: tuple[str, str] | None = None,
    on: dt.date | None = None,
) -> Change:
    """Check the command line's evidence against the registry: the source exists, an override has a rationale,
    a citation has an excerpt (or, for analyst judgement, a rationale); `bounds` (--range) hold the value.
    `as_of` defaults to the source's date, or for analyst judgement to the day of the change, `on` (today)."""
    on = on or today()
    parsed = parse_value(value)
    interval = parse_range(*bounds, parsed, target.key) if bounds else None
    registry = read_registry(target.assumptions_dir)
    found = registry.get(source)
    if found is None:
        raise UsageError(f"unknown source '{source}' (register it in "
                         f"{display_path(target.assumptions_dir / SOURCES_FILE)} first); {suggest(source, registry)}")
    if target.is_override and not rationale:
        raise UsageError("--rationale is required with --scenario: an override says why it departs from the "
                         "assumption")
    if found.kind == "analyst-judgement":
        if not rationale:
            raise UsageError(f"'{source}' is analyst judgement: give --rationale (why this figure)")
    elif not excerpt:
        raise UsageError(f"--excerpt is required: the short phrase of '{source}' that states the figure")
    # a judgement is the team's as of the day it is made, not as of the date the registry gives its source
    known = as_of or (on if found.kind == "analyst-judgement" else found.date)
    return Change(parsed, found, excerpt, locator, known, confidence, rationale, add_source, interval, on)


# ------------------------------------------------------------------------------------------------------ the edit
@dataclass(frozen=True)
class Edited:
    """A file's new text after `set`, and what the summary line says about it."""

    target: Target
    change: Change
    old_text: str
    text: str
    old: Any  # the value before; for a new override, the assumption's value that it overrides
    created: bool  # a new override

    @property
    def line(self) -> int:
        """Line (1-based) of the edited entry in the new text."""
        container = _yaml().load(self.text)[self.target.loc[0]]
        return container.lc.key(self.target.loc[1])[0] + 1

    @property
    def summary(self) -> str:
        if self.created:
            what = f"new override; source {self.change.source.id}"
        else:
            added = " added" if self.change.add_source else ""
            what = f"source {self.change.source.id}{added}; the previous value is kept in history"
        return (f"{display_path(self.target.path)}:{self.line}: {self.target.loc[1]}: {describe(self.old)} -> "
                f"{describe(self.change.value)} ({what})")


def _prose(text: str) -> str:
    """A rationale as the hand-written files have it: one line when short, else a folded block (`>`)."""
    text = " ".join(text.split())
    if len(text) <= PROSE_WIDTH:
        return text
    lines = textwrap.wrap(text, PROSE_WIDTH, break_long_words=False, break_on_hyphens=False)
    folded = FoldedScalarString(" ".join(lines) + "\n")
    positions, offset = [], 0
    for line in lines[:-1]:
        offset += len(line)
        positions.append(offset)  # the space after this line is where it folds
        offset += 1
    folded.fold_pos = positions
    return folded


def _plain(node: Any) -> Any:
    """A copy of a loaded node without its comments (which stay on their lines in the file), keeping its style:
    quotes, folds, number digits, flow or block."""
    if isinstance(node, CommentedMap):
        copied = CommentedMap((key, _plain(value)) for key, value in node.items())
    elif isinstance(node, CommentedSeq):
        copied = CommentedSeq(_plain(value) for value in node)
    else:
        return copy.copy(node)
    if node.fa.flow_style():
        copied.fa.set_flow_style()
    else:
        copied.fa.set_block_style()
    return copied


def _vintage(entry: CommentedMap, as_of: Any, replaced: dt.date | None) -> CommentedMap:
    """The entry's value as it stands, with its evidence, for its `history:`."""
    vintage = CommentedMap()
    for name in VINTAGE_FIELDS:
        if name == "as_of":
            vintage["as_of"] = as_of
            if replaced is not None:
                vintage["replaced"] = replaced
        elif name in entry:
            vintage[name] = _plain(entry[name])
    vintage["sources"] = _plain(entry.get("sources"))
    return vintage


def _effective_as_of(target: Target, entry: CommentedMap) -> Any:
    """An entry's as_of; for an override without one, what loading takes: its sources' latest date, else the
    assumption's as_of."""
    if "as_of" in entry:
        return entry["as_of"]
    registry = read_registry(target.assumptions_dir)
    refs = [c.get("ref") for c in entry.get("sources") or () if isinstance(c, dict)]
    dates = [registry[ref].date for ref in refs if ref in registry]
    if dates:
        return max(dates)
    assumption_file = _yaml().load(target.assumption_path.read_text(encoding="utf-8"))
    return assumption_file[target.assumption_loc[0]][target.assumption_loc[1]].get("as_of")


def _insert_before(entry: CommentedMap, name: str, value: Any, following: tuple[str, ...]) -> None:
    """Set `name` in `entry`, a new field going before the first of `following` the entry has (else at its end)."""
    if name not in entry:
        keys = list(entry)
        at = next((keys.index(k) for k in following if k in keys), len(keys))
        entry.insert(at, name, value)
    entry[name] = value


def _range_node(bounds: tuple[Any, Any]) -> CommentedSeq:
    node = CommentedSeq(bounds)
    node.fa.set_flow_style()
    return node


def _citation(change: Change) -> CommentedSeq:
    citation = CommentedMap()
    citation["ref"] = change.source.id
    if change.excerpt:
        citation["excerpt"] = DoubleQuotedScalarString(change.excerpt)
    if change.locator:
        citation["locator"] = change.locator
    if change.judgement:
        citation["rationale"] = _prose(change.rationale or "")
    return CommentedSeq([citation])


def _value_node(value: Any, like: Any) -> Any:
    if not isinstance(value, dict):
        return value
    series = CommentedMap(value)
    if isinstance(like, CommentedMap) and like.fa.flow_style():
        series.fa.set_flow_style()  # the file writes its series as {2025: 0.1, ...}
    else:
        series.fa.set_block_style()
    return series


def _is_flow(node: Any) -> bool:
    return isinstance(node, (CommentedMap, CommentedSeq)) and bool(node) and node.fa.flow_style()


def edit(target: Target, change: Change) -> Edited:
    """The target file's text with the change made (nothing is written).

    The entry's value, sources and as_of change, its confidence when given and an override's rationale; a new
    override, and `overrides:` itself when the scenario has none, go at the end. Every other line keeps its bytes.
    """
    shown = display_path(target.path)
    read_yaml(target.path)  # the loader's checks first: size, aliases, YAML syntax with file:line
    old_text = target.path.read_bytes().decode("utf-8")  # as it is: read_text would turn '\r\n' into '\n'
    yaml, old_doc = yaml_for(old_text)
    document = copy.deepcopy(old_doc)  # edited below; old_doc keeps the lines of the original
    section, name = target.loc
    if not isinstance(document, CommentedMap):
        raise ScenarioError(f"{shown}: expected a mapping of fields; fix the file first")
    container = document.get(section)
    entry = container.get(name) if isinstance(container, CommentedMap) else None
    if entry is not None and not isinstance(entry, CommentedMap):
        raise ScenarioError(f"{shown}: {name} is not a mapping of fields; fix it by hand first")
    flow = _is_flow(document) or _is_flow(container) or _is_flow(entry)
    if not isinstance(container, CommentedMap):  # `overrides:` absent or empty
        container = document[section] = CommentedMap()
    if entry is None:
        assumption_file = _yaml().load(target.assumption_path.read_text(encoding="utf-8"))
        overridden = assumption_file[target.assumption_loc[0]][target.assumption_loc[1]]
        entry = CommentedMap()
        entry["value"] = _value_node(change.value, None)
        entry["rationale"] = _prose(change.rationale or "")
        entry["confidence"] = change.confidence or overridden.get("confidence")
        if change.range is not None:
            entry["range"] = _range_node(change.range)
        entry["as_of"] = change.as_of
        entry["sources"] = _citation(change)
        container.fa.set_block_style()
        container[name] = entry
        old, created = overridden.get("value"), True
        if old is None and isinstance(overridden.get("candidates"), list):  # a pooled assumption
            old = f"a pool of {len(overridden['candidates'])} candidates"
    else:
        old, created = entry.get("value"), False
        vintage = _vintage(entry, _effective_as_of(target, entry), change.replaced)
        entry["value"] = _value_node(change.value, old)
        if target.is_override:
            entry["rationale"] = _prose(change.rationale or "")
        if change.confidence:
            entry["confidence"] = change.confidence
        if change.range is not None:
            _insert_before(entry, "range", _range_node(change.range), ("as_of", "sources"))
        _insert_before(entry, "as_of", change.as_of, ("sources",))
        cited = _citation(change)
        if change.add_source:
            cited = CommentedSeq([*_plain(entry.get("sources") or CommentedSeq()), *cited])
        entry["sources"] = cited
        history = entry.get("history")
        if not isinstance(history, CommentedSeq):
            history = CommentedSeq()
        history = CommentedSeq([*_plain(history), vintage])  # oldest first
        history.fa.set_block_style()
        entry["history"] = history
    dumped = _dump(yaml, document)
    new_doc = _yaml().load(dumped)
    if not flow:
        text = splice(old_text, old_doc, dumped, new_doc, target.loc)
    elif _dump(yaml, old_doc) == old_text:
        text = dumped  # lines cannot be spliced in flow style ({...}), but ruamel rewrites this file exactly
    else:
        raise ScenarioError(f"{shown}: {name} is written in flow style ({{...}}), which ruamel.yaml cannot rewrite "
                            "in this file without changing other lines; make the change by hand")
    if YAML(typ="safe").load(text) != YAML(typ="safe").load(dumped):
        raise ScenarioError(f"{shown}: the edit of {name} could not be placed without changing other lines; nothing "
                            "was written (make the change by hand)")
    return Edited(target, change, old_text, text, old, created)


# -------------------------------------------------------------------------------------------- splicing the lines
def _lines(text: str) -> list[str]:
    """Lines with their ends, split at '\\n' only, as YAML counts them (str.splitlines also splits at \\x0c...)."""
    parts = text.split("\n")
    return [f"{line}\n" for line in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def _is_filler(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def _node(document: CommentedMap, path: tuple[str, ...]) -> Any:
    for part in path:
        document = document[part]
    return document


def _end_of(document: CommentedMap, path: tuple[str, ...], count: int) -> int:
    """The line (0-based) where the mapping at `path` ends: the next key at its level or above, or the file's end."""
    for depth in range(len(path), 0, -1):
        keys = list(_node(document, path[: depth - 1]))
        index = keys.index(path[depth - 1])
        if index + 1 < len(keys):
            return _node(document, path[: depth - 1]).lc.key(keys[index + 1])[0]
    return count


def spans(document: CommentedMap, lines: list[str], path: tuple[str, ...]) -> dict[Any, range]:
    """Each key of the mapping at `path` with its lines: from the key to its last line of content (blank lines and
    comments after that lie between entries, and stay where they are)."""
    mapping = _node(document, path)
    keys = list(mapping)
    found = {}
    for index, key in enumerate(keys):
        start = mapping.lc.key(key)[0]
        stop = mapping.lc.key(keys[index + 1])[0] if index + 1 < len(keys) else _end_of(document, path, len(lines))
        while stop > start + 1 and _is_filler(lines[stop - 1]):
            stop -= 1
        found[key] = range(start, max(stop, start + 1))
    return found


def _column(mapping: CommentedMap) -> int:
    return mapping.lc.key(next(iter(mapping)))[1] if mapping else 0


def _reindent(lines: list[str], shift: int, newline: str) -> list[str]:
    """ruamel's lines moved `shift` columns to sit under the original file's keys, with its line ends."""
    moved = []
    for line in lines:
        body = line.rstrip("\n")
        if body.strip():
            body = " " * shift + body if shift >= 0 else body[-shift:]
        moved.append(body + newline)
    return moved


def splice(old_text: str, old_doc: CommentedMap, new_text: str, new_doc: CommentedMap, loc: tuple[str, str]) -> str:
    """`old_text` with the edited fields of the entry at `loc` (or the new entry, or the new `overrides:`) taken
    from `new_text`, ruamel's dump of the edited document; every other line of `old_text` keeps its bytes. Each
    text comes with its document as loaded, for the lines of its keys."""
    old_lines, new_lines = _lines(old_text), _lines(new_text)
    newline = "\r\n" if "\r\n" in old_text else "\n"
    section, name = loc
    container = old_doc.get(section)
    if not isinstance(container, CommentedMap) or not container:
        return _place(old_doc, new_doc, old_lines, new_lines, (), section, newline)
    if name not in container:
        return _place(old_doc, new_doc, old_lines, new_lines, (section,), name, newline)
    old_spans, new_spans = spans(old_doc, old_lines, loc), spans(new_doc, new_lines, loc)
    new_entry = _node(new_doc, loc)
    shift = _column(_node(old_doc, loc)) - _column(new_entry)
    edits: list[tuple[int, int, list[str]]] = []
    keys = list(new_entry)
    for index, key in enumerate(keys):
        if key not in EDITED_FIELDS:
            continue
        span = new_spans[key]
        block = _reindent(new_lines[span.start:span.stop], shift, newline)
        if key in old_spans:
            edits.append((old_spans[key].start, old_spans[key].stop, block))
        else:  # a field the entry lacked goes where ruamel put it: before the next field the file has
            following = [old_spans[k].start for k in keys[index + 1:] if k in old_spans]
            at = following[0] if following else max(s.stop for s in old_spans.values())
            edits.append((at, at, block))
    result = list(old_lines)
    for start, stop, block in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        result[start:stop] = block
    return "".join(result)


def _place(old_doc: CommentedMap, new_doc: CommentedMap, old_lines: list[str], new_lines: list[str],
           path: tuple[str, ...], key: str, newline: str) -> str:
    """Put the new `key` of the mapping at `path` (a new override, or `overrides:`) into the old lines: in place of
    an empty `overrides:`, or after the mapping's last entry, separated by a blank line if the entries are."""
    old_parent, new_parent = _node(old_doc, path), _node(new_doc, path)
    span = spans(new_doc, new_lines, path)[key]
    block = _reindent(new_lines[span.start:span.stop], _column(old_parent) - new_parent.lc.key(key)[1], newline)
    old_spans = spans(old_doc, old_lines, path)
    result = list(old_lines)
    if key in old_spans:  # `overrides:` with nothing, or `overrides: {}`
        result[old_spans[key].start:old_spans[key].stop] = block
        return "".join(result)
    last = old_spans[list(old_parent)[-1]]
    if last.start > 0 and not old_lines[last.start - 1].strip():
        block = [newline, *block]
    if last.stop == len(result) and result and not result[-1].endswith("\n"):
        result[-1] += newline
    result[last.stop:last.stop] = block
    return "".join(result)


# ------------------------------------------------------------------------------------------- validate, then write
def _copy_yaml(source: Path, destination: Path) -> None:
    destination.mkdir(parents=True)
    for path in source.glob("*.yaml"):
        shutil.copyfile(path, destination / path.name)


# What `scenario validate` finds in a project's scenarios and assumptions folders (given by the caller, so that
# io does not reach up to the audit).
Validator = Callable[[Path, Path], list[Problem]]


def check(edited: Edited, validate: Validator) -> tuple[list[Problem], list[Problem]]:
    """Validate the project as it would be after the edit with `validate`, in a temporary copy of its assumptions
    and scenarios: (errors, warnings the edit brings), each with the real file's path."""
    target = edited.target
    real = {"assumptions": target.assumptions_dir.resolve(), "scenarios": target.scenarios_dir.resolve()}
    with tempfile.TemporaryDirectory(prefix="scenario-set-") as scratch:
        root = Path(scratch).resolve()
        for name, folder in real.items():
            _copy_yaml(folder, root / name)
        folder = "scenarios" if target.is_override else "assumptions"
        (root / folder / target.path.name).write_text(edited.text, encoding="utf-8", newline="")
        after = validate(root / "scenarios", root / "assumptions")

        def shown(problem: Problem) -> Problem:
            path = Path(problem.file)
            path = (path if path.is_absolute() else Path.cwd() / path).resolve()
            if path.is_relative_to(root):
                relative = path.relative_to(root)
                path = real[relative.parts[0]].joinpath(*relative.parts[1:])
                return replace(problem, file=display_path(path))
            return problem

        after = [shown(p) for p in after]
    errors = [p for p in after if p.severity == "error"]
    warnings = [p for p in after if p.severity == "warning"]
    if warnings:  # only then is the project as it is validated too, to leave out the warnings it already has
        known = {(p.file, p.key, p.message) for p in validate(target.scenarios_dir, target.assumptions_dir)
                 if p.severity == "warning"}
        warnings = [p for p in warnings if (p.file, p.key, p.message) not in known]
    return errors, warnings


def validated(edited: Edited, validate: Validator) -> list[Problem]:
    """Raise InputError (nothing written) if the edited project would not validate; else the new warnings."""
    errors, warnings = check(edited, validate)
    if errors:
        order = sorted([*errors, *warnings], key=lambda p: (p.file, p.line or 0, p.key))
        raise InputError(order)
    return warnings
