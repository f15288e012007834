"""How a tornado is shown: its chart, and each moving assumption's swing in the terminal."""

from __future__ import annotations

import pandas as pd

from model import format
from model.analysis.methods.tornado import moving
from model.analysis.sensitivity import SensitivityResult
from model.present import charts
from model.present.charts import ChartLike


def chart(result: SensitivityResult) -> ChartLike:
    return charts.tornado(moving(result.frame))


def table(result: SensitivityResult) -> pd.DataFrame:
    """The assumptions that move the output, with their inputs and outputs at the two ends."""
    frame = result.frame
    shown = frame.loc[frame["swing"] > 0, ["company", "key", "input_low", "input_high", "output_low", "output_high",
                                           "swing"]]
    return shown.assign(**{column: shown[column].map(format.approximate)
                           for column in ("output_low", "output_high", "swing")})


def footer(result: SensitivityResult) -> str | None:
    return None
