"""A fleet of N switches x one simulated year, direct to CSSM: real time and peak memory.

Run: .venv/bin/python benchmarks/fleet_year.py [--switches 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import time
from datetime import timedelta

from sim.simulation import Simulation, SwitchSpec


async def fleet_year(count: int) -> tuple[float, float, int, int]:
    specs = [SwitchSpec(f"leaf{n}", serial=f"FDO{2434107 + n}N") for n in range(count)]
    started = time.perf_counter()
    sim = Simulation.build("direct", switches=specs)
    await sim.boot()
    for name in sim.switch_names:
        await sim.exec(name, f"license smart trust idtoken {sim.issue_token()} all")
    built = time.perf_counter() - started
    started = time.perf_counter()
    await sim.advance(timedelta(days=365))
    year = time.perf_counter() - started
    exchanges, events = sim.transport.exchanges, sim.scheduler.events_run
    await sim.close()
    return built, year, exchanges, events


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--switches", type=int, default=1000)
    args = parser.parse_args()
    built, year, exchanges, events = asyncio.run(fleet_year(args.switches))
    # ru_maxrss is in KiB on Linux.
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"fleet of {args.switches} switches: boot + trust {built:.1f} s, one year {year:.1f} s")
    print(f"  {exchanges} HTTP exchanges, {events} scheduler events, peak RSS {peak_mib:.0f} MiB")


if __name__ == "__main__":
    main()
