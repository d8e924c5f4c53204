"""Incidents: unexpected exceptions that were contained instead of stopping the simulation.

A bug or an input that slipped past validation must never stop time for every switch. Where
the simulation runs code on someone's behalf (a scheduler event, a CLI line, a back-end call)
an unexpected exception is caught, recorded here with the virtual time and the component it
hit, and the simulation goes on. The control API (`GET /sim/incidents`) and `slpsim
incidents` show them, so a contained failure is still visible.
"""

from __future__ import annotations

import traceback
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

# Enough to diagnose a storm of the same failure without growing without bound.
MAX_INCIDENTS = 1000


@dataclass(frozen=True)
class Incident:
    id: int
    at: datetime  # virtual time
    where: str  # a switch name, a back end, "scheduler", "lab", ...
    summary: str  # one line: "ValueError: ..."
    detail: str  # the traceback, for a bug report

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "where": self.where,
            "summary": self.summary,
            "detail": self.detail,
        }


class Incidents:
    def __init__(self, limit: int = MAX_INCIDENTS) -> None:
        self._items: deque[Incident] = deque(maxlen=limit)
        self._next_id = 1

    def record(self, at: datetime, where: str, exc: BaseException) -> Incident:
        summary = f"{type(exc).__name__}: {exc}".splitlines()[0][:500]
        detail = "".join(traceback.format_exception(exc))
        incident = Incident(self._next_id, at, where, summary, detail)
        self._next_id += 1
        self._items.append(incident)
        return incident

    def __iter__(self) -> Iterator[Incident]:
        return iter(list(self._items))

    def __len__(self) -> int:
        return len(self._items)

    def since(self, incident_id: int = 0) -> list[Incident]:
        return [i for i in self._items if i.id > incident_id]
