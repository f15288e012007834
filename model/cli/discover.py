"""`scenario discover`: what would have to be true for an event (a lead, an overtake, a threshold)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from model import format
from model.cli.common import (
    METRIC_KEYS,
    PROJECT_COMPANIES,
    SAMPLER_HELP,
    SCENARIO_HELP,
    SEED_HELP,
    Command,
    ProgressBar,
    Sampler,
    app,
    audited,
    examples,
    print_shown,
    print_warnings,
    print_wrote,
    reports_errors,
)
from model.io.loading import load_inputs
from model.io.project import find_scenario

EVENT_HELP = ("The event: '<company> leads <metric> <year>', '<company> overtakes <company> <metric> <year>' (by "
              "that year) or '<company> <metric> <year> > <number>' (also >=, <, <=; the number in the metric's "
              "unit as projection.csv gives it, or with a scale: 300bn, 35%). Metrics: "
              f"{METRIC_KEYS}. {PROJECT_COMPANIES}")


@app.command(cls=Command, epilog=examples(
    ("What would have to be true for ByteDance to lead on installed accelerators in 2028",
     "scenario discover base --event \"bytedance leads accelerators_installed 2028\""),
    ("For ByteDance to overtake Alibaba on capex by 2027, over 50,000 draws",
     "scenario discover base --event \"bytedance overtakes alibaba capex 2027\" --draws 50000"),
    ("For Tencent's capex to pass USD 30bn in 2028", "scenario discover bull --event \"tencent capex 2028 > 30bn\""),
))
@reports_errors
def discover(
    scenario: Annotated[str, typer.Argument(help=SCENARIO_HELP)],
    event: Annotated[str, typer.Option(help=EVENT_HELP)],
    draws: Annotated[int, typer.Option(help="Draws of the assumptions (at least 1,000).")] = 10_000,
    seed: Annotated[int, typer.Option(min=0, help=SEED_HELP)] = 0,
    sampler: Annotated[Sampler, typer.Option(help=SAMPLER_HELP)] = Sampler.sobol,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Write here instead of outputs/discover-<name>/.")] = None,
    assumptions: Annotated[Path | None, typer.Option(help="Assumptions folder (default: beside scenarios/).")] = None,
) -> None:
    """What would have to be true for an event: the draws where it happens, the region of the assumptions that
    holds them as PRIM boxes (each a sentence, with its coverage and density) and as a shallow decision tree;
    writes outputs/discover-<name>/ (trajectory.csv, discovery.json, tree.md, the peeling chart, manifest)."""
    from model.analysis.discovery import check_discover_draws, discover, parse_event
    from model.io.outputs import destination, write_run
    from model.present import discovery as rendering
    from model.present.artifacts import files_of

    path = find_scenario(scenario)
    inputs = load_inputs(path, assumptions)
    chosen = parse_event(event, inputs)
    check_discover_draws(draws, inputs)
    root = path.resolve().parent.parent
    target = destination(out_dir or root / "outputs" / f"discover-{inputs.scenario.name}", root=root,
                         inputs=inputs.files, named=out_dir is not None)
    from model.present import vega

    vega.start()  # the chart renderer's runtime starts beside the work before the chart
    print_warnings(inputs.warnings)
    problems = audited(inputs)
    with ProgressBar(f"{format.count(draws)} draws", draws) as bar:
        result = discover(inputs, chosen, draws=draws, sampler=sampler.value, rng=seed, on_progress=bar.advance)
    write_run(target, files_of(result), command="discover", scenario=inputs.scenario.name,
              chain=inputs.scenario.chain, inputs=inputs.files, root=root, settings=result.settings,
              named=out_dir is not None, problems=problems)
    print_shown(rendering.terminal(result))
    print_wrote(target)
