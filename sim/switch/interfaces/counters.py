"""Interface traffic counters that move with virtual time.

An interface that is up sends a steady load of its own: a share of its line rate and an
average packet size, derived from the interface's name and speed, so the same port of the
same PID always shows the same rates. It receives what the far end of its cable sends, or,
uncabled (mgmt0), a load of its own too. Counters are that load times the virtual
seconds since they were last cleared (`clear counters`) or the switch booted; a port that is
down shows zero. Nothing is scheduled: every `show` computes them from the clock.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sim.switch.interfaces.state import Interface

LOAD_INTERVALS = (30, 300)
"""NX-OS's two load intervals, in seconds (`Load-Interval #1` and `#2`)."""
_MULTICAST_SHARE = 40  # one packet in 40 is multicast
_BROADCAST_SHARE = 400  # one in 400 is broadcast


@dataclass(frozen=True)
class Direction:
    """One direction's load and what it added up to."""

    bits_per_second: int
    packets_per_second: int
    octets: int
    packets: int

    @property
    def multicast(self) -> int:
        return self.packets // _MULTICAST_SHARE

    @property
    def broadcast(self) -> int:
        return self.packets // _BROADCAST_SHARE

    @property
    def unicast(self) -> int:
        return self.packets - self.multicast - self.broadcast


@dataclass(frozen=True)
class Traffic:
    rx: Direction
    tx: Direction
    cleared_at: datetime | None
    """When `clear counters` last ran on this interface; None: never since boot."""
    since_clear: timedelta


_IDLE = Direction(0, 0, 0, 0)


def _share(interface: Interface, direction: str) -> tuple[float, int]:
    """(fraction of line rate, average packet size in bytes) for one direction."""
    seed = hashlib.sha256(f"{interface.name}/{interface.speed_mbps}/{direction}".encode())
    digest = int.from_bytes(seed.digest()[:8], "big")
    if interface.is_mgmt:
        fraction = 0.00002 + (digest % 1000) / 1000 * 0.00008  # 20-100 kb/s of 1G
    else:
        fraction = 0.001 + (digest % 1000) / 1000 * 0.02  # 0.1% to 2.1% of the line rate
    size = 128 + (digest >> 16) % 1280
    return fraction, size


def _direction(interface: Interface, direction: str, seconds: float) -> Direction:
    fraction, size = _share(interface, direction)
    bits = round(interface.speed_mbps * 1_000_000 * fraction)
    octets = int(bits / 8 * seconds)
    return Direction(bits, max(1, round(bits / 8 / size)), octets, octets // size)


def traffic(
    interface: Interface,
    *,
    now: datetime,
    booted_at: datetime | None,
    far_end: Interface | None = None,
) -> Traffic:
    """The interface's counters at `now`, counted from its last clear or the boot.

    `far_end` is the port at the other end of its cable: what it sends is what this one
    receives, so both ends of a cable agree (and a far end that is down sends nothing)."""
    cleared_at = interface.counters_cleared_at
    start = cleared_at if cleared_at is not None else (booted_at or now)
    elapsed = max(timedelta(0), now - start)
    if not interface.oper_up:
        return Traffic(_IDLE, _IDLE, cleared_at, elapsed)
    seconds = elapsed.total_seconds()
    if far_end is None:
        received = _direction(interface, "rx", seconds)
    else:
        received = _direction(far_end, "tx", seconds) if far_end.oper_up else _IDLE
    return Traffic(received, _direction(interface, "tx", seconds), cleared_at, elapsed)


def rate_text(bits_per_second: int) -> str:
    """`1.08 Kbps`, as the `input rate ... ; output rate ...` line prints a rate."""
    for unit, scale in (("Gbps", 1e9), ("Mbps", 1e6), ("Kbps", 1e3)):
        if bits_per_second >= scale:
            return f"{bits_per_second / scale:.2f} {unit}"
    return f"{bits_per_second} bps"


def age_text(age: timedelta) -> str:
    """`00:05:12`, `3d04h`, `2w1d`: how NX-OS prints the time since an event."""
    seconds = int(age.total_seconds())
    days, rest = divmod(seconds, 86_400)
    if days == 0:
        return f"{rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}"
    if days < 7:
        return f"{days}d{rest // 3600:02d}h"
    return f"{days // 7}w{days % 7}d"
