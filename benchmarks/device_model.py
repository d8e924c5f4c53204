"""What the device model costs a lab: start-up time and memory per switch, with every switch's
interfaces (54-66 ports with counters, addresses and neighbours) against a bare reference,
the same lab whose switches have no interfaces. Each side runs in a fresh interpreter.

Run: .venv/bin/python benchmarks/device_model.py [--quick] [--switches 100 1000]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from unittest.mock import patch


def _rss_kib() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def measure(switches: int, bare: bool) -> None:
    """One side, in this process: prints `seconds kib_per_switch`."""
    import sim.switch.switch as switch_module
    from sim.lab.background import BackgroundLab
    from sim.lab.lab import LabOptions

    if bare:
        patch.object(switch_module, "default_interfaces", lambda pid, serial: []).start()
    options = LabOptions(
        switches=switches, rate=1.0, control_port=0, ssh_port_base=0, nxapi_port_base=0
    )
    before = _rss_kib()
    started = time.perf_counter()
    with BackgroundLab(options) as lab:
        startup = time.perf_counter() - started
        grown = _rss_kib() - before
        assert len(lab.endpoints.switches) == switches
        ports = len(lab.lab.simulation.switch(lab.endpoints.switches[0].name).interfaces)
        assert (ports == 0) == bare, ports
    print(f"{startup:.3f} {grown / switches:.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="100 switches only")
    parser.add_argument("--switches", type=int, nargs="+", metavar="N")
    parser.add_argument("--side", choices=("model", "bare"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = args.switches or ([100] if args.quick else [100, 1000])
    if args.side:
        measure(sizes[0], bare=args.side == "bare")
        return
    for switches in sizes:
        compare(switches)


def compare(switches: int) -> None:
    figures = {}
    for side in ("bare", "model"):
        out = subprocess.run(
            [sys.executable, __file__, "--switches", str(switches), "--side", side],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
        figures[side] = (float(out[-2]), int(out[-1]))
    (bare_s, bare_kib), (model_s, model_kib) = figures["bare"], figures["model"]
    print(
        f"lab start-up with {switches} switches: {model_s:.2f} s with the device model,"
        f" {bare_s:.2f} s bare; memory per switch: {model_kib} KiB with the device model,"
        f" {bare_kib} KiB bare (+{model_kib - bare_kib} KiB)"
    )


if __name__ == "__main__":
    main()
