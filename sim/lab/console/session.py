"""Signing in to the console of a lab that has a control token.

A browser cannot add `Authorization: Bearer` to a page load, an EventSource or a WebSocket, so
the console trades the token for a cookie once: `/?token=<token>` (or the form on the 401
page) answers with an HttpOnly, SameSite=Strict cookie and sends the browser on to `/`, which
keeps the token out of the address bar and the history. With the cookie, this middleware
presents the token to the control token guard behind it, so every `/sim` route is open to the
page; without, the page answers a short HTML 401 saying how to sign in, and the `/sim` routes
keep their JSON 401.

The cookie value is derived from the token (an HMAC), never the token itself. Requests other
than GET that ride on the cookie must carry the console's own header, which a form on another
site cannot send; WebSockets riding on it must come from a page of this origin.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sim.http_input import AsciiJSONResponse, bearer_token, same_secret

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
Asgi = Callable[[Scope, Receive, Send], Awaitable[None]]

COOKIE = "slpsim_console"
# The header the console's own requests carry (see the module docstring).
CONSOLE_HEADER = b"x-slpsim-console"
SAFE_METHODS = ("GET", "HEAD")
MAX_TOKEN_CHARS = 4096


def session_value(token: str) -> str:
    return hmac.new(token.encode("utf-8", "surrogatepass"), b"slpsim console", "sha256").hexdigest()


def page_bytes(name: str) -> bytes:
    return resources.files("sim.lab.console").joinpath("static", name).read_bytes()


def console_path(path: str) -> bool:
    """The page and its assets: what a browser loads, and gets an HTML 401 for."""
    return path == "/" or path.startswith("/console/")


class ConsoleSignIn:
    """ASGI middleware in front of the control token guard (see the module docstring)."""

    def __init__(self, app: Asgi, token: str | None) -> None:
        self.app = app
        self.token = token
        self.session = session_value(token) if token is not None else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if self.token is None or kind not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers: list[tuple[bytes, bytes]] = list(scope.get("headers", []))
        names = {name.lower() for name, _ in headers}
        path = str(scope.get("path", ""))
        if kind == "http" and path == "/" and scope.get("method") in SAFE_METHODS:
            offered = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token")
            if offered:
                await self._sign_in(offered[0], scope, receive, send)
                return
        if b"authorization" in names:
            # The guard behind checks HTTP requests; it lets WebSockets through, so they are
            # checked here.
            if kind == "websocket" and not self._bearer_ok(headers):
                await send({"type": "websocket.close", "code": 4401})
                return
            await self.app(scope, receive, send)
            return
        if self._has_session(headers):
            if kind == "websocket" and not _same_origin(headers):
                await send({"type": "websocket.close", "code": 4403})
                return
            if (
                kind == "http"
                and scope.get("method") not in SAFE_METHODS
                and CONSOLE_HEADER not in names
            ):
                refusal = AsciiJSONResponse(
                    {"error": "the console's requests carry x-slpsim-console"}, status_code=403
                )
                await refusal(scope, receive, send)
                return
            bearer = f"Bearer {self.token}".encode("utf-8", "surrogateescape")
            inner = dict(scope, headers=[*headers, (b"authorization", bearer)])
            await self.app(inner, receive, send)
            return
        if kind == "websocket":
            # Refused before the handshake completes: the browser sees a failed connection.
            await send({"type": "websocket.close", "code": 4401})
            return
        if console_path(path):
            await _unauthorized(scope, receive, send, retry=False)
            return
        await self.app(scope, receive, send)  # the guard's JSON 401

    async def _sign_in(self, offered: str, scope: Scope, receive: Receive, send: Send) -> None:
        assert self.token is not None and self.session is not None
        if len(offered) > MAX_TOKEN_CHARS or not same_secret(offered, self.token):
            await _unauthorized(scope, receive, send, retry=True)
            return
        cookie = f"{COOKIE}={self.session}; HttpOnly; SameSite=Strict; Path=/"
        await send(
            {
                "type": "http.response.start",
                "status": 303,
                "headers": [
                    (b"location", b"/"),
                    (b"set-cookie", cookie.encode("ascii")),
                    (b"cache-control", b"no-store"),
                    (b"content-length", b"0"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": b""})

    def _bearer_ok(self, headers: list[tuple[bytes, bytes]]) -> bool:
        assert self.token is not None
        for name, value in headers:
            if name.lower() == b"authorization":
                given = bearer_token(value.decode("utf-8", "surrogateescape"))
                return given is not None and same_secret(given, self.token)
        return False

    def _has_session(self, headers: list[tuple[bytes, bytes]]) -> bool:
        assert self.session is not None
        for name, value in headers:
            if name.lower() != b"cookie":
                continue
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # a malformed Cookie header is no session
                continue
            morsel = jar.get(COOKIE)
            if morsel is not None and same_secret(morsel.value, self.session):
                return True
        return False


def _same_origin(headers: list[tuple[bytes, bytes]]) -> bool:
    found = {name.lower(): value.decode("latin-1") for name, value in headers}
    origin = found.get(b"origin")
    if origin is None:
        return True  # not a browser: it could have sent the bearer token anyway
    return urlsplit(origin).netloc == found.get(b"host", "")


async def _unauthorized(scope: Scope, receive: Receive, send: Send, *, retry: bool) -> None:
    body = page_bytes("unauthorized.html")
    if retry:
        body = body.replace(b"<!--retry-->", b"<p class=bad>That token was not accepted.</p>")
    await send(
        {
            "type": "http.response.start",
            "status": 401,
            "headers": [
                (b"content-type", b"text/html; charset=utf-8"),
                (b"content-length", str(len(body)).encode("ascii")),
                (b"cache-control", b"no-store"),
                (b"www-authenticate", b'Bearer realm="slpsim lab"'),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
