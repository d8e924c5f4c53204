"""Configuration management as NX-OS does it: checkpoints, rollback, replace, sessions, files."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncssh
import pytest

from sim.lab.access import SwitchAccess
from sim.lab.scp import MAX_FILE_BYTES, BootflashSftp
from sim.lab.ssh import start_ssh_server
from sim.simulation import Simulation, SwitchSpec
from sim.switch.config_mgmt.patch import MAX_CONFIG_LINES, rollback_patch
from sim.switch.switch import Switch

CHANGES = [
    "hostname edge7",
    "ntp server 10.0.0.1",
    "logging server 10.0.0.2",
    "no logging console",
    "interface Ethernet1/1",
    "description to spine1",
    "mtu 9216",
    "interface Ethernet1/2",
    "shutdown",
    "line vty",
    "exec-timeout 30",
]


@pytest.fixture
def sim() -> Iterator[Simulation]:
    simulation = Simulation.build(
        "direct",
        switches=[SwitchSpec("leaf1", pid="N9K-C93180YC-FX", licenses={"NXOS_ADVANTAGE_XF": 1})],
    )
    asyncio.run(simulation.boot())
    yield simulation
    asyncio.run(simulation.close())


@pytest.fixture
def switch(sim: Simulation) -> Switch:
    return sim.switch("leaf1")


def body(switch: Switch) -> list[str]:
    """The running configuration without its `!Command` / `!Time` header."""
    return switch.exec("show running-config").splitlines()[4:]


def test_rollback_to_a_named_checkpoint_restores_every_feature(switch: Switch) -> None:
    before = body(switch)
    assert switch.exec("checkpoint base description before the change") == "Done\n"
    switch.apply_config(CHANGES)
    changed = body(switch)
    assert changed != before and "hostname edge7" in changed
    out = switch.exec("rollback running-config checkpoint base")
    assert out.endswith("Verification is Successful.\n\nRollback completed successfully.\n")
    assert body(switch) == before
    # ... and forward again, to a file checkpoint taken of the changed configuration.
    switch.apply_config(CHANGES)
    switch.exec("checkpoint file bootflash:changed.cfg")
    switch.exec("rollback running-config checkpoint base")
    assert "Rollback completed successfully." in switch.exec(
        "rollback running-config file bootflash:changed.cfg"
    )
    assert body(switch) == changed


def test_show_checkpoint_lists_and_prints_them(switch: Switch) -> None:
    switch.exec("checkpoint base description before the change")
    switch.exec("checkpoint")
    summary = switch.exec("show checkpoint summary")
    assert "1) base:\n" in summary and "2) user-checkpoint-1:\n" in summary
    assert "Description: before the change\n" in summary
    shown = switch.exec("show checkpoint base")
    assert "Name: base\n" in shown and "hostname leaf1\n" in shown
    assert switch.exec("checkpoint base") == "% Checkpoint base exists already\n"
    assert switch.exec("rollback running-config checkpoint nope") == (
        "% Checkpoint nope does not exist\n"
    )


def test_show_diff_rollback_patch_is_what_a_rollback_would_type(switch: Switch) -> None:
    switch.exec("checkpoint file before.cfg")
    switch.apply_config(CHANGES)
    switch.exec("checkpoint file after.cfg")
    same = switch.exec("show diff rollback-patch file before.cfg file before.cfg")
    assert same.endswith("#Generating Rollback Patch\nRollback Patch is Empty\n")
    patch = switch.exec("show diff rollback-patch file after.cfg file before.cfg")
    lines = patch.split("#Generating Rollback Patch\n", 1)[1].splitlines()
    assert lines[0] == "!!"
    assert "no hostname edge7" in lines and "hostname leaf1" in lines
    assert "no ntp server 10.0.0.1" in lines and "logging console" in lines
    assert lines[lines.index("interface Ethernet1/1") + 1 :][:2] == [
        "  no mtu 9216",
        "  no description to spine1",
    ]
    running = switch.exec("show diff rollback-patch running-config file after.cfg")
    assert running.endswith("Rollback Patch is Empty\n")


def test_a_rollback_patch_keeps_sub_mode_lines_under_their_block() -> None:
    current = ["interface Ethernet1/1", "  description a", "  no shutdown", "hostname x"]
    target = ["interface Ethernet1/1", "  description b", "  no shutdown", "hostname x"]
    assert rollback_patch(current, target) == [
        "interface Ethernet1/1",
        "  no description a",
        "  description b",
    ]


def test_a_configuration_file_too_large_is_refused_before_any_patch(switch: Switch) -> None:
    switch.write_bootflash("huge.cfg", "ntp server 10.0.0.1\n" * (MAX_CONFIG_LINES + 1))
    out = switch.exec("rollback running-config file huge.cfg")
    assert out == "% File huge.cfg is too large to be a configuration\n"
    assert "ntp server" not in switch.exec("show running-config")


def test_copy_between_running_startup_and_bootflash(switch: Switch) -> None:
    switch.apply_config(CHANGES[:3])
    assert switch.exec("copy running-config bootflash:saved.cfg").endswith("Copy complete.\n")
    assert "hostname edge7\n" in switch.exec("show file bootflash:saved.cfg")
    text = switch.read_bootflash("saved.cfg")
    assert (
        switch.exec("show file saved.cfg md5sum") == hashlib.md5(text.encode()).hexdigest() + "\n"
    )
    assert switch.exec("copy saved.cfg startup-config").endswith("Copy complete.\n")
    assert "hostname edge7" in switch.exec("show startup-config")
    switch.exec("copy saved.cfg backup.cfg")
    assert "backup.cfg" in switch.exec("dir bootflash:")
    # Copying a file onto the running configuration merges it.
    switch.write_bootflash("extra.cfg", "interface Ethernet1/9\n  description merged\n")
    switch.exec("copy bootflash:extra.cfg running-config")
    shown = switch.exec("show running-config | section Ethernet1/9")
    assert "  description merged\n" in shown
    assert "hostname edge7" in switch.exec("show running-config")


def test_delete_and_dir_of_one_file(switch: Switch) -> None:
    switch.exec("checkpoint file bootflash:cp.cfg")
    assert switch.exec("dir cp.cfg").splitlines()[0].endswith("  cp.cfg")
    assert switch.exec("dir bootflash:/cp.cfg").splitlines()[0].endswith("  cp.cfg")
    assert switch.exec("delete bootflash:cp.cfg") == ""
    assert switch.exec("dir cp.cfg") == "No such file or directory\n"
    assert switch.exec("delete cp.cfg") == "No such file or directory\n"
    assert switch.exec("delete usb1:cp.cfg") == "% Invalid file system: usb1:\n"


def test_write_erase_removes_the_startup_configuration(switch: Switch) -> None:
    switch.exec("copy running-config startup-config")
    switch.exec("write erase")
    assert switch.exec("show startup-config") == "No startup-config exists.\n"


def test_configure_replace_reverts_unless_committed(sim: Simulation, switch: Switch) -> None:
    before = body(switch)
    switch.apply_config(CHANGES)
    switch.exec("checkpoint file target.cfg")
    switch.exec("rollback running-config checkpoint " + _checkpoint_of(switch, before))
    out = switch.exec("configure replace bootflash:target.cfg commit-timeout 60")
    assert "Configure replace completed successfully." in out
    assert "hostname edge7" in body(switch)
    asyncio.run(sim.advance(timedelta(seconds=61)))
    assert body(switch) == before  # not committed in time: back to what it was
    switch.exec("config replace target.cfg commit-timeout 60")
    assert switch.exec("configure replace commit") == ""
    asyncio.run(sim.advance(timedelta(seconds=120)))
    assert "hostname edge7" in body(switch)
    assert switch.exec("configure replace commit") == (
        "% No configure replace is waiting for a commit\n"
    )


def _checkpoint_of(switch: Switch, lines: list[str]) -> str:
    switch.write_bootflash("prev.cfg", "\n".join(lines) + "\n")
    switch.exec("rollback running-config file prev.cfg")
    switch.exec("checkpoint prev")
    return "prev"


def test_a_configuration_session_applies_only_on_commit(switch: Switch) -> None:
    session = switch.new_session()
    started = session.execute("configure session edits").output
    assert started.startswith("Config Session started")
    assert session.prompt == "leaf1(config-s)#"
    for line in ("hostname staged", "interface Ethernet1/4", "description staged"):
        assert not session.execute(line).error, line
    assert session.execute("bogus words").output == "% Invalid command at '^' marker.\n"
    assert "hostname leaf1" in body(switch)  # nothing applied yet
    assert session.execute("verify").output == "Verification Successful\n"
    assert session.execute("commit").output == "Commit Successful\n"
    assert session.prompt == "staged#"
    assert "  description staged\n" in switch.exec("show running-config | section Ethernet1/4")
    session.execute("configure session other")
    session.execute("hostname discarded")
    session.execute("abort")
    assert session.prompt == "staged#"
    session.execute("configure session other")
    assert session.execute("commit").output == "Commit Successful\n"
    assert "hostname staged" in body(switch)


def test_scp_copies_files_onto_bootflash_within_a_size_bound(tmp_path: Path) -> None:
    source = tmp_path / "cand.cfg"
    source.write_text("hostname copied\n")
    back = tmp_path / "back.cfg"

    async def main() -> tuple[str, str]:
        sim = Simulation.build("direct", switches=[SwitchSpec("leaf1")])
        await sim.boot()
        access = SwitchAccess(sim, "leaf1")
        server = await start_ssh_server(access)
        try:
            async with asyncssh.connect(
                "127.0.0.1", server.port, username="admin", password="admin", known_hosts=None
            ) as conn:
                await asyncssh.scp(source, (conn, "bootflash:/cand.cfg"))
                await asyncssh.scp((conn, "bootflash:cand.cfg"), back)
            sftp = BootflashSftp.__new__(BootflashSftp)
            with pytest.raises(asyncssh.SFTPFailure):
                sftp.write(_upload("big.cfg"), MAX_FILE_BYTES, b"x")
            return sim.switch("leaf1").read_bootflash("cand.cfg"), back.read_text()
        finally:
            await server.close()
            await sim.close()

    copied, fetched = asyncio.run(main())
    assert copied == fetched == "hostname copied\n"


def _upload(name: str) -> Any:
    from sim.lab.scp import _Upload

    return _Upload(name)


# ---------------------------------------------------------------------- running-config all


def test_running_config_names_mgmt0_s_vrf_and_all_adds_the_defaults() -> None:
    sim = Simulation.build("direct", switches=[SwitchSpec("leaf1")])
    asyncio.run(sim.boot())
    switch = sim.switch("leaf1")
    switch.apply_config(["vlan 10", "interface e1/3", "switchport access vlan 10"])
    plain = switch.exec("show running-config")
    assert "\ninterface mgmt0\n  vrf member management\n\ninterface Ethernet1/1\n" in plain
    full = switch.exec("show running-config all")
    assert full.startswith("!Command: show running-config all\n")
    for block in (
        "logging console 2\n",
        "vlan 10\n  name VLAN0010\n  state active\n  no shutdown\n",
        "interface mgmt0\n  vrf member management\n  no description\n  mtu 1500\n  no shutdown\n",
        "interface Ethernet1/3\n  no description\n  switchport\n  switchport access vlan 10\n"
        "  mtu 1500\n  no shutdown\n",
        "line vty\n  exec-timeout 0\n",
    ):
        assert block in full
    # Every line it prints is configuration the switch takes back unchanged.
    body = [line for line in full.splitlines()[4:] if not line.startswith("version ")]
    assert set(switch.apply_config(body)) == {""}
    assert switch.exec("show running-config").split("\n", 3)[3] == plain.split("\n", 3)[3]
    refused = switch.apply_config(["interface mgmt0", "vrf member red", "interface e1/1"])
    assert refused[1] == "ERROR: mgmt0 is a member of VRF management only\n"
    assert switch.apply_config(["interface e1/1", "vrf member red"])[1] == "% VRF red not found\n"
    asyncio.run(sim.close())
