"""Local users: `username`, `show user-account`, `show users`, and the running config."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import asyncssh
import httpx
import pytest
from wire_lab import shown_across_a_restart

from sim.lab.background import BackgroundLab
from sim.lab.lab import LabOptions
from sim.lab.nxapi import ins_api_request
from sim.simulation import Simulation, SwitchSpec


@pytest.fixture
def sim() -> Iterator[Simulation]:
    simulation = Simulation.build("direct", switches=[SwitchSpec("leaf1")])
    asyncio.run(simulation.boot())
    yield simulation
    asyncio.run(simulation.close())


def exec_(sim: Simulation, line: str) -> str:
    return sim.switch("leaf1").exec(line)


def test_admin_exists_and_is_network_admin(sim: Simulation) -> None:
    text = exec_(sim, "show user-account admin")
    assert text.startswith("user:admin\n") and "roles:network-admin" in text
    assert "username admin password 5 $5$" in exec_(sim, "show running-config")
    assert exec_(sim, "show users").splitlines()[1].startswith("admin")


def test_users_are_added_with_hashed_passwords_and_roles(sim: Simulation) -> None:
    outputs = sim.switch("leaf1").apply_config(
        ["username bob password s3cret role network-operator", "username carol role vdc-admin"]
    )
    assert outputs == ["", ""]
    accounts = json.loads(exec_(sim, "show user-account | json"))["TABLE_template"]["ROW_template"]
    roles = {a["usr_name"]: [r["role"] for r in a["TABLE_role"]["ROW_role"]] for a in accounts}
    assert roles == {
        "admin": ["network-admin"],
        "bob": ["network-operator"],
        "carol": ["vdc-admin"],
    }
    running = exec_(sim, "show running-config")
    assert "s3cret" not in running
    assert "username bob password 5 $5$" in running and "  role network-operator\n" in running
    assert "username carol role vdc-admin\n" in running


def test_saved_users_replay_to_the_same_configuration(sim: Simulation) -> None:
    switch = sim.switch("leaf1")
    switch.apply_config(["username bob password s3cret role network-operator"])
    before = exec_(sim, "show running-config | include username")
    exec_(sim, "copy running-config startup-config")
    switch.reload()
    assert exec_(sim, "show running-config | include username") == before


@pytest.mark.parametrize(
    "line",
    ["username bad/name role network-admin", "username bob role wizard", "no username admin"],
)
def test_refused(sim: Simulation, line: str) -> None:
    output = sim.switch("leaf1").apply_config([line])[0]
    assert output.startswith(("%", "ERROR:")) or "% Invalid" in output
    assert [a for a in exec_(sim, "show user-account").splitlines() if a.startswith("user:")] == [
        "user:admin"
    ]


def test_a_lab_keeps_its_users_across_a_restart(tmp_path: Path) -> None:
    before, after = shown_across_a_restart(
        tmp_path,
        ["username bob password s3cret role network-operator"],
        "show running-config | include username",
    )
    assert "username bob password 5 $5$" in before
    assert after == before


def _ssh_login(port: int, username: str, password: str) -> str | None:
    """`show hostname` as `username`, or None when the login is refused."""

    async def login() -> str | None:
        try:
            async with asyncssh.connect(
                "127.0.0.1", port, username=username, password=password, known_hosts=None
            ) as conn:
                result = await conn.run("show hostname", check=False)
                return str(result.stdout)
        except asyncssh.PermissionDenied:
            return None

    return asyncio.run(login())


def _nxapi_status(port: int, username: str, password: str) -> int:
    body = ins_api_request("show hostname")
    response = httpx.post(
        f"http://127.0.0.1:{port}/ins", json=body, auth=(username, password), timeout=30
    )
    return response.status_code


def test_configured_users_log_in_over_ssh_and_nx_api_and_the_lab_admin_stays() -> None:
    options = LabOptions(
        switches=1, control_port=0, ssh_port_base=0, nxapi_port_base=0, password="lab-secret"
    )
    with BackgroundLab(options) as lab:
        [switch] = lab.endpoints.switches

        async def configure(lines: list[str]) -> list[str]:
            return lab.lab.simulation.switch("leaf1").apply_config(lines)

        assert lab.call(lambda: configure(["username bob password s3cret role network-operator"]))
        assert _ssh_login(switch.ssh_port, "bob", "s3cret") == "leaf1.example.com\n"
        assert _nxapi_status(switch.nxapi_port, "bob", "s3cret") == 200
        assert _ssh_login(switch.ssh_port, "bob", "wrong") is None
        assert _nxapi_status(switch.nxapi_port, "bob", "wrong") == 401
        # admin's password is the lab's, whatever the switch's default configuration hashes.
        assert _ssh_login(switch.ssh_port, "admin", "lab-secret") == "leaf1.example.com\n"
        assert _nxapi_status(switch.nxapi_port, "admin", "admin") == 401
        lab.call(lambda: configure(["no username bob"]))
        assert _ssh_login(switch.ssh_port, "bob", "s3cret") is None
