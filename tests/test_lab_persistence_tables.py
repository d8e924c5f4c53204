"""A back end's rows follow its model's tables and logs across saves: a table the model
dropped loses its rows, a log that shrank loses its chunks, and a restart reads back the
model as it was at the last save."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sim.lab.model_rows import CHUNK, ModelRows
from sim.lab.state_store import StateStore

START = datetime.fromisoformat("2026-04-06T08:00:00+00:00")


class Model:
    def __init__(self) -> None:
        self.entries: dict[str, int] = {"a": 1}
        self.log: list[int] = []
        self.count = 0


def saved_rows(store: StateStore) -> set[str]:
    return set(store.load("cssm"))


def restored(store: StateStore) -> dict[str, Any]:
    again = Model()
    for attr in ("entries", "log"):
        delattr(again, attr)
    ModelRows(again, "cssm").restore(store.load("cssm"), {})
    return vars(again)


def test_a_table_dropped_after_several_saves_loses_its_rows(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    try:
        model = Model()
        rows = ModelRows(model, "cssm")
        for count in range(3):
            model.count = count
            store.save("cssm", rows.changes({}), START)
            rows.committed()
        assert any(row.startswith("entries/") for row in saved_rows(store))
        del model.entries
        store.save("cssm", rows.changes({}), START)
        rows.committed()
        assert not any(row.startswith("entries/") for row in saved_rows(store))
        assert "entries" not in restored(store)
    finally:
        store.close()


def test_a_log_that_shrank_loses_its_chunks(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    try:
        model = Model()
        rows = ModelRows(model, "cssm")
        model.log.extend(range(3 * CHUNK + 5))
        store.save("cssm", rows.changes({}), START)
        rows.committed()
        assert {f"log#{n}" for n in range(4)} <= saved_rows(store)
        del model.log[CHUNK + 1 :]
        store.save("cssm", rows.changes({}), START)
        rows.committed()
        assert {row for row in saved_rows(store) if row.startswith("log#")} == {"log#0", "log#1"}
        assert restored(store)["log"] == list(range(CHUNK + 1))
    finally:
        store.close()
