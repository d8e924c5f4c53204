"""Retention: dropping the oldest entries of a record once it holds as many as it may keep.

Switches and back ends keep what their CLI and pages show (the limits live in the timing
profile); older entries go, so that memory stays flat however many years pass. Each function
keeps insertion order, which is arrival order for every record that uses them.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")
T = TypeVar("T")


def keep_last(entries: list[T], limit: int) -> None:
    """Drop the oldest entries of `entries` beyond `limit`."""
    if len(entries) > limit:
        del entries[: len(entries) - limit]


def keep_newest(mapping: MutableMapping[K, V], limit: int) -> None:
    """Drop the oldest-inserted entries of `mapping` beyond `limit` (for small mappings)."""
    while len(mapping) > limit:
        del mapping[next(iter(mapping))]


def trim_newest(mapping: dict[K, V], limit: int) -> None:
    """Keep about the newest `limit` entries of a large mapping: past a quarter more, the
    oldest go in one pass, so that a mapping shared by thousands of devices costs O(1) per
    insert rather than a scan each time."""
    excess = len(mapping) - limit
    if excess > max(16, limit // 4):
        for key in list(mapping)[:excess]:
            del mapping[key]


def keep_newest_done(entries: list[T], limit: int, done: Callable[[T], bool]) -> None:
    """Drop the oldest entries that are `done` while more than `limit` of them are kept.

    Entries that are not done (a report still owed to CSSM) are never dropped.
    """
    if len(entries) <= limit:
        return  # no more done entries than that: nothing to count (runs at every ACK)
    finished = sum(1 for entry in entries if done(entry))
    excess = finished - limit
    if excess <= 0:
        return
    kept: list[T] = []
    for entry in entries:
        if excess > 0 and done(entry):
            excess -= 1
        else:
            kept.append(entry)
    entries[:] = kept


def keep_newest_where(mapping: MutableMapping[K, V], limit: int, done: Callable[[V], bool]) -> None:
    """`keep_newest_done` for a mapping in insertion order."""
    finished = [key for key, value in mapping.items() if done(value)]
    for key in finished[: max(0, len(finished) - limit)]:
        del mapping[key]
