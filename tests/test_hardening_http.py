"""The HTTP edges under hostile input: NX-API, the control API, the back ends' control planes.

Malformed bodies and headers are 4xx in each surface's own shape (never a 500), a bug is an
incident with an id, the control token covers every route that changes state or issues
secrets on every port, and no route hands out a password the caller did not present.
"""

from __future__ import annotations

import asyncio
import base64
import json
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from sim.lab.access import SwitchAccess
from sim.lab.listeners import bind
from sim.lab.nxapi import MAX_BODY_BYTES, create_nxapi_app
from sim.simulation import Simulation, SwitchSpec

HOSTNAME = "leaf1"
AUTH = ("admin", "admin")
JSON = "application/json"
RPC = "application/json-rpc"


def ins_api_body(commands: str, **fields: Any) -> dict[str, Any]:
    ins = {"version": "1.0", "type": "cli_show", "chunk": "0", "sid": None, "input": commands}
    ins.update(output_format="json", **fields)
    return {"ins_api": ins}


def rpc_body(cmd: str = "show version", request_id: Any = 1) -> dict[str, Any]:
    return {
        "jsonrpc": "2.0",
        "method": "cli",
        "params": {"cmd": cmd, "version": 1},
        "id": request_id,
    }


def nxapi_answers(
    requests: list[tuple[bytes, str, dict[str, bytes] | None]],
) -> list[httpx.Response]:
    """Each (body, content type, headers) posted to a fresh switch's NX-API; headers None: AUTH."""

    async def main() -> list[httpx.Response]:
        sim = Simulation.build("direct", switches=[SwitchSpec(HOSTNAME)])
        await sim.boot()
        app = create_nxapi_app(SwitchAccess(sim, HOSTNAME))
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        answers = []
        async with httpx.AsyncClient(transport=transport, base_url="http://switch") as client:
            for raw, content_type, headers in requests:
                auth = AUTH if headers is None else None
                sent = {"content-type": content_type.encode(), **(headers or {})}
                answers.append(await client.post("/ins", content=raw, headers=sent, auth=auth))
        await sim.close()
        return answers

    return asyncio.run(main())


# ---------------------------------------------------------------------- NX-API bodies

MALFORMED_BODIES: dict[str, tuple[bytes, str]] = {
    "lone surrogate in ins_api input": (
        json.dumps(ins_api_body("show version\ud800")).encode(),
        JSON,
    ),
    "lone surrogate in a JSON-RPC cmd": (json.dumps(rpc_body("show version\udfff")).encode(), RPC),
    "JSON-RPC id NaN": (
        b'{"jsonrpc":"2.0","method":"cli","params":{"cmd":"show clock"},"id":NaN}',
        RPC,
    ),
    "JSON-RPC id 1e400": (
        b'{"jsonrpc":"2.0","method":"cli","params":{"cmd":"show clock"},"id":1e400}',
        RPC,
    ),
    "JSON-RPC id -Infinity, bad method": (
        b'{"jsonrpc":"2.0","method":"bash","params":{"cmd":"ls"},"id":-Infinity}',
        RPC,
    ),
    "JSON-RPC id an object": (json.dumps(rpc_body(request_id={"a": 1})).encode(), RPC),
    "JSON-RPC id true": (json.dumps(rpc_body(request_id=True)).encode(), RPC),
    "JSON-RPC id a huge integer": (json.dumps(rpc_body(request_id=10**4000)).encode(), RPC),
    "not UTF-8": (b'{"ins_api": {"input": "show \xff\xfe"}}', JSON),
    "UTF-16": (json.dumps(ins_api_body("show clock")).encode("utf-16"), JSON),
    "deeply nested ins_api": (b'{"ins_api": ' + b"[" * 5000 + b"]" * 5000 + b"}", JSON),
    "deeply nested JSON-RPC": (b"[" * 100_000, RPC),
    "version a list": (json.dumps(ins_api_body("show clock", version=["1.0"])).encode(), JSON),
    "type an object": (json.dumps(ins_api_body("show clock", type={"cli_show": 1})).encode(), JSON),
    "input a number": (json.dumps(ins_api_body("show clock", input=5)).encode(), JSON),
    "chunk a list": (json.dumps(ins_api_body("show clock", chunk=[0])).encode(), JSON),
    "params.version a list": (
        b'{"jsonrpc":"2.0","method":"cli","params":{"cmd":"show clock","version":[1]},"id":1}',
        RPC,
    ),
    "a number out of range in ins_api": (b'{"ins_api": {"version": 1e999}}', JSON),
}


@pytest.mark.parametrize("case", list(MALFORMED_BODIES), ids=list(MALFORMED_BODIES))
def test_nxapi_malformed_bodies_answer_4xx_in_nxapi_form(case: str) -> None:
    raw, content_type = MALFORMED_BODIES[case]
    (answer,) = nxapi_answers([(raw, content_type, None)])
    assert 400 <= answer.status_code < 500, (answer.status_code, answer.text[:300])
    document = answer.json()
    if content_type == RPC:
        assert document["jsonrpc"] == "2.0" and document["error"]["code"] < 0
        assert document["id"] is None or isinstance(document["id"], int | str)
    else:
        assert document["ins_api"]["outputs"]["output"]["code"] == str(answer.status_code)


def test_nxapi_refuses_a_body_over_its_size_bound() -> None:
    command = "show version ;" * (MAX_BODY_BYTES // 10)
    (answer,) = nxapi_answers([(json.dumps(ins_api_body(command)).encode(), JSON, None)])
    assert answer.status_code == 413
    assert "too large" in answer.json()["ins_api"]["outputs"]["output"]["msg"]


def test_nxapi_still_answers_well_formed_requests_with_non_ascii_text() -> None:
    well_formed = json.dumps(ins_api_body("show version ;show clock é", type="cli_show_ascii"))
    (answer,) = nxapi_answers([(well_formed.encode(), JSON, None)])
    outputs = answer.json()["ins_api"]["outputs"]["output"]
    assert [o["code"] for o in outputs] == ["200", "400"]


# ---------------------------------------------------------------------- Authorization headers

MALFORMED_AUTHORIZATION: dict[str, bytes] = {
    "latin-1 bytes after Basic": b"Basic \xff\xfe\xfd",
    "base64 of bytes that are not UTF-8": b"Basic " + base64.b64encode(b"\xff\xfe:\xfd"),
    "base64 without a colon": b"Basic " + base64.b64encode(b"admin"),
    "not base64": b"Basic !!!!",
    "scheme alone": b"Basic",
    "another scheme": b"Digest username=admin",
    "huge": b"Basic " + b"A" * 100_000,
}


@pytest.mark.parametrize("case", list(MALFORMED_AUTHORIZATION), ids=list(MALFORMED_AUTHORIZATION))
def test_nxapi_malformed_authorization_answers_401(case: str) -> None:
    header = MALFORMED_AUTHORIZATION[case]
    raw = json.dumps(ins_api_body("show clock")).encode()
    (answer,) = nxapi_answers([(raw, JSON, {"authorization": header})])
    assert answer.status_code == 401, answer.text[:200]
    assert answer.json()["code"] == "401"


@pytest.mark.parametrize("case", list(MALFORMED_AUTHORIZATION), ids=list(MALFORMED_AUTHORIZATION))
def test_cssm_oauth_malformed_basic_authorization_answers_401(case: str) -> None:
    from cssm_mock.app import TOKEN_PATH

    header = MALFORMED_AUTHORIZATION[case]
    simulation = Simulation.build("direct", switches=[SwitchSpec(HOSTNAME)])

    async def main() -> httpx.Response:
        transport = httpx.ASGITransport(app=simulation.apps["cssm"], raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://cssm") as client:
            return await client.post(
                TOKEN_PATH,
                content=b"grant_type=client_credentials",
                headers={
                    "content-type": b"application/x-www-form-urlencoded",
                    "authorization": header,
                },
            )

    answer = asyncio.run(main())
    asyncio.run(simulation.close())
    assert answer.status_code == 401, answer.text[:200]
    assert answer.json()["error"] == "invalid_client"


# ---------------------------------------------------------------------- listeners


def test_lab_listeners_send_replies_without_waiting_on_nagle() -> None:
    # asyncio turns TCP_NODELAY on only for sockets whose proto says TCP; accepted
    # connections inherit both from the listening socket.
    listening = bind("127.0.0.1", 0)
    try:
        assert listening.proto == socket.IPPROTO_TCP
        assert listening.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        client = socket.create_connection(listening.getsockname(), timeout=5)
        listening.setblocking(True)
        accepted, _ = listening.accept()
        with client, accepted:
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    finally:
        listening.close()


@pytest.fixture
def busy_port() -> Iterator[int]:
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen(1)
    yield int(holder.getsockname()[1])
    holder.close()
