"""`scenario compare`: the comparison of headline figures checked by hand on the small project (base and high), its
four formats, the folder it writes, run folders as inputs, and the usage errors."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from model.analysis.compare import comparison, side_by_side
from model.analysis.projection import headline, run, tidy_headline
from model.catalogue import HEADLINE
from model.cli import app
from model.cli.sides import load_sides
from model.io.loading import load_inputs
from model.present.compare import to_records
from tests.conftest import SMALL, at

runner = CliRunner()

# By hand, from tests/fixtures/small (USD, 8 CNY per USD). Alpha's capex in 2025 is half its plan: base RMB 30bn
# / 2 / 8 = 1.875, high RMB 60bn / 2 / 8 = 3.75. Its capex over 2025-2027 is 1.875 + 1.875 + 1.875 x 1.2 = 6.0 in
# base, 12.0 in high. Beta's is 3.0 + 3.9 + 4.29 = 11.19 in both.
ALPHA_SHARE_BASE = 6.0 / (6.0 + 11.19)
ALPHA_SHARE_HIGH = 12.0 / (12.0 + 11.19)


def invoke(*args: str):
    return runner.invoke(app, list(args))


def test_a_headline_from_a_tidy_frame_equals_the_projections():
    projection = run(load_inputs(SMALL / "scenarios" / "base.yaml"))
    pd.testing.assert_frame_equal(tidy_headline(projection.tidy()), headline(projection))


def test_a_tidy_frame_without_a_headline_metric_is_refused():
    frame = run(load_inputs(SMALL / "scenarios" / "base.yaml")).tidy()
    with pytest.raises(ValueError, match="the frame has no rows for metric ai_revenue"):
        tidy_headline(frame[frame["metric"] != "ai_revenue"])


def test_the_comparison_by_hand(small):
    long = comparison({side.label: side.frame for side in load_sides(["base", "high"])})
    rows = long.set_index(["company", "measure", "scenario"]).sort_index()
    capex = rows.loc[("Alpha", "Capex 2025 (USD bn)")]
    assert capex.loc["base", ["value", "change", "relative_change"]].tolist() == pytest.approx([1.875, 0.0, 0.0])
    assert capex.loc["high", ["value", "change", "relative_change"]].tolist() == pytest.approx([3.75, 1.875, 1.0])
    assert rows.loc[("Alpha", "Capex 2025-2027 (USD bn)", "high"), "change"] == pytest.approx(12.0 - 6.0)
    share = rows.loc[("Alpha", "Share of capex 2025-2027", "high")]
    assert share["value"] == pytest.approx(ALPHA_SHARE_HIGH)
    assert share["change"] == pytest.approx(ALPHA_SHARE_HIGH - ALPHA_SHARE_BASE)
    assert share["relative_change"] == pytest.approx(ALPHA_SHARE_HIGH / ALPHA_SHARE_BASE - 1)
    # Beta spends the same, but its share falls: 11.19 / 23.19 against 11.19 / 17.19
    beta = rows.loc[("Beta", "Share of capex 2025-2027", "high")]
    assert beta["relative_change"] == pytest.approx(17.19 / 23.19 - 1)
    assert rows.loc[("Beta", "Capex 2027 (USD bn)", "high"), "change"] == 0
    assert list(long.columns) == ["company", "measure", "metric", "year", "unit", "scenario", "value", "change",
                                  "relative_change"]
    assert long["company"].drop_duplicates().tolist() == ["Alpha", "Beta"]
    assert long.loc[long["measure"] == "Capex 2025-2027 (USD bn)", ["metric", "year", "unit"]].iloc[0].tolist() == [
        "capex_cumulative", 2027, "USD bn"]


def test_a_reference_of_zero_has_no_percentage():
    frame = run(load_inputs(SMALL / "scenarios" / "base.yaml")).tidy()
    zero = frame.assign(value=frame["value"].where(frame["metric"] != "ai_revenue", 0.0), scenario="zero")
    long = comparison({"zero": zero, "base": frame})
    row = long[(long["scenario"] == "base") & (long["measure"] == "AI revenue 2027 (USD bn)")].iloc[0]
    assert row["change"] == pytest.approx(0.5 if row["company"] == "Beta" else 0.3993)
    assert pd.isna(row["relative_change"])


def test_the_table_format_shows_values_and_signed_changes(small):
    result = invoke("compare", "base", "high")
    assert result.exit_code == 0, result.output
    assert "Headline results (USD); changes from base" in result.stdout
    lines = [line for line in result.stdout.splitlines() if "Alpha" in line and "Share of capex" in line]
    assert len(lines) == 1
    assert [cell.strip() for cell in lines[0].split("│")[1:-1]] == [
        "Alpha", "Share of capex 2025-2027", "34.9%", "51.7%", "+16.8 pp", "+48.3%"]
    assert "wrote outputs/compare-base-high/" in result.stdout


def test_the_markdown_format(small):
    result = invoke("compare", "base", "high", "--format", "markdown")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "| Company | Measure | base | high | high - base | high - base (%) |"
    assert "| Alpha | Capex 2025-2027 (USD bn) | 6.0 | 12.0 | +6.0 | +100.0% |" in lines
    assert "| Beta | Share of capex 2025-2027 | 65.1% | 48.3% | -16.8 pp | -25.9% |" in lines
    assert "| Beta | Accelerators in service 2027 (k) | 208 | 208 | 0 | 0.0% |" in lines
    assert result.stderr == "wrote outputs/compare-base-high/\n"  # stdout stays pasteable


def test_the_csv_format_is_the_side_by_side_table(small):
    result = invoke("compare", "base", "high", "--format", "csv")
    assert result.exit_code == 0, result.output
    table = pd.read_csv(io.StringIO(result.stdout))
    assert list(table.columns) == ["company", "measure", "metric", "year", "unit", "base", "high", "high - base",
                                   "high - base (relative)"]
    row = table[(table["company"] == "Alpha") & (table["measure"] == "Capex 2025 (USD bn)")].iloc[0]
    assert row[["base", "high", "high - base", "high - base (relative)"]].tolist() == pytest.approx(
        [1.875, 3.75, 1.875, 1.0])
    # a row per company and headline figure
    figures = [cell.label(2025, 2027, "USD") for cell in HEADLINE]
    assert list(zip(table["company"], table["measure"])) == [(c, f) for c in ("Alpha", "Beta") for f in figures]
    assert result.stdout == small.path("outputs/compare-base-high/compare.csv").read_text()


def test_the_json_format(small):
    result = invoke("compare", "base", "high", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["reference"] == "base" and data["scenarios"] == ["base", "high"]
    row = next(r for r in data["rows"] if r["company"] == "Alpha" and r["measure"] == "Capex 2025-2027 (USD bn)")
    assert row == {"company": "Alpha", "measure": "Capex 2025-2027 (USD bn)", "metric": "capex_cumulative",
                   "year": 2027, "unit": "USD bn", "values": {"base": 6.0, "high": 12.0}, "change": {"high": 6.0},
                   "relative_change": {"high": 1.0}}
    assert json.loads(small.path("outputs/compare-base-high/compare.json").read_text()) == data


def test_the_folder_holds_tables_charts_and_manifest(small):
    assert invoke("compare", "base", "high").exit_code == 0
    folder = small.path("outputs/compare-base-high")
    names = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
    charts = [f"charts/{metric}.{suffix}" for metric in ("accelerators_installed", "ai_chip_spend", "capex",
                                                        "cloud_market_revenue", "cloud_revenue", "compute_installed",
                                                        "group_revenue")
              for suffix in ("png", "svg", "vl.json")]
    assert names == [*charts, "compare-base-high.xlsx", "compare.csv", "compare.json", "manifest.json"]
    manifest = json.loads(folder.joinpath("manifest.json").read_text())
    assert manifest["scenario"] == "compare-base-high"
    assert manifest["settings"] == {"reference": "base", "compared": [
        {"label": "base", "kind": "scenario", "path": "scenarios/base.yaml"},
        {"label": "high", "kind": "scenario", "path": "scenarios/high.yaml"}]}
    assert [i["path"] for i in manifest["inputs"]] == [
        "scenarios/base.yaml", "assumptions/sources.yaml", "assumptions/fx.yaml", "assumptions/market.yaml",
        "assumptions/alpha.yaml", "assumptions/beta.yaml", "scenarios/high.yaml"]
    spec = json.loads(folder.joinpath("charts/capex.vl.json").read_text())
    assert spec["spec"]["layer"][0]["encoding"]["color"]["scale"]["domain"] == ["base", "high"]
    data = next(iter(spec["datasets"].values()))
    assert {(row["scenario"], row["company"], row["year"], row["value"]) for row in data} >= {
        ("base", "Alpha", 2025, 1.875), ("high", "Alpha", 2025, 3.75)}


def test_a_run_folder_compares_with_a_fresh_run(small):
    assert invoke("run", "base").exit_code == 0
    # after the run, Alpha's plan grows from RMB 30bn to 45bn: capex 2025 is 45 / 2 / 8 = 2.8125
    small.edit("assumptions/alpha.yaml", "value: 30\n", "value: 45\n")
    result = invoke("compare", "base", "outputs/base", "--format", "csv")
    assert result.exit_code == 0, result.output
    table = pd.read_csv(io.StringIO(result.stdout)).set_index(["company", "measure"])
    # the fresh scenario keeps its name; the run folder of the same name is told apart
    assert table.loc[("Alpha", "Capex 2025 (USD bn)"), ["base", "base-run", "base-run - base",
                                                        "base-run - base (relative)"]].tolist() == pytest.approx(
        [2.8125, 1.875, -0.9375, -1 / 3])
    manifest = json.loads(small.path("outputs/compare-base-base-run/manifest.json").read_text())
    assert manifest["settings"]["compared"][1] == {"label": "base-run", "kind": "run folder", "path": "outputs/base"}
    assert "outputs/base/projection.csv" in [i["path"] for i in manifest["inputs"]]


def test_a_bare_name_is_a_scenario_first_then_a_folder_in_outputs(small):
    assert invoke("run", "high").exit_code == 0
    assert invoke("run", "high", "--out", "outputs/high-before").exit_code == 0
    small.edit("scenarios/high.yaml", "value: 60", "value: 90")
    result = invoke("compare", "high-before", "high", "outputs/high", "--format", "json")
    assert result.exit_code == 0, result.output
    row = next(r for r in json.loads(result.stdout)["rows"]
               if r["company"] == "Alpha" and r["measure"] == "Capex 2025 (USD bn)")
    # "high" is a scenario and a folder in outputs/: it means the scenario, run afresh with RMB 90bn (90 / 2 / 8)
    assert row["values"] == {"high-before": 3.75, "high": 5.625, "high-run": 3.75}
    assert small.path("outputs/compare-high-before-high-high-run").is_dir()
    # a run folder named like a scenario is told apart wherever it comes
    assert [s.label for s in load_sides(["outputs/high", "high"])] == ["high-run", "high"]
    assert [(s.label, s.kind) for s in load_sides(["base", "high-before"])] == [
        ("base", "scenario"), ("high-before", "run folder")]


def test_run_folders_with_draws_compare_their_values(small):
    assert invoke("run", "base", "--draws", "64").exit_code == 0
    frame = load_sides(["outputs/base", "high"])[0].frame
    assert "p95" in frame.columns
    long = comparison({"base": frame, "high": load_sides(["base", "high"])[1].frame})
    assert side_by_side(long).set_index(["company", "measure"]).loc[("Alpha", "Capex 2025 (USD bn)"), "base"] == 1.875


def test_different_horizons_leave_gaps(small):
    small.write("scenarios/short.yaml", "name: short\ndescription: Two years.\nextends: base\nhorizon: [2025, 2026]\n")
    long = comparison({s.label: s.frame for s in load_sides(["base", "short"])})
    records = to_records(long)
    row = next(r for r in records["rows"] if r["company"] == "Alpha" and r["measure"] == "Capex 2027 (USD bn)")
    assert row["values"] == {"base": 2.25, "short": None} and row["change"] == {"short": None}
    result = invoke("compare", "base", "short", "--format", "markdown")
    assert "| Alpha | Capex 2027 (USD bn) | 2.2 | n/a | n/a | n/a |" in result.stdout.splitlines()
    assert "| Alpha | Capex 2026 (USD bn) | n/a | 1.9 | n/a | n/a |" in result.stdout.splitlines()


# ------------------------------------------------------------------------------------------------------- errors
def test_fewer_than_two_is_a_usage_error(small):
    result = invoke("compare", "base")
    assert result.exit_code == 2
    assert result.stderr == "error: compare needs at least two scenarios or run folders; got 1\n"
    assert invoke("compare").exit_code == 2


def test_an_unknown_name_lists_scenarios_and_run_folders(small):
    assert invoke("run", "base").exit_code == 0
    result = invoke("compare", "base", "hihg")
    assert result.exit_code == 2
    assert result.stderr == ("error: unknown scenario or run folder 'hihg'; scenarios: base, high; run folders in "
                             "outputs/: base\n")


def test_different_reporting_currencies_are_refused(small):
    small.write("scenarios/yuan.yaml", "name: yuan\ndescription: In yuan.\nextends: base\nreporting_currency: CNY\n")
    result = invoke("compare", "base", "yuan")
    assert result.exit_code == 2
    assert result.stderr == ("error: cannot compare results in different reporting currencies (base in USD, yuan in "
                             "CNY); give the scenarios one reporting_currency\n")
    assert not small.path("outputs/compare-base-yuan").exists()


def test_the_same_input_twice_is_refused(small):
    result = invoke("compare", "base", "scenarios/base.yaml")
    assert result.exit_code == 2
    assert result.stderr == "error: 'scenarios/base.yaml' is given twice (scenarios/base.yaml)\n"


def test_a_folder_without_a_run_is_refused(small):
    small.path("outputs/empty").mkdir(parents=True)
    result = invoke("compare", "base", "outputs/empty")
    assert result.exit_code == 2
    assert result.stderr == "error: outputs/empty is not a run folder: it has no projection.csv or manifest.json\n"


def test_a_damaged_projection_names_the_file(small):
    assert invoke("run", "base").exit_code == 0
    path = small.path("outputs/base/projection.csv")
    path.write_text(path.read_text().replace("scenario,company,year,metric,unit,value", "scenario,company,year,metric,unit,amount"))
    result = invoke("compare", "high", "outputs/base")
    assert result.exit_code == 1
    assert result.stderr == ("outputs/base/projection.csv: not a run's projection: the frame has no column(s) value\n"
                             "1 error; nothing was written\n")
    assert not small.path("outputs/compare-high-base").exists()


def test_two_run_folders_of_one_name_are_refused(small, tmp_path):
    assert invoke("run", "base").exit_code == 0
    (tmp_path / "elsewhere").mkdir()  # --out never makes a missing parent
    assert invoke("run", "base", "--out", str(tmp_path / "elsewhere" / "base")).exit_code == 0
    result = invoke("compare", "outputs/base", str(tmp_path / "elsewhere" / "base"))
    assert result.exit_code == 2
    assert result.stderr == "error: two inputs are both named 'base'; compare one of them under another name\n"


def test_a_warning_on_shared_files_is_printed_once(small):
    small.edit("assumptions/beta.yaml", "    confidence: low\n    as_of: 2025-04-01", "    confidence: high\n    as_of: 2025-04-01")
    result = invoke("compare", "base", "high")
    assert result.exit_code == 0, result.output
    assert result.stderr == (at("assumptions/beta.yaml", "ai_chips.share_of_capex.confidence")
                             + ": warning: high confidence rests only on unconfirmed sources\n")


# ------------------------------------------------------------------------------------------ cloud revenue bases
BASES_NOTE = ("* Cloud revenue and AI revenue mix bases, so they do not compare like for like; cloud market share and "
              "cloud market revenue do (one market total x each company's share):")


def test_the_cloud_revenue_rows_are_marked_where_a_side_mixes_bases(small):
    result = invoke("compare", "base", "high")
    assert result.exit_code == 0, result.output
    assert "Cloud revenue 2027 (USD bn) *" in result.stdout and "Capex 2027 (USD bn) *" not in result.stdout
    assert result.stdout.splitlines()[-4:-1] == [
        BASES_NOTE, "  base: Alpha segment-reported; Beta market-share-estimate",
        "  high: Alpha segment-reported; Beta market-share-estimate"]
    data = json.loads(small.path("outputs/compare-base-high/compare.json").read_text())
    assert data["bases"]["high"] == {"Alpha": "segment-reported", "Beta": "market-share-estimate"}


def test_a_basis_restated_by_a_scenario_is_marked_too(small):
    small.edit("assumptions/beta.yaml", "basis: market-share-estimate", "basis: segment-reported")
    assert "*" not in invoke("compare", "base", "high").stdout  # every figure on one basis
    small.edit("scenarios/high.yaml", "overrides:\n", """overrides:
  beta.cloud.revenue_base:
    value: 1
    basis: external-only
    rationale: the same figure, read as external sales only
    confidence: medium
    sources:
      - ref: beta-press
        excerpt: "US$1bn cloud revenue"
""")
    result = invoke("compare", "base", "high")
    assert result.exit_code == 0, result.output
    assert "AI revenue 2027 (USD bn) *" in result.stdout
    assert result.stdout.splitlines()[-3:-1] == ["  base: Alpha, Beta segment-reported",
                                                 "  high: Alpha segment-reported; Beta external-only"]
