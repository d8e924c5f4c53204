"""A one-year clock jump of a lab against the same year in-process, and NX-API `show clock`
latency from a second client while the lab jumps (against the same client on the idle lab).

Run: .venv/bin/python benchmarks/lab_jump.py [--switches 100] [--topology cslu]
     [--slice-events 500] [--slice-ms 5] [--probe-ms 10] [--unsliced] [--quick]

The lab jumps two years: the first alone (timed against in-process), the second while a
client asks `show clock` over NX-API, one request at a time with --probe-ms between them.
The issue's target: the lab's jump within 2x of in-process, `show clock` p99 under 100 ms
during it. A jump hands device messages to the back ends in-process
(sim/lab/inline_exchange.py); one more year with `--jump-over-http` shows what the wire would
cost. `--unsliced` does it all again in one slice (the lock held throughout): what slicing
costs, and what a client waited before it.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
from bench_lab import lab_options

from sim.lab.background import BackgroundLab
from sim.lab.jump import UNSLICED, SliceBudget
from sim.lab.lab import lab_switch_specs
from sim.lab.nxapi import ins_api_request
from sim.simulation import Simulation

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
YEAR = timedelta(days=365)
IDLE_PROBES = 50


async def in_process_year(topology: str, count: int) -> tuple[float, int]:
    sim = Simulation.build(topology, start=START, switches=lab_switch_specs(count))
    await sim.boot()
    events_before = sim.scheduler.events_run
    started = time.perf_counter()
    await sim.advance(YEAR)
    took = time.perf_counter() - started
    events = sim.scheduler.events_run - events_before
    await sim.close()
    return took, events


def show_clock(client: httpx.Client, port: int) -> float:
    body = ins_api_request("show clock")
    started = time.perf_counter()
    answer = client.post(f"http://127.0.0.1:{port}/ins", json=body)
    took = time.perf_counter() - started
    answer.raise_for_status()
    return took


def jump_year(control: str) -> float:
    started = time.perf_counter()
    answer = httpx.post(
        f"{control}/sim/clock/advance", json={"seconds": YEAR.total_seconds()}, timeout=None
    )
    answer.raise_for_status()
    return time.perf_counter() - started


@dataclass
class LabYear:
    seconds: float  # the first year, nobody else asking anything
    events: int
    probed_seconds: float  # the second year, with `show clock` asked all along
    during: list[float]
    idle: list[float]


def lab_year_over_http(topology: str, count: int) -> float:
    """One year jumped with `--jump-over-http`: every device message on the wire."""
    options = lab_options(count, topology=topology, rate=0, start=START, jump_over_http=True)
    with BackgroundLab(options) as running:
        return jump_year(f"http://127.0.0.1:{running.endpoints.control_port}")


def lab_years(topology: str, count: int, budget: SliceBudget, probe_pause: float) -> LabYear:
    """Two one-year jumps: the first timed alone, the second with `show clock` probes."""
    options = lab_options(count, topology=topology, rate=0, start=START)
    with BackgroundLab(options) as running:
        running.lab.jump_budget = budget
        ports = [entry.nxapi_port for entry in running.endpoints.switches]
        control = f"http://127.0.0.1:{running.endpoints.control_port}"
        scheduler = running.lab.simulation.scheduler
        with httpx.Client(auth=("admin", "admin"), timeout=600) as probe:
            idle = [show_clock(probe, ports[n % len(ports)]) for n in range(IDLE_PROBES)]
            events_before = scheduler.events_run
            alone = jump_year(control)
            events = scheduler.events_run - events_before
            took: list[float] = []
            jumper = threading.Thread(target=lambda: took.append(jump_year(control)))
            jumper.start()
            during: list[float] = []
            while jumper.is_alive():
                during.append(show_clock(probe, ports[len(during) % len(ports)]))
                time.sleep(probe_pause)
            jumper.join()
    return LabYear(alone, events, took[0], during, idle)


def percentiles(samples: list[float]) -> str:
    if len(samples) < 2:
        shown = ", ".join(f"{s * 1000:.0f}" for s in samples)
        return f"{len(samples)} requests ({shown} ms)"
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return (
        f"{len(samples)} requests, p50 {cuts[49] * 1000:.1f} ms, p99 {cuts[98] * 1000:.1f} ms,"
        f" max {max(samples) * 1000:.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--switches", type=int, default=100)
    parser.add_argument("--topology", default="cslu")
    parser.add_argument("--slice-events", type=int, default=SliceBudget().events)
    parser.add_argument("--slice-ms", type=float, default=SliceBudget().seconds * 1000)
    parser.add_argument(
        "--probe-ms", type=float, default=10, help="Pause between two show clock probes."
    )
    parser.add_argument("--unsliced", action="store_true", help="Also jump in one slice.")
    parser.add_argument("--quick", action="store_true", help="10 switches (make bench QUICK=1).")
    args = parser.parse_args()
    if args.quick:
        args.switches = 10
    budget = SliceBudget(events=args.slice_events, seconds=args.slice_ms / 1000)

    base, base_events = asyncio.run(in_process_year(args.topology, args.switches))
    lab = lab_years(args.topology, args.switches, budget, args.probe_ms / 1000)
    what = f"one-year jump, {args.switches} switches ({args.topology})"
    sliced = f"slices of <= {budget.events} events / {args.slice_ms:g} ms"
    print(f"{what}, in-process:  {base:6.2f} s, {base_events} events")
    print(
        f"{what}, lab, {sliced}: {lab.seconds:6.2f} s, {lab.events} events"
        f" = {lab.seconds / base:.2f}x in-process (target <= 2x)"
    )
    over_http = lab_year_over_http(args.topology, args.switches)
    print(
        f"{what}, lab, --jump-over-http: {over_http:6.2f} s"
        f" = {over_http / base:.2f}x in-process (the wire's cost)"
    )
    if args.unsliced:
        whole = lab_years(args.topology, args.switches, UNSLICED, args.probe_ms / 1000)
        print(
            f"{what}, lab, one slice: {whole.seconds:6.2f} s = {whole.seconds / base:.2f}x"
            f" in-process; show clock during the next year: {percentiles(whole.during)}"
        )
    print(f"NX-API show clock, idle lab:      {percentiles(lab.idle)}")
    print(
        f"NX-API show clock, during a jump: {percentiles(lab.during)} (target p99 < 100 ms);"
        f" that year took {lab.probed_seconds:.2f} s"
    )


if __name__ == "__main__":
    main()
