"""The lab's control token: one bearer token guarding every HTTP route an operator uses.

With a control token set, every route that changes the lab's state or issues secrets wants
`Authorization: Bearer <token>`, on every port: the whole control API (its `/docs` and
`/openapi.json` too) and each back end's `/_sim` control plane (ID tokens, down-rev, usage
uploads) with that back end's API documents. The routes switches call (CSSM's Smart Receiver,
CSLU's `/cslu/v1/pi`, On-Prem's tenant endpoints) stay open, as on the real products, and so
does CSSM's automation API, which wants its own OAuth2 access token.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from sim.http_input import AsciiJSONResponse, bearer_token, same_secret

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
Asgi = Callable[[Scope, Receive, Send], Awaitable[None]]

REFUSAL = "a control token is required (Authorization: Bearer ...)"
# A back end's operator surface: what the back end's own UI would sit behind a login.
BACKEND_OPERATOR_PATHS = ("/_sim", "/docs", "/redoc", "/openapi.json")


def every_path(path: str) -> bool:
    return True


def backend_operator_path(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") for p in BACKEND_OPERATOR_PATHS)


class ControlTokenGuard:
    """ASGI middleware: routes `protects` names want the bearer token (none set: all open)."""

    def __init__(
        self, app: Asgi, token: str | None, protects: Callable[[str], bool] = every_path
    ) -> None:
        self.app = app
        self.token = token
        self.protects = protects

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            self.token is None
            or scope["type"] != "http"
            or not self.protects(str(scope.get("path", "")))
            or self._presented(scope)
        ):
            await self.app(scope, receive, send)
            return
        refusal = AsciiJSONResponse(
            {"error": REFUSAL},
            status_code=401,
            headers={"www-authenticate": 'Bearer realm="slpsim lab"'},
        )
        await refusal(scope, receive, send)

    def _presented(self, scope: Scope) -> bool:
        assert self.token is not None
        for name, value in scope.get("headers", []):
            if name.lower() == b"authorization":
                given = bearer_token(value.decode("utf-8", "surrogateescape"))
                return given is not None and same_secret(given, self.token)
        return False


def guard_backend(app: Asgi, token: str | None) -> Asgi:
    """A back end's app with its operator surface behind the control token."""
    if token is None:
        return app
    return ControlTokenGuard(app, token, backend_operator_path)
