"""scenario: sourced assumptions, scenarios and vectorised projections of the AI-infrastructure race; the Python API
for notebooks is `load`, `run`, `sensitivity`, `compare` and `discover` (see the README's "Python and notebooks")."""

from __future__ import annotations

import os
from collections.abc import Sequence

# Light on purpose: `import model` (and so every `import model.core...`) must not load pandas, altair, pydantic or
# ruamel; each function imports what it needs when called.
from model.api import (
    ComparisonResult,
    DiscoveryResult,
    LoadedScenario,
    PathLike,
    RunResult,
    SensitivityResult,
    compared,
    discovered,
    explained,
    one_of,
    projected,
    scenario_errors,
    scenario_file,
    whole_number,
)
from model.errors import InputError, ScenarioError, UsageError

__version__ = "0.1.0"
__all__ = ["ComparisonResult", "DiscoveryResult", "InputError", "LoadedScenario", "RunResult", "ScenarioError",
           "SensitivityResult", "UsageError", "compare", "discover", "load", "run", "sensitivity"]

def load(scenario: PathLike, *, project: PathLike | None = None) -> LoadedScenario:
    """Read, check and resolve a scenario with the assumptions of its project, from any working directory.

    `scenario` is the path of a scenario file (`.../scenarios/base.yaml`; its project is the folder above
    scenarios/), or with `project` (the folder holding scenarios/ and assumptions/) a scenario's name ("base",
    "base.yaml") or a path inside the project's scenarios/. `~` is expanded.

    Raises InputError (a ScenarioError) listing every problem as `file:line: key: message`, as `scenario validate`
    prints them, and UsageError for a scenario that is not there; warnings are kept in the result's `warnings`.
    """
    with scenario_errors():
        return LoadedScenario.from_file(scenario_file(scenario, project))


def run(scenario: LoadedScenario | PathLike, *, draws: int | None = None, seed: int = 0, sampler: str = "sobol",
        precision: float | None = None) -> RunResult:
    """Project a scenario (from `load`, or a scenario file's path) as `scenario run` does.

    draws=1 is the deterministic run, every assumption at its value. With draws > 1 every assumption is drawn
    that many times from its distribution (`sampler`: "sobol", "lhs" or "random", seeded by `seed` >= 0): the
    result's `tidy()` gains mean, p5, p50 and p95, and `leads()` and `overtakes()` give the race's odds. Memory
    stays flat in the draws; a number of draws this machine cannot hold is refused with the most it can.

    With `precision` (a share strictly between 0 and 1, such as 0.01), the draws go on, chunk after chunk, until
    every headline figure's 5th, 50th and 95th percentiles carry Monte Carlo standard errors of at most that share
    of the figure's 90% interval, `draws` being the most (default: this machine's ceiling); the result's `draws`
    says how many it took, and `warnings` when the cap came first.
    """
    seed = whole_number("seed", seed, 0)
    capped = draws is not None
    draws = whole_number("draws", draws, 2 if precision is not None else 1) if capped else 1
    loaded = _loaded(scenario)
    with scenario_errors():
        from model.analysis.precision import check_precision
        from model.analysis.resources import check_draws, max_draws
        from model.core.uncertainty import SAMPLERS

        one_of("sampler", sampler, SAMPLERS)
        if precision is not None:
            precision = check_precision(precision, "precision")
            if not capped:
                draws = max_draws(len(loaded.inputs.companies), len(loaded.inputs.scenario.years))
        check_draws(draws, loaded.inputs, option="draws")
        return projected(loaded, draws=draws, seed=seed, sampler=sampler, precision=precision,
                         cap_option="draws" if capped else "this machine's ceiling")


def sensitivity(scenario: LoadedScenario | PathLike, *, method: str = "tornado",
                metric: str = "ai_chip_spend_cumulative", year: int | None = None,
                companies: Sequence[str] | str | None = None, samples: int | None = None, seed: int = 0,
                precision: float | None = None) -> SensitivityResult:
    """Which assumptions decide `metric` in `year` (default: the horizon's last), per company, as `scenario
    sensitivity` finds them.

    method="tornado" moves each assumption alone to its 5th and 95th percentile: `.frame` has columns scenario,
    metric, unit, company, year, key, input_low, input_high (text), output_low, output_high, base, swing (in the
    metric's unit). method="sobol" splits the output's variance (`samples`, a power of two of at least 64, runs the
    model samples x (assumptions + 2) times, seeded by `seed`): `.frame` has first_order and total_order indices
    (0 to 1) with their 95% bootstrap intervals (`_low`, `_high`), and `.priorities` ranks where to research next:
    by total-order index, or, where the scenario correlates assumptions, by Shapley effects of the same sample (their
    frame is `.result.tables["shapley"]`, as method="shapley" gives it).
    method="shapley" applies the scenario's correlations (`samples` draws, at least 64, run the model
    samples x (assumptions + 1) times): `.frame` has each assumption's `shapley` effect (the shares add up to 1) with
    its 95% interval and `standard_error`, and `.priorities` ranks by it.
    `samples` defaults to 8,192. With `precision` (method="sobol"; a width such as 0.05), the sample doubles from
    1,024 until every index's 95% interval is at most that wide, `samples` being the most (default: this machine's
    ceiling); `.result.settings` says the sample it took, and `.notes` when the cap came first.
    `companies` (slugs or display names) narrows the rows. Unknown names raise UsageError listing the valid ones.
    """
    from model.analysis.methods import declared

    one_of("method", method, tuple(declared()))
    seed = whole_number("seed", seed, 0)
    loaded = _loaded(scenario)
    with scenario_errors():
        return explained(loaded, method=method, metric=metric, year=year, companies=companies, samples=samples,
                         seed=seed, precision=precision)


def discover(scenario: LoadedScenario | PathLike, event: str, *, draws: int = 10_000, seed: int = 0,
             sampler: str = "sobol") -> DiscoveryResult:
    """What would have to be true for `event`, as `scenario discover --event` finds it: "bytedance leads
    accelerators_installed 2028", "bytedance overtakes alibaba capex 2027" or "tencent capex 2028 > 30bn".

    `draws` (at least 1,000) draws of the assumptions (`sampler`, seeded by `seed`); `.share` is the event's share of
    them, `.boxes` PRIM's boxes as sentences ("in 80.3% of draws with ..."), `.leaves` the shallow tree's leaves,
    `.trajectory` the peeling's coverage and density, `.summary()` the limits as discovery.json holds them and
    `.chart()` the peeling trade-off. A malformed event raises UsageError giving the grammar.
    """
    if not isinstance(event, str):
        raise UsageError(f"event is text such as 'bytedance leads accelerators_installed 2028', not {event!r}")
    draws = whole_number("draws", draws, 1)
    seed = whole_number("seed", seed, 0)
    loaded = _loaded(scenario)
    with scenario_errors():
        from model.core.uncertainty import SAMPLERS

        one_of("sampler", sampler, SAMPLERS)
        return discovered(loaded, event=event, draws=draws, seed=seed, sampler=sampler)


def compare(scenarios: Sequence[LoadedScenario | PathLike]) -> ComparisonResult:
    """The headline figures of two or more scenarios side by side, each run with every assumption at its value, as
    `scenario compare` shows them; the first is the reference.

    `.frame` is long: company, measure (the headline's label, such as "Capex 2030 (USD bn)"), metric, year, unit,
    scenario, value, change (value minus the reference's) and relative_change (that change as a fraction of the
    reference's absolute value, NaN where it is zero). Scenarios in different reporting currencies are refused rather than converted.
    """
    loaded = [_loaded(scenario) for scenario in scenarios]
    with scenario_errors():
        return compared(loaded)


def _loaded(scenario: LoadedScenario | PathLike) -> LoadedScenario:
    if isinstance(scenario, LoadedScenario):
        return scenario
    if isinstance(scenario, (str, os.PathLike)):
        return load(scenario)
    raise UsageError(f"expected a scenario from model.load() or a scenario file's path, not {type(scenario).__name__}")
