"""`logging monitor`: the severity at or below which log lines reach `terminal monitor` sessions."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

import asyncssh
from ssh_terminal import read_until, typed
from wire_lab import shown_across_a_restart

from sim.lab.access import SwitchAccess
from sim.lab.ssh import start_ssh_server
from sim.simulation import Simulation, SwitchSpec
from sim.switch.switch import Switch


@dataclass(frozen=True)
class Probe:
    """A catalogued message of a chosen severity, as another feature would log it."""

    mnemonic: str
    severity: int


CRITICAL = Probe("PROBE_CRITICAL", 2)
INFORMATIONAL = Probe("PROBE_INFO", 6)


def _log_both(switch: Switch, round_: int) -> None:
    # The informational line first: once the critical one shows, the other had its chance.
    switch.log_other("PROBE", INFORMATIONAL, f"informational {round_}")
    switch.log_other("PROBE", CRITICAL, f"critical {round_}")


def test_monitor_sessions_see_lines_at_or_below_the_logging_monitor_severity() -> None:
    async def main() -> tuple[str, str, str]:
        sim = Simulation.build("direct", switches=[SwitchSpec("leaf1")])
        await sim.boot()
        server = await start_ssh_server(SwitchAccess(sim, "leaf1"))
        switch = sim.switch("leaf1")
        try:
            async with asyncssh.connect(
                "127.0.0.1", server.port, username="admin", password="admin", known_hosts=None
            ) as conn:
                process = await conn.create_process(term_type="vt100")
                await read_until(process, "leaf1# ")
                await typed(process, "terminal monitor\r", "leaf1# ")
                _log_both(switch, 1)
                default = await read_until(process, "critical 1")
                await typed(process, "configure terminal\r", "(config)# ")
                await typed(process, "logging monitor 7\r", "(config)# ")
                await typed(process, "end\r", "leaf1# ")
                _log_both(switch, 2)
                debugging = await read_until(process, "critical 2")
                await typed(process, "configure terminal\r", "(config)# ")
                await typed(process, "no logging monitor\r", "(config)# ")
                await typed(process, "end\r", "leaf1# ")
                _log_both(switch, 3)
                # A command's answer comes after any log line queued before it was typed.
                off = await typed(process, "show logging monitor\r", "leaf1# ")
                return default, debugging, off
        finally:
            await server.close()
            await sim.close()

    default, debugging, off = asyncio.run(main())
    assert "%PROBE-2-PROBE_CRITICAL: critical 1" in default
    assert "informational 1" not in default
    assert "%PROBE-6-PROBE_INFO: informational 2" in debugging
    assert "%PROBE-2-PROBE_CRITICAL: critical 2" in debugging
    assert "critical 3" not in off and "informational 3" not in off
    assert "Logging monitor:                disabled" in off


def test_logging_monitor_shows_in_show_logging_and_the_running_config() -> None:
    sim = Simulation.build("direct", switches=[SwitchSpec("leaf1")])
    asyncio.run(sim.boot())
    switch = sim.switch("leaf1")
    try:
        summary = switch.exec("show logging")
        assert "Logging monitor:                enabled (Severity: notifications)\n" in summary
        assert "logging monitor" not in switch.exec("show running-config")
        assert "\nlogging monitor 5\n" in switch.exec("show running-config all")
        assert switch.apply_config(["logging monitor 3"]) == [""]
        assert "\nlogging monitor 3\n" in switch.exec("show running-config")
        assert switch.exec("show logging monitor") == (
            "Logging monitor:                enabled (Severity: errors)\n"
        )
        switch.apply_config(["no logging monitor"])
        assert "\nno logging monitor\n" in switch.exec("show running-config")
        assert "Logging monitor:                disabled\n" in switch.exec("show logging")
        # The running config is what comes back after a reload.
        switch.exec("copy running-config startup-config")
        switch.reload()
        assert switch.logging_monitor is None
    finally:
        asyncio.run(sim.close())


def test_logging_monitor_is_kept_across_a_lab_restart(tmp_path: Path) -> None:
    before, after = shown_across_a_restart(tmp_path, ["logging monitor 2"], "show logging monitor")
    assert before == after == "Logging monitor:                enabled (Severity: critical)\n"
