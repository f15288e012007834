"""How a Monte Carlo run scales with the number of companies: draws/s, cost per company-draw and peak memory of
`simulate` on synthetic projects of 3, 10, 30 and 100 companies.

Usage: python benchmarks/companies.py [--companies 3 10 30 100] [--draws 65536] [--repeat 1] [--workers N]

A synthetic project of n companies is made in a temporary folder (nothing is committed or left behind): the
shipped sources, exchange rates and market, the shipped base scenario, and n company files, the shipped ones
first (so that 3 companies is the shipped project and the scenario's correlations keep their keys) and then copies
of them in turn under new keys (`alibaba_004`, ...) and names, without colours (two companies may not share one).
Each size runs in a fresh interpreter, so its peak memory (ru_maxrss) is its own; `seconds` is the run alone
(after imports, loading and a run of two draws that pays for scipy's imports), the least over the repeats (on a
shared machine the least disturbed run is the best estimate). `cost` is processor time (every thread's) per
company-draw relative to the first size, 1.0 being linear in the companies: other work on the machine disturbs
processor time less than elapsed time.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "assumptions"
SHARED_FILES = ("sources.yaml", "fx.yaml", "market.yaml")

SIMULATE = r"""
import json, resource, sys, time
from pathlib import Path
from model.io.loading import load_inputs
from model.core.simulation import simulate
inputs = load_inputs(Path(sys.argv[1]))
draws, workers = int(sys.argv[2]), (int(sys.argv[3]) or None)
simulate(inputs, 2, rng=0, workers=1)  # scipy's imports and lazily built tables are not the draws' cost
baseline_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
start, cpu = time.perf_counter(), time.process_time()
run = simulate(inputs, draws, rng=0, workers=workers)
seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
print(json.dumps({"seconds": seconds, "cpu": cpu, "companies": len(inputs.companies), "chunk_size": run.chunk_size,
                  "workers": run.workers, "baseline_mib": baseline_mib,
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def company_copy(text: str, slug: str, copy: int) -> str:
    """A shipped company file's text under the key `<slug>_<copy>` and name `<name> <copy>`, without a colour."""
    text = re.sub(rf"^company: {slug}\s*$", f"company: {slug}_{copy:03d}", text, count=1, flags=re.M)
    text = re.sub(r"^name: (.+?)\s*$", lambda m: f"name: {m.group(1)} {copy:03d}", text, count=1, flags=re.M)
    return re.sub(r"^colour: .*\n", "", text, count=1, flags=re.M)


def make_project(folder: Path, companies: int) -> Path:
    """A project of `companies` companies in `folder`; returns its base scenario's path."""
    assumptions, scenarios = folder / "assumptions", folder / "scenarios"
    assumptions.mkdir(parents=True)
    scenarios.mkdir()
    for name in SHARED_FILES:
        shutil.copyfile(SHIPPED / name, assumptions / name)
    shutil.copyfile(ROOT / "scenarios" / "base.yaml", scenarios / "base.yaml")
    shipped = sorted(p for p in SHIPPED.glob("*.yaml") if p.name not in SHARED_FILES)
    for i in range(companies):
        source = shipped[i % len(shipped)]
        if i < len(shipped):
            shutil.copyfile(source, assumptions / source.name)
        else:
            slug = source.stem
            (assumptions / f"{slug}_{i:03d}.yaml").write_text(company_copy(source.read_text(), slug, i))
    return scenarios / "base.yaml"


def measure(scenario: Path, draws: int, workers: int) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", SIMULATE, str(scenario), str(draws), str(workers)], cwd=ROOT,
                          capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise SystemExit(f"measurement failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, nargs="+", default=[3, 10, 30, 100])
    parser.add_argument("--draws", type=int, default=2**16)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--workers", type=int, default=0, help="threads for simulate (default: one per core)")
    args = parser.parse_args()

    print(f"simulate on the base scenario with n companies, {args.draws:,} draws, the least of {args.repeat} "
          f"fresh processes")
    print(f"{'companies':>9} {'seconds':>8} {'draws/s':>10} {'cpu s':>7} {'cost':>6} {'peak MiB':>9} "
          f"{'baseline MiB':>13} {'chunk':>7} {'workers':>8}")
    first_cost = None
    with tempfile.TemporaryDirectory(prefix="scenario-companies-") as temporary:
        for companies in args.companies:
            scenario = make_project(Path(temporary) / f"n{companies}", companies)
            runs = [measure(scenario, args.draws, args.workers) for _ in range(args.repeat)]
            assert runs[0]["companies"] == companies, runs[0]
            seconds, cpu = min(r["seconds"] for r in runs), min(r["cpu"] for r in runs)
            cost = cpu / (args.draws * companies)
            first_cost = first_cost or cost
            peak, baseline = max(r["peak_mib"] for r in runs), statistics.median(r["baseline_mib"] for r in runs)
            print(f"{companies:>9} {seconds:>8.2f} {args.draws / seconds:>10,.0f} {cpu:>7.2f} "
                  f"{cost / first_cost:>6.2f} {peak:>9.0f} {baseline:>13.0f} {runs[0]['chunk_size']:>7,} "
                  f"{runs[0]['workers']:>8}", flush=True)


if __name__ == "__main__":
    main()
