"""Real time for the whole scenario suite in scenarios/ (virtual time, in-process back ends).

Run: .venv/bin/python benchmarks/scenario_suite.py
"""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

from sim.scenario.runner import run_file, scenario_files


def main() -> None:
    paths = scenario_files([Path(__file__).resolve().parent.parent / "scenarios"])
    started = time.perf_counter()
    results = [run_file(path) for path in paths]
    elapsed = time.perf_counter() - started
    simulated = sum((r.sim_span for r in results), timedelta())
    passed = sum(r.passed for r in results)
    print(
        f"scenario suite: {len(results)} scenarios ({passed} passed) in {elapsed:.2f} s real, "
        f"{simulated.days} simulated days"
    )


if __name__ == "__main__":
    main()
