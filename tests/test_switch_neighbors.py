"""Cabled lab switches see each other: LLDP and CDP neighbours on the vPC peer-link ports,
and ARP entries once both ends of a cable are routed in one subnet."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from ntc_templates.parse import parse_output

from sim.simulation import Simulation, SwitchSpec


@pytest.fixture
def sim() -> Iterator[Simulation]:
    simulation = Simulation.build(
        "direct",
        switches=[
            SwitchSpec("leaf1", serial="FDO00000001"),
            SwitchSpec("leaf2", pid="N9K-C9336C-FX2", serial="FDO00000002"),
            SwitchSpec("leaf3", serial="FDO00000003"),
        ],
    )
    asyncio.run(simulation.boot())
    yield simulation
    asyncio.run(simulation.close())


def exec_(sim: Simulation, switch: str, line: str) -> str:
    return sim.switch(switch).exec(line)


def record(sim: Simulation, switch: str, line: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(exec_(sim, switch, f"{line} | json"))
    return data


def test_vpc_peers_see_each_other_in_lldp_from_both_ends(sim: Simulation) -> None:
    one = record(sim, "leaf1", "show lldp neighbors")["TABLE_nbor"]["ROW_nbor"]
    assert [(r["l_port_id"], r["chassis_id"], r["port_id"]) for r in one] == [
        ("Eth1/49", "leaf2", "Ethernet1/35"),
        ("Eth1/50", "leaf2", "Ethernet1/36"),
    ]
    two = record(sim, "leaf2", "show lldp neighbors")["TABLE_nbor"]["ROW_nbor"]
    assert [(r["l_port_id"], r["chassis_id"], r["port_id"]) for r in two] == [
        ("Eth1/35", "leaf1", "Ethernet1/49"),
        ("Eth1/36", "leaf1", "Ethernet1/50"),
    ]
    parsed = parse_output(
        platform="cisco_nxos",
        command="show lldp neighbors",
        data=exec_(sim, "leaf1", "show lldp neighbors"),
    )
    assert [p["neighbor_name"] for p in parsed] == ["leaf2", "leaf2"]


def test_an_unpaired_switch_has_no_neighbours(sim: Simulation) -> None:
    assert record(sim, "leaf3", "show lldp neighbors")["TABLE_nbor"]["ROW_nbor"] == []
    assert "Total entries displayed: 0" in exec_(sim, "leaf3", "show cdp neighbors")


def test_cabled_ports_are_up_and_stay_out_of_the_running_config(sim: Simulation) -> None:
    rows = record(sim, "leaf1", "show interface ethernet1/49")["TABLE_interface"]["ROW_interface"]
    assert rows[0]["state"] == "up"
    # NX-OS lists every interface; a cabled port's is a bare header, with no configuration.
    assert "\ninterface Ethernet1/49\n\ninterface Ethernet1/50\n" in exec_(
        sim, "leaf1", "show running-config"
    )


def test_lldp_and_cdp_detail_name_the_peer_its_pid_and_port(sim: Simulation) -> None:
    detail = record(sim, "leaf1", "show lldp neighbors detail")
    row = detail["TABLE_nbor_detail"]["ROW_nbor_detail"][0]
    assert (row["sys_name"], row["port_id"], row["l_port_id"]) == (
        "leaf2",
        "Ethernet1/35",
        "Eth1/49",
    )
    parsed = parse_output(
        platform="cisco_nxos",
        command="show lldp neighbors detail",
        data=exec_(sim, "leaf1", "show lldp neighbors detail"),
    )
    assert [p["neighbor_interface"] for p in parsed] == ["Ethernet1/35", "Ethernet1/36"]
    cdp = record(sim, "leaf1", "show cdp neighbors detail")
    rows = cdp["TABLE_cdp_neighbor_detail_info"]["ROW_cdp_neighbor_detail_info"]
    assert [(r["intf_id"], r["device_id"], r["platform_id"]) for r in rows] == [
        ("Ethernet1/49", "leaf2(FDO00000002)", "N9K-C9336C-FX2"),
        ("Ethernet1/50", "leaf2(FDO00000002)", "N9K-C9336C-FX2"),
    ]
    for command in ("show cdp neighbors", "show cdp neighbors detail"):
        parsed = parse_output(
            platform="cisco_nxos", command=command, data=exec_(sim, "leaf1", command)
        )
        assert [p["platform"] for p in parsed] == ["N9K-C9336C-FX2"] * 2


def test_a_shut_port_or_a_renamed_peer_shows_at_once(sim: Simulation) -> None:
    sim.switch("leaf2").apply_config(["hostname spine9", "interface ethernet1/36", "shutdown"])
    rows = record(sim, "leaf1", "show lldp neighbors")["TABLE_nbor"]["ROW_nbor"]
    assert [(r["l_port_id"], r["chassis_id"]) for r in rows] == [("Eth1/49", "spine9")]


def test_arp_resolves_the_far_end_of_a_routed_cable(sim: Simulation) -> None:
    def adjacencies(vrf: str = "") -> list[dict[str, Any]]:
        table = record(sim, "leaf1", f"show ip arp{vrf}")["TABLE_vrf"]["ROW_vrf"]
        return [row for entry in table for row in entry["TABLE_adj"]["ROW_adj"]]

    assert adjacencies() == []
    sim.switch("leaf1").apply_config(["interface e1/49", "no switchport", "ip address 10.9.0.1/30"])
    sim.switch("leaf2").apply_config(["interface e1/35", "no switchport", "ip address 10.9.0.2/30"])
    far_mac = record(sim, "leaf2", "show interface ethernet1/35")["TABLE_interface"][
        "ROW_interface"
    ][0]["eth_hw_addr"]
    rows = adjacencies()
    assert [(r["ip-addr-out"], r["mac"], r["intf-out"]) for r in rows] == [
        ("10.9.0.2", far_mac, "Ethernet1/49")
    ]
    assert adjacencies(" vrf all") == rows
    parsed = parse_output(
        platform="cisco_nxos", command="show ip arp", data=exec_(sim, "leaf1", "show ip arp")
    )
    assert [(p["ip_address"], p["interface"]) for p in parsed] == [("10.9.0.2", "Ethernet1/49")]
