"""The Smart Receiver: the device messages (trust, usage report, poll, trust sync) and replies.

The device wire format is not public; the messages in `sim.protocol` are shaped after the
public CSSM REST API (epoch-ms timestamp + nonce echoed, OK_POLL / poll_id / COMPLETE), and
so is this behaviour.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cssm_mock.inventory import PendingAck, ProductInstance, udi_key
from cssm_mock.reports import Refused, verified_report
from cssm_mock.timestamps import clock_skewed, epoch_ms
from cssm_mock.trust import TrustRecord
from cssm_mock.usage import UsageIntake
from sim.protocol.errors import Refusal
from sim.protocol.messages import (
    PollRequest,
    Reply,
    Sudi,
    TrustCodeBody,
    TrustRequest,
    TrustSyncRequest,
    UsageReportRequest,
)
from sim.protocol.signing import SignedDocument
from sim.retention import keep_last

INFO_PAGE = """\
This is the Smart Receiver!

Environment Information:
  cisco.life = prod
  License Engine = https://swapi.cisco.com/software/csws/ssm/services
  License EngineSLE = https://swapi.cisco.com/software/csws/ssm/v2/services
  License Crypto Service = https://lcs.cisco.com/LCS
  Crypto Enabled = true
  Retry Enabled = true
  Retry Timeout = 55000
  Rate Limit Window Length = 3600
  Rate Limit Max Allowed in Window = 12
"""

CssmRequest = TrustRequest | UsageReportRequest | PollRequest | TrustSyncRequest


class SmartReceiver(UsageIntake):
    """Answers device messages; refusals become FAILED replies."""

    def info_page(self) -> str:
        return INFO_PAGE

    def handle(self, request: CssmRequest) -> Reply:
        """Answer one device message; refusals are FAILED replies, never exceptions."""
        now = self.clock.now()
        try:
            if isinstance(request, TrustRequest):
                self.counters.trust_requests += 1
                reply = self._trust(request, now)
            elif isinstance(request, UsageReportRequest):
                self.counters.usage_reports += 1
                reply = self._usage(request, now)
            elif isinstance(request, PollRequest):
                self.counters.polls += 1
                reply = self._poll(request, now)
            else:
                self.counters.trust_syncs += 1
                reply = self._trust_sync(request, now)
        except Refused as refused:
            self.counters.refusals[refused.refusal.code] += 1
            reply = self._reply(
                request,
                now,
                status="FAILED",
                message_code=refused.refusal.code,
                message=refused.refusal.text,
            )
        return reply

    def _reply(self, request: CssmRequest, now: datetime, **fields: Any) -> Reply:
        """A reply to `request`: its fields, with our clock, the request's nonce and our key id.

        The envelope goes in as the reply is built: set afterwards, each field would cost a
        pydantic __setattr__, at every exchange."""
        return Reply(
            **fields,
            timestamp=epoch_ms(now),
            nonce=request.nonce,
            server_key_id=self.signer.key_id,
        )

    def _trust(self, request: TrustRequest, now: datetime) -> Reply:
        token = self.tokens.get(request.id_token)
        if token is None:
            raise Refused(Refusal.INVALID_TOKEN)
        pi = self.product_instance(request.sudi)
        trust = pi.trust if pi is not None and not request.force else None
        if pi is not None and trust is not None and trust.token == request.id_token:
            # The same request again (its reply was lost, e.g. in a crash): the same trust
            # code, without using the token again.
            trust_code = self._sign_trust_code(pi, trust)
            return self._reply(request, now, status="SUCCESS", trust_code=trust_code)
        refusal = token.refusal_at(now)
        if refusal is not None:
            raise Refused(refusal)
        if clock_skewed(request.timestamp, now, self.timing):
            raise Refused(Refusal.TIMESTAMP_MISMATCH)
        if pi is not None:
            if (pi.smart_account, pi.virtual_account) != (
                token.smart_account,
                token.virtual_account,
            ):
                raise Refused(Refusal.SA_VA_MISMATCH)
            if pi.trust is not None and not request.force:
                raise Refused(Refusal.TRUST_ALREADY_INSTALLED)

        token.uses += 1
        pi = self.add_product_instance(
            request.sudi, token.virtual_account, token.smart_account, request.hostname
        )
        pi.trust = TrustRecord.issue(token.token, now)
        pi.last_contact = now
        self.counters.trust_codes_issued += 1
        trust_code = self._sign_trust_code(pi, pi.trust)
        return self._reply(request, now, status="SUCCESS", trust_code=trust_code)

    def _sign_trust_code(self, pi: ProductInstance, trust: TrustRecord) -> SignedDocument:
        body = TrustCodeBody(
            trust_id=trust.trust_id,
            udi=pi.udi,
            smart_account=pi.smart_account,
            virtual_account=pi.virtual_account,
            issued=trust.installed.isoformat(),
            secret=trust.secret,
        )
        return self.signer.sign(body.model_dump())

    def _trusted_instance(self, sudi: Sudi, trust_id: str | None) -> ProductInstance:
        pi = self.product_instance(sudi)
        if pi is None or pi.trust is None or trust_id != pi.trust.trust_id:
            raise Refused(Refusal.NOT_TRUSTED)
        return pi

    def _usage(self, request: UsageReportRequest, now: datetime) -> Reply:
        pi = self._trusted_instance(request.sudi, request.trust_id)
        assert pi.trust is not None
        secret = pi.trust.secret_bytes
        # Validate every report before recording any: a refusal leaves the inventory untouched.
        parsed = [verified_report(secret, wire, now) for wire in request.reports]
        report_ids, _ = self._store_reports(pi, parsed)
        pi.hostname = request.hostname or pi.hostname
        pi.last_contact = now
        ack = PendingAck(
            poll_id=self._new_poll_id(),
            udi=request.sudi,
            smart_account=pi.smart_account,
            virtual_account=pi.virtual_account,
            report_ids=report_ids,
            created=now,
            ready_at=now + self.ack_delay,
            device_policy_id=request.policy_id,
        )
        self.acks[ack.poll_id] = ack
        pi.ack_poll_ids.append(ack.poll_id)
        for old in pi.ack_poll_ids[: -self.timing.backend_acks_kept]:
            self.acks.pop(old, None)
        keep_last(pi.ack_poll_ids, self.timing.backend_acks_kept)
        return self._ok_poll(request, now, ack.poll_id)

    def _ok_poll(self, request: CssmRequest, now: datetime, poll_id: int) -> Reply:
        return self._reply(
            request,
            now,
            status="OK_POLL",
            poll_id=poll_id,
            poll_interval=int(self.timing.ack_poll_every.total_seconds()),
        )

    def _poll(self, request: PollRequest, now: datetime) -> Reply:
        ack = self.acks.get(request.poll_id)
        if ack is None or udi_key(ack.udi) != udi_key(request.sudi):
            raise Refused(Refusal.UNKNOWN_POLL)
        pi = self.product_instance(request.sudi)
        if pi is not None:
            pi.last_contact = now
        if now < ack.ready_at:
            return self._ok_poll(request, now, ack.poll_id)
        if ack.document is None:
            ack.document = self._sign_ack(ack)
            self.counters.acks_issued += 1
            if pi is not None:
                pi.acks_issued += 1
        return self._reply(request, now, status="COMPLETE", poll_id=ack.poll_id, ack=ack.document)

    def _trust_sync(self, request: TrustSyncRequest, now: datetime) -> Reply:
        pi = self._trusted_instance(request.sudi, request.trust_id)
        pi.hostname = request.hostname or pi.hostname
        pi.last_contact = now
        va = self.virtual_account(pi.virtual_account, pi.smart_account)
        if request.policy_id == va.policy.policy_id:
            return self._reply(request, now, status="SUCCESS")
        return self._reply(request, now, status="SUCCESS", policy=self._sign_policy(va))
