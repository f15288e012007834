"""A company's colour, the same in every chart and the workbook: its file's `colour:`, else a palette slot fixed by
its name, so adding a company recolours no other."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping

COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
# Okabe and Ito's colour-blind-safe set (without its yellow, too pale for a line on white), then two darks.
PALETTE: tuple[str, ...] = (
    "#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#8c6d31", "#555555",
)


def slot(name: str) -> int:
    """The palette position of an undeclared company: from its name alone (a hash stable across processes and
    machines, unlike Python's `hash`), never from its place among the others."""
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big") % len(PALETTE)


def company_colours(companies: Iterable[str], declared: Mapping[str, str] | None = None) -> dict[str, str]:
    """Company -> "#rrggbb", in the order given: the declared colour where there is one, else the palette slot of
    its name; a slot that a declared colour or an earlier company holds passes to the next free one, so only two
    undeclared companies whose names meet on one slot depend on each other (declare `colour:` to settle it)."""
    declared = {name: colour.lower() for name, colour in (declared or {}).items() if colour}
    names = list(companies)
    taken = {declared[name] for name in names if name in declared}
    colours: dict[str, str] = {}
    for name in names:
        if name in declared:
            colours[name] = declared[name]
            continue
        free = [PALETTE[(slot(name) + step) % len(PALETTE)] for step in range(len(PALETTE))]
        # with more companies than colours, repeat the name's own slot rather than fail
        colour = next((c for c in free if c not in taken), free[0])
        colours[name] = colour
        taken.add(colour)
    return colours
