"""The lab's syslog as one numbered stream, for clients that follow it (`slpsim syslog --follow`).

Each line any switch logs gets the next number; a client asks for the lines after the last
number it saw and, when there are none yet, waits a bounded while for one. The feed keeps the
most recent lines only: a client that falls further behind is told how many it missed.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import deque
from dataclasses import dataclass

from sim.switch.switch import Switch
from sim.syslog import SyslogRecord

FEED_CAPACITY = 10_000
MAX_BATCH = 1000


@dataclass(frozen=True)
class FedLine:
    number: int
    switch: str
    severity: int
    line: str


@dataclass(frozen=True)
class FeedBatch:
    cursor: int  # the number of the last line seen: ask for the lines after it next time
    lines: list[FedLine]
    missed: int  # lines that left the feed before this client asked for them


class SyslogFeed:
    def __init__(self, capacity: int = FEED_CAPACITY) -> None:
        self._lines: deque[FedLine] = deque(maxlen=capacity)
        self._last = 0
        self._waiters: set[asyncio.Future[None]] = set()

    @property
    def last(self) -> int:
        return self._last

    def attach(self, name: str, switch: Switch) -> None:
        switch.syslog_listeners.append(lambda record: self.add(name, record))

    def add(self, name: str, record: SyslogRecord) -> None:
        self._last += 1
        self._lines.append(FedLine(self._last, name, record.severity, record.logfile_line()))
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._waiters.clear()

    def after(self, cursor: int, switch: str | None = None) -> FeedBatch:
        cursor = min(max(cursor, 0), self._last)
        oldest = self._lines[0].number if self._lines else self._last + 1
        missed = max(0, oldest - cursor - 1)
        # Numbers are consecutive: the first line after `cursor` sits at a known index.
        first = max(0, cursor + 1 - oldest)
        fresh = list(itertools.islice(self._lines, first, first + MAX_BATCH))
        end = fresh[-1].number if fresh else max(cursor, oldest - 1, 0)
        shown = [line for line in fresh if switch is None or line.switch == switch]
        return FeedBatch(cursor=end, lines=shown, missed=missed)

    async def wait_after(self, cursor: int, switch: str | None, timeout: float) -> FeedBatch:
        """The lines after `cursor`, waiting up to `timeout` seconds for the first."""
        if cursor >= self._last and timeout > 0:
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiters.add(waiter)
            try:
                await asyncio.wait_for(asyncio.shield(waiter), timeout)
            except TimeoutError:
                pass
            finally:
                self._waiters.discard(waiter)
        return self.after(cursor, switch)
