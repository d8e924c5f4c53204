"""A relay's device keeps its reports and ACKs in rows of their own: a reply writes the
reports and ACKs it changed, not the whole device, dropping the oldest ACK deletes its row and
moves no other, and a state dir whose devices were saved whole (schema 4) opens as it is and
is split when a save reaches them."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from lab_state import Writes, as_older_schema, saved_state
from wire_lab import lab_options

from cslu_mock.models import ProductInstance
from sim.lab.lab import Lab
from sim.lab.model_rows import ModelRows
from sim.lab.state_store import DATABASES, SCHEMA_VERSION, MovedRow, Stored, dumps
from sim.timing import DEFAULT_TIMING

START = datetime.fromisoformat("2026-04-06T08:00:00+00:00")


# Every switch reports once a day: a device's reports and ACKs pile up.
DAILY = DEFAULT_TIMING.model_copy(update={"usage_interval": timedelta(days=1)})


def lab(state_dir: Path, switches: int = 2) -> Lab:
    return Lab(
        lab_options(state_dir, start=START, topology="cslu", switches=switches, timing=DAILY)
    )


def cslu_rows(state_dir: Path) -> dict[str, Any]:
    with sqlite3.connect(state_dir / "cslu.sqlite") as db:
        rows = db.execute("SELECT name, data FROM state ORDER BY rowid").fetchall()
    return {name: json.loads(data) for name, data in rows}


def test_a_reply_writes_the_reports_and_acks_it_changed_not_the_whole_device(
    tmp_path: Path,
) -> None:
    async def run() -> None:
        running = lab(tmp_path / "state")
        await running.start()
        try:
            await running.advance(timedelta(days=30))
            writes = Writes(running)
            await running.advance(timedelta(days=5))
            written = writes.of("cslu")
            reports = [row for items in written for row in items if ".reports/" in row]
            acks = [row for items in written for row, data in items.items() if ".acks/" in row]
            assert reports and acks, "the days' reports and ACKs were saved"
            for items in written:
                # A reply reaches one device: its new report, or its new ACK and the reports
                # that ACK acknowledged; never all the reports the device holds.
                assert len([row for row in items if ".reports/" in row]) <= 4
                new_acks = [row.split(",")[:2] for row in items if ".acks/" in row and items[row]]
                assert len(new_acks) == len({str(device) for device in new_acks})
        finally:
            await running.stop()
        timing = running.simulation.timing
        rows = cslu_rows(tmp_path / "state")
        devices = [row for row in rows if row.startswith("inventory/")]
        assert len(devices) == 2
        for device in devices:
            fields = rows[device]["$object"]["fields"]
            assert fields["reports"] == {} and fields["acks"] == []
        for switch in running.simulation.models["cslu"].inventory.values():
            assert len(switch.reports) > 10
        # The oldest ACKs were dropped: their rows went with them.
        ack_rows = [row for row in rows if row.startswith("inventory.acks/")]
        assert len(ack_rows) == 2 * timing.backend_acks_kept

    asyncio.run(run())


def test_a_schema_4_state_dir_opens_as_it_is_and_is_split_at_the_next_save(
    tmp_path: Path,
) -> None:
    state_dir = tmp_path / "state"

    async def write_schema_4() -> tuple[dict[str, str], dict[str, bytes]]:
        running = lab(state_dir, switches=3)
        await running.start()
        await running.advance(timedelta(days=20))
        live = running.persistence._live(leaving_out="cslu")  # type: ignore[union-attr]
        # What the lab wrote before devices had parts: one row per device, holding it all.
        inventory = running.simulation.models["cslu"].inventory
        old = {
            f"inventory/{dumps(key, {}).decode()}": dumps(dict.__getitem__(inventory, key), live)
            for key in inventory
        }
        before = saved_state(running)
        await running.stop()
        return before, old

    before, old = asyncio.run(write_schema_4())
    as_older_schema(state_dir, "cslu", "inventory.%", old, schema=4)
    assert not [row for row in cslu_rows(state_dir) if row.startswith("inventory.")]

    async def resume(days: int) -> tuple[dict[str, str], dict[str, str]]:
        again = lab(state_dir, switches=3)
        await again.start()
        try:
            assert again.resumed
            resumed = saved_state(again)
            await again.advance(timedelta(days=days))
            stopped = saved_state(again)
        finally:
            await again.stop()
        return resumed, stopped

    resumed, stopped = asyncio.run(resume(1))
    assert resumed == before
    rows = cslu_rows(state_dir)
    assert any(row.startswith("inventory.reports/") for row in rows)
    assert any(row.startswith("inventory.acks/") for row in rows)
    for device in [row for row in rows if row.startswith("inventory/")]:
        assert rows[device]["$object"]["fields"]["reports"] == {}
    # Split, it reads back as it was.
    assert asyncio.run(resume(0))[0] == stopped
    for name in DATABASES:
        with sqlite3.connect(state_dir / f"{name}.sqlite") as db:
            (schema,) = db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
        assert schema == str(SCHEMA_VERSION) == "5"


# ---------------------------------------------------------------------- the rows themselves


def device_named(name: str, **parts: Any) -> ProductInstance:
    """A device whose reports and ACKs are plain values (the rows do not look inside)."""
    return ProductInstance(None, "Example Corp", name, START, **parts)  # type: ignore[arg-type]


def ack(n: int) -> str:
    return f"ack {n}"


class Relay:
    def __init__(self) -> None:
        self.inventory: dict[str, ProductInstance] = {}


PARTS = {"inventory": ("reports", "acks")}


class Store:
    """What StateStore.save does to the rows, in memory: an update keeps its place, a moved
    row goes to the end."""

    def __init__(self) -> None:
        self.rows: dict[str, bytes] = {}

    def save(self, items: dict[str, bytes | None]) -> None:
        for row, data in items.items():
            if data is None or type(data) is MovedRow:
                self.rows.pop(row, None)
            if data is not None:
                self.rows[row] = bytes(data)

    def restored(self) -> dict[str, Any]:
        again = Relay()
        del again.inventory
        stored = {row: Stored.read(data, row) for row, data in self.rows.items()}
        ModelRows(again, "cslu", PARTS).restore(stored, {})
        return vars(again)


def test_every_change_to_a_device_reads_back_as_it_is() -> None:
    """Reports added, changed, dropped; ACKs appended and dropped from the front; a list
    replaced; a device removed and added back: after each save, the rows read back as the
    relay, and a device's rows are only those of what it holds."""
    relay = Relay()
    rows = ModelRows(relay, "cslu", PARTS)
    store = Store()
    written: list[dict[str, bytes | None]] = []

    def save() -> None:
        items = rows.changes({})
        rows.committed()
        store.save(items)
        written.append(items)
        assert store.restored() == vars(relay)

    relay.inventory["a"] = device_named("a")
    relay.inventory["b"] = device_named("b")
    save()
    for n in range(12):
        device = relay.inventory["a"]
        device.reports[n] = "received"
        device.acks.append(ack(n))
        del device.acks[: max(0, len(device.acks) - 4)]
        save()
        # The new report, the new ACK; the device's own row is as the store holds it.
        assert sorted(row for row in written[-1] if written[-1][row] is not None) == [
            f'inventory.acks/["a",{n}]',
            f'inventory.reports/["a",{n}]',
        ]
    assert len([row for row in store.rows if row.startswith('inventory.acks/["a"')]) == 4
    relay.inventory["a"].reports[3] = "acknowledged"
    save()
    assert [row for row in written[-1] if written[-1][row] is not None] == [
        'inventory.reports/["a",3]'
    ]
    device = relay.inventory["a"]
    device.reports.pop(0)
    device.acks = [ack(100), *device.acks[1:]]
    save()
    relay.inventory["a"].acks.clear()  # reached through the inventory, as a reply does
    save()
    assert not [row for row in store.rows if row.startswith("inventory.acks/")]
    relay.inventory.pop("a")
    save()
    assert sorted(store.rows) == ['inventory/"b"', "model", "tables"]
    relay.inventory["a"] = device_named("a", reports={1: "x"}, acks=[ack(1)])
    relay.inventory["b"].reports[7] = "y"
    save()
    assert list(relay.inventory) == list(store.restored()["inventory"])
