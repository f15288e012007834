"""`scenario sensitivity --method shapley` on the small project: its folder, its terminal, its refusals."""

from __future__ import annotations

import json
import re

import pytest

from model.io.loading import load_inputs
from tests.analysis.test_shapley import CORRELATED_PRICES
from tests.cli.test_cli import invoke


def test_shapley_prints_priorities_and_writes_its_folder(small):
    small.edit("scenarios/base.yaml", "as_of: 2025-05-31\n", CORRELATED_PRICES.format(rank=0.8))
    result = invoke("sensitivity", "base", "--method", "shapley", "--metric", "accelerators_installed",
                    "--samples", "512", "--seed", "3")
    assert result.exit_code == 0, result.output
    assert "Alpha: accelerators_installed in 2027 (thousand units)" in result.stdout
    assert "beta.accelerators.unit_price" in result.stdout.split("Beta:")[0]  # in Alpha's table: its share
    runs = 512 * (len(load_inputs(small.path("scenarios/base.yaml")).resolved) + 1)
    assert re.search(rf"Widest 95% interval of a Shapley effect: 0\.\d{{3}} \((Alpha|Beta)\); 512 samples, "
                     rf"{runs:,} runs of the model", result.stdout)
    assert "warning: the scenario's 1 rank correlations are applied" in result.stderr
    folder = small.path("outputs/base-shapley")
    manifest = json.loads(folder.joinpath("manifest.json").read_text())
    assert manifest["outputs"] == ["base-shapley.xlsx", "charts/shapley.png", "charts/shapley.svg",
                                   "charts/shapley.vl.json", "manifest.json", "priorities.csv", "shapley.csv"]
    assert manifest["settings"] == {"method": "shapley", "metric": "accelerators_installed", "year": 2027,
                                    "companies": [], "samples": 512, "seed": 3, "confidence": 0.95,
                                    "evaluations": runs, "correlations": 1}
    assert folder.joinpath("shapley.csv").read_text().startswith(
        "scenario,metric,unit,company,year,key,shapley,shapley_low,shapley_high,standard_error,correlated_with\n")
    first = {name: folder.joinpath(name).read_bytes() for name in ("shapley.csv", "priorities.csv")}
    again = invoke("sensitivity", "base", "--method", "shapley", "--metric", "accelerators_installed",
                   "--samples", "512", "--seed", "3")
    assert again.exit_code == 0, again.output
    assert {name: folder.joinpath(name).read_bytes() for name in first} == first  # same inputs and seed: same bytes


def test_sobol_on_a_correlated_scenario_ranks_its_priorities_by_shapley_effects(small):
    small.edit("scenarios/base.yaml", "as_of: 2025-05-31\n", CORRELATED_PRICES.format(rank=0.8))
    result = invoke("sensitivity", "base", "--method", "sobol", "--metric", "accelerators_installed",
                    "--samples", "512", "--seed", "3")
    assert result.exit_code == 0, result.output
    alpha = result.stdout.split("Beta:")[0]
    assert "shapley" in alpha and "correlated_with" in alpha and "first_order" in alpha
    assert "beta.accelerators.unit_price" in alpha  # no Sobol' index for Alpha, but a Shapley share
    assert ("warning: the research priorities are ranked by Shapley effects, which apply the scenario's 1 rank "
            "correlations (512 samples; --method shapley gives them alone)") in result.stderr
    k = len(load_inputs(small.path("scenarios/base.yaml")).resolved)
    assert re.search(rf"{512 * (k + 2):,} runs of the model, and {512 * (k + 1):,} for the priorities' Shapley "
                     r"effects \(512 samples\)", result.stdout)
    folder = small.path("outputs/base-sobol")
    assert {"sobol.csv", "shapley.csv", "priorities.csv"} <= {path.name for path in folder.iterdir()}
    assert folder.joinpath("priorities.csv").read_text().startswith(
        "scenario,metric,year,company,rank,key,shapley,variance_share,confidence,flags,correlated_with,dig\n")
    settings = json.loads(folder.joinpath("manifest.json").read_text())["settings"]
    assert (settings["priorities_by"], settings["shapley_samples"]) == ("shapley", 512)


@pytest.mark.parametrize(("samples", "message"), [
    ("0", "error: --samples for Shapley effects must be a whole number of draws, at least 64 (such as 8192), not 0\n"),
    ("63", "error: --samples for Shapley effects must be a whole number of draws, at least 64 (such as 8192), not 63\n"),
    ("-1", "error: --samples for Shapley effects must be a whole number of draws, at least 64 (such as 8192), not -1\n"),
])
def test_a_sample_too_small_is_refused_before_anything_is_written(small, samples, message):
    result = invoke("sensitivity", "base", "--method", "shapley", "--samples", samples)
    assert result.exit_code == 2 and result.stderr == message
    assert not small.path("outputs/base-shapley").exists()


def test_a_sample_beyond_the_machine_or_not_a_number_is_refused(small):
    result = invoke("sensitivity", "base", "--method", "shapley", "--samples", str(10**12))
    assert result.exit_code == 2
    assert re.fullmatch(r"error: --samples 1,000,000,000,000 is [\d,]+ runs of the model \(\d+ assumptions \+ 1\), "
                        r"above the ceiling of 1,000,000,000 \(about 20 minutes\); the most this machine can do is "
                        r"--samples [\d,]+\n", result.stderr)
    for text in ("many", "1e4", "nan"):
        result = invoke("sensitivity", "base", "--method", "shapley", "--samples", text)
        assert result.exit_code == 2 and "Invalid value for '--samples'" in result.output, text
    assert not small.path("outputs/base-shapley").exists()
