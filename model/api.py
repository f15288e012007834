"""The Python API's frozen handles and results (a loaded scenario, a run, a sensitivity analysis, a comparison) and
the adapters between them and the modelling modules, which are imported only when a result is made or read."""

from __future__ import annotations

import contextlib
import numbers
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from model.errors import InputError, Problem, UsageError, display_path

if TYPE_CHECKING:
    import altair as alt
    import pandas as pd

PathLike = str | os.PathLike[str]


@contextlib.contextmanager
def scenario_errors() -> Iterator[None]:
    """Raise a failed read as the project's InputError, worded as the CLI prints it (`file: reason`)."""
    try:
        yield
    except OSError as error:
        where = display_path(Path(os.fsdecode(error.filename))) if error.filename is not None else ""
        raise InputError([Problem(where, None, "", error.strerror or str(error))]) from None


def whole_number(name: str, value: object, least: int) -> int:
    """`value` as an int when it is a whole number (numpy's too; a bool is not one) of at least `least`, else a
    UsageError."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < least:
        raise UsageError(f"{name} must be a whole number, at least {least}, not {value!r}")
    return int(value)


def one_of(name: str, value: object, valid: Sequence[str]) -> str:
    """`value` when it is one of `valid`, else a UsageError listing them."""
    if value not in valid:
        raise UsageError(f"unknown {name} '{value}'; valid: {', '.join(valid)}")
    return str(value)


# ---------------------------------------------------------------------------------------------- finding the file
def _absolute(path: Path) -> Path:
    # absolute, not resolved: the loader refuses a symlink that leaves its folder, which resolving would hide
    return Path(os.path.abspath(path.expanduser()))


def scenario_file(scenario: PathLike, project: PathLike | None) -> Path:
    """The scenario file `scenario` means: a path to a file, or with `project` a name in its scenarios/ folder (or
    a path inside that folder, relative to the project). Nothing depends on the working directory but a relative
    path given without `project`."""
    from model.errors import suggest
    from model.io.project import scenario_names

    given = Path(scenario)
    if project is None:
        path = _absolute(given)
        if not path.exists():
            if given.parent == Path(".") and given.suffix != ".yaml":
                raise UsageError(f"no scenario file '{scenario}'; give a scenario file's path, or its name with "
                                 f"project=PATH")
            raise UsageError(f"no scenario file {display_path(path)}")
    else:
        root = _absolute(Path(project))
        scenarios = root / "scenarios"
        if not scenarios.is_dir() or not (root / "assumptions").is_dir():
            raise UsageError(f"{display_path(root)} is not a project: it has no scenarios/ and assumptions/ folders")
        if given.parent == Path("."):
            path = scenarios / f"{given.name.removesuffix('.yaml')}.yaml"
            if not path.exists():
                raise UsageError(f"unknown scenario '{scenario}'; {suggest(given.stem, scenario_names(scenarios))}")
        else:
            path = _absolute(root / given)
            if not path.resolve().is_relative_to(scenarios.resolve()):
                raise UsageError(f"scenario {scenario} lies outside {display_path(scenarios)}/")
    if not path.is_file():
        raise UsageError(f"scenario '{scenario}' is not a regular file")
    return path


# ---------------------------------------------------------------------------------------------------- the handles
@dataclass(frozen=True)
class LoadedScenario:
    """A scenario read, checked and resolved against the assumptions beside it, ready to run."""

    name: str
    path: Path  # the scenario file, absolute
    project: Path  # the folder holding scenarios/ and assumptions/
    companies: tuple[str, ...]  # display names, in the order of the company files
    years: tuple[int, ...]  # the horizon, first to last
    reporting_currency: str
    warnings: tuple[str, ...]  # `file:line: key: message` of the files' warnings and the source audit's findings
    inputs: Any = field(repr=False, compare=False)  # the resolved inputs the modelling modules take

    @classmethod
    def from_file(cls, path: Path) -> LoadedScenario:
        from model.analysis.audit import audit_inputs
        from model.io.loading import load_inputs

        inputs = load_inputs(path)
        audit = tuple(problem for problem in audit_inputs(inputs) if problem not in inputs.warnings)
        return cls(
            name=inputs.scenario.name,
            path=path,
            project=path.parent.parent,
            companies=tuple(company.name for company in inputs.companies),
            years=tuple(inputs.scenario.years),
            reporting_currency=inputs.scenario.reporting_currency,
            warnings=tuple(str(problem) for problem in (*inputs.warnings, *audit)),
            inputs=inputs,
        )


@dataclass(frozen=True)
class RunResult:
    """A scenario's projection: every metric per company and year, with every assumption at its value and, for a
    run with draws, summaries of the draws."""

    scenario: LoadedScenario
    draws: int
    seed: int | None  # None for the deterministic run (draws=1), which draws nothing
    sampler: str | None
    warnings: tuple[str, ...]  # when the draws are too few for the percentiles' precision
    projection: Any = field(repr=False, compare=False)

    def tidy(self) -> pd.DataFrame:
        """The long table, one row per company, year and metric: columns scenario, company, year (int), metric,
        unit (such as "USD bn", "thousand units", "ratio"), value (every assumption at its value); a run with
        draws > 1 adds mean, p5, p50 and p95 over the draws. The same numbers as the CLI's projection.csv."""
        return self.projection.tidy()

    def headline(self) -> pd.DataFrame:
        """The headline figures as numbers: one row per company (index "Company"), one column per figure, labelled
        with its years and unit, such as "Capex 2025-2030 (USD bn)"; shares are fractions (0.35, not 35)."""
        from model.analysis.projection import headline

        return headline(self.projection)

    def leads(self) -> pd.DataFrame:
        """For a run with draws > 1, the probability (0 to 1) that each company leads each race metric in each
        year: columns scenario, metric, company, year, probability."""
        return self._drawn().leads()

    def overtakes(self) -> pd.DataFrame:
        """For a run with draws > 1, the probability (0 to 1) that `company` first moves ahead of `rival` on a race
        metric in `year`: columns scenario, metric, company, rival, year, probability; non-zero rows only."""
        return self._drawn().overtakes()

    def first_order(self) -> pd.DataFrame:
        """For a run of 10,000 draws or more, each assumption's first-order index (its share of a figure's
        variance alone, 0 to 1) on the sensitivity heatmaps' metrics of each company and year: columns scenario,
        metric, company, year, assumption, first_order, as the CLI's first_order.csv; empty with fewer draws."""
        return self._drawn().first_order()

    def charts(self) -> tuple[str, ...]:
        """The names `chart` takes: the run folder's charts (a run with draws adds the race's two, and one of
        10,000 draws or more the sensitivity heatmaps, `first_order_<metric>`)."""
        from model.present.run import projection_charts

        return tuple(stem for stem, _ in projection_charts(self.projection))

    def chart(self, name: str) -> alt.Chart | alt.LayerChart | alt.FacetChart:
        """The chart `name` of the run folder (such as "capex", "ai_chip_spend", "race_shares"; see `charts()`), as
        an Altair chart that Jupyter renders inline; nothing is saved. With draws, lines are medians over a 90%
        band. Raises UsageError naming the valid names."""
        from model.present.run import projection_charts

        for stem, chart in projection_charts(self.projection):
            if stem == name:
                return chart
        raise UsageError(f"unknown chart '{name}'; valid: {', '.join(self.charts())}")

    def _drawn(self) -> Any:
        if self.draws == 1:
            raise UsageError("the race needs a run with draws; run it with draws > 1, such as "
                             "model.run(scenario, draws=10_000)")
        return self.projection



@dataclass(frozen=True)
class SensitivityResult:
    """Which assumptions decide `metric` in `year`: one row per company and assumption in `frame`."""

    scenario: LoadedScenario
    method: str  # "tornado", "sobol" or another module of model.analysis.methods
    metric: str
    year: int
    frame: pd.DataFrame = field(repr=False)
    priorities: pd.DataFrame | None = field(repr=False)  # Sobol' and Shapley: where to research next
    notes: tuple[str, ...] = ()  # what the method leaves out, and when its sample is too small
    result: Any = field(default=None, repr=False, compare=False)  # the analysis's own result, which its chart draws

    def chart(self) -> alt.FacetChart:
        """The method's chart (the tornado, or the Sobol' indices) in Altair, a panel per company; nothing is
        saved."""
        import importlib

        return importlib.import_module(f"model.present.methods.{self.method}").chart(self.result)


@dataclass(frozen=True)
class ComparisonResult:
    """The headline figures of several scenarios, each with its change from the first."""

    scenarios: tuple[str, ...]  # the names compared; the first is the reference
    frame: pd.DataFrame = field(repr=False)
    overlay: pd.DataFrame = field(repr=False, compare=False)  # the tidy rows the charts draw

    def side_by_side(self) -> pd.DataFrame:
        """One row per company and figure: each scenario's value, then each later one's change from the first and
        that change in percent, as in the CLI's compare.csv."""
        from model.analysis.compare import side_by_side

        return side_by_side(self.frame)

    def chart(self, metric: str) -> alt.FacetChart:
        """A panel per company and a line per scenario of `metric` (capex, ai_chip_spend, accelerators_installed,
        compute_installed or cloud_revenue) as an Altair chart; nothing is saved. Raises UsageError naming the valid
        metrics."""
        from model.analysis.compare import COMPARE_METRICS
        from model.present.charts import scenario_overlay

        return scenario_overlay(self.overlay, metric=one_of("metric", metric, COMPARE_METRICS))


@dataclass(frozen=True)
class DiscoveryResult:
    """What would have to be true for an event: the share of the draws where it happens, PRIM's boxes and the
    tree's leaves where it happens, as `scenario discover` prints and writes them."""

    scenario: LoadedScenario
    event: str  # the event in words: "ByteDance leads on accelerators installed in 2028"
    draws: int
    share: float  # of the draws where it happens
    boxes: tuple[str, ...]  # each PRIM box as a sentence, the chosen one first
    leaves: tuple[str, ...]  # the tree's leaves, likeliest first, as sentences
    trajectory: pd.DataFrame = field(repr=False)  # the peeling: step, coverage, density, mass, restricted, chosen
    result: Any = field(default=None, repr=False, compare=False)  # the analysis's own result, which its chart draws

    def summary(self) -> dict[str, Any]:
        """The event, its share, each box's limits and sentence and the tree's leaves, as discovery.json holds
        them."""
        from model.present.discovery import discovery_json

        return discovery_json(self.result)

    def chart(self) -> alt.TopLevelMixin | None:
        """PRIM's peeling trade-off (coverage against density) in Altair, nothing saved; None when the event never
        or always happens."""
        from model.present.discovery import peeling_chart

        return None if self.result.trajectory is None else peeling_chart(self.result)


# ----------------------------------------------------------------------------------------------------- adapters
def projected(scenario: LoadedScenario, *, draws: int, seed: int, sampler: str, precision: float | None = None,
              cap_option: str = "draws") -> RunResult:
    from model.analysis.projection import convergence_warnings
    from model.analysis.projection import run as project

    projection = project(scenario.inputs, draws=draws, sampler=sampler, rng=seed, precision=precision,
                         cap_option=cap_option)
    drawn = projection.simulation is not None
    draws = projection.simulation.draws if drawn else 1
    return RunResult(scenario, draws, seed if drawn else None, sampler if drawn else None,
                     tuple(convergence_warnings(projection)) if drawn else (), projection)


def explained(scenario: LoadedScenario, *, method: str, metric: str, year: int | None,
              companies: Sequence[str] | str | None, samples: int | None, seed: int,
              precision: float | None = None) -> SensitivityResult:
    from model.analysis.precision import check_precision
    from model.analysis.sensitivity import analyse, growing_method, output_year, sample_cap

    chosen = [companies] if isinstance(companies, str) else companies
    inputs = scenario.inputs
    if precision is None:
        result = analyse(inputs, method=method, metric=metric, year=year, companies=chosen,
                         samples=2**13 if samples is None else samples, seed=seed, samples_option="samples")
    else:
        growing = growing_method(method, option="precision", named=lambda name: f"method '{name}'")
        precision = check_precision(precision, "precision")
        cap, cap_option = sample_cap(inputs, samples, "samples")
        growing.check(inputs, cap, option="samples")
        result = growing.analyse_until(inputs, metric=metric, year=output_year(inputs, year), companies=chosen,
                                       precision=precision, cap=cap, seed=seed, cap_option=cap_option)
    return SensitivityResult(scenario, method, metric, result.year, result.frame, result.tables.get("priorities"),
                             (*result.notes, *result.warnings), result)


def discovered(scenario: LoadedScenario, *, event: str, draws: int, seed: int, sampler: str) -> DiscoveryResult:
    from model.analysis.discovery import check_discover_draws, discover, parse_event
    from model.present.discovery import box_sentence, leaf_sentence, ranked_leaves, trajectory_frame

    inputs = scenario.inputs
    chosen = parse_event(event, inputs)
    check_discover_draws(draws, inputs, option="draws")
    result = discover(inputs, chosen, draws=draws, sampler=sampler, rng=seed)
    return DiscoveryResult(scenario, result.description, result.draws, result.share,
                           tuple(box_sentence(result, box) for box in result.boxes),
                           tuple(leaf_sentence(result, leaf) for leaf in ranked_leaves(result)),
                           trajectory_frame(result), result)


def compared(scenarios: Sequence[LoadedScenario]) -> ComparisonResult:
    from model.analysis import compare as comparing
    from model.analysis.projection import run as project

    if len(scenarios) < 2:
        raise UsageError(f"compare needs at least two scenarios; got {len(scenarios)}")
    sides = []
    for scenario in scenarios:
        if any(side.path == scenario.path for side in sides):
            raise UsageError(f"'{scenario.name}' is given twice ({display_path(scenario.path)})")
        if any(side.label == scenario.name for side in sides):
            raise UsageError(f"two scenarios are both named '{scenario.name}'; compare one of them under another "
                             "name")
        frame = project(scenario.inputs).tidy()
        sides.append(comparing.Side(label=scenario.name, kind=comparing.SCENARIO, path=scenario.path, frame=frame,
                                    files=scenario.inputs.files))
    comparing.check_currencies(sides)
    long = comparing.comparison({side.label: side.frame for side in sides})
    return ComparisonResult(tuple(side.label for side in sides), long, comparing.overlay_frame(sides))
