"""A switch's state as rows of switches.sqlite, so that a save writes what changed in it.

A switch is saved before every message it sends; most of its text is logs that only grow at
one end and shrink at the other (the syslog buffer, the agent's history, imports and event
log), and interfaces that rarely change. So a switch is split into rows:

- `<switch>`: everything else, one row; where a part sits it holds `{"$live": "<switch>/<part>"}`
  and, under `_logs`, the number of each log's oldest kept entry;
- `<switch>/<part>`: a part that changes as a whole (the interfaces), written again when its
  text changes;
- `<switch>/<log>#<n>`: a log in chunks of LOG_CHUNK entries, numbered from the log's first
  entry ever: entry `i` lives in chunk `i // LOG_CHUNK`. A save writes the chunks holding
  new entries and deletes the chunks whose entries were all dropped; a chunk that lost some
  of its oldest entries stays as it is (the `_logs` number says where the log starts). Each
  chunk holds `{"from": <number of its first entry>, "items": [...]}`.

A switch's rows are always written in one commit, so a crash never leaves half of one. A
switch saved before parts existed (schema 3) is one row holding everything; it loads as it
is and is split at its next save.

Log entries are frozen (they never change in place), so an entry that is the same object as
at the last save is the same text: only entries new since then are encoded.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sim.lab.state_store import StateError, Stored, dumps, loads

# Everything a switch knows that is not rebuilt from its identity.
SWITCH_STATE = (
    "hostname",
    "licenses_in_use",
    "agent",
    "dns",
    "ntp_servers",
    "ntp_synced_to",
    "logging_servers",
    "callhome",
    "clock_offset",
    "syslog",
    "bootflash",
    "startup_config",
    "booted_at",
    "config_changed_at",
    "current_vrf_context",
    "interfaces",
    "vlans",
    "users",
    "lines",
    "logging_console",
    "logging_monitor",
    "checkpoints",
    "licensed_features",
)

# Lists of frozen entries, appended to and trimmed from the front (attribute paths).
LOGS = ("syslog", "agent.history", "agent.imports", "agent.events")
# Values that change as a whole, seldom.
PARTS = ("interfaces",)
LOG_CHUNK = 16
LOGS_KEY = "_logs"
PART_SEP = "/"
CHUNK_SEP = "#"

Rows = dict[str, bytes | None]


@dataclass
class _HeldLog:
    """A log as the store holds it: the number of its first entry, the entries (the very
    objects), and the chunks that have rows."""

    base: int
    items: list[Any]
    chunks: set[int]


class SwitchRows:
    """Which rows of one switch to write or delete, and what the store holds of its logs."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._held: dict[str, _HeldLog] = {}  # log path -> as the store holds it
        self._next: dict[str, _HeldLog] = {}

    def rows(self, switch: object, live: Mapping[str, object]) -> Rows:
        """The switch's rows that may have changed: every part and the main row (the caller
        drops those whose text the store holds), the log chunks with new entries, and None
        for chunks to delete. `committed()` must follow once they are in the store."""
        self._next = {}
        linked = dict(live)
        parts: Rows = {}
        starts: dict[str, int] = {}
        for path in LOGS:
            log = _reach(switch, path)
            row = self.part_row(path)
            linked[row] = log
            starts[path] = self._log(path, row, log, live, parts)
        for path in PARTS:
            value = _reach(switch, path)
            row = self.part_row(path)
            linked[row] = value
            parts[row] = dumps(value, live, f"{self.name}.{path}")
        state: dict[str, Any] = {attr: getattr(switch, attr) for attr in SWITCH_STATE}
        state[LOGS_KEY] = starts
        return {self.name: dumps(state, linked, self.name), **parts}

    def committed(self) -> None:
        self._held.update(self._next)
        self._next = {}

    def part_row(self, path: str) -> str:
        return f"{self.name}{PART_SEP}{path}"

    def _log(
        self, path: str, row: str, log: list[Any], live: Mapping[str, object], out: Rows
    ) -> int:
        items = list(log)
        held = self._held.get(path)
        if held is None:  # the store holds none of it (a new switch, or schema 3)
            base, same, chunks = 0, 0, set[int]()
        else:
            before = held.items
            first = items[0] if items else None
            dropped = next((n for n, item in enumerate(before) if item is first), len(before))
            base, chunks = held.base + dropped, held.chunks
            rest = before[dropped:]
            same = 0
            while same < len(rest) and same < len(items) and rest[same] is items[same]:
                same += 1
            if dropped == 0 and same == len(rest) == len(items):
                return base  # unchanged
        end = base + len(items)
        live_chunks = set(range(base // LOG_CHUNK, -(-end // LOG_CHUNK))) if items else set()
        for n in range((base + same) // LOG_CHUNK, -(-end // LOG_CHUNK)):
            start = max(n * LOG_CHUNK, base)
            chunk = items[start - base : min((n + 1) * LOG_CHUNK, end) - base]
            out[f"{row}{CHUNK_SEP}{n}"] = dumps(
                {"from": start, "items": chunk}, live, f"{self.name}.{path}", keep_logs=False
            )
        for n in sorted(chunks - live_chunks):
            out[f"{row}{CHUNK_SEP}{n}"] = None
        self._next[path] = _HeldLog(base, items, live_chunks)
        return base

    # ---------------------------------------------------------------- restoring

    def restore(
        self, main: Stored, parts: Mapping[str, Stored], live: Mapping[str, object]
    ) -> dict[str, Any]:
        """The switch's state from its main row and its part rows (named without the
        switch's name: `interfaces`, `syslog#3`), as `restore_switch` takes it."""
        linked = dict(live)
        chunks: dict[str, dict[int, Stored]] = {}
        for name, data in parts.items():
            path, sep, number = name.partition(CHUNK_SEP)
            if sep and path in LOGS and number.isdigit():
                chunks.setdefault(path, {})[int(number)] = data
            elif not sep and path in PARTS:
                linked[self.part_row(path)] = loads(data, live)
            else:
                raise StateError(f"{data.origin} is not a row this slpsim writes")
        logs: dict[str, list[Any]] = {path: [] for path in LOGS}
        linked.update({self.part_row(path): log for path, log in logs.items()})
        state = loads(main, linked)
        if not isinstance(state, dict):
            raise StateError(f"{main.origin} is not a switch's saved state")
        starts = state.pop(LOGS_KEY, None)
        if starts is None:
            if parts:
                raise StateError(f"{main.origin}: saved state without where its logs start")
            return state  # schema 3: everything in the one row
        for path, log in logs.items():
            base = starts.get(path, 0)
            if type(base) is not int:
                raise StateError(f"{main.origin} does not say where its {path} starts")
            # Filled in place: the main row linked this very list where the log sits.
            log[:] = _read_log(chunks.get(path, {}), base, live)
            self._held[path] = _HeldLog(base, list(log), set(chunks.get(path, {})))
        return state


def _reach(switch: object, path: str) -> Any:
    value = switch
    for attr in path.split("."):
        value = getattr(value, attr)
    return value


def _read_log(chunks: Mapping[int, Stored], base: int, live: Mapping[str, object]) -> list[Any]:
    log: list[Any] = []
    for n in sorted(chunks):
        data = chunks[n]
        chunk = loads(data, live)
        if not isinstance(chunk, dict) or not isinstance(chunk.get("items"), list):
            raise StateError(f"{data.origin} is not a part of a log")
        start = chunk.get("from")
        if type(start) is not int:
            raise StateError(f"{data.origin} does not say where it starts")
        for offset, item in enumerate(chunk["items"]):
            if start + offset >= base:
                if start + offset != base + len(log):
                    raise StateError(f"{data.origin} leaves a gap in its log")
                log.append(item)
    return log
