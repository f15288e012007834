"""An assumption's value: one number, or a per-year series, as one type."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Value:
    """A number, or a series of numbers by year (years ascending).

    A series is read between its years by straight lines and held flat beyond its first and last year, as the engine
    lays it on the timeline: `Value.of({2025: 0.2, 2027: 0.1})` is 0.15 at 2026 (halfway) and 0.1 at 2030.
    """

    numbers: tuple[float, ...]
    series_years: tuple[int, ...] | None = None  # None for a single number

    def __post_init__(self) -> None:
        if self.series_years is None and len(self.numbers) != 1:
            raise ValueError(f"a single value holds one number, not {len(self.numbers)}")
        if self.series_years is not None:
            if not self.series_years or len(self.series_years) != len(self.numbers):
                raise ValueError("a series needs one number for each of at least one year")
            if any(a >= b for a, b in zip(self.series_years, self.series_years[1:])):
                raise ValueError(f"a series' years must ascend without repeats, not {self.series_years}")

    @classmethod
    def of(cls, raw: float | Mapping[int, float] | Value) -> Value:
        """`raw` as a Value: a number, or a mapping year -> number (put in year order)."""
        if isinstance(raw, Value):
            return raw
        if isinstance(raw, Mapping):
            ordered = sorted(raw.items())
            return cls(tuple(float(v) for _, v in ordered), tuple(int(y) for y, _ in ordered))
        return cls((float(raw),))

    @property
    def is_series(self) -> bool:
        return self.series_years is not None

    @property
    def scalar(self) -> float:
        """The single number; TypeError for a series, which has no one number."""
        if self.series_years is not None:
            raise TypeError(f"a series over {self.series_years[0]}-{self.series_years[-1]} has no single value")
        return self.numbers[0]

    @property
    def series(self) -> dict[int, float]:
        """Year -> number, in year order; TypeError for a single number, which belongs to no year."""
        if self.series_years is None:
            raise TypeError("a single value is not a series")
        return dict(zip(self.series_years, self.numbers))

    @property
    def years(self) -> tuple[int, ...]:
        """The years a series gives numbers for; empty for a single number."""
        return self.series_years or ()

    @property
    def values(self) -> tuple[float, ...]:
        """Every number it holds: one, or one per year in year order."""
        return self.numbers

    def at(self, year: int) -> float:
        """The number for `year`: the single number, or the series read linearly between its years and flat
        outside them."""
        if self.series_years is None:
            return self.numbers[0]
        years, numbers = self.series_years, self.numbers
        if year <= years[0]:
            return numbers[0]
        if year >= years[-1]:
            return numbers[-1]
        below = max(i for i, y in enumerate(years) if y <= year)
        if years[below] == year:
            return numbers[below]
        # in numpy.interp's order of operations, so that this and the engine's arrays agree to the last bit
        slope = (numbers[below + 1] - numbers[below]) / (years[below + 1] - years[below])
        return slope * (year - years[below]) + numbers[below]

    def map(self, function: Callable[[float], float]) -> Value:
        """The same shape with `function` applied to each number."""
        return Value(tuple(function(v) for v in self.numbers), self.series_years)

    def plain(self) -> float | dict[int, float]:
        """The number, or the dict year -> number: the shape the files and JSON outputs write."""
        return self.series if self.is_series else self.numbers[0]

