"""`slpsim lab`: a whole simulation on the wire, in one process, on 127.0.0.1.

The back ends run under uvicorn and the switches reach them over real HTTP (the simulated
network still decides names, routes and faults, then hands the request to the right port).
Every switch has an SSH port and an NX-API port; a control API moves time and faults. Time is
a PacedClock: it flows at `rate` x real time, and the pacing loop runs each scheduler event
when its moment comes; jumps run every event on the way, under the same lock the front ends
take, so nothing observes the simulation half-way through an event.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sim.clock import PacedClock, wall_clock_now
from sim.lab.access import SwitchAccess
from sim.lab.listeners import HttpListener
from sim.lab.persistence import Persistence
from sim.lab.remote_syslog import RemoteSyslog
from sim.lab.state_store import StateStore
from sim.simulation import Simulation, SwitchSpec
from sim.timing import DEFAULT_TIMING, TimingProfile

# Serial numbers in Cisco's form (3 letters, 4 digits of year/week, 4 characters).
_SERIAL_BASE = 2434107
PIDS = ("N9K-C93180YC-FX", "N9K-C9336C-FX2", "N9K-C93240YC-FX2", "N9K-C9364C")
PACE_TICK_SECONDS = 0.25
SAVE_EVERY_SECONDS = 1.0


@dataclass
class LabOptions:
    topology: str = "direct"
    switches: int = 2
    rate: float = 1.0
    host: str = "127.0.0.1"
    control_port: int = 8080
    ssh_port_base: int = 0  # 0: free ports picked by the system
    nxapi_port_base: int = 0
    backend_port_base: int = 0
    username: str = "admin"
    password: str = "admin"
    state_dir: Path | None = None
    start: datetime | None = None
    control_token: str | None = None
    timing: TimingProfile = DEFAULT_TIMING


@dataclass
class SwitchEndpoints:
    name: str
    pid: str
    serial: str
    ssh_port: int
    nxapi_port: int

    @property
    def udi(self) -> str:
        return f"PID:{self.pid},SN:{self.serial}"


@dataclass
class LabEndpoints:
    control_port: int = 0
    backends: dict[str, int] = field(default_factory=dict)
    switches: list[SwitchEndpoints] = field(default_factory=list)


def lab_switch_specs(count: int) -> list[SwitchSpec]:
    specs = []
    for n in range(1, count + 1):
        name = f"leaf{n}"
        specs.append(
            SwitchSpec(
                name=name,
                pid=PIDS[(n - 1) % len(PIDS)],
                serial=f"FDO{_SERIAL_BASE + n - 1}N",
                hostname=name,
            )
        )
    return specs


def _port(base: int, offset: int) -> int:
    return base + offset if base else 0


class Lab:
    def __init__(self, options: LabOptions) -> None:
        if options.switches < 1:
            raise ValueError("a lab needs at least one switch")
        if options.rate < 0:
            raise ValueError("the rate cannot be negative")
        self.store = StateStore(options.state_dir) if options.state_dir is not None else None
        saved_now = self.store.saved_now() if self.store is not None else None
        self.resumed = saved_now is not None
        if self.store is not None and saved_now is not None:
            # A lab resumes as it was built: topology and switches come from the state dir.
            options = replace(
                options,
                topology=self.store.setting("topology") or options.topology,
                switches=int(self.store.setting("switch_count") or options.switches),
            )
        self.options = options
        start = saved_now or options.start or wall_clock_now().replace(microsecond=0)
        self.clock = PacedClock(start, options.rate)
        self.simulation = Simulation.build(
            options.topology,
            start=start,
            timing=options.timing,
            switches=lab_switch_specs(options.switches),
            clock=self.clock,
        )
        self.persistence = (
            Persistence(self.store, self.simulation) if self.store is not None else None
        )
        self.lock = asyncio.Lock()
        self.endpoints = LabEndpoints()
        self.remote_syslog = RemoteSyslog()
        self._http = HttpListener(options.host)
        self._ssh_servers: list[Any] = []
        self._pacer: asyncio.Task[None] | None = None
        self._saver: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self.started = False

    # ---------------------------------------------------------------- lifecycle

    async def start(self) -> LabEndpoints:
        from sim.lab.control import create_control_app
        from sim.lab.control_token import guard_backend
        from sim.lab.nxapi import create_nxapi_app
        from sim.lab.ssh import load_host_key, shared_host_key, start_ssh_server

        opts = self.options
        sim = self.simulation
        base_urls = {}
        for offset, (name, app) in enumerate(sorted(sim.apps.items())):
            served: Any = app
            if self.persistence is not None:
                served = self.persistence.persisting_app(name, app)
            served = guard_backend(served, opts.control_token)  # the /_sim plane wants the token
            port = self._http.add(served, _port(opts.backend_port_base, offset))
            self.endpoints.backends[name] = port
            base_urls[name] = f"http://{opts.host}:{port}"
        self.endpoints.control_port = self._http.add(create_control_app(self), opts.control_port)
        for offset, (name, switch) in enumerate(sim.switches.items()):
            access = SwitchAccess(sim, name, self.lock, self.save_switches)
            nxapi = create_nxapi_app(access, username=opts.username, password=opts.password)
            nxapi_port = self._http.add(nxapi, _port(opts.nxapi_port_base, offset))
            self.endpoints.switches.append(
                SwitchEndpoints(
                    name, switch.sudi.udi_pid, switch.sudi.udi_serial_number, 0, nxapi_port
                )
            )
        await self._http.start()
        await sim.use_http(base_urls)
        for switch in sim.switches.values():
            self.remote_syslog.attach(switch)
        if self.persistence is not None:
            self.persistence.watch()
        async with self.lock:
            if self.persistence is not None and self.resumed:
                self.persistence.restore()
                sim.start_relays()
                await sim.scheduler.settle()
            else:
                await sim.boot()
            self._save_settings()
            self.persist()
        # A key kept in the state dir keeps `known_hosts` happy across restarts.
        if opts.state_dir is not None:
            opts.state_dir.mkdir(parents=True, exist_ok=True)
            host_key = load_host_key(opts.state_dir / "ssh_host_key")
        else:
            host_key = shared_host_key()
        for offset, entry in enumerate(self.endpoints.switches):
            server = await start_ssh_server(
                SwitchAccess(sim, entry.name, self.lock, self.save_switches),
                host=opts.host,
                port=_port(opts.ssh_port_base, offset),
                username=opts.username,
                password=opts.password,
                host_key=host_key,
            )
            self._ssh_servers.append(server)
            entry.ssh_port = int(server.port)
        self._pacer = asyncio.create_task(self._pace())
        if self.persistence is not None:
            self._saver = asyncio.create_task(self._save_every_second())
        self.started = True
        return self.endpoints

    async def stop(self) -> None:
        self._stopping.set()
        for task in (self._pacer, self._saver):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._pacer = self._saver = None
        for server in self._ssh_servers:
            await server.close()
        self._ssh_servers.clear()
        await self._http.stop()
        async with self.lock:
            self.persist()
        if self.store is not None:
            self.store.close()
        await self.simulation.close()
        self.remote_syslog.close()
        self.started = False

    async def run_until_stopped(self) -> None:
        await self._stopping.wait()

    def request_stop(self) -> None:
        self._stopping.set()

    # ---------------------------------------------------------------- state

    def _save_settings(self) -> None:
        if self.store is not None:
            self.store.save_setting("topology", self.options.topology)
            self.store.save_setting("switch_count", str(self.options.switches))

    def persist(self) -> None:
        """Save everything now (call with the lock held)."""
        if self.persistence is not None:
            self.persistence.save_all()

    def save_switches(self) -> None:
        if self.persistence is not None:
            self.persistence.save_switches()

    async def _save_every_second(self) -> None:
        while True:
            await asyncio.sleep(SAVE_EVERY_SECONDS)
            async with self.lock:
                self.save_switches()

    # ---------------------------------------------------------------- time

    async def _pace(self) -> None:
        scheduler = self.simulation.scheduler
        while True:
            async with self.lock:
                await scheduler.run_until(self.clock.now())
            nxt = scheduler.peek()
            wait = self.clock.real_seconds_until(nxt) if nxt is not None else PACE_TICK_SECONDS
            # Short ticks: events scheduled meanwhile (by a command) are never long overdue.
            await asyncio.sleep(min(max(wait, 0.01), PACE_TICK_SECONDS))

    async def advance(self, delta: timedelta) -> datetime:
        """Jump virtual time forward, running every event on the way."""
        if delta < timedelta(0):
            raise ValueError("time only moves forward")
        async with self.lock:
            await self.simulation.scheduler.run_until(self.clock.now() + delta)
            self.persist()
        return self.clock.now()

    def now(self) -> datetime:
        return self.clock.now()
