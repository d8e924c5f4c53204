"""The ACK deadline the policy sets, and the REPORTING_REQUIRED notices that announce it."""

from __future__ import annotations

from datetime import datetime

from sim.agent.policy import ack_deadline
from sim.agent.records import AgentState
from sim.syslog import Message


class AckDeadline(AgentState):
    def _refresh_deadline(self, now: datetime, *, force_notice: bool = False) -> None:
        deadline = ack_deadline(self.policy, self.usage_start, self.last_ack, self.last_change)
        # A new requirement (usage starts or changes, a reset) is announced; a deadline that
        # an ACK pushed further out is reporting done, which Cisco does not log.
        sooner = deadline is not None and (self.deadline is None or deadline < self.deadline)
        if deadline != self.deadline or force_notice:
            self.deadline = deadline
            if deadline is not None and (sooner or force_notice):
                self._log(now, Message.REPORTING_REQUIRED, days_left(now, deadline))
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


def days_left(now: datetime, deadline: datetime) -> int:
    return max(0, (deadline - now).days)
