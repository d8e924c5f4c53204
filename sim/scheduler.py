"""A discrete-event scheduler: a heap of timed actions that drives one VirtualClock.

Actions may be plain callables or return an awaitable (a network exchange through an
ASGI app); `run_until` awaits those in order, so virtual time never moves while an
exchange is in flight. Ties run in the order they were scheduled.

An action that raises does not stop time: the exception is recorded as an incident against
the action's owner (a switch name, a back end) and the next event runs; only `Halt` stops
the run. A lab's pacer task drives `run_until`; one bad input must not freeze every switch.
"""

from __future__ import annotations

import asyncio
import heapq
import inspect
import itertools
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sim.clock import VirtualClock
from sim.incidents import Incidents

Action = Callable[[], Awaitable[None] | None]
# Sync events run back to back would starve every other task of an event loop (a lab's
# control API, NX-API, SSH): let them in this often.
YIELD_EVERY = 1000
# Below this many cancelled entries the heap is left alone: compacting costs more than it saves.
COMPACT_MIN = 64


class Halt(RuntimeError):
    """Raised by an action when the whole simulation must stop (its state can no longer be
    saved, say): the one exception the scheduler lets through instead of containing it."""


class Handle:
    """An event in the heap, returned by `schedule`: lets the owner cancel it before it fires.

    One object is both the heap's entry and the owner's handle: agents re-arm their timers at
    nearly every event, so each schedule builds as little as it can.
    """

    __slots__ = ("_scheduler", "action", "at", "cancelled", "owner", "seq")

    def __init__(
        self, at: datetime, seq: int, action: Action, owner: str, scheduler: Scheduler
    ) -> None:
        self.at = at
        self.seq = seq
        self.action = action
        self.owner = owner
        self.cancelled = False
        self._scheduler = scheduler

    def cancel(self) -> None:
        if not self.cancelled:  # a fired event is marked cancelled as it runs
            self.cancelled = True
            self._scheduler._cancelled_one()

    @property
    def active(self) -> bool:
        return not self.cancelled


class Scheduler:
    def __init__(self, clock: VirtualClock, incidents: Incidents | None = None) -> None:
        self.clock = clock
        self.incidents = incidents if incidents is not None else Incidents()
        # (at, seq, entry): tuples compare in C, and the heap is pushed and popped per event.
        self._heap: list[tuple[datetime, int, Handle]] = []
        # Cancelled entries still in the heap: agents re-arm their timers far more often than
        # the timers fire, and a heap mostly of dead entries costs every push and pop.
        self._cancelled = 0
        self._seq = itertools.count()
        self.events_run = 0
        # Between the slices of a run (run_slice): events scheduled before this sequence
        # number belong to that run and wait for its next slice, even if due now.
        self._paused_run_before: int | None = None
        # Told the owner of each event as it runs: a lab's state dir saves what events touched.
        self.on_event: Callable[[str], None] | None = None

    def schedule(self, at: datetime, action: Action, *, owner: str = "scheduler") -> Handle:
        """Run `action` at `at`; `owner` names who an exception in it is recorded against."""
        if not isinstance(at, datetime) or at.tzinfo is None:
            # Refused here, in the caller, rather than failing inside the run loop later.
            raise ValueError(f"an event needs a timezone-aware datetime, got {at!r}")
        now = self.clock.now()
        if at < now:
            at = now
        entry = Handle(at, next(self._seq), action, owner, self)
        heapq.heappush(self._heap, (at, entry.seq, entry))
        return entry

    def call_soon(self, action: Action, *, owner: str = "scheduler") -> Handle:
        # `schedule` at now, without its checks: the clock's own reading needs none. A switch
        # calls this for every message it sends.
        at = self.clock.now()
        entry = Handle(at, next(self._seq), action, owner, self)
        heapq.heappush(self._heap, (at, entry.seq, entry))
        return entry

    def peek(self) -> datetime | None:
        while self._heap and self._heap[0][2].cancelled:
            heapq.heappop(self._heap)
            self._cancelled -= 1
        return self._heap[0][0] if self._heap else None

    def _cancelled_one(self) -> None:
        self._cancelled += 1
        if self._cancelled > COMPACT_MIN and 2 * self._cancelled > len(self._heap):
            self._heap = [item for item in self._heap if not item[2].cancelled]
            heapq.heapify(self._heap)
            self._cancelled = 0

    @property
    def pending(self) -> int:
        """Events still to run (cancelled ones not counted)."""
        return len(self._heap) - self._cancelled

    async def run_until(self, until: datetime) -> None:
        """Run every event due at or before `until`, then leave the clock at `until`."""
        while True:
            # `peek`, inlined: this loop runs once per event. The heap is read again each time
            # round, as cancelling during an event may compact it into a new list.
            heap = self._heap
            while heap and heap[0][2].cancelled:
                heapq.heappop(heap)
                self._cancelled -= 1
            if not heap or heap[0][0] > until:
                break
            pending = self._fire(heapq.heappop(heap)[2])
            if pending is not None:
                await pending
        if until > self.clock.now():
            self.clock.advance_to(until)

    async def run_slice(
        self, until: datetime, *, max_events: int, enough: Callable[[], bool] | None = None
    ) -> bool:
        """Run part of `run_until(until)`: at most `max_events` events, and none after
        `enough()` says so. True when the whole run is done (the clock is then at `until`);
        otherwise the clock stays at the last event run, so slices in a row run exactly the
        events, at exactly the times, of one uninterrupted `run_until`."""
        self._paused_run_before = None
        ran = 0
        while (nxt := self.peek()) is not None and nxt <= until:
            if ran >= max_events or (ran and enough is not None and enough()):
                self._paused_run_before = next(self._seq)
                return False
            pending = self._fire(heapq.heappop(self._heap)[2])
            if pending is not None:
                await pending
            ran += 1
        if until > self.clock.now():
            self.clock.advance_to(until)
        return True

    def end_run(self) -> None:
        """The sliced run stopped for good (done or cancelled): what it left due is due."""
        self._paused_run_before = None

    def _fire(self, entry: Handle) -> Awaitable[None] | None:
        """Run one event; returns what is left to await, if anything.

        A plain method, not a coroutine: most actions are plain calls, and a coroutine made
        and awaited per event would cost more than the event's own scheduling."""
        self.clock.advance_to(entry.at)
        entry.cancelled = True
        self.events_run += 1
        if self.on_event is not None:
            self.on_event(entry.owner)
        try:
            result = entry.action()
        except Halt:
            raise
        except Exception as exc:  # contained: recorded, and time goes on
            self.incidents.record(self.clock.now(), entry.owner, exc)
            result = None
        # Most actions are plain calls: None needs no awaitable check.
        if result is not None and inspect.isawaitable(result):
            return self._finish(entry, result)
        if self.events_run % YIELD_EVERY == 0:
            return asyncio.sleep(0)
        return None

    async def _finish(self, entry: Handle, result: Awaitable[None]) -> None:
        """The awaited part of an event (a network exchange), contained as `_fire` is."""
        try:
            await result
        except Halt:
            raise
        except Exception as exc:
            self.incidents.record(self.clock.now(), entry.owner, exc)
        if self.events_run % YIELD_EVERY == 0:
            await asyncio.sleep(0)

    async def advance(self, delta: timedelta) -> None:
        await self.run_until(self.clock.now() + delta)

    async def settle(self) -> None:
        """Run what is due right now (including what those events schedule for now).

        Between two slices of a run, only what was scheduled since: a command typed during a
        lab's jump runs its own effects, not the jump's next hundred events due at the same
        instant (the jump's next slice runs those, as it would have without the command)."""
        paused = self._paused_run_before
        if paused is None:
            await self.run_until(self.clock.now())
            return
        now = self.clock.now()
        held: list[tuple[datetime, int, Handle]] = []
        while (nxt := self.peek()) is not None and nxt <= now:
            item = heapq.heappop(self._heap)
            if item[1] < paused:
                held.append(item)
            elif (pending := self._fire(item[2])) is not None:
                await pending
        for item in held:
            heapq.heappush(self._heap, item)
