"""One fake Nexus switch: the I/O shell around its licensing agent.

The switch owns what the agent must not: its clock offset, its configuration (DNS, NTP,
logging), its syslog buffer and bootflash, and the delivery of the agent's messages over
the simulated network. Every CLI front end (SSH, NX-API, scenarios, Python) drives it through
the one command engine in sim/switch/cli.py.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sim.agent.config import LicensingConfig
from sim.agent.effects import Log, Send
from sim.agent.import_outcome import ImportOutcome, ImportResult
from sim.agent.machine import Agent
from sim.clock import VirtualClock
from sim.incidents import Incidents
from sim.network import DnsConfig, SimNetwork
from sim.protocol.errors import CommError
from sim.protocol.files import FileFormatError, read_import_file
from sim.protocol.messages import Sudi
from sim.protocol.signing import TrustStore
from sim.retention import keep_last
from sim.scheduler import Halt, Handle, Scheduler
from sim.switch.bootflash import Bootflash, file_name
from sim.switch.cabling import Link, plug, unplug
from sim.switch.callhome.state import (
    TAC_PROFILE,
    TAC_PROFILE_NAMES,
    CallhomeConfig,
    default_tac_urls,
)
from sim.switch.cli import CliSession, Mode
from sim.switch.config_mgmt.state import Checkpoint
from sim.switch.feature import INTERNAL_ERROR
from sim.switch.interfaces.state import Interface, default_interfaces
from sim.switch.licensed_features.state import LicensedFeatures
from sim.switch.lines.state import LineSettings
from sim.switch.logging.state import LoggingServer
from sim.switch.ntp_dns.state import NtpServer
from sim.switch.platform import NXOS_VERSION
from sim.switch.users.state import User, default_users
from sim.switch.vlans.state import Vlan, default_vlans
from sim.syslog import Catalogued, Message, SyslogRecord, make_record
from sim.timing import TimingProfile
from sim.transport import NetworkTransport, Outcome

# The feature packages own these now; other code still names them from here.
__all__ = [
    "INTERNAL_ERROR",
    "NXOS_VERSION",
    "TAC_PROFILE",
    "TAC_PROFILE_NAMES",
    "CallhomeConfig",
    "LoggingServer",
    "NtpServer",
    "SimContext",
    "Switch",
    "default_tac_urls",
]

# After the licensing timer fires, the agent's next wake-up lies past the instant it ran at.
# When it does not, STALL_LIMIT times in a row, the timer is stuck (a bug, or damaged saved
# state): it is recorded as an incident and deferred by STALL_DEFER each time, so that no
# agent state can spin the scheduler in place, in virtual time or under a paced lab clock.
STALL_LIMIT = 3
STALL_DEFER = timedelta(minutes=1)
# How far a switch clock may be from simulation time: `clock set` takes years 2000-2037
# and clock-skew faults up to 10 years; far beyond that, date arithmetic would overflow.
MAX_CLOCK_OFFSET = timedelta(days=36500)


@dataclass
class SimContext:
    """What every switch of one simulation shares."""

    clock: VirtualClock
    scheduler: Scheduler
    network: SimNetwork
    transport: NetworkTransport
    timing: TimingProfile
    trust_store: TrustStore
    incidents: Incidents = field(default_factory=Incidents)


class Switch:
    retired = False  # replaced by another chassis (sim/switch/system/replacement.py)

    def __init__(
        self,
        ctx: SimContext,
        *,
        name: str,
        pid: str,
        serial: str,
        licenses: dict[str, int],
        hostname: str | None = None,
        standby_serial: str | None = None,
        migrated_from: str | None = None,
    ) -> None:
        self.ctx = ctx
        self.name = name
        self.hostname = hostname or name
        self.sudi = Sudi(udi_pid=pid, udi_serial_number=serial)
        self.licenses_in_use = dict(licenses)
        self.agent = Agent(
            sudi=self.sudi,
            hostname=self.hostname,
            trust_store=ctx.trust_store,
            timing=ctx.timing,
            rng=random.Random(f"{pid}/{serial}"),
        )
        if standby_serial is not None:
            # A second supervisor: its own UDI, for which the active does the licensing.
            self.agent.standby = Sudi(udi_pid=pid, udi_serial_number=standby_serial)
        # `pak`: this switch moved to SLP from PAK licenses and converts them (FAQ 9).
        self.migrated_from = migrated_from
        self.dns = DnsConfig()
        self.ntp_servers: list[NtpServer] = []
        self.ntp_synced_to: str | None = None
        self.logging_servers: list[LoggingServer] = []
        self.callhome = CallhomeConfig()
        self.clock_offset = timedelta(0)
        self.syslog: list[SyslogRecord] = []
        self.syslog_listeners: list[Callable[[SyslogRecord], None]] = []
        # Called before each message leaves: a lab saves the switch here, so that it never
        # knows less than the back end it talks to, whatever moment a crash picks.
        self.before_send: Callable[[Switch], None] | None = None
        self.bootflash = Bootflash()
        # The PID's ports; configuration changes them in place.
        self.interfaces: list[Interface] = default_interfaces(pid, serial)
        self.vlans: list[Vlan] = default_vlans()
        self.licensed_features = LicensedFeatures()
        self.users: list[User] = default_users()
        # Cabling is part of the lab's build, not configuration: never saved, never reset.
        self.links: dict[str, Link] = {}
        self.lines = LineSettings()
        self.logging_console = True
        # `logging monitor`: the highest severity terminal-monitor sessions see; None when off.
        self.logging_monitor: int | None = 5
        self.checkpoints: dict[str, Checkpoint] = {}
        # Lines typed in each `configure session <name>`, waiting for its `commit`.
        self.config_sessions: dict[str, list[str]] = {}
        self._replace_timer: Handle | None = None
        self.startup_config: list[str] | None = None
        self.booted_at: datetime | None = None
        self.config_changed_at: datetime | None = None
        # Unused: each CLI session tracks the VRF it edits. Kept so saved state still loads.
        self.current_vrf_context = "default"
        self._timer: Handle | None = None
        self._timer_idle_runs = 0  # firings in a row that left the wake-up in the past
        self._timer_stalled = False
        self._ntp_check: Handle | None = None
        self._session: CliSession[Switch] | None = None

    # ------------------------------------------------------------------ time

    def now(self) -> datetime:
        """The switch's own clock: simulation time plus its offset."""
        return self.ctx.clock.now() + self._clock_offset

    def set_clock(self, when: datetime) -> None:
        """`clock set`: the switch clock jumps; NTP, if it can, pulls it back."""
        self.set_clock_offset(when - self.ctx.clock.now())

    @property
    def clock_offset(self) -> timedelta:
        return self._clock_offset

    @clock_offset.setter
    def clock_offset(self, offset: timedelta) -> None:
        # Every path that sets the offset (including restoring saved state) passes here: an
        # offset out of range would make every later reading of the clock overflow.
        if not isinstance(offset, timedelta) or abs(offset) > MAX_CLOCK_OFFSET:
            if hasattr(self, "_clock_offset"):
                self.record_incident(
                    ValueError(f"clock offset {offset!r} of {self.name} is out of range; reset")
                )
            offset = timedelta(0)
        self._clock_offset = offset

    def set_clock_offset(self, offset: timedelta) -> None:
        if abs(offset) > MAX_CLOCK_OFFSET:
            years = MAX_CLOCK_OFFSET.days // 365
            raise ValueError(f"a switch clock may be at most {years} years off, got {offset}")
        self.clock_offset = offset
        self.agent.clock_changed(self.now())
        self._schedule_ntp_check()
        self.pump()

    def _schedule_ntp_check(self) -> None:
        if self.clock_offset and self.ntp_servers:
            if self._ntp_check is not None:
                self._ntp_check.cancel()
            at = self.ctx.clock.now() + self.ctx.timing.ntp_correction
            self._ntp_check = self.ctx.scheduler.schedule(at, self.ntp_poll, owner=self.name)

    def ntp_poll(self) -> None:
        """Synchronise with the first reachable configured NTP server (preferred first)."""
        self._ntp_check = None
        for server in sorted(self.ntp_servers, key=lambda s: not s.prefer):
            if self.ctx.network.ntp_reachable(server.ip, server.vrf):
                self.ntp_synced_to = server.ip
                if self.clock_offset:
                    self.clock_offset = timedelta(0)
                    self.agent.clock_changed(self.now())
                    self.pump()
                return
        self.ntp_synced_to = None

    # ------------------------------------------------------------------ lifecycle

    def boot(self) -> None:
        self.booted_at = self.now()
        self.agent.start(self.now(), self.licenses_in_use)
        if self.migrated_from == "pak":
            self.agent.begin_conversion(self.now())
        self.pump()

    def retire(self) -> None:
        """This chassis leaves the simulation (an RMA): its timers stop for good, and a reply
        still on its way to it wakes nothing up."""
        self.retired = True
        for handle in (self._timer, self._ntp_check, self._replace_timer):
            if handle is not None:
                handle.cancel()
        self._timer = self._ntp_check = self._replace_timer = None

    def resume(self) -> None:
        """Carry on after a restart from saved state: timers and sessions are new."""
        self._timer = self._ntp_check = self._replace_timer = None
        self._session = None
        self._schedule_ntp_check()
        self.pump()

    def set_hostname(self, hostname: str) -> None:
        self.hostname = hostname
        self.agent.set_hostname(hostname)

    def touch_config(self) -> None:
        self.config_changed_at = self.now()

    def plug_links(self) -> None:
        """Cabled ports have a transceiver in: they come up unless shut, or the far end is."""
        plug(self)

    # ------------------------------------------------------------------ CLI

    @property
    def session(self) -> CliSession[Switch]:
        """The console session that scenarios and the Python API type into."""
        if self._session is None:
            self._session = self.new_session()
        return self._session

    def new_session(self) -> CliSession[Switch]:
        from sim.switch.commands import new_session

        return new_session(self)

    def login_banner(self) -> str:
        """Printed by an interactive SSH login before the first prompt."""
        from sim.switch.system.render import login_banner

        return login_banner(self)

    def exec(self, line: str) -> str:
        """One exec-mode line, as a person would see it (errors included)."""
        session = self.session
        session.end()
        try:
            return session.execute(line).output
        except Halt:
            raise
        except Exception as exc:  # contained: the switch answers, the incident is recorded
            self.record_incident(exc)
            session.end()
            return INTERNAL_ERROR + "\n"

    def apply_config(self, lines: list[str]) -> list[str]:
        session = self.session
        session.end()
        session.enter(Mode.CONFIG)
        outputs: list[str] = []
        for line in lines:
            try:
                outputs.append(session.execute(line).output)
            except Halt:
                raise
            except Exception as exc:  # contained, as in `exec`; the next line still runs
                self.record_incident(exc)
                outputs.append(INTERNAL_ERROR + "\n")
        session.end()
        return outputs

    def record_incident(self, exc: BaseException) -> None:
        self.ctx.incidents.record(self.ctx.clock.now(), self.name, exc)

    def running_config_lines(self) -> list[str]:
        """The configuration as re-applicable commands, every feature's section in order."""
        from sim.switch.features import running_config_lines

        return running_config_lines(self)

    def save_startup_config(self) -> None:
        self.startup_config = self.running_config_lines()

    def reload(self, *, ascii_replay: bool = False) -> None:
        """Reboot: running config from startup-config; licensing data survives.

        After `reload ascii` the report does not sync on its own until `license smart sync`
        (seed FAQ 29).
        """
        self.dns = type(self.dns)()
        self.ntp_servers, self.logging_servers = [], []
        self.callhome = CallhomeConfig()
        self.lines = LineSettings()
        self.logging_console = True
        self.logging_monitor = 5
        # The far ends of its cables go dark while it restarts, until its ports are back.
        unplug(self)
        self.interfaces = default_interfaces(self.sudi.udi_pid, self.sudi.udi_serial_number)
        self.vlans, self.users = default_vlans(), default_users()
        base = self.licensed_features.base
        self.licensed_features = LicensedFeatures(base=base)
        self.hostname = self.name
        self.agent.set_hostname(self.name)
        self.agent.config = type(self.agent.config)()
        self._session = None
        if self.startup_config:
            replay = [line for line in self.startup_config if line.strip()]
            self.apply_config([line for line in replay if not line.startswith("version ")])
        self.plug_links()
        if base is not None:
            # Usage follows the features the startup configuration enabled.
            self.set_usage(self.licensed_features.usage(self.licenses_in_use))
        self.booted_at = self.now()
        self.agent.reboot(self.now(), resume_reporting=not ascii_replay)
        self.pump()

    # ------------------------------------------------------------------ bootflash

    def read_bootflash(self, name: str) -> str:
        """A file's text; raises FileNotFoundError, or BootflashError for a bad path."""
        return self.bootflash.read(name)

    def write_bootflash(self, name: str, text: str) -> None:
        """Put a file on bootflash (a person copying it there); raises BootflashError."""
        self.bootflash.write(name, text)

    def bootflash_files(self) -> list[str]:
        return self.bootflash.names()

    def delete_bootflash(self, name: str) -> None:
        self.bootflash.files.pop(file_name(name), None)

    # ------------------------------------------------------------------ configure replace

    def arm_config_replace_timer(self, after: timedelta, previous: list[str]) -> None:
        """`configure replace ... commit-timeout`: back to `previous` unless committed."""
        self.commit_config_replace()

        def revert() -> None:
            from sim.switch.config_mgmt.feature import replace_running

            self._replace_timer = None
            replace_running(self, previous)

        at = self.ctx.clock.now() + after
        self._replace_timer = self.ctx.scheduler.schedule(at, revert, owner=self.name)

    def commit_config_replace(self) -> bool:
        """Keep the replaced configuration; False when no replace was waiting."""
        if self._replace_timer is None or not self._replace_timer.active:
            return False
        self._replace_timer.cancel()
        self._replace_timer = None
        return True

    def save_usage(self, path: str, *, unreported_only: bool) -> str:
        """`license smart save usage ... file <path>`; returns the file name written."""
        name = file_name(path)  # refuse a bad path before closing any report
        text = self.agent.usage_file(self.now(), unreported_only=unreported_only)
        self.bootflash.write(name, text)
        self.pump()
        return name

    def import_file(self, path: str) -> ImportResult:
        """`license smart import <path>`: install the ACKs and policies in a file."""
        name = file_name(path)
        try:
            text = self.bootflash.read(name)
        except FileNotFoundError:
            return ImportResult(ImportOutcome.FILE_NOT_FOUND, f"bootflash:{name}")
        try:
            imported = read_import_file(text)
        except FileFormatError as exc:
            return ImportResult(ImportOutcome.NOT_A_LICENSE_FILE, str(exc))
        result = self.agent.import_file(self.now(), imported)
        self.pump()
        return result

    # ------------------------------------------------------------------ licensing inputs

    @property
    def licensing(self) -> LicensingConfig:
        return self.agent.config

    @property
    def licensing_vrf(self) -> str:
        return self.agent.config.vrf or "default"

    def configure_licensing(self, **changes: Any) -> None:
        self.agent.configure(self.now(), replace(self.agent.config, **changes))
        self.pump()

    def callhome_changed(self) -> None:
        """The `callhome` block changed: transport callhome follows it."""
        self.configure_licensing(callhome=self.callhome.destination())

    def set_usage(self, licenses: dict[str, int]) -> None:
        self.licenses_in_use = dict(licenses)
        self.agent.set_usage(self.now(), licenses)
        self.pump()

    def trust_idtoken(self, token: str, *, scope: str, force: bool) -> None:
        self.agent.trust_idtoken(self.now(), token, scope=scope, force=force)
        self.pump()

    def sync(self) -> None:
        self.agent.sync(self.now())
        self.pump()

    def factory_reset(self) -> None:
        self.agent.factory_reset(self.now())
        self.pump()

    # ------------------------------------------------------------------ syslog

    def log(self, message: Message, *args: object) -> SyslogRecord:
        record = make_record(self.now(), self.hostname, message, *args, sim_at=self.ctx.clock.now())
        return self.keep_log(record)

    def log_other(self, facility: str, message: Catalogued, text: str) -> SyslogRecord:
        """A message of another facility than LICMGR (the system manager's, say)."""
        record = SyslogRecord(
            self.now(), self.hostname, message, text, facility=facility, sim_at=self.ctx.clock.now()
        )
        return self.keep_log(record)

    def keep_log(self, record: SyslogRecord) -> SyslogRecord:
        self.syslog.append(record)
        keep_last(self.syslog, self.ctx.timing.syslog_lines_kept)
        for listener in self.syslog_listeners:
            listener(record)
        return record

    # ------------------------------------------------------------------ the shell loop

    def pump(self) -> None:
        """Carry out what the agent asked for, then re-arm its timer."""
        for effect in self.agent.drain_effects():
            if isinstance(effect, Log):
                self.log(effect.message, *effect.args)
            else:
                self.ctx.scheduler.call_soon(_bind_delivery(self, effect), owner=self.name)
        self._rearm()

    async def deliver(self, send: Send) -> None:
        if self.retired:
            return
        if self.before_send is not None:
            self.before_send(self)
        try:
            outcome = await self.ctx.transport.send(send.url, send.request, send.vrf, self.dns)
        except Halt:
            raise
        except Exception as exc:
            # The exchange must still end, or the agent would wait for its reply forever.
            self.record_incident(exc)
            outcome = Outcome(None, CommError.UNREACHABLE, self.ctx.timing.network_latency)
        if outcome.delay:
            at = self.ctx.clock.now() + outcome.delay
            self.ctx.scheduler.schedule(at, lambda: self._complete(send, outcome), owner=self.name)
        else:
            self._complete(send, outcome)

    def _complete(self, send: Send, outcome: Outcome) -> None:
        if outcome.reply is not None:
            self.agent.response(self.now(), send.request_id, outcome.reply)
        elif outcome.error is not None:
            self.agent.failure(self.now(), send.request_id, outcome.error)
        self.pump()

    def _rearm(self) -> None:
        # Runs after every event of this switch: the usual case (a wake-up ahead, the timer
        # already there or moved once) reads no property and calls nothing it can skip.
        if self.retired:
            return
        at = self.agent.next_wakeup()
        if at is not None:
            offset = self._clock_offset
            if offset:
                at -= offset
            if at > self.ctx.clock.now():
                self._timer_stalled = False
            else:
                at = self._unless_stalled(at)
        timer = self._timer
        if timer is not None:
            if not timer.cancelled and timer.at == at:
                return
            timer.cancel()
        self._timer = (
            self.ctx.scheduler.schedule(at, self._on_timer, owner=self.name) if at else None
        )

    def _unless_stalled(self, at: datetime) -> datetime:
        """`at`, or a later time when the timer keeps firing at one instant without effect."""
        now = self.ctx.clock.now()
        if at > now:
            self._timer_stalled = False
            return at
        if self._timer_stalled or self._timer_idle_runs >= STALL_LIMIT:
            if not self._timer_stalled:
                self._timer_stalled = True
                self.record_incident(
                    RuntimeError(
                        f"licensing timer of {self.name} stays due at {at.isoformat()} after "
                        f"{self._timer_idle_runs} runs; deferred by {STALL_DEFER} each time"
                    )
                )
            return now + STALL_DEFER
        return at

    def _on_timer(self) -> None:
        self._timer = None
        ran_at = self.now()
        try:
            self.agent.timer(ran_at)
        finally:
            wake = self.agent.next_wakeup()
            stuck = wake is not None and wake <= ran_at
            self._timer_idle_runs = self._timer_idle_runs + 1 if stuck else 0
            # Even after an unexpected error the timer is re-armed: the agent carries on.
            self.pump()


def _bind_delivery(switch: Switch, send: Send) -> Callable[[], Any]:
    return lambda: switch.deliver(send)
