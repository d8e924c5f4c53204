"""Everything a lab saves, written the way the state codec writes it: equal text is equal state.

The tests of a restart compare this before and after; it names the same live objects the
lab's own saves refer to, so a component added to those is compared too.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any

from sim.lab.lab import Lab
from sim.lab.persistence import SWITCH_STATE
from sim.lab.state_codec import dump_text
from sim.lab.state_store import DATABASES


def saved_state(lab: Lab) -> dict[str, str]:
    """One text per back end, per switch, and for the faults and the operator's files."""
    persistence = lab.persistence
    assert persistence is not None, "the lab has no state directory"
    sim = lab.simulation
    live = persistence._live()
    state = {name: dump_text(model.__dict__, live) for name, model in sim.models.items()}
    for name, switch in sim.switches.items():
        state[name] = dump_text({attr: getattr(switch, attr) for attr in SWITCH_STATE}, live)
    state["faults"] = dump_text((sim.network.faults, sim.fault_previous), live)
    state["files"] = dump_text(sim.operator.files, live)
    return state


def as_older_schema(
    state_dir: Path, db_name: str, parts_like: str, rows: dict[str, bytes], schema: int
) -> None:
    """Rewrite a stopped lab's state dir as an older slpsim left it: `db_name` loses the rows
    named like `parts_like` (SQL LIKE) and holds `rows` whole instead, and every database says
    `schema`."""
    with sqlite3.connect(state_dir / f"{db_name}.sqlite") as db:
        db.execute("DELETE FROM state WHERE name LIKE ?", (parts_like,))
        db.executemany(
            "UPDATE state SET data=? WHERE name=?",
            [(data.decode(), name) for name, data in rows.items()],
        )
    for name in DATABASES:
        with sqlite3.connect(state_dir / f"{name}.sqlite") as db:
            db.execute("UPDATE meta SET value=? WHERE key='schema'", (str(schema),))


class Writes:
    """Every commit the lab's store makes: (database, {row: bytes or None})."""

    def __init__(self, lab: Lab) -> None:
        assert lab.store is not None
        self.commits: list[tuple[str, dict[str, bytes | None]]] = []
        save = lab.store.save

        def recording(db_name: str, items: Any, now: datetime) -> None:
            save(db_name, items, now)
            self.commits.append((db_name, dict(items)))

        lab.store.save = recording  # type: ignore[method-assign]

    def rows(self, db_name: str, since: int = 0) -> list[str]:
        return [row for db, items in self.commits[since:] if db == db_name for row in items]

    def of(self, db_name: str) -> list[dict[str, bytes | None]]:
        """The rows of each commit to `db_name`, in order."""
        return [items for db, items in self.commits if db == db_name]
