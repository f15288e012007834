"""How far a cold `scenario run` is from its floor: a fresh process that imports altair and vl-convert and renders
one chart, which every run must pay for anyway.

Usage: python benchmarks/cold_run.py [SCENARIO] [--pairs N] [--draws N]
Each pair runs (a) `scenario run SCENARIO --out <temporary folder>` and (b) the floor, each in a fresh interpreter,
the order alternating from pair to pair so that a busy machine slows both alike; prints the median time of each,
and the median of the per-pair ratios (a / b) with their spread (lowest and highest).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# What the tool cannot avoid: the charting libraries' import, and one chart drawn to SVG and that SVG to PNG, the
# way model.present.report.render_chart draws every chart.
FLOOR = r"""
import altair as alt
import vl_convert as vlc

data = alt.InlineData(values=[{"year": 2025 + i, "value": float(i * i)} for i in range(6)])
version = alt.SCHEMA_VERSION.lstrip("v").rsplit(".", 1)[0]
spec = alt.Chart(data).mark_line(point=True).encode(x="year:O", y="value:Q").properties(width=400, height=240)
svg = vlc.vegalite_to_svg(spec.to_dict(), vl_version=version, allowed_base_urls=[])
png = vlc.svg_to_png(svg, scale=2)
assert svg.startswith("<svg") and png.startswith(b"\x89PNG")
"""


def timed(command: list[str], **options: object) -> float:
    """Seconds from starting `command` in a fresh process to its exit; a failure stops the benchmark."""
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, **options)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default="base.yaml")
    parser.add_argument("--pairs", type=int, default=7)
    parser.add_argument("--draws", type=int, default=1)
    args = parser.parse_args()
    if args.pairs < 1 or args.draws < 1:
        parser.error("--pairs and --draws must be at least 1")
    # the console script's own entry point, without depending on where pip put the script
    run = [sys.executable, "-c", "from model.cli import main; main()", "run", args.scenario,
           "--draws", str(args.draws)]
    floor = [sys.executable, "-c", FLOOR]
    environment = {**os.environ, "COLUMNS": "200"}
    runs, floors, ratios = [], [], []
    with tempfile.TemporaryDirectory(prefix="cold-run-") as scratch:
        for pair in range(args.pairs):
            out = ["--out", str(Path(scratch) / f"run-{pair}")]
            if pair % 2 == 0:
                run_seconds = timed(run + out, cwd=ROOT, env=environment)
                floor_seconds = timed(floor, cwd=scratch, env=environment)
            else:
                floor_seconds = timed(floor, cwd=scratch, env=environment)
                run_seconds = timed(run + out, cwd=ROOT, env=environment)
            runs.append(run_seconds)
            floors.append(floor_seconds)
            ratios.append(run_seconds / floor_seconds)
            print(f"  pair {pair + 1}: run {run_seconds:6.3f} s, floor {floor_seconds:6.3f} s, "
                  f"ratio {ratios[-1]:5.2f}", flush=True)
    print(f"scenario run {args.scenario} --draws {args.draws}: {args.pairs} pairs of fresh processes")
    print(f"  run    median {statistics.median(runs):6.3f} s")
    print(f"  floor  median {statistics.median(floors):6.3f} s")
    print(f"  ratio  median {statistics.median(ratios):5.2f} (lowest {min(ratios):.2f}, highest {max(ratios):.2f})")


if __name__ == "__main__":
    main()
