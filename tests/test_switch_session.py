"""Session habits of real clients: pipes, quoting, terminal and line settings, (y/n) questions,
Tab completion and the login banner."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import asyncssh
import pytest
from netmiko import ConnectHandler
from ssh_terminal import read_until, typed

from sim.lab.access import SwitchAccess
from sim.lab.background import BackgroundLab
from sim.lab.lab import LabOptions
from sim.lab.ssh import start_ssh_server
from sim.simulation import Simulation, SwitchSpec
from sim.switch.switch import Switch


@pytest.fixture
def switch() -> Iterator[Switch]:
    simulation = Simulation.build(
        "direct",
        switches=[SwitchSpec("leaf1", pid="N9K-C93180YC-FX", licenses={"NXOS_ADVANTAGE_XF": 1})],
    )
    asyncio.run(simulation.boot())
    yield simulation.switch("leaf1")
    asyncio.run(simulation.close())


UPLINKS = [
    "interface Ethernet1/1",
    "description to spine1",
    "interface Ethernet1/2",
    "description to spine2",
    "ntp server 10.0.0.1",
]


def test_section_shows_each_matching_block_with_its_indented_lines(switch: Switch) -> None:
    switch.apply_config(UPLINKS)
    out = switch.exec("show running-config | section Ethernet1/")
    # Unconfigured interfaces follow as bare headers, as NX-OS lists every interface.
    assert out.splitlines()[:7] == [
        "interface Ethernet1/1",
        "  description to spine1",
        "  no shutdown",
        "interface Ethernet1/2",
        "  description to spine2",
        "  no shutdown",
        "interface Ethernet1/3",
    ]
    assert switch.exec("show running-config | section ntp") == "ntp server 10.0.0.1\n"


def test_grep_and_egrep_take_their_options_spelled_out(switch: Switch) -> None:
    switch.apply_config(UPLINKS)
    run = "show running-config"
    assert switch.exec(f"{run} | grep spine").splitlines() == [
        "  description to spine1",
        "  description to spine2",
    ]
    assert switch.exec(f"{run} | egrep ignore-case SPINE2") == "  description to spine2\n"
    assert switch.exec(f"{run} | egrep count spine") == "2\n"
    assert switch.exec(f"{run} | grep prev 1 spine1").splitlines() == [
        "interface Ethernet1/1",
        "  description to spine1",
    ]
    assert switch.exec(f"{run} | egrep next 1 word-exp spine1").splitlines() == [
        "  description to spine1",
        "  no shutdown",
    ]
    inverted = switch.exec(f"{run} | grep invert-match e")
    assert inverted and all("e" not in line for line in inverted.splitlines())
    # An expression that is also the start of an option is an expression.
    assert "ntp server 10.0.0.1\n" in switch.exec(f"{run} | grep n")


def test_head_and_last_default_to_ten_lines(switch: Switch) -> None:
    lines = switch.exec("show running-config").splitlines()
    assert switch.exec("show running-config | head").splitlines() == lines[:10]
    assert switch.exec("show running-config | head lines 3").splitlines() == lines[:3]
    assert switch.exec("show running-config | last").splitlines() == lines[-10:]
    assert switch.exec("show running-config | last 2").splitlines() == lines[-2:]
    assert switch.exec("show running-config | last 0") == ""


@pytest.mark.parametrize("quoted", ["'bytes free'", '"bytes free"', "bytes free"])
def test_pipe_arguments_may_be_quoted_either_way(switch: Switch, quoted: str) -> None:
    for pipe in ("include", "i", "grep", "egrep"):
        out = switch.exec(f"dir bootflash: | {pipe} {quoted}")
        assert out.endswith(" bytes free\n") and len(out.splitlines()) == 1, pipe
    assert switch.exec(f"show running-config | section {quoted}") == ""


def test_an_apostrophe_inside_a_description_is_kept(switch: Switch) -> None:
    switch.apply_config(["interface Ethernet1/5", "description don't touch"])
    assert "  description don't touch\n" in switch.exec("show running-config")


def test_unicon_connection_settings_are_accepted_and_shown(switch: Switch) -> None:
    session = switch.new_session()
    for line in ("term length 0", "term width 511", "terminal session-timeout 0"):
        assert not session.execute(line).error, line
    assert session.terminal.session_timeout == 0
    config = ["no logging console", "line console", "exec-timeout 0", "line vty"]
    config += ["exec-timeout 15", "terminal width 511"]
    for line in ["configure terminal", *config]:
        result = session.execute(line)
        assert not result.error, (line, result.output)
    assert session.prompt == "leaf1(config-line)#"
    session.execute("end")
    running = switch.exec("show running-config")
    assert "no logging console\n" in running
    assert "\nline vty\n  exec-timeout 15\n" in running
    assert "line console" not in running  # exec-timeout 0 is the default
    switch.apply_config(["logging console", "line vty", "no exec-timeout"])
    running = switch.exec("show running-config")
    assert "logging console" not in running and "line vty" not in running


def test_destructive_commands_ask_first_in_an_interactive_session(switch: Switch) -> None:
    switch.save_startup_config()
    session = switch.new_session()
    session.interactive = True
    booted = switch.booted_at
    asked = session.execute("write erase")
    assert asked.question
    assert asked.output.endswith("Do you wish to proceed anyway? (y/n)  [n] ")
    assert session.execute("").output == ""  # the default is no
    assert switch.startup_config is not None
    assert session.execute("write erase").question
    session.execute("y")
    assert switch.startup_config is None
    asked = session.execute("reload")
    assert asked.output == "This command will reboot the system. (y/n)?  [n] "
    session.execute("n")
    assert switch.booted_at == booted
    # With terminal dont-ask, and in sessions nobody types into (NX-API, scripts), it runs.
    session.execute("terminal dont-ask")
    switch.save_startup_config()
    assert not session.execute("write erase").question
    assert switch.startup_config is None
    assert switch.exec("write erase") == ""


def _ssh(body: object) -> object:
    async def main() -> object:
        sim = Simulation.build("direct", switches=[SwitchSpec("leaf1")])
        await sim.boot()
        server = await start_ssh_server(SwitchAccess(sim, "leaf1"))
        try:
            return await body(sim, server.port)  # type: ignore[operator]
        finally:
            await server.close()
            await sim.close()

    return asyncio.run(main())


def test_ssh_shell_shows_a_banner_completes_with_tab_and_asks_before_reload() -> None:
    async def body(sim: Simulation, port: int) -> list[str]:
        seen = []
        async with asyncssh.connect(
            "127.0.0.1", port, username="admin", password="admin", known_hosts=None
        ) as conn:
            shell = await conn.create_process(term_type="xterm", term_size=(80, 24))
            seen.append(await read_until(shell, "leaf1# "))
            seen.append(await typed(shell, "sh\tver\t", "show version "))
            seen.append(await typed(shell, "\x15c\t", "leaf1# c"))
            seen.append(await typed(shell, "\x15reload\r", "[n] "))
            seen.append(await typed(shell, "n\r", "leaf1# "))
        return seen

    banner, completed, choices, question, declined = _ssh(body)  # type: ignore[misc]
    assert banner.startswith("Cisco Nexus Operating System (NX-OS) Software\r\n")
    assert banner.endswith("\r\n\r\nleaf1# ")
    assert completed.endswith("show version ")
    assert "checkpoint  clear  clock" in choices
    assert question.endswith("This command will reboot the system. (y/n)?  [n] ")
    assert "leaf1#" not in question
    assert declined.endswith("\r\nleaf1# ")


def test_netmiko_answers_a_question_with_send_command_timing() -> None:
    async def body(sim: Simulation, port: int) -> tuple[str, str, object]:
        def drive() -> tuple[str, str]:
            conn = ConnectHandler(
                device_type="cisco_nxos",
                host="127.0.0.1",
                port=port,
                username="admin",
                password="admin",
                fast_cli=False,
            )
            try:
                conn.send_command("copy running-config startup-config")
                asked = conn.send_command_timing("write erase")
                answered = conn.send_command_timing("y")
                return asked, answered
            finally:
                conn.disconnect()

        asked, answered = await asyncio.to_thread(drive)
        return asked, answered, sim.switch("leaf1").startup_config

    asked, _answered, startup = _ssh(body)  # type: ignore[misc]
    assert "Do you wish to proceed anyway? (y/n)  [n]" in asked
    assert startup is None


def test_a_lab_keeps_line_settings_and_checkpoints_across_a_restart(tmp_path: Path) -> None:
    options = LabOptions(switches=1, control_port=0, state_dir=tmp_path)

    async def configure(lab: BackgroundLab) -> str:
        switch = lab.lab.simulation.switch("leaf1")
        switch.apply_config(["line vty", "exec-timeout 7", "no logging console"])
        switch.exec("checkpoint before-change")
        switch.apply_config(["hostname changed"])
        return switch.exec("show running-config")

    async def after(lab: BackgroundLab) -> tuple[str, str]:
        switch = lab.lab.simulation.switch("leaf1")
        return switch.exec("show running-config"), switch.exec(
            "rollback running-config checkpoint before-change"
        )

    with BackgroundLab(options) as running:
        before = running.call(lambda: configure(running))
    with BackgroundLab(options) as again:
        restored, rollback = again.call(lambda: after(again))
    assert restored.split("\n")[3:] == before.split("\n")[3:]
    assert "Rollback completed successfully." in rollback
