"""A clock jump in a running lab, run in slices so the lab keeps answering while it runs.

A jump of a year runs hundreds of thousands of events. Holding the lab's lock for all of them
would freeze every SSH session, NX-API client and control request until it ends, so a jump
takes the lock for one slice (a bounded number of events, a few milliseconds of real time),
lets go and yields to the event loop, and takes it again. Requests queued on the lock are
served between slices. Slices stop only between two events and leave the clock at the last
event run, so a sliced jump runs the same events at the same virtual times as one
uninterrupted `run_until`, and ends in the same state.

A jump can be cancelled: it stops at the next slice boundary, with every event up to there
run and none half-way, and the lab can jump again from there.

Between slices a command's own effects run at once (Scheduler.settle), while the events the
jump still has due at that instant wait for its next slice: a `show clock` during a jump of a
hundred switches costs one command, not the hundred exchanges due at the same moment.
"""

from __future__ import annotations

import asyncio
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sim.clock import real_monotonic
from sim.scheduler import Scheduler


@dataclass(frozen=True)
class SliceBudget:
    """How much of a jump runs under the lock before others get their turn."""

    events: int = 500
    seconds: float = 0.005


# Event-loop turns between two slices: enough for a request read from its socket in the
# first to reach the lab's lock in the last (uvicorn parses it and starts the app's task, the
# app reads its body and asks for the lock, each step a turn or more), so it is served before
# the next slice rather than after several. Measured with 100 switches jumping a year:
# `show clock` over NX-API waited p50 34 ms with one turn, 13 ms with 16; a turn with nothing
# to do costs a few microseconds against a slice's 5 ms.
YIELDS_BETWEEN_SLICES = 16

# For comparisons and tests: the whole jump in one slice, as `run_until` would run it.
UNSLICED = SliceBudget(events=sys.maxsize, seconds=math.inf)


class JumpRunning(RuntimeError):
    """A jump was asked for while another one runs: one jump at a time."""


@dataclass(frozen=True)
class JumpProgress:
    start: datetime
    target: datetime
    now: datetime
    fraction: float
    events: int
    cancelled: bool


class Jump:
    """One jump from `start` to `target`; `run` drives it, `cancel` stops it early."""

    def __init__(
        self, scheduler: Scheduler, start: datetime, target: datetime, budget: SliceBudget
    ) -> None:
        self.scheduler = scheduler
        self.start = start
        self.target = target
        self.budget = budget
        self.cancel_requested = False
        self.slices = 0
        self.error: BaseException | None = None
        self.finished = asyncio.Event()
        self.task: asyncio.Task[None] | None = None  # held here so it is not collected
        self._events_before = scheduler.events_run

    @property
    def events(self) -> int:
        return self.scheduler.events_run - self._events_before

    @property
    def cancelled(self) -> bool:
        """Whether the jump stopped (or was asked to stop) before reaching its target."""
        return self.cancel_requested and self.scheduler.clock.now() < self.target

    def cancel(self) -> None:
        self.cancel_requested = True

    def progress(self) -> JumpProgress:
        now = min(self.scheduler.clock.now(), self.target)
        span = (self.target - self.start).total_seconds()
        done = (now - self.start).total_seconds()
        fraction = 1.0 if span <= 0 else min(1.0, max(0.0, done / span))
        return JumpProgress(self.start, self.target, now, fraction, self.events, self.cancelled)

    async def run(self, lock: asyncio.Lock) -> None:
        """Run slices until the target is reached or the jump is cancelled."""
        budget = self.budget
        try:
            while not self.cancel_requested:
                async with lock:
                    done = await self.scheduler.run_slice(
                        self.target,
                        max_events=budget.events,
                        enough=_time_up(real_monotonic() + budget.seconds),
                    )
                    self.slices += 1
                if done:
                    return
                # asyncio.Lock hands itself to a queued waiter on release, but a request that
                # has only just arrived is not queued yet: its bytes wait for the loop to poll
                # the sockets, and its handler for a turn or two more to reach the lock. A
                # slice makes no I/O of its own (the back ends are reached in-process), so
                # give the loop those turns here.
                for _ in range(YIELDS_BETWEEN_SLICES):
                    await asyncio.sleep(0)
        finally:
            self.scheduler.end_run()


def _time_up(deadline: float) -> Callable[[], bool]:
    return lambda: real_monotonic() >= deadline
