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

Values are rows (a switch, a back end's entity: sim/lab/model_rows.py); a commit writes
and deletes only the rows that changed, and `commits` / `rows_written` count them. An
updated row keeps its place, so rows read back in the order they were first written.

A state dir is data a user copies, inspects and may receive from others: values are JSON
(written by sim/lab/state_codec.py, read by sim/lab/state_decoding.py), loading one never runs
code, the dir is private to its owner (0700, files 0600: it holds the back ends' signing keys
and OAuth secrets), and opening it checks every database (SQLite integrity, schema version,
one lab id shared by all, none missing, every value readable) and refuses a damaged one with a
message naming the file.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import stat
import uuid
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from sim.lab.state_codec import CodecError, dump_text
from sim.lab.state_decoding import load_text

# 1: pickled values; 2: JSON values (state_codec) and a lab id in every database;
# 3: a back end's model in rows (model fields, one row per entry). 2 reads as 3 does.
# 4: a switch in rows (its logs in chunks, its interfaces: sim/lab/switch_rows.py).
# 5: a relay's device in rows (its reports and ACKs apart: sim/lab/model_rows.py).
SCHEMA_VERSION = 5
# Read as they are: a back end's model, a switch, a device is split into rows at its next save.
MIGRATES = ("2", "3", "4")
BACKEND_FILES = ("cssm", "cslu", "onprem")
DATABASES = (*BACKEND_FILES, "switches")
NEW_STATE_DIR = "use a new --state-dir"
_PRIVATE_DIR = 0o700
_PRIVATE_FILE = 0o600
_COMPANIONS = ("-wal", "-shm")
OTHER_PRIVATE_FILES = ("ssh_host_key",)


class MovedRow(bytes):
    """A row to write at the end of the order, not in its place (its entry was removed from
    a dict and added back, which moves it to the end there too)."""


class StateError(RuntimeError):
    """The state dir cannot be used (written by another version, or damaged)."""


class Stored(bytes):
    """A saved value as read from the store; it knows where it came from, for error messages."""

    origin: str = "saved state"

    @classmethod
    def read(cls, data: bytes | str, origin: str) -> Stored:
        value = cls(data.encode() if isinstance(data, str) else data)
        value.origin = origin
        return value


def digest(data: bytes) -> bytes:
    """A short fingerprint of a saved value: equal text, equal digest (what is already stored
    is not written again)."""
    return hashlib.blake2b(data, digest_size=16).digest()


def dumps(
    obj: object, live: Mapping[str, object], where: str = "saved state", *, keep_logs: bool = True
) -> bytes:
    """`obj` as UTF-8 JSON; `live` objects (clock, back ends ...) are saved by name.

    A value that cannot be written back exactly raises StateError naming its attribute path.
    `keep_logs`: see `dump_text` (False for a list written once, a log's chunk).
    """
    try:
        return dump_text(obj, live, keep_logs=keep_logs).encode()
    except CodecError as exc:
        raise StateError(f"{where}{exc.path} cannot be saved: {exc.reason}") from None


def loads(data: bytes, live: Mapping[str, object]) -> Any:
    """What `dumps` wrote, with the `live` objects linked back in by name."""
    try:
        return load_text(data, live)
    except CodecError as exc:
        raise StateError(_unreadable(getattr(data, "origin", "saved state"), exc)) from None


def _unreadable(origin: str, exc: CodecError) -> str:
    at = f" at {exc.path}" if exc.segments else ""
    return f"{origin} cannot be read{at}: {exc.reason}; restore the state dir or {NEW_STATE_DIR}"


class StateStore:
    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self._connections: dict[str, sqlite3.Connection] = {}
        self._checkpointed: dict[str, int] = {}
        self.commits = 0
        self.rows_written = 0
        self.rows_deleted = 0
        _make_private_dir(state_dir)
        paths = {name: state_dir / f"{name}.sqlite" for name in DATABASES}
        present = [name for name in DATABASES if paths[name].exists()]
        try:
            for name in present:
                self._connections[name] = self._open(paths[name], created=False)
            self._check_complete(present)
            lab_id = self._lab_id()
            for name in DATABASES:
                if name not in self._connections:
                    self._connections[name] = self._open(paths[name], created=True)
            for name, db in self._connections.items():
                if self.setting("lab", name) is None:
                    db.execute("INSERT INTO meta VALUES ('lab', ?)", (lab_id,))
            for name in present:
                self._check_values(name)
            for name in OTHER_PRIVATE_FILES:
                _make_private_file(state_dir / name)
        except sqlite3.Error as exc:
            self.close()
            raise StateError(f"{state_dir}: cannot read the state dir ({exc})") from None
        except BaseException:
            self.close()
            raise

    # ---------------------------------------------------------------- opening

    def _open(self, path: Path, *, created: bool) -> sqlite3.Connection:
        if created:
            # Private from the first byte; SQLite gives its -wal and -shm files the same mode.
            os.close(os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, _PRIVATE_FILE))
        else:
            _check_file(path)
        for suffix in ("", *_COMPANIONS):
            _make_private_file(path.with_name(path.name + suffix))
        db: sqlite3.Connection | None = None
        try:
            db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            problems = [row[0] for row in db.execute("PRAGMA quick_check").fetchall()]
            if problems != ["ok"]:
                raise sqlite3.DatabaseError(f"damaged: {'; '.join(map(str, problems[:3]))}")
            db.execute("PRAGMA journal_mode=WAL")
            # WAL + NORMAL survives a killed process (not a power cut), at a fraction of the
            # cost of a full fsync per commit.
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
            db.execute("CREATE TABLE IF NOT EXISTS state (name TEXT PRIMARY KEY, data TEXT)")
            version = db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
        except sqlite3.DatabaseError as exc:
            if db is not None:
                db.close()
            raise StateError(
                f"{path.name}: not a usable SQLite database ({exc}); restore it from a copy "
                f"or {NEW_STATE_DIR}"
            ) from None
        if version is None:
            db.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        elif version[0] in MIGRATES:
            db.execute("UPDATE meta SET value=? WHERE key='schema'", (str(SCHEMA_VERSION),))
        elif version[0] != str(SCHEMA_VERSION):
            db.close()
            raise StateError(
                f"{path.name} was written by a different slpsim (schema {version[0]}, "
                f"expected {SCHEMA_VERSION}); {NEW_STATE_DIR}"
            )
        return db

    def _check_complete(self, present: list[str]) -> None:
        """A database missing (or blank) beside others that hold a lab's state is damage, not
        a fresh start: carrying on would silently reset that part of the lab."""
        holding = [name for name in present if self.setting("now", name) is not None]
        if not holding:
            return
        for name in DATABASES:
            if name not in present:
                problem = f"{name}.sqlite is missing from {self.state_dir}"
            elif self.setting("lab", name) is None:
                problem = f"{name}.sqlite in {self.state_dir} is blank"
            else:
                continue
            raise StateError(
                f"{problem} while {holding[0]}.sqlite holds a lab's state; put it back or "
                f"{NEW_STATE_DIR}"
            )

    def _lab_id(self) -> str:
        ids: dict[str, str] = {}
        for name in self._connections:
            lab = self.setting("lab", name)
            if lab is not None:
                ids.setdefault(lab, name)
        if len(ids) > 1:
            first, second = ids.values()
            raise StateError(
                f"{first}.sqlite and {second}.sqlite in {self.state_dir} come from different "
                f"labs; put back the matching files or {NEW_STATE_DIR}"
            )
        return next(iter(ids), uuid.uuid4().hex)

    def _check_values(self, db_name: str) -> None:
        """Every saved value reads back (the lab's own objects are linked later, by name)."""
        for data in self.load(db_name).values():
            try:
                load_text(data, None)
            except CodecError as exc:
                raise StateError(_unreadable(data.origin, exc)) from None

    def close(self) -> None:
        for db in self._connections.values():
            with contextlib.suppress(sqlite3.Error):
                db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            db.close()
        self._connections.clear()

    def checkpoint(self) -> None:
        """Fold the write-ahead logs into the databases, so a copy of the dir is up to date.

        Cheap when nothing changed since the last call; safe at any time (WAL keeps what
        a crash needs either way).
        """
        for name, db in self._connections.items():
            changes = db.total_changes
            if self._checkpointed.get(name) != changes:
                db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                self._checkpointed[name] = changes

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

    def save(self, db_name: str, items: Mapping[str, bytes | None], now: datetime) -> None:
        """Write `items` in their order (None: delete that row; a MovedRow: delete it, then
        write it at the end of the order) and record `now`, in one commit."""
        gone = [(key,) for key, data in items.items() if data is None or type(data) is MovedRow]
        rows = [(key, bytes(data).decode()) for key, data in items.items() if data is not None]
        with self._transaction(db_name) as db:
            db.executemany("DELETE FROM state WHERE name=?", gone)
            # An upsert, not a replace: the row keeps its rowid, so its place in the order.
            db.executemany(
                "INSERT INTO state VALUES (?, ?) "
                "ON CONFLICT(name) DO UPDATE SET data=excluded.data",
                rows,
            )
            db.execute("INSERT OR REPLACE INTO meta VALUES ('now', ?)", (now.isoformat(),))
        self.commits += 1
        self.rows_written += len(rows)
        self.rows_deleted += len(gone) - sum(type(data) is MovedRow for data in items.values())

    def save_setting(self, key: str, value: str) -> None:
        with self._transaction("switches") as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    # ---------------------------------------------------------------- reading

    def load(self, db_name: str) -> dict[str, Stored]:
        # As bytes: text that is not UTF-8 is then the codec's clear refusal, not sqlite3's.
        rows = (
            self._connections[db_name]
            .execute("SELECT name, CAST(data AS BLOB) FROM state ORDER BY rowid")
            .fetchall()
        )
        values = {}
        for name, data in rows:
            origin = f"{db_name}.sqlite, key {str(name)!r}"
            if not isinstance(data, str | bytes):
                raise StateError(f"{origin} holds no saved value; {NEW_STATE_DIR}")
            values[str(name)] = Stored.read(data, origin)
        return values

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
        try:
            stamps = [datetime.fromisoformat(t) for t in times if t]
        except ValueError as exc:
            raise StateError(f"the saved time is damaged ({exc}); {NEW_STATE_DIR}") from None
        return max(stamps) if stamps else None


def _make_private_dir(path: Path) -> None:
    try:
        path.mkdir(mode=_PRIVATE_DIR, parents=True, exist_ok=True)
        if not path.is_dir():
            raise StateError(f"{path} is not a directory; {NEW_STATE_DIR}")
        # Only a dir that is (or is becoming) a state dir: `--state-dir .` or `/tmp` keep
        # their mode, and the files in them are private anyway.
        ours = any((path / f"{name}.sqlite").exists() for name in DATABASES)
        if stat.S_IMODE(path.stat().st_mode) & ~_PRIVATE_DIR and (ours or not any(path.iterdir())):
            path.chmod(_PRIVATE_DIR)
    except OSError as exc:
        raise StateError(f"{path}: cannot use it as a state dir ({exc.strerror})") from None
    # Refused now rather than at the first save, minutes into a session.
    if not os.access(path, os.W_OK | os.X_OK):
        raise StateError(f"{path} is read-only: the lab could not save; make it writable")


def _check_file(path: Path) -> None:
    if not path.is_file():
        raise StateError(f"{path.name}: not a usable SQLite database (not a regular file)")
    for suffix in ("", *_COMPANIONS):
        file = path.with_name(path.name + suffix)
        if file.exists() and not os.access(file, os.R_OK | os.W_OK):
            raise StateError(f"{file} is read-only: the lab could not save; make it writable")


def _make_private_file(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        if stat.S_IMODE(path.stat().st_mode) & ~_PRIVATE_FILE:
            path.chmod(_PRIVATE_FILE)
