"""The Excel workbook of each result, one per run folder, named as the folder's default name (`base.xlsx`,
`base-tornado.xlsx`, `compare-base-bull.xlsx`, `backtest-base.xlsx`, `diff.xlsx`): Excel cannot open two workbooks
of the same name at once, so two runs' workbooks can be open side by side."""

from __future__ import annotations

from model.analysis.backtest import Backtest
from model.analysis.compare import Comparison
from model.analysis.projection import RunResult
from model.analysis.review import Review
from model.analysis.sensitivity import SensitivityResult
from model.present import workbook
from model.present.artifacts import Contents, Rendering, artefact


def _workbook(name: str, book: workbook.Book) -> Contents:
    return {f"{name}.xlsx": workbook.to_xlsx(book)}


@artefact(RunResult, "<scenario>.xlsx", "xlsx")
def run(rendering: Rendering) -> Contents:
    result = rendering.result
    return _workbook(result.scenario.name, workbook.run_book(result, result.projection.colours))


@artefact(SensitivityResult, "<scenario>-<method>.xlsx", "xlsx")
def sensitivity(rendering: Rendering) -> Contents:
    result = rendering.result
    return _workbook(f"{result.scenario}-{result.method}", workbook.sensitivity_book(result))


@artefact(Comparison, "compare-<names>.xlsx", "xlsx")
def compare(rendering: Rendering) -> Contents:
    return _workbook(rendering.result.name, workbook.compare_book(rendering.result))


@artefact(Backtest, "backtest-<scenario>.xlsx", "xlsx")
def backtest(rendering: Rendering) -> Contents:
    return _workbook(f"backtest-{rendering.result.scenario.name}", workbook.backtest_book(rendering.result))


@artefact(Review, "diff.xlsx", "xlsx")
def review(rendering: Rendering) -> Contents:
    return _workbook("diff", workbook.review_book(rendering.result))
