"""The HTTP face of the CSSM mock.

- the Smart Receiver URL (and the Call Home DDCEService URL, which reaches the same handler);
- the automation REST API under `/services/api/smart-accounts-and-licensing/`, behind an
  OAuth2 client-credentials token from `/as/token.oauth2` (see docs/cssm-api.md);
- a `/_sim/` control plane: ID tokens, inventory, and the CSSM UI's Usage Data Files page
  (upload a usage file, download its ACK, download a VA's policy file).

All state lives in the `CssmModel`; `create_app` only translates HTTP to model calls, so the
same app runs in-process under `httpx.ASGITransport` and behind uvicorn. Routes are `async`
on purpose: they then run one at a time on the event loop, and the model needs no locks.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import parse_qs

from fastapi import Depends, FastAPI, Header, Query, Request
from fastapi import Response as FastApiResponse
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import PlainTextResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel
from starlette.exceptions import HTTPException as StarletteHTTPException

from cssm_mock.models import (
    AccessToken,
    CssmModel,
    DeviceUsage,
    IdToken,
    InvalidAccessTokenError,
    InvalidClientError,
    ProductInstance,
    SmartAccount,
    UnknownAccountError,
    UnknownUploadError,
    UploadFailedError,
    UsageBatchState,
    UsageFileError,
    UsageUpload,
)
from sim.backend_http import (
    MALFORMED_RESPONSE,
    ErrorBody,
    IdTokenRequest,
    add_component_schemas,
    agent_request_openapi,
    binary_body_openapi,
    check_json_bodies,
    error_list,
    json_response,
    read_agent_request,
)
from sim.http_input import AsciiJSONResponse, basic_credentials
from sim.protocol.files import MAX_FILE_BYTES, is_bundle
from sim.protocol.messages import Reply, RumReportWire, RumSignature, Sudi

SMART_RECEIVER_PATH = "/licservice/license"
CALL_HOME_PATH = "/its/service/oddce/services/DDCEService"
TOKEN_PATH = "/as/token.oauth2"
API_PREFIX = "/services/api/smart-accounts-and-licensing"
_MAX_INT64 = 2**63 - 1
_Route = TypeVar("_Route", bound=Callable[..., Any])


class OAuthError(BaseModel):
    # invalid_request, invalid_client, unsupported_grant_type, invalid_token, insufficient_scope
    error: str
    error_description: str


class TokenCreate(IdTokenRequest):
    smart_account: str | None = Field(default=None, max_length=256)


class TokenCreated(BaseModel):
    token: str
    smart_account: str
    virtual_account: str
    expires: str
    max_uses: int | None


class ProductInstanceView(BaseModel):
    udi: str
    udi_pid: str
    udi_serial_number: str
    hostname: str
    smart_account: str
    virtual_account: str
    trusted: bool
    trust_id: str | None
    reports: int
    duplicates_received: int
    acks_issued: int
    last_contact: str | None


class UploadedDeviceView(BaseModel):
    udi: str
    udi_pid: str
    udi_serial_number: str
    hostname: str
    report_ids: list[int]
    duplicates: int
    error: str | None


class UsageUploadView(BaseModel):
    upload_id: str
    name: str
    smart_account: str
    virtual_account: str
    uploaded: str
    ready_at: str
    bundle: bool
    status: Literal["Processing", "Completed", "Completed with errors", "Failed"]
    devices: list[UploadedDeviceView]
    errors: list[str]


# ------------------------------------------------------------ the automation REST API models


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


# Module level: FastAPI resolves the dependency annotations below from module globals.
_BEARER = HTTPBearer(auto_error=False, description=f"An access token from POST {TOKEN_PATH}")


class _Unauthorized(Exception):
    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


_json = json_response


def _malformed(detail: Any) -> Response:
    return _json(400, {"error": "malformed request", "detail": detail})


async def _access_token(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)],
) -> AccessToken:
    if credentials is None:
        raise _Unauthorized("an Authorization: Bearer <access token> header is required")
    model: CssmModel = request.app.state.model
    try:
        return model.access_token(credentials.credentials)
    except InvalidAccessTokenError as exc:
        raise _Unauthorized(str(exc)) from exc


ApiToken = Annotated[AccessToken, Depends(_access_token)]


class _OutOfScope(Exception):
    """A valid access token used on a smart account it was not issued for."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


def _check_scope(token: AccessToken, accounts: set[str]) -> None:
    foreign = accounts - {token.smart_account}
    if foreign:
        raise _OutOfScope(
            f"the access token was issued for smart account {token.smart_account!r}, "
            f"not {sorted(foreign)[0]!r}"
        )


def _oauth_error(status_code: int, error: str, description: str) -> Response:
    return _json(status_code, {"error": error, "error_description": description})


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when is not None else None


def _api_date(when: datetime | None) -> str | None:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ") if when is not None else None


def _upload_view(upload: UsageUpload) -> UsageUploadView:
    return UsageUploadView(
        upload_id=upload.upload_id,
        name=upload.name,
        smart_account=upload.smart_account,
        virtual_account=upload.virtual_account,
        uploaded=upload.uploaded.isoformat(),
        ready_at=upload.ready_at.isoformat(),
        bundle=upload.bundle,
        status=upload.status,
        devices=[
            UploadedDeviceView(
                udi=device.udi.display,
                udi_pid=device.udi.udi_pid,
                udi_serial_number=device.udi.udi_serial_number,
                hostname=device.hostname,
                report_ids=list(device.report_ids),
                duplicates=device.duplicates,
                error=device.error,
            )
            for device in upload.devices
        ],
        errors=list(upload.errors),
    )


def _token_view(token: IdToken, now: datetime) -> IdTokenView:
    status: Literal["VALID", "EXPIRED", "REVOKED", "EXHAUSTED"] = "VALID"
    if token.revoked:
        status = "REVOKED"
    elif token.expired_at(now):
        status = "EXPIRED"
    elif token.exhausted:
        status = "EXHAUSTED"
    return IdTokenView(
        token=token.token,
        description=token.description,
        expiration_date=_api_date(token.expires) or "",
        export_controlled="Allowed" if token.export_controlled else "Not Allowed",
        status=status,
        virtual_account=token.virtual_account,
    )


def _device_view(model: CssmModel, pi: ProductInstance) -> DeviceView:
    return DeviceView(
        license_usage=[
            LicenseUsageView(license=feature, quantity=count)
            for feature, count in model.usage_of(pi.udi).items()
        ],
        host_name=pi.hostname,
        sudi=DeviceSudiView(udi_serial_number=pi.udi.udi_serial_number, udi_pid=pi.udi.udi_pid),
        display_name=f"UDI_PID:{pi.udi.udi_pid}; UDI_SN:{pi.udi.udi_serial_number}; ",
        registration_date=_api_date(pi.registered),
        virtual_account=pi.virtual_account,
        # Nexus licenses are unenforced: CSSM shows every reporting device as compliant.
        status="In Compliance",
        last_contact_date=_api_date(pi.last_contact),
    )


def _usage_reply(state: UsageBatchState, timestamp: int, nonce: str) -> UsageApiReply:
    if state.status == "FAILED":
        refusal = state.refusal
        return UsageApiReply(
            status="FAILED",
            message_code=refusal.code if refusal else "",
            message=refusal.text if refusal else "",
            timestamp=timestamp,
            nonce=nonce,
        )
    if state.status == "OK_POLL":
        return UsageApiReply(
            status="OK_POLL",
            timestamp=timestamp,
            nonce=nonce,
            poll_id=state.poll_id,
            poll_interval=state.poll_interval,
            action="acknowledgements",
        )
    return UsageApiReply(
        status="COMPLETE",
        message_code="",
        message="",
        timestamp=timestamp,
        nonce=nonce,
        type="acknowledgements",
        poll_id=state.poll_id,
        correlation_id=state.correlation_id,
        data=AcknowledgementsData(
            acknowledgements=[
                AcknowledgementView(
                    sudi=ack.sudi,
                    software_tag_identifier=ack.software_tag_identifier,
                    smart_license=base64.b64encode(ack.ack_file.encode()).decode(),
                )
                for ack in state.acknowledgements
            ]
        ),
    )


def _account_id(value: str | None, header: str) -> str | None:
    if value is None:
        return None
    if not re.fullmatch(r"\d{1,19}", value.strip()):
        raise RequestValidationError(
            [{"loc": ["header", header], "msg": "expected a numeric account id", "type": "value"}]
        )
    return value.strip()


def _download_name(name: str, bundle: bool) -> str:
    # Only characters that are safe inside a quoted header value.
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", name)[:100] or "usage"
    if bundle and not safe.endswith((".tar.gz", ".tgz")):
        safe += ".tar.gz"
    return f"ACK_{safe}"


def _client_credentials(request: Request, form: dict[str, list[str]]) -> tuple[str, str] | None:
    """From the form, or from HTTP Basic auth as RFC 6749 also allows."""
    ids, secrets = form.get("client_id", []), form.get("client_secret", [])
    if len(ids) == 1 and len(secrets) == 1:
        return ids[0], secrets[0]
    return basic_credentials(request.headers.get("authorization"))


def create_app(model: CssmModel) -> FastAPI:
    app = FastAPI(
        title="CSSM mock",
        version="0.1.0",
        description=(
            "Cisco Smart Software Manager and its Smart Receiver, simulated. The device "
            "message format is shaped after the public CSSM API; the real one is not published."
        ),
        default_response_class=AsciiJSONResponse,
    )
    app.state.model = model
    check_json_bodies(app)
    body_openapi, body_definitions = agent_request_openapi()

    @app.exception_handler(RequestValidationError)
    async def on_validation_error(request: Request, exc: RequestValidationError) -> Response:
        return _malformed(error_list(exc.errors()))

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, exc: StarletteHTTPException) -> Response:
        # FastAPI answers an unparsable body with a bare HTTPException(400); give it our shape.
        if exc.status_code == 400:
            return _malformed(str(exc.detail))
        return await http_exception_handler(request, exc)

    @app.exception_handler(UnknownAccountError)
    async def on_unknown_account(request: Request, exc: UnknownAccountError) -> Response:
        return _json(404, {"error": "unknown account", "detail": str(exc)})

    @app.exception_handler(UnknownUploadError)
    async def on_unknown_upload(request: Request, exc: UnknownUploadError) -> Response:
        return _json(404, {"error": "unknown upload", "detail": str(exc)})

    @app.exception_handler(_OutOfScope)
    async def on_out_of_scope(request: Request, exc: _OutOfScope) -> Response:
        return _oauth_error(403, "insufficient_scope", exc.description)

    @app.exception_handler(_Unauthorized)
    async def on_unauthorized(request: Request, exc: _Unauthorized) -> Response:
        response = _oauth_error(401, "invalid_token", exc.description)
        response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        return response

    @app.get(
        SMART_RECEIVER_PATH,
        response_class=PlainTextResponse,
        summary="Smart Receiver information page",
    )
    async def info_page() -> str:
        return model.info_page()

    @app.post(
        SMART_RECEIVER_PATH,
        response_model=Reply,
        response_model_exclude_none=True,
        summary="Device message: trust_request, usage_report, poll or trust_sync",
        responses=MALFORMED_RESPONSE,
        openapi_extra=body_openapi,
    )
    @app.post(
        CALL_HOME_PATH,
        response_model=Reply,
        response_model_exclude_none=True,
        summary="Call Home transport: the same device messages as the Smart Receiver",
        responses=MALFORMED_RESPONSE,
        openapi_extra=body_openapi,
    )
    async def smart_receiver(request: Request) -> Reply:
        return model.handle(await read_agent_request(request))

    @app.post(
        "/_sim/tokens",
        response_model=TokenCreated,
        summary="Create an ID token",
        responses={
            **MALFORMED_RESPONSE,
            404: {"model": ErrorBody, "description": "Unknown smart or virtual account"},
        },
    )
    async def create_token(body: TokenCreate) -> TokenCreated | Response:
        try:
            token = model.create_token(
                body.virtual_account,
                body.smart_account,
                lifetime=body.lifetime,
                max_uses=body.max_uses,
                description=body.description,
            )
        except UnknownAccountError as exc:
            return _json(404, {"error": "unknown account", "detail": str(exc)})
        record = model.tokens[token]
        return TokenCreated(
            token=token,
            smart_account=record.smart_account,
            virtual_account=record.virtual_account,
            expires=record.expires.isoformat(),
            max_uses=record.max_uses,
        )

    @app.get(
        "/_sim/product-instances",
        response_model=list[ProductInstanceView],
        summary="The product-instance inventory",
    )
    async def product_instances() -> list[ProductInstanceView]:
        return [
            ProductInstanceView(
                udi=pi.udi.display,
                udi_pid=pi.udi.udi_pid,
                udi_serial_number=pi.udi.udi_serial_number,
                hostname=pi.hostname,
                smart_account=pi.smart_account,
                virtual_account=pi.virtual_account,
                trusted=pi.trusted,
                trust_id=pi.trust.trust_id if pi.trust is not None else None,
                reports=len(pi.reports),
                duplicates_received=pi.duplicates_received,
                acks_issued=pi.acks_issued,
                last_contact=pi.last_contact.isoformat() if pi.last_contact else None,
            )
            for pi in model.product_instances()
        ]

    _add_usage_file_routes(app, model)
    _add_api_routes(app, model)

    # The request body schema is hand-declared above, so its models must be added to the
    # components FastAPI generates for the response models.
    add_component_schemas(app, body_definitions)
    return app


_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "Unknown smart account, virtual account or upload"}
}


def _add_usage_file_routes(app: FastAPI, model: CssmModel) -> None:
    """The CSSM UI's Usage Data Files page and policy download, as `/_sim/` routes."""

    @app.post(
        "/_sim/usage-files",
        response_model=UsageUploadView,
        status_code=201,
        summary="Upload a usage file or usage bundle into a virtual account",
        responses={
            400: {"model": ErrorBody, "description": "Not a usage file or usage bundle"},
            413: {"model": ErrorBody, "description": "Larger than the file size limit"},
            **_NOT_FOUND,
        },
        openapi_extra=binary_body_openapi("application/octet-stream"),
    )
    async def upload_usage_file(
        request: Request,
        virtual_account: Annotated[str, Query(min_length=1, max_length=256)],
        name: Annotated[str, Query(max_length=256)] = "usage.txt",
        smart_account: Annotated[str | None, Query(max_length=256)] = None,
    ) -> UsageUploadView | Response:
        raw = await request.body()
        if len(raw) > MAX_FILE_BYTES:
            return _json(413, {"error": "too large", "detail": f"limit is {MAX_FILE_BYTES} bytes"})
        try:
            upload_id = model.upload_usage_file(name, raw, virtual_account, smart_account)
        except UsageFileError as exc:
            return _json(400, {"error": "malformed file", "detail": str(exc)})
        return _upload_view(model.usage_upload(upload_id))

    @app.get(
        "/_sim/usage-files",
        response_model=list[UsageUploadView],
        summary="The Usage Data Files list",
    )
    async def usage_files() -> list[UsageUploadView]:
        return [_upload_view(upload) for upload in model.usage_uploads()]

    @app.get(
        "/_sim/usage-files/{upload_id}",
        response_model=UsageUploadView,
        summary="Status of one upload",
        responses=_NOT_FOUND,
    )
    async def usage_file(upload_id: str) -> UsageUploadView:
        return _upload_view(model.usage_upload(upload_id))

    @app.get(
        "/_sim/usage-files/{upload_id}/ack",
        response_class=Response,
        summary="Download the ACK file (single upload) or ACK bundle (bundle upload)",
        responses={
            200: {
                "content": {
                    "application/xml": {"schema": {"type": "string"}},
                    "application/gzip": {"schema": {"type": "string", "format": "binary"}},
                },
                "description": "The ACK, for `license smart import` or CSLU / On-Prem",
            },
            409: {"model": ErrorBody, "description": "Still processing, or the upload failed"},
            **_NOT_FOUND,
        },
    )
    async def usage_ack(upload_id: str) -> Response:
        try:
            data = model.ack_file_for(upload_id)
        except UploadFailedError as exc:
            return _json(409, {"error": "upload failed", "detail": str(exc)})
        upload = model.usage_upload(upload_id)
        if data is None:
            return _json(
                409,
                {
                    "error": "processing",
                    "detail": f"CSSM is processing the upload until {upload.ready_at.isoformat()}",
                },
            )
        bundle = is_bundle(data)
        return Response(
            data,
            media_type="application/gzip" if bundle else "application/xml",
            headers={
                "Content-Disposition": (
                    f'attachment; filename="{_download_name(upload.name, bundle)}"'
                )
            },
        )

    @app.get(
        "/_sim/policy-file",
        response_class=Response,
        summary="Download a virtual account's signed policy file",
        responses={
            200: {"content": {"application/xml": {"schema": {"type": "string"}}}},
            **_NOT_FOUND,
        },
    )
    async def policy_file(
        virtual_account: Annotated[str, Query(min_length=1, max_length=256)],
        smart_account: Annotated[str | None, Query(max_length=256)] = None,
    ) -> Response:
        return Response(
            model.policy_file(virtual_account, smart_account),
            media_type="application/xml",
            headers={"Content-Disposition": 'attachment; filename="policy.xml"'},
        )


def _add_api_routes(app: FastAPI, model: CssmModel) -> None:
    """OAuth2 client credentials and the Smart Accounts & Licensing API (docs/cssm-api.md)."""

    def scoped(token: AccessToken, domain: str) -> SmartAccount:
        """The smart account `domain` names, if `token` was issued for it."""
        account = model.smart_account(domain)
        _check_scope(token, {account.name})
        return account

    @app.post(
        TOKEN_PATH,
        response_model=AccessTokenReply,
        summary="OAuth2 token (client credentials grant)",
        tags=["OAuth2"],
        responses={
            400: {"model": OAuthError, "description": "invalid_request, unsupported_grant_type"},
            401: {"model": OAuthError, "description": "invalid_client"},
        },
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/x-www-form-urlencoded": {"schema": TokenForm.model_json_schema()}
                },
            }
        },
    )
    async def oauth_token(request: Request) -> AccessTokenReply | Response:
        raw = await request.body()
        try:
            form = parse_qs(raw.decode("utf-8"), keep_blank_values=True, max_num_fields=32)
        except (UnicodeDecodeError, ValueError):
            return _oauth_error(400, "invalid_request", "the body must be a UTF-8 form")
        grants = form.get("grant_type", [])
        if len(grants) != 1:
            return _oauth_error(400, "invalid_request", "give grant_type exactly once")
        if grants[0] != "client_credentials":
            return _oauth_error(
                400, "unsupported_grant_type", "only grant_type=client_credentials is supported"
            )
        credentials = _client_credentials(request, form)
        if credentials is None:
            return _oauth_error(401, "invalid_client", "client_id and client_secret are required")
        try:
            token = model.issue_access_token(*credentials)
        except InvalidClientError as exc:
            return _oauth_error(401, "invalid_client", str(exc))
        lifetime = token.expires - model.clock.now()
        return AccessTokenReply(access_token=token.token, expires_in=int(lifetime.total_seconds()))

    unauthorized: dict[int | str, dict[str, Any]] = {
        401: {"model": OAuthError, "description": "Missing, unknown or expired access token"},
        403: {"model": OAuthError, "description": "The token is for another smart account"},
        **MALFORMED_RESPONSE,
        **_NOT_FOUND,
    }

    # Registered on the app itself, not an APIRouter: included routers do not show in
    # `app.routes`, which tools and tests walk.
    def api_route(
        method: str,
        path: str,
        *,
        responses: dict[int | str, dict[str, Any]] | None = None,
        **options: Any,
    ) -> Callable[[_Route], _Route]:
        return app.api_route(
            API_PREFIX + path,
            methods=[method],
            dependencies=[Depends(_access_token)],
            tags=["Smart Accounts and Licensing"],
            responses={**unauthorized, **(responses or {})},
            **options,
        )

    @api_route("GET", "/v2/accounts/search", response_model=AccountSearchReply)
    async def search_accounts(token: ApiToken) -> AccountSearchReply:
        return AccountSearchReply(
            accounts=[
                AccountSummary(
                    account_id=account.account_id,
                    domain=account.domain,
                    name=account.name,
                    virtual_accounts=[
                        VirtualAccountSummary(
                            default=n == 0, name=va.name, virtual_account_id=va.virtual_account_id
                        )
                        for n, va in enumerate(account.virtual_accounts.values())
                    ],
                )
                for account in model.smart_accounts.values()
                if account.name == token.smart_account
            ]
        )

    @api_route(
        "GET",
        "/v1/accounts/{domain}/virtual-accounts/{virtual_account}/tokens",
        response_model=IdTokenList,
        summary="List a virtual account's ID tokens",
    )
    async def list_tokens(domain: str, virtual_account: str, token: ApiToken) -> IdTokenList:
        now = model.clock.now()
        tokens = model.tokens_of(virtual_account, scoped(token, domain).name)
        return IdTokenList(tokens=[_token_view(token, now) for token in tokens])

    @api_route(
        "POST",
        "/v1/accounts/{domain}/virtual-accounts/{virtual_account}/tokens",
        response_model=IdTokenCreated,
        summary="Create an ID token",
    )
    async def create_id_token(
        domain: str,
        virtual_account: str,
        body: IdTokenCreate,
        token: ApiToken,
    ) -> IdTokenCreated:
        text = model.create_token(
            virtual_account,
            scoped(token, domain).name,
            lifetime=timedelta(days=body.expires_after_days),
            description=body.description,
            export_controlled=body.export_controlled == "Allowed",
        )
        return IdTokenCreated(token_info=_token_view(model.tokens[text], model.clock.now()))

    @api_route(
        "POST",
        "/v1/accounts/{domain}/devices",
        response_model=DevicesReply,
        summary="List product instances",
    )
    async def list_devices(domain: str, body: DevicesQuery, token: ApiToken) -> DevicesReply:
        account = scoped(token, domain)
        wanted = body.virtual_accounts
        for name in wanted or []:
            model.virtual_account(name, account.name)  # an unknown VA is a 404
        devices = [
            pi
            for pi in model.product_instances()
            if pi.smart_account == account.name and (wanted is None or pi.virtual_account in wanted)
        ]
        page = devices[body.offset : body.offset + body.limit]
        return DevicesReply(
            total_records=len(devices), devices=[_device_view(model, pi) for pi in page]
        )

    @api_route(
        "POST",
        "/v2/devices/reportusage",
        response_model=UsageApiReply,
        response_model_exclude_none=False,
        status_code=202,
        summary="Upload devices' RUM reports; answers OK_POLL with a poll_id",
        responses={400: {"model": UsageApiReply, "description": "FAILED, or malformed"}},
    )
    async def report_usage(
        body: ReportUsageRequest,
        response: FastApiResponse,
        token: ApiToken,
        smart_account_id: Annotated[
            str | None, Header(alias="X-CSW-SMART-ACCOUNT-ID", max_length=32)
        ] = None,
        virtual_account_id: Annotated[
            str | None, Header(alias="X-CSW-VIRTUAL-ACCOUNT-ID", max_length=32)
        ] = None,
    ) -> UsageApiReply:
        sa_id = _account_id(smart_account_id, "X-CSW-SMART-ACCOUNT-ID")
        va_id = _account_id(virtual_account_id, "X-CSW-VIRTUAL-ACCOUNT-ID")
        smart_account = model.smart_account(sa_id).name if sa_id is not None else None
        virtual_account = None
        if va_id is not None:
            va = model.virtual_account_by_id(va_id)
            if smart_account is not None and va.smart_account != smart_account:
                raise UnknownAccountError(
                    f"virtual account id {va_id} is not in smart account id {sa_id}"
                )
            virtual_account, smart_account = va.name, va.smart_account
        if smart_account is None:
            smart_account = token.smart_account
        _check_scope(token, {smart_account})
        devices = [
            DeviceUsage(
                sudi=Sudi(
                    udi_pid=report.sudi.udi_pid,
                    udi_serial_number=report.sudi.udi_serial_number,
                ),
                reports=[
                    RumReportWire(payload=usage.payload, signature=usage.signature)
                    for usage in report.usage
                ],
                hostname=report.hostname or "",
                software_tag=report.software_tag_identifier
                or (report.usage[0].signature.key if report.usage else ""),
            )
            for report in body.data.reports
        ]
        state = model.report_usage(devices, virtual_account, smart_account)
        if state.status == "FAILED":
            response.status_code = 400
        return _usage_reply(state, body.data.timestamp, body.data.nonce)

    @api_route(
        "POST",
        "/v2/accounts/poll",
        response_model=UsageApiReply,
        summary="Poll for the acknowledgements of a usage report",
        responses={400: {"model": UsageApiReply, "description": "FAILED, or malformed"}},
    )
    async def poll(
        body: PollRequestBody, response: FastApiResponse, token: ApiToken
    ) -> UsageApiReply:
        batch = model.usage_batches.get(body.data.poll_id)
        if batch is not None:
            _check_scope(token, {ack.smart_account for ack in batch.acks})
        state = model.poll_usage(body.data.poll_id)
        if state.status == "FAILED":
            response.status_code = 400
        reply = _usage_reply(state, body.data.timestamp, body.data.nonce)
        if reply.status == "OK_POLL":
            reply.message_code, reply.message = "", ""
        return reply
