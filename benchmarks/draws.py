"""How fast and how lean a Monte Carlo run is: `simulate` on the base scenario at 10^6 and 10^7 draws, Sobol'
indices at n = 2^14, and the vectorised engine against the plain-Python reference model.

Usage: python benchmarks/draws.py [--draws 1000000] [--big 10000000] [--sobol-samples 16384] [--repeat 3]
       [--workers N]

Each measurement runs in a fresh interpreter, so its peak memory (ru_maxrss) is its own. How to read the table:
`seconds` is the median over the repeats of the run alone (the full model: every metric for every draw, means,
5th/50th/95th percentiles with standard errors, lead and overtake probabilities), after imports and loading the
scenario; those two are printed as the baseline, and `baseline MiB` is the memory in use before the run. A figure
that grows with the draws in `peak MiB` would mean that the run keeps all draws; chunking keeps it flat. The
last block times the engine on the same 1,000 draws as `tests/reference_model.project_one` evaluates one by one.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

COMMON = r"""
import json, resource, sys, time
started = time.perf_counter()
import numpy as np
from pathlib import Path
from model.io.loading import load_inputs
imported = time.perf_counter()
inputs = load_inputs(Path("scenarios/base.yaml"))
loaded = time.perf_counter()
baseline_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def report(**figures):
    print(json.dumps({"imports": imported - started, "load": loaded - imported, "baseline_mib": baseline_mib,
                      "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, **figures}))
"""

SIMULATE = COMMON + r"""
from model.core.simulation import simulate
draws, workers = int(sys.argv[1]), (int(sys.argv[2]) or None)
start = time.perf_counter()
run = simulate(inputs, draws, rng=0, **({"workers": workers} if workers else {}))
report(seconds=time.perf_counter() - start, workers=getattr(run, "workers", 1), chunk_size=run.chunk_size)
"""

SOBOL = COMMON + r"""
try:
    from model.analysis.methods.sobol import sobol
except ImportError as error:
    report(error=f"not available ({error})")
    raise SystemExit
samples = int(sys.argv[1])
start = time.perf_counter()
try:
    result = sobol(inputs, samples=samples, rng=0)
except Exception as error:  # another module's work in progress: say so, keep the other figures
    report(error=f"failed: {type(error).__name__}: {error}")
    raise SystemExit
report(seconds=time.perf_counter() - start, evaluations=result.evaluations)
"""

REFERENCE = COMMON + r"""
from model.core.engine import project
from model.core.parameters import engine_inputs
from model.core.uncertainty import UniformStream, distributions, values_at
from tests.reference_model import project_one, values_from_draw
draws = int(sys.argv[1])
dists = distributions(inputs)
values = values_at(dists, UniformStream(list(dists), sampler="random", seed=0).next(draws))
start = time.perf_counter()
for d in range(draws):
    project_one(inputs, values_from_draw(values, d))
reference = time.perf_counter() - start
timings = []
for _ in range(5):
    start = time.perf_counter()
    project(engine_inputs(inputs, values))
    timings.append(time.perf_counter() - start)
report(reference=reference / draws, engine=min(timings) / draws)
"""


def measure(script: str, *args: object) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", script, *map(str, args)], cwd=ROOT, capture_output=True, text=True,
                          env=env)
    if done.returncode != 0:
        raise SystemExit(f"measurement failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=1_000_000)
    parser.add_argument("--big", type=int, default=10_000_000, help="a second, larger run (0 to skip)")
    parser.add_argument("--sobol-samples", type=int, default=2**14, help="0 to skip")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=0, help="threads for simulate (default: one per core)")
    parser.add_argument("--reference-draws", type=int, default=1000)
    args = parser.parse_args()

    print(f"simulate on scenarios/base.yaml, median of {args.repeat} fresh processes")
    print(f"{'draws':>12} {'seconds':>9} {'draws/s':>12} {'peak MiB':>9} {'baseline MiB':>13} {'workers':>8}")
    runs: dict[int, list[dict]] = {}
    for draws in [args.draws] + ([args.big] if args.big else []):
        runs[draws] = repeats = [measure(SIMULATE, draws, args.workers) for _ in range(args.repeat)]
        seconds = statistics.median(r["seconds"] for r in repeats)
        peak = max(r["peak_mib"] for r in repeats)
        baseline = statistics.median(r["baseline_mib"] for r in repeats)
        print(f"{draws:>12,} {seconds:>9.2f} {draws / seconds:>12,.0f} {peak:>9.0f} {baseline:>13.0f} "
              f"{repeats[0]['workers']:>8}")
    every = [r for repeats in runs.values() for r in repeats]
    print(f"baseline per process: imports {statistics.median(r['imports'] for r in every):.2f} s, "
          f"load_inputs {statistics.median(r['load'] for r in every):.2f} s (not in `seconds`)")

    if args.sobol_samples:
        sobol = [measure(SOBOL, args.sobol_samples) for _ in range(args.repeat)]
        if "error" in sobol[0]:
            print(f"\nSobol' indices, n = {args.sobol_samples:,}: {sobol[0]['error']}")
        else:
            seconds = statistics.median(r["seconds"] for r in sobol)
            print(f"\nSobol' indices over every uncertain assumption, n = {args.sobol_samples:,} "
                  f"({sobol[0]['evaluations']:,} evaluations): {seconds:.2f} s, "
                  f"peak {max(r['peak_mib'] for r in sobol):.0f} MiB")

    reference = measure(REFERENCE, args.reference_draws)
    print(f"\nengine vs plain-Python reference on the same {args.reference_draws:,} draws (float64):")
    print(f"  reference  {reference['reference'] * 1e6:10.1f} us/draw")
    speedup = reference["reference"] / reference["engine"]
    print(f"  engine     {reference['engine'] * 1e6:10.2f} us/draw  ({speedup:,.0f}x, one call on all the draws)")
    whole = statistics.median(r["seconds"] for r in runs[args.draws]) / args.draws
    print(f"  simulate   {whole * 1e6:10.2f} us/draw  (whole run with summaries, float32, "
          f"{reference['reference'] / whole:,.0f}x)")


if __name__ == "__main__":
    main()
