"""NX-API: the request and response shapes that Ansible, NAPALM and pynxos parse."""

from __future__ import annotations

import asyncio
import json
import re
import socket
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx
import pytest
import uvicorn

from sim.lab.access import SwitchAccess
from sim.lab.nxapi import create_nxapi_app
from sim.simulation import Simulation, SwitchSpec

T = TypeVar("T")
HOSTNAME = "leaf1"
AUTH = ("admin", "admin")
WAIT = 10  # seconds: only a safety net against a hung server, never a measured duration


class Clock:
    """A monotonic source the test moves by hand, for the cookie lifetime."""

    def __init__(self) -> None:
        self.seconds = 1000.0

    def __call__(self) -> float:
        return self.seconds


def with_nxapi(body: Callable[[httpx.AsyncClient, Simulation, Clock], Awaitable[T]]) -> T:
    async def main() -> T:
        sim = Simulation.build("direct", switches=[SwitchSpec(HOSTNAME)])
        await sim.boot()
        clock = Clock()
        app = create_nxapi_app(SwitchAccess(sim, HOSTNAME), monotonic=clock)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://switch") as client:
            try:
                return await body(client, sim, clock)
            finally:
                await sim.close()

    return asyncio.run(main())


def ins_api(kind: str, commands: str) -> dict[str, Any]:
    # Key order as Ansible's httpapi plugin sends it, sid null included.
    return {
        "ins_api": {
            "version": "1.0",
            "type": kind,
            "chunk": "0",
            "sid": None,
            "input": commands,
            "output_format": "json",
        }
    }


def rpc(method: str, *commands: str) -> list[dict[str, Any]]:
    return [
        {"jsonrpc": "2.0", "method": method, "params": {"cmd": cmd, "version": 1}, "id": n}
        for n, cmd in enumerate(commands, 1)
    ]


async def post_rpc(client: httpx.AsyncClient, payload: object) -> httpx.Response:
    return await client.post(
        "/ins", json=payload, auth=AUTH, headers={"content-type": "application/json-rpc"}
    )


# ---------------------------------------------------------------------- ins_api


def test_cli_show_gives_structured_bodies() -> None:
    async def body(client: httpx.AsyncClient, sim: Simulation, clock: Clock) -> list[Any]:
        one = await client.post("/ins", json=ins_api("cli_show", "show version"), auth=AUTH)
        two = await client.post(
            "/ins", json=ins_api("cli_show", "show license usage ;show inventory"), auth=AUTH
        )
        return [one.status_code, one.json(), two.json()]

    status, one, two = with_nxapi(body)
    assert status == 200
    assert one["ins_api"]["sid"] == "eoc"
    assert one["ins_api"]["type"] == "cli_show"
    output = one["ins_api"]["outputs"]["output"]
    assert isinstance(output, dict)
    assert (output["input"], output["code"], output["msg"]) == ("show version", "200", "Success")
    assert output["body"]["host_name"] == HOSTNAME
    assert output["body"]["proc_board_id"] == "FDO2434107N"

    usage, inventory = two["ins_api"]["outputs"]["output"]
    assert usage["input"] == "show license usage"
    rows = usage["body"]["TABLE_show_smart_lic_usage"]["ROW_show_smart_lic_usage"]
    assert [row["smart_feature_name"] for row in rows] == ["NXOS_ADVANTAGE_XF"]
    assert inventory["body"]["TABLE_inv"]["ROW_inv"][0]["productid"] == "N9K-C93180YC-FX"


def test_cli_show_ascii_gives_text_that_ansible_facts_parse() -> None:
    async def body(client: httpx.AsyncClient, sim: Simulation, clock: Clock) -> Any:
        payload = ins_api("cli_show_ascii", "show version ;show inventory ;show license host-id")
        response = await client.post("/ins", json=payload, auth=AUTH)
        return response.json()

    version, inventory, host_id = (
        output["body"] for output in with_nxapi(body)["ins_api"]["outputs"]["output"]
    )
    # The expressions cisco.nxos uses to gather facts over NX-API.
    assert re.search(r"\s+NXOS:\s+version\s*(\S+)", version, re.M)
    assert re.search(r"Hardware\n\s+cisco\s*(\S+\s+\S+)", version, re.M)
    assert re.search(r"\s+Device name:\s*(\S+)", version, re.M)[1] == HOSTNAME  # type: ignore[index]
    assert re.search(r"\s+NXOS image file is:\s*(\S+)", version, re.M)
    assert re.search(r"Processor Board ID\s*(\S+)", version, re.M)
    platform = re.search(r'NAME: (?:"Chassis"| Chassis ),\s*DESCR:.*\nPID:\s*(\S+)', inventory)
    assert platform is not None and platform[1] == "N9K-C93180YC-FX"
    assert re.search(r"License hostid: VDH=(.+)$", host_id, re.M)


def test_cli_conf_runs_joined_commands_in_configuration_mode() -> None:
    async def body(client: httpx.AsyncClient, sim: Simulation, clock: Clock) -> list[Any]:
        payload = ins_api(
            "cli_conf", "license smart usage interval 45 ;vrf context lab ;ip domain-name lab.test"
        )
        conf = await client.post("/ins", json=payload, auth=AUTH)
        shown = await client.post(
            "/ins", json=ins_api("cli_show_ascii", "show running-config"), auth=AUTH
        )
        return [conf.json(), shown.json()["ins_api"]["outputs"]["output"]["body"]]

    conf, running = with_nxapi(body)
    outputs = conf["ins_api"]["outputs"]["output"]
    assert [(o["code"], o["msg"], o["body"]) for o in outputs] == [("200", "Success", {})] * 3
    assert "license smart usage interval 45" in running
    # The third line ran in the vrf sub-mode the second one entered: one session per request.
    assert re.search(r"vrf context lab\n\s+ip domain-name lab.test", running)


def test_a_bad_command_answers_400_and_stops_the_request() -> None:
    async def body(client: httpx.AsyncClient, sim: Simulation, clock: Clock) -> list[Any]:
        show = await client.post("/ins", json=ins_api("cli_show", "show licence usage"), auth=AUTH)
        conf = await client.post(
            "/ins",
            json=ins_api("cli_conf", "license smart usage interval 9999 ;hostname after"),
            auth=AUTH,
        )
        return [show.status_code, show.json(), conf.json(), sim.switch(HOSTNAME).hostname]

    status, show, conf, hostname = with_nxapi(body)
    assert status == 200  # errors travel in the output, as NX-OS sends them
    output = show["ins_api"]["outputs"]["output"]
    assert output["code"] == "400"
    assert output["msg"] == "Input CLI command error"
    assert output["clierror"] == "% Invalid command at '^' marker.\n"
    assert "body" not in output
    failed = conf["ins_api"]["outputs"]["output"]
    assert isinstance(failed, dict) and failed["code"] == "400"
    assert failed["input"] == "license smart usage interval 9999"
    assert hostname == HOSTNAME


def test_a_show_command_without_structured_form_answers_501() -> None:
    async def body(client: httpx.AsyncClient, sim: Simulation, clock: Clock) -> Any:
        response = await client.post("/ins", json=ins_api("cli_show", "show clock"), auth=AUTH)
        return response.json()["ins_api"]["outputs"]["output"]

    output = with_nxapi(body)
    assert (output["code"], output["msg"]) == ("501", "Structured output unsupported")


def test_malformed_requests_are_4xx_with_a_reason() -> None:
    bad_bodies: list[tuple[bytes, str]] = [
        (b"{not json", "application/json"),
        (b"[]", "application/json"),
        (b'{"ins_api": {"type": "bash", "input": "ls"}}', "application/json"),
        (b'{"ins_api": {"type": "cli_show"}}', "application/json"),
        (b'{"ins_api": {"type": "cli_show", "input": "show clock", "version": "9"}}', ""),
        (b"<ins_api/>", "application/xml"),
        (b"{not json", "application/json-rpc"),
        (b"[]", "application/json-rpc"),
        (b'[{"jsonrpc": "2.0", "method": "bash", "params": {"cmd": "ls"}, "id": 1}]', ""),
    ]

    async def body(client: httpx.AsyncClient, sim: Simulation, clock: Clock) -> list[Any]:
        answers = []
        for raw, content_type in bad_bodies:
            headers = {"content-type": content_type} if content_type else {}
            response = await client.post("/ins", content=raw, headers=headers, auth=AUTH)
            answers.append((response.status_code, response.json()))
        return answers

    for status, answer in with_nxapi(body):
        assert 400 <= status < 500
        assert "msg" in str(answer)


# ---------------------------------------------------------------------- auth and cookie


def test_credentials_are_required() -> None:
    async def body(client: httpx.AsyncClient, sim: Simulation, clock: Clock) -> list[Any]:
        payload = ins_api("cli_show", "show version")
        none = await client.post("/ins", json=payload)
        wrong = await client.post("/ins", json=payload, auth=("admin", "nope"))
        garbled = await client.post("/ins", json=payload, headers={"authorization": "Basic !!"})
        return [
            (r.status_code, r.json(), r.headers.get("www-authenticate"))
            for r in (none, wrong, garbled)
        ]

    for status, answer, challenge in with_nxapi(body):
        assert status == 401
        assert answer["code"] == "401" and answer["msg"]
        assert challenge == 'Basic realm="nxapi"'


def test_the_nxapi_auth_cookie_replaces_credentials_for_ten_minutes() -> None:
    async def body(client: httpx.AsyncClient, sim: Simulation, clock: Clock) -> list[int]:
        payload = ins_api("cli_show", "show version")
        first = await client.post("/ins", json=payload, auth=AUTH)
        assert "nxapi_auth" in first.cookies
        clock.seconds += 590
        reused = await client.post("/ins", json=payload)  # the client sends the cookie back
        clock.seconds += 20
        expired = await client.post("/ins", json=payload)
        client.cookies.clear()
        client.cookies.set("nxapi_auth", "admin:forged")
        forged = await client.post("/ins", json=payload)
        return [first.status_code, reused.status_code, expired.status_code, forged.status_code]

    assert with_nxapi(body) == [200, 200, 401, 401]


# ---------------------------------------------------------------------- JSON-RPC


def test_json_rpc_cli_and_cli_ascii() -> None:
    async def body(client: httpx.AsyncClient, sim: Simulation, clock: Clock) -> list[Any]:
        structured = await post_rpc(client, rpc("cli", "show license status"))
        text = await post_rpc(client, rpc("cli_ascii", "show license udi")[0])
        piped = json.loads(await sim.exec(HOSTNAME, "show license status | json"))
        return [structured.status_code, structured.json(), text.json(), piped]

    status, structured, text, piped = with_nxapi(body)
    assert status == 200
    assert isinstance(structured, list)
    (reply,) = structured
    assert (reply["jsonrpc"], reply["id"]) == ("2.0", 1)
    assert reply["result"]["body"] == piped  # the same data as `| json` at the CLI
    assert isinstance(text, dict)  # one request object, one reply object
    assert "FDO2434107N" in text["result"]["msg"]


def test_json_rpc_configures_in_one_session() -> None:
    async def body(client: httpx.AsyncClient, sim: Simulation, clock: Clock) -> list[Any]:
        calls = rpc("cli", "configure terminal", "license smart usage interval 77", "end")
        configured = await post_rpc(client, calls)
        running = await sim.exec(HOSTNAME, "show running-config")
        return [configured.json(), running]

    replies, running = with_nxapi(body)
    assert [reply["result"] for reply in replies] == [None, None, None]
    assert "license smart usage interval 77" in running


def test_json_rpc_errors() -> None:
    async def body(client: httpx.AsyncClient, sim: Simulation, clock: Clock) -> list[Any]:
        bad = await post_rpc(client, rpc("cli", "show version", "show licence", "show clock"))
        unsupported = await post_rpc(client, rpc("cli", "show clock"))
        no_method = await post_rpc(client, [{"jsonrpc": "2.0", "method": "x", "id": 7}])
        no_params = await post_rpc(client, [{"jsonrpc": "2.0", "method": "cli", "id": 8}])
        return [(r.status_code, r.json()) for r in (bad, unsupported, no_method, no_params)]

    bad, unsupported, no_method, no_params = with_nxapi(body)
    assert bad[0] == 400
    ok, failed = bad[1]  # the request stops at the failing command
    assert ok["result"]["body"]["host_name"] == HOSTNAME
    assert failed["id"] == 2
    assert failed["error"]["code"] == -32602
    assert failed["error"]["message"] == "Invalid params"
    assert "% Invalid command at '^' marker." in failed["error"]["data"]["msg"]
    assert unsupported[1][0]["error"]["data"]["msg"] == "Structured output unsupported"
    assert no_method[1][0]["error"]["code"] == -32601
    assert no_params[1][0]["error"]["code"] == -32602


# ---------------------------------------------------------------------- over real HTTP


def test_over_uvicorn_on_loopback() -> None:
    async def main() -> dict[str, Any]:
        sim = Simulation.build("direct", switches=[SwitchSpec(HOSTNAME)])
        await sim.boot()
        app = create_nxapi_app(SwitchAccess(sim, HOSTNAME))
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        serving = asyncio.create_task(server.serve(sockets=[sock]))
        try:
            while not server.started:
                await asyncio.sleep(0.01)
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
                first = await client.post(
                    "/ins", json=ins_api("cli_show", "show license usage"), auth=AUTH
                )
                again = await client.post("/ins", json=ins_api("cli_show_ascii", "show clock"))
                return {"first": first.json(), "again": again.json()}
        finally:
            server.should_exit = True
            await asyncio.wait_for(serving, WAIT)
            sock.close()
            await sim.close()

    answers = asyncio.run(main())
    assert answers["first"]["ins_api"]["outputs"]["output"]["code"] == "200"
    assert "Time source is" in answers["again"]["ins_api"]["outputs"]["output"]["body"]


@pytest.mark.parametrize("payload", [{"ins_api": []}, {"ins_api": {"type": 3, "input": 4}}, 5])
def test_odd_json_never_crashes(payload: object) -> None:
    async def body(client: httpx.AsyncClient, sim: Simulation, clock: Clock) -> int:
        return (await client.post("/ins", json=payload, auth=AUTH)).status_code

    assert with_nxapi(body) == 400
