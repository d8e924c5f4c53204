"""Interface traffic counters that move with virtual time.

An interface that is up sends a steady load of its own: a share of its line rate and an
average packet size, derived from the interface's name and speed, so the same port of the
same PID always shows the same rates. It receives what the far end of its cable sends, or,
uncabled (mgmt0), a load of its own too. Counters are that load times the virtual
seconds the link was up since they were last cleared (`clear counters`) or the switch booted:
while a link is down its counters keep their totals and its rates read zero, and when it comes
back they grow again from those totals, as a real port's do through an outage.

Nothing is scheduled: every `show` computes them from the clock and the port's last link
change, which the cabling and `shutdown` note the moment the link goes up or down
(`note_link`); a port's change is state, saved with the switch, so a lab restart keeps it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sim.switch.interfaces.state import Interface, LinkChange

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
    at: datetime
    """The moment they were counted at (a `show` prints other ages from it too)."""


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


def _idle(direction: Direction) -> Direction:
    """The same totals with nothing moving now."""
    return Direction(0, 0, direction.octets, direction.packets)


def _counted_from(interface: Interface, now: datetime, booted_at: datetime | None) -> datetime:
    cleared_at = interface.counters_cleared_at
    return cleared_at if cleared_at is not None else (booted_at or now)


def _noted_up(interface: Interface) -> bool:
    """Whether the link was up as last noted; a port without a change is as it was made, and
    a switch makes only mgmt0 up (front-panel ports wait for their cable)."""
    change = interface.link_change
    return change.up if change is not None else interface.is_mgmt


def up_time(interface: Interface, *, now: datetime, booted_at: datetime | None) -> timedelta:
    """How long the link has been up since its counters' start (last clear, else the boot)."""
    start = _counted_from(interface, now, booted_at)
    change = interface.link_change
    if change is None:
        # Nothing noted since the port was made: it has been as it is all along.
        return max(timedelta(0), now - start) if interface.oper_up else timedelta(0)
    # A clear after the change drops what was counted before it.
    before = change.up_before if change.counted_from == start else timedelta(0)
    since = max(change.at, start)
    return before + (max(timedelta(0), now - since) if change.up else timedelta(0))


def note_link(interface: Interface, *, now: datetime, booted_at: datetime | None) -> None:
    """Note that the link may have gone up or down at `now` (nothing when it did not).

    Whatever brings a port up or down calls it at that instant, so the counters count
    exactly the time the link was up."""
    was_up = _noted_up(interface)
    if interface.oper_up == was_up:
        return
    start = _counted_from(interface, now, booted_at)
    if interface.link_change is None:
        # Its first change: it was as it was made from the counters' start until now.
        before = max(timedelta(0), now - start) if was_up else timedelta(0)
    else:
        before = up_time(interface, now=now, booted_at=booted_at)
    interface.link_change = LinkChange(interface.oper_up, now, before, start)


def traffic(
    interface: Interface,
    *,
    now: datetime,
    booted_at: datetime | None,
    far_end: Interface | None = None,
) -> Traffic:
    """The interface's counters at `now`, counted over the time its link was up since its last
    clear or the boot.

    `far_end` is the port at the other end of its cable: what it sends is what this one
    receives, so both ends of a cable agree (the link is up only while both ends are)."""
    cleared_at = interface.counters_cleared_at
    elapsed = max(timedelta(0), now - _counted_from(interface, now, booted_at))
    seconds = up_time(interface, now=now, booted_at=booted_at).total_seconds()
    sender = far_end if far_end is not None else interface
    received = _direction(sender, "tx" if far_end is not None else "rx", seconds)
    sent = _direction(interface, "tx", seconds)
    if not interface.oper_up:
        received, sent = _idle(received), _idle(sent)
    elif far_end is not None and not far_end.oper_up:
        received = _idle(received)
    return Traffic(received, sent, cleared_at, elapsed, now)


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
