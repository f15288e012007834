"""Attributing a scenario's change of headline results among the changed assumptions: exact Shapley values over
coalitions of old and new values (a sequential waterfall past SHAPLEY_LIMIT), with the rest put down to changes of
structure; and the waterfall of one figure. Pure: arrays and frames out.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from model.analysis.projection import Projection, headline, headline_kinds, run
from model.catalogue import Kind
from model.core.engine import project
from model.core.parameters import assumption_values, engine_inputs
from model.domain import Inputs, ResolvedAssumption
from model.errors import UsageError

# Exact Shapley values take 2^m runs of the model for m changed assumptions: 4,096 runs (one vectorised call) at the
# limit. Past it the attribution is a sequential waterfall in file order (m + 1 runs), and the review says so.
SHAPLEY_LIMIT = 12
STRUCTURE_STEP = "other changes (structure)"
# Two results closer than this (relative to their size) are the same number: runs of equal inputs agree to the bit,
# but the vectorised Shapley runs sum floats in another order.
SAME = 1e-9


# ---------------------------------------------------------------------------------------------- what changed
@dataclass(frozen=True)
class InputChanges:
    """How a scenario's resolved inputs differ: keys whose value alone changed (their old values fit the new
    structure, so they can be swapped one by one) and changes of structure, which cannot."""

    values: tuple[str, ...]  # keys, in the new side's (file) order
    structural: tuple[str, ...]  # descriptions: "alpha.capex.base added", "horizon 2025-2027 -> 2025-2028"

    def __bool__(self) -> bool:
        return bool(self.values or self.structural)



def label(item: ResolvedAssumption) -> str:
    """How the review names a resolved assumption: the key, prefixed by the scenario whose override sets it."""
    return f"scenario {item.overridden_by}: {item.key}" if item.overridden_by else item.key



# -------------------------------------------------------------------------------------------------- attribution
def shapley_weights(players: int) -> np.ndarray:
    """(m, 2^m) weights W such that W @ v gives each player's Shapley value, for v the game's worth on every
    coalition (coalition j holds player i when bit i of j is set).

    phi_i = sum over coalitions S without i of |S|! (m - |S| - 1)! / m! * (v(S + i) - v(S)): W[i, S] is that weight
    where S holds i (as the "S + i" term) and minus it where S does not.
    """
    coalitions = np.arange(2**players)
    member = (coalitions[None, :] >> np.arange(players)[:, None]) & 1  # (m, 2^m)
    size = member.sum(axis=0)  # (2^m,)
    factorial = np.array([math.factorial(k) for k in range(players + 1)], dtype=float)

    def weight(others: np.ndarray) -> np.ndarray:  # coalitions of `others` players besides i
        return factorial[others] * factorial[players - others - 1] / factorial[players]

    with_i = weight(np.maximum(size - 1, 0))
    without_i = weight(np.minimum(size, players - 1))
    return np.where(member == 1, with_i[None, :], -without_i[None, :])


def shapley_values(outcomes: np.ndarray) -> np.ndarray:
    """Exact Shapley values of m players from the outcomes (2^m, ...) of every coalition (bit i of the first index:
    player i is in); returns (m, ...). They add up to outcomes[-1] - outcomes[0]."""
    players = len(outcomes).bit_length() - 1
    if 2**players != len(outcomes):
        raise ValueError(f"outcomes of every coalition number a power of two, not {len(outcomes)}")
    flat = outcomes.reshape(len(outcomes), -1)
    return (shapley_weights(players) @ flat).reshape(players, *outcomes.shape[1:])


def sequential_values(outcomes: np.ndarray) -> np.ndarray:
    """A waterfall's steps from the outcomes (m + 1, ...) of making the changes one after another (row k: the first
    k made); returns (m, ...)."""
    return np.diff(outcomes, axis=0)


def _coalitions(players: int, method: str) -> np.ndarray:
    """(N, m) booleans, True where a run takes the new value: every coalition, or the first k for k = 0..m."""
    if method == "shapley":
        return ((np.arange(2**players)[:, None] >> np.arange(players)[None, :]) & 1).astype(bool)
    return np.arange(players)[None, :] < np.arange(players + 1)[:, None]


def _figures(template: Projection, metrics: dict[str, np.ndarray]) -> np.ndarray:
    """(N, C, F) headline figures of N draws of metrics (N, C, H), through `headline` itself: the draws are laid
    side by side as N x C companies, which the headline (a per-company table) reads row by row."""
    draws, companies = next(iter(metrics.values())).shape[:2]
    stacked = {name: np.ascontiguousarray(values).reshape(1, draws * companies, -1) for name, values in metrics.items()}
    names = tuple(f"{d}:{c}" for d in range(draws) for c in template.companies)
    table = headline(dataclasses.replace(template, companies=names, metrics=stacked, simulation=None))
    return table.to_numpy().reshape(draws, companies, -1)


def attribution_runs(old: Inputs, new: Inputs, keys: tuple[str, ...], template: Projection, method: str) -> np.ndarray:
    """The headline figures (N, C, F) of `new` with each of `keys` at its old or new value as `_coalitions` lays
    out: N draws of one engine call on the new side's structure."""
    values, old_values = assumption_values(new), assumption_values(old)
    masks = _coalitions(len(keys), method)
    for position, key in enumerate(keys):
        before, after = old_values[key][0], values[key][0]
        take_new = masks[:, position].reshape(-1, *([1] * after.ndim))
        values[key] = np.where(take_new, after, before)
    return _figures(template, project(engine_inputs(new, values)))


@dataclass(frozen=True)
class ScenarioEffect:
    """A scenario run on both sides: its headline figures and each figure's change split among the changes.

    `effect`: company, slug, figure, old, new, change, relative_change (a fraction; NaN where a side lacks the
    figure, relative_change NaN where the old figure is zero). `kinds`: each figure's kind, how it reads as text. `attribution`: company, slug, figure, step, contribution, in the order of `steps`, for
    every figure both sides have that moved (or whose steps cancel out); per figure they add up to its change.
    """

    scenario: str
    effect: pd.DataFrame
    attribution: pd.DataFrame
    steps: tuple[str, ...]  # the changed assumptions' labels in file order, then STRUCTURE_STEP when there is one
    method: str  # "shapley" or "sequential"
    runs: int  # draws of the model the attribution took
    structural: tuple[str, ...]
    figures: tuple[str, ...] = ()  # every headline figure of the new side, moved or not
    kinds: Mapping[str, Kind] = dataclasses.field(default_factory=dict)  # figure -> its kind, of either side


EFFECT_COLUMNS = ["company", "slug", "figure", "old", "new", "change", "relative_change"]
ATTRIBUTION_COLUMNS = ["company", "slug", "figure", "step", "contribution"]


def _moved(old: np.ndarray, new: np.ndarray) -> np.ndarray:
    scale = np.maximum(np.abs(old), np.abs(new))
    return np.abs(new - old) > SAME * scale


def scenario_effect(old: Inputs, new: Inputs, changes: InputChanges, *, include_unchanged: bool = False,
                    shapley_limit: int = SHAPLEY_LIMIT) -> ScenarioEffect:
    """Run one scenario on both sides (one draw each) and attribute each headline figure's change.

    The value changes are attributed on the new side's structure: exact Shapley values over them when there are at
    most `shapley_limit` (2^m draws in one engine call), else a sequential waterfall in file order (m + 1 draws).
    Whatever structural changes add (keys added or removed, units, periods, the horizon...) is the total change minus
    those attributions, one STRUCTURE_STEP, so each figure's steps add up to its change exactly.
    """
    old_projection, new_projection = run(old), run(new)
    old_table, new_table = headline(old_projection), headline(new_projection)
    old_slugs = [c.slug for c in old.companies]
    new_slugs = [c.slug for c in new.companies]
    names = {c.slug: c.name for c in (*old.companies, *new.companies)}  # the new name of a renamed company
    slugs = [*new_slugs, *(s for s in old_slugs if s not in new_slugs)]
    figures = [*new_table.columns, *(f for f in old_table.columns if f not in new_table.columns)]
    rows = []
    for slug in slugs:
        for figure in figures:
            before = old_table[figure].iloc[old_slugs.index(slug)] if slug in old_slugs and figure in old_table else np.nan
            after = new_table[figure].iloc[new_slugs.index(slug)] if slug in new_slugs and figure in new_table else np.nan
            rows.append({"company": names[slug], "slug": slug, "figure": figure, "old": float(before),
                         "new": float(after)})
    effect = pd.DataFrame(rows, columns=EFFECT_COLUMNS[:5])
    effect["change"] = effect["new"] - effect["old"]
    with np.errstate(divide="ignore", invalid="ignore"):
        effect["relative_change"] = np.where(effect["old"] != 0, effect["change"] / effect["old"].abs(), np.nan)

    keys = changes.values
    method = "shapley" if len(keys) <= shapley_limit else "sequential"
    steps = tuple(label(new.resolved[key]) for key in keys)
    contributions = np.zeros((len(keys), len(new_slugs), len(new_table.columns)))
    runs = 0
    if keys:
        outcomes = attribution_runs(old, new, keys, new_projection, method)
        runs = len(outcomes)
        contributions = shapley_values(outcomes) if method == "shapley" else sequential_values(outcomes)
    if changes.structural:
        steps += (STRUCTURE_STEP,)
    attribution = []
    for c, slug in enumerate(new_slugs):
        if slug not in old_slugs:
            continue
        for f, figure in enumerate(new_table.columns):
            if figure not in old_table.columns:
                continue
            before = float(old_table[figure].iloc[old_slugs.index(slug)])
            after = float(new_table[figure].iloc[c])
            scale = max(abs(before), abs(after))
            # a step that leaves a figure alone comes out as rounding noise of the weighted sums: call it zero
            parts = [0.0 if abs(part) <= SAME * scale else float(part) for part in contributions[:, c, f]]
            if changes.structural:
                rest = (after - before) - sum(parts)
                parts.append(0.0 if abs(rest) <= SAME * scale else rest)
            if not _moved(np.array(before), np.array(after)) and all(abs(p) <= SAME * scale for p in parts):
                continue
            attribution += [{"company": names[slug], "slug": slug, "figure": figure, "step": step,
                             "contribution": float(part)} for step, part in zip(steps, parts, strict=True)]
    attribution_frame = pd.DataFrame(attribution, columns=ATTRIBUTION_COLUMNS)
    if not include_unchanged:
        # shown: the figures that moved, those only one side has, and those whose steps cancel out
        moved = _moved(effect["old"].to_numpy(), effect["new"].to_numpy()) | effect["change"].isna().to_numpy()
        attributed = pd.MultiIndex.from_frame(attribution_frame[["slug", "figure"]])
        moved |= pd.MultiIndex.from_frame(effect[["slug", "figure"]]).isin(attributed)
        effect = effect[moved].reset_index(drop=True)
    return ScenarioEffect(new.scenario.name, effect, attribution_frame, steps, method, runs, changes.structural,
                          tuple(new_table.columns), {**headline_kinds(old_projection), **headline_kinds(new_projection)})


# --------------------------------------------------------------------------------------------------- the waterfall
WATERFALL_COLUMNS = ["scenario", "company", "figure", "order", "step", "kind", "bottom", "top", "amount"]


def waterfall_figures(effect: ScenarioEffect) -> list[str]:
    """The figures a waterfall can show: those with an attribution, in headline order."""
    return effect.attribution["figure"].drop_duplicates().tolist()


def default_figure(effect: ScenarioEffect) -> str | None:
    """The figure whose change is largest relative to its size (|new - old| / max(|old|, |new|)) at any company;
    the first in headline order on a tie; None when no figure moved."""
    candidates = waterfall_figures(effect)
    if not candidates:
        return None
    rows = effect.effect[effect.effect["figure"].isin(candidates)].dropna(subset=["change"])
    size = np.maximum(rows["old"].abs(), rows["new"].abs()).replace(0, np.nan)
    relative = (rows["change"].abs() / size).fillna(0).groupby(rows["figure"], sort=False).max()
    return max(candidates, key=lambda f: (relative.get(f, 0.0), -candidates.index(f)))


def pick_figure(effect: ScenarioEffect, wanted: str | None) -> str | None:
    """The figure whose waterfall to draw: the headline figure named `wanted` (its label, or the start of it, in any
    case), or by default `default_figure`; None when that figure did not move in this scenario (no waterfall). A
    UsageError lists the valid names when `wanted` matches no figure, or several."""
    if wanted is None:
        return default_figure(effect)
    needle = wanted.strip().lower()
    exact = [f for f in effect.figures if f.lower() == needle]
    found = exact or [f for f in effect.figures if f.lower().startswith(needle)]
    if len(found) != 1:
        what = "matches several headline figures" if found else "matches no headline figure"
        raise UsageError(f"--figure '{wanted}' {what} of scenario {effect.scenario}; valid: "
                         f"{', '.join(repr(f) for f in (found or effect.figures))}")
    return found[0] if found[0] in waterfall_figures(effect) else None


def waterfall_frame(effect: ScenarioEffect, figure: str) -> pd.DataFrame:
    """The waterfall of one figure, per company that has it on both sides: an "old" bar (from zero to the old
    value), a floating bar per step from the running total before it to the total after it, and a "new" bar."""
    rows = []
    moved = effect.attribution[effect.attribution["figure"] == figure]
    for slug, steps in moved.groupby("slug", sort=False):
        figures = effect.effect[(effect.effect["slug"] == slug) & (effect.effect["figure"] == figure)].iloc[0]
        company, old, new = steps["company"].iloc[0], float(figures["old"]), float(figures["new"])
        bars = [("old", "old", 0.0, old, old)]
        total = old
        for step, amount in zip(steps["step"], steps["contribution"], strict=True):
            bars.append((step, "increase" if amount >= 0 else "decrease", total, total + amount, amount))
            total += amount
        bars.append(("new", "new", 0.0, new, new))
        rows += [{"scenario": effect.scenario, "company": company, "figure": figure, "order": order, "step": step,
                  "kind": kind, "bottom": bottom, "top": top, "amount": amount}
                 for order, (step, kind, bottom, top, amount) in enumerate(bars)]
    return pd.DataFrame(rows, columns=WATERFALL_COLUMNS)
