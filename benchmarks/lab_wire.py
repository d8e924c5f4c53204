"""The lab on the wire: start-up time with N switches, and netmiko round trips over SSH.

Run: .venv/bin/python benchmarks/lab_wire.py [--switches 100] [--commands 20]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

import asyncssh
from netmiko import ConnectHandler

from sim.lab.background import BackgroundLab
from sim.lab.lab import LabOptions


async def one_session(port: int) -> float:
    started = time.perf_counter()
    async with asyncssh.connect(
        "127.0.0.1", port, username="admin", password="admin", known_hosts=None
    ) as conn:
        result = await conn.run("show license status", check=False)
        assert "Smart Licensing Using Policy" in str(result.stdout)
    return time.perf_counter() - started


async def many_sessions(ports: list[int]) -> tuple[float, list[float]]:
    started = time.perf_counter()
    each = await asyncio.gather(*(one_session(port) for port in ports))
    return time.perf_counter() - started, list(each)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--switches", type=int, default=100)
    parser.add_argument("--commands", type=int, default=20)
    args = parser.parse_args()
    options = LabOptions(
        switches=args.switches,
        rate=1.0,
        control_port=0,
        ssh_port_base=0,
        nxapi_port_base=0,
    )
    started = time.perf_counter()
    with BackgroundLab(options) as lab:
        startup = time.perf_counter() - started
        entry = lab.endpoints.switches[-1]
        connect_started = time.perf_counter()
        device = ConnectHandler(
            device_type="cisco_nxos",
            host="127.0.0.1",
            port=entry.ssh_port,
            username="admin",
            password="admin",
        )
        connect = time.perf_counter() - connect_started
        rounds = []
        for _ in range(args.commands):
            t0 = time.perf_counter()
            output = device.send_command("show license status")
            rounds.append(time.perf_counter() - t0)
            assert "Smart Licensing Using Policy" in output, output
        device.disconnect()
        ports = [entry.ssh_port for entry in lab.endpoints.switches]
        total, each = asyncio.run(many_sessions(ports))
    print(f"lab start-up with {args.switches} switches: {startup:.2f} s")
    print(f"netmiko connect (login, terminal setup): {connect:.2f} s")
    median_ms = statistics.median(rounds) * 1000
    print(
        f"netmiko `show license status` round trip: median {median_ms:.0f} ms"
        f" over {args.commands} commands (min {min(rounds) * 1000:.0f} ms)"
    )
    print(
        f"{len(each)} concurrent SSH sessions (login + `show license status`, one per switch):"
        f" all done in {total:.2f} s, median session {statistics.median(each) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
