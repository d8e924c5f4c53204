"""SCP and SFTP onto bootflash follow the user's roles: an operator reads, only an admin writes.

The accounts are made with the CLI, as a user would, and the clients are real ones: asyncssh's
SFTP and SCP clients, and paramiko with the `scp` package that netmiko's file transfer uses.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import asyncssh
import paramiko
import pytest
from scp import SCPClient, SCPException

from sim.lab.access import SwitchAccess
from sim.lab.ssh import start_ssh_server
from sim.simulation import Simulation, SwitchSpec
from sim.switch.switch import Switch

T = TypeVar("T")
HOSTNAME = "leaf1"
PASSWORD = "s3cret"
KEPT = "hostname kept\n"
Body = Callable[[Switch, SwitchAccess, int], Awaitable[T]]


def with_switch(body: Body[T]) -> T:
    """Run `body` against a switch with an operator `ops` and an admin `boss`, made by CLI,
    and a file `kept.cfg` on its bootflash."""

    async def main() -> T:
        sim = Simulation.build("direct", switches=[SwitchSpec(HOSTNAME)])
        await sim.boot()
        access = SwitchAccess(sim, HOSTNAME)
        session = access.new_session()
        for line in (
            "configure terminal",
            f"username ops password {PASSWORD} role network-operator",
            f"username boss password {PASSWORD} role network-admin",
            "end",
        ):
            assert "%" not in (await access.run(session, line, prompt_len=0)).output
        switch = sim.switch(HOSTNAME)
        switch.write_bootflash("kept.cfg", KEPT)
        server = await start_ssh_server(access)
        try:
            return await body(switch, access, server.port)
        finally:
            await server.close()
            await sim.close()

    return asyncio.run(main())


def connect(port: int, user: str) -> asyncssh.SSHClientConnectionContextManager:
    return asyncssh.connect("127.0.0.1", port, username=user, password=PASSWORD, known_hosts=None)


def test_an_operator_reads_bootflash_over_sftp_but_changes_nothing(tmp_path: Path) -> None:
    local = tmp_path / "new.cfg"
    local.write_text("hostname changed\n")

    async def body(switch: Switch, access: SwitchAccess, port: int) -> list[str]:
        async with connect(port, "ops") as conn, conn.start_sftp_client() as sftp:
            assert "kept.cfg" in await sftp.listdir("bootflash:")
            await sftp.get("bootflash:kept.cfg", tmp_path / "fetched.cfg")
            refusals = []
            for attempt in (
                sftp.put(local, "bootflash:new.cfg"),
                sftp.put(local, "bootflash:kept.cfg"),
                sftp.remove("bootflash:kept.cfg"),
                sftp.rename("bootflash:kept.cfg", "bootflash:moved.cfg"),
                sftp.posix_rename("bootflash:kept.cfg", "bootflash:moved.cfg"),
                sftp.mkdir("bootflash:folder"),
            ):
                with pytest.raises(asyncssh.SFTPPermissionDenied) as refused:
                    await attempt
                refusals.append(refused.value.reason)
        assert switch.bootflash_files() == ["kept.cfg"]
        assert switch.read_bootflash("kept.cfg") == KEPT
        return refusals

    refusals = with_switch(body)
    assert (tmp_path / "fetched.cfg").read_text() == KEPT
    assert refusals[0] == "bootflash:new.cfg: Permission denied"
    assert all(reason.endswith(": Permission denied") for reason in refusals)


def test_an_operator_fetches_with_scp_and_its_upload_is_refused(tmp_path: Path) -> None:
    local = tmp_path / "new.cfg"
    local.write_text("hostname changed\n")

    async def body(switch: Switch, access: SwitchAccess, port: int) -> str:
        async with connect(port, "ops") as conn:
            await asyncssh.scp((conn, "bootflash:kept.cfg"), tmp_path / "fetched.cfg")
            with pytest.raises(asyncssh.SFTPError) as refused:
                await asyncssh.scp(local, (conn, "bootflash:kept.cfg"))
        assert switch.read_bootflash("kept.cfg") == KEPT
        return refused.value.reason

    # The switch sends its error line as OpenSSH's scp does: `scp: <path>: <reason>`.
    assert with_switch(body) == "scp: bootflash:kept.cfg: Permission denied"
    assert (tmp_path / "fetched.cfg").read_text() == KEPT


def test_netmikos_scp_client_is_refused_for_an_operator_and_lets_an_admin_copy(
    tmp_path: Path,
) -> None:
    local = tmp_path / "candidate.cfg"
    local.write_text("hostname candidate\n")

    def put_as(port: int, user: str) -> None:
        client = paramiko.SSHClient()
        client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
        client.connect(
            "127.0.0.1",
            port,
            username=user,
            password=PASSWORD,
            look_for_keys=False,
            allow_agent=False,
        )
        try:
            with SCPClient(client.get_transport()) as scp:
                scp.put(str(local), "bootflash:candidate.cfg")
        finally:
            client.close()

    async def body(switch: Switch, access: SwitchAccess, port: int) -> tuple[str, list[str]]:
        with pytest.raises(SCPException) as refused:
            await asyncio.to_thread(put_as, port, "ops")
        assert switch.bootflash_files() == ["kept.cfg"]
        await asyncio.to_thread(put_as, port, "boss")
        return str(refused.value), switch.bootflash_files()

    refusal, files = with_switch(body)
    assert "Permission denied" in refusal
    assert files == ["candidate.cfg", "kept.cfg"]


def test_an_admin_changes_bootflash_and_a_new_role_applies_to_an_open_session(
    tmp_path: Path,
) -> None:
    local = tmp_path / "new.cfg"
    local.write_text("hostname new\n")

    async def body(switch: Switch, access: SwitchAccess, port: int) -> list[str]:
        async with connect(port, "boss") as conn, conn.start_sftp_client() as sftp:
            await sftp.put(local, "bootflash:new.cfg")
            await sftp.rename("bootflash:new.cfg", "bootflash:renamed.cfg")
            with pytest.raises(asyncssh.SFTPOpUnsupported):
                await sftp.mkdir("bootflash:folder")
        async with connect(port, "ops") as conn, conn.start_sftp_client() as sftp:
            with pytest.raises(asyncssh.SFTPPermissionDenied):
                await sftp.remove("bootflash:renamed.cfg")
            admin = access.new_session()
            for line in ("configure terminal", "username ops role network-admin", "end"):
                await access.run(admin, line, prompt_len=0)
            await sftp.remove("bootflash:renamed.cfg")
        return switch.bootflash_files()

    assert with_switch(body) == ["kept.cfg"]
