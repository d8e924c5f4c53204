"""The licensing agent: a pure state machine (see sim/agent/states.py for the theory)."""

from __future__ import annotations

import base64
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import Enum

from pydantic import ValidationError

from sim.agent.conversion import Conversion
from sim.agent.effects import AgentRequest, Effect, Log, Send
from sim.agent.import_outcome import ImportOutcome, ImportResult
from sim.agent.policy import NEXUS_DEFAULT_POLICY, Policy, ack_deadline
from sim.agent.states import Channel, PushPhase, ReportState, Transport
from sim.protocol.errors import CommError, Refusal
from sim.protocol.files import ImportFile, SystemInfo, write_usage_file
from sim.protocol.messages import (
    AckBody,
    PolicyBody,
    PollRequest,
    Reply,
    RumReportWire,
    Sudi,
    TrustCodeBody,
    TrustRequest,
    TrustSyncRequest,
    UsageReportRequest,
)
from sim.protocol.rum import SOFTWARE_TAG, RumMeasurement, sign_report
from sim.protocol.signing import SignatureError, SignedDocument, TrustStore
from sim.retention import keep_last, keep_newest_done
from sim.syslog import CSLU_PEER, CSSM_PEER, Message
from sim.timing import DEFAULT_TIMING, TimingProfile

DEFAULT_SMART_URL = "https://smartreceiver.cisco.com/licservice/license"
CALLHOME_URL = "https://tools.cisco.com/its/service/oddce/services/DDCEService"
CSLU_LOCAL_URL = "http://cslu-local:8182/cslu/v1/pi"


class CallhomeProblem(Enum):
    """Why transport callhome cannot send: the COMM_FAILED reason (`[chars]`) it logs."""

    DISABLED = "Callhome is not enabled"
    NO_HTTP_DESTINATION = "Callhome profile CiscoTAC-1 has no HTTP destination"


@dataclass(frozen=True)
class CallhomeDestination:
    """What `license smart transport callhome` takes from the switch's `callhome` block."""

    enabled: bool = False
    url: str | None = None  # CiscoTAC-1's HTTP URL; None unless its transport method is http
    vrf: str | None = None  # `transport http use-vrf`


@dataclass(frozen=True)
class LicensingConfig:
    """The `license smart ...` configuration the agent acts on."""

    transport: Transport = Transport.SMART
    smart_url: str = DEFAULT_SMART_URL
    cslu_url: str | None = None  # None: discover `cslu-local`
    usage_interval_days: int | None = None  # None: the timing profile's default
    vrf: str | None = None
    proxy_address: str | None = None
    proxy_port: int | None = None
    callhome: CallhomeDestination = CallhomeDestination()
    http_source_interface: str | None = None  # `ip http client source-interface`

    @property
    def url(self) -> str | None:
        if self.transport is Transport.SMART:
            return self.smart_url
        if self.transport is Transport.CSLU:
            return self.cslu_url or CSLU_LOCAL_URL
        if self.transport is Transport.CALLHOME:
            return self.callhome.url
        return None

    @property
    def peer(self) -> str:
        return CSLU_PEER if self.transport is Transport.CSLU else CSSM_PEER

    @property
    def route_vrf(self) -> str:
        """The VRF messages leave through: callhome has its own (`transport http use-vrf`)."""
        vrf = self.callhome.vrf if self.transport is Transport.CALLHOME else self.vrf
        return vrf or "default"

    @property
    def problem(self) -> str | None:
        """Why nothing can be sent with this configuration, or None when it can."""
        if self.transport is Transport.OFF:
            return CommError.NO_URL.text
        if self.transport is Transport.CALLHOME:
            if not self.callhome.enabled:
                return CallhomeProblem.DISABLED.value
            if self.callhome.url is None:
                return CallhomeProblem.NO_HTTP_DESTINATION.value
        return None

    def same_destination(self, other: LicensingConfig) -> bool:
        return (self.transport, self.smart_url, self.cslu_url) == (
            other.transport,
            other.smart_url,
            other.cslu_url,
        )


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
class _Pending:
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
class Agent:
    """One switch's licensing agent. All times are the switch's clock."""

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
    _in_flight: dict[int, _Pending] = field(default_factory=dict)
    _next_request_id: int = 1
    _next_report_id: int = 0
    _next_notice: datetime | None = None
    _started: bool = False

    # ------------------------------------------------------------------ outputs

    def drain_effects(self) -> list[Effect]:
        effects, self._effects = self._effects, []
        return effects

    def next_wakeup(self) -> datetime | None:
        # A timer whose exchange is still in flight is not due yet: its reply re-arms it.
        due = self._next_notice
        push = self.next_push
        if push is not None and (due is None or push < due) and not self._push_in_flight():
            due = push
        # An ACK check with no poll pending has nothing to do: it must never wake the agent.
        check = self.next_ack_check
        if (
            check is not None
            and (due is None or check < due)
            and self.pending_poll is not None
            and not self._in_flight_on(Channel.RESULT_POLLING)
        ):
            due = check
        return due

    @property
    def push_interval(self) -> timedelta:
        if self.phase is PushPhase.FALLBACK:
            return self.timing.fallback_interval
        return self.configured_interval

    @property
    def configured_interval(self) -> timedelta:
        days = self.config.usage_interval_days
        return timedelta(days=days) if days is not None else self.timing.usage_interval

    @property
    def pushes_enabled(self) -> bool:
        """Whether this switch sends usage on its own (transport and trust permitting)."""
        transport = self.config.transport
        if transport is Transport.OFF or self.reporting_suspended or self.reporting_unsupported:
            return False
        # Connections to CSSM itself (smart, or callhome through tools.cisco.com) need a trust
        # code (seed FAQ 6 and 8); CSLU and SSM On-Prem do not.
        return not (transport in (Transport.SMART, Transport.CALLHOME) and self.trust is None)

    # ------------------------------------------------------------------ inputs

    def start(self, now: datetime, licenses: dict[str, int]) -> None:
        """Licensing starts (boot) with these licenses in use."""
        self._started = True
        self._event(now, "Smart licensing using policy started")
        self.set_usage(now, licenses, initial=True)

    def configure(self, now: datetime, config: LicensingConfig) -> None:
        old, self.config = self.config, config
        if old.usage_interval_days != config.usage_interval_days and self.phase is PushPhase.NORMAL:
            self.next_push = None
        if old.transport != config.transport:
            self._event(now, f"Transport changed to {config.transport.value}")
        if not old.same_destination(config):
            # A new destination may well support reporting: try it.
            self.reporting_unsupported = False
        if (
            self.pending_poll is not None
            and self.next_ack_check is None
            and not self._in_flight_on(Channel.RESULT_POLLING)
            and config.transport is not Transport.OFF
        ):
            # The poll was dropped while there was nowhere to send it (transport off).
            self.next_ack_check = now
        self._reschedule_push(now)

    def set_hostname(self, hostname: str) -> None:
        self.hostname = hostname

    def set_usage(self, now: datetime, licenses: dict[str, int], *, initial: bool = False) -> None:
        licenses = {name: count for name, count in licenses.items() if count > 0}
        if licenses == self.licenses and not initial:
            return
        changed = set(licenses.items()) ^ set(self.licenses.items())
        for report in self.reports:
            if report.state is ReportState.OPEN and (report.feature, report.count) in changed:
                self._close(report, now)
        open_features = {r.feature for r in self.reports if r.state is ReportState.OPEN}
        for name, count in sorted(licenses.items()):
            if name not in open_features:
                self._open(name, count, now)
        had_usage = bool(self.licenses)
        self.licenses = dict(licenses)
        if licenses and self.usage_start is None:
            self.usage_start = now
        elif not initial and (had_usage or licenses):
            self.last_change = now
            self._event(now, "License usage changed")
        if self._started:
            self._reschedule_push(now)
            self._refresh_deadline(now)

    def trust_idtoken(self, now: datetime, token: str, *, scope: str, force: bool) -> None:
        if self.config.transport is Transport.OFF:
            self._log(
                now, Message.TRUST_CODE_INSTALL_FAILED, self.sudi.display, CommError.NO_URL.text
            )
            return
        self._event(now, "Trust code install requested" + (" (force)" if force else ""))
        self._request_trust(now, token, scope=scope, force=force, udi=None)
        if scope == "all" and self.standby is not None:
            # `all` covers the standby supervisor too; `local` only the active.
            self._request_trust(now, token, scope=scope, force=force, udi=self.standby)

    def _request_trust(
        self, now: datetime, token: str, *, scope: str, force: bool, udi: Sudi | None
    ) -> None:
        request = TrustRequest(
            timestamp=_ms(now),
            nonce=self._nonce(),
            sudi=udi or self.sudi,
            hostname=self.hostname,
            id_token=token,
            force=force,
            scope="all" if scope == "all" else "local",
        )
        pending = _Pending(
            Channel.TRUST_ESTABLISHMENT,
            now,
            id_token=token,
            force=force,
            scope=request.scope,
            udi=udi,
        )
        self._send(request, pending)

    def sync(self, now: datetime) -> None:
        """`license smart sync all|local`: push usage now and ask for what is missing."""
        if self.config.transport is Transport.OFF:
            return
        self.reporting_suspended = self.reporting_unsupported = False
        self._push(now, scheduled=False)
        if self.pending_poll is not None and self.next_ack_check is not None:
            self.next_ack_check = min(self.next_ack_check, now)

    def factory_reset(self, now: datetime) -> None:
        """Remove policy, usage reports and ACK history; the trust code stays."""
        had_policy = not self.policy.is_default
        self.policy = NEXUS_DEFAULT_POLICY
        self.reports.clear()
        self.last_ack = self.last_push = self.last_file_write = None
        self.last_change = None
        self.pending_poll = self.next_ack_check = None
        self.phase, self.retry_until = PushPhase.NORMAL, None
        self.config = LicensingConfig(
            transport=self.config.transport,
            smart_url=self.config.smart_url,
            cslu_url=self.config.cslu_url,
            vrf=self.config.vrf,
            callhome=self.config.callhome,
        )
        self.usage_start = now if self.licenses else None
        for name, count in sorted(self.licenses.items()):
            self._open(name, count, now)
        self.next_push = None
        self._event(now, "Licensing factory reset")
        if had_policy:
            self._log(now, Message.POLICY_REMOVED)
        self._reschedule_push(now)
        self._refresh_deadline(now, force_notice=True)
        if self.trust is not None and self.config.transport is not Transport.OFF:
            # With trust established, CSSM returns the policy on its own (seed, POLICY_REMOVED).
            request = TrustSyncRequest(
                timestamp=_ms(now),
                nonce=self._nonce(),
                sudi=self.sudi,
                hostname=self.hostname,
                trust_id=self.trust.trust_id,
                policy_id=None,
            )
            self._send(request, _Pending(Channel.TRUST_SYNC, now))

    def begin_conversion(self, now: datetime) -> None:
        """The switch came up on SLP from PAK licensing: convert the licenses it uses."""
        self.conversion = Conversion(migrated_at=now, licenses=dict(self.licenses))
        self._event(now, "License conversion from PAK started")

    def switchover(self, now: datetime) -> None:
        """The standby supervisor becomes the active one; the old active becomes the standby.

        Trust codes stay with their UDIs, the policy and the reports with the chassis. The
        new active reports with its own UDI and trust code at once: a switchover triggers
        reporting (NX-OS SLP guide, HA). An ACK awaited for the old active's push is dropped:
        the report that push carried goes again from the new active.
        """
        if self.standby is None:
            raise ValueError("no standby supervisor")
        self.sudi, self.standby = self.standby, self.sudi
        self.trust, self.standby_trust = self.standby_trust, self.trust
        self._in_flight.clear()
        self.pending_poll = self.next_ack_check = None
        self.phase, self.retry_until = PushPhase.NORMAL, None
        self.next_push = None
        self._event(now, f"Switchover: {self.sudi.display} is active")
        self.report_owed = bool(self.licenses)
        self._reschedule_push(now)

    def reboot(self, now: datetime, *, resume_reporting: bool) -> None:
        """The switch reloaded: exchanges in flight are lost, licensing data is kept."""
        self._in_flight.clear()
        self.reporting_suspended = not resume_reporting
        self.next_push = None
        self.phase, self.retry_until = PushPhase.NORMAL, None
        self._event(now, "Product instance reloaded")
        if resume_reporting and self.licenses:
            self.next_push = now + self.timing.first_push_delay
        if self.pending_poll is not None:
            self.next_ack_check = now + self.timing.ack_poll_every
        self._refresh_deadline(now)

    def resume(self, now: datetime) -> None:
        """The simulation restarted from saved state: whatever was in flight never completed.

        A push that was under way is made again at once (the back end recognises reports it
        already holds); a pending ACK is polled for again; a trust request is made again with
        the same token (a back end that issued the trust code already answers with it).
        """
        lost = list(self._in_flight.values())
        self._in_flight.clear()
        self._effects.clear()
        if any(p.channel is Channel.USAGE_REPORTING for p in lost) and self.pushes_enabled:
            self.next_push = now if self.next_push is None else min(self.next_push, now)
        if self.pending_poll is not None and self.next_ack_check is None:
            self.next_ack_check = now
        self._next_notice = self._notice_after(now)
        for pending in lost:
            if pending.channel is Channel.TRUST_ESTABLISHMENT and pending.id_token is not None:
                self._request_trust(
                    now, pending.id_token, scope=pending.scope, force=pending.force, udi=pending.udi
                )

    def usage_file(self, now: datetime, *, unreported_only: bool) -> str:
        """`license smart save usage`: the `<smartLicense>` file of RUM reports."""
        for report in self.reports:
            if report.state is ReportState.OPEN:
                self._close(report, now)
        chosen = [
            r
            for r in self.reports
            if r.state is not ReportState.OPEN
            and not (unreported_only and r.state is ReportState.ACK)
        ]
        for name, count in sorted(self.licenses.items()):
            self._open(name, count, now)
        wire = self._signed(now, chosen)
        if self._carries_conversion(now) and self.conversion is not None:
            self.conversion.carried_by(now, [r.report_id for r in chosen])
        system = SystemInfo(
            sudi=self.sudi,
            hostname=self.hostname,
            software_tag_identifier=SOFTWARE_TAG,
            timestamp=_ms(now),
            nonce=self._nonce(),
        )
        self.last_file_write = now
        self._event(now, f"Usage saved to file ({len(chosen)} report(s))")
        return write_usage_file(system, wire)

    def clock_changed(self, now: datetime) -> None:
        """The switch clock jumped: timers are absolute, so only the notices need recomputing."""
        self._next_notice = self._notice_after(now)

    def timer(self, now: datetime) -> None:
        if self.next_push is not None and now >= self.next_push and not self._push_in_flight():
            self.next_push = None
            self._push(now, scheduled=True)
        if self.next_ack_check is not None and self.pending_poll is None:
            self.next_ack_check = None
        if (
            self.next_ack_check is not None
            and now >= self.next_ack_check
            and self.pending_poll is not None
            and not self._in_flight_on(Channel.RESULT_POLLING)
        ):
            self.next_ack_check = None
            self._poll(now, self.pending_poll)
        if self._next_notice is not None and now >= self._next_notice:
            if self.deadline is not None:
                self._log(now, Message.REPORTING_REQUIRED, _days_left(now, self.deadline))
            self._next_notice = self._notice_after(now)

    def response(self, now: datetime, request_id: int, reply: Reply) -> None:
        pending = self._in_flight.pop(request_id, None)
        if pending is None:
            return
        if reply.status == "FAILED" and reply.message_code == Refusal.MALFORMED.code:
            self._comm_failed(now, pending, CommError.BAD_RESPONSE.text)
            return
        self._comm_ok(now)
        # Compared by identity: a dict of handlers would hash enum members (in Python) per reply.
        channel = pending.channel
        if channel is Channel.RESULT_POLLING:
            self._on_poll_reply(now, pending, reply)
        elif channel is Channel.USAGE_REPORTING:
            self._on_push_reply(now, pending, reply)
        elif channel is Channel.TRUST_ESTABLISHMENT:
            self._on_trust_reply(now, pending, reply)
        else:
            self._on_trust_sync_reply(now, pending, reply)

    def failure(self, now: datetime, request_id: int, error: CommError) -> None:
        pending = self._in_flight.pop(request_id, None)
        if pending is not None:
            self._comm_failed(now, pending, error.text)

    def record_file_write(self, now: datetime) -> None:
        self.last_file_write = now

    # ------------------------------------------------------------------ replies

    def _on_trust_reply(self, now: datetime, pending: _Pending, reply: Reply) -> None:
        target = pending.udi or self.sudi
        udi = target.display
        # A message is trusted only if the signer's certificate is valid at our clock; a switch
        # whose clock is far off sees a signature mismatch before it can read any answer.
        # (A CSLU signs nothing: its refusals carry no key id and are read as they are.)
        if reply.server_key_id and not self.trust_store.valid_at(reply.server_key_id, now):
            self._trust_failed(now, Refusal.SIGNATURE_MISMATCH.text, target)
            return
        if reply.status != "SUCCESS" or reply.trust_code is None:
            self._trust_failed(now, Refusal.from_code(reply.message_code).text, target)
            return
        try:
            body = TrustCodeBody.model_validate(self.trust_store.verify(reply.trust_code, now))
        except (SignatureError, ValidationError):
            self._trust_failed(now, Refusal.SIGNATURE_MISMATCH.text, target)
            return
        if body.udi != target or target not in (self.sudi, self.standby):
            # Not for this UDI, or for a supervisor no longer in the chassis.
            self._trust_failed(now, Refusal.SIGNATURE_MISMATCH.text, target)
            return
        code = TrustCode(
            trust_id=body.trust_id,
            installed_at=now,
            smart_account=body.smart_account,
            virtual_account=body.virtual_account,
            secret=base64.b64decode(body.secret),
        )
        if target == self.sudi:
            self.trust = code
        else:
            self.standby_trust = code
        self._history(now, Channel.TRUST_ESTABLISHMENT, "SUCCESS")
        self._event(now, "Trust code installed" + ("" if target == self.sudi else " (standby)"))
        self._log(now, Message.TRUST_CODE_INSTALL_SUCCESS, udi)
        self._reschedule_push(now)

    def _trust_failed(self, now: datetime, reason: str, udi: Sudi | None = None) -> None:
        self._history(now, Channel.TRUST_ESTABLISHMENT, f"FAILED: {reason}")
        self._log(now, Message.TRUST_CODE_INSTALL_FAILED, (udi or self.sudi).display, reason)

    def _on_push_reply(self, now: datetime, pending: _Pending, reply: Reply) -> None:
        if reply.status == "FAILED" and reply.message_code == Refusal.REPORTING_NOT_SUPPORTED.code:
            self._reporting_not_supported(now)
            return
        if reply.status != "OK_POLL" or reply.poll_id is None:
            reason = Refusal.from_code(reply.message_code).text
            self._history(now, Channel.USAGE_REPORTING, f"FAILED: {reason}")
            self._push_failed(now, pending)
            return
        for report in self.reports:
            if report.report_id in pending.report_ids:
                report.sent = True
        if pending.conversion and self.conversion is not None:
            self.conversion.carried_by(now, list(pending.report_ids))
        self._history(now, Channel.USAGE_REPORTING, "OK_POLL")
        self.last_push = now
        self.report_owed = False
        self.pending_poll = reply.poll_id
        self.next_ack_check = now + self.timing.ack_poll_every
        self.phase, self.retry_until = PushPhase.NORMAL, None
        # The transport may have been turned off while the report was on its way.
        self.next_push = now + self.configured_interval if self.pushes_enabled else None
        if reply.policy is not None:
            # CSLU and On-Prem hand back a policy the product instance is missing.
            self._install_offered_policy(now, reply.policy, _server_time(reply))

    def _reporting_not_supported(self, now: datetime) -> None:
        """A down-rev On-Prem: stop pushing (once), keep measuring usage (seed)."""
        reason = Refusal.REPORTING_NOT_SUPPORTED.text
        self._history(now, Channel.USAGE_REPORTING, f"FAILED: {reason}")
        if not self.reporting_unsupported:
            self.reporting_unsupported = True
            self._event(now, "Usage reporting stopped: the server does not support it")
            self._log(now, Message.REPORTING_NOT_SUPPORTED)
        self.phase, self.retry_until = PushPhase.NORMAL, None
        self.next_push = None

    def _on_poll_reply(self, now: datetime, pending: _Pending, reply: Reply) -> None:
        complete = reply.status == "COMPLETE" and reply.ack is not None
        outcome: str = reply.status
        if reply.status != "OK_POLL" and not complete:
            outcome = f"FAILED: {reply.message or 'no ACK'}"
        self._history(now, Channel.RESULT_POLLING, outcome)
        if pending.poll_id != self.pending_poll:
            # A newer push replaced the poll this reply answers: its ACK still counts, but
            # the newer poll and its schedule stay as they are.
            if complete and reply.ack is not None:
                self._install_ack_body(now, reply.ack, install_policy=False)
            return
        if reply.status == "OK_POLL":
            self.next_ack_check = now + self.timing.ack_poll_every
            return
        self.pending_poll = self.next_ack_check = None
        if not complete or reply.ack is None:
            return
        server = _server_time(reply)
        self._install_ack_body(now, reply.ack, install_policy=True, server=server)
        if reply.policy is not None:
            self._install_offered_policy(now, reply.policy, server)

    def _on_trust_sync_reply(self, now: datetime, pending: _Pending, reply: Reply) -> None:
        self._history(now, Channel.TRUST_SYNC, reply.status)
        if reply.status == "SUCCESS" and reply.policy is not None:
            self.install_policy(now, reply.policy, _server_time(reply))

    # ------------------------------------------------------------------ installs

    def install_ack(self, now: datetime, document: SignedDocument) -> bool:
        """Install a signed RUM ACK (from a poll or a file); returns whether it was accepted."""
        return self._install_ack_body(now, document, install_policy=True)

    def _install_ack_body(
        self,
        now: datetime,
        document: SignedDocument,
        *,
        install_policy: bool,
        server: datetime | None = None,
    ) -> bool:
        try:
            ack = AckBody.model_validate(self.trust_store.verify(document, now))
        except SignatureError:
            if _carries_policy(document):
                self._log(now, Message.POLICY_INSTALL_FAILED, Refusal.SIGNATURE_MISMATCH.text)
            self._event(now, "RUM ACK rejected: signature mismatch")
            return False
        except ValidationError:
            self._event(now, "RUM ACK rejected: not an acknowledgement")
            return False
        if not self._is_own(ack.udi):
            self._event(now, "RUM ACK rejected: for another product instance")
            return False
        acked = set(ack.report_ids)
        for report in self.reports:
            if report.report_id in acked and report.state is ReportState.CLOSED:
                report.state = ReportState.ACK
        keep_newest_done(
            self.reports, self.timing.rum_reports_kept, lambda r: r.state is ReportState.ACK
        )
        if self.conversion is not None:
            self.conversion.acknowledged(now, acked)
        self.last_ack = now
        self._event(now, f"RUM ACK received for {len(acked)} report(s)")
        if ack.policy is not None and install_policy:
            self.install_policy(now, ack.policy, server)
        self._refresh_deadline(now)
        return True

    def install_policy(
        self, now: datetime, document: SignedDocument, server: datetime | None = None
    ) -> bool:
        """Install a signed policy; `server` is the sender's clock when it came online."""
        body = self._checked_policy(now, document, server)
        if body is None:
            return False
        self.policy = Policy.from_body(body, installed_at=now)
        self._event(now, f"Policy '{body.name}' installed")
        self._log(now, Message.POLICY_INSTALL_SUCCESS)
        self._refresh_deadline(now)
        return True

    def _checked_policy(
        self, now: datetime, document: SignedDocument, server: datetime | None
    ) -> PolicyBody | None:
        """The policy's content, or None after logging POLICY_INSTALL_FAILED."""
        problem = _policy_problem(self.trust_store, self.timing, now, document, server)
        if problem is not None:
            self._log(now, Message.POLICY_INSTALL_FAILED, _POLICY_FAILURE_TEXT[problem])
            return None
        return PolicyBody.model_validate(self.trust_store.verify(document, now))

    def _install_offered_policy(
        self, now: datetime, document: SignedDocument, server: datetime | None
    ) -> None:
        # A back end may send the policy in use again (inside and beside an ACK): once is enough.
        if _policy_id_of(document) != self.policy.policy_id:
            self.install_policy(now, document, server)

    def import_file(self, now: datetime, imported: ImportFile) -> ImportResult:
        """`license smart import`: every ACK and policy in the file, or nothing at all."""
        policies: list[SignedDocument] = []
        for document in imported.acks:
            try:
                ack = AckBody.model_validate(self.trust_store.verify(document, now))
            except SignatureError:
                if _carries_policy(document):
                    self._log(now, Message.POLICY_INSTALL_FAILED, Refusal.SIGNATURE_MISMATCH.text)
                return self._import_failed(now, "RUM ACK", ImportOutcome.SIGNATURE_MISMATCH)
            except ValidationError:
                return self._import_failed(now, "RUM ACK", ImportOutcome.NOT_AN_ACK)
            if not self._is_own(ack.udi):
                outcome = ImportOutcome.OTHER_PRODUCT
                return self._import_failed(now, "RUM ACK", outcome, ack.udi.display)
            if ack.policy is not None:
                policies.append(ack.policy)
        policies += imported.policies
        for document in policies:
            problem = _policy_problem(self.trust_store, self.timing, now, document)
            if problem is not None:
                self._log(now, Message.POLICY_INSTALL_FAILED, _POLICY_FAILURE_TEXT[problem])
                return self._import_failed(now, "POLICY", problem)
        # Everything checked: install.
        installed: set[str | None] = set()
        for document in imported.acks:
            self._install_ack_body(now, document, install_policy=False)
            self.imports.append(ImportEntry(now, "RUM ACK", "SUCCESS"))
        for document in policies:
            policy_id = _policy_id_of(document)
            if policy_id not in installed:
                installed.add(policy_id)
                self.install_policy(now, document)
                self.imports.append(ImportEntry(now, "POLICY", "SUCCESS"))
        keep_last(self.imports, self.timing.history_kept)
        self._refresh_deadline(now)
        return ImportResult(ImportOutcome.SUCCESS)

    def _import_failed(
        self, now: datetime, kind: str, outcome: ImportOutcome, detail: str = ""
    ) -> ImportResult:
        result = ImportResult(outcome, detail)
        self.imports.append(ImportEntry(now, kind, f"FAILED: {result.text.removeprefix('% ')}"))
        keep_last(self.imports, self.timing.history_kept)
        self._event(now, f"Import of {kind} failed")
        return result

    # ------------------------------------------------------------------ pushes

    def _push(self, now: datetime, *, scheduled: bool) -> None:
        if not self.pushes_enabled or self._push_in_flight():
            return
        # A retry resends what the failed push carried; closing the open reports again on
        # every attempt would grow the backlog by one report per license per attempt.
        retry = scheduled and self.phase is not PushPhase.NORMAL
        if not retry:
            for report in self.reports:
                if report.state is ReportState.OPEN:
                    self._close(report, now)
            for name, count in sorted(self.licenses.items()):
                self._open(name, count, now)
        unacked = [r for r in self.reports if r.state is ReportState.CLOSED]
        wire = self._signed(now, unacked)
        request = UsageReportRequest(
            timestamp=_ms(now),
            nonce=self._nonce(),
            sudi=self.sudi,
            hostname=self.hostname,
            trust_id=self.trust.trust_id if self.trust else None,
            policy_id=self.policy.policy_id,
            reports=wire,
        )
        pending = _Pending(
            Channel.USAGE_REPORTING,
            now,
            scheduled=scheduled,
            report_ids=tuple(r.report_id for r in unacked),
            conversion=self._carries_conversion(now),
        )
        self._send(request, pending)

    def _push_failed(self, now: datetime, pending: _Pending) -> None:
        if not pending.scheduled:
            return
        # Retries are paced from when each attempt started, not from when it gave up.
        attempt = pending.sent_at
        if self.phase is PushPhase.NORMAL:
            self.retry_until = attempt + self.timing.retry_window
            self.phase = PushPhase.RETRYING
        retry_at = attempt + self.timing.retry_every
        if self.phase is PushPhase.RETRYING and self.retry_until and retry_at <= self.retry_until:
            self.next_push = max(now, retry_at)
        else:
            self.phase = PushPhase.FALLBACK
            self.next_push = max(now, attempt + self.timing.fallback_interval)

    def _poll(self, now: datetime, poll_id: int) -> None:
        if self.config.transport is Transport.OFF:
            return
        request = PollRequest(
            timestamp=_ms(now), nonce=self._nonce(), sudi=self.sudi, hostname=self.hostname,
            poll_id=poll_id,
        )  # fmt: skip
        self._send(request, _Pending(Channel.RESULT_POLLING, now, poll_id=poll_id))

    def _reschedule_push(self, now: datetime) -> None:
        """Make sure a push is scheduled when one should be, and none when none can happen."""
        if not self.pushes_enabled or not self.licenses:
            if self.phase is PushPhase.NORMAL:
                self.next_push = None
            return
        if self.next_push is None and not self._push_in_flight():
            if self.report_owed:
                self.next_push = now
            elif self.last_push is None:
                start = self.usage_start or now
                self.next_push = max(now, start + self.timing.first_push_delay)
            else:
                self.next_push = max(now, self.last_push + self.configured_interval)

    # ------------------------------------------------------------------ comm state

    def _comm_failed(self, now: datetime, pending: _Pending, reason: str) -> None:
        self.comm_failing = True
        self._history(now, pending.channel, f"FAILED: {reason}")
        self._log(now, Message.COMM_FAILED, self.config.peer, reason)
        if pending.channel is Channel.TRUST_ESTABLISHMENT:
            udi = pending.udi or self.sudi
            self._log(now, Message.TRUST_CODE_INSTALL_FAILED, udi.display, reason)
        elif pending.channel is Channel.USAGE_REPORTING:
            self._push_failed(now, pending)
        elif pending.channel is Channel.RESULT_POLLING and self.pending_poll is not None:
            self.next_ack_check = now + self.timing.ack_poll_every

    def _comm_ok(self, now: datetime) -> None:
        if self.comm_failing:
            self.comm_failing = False
            self._log(now, Message.COMM_RESTORED, self.config.peer)

    # ------------------------------------------------------------------ deadline

    def _refresh_deadline(self, now: datetime, *, force_notice: bool = False) -> None:
        deadline = ack_deadline(self.policy, self.usage_start, self.last_ack, self.last_change)
        # A new requirement (usage starts or changes, a reset) is announced; a deadline that
        # an ACK pushed further out is reporting done, which Cisco does not log.
        sooner = deadline is not None and (self.deadline is None or deadline < self.deadline)
        if deadline != self.deadline or force_notice:
            self.deadline = deadline
            if deadline is not None and (sooner or force_notice):
                self._log(now, Message.REPORTING_REQUIRED, _days_left(now, deadline))
        self._next_notice = self._notice_after(now)

    def _notice_after(self, now: datetime) -> datetime | None:
        """The next REPORTING_REQUIRED reminder strictly after `now`.

        NX-OS SLP guide: "if reporting does not occur, system logs are generated at X days and
        X-30 days" (X: the policy's reporting period); the seed: when the reporting period
        "is expired or near to expiry". So: when `reporting_warning` remains, and at the
        deadline; nothing after it.
        """
        if self.deadline is None:
            return None
        marks = [self.deadline - self.timing.reporting_warning, self.deadline]
        upcoming = [mark for mark in marks if mark > now]
        return min(upcoming) if upcoming else None

    # ------------------------------------------------------------------ helpers

    def _send(self, request: AgentRequest, pending: _Pending) -> None:
        config = self.config
        problem = config.problem
        url = config.url
        if problem is not None or url is None:
            # Nothing can leave the switch: the exchange fails at once, like a refused connection.
            self._comm_failed(pending.sent_at, pending, problem or CommError.NO_URL.text)
            return
        request_id = self._next_request_id
        self._next_request_id += 1
        self._in_flight[request_id] = pending
        self._effects.append(Send(request_id, url, config.peer, request, config.route_vrf))

    def _signed(self, now: datetime, reports: list[RumReport]) -> list[RumReportWire]:
        """The reports as they leave the switch, signed with the active's trust code.

        The active reports for its standby, and carries the PAK conversion data once it
        exists (FAQ 9: not during the first hour after migration).
        """
        secret = self.trust.secret if self.trust else None
        conversion = self.conversion.data(now) if self.conversion is not None else ()
        wire = [
            sign_report(
                self.sudi,
                RumMeasurement(
                    r.report_id,
                    r.feature,
                    r.count,
                    r.start,
                    r.end or now,
                    standby=self.standby,
                    conversion=conversion,
                ),
                secret,
            )
            for r in reports
        ]
        return wire

    def _carries_conversion(self, now: datetime) -> bool:
        return self.conversion is not None and bool(self.conversion.data(now))

    def _is_own(self, udi: Sudi) -> bool:
        """An ACK for either supervisor is this chassis's (a switchover swaps the two)."""
        return udi == self.sudi or (self.standby is not None and udi == self.standby)

    def _push_in_flight(self) -> bool:
        return self._in_flight_on(Channel.USAGE_REPORTING)

    def _in_flight_on(self, channel: Channel) -> bool:
        # Asked several times per event: a plain loop, not a generator.
        for pending in self._in_flight.values():  # noqa: SIM110
            if pending.channel is channel:
                return True
        return False

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


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def _days_left(now: datetime, deadline: datetime) -> int:
    return max(0, (deadline - now).days)


def _carries_policy(document: SignedDocument) -> bool:
    try:
        return document.content().get("policy") is not None
    except (ValueError, SignatureError):
        return False


# An unreadable policy is as untrustworthy as a badly signed one: both fail on the signature.
_POLICY_FAILURE_TEXT = {
    ImportOutcome.SIGNATURE_MISMATCH: Refusal.SIGNATURE_MISMATCH.text,
    ImportOutcome.NOT_A_POLICY: Refusal.SIGNATURE_MISMATCH.text,
    ImportOutcome.TIMESTAMP_MISMATCH: Refusal.TIMESTAMP_MISMATCH.text,
}


def _server_time(reply: Reply) -> datetime | None:
    if reply.timestamp <= 0:
        return None
    return datetime.fromtimestamp(reply.timestamp / 1000, tz=UTC)


def _policy_problem(
    store: TrustStore,
    timing: TimingProfile,
    now: datetime,
    document: SignedDocument,
    server: datetime | None = None,
) -> ImportOutcome | None:
    """Why this signed policy cannot be installed at `now`, or None when it can.

    `server` is the sender's clock for a policy that came online: a switch clock ahead of it
    or behind it by the tolerated skew fails, as trust code requests do at CSSM. A policy in
    a file carries only its issue date, so only a clock behind that can be noticed.
    """
    try:
        body = PolicyBody.model_validate(store.verify(document, now))
    except SignatureError:
        return ImportOutcome.SIGNATURE_MISMATCH
    except ValidationError:
        return ImportOutcome.NOT_A_POLICY
    try:
        issued = datetime.fromisoformat(body.issued)
        # Issued "in the future" by more than the tolerated skew: our clock is behind.
        ahead = issued - now >= timing.max_clock_skew
    except (ValueError, TypeError):
        return ImportOutcome.NOT_A_POLICY
    skewed = server is not None and abs(server - now) >= timing.max_clock_skew
    return ImportOutcome.TIMESTAMP_MISMATCH if ahead or skewed else None


def _policy_id_of(document: SignedDocument) -> str | None:
    try:
        policy_id = document.content().get("policy_id")
    except (ValueError, SignatureError):
        return None
    return policy_id if isinstance(policy_id, str) else None
