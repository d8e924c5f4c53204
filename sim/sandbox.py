"""An in-process lab for users' own tests: virtual time, no sockets, instant.

    from sim.sandbox import Sandbox

    with Sandbox(topology="direct", switches=["leaf1"]) as lab:
        lab.exec(f"license smart trust idtoken {lab.token()} all")
        lab.advance("1h16m")
        assert "%LICMGR-6-LOG_SMART_LIC_TRUST_CODE_INSTALL_SUCCESS" in lab.syslog()[0]

`Sandbox` is synchronous (it owns a private event loop); `async with Sandbox(...)` gives
the same object for async tests, with the coroutine methods `aexec`, `aconfig`, `aadvance`.
Everything goes through the same CLI engine, network and back ends as `slpsim run` and the lab.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Sequence
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, TypeVar

from sim.scenario.model import default_serial
from sim.simulation import DEFAULT_START, ExchangeMode, Simulation, SwitchSpec
from sim.timing import DEFAULT_TIMING, TimingProfile, parse_duration

T = TypeVar("T")
Duration = str | timedelta


class Sandbox:
    def __init__(
        self,
        topology: str = "direct",
        *,
        switches: Sequence[str | SwitchSpec] = ("switch",),
        start: datetime = DEFAULT_START,
        timing: TimingProfile | dict[str, Any] = DEFAULT_TIMING,
        exchange: ExchangeMode | None = None,
    ) -> None:
        if isinstance(timing, dict):
            timing = DEFAULT_TIMING.model_copy(
                update={
                    k: parse_duration(v) if isinstance(v, str) else v for k, v in timing.items()
                }
            )
        specs = _switch_specs(switches)
        # exchange="asgi" drives the back ends' FastAPI apps instead of their models directly.
        self.simulation = Simulation.build(
            topology, start=start, timing=timing, switches=specs, exchange=exchange
        )
        self._runner: asyncio.Runner | None = None
        self._booted = False

    # ---------------------------------------------------------------- lifecycle

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        if self._runner is None:
            self._runner = asyncio.Runner()
        return self._runner.run(coro)

    def __enter__(self) -> Sandbox:
        self._run(self.simulation.boot())
        self._booted = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._runner is not None:
            self._runner.run(self.simulation.close())
            self._runner.close()
            self._runner = None

    async def __aenter__(self) -> Sandbox:
        await self.simulation.boot()
        self._booted = True
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.simulation.close()

    # ---------------------------------------------------------------- async API

    async def aexec(self, line: str, switch: str | None = None) -> str:
        return await self.simulation.exec(self._name(switch), line)

    async def aconfig(self, lines: str | Sequence[str], switch: str | None = None) -> str:
        if isinstance(lines, str):
            lines = [line for line in lines.splitlines() if line.strip()]
        return await self.simulation.config(self._name(switch), list(lines))

    async def aadvance(self, duration: Duration) -> datetime:
        delta = parse_duration(duration) if isinstance(duration, str) else duration
        await self.simulation.advance(delta)
        return self.now()

    # ---------------------------------------------------------------- sync API

    def exec(self, line: str, switch: str | None = None) -> str:
        """One exec-mode line on a switch (default: the first), as a person would see it."""
        return self._run(self.aexec(line, switch))

    def config(self, lines: str | Sequence[str], switch: str | None = None) -> str:
        """Lines typed in `configure terminal` (a multi-line string or a list)."""
        return self._run(self.aconfig(lines, switch))

    def advance(self, duration: Duration) -> datetime:
        """Let virtual time pass ("15m", "4h", "30d", "1h30m" or a timedelta)."""
        return self._run(self.aadvance(duration))

    def now(self) -> datetime:
        return self.simulation.clock.now()

    def token(self, issuer: str = "cssm", virtual_account: str | None = None) -> str:
        return self.simulation.issue_token(issuer, virtual_account=virtual_account)

    def fault(self, target: str, kind: str, **params: Any) -> int:
        fault_id = self.simulation.add_fault(target, kind, params)
        self._settle()
        return fault_id

    def clear(self, fault_id: int | None = None) -> None:
        if fault_id is None:
            self.simulation.clear_all_faults()
        else:
            self.simulation.remove_fault(fault_id)
        self._settle()

    def syslog(self, switch: str | None = None, contains: str | None = None) -> list[str]:
        """The switch's log-file lines, optionally only those containing `contains`."""
        lines = [r.logfile_line() for r in self.simulation.syslog(self._name(switch))]
        return [line for line in lines if contains is None or contains in line]

    def _name(self, switch: str | None) -> str:
        return switch if switch is not None else self.simulation.switch_names[0]

    def _settle(self) -> None:
        if self._runner is not None:
            self._run(self.simulation.scheduler.settle())


def _switch_specs(switches: Sequence[str | SwitchSpec]) -> list[SwitchSpec]:
    """Specs for `switches`: a bare name gets a serial of its own (by position, as in a
    scenario file), so that no two switches share a UDI; two specs that do are refused."""
    given = {s.serial: s.name for s in switches if isinstance(s, SwitchSpec)}
    specs: list[SwitchSpec] = []
    owners: dict[str, str] = {}
    for position, item in enumerate(switches):
        if isinstance(item, SwitchSpec):
            spec = item
        else:
            candidate = position
            while default_serial(candidate) in given or default_serial(candidate) in owners:
                candidate += 1
            spec = SwitchSpec(item, serial=default_serial(candidate))
        if spec.serial in owners:
            raise ValueError(
                f"switches {owners[spec.serial]!r} and {spec.name!r} have the same serial number "
                f"{spec.serial}; give each its own (CSSM would take them for one device)"
            )
        owners[spec.serial] = spec.name
        specs.append(spec)
    return specs
