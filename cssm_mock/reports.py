"""RUM reports as CSSM receives them: checked against their signature, then parsed."""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sim.protocol.errors import Refusal
from sim.protocol.messages import RumReportWire, Sudi
from sim.protocol.rum import (
    conversion_of,
    feature_and_count_of,
    mac,
    payload_document,
    report_id_of,
    standby_of,
)


class Refused(Exception):
    """A request CSSM refuses; the caller turns it into a FAILED answer."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.code)
        self.refusal = refusal


@dataclass
class ReceivedReport:
    report_id: int
    feature: str
    count: int
    received: datetime
    end_time: int  # epoch seconds of the measurement's end, orders reports per feature
    standby: Sudi | None = None  # the standby supervisor the active reported for
    conversion: dict[str, int] = field(default_factory=dict)  # PAK licenses converted


@dataclass(frozen=True)
class DeviceUsage:
    """One device's RUM reports as a usage file or the REST API hands them over."""

    sudi: Sudi
    reports: Sequence[RumReportWire]
    hostname: str = ""
    software_tag: str = ""


def verified_report(key: bytes, wire: RumReportWire, now: datetime) -> ReceivedReport:
    try:
        expected = mac(key, wire.payload).encode()
        given = wire.signature.value.encode()
    except UnicodeEncodeError as exc:
        # A lone surrogate cannot be the UTF-8 text a switch signed.
        raise Refused(Refusal.MALFORMED) from exc
    # Bytes, because compare_digest raises TypeError on non-ASCII str.
    if not hmac.compare_digest(expected, given):
        raise Refused(Refusal.BAD_REPORT_SIGNATURE)
    return parse_report(wire, now)


def parse_report(wire: RumReportWire, now: datetime) -> ReceivedReport:
    try:
        report_id = report_id_of(wire)
        feature, count = feature_and_count_of(wire)
    except (ValueError, RecursionError) as exc:  # a payload nested absurdly deep
        raise Refused(Refusal.MALFORMED) from exc
    return ReceivedReport(
        report_id=report_id,
        feature=feature,
        count=count,
        received=now,
        end_time=_end_time_of(wire.payload),
        standby=standby_of(wire),
        conversion=conversion_of(wire),
    )


def _end_time_of(payload: str) -> int:
    try:
        end = payload_document(payload)["measurements"][-1]["end_time"]
    except (ValueError, KeyError, TypeError, IndexError, RecursionError):
        return 0
    return end if isinstance(end, int) else 0
