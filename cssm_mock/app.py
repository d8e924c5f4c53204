"""The HTTP face of the CSSM mock: the Smart Receiver URL plus a small `/_sim/` control plane.

All state lives in the `CssmModel`; `create_app` only translates HTTP to model calls, so the
same app runs in-process under `httpx.ASGITransport` and behind uvicorn. Routes are `async`
on purpose: they then run one at a time on the event loop, and the model needs no locks.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from cssm_mock.models import CssmModel, CssmRequest, UnknownAccountError
from sim.protocol.messages import AgentRequest, Reply

SMART_RECEIVER_PATH = "/licservice/license"

_AGENT_REQUEST: TypeAdapter[CssmRequest] = TypeAdapter(AgentRequest)
_SCHEMA_REF = "#/components/schemas/{model}"
# Far beyond any real token, and short enough that `now + lifetime` cannot overflow datetime.
_MAX_TOKEN_LIFETIME_SECONDS = 100 * 365 * 86400


class ErrorBody(BaseModel):
    error: str  # "malformed request" or "unknown account"
    detail: Any = None


_MALFORMED_RESPONSE: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "The body could not be parsed"}
}


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    virtual_account: str = Field(min_length=1, max_length=256)
    smart_account: str | None = Field(default=None, max_length=256)
    lifetime_seconds: float | None = Field(default=None, ge=0, le=_MAX_TOKEN_LIFETIME_SECONDS)
    max_uses: int | None = Field(default=None, ge=1)
    description: str = Field(default="", max_length=1024)


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


def _json(status_code: int, content: Any) -> Response:
    # ensure_ascii: a lone surrogate echoed from bad input must not turn a 400 into a 500.
    return Response(json.dumps(content), status_code=status_code, media_type="application/json")


def _malformed(detail: Any) -> Response:
    return _json(400, {"error": "malformed request", "detail": detail})


def _error_list(errors: Sequence[Any]) -> list[dict[str, Any]]:
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


def _request_body_schema() -> tuple[dict[str, Any], dict[str, Any]]:
    schema = _AGENT_REQUEST.json_schema(ref_template=_SCHEMA_REF)
    definitions: dict[str, Any] = schema.pop("$defs", {})
    return schema, definitions


def create_app(model: CssmModel) -> FastAPI:
    app = FastAPI(
        title="CSSM mock",
        version="0.1.0",
        description=(
            "Cisco Smart Software Manager and its Smart Receiver, simulated. The device "
            "message format is shaped after the public CSSM API; the real one is not published."
        ),
    )
    body_schema, body_definitions = _request_body_schema()

    @app.exception_handler(RequestValidationError)
    async def on_validation_error(request: Request, exc: RequestValidationError) -> Response:
        return _malformed(_error_list(exc.errors()))

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, exc: StarletteHTTPException) -> Response:
        # FastAPI answers an unparsable body with a bare HTTPException(400); give it our shape.
        if exc.status_code == 400:
            return _malformed(str(exc.detail))
        return await http_exception_handler(request, exc)

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
        responses=_MALFORMED_RESPONSE,
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": body_schema}},
            }
        },
    )
    async def smart_receiver(request: Request) -> Reply:
        # Parsed here rather than by FastAPI: pydantic-core's JSON parser rejects lone
        # surrogates and absurd nesting, which json.loads would let through to a 500.
        raw = await request.body()
        try:
            message = _AGENT_REQUEST.validate_json(raw)
        except ValidationError as exc:
            raise RequestValidationError(
                exc.errors(include_url=False, include_context=False, include_input=False)
            ) from exc
        return model.handle(message)

    @app.post(
        "/_sim/tokens",
        response_model=TokenCreated,
        summary="Create an ID token",
        responses={
            **_MALFORMED_RESPONSE,
            404: {"model": ErrorBody, "description": "Unknown smart or virtual account"},
        },
    )
    async def create_token(body: TokenCreate) -> TokenCreated | Response:
        lifetime = (
            None if body.lifetime_seconds is None else timedelta(seconds=body.lifetime_seconds)
        )
        try:
            token = model.create_token(
                body.virtual_account,
                body.smart_account,
                lifetime=lifetime,
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

    generate_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        # The request body schema is hand-declared above, so its models must be added to
        # the components FastAPI generates for the response models.
        if app.openapi_schema is None:
            document = generate_openapi()
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            for name, definition in body_definitions.items():
                schemas.setdefault(name, definition)
        return app.openapi_schema or generate_openapi()

    app.openapi = openapi  # type: ignore[method-assign]
    return app
