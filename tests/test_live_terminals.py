"""Live terminals: `terminal monitor` streams a switch's log lines into an SSH session."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime

import asyncssh
import httpx
import pytest
from wire_lab import lab_options, nxapi_output

from sim.lab.background import BackgroundLab

START = datetime.fromisoformat("2026-03-02T08:00:00+00:00")
WAIT = 20  # seconds: only a safety net against a hung session, never a measured duration
COMM_FAILED = (
    "leaf1 %LICMGR-3-LOG_SMART_LIC_COMM_FAILED: Communications failure with the "
    "Cisco Smart Software Manager (CSSM) : Unable to resolve server hostname/domain name"
)


@pytest.fixture(scope="module")
def lab() -> Iterator[BackgroundLab]:
    with BackgroundLab(lab_options(None, start=START, switches=1)) as running:
        yield running


async def read_until(process: asyncssh.SSHClientProcess[str], marker: str) -> str:
    seen = ""
    while marker not in seen:
        chunk = await asyncio.wait_for(process.stdout.read(4096), WAIT)
        if not chunk:
            break
        seen += chunk
    return seen


def test_monitor_streams_log_lines_and_redraws_the_typed_line(lab: BackgroundLab) -> None:
    switch = lab.endpoints.switches[0]
    control = httpx.Client(base_url=f"http://127.0.0.1:{lab.endpoints.control_port}", timeout=60)

    def break_dns_and_wait_four_hours() -> None:
        assert control.post("/sim/faults", json={"target": "dns", "kind": "unreachable"}).is_success
        nxapi_output(switch.nxapi_port, "license smart sync all")
        assert control.post("/sim/clock/advance", json={"seconds": 4 * 3600}).is_success

    async def session() -> tuple[str, str, str]:
        async with asyncssh.connect(
            "127.0.0.1", switch.ssh_port, username="admin", password="admin", known_hosts=None
        ) as conn:
            process = await conn.create_process(term_type="vt100")
            await read_until(process, "leaf1# ")
            process.stdin.write("terminal monitor\r")
            await read_until(process, "leaf1# ")
            process.stdin.write("show ver")  # typed, not yet entered
            await read_until(process, "show ver")
            await asyncio.to_thread(break_dns_and_wait_four_hours)
            monitored = await read_until(process, "leaf1# show ver")
            process.stdin.write("\x15terminal no monitor\r")
            await read_until(process, "leaf1# ")
            control.delete("/sim/faults")
            await asyncio.to_thread(break_dns_and_wait_four_hours)
            process.stdin.write("show clock\r")
            quiet = await read_until(process, "leaf1# ")
            process.stdin.write("no terminal monitor\r")
            after_no = await read_until(process, "leaf1# ")
            return monitored, quiet, after_no

    token = control.post("/sim/tokens", json={"issuer": "cssm"}).json()["token"]
    nxapi_output(switch.nxapi_port, f"license smart trust idtoken {token} all")
    try:
        monitored, quiet, after_no = asyncio.run(session())
    finally:
        control.delete("/sim/faults")
        control.close()
    lines = monitored.split("\r\n")
    failed = [line for line in lines if COMM_FAILED in line]
    assert failed, monitored
    # The console format: `2026 Mar  2 12:00:00 leaf1 %LICMGR-...`, one per line.
    assert failed[0].startswith("2026 Mar  2 ") and failed[0].endswith(COMM_FAILED)
    # Below the log lines, the prompt and what was being typed come back whole.
    assert lines[-1] == "leaf1# show ver"
    assert "COMM_FAILED" not in quiet
    assert "%" not in after_no.replace("%LICMGR", "")  # the other spelling is accepted too
