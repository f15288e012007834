"""Where the time of `scenario run` goes: imports, loading, the model, and rendering the charts and report.

Usage: python benchmarks/run_timing.py [SCENARIO] [--repeat N]
Each repeat runs in a fresh interpreter, so import times are real; prints the median of each phase.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PHASES = r"""
import json, sys, time
from pathlib import Path
t0 = time.perf_counter()
import model.cli, model.analysis.projection, model.present.artifacts  # everything `scenario run` imports
from model.io.bundle_cache import cached_text
from model.present.report import bundle_name, inlinable, vega_embed_bundle
t1 = time.perf_counter()
from model.io.loading import load_inputs
from model.io.project import find_scenario
inputs = load_inputs(find_scenario(sys.argv[1]))
t2 = time.perf_counter()
projection = model.analysis.projection.run(inputs)
t3 = time.perf_counter()
# the report's JavaScript as `scenario run` gets it: from outputs/.cache/ (made and kept there by the first run)
bundle = cached_text(Path("outputs"), bundle_name(), vega_embed_bundle, valid=inlinable)
t4 = time.perf_counter()
files = model.present.artifacts.files_of(model.analysis.projection.run_result(inputs, projection),
                                         bundle=lambda: bundle)
t5 = time.perf_counter()
print(json.dumps({"imports": t1 - t0, "load and check files": t2 - t1, "model": t3 - t2,
                  "report's JavaScript": t4 - t3, "charts and report": t5 - t4}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default="base")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    runs = []
    for _ in range(args.repeat):
        done = subprocess.run([sys.executable, "-c", PHASES, args.scenario], cwd=ROOT, capture_output=True,
                              text=True, check=True)
        runs.append(json.loads(done.stdout))
    print(f"scenario run {args.scenario}: median of {args.repeat} fresh processes")
    for phase in runs[0]:
        print(f"  {phase:<22} {statistics.median(r[phase] for r in runs):7.3f} s")
    print(f"  {'total':<22} {statistics.median(sum(r.values()) for r in runs):7.3f} s")


if __name__ == "__main__":
    main()
