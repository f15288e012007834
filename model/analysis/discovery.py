"""Scenario discovery, "what would have to be true": an event on the projection (a company leads, overtakes, or
passes a threshold), the draws where it happens, and the region of the assumptions that holds them, as PRIM boxes
(Friedman and Fisher 1999) and as a shallow decision tree. Pure numpy: arrays and frozen results out."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from model.analysis.projection import check_finite
from model.analysis.resources import FLOAT32, FLOAT64, MEMORY_SHARE, available_memory
from model.catalogue import (
    MARKET_PREFIX,
    METRICS,
    PARAMETER_LABELS,
    Kind,
    parameter_of,
    reads_in_percent,
)
from model.core.engine import project
from model.core.parameters import engine_inputs
from model.core.uncertainty import (
    ScoreMap,
    UniformStream,
    copula_matrix,
    distributions,
    resolve_seed,
)
from model.domain import FX_PREFIX, Inputs
from model.errors import UsageError
from model.format import PERCENT_KINDS, byte_size, count, figure
from model.units import MONEY_SCALES

# ----------------------------------------------------------------------------------------------------- settings
# Below a thousand draws the last boxes of a peeling (5% of the draws) hold a few dozen points: their densities are
# noise.
DISCOVER_MIN_DRAWS = 1000
# PRIM and the tree keep every draw's assumptions (float64) and each column's order (`sorted_orders`, and the box's
# copy of it while peeling): 10^6 draws of the base case's 53 assumptions peak at 1.1 GB and take 24 s on two cores.
# More draws than this buy no precision a box's limits can show.
DISCOVER_MAX_DRAWS = 10**6
# The share of a box's draws one peel removes (Friedman and Fisher's alpha; they advise 0.05-0.1).
PEEL_ALPHA = 0.05
# Peeling stops before a box would hold fewer than this share of all the draws (their beta_0).
MIN_MASS = 0.05
# The chosen box is, of the boxes whose density reaches this (of all when none does), the one with the best harmonic
# mean of coverage and density: the trajectory's knee, where giving up coverage stops buying density.
DENSITY_THRESHOLD = 0.8
# A chosen box's restriction is dropped when dropping it lowers the box's density by less than this: peeling
# restricts some assumptions by chance, and a restriction that does not raise the density does not matter.
PRUNE_TOLERANCE = 0.01
# Boxes found one after another, each in the draws the earlier boxes leave (Friedman and Fisher's covering).
MAX_BOXES = 2
# The decision tree: its depth, and the smallest share of the draws a leaf may hold.
TREE_DEPTH = 3
TREE_MIN_LEAF = 0.02
# The draws projected at a time: the engine's arrays stay small (as `simulation.ENGINE_SLICE`).
SLICE = 2**13

GRAMMAR = ("an event is one of: '<company> leads <metric> <year>' (first of the companies that year), "
           "'<company> overtakes <company> <metric> <year>' (moves ahead by that year, as the race tables count "
           "it), or '<company> <metric> <year> <op> <number>' with op one of >, >=, <, <= and the number in the "
           "metric's unit as projection.csv gives it (300 for USD bn), or with a scale (300bn, 2.5k, 35%)")
OPERATORS: dict[str, Callable[[np.ndarray, float], np.ndarray]] = {
    ">": np.greater, ">=": np.greater_equal, "<": np.less, "<=": np.less_equal}
_NUMBER = r"[-+]?(?:\d[\d,]*(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|[-+]?(?:inf|infinity|nan)"
_THRESHOLD = re.compile(rf"^(?:(?P<pre>[A-Z]{{3}})\s*)?(?P<number>{_NUMBER})\s*(?P<scale>k|mn|bn|tn|%)?"
                        rf"(?:\s*(?P<post>[A-Z]{{3}}))?$", re.IGNORECASE)


# ------------------------------------------------------------------------------------------------------- events
@dataclass(frozen=True)
class Event:
    """What discovery explains, per draw: `kind` leads, overtakes or threshold on `metric` in `year` (or by it),
    for the company at `company` (a position in `inputs.companies`), against `other` (overtakes) or against
    `threshold` in the metric's display unit with `operator` (threshold). `text` is the event as given."""

    text: str
    kind: str
    company: int
    metric: str
    year: int
    other: int | None = None
    operator: str | None = None
    threshold: float | None = None

    def happens(self, projected: dict[str, np.ndarray], first_year: int) -> np.ndarray:
        """Whether the event happens in each draw: (D,) booleans from the projection's metrics (D, C, T)."""
        values = projected[self.metric]
        t = self.year - first_year
        if self.kind == "leads":  # ties lead together, as the race tables count them
            return values[:, self.company, t] >= values[:, :, t].max(axis=1)
        if self.kind == "overtakes":
            ahead = values[:, self.company, : t + 1] > values[:, self.other, : t + 1]  # (D, t + 1)
            return (ahead[:, 1:] & ~ahead[:, :-1]).any(axis=1)
        return OPERATORS[self.operator](values[:, self.company, t], self.threshold)


def _company(inputs: Inputs, name: str) -> int:
    for index, company in enumerate(inputs.companies):
        if name.lower() in (company.slug.lower(), company.name.lower()):
            return index
    raise UsageError(f"unknown company '{name}' in the event; valid: {', '.join(c.slug for c in inputs.companies)}")


def _metric(name: str, *, race: bool) -> str:
    valid = [key for key, metric in METRICS.items() if not race or metric.kind is not Kind.rank]
    if name not in valid:
        what = "metric a company can lead or overtake on" if race else "metric"
        raise UsageError(f"unknown {what} '{name}' in the event; valid: {', '.join(valid)}")
    return name


def _year(inputs: Inputs, text: str, *, overtake: bool = False) -> int:
    first, last = inputs.scenario.horizon
    if not re.fullmatch(r"\d{4}", text):
        raise UsageError(f"the event's year must be a year of the horizon {first}-{last}, not '{text}'; {GRAMMAR}")
    year = int(text)
    earliest = first + 1 if overtake else first  # an overtake needs a year before it to have been behind in
    if not earliest <= year <= last:
        raise UsageError(f"the event's year {year} is outside the horizon {earliest}-{last}"
                         + (" (an overtake needs a year before it)" if overtake and year == first else ""))
    return year


def threshold_value(text: str, metric: str, currency: str) -> float:
    """A threshold in the metric's display unit (USD bn, thousand units, a fraction for a share) from "300",
    "300bn", "USD 300bn", "2,500k" or "35%"; a UsageError for anything else or a non-finite number."""
    text = text.strip()
    match = _THRESHOLD.match(text)
    unit = METRICS[metric].unit(currency)
    if match is None:
        raise UsageError(f"the event's threshold '{text}' is not a number in {unit}; {GRAMMAR}")
    number = float(match["number"].replace(",", ""))
    if not math.isfinite(number):
        raise UsageError(f"the event's threshold must be a finite number, not '{match['number']}'")
    kind, scale = METRICS[metric].kind, (match["scale"] or "").lower()
    for given in (match["pre"], match["post"]):
        if given is not None and (kind is not Kind.money or given.upper() != currency):
            raise UsageError(f"the event's threshold '{text}' names the currency {given.upper()}, but {metric} is in "
                             f"{unit}: give the number in {unit}")
    if scale == "%":
        if kind not in (Kind.share, Kind.probability):
            raise UsageError(f"the event's threshold '{text}' is a percentage, but {metric} is in {unit}")
        number /= 100
    elif scale:
        if kind not in (Kind.money, Kind.count):
            raise UsageError(f"the event's threshold '{text}' has a scale ({scale}), but {metric} is in {unit}")
        number *= MONEY_SCALES[scale] / METRICS[metric].scale.factor
    if kind in (Kind.share, Kind.probability) and not 0 <= number <= 1:
        raise UsageError(f"the event's threshold '{text}' is outside 0-100%: {metric} is a share")
    return number


def parse_event(text: str, inputs: Inputs) -> Event:
    """The event `text` names, checked against the project's companies, the catalogue's metrics and the horizon;
    a UsageError says what is wrong and, for a malformed event, gives the grammar (GRAMMAR)."""
    words = text.split()
    lowered = [word.lower() for word in words]
    if len(words) == 4 and lowered[1] == "leads":
        return Event(text, "leads", _company(inputs, words[0]), _metric(lowered[2], race=True), _year(inputs, words[3]))
    if len(words) == 5 and lowered[1] == "overtakes":
        company, other = _company(inputs, words[0]), _company(inputs, words[2])
        if company == other:
            raise UsageError(f"a company cannot overtake itself: '{text}'")
        return Event(text, "overtakes", company, _metric(lowered[3], race=True),
                     _year(inputs, words[4], overtake=True), other=other)
    operator = next((op for op in sorted(OPERATORS, key=len, reverse=True) if op in text), None)
    if operator is not None:
        left, _, right = text.partition(operator)
        head = left.split()
        if len(head) == 3 and right.strip():
            metric = _metric(head[1].lower(), race=False)
            return Event(text, "threshold", _company(inputs, head[0]), metric, _year(inputs, head[2]),
                         operator=operator,
                         threshold=threshold_value(right, metric, inputs.scenario.reporting_currency))
    raise UsageError(f"cannot read the event '{text}': {GRAMMAR}")


# ------------------------------------------------------------------------------------------------- the draws
@dataclass(frozen=True)
class Column:
    """One sampled assumption as a column of the draws: its key, and what a sentence says of it. A series moves
    as one (one uniform number per draw), so its column is its first given year's value (`year`)."""

    key: str
    owner: str  # "ByteDance", "the China cloud market"; empty for an exchange rate
    label: str  # "AI-chip budget", "CNY exchange rate"
    unit: str  # the assumption's unit, as its file writes it: "CNY bn", "ratio"
    percent: bool  # a rate or share, read in percent
    year: int | None  # the series' year the column holds; None for one value


def columns_of(inputs: Inputs) -> list[Column]:
    """The sampled assumptions as columns, in the order of `distributions(inputs)`."""
    columns = []
    for key in distributions(inputs):
        item = inputs.resolved[key]
        value = item.assumption.value
        year = value.series_years[0] if value.series_years is not None else None
        if item.parameter == FX_PREFIX:
            columns.append(Column(key, "", f"{key.partition('.')[2]} exchange rate", item.assumption.unit, False,
                                  year))
            continue
        parameter = parameter_of(item.parameter)
        assert parameter is not None, f"{key} is not catalogued"
        market = item.parameter.startswith(MARKET_PREFIX + ".")
        owner = "the China cloud market" if market or item.company is None else item.company.name
        label = PARAMETER_LABELS[parameter.key]
        columns.append(Column(key, owner, label, item.assumption.unit, reads_in_percent(parameter), year))
    return columns


def _bytes_per_draw(columns: int) -> int:
    """What discovery holds per draw: its assumptions (float64), their orders and the box's copy of them (int32),
    and a few masks and outcomes over the draws."""
    return columns * (FLOAT64 + 2 * FLOAT32) + 8 * FLOAT64


def check_discover_draws(draws: int, inputs: Inputs, option: str = "--draws") -> None:
    """A UsageError when `draws` is too few for PRIM or more than this machine holds (or DISCOVER_MAX_DRAWS)."""
    if isinstance(draws, bool) or not isinstance(draws, (int, np.integer)) or draws < DISCOVER_MIN_DRAWS:
        raise UsageError(f"{option} must be at least {count(DISCOVER_MIN_DRAWS)} for scenario discovery (the last "
                         f"boxes hold {MIN_MASS:.0%} of the draws), not {draws}")
    columns = len(inputs.resolved)
    needed = draws * _bytes_per_draw(columns)
    budget = int(MEMORY_SHARE * available_memory())
    if draws > DISCOVER_MAX_DRAWS or needed > budget:
        most = min(DISCOVER_MAX_DRAWS, budget // _bytes_per_draw(columns))
        why = (f"above the ceiling of {DISCOVER_MAX_DRAWS:,} draws (PRIM keeps every draw's {columns} assumptions)"
               if draws > DISCOVER_MAX_DRAWS else
               f"more than this machine's memory holds ({byte_size(needed)} needed, {byte_size(budget)} available)")
        raise UsageError(f"{option} {draws:,} is {why}; the most this machine can do is {option} {most:,}")


def sample(inputs: Inputs, event: Event, draws: int, *, sampler: str = "sobol",
           rng: np.random.Generator | int | None = None,
           on_progress: Callable[[int], None] | None = None) -> tuple[np.ndarray, np.ndarray, int]:
    """The draws of the assumptions, as the Monte Carlo run makes them (the same stream, copula and score map), and
    whether the event happens in each: x (draws, K) in the columns of `columns_of`, happens (draws,), the seed.
    The draws are projected SLICE at a time; `on_progress(n)` follows each slice."""
    seed = resolve_seed(rng)
    dists = distributions(inputs)
    correlation, _ = copula_matrix(inputs, list(dists))
    stream = UniformStream(list(dists), sampler=sampler, seed=seed, correlation=correlation)
    score_map = ScoreMap(dists)
    x = np.empty((draws, len(dists)), order="F")  # column-major: PRIM and the tree read a column at a time
    happens = np.empty(draws, dtype=bool)
    first_year = inputs.scenario.horizon[0]
    for start in range(0, draws, SLICE):
        stop = min(draws, start + SLICE)
        values = score_map(stream.scores(stream.draw(stop - start)))
        for column, key in enumerate(dists):
            drawn = values[key]
            x[start:stop, column] = drawn[:, 0] if drawn.ndim == 2 else drawn
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # check_finite reports it
            projected = project(engine_inputs(inputs, values))
        check_finite(inputs, {event.metric: projected[event.metric]}, "in the discovery's draws")
        happens[start:stop] = event.happens(projected, first_year)
        if on_progress is not None:
            on_progress(stop - start)
    return x, happens, seed


# ---------------------------------------------------------------------------------------------------------- PRIM
@dataclass(frozen=True)
class Restriction:
    """A box's limits on one column: lower <= x <= upper, -inf or inf where a side is free; `density_without` is the
    box's density with this restriction dropped (how much it matters)."""

    column: int
    lower: float
    upper: float
    density_without: float


@dataclass(frozen=True)
class Box:
    """A region of the assumptions: `restrictions` (the ones that matter, the most important first), the share of
    all the draws where the event happens that lie in it (`coverage`), the share of its draws where it happens
    (`density`), and the share of all the draws it holds (`mass`)."""

    restrictions: tuple[Restriction, ...]
    coverage: float
    density: float
    mass: float
    draws: int


@dataclass(frozen=True)
class Trajectory:
    """A peeling's boxes, in order (the first is every draw): each one's coverage, density, mass and number of
    restricted columns (S,), its limits lower and upper (S, K), and the position of the chosen box."""

    coverage: np.ndarray
    density: np.ndarray
    mass: np.ndarray
    restricted: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    chosen: int


def _inside(x: np.ndarray, lower: np.ndarray, upper: np.ndarray, within: np.ndarray | None = None) -> np.ndarray:
    """Whether each draw of x (N, K) lies in the box (and in `within`, a mask (N,), when given); only the box's
    restricted columns are read."""
    inside = np.ones(len(x), dtype=bool) if within is None else within.copy()
    for column in np.flatnonzero(np.isfinite(lower) | np.isfinite(upper)):
        inside &= (x[:, column] >= lower[column]) & (x[:, column] <= upper[column])
    return inside


def sorted_orders(x: np.ndarray) -> np.ndarray:
    """Each column's draws in ascending order, (N, K) positions, column-major: sorted once, so that peeling and the
    tree find a box's or a node's order by filtering rather than sorting again."""
    dtype = np.int32 if len(x) < 2**31 else np.int64
    orders = np.empty(x.shape, dtype=dtype, order="F")
    for j in range(x.shape[1]):  # a column at a time (not a loop over draws)
        orders[:, j] = np.argsort(x[:, j], kind="stable")
    return orders


def peel(x: np.ndarray, y: np.ndarray, *, alpha: float = PEEL_ALPHA, min_mass: float = MIN_MASS,
         density_threshold: float = DENSITY_THRESHOLD, within: np.ndarray | None = None,
         orders: np.ndarray | None = None) -> Trajectory:
    """PRIM's peeling (Friedman and Fisher 1999, section 4.1) of draws x (N, K) with outcomes y (N,) in {0, 1}, over
    the draws `within` (a mask (N,); all for None). `orders` are `sorted_orders(x)`, when already made.

    Each step removes, from one side of one column, the box's floor(alpha n_box) draws (at least one) of lowest or
    highest values in that column (fewer where values tie at the limit, none where they all do), choosing the
    removal that leaves the highest mean of y; it stops before the box would hold less than `min_mass` of the
    draws peeled, when the density is 1, or when no removal takes a draw away. Coverage and mass are shares of the
    draws peeled. The chosen box is `chosen_box`'s.
    """
    k = x.shape[1]
    happens = np.asarray(y, dtype=bool)
    inbox = np.ones(len(x), dtype=bool) if within is None else within.copy()
    orders = sorted_orders(x) if orders is None else orders
    order = [orders[:, j][inbox[orders[:, j]]] for j in range(k)]  # each column's box draws, ascending
    n = int(np.count_nonzero(inbox))
    total = int(np.count_nonzero(happens & inbox))
    lower, upper = np.full(k, -np.inf), np.full(k, np.inf)
    steps = [(lower.copy(), upper.copy(), n, total)]
    size, box_hits = n, total
    low_q, high_q, cuts, hits = np.empty(k), np.empty(k), np.empty(2 * k, dtype=np.int64), np.empty(2 * k)
    while box_hits < size:  # at density 1, peeling more only loses coverage
        removed = max(1, math.floor(alpha * size))  # at least one: a quantile of a small box can be its minimum
        if 2 * removed >= size:
            break
        for j in range(k):  # a column at a time (not a loop over draws)
            head, tail = x[order[j][: removed + 1], j], x[order[j][size - 1 - removed :], j]
            low_q[j], high_q[j] = head[removed], tail[0]
            cuts[j] = np.searchsorted(head, low_q[j], side="left")  # the draws below the limit; ties stay
            cuts[k + j] = len(tail) - np.searchsorted(tail, high_q[j], side="right")
            hits[j] = box_hits - np.count_nonzero(happens[order[j][: cuts[j]]])
            hits[k + j] = box_hits - np.count_nonzero(happens[order[j][size - cuts[k + j] :]])
        kept = size - cuts
        usable = (cuts > 0) & (kept >= min_mass * n)
        if not usable.any():
            break
        best = int(np.argmax(np.where(usable, hits / kept, -np.inf)))  # the first of equal means: deterministic
        column, cut = best % k, int(cuts[best])
        if best < k:
            lower[column] = low_q[column]
            inbox[order[column][:cut]] = False
        else:
            upper[column] = high_q[column]
            inbox[order[column][size - cut :]] = False
        order = [draws[inbox[draws]] for draws in order]
        size, box_hits = size - cut, int(hits[best])
        steps.append((lower.copy(), upper.copy(), size, box_hits))
    lows, highs = np.array([s[0] for s in steps]), np.array([s[1] for s in steps])
    sizes, held = np.array([s[2] for s in steps], dtype=float), np.array([s[3] for s in steps], dtype=float)
    coverage = held / total if total else np.zeros_like(held)
    density = held / sizes
    restricted = (np.isfinite(lows) | np.isfinite(highs)).sum(axis=1)
    return Trajectory(coverage, density, sizes / n, restricted, lows, highs,
                      chosen_box(coverage, density, density_threshold))


def chosen_box(coverage: np.ndarray, density: np.ndarray, threshold: float = DENSITY_THRESHOLD) -> int:
    """The position of the chosen box of a trajectory: of the boxes whose density reaches `threshold` (of all the
    boxes when none does), the one with the best harmonic mean of coverage and density, the trajectory's knee
    (the first of equals: the one covering most)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        harmonic = np.where(coverage + density > 0, 2 * coverage * density / (coverage + density), 0.0)
    reached = density >= threshold
    return int(np.argmax(np.where(reached, harmonic, -1.0) if reached.any() else harmonic))


def paste(x: np.ndarray, y: np.ndarray, lower: np.ndarray, upper: np.ndarray, *, alpha: float = PEEL_ALPHA,
          within: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """PRIM's pasting (Friedman and Fisher 1999, section 4.2) of a box over the draws `within` (all for None): widen
    one side of one restricted column at a time by `alpha` of the box's draws, the widening that raises the box's
    density most, until none raises it."""
    lower, upper = lower.copy(), upper.copy()
    happens = np.asarray(y, dtype=bool)
    while True:
        inside = _inside(x, lower, upper, within)
        size = int(np.count_nonzero(inside))
        best, best_density = None, np.count_nonzero(happens & inside) / size
        step = max(1, math.ceil(alpha * size))
        for column in np.flatnonzero(np.isfinite(lower) | np.isfinite(upper)):
            others_lower, others_upper = lower.copy(), upper.copy()
            others_lower[column], others_upper[column] = -np.inf, np.inf
            fits = _inside(x, others_lower, others_upper, within)  # inside on every other column
            for side, bound in (("lower", lower[column]), ("upper", upper[column])):
                if not np.isfinite(bound):
                    continue
                outside = fits & (x[:, column] < bound if side == "lower" else x[:, column] > bound)
                if not outside.any():
                    continue
                values = np.sort(x[outside, column])
                new = values[-min(step, len(values))] if side == "lower" else values[min(step, len(values)) - 1]
                trial_lower, trial_upper = lower.copy(), upper.copy()
                (trial_lower if side == "lower" else trial_upper)[column] = new
                widened = _inside(x, trial_lower, trial_upper, within)
                trial = np.count_nonzero(happens & widened) / np.count_nonzero(widened)
                if trial > best_density + 1e-12:
                    best, best_density = (trial_lower, trial_upper), trial
        if best is None:
            return lower, upper
        lower, upper = best


def _pruned(x: np.ndarray, y: np.ndarray, lower: np.ndarray, upper: np.ndarray, tolerance: float,
            within: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, dict[int, float]]:
    """The box with each restriction that does not matter dropped (greedily, the least missed first), and each kept
    column's density without it."""
    lower, upper = lower.copy(), upper.copy()
    happens = np.asarray(y, dtype=bool)

    def density_of(trial_lower: np.ndarray, trial_upper: np.ndarray) -> float:
        inside = _inside(x, trial_lower, trial_upper, within)
        return float(np.count_nonzero(happens & inside) / max(1, np.count_nonzero(inside)))

    def without(column: int) -> float:
        trial_lower, trial_upper = lower.copy(), upper.copy()
        trial_lower[column], trial_upper[column] = -np.inf, np.inf
        return density_of(trial_lower, trial_upper)

    while True:
        density = density_of(lower, upper)
        restricted = np.flatnonzero(np.isfinite(lower) | np.isfinite(upper))
        losses = {int(c): without(int(c)) for c in restricted}
        if not losses:
            return lower, upper, losses
        column = max(losses, key=lambda c: (losses[c], -c))  # the one whose loss is smallest
        if density - losses[column] >= tolerance:
            return lower, upper, losses
        lower[column], upper[column] = -np.inf, np.inf


def box_of(x: np.ndarray, y: np.ndarray, lower: np.ndarray, upper: np.ndarray, *, total_hits: float,
           total_draws: int, tolerance: float = PRUNE_TOLERANCE, within: np.ndarray | None = None) -> Box:
    """A Box from limits on x over the draws `within` (all for None): its restrictions that matter (`_pruned`), the
    most important first; coverage and mass are shares of `total_hits` and `total_draws` (of all the draws, when
    `within` is what earlier boxes left)."""
    lower, upper, losses = _pruned(x, y, lower, upper, tolerance, within)
    inside = _inside(x, lower, upper, within)
    size = int(np.count_nonzero(inside))
    hits = float(np.count_nonzero(np.asarray(y, dtype=bool) & inside))
    restrictions = tuple(Restriction(c, float(lower[c]), float(upper[c]), density_without)
                         for c, density_without in sorted(losses.items(), key=lambda item: (item[1], item[0])))
    return Box(restrictions, hits / total_hits if total_hits else 0.0, hits / max(1, size), size / total_draws, size)


def prim(x: np.ndarray, y: np.ndarray, *, alpha: float = PEEL_ALPHA, min_mass: float = MIN_MASS,
         density_threshold: float = DENSITY_THRESHOLD, pasting: bool = True, max_boxes: int = MAX_BOXES,
         tolerance: float = PRUNE_TOLERANCE, orders: np.ndarray | None = None) -> tuple[Trajectory, tuple[Box, ...]]:
    """PRIM on draws x (N, K) with outcomes y (N,) in {0, 1}: the first peeling's trajectory, and up to `max_boxes`
    boxes, each the chosen box of a peeling (`peel`) of the draws the earlier boxes leave, pasted (`paste`) and
    pruned to the restrictions that matter. A box is kept only when it restricts something and its density is
    above the share of the event in the draws it was found in; a box after the first, only when its density also
    reaches `density_threshold` (the draws the first leaves are mostly noise). `orders`: `sorted_orders(x)`."""
    happens = np.asarray(y, dtype=bool)
    n = len(happens)
    total_hits = float(np.count_nonzero(happens))
    orders = sorted_orders(x) if orders is None else orders
    boxes: list[Box] = []
    remaining = np.ones(n, dtype=bool)
    first = None
    for _ in range(max_boxes):
        left, left_hits = int(np.count_nonzero(remaining)), int(np.count_nonzero(happens & remaining))
        if left_hits in (0, left) or left < 2 / alpha:
            break
        trajectory = peel(x, happens, alpha=alpha, min_mass=min_mass * n / left, density_threshold=density_threshold,
                          within=remaining, orders=orders)
        if first is None:
            first = trajectory
        lower, upper = trajectory.lower[trajectory.chosen], trajectory.upper[trajectory.chosen]
        if pasting:
            lower, upper = paste(x, happens, lower, upper, alpha=alpha, within=remaining)
        box = box_of(x, happens, lower, upper, total_hits=total_hits, total_draws=n, tolerance=tolerance,
                     within=remaining)
        if not box.restrictions or box.density <= left_hits / left or (boxes and box.density < density_threshold):
            break
        boxes.append(box)
        limits = np.full((2, x.shape[1]), [[-np.inf], [np.inf]])
        for r in box.restrictions:
            limits[:, r.column] = r.lower, r.upper
        remaining &= ~_inside(x, *limits)
    if first is None:
        first = peel(x, happens, alpha=alpha, min_mass=min_mass, density_threshold=density_threshold, orders=orders)
    return first, tuple(boxes)


# ---------------------------------------------------------------------------------------------------------- tree
@dataclass(frozen=True)
class Leaf:
    """A leaf of the decision tree: the conditions on its path, (column, "<=" or ">", threshold) each, its draws and
    the share of them where the event happens."""

    conditions: tuple[tuple[int, str, float], ...]
    draws: int
    share: float


def _best_split(x: np.ndarray, y: np.ndarray, min_leaf: int, *, node: np.ndarray | None = None,
                orders: np.ndarray | None = None) -> tuple[int, float] | None:
    """The split (column, threshold) of the draws of x (N, K) in `node` (a mask (N,); all for None) with the least
    weighted Gini impurity of their outcomes y (N,), thresholds halfway between distinct neighbouring values, each
    side at least `min_leaf` draws; None when no split lowers the impurity (the first column of equals wins).
    `orders`: `sorted_orders(x)`."""
    y = np.asarray(y, dtype=float)
    orders = sorted_orders(x) if orders is None else orders
    n = len(y) if node is None else int(np.count_nonzero(node))
    positives = float(y.sum() if node is None else y[node].sum())
    left = np.arange(1, n, dtype=float)
    right = n - left
    best, found = 2 * positives * (1 - positives / n) - 1e-12, None  # n x the node's Gini impurity
    for j in range(x.shape[1]):  # a column at a time (not a loop over draws)
        order = orders[:, j] if node is None else orders[:, j][node[orders[:, j]]]
        values = x[order, j]
        hits_left = np.cumsum(y[order])[:-1]  # positives among the first i + 1
        hits_right = positives - hits_left
        impurity = 2 * hits_left * (1 - hits_left / left) + 2 * hits_right * (1 - hits_right / right)
        valid = (values[1:] > values[:-1]) & (left >= min_leaf) & (right >= min_leaf)
        if not valid.any():
            continue
        impurity[~valid] = np.inf
        i = int(np.argmin(impurity))
        if impurity[i] < best:
            best, found = impurity[i], (j, float((values[i] + values[i + 1]) / 2))
    return found


def decision_tree(x: np.ndarray, y: np.ndarray, *, depth: int = TREE_DEPTH, min_leaf: float = TREE_MIN_LEAF,
                  orders: np.ndarray | None = None) -> tuple[Leaf, ...]:
    """A classification tree (CART, Breiman et al. 1984: Gini impurity, binary splits) of depth at most `depth` on
    draws x (N, K) with outcomes y (N,), each leaf at least `min_leaf` of the draws; its leaves, left to right.
    `orders`: `sorted_orders(x)`."""
    y = np.asarray(y, dtype=float)
    orders = sorted_orders(x) if orders is None else orders
    smallest = max(1, math.ceil(min_leaf * len(y)))
    leaves: list[Leaf] = []

    def grow(node: np.ndarray, conditions: tuple[tuple[int, str, float], ...], level: int) -> None:
        size, positives = int(np.count_nonzero(node)), float(y[node].sum())
        split = None
        if level < depth and 0 < positives < size:
            split = _best_split(x, y, smallest, node=node, orders=orders)
        if split is None:
            leaves.append(Leaf(conditions, size, positives / size))
            return
        column, threshold = split
        below = x[:, column] <= threshold
        grow(node & below, (*conditions, (column, "<=", threshold)), level + 1)
        grow(node & ~below, (*conditions, (column, ">", threshold)), level + 1)

    grow(np.ones(len(y), dtype=bool), (), 0)
    return tuple(leaves)


# ------------------------------------------------------------------------------------------------------- result
@dataclass(frozen=True)
class Discovery:
    """What would have to be true for `event` in scenario `scenario`: its share of the draws, the first peeling's
    trajectory, the boxes and the tree's leaves over `columns`, and the settings the manifest records. `boxes`
    and `leaves` are empty when the event never or always happens (`share` 0 or 1)."""

    scenario: str
    event: Event
    description: str  # the event in words: "ByteDance leads on accelerators installed in 2028"
    draws: int
    share: float
    columns: tuple[Column, ...]
    trajectory: Trajectory | None
    boxes: tuple[Box, ...]
    leaves: tuple[Leaf, ...]
    settings: dict[str, object]


def describe(event: Event, inputs: Inputs) -> str:
    """The event in words, with the catalogue's label of its metric: "ByteDance leads on accelerators installed in
    2028", "Tencent's capex in 2028 > 300.0 USD bn"."""
    company = inputs.companies[event.company].name
    metric = METRICS[event.metric]
    label = metric.label if metric.label[:2].isupper() else metric.label[0].lower() + metric.label[1:]
    if event.kind == "leads":
        return f"{company} leads on {label} in {event.year}"
    if event.kind == "overtakes":
        return f"{company} overtakes {inputs.companies[event.other].name} on {label} by {event.year}"
    unit = "" if metric.kind in PERCENT_KINDS else f" {metric.unit(inputs.scenario.reporting_currency)}"
    return f"{company}'s {label} in {event.year} {event.operator} {figure(event.threshold, metric.kind)}{unit}"


def discover(inputs: Inputs, event: Event, *, draws: int = 10_000, sampler: str = "sobol",
             rng: np.random.Generator | int | None = None, alpha: float = PEEL_ALPHA,
             density_threshold: float = DENSITY_THRESHOLD, pasting: bool = True, max_boxes: int = MAX_BOXES,
             on_progress: Callable[[int], None] | None = None) -> Discovery:
    """Scenario discovery for `event`: `draws` draws of the scenario's assumptions (`sample`), PRIM's boxes
    (`prim`) and a shallow tree (`decision_tree`) of where the event happens."""
    check_discover_draws(draws, inputs)
    if not 0 < alpha < 0.5:
        raise UsageError(f"alpha must lie between 0 and 0.5, not {alpha!r}")
    if not 0 < density_threshold <= 1:
        raise UsageError(f"the density threshold must lie in (0, 1], not {density_threshold!r}")
    x, happens, seed = sample(inputs, event, draws, sampler=sampler, rng=rng, on_progress=on_progress)
    share = float(happens.mean())
    trajectory, boxes, leaves = None, (), ()
    if 0 < share < 1:
        orders = sorted_orders(x)  # once, for PRIM and the tree
        trajectory, boxes = prim(x, happens, alpha=alpha, density_threshold=density_threshold, pasting=pasting,
                                 max_boxes=max_boxes, orders=orders)
        leaves = decision_tree(x, happens, orders=orders)
    settings = {"event": event.text, "draws": draws, "seed": seed, "sampler": sampler, "alpha": alpha,
                "min_mass": MIN_MASS, "density_threshold": density_threshold, "pasting": pasting,
                "max_boxes": max_boxes, "prune_tolerance": PRUNE_TOLERANCE, "tree_depth": TREE_DEPTH,
                "tree_min_leaf": TREE_MIN_LEAF}
    return Discovery(inputs.scenario.name, event, describe(event, inputs), draws, share, tuple(columns_of(inputs)),
                     trajectory, boxes, leaves, settings)


def column_names(columns: Sequence[Column]) -> list[str]:
    """Each column's key, with its year for a series ("tencent.capex.growth[2026]")."""
    return [c.key if c.year is None else f"{c.key}[{c.year}]" for c in columns]
