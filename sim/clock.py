"""Time for the whole simulation: the one module allowed to read the wall clock.

Everything else receives a `Clock` and asks it for `now()`. Virtual time lets a simulated
year pass in milliseconds; `PacedClock` ties virtual time to real time for labs and demos
(rate x real time) while still allowing jumps forward.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class ClockError(ValueError):
    """Raised when a clock is asked to run backwards or is given a naive datetime."""


def _require_aware(when: datetime) -> datetime:
    if when.tzinfo is None:
        raise ClockError(f"naive datetime {when.isoformat()}: give a timezone (UTC)")
    return when.astimezone(UTC)


class VirtualClock:
    """Simulation time that only moves when the scheduler moves it."""

    def __init__(self, start: datetime) -> None:
        self._now = _require_aware(start)

    def now(self) -> datetime:
        return self._now

    def advance_to(self, when: datetime) -> None:
        when = _require_aware(when)
        if when < self._now:
            raise ClockError(f"cannot go back from {self._now.isoformat()} to {when.isoformat()}")
        self._now = when

    def advance(self, delta: timedelta) -> None:
        self.advance_to(self._now + delta)


class PacedClock(VirtualClock):
    """Virtual time that also flows at `rate` x real time between explicit jumps.

    Paced and virtual time must give the same event sequence, so real time never carries
    virtual time past an event that has not run: `hold` (the scheduler's next event) caps the
    flow, and once the scheduler moves the clock to an event (`advance_to`) the clock stays
    pinned there, whatever real time does while events run, until the pacer `release`s it.
    Real time is not lost meanwhile: flowing resumes from the same anchor.
    """

    def __init__(self, start: datetime, rate: float = 1.0) -> None:
        super().__init__(start)
        self.rate = rate
        self.hold: Callable[[], datetime | None] | None = None
        self._pinned = False
        self._anchor_real = time.monotonic()
        self._anchor_virtual = self._now

    def _flowing(self) -> datetime:
        elapsed = (time.monotonic() - self._anchor_real) * self.rate
        return self._anchor_virtual + timedelta(seconds=elapsed)

    def now(self) -> datetime:
        if not self._pinned:
            flowing = self._flowing()
            limit = self.hold() if self.hold is not None else None
            if limit is not None:
                flowing = min(flowing, limit)
            self._now = max(self._now, flowing)
        return self._now

    def advance_to(self, when: datetime) -> None:
        when = _require_aware(when)
        jump = when > self._flowing()
        super().advance_to(max(when, self._now))
        self._pinned = True
        if jump:
            # Explicit jumps move the anchor; catching up with events keeps it.
            self._anchor_real = time.monotonic()
            self._anchor_virtual = self._now

    def set_rate(self, rate: float) -> None:
        """Flow at `rate` from now on; the time already flowed is kept, not rescaled."""
        self._anchor_virtual = self.now()
        self._anchor_real = time.monotonic()
        self.rate = rate

    def release(self) -> None:
        """Let real time carry virtual time again (up to the next event)."""
        self._pinned = False

    def real_seconds_until(self, when: datetime) -> float:
        """How long to sleep in real time before virtual time reaches `when`."""
        if self.rate <= 0:
            return float("inf")
        return max(0.0, (when - self.now()).total_seconds() / self.rate)


def wall_clock_now() -> datetime:
    """The real UTC time, for the few places (lab start-up) that anchor virtual time to it."""
    return datetime.now(UTC)


def real_monotonic() -> float:
    """Monotonic real seconds, for benchmarks and pacing only."""
    return time.monotonic()


def wait_real(seconds: float) -> None:
    """Block the calling thread for `seconds` of real time: for command-line clients that poll
    a lab, never for anything inside a simulation (that schedules on its Scheduler)."""
    time.sleep(seconds)
