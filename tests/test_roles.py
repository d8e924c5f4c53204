"""User roles are enforced: a network-operator reads, an administrator changes things.

One CLI engine serves SSH, NX-API and the console, so the role check runs there, from the
session's user; these tests drive it directly and through SSH and NX-API.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import asyncssh
import httpx

from sim.lab.access import SwitchAccess
from sim.lab.nxapi import COOKIE, create_nxapi_app, ins_api_request
from sim.lab.ssh import start_ssh_server
from sim.simulation import Simulation, SwitchSpec
from sim.switch.cli import CliSession
from sim.switch.switch import Switch
from sim.switch.users.roles import PERMISSION_DENIED

T = TypeVar("T")
HOSTNAME = "leaf1"
WAIT = 10  # seconds: only a safety net against a hung server, never a measured duration
ACCOUNTS = [
    "username ops password s3cret role network-operator",
    "username boss password s3cret role network-admin",
    "username viewer password s3cret role vdc-operator",
]
DENIED = PERMISSION_DENIED + "\n"


def with_lab(body: Callable[[Simulation, SwitchAccess], Awaitable[T]]) -> T:
    async def main() -> T:
        sim = Simulation.build("direct", switches=[SwitchSpec(HOSTNAME)])
        await sim.boot()
        sim.switch(HOSTNAME).apply_config(ACCOUNTS)
        try:
            return await body(sim, SwitchAccess(sim, HOSTNAME))
        finally:
            await sim.close()

    return asyncio.run(main())


def run_as(user: str | None, lines: list[str]) -> tuple[list[str], Switch]:
    """Each line's output in one session of `user` (None: the lab's own account)."""

    async def body(sim: Simulation, access: SwitchAccess) -> tuple[list[str], Switch]:
        session: CliSession[Switch] = access.new_session(user)
        outputs = [(await access.run(session, line, prompt_len=0)).output for line in lines]
        return outputs, sim.switch(HOSTNAME)

    return with_lab(body)


def test_a_network_operator_reads_and_enters_configuration_mode_but_changes_nothing() -> None:
    lines = [
        "show hostname",
        "terminal length 0",
        "dir bootflash:",
        "configure terminal",
        "hostname evil",
        "interface ethernet1/1",
        "do show clock",
        "no username boss",
        "end",
    ]
    out, switch = run_as("ops", lines)
    show, terminal, directory, configure, hostname, interface, do_show, no_user, end = out
    assert show == "leaf1.example.com\n"
    assert (terminal, end) == ("", "")
    assert "bytes free" in directory
    assert configure.startswith("Enter configuration commands")
    assert hostname == interface == no_user == DENIED
    assert "Time source is" in do_show
    assert switch.hostname == HOSTNAME
    assert any(user.name == "boss" for user in switch.users)


def test_a_network_operator_may_not_save_reload_delete_clear_or_touch_licensing() -> None:
    lines = [
        "copy running-config startup-config",
        "write erase",
        "reload",
        "delete bootflash:x.cfg",
        "clear counters",
        "checkpoint before",
        "install all nxos bootflash:nxos.bin",
        "license smart sync",
        "configure replace bootflash:x.cfg",
        "tclsh",
    ]
    out, switch = run_as("ops", lines)
    assert out == [DENIED] * len(lines)
    assert not switch.checkpoints


def test_a_command_that_does_not_parse_is_a_syntax_error_before_a_role_refusal() -> None:
    [out], _ = run_as("ops", ["copy nowhere"])
    assert "% Invalid command at '^' marker." in out or "Incomplete" in out


def test_administrators_and_the_lab_account_change_the_switch() -> None:
    for user in ("boss", "admin", None):
        out, switch = run_as(user, ["configure terminal", "hostname core1", "end"])
        assert PERMISSION_DENIED not in "".join(out)
        assert switch.hostname == "core1"


def test_vdc_operator_reads_only_and_a_second_role_adds_rights_to_open_sessions() -> None:
    async def body(sim: Simulation, access: SwitchAccess) -> list[str]:
        session = access.new_session("viewer")
        outputs = [(await access.run(session, "configure terminal")).output]
        outputs.append((await access.run(session, "hostname core1")).output)
        # Roles add up: any role that permits a command lets it run.
        sim.switch(HOSTNAME).apply_config(["username viewer role network-admin"])
        outputs.append((await access.run(session, "hostname core2")).output)
        outputs.append(sim.switch(HOSTNAME).hostname)
        return outputs

    entered, refused, allowed, hostname = with_lab(body)
    assert entered.startswith("Enter configuration commands")
    assert refused == DENIED
    assert (allowed, hostname) == ("", "core2")


def test_over_ssh_an_operator_is_refused_and_the_exec_request_fails() -> None:
    async def body(sim: Simulation, access: SwitchAccess) -> tuple[Any, Any, str]:
        server = await start_ssh_server(access)
        try:
            async with asyncssh.connect(
                "127.0.0.1", server.port, username="ops", password="s3cret", known_hosts=None
            ) as conn:
                refused = await asyncio.wait_for(
                    conn.run("show hostname ; configure terminal ; hostname evil"), WAIT
                )
            async with asyncssh.connect(
                "127.0.0.1", server.port, username="admin", password="admin", known_hosts=None
            ) as conn:
                allowed = await asyncio.wait_for(
                    conn.run("configure terminal ; hostname core1"), WAIT
                )
        finally:
            await server.close()
        return refused, allowed, sim.switch(HOSTNAME).hostname

    refused, allowed, hostname = with_lab(body)
    assert refused.exit_status == 1
    assert str(refused.stdout).startswith("leaf1.example.com\n")
    assert str(refused.stdout).endswith("hostname evil\n" + DENIED)
    assert allowed.exit_status == 0
    assert hostname == "core1"


def _post(client: httpx.AsyncClient, body: object, **options: Any) -> Awaitable[httpx.Response]:
    return client.post("/ins", json=body, **options)


def test_over_nx_api_a_refusal_is_a_cli_execution_error_for_the_cookie_holder_too() -> None:
    async def body(sim: Simulation, access: SwitchAccess) -> list[Any]:
        app = create_nxapi_app(access)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://switch") as client:
            conf = ins_api_request("hostname evil", "cli_conf")
            first = await _post(client, conf, auth=("ops", "s3cret"))
            # The client sends back the cookie the first answer set: it stands for ops.
            assert COOKIE in client.cookies
            again = await _post(client, conf)
            show = await _post(client, ins_api_request("show hostname", "cli_show"))
            rpc = await client.post(
                "/ins",
                json=[
                    {
                        "jsonrpc": "2.0",
                        "method": "cli",
                        "params": {"cmd": "hostname evil", "version": 1},
                        "id": 1,
                    }
                ],
                auth=("ops", "s3cret"),
                headers={"content-type": "application/json-rpc"},
            )
            admin = await _post(
                client, ins_api_request("hostname core1", "cli_conf"), auth=("admin", "admin")
            )
        return [first, again, show, rpc, admin, sim.switch(HOSTNAME).hostname]

    first, again, show, rpc, admin, hostname = with_lab(body)
    for response in (first, again):
        assert response.status_code == 200
        output = response.json()["ins_api"]["outputs"]["output"]
        assert output == {
            "input": "hostname evil",
            "msg": "CLI execution error",
            "code": "400",
            "clierror": DENIED,
        }
    assert show.json()["ins_api"]["outputs"]["output"]["code"] == "200"
    assert rpc.status_code == 400
    [reply] = rpc.json()
    assert reply["error"]["code"] == -32602
    assert reply["error"]["data"]["msg"] == DENIED
    assert admin.json()["ins_api"]["outputs"]["output"]["code"] == "200"
    assert hostname == "core1"


def test_the_console_session_and_scripts_act_as_the_administrator() -> None:
    async def body(sim: Simulation, access: SwitchAccess) -> str:
        switch = sim.switch(HOSTNAME)
        switch.apply_config(["hostname core1"])
        session = access.new_session()
        await access.run(session, "configure terminal")
        await access.run(session, "hostname core2")
        return switch.hostname

    assert with_lab(body) == "core2"
