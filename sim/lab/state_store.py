"""The lab's state dir: embedded SQLite databases that let a lab stop, crash and resume.

One database per back end (`cssm.sqlite`, `cslu.sqlite`, `onprem.sqlite`) and one for the
switches (`switches.sqlite`: running and startup config, bootflash, clock offset, syslog and
the licensing agent's data: trust code, policy, RUM reports and their state, ACK and message
history). Each database also records the virtual time it was written at; a restarted lab
resumes from the latest.

Ordering is what makes a crash harmless. A back end commits its state before its reply
leaves (the lab wraps each app), so a switch can never know more than the back end it talks
to: after a crash a switch is at worst behind, and resends what it was not sure of; back ends
recognise report ids they already hold, so nothing is counted twice and nothing acknowledged
is lost. Switches are saved after every CLI command and every second.

Objects are pickled, with the live parts of a simulation (the clock, the timing profile,
the trust store, other back ends) replaced by references that are re-linked on load.
"""

from __future__ import annotations

import contextlib
import io
import pickle
import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1
BACKEND_FILES = ("cssm", "cslu", "onprem")


class StateError(RuntimeError):
    """The state dir cannot be used (written by another version, or damaged)."""


class _Pickler(pickle.Pickler):
    def __init__(self, file: io.BytesIO, live: Mapping[str, object]) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._live = {id(obj): key for key, obj in live.items()}

    def persistent_id(self, obj: Any) -> str | None:
        return self._live.get(id(obj))


class _Unpickler(pickle.Unpickler):
    def __init__(self, file: io.BytesIO, live: Mapping[str, object]) -> None:
        super().__init__(file)
        self._live = live

    def persistent_load(self, pid: Any) -> object:
        try:
            return self._live[str(pid)]
        except KeyError:
            raise StateError(f"saved state refers to {pid!r}, unknown to this lab") from None


def dumps(obj: object, live: Mapping[str, object]) -> bytes:
    buffer = io.BytesIO()
    _Pickler(buffer, live).dump(obj)
    return buffer.getvalue()


def loads(data: bytes, live: Mapping[str, object]) -> Any:
    return _Unpickler(io.BytesIO(data), live).load()


@dataclass(frozen=True)
class SavedSwitch:
    name: str
    state: dict[str, Any]


class StateStore:
    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        state_dir.mkdir(parents=True, exist_ok=True)
        self._connections: dict[str, sqlite3.Connection] = {}
        for name in (*BACKEND_FILES, "switches"):
            self._connections[name] = self._open(state_dir / f"{name}.sqlite")

    def _open(self, path: Path) -> sqlite3.Connection:
        try:
            db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            # WAL + NORMAL survives a killed process (not a power cut), at a fraction of the
            # cost of a full fsync per commit.
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
            db.execute("CREATE TABLE IF NOT EXISTS state (name TEXT PRIMARY KEY, data BLOB)")
            version = db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
        except sqlite3.DatabaseError as exc:
            raise StateError(f"{path.name}: not a usable SQLite database ({exc})") from exc
        if version is None:
            db.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        elif version[0] != str(SCHEMA_VERSION):
            raise StateError(
                f"{path.name} was written by a different slpsim (schema {version[0]}, "
                f"expected {SCHEMA_VERSION}); use a new --state-dir"
            )
        return db

    def close(self) -> None:
        for db in self._connections.values():
            db.close()
        self._connections.clear()

    @contextlib.contextmanager
    def _transaction(self, db_name: str) -> Iterator[sqlite3.Connection]:
        db = self._connections[db_name]
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    # ---------------------------------------------------------------- writing

    def save(self, db_name: str, items: Mapping[str, bytes], now: datetime) -> None:
        with self._transaction(db_name) as db:
            db.executemany("INSERT OR REPLACE INTO state VALUES (?, ?)", list(items.items()))
            db.execute("INSERT OR REPLACE INTO meta VALUES ('now', ?)", (now.isoformat(),))

    def save_setting(self, key: str, value: str) -> None:
        with self._transaction("switches") as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    # ---------------------------------------------------------------- reading

    def load(self, db_name: str) -> dict[str, bytes]:
        rows = self._connections[db_name].execute("SELECT name, data FROM state").fetchall()
        return {str(name): bytes(data) for name, data in rows}

    def setting(self, key: str, db_name: str = "switches") -> str | None:
        row = (
            self._connections[db_name]
            .execute("SELECT value FROM meta WHERE key=?", (key,))
            .fetchone()
        )
        return None if row is None else str(row[0])

    def saved_now(self) -> datetime | None:
        """The latest virtual time any database was written at."""
        times = [self.setting("now", name) for name in self._connections]
        stamps = [datetime.fromisoformat(t) for t in times if t]
        return max(stamps) if stamps else None
