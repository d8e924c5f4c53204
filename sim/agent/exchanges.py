"""Messages to the back end: sending one, and what a failed or restored connection does."""

from __future__ import annotations

from datetime import datetime

from sim.agent.effects import AgentRequest, Send
from sim.agent.records import Pending
from sim.agent.schedule import PushSchedule
from sim.agent.states import Channel
from sim.protocol.errors import CommError
from sim.syslog import Message


class Exchanges(PushSchedule):
    def _send(self, request: AgentRequest, pending: Pending) -> None:
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

    def _comm_failed(self, now: datetime, pending: Pending, reason: str) -> None:
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
