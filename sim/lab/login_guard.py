"""Failed logins on the lab's front ends (SSH, NX-API) are slowed, counted and logged.

Each failure for one user from one peer address answers only after a delay that doubles with
every recent failure (1 s, 2 s, 4 s ... up to a cap), and after `max_failures` failures inside
`window` that user is locked out from that peer for `lockout`: every attempt is refused, the
right password included. Attempts for one user and peer are taken one at a time, so opening
many connections at once does not get more guesses through than trying them in a row. Another
peer, or another user, is not affected. Every refusal is a warning on the lab's log.

This is the I/O shell: it reads real time through `sim.clock.real_monotonic` (injectable) and
waits with `asyncio.sleep` (injectable), never the simulation's virtual clock.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sim.clock import real_monotonic

_log = logging.getLogger(__name__)

# Bounds on what a stranger can make the guard remember or print.
MAX_TRACKED = 4096
_SHOWN_USER = 64


@dataclass(frozen=True)
class LoginPolicy:
    """How hard the guard pushes back; seconds of real time."""

    first_delay: float = 1.0
    max_delay: float = 8.0
    max_failures: int = 10
    window: float = 300.0
    lockout: float = 120.0

    def __post_init__(self) -> None:
        if min(self.first_delay, self.max_delay, self.window, self.lockout) < 0:
            raise ValueError("login guard delays and periods cannot be negative")
        if self.max_failures < 1:
            raise ValueError("a login guard needs max_failures of at least 1")

    def delay(self, failures: int) -> float:
        """The pause after the `failures`-th recent failure."""
        if failures < 1 or self.first_delay == 0:
            return 0.0
        # Doubling past the cap would only grow the float towards overflow.
        doublings = min(failures - 1, 62)
        return min(self.max_delay, self.first_delay * 2.0**doublings)


@dataclass
class _Record:
    failures: list[float] = field(default_factory=list)
    locked_until: float = 0.0
    turn: asyncio.Lock = field(default_factory=asyncio.Lock)


@dataclass(frozen=True)
class Verdict:
    accepted: bool
    # Seconds until a locked-out user may try again (0 when not locked out).
    locked_for: float = 0.0

    @property
    def reason(self) -> str:
        if self.accepted:
            return ""
        if self.locked_for > 0:
            return f"Too many failed logins: try again in {max(1, round(self.locked_for))} seconds"
        return "Authentication failed: invalid username or password"


class LoginGuard:
    """One per lab, shared by every switch's SSH and NX-API, so both count the same failures."""

    def __init__(
        self,
        policy: LoginPolicy | None = None,
        *,
        monotonic: Callable[[], float] = real_monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self.policy = policy if policy is not None else LoginPolicy()
        self._monotonic = monotonic
        self._sleep = sleep
        self._records: OrderedDict[tuple[str, str], _Record] = OrderedDict()

    async def attempt(
        self, peer: str, username: str, where: str, check: Callable[[], bool]
    ) -> Verdict:
        """Run `check` (the credential comparison) unless locked out; slow and log a failure."""
        key = (peer, username[:_SHOWN_USER])
        if key not in self._records:
            # No recent failure and no lockout: a right password needs neither a turn nor a
            # record. Nothing awaits before a wrong one is recorded and holds the turn.
            if check():
                return Verdict(True)
            record = self._record(key)
            async with record.turn:
                return await self._failed(key, record, self._monotonic(), where)
        record = self._record(key)
        async with record.turn:
            now = self._monotonic()
            locked_for = record.locked_until - now
            if locked_for <= 0:
                if check():
                    self._records.pop(key, None)
                    return Verdict(True)
                return await self._failed(key, record, now, where)
        _log.warning(
            "login refused for %r from %s on %s: locked out for %.0f more seconds",
            key[1],
            peer,
            where,
            locked_for,
        )
        # Slowed like a failure, but outside the turn: a queue of refused attempts must not
        # keep the user waiting once the lockout ends.
        await self._sleep(min(self.policy.max_delay, locked_for))
        return Verdict(False, locked_for)

    async def _failed(
        self, key: tuple[str, str], record: _Record, now: float, where: str
    ) -> Verdict:
        policy = self.policy
        record.failures = [t for t in record.failures if now - t < policy.window]
        record.failures.append(now)
        count = len(record.failures)
        if count >= policy.max_failures:
            record.locked_until = now + policy.lockout
            record.failures.clear()
            _log.warning(
                "failed login for %r from %s on %s (%d in %.0f s): locked out for %.0f s",
                key[1],
                key[0],
                where,
                count,
                policy.window,
                policy.lockout,
            )
        else:
            _log.warning(
                "failed login for %r from %s on %s (%d in %.0f s)",
                key[1],
                key[0],
                where,
                count,
                policy.window,
            )
        # Inside the turn: the next guess for this user and peer waits for this pause.
        await self._sleep(policy.delay(count))
        return Verdict(False)

    def locked_for(self, peer: str, username: str) -> float:
        """Seconds until `username` may log in from `peer` again (0: not locked out)."""
        record = self._records.get((peer, username[:_SHOWN_USER]))
        if record is None:
            return 0.0
        return max(0.0, record.locked_until - self._monotonic())

    def _record(self, key: tuple[str, str]) -> _Record:
        record = self._records.get(key)
        if record is not None:
            self._records.move_to_end(key)
            return record
        if len(self._records) >= MAX_TRACKED:
            self._make_room()
        record = _Record()
        self._records[key] = record
        return record

    def _make_room(self) -> None:
        # Runs once per MAX_TRACKED // 4 new names at most, so a flood of names costs linear time.
        now = self._monotonic()
        window = self.policy.window
        for key, record in list(self._records.items()):
            if record.turn.locked():
                continue
            if record.locked_until <= now and all(now - t >= window for t in record.failures):
                del self._records[key]
        # Still crowded (a flood of distinct names): forget the least recently tried.
        while len(self._records) > MAX_TRACKED * 3 // 4:
            self._records.popitem(last=False)
