"""A switch is saved in rows: its logs in numbered chunks of which a save writes the new ones
and deletes the dropped ones, its interfaces apart, the rest in one row; a schema-3 state dir
(one row per switch) opens as it is and is split at the next save."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from lab_state import Writes, as_older_schema, saved_state
from wire_lab import lab_options

import sim.lab.switch_rows as switch_rows_module
from sim.lab.lab import Lab
from sim.lab.persistence import _switch_state
from sim.lab.state_codec import dump_text
from sim.lab.state_store import DATABASES, SCHEMA_VERSION, Stored
from sim.lab.switch_rows import LOG_CHUNK, SwitchRows

START = datetime.fromisoformat("2026-04-06T08:00:00+00:00")


def lab(state_dir: Path, switches: int = 2) -> Lab:
    return Lab(lab_options(state_dir, start=START, topology="cslu", switches=switches))


def switch_rows(state_dir: Path) -> dict[str, str]:
    with sqlite3.connect(state_dir / "switches.sqlite") as db:
        return dict(db.execute("SELECT name, data FROM state ORDER BY rowid").fetchall())


def test_a_switch_is_saved_in_parts_and_a_jump_writes_only_new_log_chunks(tmp_path: Path) -> None:
    async def run() -> None:
        running = lab(tmp_path / "state")
        await running.start()
        try:
            await running.advance(timedelta(days=200))  # the agent's history is full: trimmed
            writes = Writes(running)
            await running.advance(timedelta(days=90))
            written = writes.of("switches")
            history = [
                row for items in written for row in items if row.startswith("leaf1/agent.history#")
            ]
            assert history, "new history entries were saved"
            for items in written:
                chunks = [
                    row
                    for row, data in items.items()
                    if row.startswith("leaf1/agent.history#") and data is not None
                ]
                assert len(chunks) <= 2, chunks  # the newest chunk, never the whole history
                assert "leaf1/interfaces" not in items or items["leaf1/interfaces"] is not None
            dropped = [
                row
                for items in written
                for row, data in items.items()
                if row.startswith("leaf1/") and "#" in row and data is None
            ]
            assert dropped, "chunks whose entries were all dropped are deleted"
            # What the rows hold is the switch, exactly.
            live = running.persistence._live()  # type: ignore[union-attr]
            assert running.store is not None
            rows = running.store.load("switches")
            for name, switch in running.simulation.switches.items():
                parts = {
                    row.removeprefix(f"{name}/"): data
                    for row, data in rows.items()
                    if row.startswith(f"{name}/")
                }
                assert any("#" in part for part in parts)
                state = SwitchRows(name).restore(rows[name], parts, live)
                assert dump_text(state, live) == _switch_state(switch, live).decode()
                assert len(rows[name]) < len(_switch_state(switch, live)) / 2
        finally:
            await running.stop()

    asyncio.run(run())


def test_a_schema_3_state_dir_opens_as_it_is_and_is_split_at_the_next_save(
    tmp_path: Path,
) -> None:
    state_dir = tmp_path / "state"

    async def write_schema_3() -> tuple[dict[str, str], dict[str, bytes]]:
        running = lab(state_dir)
        await running.start()
        await running.advance(timedelta(days=120))
        live = running.persistence._live()  # type: ignore[union-attr]
        # What the lab wrote before switches had parts: one row of everything per switch.
        old = {
            name: _switch_state(switch, live)
            for name, switch in running.simulation.switches.items()
        }
        before = saved_state(running)
        await running.stop()
        return before, old

    before, old = asyncio.run(write_schema_3())
    as_older_schema(state_dir, "switches", "%/%", old, schema=3)
    assert not [row for row in switch_rows(state_dir) if "/" in row]

    async def resume() -> None:
        again = lab(state_dir)
        await again.start()
        try:
            assert again.resumed
            assert saved_state(again) == before
            await again.advance(timedelta(days=1))
        finally:
            await again.stop()

    asyncio.run(resume())
    rows = switch_rows(state_dir)
    assert "leaf1/interfaces" in rows
    assert any(row.startswith("leaf1/agent.history#") for row in rows)
    assert any(row.startswith("leaf2/syslog#") for row in rows)
    for name in DATABASES:
        with sqlite3.connect(state_dir / f"{name}.sqlite") as db:
            (schema,) = db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
        assert schema == str(SCHEMA_VERSION) == "5"


def test_a_log_that_shrinks_and_changes_reads_back_as_it_is(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Entries dropped from the front, a log cleared, a log replaced: each save's rows read
    back as the log, numbered from where it starts."""

    class Agent:
        def __init__(self) -> None:
            self.history: list[Any] = []
            self.imports: list[Any] = []
            self.events: list[Any] = []

    class Switch:
        def __init__(self) -> None:
            self.agent = Agent()
            self.syslog: list[Any] = []
            self.interfaces: list[Any] = []

    switch = Switch()
    rows = SwitchRows("leaf1")
    store: dict[str, bytes] = {}

    def save() -> None:
        written = rows.rows(switch, {})
        rows.committed()
        for row, data in written.items():
            if data is None:
                store.pop(row)
            else:
                store[row] = data
        parts = {row.removeprefix("leaf1/"): data for row, data in store.items() if "/" in row}
        stored = {row: Stored.read(data, row) for row, data in parts.items()}
        again = SwitchRows("leaf1").restore(Stored.read(store["leaf1"], "leaf1"), stored, {})
        assert again["syslog"] == switch.syslog

    monkeypatch.setattr(switch_rows_module, "SWITCH_STATE", ("syslog",))
    for n in range(3 * LOG_CHUNK + 5):
        switch.syslog.append(f"line {n}")
        del switch.syslog[: max(0, len(switch.syslog) - 20)]
        save()
    chunks = [row for row in store if row.startswith("leaf1/syslog#")]
    assert len(chunks) == 2  # 20 lines over at most two chunks; the older were deleted
    switch.syslog[5] = "changed"
    save()
    switch.syslog.clear()
    save()
    assert not [row for row in store if "#" in row]
    switch.syslog = ["a", "b"]
    save()
