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

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from cssm_mock.accounts import UnknownAccountError
from cssm_mock.api_routes import API_PREFIX as API_PREFIX
from cssm_mock.api_routes import TOKEN_PATH as TOKEN_PATH
from cssm_mock.api_routes import add_api_routes
from cssm_mock.models import CssmModel
from cssm_mock.usage_file_routes import add_usage_file_routes
from cssm_mock.usage_files import UnknownUploadError
from sim.backend_http import (
    MALFORMED_RESPONSE,
    ErrorBody,
    IdTokenRequest,
    add_component_schemas,
    agent_request_openapi,
    check_json_bodies,
    error_list,
    json_response,
    read_agent_request,
)
from sim.device_wire import CALL_HOME_PATH as CALL_HOME_PATH
from sim.device_wire import SMART_RECEIVER_PATH as SMART_RECEIVER_PATH
from sim.http_input import AsciiJSONResponse
from sim.protocol.messages import Reply


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


_json = json_response


def _malformed(detail: Any) -> Response:
    return _json(400, {"error": "malformed request", "detail": detail})


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

    add_usage_file_routes(app, model)
    add_api_routes(app, model)

    # The request body schema is hand-declared above, so its models must be added to the
    # components FastAPI generates for the response models.
    add_component_schemas(app, body_definitions)
    return app
