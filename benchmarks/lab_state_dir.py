"""What a state dir costs a lab: NX-API requests per second, CPU while idle, and a one-year
clock jump, each with `--state-dir` beside the same lab without one, in the same run. Each
measurement runs in a fresh interpreter.

Run: .venv/bin/python benchmarks/lab_state_dir.py [--quick] [--switches 100 1000]
     [--requests 300] [--idle-seconds 5] [--jump-switches 100]

The jump runs in the CSLU topology, where switches report without trust codes.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sim.lab.nxapi import ins_api_request

JUMP_SECONDS = 365 * 86400


def _lab(switches: int, state_dir: Path | None, topology: str = "direct") -> Any:
    from bench_lab import lab_options

    from sim.lab.background import BackgroundLab

    return BackgroundLab(lab_options(switches, topology=topology, rate=0.0, state_dir=state_dir))


PORTS_USED = 50


def _body(kind: str, command: str) -> dict[str, Any]:
    return ins_api_request(command, kind)


def _requests_per_second(lab: Any, requests: int, *, configure: bool) -> float:
    """Sequential NX-API requests over 50 switches: `show clock`, or (`configure`) a
    hostname that changes at every request, so that every one has something to save."""
    import httpx

    ports = [entry.nxapi_port for entry in lab.endpoints.switches][:PORTS_USED]
    with httpx.Client(auth=("admin", "admin"), timeout=60) as client:
        for port in ports:  # connections and logins made before the clock starts
            answer = client.post(
                f"http://127.0.0.1:{port}/ins", json=_body("cli_show", "show clock")
            )
            answer.raise_for_status()
        started = time.perf_counter()
        for n in range(requests):
            port = ports[n % len(ports)]
            if configure:
                body = _body("cli_conf", f"hostname edge-{n // len(ports) % 2}")
            else:
                body = _body("cli_show_ascii", "show clock")
            client.post(f"http://127.0.0.1:{port}/ins", json=body).raise_for_status()
        return requests / (time.perf_counter() - started)


def _idle_cpu(lab: Any, seconds: float) -> float:
    import httpx

    control = f"http://127.0.0.1:{lab.endpoints.control_port}"
    httpx.post(f"{control}/sim/clock/rate", json={"rate": 1.0}).raise_for_status()
    time.sleep(1.0)  # the first save after the change settles
    cpu = time.process_time()
    time.sleep(seconds)
    return (time.process_time() - cpu) / seconds


def measure_serving(switches: int, with_state: bool, requests: int, idle: float) -> None:
    """One side, in this process: prints JSON with req/s and the idle CPU share."""
    with tempfile.TemporaryDirectory() as tmp:
        state_dir = Path(tmp) / "state" if with_state else None
        with _lab(switches, state_dir) as lab:
            rate = _requests_per_second(lab, requests, configure=False)
            config_rate = _requests_per_second(lab, requests, configure=True)
            cpu = _idle_cpu(lab, idle)
    print(json.dumps({"rps": rate, "config_rps": config_rate, "idle_cpu": cpu}))


def measure_jump(switches: int, with_state: bool) -> None:
    """One side: a lab of CSLU-reporting switches jumps a year; prints JSON with seconds."""
    import httpx

    with tempfile.TemporaryDirectory() as tmp:
        state_dir = Path(tmp) / "state" if with_state else None
        with _lab(switches, state_dir, topology="cslu") as lab:
            control = f"http://127.0.0.1:{lab.endpoints.control_port}"
            store = lab.lab.store
            commits = store.commits if store is not None else 0
            started = time.perf_counter()
            answer = httpx.post(
                f"{control}/sim/clock/advance", json={"seconds": JUMP_SECONDS}, timeout=3600
            )
            answer.raise_for_status()
            seconds = time.perf_counter() - started
            commits = (store.commits - commits) if store is not None else 0
            events = lab.lab.simulation.scheduler.events_run
    print(json.dumps({"seconds": seconds, "commits": commits, "events": events}))


def _side(*args: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--side", *args], check=True, capture_output=True, text=True
    ).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="100 switches, a short run")
    parser.add_argument("--switches", type=int, nargs="+", metavar="N")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--idle-seconds", type=float, default=5.0)
    parser.add_argument("--jump-switches", type=int, help="default 100, 20 with --quick")
    parser.add_argument("--side", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        kind, switches, state = args.side[0], int(args.side[1]), args.side[2] == "state"
        if kind == "serve":
            measure_serving(switches, state, args.requests, args.idle_seconds)
        else:
            measure_jump(switches, state)
        return
    sizes = args.switches or ([100] if args.quick else [100, 1000])
    requests = 100 if args.quick else args.requests
    common = ["--requests", str(requests), "--idle-seconds", str(args.idle_seconds)]
    print(f"{'':40}{'no state dir':>16}{'--state-dir':>16}{'ratio':>9}")
    for switches in sizes:
        without = _side("serve", str(switches), "none", *common)
        with_state = _side("serve", str(switches), "state", *common)
        for key, what in (("rps", "show clock"), ("config_rps", "hostname")):
            print(
                f"{f'NX-API {what} req/s, {switches} switches':40}{without[key]:>16.0f}"
                f"{with_state[key]:>16.0f}{with_state[key] / without[key]:>8.2f}x"
            )
        print(
            f"{f'idle CPU over {args.idle_seconds:g} s, {switches} switches':40}"
            f"{without['idle_cpu']:>15.1%} {with_state['idle_cpu']:>15.1%}"
        )
    jump = args.jump_switches or (20 if args.quick else 100)
    without = _side("jump", str(jump), "none")
    with_state = _side("jump", str(jump), "state")
    print(
        f"{f'one-year jump, {jump} switches (cslu)':40}{without['seconds']:>15.2f}s"
        f"{with_state['seconds']:>15.2f}s{with_state['seconds'] / without['seconds']:>8.2f}x"
    )
    print(f"{'':40}{'':>16}{with_state['commits']:>10} commits, {with_state['events']} events")


if __name__ == "__main__":
    main()
