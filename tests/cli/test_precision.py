"""`--precision` on `scenario run` and `scenario sensitivity`: how many draws or samples it took, in the terminal and
the manifest, the same bytes for the same seed, and every bad value a usage error."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from model.cli import app
from model.cli.common import ProgressBar

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args))


def message(result) -> str:  # typer boxes its usage errors; the words are what matter
    return " ".join(result.stderr.replace("│", " ").split())


def test_run_draws_until_precise_and_says_how_many_draws_it_took(small):
    result = invoke("run", "base", "--precision", "1%", "--seed", "2")
    assert result.exit_code == 0, result.output
    drawn = re.search(r"Drawn until precise: ([\d,]+) draws brought them to (0\.\d+|1\.0)%, within --precision "
                      r"1\.0%\.", result.stdout)
    assert drawn, result.stdout
    draws = int(drawn.group(1).replace(",", ""))
    assert f"; {draws:,} draws, value (median)" in result.stdout
    assert result.stderr == ""
    run = small.path("outputs/base")
    manifest = json.loads(run.joinpath("manifest.json").read_text())
    assert manifest["settings"]["draws"] == draws and manifest["settings"]["precision"] == 0.01
    assert manifest["settings"]["precision_reached"] is True and manifest["settings"]["draws_cap"] >= 10**6
    assert f"Drawn until precise: {draws:,} draws brought them to {drawn.group(2)}%, within --precision 1.0%." in \
        run.joinpath("report.html").read_text()


def test_the_same_seed_and_precision_give_identical_files(small, tmp_path):
    for out in ("one", "two"):
        result = invoke("run", "base", "--precision", "0.005", "--seed", "5", "--out", str(tmp_path / out))
        assert result.exit_code == 0, result.output
    for name in ("projection.csv", "leads.csv", "overtakes.csv", "manifest.json", "report.html"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), name


def test_a_precision_too_strict_for_the_draws_stops_at_them_with_a_warning(small):
    result = invoke("run", "base", "--precision", "0.01%", "--draws", "3000")
    assert result.exit_code == 0, result.output
    assert re.fullmatch(
        r"warning: --precision 0\.01% was not reached within 3,000 draws \(--draws\): the percentiles' standard "
        r"errors are still up to \d+\.\d\d% of their interval's width \((Alpha|Beta), [^)]+\)\); about [\d,]+ draws "
        r"would reach it\n", result.stderr), result.stderr
    assert ("Drawn until precise (--precision 0.01%), but stopped at the cap of 3,000 draws (--draws) short of it."
            in result.stdout)
    settings = json.loads(small.path("outputs/base/manifest.json").read_text())["settings"]
    assert settings == {"draws": 3000, "seed": 0, "sampler": "sobol", "precision": 0.0001,
                        "precision_reached": False, "draws_cap": 3000}


@pytest.mark.parametrize("value", ["0", "-0.01", "nan", "inf", "1", "150%", "abc", ""])
def test_a_bad_precision_is_a_usage_error_and_nothing_is_written(small, value):
    for command in (["run", "base"], ["sensitivity", "base", "--method", "sobol"]):
        result = invoke(*command, "--precision", value)
        assert result.exit_code == 2, result.output
        assert result.stderr == (f"error: --precision must be a share between 0 and 1, such as 0.01 or 1%, not "
                                 f"'{value}'\n")
    assert not small.path("outputs/base").exists() and not small.path("outputs/base-sobol").exists()


def test_precision_needs_room_to_draw_and_a_sampled_method(small):
    result = invoke("run", "base", "--precision", "1%", "--draws", "1")
    assert result.exit_code == 2
    assert result.stderr == "error: --precision draws until precise, at most --draws: give --draws 2 or more, not 1\n"
    result = invoke("sensitivity", "base", "--method", "tornado", "--precision", "0.05")
    assert result.exit_code == 2
    assert result.stderr == ("error: --precision grows a sampled method's sample; --method tornado is not sampled "
                             "(use --method sobol)\n")
    result = invoke("run", "base", "--precision", "1%", "--draws", "2000000000")
    assert result.exit_code == 2 and "--draws 2,000,000,000 is above the ceiling" in message(result)
    result = invoke("sensitivity", "base", "--method", "sobol", "--precision", "0.05", "--samples", "1000")
    assert result.exit_code == 2 and "samples must be a power of two" in message(result)
    assert not small.path("outputs").exists() or not any(small.path("outputs").iterdir())


def test_sobol_grows_its_sample_until_precise_and_says_the_size(small):
    result = invoke("sensitivity", "base", "--method", "sobol", "--metric", "capex", "--year", "2025",
                    "--precision", "0.07", "--seed", "3")
    assert result.exit_code == 0, result.output
    # the sample the analysis layer's test finds for the same output and seed: 8,192 rows, 24 assumptions + 2
    assert re.search(r"Widest 95% bootstrap interval of an index: 0\.0\d\d \((Alpha|Beta)\); 8,192 samples, [\d,]+ "
                     r"runs of the model: the sample grown until the widest interval was at most 0\.07 \(--precision\)",
                     result.stdout), result.stdout
    settings = json.loads(small.path("outputs/base-sobol/manifest.json").read_text())["settings"]
    assert settings["samples"] == 8192 and settings["precision"] == 0.07 and settings["precision_reached"] is True


def test_sobol_stops_at_its_samples_short_of_a_strict_precision(small):
    result = invoke("sensitivity", "base", "--method", "sobol", "--metric", "capex", "--year", "2025",
                    "--precision", "0.001", "--samples", "128")
    assert result.exit_code == 0, result.output
    assert re.search(r"warning: --precision 0\.001 was not reached within 128 samples \(--samples\): the widest "
                     r"Sobol' interval is still \d\.\d{3} wide \((Alpha|Beta), [a-z.]+\); about [\d,]+ samples would "
                     r"reach it", result.stderr), result.stderr
    assert "128 samples" in result.stdout
    assert "stopped at the cap of the sample, short of --precision 0.001" in result.stdout


def test_a_progress_bar_without_a_total_counts_up_and_shows_the_time_spent():
    known = [type(column).__name__ for column in ProgressBar("draws", 100).columns()]
    unknown = [type(column).__name__ for column in ProgressBar("draws until precise", None).columns()]
    assert known == ["TextColumn", "BarColumn", "MofNCompleteColumn", "TimeRemainingColumn"]
    assert unknown == ["TextColumn", "BarColumn", "TextColumn", "TimeElapsedColumn"]
    bar = ProgressBar("draws until precise", None, after=0)
    with bar:
        bar.advance(32768)
        bar.advance(32768)
    assert bar.done == 65536
