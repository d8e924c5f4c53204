"""The request and reply bodies of the automation REST API, and its OAuth2 errors."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from sim.protocol.messages import RumSignature, Sudi

_MAX_INT64 = 2**63 - 1


class OAuthError(BaseModel):
    # invalid_request, invalid_client, unsupported_grant_type, invalid_token, insufficient_scope
    error: str
    error_description: str


class TokenForm(BaseModel):
    """The form fields of the client-credentials grant (documentation only)."""

    grant_type: Literal["client_credentials"]
    client_id: str
    client_secret: str


class AccessTokenReply(BaseModel):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int


class _Camel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, validate_by_name=True, extra="ignore")


class VirtualAccountSummary(BaseModel):
    default: bool
    name: str
    virtual_account_id: str


class AccountSummary(BaseModel):
    account_id: str
    domain: str
    name: str
    virtual_accounts: list[VirtualAccountSummary]


class AccountSearchReply(BaseModel):
    message_code: str = ""
    accounts: list[AccountSummary]
    message: str = ""
    status: Literal["COMPLETE"] = "COMPLETE"


class IdTokenCreate(_Camel):
    description: str = Field(default="", max_length=1024)
    expires_after_days: int = Field(default=30, ge=1, le=365)
    export_controlled: Literal["Allowed", "Not Allowed"] = "Not Allowed"


class IdTokenView(_Camel):
    token: str
    description: str
    expiration_date: str
    export_controlled: Literal["Allowed", "Not Allowed"]
    status: Literal["VALID", "EXPIRED", "REVOKED", "EXHAUSTED"]
    virtual_account: str


class IdTokenList(_Camel):
    tokens: list[IdTokenView]


class IdTokenCreated(_Camel):
    token_info: IdTokenView


class DevicesQuery(_Camel):
    virtual_accounts: list[Annotated[str, Field(max_length=256)]] | None = Field(
        default=None, max_length=1000
    )
    limit: int = Field(default=50, ge=1, le=1000)
    offset: int = Field(default=0, ge=0, le=_MAX_INT64)


class DeviceSudiView(_Camel):
    mac_address: str | None = None
    suvi: str | None = None
    host_identifier: str | None = None
    udi_serial_number: str
    udi_pid: str
    uuid: str | None = None
    udi_vid: str | None = None


class LicenseUsageView(_Camel):
    license: str
    quantity: int


class DeviceView(_Camel):
    license_usage: list[LicenseUsageView]
    host_name: str
    sudi: DeviceSudiView
    display_name: str
    registration_date: str | None
    product_tag_name: str = ""
    virtual_account: str
    product_name: str = ""
    product_description: str = ""
    product_type: str = ""
    status: str
    last_contact_date: str | None


class DevicesReply(_Camel):
    total_records: int
    devices: list[DeviceView]
    status_message: str = ""
    status: Literal["SUCCESS"] = "SUCCESS"


class _Tolerant(BaseModel):
    # Public clients send more fields than the mock needs (all null in Cisco's samples).
    model_config = ConfigDict(extra="ignore")


class ReportSudi(_Tolerant):
    udi_pid: str = Field(min_length=1, max_length=64)
    udi_serial_number: str = Field(min_length=1, max_length=64)


class RumUsage(_Tolerant):
    payload: str = Field(description="the RUM payload, byte-exact as the device signed it")
    signature: RumSignature


class DeviceReport(_Tolerant):
    sudi: ReportSudi
    hostname: str | None = Field(default=None, max_length=256)
    software_tag_identifier: str | None = Field(default=None, max_length=512)
    usage: list[RumUsage] = Field(max_length=10000)


class ReportUsageData(_Tolerant):
    timestamp: int = Field(ge=0, le=_MAX_INT64, description="epoch milliseconds")
    nonce: str = Field(min_length=1, max_length=256)
    reports: list[DeviceReport] = Field(min_length=1, max_length=1000)


class ReportUsageRequest(_Tolerant):
    data: ReportUsageData


class PollData(_Tolerant):
    timestamp: int = Field(ge=0, le=_MAX_INT64, description="epoch milliseconds")
    nonce: str = Field(min_length=1, max_length=256)
    # 64-bit ids lose precision as JavaScript numbers, so clients may send them as strings.
    poll_id: int = Field(ge=0, le=_MAX_INT64)
    action: Literal["acknowledgements"] = "acknowledgements"


class PollRequestBody(_Tolerant):
    data: PollData


class AcknowledgementView(BaseModel):
    sudi: Sudi
    software_tag_identifier: str
    smart_license: str = Field(description="base64 of the ACK file (`<smartLicense>` XML)")


class AcknowledgementsData(BaseModel):
    acknowledgements: list[AcknowledgementView]


class UsageApiReply(BaseModel):
    status: Literal["OK_POLL", "COMPLETE", "FAILED"]
    message_code: str | None = None
    message: str | None = None
    timestamp: int
    nonce: str
    type: str | None = None
    poll_id: int | None = None
    poll_interval: int | None = None
    action: str | None = None
    correlation_id: str | None = None
    data: AcknowledgementsData | None = None
