"""A dict that remembers which of its entries were reached: how a back end's model tells
its state dir which rows a reply may have changed (sim/lab/model_rows.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class TrackedDict(dict[K, V]):
    """A dict that remembers which keys were reached through it since `take_touched`.

    Every way to a value marks its key: indexing, `get`, `setdefault`, `pop`; every way to
    all of them (`values`, `items`, copies) marks them all. Keys alone (iteration, `in`,
    `len`) mark nothing: a value is reached only through one of the above.
    """

    __slots__ = ("_all", "_touched")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._touched: set[Any] = set()
        self._all = True  # new: every entry is still to be written

    def take_touched(self) -> tuple[bool, set[Any]]:
        """(every key, the keys) reached since the last call; the record starts afresh."""
        touched, everything = self._touched, self._all
        self._touched, self._all = set(), False
        return everything, touched

    def touch_all(self) -> None:
        self._all = True

    def __getitem__(self, key: K) -> V:
        self._touched.add(key)
        return super().__getitem__(key)

    def get(self, key: K, default: Any = None) -> Any:
        self._touched.add(key)
        return super().get(key, default)

    def __setitem__(self, key: K, value: V) -> None:
        self._touched.add(key)
        super().__setitem__(key, value)

    def __delitem__(self, key: K) -> None:
        self._touched.add(key)
        super().__delitem__(key)

    def setdefault(self, key: K, default: Any = None) -> Any:
        self._touched.add(key)
        return super().setdefault(key, default)

    def pop(self, key: K, *default: Any) -> Any:
        self._touched.add(key)
        return super().pop(key, *default)

    def popitem(self) -> tuple[K, V]:
        key, value = super().popitem()
        self._touched.add(key)
        return key, value

    def clear(self) -> None:
        self._all = True
        super().clear()

    def update(self, *args: Any, **kwargs: Any) -> None:
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def values(self) -> Any:
        self._all = True
        return super().values()

    def items(self) -> Any:
        self._all = True
        return super().items()

    def __iter__(self) -> Iterator[K]:
        # Keys alone reach no value. Overriding it is what matters: dict(d) and {**d} then
        # take each value through __getitem__ instead of copying around it.
        return super().__iter__()

    def copy(self) -> dict[K, V]:
        self._all = True
        return dict(super().items())

    def __or__(self, other: Any) -> Any:
        self._all = True
        return dict(super().items()) | other

    def __ior__(self, other: Any) -> Any:
        self.update(other)
        return self

    def __reduce__(self) -> Any:
        self._all = True  # copy.copy and pickle hand out the values
        return (dict, (dict(super().items()),))
