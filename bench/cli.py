"""Benchmark: start-up time of `repair uscc check CODE` beside a bare `python -c pass`, in the same run.

Run as `.venv/bin/python bench/cli.py [--runs 21]`. Both commands are started as fresh processes, alternately
(so machine load hits both alike), after one warm-up each; the median wall time of each is reported.
Targets (issue 13): the USCC check at most 0.25 s and at most 8× the bare interpreter.
Last line: {"metric": "cli_uscc_check_seconds", "value": median, "baseline": bare median, "ratio": value/baseline}.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPAIR = ROOT / ".venv" / "bin" / "repair"
PYTHON = ROOT / ".venv" / "bin" / "python"
CODE = "91310000MA1FL8L971"
TARGET_SECONDS, TARGET_RATIO = 0.25, 8.0


def wall(command: list[str]) -> float:
    """Wall time of one run of `command` (its output discarded; it must succeed)."""
    began = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - began


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    check, bare = [str(REPAIR), "uscc", "check", CODE], [str(PYTHON), "-c", "pass"]
    wall(check), wall(bare)  # warm the file cache
    checks, bares = [], []
    for _ in range(args.runs):
        checks.append(wall(check))
        bares.append(wall(bare))
    value, baseline = statistics.median(checks), statistics.median(bares)
    ratio = value / baseline
    print(f"repair uscc check: median {value * 1000:.0f} ms (min {min(checks) * 1000:.0f}, max {max(checks) * 1000:.0f})")
    print(f"python -c pass:    median {baseline * 1000:.0f} ms (min {min(bares) * 1000:.0f}, max {max(bares) * 1000:.0f})")
    met = value <= TARGET_SECONDS and ratio <= TARGET_RATIO
    print(f"ratio {ratio:.1f}× (targets: ≤ {TARGET_SECONDS} s and ≤ {TARGET_RATIO:g}×): {'met' if met else 'NOT met'}")
    print(json.dumps({"metric": "cli_uscc_check_seconds", "value": round(value, 3), "baseline": round(baseline, 3),
                      "ratio": round(ratio, 1), "runs": args.runs}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
