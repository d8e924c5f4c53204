"""CPU load and memory use: plausible, stable for one switch, moving with virtual time.

Readings are a pure function of the serial number and the minute of virtual time, so the
same lab at the same moment shows the same figures, and two switches differ."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sim.switch.hardware.catalog import MEMORY_KB


def _fraction(*parts: object) -> float:
    digest = hashlib.sha256("/".join(str(part) for part in parts).encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32


@dataclass(frozen=True)
class Load:
    user: float
    kernel: float
    one_minute: int
    five_minutes: int
    five_seconds: int
    load_averages: tuple[float, float, float]
    memory_used_kb: int
    processes: int

    @property
    def idle(self) -> float:
        return round(100.0 - self.user - self.kernel, 2)

    @property
    def memory_free_kb(self) -> int:
        return MEMORY_KB - self.memory_used_kb


def load_at(serial: str, now: datetime) -> Load:
    minute = int(now.timestamp()) // 60
    user = round(1.0 + 4.0 * _fraction(serial, "user", minute), 2)
    kernel = round(0.5 + 2.0 * _fraction(serial, "kernel", minute), 2)
    busy = user + kernel
    five = round(busy + 1.5 * _fraction(serial, "5m", minute // 5))
    averages = tuple(
        round(0.2 + busy / 10 + 0.3 * _fraction(serial, "avg", span, minute // span), 2)
        for span in (1, 5, 15)
    )
    used = int(MEMORY_KB * (0.27 + 0.03 * _fraction(serial, "mem", minute // 10)))
    return Load(
        user=user,
        kernel=kernel,
        one_minute=round(busy),
        five_minutes=five,
        five_seconds=round(busy + 2 * _fraction(serial, "5s", minute)),
        load_averages=(averages[0], averages[1], averages[2]),
        memory_used_kb=used,
        processes=760 + int(40 * _fraction(serial, "procs", minute // 10)),
    )
