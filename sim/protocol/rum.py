"""RUM reports (ISO/IEC 19770-4 shaped, as Nexus devices write them) and their signatures.

A report's payload is a JSON string; the switch signs it with HMAC-SHA256 keyed by its trust
code's secret (or, without trust, by a key derived from its UDI: `signing_type: builtin`).
The back end recomputes the MAC over the exact payload string.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sim.protocol.messages import RumReportWire, RumSignature, Sudi

SOFTWARE_TAG = "regid.2020-05.com.cisco.nxos,10.4_8b6a8b3c-0a5b-4a33-9a4e-6c2b6d0f1e10"
SOFTWARE_VERSION = "10.4(3)F"


@functools.lru_cache(maxsize=256)
def entitlement_tag(feature: str) -> str:
    digest = hashlib.sha256(feature.encode()).hexdigest()
    uuid = f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"
    return f"regid.2021-05.com.cisco.{feature},1.0_{uuid}"


def builtin_key(sudi: Sudi) -> bytes:
    return hashlib.sha256(f"builtin:{sudi.udi_pid}:{sudi.udi_serial_number}".encode()).digest()


def mac(key: bytes, payload: str) -> str:
    return base64.b64encode(hmac.new(key, payload.encode(), hashlib.sha256).digest()).decode()


@dataclass(frozen=True)
class RumMeasurement:
    report_id: int
    feature: str
    count: int
    start: datetime
    end: datetime
    # A dual-supervisor chassis: the active reports for its standby (NX-OS SLP guide, HA).
    standby: Sudi | None = None
    # Licenses converted from PAK files, carried once the conversion data exists (FAQ 9).
    conversion: tuple[tuple[str, int], ...] = ()


# What json.dumps(payload, separators=(",", ":")) builds on every call, built once.
_COMPACT = json.JSONEncoder(separators=(",", ":"))


def build_payload(sudi: Sudi, measurement: RumMeasurement) -> str:
    start = int(measurement.start.timestamp())
    end = max(int(measurement.end.timestamp()), start)
    active = sudi.model_dump()  # written twice, dumped once
    payload: dict[str, Any] = {
        "asset_identification": {
            "asset": {"name": SOFTWARE_TAG},
            "instance": {"sudi": active},
            "signature": {"signing_type": "builtin", "key": SOFTWARE_TAG},
        },
        "meta": {
            "entitlement_tag": entitlement_tag(measurement.feature),
            "feature_name": measurement.feature,
            "report_id": measurement.report_id,
            "software_version": SOFTWARE_VERSION,
            "ha_udi": [{"role": "Active", "sudi": active}]
            + (
                [{"role": "Standby", "sudi": measurement.standby.model_dump()}]
                if measurement.standby is not None
                else []
            ),
        },
        "measurements": [
            {
                "log_time": end,
                "metric_name": "ENTITLEMENT",
                "start_time": start,
                "end_time": end,
                "sample_interval": end - start,
                "num_samples": max(1, (end - start) // 900),
                "meta": {"termination_reason": "CurrentUsageRequested"},
                "value": {"type": "COUNT", "value": str(measurement.count)},
            }
        ],
    }
    if measurement.conversion:
        payload["conversion"] = [
            {"source": "PAK", "license": name, "count": count}
            for name, count in measurement.conversion
        ]
    return _COMPACT.encode(payload)


def sign_report(sudi: Sudi, measurement: RumMeasurement, secret: bytes | None) -> RumReportWire:
    payload = build_payload(sudi, measurement)
    key = secret if secret is not None else builtin_key(sudi)
    return RumReportWire(
        payload=payload,
        signature=RumSignature(
            sudi=sudi,
            signing_type="trust" if secret is not None else "builtin",
            key=SOFTWARE_TAG,
            value=mac(key, payload),
        ),
    )


@functools.lru_cache(maxsize=16)
def payload_document(payload: str) -> Any:
    """A payload parsed once, however many of its fields are read (read only: it is shared)."""
    return json.loads(payload)


def report_id_of(report: RumReportWire) -> int:
    """The report id inside a payload; raises ValueError when the payload is not a RUM report."""
    try:
        meta = payload_document(report.payload)["meta"]
        report_id = meta["report_id"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError("payload is not a RUM report") from exc
    if not isinstance(report_id, int):
        raise ValueError("payload report_id is not an integer")
    return report_id


def feature_and_count_of(report: RumReportWire) -> tuple[str, int]:
    try:
        data = payload_document(report.payload)
        feature = str(data["meta"]["feature_name"])
        count = int(data["measurements"][-1]["value"]["value"])
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        raise ValueError("payload is not a RUM report") from exc
    return feature, count


def standby_of(report: RumReportWire) -> Sudi | None:
    """The standby supervisor's UDI a report names, or None (one supervisor, or unreadable)."""
    try:
        entries = payload_document(report.payload)["meta"]["ha_udi"]
        for entry in entries:
            if entry["role"] == "Standby":
                return Sudi.model_validate(entry["sudi"])
    except (ValueError, KeyError, TypeError, RecursionError):
        return None
    return None


def conversion_of(report: RumReportWire) -> dict[str, int]:
    """The PAK licenses a report says were converted (empty when it carries none)."""
    try:
        entries = payload_document(report.payload).get("conversion") or []
        return {str(e["license"]): int(e["count"]) for e in entries}
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return {}
