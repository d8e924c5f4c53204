"""Wire messages between a switch's licensing agent and a back end (Smart Receiver style).

Every request goes to the one configured URL (e.g. https://smartreceiver.cisco.com/licservice/
license) as JSON with a `message_type`. The envelope (epoch-millisecond timestamp, nonce, sudi)
and the OK_POLL / poll_id / COMPLETE exchange are shaped after Cisco's public Smart Licensing
API; the device wire format itself is not published.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from sim.protocol.signing import SignedDocument


class Sudi(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    udi_pid: str = Field(min_length=1, max_length=64)
    udi_serial_number: str = Field(min_length=1, max_length=64)

    @property
    def display(self) -> str:
        """The UDI as printed in syslog: `PID:N9K-C93180YC-FX,SN:FDO2434107N`."""
        return f"PID:{self.udi_pid},SN:{self.udi_serial_number}"


class _Envelope(BaseModel):
    model_config = ConfigDict(extra="forbid")

    timestamp: int = Field(ge=0, description="product instance clock, epoch milliseconds")
    nonce: str = Field(min_length=1, max_length=64)
    sudi: Sudi
    hostname: str = Field(default="", max_length=256)


class TrustRequest(_Envelope):
    message_type: Literal["trust_request"] = "trust_request"
    id_token: str = Field(min_length=1, max_length=512)
    force: bool = False
    scope: Literal["local", "all"] = "local"


class RumSignature(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sudi: Sudi
    signing_type: str
    key: str
    value: str


class RumReportWire(BaseModel):
    model_config = ConfigDict(extra="forbid")

    payload: str = Field(description="the RUM payload, byte-exact as signed")
    signature: RumSignature
    header: dict[str, str] = Field(default_factory=lambda: {"type": "rum"})


class UsageReportRequest(_Envelope):
    message_type: Literal["usage_report"] = "usage_report"
    trust_id: str | None = None
    policy_id: str | None = Field(default=None, description="policy in use; None = default")
    reports: list[RumReportWire] = Field(max_length=10000)


class PollRequest(_Envelope):
    message_type: Literal["poll"] = "poll"
    poll_id: int = Field(ge=0)
    action: Literal["acknowledgements"] = "acknowledgements"


class TrustSyncRequest(_Envelope):
    message_type: Literal["trust_sync"] = "trust_sync"
    trust_id: str
    policy_id: str | None = None


AgentRequest = Annotated[
    TrustRequest | UsageReportRequest | PollRequest | TrustSyncRequest,
    Field(discriminator="message_type"),
]


class Reply(BaseModel):
    """Every back-end answer. `status` says which optional fields are set."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["SUCCESS", "OK_POLL", "COMPLETE", "FAILED"]
    message_code: str | None = None
    message: str | None = None
    timestamp: int = 0
    nonce: str = ""
    server_key_id: str = ""
    poll_id: int | None = None
    poll_interval: int | None = None
    trust_code: SignedDocument | None = None
    ack: SignedDocument | None = None
    policy: SignedDocument | None = None


class TrustCodeBody(BaseModel):
    """Content of a signed trust code: node-locked to one UDI, bound to an SA/VA."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["trust_code"] = "trust_code"
    trust_id: str
    udi: Sudi
    smart_account: str
    virtual_account: str
    issued: str  # ISO-8601, server time
    secret: str  # base64 key the switch signs its RUM reports with


class PolicyBody(BaseModel):
    """Content of a signed policy. Nexus has only unenforced, non-export licenses."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["policy"] = "policy"
    policy_id: str
    name: str
    issued: str
    ack_required: bool = True
    first_report_days: int = Field(ge=0)
    reporting_frequency_days: int = Field(ge=0)
    report_on_change_days: int = Field(ge=0)


class AckBody(BaseModel):
    """Content of a signed RUM acknowledgement; may carry a policy."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["rum_ack"] = "rum_ack"
    udi: Sudi
    report_ids: list[int]
    issued: str
    smart_account: str
    virtual_account: str
    policy: SignedDocument | None = None
