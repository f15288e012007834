"""Company colours for charts and the workbook: the domain's colours (`model.domain.colours`) as Altair scales."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import altair as alt

from model.domain.colours import PALETTE, company_colours

__all__ = ["PALETTE", "company_colours", "company_scale"]


def company_scale(colours: Mapping[str, str], drawn: Iterable[str] | None = None) -> alt.Scale:
    """A colour scale that gives each company its own colour; `drawn` (default: every company of `colours`) limits
    the domain, and so the legend, to the companies a chart draws."""
    names = list(colours if drawn is None else drawn)
    missing = company_colours([name for name in names if name not in colours], {})  # (a frame's extra company)
    return alt.Scale(domain=names, range=[colours.get(name) or missing[name] for name in names])
