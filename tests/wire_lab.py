"""What the tests of a lab on the wire share: its options, and NX-API requests to a switch."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

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
