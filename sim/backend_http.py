"""The HTTP shell every back-end mock shares: JSON errors, body parsing, OpenAPI pieces.

Bad input must never become a 500: bodies are parsed by pydantic-core (which refuses lone
surrogates and absurd nesting that `json.loads` lets through), errors are echoed with
`ensure_ascii`, and every parse error reads `400 {"error": "malformed request", ...}`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any, TypeVar

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from sim.device_wire import AGENT_REQUEST as AGENT_REQUEST
from sim.device_wire import DeviceRequest as DeviceRequest
from sim.device_wire import error_list as error_list
from sim.http_input import BodyTooLarge, checked_json_body
from sim.protocol.files import MAX_FILE_BYTES

GZIP = "application/gzip"

SCHEMA_REF = "#/components/schemas/{model}"
# Far beyond any real token, and short enough that `now + lifetime` cannot overflow datetime.
MAX_TOKEN_LIFETIME_SECONDS = 100 * 365 * 86400
_Body = TypeVar("_Body", bound=BaseModel)


class ErrorBody(BaseModel):
    error: str
    detail: Any = None


class IdTokenRequest(BaseModel):
    """An ID token a back end's `/_sim/tokens` makes; each adds the account it is made in."""

    model_config = ConfigDict(extra="forbid")

    virtual_account: str = Field(min_length=1, max_length=256)
    lifetime_seconds: float | None = Field(default=None, ge=0, le=MAX_TOKEN_LIFETIME_SECONDS)
    max_uses: int | None = Field(default=None, ge=1)
    description: str = Field(default="", max_length=1024)

    @property
    def lifetime(self) -> timedelta | None:
        """None: the back end's own default lifetime."""
        return None if self.lifetime_seconds is None else timedelta(seconds=self.lifetime_seconds)


MALFORMED_RESPONSE: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "The body could not be parsed"}
}


def json_response(status_code: int, content: Any) -> Response:
    # ensure_ascii: a lone surrogate echoed from bad input must not turn a 4xx into a 500.
    return Response(json.dumps(content), status_code=status_code, media_type="application/json")


def json_error(status_code: int, error: str, detail: Any) -> Response:
    return json_response(status_code, {"error": error, "detail": detail})


def install_error_handlers(app: FastAPI) -> None:
    """Every parse error becomes `400 {"error": "malformed request", "detail": ...}`."""

    @app.exception_handler(RequestValidationError)
    async def on_validation_error(request: Request, exc: RequestValidationError) -> Response:
        return json_error(400, "malformed request", error_list(exc.errors()))

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 400:
            return json_error(400, "malformed request", str(exc.detail))
        if exc.status_code == 404:
            return json_error(404, "not found", str(exc.detail))
        if exc.status_code == 405:
            return json_error(405, "method not allowed", str(exc.detail))
        return await http_exception_handler(request, exc)


class JsonCheckedRoute(APIRoute):
    """A route whose JSON body is checked by `sim.http_input` before FastAPI parses it."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def checked(request: Request) -> Response:
            problem = await checked_json_body(request, MAX_FILE_BYTES)
            if isinstance(problem, BodyTooLarge):
                return json_error(413, "too large", str(problem))
            if problem is not None:
                return json_error(400, "malformed request", str(problem))
            return await handler(request)

        return checked


def check_json_bodies(app: FastAPI) -> None:
    """Every route added to `app` from now on refuses NaN, 1e400, lone surrogates, deep nesting."""
    app.router.route_class = JsonCheckedRoute


def invalid(exc: ValidationError) -> RequestValidationError:
    return RequestValidationError(
        exc.errors(include_url=False, include_context=False, include_input=False)
    )


async def read_agent_request(request: Request) -> DeviceRequest:
    # Parsed by pydantic-core rather than json.loads, which lets lone surrogates and absurd
    # nesting through to a 500.
    try:
        return AGENT_REQUEST.validate_json(await request.body())
    except ValidationError as exc:
        raise invalid(exc) from exc


async def read_json_body(request: Request, model: type[_Body]) -> _Body:
    try:
        return model.model_validate_json(await request.body())
    except ValidationError as exc:
        raise invalid(exc) from exc


async def no_body(request: Request) -> None:
    """For actions that take no input: a body means the caller meant another route."""
    if await request.body():
        raise RequestValidationError(
            [{"loc": ["body"], "msg": "this route takes no body", "type": "extra_forbidden"}]
        )


def agent_request_openapi() -> tuple[dict[str, Any], dict[str, Any]]:
    """The device message body for `openapi_extra`, and the definitions it refers to."""
    schema = AGENT_REQUEST.json_schema(ref_template=SCHEMA_REF)
    definitions: dict[str, Any] = schema.pop("$defs", {})
    body = {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}
    return body, definitions


def json_body_openapi(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema(ref_template=SCHEMA_REF)
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def binary_body_openapi(media_type: str) -> dict[str, Any]:
    schema = {"type": "string", "format": "binary"}
    return {"requestBody": {"required": True, "content": {media_type: {"schema": schema}}}}


def binary_response(media_type: str, description: str) -> dict[int | str, dict[str, Any]]:
    return {
        200: {
            "description": description,
            "content": {media_type: {"schema": {"type": "string", "format": "binary"}}},
        }
    }


def add_component_schemas(app: FastAPI, definitions: dict[str, Any]) -> None:
    """Add hand-declared body schemas' definitions to the components FastAPI generates."""
    generate_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = generate_openapi()
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            for name, definition in definitions.items():
                schemas.setdefault(name, definition)
        return app.openapi_schema or generate_openapi()

    app.openapi = openapi  # type: ignore[method-assign]
