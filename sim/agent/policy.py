"""The licensing policy in use and the deadline arithmetic that follows from it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sim.protocol.messages import PolicyBody


@dataclass(frozen=True)
class Policy:
    name: str
    first_report_days: int
    reporting_frequency_days: int
    report_on_change_days: int
    ack_required: bool = True
    policy_id: str | None = None  # None: the default policy built into the image
    installed_at: datetime | None = None

    @property
    def is_default(self) -> bool:
        return self.policy_id is None

    @property
    def source(self) -> str:
        return "CISCO default" if self.is_default else "Customer Policy"

    @classmethod
    def from_body(cls, body: PolicyBody, installed_at: datetime) -> Policy:
        return cls(
            name=body.name,
            first_report_days=body.first_report_days,
            reporting_frequency_days=body.reporting_frequency_days,
            report_on_change_days=body.report_on_change_days,
            ack_required=body.ack_required,
            policy_id=body.policy_id,
            installed_at=installed_at,
        )


# Nexus default policy (seed FAQ 5 and 16): first report within 90 days, ongoing reporting
# every 365 days, a report within 90 days of a change in usage, ACK required.
NEXUS_DEFAULT_POLICY = Policy(
    name="Cisco default",
    first_report_days=90,
    reporting_frequency_days=365,
    report_on_change_days=90,
)


def ack_deadline(
    policy: Policy,
    usage_start: datetime | None,
    last_ack: datetime | None,
    last_change: datetime | None,
) -> datetime | None:
    """`Next ACK deadline`: None when nothing is in use (no report is ever required)."""
    if usage_start is None:
        return None
    if last_ack is None:
        deadline = usage_start + timedelta(days=policy.first_report_days)
    else:
        deadline = last_ack + timedelta(days=policy.reporting_frequency_days)
    if last_change is not None and (last_ack is None or last_change > last_ack):
        deadline = min(deadline, last_change + timedelta(days=policy.report_on_change_days))
    return deadline
