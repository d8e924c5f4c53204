"""RUM ACKs: polling for one after a push, and installing one from a reply or a file."""

from __future__ import annotations

from datetime import datetime

from pydantic import ValidationError

from sim.agent.exchanges import Exchanges
from sim.agent.policy_install import PolicyInstall, carries_policy, server_time
from sim.agent.records import Pending, ms
from sim.agent.states import Channel, ReportState, Transport
from sim.protocol.errors import Refusal
from sim.protocol.messages import AckBody, PollRequest, Reply
from sim.protocol.signing import SignatureError, SignedDocument
from sim.retention import keep_newest_done
from sim.syslog import Message


class AckHandling(Exchanges, PolicyInstall):
    def _poll(self, now: datetime, poll_id: int) -> None:
        if self.config.transport is Transport.OFF:
            return
        request = PollRequest(
            timestamp=ms(now), nonce=self._nonce(), sudi=self.sudi, hostname=self.hostname,
            poll_id=poll_id,
        )  # fmt: skip
        self._send(request, Pending(Channel.RESULT_POLLING, now, poll_id=poll_id))

    def _on_poll_reply(self, now: datetime, pending: Pending, reply: Reply) -> None:
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
        server = server_time(reply)
        self._install_ack_body(now, reply.ack, install_policy=True, server=server)
        if reply.policy is not None:
            self._install_offered_policy(now, reply.policy, server)

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
            if carries_policy(document):
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
