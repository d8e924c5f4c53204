"""What people do to a running lab, as one ordered stream of records.

Every front end reports here: a CLI line typed over SSH, NX-API or the web console, a fault
added or cleared, a clock jump or rate change, an ID token issued, a back-end UI action, a
file put in the workspace. The web console draws its timeline from it and `slpsim lab
--record` turns it into a scenario file. Records carry the virtual time they happened at; the
log keeps the most recent ones only, and listeners see every record as it is added.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

ACTIVITY_CAPACITY = 10_000

# cli: a line typed on a switch (`switch`, `via`, `line`, `error`, `mode` in `params`);
# fault / clear / clear_all: a fault on (`target`, `kind`, `params`, `fault_id`) or off;
# advance: a jump (`seconds` in `params`) as asked for; cancel: it stopped short, having
# moved `seconds`; rate: a new clock rate (`rate` in `params`);
# token: an ID token issued (`issuer`, `virtual_account`, `token` in `params`);
# action: a back-end UI action (`target`, `action`, `params`); file: a workspace file put.
ActivityKind = Literal[
    "cli", "fault", "clear", "clear_all", "advance", "cancel", "rate", "token", "action", "file"
]


@dataclass(frozen=True)
class Activity:
    number: int
    at: datetime  # virtual time when it happened
    kind: ActivityKind
    switch: str | None = None
    via: str | None = None  # ssh | nxapi | console | control
    params: dict[str, Any] = field(default_factory=dict)


Listener = Callable[[Activity], None]


class ActivityLog:
    def __init__(self, capacity: int = ACTIVITY_CAPACITY) -> None:
        self._records: deque[Activity] = deque(maxlen=capacity)
        self._last = 0
        self.listeners: list[Listener] = []

    @property
    def last(self) -> int:
        return self._last

    def add(
        self,
        at: datetime,
        kind: ActivityKind,
        /,
        *,
        switch: str | None = None,
        via: str | None = None,
        **params: Any,
    ) -> Activity:
        self._last += 1
        record = Activity(self._last, at, kind, switch, via, params)
        self._records.append(record)
        for listener in list(self.listeners):
            listener(record)
        return record

    def after(self, number: int) -> list[Activity]:
        return [r for r in self._records if r.number > number]
