"""NAPALM's device-model getters, unmodified, over NX-API (`nxos`) and SSH (`nxos_ssh`):
get_environment, get_lldp_neighbors, get_arp_table, get_users and get_vlans read what the
lab switches are (PID, cabling) and what was configured on them. See docs/interop.md."""

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

TIMEOUT = 30
PSU_WATTS = {"N9K-C93180YC-FX": 650.0, "N9K-C9336C-FX2": 1100.0}
# leaf1's peer-link ports and leaf2's (a 93180YC-FX and a 9336C-FX2).
PEER_LINK = {"leaf1": ("Ethernet1/49", "Ethernet1/50"), "leaf2": ("Ethernet1/35", "Ethernet1/36")}
SETUP = {
    "leaf1": [
        "vlan 110",
        "name web",
        "interface ethernet1/10",
        "switchport access vlan 110",
        "interface ethernet1/49",
        "no switchport",
        "ip address 10.9.0.1/30",
        "username ops password 0 s3cret role network-operator",
        "ntp server 192.0.2.123 use-vrf management",
    ],
    "leaf2": [
        "vlan 110",
        "name web",
        "interface ethernet1/10",
        "switchport access vlan 110",
        "interface ethernet1/35",
        "no switchport",
        "ip address 10.9.0.2/30",
        "username ops password 0 s3cret role network-operator",
        "ntp server 192.0.2.123 use-vrf management",
    ],
}


def _driver(kind: str, switch: SwitchEndpoints) -> NetworkDriver:
    options: dict[str, Any] = (
        {"transport": "http", "port": switch.nxapi_port}
        if kind == "nxos"
        else {"port": switch.ssh_port}
    )
    driver = get_network_driver(kind)
    return driver("127.0.0.1", "admin", "admin", timeout=TIMEOUT, optional_args=options)


@pytest.fixture(scope="module")
def configured(request: pytest.FixtureRequest) -> BackgroundLab:
    lab: BackgroundLab = request.getfixturevalue("_slpsim_module_lab").get()

    async def setup() -> None:
        for name, lines in SETUP.items():
            outputs = lab.lab.simulation.switch(name).apply_config(lines)
            assert set(outputs) == {""}, outputs

    lab.call(setup)
    return lab


@pytest.fixture(
    params=[("nxos", 0), ("nxos", 1), ("nxos_ssh", 0), ("nxos_ssh", 1)],
    ids=["nxos-leaf1", "nxos-leaf2", "nxos_ssh-leaf1", "nxos_ssh-leaf2"],
    scope="module",
)
def device(
    request: pytest.FixtureRequest, configured: BackgroundLab
) -> Iterator[tuple[NetworkDriver, SwitchEndpoints]]:
    kind, index = request.param
    switch = configured.endpoints.switches[index]
    with _driver(kind, switch) as opened:
        yield opened, switch


def test_get_environment(device: tuple[NetworkDriver, SwitchEndpoints]) -> None:
    driver, switch = device
    env = driver.get_environment()
    if driver.platform == "nxos":  # nxos_ssh leaves power and fans to a placeholder of its own
        assert len(env["power"]) == 2
        assert all(p["status"] for p in env["power"].values())
        assert {p["capacity"] for p in env["power"].values()} == {PSU_WATTS[switch.pid]}
        assert env["fans"] and all(f["status"] for f in env["fans"].values())
    assert env["temperature"]
    for sensor in env["temperature"].values():
        assert 15 < sensor["temperature"] < 70
        assert not sensor["is_alert"] and not sensor["is_critical"]
    assert all(0 < cpu["%usage"] < 20 for cpu in env["cpu"].values())
    assert 0 < env["memory"]["used_ram"] < env["memory"]["available_ram"]


def test_get_lldp_neighbors(device: tuple[NetworkDriver, SwitchEndpoints]) -> None:
    driver, switch = device
    peer = "leaf2" if switch.name == "leaf1" else "leaf1"
    expected = {
        local: [{"hostname": peer, "port": remote}]
        for local, remote in zip(PEER_LINK[switch.name], PEER_LINK[peer], strict=True)
    }
    assert driver.get_lldp_neighbors() == expected
    detail = driver.get_lldp_neighbors_detail()
    first = detail[PEER_LINK[switch.name][0]][0]
    assert first["remote_system_name"] == peer
    assert first["remote_system_description"].startswith("Cisco Nexus Operating System")
    second = PEER_LINK[switch.name][1]
    one = driver.get_lldp_neighbors_detail(interface=second)
    assert list(one) == [second] and one[second][0]["remote_port"] == PEER_LINK[peer][1]


def test_get_arp_table(device: tuple[NetworkDriver, SwitchEndpoints]) -> None:
    driver, switch = device
    far = "10.9.0.2" if switch.name == "leaf1" else "10.9.0.1"
    entries = driver.get_arp_table()
    assert [(e["ip"], e["interface"]) for e in entries] == [(far, PEER_LINK[switch.name][0])]
    assert entries[0]["mac"].count(":") == 5 and entries[0]["age"] >= 0


def test_get_users(device: tuple[NetworkDriver, SwitchEndpoints]) -> None:
    driver, _ = device
    users = driver.get_users()
    assert set(users) == {"admin", "ops"}
    assert users["admin"]["level"] == 15
    assert users["ops"]["password"].startswith("$5$")
    assert "s3cret" not in str(users)


def test_get_vlans(device: tuple[NetworkDriver, SwitchEndpoints]) -> None:
    driver, switch = device
    vlans = {int(vlan_id): vlan for vlan_id, vlan in driver.get_vlans().items()}
    assert sorted(vlans) == [1, 110]
    assert vlans[110] == {"name": "web", "interfaces": ["Ethernet1/10"]}
    assert vlans[1]["name"] == "default"
    assert "Ethernet1/10" not in vlans[1]["interfaces"]
    assert PEER_LINK[switch.name][0] not in vlans[1]["interfaces"]  # routed
    assert "Ethernet1/1" in vlans[1]["interfaces"]


def test_get_ntp_servers(device: tuple[NetworkDriver, SwitchEndpoints]) -> None:
    driver, _ = device
    assert driver.get_ntp_servers() == {"192.0.2.123": {}}


def test_get_interfaces_counters_move_with_virtual_time(configured: BackgroundLab) -> None:
    switch = configured.endpoints.switches[0]
    peer_link = PEER_LINK[switch.name][1]
    with _driver("nxos_ssh", switch) as driver:  # the NX-API driver has no such getter
        before = driver.get_interfaces_counters()
        configured.advance(timedelta(minutes=10))
        after = driver.get_interfaces_counters()
    for name in ("mgmt0", peer_link):
        assert after[name]["rx_octets"] > before[name]["rx_octets"]
        assert after[name]["tx_multicast_packets"] > before[name]["tx_multicast_packets"]
    uplink = after[peer_link]
    assert uplink["rx_unicast_packets"] > 0 and uplink["tx_errors"] == 0
    # A port with no transceiver is down: nothing moves.
    assert after["Ethernet1/1"] == before["Ethernet1/1"]
    assert after["Ethernet1/1"]["rx_octets"] == 0
