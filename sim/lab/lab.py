"""`slpsim lab`: a whole simulation on the wire, in one process, on 127.0.0.1.

The back ends run under uvicorn and the switches reach them over real HTTP (the simulated
network still decides names, routes and faults, then hands the request to the right port).
Every switch has an SSH port and an NX-API port, on the lab's host or on a loopback address
of its own (`switch_addresses`; the lab writes an OpenSSH client config for them:
sim/lab/ssh_config.py); a control API moves time and faults. Time is a PacedClock: it flows
at `rate` x real time, and the pacing loop runs each scheduler event when its moment comes;
jumps run every event on the way, under the same lock the front ends take, so nothing
observes the simulation half-way through an event. A jump takes that lock a slice at a time
(sim/lab/jump.py), so the front ends answer while it runs, and the pacing loop waits for it
to end.

With a state dir, the lab keeps the durability rule of sim/lab/persistence.py. Saved state is
restored before any port answers, and the control API and NX-API answer 503 until the lab is
ready, so nothing can act on (or save) a half-built simulation. A commit that fails stops the
lab: time stops, every front end answers 503 with the reason, the failure is recorded as an
incident, and `run_until_stopped` returns with `failure` set, so `slpsim lab` exits non-zero
and a restart resumes from the last commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import math
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from sim.clock import PacedClock, wall_clock_now
from sim.http_input import AsciiJSONResponse
from sim.lab import ssh_config
from sim.lab.access import SwitchAccess
from sim.lab.activity import ActivityLog
from sim.lab.inline_exchange import InlineExchange
from sim.lab.jump import Jump, JumpRunning, SliceBudget
from sim.lab.listeners import HttpListener
from sim.lab.login_guard import LoginGuard
from sim.lab.persistence import CommitFailed, Persistence
from sim.lab.remote_syslog import RemoteSyslog
from sim.lab.ssh_config import switch_addresses
from sim.lab.state_store import StateStore
from sim.simulation import Simulation, SwitchSpec
from sim.timing import DEFAULT_TIMING, TimingProfile
from sim.transport import Exchange

# Serial numbers in Cisco's form (3 letters, 4 digits of year/week, 4 characters).
_SERIAL_BASE = 2434107
PIDS = ("N9K-C93180YC-FX", "N9K-C9336C-FX2", "N9K-C93240YC-FX2", "N9K-C9364C")
DEFAULT_PASSWORD = "admin"
PACE_TICK_SECONDS = 0.25
SAVE_EVERY_SECONDS = 1.0
DEFAULT_RATE = 1.0

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Asgi = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass
class LabOptions:
    topology: str = "direct"
    switches: int = 2
    # None: the rate the state dir was last run at, else DEFAULT_RATE; a given rate wins.
    rate: float | None = None
    host: str = "127.0.0.1"
    control_port: int = 8080
    ssh_port_base: int = 0  # 0: free ports picked by the system
    nxapi_port_base: int = 0
    backend_port_base: int = 0
    username: str = "admin"
    password: str = DEFAULT_PASSWORD
    state_dir: Path | None = None
    start: datetime | None = None
    control_token: str | None = None
    timing: TimingProfile = DEFAULT_TIMING
    # The switches a scenario names (`slpsim lab --scenario`); None: `switches` leaf switches.
    switch_specs: list[SwitchSpec] | None = None
    # The first switch's own loopback address (the next switch the next address, all on the
    # same SSH and NX-API ports); None: every switch on `host`, with ports of its own.
    switch_addresses: str | None = None
    # Where the OpenSSH client config for the switches goes; None: `ssh_config` in the state
    # dir, or nowhere without one.
    ssh_config: Path | None = None
    # Clock jumps reach the back ends over HTTP too, rather than in-process (inline_exchange).
    jump_over_http: bool = False


@dataclass
class SwitchEndpoints:
    name: str
    pid: str
    serial: str
    ssh_port: int
    nxapi_port: int
    host: str = "127.0.0.1"

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
        if options.rate is not None:
            _check_rate(options.rate, "the rate")
        self.store = StateStore(options.state_dir) if options.state_dir is not None else None
        saved_now = self.store.saved_now() if self.store is not None else None
        self.resumed = saved_now is not None
        saved_rate = saved_resume_rate = None
        if self.store is not None and saved_now is not None:
            # A lab resumes as it was built: topology and switches come from the state dir.
            options = replace(
                options,
                topology=self.store.setting("topology") or options.topology,
                switches=int(self.store.setting("switch_count") or options.switches),
            )
            if options.rate is None:  # an explicit rate wins over the saved one
                saved_rate = _saved_rate(self.store.setting("rate"))
                saved_resume_rate = _saved_rate(self.store.setting("resume_rate"))
        if options.rate is None:
            options = replace(options, rate=DEFAULT_RATE if saved_rate is None else saved_rate)
        self.options = options
        count = len(options.switch_specs) if options.switch_specs else options.switches
        # Where each switch's SSH and NX-API listen.
        self.switch_hosts = (
            switch_addresses(options.switch_addresses, count)
            if options.switch_addresses is not None
            else [options.host] * count
        )
        start = saved_now or options.start or wall_clock_now().replace(microsecond=0)
        self.clock = PacedClock(start, self.rate)
        # What `resume` goes back to after a pause: the last positive rate, first the lab's own.
        self.resume_rate = saved_resume_rate or self.rate
        self.simulation = Simulation.build(
            options.topology,
            start=start,
            timing=options.timing,
            switches=options.switch_specs or lab_switch_specs(options.switches),
            clock=self.clock,
        )
        self.persistence = (
            Persistence(self.store, self.simulation, on_failure=self._commit_failed)
            if self.store is not None
            else None
        )
        # Set once a commit failed: the lab is stopping and refuses every request.
        self.failure: CommitFailed | None = None
        self.lock = asyncio.Lock()
        # One count of failed logins for every switch's SSH and NX-API.
        self.login_guard = LoginGuard()
        self.endpoints = LabEndpoints()
        self.remote_syslog = RemoteSyslog()
        # What people do to the lab, in order: the console's timeline and `--record` read it.
        self.activity = ActivityLog()
        self._http = HttpListener(options.host)
        self._ssh_servers: list[Any] = []
        self._pacer: asyncio.Task[None] | None = None
        self._saver: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self.started = False
        # Run once everything listens, before the lab says it is ready (a scenario is staged).
        self.on_started: list[Callable[[Lab], Awaitable[None]]] = []
        # When a new lab's switches booted: where a recording of it starts (not on a resume).
        self.booted_at: datetime | None = None
        # The clock jump running now (one at a time), and how it slices its events.
        self.jump: Jump | None = None
        self.jump_budget = SliceBudget()
        # The back ends as switches reach them during a jump (sim/lab/inline_exchange.py), and
        # over the lab's HTTP ports as in real time.
        self._inline: dict[str, InlineExchange] = {}
        self._wire: dict[str, Exchange] = {}

    @property
    def ssh_config_path(self) -> Path | None:
        """Where the switches' OpenSSH client config is written (sim/lab/ssh_config.py)."""
        if self.options.ssh_config is not None:
            return self.options.ssh_config
        if self.options.state_dir is not None:
            return self.options.state_dir / ssh_config.FILE_NAME
        return None

    def _switch_port(self, base: int, offset: int) -> int:
        """Switch `offset`'s port from `base`: the same for all on addresses of their own."""
        if self.options.switch_addresses is not None:
            return base
        return _port(base, offset)

    @property
    def rate(self) -> float:
        """The rate the lab was started with (the clock's own stops at 0 on a failure)."""
        return DEFAULT_RATE if self.options.rate is None else self.options.rate

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
            served = self._guarded(served, front_end=False)
            port = self._http.add(served, _port(opts.backend_port_base, offset))
            self.endpoints.backends[name] = port
            base_urls[name] = f"http://{opts.host}:{port}"
        self.endpoints.control_port = self._http.add(
            self._guarded(create_control_app(self), front_end=True), opts.control_port
        )
        for offset, (name, switch) in enumerate(sim.switches.items()):
            access = SwitchAccess(
                sim,
                name,
                self.lock,
                self.after_command(name),
                activity=self.activity,
                via="nxapi",
                after_read=self.after_read(name),
            )
            nxapi = create_nxapi_app(
                access,
                username=opts.username,
                password=opts.password,
                login_guard=self.login_guard,
            )
            host = self.switch_hosts[offset]
            nxapi_port = self._http.add(
                self._guarded(nxapi, front_end=True),
                self._switch_port(opts.nxapi_port_base, offset),
                host,
            )
            self.endpoints.switches.append(
                SwitchEndpoints(
                    name, switch.sudi.udi_pid, switch.sudi.udi_serial_number, 0, nxapi_port, host
                )
            )
        if self.persistence is not None:
            if self.resumed:
                # Before any port answers: a request must never see, or save over, a back end
                # or a switch that is not restored yet.
                self.persistence.restore()
            self.persistence.watch()
        await self._http.start()
        await sim.use_http(base_urls)
        self._wire = {name: sim.transport.endpoints[name] for name in base_urls}
        self._inline = {
            name: InlineExchange(
                routes,
                self._wire[name],
                commit=partial(self._commit_backend, name),
                refusal=partial(self.refusal, front_end=False),
            )
            for name, routes in sim.device_routes.items()
        }
        for switch in sim.switches.values():
            self.remote_syslog.attach(switch)
        async with self.lock:
            if self.resumed:
                sim.start_relays()
                await sim.scheduler.settle()
            else:
                self.booted_at = self.clock.now()
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
                SwitchAccess(
                    sim,
                    entry.name,
                    self.lock,
                    self.after_command(entry.name),
                    activity=self.activity,
                    via="ssh",
                    after_read=self.after_read(entry.name),
                ),
                host=entry.host,
                port=self._switch_port(opts.ssh_port_base, offset),
                username=opts.username,
                password=opts.password,
                host_key=host_key,
                login_guard=self.login_guard,
            )
            self._ssh_servers.append(server)
            entry.ssh_port = int(server.port)
        if self.ssh_config_path is not None:
            ssh_config.write(self.ssh_config_path, self.endpoints.switches, opts.username)
        self._pacer = asyncio.create_task(self._pace())
        if self.persistence is not None:
            self._saver = asyncio.create_task(self._save_every_second())
        for hook in self.on_started:
            await hook(self)
        self.started = True
        # What start-up built (switches, device models, back ends) lives as long as the lab:
        # out of the collector's sight, a full collection no longer walks all of it, which
        # showed as pauses of a few hundred milliseconds in a large lab's answers.
        gc.freeze()
        return self.endpoints

    async def stop(self) -> None:
        self._stopping.set()
        for task in (self._pacer, self._saver):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._pacer = self._saver = None
        jump = self.jump
        if jump is not None:
            # Cancelled at a slice boundary, never half-way through an event, so what is
            # saved below is a consistent state; a slice lasts milliseconds.
            jump.cancel()
            await jump.finished.wait()
        for server in self._ssh_servers:
            await server.close()
        self._ssh_servers.clear()
        await self._http.stop()
        async with self.lock:
            # After a failed commit there is nothing to add: the last commit is what resumes.
            # Nor before the lab started: the state dir may not even be restored yet.
            if self.failure is None and self.started:
                with contextlib.suppress(CommitFailed):  # recorded in self.failure
                    if self.persistence is not None:
                        # Every row encoded again, not only those marked: a clean stop
                        # leaves the state dir complete whatever a mark may have missed.
                        self.persistence.save_all(everything=True)
        if self.store is not None:
            self.store.close()
        await self.simulation.close()
        self.remote_syslog.close()
        self.started = False

    async def run_until_stopped(self) -> None:
        """Serve until asked to stop, or until a commit fails (then `failure` says why)."""
        await self._stopping.wait()

    def request_stop(self) -> None:
        self._stopping.set()

    @property
    def stopping(self) -> bool:
        """Asked to stop: long-lived responses (the console's event stream) end now."""
        return self._stopping.is_set()

    # ---------------------------------------------------------------- state

    def _save_settings(self) -> None:
        if self.store is not None:
            self.store.save_setting("topology", self.options.topology)
            self.store.save_setting("switch_count", str(self.options.switches))
            self.store.save_setting("rate", repr(self.rate))
            self.store.save_setting("resume_rate", repr(self.resume_rate))

    def _commit_failed(self, failure: CommitFailed) -> None:
        """Stop the lab: time, traffic and further commits (see the module docstring)."""
        if self.failure is not None:
            return
        self.failure = failure
        # Frozen where the last attempt left it; a restart resumes from the last commit.
        self.clock.advance_to(self.clock.now())
        self.clock.rate = 0.0
        self.simulation.incidents.record(self.clock.now(), "state dir", failure)
        self._stopping.set()

    def refusal(self, *, front_end: bool) -> str | None:
        """Why a request cannot be served now, or None."""
        if self.failure is not None:
            return f"the lab has stopped: {self.failure}; restart it to resume from its last commit"
        if front_end and not self.started:
            return "the lab is starting; try again in a moment"
        return None

    def _guarded(self, app: Asgi, *, front_end: bool) -> Asgi:
        """`app`, answering 503 with a JSON reason while the lab is starting or has failed."""

        async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            refusal = self.refusal(front_end=front_end)
            if refusal is not None:
                await _send_unavailable(scope, receive, send, refusal)
                return
            started = replaced = False

            async def guarded_send(message: Message) -> None:
                nonlocal started, replaced
                if replaced:
                    return
                if message["type"] == "http.response.start":
                    started = True
                    if front_end and self.persistence is not None and self.failure is None:
                        # Whatever time this answer shows, a restart resumes from no earlier.
                        with contextlib.suppress(CommitFailed):  # then refused just below
                            self.persistence.save_time()
                    reason = self.refusal(front_end=front_end)
                    if reason is not None:
                        # The commit behind this answer failed: it must not claim success.
                        replaced = True
                        await _send_unavailable(scope, receive, send, reason)
                        return
                await send(message)

            try:
                await app(scope, receive, guarded_send)
            except Exception:
                reason = self.refusal(front_end=front_end)
                if reason is None:
                    raise
                if not started:
                    await _send_unavailable(scope, receive, send, reason)

        return guarded

    def persist(self) -> None:
        """Save everything now (call with the lock held)."""
        if self.persistence is not None:
            self.persistence.save_all()

    def save_switches(self) -> None:
        """Save every switch whose state differs from its last commit (each is encoded)."""
        if self.persistence is not None:
            self.persistence.save_switches(everything=True)

    def save_changes(self) -> None:
        """Save what changed since the last commit; nothing at all when nothing did."""
        if self.persistence is not None:
            self.persistence.save_changes()

    def _commit_backend(self, name: str) -> None:
        """Commit back end `name` before its reply reaches a switch (as its HTTP app does)."""
        if self.persistence is not None:
            self.persistence.save_backend(name)

    def after_command(self, name: str) -> Callable[[], None]:
        """What runs after each command on switch `name`: it saves that switch, not all."""

        def save() -> None:
            if self.persistence is not None:
                self.persistence.touched_switch(name)
                self.persistence.save_switches()

        return save

    def after_read(self, name: str) -> Callable[[], None]:
        """What runs after a show on switch `name`: the once-a-second save looks at it."""

        def mark() -> None:
            if self.persistence is not None:
                self.persistence.touched_switch(name)

        return mark

    async def put_file(self, name: str, data: bytes) -> None:
        """Store a file in the operator's workspace; committed before this returns."""
        async with self.lock:
            self.simulation.operator.files[name] = data
            self.activity.add(self.now(), "file", via="control", name=name, size=len(data))
            self.save_changes()

    async def _save_every_second(self) -> None:
        while self.failure is None:
            await asyncio.sleep(SAVE_EVERY_SECONDS)
            try:
                async with self.lock:
                    self.save_changes()
                    if self.store is not None:
                        # The databases themselves stay current, not only their -wal files.
                        self.store.checkpoint()
            except CommitFailed:
                return  # the lab is stopping (see _commit_failed)
            except Exception as exc:
                # What commits survives without a checkpoint; keep saving, and show it.
                self.simulation.incidents.record(self.clock.now(), "lab saver", exc)

    # ---------------------------------------------------------------- time

    async def _pace(self) -> None:
        scheduler = self.simulation.scheduler
        # Real time never carries the clock past an event before it runs, and an event runs
        # at its own time: paced labs log exactly what virtual time (scenarios) logs.
        self.clock.hold = scheduler.peek
        while self.failure is None:
            jump = self.jump
            if jump is not None:
                # A jump pins the clock and runs the events itself; real-time pacing in the
                # middle of it would move the clock between its slices.
                await jump.finished.wait()
                continue
            try:
                async with self.lock:
                    if self.jump is not None:
                        continue
                    self.clock.release()
                    await scheduler.run_until(self.clock.now())
            except CommitFailed:
                return  # the lab is stopping (see _commit_failed)
            except Exception as exc:
                # Time must not stop for every switch because of one event: record and go on.
                self.simulation.incidents.record(self.clock.now(), "lab pacer", exc)
            nxt = scheduler.peek()
            wait = self.clock.real_seconds_until(nxt) if nxt is not None else PACE_TICK_SECONDS
            # Short ticks: events scheduled meanwhile (by a command) are never long overdue.
            await asyncio.sleep(min(max(wait, 0.01), PACE_TICK_SECONDS))

    async def advance(self, delta: timedelta) -> datetime:
        """Jump virtual time forward, running every event on the way; the time reached (short
        of `now + delta` if the jump was cancelled)."""
        jump = await self.start_jump(delta)
        await self.finish(jump)
        return self.clock.now()

    async def start_jump(self, delta: timedelta) -> Jump:
        """Start jumping `delta` forward in the background (see sim/lab/jump.py).

        Raises JumpRunning while another jump runs."""
        if delta < timedelta(0):
            raise ValueError("time only moves forward")
        async with self.lock:
            running = self.jump
            if running is not None:
                raise JumpRunning(
                    f"a jump to {running.target.isoformat()} is already running; wait for it "
                    "or cancel it (DELETE /sim/clock/advance, Ctrl-C on `slpsim clock advance`)"
                )
            # As for a CLI line (sim/lab/access.py): what is due at this instant runs first, so
            # its lines come before the jump's record, where a replay advancing here logs them.
            await self.simulation.scheduler.settle()
            # Pinned from here: the jump, not real time, moves the clock until it ends.
            self.clock.advance_to(self.clock.now())
            start = self.clock.now()
            jump = Jump(self.simulation.scheduler, start, start + delta, self.jump_budget)
            self.jump = jump
            if not self.options.jump_over_http:
                self.simulation.transport.endpoints.update(self._inline)
            self.activity.add(start, "advance", via="control", seconds=delta.total_seconds())
        jump.task = asyncio.create_task(self._run_jump(jump))
        return jump

    async def _run_jump(self, jump: Jump) -> None:
        try:
            await jump.run(self.lock)
            async with self.lock:
                self.save_changes()
            if jump.cancelled:
                # The jump was logged as asked for when it started; a recording must replay
                # the time that really passed.
                moved = (self.clock.now() - jump.start).total_seconds()
                self.activity.add(self.clock.now(), "cancel", via="control", seconds=moved)
        except Exception as exc:  # handed to whoever waits on it (finish)
            jump.error = exc
            if not isinstance(exc, CommitFailed):  # that one stops the lab by itself
                self.simulation.incidents.record(self.clock.now(), "clock jump", exc)
        finally:
            self.simulation.transport.endpoints.update(self._wire)
            self.jump = None
            jump.finished.set()

    async def finish(self, jump: Jump) -> Jump:
        """Wait for `jump` to end (a waiter that gives up leaves the jump running)."""
        await jump.finished.wait()
        if jump.error is not None:
            raise jump.error
        return jump

    async def cancel_jump(self) -> Jump | None:
        """Stop the running jump at its next slice boundary; None when none runs."""
        jump = self.jump
        if jump is None:
            return None
        jump.cancel()
        await jump.finished.wait()
        return jump

    def set_rate(self, rate: float) -> None:
        """Let virtual time flow at `rate` from now on, kept across a restart."""
        _check_rate(rate, "the rate")
        if rate > 0:
            self.resume_rate = rate
        self.clock.set_rate(rate)
        if self.store is None:
            return
        try:
            self.store.save_setting("rate", repr(rate))
            self.store.save_setting("resume_rate", repr(self.resume_rate))
        except Exception as exc:
            # The same broken promise as any failed commit, ending the lab the same way.
            failure = CommitFailed(f"cannot save the lab's clock rate: {exc}")
            self._commit_failed(failure)
            raise failure from exc

    def pause(self) -> None:
        """Stop virtual time flowing with real time; `resume` goes back to the rate before."""
        if self.clock.rate > 0:
            self.resume_rate = self.clock.rate
        self.set_rate(0.0)

    def resume(self) -> None:
        self.set_rate(self.clock.rate or self.resume_rate)

    def now(self) -> datetime:
        return self.clock.now()


def _check_rate(rate: float, what: str) -> float:
    if not math.isfinite(rate) or rate < 0:
        raise ValueError(f"{what} must be a finite number of virtual seconds per second, >= 0")
    return rate


def _saved_rate(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        return _check_rate(float(text), "the saved rate")
    except ValueError:
        raise ValueError(
            f"the state dir's saved rate {text!r} is damaged; give --rate to replace it"
        ) from None


async def _send_unavailable(scope: Scope, receive: Receive, send: Send, reason: str) -> None:
    unavailable = AsciiJSONResponse(
        {"error": reason}, status_code=503, headers={"retry-after": "1"}
    )
    await unavailable(scope, receive, send)
