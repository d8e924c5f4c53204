"""NAPALM's `nxos` (NX-API) and `nxos_ssh` drivers, unmodified, against lab switches on the wire.

What they read: `show hostname` (open and fqdn), `show version` (hostname, model, os_version,
uptime), `show inventory` (serial number), `show interface` / `show interface status`
(interface_list) and `show hosts` (domain); see docs/interop.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from napalm import get_network_driver
from napalm.base import NetworkDriver

from sim.lab.background import BackgroundLab
from sim.lab.lab import SwitchEndpoints

pytestmark = pytest.mark.slpsim(switches=2)

FRONT_PANEL = {"N9K-C93180YC-FX": 54, "N9K-C9336C-FX2": 36}
TIMEOUT = 30


def nxapi_driver(switch: SwitchEndpoints) -> NetworkDriver:
    driver = get_network_driver("nxos")
    # The lab's NX-API is plain HTTP; NAPALM defaults to HTTPS on 443.
    options = {"transport": "http", "port": switch.nxapi_port}
    return driver("127.0.0.1", "admin", "admin", timeout=TIMEOUT, optional_args=options)


def ssh_driver(switch: SwitchEndpoints) -> NetworkDriver:
    driver = get_network_driver("nxos_ssh")
    options = {"port": switch.ssh_port}
    return driver("127.0.0.1", "admin", "admin", timeout=TIMEOUT, optional_args=options)


def _expected_interfaces(pid: str, mgmt: str) -> list[str]:
    return [mgmt, *(f"Ethernet1/{n}" for n in range(1, FRONT_PANEL[pid] + 1))]


def _switches(lab: BackgroundLab) -> list[SwitchEndpoints]:
    return lab.endpoints.switches


@pytest.fixture(params=[0, 1], ids=["leaf1", "leaf2"])
def switch(request: pytest.FixtureRequest, slpsim_lab: BackgroundLab) -> Iterator[SwitchEndpoints]:
    yield _switches(slpsim_lab)[request.param]


def _assert_facts(facts: dict[str, Any], switch: SwitchEndpoints, mgmt: str) -> None:
    assert facts["vendor"] == "Cisco"
    assert facts["hostname"] == switch.name
    assert facts["fqdn"] == f"{switch.name}.example.com"
    assert facts["serial_number"] == switch.serial
    assert facts["model"] == f"Nexus9000 {switch.pid.removeprefix('N9K-')} Chassis"
    assert facts["os_version"] == "10.4(3)"
    assert facts["interface_list"] == _expected_interfaces(switch.pid, mgmt)


def test_nxos_over_nxapi_opens_and_gets_facts(switch: SwitchEndpoints) -> None:
    with nxapi_driver(switch) as device:
        assert device.is_alive() == {"is_alive": True}
        _assert_facts(device.get_facts(), switch, "mgmt0")


def test_nxos_over_nxapi_open_and_close(switch: SwitchEndpoints) -> None:
    device = nxapi_driver(switch)
    device.open()
    try:
        assert device.get_facts()["hostname"] == switch.name
    finally:
        device.close()
    assert device.is_alive() == {"is_alive": False}


def test_nxos_ssh_opens_and_gets_facts(switch: SwitchEndpoints) -> None:
    device = ssh_driver(switch)
    device.open()
    try:
        # netmiko's canonical name for mgmt0.
        _assert_facts(device.get_facts(), switch, "Management0")
    finally:
        device.close()


def test_nxos_ssh_as_a_context_manager(slpsim_lab: BackgroundLab) -> None:
    switch = _switches(slpsim_lab)[0]
    with ssh_driver(switch) as device:
        _assert_facts(device.get_facts(), switch, "Management0")


def test_uptime_follows_virtual_time(slpsim_lab: BackgroundLab) -> None:
    switch = _switches(slpsim_lab)[0]
    with nxapi_driver(switch) as device:
        before = device.get_facts()["uptime"]
        slpsim_lab.advance(timedelta(days=2, hours=3))
        after = device.get_facts()["uptime"]
    assert after - before >= timedelta(days=2, hours=3).total_seconds()
    with ssh_driver(switch) as device:
        assert device.get_facts()["uptime"] >= after


# ---------------------------------------------------------------------- interfaces and cli

UPLINK = [
    "interface Ethernet1/3",
    "description uplink to spine1",
    "no switchport",
    "mtu 9216",
    "ip address 10.1.3.1/24",
    "ipv6 address 2001:db8:3::1/64",
    "interface Ethernet1/4",
    "shutdown",
]


@pytest.fixture
def configured(slpsim_lab: BackgroundLab) -> SwitchEndpoints:
    switch = _switches(slpsim_lab)[1]

    async def configure() -> list[str]:
        return slpsim_lab.lab.simulation.switch(switch.name).apply_config(UPLINK)

    assert slpsim_lab.call(configure) == [""] * len(UPLINK)
    return switch


def _assert_interfaces(interfaces: dict[str, Any], switch: SwitchEndpoints, mgmt: str) -> None:
    assert list(interfaces) == _expected_interfaces(switch.pid, mgmt)
    assert interfaces[mgmt] | {"mac_address": ""} == {
        "is_up": True,
        "is_enabled": True,
        "description": "",
        "last_flapped": -1.0,
        "speed": 1000.0,
        "mtu": 1500,
        "mac_address": "",
    }
    uplink, down = interfaces["Ethernet1/3"], interfaces["Ethernet1/4"]
    assert (uplink["description"], uplink["mtu"], uplink["speed"]) == (
        "uplink to spine1",
        9216,
        100_000.0,
    )
    assert (uplink["is_enabled"], uplink["is_up"]) == (True, False)
    assert (down["is_enabled"], down["is_up"]) == (False, False)
    assert len({i["mac_address"] for i in interfaces.values()}) == len(interfaces)


def test_nxos_gets_interfaces_and_their_addresses(configured: SwitchEndpoints) -> None:
    with nxapi_driver(configured) as device:
        _assert_interfaces(device.get_interfaces(), configured, "mgmt0")
        addresses = device.get_interfaces_ip()
    assert addresses == {
        "Ethernet1/3": {
            "ipv4": {"10.1.3.1": {"prefix_length": 24}},
            "ipv6": {"2001:db8:3::1": {"prefix_length": 64}},
        }
    }


def test_nxos_ssh_gets_interfaces_and_their_addresses(configured: SwitchEndpoints) -> None:
    with ssh_driver(configured) as device:
        _assert_interfaces(device.get_interfaces(), configured, "Management0")
        addresses = device.get_interfaces_ip()
    assert addresses["Ethernet1/3"]["ipv4"] == {"10.1.3.1": {"prefix_length": 24}}
    # The driver reads the link-local address too, as a /64.
    [link_local] = [address for address in addresses["Ethernet1/3"]["ipv6"] if "fe80" in address]
    assert addresses["Ethernet1/3"]["ipv6"] == {
        "2001:db8:3::1": {"prefix_length": 64},
        link_local: {"prefix_length": 64},
    }


@pytest.mark.parametrize("make", [nxapi_driver, ssh_driver], ids=["nxos", "nxos_ssh"])
def test_cli_returns_the_text_a_person_sees(configured: SwitchEndpoints, make: Any) -> None:
    with make(configured) as device:
        output = device.cli(["show hostname", "show interface brief"])
    assert output["show hostname"].strip() == f"{configured.name}.example.com"
    assert (
        "Eth1/3        --      eth  routed down    XCVR not inserted"
        in output["show interface brief"]
    )


# ---------------------------------------------------------------------- configuration candidates

DRIVERS = pytest.mark.parametrize("make", [nxapi_driver, ssh_driver], ids=["nxos", "nxos_ssh"])


def _running(lab: BackgroundLab, name: str) -> str:
    async def show() -> str:
        return lab.lab.simulation.switch(name).exec("show running-config")

    text: str = lab.call(show)
    return text.split("\n", 3)[3]  # without the !Command / !Time header


@pytest.mark.slpsim(switches=1)
@DRIVERS
def test_merge_candidate_compares_commits_and_rolls_back(
    slpsim_lab: BackgroundLab, make: Any
) -> None:
    switch = _switches(slpsim_lab)[0]
    before = _running(slpsim_lab, switch.name)
    with make(switch) as device:
        device.load_merge_candidate(config="hostname merged\nntp server 10.9.9.9\n")
        diff = device.compare_config()
        assert "hostname merged" in diff and "ntp server 10.9.9.9" in diff
        device.commit_config()
        assert device.get_facts()["hostname"] == "merged"
        assert device.compare_config() == ""
        committed = _running(slpsim_lab, switch.name)
        assert "ntp server 10.9.9.9\n" in committed
        # commit saved it, as NAPALM's commit does (copy running-config startup-config).
        startup = device.get_config(retrieve="startup")["startup"]
        assert "hostname merged" in startup
        device.rollback()
        assert device.get_facts()["hostname"] == switch.name
    assert _running(slpsim_lab, switch.name) == before


@pytest.mark.slpsim(switches=1)
@DRIVERS
def test_discard_leaves_the_switch_as_it_was(slpsim_lab: BackgroundLab, make: Any) -> None:
    switch = _switches(slpsim_lab)[0]
    before = _running(slpsim_lab, switch.name)
    with make(switch) as device:
        device.load_merge_candidate(config="hostname discarded\n")
        assert "hostname discarded" in device.compare_config()
        device.discard_config()
        assert device.compare_config() == ""
        assert device.get_facts()["hostname"] == switch.name
    assert _running(slpsim_lab, switch.name) == before


@pytest.mark.slpsim(switches=1)
@DRIVERS
def test_get_config_returns_running_and_startup(slpsim_lab: BackgroundLab, make: Any) -> None:
    switch = _switches(slpsim_lab)[0]
    with make(switch) as device:
        config = device.get_config()
        full = device.get_config(retrieve="running", full=True)["running"]
    assert f"hostname {switch.name}" in config["running"]
    assert "!Command" not in config["running"]
    assert f"hostname {switch.name}" in full


@pytest.mark.slpsim(switches=1)
def test_nxos_ssh_replace_candidate_goes_by_scp_and_rolls_back(slpsim_lab: BackgroundLab) -> None:
    # The NX-API driver copies its candidate with SCP to port 22 whatever port it is given,
    # so only nxos_ssh can replace against a lab switch.
    switch = _switches(slpsim_lab)[0]
    before = _running(slpsim_lab, switch.name)
    with ssh_driver(switch) as device:
        running = device.get_config(retrieve="running")["running"]
        candidate = running.replace(f"hostname {switch.name}", "hostname replaced")
        device.load_replace_candidate(config=candidate.rstrip("\n") + "\nntp server 10.7.7.7\n")
        diff = device.compare_config().splitlines()
        assert diff == [f"no hostname {switch.name}", "hostname replaced", "ntp server 10.7.7.7"]
        device.commit_config()
        assert device.get_facts()["hostname"] == "replaced"
        assert "ntp server 10.7.7.7\n" in _running(slpsim_lab, switch.name)
        device.rollback()
        assert device.get_facts()["hostname"] == switch.name
    assert _running(slpsim_lab, switch.name) == before
