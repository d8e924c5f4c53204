"""A back end's model as rows of its state dir, so that one reply writes what it changed.

A model's attributes are split three ways:

- each dict attribute (inventory, ACKs, uploads, tokens ...) is a table: one row per entry,
  named `attr/<key as JSON>`. The dict is swapped for a `TrackedDict`, which remembers every
  key read or written through it; only those entries are encoded again at the next save
  (reading an entry is how code reaches an entity to change it);
- each list attribute (a log) is kept in chunks of CHUNK items, `attr#<n>`; a save re-encodes
  the chunks from the first item that is no longer the same object;
- everything else is one row, `model`, written again when its text changes.

A row named `tables` lists the dict and list attributes, so an empty one comes back empty.
Rows are written only when their text differs from what the store holds; SQLite keeps a
row's place when it is updated, so reading the rows in insertion order gives each dict back
in its order. A state dir written before tables existed holds the whole model in `model`;
it loads as it is and is split at its first save.

Objects shared by two rows come back as two equal copies. The models share only values that
never change (UDIs, timestamps, signed documents; pydantic messages are written as values
anyway), and the incremental tests check, after busy runs, that the rows equal a full save.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sim.lab.state_store import MovedRow, StateError, Stored, digest, dumps, loads
from sim.lab.tracked_dict import TrackedDict

MODEL_ROW = "model"
TABLES_ROW = "tables"
CHUNK = 256
_TABLE_SEP = "/"
_CHUNK_SEP = "#"


class ModelRows:
    """Which rows of one model's database to write or delete, and what the store holds."""

    def __init__(self, model: object, db_name: str) -> None:
        self.model = model
        self.db_name = db_name
        self._held: dict[str, bytes] = {}  # row -> digest of the text the store holds
        self._order: dict[str, list[Any]] = {}  # table -> its keys, in the store's order
        self._names: dict[str, dict[Any, str]] = {}  # table -> key -> row name
        self._lists: dict[str, list[Any]] = {}  # list attribute -> its items at the last save
        self._written: dict[str, bytes] = {}
        self._deleted: list[str] = []
        self._next_order: dict[str, list[Any]] = {}
        self._next_lists: dict[str, list[Any]] = {}
        # The tables the store holds rows of (None: unknown, every row is looked at once).
        self._tables: set[str] | None = None
        self._next_tables: set[str] | None = None

    # ---------------------------------------------------------------- saving

    def changes(
        self, live: Mapping[str, object], *, everything: bool = False
    ) -> dict[str, bytes | None]:
        """The rows to give `StateStore.save` to bring the store up to the model: the text
        to write, None to delete, a MovedRow for an entry removed and added back.

        `committed()` must follow once they are in the store: until then the store is
        assumed to hold what it held before.
        """
        self._written, self._deleted = {}, []
        self._next_order, self._next_lists = {}, {}
        write: dict[str, bytes] = {}
        fields: dict[str, Any] = {}
        dicts: list[str] = []
        lists: list[str] = []
        for attr, value in list(vars(self.model).items()):
            kind = type(value)
            if kind is dict or kind is TrackedDict:
                dicts.append(attr)
                self._table(attr, value, live, write, everything=everything)
            elif kind is list:
                lists.append(attr)
                self._list(attr, value, live, write, everything=everything)
            else:
                fields[attr] = value
        self._offer(write, MODEL_ROW, dumps(fields, live, f"{self.db_name}."))
        self._offer(write, TABLES_ROW, dumps({"dicts": dicts, "lists": lists}, {}))
        tables = {*dicts, *lists}
        if tables != self._tables:
            for row in self._held:
                if row not in (MODEL_ROW, TABLES_ROW) and _table_of(row) not in tables:
                    self._deleted.append(row)  # a table the model no longer has
        self._next_tables = tables
        deleted = set(self._deleted)
        items: dict[str, bytes | None] = {row: None for row in deleted if row not in write}
        for row, data in write.items():
            items[row] = MovedRow(data) if row in deleted else data
        return items

    def committed(self) -> None:
        for row in self._deleted:
            self._held.pop(row, None)
        self._held.update(self._written)
        state = vars(self.model)
        for gone in [attr for attr in self._order if attr not in state]:
            del self._order[gone]
            self._names.pop(gone, None)
        self._order.update(self._next_order)
        for attr in [attr for attr in self._lists if type(state.get(attr)) is not list]:
            del self._lists[attr]
        self._lists.update(self._next_lists)
        self._tables = self._next_tables
        self._written, self._deleted = {}, []
        self._next_order, self._next_lists = {}, {}

    def _offer(
        self, write: dict[str, bytes], row: str, data: bytes, *, moved: bool = False
    ) -> None:
        fingerprint = digest(data)
        if moved or self._held.get(row) != fingerprint:
            write[row] = data
            self._written[row] = fingerprint

    def _table(
        self,
        attr: str,
        table: dict[Any, Any],
        live: Mapping[str, object],
        write: dict[str, bytes],
        *,
        everything: bool,
    ) -> None:
        if type(table) is not TrackedDict:
            # New, or replaced by the model since the last save: from now on, tracked.
            table = TrackedDict(table)
            setattr(self.model, attr, table)
        every, touched = table.take_touched()
        names = self._names.setdefault(attr, {})
        before = self._order.get(attr)
        if (
            before is not None
            and not (every or everything)
            and len(table) == len(before)
            and all(key in names and dict.__contains__(table, key) for key in touched)
        ):
            # Nothing added or removed (either would have touched a key the store lacks or
            # the dict lacks): the order stands, only the entries reached may have changed.
            for key in touched:
                self._entry(attr, table, key, names, live, write, moved=False)
            return
        before = before or []
        current = list(dict.keys(table))
        survivors = [key for key in before if dict.__contains__(table, key)]
        for key in before:
            if not dict.__contains__(table, key):
                self._deleted.append(names.pop(key, "") or _row_name(attr, key))
        # The store keeps the order rows were added in; where the dict's order differs
        # from it (an entry removed and added again), the rows from there on are added
        # again, in the dict's order.
        kept = len(survivors)
        same = 0
        while same < kept and survivors[same] == current[same]:
            same += 1
        check = (
            current[:same]
            if (every or everything)
            else [key for key in current[:same] if key in touched]
        )
        if every or everything or touched:
            for key in check:
                self._entry(attr, table, key, names, live, write, moved=False)
        for key in current[same:]:
            moved = same < kept
            if moved:
                self._deleted.append(self._name(attr, key, names))
            self._entry(attr, table, key, names, live, write, moved=moved)
        self._next_order[attr] = current

    def _name(self, attr: str, key: Any, names: dict[Any, str]) -> str:
        name = names.get(key)
        if name is None:
            name = names[key] = _row_name(attr, key)
        return name

    def _entry(
        self,
        attr: str,
        table: dict[Any, Any],
        key: Any,
        names: dict[Any, str],
        live: Mapping[str, object],
        write: dict[str, bytes],
        *,
        moved: bool,
    ) -> None:
        value = dict.__getitem__(table, key)
        data = dumps(value, live, f"{self.db_name}.{attr}[{key!r}]")
        self._offer(write, self._name(attr, key, names), data, moved=moved)

    def _list(
        self,
        attr: str,
        items: list[Any],
        live: Mapping[str, object],
        write: dict[str, bytes],
        *,
        everything: bool,
    ) -> None:
        before = self._lists.get(attr)
        start = 0
        if before is not None and not everything:
            same = min(len(before), len(items))
            while start < same and before[start] is items[start]:
                start += 1
            if start == len(before) == len(items):
                return
        first = start // CHUNK
        count = (len(items) + CHUNK - 1) // CHUNK
        for n in range(first, count):
            chunk = items[n * CHUNK : (n + 1) * CHUNK]
            row = f"{attr}{_CHUNK_SEP}{n}"
            self._offer(write, row, dumps(chunk, live, f"{self.db_name}.{attr}"))
        prefix = f"{attr}{_CHUNK_SEP}"
        if before is not None:
            # The chunks the store holds are those of the list at the last save.
            for n in range(count, (len(before) + CHUNK - 1) // CHUNK):
                self._deleted.append(f"{prefix}{n}")
        else:
            for row in self._held:
                if row.startswith(prefix) and int(row[len(prefix) :]) >= count:
                    self._deleted.append(row)
        self._next_lists[attr] = list(items)

    # ---------------------------------------------------------------- restoring

    def restore(self, rows: Mapping[str, Stored], live: Mapping[str, object]) -> None:
        """Put the saved rows (in the order they were first written) into the model."""
        state = vars(self.model)
        model = rows.get(MODEL_ROW)
        if model is not None:
            fields = loads(model, live)
            if not isinstance(fields, dict):
                raise StateError(f"{model.origin} is not a model's fields")
            state.update(fields)
        tables = rows.get(TABLES_ROW)
        dicts: dict[str, dict[Any, Any]] = {}
        lists: dict[str, dict[int, list[Any]]] = {}
        if tables is not None:
            listed = loads(tables, {})
            dicts = {str(name): {} for name in listed["dicts"]}
            lists = {str(name): {} for name in listed["lists"]}
        for row, data in rows.items():
            if row in (MODEL_ROW, TABLES_ROW):
                continue
            attr, sep, key_text = row.partition(_TABLE_SEP)
            if sep and attr in dicts:
                key = loads(Stored.read(key_text, f"{data.origin} (its name)"), live)
                dicts[attr][_hashable(key, data)] = loads(data, live)
                continue
            attr, sep, number = row.partition(_CHUNK_SEP)
            if sep and attr in lists and number.isdigit():
                chunk = loads(data, live)
                if not isinstance(chunk, list):
                    raise StateError(f"{data.origin} is not a part of a list")
                lists[attr][int(number)] = chunk
                continue
            raise StateError(f"{data.origin} is not a row this slpsim writes")
        for attr, chunks in lists.items():
            state[attr] = [item for n in sorted(chunks) for item in chunks[n]]
        # What the store holds now is what was just read.
        self._held = {row: digest(bytes(data)) for row, data in rows.items()}
        self._tables = None
        if model is not None and tables is None:
            # Written before tables: the first save writes the model split into them.
            self._held.pop(MODEL_ROW, None)
        for attr, entries in dicts.items():
            self._order[attr] = list(entries)
            restored: TrackedDict[Any, Any] = TrackedDict(entries)
            restored.take_touched()  # as the store holds it
            state[attr] = restored
        for attr in lists:
            self._lists[attr] = list(state[attr])


def _row_name(attr: str, key: Any) -> str:
    return f"{attr}{_TABLE_SEP}{dumps(key, {}).decode()}"


def _table_of(row: str) -> str:
    for sep in (_TABLE_SEP, _CHUNK_SEP):
        if sep in row:
            return row.split(sep, 1)[0]
    return row


def _hashable(key: Any, data: Stored) -> Any:
    try:
        hash(key)
    except TypeError:
        raise StateError(f"{data.origin} is named by a key that cannot index a dict") from None
    return key
