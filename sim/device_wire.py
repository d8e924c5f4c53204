"""A device message as the wire carries it, without the HTTP stack that serves it.

The back ends' apps and the in-process exchange (`sim.exchange`) must agree on where a switch
posts its messages, how a body is validated and how validation errors are listed. Both take
those from here, so a simulation that never serves HTTP never imports FastAPI to learn them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import TypeAdapter

from sim.protocol.messages import (
    AgentRequest,
    PollRequest,
    TrustRequest,
    TrustSyncRequest,
    UsageReportRequest,
)

# CSSM's Smart Receiver and its Call Home URL take the same messages.
SMART_RECEIVER_PATH = "/licservice/license"
CALL_HOME_PATH = "/its/service/oddce/services/DDCEService"
# CSLU's product instance endpoint; SSM On-Prem serves one per tenant below it.
PI_PATH = "/cslu/v1/pi"

DeviceRequest = TrustRequest | UsageReportRequest | PollRequest | TrustSyncRequest

AGENT_REQUEST: TypeAdapter[DeviceRequest] = TypeAdapter(AgentRequest)


def error_list(errors: Sequence[Any]) -> list[dict[str, Any]]:
    # Only loc/msg/type: `input` and `ctx` may hold bytes or exception objects.
    return [
        {
            "loc": [str(part) for part in error.get("loc", ())],
            "msg": str(error.get("msg", "")),
            "type": str(error.get("type", "")),
        }
        for error in errors
        if isinstance(error, dict)
    ]
