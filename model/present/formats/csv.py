"""The CSV files of each result: its tables, unrounded."""

from __future__ import annotations

from model.analysis.backtest import Backtest
from model.analysis.compare import Comparison
from model.analysis.discovery import Discovery
from model.analysis.projection import RunResult
from model.analysis.sensitivity import SensitivityResult
from model.present.artifacts import Contents, Rendering, artefact
from model.present.discovery import trajectory_frame
from model.present.tables import to_csv


@artefact(RunResult, "projection.csv", "csv")
def projection(rendering: Rendering) -> Contents:
    return {"projection.csv": to_csv(rendering.result.projection.tidy())}


@artefact(RunResult, "leads.csv, overtakes.csv", "csv")
def race(rendering: Rendering) -> Contents:
    """Who leads and who overtakes whom: a run with draws only."""
    projection = rendering.result.projection
    if projection.simulation is None:
        return {}
    return {"leads.csv": to_csv(projection.leads()), "overtakes.csv": to_csv(projection.overtakes())}


@artefact(RunResult, "first_order.csv", "csv")
def first_order(rendering: Rendering) -> Contents:
    """The heatmaps' first-order indices, every assumption: a run with enough draws only."""
    projection = rendering.result.projection
    if projection.simulation is None or projection.simulation.first_order is None:
        return {}
    return {"first_order.csv": to_csv(projection.first_order())}


@artefact(SensitivityResult, "<table>.csv", "csv")
def sensitivity(rendering: Rendering) -> Contents:
    return {f"{name}.csv": to_csv(table) for name, table in rendering.result.tables.items()}


@artefact(Comparison, "compare.csv", "csv")
def compare(rendering: Rendering) -> Contents:
    return {"compare.csv": to_csv(rendering.result.side_by_side())}


@artefact(Backtest, "backtest.csv", "csv")
def backtest(rendering: Rendering) -> Contents:
    return {"backtest.csv": to_csv(rendering.result.table)}


@artefact(Backtest, "backtest_summary.csv", "csv")
def backtest_summary(rendering: Rendering) -> Contents:
    return {"backtest_summary.csv": to_csv(rendering.result.summary)}


@artefact(Discovery, "trajectory.csv", "csv")
def discovery_trajectory(rendering: Rendering) -> Contents:
    """PRIM's peeling trajectory; none when the event never or always happens."""
    frame = trajectory_frame(rendering.result)
    return {} if frame.empty else {"trajectory.csv": to_csv(frame)}
