"""The registry of output artefacts: each declares the result type it renders, its name, its format and the function
that makes its files' contents; a run folder is every registered artefact of its result. A format is one module of
`model.present.formats`, found and imported when the registry is first read, that registers its artefacts.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

Contents = Mapping[str, str | bytes]  # relative path in the run folder -> text or bytes
R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)


class Pending(Protocol[R_co]):
    """A shared value being made meanwhile (a run's charts, drawn by helper processes): `result` waits for it. One
    nobody waits for (an artefact failed first) costs only the time of its making."""

    def result(self) -> R_co: ...


@dataclass
class Rendering:
    """One result being rendered: what several artefacts need (a run's charts are files and the report's figures)
    is made once, by `shared`."""

    result: Any
    _made: dict[str, Any] = field(default_factory=dict)
    # gives Vega-Embed's JavaScript for an interactive report: a cache's reader handed in from the edge (the CLI's
    # model.io.bundle_cache), or None to make it afresh, so that rendering never touches the disk
    bundle: Callable[[], str] | None = None
    _pending: dict[str, Pending[Any]] = field(default_factory=dict)

    def shared(self, name: str, make: Callable[[Any], R]) -> R:
        if name in self._pending:
            self._made[name] = self._pending.pop(name).result()
        if name not in self._made:
            self._made[name] = make(self.result)
        return self._made[name]

    def begin(self, name: str, start: Callable[[Any], Pending[Any]]) -> None:
        """Start making the shared value `name`: `shared(name, ...)` then waits for it."""
        self._pending[name] = start(self.result)

    def pending(self, names: Iterable[str]) -> bool:
        """Whether any of the shared values `names` is still being made."""
        return any(name in self._pending for name in names)


@dataclass(frozen=True)
class Artefact:
    """An output of a command: `render` makes its files (one, or a chart's three, or one per scenario...) from a
    result of type `result`."""

    result: type
    name: str  # the file, or the files' pattern: "projection.csv", "charts/<metric>.*"
    format: str  # csv, json, chart, html, markdown...
    render: Callable[[Rendering], Contents]
    uses: tuple[str, ...] = ()  # the shared values made ahead (`ahead`) that `render` waits for


@dataclass(frozen=True)
class Ahead:
    """A shared value of every `result` that takes long and is made aside (`start` returns it pending), started
    before any artefact is rendered, so that the artefacts that do not use it are rendered meanwhile."""

    result: type
    name: str
    start: Callable[[Any], Pending[Any]]


_ARTEFACTS: list[Artefact] = []
_AHEAD: list[Ahead] = []


def artefact(result: type, name: str, format: str, *, uses: tuple[str, ...] = ()
             ) -> Callable[[Callable[[Rendering], Contents]], Callable[..., Contents]]:
    """Register the decorated function as the renderer of artefact `name` of every `result`; `uses` names the
    shared values made ahead that it waits for."""
    def register(render: Callable[[Rendering], Contents]) -> Callable[[Rendering], Contents]:
        _ARTEFACTS.append(Artefact(result, name, format, render, uses))
        return render

    return register


def ahead(result: type, name: str) -> Callable[[Callable[[Any], Pending[R]]], Callable[[Any], Pending[R]]]:
    """Register the decorated function as what starts the shared value `name` of every `result` (`Ahead`)."""
    def register(start: Callable[[Any], Pending[R]]) -> Callable[[Any], Pending[R]]:
        _AHEAD.append(Ahead(result, name, start))
        return start

    return register


def artefacts(result_type: type | None = None) -> tuple[Artefact, ...]:
    """The registered artefacts (of `result_type`, or all), each format module imported first."""
    from model.present import formats

    for module in pkgutil.iter_modules(formats.__path__):
        importlib.import_module(f"{formats.__name__}.{module.name}")
    return tuple(a for a in _ARTEFACTS if result_type is None or issubclass(result_type, a.result))


def files_of(result: object, *, bundle: Callable[[], str] | None = None) -> dict[str, str | bytes]:
    """Relative path -> content of every artefact of `result`: a run folder but its manifest. `bundle` gives the
    JavaScript an interactive report inlines (see `Rendering.bundle`)."""
    items = artefacts(type(result))
    rendering = Rendering(result, bundle=bundle)
    for value in _AHEAD:
        if isinstance(result, value.result):
            rendering.begin(value.name, value.start)
    # what waits for a value made ahead is rendered after the rest, which is rendered meanwhile
    made = {item: item.render(rendering) for item in sorted(items, key=lambda item: rendering.pending(item.uses))}
    files: dict[str, str | bytes] = {}
    for item in items:  # in the registry's order, whatever the order of rendering
        files |= made[item]
    return files
