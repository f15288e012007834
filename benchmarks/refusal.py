"""How fast `scenario run` refuses a bad input file, against `scenario --help` (the floor of any command).

Usage: python benchmarks/refusal.py [--repeat N]
Copies tests/fixtures/small to a temporary folder with one typo (`confidence: hihg`), then runs the two commands in
turn, each in a fresh process, N times; prints the median wall time of each and the median of the paired ratios,
so that a machine whose speed drifts between pairs still gives a fair ratio.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = [sys.executable, "-m", "model"]


def wall(command: list[str], cwd: Path) -> tuple[float, int]:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, check=False)
    return time.perf_counter() - started, done.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9)
    repeat = parser.parse_args().repeat
    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder) / "project"
        shutil.copytree(ROOT / "tests" / "fixtures" / "small", project)
        company = project / "assumptions" / "alpha.yaml"
        company.write_text(company.read_text().replace("confidence: high", "confidence: hihg", 1))
        refusals, helps, ratios = [], [], []
        wall([*SCENARIO, "--help"], project)  # warm the file cache
        for _ in range(repeat):
            refused, code = wall([*SCENARIO, "run", "base"], project)
            if code != 1:
                raise SystemExit(f"expected exit 1 from the bad file, got {code}")
            helped, _ = wall([*SCENARIO, "--help"], project)
            refusals.append(refused)
            helps.append(helped)
            ratios.append(refused / helped)
    print(f"scenario run on a bad file: median {statistics.median(refusals):.3f} s over {repeat} runs")
    print(f"scenario --help:            median {statistics.median(helps):.3f} s")
    print(f"ratio (paired):             median {statistics.median(ratios):.2f} "
          f"(min {min(ratios):.2f}, max {max(ratios):.2f})")


if __name__ == "__main__":
    main()
