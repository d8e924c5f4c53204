"""Real time for one switch x one simulated year, direct to CSSM (in-process ASGI).

Run: .venv/bin/python benchmarks/one_switch_year.py [--repeat N]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from datetime import timedelta

from sim.simulation import Simulation, SwitchSpec


async def one_year() -> tuple[float, int, int, int]:
    sim = Simulation.build("direct", switches=[SwitchSpec("leaf1")])
    await sim.boot()
    await sim.exec("leaf1", f"license smart trust idtoken {sim.issue_token()} all")
    started = time.perf_counter()
    await sim.advance(timedelta(days=365))
    elapsed = time.perf_counter() - started
    exchanges = sim.transport.exchanges
    events = sim.scheduler.events_run
    lines = len(sim.syslog("leaf1"))
    await sim.close()
    return elapsed, exchanges, events, lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    results = [asyncio.run(one_year()) for _ in range(args.repeat)]
    times = [r[0] for r in results]
    _, exchanges, events, lines = results[-1]
    print(
        f"one switch x one simulated year (direct): median {statistics.median(times):.3f} s, "
        f"min {min(times):.3f} s over {args.repeat} runs"
    )
    print(f"  {exchanges} HTTP exchanges, {events} scheduler events, {lines} syslog lines")


if __name__ == "__main__":
    main()
