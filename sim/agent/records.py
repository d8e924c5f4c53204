"""What the agent keeps between inputs: its records, and the fields of state that hold them.

The theory of operation is at the top of sim/agent/states.py.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime

from sim.agent.config import LicensingConfig
from sim.agent.conversion import Conversion
from sim.agent.effects import Effect, Log
from sim.agent.policy import NEXUS_DEFAULT_POLICY, Policy
from sim.agent.states import Channel, PushPhase, ReportState
from sim.protocol.messages import Sudi
from sim.protocol.signing import TrustStore
from sim.retention import keep_last
from sim.syslog import Message
from sim.timing import DEFAULT_TIMING, TimingProfile


@dataclass
class RumReport:
    report_id: int
    feature: str
    count: int
    start: datetime
    end: datetime | None = None
    state: ReportState = ReportState.OPEN
    sent: bool = False


@dataclass(frozen=True)
class TrustCode:
    trust_id: str
    installed_at: datetime
    smart_account: str
    virtual_account: str
    secret: bytes


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    channel: Channel
    outcome: str


@dataclass(frozen=True)
class ImportEntry:
    """One `license smart import` of one kind of data, for `show license history message`."""

    at: datetime
    kind: str  # "POLICY" or "RUM ACK"
    outcome: str


# Not frozen, though nothing changes one: one is built for every exchange, and a frozen
# dataclass costs several times as much to build.
@dataclass
class Pending:
    channel: Channel
    sent_at: datetime
    scheduled: bool = False  # a usage push from the schedule (not `license smart sync`)
    report_ids: tuple[int, ...] = ()
    poll_id: int | None = None  # a result poll: the push it asks about
    # A trust request, to make again if a restart finds it still in flight.
    id_token: str | None = None
    force: bool = False
    scope: str = "all"
    udi: Sudi | None = None  # a trust request for the standby supervisor; None: the active
    conversion: bool = False  # a usage push carrying the PAK conversion data


@dataclass
class AgentState:
    """What one switch's licensing agent keeps. All times are the switch's clock."""

    sudi: Sudi
    hostname: str
    trust_store: TrustStore
    timing: TimingProfile = DEFAULT_TIMING
    rng: random.Random = field(default_factory=lambda: random.Random(0))
    config: LicensingConfig = field(default_factory=LicensingConfig)

    licenses: dict[str, int] = field(default_factory=dict)
    policy: Policy = NEXUS_DEFAULT_POLICY
    trust: TrustCode | None = None
    # A dual-supervisor chassis: the standby's UDI and trust code. The active requests and
    # installs both trust codes and reports for the standby (NX-OS SLP guide, HA).
    standby: Sudi | None = None
    standby_trust: TrustCode | None = None
    conversion: Conversion | None = None  # a switch migrated from PAK licenses (FAQ 9)
    # A switchover asked for a report that could not leave yet (no trust code on the new
    # active): it goes as soon as one can.
    report_owed: bool = False
    reports: list[RumReport] = field(default_factory=list)
    usage_start: datetime | None = None
    last_change: datetime | None = None
    last_ack: datetime | None = None
    last_push: datetime | None = None
    last_file_write: datetime | None = None
    next_push: datetime | None = None
    next_ack_check: datetime | None = None
    pending_poll: int | None = None
    deadline: datetime | None = None
    phase: PushPhase = PushPhase.NORMAL
    retry_until: datetime | None = None
    comm_failing: bool = False
    reporting_suspended: bool = False  # after `reload ascii`, until `license smart sync`
    # A down-rev SSM On-Prem refused usage reporting: no pushes until the transport or URL
    # changes or `license smart sync`; usage is still measured into local reports.
    reporting_unsupported: bool = False
    history: list[HistoryEntry] = field(default_factory=list)
    imports: list[ImportEntry] = field(default_factory=list)
    events: list[tuple[datetime, str]] = field(default_factory=list)

    _effects: list[Effect] = field(default_factory=list)
    _in_flight: dict[int, Pending] = field(default_factory=dict)
    _next_request_id: int = 1
    _next_report_id: int = 0
    _next_notice: datetime | None = None
    _started: bool = False

    def _in_flight_on(self, channel: Channel) -> bool:
        # Asked several times per event: a plain loop, not a generator.
        for pending in self._in_flight.values():  # noqa: SIM110
            if pending.channel is channel:
                return True
        return False

    def _push_in_flight(self) -> bool:
        return self._in_flight_on(Channel.USAGE_REPORTING)

    def _is_own(self, udi: Sudi) -> bool:
        """An ACK for either supervisor is this chassis's (a switchover swaps the two)."""
        return udi == self.sudi or (self.standby is not None and udi == self.standby)

    def _open(self, feature: str, count: int, now: datetime) -> None:
        self._next_report_id = max(self._next_report_id + 1, int(now.timestamp()))
        self.reports.append(RumReport(self._next_report_id, feature, count, start=now))

    @staticmethod
    def _close(report: RumReport, now: datetime) -> None:
        report.end, report.state = now, ReportState.CLOSED

    def _log(self, now: datetime, message: Message, *args: object) -> None:
        self._effects.append(Log(now, message, args))

    def _history(self, now: datetime, channel: Channel, outcome: str) -> None:
        self.history.append(HistoryEntry(now, channel, outcome))
        keep_last(self.history, self.timing.history_kept)

    def _event(self, now: datetime, text: str) -> None:
        self.events.append((now, text))
        keep_last(self.events, self.timing.eventlog_kept)

    def _nonce(self) -> str:
        return self.rng.getrandbits(64).to_bytes(8, "big").hex()


def ms(at: datetime) -> int:
    """A message timestamp: milliseconds since the epoch."""
    return int(at.timestamp() * 1000)
