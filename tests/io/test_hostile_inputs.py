"""Hostile inputs, through real files in a copy of the small project: non-finite and implausible numbers, years
and dates outside the window, YAML tags and deep nesting, and files that would lead reads out of their folders."""

from __future__ import annotations

import os

import numpy as np
import pytest
from typer.testing import CliRunner

from model.analysis.projection import check_finite
from model.cli import app
from model.errors import InputError, UsageError
from model.io.loading import load_inputs, validate_project
from model.io.project import find_scenario
from model.io.yaml_files import read_yaml
from tests.conftest import at

runner = CliRunner()
PLAN_VALUE = "    value: 30\n"  # alpha.yaml line 6: capex.plan_total.value


def problems(project, file: str | None = None) -> list[str]:
    """The errors `scenario validate` finds, those of `file` only when given (a company file that does not load
    makes the scenarios' overrides of it errors too, which is another rule's business)."""
    scenarios = sorted(project.path("scenarios").glob("*.yaml"))
    found = [str(p) for p in validate_project(scenarios, [project.path("assumptions")]) if p.severity == "error"]
    return [p for p in found if file is None or p.startswith(f"{file}:")]


def validate(*args: str) -> tuple[int, list[str]]:
    result = runner.invoke(app, ["validate", *args])
    return result.exit_code, result.output.splitlines()


# ------------------------------------------------------------------------------------------------ finite numbers
@pytest.mark.parametrize(("written", "shown"), [
    (".nan", ", not nan"),
    (".inf", ", not inf (a number this large overflows)"),
    ("-.inf", ", not -inf (a number this large overflows)"),
    ("1e309", ", not inf (a number this large overflows)"),
    ("1" + "0" * 400, "; an integer of 401 digits is too large"),
])
def test_a_value_must_be_a_finite_number(small, written, shown):
    small.edit("assumptions/alpha.yaml", PLAN_VALUE, f"    value: {written}\n")
    assert problems(small, "assumptions/alpha.yaml") == [
        at("assumptions/alpha.yaml", "capex.plan_total.value") + f": value must be a finite number"
                               f"{shown}"]


def test_a_value_that_overflows_after_its_scale_is_outside_the_interval(small):
    small.edit("assumptions/alpha.yaml", PLAN_VALUE, "    value: 1e308\n")
    assert problems(small, "assumptions/alpha.yaml") == [
        at("assumptions/alpha.yaml", "capex.plan_total.value") + ": 1e+308 is outside the valid "
                               "interval (0, 1e+06]"]


def test_nan_inside_a_series_names_its_year(small):
    small.edit("assumptions/alpha.yaml", "    value: 0.5\n", "    value: {2025: 0.5, 2026: .nan}\n")
    assert problems(small, "assumptions/alpha.yaml") == [
        at("assumptions/alpha.yaml", "ai_chips.growth.value") + ": the value for 2026 must be a "
                               "finite number, not nan"]


def test_inf_in_a_range(small):
    small.edit("assumptions/alpha.yaml", "range: [6, 10]", "range: [6, .inf]")
    assert problems(small, "assumptions/alpha.yaml") == [
        at("assumptions/alpha.yaml", "ai_chips.budget_base.range") + ": each end of the range must "
                               "be a finite number, not inf (a number this large overflows)"]


def test_a_range_must_lie_inside_the_keys_interval(small):
    small.edit("assumptions/alpha.yaml", "    value: 0.5\n", "    value: 0.5\n    range: [0.1, 12]\n")
    assert problems(small, "assumptions/alpha.yaml") == [
        at("assumptions/alpha.yaml", "ai_chips.growth.value") + ": 12 is outside the valid "
                               "interval (-1, 10]"]


def test_a_correlation_rank_must_be_finite(small):
    small.edit("scenarios/base.yaml", "as_of: 2025-05-31\n", "as_of: 2025-05-31\ncorrelations:\n  - keys: "
               "[alpha.cloud.growth, beta.cloud.growth]\n    rank: .nan\n    rationale: same market\n")
    assert problems(small) == [
        at("scenarios/base.yaml", "correlations[0].rank") + ": rank must be a finite number, not nan"]


@pytest.mark.parametrize(("written", "message"), [
    ("13", "fiscal_year_end is the month the fiscal year ends, 1 to 12, not 13"),
    ("true", "fiscal_year_end is the month the fiscal year ends, 1 to 12, not True"),
    (".nan", "fiscal_year_end is the month the fiscal year ends, 1 to 12, not nan"),
])
def test_a_fiscal_year_end_is_a_month(small, written, message):
    small.edit("assumptions/alpha.yaml", "name: Alpha\n", f"name: Alpha\nfiscal_year_end: {written}\n")
    assert problems(small, "assumptions/alpha.yaml") == [
        at("assumptions/alpha.yaml", "fiscal_year_end") + f": {message}"]


@pytest.mark.parametrize(("written", "message"), [
    ("'#12345'", "colour is a hex colour such as '#d55e00', not '#12345'"),
    ("red", "colour is a hex colour such as '#d55e00', not 'red'"),
    ("0xff0000", "colour is a hex colour such as '#d55e00', not 16711680"),
    (".nan", "colour is a hex colour such as '#d55e00', not nan"),
    ("[1, 2]", "colour is a hex colour such as '#d55e00', not [1, 2]"),
])
def test_a_colour_is_a_hex_colour(small, written, message):
    small.edit("assumptions/alpha.yaml", "name: Alpha\n", f"name: Alpha\ncolour: {written}\n")
    assert problems(small, "assumptions/alpha.yaml") == [at("assumptions/alpha.yaml", "colour") + f": {message}"]


def test_two_companies_cannot_share_a_colour(small):
    small.edit("assumptions/alpha.yaml", "name: Alpha\n", "name: Alpha\ncolour: '#D55E00'\n")
    small.edit("assumptions/beta.yaml", "name: Beta\n", "name: Beta\ncolour: '#d55e00'\n")
    assert problems(small, "assumptions/beta.yaml") == [
        at("assumptions/beta.yaml", "colour") + ": colour '#d55e00' is Alpha's already; give each company its own"]


@pytest.mark.parametrize(("key", "written", "message"), [
    ("capex.post_plan_growth", "11", "11 is outside the valid interval (-1, 10]"),
    ("accelerators.service_life", "51", "51 is outside the valid interval (0, 50]"),
    ("accelerators.installed_base", "2e9", "2e+09 is outside the valid interval (0, 1e+09]"),
    ("accelerators.installed_base", "0", "0 is outside the valid interval (0, 1e+09]"),
    # TFLOPS written where H100-equivalents belong
    ("accelerators.installed_base_performance", "1979", "1979 is outside the valid interval (0, 1000]"),
    ("accelerators.performance", "-0.3", "-0.3 is outside the valid interval (0, 1000]"),
    ("accelerators.performance_change", "-1", "-1 is outside the valid interval (-1, 10]"),
    ("group.revenue_base", "1e7", "1e+07 is outside the valid interval (0, 1e+06]"),
    ("group.revenue_base", "0", "0 is outside the valid interval (0, 1e+06]"),
    ("group.revenue_growth", "-1", "-1 is outside the valid interval (-1, 10]"),
])
def test_every_key_has_a_finite_upper_bound(small, key, written, message):
    path = small.path("assumptions/alpha.yaml")
    text = path.read_text()
    start = text.index(f"  {key}:")
    value_at = text.index("    value: ", start)
    end = text.index("\n", value_at)
    path.write_text(f"{text[:value_at]}    value: {written}{text[end:]}")
    line = text[:value_at].count("\n") + 1
    assert problems(small, "assumptions/alpha.yaml") == [f"assumptions/alpha.yaml:{line}: {key}.value: {message}"]


@pytest.mark.parametrize("written", [".nan", ".inf"])
def test_the_fleet_and_its_performance_are_finite(small, written):
    small.edit("assumptions/alpha.yaml", "    value: 1000000\n", f"    value: {written}\n")
    assert [p.split(": value must be")[0] for p in problems(small, "assumptions/alpha.yaml")] == [
        at("assumptions/alpha.yaml", "accelerators.installed_base.value")]


@pytest.mark.parametrize(("key", "old", "unit", "message"), [
    ("accelerators.installed_base", "    unit: count\n", "H100e",
     "accelerators.installed_base needs a count unit, not 'H100e'"),
    ("accelerators.performance", "    unit: H100e\n    period: 2025\n", "ratio",
     "accelerators.performance needs a H100e unit, not 'ratio'"),
])
def test_the_fleet_and_performance_keys_take_their_own_units(small, key, old, unit, message):
    small.edit("assumptions/alpha.yaml", old, old.replace(old.split("\n")[0], f"    unit: {unit}"))
    assert problems(small, "assumptions/alpha.yaml") == [at("assumptions/alpha.yaml", f"{key}.unit") + f": {message}"]


def test_an_opening_fleet_after_the_horizons_first_year_is_refused(small):
    small.edit("assumptions/alpha.yaml", "    unit: count\n    period: 2024\n", "    unit: count\n    period: 2026\n")
    assert problems(small, "assumptions/alpha.yaml") == [
        at("assumptions/alpha.yaml", "assumptions") + ": accelerators.installed_base is the fleet at the end of 2026, "
        f"after the horizon's first year 2025: give the fleet the horizon opens with (scenario {name}, horizon "
        "2025-2027)" for name in ("base", "high")]


def test_a_company_without_a_fleet_is_told_what_it_lacks(small):
    path = small.path("assumptions/beta.yaml")
    text = path.read_text()
    start, end = text.index("  accelerators.installed_base:"), text.index("  cloud.revenue_base:")
    path.write_text(text[:start] + text[end:])
    assert problems(small, "assumptions/beta.yaml") == [
        at("assumptions/beta.yaml", "assumptions") + ": needs accelerators.installed_base, "
        "accelerators.installed_base_performance, accelerators.performance, accelerators.performance_change for the "
        f"accelerators in service and their compute (scenario {name}, horizon 2025-2027)" for name in ("base", "high")]


def test_an_exchange_rate_has_an_upper_bound(small):
    text = small.path("assumptions/fx.yaml").read_text()
    small.edit("assumptions/fx.yaml", "value: 8.0", "value: 2e6")
    line = text[: text.index("value: 8.0")].count("\n") + 1
    assert problems(small) == [f"assumptions/fx.yaml:{line}: CNY.value: rate 2e+06 is above 1e+06, the largest "
                               "plausible exchange rate"]


def test_plan_phasing_weights_are_not_all_zero(small):
    small.edit("assumptions/alpha.yaml", "  capex.post_plan_growth:", """  capex.plan_phasing:
    value: {2025: 0, 2026: 0}
    unit: ratio
    period: 2025-2026
    confidence: low
    as_of: 2025-05-31
    sources:
      - ref: analyst-judgement
        rationale: even

  capex.post_plan_growth:""")
    assert problems(small, "assumptions/alpha.yaml") == [
        at("assumptions/alpha.yaml", "capex.plan_phasing.value") + ": capex.plan_phasing needs at "
                               "least one weight above zero"]


# ------------------------------------------------------------------------------------------------- years and dates
@pytest.mark.parametrize("year", [1850, 2150])
def test_periods_series_and_horizons_lie_in_the_year_window(small, year):
    small.edit("assumptions/alpha.yaml", "    period: 2025-2026\n", f"    period: {year}-2026\n"
               if year < 2026 else f"    period: 2025-{year}\n")
    small.edit("assumptions/alpha.yaml", "    value: 0.5\n", f"    value: {{2025: 0.5, {year}: 0.4}}\n")
    small.edit("scenarios/base.yaml", "horizon: [2025, 2027]", f"horizon: [2025, {year}]")
    range_text = f"{year}-2026" if year < 2026 else f"2025-{year}"
    assert sorted(problems(small)) == [
        at("assumptions/alpha.yaml", "ai_chips.growth.value") + f": series key {year} lies outside the years 1990-2100",
        at("assumptions/alpha.yaml", "capex.plan_total.period") + f": period '{range_text}': year {year} lies outside "
        f"the years 1990-2100",
        at("scenarios/base.yaml", "horizon") + f": horizon year {year} lies outside the years 1990-2100",
    ]


def test_a_date_that_does_not_exist_is_located(small):
    small.edit("assumptions/alpha.yaml", "    as_of: 2025-03-01\n", "    as_of: 2025-02-30\n")
    assert problems(small, "assumptions/alpha.yaml") == [
        at("assumptions/alpha.yaml", "capex.plan_total.as_of") + ": 2025-02-30 is not a real date"]


def test_a_date_outside_the_window(small):
    small.edit("assumptions/alpha.yaml", "    as_of: 2025-03-01\n", "    as_of: 1850-03-01\n")
    assert problems(small, "assumptions/alpha.yaml") == [
        at("assumptions/alpha.yaml", "capex.plan_total.as_of") + ": date 1850-03-01 lies outside "
                               "the years 1990-2100"]


def test_validate_and_run_refuse_a_bad_date_without_a_traceback(small):
    small.edit("assumptions/sources.yaml", "2025-03-01", "2025-02-30")
    code, lines = validate()
    assert code == 1
    assert lines[0].endswith("date: 2025-02-30 is not a real date")
    result = runner.invoke(app, ["run", "base"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)  # an exit, not a traceback
    assert "2025-02-30 is not a real date" in result.output


# ---------------------------------------------------------------------------------------------------- YAML is data
@pytest.mark.parametrize(("text", "line", "key", "tag"), [
    ("company: !!str alpha\n", 1, "company", "tag:yaml.org,2002:str"),
    ("company: alpha\nassumptions: !custom {}\n", 2, "assumptions", "!custom"),
    ("company: alpha\nnotes: !!seq [a]\n", 2, "notes", "tag:yaml.org,2002:seq"),
    ("--- !!map\ncompany: alpha\n", 1, "", "tag:yaml.org,2002:map"),
])
def test_a_tag_on_any_node_is_refused(small, text, line, key, tag):
    small.write("assumptions/gamma.yaml", text)
    where = f" {key}:" if key else ""
    assert f"assumptions/gamma.yaml:{line}:{where} YAML tags ({tag}) are not allowed in input files" in problems(small)


def test_deep_nesting_is_refused_without_a_recursion_error(small):
    small.write("assumptions/gamma.yaml", "[" * 100_000 + "]" * 100_000)
    assert "assumptions/gamma.yaml:1: nesting deeper than 32 levels; input files are data a few levels deep" \
        in problems(small)


def test_deep_block_nesting_is_refused(small):
    text = "".join(f"{' ' * level}k{level}:\n" for level in range(40)) + " " * 40 + "x: 1\n"
    small.write("assumptions/gamma.yaml", text)
    assert "assumptions/gamma.yaml:33: nesting deeper than 32 levels; input files are data a few levels deep" \
        in problems(small)


# ------------------------------------------------------------------------------------------------ confined reads
@pytest.mark.parametrize("parent", ["../../etc/x", "/etc/passwd", "sub/base"])
def test_extends_is_a_scenario_name_not_a_path(small, parent):
    small.edit("scenarios/high.yaml", "extends: base", f"extends: {parent}")
    assert at("scenarios/high.yaml", "extends") + f": '{parent}' is not a scenario name; extends names a scenario " \
           "in the same folder, such as base" in problems(small)


def test_extends_accepts_a_yaml_suffix(small):
    small.edit("scenarios/high.yaml", "extends: base", "extends: base.yaml")
    assert problems(small) == []


def test_a_company_file_symlinked_out_of_its_folder_is_refused(small, tmp_path):
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text(small.path("assumptions/beta.yaml").read_text())
    small.path("assumptions/beta.yaml").unlink()
    small.path("assumptions/beta.yaml").symlink_to(outside)
    assert problems(small, "assumptions/beta.yaml") == [f"assumptions/beta.yaml: is a symlink to {outside}, outside its folder; only files "
                               "inside the folder are read"]


def test_a_symlink_within_the_folder_is_read(small):
    small.path("assumptions/kept").mkdir()
    small.path("assumptions/beta.yaml").rename(small.path("assumptions/kept/beta.yaml"))
    small.path("assumptions/beta.yaml").symlink_to("kept/beta.yaml")
    assert problems(small) == []


def test_a_fifo_named_like_a_company_file_is_refused_without_hanging(small):
    os.mkfifo(small.path("assumptions/gamma.yaml"))
    assert problems(small, "assumptions/gamma.yaml") == ["assumptions/gamma.yaml: is a FIFO, not a regular file"]


def test_a_folder_named_like_a_company_file_is_refused(small):
    small.path("assumptions/gamma.yaml").mkdir()
    assert problems(small, "assumptions/gamma.yaml") == ["assumptions/gamma.yaml: is a folder, not a regular file"]


def test_a_scenario_path_the_user_names_must_be_a_regular_file(small):
    os.mkfifo(small.path("pipe.yaml"))
    with pytest.raises(UsageError, match=r"^scenario 'pipe.yaml' is not a regular file$"):
        find_scenario("pipe.yaml")
    with pytest.raises(UsageError, match=r"^scenario './pipe.yaml' is not a regular file$"):
        find_scenario("./pipe.yaml")


@pytest.mark.parametrize("file", ["../../../etc/passwd", "/etc/passwd", "seeds/../../x.txt"])
def test_a_source_file_must_lie_inside_the_sources_folder(small, file):
    small.edit("assumptions/sources.yaml", "    kind: filing\n", f"    kind: filing\n    file: {file}\n")
    found = problems(small)
    assert len(found) == 1 and found[0].endswith(
        f"file: '{file}' must be a path inside the sources folder (relative, without '..')")
    assert found[0].startswith("assumptions/sources.yaml:")


def test_a_source_text_symlinked_out_of_the_sources_folder_is_refused(small, tmp_path):
    sources = small.path("texts")
    sources.mkdir()
    (tmp_path / "secret.txt").write_text("RMB 30 billion over two years")
    (sources / "alpha.txt").symlink_to(tmp_path / "secret.txt")
    small.edit("assumptions/sources.yaml", "    kind: filing\n", "    kind: filing\n    file: alpha.txt\n")
    code, lines = validate("--sources", "texts")
    assert code == 1
    assert any(line.endswith(f"file: texts/alpha.txt is a symlink to {tmp_path / 'secret.txt'}, outside its "
                             "folder; only files inside the folder are read") for line in lines), lines


def test_a_source_text_over_the_size_limit_is_refused(small):
    sources = small.path("texts")
    sources.mkdir()
    (sources / "alpha.txt").write_text("x" * 5_000_001)
    small.edit("assumptions/sources.yaml", "    kind: filing\n", "    kind: filing\n    file: alpha.txt\n")
    code, lines = validate("--sources", "texts")
    assert code == 1
    assert any(line.endswith("file: texts/alpha.txt file is 5,000,001 bytes; source texts are limited to 5 MB")
               for line in lines), lines


# -------------------------------------------------------------------------------------------- finite projections
def test_an_overflow_in_the_float32_draws_fails_the_run_naming_its_cause(small):
    # valid inputs at the top of their intervals: 1e15 CNY of capex growing tenfold a year overflows float32
    small.edit("assumptions/alpha.yaml", PLAN_VALUE, "    value: 900000\n")
    small.edit("assumptions/alpha.yaml", "RMB 30 billion", "RMB 900000 billion")  # evidence that passes the audit
    small.edit("assumptions/alpha.yaml", "    value: 0.2\n", "    value: 9\n")
    small.edit("scenarios/base.yaml", "horizon: [2025, 2027]", "horizon: [2025, 2070]")
    assert runner.invoke(app, ["run", "base"]).exit_code == 0  # float64 holds it
    result = runner.invoke(app, ["run", "base", "--draws", "200"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith("assumptions/alpha.yaml: alpha capex ")
    assert lines[0].endswith(" is not finite in the draws, which are computed in float32 (largest about 3.4e38); "
                             "it overflows or divides by zero. The assumptions of alpha that feed it:")
    assert at("assumptions/alpha.yaml", "alpha.capex.post_plan_growth") + ": 9 ratio" in lines


def test_a_price_that_underflows_to_zero_fails_the_deterministic_run(small):
    small.edit("assumptions/alpha.yaml", "    value: -0.5\n", "    value: -0.9999\n")
    small.edit("scenarios/base.yaml", "horizon: [2025, 2027]", "horizon: [2025, 2100]")
    with pytest.raises(InputError) as caught:
        from model.analysis.projection import run
        run(load_inputs(small.path("scenarios/base.yaml")))
    first = str(caught.value.problems[0])
    assert first.startswith("assumptions/alpha.yaml: alpha accelerators_bought ")
    assert "is not finite with every assumption at its value" in first


def test_check_finite_names_the_first_year_and_company(small):
    inputs = load_inputs(small.path("scenarios/base.yaml"))
    values = np.ones((1, 2, 3))
    values[0, 1, 2] = np.inf
    values[0, 0, 1] = np.nan
    with pytest.raises(InputError) as caught:
        check_finite(inputs, {"capex": np.ones((1, 2, 3)), "cloud_revenue": values}, "here")
    assert str(caught.value.problems[0]).startswith("assumptions/alpha.yaml: alpha cloud_revenue 2026 is not finite "
                                                    "here;")
    check_finite(inputs, {"capex": np.ones((1, 2, 3))}, "here")  # finite: no error
    draws = np.ones((4, 2, 3))
    draws[2, 1, 0] = np.inf  # one draw of beta's first year
    with pytest.raises(InputError) as caught:
        check_finite(inputs, {"capex": draws}, "in the draws")
    assert str(caught.value.problems[0]).startswith("assumptions/beta.yaml: beta capex 2025 is not finite in the draws;")


def test_sensitivity_refuses_a_non_finite_output(small):
    small.edit("assumptions/alpha.yaml", "    value: -0.5\n", "    value: -0.9999\n")
    small.edit("scenarios/base.yaml", "horizon: [2025, 2027]", "horizon: [2025, 2100]")
    result = runner.invoke(app, ["sensitivity", "base", "--metric", "accelerators_bought"])
    assert result.exit_code == 1
    assert result.output.splitlines()[0].startswith("assumptions/alpha.yaml: alpha accelerators_bought ")
    assert "is not finite in the sensitivity analysis's draws" in result.output.splitlines()[0]


def test_a_reported_figure_must_be_finite_and_dated(small):
    small.path("assumptions/actuals").mkdir()
    small.write("assumptions/actuals/reported.yaml", """actuals:
  - company: alpha
    metric: capex
    value: .inf
    unit: CNY bn
    period: 2025
    basis: outturn
    confidence: high
    as_of: 2025-02-30
    sources:
      - ref: alpha-filing
        excerpt: "RMB 30 billion"
""")
    with pytest.raises(InputError) as caught:
        read_yaml(small.path("assumptions/actuals/reported.yaml"))
    assert [str(p) for p in caught.value.problems] == [
        at("assumptions/actuals/reported.yaml", "actuals[0].as_of") + ": 2025-02-30 is not a real date"]
    small.edit("assumptions/actuals/reported.yaml", "2025-02-30", "2025-03-30")
    result = runner.invoke(app, ["backtest", "base"])
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        at("assumptions/actuals/reported.yaml", "actuals[0].value") + ": value must be a "
                                             "finite number, not inf (a number this large overflows)")


def test_a_committed_symlink_out_of_the_project_is_refused_at_its_revision(tmp_path, isolated_git):
    from model.io.revisions import at_revision
    from tests.conftest import committed, git
    root = committed(tmp_path / "repo")
    (root / "assumptions/beta.yaml").unlink()
    (root / "assumptions/beta.yaml").symlink_to("/etc/passwd")
    git(root, "commit", "-qam", "a link out")
    with pytest.raises(UsageError, match=r"^the inputs at HEAD cannot be read safely: "):
        at_revision(root, "HEAD")


def test_a_date_with_a_time_of_day_is_refused(small):
    small.edit("assumptions/alpha.yaml", "    as_of: 2025-03-01\n", "    as_of: 2025-03-01 10:00:00\n")
    assert problems(small, "assumptions/alpha.yaml") == [
        at("assumptions/alpha.yaml", "capex.plan_total.as_of") + ": a date is written 2025-02-24, without a time of "
        "day, not 2025-03-01T10:00:00"]


def test_validate_reports_a_value_too_large_for_the_source_audit_without_a_traceback(small):
    small.edit("assumptions/alpha.yaml", PLAN_VALUE, "    value: 1e308\n")
    code, lines = validate()
    assert code == 1
    assert lines[0] == at("assumptions/alpha.yaml", "capex.plan_total.value") + ": 1e+308 is outside the valid " \
                       "interval (0, 1e+06]"
