"""A lab with a state dir saves what changed: a command writes its own switch's row, a
back-end reply writes the few entries it reached, an idle lab commits nothing, and what the
rows hold is, after any run, exactly the lab's state."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from lab_state import Writes, saved_state
from wire_lab import lab_options, nxapi_output

import sim.lab.lab as lab_module
from sim.lab.background import BackgroundLab
from sim.lab.lab import Lab, LabOptions
from sim.lab.model_rows import MODEL_ROW, TABLES_ROW, ModelRows
from sim.lab.persistence import ENTRY_PARTS, _switch_state
from sim.lab.state_codec import dump_text
from sim.lab.state_store import StateStore
from sim.lab.switch_rows import SwitchRows
from sim.lab.tracked_dict import TrackedDict

START = datetime.fromisoformat("2026-04-06T08:00:00+00:00")
TRUST_ISSUER = {"direct": "cssm", "cslu": None, "onprem": "onprem"}

nxapi = nxapi_output


def options(state_dir: Path, **changes: Any) -> LabOptions:
    return lab_options(state_dir, start=START, **changes)


def control_url(lab: BackgroundLab) -> str:
    return f"http://127.0.0.1:{lab.endpoints.control_port}"


def reporting(lab: BackgroundLab, topology: str) -> None:
    """Every switch trusted (where its topology wants it) and reporting once a day."""
    control = control_url(lab)
    for entry in lab.endpoints.switches:
        issuer = TRUST_ISSUER[topology]
        if issuer is not None:
            token = httpx.post(f"{control}/sim/tokens", json={"issuer": issuer}).json()["token"]
            nxapi(entry.nxapi_port, f"license smart trust idtoken {token} all")
        nxapi(entry.nxapi_port, "license smart usage interval 1", kind="cli_conf")


def advance(lab: BackgroundLab, seconds: float) -> None:
    answer = httpx.post(
        f"{control_url(lab)}/sim/clock/advance", json={"seconds": seconds}, timeout=120
    )
    assert answer.status_code == 200, answer.text


# ---------------------------------------------------------------------- what a commit writes


def test_a_command_on_one_switch_writes_only_that_switchs_row(tmp_path: Path) -> None:
    with BackgroundLab(options(tmp_path, switches=4)) as running:
        writes = Writes(running.lab)
        leaf3 = running.endpoints.switches[2].nxapi_port
        nxapi(leaf3, "hostname edge-3", kind="cli_conf")
        assert writes.rows("switches") == ["leaf3"]
        # A show changes nothing, so it writes nothing (its answer commits the time alone).
        before = len(writes.commits)
        nxapi(leaf3, "show clock")
        assert writes.rows("switches", since=before) == []


def test_a_show_leaves_its_switch_to_the_once_a_second_save(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lab_module, "SAVE_EVERY_SECONDS", 3600.0)
    with BackgroundLab(options(tmp_path, switches=2)) as running:
        persistence = running.lab.persistence
        assert persistence is not None
        writes = Writes(running.lab)
        nxapi(running.endpoints.switches[1].nxapi_port, "show license status")
        # Nothing encoded before the answer; marked, for the saver to look at.
        assert writes.rows("switches") == []
        assert persistence.dirty_switches == {"leaf2"}


def test_a_back_end_reply_writes_the_entries_it_reached_not_the_model(tmp_path: Path) -> None:
    with BackgroundLab(options(tmp_path, switches=6)) as running:
        reporting(running, "direct")
        advance(running, 86400)
        writes = Writes(running.lab)
        advance(running, 3 * 86400)  # pushes, polls and ACKs of six switches
        store = running.lab.store
        assert store is not None
        held = sum(len(data) for data in store.load("cssm").values())
        cssm_commits = [items for db, items in writes.commits if db == "cssm"]
        assert len(cssm_commits) >= 6 * 3, "every switch reported and polled"
        for items in cssm_commits:
            # The entries of one switch and one poll, the counters: never the inventory.
            assert len(items) <= 4, sorted(items)
            assert sum(len(data or b"") for data in items.values()) < held / 4


def test_an_event_marks_its_own_switch(tmp_path: Path) -> None:
    with BackgroundLab(options(tmp_path, switches=3)) as running:
        control = control_url(running)
        first = running.endpoints.switches[0].nxapi_port
        token = httpx.post(f"{control}/sim/tokens", json={}).json()["token"]
        nxapi(first, f"license smart trust idtoken {token} all")
        writes = Writes(running.lab)
        advance(running, 2 * 3600)  # leaf1's first push and its ACK; the others stay put
        rows = set(writes.rows("switches")) - {"__faults__"}
        assert {row.partition("/")[0] for row in rows} == {"leaf1"}


# ---------------------------------------------------------------------- idle


def test_an_idle_lab_commits_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lab_module, "SAVE_EVERY_SECONDS", 0.02)
    with BackgroundLab(options(tmp_path, switches=3)) as running:
        lab = running.lab
        saves = 0
        save_changes = lab.save_changes

        def counted() -> None:
            nonlocal saves
            saves += 1
            save_changes()

        lab.save_changes = counted  # type: ignore[method-assign]
        store = lab.store
        assert store is not None
        commits = store.commits
        deadline = time.monotonic() + 20
        while saves < 10 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert saves >= 10, "the saver kept running"
        assert store.commits == commits


# ---------------------------------------------------------------------- exactly what it saved


def full_state(lab: Lab) -> dict[str, Any]:
    """Everything the lab saves, one piece per component, and its time: equal is equal state."""
    state: dict[str, Any] = {key: json.loads(text) for key, text in saved_state(lab).items()}
    state["now"] = lab.simulation.clock.now().isoformat()
    return state


def renumbered(databases: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The rows with each entry's numbered items (a relay's ACKs) numbered from 0: a
    complete save numbers them afresh, the store from where the entry's list has got to."""
    result: dict[str, dict[str, Any]] = {}
    for db, rows in databases.items():
        items: dict[tuple[str, str], list[tuple[int, Any]]] = {}
        result[db] = {}
        for row, value in rows.items():
            table, sep, name = row.partition("/")
            pair = json.loads(name) if sep and table.endswith(".acks") else None
            if isinstance(pair, list):
                items.setdefault((table, json.dumps(pair[0])), []).append((pair[1], value))
            else:
                result[db][row] = value
        for (table, entry), numbered in items.items():
            for n, (_, value) in enumerate(sorted(numbered, key=lambda item: item[0])):
                result[db][f"{table}/[{entry},{n}]"] = value
    return result


def rows_as_written_now(lab: Lab) -> dict[str, dict[str, Any]]:
    """What a first, complete save of each back end and of every switch would write."""
    persistence = lab.persistence
    assert persistence is not None
    written = {}
    for name, model in lab.simulation.models.items():
        rows = ModelRows(model, name, ENTRY_PARTS.get(name)).changes(
            persistence._live(leaving_out=name)
        )
        written[name] = {row: json.loads(data or b"null") for row, data in rows.items()}
    live = persistence._live()
    written["switches"] = {
        name: json.loads(_switch_state(switch, live))
        for name, switch in lab.simulation.switches.items()
    }
    return written


@pytest.mark.parametrize("topology", ["direct", "cslu", "onprem"])
def test_incremental_rows_hold_exactly_the_lab_and_restart_into_it(
    tmp_path: Path, topology: str
) -> None:
    with BackgroundLab(options(tmp_path, switches=3, topology=topology)) as running:
        reporting(running, topology)
        ports = [entry.nxapi_port for entry in running.endpoints.switches]
        nxapi(ports[1], "hostname edge-2 ; ip host cslu-local 10.0.0.9", kind="cli_conf")
        control = control_url(running)
        httpx.post(f"{control}/sim/faults", json={"target": "ntp", "kind": "unreachable"})
        httpx.put(f"{control}/sim/files/notes.txt", content=b"kept")
        for _ in range(4):
            advance(running, 2 * 86400)
            nxapi(ports[0], "license smart sync all")
        advance(running, 600)
        before = full_state(running.lab)
        # Row for row, the store holds what a complete save would write now: no change
        # was missed by the incremental ones (the lab's stop saves everything, and would
        # hide one from the restart below).
        store = running.lab.store
        assert store is not None

        async def held() -> dict[str, dict[str, Any]]:
            assert store is not None
            held = {
                name: {row: json.loads(data) for row, data in store.load(name).items()}
                for name in running.lab.simulation.models
            }
            switches = store.load("switches")
            live = running.lab.persistence._live()  # type: ignore[union-attr]
            held["switches"] = {}
            for name in running.lab.simulation.switches:
                parts = {
                    row.removeprefix(f"{name}/"): data
                    for row, data in switches.items()
                    if row.startswith(f"{name}/")
                }
                state = SwitchRows(name).restore(switches[name], parts, live)
                held["switches"][name] = json.loads(dump_text(state, live))
            return held

        assert renumbered(running.call(held)) == renumbered(
            running.call(lambda: asyncio.sleep(0, rows_as_written_now(running.lab)))
        )
        show = [nxapi(port, "show license all") for port in ports]
    with BackgroundLab(options(tmp_path, switches=3, topology=topology)) as again:
        assert again.lab.resumed
        after = full_state(again.lab)
        assert [
            nxapi(entry.nxapi_port, "show license all") for entry in again.endpoints.switches
        ] == show
    assert after.keys() == before.keys()
    for key in before:
        assert after[key] == before[key], key


# ---------------------------------------------------------------------- an older state dir


def test_a_state_dir_of_the_previous_schema_opens_and_is_split_into_rows(
    tmp_path: Path,
) -> None:
    with BackgroundLab(options(tmp_path, topology="cslu")) as running:
        reporting(running, "cslu")
        advance(running, 3 * 86400)
        before = full_state(running.lab)
        sim = running.lab.simulation
        persistence = running.lab.persistence
        assert persistence is not None
        whole = {
            name: dump_text(model.__dict__, persistence._live(leaving_out=name))
            for name, model in sim.models.items()
        }
    # What the previous slpsim wrote: schema 2, each back end's model in one row.
    for name, text in whole.items():
        with sqlite3.connect(tmp_path / f"{name}.sqlite") as db:
            db.execute("DELETE FROM state")
            db.execute("INSERT INTO state VALUES ('model', ?)", (text,))
            db.execute("UPDATE meta SET value='2' WHERE key='schema'")
        db.close()
    with BackgroundLab(options(tmp_path, topology="cslu")) as again:
        assert again.lab.resumed
        assert full_state(again.lab) == before
        store = again.lab.store
        assert store is not None

        async def rows() -> set[str]:
            assert store is not None
            return set(store.load("cslu"))

        split = again.call(rows)
    assert {MODEL_ROW, TABLES_ROW} <= split
    assert any(row.startswith("inventory/") for row in split)
    with sqlite3.connect(tmp_path / "cslu.sqlite") as db:
        assert db.execute("SELECT value FROM meta WHERE key='schema'").fetchone() == ("5",)
    db.close()


# ---------------------------------------------------------------------- the tracked dict


@pytest.fixture
def table() -> Iterator[TrackedDict[str, list[int]]]:
    tracked: TrackedDict[str, list[int]] = TrackedDict({"a": [1], "b": [2], "c": [3]})
    tracked.take_touched()
    yield tracked


def test_every_way_to_a_value_marks_its_key(table: TrackedDict[str, list[int]]) -> None:
    table["a"].append(9)
    assert table.take_touched() == (False, {"a"})
    table.get("b")
    table.setdefault("z", [])
    table.pop("c")
    assert table.take_touched() == (False, {"b", "z", "c"})
    assert "a" in table and len(table) == 3 and list(table) == ["a", "b", "z"]
    assert table.take_touched() == (False, set())


@pytest.mark.parametrize(
    "copy",
    [
        dict,
        lambda d: {**d},
        lambda d: list(d.values()),
        lambda d: list(d.items()),
        TrackedDict.copy,
    ],
)
def test_copies_mark_every_key(table: TrackedDict[str, list[int]], copy: Any) -> None:
    copy(table)
    every, touched = table.take_touched()
    assert every or touched == {"a", "b", "c"}


def test_rows_keep_the_dicts_order_when_an_entry_is_removed_and_added_back(
    tmp_path: Path,
) -> None:
    class Model:
        def __init__(self) -> None:
            self.entries: dict[str, int] = {"a": 1, "b": 2, "c": 3}

    store = StateStore(tmp_path)
    try:
        model = Model()
        rows = ModelRows(model, "cssm")

        def save() -> None:
            store.save("cssm", rows.changes({}), START)
            rows.committed()

        save()
        model.entries["b"] = 20  # in place
        model.entries["a"] = model.entries.pop("a")  # to the end
        model.entries["d"] = 4
        save()
        again = Model()
        ModelRows(again, "cssm").restore(store.load("cssm"), {})
        assert list(again.entries.items()) == [("b", 20), ("c", 3), ("a", 1), ("d", 4)]
    finally:
        store.close()
