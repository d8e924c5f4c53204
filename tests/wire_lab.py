"""What the tests of a lab on the wire share: its options, and NX-API requests to a switch."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from sim.lab.background import BackgroundLab
from sim.lab.lab import LabOptions
from sim.lab.nxapi import ins_api_request


def lab_options(state_dir: Path | None, *, start: datetime, **changes: Any) -> LabOptions:
    """A lab at rate 0 (time moves only when a test moves it) on ports the system picks;
    `changes` override (`switches` defaults to 2)."""
    settings: dict[str, Any] = {
        "switches": 2,
        "rate": 0.0,
        "control_port": 0,
        "ssh_port_base": 0,
        "nxapi_port_base": 0,
        "start": start,
        "state_dir": state_dir,
    }
    settings.update(changes)
    return LabOptions(**settings)


def post_nxapi(port: int, command: str, kind: str = "cli_show_ascii") -> httpx.Response:
    body = ins_api_request(command, kind)
    return httpx.post(
        f"http://127.0.0.1:{port}/ins", json=body, auth=("admin", "admin"), timeout=30
    )


def nxapi_output(port: int, command: str, kind: str = "cli_show_ascii") -> Any:
    """The `output` of a command that must succeed."""
    response = post_nxapi(port, command, kind)
    assert response.status_code == 200, response.text
    return response.json()["ins_api"]["outputs"]["output"]


def shown_across_a_restart(state_dir: Path, config: list[str], show: str) -> tuple[str, str]:
    """`show` on leaf1 of a one-switch lab after `config`, and again after a lab restart."""
    options = LabOptions(switches=1, control_port=0, state_dir=state_dir)

    async def configure(lab: BackgroundLab) -> str:
        switch = lab.lab.simulation.switch("leaf1")
        switch.apply_config(config)
        lab.lab.save_switches()
        return switch.exec(show)

    async def shown(lab: BackgroundLab) -> str:
        return lab.lab.simulation.switch("leaf1").exec(show)

    with BackgroundLab(options) as running:
        before = running.call(lambda: configure(running))
    with BackgroundLab(options) as again:
        after = again.call(lambda: shown(again))
    return before, after


LAB_START_WAIT = 60  # seconds: a safety net against a lab that never comes up, not a measure


def start_lab_process(log: Path, *args: str) -> tuple[subprocess.Popen[bytes], str, int]:
    """`slpsim lab ARGS` at rate 0 on ports the system picks, its output going to `log`: the
    process, its control URL and its first switch's NX-API port, once its table is out."""
    command = [
        sys.executable,
        "-m",
        "sim.command_line",
        "lab",
        *args,
        "--rate",
        "0",
        "--control-port",
        "0",
        "--ssh-port-base",
        "0",
        "--nxapi-port-base",
        "0",
    ]
    env = {**os.environ, "COLUMNS": "200"}
    with log.open("wb") as out:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    deadline = time.monotonic() + LAB_START_WAIT
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        control = re.search(r"control API\s+(http://127\.0\.0\.1:\d+)", text)
        nxapi = re.search(r"nx-api\s+http://127\.0\.0\.1:(\d+)/ins", text)
        if control and nxapi:
            return process, control.group(1), int(nxapi.group(1))
        if process.poll() is not None:
            break
        time.sleep(0.2)
    process.kill()
    raise AssertionError(f"the lab did not start:\n{log.read_text(errors='replace')}")


@contextmanager
def killed_by_sigkill(process: subprocess.Popen[bytes]) -> Iterator[None]:
    """The block must end with `process` dead of SIGKILL (its own doing or the block's); a
    process still alive when the block fails is killed, so no lab outlives its test."""
    try:
        yield
        process.wait(timeout=30)
        assert process.returncode == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
