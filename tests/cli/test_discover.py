"""`scenario discover` through typer's CliRunner on a copy of the small project: what it prints and writes, and every
bad event, draw count and output folder refused with its message and exit code."""

from __future__ import annotations

import json
import math

import pytest
from scipy.stats import norm
from typer.testing import CliRunner

from model.cli import app
from model.core.uncertainty import Z95

runner = CliRunner()
# Alpha's accelerator price in 2025 is its unit_price alone: the box is one limit (see tests/analysis)
PRICE_EVENT = "alpha accelerator_unit_price 2025 > 11000"


def invoke(*args: str):
    return runner.invoke(app, list(args))


def discover(*args: str, event: str = PRICE_EVENT, draws: str = "4096"):
    return invoke("discover", "base", "--event", event, "--draws", draws, *args)


def test_discover_prints_the_share_and_the_box_as_a_sentence_and_writes_its_folder(small):
    result = discover()
    assert result.exit_code == 0, result.output
    share = 1 - norm.cdf(math.log(1.1) / math.log(1.25) * Z95)  # 24.1%
    lines = result.stdout.splitlines()
    assert lines[0] == f"Alpha's accelerator unit price in 2025 > 11,000.0 USD in {share:.1%} of the 4,096 draws of base"
    assert lines[1].startswith("Box 1: Alpha's accelerator unit price in 2025 > 11,000.0 USD in 100.0% of draws with "
                               "Alpha's accelerator price above USD 11,0")
    assert "(coverage 9" in lines[1]
    assert lines[2].startswith("Tree (depth 3), its likeliest leaf: in 100.0% of the ")
    assert lines[-1] == "wrote outputs/discover-base/"
    folder = small.path("outputs/discover-base")
    assert sorted(p.name for p in folder.iterdir()) == ["charts", "discovery.json", "manifest.json",
                                                       "trajectory.csv", "tree.md"]
    assert sorted(p.name for p in (folder / "charts").iterdir()) == ["peeling.png", "peeling.svg", "peeling.vl.json"]
    data = json.loads((folder / "discovery.json").read_text())
    assert data["share"] == pytest.approx(share, abs=0.01)
    (box,) = data["boxes"]
    assert [(r["key"], r["upper"]) for r in box["restrictions"]] == [("alpha.accelerators.unit_price", None)]
    assert (folder / "trajectory.csv").read_text().startswith("step,coverage,density,mass,restricted,chosen\n0,1.0,")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["command"] == "discover" and manifest["settings"]["event"] == PRICE_EVENT
    assert manifest["settings"]["seed"] == 0 and manifest["settings"]["draws"] == 4096


def test_the_same_seed_gives_the_same_bytes(small, tmp_path):
    files = ("discovery.json", "trajectory.csv", "tree.md", "charts/peeling.vl.json", "charts/peeling.svg")
    for out in ("one", "two"):
        assert discover("--out", str(tmp_path / out), "--seed", "3", event="alpha leads ai_chip_spend 2027").exit_code == 0
    for name in files:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), name


@pytest.mark.parametrize(("event", "said"), [
    ("alpha accelerator_unit_price 2025 > 1000000", ("in none of the 1,000 draws of base: it never happens, so there "
                                                   "is nothing to discover")),
    ("alpha accelerator_unit_price 2025 <= 1000000", ("in all of the 1,000 draws of base: it always happens, so there "
                                                    "is nothing to discover")),
])
def test_an_event_that_never_or_always_happens_says_so_and_exits_0(small, event, said):
    result = discover(event=event, draws="1000")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].endswith(said)
    folder = small.path("outputs/discover-base")
    assert sorted(p.name for p in folder.iterdir()) == ["discovery.json", "manifest.json", "tree.md"]
    text = (folder / "discovery.json").read_text()
    assert "NaN" not in text and "Infinity" not in text
    assert json.loads(text)["boxes"] == [] and json.loads(text)["tree"] == []


@pytest.mark.parametrize(("event", "message"), [
    ("alpha wins capex 2026", ("error: cannot read the event 'alpha wins capex 2026': an event is one of: "
                              "'<company> leads <metric> <year>'")),
    ("gamma leads capex 2026", "error: unknown company 'gamma' in the event; valid: alpha, beta\n"),
    ("alpha leads capx 2026", ("error: unknown metric a company can lead or overtake on 'capx' in the event; valid: "
                              "capex, capex_cumulative,")),
    ("alpha leads capex 2030", "error: the event's year 2030 is outside the horizon 2025-2027\n"),
    ("alpha capex 2026 > nan", "error: the event's threshold must be a finite number, not 'nan'\n"),
    ("alpha capex 2026 > inf", "error: the event's threshold must be a finite number, not 'inf'\n"),
])
def test_a_bad_event_is_a_usage_error_naming_what_is_valid(small, event, message):
    result = discover(event=event)
    assert result.exit_code == 2
    assert result.stderr.startswith(message)
    assert "Traceback" not in result.output
    assert not small.path("outputs/discover-base").exists()


@pytest.mark.parametrize(("draws", "message"), [
    ("10", ("error: --draws must be at least 1,000 for scenario discovery (the last boxes hold 5% of the draws), "
           "not 10\n")),
    ("0", "error: --draws must be at least 1,000"),
    ("-5", "error: --draws must be at least 1,000"),
    ("2000000", "error: --draws 2,000,000 is above the ceiling of 1,000,000 draws"),
])
def test_too_few_or_too_many_draws_are_refused_at_once(small, draws, message):
    result = discover(draws=draws)
    assert result.exit_code == 2
    assert result.stderr.startswith(message)


def test_the_event_is_required_and_draws_must_be_whole(small):
    result = invoke("discover", "base")
    assert result.exit_code == 2 and "Missing option '--event'" in result.output
    result = discover(draws="1e4")
    assert result.exit_code == 2 and "Invalid value for '--draws'" in result.output


def test_the_output_folder_is_checked_like_every_run_folder(small, tmp_path):
    small.path("outputs").mkdir()
    for out, why in (("scenarios", "it is a folder of input files"),
                     (".", "it is the project's root folder"),
                     ("outputs", "it is the project's outputs/ folder")):
        result = discover("--out", out)
        assert result.exit_code == 2, out
        assert result.stderr.startswith(f"error: --out {out}: refusing to replace ") and why in result.stderr
    small.path("link").symlink_to(tmp_path)
    result = discover("--out", "link")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: --out link: refusing to write through a symbolic link (to {tmp_path})")
    assert sorted(p.name for p in small.path("scenarios").iterdir()) == ["base.yaml", "high.yaml"]
