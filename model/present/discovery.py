"""Renderings of a scenario discovery (`model.analysis.discovery.Discovery`): each box and tree leaf as a sentence in
domain words, the terminal lines, the trajectory table, the boxes' JSON, the tree's rules and the peeling chart."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

from model import format
from model.analysis.discovery import Box, Column, Discovery, Leaf, column_names
from model.catalogue import Kind
from model.present.charts import HEIGHT, WIDTH, ChartLike, for_slides
from model.units import MONEY_SCALES

TRAJECTORY_COLUMNS = ["step", "coverage", "density", "mass", "restricted", "chosen"]
# The tree's rules list its leaves by share of the event, the likeliest first; the terminal shows the likeliest.
SHOWN_LEAVES = 1
# The chosen box's marks on the peeling chart: a red that no point of the viridis scale comes near.
MARK_COLOUR = "#d62728"


# --------------------------------------------------------------------------------------------------- sentences
def subject(column: Column) -> str:
    """What a sentence calls an assumption: "ByteDance's AI-chip budget", "Tencent's capex growth (2026)", "the
    CNY exchange rate"."""
    year = f" ({column.year})" if column.year is not None else ""
    return f"{column.owner}'s {column.label}{year}" if column.owner else f"the {column.label}{year}"


def value(number: float, column: Column) -> str:
    """An assumption's figure in its file's unit, by the formatter: "USD 7.7bn", "8.8%", "3.0 years", "CNY 24,500"."""
    unit = column.unit.split()
    if column.percent:
        return format.figure(number, Kind.share)
    if len(unit) in (1, 2) and unit[0].isupper() and len(unit[0]) == 3 and (len(unit) == 1 or unit[1] in MONEY_SCALES):
        scale = unit[1] if len(unit) == 2 else ""
        return f"{unit[0]} {format.figure(number, Kind.money, decimals=1 if scale else 0)}{scale}"
    if column.unit == "years":
        return f"{format.figure(number, Kind.years)} years"
    if column.unit == "count":
        return format.figure(number, Kind.count)
    return f"{format.figure(number, Kind.ratio)} {column.unit}".removesuffix(" ratio")


def limits(column: Column, lower: float, upper: float) -> str:
    """A restriction in words: "ByteDance's AI-chip budget above USD 7.7bn", "... between 8.8% and 15.8%"."""
    finite_low, finite_high = lower != float("-inf"), upper != float("inf")
    if finite_low and finite_high:
        return f"{subject(column)} between {value(lower, column)} and {value(upper, column)}"
    if finite_low:
        return f"{subject(column)} above {value(lower, column)}"
    return f"{subject(column)} below {value(upper, column)}"


def _joined(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"


def box_sentence(result: Discovery, box: Box) -> str:
    """"ByteDance leads on accelerators installed in 2028 in 80.3% of draws with ByteDance's AI-chip budget above
    USD 7.7bn and ... (coverage 79.2%; 66.4% of all draws)"."""
    parts = [limits(result.columns[r.column], r.lower, r.upper) for r in box.restrictions]
    return (f"{result.description} in {format.figure(box.density, Kind.probability)} of draws with {_joined(parts)} "
            f"(coverage {format.figure(box.coverage, Kind.probability)} of the draws where it happens; "
            f"{format.figure(box.mass, Kind.probability)} of all draws)")


def _leaf_parts(result: Discovery, leaf: Leaf) -> list[str]:
    """A leaf's conditions in words, one per column (a column split twice on a path reads as its tightest limits)."""
    bounds: dict[int, list[float]] = {}
    for column, side, threshold in leaf.conditions:
        low, high = bounds.setdefault(column, [float("-inf"), float("inf")])
        bounds[column] = [max(low, threshold), high] if side == ">" else [low, min(high, threshold)]
    return [limits(result.columns[c], low, high) for c, (low, high) in bounds.items()]


def leaf_sentence(result: Discovery, leaf: Leaf) -> str:
    """"in 86.7% of the 3,802 draws with ...": one leaf of the tree."""
    parts = _leaf_parts(result, leaf)
    where = f" with {_joined(parts)}" if parts else ""
    return f"in {format.figure(leaf.share, Kind.probability)} of the {format.count(leaf.draws)} draws{where}"


def ranked_leaves(result: Discovery) -> list[Leaf]:
    """The tree's leaves where the event happens, likeliest first (then the larger)."""
    return sorted(result.leaves, key=lambda leaf: (-leaf.share, -leaf.draws))


def share_line(result: Discovery) -> str:
    """The event's share of the draws, or that it never or always happens (nothing to discover then)."""
    draws = f"{format.count(result.draws)} draws of {result.scenario}"
    if result.share == 0:
        return f"{result.description} in none of the {draws}: it never happens, so there is nothing to discover"
    if result.share == 1:
        return f"{result.description} in all of the {draws}: it always happens, so there is nothing to discover"
    return f"{result.description} in {format.figure(result.share, Kind.probability)} of the {draws}"


def terminal(result: Discovery) -> list[str]:
    """What `scenario discover` prints: the event's share, each box as a sentence, the tree's likeliest leaf."""
    lines = [share_line(result)]
    if result.trajectory is None:
        return lines
    if not result.boxes:
        lines.append("PRIM found no box where the event is likelier than in the draws as a whole")
    for number, box in enumerate(result.boxes, 1):
        lines.append(f"Box {number}: {box_sentence(result, box)}")
    for leaf in ranked_leaves(result)[:SHOWN_LEAVES]:
        lines.append(f"Tree (depth {result.settings['tree_depth']}), its likeliest leaf: {leaf_sentence(result, leaf)}")
    return lines


# -------------------------------------------------------------------------------------------------------- files
def trajectory_frame(result: Discovery) -> pd.DataFrame:
    """The first peeling's boxes, one row each (TRAJECTORY_COLUMNS); empty when there was nothing to discover."""
    trajectory = result.trajectory
    if trajectory is None:
        return pd.DataFrame({column: [] for column in TRAJECTORY_COLUMNS})
    steps = range(len(trajectory.coverage))
    return pd.DataFrame({
        "step": list(steps),
        "coverage": trajectory.coverage,
        "density": trajectory.density,
        "mass": trajectory.mass,
        "restricted": trajectory.restricted,
        "chosen": [step == trajectory.chosen for step in steps],
    })


def _bound(number: float) -> float | None:
    """A limit for JSON: None where the side is free (JSON holds no infinity)."""
    return None if number in (float("inf"), float("-inf")) else number


def discovery_json(result: Discovery) -> dict[str, Any]:
    """The result as plain data: the event, its share, each box with its restrictions and sentence, the tree."""
    names = column_names(result.columns)

    def restriction(column: int, lower: float, upper: float) -> dict[str, Any]:
        item = result.columns[column]
        return {"key": item.key, "year": item.year, "unit": item.unit, "lower": _bound(lower),
                "upper": _bound(upper), "text": limits(item, lower, upper)}

    return {
        "scenario": result.scenario,
        "event": result.event.text,
        "description": result.description,
        "draws": result.draws,
        "share": result.share,
        "boxes": [{
            "coverage": box.coverage, "density": box.density, "mass": box.mass, "draws": box.draws,
            "sentence": box_sentence(result, box),
            "restrictions": [restriction(r.column, r.lower, r.upper) | {"density_without": r.density_without}
                             for r in box.restrictions],
        } for box in result.boxes],
        "tree": [{
            "conditions": [{"key": names[c], "side": side, "threshold": threshold}
                           for c, side, threshold in leaf.conditions],
            "draws": leaf.draws, "share": leaf.share, "sentence": leaf_sentence(result, leaf),
        } for leaf in result.leaves],
        "settings": result.settings,
    }


def tree_markdown(result: Discovery) -> str:
    """The tree's rules as markdown: each leaf's path as a sentence, the likeliest first."""
    lines = [f"# What would have to be true: {result.description}", "",
             f"{share_line(result)}.", ""]
    if not result.leaves:
        return "\n".join(lines)
    lines += [(f"A decision tree (CART, depth {result.settings['tree_depth']}, leaves of at least "
              f"{format.figure(result.settings['tree_min_leaf'], Kind.share)} of the draws), its leaves by the "
              "event's share, the likeliest first:"), ""]
    lines += [f"- The event happens {leaf_sentence(result, leaf)}." for leaf in ranked_leaves(result)]
    return "\n".join(lines) + "\n"


# -------------------------------------------------------------------------------------------------------- chart
@for_slides
def peeling_chart(result: Discovery) -> ChartLike:
    """PRIM's peeling trade-off: each box of the first peeling as a point at its coverage and density, coloured by
    its number of restricted assumptions, joined in peeling order, the chosen box ringed and labelled."""
    frame = trajectory_frame(result)
    if frame.empty:
        raise ValueError("nothing to draw: the event never or always happens")
    frame = frame.assign(label=["chosen box" if chosen else "" for chosen in frame["chosen"]])
    x = alt.X("coverage:Q", title="Coverage (share of the draws where it happens that the box holds)",
              scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format=format.axis_format(Kind.share)))
    y = alt.Y("density:Q", title="Density (share of the box's draws where it happens)",
              scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format=format.axis_format(Kind.share)))
    share = format.d3_format(Kind.share)
    tooltip = [alt.Tooltip("step:Q", title="Peel"), alt.Tooltip("coverage:Q", title="Coverage", format=share),
               alt.Tooltip("density:Q", title="Density", format=share),
               alt.Tooltip("mass:Q", title="Share of all draws", format=share),
               alt.Tooltip("restricted:Q", title="Restricted assumptions")]
    base = alt.Chart(frame)
    path = base.mark_line(color="#999999", strokeWidth=1).encode(x=x, y=y, order="step:Q", tooltip=tooltip)
    points = base.mark_circle(size=70, opacity=0.9).encode(
        x=x, y=y, tooltip=tooltip,
        color=alt.Color("restricted:O", title="Restricted assumptions", scale=alt.Scale(scheme="viridis")))
    chosen = base.transform_filter(alt.datum.chosen)
    ring = chosen.mark_point(size=400, shape="circle", filled=False, color=MARK_COLOUR, strokeWidth=2.5).encode(
        x=x, y=y, tooltip=tooltip)
    label = chosen.mark_text(align="left", dx=14, dy=-10, fontSize=13, color=MARK_COLOUR, fontWeight="bold").encode(
        x=x, y=y, text="label:N")
    layers = [path, points, ring, label]
    if result.boxes:  # the first box as reported: the chosen box pasted and pruned to what matters
        box = result.boxes[0]
        reported = alt.Chart(pd.DataFrame({
            "coverage": [box.coverage], "density": [box.density], "mass": [box.mass],
            "restricted": [len(box.restrictions)], "label": ["box 1"]}))
        box_tooltip = [t for t in tooltip if t.to_dict()["field"] != "step"]
        layers += [
            reported.mark_point(size=160, shape="diamond", filled=True, color=MARK_COLOUR).encode(
                x=x, y=y, tooltip=box_tooltip),
            reported.mark_text(align="left", dx=14, dy=-30, fontSize=13, color=MARK_COLOUR).encode(
                x=x, y=y, text="label:N"),
        ]
    return alt.layer(*layers).properties(
        width=WIDTH, height=HEIGHT,
        title=alt.Title(f"What would have to be true: {result.description} ({result.scenario})", subtitle=[
            (f"PRIM's peeling over {format.count(result.draws)} draws: each point a box, peeled from all the draws "
             f"(at the right) to {format.figure(result.settings['min_mass'], Kind.share)} of them;"),
            (f"the event happens in {format.figure(result.share, Kind.probability)} of all draws. Ringed: the chosen "
             "box; diamond: box 1 as reported, the chosen box pasted and pruned"),
        ]),
    )
