"""Device messages handed straight to a back end's model, on the wire's terms.

A switch's exchange with CSSM, CSLU or SSM On-Prem is one POST of a JSON device message to a
known path. Driving it through httpx and the FastAPI app costs most of a simulated year
(request building, ASGI, middleware, response classes) for work the model does in a fraction
of that. `DirectExchange` keeps what the wire decides and skips the rest: the body is checked
and parsed from the same JSON bytes by the same validators, the model's reply is serialised to
JSON as the route's response model would serialise it, and refusals carry the routes' status
codes and error bodies. The simulated network's faults are applied before any exchange, so
they behave the same whichever exchange answers.

Anything that is not a device message route (a mistyped URL path, an On-Prem URL sent to
CSLU's other routes...) goes to the app itself through ASGI, so that 404s, 405s and redirects
stay exactly what FastAPI answers.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from pydantic import ValidationError

from cslu_mock.models import CsluModel
from cssm_mock.models import CssmModel
from onprem_mock.models import OnPremModel, UnknownAccountError
from sim.device_wire import (
    AGENT_REQUEST,
    CALL_HOME_PATH,
    PI_PATH,
    SMART_RECEIVER_PATH,
    DeviceRequest,
    error_list,
)
from sim.protocol.errors import CommError
from sim.protocol.files import MAX_FILE_BYTES
from sim.protocol.messages import Reply
from sim.transport import BackendEndpoint, WireReply

if TYPE_CHECKING:
    from fastapi import FastAPI

_TENANT_PATH = re.compile(re.escape(PI_PATH) + r"/([^/]+)")


class Refused(Exception):
    """A route's answer other than a reply: its status code and JSON error body."""

    def __init__(self, status_code: int, error: str, detail: object) -> None:
        super().__init__(error)
        self.status_code = status_code
        self.error = error
        self.detail = detail

    def wire(self) -> WireReply:
        # ensure_ascii, as the apps' error responses: detail may echo the caller's text.
        body = json.dumps({"error": self.error, "detail": self.detail})
        return WireReply(self.status_code, body.encode("ascii"))


# A device route: the path parameters it matched (None: not this route) and its handler.
Matcher = Callable[[str], dict[str, str] | None]
Handler = Callable[[DeviceRequest, dict[str, str]], Reply]


@dataclass(frozen=True)
class DeviceRoute:
    match: Matcher
    handle: Handler


def _exact(path: str) -> Matcher:
    return lambda candidate: {} if candidate == path else None


def _tenant(candidate: str) -> dict[str, str] | None:
    found = _TENANT_PATH.fullmatch(candidate)
    return {"tenant": found.group(1)} if found else None


def cssm_routes(model: CssmModel) -> tuple[DeviceRoute, ...]:
    """The Smart Receiver and the Call Home URL reach the same handler (cssm_mock/app.py)."""

    def handle(message: DeviceRequest, params: dict[str, str]) -> Reply:
        return model.handle(message)

    return (
        DeviceRoute(_exact(SMART_RECEIVER_PATH), handle),
        DeviceRoute(_exact(CALL_HOME_PATH), handle),
    )


def cslu_routes(model: CsluModel) -> tuple[DeviceRoute, ...]:
    """CSLU's endpoint, with or without the trailing segment it ignores (cslu_mock/app.py)."""

    def handle(message: DeviceRequest, params: dict[str, str]) -> Reply:
        return model.handle(message)

    return (DeviceRoute(_exact(PI_PATH), handle), DeviceRoute(_tenant, handle))


def onprem_routes(model: OnPremModel) -> tuple[DeviceRoute, ...]:
    """One endpoint per tenant; an unknown tenant is a 404 (onprem_mock/app.py)."""

    def handle(message: DeviceRequest, params: dict[str, str]) -> Reply:
        try:
            return model.handle(message, params["tenant"])
        except UnknownAccountError as exc:
            raise Refused(404, "unknown tenant", str(exc)) from exc

    return (DeviceRoute(_tenant, handle),)


@functools.lru_cache(maxsize=256)
def device_route(
    routes: tuple[DeviceRoute, ...], url: str
) -> tuple[DeviceRoute, dict[str, str]] | None:
    """The device route `url` reaches and its path parameters; None: not a device message."""
    # Routes match the percent-decoded path, as Starlette matches scope["path"].
    path = unquote(urlsplit(url).path)
    for route in routes:
        params = route.match(path)
        if params is not None:
            return route, params
    return None


def parse_device_message(body: bytes) -> DeviceRequest:
    """The checks a device route makes on its body, with the app's answers.

    The app checks the JSON's shape (`sim.http_input.json_document`) before it validates the
    message. A body that validates always has a shape that passes: every device message
    model forbids extra keys and holds no float, so its nesting is shallow and it has no NaN
    or infinity. Validating first and checking the shape only for a body that failed gives
    the same answers for every body, without walking the ones that are fine.
    """
    if len(body) > MAX_FILE_BYTES:
        raise Refused(413, "too large", f"the body is larger than {MAX_FILE_BYTES} bytes")
    try:
        return AGENT_REQUEST.validate_json(body)
    except ValidationError as exc:
        invalid = exc
    if body:
        # Only a refused body needs the shape check, and it alone imports the HTTP input
        # module (Starlette with it).
        from sim.http_input import MalformedInput, json_document

        try:
            json_document(body)
        except MalformedInput as exc:
            raise Refused(400, "malformed request", str(exc)) from exc
    errors = invalid.errors(include_url=False, include_context=False, include_input=False)
    raise Refused(400, "malformed request", error_list(errors)) from invalid


class DirectExchange:
    """One back end reached without HTTP machinery; see the module's docstring."""

    def __init__(self, routes: tuple[DeviceRoute, ...], app: Callable[[], FastAPI]) -> None:
        self.routes = routes
        self.app = app  # the back end's app, asked for only when a request needs it
        self._fallback: BackendEndpoint | None = None

    async def post(self, url: str, body: bytes, netloc: str) -> WireReply | CommError:
        found = device_route(self.routes, url)
        if found is not None:
            return self.answer(*found, body)
        return await self.fallback().post(url, body, netloc)

    @staticmethod
    def answer(route: DeviceRoute, params: dict[str, str], body: bytes) -> WireReply:
        try:
            reply = route.handle(parse_device_message(body), params)
        except Refused as refused:
            return refused.wire()
        # As FastAPI serialises a `response_model=Reply, response_model_exclude_none=True`.
        return WireReply(200, reply.__pydantic_serializer__.to_json(reply, exclude_none=True))

    def fallback(self) -> BackendEndpoint:
        if self._fallback is None:
            # httpx and the app are imported only for a request no device route takes.
            import httpx

            client = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app()))
            self._fallback = BackendEndpoint(client)
        return self._fallback

    async def aclose(self) -> None:
        if self._fallback is not None:
            await self._fallback.aclose()
            self._fallback = None
