"""CSSM's product-instance inventory: the devices it knows, their reports and pending ACKs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from cssm_mock.accounts import Accounts, UnknownAccountError
from cssm_mock.reports import ReceivedReport
from cssm_mock.trust import TrustRecord
from sim.protocol.messages import Sudi
from sim.protocol.signing import SignedDocument

UdiKey = tuple[str, str]


def udi_key(sudi: Sudi) -> UdiKey:
    return (sudi.udi_pid, sudi.udi_serial_number)


@dataclass
class ProductInstance:
    udi: Sudi
    smart_account: str
    virtual_account: str
    hostname: str = ""
    registered: datetime | None = None
    trust: TrustRecord | None = None
    last_contact: datetime | None = None
    reports: dict[int, ReceivedReport] = field(default_factory=dict)
    duplicates_received: int = 0
    ack_poll_ids: list[int] = field(default_factory=list)
    acks_issued: int = 0
    standby: Sudi | None = None  # the last standby supervisor its reports named
    converted: dict[str, int] = field(default_factory=dict)  # PAK licenses converted (FAQ 9)

    @property
    def trusted(self) -> bool:
        return self.trust is not None


@dataclass
class PendingAck:
    poll_id: int
    udi: Sudi
    smart_account: str
    virtual_account: str
    report_ids: list[int]
    created: datetime
    ready_at: datetime
    device_policy_id: str | None
    # Signed once, on the first COMPLETE, then handed out unchanged on every later poll.
    document: SignedDocument | None = None


class Inventory(Accounts):
    """The product instances CSSM holds, and the ACKs it owes them."""

    inventory: dict[UdiKey, ProductInstance]
    acks: dict[int, PendingAck]

    def add_product_instance(
        self,
        sudi: Sudi,
        virtual_account: str,
        smart_account: str | None = None,
        hostname: str = "",
    ) -> ProductInstance:
        """Register (or move) a UDI into a VA, e.g. to stage an SA/VA mismatch."""
        va = self.virtual_account(virtual_account, smart_account)
        pi = self.inventory.get(udi_key(sudi))
        if pi is None:
            pi = ProductInstance(
                udi=sudi,
                smart_account=va.smart_account,
                virtual_account=va.name,
                hostname=hostname,
                registered=self.clock.now(),
            )
            self.inventory[udi_key(sudi)] = pi
        else:
            pi.smart_account, pi.virtual_account = va.smart_account, va.name
            pi.hostname = hostname or pi.hostname
        return pi

    def remove_product_instance(self, sudi: Sudi) -> None:
        """Delete a PI from CSSM (its trust code stops working; its pending ACKs vanish)."""
        pi = self.inventory.pop(udi_key(sudi), None)
        if pi is None:
            raise UnknownAccountError(f"unknown product instance {sudi.display}")
        for poll_id in pi.ack_poll_ids:
            self.acks.pop(poll_id, None)

    def product_instance(self, sudi: Sudi) -> ProductInstance | None:
        return self.inventory.get(udi_key(sudi))

    def product_instances(self) -> list[ProductInstance]:
        return list(self.inventory.values())

    def reports_received(self, sudi: Sudi) -> dict[int, ReceivedReport]:
        pi = self.product_instance(sudi)
        return dict(pi.reports) if pi is not None else {}

    def usage_of(self, sudi: Sudi) -> dict[str, int]:
        """Licenses in use as CSSM shows them: per feature, the count of its latest report."""
        latest: dict[str, ReceivedReport] = {}
        for report in self.reports_received(sudi).values():
            current = latest.get(report.feature)
            if current is None or (report.end_time, report.report_id) > (
                current.end_time,
                current.report_id,
            ):
                latest[report.feature] = report
        return {feature: report.count for feature, report in sorted(latest.items())}

    def pending_ack(self, poll_id: int) -> PendingAck | None:
        return self.acks.get(poll_id)
