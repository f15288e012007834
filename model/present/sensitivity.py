"""Renderings of a sensitivity analysis as text: the tables the terminal shows."""

from __future__ import annotations

import pandas as pd

from model.present import format


def priority_table(sobol_frame: pd.DataFrame, priorities: pd.DataFrame) -> pd.DataFrame:
    """The research priorities with each index as text, "estimate [low, high]", and "dig here" where to dig:
    columns company, rank, key, first_order, total_order, confidence, flags, dig."""
    intervals = sobol_frame.assign(**{
        index: [format.sensitivity_index(*row) for row in sobol_frame[[index, f"{index}_low", f"{index}_high"]].to_numpy()]
        for index in ("first_order", "total_order")
    })[["company", "key", "first_order", "total_order"]]
    table = priorities.drop(columns=["total_order"]).merge(intervals, on=["company", "key"], how="left")
    table = table.assign(dig=table["dig"].map({True: "dig here", False: ""}))
    return table[["company", "rank", "key", "first_order", "total_order", "confidence", "flags", "dig"]]
