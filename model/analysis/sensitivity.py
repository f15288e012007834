"""Which assumptions move a projected figure: what every sensitivity method shares (the output it explains, its
one result type) and finding a method, one module each in `model.analysis.methods`. Pure: arrays and frames
out, nothing read, printed or drawn."""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd

from model.analysis import methods
from model.analysis.methods import declared
from model.analysis.projection import check_finite
from model.catalogue import METRICS
from model.core.engine import project
from model.core.parameters import engine_inputs
from model.domain import Inputs
from model.domain.colours import company_colours
from model.errors import UsageError

OUTPUT_DEFAULT_METRIC = "ai_chip_spend_cumulative"
# A sampled method warns when an index's interval is wider than this: at that width the ranking of assumptions a
# tenth of the variance apart is no longer trustworthy.
MAX_INTERVAL_WIDTH = 0.1


# ------------------------------------------------------------------------------------------------ choosing outputs
def check_metric(metric: str) -> None:
    if metric not in METRICS:
        raise UsageError(f"unknown metric '{metric}'; valid: {', '.join(METRICS)}")


def output_year(inputs: Inputs, year: int | None) -> int:
    """The year to explain: `year`, or the horizon's last year when None."""
    first, last = inputs.scenario.horizon
    if year is None:
        return last
    if not first <= year <= last:
        raise UsageError(f"year {year} is outside the horizon {first}-{last}")
    return int(year)


def company_indices(inputs: Inputs, companies: Sequence[str] | str | None) -> list[int]:
    """Positions in `inputs.companies` of the companies named (display name or slug), in that order; all for None."""
    if companies is None:
        return list(range(len(inputs.companies)))
    wanted = [companies] if isinstance(companies, str) else list(companies)
    positions = {}
    for index, company in enumerate(inputs.companies):
        positions[company.slug] = positions[company.name] = index
    for name in wanted:
        if name not in positions:
            raise UsageError(f"unknown company '{name}'; valid: {', '.join(c.slug for c in inputs.companies)}")
    return sorted({positions[name] for name in wanted})


def chosen_output(inputs: Inputs, metric: str, year: int | None,
                  companies: Sequence[str] | str | None) -> tuple[int, list[int]]:
    """The year (`output_year`) and the companies' positions (`company_indices`) of a checked `metric`."""
    check_metric(metric)
    return output_year(inputs, year), company_indices(inputs, companies)


def outputs(inputs: Inputs, values: dict[str, np.ndarray], *, metric: str, year: int,
            chosen: Sequence[int]) -> np.ndarray:
    """The metric in `year` for D draws of the assumptions' `values` (as from `values_at`): (D, C) for the
    `chosen` companies."""
    year_index = year - inputs.scenario.horizon[0]
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # check_finite reports it, with its cause
        projected = project(engine_inputs(inputs, values))[metric]
    check_finite(inputs, {metric: projected}, "in the sensitivity analysis's draws")
    return projected[:, chosen, year_index]


def labels(inputs: Inputs, metric: str, year: int, chosen: Sequence[int], keys: Sequence[str]) -> pd.DataFrame:
    """The label columns of a (company x assumption) table: C * K rows, company-major."""
    names = [inputs.companies[c].name for c in chosen]
    return pd.DataFrame({
        "scenario": inputs.scenario.name,
        "metric": metric,
        "unit": METRICS[metric].unit(inputs.scenario.reporting_currency),
        "company": np.repeat(names, len(keys)),
        "year": year,
        "key": np.tile(np.array(keys, dtype=object), len(names)),
    })


def sorted_rows(inputs: Inputs, frame: pd.DataFrame, by: str) -> pd.DataFrame:
    """Rows by company (in the inputs' order), then `by` descending, then key."""
    order = frame["company"].map({c.name: i for i, c in enumerate(inputs.companies)})
    frame = frame.assign(_order=order).sort_values(["_order", by, "key"], ascending=[True, False, True],
                                                  na_position="last", kind="stable")
    return frame.drop(columns="_order").reset_index(drop=True)


# --------------------------------------------------------------------------------------------- one result type
@dataclass(frozen=True, eq=False)
class SensitivityResult:
    """What a sensitivity method found about `metric` in `year`, per company.

    `tables` are the method's frames by name (each one CSV of the run folder), its indices first: `frame`.
    `notes` say what the indices leave out, `warnings` when they are not to be trusted; `settings` are what the
    manifest records (method, metric, year, companies, and the method's own: samples, seed...).
    """

    method: str
    scenario: str
    metric: str
    year: int
    unit: str  # the metric's, in the reporting currency: "USD bn"
    tables: Mapping[str, pd.DataFrame]
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    settings: Mapping[str, Any] = field(default_factory=dict)
    as_of: dt.date | None = None  # the scenario's information date
    colours: Mapping[str, str] = field(default_factory=dict)  # company name -> "#rrggbb", as a run's charts use

    @property
    def frame(self) -> pd.DataFrame:
        """The indices: one row per company and assumption."""
        return next(iter(self.tables.values()))


def sensitivity_result(inputs: Inputs, method: str, *, metric: str, year: int, companies: Sequence[str] | None,
                       tables: Mapping[str, pd.DataFrame], notes: Sequence[str] = (), warnings: Sequence[str] = (),
                       settings: Mapping[str, Any] | None = None) -> SensitivityResult:
    """A method's result, with the settings every method records before its own `settings`."""
    recorded = {"method": method, "metric": metric, "year": year, "companies": list(companies or [])}
    return SensitivityResult(method, inputs.scenario.name, metric, year,
                             METRICS[metric].unit(inputs.scenario.reporting_currency), dict(tables),
                             tuple(notes), tuple(warnings), {**recorded, **(settings or {})}, inputs.scenario.as_of,
                             company_colours([c.name for c in inputs.companies],
                                             {c.name: c.colour for c in inputs.companies if c.colour}))


# ---------------------------------------------------------------------------------------------- the registry
class Method(Protocol):
    """A module of `model.analysis.methods`: `analyse` explains one output in a year (reporting each step of its
    `work` to `on_progress`); `work` is what a progress bar shows of it, a description and the number of steps;
    `check` refuses a sample size at once, before anything runs or is written. A sampled method may also provide
    `analyse_until(inputs, *, metric, year, companies, precision, cap, seed, cap_option, on_progress)`, its sample
    grown until precise (`--precision`; see `model.analysis.methods.sobol.analyse_until`)."""

    DESCRIPTION: str
    ORDER: int

    def analyse(self, inputs: Inputs, *, metric: str, year: int, companies: Sequence[str] | None, samples: int,
                seed: int, on_progress: Callable[[int], None] | None = None) -> SensitivityResult: ...

    def work(self, inputs: Inputs, samples: int) -> tuple[str, int]: ...

    def check(self, inputs: Inputs, samples: int, option: str = "--samples") -> None: ...


def find_method(name: str) -> Method:
    """The module of the method called `name`; a UsageError lists the valid ones."""
    valid = declared()
    if name not in valid:
        raise UsageError(f"unknown sensitivity method '{name}'; valid: {', '.join(valid)}")
    return importlib.import_module(f"{methods.__name__}.{name}")  # type: ignore[return-value]


def growing_method(name: str, *, option: str, named: Callable[[str], str]) -> Method:
    """The method called `name`, which `option` (--precision) needs to grow its sample (`analyse_until`); a
    UsageError otherwise, naming the methods that can as `named` writes a method ("--method sobol")."""
    chosen = find_method(name)
    if not hasattr(chosen, "analyse_until"):
        growing = [method for method in declared() if hasattr(find_method(method), "analyse_until")]
        raise UsageError(f"{option} grows a sampled method's sample; {named(name)} is not sampled (use "
                         f"{' or '.join(named(method) for method in growing)})")
    return chosen


def sample_cap(inputs: Inputs, samples: int | None, option: str) -> tuple[int, str]:
    """The most a sample grown until precise may reach, and what set it: `samples` (`option`), or this machine's
    ceiling."""
    if samples is not None:
        return samples, option
    from model.analysis.resources import max_samples

    return max_samples(len(inputs.resolved), len(inputs.companies), len(inputs.scenario.years)), \
        "this machine's ceiling"


def analyse(inputs: Inputs, *, method: str, metric: str = OUTPUT_DEFAULT_METRIC, year: int | None = None,
            companies: Sequence[str] | None = None, samples: int = 2**13, seed: int = 0,
            on_progress: Callable[[int], None] | None = None, samples_option: str = "--samples") -> SensitivityResult:
    """Explain `metric` in `year` (default: the horizon's last) by `method` (a module of `model.analysis.methods`);
    `samples_option` is how a refused sample size names the setting."""
    chosen = find_method(method)
    chosen.check(inputs, samples, option=samples_option)
    return chosen.analyse(inputs, metric=metric, year=output_year(inputs, year), companies=companies,
                          samples=samples, seed=seed, on_progress=on_progress)
