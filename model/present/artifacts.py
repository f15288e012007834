"""The registry of output artefacts: each declares the result type it renders, its name, its format and the function
that makes its files' contents; a run folder is every registered artefact of its result. A format is one module of
`model.present.formats`, found and imported when the registry is first read, that registers its artefacts.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

Contents = Mapping[str, str | bytes]  # relative path in the run folder -> text or bytes
R = TypeVar("R")


@dataclass
class Rendering:
    """One result being rendered: what several artefacts need (a run's charts are files and the report's figures)
    is made once, by `shared`."""

    result: Any
    _made: dict[str, Any] = field(default_factory=dict)
    # gives Vega-Embed's JavaScript for an interactive report: a cache's reader handed in from the edge (the CLI's
    # model.io.bundle_cache), or None to make it afresh, so that rendering never touches the disk
    bundle: Callable[[], str] | None = None

    def shared(self, name: str, make: Callable[[Any], R]) -> R:
        if name not in self._made:
            self._made[name] = make(self.result)
        return self._made[name]


@dataclass(frozen=True)
class Artefact:
    """An output of a command: `render` makes its files (one, or a chart's three, or one per scenario...) from a
    result of type `result`."""

    result: type
    name: str  # the file, or the files' pattern: "projection.csv", "charts/<metric>.*"
    format: str  # csv, json, chart, html, markdown...
    render: Callable[[Rendering], Contents]


_ARTEFACTS: list[Artefact] = []


def artefact(result: type, name: str, format: str) -> Callable[[Callable[[Rendering], Contents]], Callable[..., Contents]]:
    """Register the decorated function as the renderer of artefact `name` of every `result`."""
    def register(render: Callable[[Rendering], Contents]) -> Callable[[Rendering], Contents]:
        _ARTEFACTS.append(Artefact(result, name, format, render))
        return render

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
    rendering = Rendering(result, bundle=bundle)
    files: dict[str, str | bytes] = {}
    for item in artefacts(type(result)):
        files |= item.render(rendering)
    return files
