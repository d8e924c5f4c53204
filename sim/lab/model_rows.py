"""A back end's model as rows of its state dir, so that one reply writes what it changed.

A model's attributes are split three ways:

- each dict attribute (inventory, ACKs, uploads, tokens ...) is a table: one row per entry,
  named `attr/<key as JSON>`. The dict is swapped for a `TrackedDict`, which remembers every
  key read or written through it; only those entries are encoded again at the next save
  (reading an entry is how code reaches an entity to change it);
- each list attribute (a log) is kept in chunks of CHUNK items, `attr#<n>`; a save re-encodes
  the chunks from the first item that is no longer the same object;
- everything else is one row, `model`, written again when its text changes.

A table's entries may hold collections of their own that grow at every reply (a relay's
device holds each of its reports and ACKs): those named as its parts are rows of their own
too, so that a reply writes the reports it reached rather than the whole device. The entry's
row holds the entry with those parts empty; a dict part is a table of the entry's own,
`attr.part/[<entry key>, <key>]`, tracked the same way; a list part holds entries that never
change in place, one row each, `attr.part/[<entry key>, <n>]`, numbered in the order they were
added, so that dropping the oldest deletes their rows and moves no other. An entry saved
whole (before its parts had rows) loads as it is and is split when a save reaches it.

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

import copy
from collections.abc import Mapping
from typing import Any

from sim.lab.state_store import MovedRow, StateError, Stored, digest, dumps, loads
from sim.lab.tracked_dict import TrackedDict

MODEL_ROW = "model"
TABLES_ROW = "tables"
CHUNK = 256
_TABLE_SEP = "/"
_CHUNK_SEP = "#"
_PART_SEP = "."

# A table (an attribute of the model) or a part of one entry's: (attribute, entry key, part).
TableId = str | tuple[str, Any, str]
# A list part as the store holds it: each item (the very object) and the number of its row.
Numbered = list[tuple[Any, int]]


class ModelRows:
    """Which rows of one model's database to write or delete, and what the store holds."""

    def __init__(
        self, model: object, db_name: str, parts: Mapping[str, tuple[str, ...]] | None = None
    ) -> None:
        self.model = model
        self.db_name = db_name
        # table -> the attributes of its entries that are rows of their own (their parts)
        self.parts: dict[str, tuple[str, ...]] = dict(parts or {})
        self._held: dict[str, bytes] = {}  # row -> digest of the text the store holds
        self._order: dict[TableId, list[Any]] = {}  # table -> its keys, in the store's order
        self._names: dict[TableId, dict[Any, str]] = {}  # table -> key -> row name
        self._lists: dict[str, list[Any]] = {}  # list attribute -> its items at the last save
        self._numbered: dict[TableId, Numbered] = {}  # list part -> what the store holds
        self._written: dict[str, bytes] = {}
        self._deleted: list[str] = []
        self._next_order: dict[TableId, list[Any]] = {}
        self._next_lists: dict[str, list[Any]] = {}
        self._next_numbered: dict[TableId, Numbered] = {}
        self._dropped: list[TableId] = []  # parts of entries deleted by the pending save
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
        self._reset_pending()
        write: dict[str, bytes] = {}
        fields: dict[str, Any] = {}
        dicts: list[str] = []
        lists: list[str] = []
        for attr, value in list(vars(self.model).items()):
            kind = type(value)
            if kind is dict or kind is TrackedDict:
                dicts.append(attr)
                self._table(attr, self.model, attr, live, write, everything=everything)
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
        for tid in self._dropped:
            self._order.pop(tid, None)
            self._names.pop(tid, None)
            self._numbered.pop(tid, None)
        for gone in [tid for tid in (*self._order, *self._numbered) if _attr_of(tid) not in state]:
            self._order.pop(gone, None)
            self._names.pop(gone, None)
            self._numbered.pop(gone, None)
        self._order.update(self._next_order)
        for attr in [attr for attr in self._lists if type(state.get(attr)) is not list]:
            del self._lists[attr]
        self._lists.update(self._next_lists)
        self._numbered.update(self._next_numbered)
        self._tables = self._next_tables
        self._reset_pending()

    def _reset_pending(self) -> None:
        self._written, self._deleted = {}, []
        self._next_order, self._next_lists, self._next_numbered = {}, {}, {}
        self._dropped = []

    def _offer(
        self, write: dict[str, bytes], row: str, data: bytes, *, moved: bool = False
    ) -> None:
        fingerprint = digest(data)
        if moved or self._held.get(row) != fingerprint:
            write[row] = data
            self._written[row] = fingerprint

    def _table(
        self,
        tid: TableId,
        owner: object,
        attr: str,
        live: Mapping[str, object],
        write: dict[str, bytes],
        *,
        everything: bool,
    ) -> None:
        """Offer the rows of the dict `owner.attr`, the table `tid`, that may have changed."""
        table = getattr(owner, attr)
        if type(table) is not TrackedDict:
            # New, or replaced by the model since the last save: from now on, tracked.
            table = TrackedDict(table)
            setattr(owner, attr, table)
        every, touched = table.take_touched()
        names = self._names.setdefault(tid, {})
        before = self._order.get(tid)
        if (
            before is not None
            and not (every or everything)
            and len(table) == len(before)
            and all(key in names and dict.__contains__(table, key) for key in touched)
        ):
            # Nothing added or removed (either would have touched a key the store lacks or
            # the dict lacks): the order stands, only the entries reached may have changed.
            for key in touched:
                self._entry(tid, table, key, names, live, write, moved=False, everything=everything)
            return
        before = before or []
        current = list(dict.keys(table))
        survivors = [key for key in before if dict.__contains__(table, key)]
        for key in before:
            if not dict.__contains__(table, key):
                self._deleted.append(names.pop(key, "") or _row_name(tid, key))
                if isinstance(tid, str):
                    self._drop_parts(tid, key)
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
                self._entry(tid, table, key, names, live, write, moved=False, everything=everything)
        for key in current[same:]:
            moved = same < kept
            if moved:
                self._deleted.append(self._name(tid, key, names))
            self._entry(tid, table, key, names, live, write, moved=moved, everything=everything)
        self._next_order[tid] = current

    def _name(self, tid: TableId, key: Any, names: dict[Any, str]) -> str:
        name = names.get(key)
        if name is None:
            name = names[key] = _row_name(tid, key)
        return name

    def _entry(
        self,
        tid: TableId,
        table: dict[Any, Any],
        key: Any,
        names: dict[Any, str],
        live: Mapping[str, object],
        write: dict[str, bytes],
        *,
        moved: bool,
        everything: bool,
    ) -> None:
        value = dict.__getitem__(table, key)
        if isinstance(tid, str) and tid in self.parts:
            parts = self.parts[tid]
            value = self._split(tid, key, value, parts, live, write, everything=everything)
        data = dumps(value, live, f"{self.db_name}.{_where(tid)}[{key!r}]")
        self._offer(write, self._name(tid, key, names), data, moved=moved)

    def _split(
        self,
        attr: str,
        key: Any,
        value: Any,
        parts: tuple[str, ...],
        live: Mapping[str, object],
        write: dict[str, bytes],
        *,
        everything: bool,
    ) -> Any:
        """Offer the rows of `value`'s parts; `value` as its own row holds it: parts empty."""
        state = getattr(value, "__dict__", None)
        if state is None:
            return value
        empty: dict[str, Any] = {}
        for part in parts:
            held = state.get(part)
            kind = type(held)
            if kind is dict or kind is TrackedDict:
                self._table((attr, key, part), value, part, live, write, everything=everything)
                empty[part] = {}
            elif kind is list:
                self._numbered_list((attr, key, part), held, live, write, everything=everything)
                empty[part] = []
        if not empty:
            return value
        # A shallow copy: the entry keeps its parts, only the row goes without them.
        stripped = copy.copy(value)
        vars(stripped).update(empty)
        return stripped

    def _numbered_list(
        self,
        tid: tuple[str, Any, str],
        items: list[Any],
        live: Mapping[str, object],
        write: dict[str, bytes],
        *,
        everything: bool,
    ) -> None:
        """Offer the rows of a list part: one per item, numbered in the order items came.

        Items never change in place, so the held items still in the list (the same objects,
        in the same order, after those dropped from the front) keep their rows."""
        held = self._numbered.get(tid, [])
        start = next((i for i, (item, _) in enumerate(held) if items and item is items[0]), None)
        kept: Numbered = []
        if start is not None:
            tail = held[start:]
            if len(tail) <= len(items) and all(
                item is items[n] for n, (item, _) in enumerate(tail)
            ):
                kept = tail
        keep = {number for _, number in kept}
        for _, number in held:
            if number not in keep:
                self._deleted.append(_row_name(tid, number))
        where = f"{self.db_name}.{_where(tid)}"
        if everything:
            for item, number in kept:
                self._offer(write, _row_name(tid, number), dumps(item, live, where))
        following = held[-1][1] + 1 if held else 0
        numbered = list(kept)
        for item in items[len(kept) :]:
            numbered.append((item, following))
            self._offer(write, _row_name(tid, following), dumps(item, live, where))
            following += 1
        self._next_numbered[tid] = numbered

    def _drop_parts(self, attr: str, key: Any) -> None:
        """The entry `key` of `attr` is gone: so are the rows of its parts."""
        for part in self.parts.get(attr, ()):
            tid = (attr, key, part)
            names = self._names.get(tid, {})
            self._deleted.extend(
                names.get(sub) or _row_name(tid, sub) for sub in self._order.get(tid, [])
            )
            self._deleted.extend(
                _row_name(tid, number) for _, number in self._numbered.get(tid, [])
            )
            self._dropped.append(tid)

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
        parts: dict[tuple[str, Any, str], list[tuple[Any, Any]]] = {}
        for row, data in rows.items():
            if row in (MODEL_ROW, TABLES_ROW):
                continue
            attr, sep, key_text = row.partition(_TABLE_SEP)
            table, dot, part = attr.partition(_PART_SEP)
            if sep and dot and table in dicts and part in self.parts.get(table, ()):
                pair = loads(Stored.read(key_text, f"{data.origin} (its name)"), live)
                if not isinstance(pair, list) or len(pair) != 2:
                    raise StateError(f"{data.origin} is not named as a part of an entry")
                tid = (table, _hashable(pair[0], data), part)
                parts.setdefault(tid, []).append((_hashable(pair[1], data), loads(data, live)))
                continue
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
        for tid, items in parts.items():
            self._restore_part(tid, dicts[tid[0]], items)
        for attr, entries in dicts.items():
            self._order[attr] = list(entries)
            restored: TrackedDict[Any, Any] = TrackedDict(entries)
            restored.take_touched()  # as the store holds it
            state[attr] = restored
        for attr in lists:
            self._lists[attr] = list(state[attr])

    def _restore_part(
        self, tid: tuple[str, Any, str], entries: dict[Any, Any], items: list[tuple[Any, Any]]
    ) -> None:
        """Put the rows of one entry's part back into it: `items`, (key or number, value) in
        the store's order."""
        attr, key, part = tid
        where = f"{self.db_name}.sqlite, {_where(tid)}"
        if key not in entries:
            raise StateError(f"{where} belongs to no entry of {attr}")
        state = getattr(entries[key], "__dict__", None)
        if state is None or part not in state:
            raise StateError(f"{where} belongs to an entry that has no {part}")
        inline = state[part]
        if isinstance(inline, dict):
            # Entries kept in the entry's row as well (saved whole) are written at the next
            # save that reaches it: the tracked dict then marks them all.
            table: TrackedDict[Any, Any] = TrackedDict(inline)
            table.update(items)
            if not inline:
                table.take_touched()  # as the store holds it
            state[part] = table
            self._order[tid] = [sub for sub, _ in items]
        elif isinstance(inline, list):
            if not all(type(number) is int for number, _ in items):
                raise StateError(f"{where} holds an item that is not numbered")
            numbered = sorted(items, key=lambda item: item[0])
            state[part] = [*inline, *(value for _, value in numbered)]
            self._numbered[tid] = [(value, number) for number, value in numbered]
        else:
            raise StateError(f"{where} belongs to an entry whose {part} is not a collection")


def _row_name(tid: TableId, key: Any) -> str:
    if isinstance(tid, str):
        return f"{tid}{_TABLE_SEP}{dumps(key, {}).decode()}"
    attr, entry, part = tid
    return f"{attr}{_PART_SEP}{part}{_TABLE_SEP}{dumps([entry, key], {}).decode()}"


def _attr_of(tid: TableId) -> str:
    return tid if isinstance(tid, str) else tid[0]


def _where(tid: TableId) -> str:
    """How an error message names the table."""
    if isinstance(tid, str):
        return tid
    attr, entry, part = tid
    return f"{attr}[{entry!r}].{part}"


def _table_of(row: str) -> str:
    for sep in (_TABLE_SEP, _CHUNK_SEP):
        if sep in row:
            row = row.split(sep, 1)[0]
            break
    return row.split(_PART_SEP, 1)[0]


def _hashable(key: Any, data: Stored) -> Any:
    try:
        hash(key)
    except TypeError:
        raise StateError(f"{data.origin} is named by a key that cannot index a dict") from None
    return key
