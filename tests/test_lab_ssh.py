"""The SSH front end, driven by the clients automation engineers use: netmiko and scrapli.

The server runs on the test's event loop; the synchronous clients run in a worker thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import asyncssh
import pytest
from netmiko import ConnectHandler
from netmiko.exceptions import NetmikoAuthenticationException
from ntc_templates.parse import parse_output
from scrapli.driver.core import NXOSDriver
from ssh_terminal import WAIT, read_until, typed

from sim.lab.access import SwitchAccess
from sim.lab.ssh import load_host_key, shared_host_key, start_ssh_server
from sim.simulation import Simulation, SwitchSpec

T = TypeVar("T")
HOSTNAME = "leaf1"


def with_switch(body: Callable[[Simulation, int], Awaitable[T]]) -> T:
    """Boot a direct-topology lab, serve its switch over SSH, and run `body` against it."""

    async def main() -> T:
        sim = Simulation.build("direct", switches=[SwitchSpec(HOSTNAME)])
        await sim.boot()
        server = await start_ssh_server(SwitchAccess(sim, HOSTNAME))
        try:
            return await body(sim, server.port)
        finally:
            await server.close()
            await sim.close()

    return asyncio.run(main())


def netmiko_device(port: int, password: str = "admin") -> dict[str, object]:
    return {
        "device_type": "cisco_nxos",
        "host": "127.0.0.1",
        "port": port,
        "username": "admin",
        "password": password,
        "fast_cli": True,
    }


async def connect(port: int, **options: object) -> asyncssh.SSHClientConnection:
    return await asyncssh.connect("127.0.0.1", port, username="admin", known_hosts=None, **options)


# ---------------------------------------------------------------------- netmiko


def test_netmiko_shows_configures_and_parses() -> None:
    def session(port: int) -> dict[str, object]:
        conn = ConnectHandler(**netmiko_device(port))
        try:
            return {
                "prompt": conn.find_prompt(),
                "status": conn.send_command("show license status"),
                "version": conn.send_command("show version"),
                "usage": conn.send_command("show license usage"),
                "config": conn.send_config_set(
                    ["license smart usage interval 45", "ip domain-name lab.example"]
                ),
                "running": conn.send_command("show running-config"),
                "bad": conn.send_command("show licence status"),
            }
        finally:
            conn.disconnect()

    async def body(sim: Simulation, port: int) -> dict[str, object]:
        return await asyncio.to_thread(session, port)

    out = with_switch(body)
    assert out["prompt"] == f"{HOSTNAME}#"
    assert "Smart Licensing Using Policy" in str(out["status"])
    assert "Transport:" in str(out["status"])

    version = parse_output(platform="cisco_nxos", command="show version", data=out["version"])
    assert version[0]["os"].startswith("10.4(3)")
    assert version[0]["hostname"] == HOSTNAME
    assert version[0]["serial"] == "FDO2434107N"
    usage = parse_output(platform="cisco_nxos", command="show license usage", data=out["usage"])
    assert [row["feature"] for row in usage] == ["NXOS_ADVANTAGE_XF"]

    assert f"{HOSTNAME}(config)#" in str(out["config"])
    assert "license smart usage interval 45" in str(out["running"])
    assert "ip domain-name lab.example" in str(out["running"])

    # The caret sits under the first bad token, counted from the start of the prompt line.
    caret, message = str(out["bad"]).splitlines()[:2]
    assert caret.index("^") == len(f"{HOSTNAME}# show ")
    assert message == "% Invalid command at '^' marker."


def test_netmiko_bad_password_is_rejected() -> None:
    def attempt(port: int) -> None:
        ConnectHandler(**netmiko_device(port, password="wrong"))

    async def body(sim: Simulation, port: int) -> None:
        with pytest.raises(NetmikoAuthenticationException):
            await asyncio.to_thread(attempt, port)

    with_switch(body)


def test_password_may_be_retried_on_one_connection() -> None:
    class TwoTries(asyncssh.SSHClient):
        def __init__(self) -> None:
            self.offers = ["wrong", "admin"]

        def password_auth_requested(self) -> str | None:
            return self.offers.pop(0) if self.offers else None

    async def body(sim: Simulation, port: int) -> str:
        client = TwoTries()
        conn, _ = await asyncssh.create_connection(
            lambda: client, "127.0.0.1", port, username="admin", known_hosts=None
        )
        async with conn:
            assert client.offers == []
            result = await conn.run("show clock", check=True)
        return str(result.stdout)

    assert "Time source is" in with_switch(body)


def test_only_the_right_password_opens_a_session() -> None:
    async def body(sim: Simulation, port: int) -> None:
        with pytest.raises(asyncssh.PermissionDenied):
            await connect(port, password="admin2")
        with pytest.raises(asyncssh.PermissionDenied):
            await asyncssh.connect(
                "127.0.0.1", port, username="root", password="admin", known_hosts=None
            )

    with_switch(body)


# ---------------------------------------------------------------------- scrapli


@pytest.mark.parametrize(
    "transport",
    [
        pytest.param("paramiko", id="paramiko"),
        # scrapli's system transport leaves its pty file to the garbage collector.
        pytest.param(
            "system",
            id="system-ssh",
            marks=pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
        ),
    ],
)
def test_scrapli_sends_commands_and_configs(transport: str) -> None:
    def session(port: int) -> dict[str, object]:
        with NXOSDriver(
            "127.0.0.1",
            port=port,
            auth_username="admin",
            auth_password="admin",
            auth_strict_key=False,
            transport=transport,
            timeout_ops=WAIT,
        ) as cli:
            usage = cli.send_command("show license usage")
            configs = cli.send_configs(
                ["license smart usage interval 60", "ntp server 10.28.13.90 use-vrf management"]
            )
            running = cli.send_command("show running-config")
            bad = cli.send_command("show licence")
            return {
                "usage": usage.result,
                "configs_failed": configs.failed,
                "running": running.result,
                "bad_failed": bad.failed,
                "bad": bad.result,
            }

    async def body(sim: Simulation, port: int) -> dict[str, object]:
        return await asyncio.to_thread(session, port)

    out = with_switch(body)
    # Parsed here rather than with Result.textfsm_parse, which leaves the template file open.
    usage = parse_output(platform="cisco_nxos", command="show license usage", data=out["usage"])
    assert [row["feature"] for row in usage] == ["NXOS_ADVANTAGE_XF"]
    assert out["configs_failed"] is False
    assert "license smart usage interval 60" in str(out["running"])
    assert "ntp server 10.28.13.90 use-vrf management" in str(out["running"])
    assert out["bad_failed"] is True
    assert "% Invalid command at '^' marker." in str(out["bad"])


# ---------------------------------------------------------------------- a person at a terminal


def test_terminal_echo_help_editing_and_exit() -> None:
    async def body(sim: Simulation, port: int) -> list[str]:
        seen = []
        async with await connect(port, password="admin") as conn:
            shell = await conn.create_process(term_type="xterm", term_size=(80, 24))
            seen.append(await read_until(shell, f"{HOSTNAME}# "))
            seen.append(await typed(shell, "show license st?", f"{HOSTNAME}# show license st"))
            seen.append(await typed(shell, "\x15show clokc\x7f\x7fck\r", f"\r\n{HOSTNAME}# "))
            seen.append(await typed(shell, "garbage line\x03", f"{HOSTNAME}# "))
            seen.append(await typed(shell, "configure terminal\r\n", f"{HOSTNAME}(config)# "))
            seen.append(await typed(shell, "callhome\r", f"{HOSTNAME}(config-callhome)# "))
            seen.append(await typed(shell, "\x1a", f"\r\n{HOSTNAME}# "))
            shell.stdin.write("exit\r")
            seen.append(await asyncio.wait_for(shell.stdout.read(), WAIT))
            await asyncio.wait_for(shell.wait_closed(), WAIT)
        return seen

    login, help_, clock, abandoned, config, submode, ctrl_z, closing = with_switch(body)
    assert login.startswith("Cisco Nexus Operating System (NX-OS) Software\r\n")
    assert login.endswith(f"particular purpose.\r\n\r\n{HOSTNAME}# ")
    assert help_.startswith("show license st?\r\n")
    assert "  status  Show license status information\r\n" in help_
    assert help_.endswith(f"\r\n{HOSTNAME}# show license st")
    # Backspace and Ctrl-U erase what they echoed; the command then runs as corrected.
    assert "\b \b" in clock
    assert "Time source is" in clock
    assert "Invalid" not in clock
    assert "garbage line" in abandoned
    assert "Invalid" not in abandoned
    assert config.endswith(f"\r\n{HOSTNAME}(config)# ")
    assert submode.endswith(f"\r\n{HOSTNAME}(config-callhome)# ")
    assert ctrl_z.endswith(f"\r\n{HOSTNAME}# ")
    assert closing.startswith("exit\r\n")


def test_pager_stops_at_terminal_length_until_a_key() -> None:
    async def body(sim: Simulation, port: int) -> tuple[str, str, str]:
        async with await connect(port, password="admin") as conn:
            shell = await conn.create_process(term_type="vt100", term_size=(80, 24))
            await read_until(shell, f"{HOSTNAME}# ")
            await typed(shell, "terminal length 5\r", f"\r\n{HOSTNAME}# ")
            first = await typed(shell, "show version\r", "--More--")
            second = await typed(shell, " ", "--More--")
            last = await typed(shell, "q", f"{HOSTNAME}# ")
            whole = await typed(shell, "show version | no-more\r", f"\r\n{HOSTNAME}# ")
        return first + second + last, whole, first

    paged, whole, first_page = with_switch(body)
    assert first_page.count("\r\n") == 1 + 4  # the echoed line, then a page of four
    assert "Device name" not in paged  # quit before the end
    assert "--More--" not in whole
    assert f"Device name: {HOSTNAME}" in whole


def test_exec_request_runs_commands_without_a_shell() -> None:
    async def body(sim: Simulation, port: int) -> tuple[asyncssh.SSHCompletedProcess, ...]:
        async with await connect(port, password="admin") as conn:
            good = await conn.run("show clock ; show license udi")
            bad = await conn.run("show licence")
        return good, bad

    good, bad = with_switch(body)
    assert good.exit_status == 0
    assert "Time source is" in str(good.stdout)
    assert "FDO2434107N" in str(good.stdout)
    assert bad.exit_status == 1
    assert "% Invalid command at '^' marker." in str(bad.stdout)


def test_commands_reach_the_simulation() -> None:
    async def body(sim: Simulation, port: int) -> list[str]:
        token = sim.issue_token()
        async with await connect(port, password="admin") as conn:
            await conn.run(f"license smart trust idtoken {token} local", check=True)
        return [record.body for record in sim.syslog(HOSTNAME)]

    logged = with_switch(body)
    assert any("TRUST_CODE_INSTALL_SUCCESS" in line for line in logged)


def test_closing_the_server_drops_open_sessions() -> None:
    async def main() -> str:
        sim = Simulation.build("direct", switches=[SwitchSpec(HOSTNAME)])
        await sim.boot()
        server = await start_ssh_server(SwitchAccess(sim, HOSTNAME))
        conn = await connect(server.port, password="admin")
        shell = await conn.create_process(term_type="vt100")
        await read_until(shell, f"{HOSTNAME}# ")
        await server.close()
        rest = await asyncio.wait_for(shell.stdout.read(), WAIT)
        await asyncio.wait_for(conn.wait_closed(), WAIT)
        await sim.close()
        return str(rest)

    assert asyncio.run(main()) == ""


def test_host_keys_are_shared_and_persisted(tmp_path: Path) -> None:
    assert shared_host_key() is shared_host_key()
    path = tmp_path / "state" / "ssh_host_key"
    made = load_host_key(path)
    again = load_host_key(path)
    assert made.export_public_key() == again.export_public_key()
    assert path.stat().st_mode & 0o077 == 0
