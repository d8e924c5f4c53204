"""The epoch-millisecond timestamps of device messages, and how far apart two clocks may be."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sim.timing import TimingProfile

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)


def epoch_ms(when: datetime) -> int:
    # Integer timedelta division: float timestamps lose the last millisecond now and then.
    return (when - _EPOCH) // _MILLISECOND


def clock_skewed(timestamp_ms: int, now: datetime, timing: TimingProfile) -> bool:
    """A product instance clock too far from ours for trust (seed: less than one hour)."""
    return abs(timestamp_ms - epoch_ms(now)) >= timing.max_clock_skew // _MILLISECOND
