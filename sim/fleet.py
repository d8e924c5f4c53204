"""A fleet: N switches run for a period, sharded across processes, summed into one summary.

    from datetime import timedelta
    from sim.fleet import plan_fleet, run_fleet

    summary = run_fleet(plan_fleet(switches=1000, period=timedelta(days=365)))
    print(summary.backends["cssm"].acks, summary.peak_rss_mib)

Each shard is an independent `Simulation` with its own back ends: switch `leafN` has the same
name and serial whichever shard runs it, and what one switch does never depends on another's
traffic, so the per-switch totals of a sharded fleet equal those of one process. The back-end
totals are summed over the shards' separate back ends. Topologies whose back end holds every
switch's files until someone carries them (the disconnected and offline ones) run in one
process: splitting that back end would change what an operator sees in it.

The simulation modules are imported by the shards only, so a parent that fans out stays small:
its peak memory is part of the fleet's.
"""

from __future__ import annotations

import asyncio
import gc
import multiprocessing
import os
import queue
import resource
import signal
import statistics
import sys
import threading
import types
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from multiprocessing.synchronize import Event as ProcessEvent
from typing import TYPE_CHECKING, Any, Protocol, cast

from sim.clock import real_monotonic
from sim.timing import format_duration

if TYPE_CHECKING:
    from rich.console import Console

    from sim.agent.effects import AgentRequest
    from sim.network import DnsConfig
    from sim.simulation import Simulation
    from sim.syslog import SyslogRecord
    from sim.transport import NetworkTransport, Outcome

# Each shard is its own simulation with its own CSSM / CSLU / On-Prem.
SHARDED_TOPOLOGIES = ("direct", "cslu", "onprem")
SINGLE_PROCESS_TOPOLOGIES = ("cslu-disconnected", "onprem-disconnected", "offline")
TOPOLOGIES = SHARDED_TOPOLOGIES + SINGLE_PROCESS_TOPOLOGIES
MAX_SWITCHES = 100_000
MAX_PERIOD = timedelta(days=3650)
MAX_PROCESSES = 64
AUTO_SHARD_SWITCHES = 250  # `auto` gives each shard at least this many switches
FIRST_SERIAL = 2434107  # leaf1 is FDO2434107N, the seed's example serial
# A shard reports progress, and can be stopped, between slices of the period.
SLICES = 100
# The summary names the first switches that failed, not ten thousand of them.
FAILED_SWITCHES_SHOWN = 20
ERROR_SEVERITY = 3
RUN_GC_THRESHOLDS = (100_000, 50, 100)  # gen0 allocations, gen1 and gen2 pass ratios


class FleetError(ValueError):
    """Bad input for a fleet, or a shard that died: one line for the person who asked."""


@dataclass(frozen=True)
class FleetPlan:
    switches: int
    period: timedelta
    topology: str = "direct"
    processes: int = 1
    start: datetime | None = None  # None: the simulation's default start

    @property
    def sharded(self) -> bool:
        return self.processes > 1


def plan_fleet(
    *,
    switches: int,
    period: timedelta,
    topology: str = "direct",
    processes: int | None = None,
    start: datetime | None = None,
) -> FleetPlan:
    """Check a fleet's size, period and topology; `processes=None` uses every core, with at
    least AUTO_SHARD_SWITCHES switches per shard."""
    if topology not in TOPOLOGIES:
        raise FleetError(f"unknown topology {topology!r}; expected one of {', '.join(TOPOLOGIES)}")
    if not 1 <= switches <= MAX_SWITCHES:
        raise FleetError(f"a fleet has 1 to {MAX_SWITCHES:,} switches, got {switches:,}")
    if not timedelta(0) < period <= MAX_PERIOD:
        raise FleetError(
            f"a fleet runs for more than 0 s and at most {MAX_PERIOD.days} days,"
            f" got {format_duration(period)}"
        )
    if processes is not None and not 1 <= processes <= MAX_PROCESSES:
        raise FleetError(f"--processes is auto or 1 to {MAX_PROCESSES}, got {processes}")
    if topology in SINGLE_PROCESS_TOPOLOGIES:
        if processes is not None and processes > 1:
            raise FleetError(
                f"topology {topology} keeps every switch's files in one back end until they are"
                " carried by hand, so it runs in one process: use --processes 1"
            )
        processes = 1
    if processes is None:
        # A shard costs an interpreter's start (about a second): worth it from a few hundred
        # switches on.
        processes = max(1, min(os.cpu_count() or 1, switches // AUTO_SHARD_SWITCHES))
    return FleetPlan(switches, period, topology, min(processes, switches), start)


# ---------------------------------------------------------------------- results


@dataclass(frozen=True)
class SwitchTotals:
    """What one switch did over the period, counted on the switch's side of the wire."""

    name: str
    usage_reports: int  # usage pushes the back end accepted
    acks: int  # ACKs received
    failures: dict[str, int]  # error syslog lines (severity 3) by mnemonic

    @property
    def failure_lines(self) -> int:
        return sum(self.failures.values())


@dataclass(frozen=True)
class BackendTotals:
    devices: int  # product instances it knows
    reports: int  # RUM reports received
    acks: int  # ACKs issued (CSSM) or handed to switches (CSLU, On-Prem)

    def __add__(self, other: BackendTotals) -> BackendTotals:
        return BackendTotals(
            self.devices + other.devices, self.reports + other.reports, self.acks + other.acks
        )


@dataclass(frozen=True)
class ShardResult:
    index: int
    switches: list[SwitchTotals]
    backends: dict[str, BackendTotals]
    start: datetime
    reached: datetime  # the virtual time the shard stopped at
    events: int
    exchanges: int
    incidents: int
    setup_seconds: float
    peak_rss_kib: int


@dataclass(frozen=True)
class Spread:
    min: float
    median: float
    max: float

    @classmethod
    def of(cls, values: list[int]) -> Spread:
        if not values:
            return cls(0, 0, 0)
        return cls(min(values), statistics.median(values), max(values))


@dataclass(frozen=True)
class FleetSummary:
    plan: FleetPlan
    start: datetime
    reached: timedelta  # virtual time every shard got through (the period unless cancelled)
    cancelled: bool
    switches: list[SwitchTotals]  # leaf1 first
    backends: dict[str, BackendTotals]  # summed over the shards' separate back ends
    real_seconds: float
    setup_seconds: float  # the slowest shard's build, boot and trust
    events: int
    exchanges: int
    incidents: int
    peak_rss_mib: float  # the parent's peak plus every shard's

    @property
    def usage_reports(self) -> Spread:
        return Spread.of([s.usage_reports for s in self.switches])

    @property
    def acks(self) -> Spread:
        return Spread.of([s.acks for s in self.switches])

    @property
    def failure_lines(self) -> Spread:
        return Spread.of([s.failure_lines for s in self.switches])

    @property
    def failures(self) -> dict[str, int]:
        total: Counter[str] = Counter()
        for switch in self.switches:
            total.update(switch.failures)
        return dict(sorted(total.items()))

    @property
    def failed_switches(self) -> list[SwitchTotals]:
        return [s for s in self.switches if s.failures]

    def to_json(self) -> dict[str, Any]:
        failed = self.failed_switches
        return {
            "switches": self.plan.switches,
            "topology": self.plan.topology,
            "start": self.start.isoformat(),
            "period_seconds": self.plan.period.total_seconds(),
            "reached_seconds": self.reached.total_seconds(),
            "cancelled": self.cancelled,
            "processes": self.plan.processes,
            "separate_backends": self.plan.sharded,
            "per_switch": {
                "usage_reports": _spread_json(self.usage_reports),
                "acks": _spread_json(self.acks),
                "failure_lines": _spread_json(self.failure_lines),
            },
            "totals": {
                "usage_reports": sum(s.usage_reports for s in self.switches),
                "acks": sum(s.acks for s in self.switches),
                "failure_lines": sum(s.failure_lines for s in self.switches),
            },
            "failures": {
                "by_message": self.failures,
                "switches": len(failed),
                "shown": [
                    {"switch": s.name, "failures": s.failures}
                    for s in failed[:FAILED_SWITCHES_SHOWN]
                ],
            },
            "backends": {
                name: {"devices": b.devices, "reports": b.reports, "acks": b.acks}
                for name, b in self.backends.items()
            },
            "real_seconds": round(self.real_seconds, 3),
            "setup_seconds": round(self.setup_seconds, 3),
            "events": self.events,
            "exchanges": self.exchanges,
            "incidents": self.incidents,
            "peak_rss_mib": round(self.peak_rss_mib, 1),
        }

    def lines(self) -> list[str]:
        """The summary as a person reads it."""
        plan = self.plan
        days = format_duration(plan.period)
        where = (
            f"{plan.processes} processes, each shard with its own back ends"
            if plan.sharded
            else "1 process"
        )
        out = [
            f"fleet of {plan.switches:,} switches, {plan.topology}, {days} from"
            f" {self.start:%Y-%m-%d %H:%M} UTC ({where})"
        ]
        if self.cancelled:
            out.append(
                f"cancelled at {self.start + self.reached:%Y-%m-%d %H:%M} UTC,"
                f" {self.reached / timedelta(days=1):.1f} of {plan.period / timedelta(days=1):g}"
                " days"
            )
        out.append(f"{'per switch':<24}{'min':>8}{'median':>8}{'max':>8}")
        for label, spread in (
            ("usage reports accepted", self.usage_reports),
            ("ACKs received", self.acks),
            ("error syslog lines", self.failure_lines),
        ):
            out.append(f"  {label:<22}{spread.min:>8g}{spread.median:>8g}{spread.max:>8g}")
        failed = self.failed_switches
        if failed:
            kinds = ", ".join(f"{name} {count:,}" for name, count in self.failures.items())
            out.append(f"failures on {len(failed):,} switches: {kinds}")
            shown = ", ".join(
                f"{s.name} ({s.failure_lines})" for s in failed[:FAILED_SWITCHES_SHOWN]
            )
            more = len(failed) - FAILED_SWITCHES_SHOWN
            out.append(f"  {shown}" + (f" and {more:,} more" if more > 0 else ""))
        else:
            out.append("failures: none")
        label = "back ends (summed over the shards)" if plan.sharded else "back ends"
        out.append(f"{label}:")
        for name, b in self.backends.items():
            out.append(
                f"  {name:<7}{b.devices:>9,} devices{b.reports:>12,} reports{b.acks:>12,} ACKs"
            )
        out.append(
            f"real time {self.real_seconds:.1f} s (setup {self.setup_seconds:.1f} s),"
            f" {self.events:,} scheduler events, {self.exchanges:,} exchanges,"
            f" peak memory {self.peak_rss_mib:.0f} MiB"
        )
        if self.incidents:
            out.append(f"incidents: {self.incidents:,} (contained failures inside the simulation)")
        return out


def _spread_json(spread: Spread) -> dict[str, float]:
    return {"min": spread.min, "median": spread.median, "max": spread.max}


# ---------------------------------------------------------------------- watching


class FleetWatcher(Protocol):
    """Told how far each shard got, and when a first Ctrl-C asks the shards to stop."""

    def reached(self, shard: int, when: datetime) -> None: ...

    def stopping(self) -> None: ...


class _Silent:
    def reached(self, shard: int, when: datetime) -> None:
        pass

    def stopping(self) -> None:
        pass


class LineWatcher:
    """Progress as plain lines (a log, a pipe, CI): one each time every shard is another
    tenth of the way through, naming the virtual time each has reached."""

    def __init__(self, plan: FleetPlan, write: Callable[[str], None]) -> None:
        self._plan = plan
        self._write = write
        self._starts: dict[int, datetime] = {}
        self._reached: dict[int, datetime] = {}
        self._tenths = 0

    def reached(self, shard: int, when: datetime) -> None:
        self._starts.setdefault(shard, when)
        self._reached[shard] = when
        if len(self._reached) < self._plan.processes:
            return
        done = min(self._reached[i] - self._starts[i] for i in self._reached)
        tenths = int(10 * done / self._plan.period)
        if tenths <= self._tenths:
            return
        self._tenths = tenths
        shards = ", ".join(
            f"shard {i + 1} {self._reached[i]:%Y-%m-%d %H:%M}" for i in sorted(self._reached)
        )
        self._write(f"fleet: {tenths * 10}% of {format_duration(self._plan.period)} ({shards})")

    def stopping(self) -> None:
        self._write("fleet: stopping after the current slice (Ctrl-C again to stop at once)")


class BarWatcher:
    """Progress on a terminal: a bar per shard with the virtual time it has reached."""

    def __init__(self, plan: FleetPlan, console: Console) -> None:
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self._plan = plan
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.fields[when]}"),
            TimeElapsedColumn(),
            console=console,
        )
        bounds = _bounds(plan)
        self._tasks = [
            self._progress.add_task(
                f"shard {i + 1} ({switch_name(bounds[i] + 1)}-{switch_name(bounds[i + 1])})",
                total=plan.period.total_seconds(),
                when="setting up",
            )
            for i in range(plan.processes)
        ]
        self._starts: dict[int, datetime] = {}

    def __enter__(self) -> BarWatcher:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def reached(self, shard: int, when: datetime) -> None:
        start = self._starts.setdefault(shard, when)
        self._progress.update(
            self._tasks[shard],
            completed=(when - start).total_seconds(),
            when=f"{when:%Y-%m-%d %H:%M}",
        )

    def stopping(self) -> None:
        self._progress.console.print(
            "stopping after the current slice (Ctrl-C again to stop at once)", markup=False
        )


# ---------------------------------------------------------------------- one shard


@dataclass(frozen=True)
class ShardJob:
    index: int
    first: int  # global number of its first switch (leaf<first>)
    count: int
    topology: str
    period: timedelta
    start: datetime | None


@dataclass
class _Tally:
    usage_reports: int = 0
    acks: int = 0
    failures: Counter[str] = field(default_factory=Counter)


class _TallyingTransport:
    """Stands in for the shard's transport and counts each switch's accepted pushes and ACKs."""

    def __init__(self, inner: NetworkTransport, tallies: dict[str, _Tally]) -> None:
        self._inner = inner
        self._tallies = tallies

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def send(self, url: str, request: AgentRequest, vrf: str, dns: DnsConfig) -> Outcome:
        outcome = await self._inner.send(url, request, vrf, dns)
        reply = outcome.reply
        tally = self._tallies.get(request.hostname)
        if reply is None or tally is None:
            return outcome
        kind = request.message_type
        if kind == "usage_report" and reply.status == "OK_POLL":
            tally.usage_reports += 1
        elif kind == "poll" and reply.status == "COMPLETE" and reply.ack:
            tally.acks += 1
        return outcome


def switch_name(number: int) -> str:
    return f"leaf{number}"


def switch_serial(number: int) -> str:
    return f"FDO{FIRST_SERIAL + number - 1}N"


def _backend_totals(sim: Simulation) -> dict[str, BackendTotals]:
    totals = {
        "cssm": BackendTotals(
            len(sim.cssm.inventory),
            sim.cssm.counters.reports_received,
            sim.cssm.counters.acks_issued,
        )
    }
    for name, relay in (("cslu", sim.cslu), ("onprem", sim.onprem)):
        if sim.topology.startswith(name):
            totals[name] = BackendTotals(
                len(relay.inventory),
                relay.counters.reports_received,
                relay.counters.acks_delivered,
            )
    return totals


async def run_shard(
    job: ShardJob, report: Callable[[datetime], None], stop: Callable[[], bool]
) -> ShardResult:
    """Build, boot and trust one shard's switches, then run its period slice by slice."""
    from sim.simulation import DEFAULT_START, Simulation, SwitchSpec

    started = real_monotonic()
    start = job.start or DEFAULT_START
    numbers = range(job.first, job.first + job.count)
    specs = [SwitchSpec(switch_name(n), serial=switch_serial(n)) for n in numbers]
    with _shard_collector() as built:
        sim = Simulation.build(job.topology, start=start, switches=specs)
        tallies = {name: _Tally() for name in sim.switches}
        sim.ctx.transport = cast("NetworkTransport", _TallyingTransport(sim.transport, tallies))
        for name, switch in sim.switches.items():
            switch.syslog_listeners.append(_failure_counter(tallies[name].failures))
        await sim.boot()
        if job.topology == "direct":
            # One token for the shard, handed to every switch without the CLI: ten thousand
            # parses of the same line would cost more than the trust exchanges themselves.
            token = sim.issue_token()
            for switch in sim.switches.values():
                switch.trust_idtoken(token, scope="all", force=False)
            await sim.scheduler.settle()
        built()
        return await _run_period(job, sim, tallies, start, real_monotonic() - started, report, stop)


@contextmanager
def _shard_collector() -> Iterator[Callable[[], None]]:
    """The cyclic collector, tuned for a shard; call what it yields once the shard is built.

    A shard's switches and back ends live as long as it does: the collector stays off while
    they are built, then they are frozen out of its passes, and full passes are made rare,
    since each walks everything the period added (on 5,000 switches they cost more than
    any other part of the run). What a slice leaves behind is frozen too (`_run_period`):
    a year of switch traffic makes no reference cycles, so passes over the records it keeps
    (reports, ACKs, history) find nothing, and on 5,000 switches cost 3 % of the run. The
    caller's settings are restored afterwards.
    """
    enabled = gc.isenabled()
    thresholds = gc.get_threshold()
    gc.disable()

    def built() -> None:
        gc.freeze()
        gc.set_threshold(*RUN_GC_THRESHOLDS)
        gc.enable()

    try:
        yield built
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
        if enabled:
            gc.enable()
        else:
            gc.disable()


async def _run_period(
    job: ShardJob,
    sim: Simulation,
    tallies: dict[str, _Tally],
    start: datetime,
    setup: float,
    report: Callable[[datetime], None],
    stop: Callable[[], bool],
) -> ShardResult:
    report(sim.clock.now())
    end = start + job.period
    step = job.period / SLICES
    for n in range(1, SLICES + 1):
        if stop():
            break
        await sim.run_until(end if n == SLICES else start + step * n)
        gc.freeze()  # see _shard_collector
        report(sim.clock.now())
    result = ShardResult(
        index=job.index,
        switches=[
            SwitchTotals(name, t.usage_reports, t.acks, dict(sorted(t.failures.items())))
            for name, t in tallies.items()
        ],
        backends=_backend_totals(sim),
        start=start,
        reached=sim.clock.now(),
        events=sim.scheduler.events_run,
        exchanges=sim.transport.exchanges,
        incidents=len(sim.incidents),
        setup_seconds=setup,
        peak_rss_kib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    )
    await sim.close()
    return result


def _failure_counter(failures: Counter[str]) -> Callable[[SyslogRecord], None]:
    def count(record: SyslogRecord) -> None:
        if record.severity <= ERROR_SEVERITY:
            failures[record.message.mnemonic] += 1

    return count


# ---------------------------------------------------------------------- many shards


def _bounds(plan: FleetPlan) -> list[int]:
    """Shard i runs switches bounds[i] + 1 to bounds[i + 1]: contiguous and even."""
    return [plan.switches * i // plan.processes for i in range(plan.processes + 1)]


def _jobs(plan: FleetPlan) -> list[ShardJob]:
    bounds = _bounds(plan)
    return [
        ShardJob(
            i, bounds[i] + 1, bounds[i + 1] - bounds[i], plan.topology, plan.period, plan.start
        )
        for i in range(plan.processes)
    ]


def _shard_process(job: ShardJob, messages: Any, stop: ProcessEvent) -> None:
    """A shard's process: the parent alone decides, on Ctrl-C, when the shards stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    try:
        result = asyncio.run(
            run_shard(job, lambda when: messages.put(("reached", job.index, when)), stop.is_set)
        )
    except Exception as exc:
        messages.put(("failed", job.index, f"{type(exc).__name__}: {exc}"))
        return
    messages.put(("done", job.index, result))


@contextmanager
def _interrupts(stop: Callable[[], None]) -> Iterator[None]:
    """The first Ctrl-C asks the shards to stop after their slice; the second stops at once."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGINT)
    asked = False

    def handler(signum: int, frame: object) -> None:
        nonlocal asked
        if asked:
            raise KeyboardInterrupt
        asked = True
        stop()

    signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _in_process(job: ShardJob, watcher: FleetWatcher, stop: threading.Event) -> list[ShardResult]:
    return [asyncio.run(run_shard(job, lambda when: watcher.reached(0, when), stop.is_set))]


@contextmanager
def _sigint_blocked() -> Iterator[None]:
    """Shards start with Ctrl-C blocked, so one pressed while they import cannot kill them
    with a traceback before they ignore it."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


@contextmanager
def _main_module_hidden() -> Iterator[None]:
    """Shards start without re-running the parent's main module.

    A spawned process re-imports the parent's `__main__` before it runs its target, so that
    what the target needs from it unpickles. A shard's target and job live here, and the main
    module is `slpsim` (the whole command line, FastAPI and the lab with it), a benchmark or a
    test runner: a stand-in without a file or a spec is what the shards are told to import.
    """
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


def _in_processes(
    jobs: list[ShardJob], watcher: FleetWatcher, stop: threading.Event
) -> list[ShardResult]:
    # spawn: a fresh interpreter per shard, safe whatever threads the parent runs.
    context = multiprocessing.get_context("spawn")
    messages = context.Queue()
    stop_shards = context.Event()
    processes = [
        context.Process(
            target=_shard_process,
            args=(job, messages, stop_shards),
            name=f"slpsim-fleet-shard-{job.index + 1}",
            daemon=True,
        )
        for job in jobs
    ]
    results: dict[int, ShardResult] = {}
    try:
        with _sigint_blocked(), _main_module_hidden():
            for process in processes:
                process.start()
        while len(results) < len(jobs):
            if stop.is_set():
                stop_shards.set()
            try:
                kind, index, payload = messages.get(timeout=0.2)
            except queue.Empty:
                for job, process in zip(jobs, processes, strict=True):
                    if job.index not in results and process.exitcode not in (None, 0):
                        raise FleetError(
                            f"shard {job.index + 1} stopped with exit code {process.exitcode}"
                        ) from None
                continue
            if kind == "reached":
                watcher.reached(index, payload)
            elif kind == "done":
                results[index] = payload
            else:
                raise FleetError(f"shard {index + 1} failed: {payload}")
    finally:
        stop_shards.set()
        for process in processes:
            process.join(timeout=10)
            if process.is_alive():
                process.terminate()
                process.join()
        messages.close()
    return [results[job.index] for job in jobs]


def run_fleet(
    plan: FleetPlan,
    *,
    watcher: FleetWatcher | None = None,
    stop: threading.Event | None = None,
) -> FleetSummary:
    """Run the fleet; setting `stop` (or a first Ctrl-C) ends every shard after its slice,
    and the summary says how far they got."""
    watch = watcher or _Silent()
    stop = stop or threading.Event()
    jobs = _jobs(plan)
    started = real_monotonic()

    def stopping() -> None:
        stop.set()
        watch.stopping()

    with _interrupts(stopping):
        if plan.sharded:
            shards = _in_processes(jobs, watch, stop)
        else:
            shards = _in_process(jobs[0], watch, stop)
    real = real_monotonic() - started
    start = shards[0].start
    backends: dict[str, BackendTotals] = {}
    for shard in shards:
        for name, totals in shard.backends.items():
            backends[name] = backends[name] + totals if name in backends else totals
    reached = min(shard.reached for shard in shards) - start
    # ru_maxrss is in KiB on Linux. Each shard reports its own peak: RUSAGE_CHILDREN would
    # give only the largest child's, not their sum.
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if plan.sharded:
        peak_kib += sum(shard.peak_rss_kib for shard in shards)
    return FleetSummary(
        plan=plan,
        start=start,
        reached=reached,
        cancelled=reached < plan.period,
        switches=[switch for shard in shards for switch in shard.switches],
        backends=backends,
        real_seconds=real,
        setup_seconds=max(shard.setup_seconds for shard in shards),
        events=sum(shard.events for shard in shards),
        exchanges=sum(shard.exchanges for shard in shards),
        incidents=sum(shard.incidents for shard in shards),
        peak_rss_mib=peak_kib / 1024,
    )
