"""The automation REST API over HTTP: the OAuth2 token endpoint and the Smart Accounts &
Licensing routes (docs/cssm-api.md), each behind a bearer access token.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import parse_qs

from fastapi import Depends, FastAPI, Header, Request
from fastapi import Response as FastApiResponse
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from cssm_mock.accounts import IdToken, SmartAccount, UnknownAccountError
from cssm_mock.api_bodies import (
    AccessTokenReply,
    AccountSearchReply,
    AccountSummary,
    AcknowledgementsData,
    AcknowledgementView,
    DevicesQuery,
    DevicesReply,
    DeviceSudiView,
    DeviceView,
    IdTokenCreate,
    IdTokenCreated,
    IdTokenList,
    IdTokenView,
    LicenseUsageView,
    OAuthError,
    PollRequestBody,
    ReportUsageRequest,
    TokenForm,
    UsageApiReply,
    VirtualAccountSummary,
)
from cssm_mock.automation_api import (
    AccessToken,
    InvalidAccessTokenError,
    InvalidClientError,
    UsageBatchState,
)
from cssm_mock.inventory import ProductInstance
from cssm_mock.models import CssmModel
from cssm_mock.reports import DeviceUsage
from cssm_mock.usage_file_routes import NOT_FOUND
from sim.backend_http import MALFORMED_RESPONSE, json_response
from sim.http_input import basic_credentials
from sim.protocol.messages import RumReportWire, Sudi

TOKEN_PATH = "/as/token.oauth2"
API_PREFIX = "/services/api/smart-accounts-and-licensing"
_Route = TypeVar("_Route", bound=Callable[..., Any])


# Module level: FastAPI resolves the dependency annotations below from module globals.
_BEARER = HTTPBearer(auto_error=False, description=f"An access token from POST {TOKEN_PATH}")


class _Unauthorized(Exception):
    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


_json = json_response


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


def _api_date(when: datetime | None) -> str | None:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ") if when is not None else None


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


def _client_credentials(request: Request, form: dict[str, list[str]]) -> tuple[str, str] | None:
    """From the form, or from HTTP Basic auth as RFC 6749 also allows."""
    ids, secrets = form.get("client_id", []), form.get("client_secret", [])
    if len(ids) == 1 and len(secrets) == 1:
        return ids[0], secrets[0]
    return basic_credentials(request.headers.get("authorization"))


def add_api_routes(app: FastAPI, model: CssmModel) -> None:
    """OAuth2 client credentials and the Smart Accounts & Licensing API (docs/cssm-api.md)."""

    @app.exception_handler(_OutOfScope)
    async def on_out_of_scope(request: Request, exc: _OutOfScope) -> Response:
        return _oauth_error(403, "insufficient_scope", exc.description)

    @app.exception_handler(_Unauthorized)
    async def on_unauthorized(request: Request, exc: _Unauthorized) -> Response:
        response = _oauth_error(401, "invalid_token", exc.description)
        response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        return response

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
        **NOT_FOUND,
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
