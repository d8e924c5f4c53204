"""Usage reporting: measuring license use into RUM reports and pushing them to the back end."""

from __future__ import annotations

from datetime import datetime

from sim.agent.conversion import Conversion
from sim.agent.exchanges import Exchanges
from sim.agent.policy_install import PolicyInstall, server_time
from sim.agent.records import Pending, RumReport, ms
from sim.agent.states import Channel, PushPhase, ReportState, Transport
from sim.protocol.errors import Refusal
from sim.protocol.messages import Reply, RumReportWire, UsageReportRequest
from sim.protocol.rum import RumMeasurement, sign_report
from sim.syslog import Message


class UsageReporting(Exchanges, PolicyInstall):
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

    def sync(self, now: datetime) -> None:
        """`license smart sync all|local`: push usage now and ask for what is missing."""
        if self.config.transport is Transport.OFF:
            return
        self.reporting_suspended = self.reporting_unsupported = False
        self._push(now, scheduled=False)
        if self.pending_poll is not None and self.next_ack_check is not None:
            self.next_ack_check = min(self.next_ack_check, now)

    def begin_conversion(self, now: datetime) -> None:
        """The switch came up on SLP from PAK licensing: convert the licenses it uses."""
        self.conversion = Conversion(migrated_at=now, licenses=dict(self.licenses))
        self._event(now, "License conversion from PAK started")

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
            timestamp=ms(now),
            nonce=self._nonce(),
            sudi=self.sudi,
            hostname=self.hostname,
            trust_id=self.trust.trust_id if self.trust else None,
            policy_id=self.policy.policy_id,
            reports=wire,
        )
        pending = Pending(
            Channel.USAGE_REPORTING,
            now,
            scheduled=scheduled,
            report_ids=tuple(r.report_id for r in unacked),
            conversion=self._carries_conversion(now),
        )
        self._send(request, pending)

    def _on_push_reply(self, now: datetime, pending: Pending, reply: Reply) -> None:
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
            self._install_offered_policy(now, reply.policy, server_time(reply))

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
