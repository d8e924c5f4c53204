"""NX-API answers ``POST /ins`` past FastAPI's routing and middleware: the same answers as the
declared route gives, middleware added to the app still sees every request, and the cookie
header it writes itself is the one Starlette writes."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from sim.lab.access import SwitchAccess
from sim.lab.login_guard import LoginGuard, LoginPolicy
from sim.lab.nxapi import (
    COOKIE,
    COOKIE_LIFETIME,
    MAX_BODY_BYTES,
    _set_cookie,
    create_nxapi_app,
    ins_api_request,
)
from sim.simulation import Simulation, SwitchSpec

HOSTNAME = "leaf-1"
AUTH = ("admin", "admin")
RPC: dict[str, Any] = {"headers": {"content-type": "application/json-rpc"}}


def rpc(method: str, *commands: str) -> list[dict[str, Any]]:
    return [
        {"jsonrpc": "2.0", "method": method, "params": {"cmd": cmd, "version": 1}, "id": n}
        for n, cmd in enumerate(commands, start=1)
    ]


# (method, path, httpx keyword arguments): successes, each error shape, auth and routing.
REQUESTS: list[tuple[str, str, dict[str, Any]]] = [
    ("POST", "/ins", {"json": ins_api_request("show version", "cli_show"), "auth": AUTH}),
    ("POST", "/ins", {"json": ins_api_request("show version ; show clock"), "auth": AUTH}),
    ("POST", "/ins", {"json": ins_api_request("show bogus", "cli_show"), "auth": AUTH}),
    ("POST", "/ins", {"json": ins_api_request("hostname x ; bogus", "cli_conf"), "auth": AUTH}),
    ("POST", "/ins", {"json": {"ins_api": {"type": "nope"}}, "auth": AUTH}),
    ("POST", "/ins", {"content": b"{not json", "auth": AUTH}),
    ("POST", "/ins", {"content": b"{}", "auth": AUTH, "headers": {"content-type": "text/xml"}}),
    ("POST", "/ins", {"content": b"x" * (MAX_BODY_BYTES + 1), "auth": AUTH}),
    ("POST", "/ins", {"json": ins_api_request("show version")}),
    ("POST", "/ins", {"json": ins_api_request("show version"), "auth": ("admin", "wrong")}),
    ("POST", "/ins", {"json": ins_api_request("show version"), "headers": {"authorization": "x"}}),
    ("POST", "/ins", {"json": rpc("cli", "show clock", "hostname z"), "auth": AUTH, **RPC}),
    ("POST", "/ins", {"json": rpc("cli_ascii", "show bogus"), "auth": AUTH, **RPC}),
    ("POST", "/ins", {"content": b"[", "auth": AUTH, **RPC}),
    ("POST", "/ins?chunk=1", {"json": ins_api_request("show clock"), "auth": AUTH}),
    ("GET", "/ins", {"auth": AUTH}),
    ("POST", "/ins/", {"json": ins_api_request("show clock"), "auth": AUTH}),
    ("POST", "/INS", {"json": ins_api_request("show clock"), "auth": AUTH}),
]


class PassThrough:
    """Middleware that changes nothing: only its presence matters."""

    def __init__(self, app: ASGIApp, seen: list[str] | None = None) -> None:
        self.app = app
        self.seen = seen

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.seen is not None and scope["type"] == "http":
            self.seen.append(f"{scope['method']} {scope['path']}")
        await self.app(scope, receive, send)


def answers(with_middleware: bool) -> list[tuple[int, list[tuple[str, str]], str]]:
    async def main() -> list[tuple[int, list[tuple[str, str]], str]]:
        sim = Simulation.build("direct", switches=[SwitchSpec(HOSTNAME)])
        await sim.boot()
        guard = LoginGuard(LoginPolicy(first_delay=0))
        app = create_nxapi_app(SwitchAccess(sim, HOSTNAME), login_guard=guard)
        if with_middleware:
            app.add_middleware(PassThrough)
        got = []
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://switch") as client:
            try:
                for method, path, options in REQUESTS:
                    client.cookies.clear()
                    reply = await client.request(method, path, **options)
                    headers = [(k, _masked(v)) for k, v in reply.headers.multi_items()]
                    got.append((reply.status_code, headers, reply.text))
            finally:
                await sim.close()
        return got

    return asyncio.run(main())


def _masked(value: str) -> str:
    # Each cookie is a fresh random value; its shape is what must match.
    return re.sub(r"(nxapi_auth=[^;]*:)[\w-]+", r"\1<token>", value)


def test_post_ins_answers_as_fastapis_route_does() -> None:
    fast, routed = answers(with_middleware=False), answers(with_middleware=True)
    assert [status for status, _, _ in fast] == [status for status, _, _ in routed]
    assert any("set-cookie" in dict(headers) for _, headers, _ in fast)
    for (method, path, _), one, other in zip(REQUESTS, fast, routed, strict=True):
        assert one == other, (method, path)


def test_middleware_added_to_the_app_sees_post_ins() -> None:
    async def main() -> list[str]:
        sim = Simulation.build("direct", switches=[SwitchSpec(HOSTNAME)])
        await sim.boot()
        app: FastAPI = create_nxapi_app(SwitchAccess(sim, HOSTNAME))
        seen: list[str] = []
        app.add_middleware(PassThrough, seen=seen)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://switch") as client:
            reply = await client.post("/ins", json=ins_api_request("show clock"), auth=AUTH)
            assert reply.status_code == 200
        await sim.close()
        return seen

    assert asyncio.run(main()) == ["POST /ins"]


@pytest.mark.parametrize(
    "value",
    ["admin:Xy-z_09", "a.b~c|d:t", 'quo"te:t', "sp ace:t", "se;mi:t", "\u00fcber:t", ":t", ""],
)
def test_the_cookie_header_is_the_one_starlette_writes(value: str) -> None:
    ours, starlettes = Response(b""), Response(b"")
    _set_cookie(ours, value)
    starlettes.set_cookie(COOKIE, value, max_age=int(COOKIE_LIFETIME), httponly=True)
    assert ours.raw_headers == starlettes.raw_headers
