"""When the agent pushes usage: the reporting interval, and retry then fallback after a failure."""

from __future__ import annotations

from datetime import datetime, timedelta

from sim.agent.records import AgentState, Pending
from sim.agent.states import PushPhase, Transport


class PushSchedule(AgentState):
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

    def _push_failed(self, now: datetime, pending: Pending) -> None:
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
