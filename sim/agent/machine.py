"""The licensing agent: a pure state machine (see sim/agent/states.py for the theory).

Each concept the agent handles lives in a module of its own, as a class `Agent` inherits
from: trust.py, usage.py, acks.py, license_files.py, above exchanges.py, schedule.py,
policy_install.py and deadline.py, all on the state kept in records.py. This module has
what ties them together: the inputs a switch's life brings and the timer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sim.agent.config import (
    CALLHOME_URL,
    CSLU_LOCAL_URL,
    DEFAULT_SMART_URL,
    CallhomeDestination,
    CallhomeProblem,
    LicensingConfig,
)
from sim.agent.deadline import days_left
from sim.agent.effects import Effect
from sim.agent.license_files import LicenseFiles
from sim.agent.policy import NEXUS_DEFAULT_POLICY
from sim.agent.records import HistoryEntry, ImportEntry, Pending, RumReport, TrustCode, ms
from sim.agent.states import Channel, PushPhase, Transport
from sim.agent.trust import TrustInstall
from sim.protocol.errors import CommError, Refusal
from sim.protocol.messages import Reply, TrustSyncRequest
from sim.syslog import Message

# The agent, and the configuration and records it was imported with before they had modules.
__all__ = [
    "CALLHOME_URL",
    "CSLU_LOCAL_URL",
    "DEFAULT_SMART_URL",
    "Agent",
    "CallhomeDestination",
    "CallhomeProblem",
    "HistoryEntry",
    "ImportEntry",
    "LicensingConfig",
    "RumReport",
    "TrustCode",
]


@dataclass
class Agent(LicenseFiles, TrustInstall):
    """One switch's licensing agent. All times are the switch's clock."""

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
                timestamp=ms(now),
                nonce=self._nonce(),
                sudi=self.sudi,
                hostname=self.hostname,
                trust_id=self.trust.trust_id,
                policy_id=None,
            )
            self._send(request, Pending(Channel.TRUST_SYNC, now))

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
                self._log(now, Message.REPORTING_REQUIRED, days_left(now, self.deadline))
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
