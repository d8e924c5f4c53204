"""How saved state is written: JSON with type tags, readable by a user and safe to load.

A state dir is something users copy, inspect and receive from others, so loading one must
never run code. Plain JSON values stand for themselves; anything else is an object with one
key naming its kind:

    {"$datetime": "2026-04-06T08:00:00+00:00"}    {"$timedelta": [0, 900, 0]}
    {"$bytes": "<base64>"}   {"$tuple": [...]}   {"$set": [...]}   {"$frozenset": [...]}
    {"$dict": [[key, value], ...]}   (keys that are not strings, or strings starting with $)
    {"$enum": ["sim.agent.states:ReportState", "ACKED"]}
    {"$object": {"type": "cssm_mock.accounts:IdToken", "fields": {...}, "id": 3}}
    {"$model": {"type": "sim.protocol.messages:Sudi", "data": {...}}}
    {"$shared": {"id": 4, "value": [...]}}   (a container reachable more than once)
    {"$ref": 3}     (an object or container written earlier in the same value)
    {"$live": "clock"}     (a part of the running lab, re-linked by name)
    {"$private_key": "<PEM>"}   {"$certificate": "<PEM>"}   {"$random": [...]}

Only an allow-list is ever built: the standard types above, enums, plain objects and pydantic
models of the project's pure modules (DATA_MODULES). An object is made with `cls.__new__(cls)`
and given its fields; no constructor, `__reduce__` or `__setstate__` named by data is called. Saving
refuses what it cannot write back exactly (a lambda, a socket, a task, a list that contains
itself), naming where it sits, so a new attribute that cannot be saved fails a test rather than
a user's restart.

A lab saves a switch before each message it sends, so most of what is written is what was
written last time. The writer keeps the text of each object that holds only plain values (a
syslog line, a history entry, an interface), and of each list of frozen ones (a log), and
writes it again while the object holds the very same values (the log: the same entries, less
the oldest and plus new ones). The text is always exactly what writing afresh would give:
an object met twice in one value is written afresh, numbered and referred to as always.
"""

from __future__ import annotations

import base64
import collections
import datetime as dt
import enum
import itertools
import json
import math
import operator
import random
import re
import secrets
import weakref
from collections.abc import Callable, Mapping
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from pydantic import BaseModel

from sim.lab.tracked_dict import TrackedDict

# The project's pure parts (DESIGN §1): their objects hold data and do no I/O, so a crafted
# one can at worst hold wrong data; it never reaches a socket, a file or a process.
DATA_MODULES = (
    "sim.agent",
    "sim.switch",
    "sim.protocol",
    "sim.network",
    "sim.syslog",
    "sim.operator",
    "sim.incidents",
    "sim.timing",
    "cssm_mock.models",
    "cssm_mock.accounts",
    "cssm_mock.trust",
    "cssm_mock.reports",
    "cssm_mock.inventory",
    "cssm_mock.counters",
    "cssm_mock.usage_files",
    "cssm_mock.automation_api",
    "cslu_mock.models",
    "onprem_mock.models",
)

# Where a saved type lives now, for state dirs written before it moved.
MOVED_TYPES = {
    "sim.switch.switch:NtpServer": "sim.switch.ntp_dns.state:NtpServer",
    "sim.switch.switch:LoggingServer": "sim.switch.logging.state:LoggingServer",
    "sim.switch.switch:CallhomeConfig": "sim.switch.callhome.state:CallhomeConfig",
    "cssm_mock.models:VaPolicy": "cssm_mock.accounts:VaPolicy",
    "cssm_mock.models:VirtualAccount": "cssm_mock.accounts:VirtualAccount",
    "cssm_mock.models:SmartAccount": "cssm_mock.accounts:SmartAccount",
    "cssm_mock.models:IdToken": "cssm_mock.accounts:IdToken",
    "cssm_mock.models:TrustRecord": "cssm_mock.trust:TrustRecord",
    "cssm_mock.models:ReceivedReport": "cssm_mock.reports:ReceivedReport",
    "cssm_mock.models:DeviceUsage": "cssm_mock.reports:DeviceUsage",
    "cssm_mock.models:ProductInstance": "cssm_mock.inventory:ProductInstance",
    "cssm_mock.models:PendingAck": "cssm_mock.inventory:PendingAck",
    "cssm_mock.models:Counters": "cssm_mock.counters:Counters",
    "cssm_mock.models:_UploadedDevice": "cssm_mock.usage_files:_UploadedDevice",
    "cssm_mock.models:_Upload": "cssm_mock.usage_files:_Upload",
    "cssm_mock.models:UploadedDevice": "cssm_mock.usage_files:UploadedDevice",
    "cssm_mock.models:UsageUpload": "cssm_mock.usage_files:UsageUpload",
    "cssm_mock.models:AccessToken": "cssm_mock.automation_api:AccessToken",
    "cssm_mock.models:_UsageBatch": "cssm_mock.automation_api:_UsageBatch",
    "cssm_mock.models:UsageAcknowledgement": "cssm_mock.automation_api:UsageAcknowledgement",
    "cssm_mock.models:UsageBatchState": "cssm_mock.automation_api:UsageBatchState",
    "sim.agent.machine:CallhomeProblem": "sim.agent.config:CallhomeProblem",
    "sim.agent.machine:CallhomeDestination": "sim.agent.config:CallhomeDestination",
    "sim.agent.machine:LicensingConfig": "sim.agent.config:LicensingConfig",
    "sim.agent.machine:RumReport": "sim.agent.records:RumReport",
    "sim.agent.machine:TrustCode": "sim.agent.records:TrustCode",
    "sim.agent.machine:HistoryEntry": "sim.agent.records:HistoryEntry",
    "sim.agent.machine:ImportEntry": "sim.agent.records:ImportEntry",
    "sim.agent.machine:_Pending": "sim.agent.records:Pending",
}

MODULE_NAME = re.compile(r"(?:sim|cssm_mock|cslu_mock|onprem_mock)(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
QUALNAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
PRIVATE_KEYS = (ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey, ed25519.Ed25519PrivateKey)
_BUILTIN_DATA = (str, bytes, int, float, tuple, list, dict, set, frozenset)
NON_FINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}
ABSENT = object()


class CodecError(ValueError):
    """A value cannot be saved, or saved data cannot be loaded; `path` says where inside it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.segments: list[str] = []

    @property
    def path(self) -> str:
        return "".join(reversed(self.segments))

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}" if self.segments else self.reason


def within(error: CodecError, segment: str) -> CodecError:
    error.segments.append(segment)
    return error


# ---------------------------------------------------------------------- writing


class _Encoder:
    def __init__(
        self, live: Mapping[str, object], shared: frozenset[int], keep_logs: bool = True
    ) -> None:
        self._live = {id(obj): name for name, obj in live.items()}
        self._keep_logs = keep_logs
        self._shared = shared  # ids of containers known to be reachable more than once
        self.repeated: set[int] = set()  # ... and those found so in this pass
        self._containers: dict[int, int | None] = {}  # id -> its reference number, if shared
        self._finished: set[int] = set()
        self._objects: dict[int, dict[str, Any]] = {}  # id(object) -> the body written for it
        self._next_ref = 1
        # Keeps every visited object alive, so no id() is reused while writing.
        self._visited: list[object] = []
        # How many containers, objects and live parts were written so far: an object whose
        # writing did not raise it holds only plain values (see _object).
        self._nested = 0
        self.fragments: dict[str, str] = {}  # placeholder number -> the text it stands for
        self._placed: dict[str, str] = {}  # placeholder -> the text it stands for
        self._frozen_placed: set[str] = set()  # ... of those, a frozen object's

    def encode(self, obj: Any) -> Any:
        kind = type(obj)
        if kind is str or kind is int or kind is bool or obj is None:
            return obj
        name = self._live.get(id(obj))
        if name is not None:
            self._nested += 1
            return {"$live": name}
        if kind is float:
            return obj if math.isfinite(obj) else {"$float": repr(obj)}
        writer = _WRITERS.get(kind)
        if writer is not None:
            return writer(self, obj)
        container = _CONTAINERS.get(kind)
        if container is not None:
            return self._container(obj, container)
        kind_of = _KINDS.get(kind)
        if kind_of is None:
            kind_of = _KINDS[kind] = _kind_of(kind)
        if kind_of is _PLAIN or kind_of is _FROZEN:
            return self._object(obj, kind_of is _FROZEN)
        if kind_of is _MODEL:
            self._nested += 1
            return self._model(obj)
        if kind_of is _REFUSED:
            return self._refuse(obj)
        if kind_of is _ENUM:
            return {"$enum": [_class_name(kind), self.encode(obj.value)]}
        if kind_of is _KEY:
            return {"$private_key": _private_pem(obj)}
        return {"$certificate": _certificate_pem(obj)}

    def _new_ref(self) -> int:
        self._next_ref += 1
        return self._next_ref - 1

    def _container(self, obj: Any, writer: Callable[[_Encoder, Any], Any]) -> Any:
        """A mutable container, written once; where it is reachable again, a reference."""
        self._nested += 1
        key = id(obj)
        if key in self._containers:
            ref = self._containers[key]
            if ref is None:  # first pass: now known to be shared (dump_text writes again)
                self.repeated.add(key)
                return {"$ref": 0}
            if key not in self._finished:
                raise CodecError(f"a {type(obj).__name__} that contains itself cannot be saved")
            return {"$ref": ref}
        self._visited.append(obj)
        if key not in self._shared:
            self._containers[key] = None
            return writer(self, obj)
        ref = self._containers[key] = self._new_ref()
        node = writer(self, obj)
        self._finished.add(key)
        return {"$shared": {"id": ref, "value": node}}

    def list_(self, obj: list[Any]) -> Any:
        log = _LOGS.get(id(obj))
        if log is not None and log.items_of is obj:
            text = self._log_again(obj, log)
            if text is not None:
                return text
        out = self._items(obj)
        placed = self._placed
        if out and all(type(item) is str and item in placed for item in out):
            # A log of kept texts (syslog lines, history): one text, spliced in once; kept
            # too when they are all frozen, to be written again from where it stands.
            texts = [placed[item] for item in out]
            if self._keep_logs and all(item in self._frozen_placed for item in out):
                if len(_LOGS) >= _KEPT_MOST:
                    _LOGS.clear()
                _LOGS[id(obj)] = _Log(obj, texts)
            return self._place("[" + ",".join(texts) + "]")
        return out

    def _log_again(self, obj: list[Any], log: _Log) -> str | None:
        """A kept log's text, brought up to `obj` (which dropped its oldest entries and
        added new ones); None when it is not that (changed in the middle, say)."""
        (items, written), first = log.written, obj[0] if obj else None
        dropped = next((n for n in range(min(len(items), 64)) if items[n] is first), None)
        if dropped is None:
            return None
        still = len(items) - dropped
        if still > len(obj) or not all(
            map(operator.is_, itertools.islice(obj, still), items[dropped:])
        ):
            return None
        kept = items[dropped:]
        ids = [id(item) for item in kept]
        if not self._objects.keys().isdisjoint(ids) or not self._shared.isdisjoint(ids):
            return None  # met elsewhere in this value: written the usual way
        added = obj[still:]
        scratch = _Encoder({}, frozenset())  # so that nothing here counts if it fails
        scratch._live = self._live
        try:
            nodes = [scratch.encode(item) for item in added]
        except CodecError:
            return None  # the usual way names where
        if not all(type(node) is str and node in scratch._frozen_placed for node in nodes):
            return None
        ids += [id(item) for item in added]
        if len(set(ids)) != len(ids) or not self._objects.keys().isdisjoint(ids[-len(added) :]):
            return None
        texts = written[dropped:] + [scratch._placed[node] for node in nodes]
        kept += added
        self._objects.update(dict.fromkeys(ids, _FROM_KEPT))
        self._visited.extend(kept)
        self._nested += 1
        log.update(obj, texts)
        return self._place("[" + ",".join(texts) + "]")

    def _items(self, items: Any) -> list[Any]:
        out = []
        for index, item in enumerate(items):
            try:
                out.append(self.encode(item))
            except CodecError as exc:
                raise within(exc, f"[{index}]") from None
        return out

    def tuple_(self, obj: tuple[Any, ...]) -> dict[str, Any]:
        return {"$tuple": self._items(obj)}

    def set_(self, obj: set[Any]) -> dict[str, Any]:
        return {"$set": self._items(_stable(obj))}

    def frozenset_(self, obj: frozenset[Any]) -> dict[str, Any]:
        return {"$frozenset": self._items(_stable(obj))}

    def dict_(self, obj: dict[Any, Any]) -> Any:
        if all(type(key) is str and not key.startswith("$") for key in obj):
            out = {}
            for key, value in obj.items():
                try:
                    out[key] = self.encode(value)
                except CodecError as exc:
                    raise within(exc, f"[{key!r}]") from None
            return out
        return {"$dict": self._pairs(obj)}

    def counter(self, obj: collections.Counter[Any]) -> Any:
        return {"$counter": self._pairs(obj)}

    def deque(self, obj: collections.deque[Any]) -> Any:
        return {"$deque": {"maxlen": obj.maxlen, "items": self._items(obj)}}

    def _pairs(self, obj: Mapping[Any, Any]) -> list[list[Any]]:
        out = []
        for key, value in obj.items():
            try:
                out.append([self.encode(key), self.encode(value)])
            except CodecError as exc:
                raise within(exc, f"[{key!r}]") from None
        return out

    def random_(self, obj: random.Random) -> dict[str, Any]:
        version, internal, gauss = obj.getstate()
        return {"$random": [version, list(internal), gauss]}

    def _refuse(self, obj: object) -> dict[str, Any]:
        if isinstance(obj, _BUILTIN_DATA) and _is_data_type(type(obj)):
            # Its value lives outside __dict__, where this format does not look.
            raise CodecError(f"it is {_describe(obj)}, a subclass of a built-in type")
        raise CodecError(f"it is {_describe(obj)}, not data")

    def _model(self, obj: BaseModel) -> dict[str, Any]:
        # A message: written as a value wherever it appears (its dump holds no cycle), so a
        # value does not depend on which other values share it. Equal state is then equal
        # text, whether it is written in one piece or in rows.
        body: dict[str, Any] = {"type": _class_name(type(obj))}
        if obj.__pydantic_private__:
            raise CodecError(f"{_describe(obj)} has private attributes (not saved)")
        try:
            body["data"] = obj.model_dump(mode="json", round_trip=True)
        except ValueError as exc:  # a field pydantic cannot write as JSON
            raise CodecError(f"{_describe(obj)} does not dump as JSON ({exc})") from None
        return {"$model": body}

    def _project_object(self, obj: object) -> dict[str, Any]:
        written = self._objects.get(id(obj))
        if written is _FROM_KEPT:
            # Met again: dump_text writes the value again, this object without its kept text.
            self.repeated.add(id(obj))
            return {"$ref": 0}
        if written is not None:
            # Written once already (shared, or a cycle): number that one, point to it.
            if "id" not in written:
                written["id"] = self._new_ref()
            return {"$ref": written["id"]}
        self._visited.append(obj)
        fields: dict[str, Any] = {}
        body = {"type": _class_name(type(obj)), "fields": fields}
        self._objects[id(obj)] = body
        for name, value in _attributes(obj):
            try:
                fields[name] = self.encode(value)
            except CodecError as exc:
                raise within(exc, f".{name}") from None
        return {"$object": body}

    def _object(self, obj: object, frozen: bool) -> Any:
        """A project object; its text is kept while it holds only plain values (a syslog
        line, a history entry, an interface), and used again while they are the same.

        The text is exactly what writing it would give: an object met twice in one value is
        written again without the kept text (dump_text's second pass), so it is numbered and
        referred to as always."""
        key = id(obj)
        self._nested += 1  # what holds an object keeps no text (see below)
        if key not in self._objects and key not in self._shared:
            kept = _KEPT.get(key)
            if kept is not None and kept.holds(obj, frozen):
                return self._use(key, obj, kept, frozen)
        before = self._nested
        node = self._project_object(obj)
        # Only objects holding no other object are kept: one met twice in a value is written
        # once and referred to, which a kept text could not know of.
        fresh = "$object" in node and "id" not in node["$object"]
        if fresh and self._nested == before and key not in self._shared:
            text = json.dumps(node, ensure_ascii=True, allow_nan=False, separators=_SEP)
            return self._use(key, obj, _Kept.keep(obj, frozen, text), frozen)
        return node

    def _use(self, key: int, obj: object, kept: _Kept, frozen: bool) -> str:
        # Met again in this value, it is written again the usual way (see _project_object).
        self._objects[key] = _FROM_KEPT
        self._visited.append(obj)
        self.fragments[kept.number] = self._placed[kept.placeholder] = kept.text
        if frozen:
            self._frozen_placed.add(kept.placeholder)
        return kept.placeholder

    def _place(self, text: str) -> str:
        number = str(next(_NUMBERS))
        placeholder = _placeholder(number)
        self.fragments[number] = self._placed[placeholder] = text
        return placeholder

    def splice(self, text: str) -> str:
        """`text` with each placeholder of a kept text replaced by that text."""
        if not self.fragments:
            return text
        return _PLACEHOLDER.sub(lambda found: self.fragments[found.group(1)], text)


class _Kept:
    """The text of a project object that holds only plain values, and what it was made of."""

    __slots__ = ("names", "number", "placeholder", "ref", "text", "values")

    def __init__(self, obj: object, frozen: bool, text: str) -> None:
        self.ref: Callable[[], object] = _ref_to(obj)
        # A frozen object's fields do not change: it needs no record of them.
        self.names, self.values = ((), ()) if frozen else _fields(obj)
        self.text = text
        self.number = str(next(_NUMBERS))
        self.placeholder = _placeholder(self.number)

    @classmethod
    def keep(cls, obj: object, frozen: bool, text: str) -> _Kept:
        if len(_KEPT) >= _KEPT_MOST:
            _KEPT.clear()  # rare (a very large lab); they are made again as needed
        kept = _KEPT[id(obj)] = cls(obj, frozen, text)
        return kept

    def holds(self, obj: object, frozen: bool) -> bool:
        """Whether the kept text is `obj`'s: the same object, holding the same values (the
        very objects: equal is not enough, True == 1 is written otherwise)."""
        if self.ref() is not obj:
            return False
        if frozen:
            return True
        names, values = _fields(obj)
        return (
            names == self.names
            and len(values) == len(self.values)
            and all(map(operator.is_, values, self.values))
        )


def _fields(obj: object) -> tuple[tuple[str, ...], tuple[Any, ...]]:
    """An object's attribute names and values, as _attributes lists them."""
    names = slot_names(type(obj))
    attributes = getattr(obj, "__dict__", None)
    try:
        slots = tuple(map(getattr, itertools.repeat(obj, len(names)), names))
    except AttributeError:  # a slot not set: listed the slow way
        pairs = _attributes(obj)
        return tuple(name for name, _ in pairs), tuple(value for _, value in pairs)
    if attributes is None:
        return names, slots
    return (*attributes, *names), (*attributes.values(), *slots)


class _Log:
    """A list of frozen objects as last written: the objects, and each one's text (one
    tuple, replaced whole: a reader in another thread never sees half of an update)."""

    __slots__ = ("items_of", "written")

    def __init__(self, items_of: list[Any], texts: list[str]) -> None:
        self.items_of = items_of  # the list itself, kept: its id is not reused meanwhile
        self.written = (list(items_of), texts)

    def update(self, items_of: list[Any], texts: list[str]) -> None:
        self.written = (list(items_of), texts)


def _placeholder(number: str) -> str:
    # A string no saved value holds: it carries a number drawn at start.
    return f"\x00{_NONCE}{number}\x00"


def _ref_to(obj: object) -> Callable[[], object]:
    """A weak reference where the type allows one (the text goes with the object), else a
    strong one (the object is kept; id() is then never reused for another)."""
    try:
        return weakref.ref(obj)
    except TypeError:
        return lambda: obj


# id(object) -> its kept text. A dead object's entry stays until its id is reused, when
# `holds` refuses it (its weak reference is dead) and it is replaced.
_KEPT: dict[int, _Kept] = {}
_KEPT_MOST = 500_000
_FROM_KEPT: dict[str, Any] = {}  # marks an object written from its kept text
# id(list) -> its kept text, for lists of frozen objects (logs).
_LOGS: dict[int, _Log] = {}
_NONCE = secrets.token_hex(8)
_PLACEHOLDER = re.compile(r'"\\u0000' + _NONCE + r'(\d+)\\u0000"')
_SEP = (",", ":")
_NUMBERS = itertools.count(1)


_CONTAINERS: dict[type, Callable[[_Encoder, Any], Any]] = {
    list: _Encoder.list_,
    dict: _Encoder.dict_,
    # A back end's tables (sim/lab/model_rows.py): saved, and read back, as plain dicts.
    TrackedDict: _Encoder.dict_,
    set: _Encoder.set_,
    collections.Counter: _Encoder.counter,
    collections.deque: _Encoder.deque,
    random.Random: _Encoder.random_,
}
_WRITERS: dict[type, Callable[[_Encoder, Any], Any]] = {
    tuple: _Encoder.tuple_,
    frozenset: _Encoder.frozenset_,
    bytes: lambda _, obj: {"$bytes": base64.b64encode(obj).decode()},
    dt.datetime: lambda _, obj: {"$datetime": _datetime_text(obj)},
    dt.date: lambda _, obj: {"$date": obj.isoformat()},
    dt.timedelta: lambda _, obj: {"$timedelta": [obj.days, obj.seconds, obj.microseconds]},
}


def _datetime_text(when: dt.datetime) -> str:
    # Only fixed offsets survive ISO text exactly (a zone's name and rules would not).
    if when.tzinfo is not None and type(when.tzinfo) is not dt.timezone:
        raise CodecError(f"a datetime in time zone {when.tzinfo!r} (use a fixed offset)")
    return when.isoformat()


def _stable(items: Any) -> list[Any]:
    """Set members in a repeatable order, so equal state is written as equal text."""
    try:
        return sorted(items)
    except TypeError:
        return list(items)


def _attributes(obj: object) -> list[tuple[str, Any]]:
    pairs = list(getattr(obj, "__dict__", {}).items())
    for name in slot_names(type(obj)):
        value = getattr(obj, name, ABSENT)
        if value is not ABSENT:
            pairs.append((name, value))
    return pairs


# What a type is written as, found once per type (a dict lookup beats isinstance on ABCs).
_PLAIN, _MODEL, _REFUSED, _FROZEN = "object", "model", "refused", "frozen object"
_ENUM, _KEY, _CERTIFICATE = "enum", "private key", "certificate"
_KINDS: dict[type, str] = {}


def _kind_of(kind: type) -> str:
    if issubclass(kind, enum.Enum):
        return _ENUM
    if issubclass(kind, PRIVATE_KEYS):
        return _KEY
    if issubclass(kind, x509.Certificate):
        return _CERTIFICATE
    if issubclass(kind, (type, BaseException, *_BUILTIN_DATA)) or not _is_data_type(kind):
        return _REFUSED
    if issubclass(kind, BaseModel):
        return _MODEL
    params = getattr(kind, "__dataclass_params__", None)
    if params is not None and params.frozen:
        return _FROZEN
    return _PLAIN


def slot_names(kind: type) -> tuple[str, ...]:
    found = _SLOTS.get(kind)
    if found is None:
        found = _SLOTS[kind] = _find_slot_names(kind)
    return found


_SLOTS: dict[type, tuple[str, ...]] = {}


def _find_slot_names(kind: type) -> tuple[str, ...]:
    names: list[str] = []
    for base in kind.__mro__:
        slots = base.__dict__.get("__slots__", ())
        for name in (slots,) if isinstance(slots, str) else slots:
            if name not in ("__dict__", "__weakref__"):
                names.append(name)
    return tuple(names)


# Keys and certificates never change; a lab has a few, written at every back-end commit.
_PEMS: dict[int, tuple[object, str]] = {}
_PEMS_KEPT = 64


def _pem(obj: object, write: Callable[[], bytes]) -> str:
    cached = _PEMS.get(id(obj))
    if cached is not None and cached[0] is obj:
        return cached[1]
    if len(_PEMS) >= _PEMS_KEPT:
        _PEMS.clear()
    text = write().decode()
    _PEMS[id(obj)] = (obj, text)  # the object is kept, so its id is not reused meanwhile
    return text


def _private_pem(key: Any) -> str:
    return _pem(
        key,
        lambda: key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )


def _certificate_pem(certificate: Any) -> str:
    return _pem(certificate, lambda: certificate.public_bytes(serialization.Encoding.PEM))


def _is_data_type(kind: type) -> bool:
    found = _DATA_TYPES.get(kind)
    if found is None:
        found = _DATA_TYPES[kind] = is_data_module(kind.__module__)
    return found


_DATA_TYPES: dict[type, bool] = {}


def is_data_module(name: str) -> bool:
    return any(name == module or name.startswith(f"{module}.") for module in DATA_MODULES)


def _class_name(kind: type) -> str:
    name = _NAMES.get(kind)
    if name is None:
        if not _is_data_type(kind) or "<locals>" in kind.__qualname__:
            raise CodecError(f"it is of type {kind.__module__}.{kind.__qualname__}, not data")
        name = _NAMES[kind] = f"{kind.__module__}:{kind.__qualname__}"
    return name


_NAMES: dict[type, str] = {}


def _describe(obj: object) -> str:
    if isinstance(obj, type):
        return f"the class {obj.__module__}.{obj.__qualname__}"
    kind = type(obj)
    return f"a {kind.__module__}.{kind.__qualname__}"


def dump_text(obj: object, live: Mapping[str, object], *, keep_logs: bool = True) -> str:
    """`obj` as JSON text; the objects in `live` are written as references to their names.

    Without `keep_logs`, no list's text is kept to be written again (a list made for one
    write, whose kept text would only take up room)."""
    encoder = _Encoder(live, frozenset(), keep_logs)
    tree = encoder.encode(obj)
    if encoder.repeated:
        # Containers reachable twice are written once and referred to; now that they are
        # known, write again (rare: most state is a tree).
        encoder = _Encoder(live, frozenset(encoder.repeated), keep_logs)
        tree = encoder.encode(obj)
    return encoder.splice(json.dumps(tree, ensure_ascii=True, allow_nan=False, separators=_SEP))
