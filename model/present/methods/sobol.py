"""How Sobol' indices are shown: their chart, the research priorities in the terminal, and how wide the widest
interval is."""

from __future__ import annotations

import pandas as pd

from model import format
from model.analysis.methods.sobol import interval_widths
from model.analysis.precision import shown
from model.analysis.sensitivity import SensitivityResult
from model.catalogue import Kind
from model.present import charts
from model.present.charts import ChartLike


def chart(result: SensitivityResult) -> ChartLike:
    return charts.sobol(result.frame)


def table(result: SensitivityResult) -> pd.DataFrame:
    return priority_table(result.frame, result.tables["priorities"], result.tables.get("shapley"))


def footer(result: SensitivityResult) -> str | None:
    """The widest bootstrap interval of an index, and what the estimate cost (with the Shapley runs of priorities
    ranked by them); None when no index has one."""
    widths = {company: width for company, (width, _) in interval_widths(result.frame).items()}
    widest = max(widths.items(), key=lambda item: item[1], default=None)
    if widest is None:
        return None
    settings = result.settings
    line = (f"Widest {format.figure(settings['confidence'], Kind.probability, decimals=0)} bootstrap interval of an "
            f"index: {format.sensitivity_index(widest[1])} ({widest[0]}); {format.count(settings['samples'])} samples, "
            f"{format.count(settings['evaluations'])} runs of the model")
    if settings.get("priorities_by") == "shapley":
        line += (f", and {format.count(settings['shapley_evaluations'])} for the priorities' Shapley effects "
                 f"({format.count(settings['shapley_samples'])} samples)")
    if "precision" not in settings:
        return line
    target = shown(settings["precision"], Kind.ratio)
    if settings["precision_reached"]:
        return f"{line}: the sample grown until the widest interval was at most {target} (--precision)"
    return f"{line}: stopped at the cap of the sample, short of --precision {target}"


def priority_table(sobol_frame: pd.DataFrame, priorities: pd.DataFrame,
                   shapley_frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """The research priorities with each index as text, "estimate [low, high]", and "dig here" where to dig:
    columns company, rank, key, first_order, total_order, confidence, flags, dig. Priorities ranked by Shapley
    effects (a scenario that correlates assumptions) show the effect first, and each assumption's partners."""
    intervals = sobol_frame.assign(**{
        index: [format.sensitivity_index(*row) for row in sobol_frame[[index, f"{index}_low", f"{index}_high"]].to_numpy()]
        for index in ("first_order", "total_order")
    })[["company", "key", "first_order", "total_order"]]
    columns = ["company", "rank", "key", "first_order", "total_order", "confidence", "flags", "dig"]
    if shapley_frame is not None and "shapley" in priorities:
        effects = shapley_frame.assign(shapley=[format.sensitivity_index(*row) for row in
                                                shapley_frame[["shapley", "shapley_low", "shapley_high"]].to_numpy()])
        priorities = priorities.drop(columns=["shapley", "correlated_with"]).merge(
            effects[["company", "key", "shapley", "correlated_with"]], on=["company", "key"], how="left")
        columns = ["company", "rank", "key", "shapley", "first_order", "total_order", "confidence", "flags",
                   "correlated_with", "dig"]
    table = priorities.drop(columns=["total_order"], errors="ignore").merge(intervals, on=["company", "key"],
                                                                            how="left")
    table = table.assign(dig=table["dig"].map({True: "dig here", False: ""}))
    return table[columns].fillna("")
