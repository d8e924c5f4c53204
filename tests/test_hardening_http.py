"""The HTTP edges under hostile input: NX-API, the control API, the back ends' control planes.

Malformed bodies and headers are 4xx in each surface's own shape (never a 500), a bug is an
incident with an id, the control token covers every route that changes state or issues
secrets on every port, and no route hands out a password the caller did not present.
"""

from __future__ import annotations

import asyncio
import base64
import json
import math
import os
import socket
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from sim.command_line import app
from sim.lab.access import SwitchAccess
from sim.lab.background import BackgroundLab
from sim.lab.control_client import ControlClient, ControlError
from sim.lab.lab import LabOptions
from sim.lab.listeners import HttpListener, bind
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


def json_routes(app: Any) -> list[tuple[str, str]]:
    """(method, path) of every route of `app` whose documented body is JSON."""
    document = app.openapi()
    routes = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            if any("json" in media_type for media_type in content):
                routes.append((method.upper(), path.replace("{", "").replace("}", "")))
    return routes


@pytest.mark.parametrize("backend", ["cssm", "cslu", "onprem"])
def test_back_ends_refuse_json_that_is_not_strict_at_the_edge(backend: str) -> None:
    simulation = Simulation.build("cslu", switches=[SwitchSpec(HOSTNAME)])
    app = simulation.apps[backend]
    bodies = [b'{"a": NaN}', b'{"a": 1e400}', b'{"a": "\\ud800"}', b"[" * 40 + b"]" * 40]

    async def main() -> list[tuple[str, str, int, Any]]:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        answers = []
        async with httpx.AsyncClient(transport=transport, base_url="http://backend") as client:
            for method, path in json_routes(app):
                for raw in bodies:
                    answer = await client.request(
                        method, path, content=raw, headers={"content-type": JSON}
                    )
                    answers.append((method, path, answer.status_code, answer.json()))
        return answers

    answers = asyncio.run(main())
    asyncio.run(simulation.close())
    assert len(answers) >= 4
    for method, path, status, body in answers:
        assert status == 400, (method, path, status, body)
        assert body["error"] == "malformed request", (method, path, body)
        assert "JSON" in body["detail"], (method, path, body)


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


def test_an_idle_keep_alive_connection_outlives_a_short_pause() -> None:
    # uvicorn's default closed idle connections after 5 s, so a client reusing a pooled
    # connection raced the close and got a reset now and then.
    async def hello(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async def main() -> list[bytes]:
        listener = HttpListener()
        port = listener.add(hello)
        await listener.start()
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            request = b"GET / HTTP/1.1\r\nhost: lab\r\n\r\n"
            replies = []
            for pause in (0.0, 6.0):
                await asyncio.sleep(pause)
                writer.write(request)
                await writer.drain()
                replies.append(await asyncio.wait_for(reader.read(4096), timeout=10))
            writer.close()
            return replies
        finally:
            await listener.stop()

    first, second = asyncio.run(main())
    assert first.startswith(b"HTTP/1.1 200") and second.startswith(b"HTTP/1.1 200"), second


@pytest.fixture
def busy_port() -> Iterator[int]:
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen(1)
    yield int(holder.getsockname()[1])
    holder.close()


# ---------------------------------------------------------------------- a lab with a token

TOKEN = "s3cret-token"
BEARER = {"authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def guarded_lab() -> Iterator[BackgroundLab]:
    options = LabOptions(
        topology="onprem",
        switches=1,
        rate=0,
        control_port=0,
        ssh_port_base=0,
        nxapi_port_base=0,
        password="pa55-word",
        control_token=TOKEN,
    )
    with BackgroundLab(options) as running:
        yield running


def control_url(lab: BackgroundLab, path: str) -> str:
    return f"http://127.0.0.1:{lab.endpoints.control_port}{path}"


def test_the_control_token_guards_every_operator_route_on_every_port(
    guarded_lab: BackgroundLab,
) -> None:
    operator_urls = [control_url(guarded_lab, p) for p in ("/sim/clock", "/docs", "/openapi.json")]
    for name, port in guarded_lab.endpoints.backends.items():
        base = f"http://127.0.0.1:{port}"
        operator_urls += [f"{base}/docs", f"{base}/openapi.json"]
        operator_urls.append(
            f"{base}/_sim/info" if name == "onprem" else f"{base}/_sim/product-instances"
        )
    for url in operator_urls:
        headers: dict[str, str | bytes]
        for headers in ({}, {"authorization": "Bearer wrong"}, {"authorization": b"Basic \xff"}):
            refused = httpx.get(url, headers=headers)
            assert refused.status_code == 401, (url, headers, refused.text[:200])
            assert "control token" in refused.json()["error"]
        assert httpx.get(url, headers=BEARER).status_code == 200, url
    cssm = f"http://127.0.0.1:{guarded_lab.endpoints.backends['cssm']}"
    minted = httpx.post(f"{cssm}/_sim/tokens", json={"virtual_account": "Default"})
    assert minted.status_code == 401


def test_switch_facing_routes_stay_open_with_a_control_token(guarded_lab: BackgroundLab) -> None:
    # The switches of this onprem lab reach On-Prem (and it CSSM) without the token.
    guarded_lab.advance(timedelta(days=1))
    cssm = f"http://127.0.0.1:{guarded_lab.endpoints.backends['cssm']}"
    assert httpx.get(f"{cssm}/licservice/license").status_code == 200
    incidents = httpx.get(control_url(guarded_lab, "/sim/incidents"), headers=BEARER).json()
    assert incidents == {"incidents": []}


def test_switch_list_never_returns_the_password(guarded_lab: BackgroundLab) -> None:
    answer = httpx.get(control_url(guarded_lab, "/sim/switches"), headers=BEARER)
    assert "pa55-word" not in answer.text
    (entry,) = answer.json()
    assert entry["username"] == "admin"
    assert entry["password"] == "as given at lab start"
    nxapi = f"http://127.0.0.1:{entry['nxapi_port']}/ins"
    assert httpx.post(nxapi, json={}, auth=("admin", "pa55-word")).status_code == 400


@pytest.mark.parametrize(
    "body",
    [
        b'{"seconds": 1e400}',
        b'{"seconds": NaN}',
        b'{"seconds": "nan"}',
        b'{"seconds": Infinity}',
        b'{"target": "cssm", "kind": "slow", "seconds": 1e400}',
        b'{"target": "cssm", "kind": "slow", "seconds": NaN}',
        b'{"target": "cssm\\ud800", "kind": "slow"}',
        b'{"target": "cssm", "kind": "slow", "seconds": [1, 2]}',
        b'{"target": "cssm", "kind": "slow", "seconds": {"a": 1}}',
        b'{"target": "cssm", "kind": "slow", "' + b"k" * 100 + b'": 1}',
        b'{"target": "cssm", "kind": "slow", "seconds": "' + b"9" * 10_000 + b'"}',
        b'{"target": "cssm", "kind": "slow", "seconds": ' + b"[" * 5000 + b"]" * 5000 + b"}",
        b'{"target": "cssm", "kind": "dns", "pad": "' + b"x" * 100_000 + b'"}',
        b"\xff\xfe",
    ],
)
def test_control_api_bodies_are_validated_at_the_edge(
    guarded_lab: BackgroundLab, body: bytes
) -> None:
    path = "/sim/clock/advance" if b"seconds" in body[:14] else "/sim/faults"
    answer = httpx.post(
        control_url(guarded_lab, path),
        content=body,
        headers={**BEARER, "content-type": "application/json"},
    )
    assert 400 <= answer.status_code < 500, (answer.status_code, answer.text[:200])
    assert "error" in answer.json()
    assert httpx.get(control_url(guarded_lab, "/sim/faults"), headers=BEARER).json() == []


def test_a_bug_behind_the_control_api_is_an_incident_not_a_dead_lab(
    guarded_lab: BackgroundLab, monkeypatch: pytest.MonkeyPatch
) -> None:
    simulation = guarded_lab.lab.simulation

    def broken(*args: Any, **kwargs: Any) -> str:
        raise RuntimeError("a bug in token issuing")

    monkeypatch.setattr(simulation, "issue_token", broken)
    answer = httpx.post(control_url(guarded_lab, "/sim/tokens"), json={}, headers=BEARER)
    assert answer.status_code == 500
    body = answer.json()
    assert body["detail"] == "internal error, see /sim/incidents"
    listed = httpx.get(
        control_url(guarded_lab, "/sim/incidents"),
        params={"since": body["incident"] - 1},
        headers=BEARER,
    ).json()["incidents"]
    assert [(i["id"], i["where"]) for i in listed] == [(body["incident"], "control API")]
    assert listed[0]["summary"] == "RuntimeError: a bug in token issuing"
    assert "Traceback" in listed[0]["detail"]
    later = httpx.get(
        control_url(guarded_lab, "/sim/incidents"),
        params={"since": body["incident"]},
        headers=BEARER,
    )
    assert later.json() == {"incidents": []}
    assert httpx.get(control_url(guarded_lab, "/sim/clock"), headers=BEARER).status_code == 200

    result = CliRunner().invoke(
        app,
        ["incidents", "--control", control_url(guarded_lab, "")],
        env={"SLPSIM_CONTROL_TOKEN": TOKEN},
    )
    assert result.exit_code == 0, result.output
    assert f"{body['incident']}  " in result.output and "a bug in token issuing" in result.output


def test_a_bug_behind_nxapi_is_an_incident_with_its_id(
    guarded_lab: BackgroundLab, monkeypatch: pytest.MonkeyPatch
) -> None:
    switch = guarded_lab.lab.simulation.switch("leaf1")

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug in the CLI engine")

    monkeypatch.setattr(switch, "new_session", broken)
    nxapi = f"http://127.0.0.1:{guarded_lab.endpoints.switches[0].nxapi_port}/ins"
    answer = httpx.post(nxapi, json=ins_api_body("show clock"), auth=("admin", "pa55-word"))
    assert answer.status_code == 500
    incident = answer.json()["incident"]
    listed = httpx.get(control_url(guarded_lab, "/sim/incidents"), headers=BEARER).json()
    assert any(i["id"] == incident and i["where"] == "leaf1 nx-api" for i in listed["incidents"])


def test_workspace_names_travel_url_encoded(guarded_lab: BackgroundLab, tmp_path: Path) -> None:
    client = ControlClient(control_url(guarded_lab, ""), token=TOKEN)
    try:
        for name in ("a?b", "ack #1.xml", "100%.txt", "é.txt"):
            client.put_file(name, name.encode())
            assert client.get_file(name) == name.encode()
        listed = {
            f["name"]
            for f in httpx.get(control_url(guarded_lab, "/sim/files"), headers=BEARER).json()
        }
        assert {"a?b", "ack #1.xml", "100%.txt", "é.txt"} <= listed
        with pytest.raises(ControlError) as refused:
            client.put_file("n" * 256, b"too long a name")
        assert refused.value.status == 400 and not str(refused.value).startswith("400")
    finally:
        client.close()


# ---------------------------------------------------------------------- the command line


def test_a_port_in_use_is_one_clear_line_and_status_2(busy_port: int) -> None:
    for option in ("--control-port", "--nxapi-port-base", "--ssh-port-base"):
        args = ["lab", "--switches", "1", "--control-port", "0"]
        args += ["--nxapi-port-base", "0", "--ssh-port-base", "0", option, str(busy_port)]
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 2, result.output
        assert result.output.strip() == (
            f"slpsim: port {busy_port} on 127.0.0.1 is already in use; choose another with {option}"
        )


def test_secrets_come_from_files_or_the_environment_not_only_argv(tmp_path: Path) -> None:
    from sim.command_line import _secret

    token_file = tmp_path / "token"
    token_file.write_text("from-file\n")
    assert _secret(None, token_file, "SLPSIM_TEST_SECRET", "--x-file") == "from-file"
    assert _secret("from-argv", token_file, "SLPSIM_TEST_SECRET", "--x-file") == "from-argv"
    os.environ["SLPSIM_TEST_SECRET"] = "from-env"
    try:
        assert _secret(None, None, "SLPSIM_TEST_SECRET", "--x-file") == "from-env"
    finally:
        del os.environ["SLPSIM_TEST_SECRET"]
    assert _secret(None, None, "SLPSIM_TEST_SECRET", "--x-file") is None
    (tmp_path / "empty").write_text("\n")
    with pytest.raises(ValueError, match="empty"):
        _secret(None, tmp_path / "empty", "SLPSIM_TEST_SECRET", "--x-file")
    result = CliRunner().invoke(app, ["lab", "--control-token-file", str(tmp_path / "missing")])
    assert result.exit_code == 2 and "--control-token-file: cannot read" in result.output


# ---------------------------------------------------------------------- NX-API fuzz

# Every character class, lone surrogates included (JSON's \ud800 escapes reach them).
ANY_CHARACTER = st.characters(codec=None, categories=None)
JSON_TEXT = st.text(ANY_CHARACTER, max_size=40)
NUMBERS = st.one_of(
    st.sampled_from([math.nan, math.inf, -math.inf, 10**400, -(10**400), 2**63, 0.5]),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
)
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, JSON_TEXT)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(JSON_TEXT, inner, max_size=4)
    ),
    max_leaves=12,
)
FIELDS = {
    "version": st.one_of(st.sampled_from(["1.0", "1.2", 1]), JSON_VALUES),
    "type": st.one_of(st.sampled_from(["cli_show", "cli_show_ascii", "cli_conf"]), JSON_VALUES),
    "chunk": st.one_of(st.just("0"), JSON_VALUES),
    "sid": JSON_VALUES,
    "input": st.one_of(st.sampled_from(["show version", "show clock ;show inventory"]), JSON_TEXT),
    "output_format": st.one_of(st.just("json"), JSON_VALUES),
}
INS_API = st.fixed_dictionaries({}, optional=FIELDS).map(lambda ins: {"ins_api": ins})
RPC_CALL = st.fixed_dictionaries(
    {},
    optional={
        "jsonrpc": st.one_of(st.just("2.0"), JSON_VALUES),
        "method": st.one_of(st.sampled_from(["cli", "cli_ascii"]), JSON_VALUES),
        "params": st.one_of(
            st.fixed_dictionaries(
                {"cmd": st.one_of(st.just("show version"), JSON_TEXT)},
                optional={"version": JSON_VALUES},
            ),
            JSON_VALUES,
        ),
        "id": st.one_of(NUMBERS, JSON_VALUES),
    },
)
DOCUMENTS = st.one_of(INS_API, RPC_CALL, st.lists(RPC_CALL, max_size=3), JSON_VALUES)


def _encoded(document: Any) -> bytes:
    # allow_nan: NaN / Infinity literals are part of the hostile input.
    return json.dumps(document, allow_nan=True).encode("ascii")


CONTENT_TYPES = st.sampled_from([JSON, RPC, "", "text/plain", "application/json; charset=latin-1"])
# (body, content type): mostly the shape each content type expects, then anything at all.
REQUESTS = st.one_of(
    st.tuples(INS_API.map(_encoded), st.just(JSON)),
    st.tuples(st.one_of(RPC_CALL, st.lists(RPC_CALL, max_size=3)).map(_encoded), st.just(RPC)),
    st.tuples(DOCUMENTS.map(_encoded), CONTENT_TYPES),
    st.tuples(st.binary(max_size=200), CONTENT_TYPES),
    st.tuples(
        DOCUMENTS.map(_encoded).flatmap(
            lambda raw: st.integers(0, len(raw)).map(lambda cut: raw[:cut])
        ),
        CONTENT_TYPES,
    ),
)
HEADER_BYTES = st.binary(max_size=60).map(lambda raw: raw.replace(b"\r", b"").replace(b"\n", b""))
FUZZ = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


class NxapiClient:
    """One switch's NX-API in-process, kept across Hypothesis examples on one event loop."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.simulation = Simulation.build("direct", switches=[SwitchSpec(HOSTNAME)])
        self.loop.run_until_complete(self.simulation.boot())
        app = create_nxapi_app(SwitchAccess(self.simulation, HOSTNAME))
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        self.client = httpx.AsyncClient(transport=transport, base_url="http://switch")

    def post(self, raw: bytes, headers: dict[str, bytes], auth: Any = AUTH) -> httpx.Response:
        return self.loop.run_until_complete(
            self.client.post("/ins", content=raw, headers=headers, auth=auth)
        )

    def close(self) -> None:
        self.loop.run_until_complete(self.client.aclose())
        self.loop.run_until_complete(self.simulation.close())
        self.loop.close()


@pytest.fixture(scope="module")
def nxapi() -> Iterator[NxapiClient]:
    client = NxapiClient()
    yield client
    client.close()


def assert_answered(answer: httpx.Response) -> None:
    assert answer.status_code < 500, (answer.status_code, answer.text[:300])
    answer.json()  # every answer, refusals included, is JSON


@FUZZ
@given(request=REQUESTS)
def test_nxapi_fuzzed_bodies_never_answer_5xx(
    nxapi: NxapiClient, request: tuple[bytes, str]
) -> None:
    raw, content_type = request
    assert_answered(nxapi.post(raw, {"content-type": content_type.encode()}))


@FUZZ
@given(
    authorization=st.one_of(
        HEADER_BYTES,
        HEADER_BYTES.map(lambda raw: b"Basic " + raw),
        st.binary(max_size=40).map(lambda raw: b"Basic " + base64.b64encode(raw)),
    ),
    cookie=st.one_of(st.none(), HEADER_BYTES),
)
def test_nxapi_fuzzed_credentials_never_answer_5xx(
    nxapi: NxapiClient, authorization: bytes, cookie: bytes | None
) -> None:
    headers = {"content-type": JSON.encode(), "authorization": authorization}
    if cookie is not None:
        headers["cookie"] = cookie
    raw = _encoded(ins_api_body("show clock"))
    answer = nxapi.post(raw, headers, auth=None)
    assert_answered(answer)
    assert answer.status_code in (200, 401)


def test_the_lab_start_table_never_echoes_a_secret_it_was_given() -> None:
    from rich.console import Console

    from sim.lab.lab import Lab, LabEndpoints, LabOptions, SwitchEndpoints
    from sim.lab.serve import endpoint_table

    def printed(options: LabOptions) -> str:
        lab = Lab(options)
        endpoints = LabEndpoints(
            control_port=8080,
            backends={"cssm": 9001},
            switches=[SwitchEndpoints("leaf1", "N9K-C93180YC-FX", "FDO2434107N", 2201, 8201)],
        )
        console = Console(record=True, width=200)
        console.print(endpoint_table(lab, endpoints))
        return console.export_text()

    given = printed(LabOptions(switches=1, password="s3cret-pw", control_token="tok-123456"))
    assert "s3cret-pw" not in given
    assert "tok-123456" not in given
    assert "<the password given>" in given
    # The well-known default is still spelled out, so a first lab is usable at a glance.
    assert "admin / admin" in printed(LabOptions(switches=1))
