"""Drawing until precise (`--precision`): the target a run's draws or a Sobol' analysis's sample must reach, how
the run ended (the target reached, or the cap of draws or samples), and what it says about it."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from model import format
from model.catalogue import Kind
from model.errors import UsageError

# The measure of a run (`projection.percentile_error`): the largest Monte Carlo standard error of a headline figure's
# 5th, 50th or 95th percentile, as a share of that figure's 90% interval (p95 - p5). A share of the interval can be
# stated before any number is known ("to 1% of the interval"), means the same for capex and for a market share, and
# is the figure the run's closing line and the 2% warning already give. For Sobol' indices the measure is the widest
# bootstrap interval of a first- or total-order index (`methods.sobol.interval_widths`): indices are shares already.
RUN_MEASURE = "the percentiles' Monte Carlo standard errors as a share of their interval's width"
SOBOL_MEASURE = "the widest Sobol' interval"
# A Sobol' analysis drawn until precise starts at this sample size and doubles it (a scrambled Sobol' sequence is
# balanced at powers of two); smaller samples give bootstrap intervals too ragged to stop on.
SOBOL_START = 2**10


@dataclass(frozen=True)
class Precision:
    """How a run drawn until precise ended: `target` (the asked --precision) against `achieved` (the measure at the
    end, at `where`), with `size` draws or samples of at most `cap` (`cap_option` names where the cap came from)."""

    target: float
    achieved: float
    where: str
    size: int
    cap: int
    cap_option: str  # "--draws", "--samples", or "this machine's ceiling"

    @property
    def reached(self) -> bool:
        return self.achieved <= self.target

    def settings(self, size_key: str) -> dict[str, Any]:
        """What the manifest records: the target, whether it was reached, and the cap of `size_key`."""
        return {"precision": self.target, "precision_reached": self.reached, f"{size_key}_cap": self.cap}


def check_precision(precision: object, option: str = "--precision") -> float:
    """`precision` as a float in (0, 1); a UsageError naming `option` for anything else (a bool, NaN, inf, 0...)."""
    number = isinstance(precision, (int, float)) and not isinstance(precision, bool)
    if not number or not math.isfinite(precision) or not 0 < precision < 1:  # type: ignore[arg-type, operator]
        raise UsageError(f"{option} must be a share between 0 and 1, such as 0.01 or 1%, not {precision!r}")
    return float(precision)  # type: ignore[arg-type]


def read_precision(text: str, option: str = "--precision") -> float:
    """The share an option's text states, "0.01" or in percent "1%", checked by `check_precision`."""
    stripped = text.strip()
    try:
        value = float(stripped.removesuffix("%")) / (100 if stripped.endswith("%") else 1)
        return check_precision(value, option)
    except (ValueError, UsageError):
        raise UsageError(f"{option} must be a share between 0 and 1, such as 0.01 or 1%, not '{text}'") from None


def places(value: float, kind: Kind) -> int:
    """The decimals `value` needs to show as itself in its kind (0.0025 as 0.25%, not 0.2%), at least the kind's."""
    scaled = value * 100 if kind in format.PERCENT_KINDS else value
    decimals = format.DECIMALS[kind]
    while decimals < 6 and round(scaled, decimals) != round(scaled, 9):
        decimals += 1
    return decimals


def shown(value: float, kind: Kind, like: float | None = None) -> str:
    """`value` as the formatter shows its kind, with the decimals it needs (or those that `like` needs)."""
    return format.figure(value, kind, decimals=places(value if like is None else like, kind))


def needed(size: int, achieved: float, target: float) -> int:
    """About how many draws (or samples) would bring `achieved`, at `size`, to `target`, rounded up to two
    significant figures: an error falls as 1/sqrt(size). 0 when `achieved` is not known."""
    if not math.isfinite(achieved):
        return 0
    estimate = size * (achieved / target) ** 2
    step = 10 ** max(0, math.floor(math.log10(estimate)) - 1)
    return math.ceil(estimate / step) * step


def run_report(precision: Precision) -> str:
    """The sentence a run drawn until precise ends with: how many draws it took, and the error they reached within
    the target; or that it stopped at its cap (the line before it gives the error reached)."""
    target = shown(precision.target, Kind.share)
    if not precision.reached:
        return (f"Drawn until precise (--precision {target}), but stopped at the cap of "
                f"{format.count(precision.cap)} draws ({precision.cap_option}) short of it")
    return (f"Drawn until precise: {format.count(precision.size)} draws brought them to "
            f"{shown_achieved(precision, Kind.share)}, within --precision {target}")


def run_warning(precision: Precision) -> str:
    """The warning of a run that stopped at its cap before reaching its target."""
    return _unreached(precision, "draws", Kind.share,
                      "the percentiles' standard errors are still up to {achieved} of their interval's width")


def sobol_warning(precision: Precision) -> str:
    """The warning of a Sobol' analysis that reached its cap of samples before its target."""
    return _unreached(precision, "samples", Kind.ratio, "the widest Sobol' interval is still {achieved} wide")


def shown_achieved(precision: Precision, kind: Kind) -> str:
    """The measure a run ended at, to the decimals of its target."""
    if math.isinf(precision.achieved):
        return "not yet estimable"
    return shown(precision.achieved, kind, like=precision.target)


def _unreached(precision: Precision, unit: str, kind: Kind, state: str) -> str:
    target = shown(precision.target, kind)
    achieved = state.format(achieved=shown_achieved(precision, kind))
    more = needed(precision.size, precision.achieved, precision.target)
    if unit == "samples":  # a Sobol' sample is a power of two
        more = 2 ** math.ceil(math.log2(more)) if more else 0
    advice = f"; about {format.count(more)} {unit} would reach it" if more else ""
    return (f"--precision {target} was not reached within {format.count(precision.cap)} {unit} "
            f"({precision.cap_option}): {achieved} ({precision.where}){advice}")
