"""How far a cold `scenario run` is from its floor: a fresh process that imports altair and vl-convert and renders
one chart, which every run must pay for anyway.

Usage: python benchmarks/cold_run.py [SCENARIO] [--pairs N] [--draws N] [--fresh]
Each pair runs (a) `scenario run SCENARIO` in a temporary copy of this project (its scenarios/ and assumptions/,
writing the default outputs/), (b) the run's charts alone and (c) the floor, each in a fresh interpreter, the order
alternating from pair to pair so that a busy machine slows all alike; prints the median time of each, and the
median of the per-pair ratios to the floor (a / c, b / c) with their spread (lowest and highest). The copy is made
once, so runs after the first find what a first run leaves in outputs/.cache, as a user's runs do; with --fresh
every pair has a copy of its own, as a fresh clone.

The charts alone are the specs the run just wrote (charts/*.vl.json) drawn to SVG and PNG by the run's own renderer
(model.present.vega: its helper started first, the specs sent at once, each PNG rasterised by whichever process is
free) in a process that imports altair and nothing of the model: the least time any run that writes those charts
can take on this machine, with no inputs read, no model run and no other file made.

The package's bytecode is compiled first (`compileall`), as Python itself does on a user's first run and keeps for
the next; the libraries' was compiled when pip installed them. Where PYTHONDONTWRITEBYTECODE is set (as on the
machines this project is built on), nothing else would write it, and every run would compile the package's
modules again.
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
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

# The run's charts, as it drew them (argv[1]: its charts folder), and nothing else: see the module's docstring.
CHARTS = r"""
import json, sys
from pathlib import Path
from model.present import vega

vega.start()
import altair as alt

specs = [json.loads(path.read_text()) for path in sorted(Path(sys.argv[1]).glob("*.vl.json"))]
version = alt.SCHEMA_VERSION.lstrip("v").rsplit(".", 1)[0]
drawn = vega.render(specs, vl_version=version, scale=float(sys.argv[2]))
assert specs and all(svg.startswith("<svg") and png.startswith(b"\x89PNG") for svg, png in drawn)
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
    parser.add_argument("--fresh", action="store_true", help="a new copy of the project for every pair")
    args = parser.parse_args()
    if args.pairs < 1 or args.draws < 1:
        parser.error("--pairs and --draws must be at least 1")
    # the console script's own entry point, on this checkout's package wherever pip put (or did not put) it
    run = [sys.executable, "-c", "from model.cli import main; main()", "run", args.scenario, "--draws", str(args.draws)]
    floor = [sys.executable, "-c", FLOOR]
    from model.present.report import PNG_SCALE
    environment = {**os.environ, "COLUMNS": "200", "PYTHONPATH": str(ROOT)}
    if not compileall.compile_dir(ROOT / "model", quiet=1):
        sys.exit("the package's modules did not compile")
    runs, floors, ratios, alone, alone_ratios = [], [], [], [], []
    with tempfile.TemporaryDirectory(prefix="cold-run-") as scratch:
        project = Path(scratch) / "project"
        for pair in range(args.pairs):
            if pair == 0 or args.fresh:
                shutil.rmtree(project, ignore_errors=True)
                for folder in ("scenarios", "assumptions"):
                    shutil.copytree(ROOT / folder, project / folder)
                (project / "outputs").mkdir()
            # the run first in a fresh copy: the charts alone draw what it wrote
            charts = [sys.executable, "-c", CHARTS, str(project / "outputs" / Path(args.scenario).stem / "charts"),
                      str(PNG_SCALE)]
            commands = {"run": run, "charts": charts, "floor": floor}
            timings = {}
            for which in (("run", "charts", "floor") if pair % 2 == 0 or args.fresh else ("floor", "charts", "run")):
                timings[which] = timed(commands[which], cwd=project, env=environment)
            runs.append(timings["run"])
            floors.append(timings["floor"])
            alone.append(timings["charts"])
            ratios.append(timings["run"] / timings["floor"])
            alone_ratios.append(timings["charts"] / timings["floor"])
            print(f"  pair {pair + 1}: run {runs[-1]:6.3f} s, charts alone {alone[-1]:6.3f} s, floor "
                  f"{floors[-1]:6.3f} s; ratios {ratios[-1]:5.2f} and {alone_ratios[-1]:5.2f}", flush=True)
    copies = "a fresh copy of the project each" if args.fresh else "one copy of the project"
    print(f"scenario run {args.scenario} --draws {args.draws}: {args.pairs} pairs of fresh processes, {copies}")
    print(f"  run           median {statistics.median(runs):6.3f} s")
    print(f"  charts alone  median {statistics.median(alone):6.3f} s")
    print(f"  floor         median {statistics.median(floors):6.3f} s")
    for name, values in (("run / floor", ratios), ("charts alone / floor", alone_ratios)):
        print(f"  {name:<20} median {statistics.median(values):5.2f} (lowest {min(values):.2f}, "
              f"highest {max(values):.2f})")


if __name__ == "__main__":
    main()
