"""Actuals files: `scenario validate` checks them with the same file:line: key messages as `scenario backtest`, entry
by entry, and finds them by their folder (assumptions/actuals/)."""

from __future__ import annotations

from typer.testing import CliRunner

from model.cli import app
from tests.analysis.test_backtest import ACTUALS

runner = CliRunner()


def write_actuals(small, text: str = ACTUALS):
    small.path("assumptions/actuals").mkdir(exist_ok=True)
    return small.write("assumptions/actuals/reported.yaml", text)


def test_validate_checks_the_actuals_files_beside_the_assumptions(small):
    write_actuals(small)
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "checked 2 scenarios, 1 assumption folder, 1 actuals file: 0 errors, 0 warnings\n"


def test_each_bad_figure_is_one_error_and_the_others_are_still_checked(small):
    text = ACTUALS.replace("value: 16\n", "value: .nan\n", 1).replace("basis: plan\n", "basis: plann\n", 1)
    text = text.replace("company: beta\n    metric: cloud_revenue", "company: gamma\n    metric: cloud_revenue", 1)
    path = write_actuals(small, text)
    lines = text.splitlines()

    def line(fragment: str) -> int:
        return next(i for i, t in enumerate(lines, start=1) if fragment in t)

    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"assumptions/actuals/reported.yaml:{line('.nan')}: actuals[0].value: value must be a finite number, not nan",
        f"assumptions/actuals/reported.yaml:{line('plann')}: actuals[1].basis: 'plann' is not one of 'outturn', "
        "'plan' or 'estimate'",
        f"assumptions/actuals/reported.yaml:{line('gamma')}: actuals[2].company: unknown company 'gamma'; valid: "
        "alpha, beta",
    ]
    assert path.is_file()


def test_validate_takes_an_actuals_file_or_folder_as_its_assumptions_folder(small):
    write_actuals(small, ACTUALS.replace("basis: plan\n", "basis: plann\n", 1))
    for named in ("assumptions/actuals/reported.yaml", "assumptions/actuals"):
        result = runner.invoke(app, ["validate", named])
        assert result.exit_code == 1
        assert result.stdout == "checked 0 scenarios, 1 assumption folder, 1 actuals file: 1 error, 0 warnings\n"
        assert "actuals[1].basis: 'plann' is not one of" in result.stderr
