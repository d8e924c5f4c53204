"""How saved state is read back (the format, and why loading never runs code: see
sim/lab/state_codec.py, which writes it).

Only what the writer can write is rebuilt: the standard types, enums, and objects and pydantic
models of the project's pure modules, each made with `cls.__new__` and given its fields; a
class named by an older slpsim's path is found where it lives now (MOVED_TYPES).
"""

from __future__ import annotations

import base64
import collections
import copy
import dataclasses
import datetime as dt
import enum
import importlib
import json
import random
from collections.abc import Callable, Mapping
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pydantic import BaseModel

from sim.lab.state_codec import (
    ABSENT,
    MODULE_NAME,
    MOVED_TYPES,
    NON_FINITE,
    PRIVATE_KEYS,
    QUALNAME,
    CodecError,
    is_data_module,
    slot_names,
    within,
)


class _Decoder:
    def __init__(self, live: Mapping[str, object] | None) -> None:
        self._live = live
        self._objects: dict[int, object] = {}

    def decode(self, node: Any) -> Any:
        kind = type(node)
        if kind is list:
            return self._items(node)
        if kind is not dict:
            return node
        if not any(key.startswith("$") for key in node):
            out = {}
            for key, value in node.items():
                try:
                    out[key] = self.decode(value)
                except CodecError as exc:
                    raise within(exc, f"[{key!r}]") from None
            return out
        if len(node) != 1:
            raise CodecError(f"a tagged value has other keys too: {sorted(node)[:4]}")
        ((tag, body),) = node.items()
        reader = _READERS.get(tag)
        if reader is None:
            raise CodecError(f"unknown type tag {tag[:40]!r}")
        try:
            return reader(self, body)
        except (CodecError, RecursionError):
            raise
        except Exception as exc:  # a damaged value is refused, whatever it trips over
            raise CodecError(f"a damaged {tag[1:]} ({type(exc).__name__}: {exc})") from None

    def _items(self, body: Any) -> list[Any]:
        out = []
        for index, item in enumerate(_expect(body, list)):
            try:
                out.append(self.decode(item))
            except CodecError as exc:
                raise within(exc, f"[{index}]") from None
        return out

    def _pairs(self, body: Any) -> list[tuple[Any, Any]]:
        pairs = []
        for index, pair in enumerate(_expect(body, list)):
            try:
                key, value = _expect(pair, list)
                pairs.append((self.decode(key), self.decode(value)))
            except CodecError as exc:
                raise within(exc, f"[{index}]") from None
            except ValueError:
                raise within(CodecError("a pair is not [key, value]"), f"[{index}]") from None
        return pairs

    def live(self, body: Any) -> object:
        name = _expect(body, str)
        if self._live is None:
            return None
        if name not in self._live:
            raise CodecError(f"saved state refers to {name!r}, unknown to this lab")
        return self._live[name]

    def float_(self, body: Any) -> float:
        if body not in NON_FINITE:
            raise CodecError(f"not a float: {str(body)[:40]!r}")
        return NON_FINITE[body]

    def tuple_(self, body: Any) -> tuple[Any, ...]:
        return tuple(self._items(body))

    def set_(self, body: Any) -> set[Any]:
        return set(self._items(body))

    def frozenset_(self, body: Any) -> frozenset[Any]:
        return frozenset(self._items(body))

    def dict_(self, body: Any) -> dict[Any, Any]:
        return dict(self._pairs(body))

    def counter(self, body: Any) -> collections.Counter[Any]:
        return collections.Counter(dict(self._pairs(body)))

    def deque(self, body: Any) -> collections.deque[Any]:
        body = _expect(body, dict)
        maxlen = body.get("maxlen")
        if maxlen is not None and (type(maxlen) is not int or maxlen < 0):
            raise CodecError("a deque's maxlen is not a count")
        return collections.deque(self._items(body.get("items")), maxlen)

    def bytes_(self, body: Any) -> bytes:
        return base64.b64decode(_expect(body, str), validate=True)

    def datetime_(self, body: Any) -> dt.datetime:
        return dt.datetime.fromisoformat(_expect(body, str))

    def date_(self, body: Any) -> dt.date:
        return dt.date.fromisoformat(_expect(body, str))

    def timedelta_(self, body: Any) -> dt.timedelta:
        days, seconds, microseconds = (_expect(part, int) for part in _expect(body, list))
        return dt.timedelta(days=days, seconds=seconds, microseconds=microseconds)

    def random_(self, body: Any) -> random.Random:
        version, internal, gauss = _expect(body, list)
        internal = [_expect(word, int) for word in _expect(internal, list)]
        if gauss is not None:
            gauss = float(_expect(gauss, float))
        rng = random.Random()
        rng.setstate((version, tuple(internal), gauss))
        return rng

    def private_key(self, body: Any) -> object:
        key = serialization.load_pem_private_key(_expect(body, str).encode(), password=None)
        if not isinstance(key, PRIVATE_KEYS):
            raise CodecError(f"an unsupported private key ({type(key).__name__})")
        return key

    def certificate(self, body: Any) -> x509.Certificate:
        return x509.load_pem_x509_certificate(_expect(body, str).encode())

    def enum_(self, body: Any) -> enum.Enum:
        name, value = _expect(body, list)
        kind = _project_class(name)
        if not issubclass(kind, enum.Enum):
            raise CodecError(f"{name[:80]} is not an enumeration")
        return kind(self.decode(value))

    def ref(self, body: Any) -> object:
        obj = self._objects.get(_expect(body, int), ABSENT)
        if obj is ABSENT:
            raise CodecError(f"a reference to object {body} before it is written")
        return obj

    def model(self, body: Any) -> BaseModel:
        body = _expect(body, dict)
        kind = _project_class(body.get("type"))
        if not issubclass(kind, BaseModel):
            raise CodecError(f"{kind.__qualname__} is not a pydantic model")
        obj = kind.model_validate(_expect(body.get("data"), dict))
        self._remember(body, obj)
        return obj

    def object_(self, body: Any) -> object:
        body = _expect(body, dict)
        kind = _project_class(body.get("type"))
        if issubclass(kind, (enum.Enum, BaseModel, BaseException)):
            raise CodecError(f"{kind.__qualname__} is not saved as a plain object")
        fields = _expect(body.get("fields"), dict)
        defaults: dict[str, Any] = {}
        if dataclasses.is_dataclass(kind):
            # A field added by a later slpsim takes its default: a state dir written before it
            # still opens. A field with no default cannot be made up.
            missing = []
            for spec in dataclasses.fields(kind):
                if spec.name in fields:
                    continue
                if spec.default is not dataclasses.MISSING:
                    defaults[spec.name] = copy.copy(spec.default)
                elif spec.default_factory is not dataclasses.MISSING:
                    defaults[spec.name] = spec.default_factory()
                else:
                    missing.append(spec.name)
            if missing:
                raise CodecError(
                    f"{kind.__qualname__} lacks {', '.join(sorted(missing))} "
                    "(written by a different slpsim?)"
                )
        obj = kind.__new__(kind)
        self._remember(body, obj)
        slots = set(slot_names(kind))
        for name, value in defaults.items():
            if name in slots:
                object.__setattr__(obj, name, value)
            else:
                obj.__dict__[name] = value
        for name, node in fields.items():
            if not name.isidentifier() or (name.startswith("__") and name.endswith("__")):
                raise CodecError(f"{name[:40]!r} is not an attribute name")
            try:
                value = self.decode(node)
            except CodecError as exc:
                raise within(exc, f".{name}") from None
            if name in slots:
                object.__setattr__(obj, name, value)
            else:
                obj.__dict__[name] = value
        return obj

    def shared(self, body: Any) -> Any:
        body = _expect(body, dict)
        value = self.decode(body.get("value"))
        self._objects[_expect(body.get("id"), int)] = value
        return value

    def _remember(self, body: dict[str, Any], obj: object) -> None:
        ref = body.get("id")
        if ref is not None:
            self._objects[_expect(ref, int)] = obj


_READERS: dict[str, Callable[[_Decoder, Any], Any]] = {
    "$live": _Decoder.live,
    "$float": _Decoder.float_,
    "$tuple": _Decoder.tuple_,
    "$set": _Decoder.set_,
    "$frozenset": _Decoder.frozenset_,
    "$dict": _Decoder.dict_,
    "$counter": _Decoder.counter,
    "$deque": _Decoder.deque,
    "$bytes": _Decoder.bytes_,
    "$datetime": _Decoder.datetime_,
    "$date": _Decoder.date_,
    "$timedelta": _Decoder.timedelta_,
    "$random": _Decoder.random_,
    "$private_key": _Decoder.private_key,
    "$certificate": _Decoder.certificate,
    "$enum": _Decoder.enum_,
    "$ref": _Decoder.ref,
    "$shared": _Decoder.shared,
    "$model": _Decoder.model,
    "$object": _Decoder.object_,
}


def _expect(value: Any, kind: type) -> Any:
    # bool is an int to Python, never to this format.
    if not isinstance(value, kind) or (kind is not bool and type(value) is bool):
        raise CodecError(f"expected {kind.__name__}, found {type(value).__name__}")
    return value


def _project_class(name: Any) -> type:
    """The class `module:qualname` names, if it is a data type of the project; nothing else."""
    text = _expect(name, str)
    module_name, _, qualname = MOVED_TYPES.get(text, text).partition(":")
    if (
        not MODULE_NAME.fullmatch(module_name)
        or not is_data_module(module_name)
        or not QUALNAME.fullmatch(qualname)
    ):
        raise CodecError(f"{text[:80]!r} is not a type this lab saves")
    try:
        found: Any = importlib.import_module(module_name)
        for part in qualname.split("."):
            if part.startswith("__"):
                raise AttributeError(part)
            found = getattr(found, part)
    except (ImportError, AttributeError):
        raise CodecError(f"{text[:80]!r} is not a type this lab knows") from None
    # Re-exports (an `import os` inside a project module) do not count: the class must be
    # defined where the name says.
    if not isinstance(found, type) or found.__module__ != module_name:
        raise CodecError(f"{text[:80]!r} is not a type this lab saves")
    return found


def load_text(text: str | bytes, live: Mapping[str, object] | None) -> Any:
    """What `dump_text` wrote; with `live` None, references to the lab are only checked."""
    try:
        tree = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise CodecError(f"not JSON written by slpsim ({exc})") from None
    try:
        return _Decoder(live).decode(tree)
    except CodecError:
        raise
    except RecursionError:
        raise CodecError("nested too deeply") from None
    except Exception as exc:  # a damaged value must be refused, whatever it trips over
        raise CodecError(f"cannot be read back ({type(exc).__name__}: {exc})") from None
