"""Real time for the whole scenario suite in scenarios/ (virtual time, in-process back ends).

Run: .venv/bin/python benchmarks/scenario_suite.py [--quick] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import timedelta
from pathlib import Path

from sim.scenario.result import ScenarioResult
from sim.scenario.runner import run_file, scenario_files


def one_pass(paths: list[Path]) -> tuple[float, list[ScenarioResult]]:
    started = time.perf_counter()
    results = [run_file(path) for path in paths]
    return time.perf_counter() - started, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="one pass instead of three")
    parser.add_argument("--repeat", type=int)
    args = parser.parse_args()
    repeat = args.repeat or (1 if args.quick else 3)
    paths = scenario_files([Path(__file__).resolve().parent.parent / "scenarios"])
    passes = [one_pass(paths) for _ in range(repeat)]
    times = [elapsed for elapsed, _ in passes]
    results = passes[-1][1]
    simulated = sum((r.sim_span for r in results), timedelta())
    passed = sum(r.passed for r in results)
    print(
        f"scenario suite: {len(results)} scenarios ({passed} passed)"
        f" in {statistics.median(times):.2f} s real (median of {repeat}),"
        f" {simulated.days} simulated days"
    )


if __name__ == "__main__":
    main()
