"""`scenario assumptions` and `scenario sources`: the assumption and source registers."""

from __future__ import annotations

from typing import Annotated

import typer

from model.cli.common import (
    PROJECT_COMPANIES,
    PROJECT_SCENARIOS,
    Command,
    Confidence,
    TableFormat,
    app,
    examples,
    print_frame,
    reports_errors,
)
from model.domain import Inputs
from model.errors import UsageError
from model.io.loading import base_assumptions, load_assumption_set, load_inputs
from model.io.project import find_project_root, find_scenario


@app.command(cls=Command, epilog=examples(
    ("Tencent's figures of low confidence", "scenario assumptions --company tencent --confidence low"),
    ("The values the bull scenario uses, overrides included, as CSV",
     "scenario assumptions --scenario bull --format csv"),
    ("One figure's earlier values, oldest first", "scenario assumptions --history tencent.capex.intensity"),
))
@reports_errors
def assumptions(
    company: Annotated[list[str] | None, typer.Option(
        help=f"Only this company (slug or name); repeatable. {PROJECT_COMPANIES}")] = None,
    confidence: Annotated[list[Confidence] | None, typer.Option(help="Only this confidence; repeatable.")] = None,
    judgement: Annotated[bool, typer.Option("--judgement", help="Only assumptions resting on analyst judgement.")] = False,
    scenario: Annotated[str | None, typer.Option(
        help=f"Show the values this scenario uses (with its overrides). {PROJECT_SCENARIOS}")] = None,
    distributions: Annotated[bool, typer.Option(
        "--distributions", help="Show each assumption's distribution and its 5th, 50th and 95th percentiles; a pooled "
                                "assumption's candidates follow it, with their sources and weights.")] = False,
    history: Annotated[str | None, typer.Option(
        "--history", metavar="KEY", help="Show this assumption's values over time (tencent.capex.intensity, fx.CNY), "
                                         "oldest first, with their sources.")] = None,
    fmt: Annotated[TableFormat, typer.Option("--format", help="Output format.")] = TableFormat.table,
) -> None:
    """The assumption register: every figure with its unit, period, confidence, sources and date; or, with
    --distributions, the distribution each one is drawn from; or, with --history, one figure's vintages."""
    from model.analysis.register import distribution_table, history_table, register, rests_on_judgement

    if scenario:
        inputs: Inputs = load_inputs(find_scenario(scenario))
        items, sources = list(inputs.resolved.values()), inputs.assumptions.sources
    else:
        assumption_set = load_assumption_set(find_project_root() / "assumptions")
        items, sources = list(base_assumptions(assumption_set).values()), assumption_set.sources
    if history is not None:
        if distributions:
            raise UsageError("--history shows one assumption's values over time; it does not combine with "
                             "--distributions")
        frame = history_table(items, history)
        if fmt is TableFormat.table:
            frame = frame[["vintage", "value", "unit", "confidence", "as_of", "replaced", "sources", "excerpts"]]
        print_frame(frame, fmt, title=f"{history}: {len(frame)} vintage{'s' * (len(frame) != 1)}, oldest first")
        return
    if company:
        wanted = {c.lower() for c in company}
        known = {i.company.slug for i in items if i.company} | {i.company.name.lower() for i in items if i.company}
        if unknown := wanted - known:
            raise UsageError(f"unknown company {', '.join(sorted(unknown))}; valid: "
                                f"{', '.join(sorted({i.company.slug for i in items if i.company}))}")
        items = [i for i in items if i.company and {i.company.slug, i.company.name.lower()} & wanted]
    if confidence:
        items = [i for i in items if i.assumption.confidence in {c.value for c in confidence}]
    if judgement:
        items = [i for i in items if rests_on_judgement(i, sources)]
    if distributions:
        frame = distribution_table(items, components=True)
        if fmt is TableFormat.table:
            # a pooled assumption's candidates follow it, each with its source and weight; without one, no such column
            pooled = any(i.assumption.pooled for i in items)
            frame = frame.drop(columns=["company"] if pooled else ["company", "source", "weight"])
        print_frame(frame, fmt, title=f"{len(items)} assumptions")
        return
    else:
        frame = register(items, sources)
        if fmt is TableFormat.table:
            frame = frame[["key", "value", "unit", "period", "confidence", "source_kinds", "as_of", "sources"]]
    print_frame(frame, fmt, title=f"{len(frame)} assumptions")


@app.command(cls=Command, epilog=examples(
    ("Every source with its publisher, date, kind and URL", "scenario sources"),
    ("As a markdown table", "scenario sources --format markdown"),
))
@reports_errors
def sources(fmt: Annotated[TableFormat, typer.Option("--format", help="Output format.")] = TableFormat.table) -> None:
    """The source registry."""
    from model.analysis.register import source_table

    assumption_set = load_assumption_set(find_project_root() / "assumptions")
    print_frame(source_table(assumption_set.sources.values()), fmt, title="sources")
