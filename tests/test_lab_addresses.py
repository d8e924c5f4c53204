"""Switches on loopback addresses of their own (`slpsim lab --switch-addresses`) and the lab's
OpenSSH client config (`--ssh-config`, or `ssh_config` in the state dir), which `ssh -F`,
netmiko and NAPALM read to find each switch's SSH port."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from netmiko import ConnectHandler
from rich.console import Console
from typer.testing import CliRunner

from sim.command_line import app
from sim.lab.background import BackgroundLab
from sim.lab.lab import LabOptions
from sim.lab.nxapi import ins_api_request
from sim.lab.serve import endpoint_table
from sim.lab.ssh_config import switch_addresses

FIRST = "127.0.3.1"
HOSTS = ["127.0.3.1", "127.0.3.2"]


def _free_port_on_every(hosts: list[str]) -> int:
    """A port number free on each of `hosts` now (the lab binds it right after)."""
    for _ in range(20):
        with socket.socket() as probe:
            probe.bind((hosts[0], 0))
            port = int(probe.getsockname()[1])
        try:
            for host in hosts:
                with socket.socket() as other:
                    other.bind((host, port))
        except OSError:
            continue
        return port
    raise AssertionError("no port free on every address")


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BackgroundLab]:
    ssh_port = _free_port_on_every(HOSTS)
    nxapi_port = _free_port_on_every(HOSTS)
    options = LabOptions(
        switches=2,
        rate=0,
        control_port=0,
        ssh_port_base=ssh_port,
        nxapi_port_base=nxapi_port,
        switch_addresses=FIRST,
        ssh_config=tmp_path_factory.mktemp("ssh") / "lab_ssh_config",
    )
    with BackgroundLab(options) as running:
        yield running


def _show(host: str, port: int, command: str) -> Any:
    response = httpx.post(
        f"http://{host}:{port}/ins",
        json=ins_api_request(command, "cli_show_ascii"),
        auth=("admin", "admin"),
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return response.json()["ins_api"]["outputs"]["output"]["body"]


def test_addresses_run_from_the_first_within_loopback() -> None:
    assert switch_addresses("127.0.1.1", 3) == ["127.0.1.1", "127.0.1.2", "127.0.1.3"]
    assert switch_addresses("127.0.1.255", 2) == ["127.0.1.255", "127.0.2.0"]
    for first, count, says in [
        ("10.0.0.1", 1, "not a loopback address"),
        ("127.0.0.0", 1, "not a loopback address"),
        ("127.255.255.254", 2, "go past 127.255.255.254"),
        ("leaf1", 1, "not an IPv4 address"),
        ("::1", 1, "not an IPv4 address"),
    ]:
        with pytest.raises(ValueError, match=says):
            switch_addresses(first, count)


def test_cli_refuses_an_address_off_loopback_in_one_line() -> None:
    result = CliRunner().invoke(
        app, ["lab", "--switches", "2", "--switch-addresses", "192.0.2.1", "--control-port", "0"]
    )
    assert result.exit_code == 2
    assert "--switch-addresses: 192.0.2.1 is not a loopback address" in result.output
    assert "Traceback" not in result.output


def test_each_switch_answers_on_its_own_address_with_the_same_ports(lab: BackgroundLab) -> None:
    first, second = lab.endpoints.switches
    assert [first.host, second.host] == HOSTS
    assert (first.ssh_port, first.nxapi_port) == (second.ssh_port, second.nxapi_port)
    for entry in lab.endpoints.switches:
        assert (
            _show(entry.host, entry.nxapi_port, "show hostname").strip()
            == f"{entry.name}.example.com"
        )


def test_control_api_and_start_table_name_each_switch_address(lab: BackgroundLab) -> None:
    url = f"http://127.0.0.1:{lab.endpoints.control_port}/sim/switches"
    listed = httpx.get(url, timeout=30).json()
    assert [(s["name"], s["host"]) for s in listed] == [("leaf1", HOSTS[0]), ("leaf2", HOSTS[1])]
    console = Console(record=True, width=200)
    console.print(endpoint_table(lab.lab, lab.endpoints))
    table = console.export_text()
    entry = lab.endpoints.switches[1]
    assert f"ssh admin@{entry.host} -p {entry.ssh_port}" in table
    assert f"http://{entry.host}:{entry.nxapi_port}/ins" in table
    assert str(lab.options.ssh_config) in table


def test_ssh_config_names_every_switch_and_address(lab: BackgroundLab) -> None:
    assert lab.options.ssh_config is not None
    text = lab.options.ssh_config.read_text()
    port = lab.endpoints.switches[0].ssh_port
    for name, host in zip(["leaf1", "leaf2"], HOSTS, strict=True):
        assert f"Host {name}\n    HostName {host}\n    Port {port}\n    User admin\n" in text
        assert f"Host {host}\n    Port {port}\n    User admin\n" in text


@pytest.mark.parametrize("host, name", [("127.0.3.2", "leaf2"), ("leaf1", "leaf1")])
def test_netmiko_finds_the_switch_through_the_ssh_config(
    lab: BackgroundLab, host: str, name: str
) -> None:
    # Port 22 is netmiko's default: the config's Port for the host replaces it.
    with ConnectHandler(
        device_type="cisco_nxos",
        host=host,
        username="admin",
        password="admin",
        ssh_config_file=str(lab.options.ssh_config),
    ) as connection:
        assert connection.send_command("show hostname").strip() == f"{name}.example.com"


def test_state_dir_holds_an_ssh_config_by_name_when_switches_share_an_address(
    tmp_path: Path,
) -> None:
    options = LabOptions(
        switches=2, rate=0, control_port=0, ssh_port_base=0, nxapi_port_base=0, state_dir=tmp_path
    )
    with BackgroundLab(options) as running:
        text = (tmp_path / "ssh_config").read_text()
        ports = [entry.ssh_port for entry in running.endpoints.switches]
        hosts = [entry.host for entry in running.endpoints.switches]
    assert hosts == ["127.0.0.1", "127.0.0.1"]
    assert f"Host leaf1\n    HostName 127.0.0.1\n    Port {ports[0]}\n" in text
    assert f"Host leaf2\n    HostName 127.0.0.1\n    Port {ports[1]}\n" in text
    # One address for both: an entry for it would send either name's address to one switch.
    assert "Host 127.0.0.1" not in text
