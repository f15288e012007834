"""The sensitivity methods, one module each, named as the method: a module declares DESCRIPTION (a few words for
--method's help) and ORDER (where --method lists it; the lowest is the default), and provides `analyse`, `work` and
`check` (see `model.analysis.sensitivity.Method`)."""

from __future__ import annotations

import ast
import pkgutil
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Declared:
    name: str
    description: str
    order: int


def declared() -> dict[str, Declared]:
    """Every method by name, in ORDER, read from each module's source without importing it: the command line lists
    the methods at start-up, before numpy, pandas and scipy are worth loading."""
    found = []
    for module in pkgutil.iter_modules(__path__):
        tree = ast.parse(Path(__path__[0], f"{module.name}.py").read_text(encoding="utf-8"))
        constants = {target.id: ast.literal_eval(node.value) for node in tree.body if isinstance(node, ast.Assign)
                     for target in node.targets if isinstance(target, ast.Name)
                     and target.id in ("DESCRIPTION", "ORDER")}
        found.append(Declared(module.name, constants["DESCRIPTION"], constants["ORDER"]))
    return {method.name: method for method in sorted(found, key=lambda method: method.order)}
