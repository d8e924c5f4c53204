"""Usage taken into the inventory, whichever way it came, and the ACKs CSSM signs for it.

The device path, Usage Data Files and the automation API all end here (cssm_mock.models).
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from cssm_mock.accounts import VirtualAccount
from cssm_mock.counters import Counters
from cssm_mock.inventory import Inventory, PendingAck, ProductInstance
from cssm_mock.reports import DeviceUsage, ReceivedReport, Refused, parse_report, verified_report
from sim.protocol.errors import Refusal
from sim.protocol.files import write_ack_file
from sim.protocol.messages import AckBody, Sudi
from sim.protocol.rum import builtin_key
from sim.protocol.signing import SignedDocument
from sim.retention import keep_newest

if TYPE_CHECKING:
    from cssm_mock.automation_api import _UsageBatch


class UsageIntake(Inventory):
    """Verifying and recording reports, and the ACKs that answer them."""

    # A scenario fault may change this at run time; ACKs already pending keep their time.
    ack_delay: timedelta
    counters: Counters
    # Device polls and API polls share one poll id space.
    usage_batches: dict[int, _UsageBatch]

    def _pending(
        self, sudi: Sudi, va: VirtualAccount, report_ids: list[int], now: datetime, poll_id: int = 0
    ) -> PendingAck:
        return PendingAck(
            poll_id=poll_id,
            udi=sudi,
            smart_account=va.smart_account,
            virtual_account=va.name,
            report_ids=list(report_ids),  # its own list: saved state is a tree, not a graph
            created=now,
            ready_at=now + self.ack_delay,
            device_policy_id=None,
        )

    def _verified_device_reports(
        self, usage: DeviceUsage, va: VirtualAccount, now: datetime, *, vouched: bool = False
    ) -> list[ReceivedReport]:
        """Check a device's reports against its VA and signatures; records nothing.

        `vouched`: the bundle comes from an SSM On-Prem, which issued the devices' trust codes
        and checked those signatures itself; CSSM takes them on its word.
        """
        pi = self.product_instance(usage.sudi)
        if pi is not None and (pi.smart_account, pi.virtual_account) != (
            va.smart_account,
            va.name,
        ):
            raise Refused(Refusal.SA_VA_MISMATCH)
        parsed: list[ReceivedReport] = []
        for wire in usage.reports:
            if wire.signature.signing_type == "builtin":
                key = builtin_key(usage.sudi)
            elif pi is not None and pi.trust is not None:
                key = pi.trust.secret_bytes
            elif vouched:
                parsed.append(parse_report(wire, now))
                continue
            else:
                raise Refused(Refusal.NOT_TRUSTED)
            parsed.append(verified_report(key, wire, now))
        return parsed

    def _new_poll_id(self) -> int:
        while True:
            poll_id = secrets.randbits(63)
            if poll_id > 0 and poll_id not in self.acks and poll_id not in self.usage_batches:
                return poll_id

    def _store_reports(
        self, pi: ProductInstance, parsed: list[ReceivedReport]
    ) -> tuple[list[int], int]:
        """Record verified reports; returns the report ids to acknowledge and the duplicates."""
        report_ids: list[int] = []
        seen: set[int] = set()  # beside the list: a file may hold tens of thousands of reports
        duplicates = 0
        for report in parsed:
            if report.report_id in pi.reports or report.report_id in seen:
                # At-least-once delivery: the switch resends when an ACK got lost.
                duplicates += 1
            else:
                pi.reports[report.report_id] = report
                self.counters.reports_received += 1
                pi.standby = report.standby or pi.standby
                pi.converted.update(report.conversion)
            if report.report_id not in seen:
                seen.add(report.report_id)
                report_ids.append(report.report_id)
        pi.duplicates_received += duplicates
        self.counters.duplicates_received += duplicates
        keep_newest(pi.reports, self.timing.backend_reports_kept)
        return report_ids, duplicates

    def _issue_ack_file(self, ack: PendingAck) -> str:
        # Offline and API ACKs always carry the policy: an air-gapped switch has no other
        # way to receive one, and the API caller's device policy is unknown.
        document = self._sign_ack(ack)
        self.counters.acks_issued += 1
        pi = self.product_instance(ack.udi)
        if pi is not None:
            pi.acks_issued += 1
        return write_ack_file(document)

    def _sign_ack(self, ack: PendingAck) -> SignedDocument:
        # The policy is decided when the ACK is produced, so a policy changed meanwhile is sent.
        va = self.virtual_account(ack.virtual_account, ack.smart_account)
        policy = None
        if ack.device_policy_id != va.policy.policy_id:
            policy = self._sign_policy(va)
        body = AckBody(
            udi=ack.udi,
            report_ids=ack.report_ids,
            issued=ack.ready_at.isoformat(),
            smart_account=ack.smart_account,
            virtual_account=ack.virtual_account,
            policy=policy,
        )
        return self.signer.sign(body.model_dump())
