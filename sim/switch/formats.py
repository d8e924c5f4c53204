"""How every feature of the switch prints times and absent values, as NX-OS does."""

from __future__ import annotations

from datetime import datetime

from sim.syslog import MONTHS

NONE = "<none>"
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def license_time(at: datetime | None) -> str:
    """`Jan 05 09:00:00 2026 UTC`, or `<none>`."""
    if at is None:
        return NONE
    return f"{MONTHS[at.month - 1]} {at.day:02d} {at:%H:%M:%S} {at.year} UTC"


def config_time(at: datetime) -> str:
    """`Mon Jan  5 09:00:00 2026`, as the running-config header and `dir` print it."""
    return f"{DAYS[at.weekday()]} {MONTHS[at.month - 1]} {at.day:2d} {at:%H:%M:%S} {at.year}"


def iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


def config_text(lines: list[str], *, title: str, changed_at: datetime, now: datetime) -> str:
    """A configuration as `show running-config` prints it: the `!Command` header, the lines."""
    header = [
        f"!Command: {title}",
        f"!Running configuration last done at: {config_time(changed_at)}",
        f"!Time: {config_time(now)}",
        "",
    ]
    return "\n".join(header + lines) + "\n"
