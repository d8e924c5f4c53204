"""Live updates for the console: one producer, many viewers, small incremental messages.

Syslog lines and activity records only mark the hub dirty; one pump task turns what changed
since its last round into a single update (new lines, new timeline events, the switches whose
state changed, the faults if they changed, the clock) and hands the same encoded text to every
viewer. So a storm of a hundred switches logging during a year-long jump costs one update per
round, not one per line, and each update carries at most a bounded number of lines (the
newest, with a count of those skipped). A viewer too slow to take its updates is told to
start again from a fresh snapshot rather than being sent everything.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import deque
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from sim.lab.console import timeline, view
from sim.lab.syslog_feed import SyslogFeed

if TYPE_CHECKING:
    from sim.agent.records import HistoryEntry
    from sim.lab.activity import Activity
    from sim.lab.lab import Lab
    from sim.syslog import SyslogRecord

# Seconds the pump waits after the first change before it sends: changes arriving meanwhile
# ride in the same update.
COALESCE_SECONDS = 0.025
# Seconds between rounds when nothing is logged: the clock and silent changes (a push that
# succeeded, an ACK poll) still show.
IDLE_ROUND_SECONDS = 0.5
MAX_LINES_PER_UPDATE = 300
MAX_EVENTS_PER_UPDATE = 2000
SNAPSHOT_LINES = 500
SNAPSHOT_EVENTS = 5000
TIMELINE_CAPACITY = 50_000
VIEWER_BACKLOG = 64
KEEPALIVE_SECONDS = 15.0
# How often a quiet stream looks whether the lab is stopping (it must not hold the stop up).
STOP_CHECK_SECONDS = 1.0


# Marks a field a viewer has not been sent yet (None is a value fields take).
delta_absent = object()


class _Viewer:
    def __init__(self) -> None:
        self.queue: asyncio.Queue[str | None] = asyncio.Queue(VIEWER_BACKLOG)
        self.overrun = False


class ConsoleHub:
    def __init__(self, lab: Lab) -> None:
        self.lab = lab
        sim = lab.simulation
        self.feed = SyslogFeed()
        self._events: deque[tuple[int, timeline.TimelineEvent]] = deque(maxlen=TIMELINE_CAPACITY)
        self._event_number = 0
        self._sent_line = 0
        self._sent_event = 0
        self._history_seen: dict[str, HistoryEntry | None] = {}
        self._offsets: dict[str, float] = {}
        self._fingerprints: dict[str, tuple[object, ...]] = {}
        self._sent: dict[str, dict[str, Any]] = {}  # each switch's state as viewers have it
        self._faults: list[dict[str, Any]] = []
        self._clock: dict[str, Any] = {}
        self._dirty = asyncio.Event()
        self._viewers: set[_Viewer] = set()
        self._pump: asyncio.Task[None] | None = None
        for name, switch in sim.switches.items():
            switch.syslog_listeners.append(
                lambda record, name=name: self._on_syslog(name, record)  # type: ignore[misc]
            )
            self._history_seen[name] = switch.agent.history[-1] if switch.agent.history else None
            self._offsets[name] = switch.clock_offset.total_seconds()
        self._changed_states()
        self._faults = view.faults(sim)
        lab.activity.listeners.append(self._on_activity)

    # ------------------------------------------------------------ sources

    def _on_syslog(self, name: str, record: SyslogRecord) -> None:
        self.feed.add(name, record)
        event = timeline.from_syslog(name, record)
        if event is not None:
            self._add_event(event)
        self._dirty.set()

    def _on_activity(self, activity: Activity) -> None:
        event = timeline.from_activity(activity, self.lab.simulation.switches)
        if event is not None:
            self._add_event(event)
        self._dirty.set()

    def _add_event(self, event: timeline.TimelineEvent) -> None:
        self._event_number += 1
        self._events.append((self._event_number, event))

    def _sample(self) -> None:
        """Read what the agents did without a log line: pushes, polls, NTP corrections."""
        sim = self.lab.simulation
        for name, switch in sim.switches.items():
            history = switch.agent.history
            seen = self._history_seen.get(name)
            fresh: list[HistoryEntry] = []
            for entry in reversed(history):
                if entry is seen:
                    break
                fresh.append(entry)
            offset = switch.clock_offset
            for entry in reversed(fresh):
                event = timeline.from_history(name, entry, entry.at - offset)
                if event is not None:
                    self._add_event(event)
            if history:
                self._history_seen[name] = history[-1]
            before, now = self._offsets.get(name, 0.0), offset.total_seconds()
            if before and not now and switch.ntp_synced_to:
                self._add_event(timeline.ntp_correction(name, sim.clock.now(), before))
            self._offsets[name] = now

    def _changed_states(self) -> list[dict[str, Any]]:
        """For each switch whose licensing changed since the last update, its name and the
        fields that changed (a retry moves `next_push`; nothing else is sent again)."""
        sim = self.lab.simulation
        changed = []
        for name in sim.switches:
            fingerprint = view.licensing_fingerprint(sim, name)
            if fingerprint == self._fingerprints.get(name):
                continue
            self._fingerprints[name] = fingerprint
            state = view.licensing_state(sim, name)
            # The switch clock moves all the time; viewers follow the lab clock.
            del state["now"]
            before = self._sent.get(name, {})
            delta = {k: v for k, v in state.items() if before.get(k, delta_absent) != v}
            self._sent[name] = state
            if delta:
                changed.append({"name": name, **delta})
        return changed

    # ------------------------------------------------------------ snapshot and updates

    def snapshot(self) -> dict[str, Any]:
        """Everything a viewer starts from; updates continue from its cursors."""
        lab = self.lab
        sim = lab.simulation
        lines = self.feed.after(max(0, self.feed.last - SNAPSHOT_LINES))
        events = list(self._events)[-SNAPSHOT_EVENTS:]
        return {
            "type": "snapshot",
            "clock": view.clock(lab),
            "topology": view.topology(lab),
            "switches": [view.licensing_state(sim, name) for name in sim.switches],
            "faults": view.faults(sim),
            "catalogue": view.fault_catalogue(sim),
            "actions": [{"target": t, "action": a} for t, a in sorted(sim.operator.actions())],
            "syslog": [_line(line) for line in lines.lines],
            "syslog_cursor": self.feed.last,
            "timeline": [event.as_json(n) for n, event in events],
            "timeline_cursor": self._event_number,
        }

    def update(self) -> dict[str, Any] | None:
        """What changed since the last update (None: nothing), one message for every viewer."""
        self._sample()
        sim = self.lab.simulation
        batch = self.feed.after(max(self._sent_line, self.feed.last - MAX_LINES_PER_UPDATE))
        skipped_lines = max(0, self.feed.last - self._sent_line - len(batch.lines))
        self._sent_line = self.feed.last
        fresh = [(n, e) for n, e in self._events_after(self._sent_event)]
        skipped_events = max(0, len(fresh) - MAX_EVENTS_PER_UPDATE)
        fresh = fresh[skipped_events:]
        self._sent_event = self._event_number
        changed = self._changed_states()
        message: dict[str, Any] = {"type": "update", "clock": view.clock(self.lab)}
        if batch.lines:
            message["syslog"] = [_line(line) for line in batch.lines]
        if skipped_lines:
            message["syslog_skipped"] = skipped_lines
        if fresh:
            message["timeline"] = [event.as_json(n) for n, event in fresh]
        if skipped_events:
            message["timeline_skipped"] = skipped_events
        if changed:
            message["switches"] = changed
        faults = view.faults(sim)
        if faults != self._faults:
            self._faults = faults
            message["faults"] = faults
        if len(message) == 2 and message["clock"] == self._clock:
            return None
        self._clock = message["clock"]
        return message

    def _events_after(self, number: int) -> list[tuple[int, timeline.TimelineEvent]]:
        if not self._events or self._events[-1][0] <= number:
            return []
        result: list[tuple[int, timeline.TimelineEvent]] = []
        for n, event in reversed(self._events):
            if n <= number:
                break
            result.append((n, event))
        result.reverse()
        return result

    # ------------------------------------------------------------ viewers

    async def stream(self) -> AsyncIterator[str]:
        """Server-sent events for one viewer: a snapshot, then updates as they come."""
        viewer = _Viewer()
        # What changed so far goes to the viewers there are, so the snapshot is exactly what
        # every viewer now has; the snapshot and the registration happen with no await between
        # them, so the new viewer misses nothing and sees nothing twice.
        self._broadcast(self.update())
        first = _sse(self.snapshot())
        self._viewers.add(viewer)
        self._ensure_pump()
        try:
            yield first
            quiet = 0.0
            while not self.lab.stopping:
                try:
                    # `timeout`, not `wait_for`: no task to wrap the wait, so a queued update
                    # is taken on the next turn of the loop, not two or three turns later,
                    # each of which a jump's slice may hold for milliseconds.
                    async with asyncio.timeout(STOP_CHECK_SECONDS):
                        text = await viewer.queue.get()
                except TimeoutError:
                    quiet += STOP_CHECK_SECONDS
                    if quiet >= KEEPALIVE_SECONDS:
                        quiet = 0.0
                        yield ": keep-alive\n\n"
                    continue
                quiet = 0.0
                if text is None:
                    yield _sse({"type": "reset"})
                    return
                yield text
        finally:
            self._viewers.discard(viewer)

    def _ensure_pump(self) -> None:
        if self._pump is None or self._pump.done():
            self._pump = asyncio.create_task(self._run_pump())

    async def _run_pump(self) -> None:
        while self._viewers and not self.lab.stopping:
            # As in `stream`: woken on the next turn of the loop once a line is logged.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(IDLE_ROUND_SECONDS):
                    await self._dirty.wait()
            if self._dirty.is_set():
                await asyncio.sleep(COALESCE_SECONDS)
            self._dirty.clear()
            try:
                message = self.update()
            except Exception as exc:
                # A bug in a view must not silence the console: record it and go on.
                sim = self.lab.simulation
                sim.incidents.record(sim.clock.now(), "console", exc)
                continue
            self._broadcast(message)

    def _broadcast(self, message: dict[str, Any] | None) -> None:
        if message is None or not self._viewers:
            return
        text = _sse(message)
        for viewer in list(self._viewers):
            if viewer.overrun:
                continue
            try:
                viewer.queue.put_nowait(text)
            except asyncio.QueueFull:
                viewer.overrun = True
                viewer.queue.get_nowait()
                viewer.queue.put_nowait(None)


def _line(line: Any) -> dict[str, Any]:
    return {"n": line.number, "switch": line.switch, "severity": line.severity, "line": line.line}


def _sse(message: dict[str, Any]) -> str:
    return f"data: {json.dumps(message, separators=(',', ':'))}\n\n"
