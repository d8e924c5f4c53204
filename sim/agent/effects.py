"""What the agent asks its shell to do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sim.protocol.messages import PollRequest, TrustRequest, TrustSyncRequest, UsageReportRequest
from sim.syslog import Message

AgentRequest = TrustRequest | UsageReportRequest | PollRequest | TrustSyncRequest


# Not frozen, though nothing changes one: a Send is built for every exchange, and a frozen
# dataclass costs several times as much to build.
@dataclass
class Send:
    """Deliver `request` to `url`; answer with Agent.response() or Agent.failure()."""

    request_id: int
    url: str
    peer: str  # the peer's name as COMM_FAILED prints it
    request: AgentRequest
    vrf: str = "default"  # the VRF the exchange leaves the switch through


@dataclass(frozen=True)
class Log:
    at: datetime  # switch clock
    message: Message
    args: tuple[object, ...]


Effect = Send | Log
