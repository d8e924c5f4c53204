"""What the lab benchmarks share: a lab on ports the system picks, and a free loopback port.

Only imported by the scripts beside it; run on its own (as `make bench` runs every script
here) it prints nothing.
"""

from __future__ import annotations

import socket
from typing import Any

from sim.lab.lab import LabOptions


def lab_options(switches: int, **changes: Any) -> LabOptions:
    """`switches` switches on ports the system picks, in real time; `changes` override."""
    settings: dict[str, Any] = {
        "switches": switches,
        "rate": 1.0,
        "control_port": 0,
        "ssh_port_base": 0,
        "nxapi_port_base": 0,
    }
    settings.update(changes)
    return LabOptions(**settings)


def free_port() -> int:
    """A loopback port nothing listens on now (a server that cannot pick its own takes it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
