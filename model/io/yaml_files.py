"""Reads input files safely (confined, size-limited, no aliases, tags or deep nesting) and finds each key's line."""

from __future__ import annotations

import datetime as dt
import os
import re
import stat
from pathlib import Path
from typing import Any

from _ruamel_yaml import CParser
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import RoundTripConstructor
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
from ruamel.yaml.resolver import VersionedResolver

from model.domain.location import Location, key_path
from model.errors import InputError, Problem, display_path

# Input files are hand-written and small; anything larger is a mistake or an attack on the parser.
MAX_FILE_BYTES = 1_000_000
# Input files nest a few levels (assumptions > key > sources > citation); deeper is a mistake or an attack on the
# composer, which recurses once per level.
MAX_DEPTH = 32

# A run of openers of flow collections is refused at once, with its line, before the parser is given the text.
_OPENERS = re.compile(rf"(?:[\[{{]\s*){{{MAX_DEPTH + 1}}}")
# A plain scalar that YAML's resolver reads as a date (and constructs with datetime, which raises for 2025-02-30).
_DATE_LIKE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:$|[Tt \t])")


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


class _EventChecks:
    """What the parser's events show before anything is constructed: aliases, tags and nesting (refused at once),
    and dates that do not exist (all of them listed in `problems`)."""

    def __init__(self, shown: str):
        self.shown = shown
        self.path = _Path()
        self.problems: list[Problem] = []

    def see(self, event: Any) -> None:
        path, shown = self.path, self.shown
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
            if not event.style and (date := _DATE_LIKE.match(event.value)):
                try:
                    dt.date(*(int(part) for part in date.groups()))
                except ValueError:
                    self.problems.append(Problem(shown, line, key_path(path.loc()),
                                                 f"{event.value} is not a real date"))
            if is_value:
                path.after_value()


class _Loader(CParser, RoundTripConstructor, VersionedResolver):
    """libyaml's parser and composer (ruamel.yaml.clib, in C: a tenth of the pure-Python scanner's time) with
    ruamel's round-trip constructor and YAML 1.2 resolver, so the data and its line numbers are those of
    `YAML(typ="rt")`, comments aside."""

    def __init__(self, text: str) -> None:
        self.comment_handling = None  # what ruamel's own loaders set: comments are not kept
        CParser.__init__(self, text)
        self._parser = self._composer = self
        RoundTripConstructor.__init__(self, loader=self)
        VersionedResolver.__init__(self, loader=self)


def _load_checked(text: str, shown: str) -> Any:
    """The round-trip data of `text`, refused as `_EventChecks` says before any of it is composed: the events are
    read once to check them (every wrong date is listed), then the file is parsed again and constructed."""
    if match := _OPENERS.search(text):
        line = text.count("\n", 0, match.start()) + 1
        raise InputError([Problem(shown, line, "", f"nesting deeper than {MAX_DEPTH} levels; input files are data "
                                                   "a few levels deep")])
    checks, events = _EventChecks(shown), _Loader(text)
    try:
        while events.check_event():
            checks.see(events.get_event())
    finally:
        events.dispose()
    if checks.problems:
        raise InputError(checks.problems)
    loader = _Loader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


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
    try:
        return _load_checked(text, shown)
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        message = " ".join(str(part) for part in (error.context, error.problem) if part)
        raise InputError([Problem(shown, line, "", f"invalid YAML: {message}")]) from None
    except YAMLError as error:
        raise InputError([Problem(shown, None, "", f"invalid YAML: {error}")]) from None
    except (ValueError, OverflowError) as error:  # a timestamp's time of day out of range (25:00)
        raise InputError([Problem(shown, None, "", f"invalid YAML: {error}")]) from None


def lines_of(node: Any) -> dict[tuple[Any, ...], int]:
    """The line (1-based) of every key path in a round-trip YAML node: `()` for the node itself, then each mapping
    key and list item."""
    lines: dict[tuple[Any, ...], int] = {(): node.lc.line + 1} if hasattr(node, "lc") else {}

    def walk(current: Any, path: tuple[Any, ...]) -> None:
        if isinstance(current, CommentedMap):
            places = ((key, current.lc.key(key)[0]) for key in current)
        elif isinstance(current, CommentedSeq):
            places = ((index, current.lc.item(index)[0]) for index in range(len(current)))
        else:
            return
        for part, line in places:
            lines[(*path, part)] = line + 1
            walk(current[part], (*path, part))

    walk(node, ())
    return lines


def locate(path: Path) -> tuple[Any, Location]:
    """`read_yaml(path)` and where each of its keys is written."""
    node = read_yaml(path)
    return node, Location(path, lines_of(node))
