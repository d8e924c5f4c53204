"""What the tests of a lab on the wire share: its options, and NX-API requests to a switch."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from sim.lab.background import BackgroundLab
from sim.lab.lab import LabOptions


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
    body = {
        "ins_api": {
            "version": "1.0",
            "type": kind,
            "chunk": "0",
            "sid": "1",
            "input": command,
            "output_format": "json",
        }
    }
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
