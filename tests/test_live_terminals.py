"""Live terminals: `terminal monitor` in SSH, `slpsim syslog --follow`, and pausing or speeding
the lab's clock."""

from __future__ import annotations

import asyncio
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import datetime

import asyncssh
import httpx
import pytest
from typer.testing import CliRunner
from wire_lab import lab_options, nxapi_output

from sim.command_line import app
from sim.lab.background import BackgroundLab
from sim.lab.syslog_feed import SyslogFeed
from sim.syslog import Message, make_record

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


async def read_until(
    process: asyncssh.SSHClientProcess[str], marker: str, *, after: str = ""
) -> str:
    """Read until `marker` ends the output (and `after` came before it)."""
    seen = ""
    while not (seen.endswith(marker) and after in seen):
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
            monitored = await read_until(process, "leaf1# show ver", after="COMM_FAILED")
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


# ---------------------------------------------------------------------- the clock


def test_clock_pauses_resumes_and_changes_rate(lab: BackgroundLab) -> None:
    url = f"http://127.0.0.1:{lab.endpoints.control_port}"
    with httpx.Client(base_url=url) as control:
        try:
            assert control.post("/sim/clock/rate", json={"rate": 600}).json()["rate"] == 600
            paused = control.post("/sim/clock/pause").json()
            assert paused["rate"] == 0
            # Paused means still: the time read twice is the time the pause answered.
            assert control.get("/sim/clock").json()["now"] == paused["now"]
            assert control.post("/sim/clock/resume").json()["rate"] == 600
            for body in ({"rate": -1}, {"rate": 2e6}, {"rate": "fast"}, {"rate": "NaN"}, {}):
                refused = control.post("/sim/clock/rate", json=body)
                assert refused.status_code == 400, (body, refused.text)
                assert "error" in refused.json()
            assert control.get("/sim/clock").json()["rate"] == 600
        finally:
            control.post("/sim/clock/rate", json={"rate": 0})
    runner = CliRunner()
    said = runner.invoke(app, ["clock", "--control", url, "rate", "60"])
    assert said.exit_code == 0 and "(rate 60x)" in said.output, said.output
    said = runner.invoke(app, ["clock", "--control", url, "pause"])
    assert said.exit_code == 0 and "(paused)" in said.output, said.output
    said = runner.invoke(app, ["clock", "--control", url, "rate", "--", "-3"])
    assert said.exit_code == 2 and "from 0 to 1000000" in said.output, said.output


# ---------------------------------------------------------------------- syslog --follow


def test_feed_keeps_the_newest_lines_and_says_how_many_were_missed() -> None:
    feed = SyslogFeed(capacity=3)
    record = make_record(START, "leaf1", Message.POLICY_REMOVED)
    for _ in range(5):
        feed.add("leaf1", record)
    batch = feed.after(0)
    assert (batch.cursor, batch.missed, [line.number for line in batch.lines]) == (5, 2, [3, 4, 5])
    assert feed.after(5).lines == [] and feed.after(5).cursor == 5
    assert feed.after(3, switch="leaf2").lines == [] and feed.after(3).cursor == 5


def test_syslog_follow_prints_new_lines_coloured_until_ctrl_c(lab: BackgroundLab) -> None:
    switch = lab.endpoints.switches[0]
    url = f"http://127.0.0.1:{lab.endpoints.control_port}"
    follower = subprocess.Popen(
        [sys.executable, "-m", "sim.command_line", "syslog", "--follow", "--control", url],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "FORCE_COLOR": "1", "COLUMNS": "400"},
    )
    printed: queue.Queue[str] = queue.Queue()

    def read_lines() -> None:
        assert follower.stdout is not None
        for line in follower.stdout:
            printed.put(line)
        printed.put("")

    threading.Thread(target=read_lines, daemon=True).start()

    def next_line() -> str:
        line = printed.get(timeout=WAIT)
        assert line, "the follower stopped"
        return line

    try:
        with httpx.Client(base_url=url, timeout=60) as control:
            token = control.post("/sim/tokens", json={"issuer": "cssm"}).json()["token"]
            # Lines logged before the follower has its cursor are not followed: log until one is.
            for _ in range(WAIT * 4):
                nxapi_output(switch.nxapi_port, f"license smart trust idtoken {token} all")
                try:
                    if "TRUST_CODE_INSTALL" in printed.get(timeout=0.25):
                        break
                except queue.Empty:
                    continue
            else:
                pytest.fail("no line followed")
            control.post("/sim/faults", json={"target": "dns", "kind": "unreachable"})
            nxapi_output(switch.nxapi_port, "license smart sync all")
            control.post("/sim/clock/advance", json={"seconds": 4 * 3600})
            while "COMM_FAILED" not in (line := next_line()):
                pass
            control.delete("/sim/faults")
        # Severity 3 prints red; the line itself is whole.
        assert "\x1b[31m" in line and COMM_FAILED in line
        follower.send_signal(signal.SIGINT)
        assert follower.wait(timeout=WAIT) == 0
    finally:
        if follower.poll() is None:
            follower.kill()
            follower.wait()
        for pipe in (follower.stdout, follower.stderr):
            if pipe is not None:
                pipe.close()
