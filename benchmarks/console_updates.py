"""How fast the console sees a lab: per-update latency of its event stream during a clock jump.

A lab of N switches (CSLU topology: every switch pushes) jumps a day with DNS broken (a
COMM_FAILED storm from every switch), then, mended, the rest of a year. A client reads
`/sim/console/events` meanwhile, as the page does. For each update it receives, the latency
is from the moment the oldest line that update covers was logged to the moment the update
arrived; the same is measured with one switch as the reference, in the same run.

Run: .venv/bin/python benchmarks/console_updates.py [--quick] [--switches 100] [--days 365]
"""

from __future__ import annotations

import argparse
import json
import statistics
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx

from sim.lab.background import BackgroundLab
from sim.lab.lab import LabOptions
from sim.syslog import SyslogRecord

START = datetime.fromisoformat("2026-03-02T08:00:00+00:00")
STORM_DAYS = 1
BUDGET_MS = 200.0


@dataclass
class Run:
    switches: int
    lines: int = 0
    updates: list[float] = field(default_factory=list)  # seconds, one per update with lines
    seconds: float = 0.0


def measure(switches: int, days: int) -> Run:
    options = LabOptions(topology="cslu", switches=switches, rate=0.0, control_port=0, start=START)
    run = Run(switches)
    logged: list[float] = []  # when each line was logged, in the console feed's order

    def record(_: SyslogRecord) -> None:
        logged.append(time.perf_counter())

    with BackgroundLab(options) as lab:

        async def listen() -> None:
            for switch in lab.lab.simulation.switches.values():
                switch.syslog_listeners.append(record)

        lab.call(listen)
        url = f"http://127.0.0.1:{lab.endpoints.control_port}"
        target = START + timedelta(days=days)
        with httpx.Client(base_url=url, timeout=600) as control:
            ready = threading.Event()
            done = threading.Event()

            def read() -> None:
                with (
                    httpx.Client(base_url=url, timeout=600) as client,
                    client.stream("GET", "/sim/console/events") as stream,
                ):
                    base = covered = 0
                    for line in stream.iter_lines():
                        if not line.startswith("data:"):
                            continue
                        arrived = time.perf_counter()
                        message: dict[str, Any] = json.loads(line[5:])
                        if message["type"] == "snapshot":
                            base = covered = message["syslog_cursor"]
                            ready.set()
                            continue
                        shown = message.get("syslog", [])
                        if shown:
                            end = shown[-1]["n"]
                            oldest = logged[covered - base]  # the first line after the last update
                            run.updates.append(arrived - oldest)
                            run.lines += end - covered
                            covered = end
                        clock = message["clock"]
                        if "jump" not in clock and datetime.fromisoformat(clock["now"]) >= target:
                            done.set()
                            return

            reader = threading.Thread(target=read, daemon=True)
            reader.start()
            ready.wait(60)
            began = time.perf_counter()
            control.post("/sim/faults", json={"target": "dns", "kind": "unreachable"})
            control.post("/sim/clock/advance", json={"seconds": STORM_DAYS * 86400})
            control.delete("/sim/faults")
            rest = (days - STORM_DAYS) * 86400
            control.post("/sim/clock/advance", json={"seconds": rest, "wait": False})
            done.wait(3600)
            run.seconds = time.perf_counter() - began
            reader.join(10)
    return run


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def show(label: str, run: Run) -> None:
    ms = [u * 1000 for u in run.updates]
    over = sum(1 for m in ms if m > BUDGET_MS)
    print(
        f"{label:<34} {run.switches:>4} sw  {run.lines:>7} lines  {len(ms):>5} updates  "
        f"p50 {statistics.median(ms) if ms else float('nan'):7.1f} ms  "
        f"p99 {percentile(ms, 0.99):7.1f} ms  max {max(ms, default=float('nan')):7.1f} ms  "
        f"over {BUDGET_MS:.0f} ms: {over}  ({run.seconds:.1f} s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--switches", type=int, default=100)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--quick", action="store_true", help="20 switches, 60 days")
    args = parser.parse_args()
    switches, days = (20, 60) if args.quick else (args.switches, args.days)
    print(
        f"console event stream: a {STORM_DAYS}-day DNS outage then {days - STORM_DAYS} days, "
        "latency from a line logged to the update carrying it"
    )
    show("reference: one switch", measure(1, days))
    show(f"console: {switches} switches", measure(switches, days))


if __name__ == "__main__":
    main()
