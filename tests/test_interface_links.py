"""A cable carries light only while both ends are enabled.

`shutdown` at one end brings the other end's port down (`Link not connected`), its LLDP and
CDP neighbours go and its traffic stops; `no shutdown` brings it all back. Each change is
logged with NX-OS's ETHPORT messages.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from ntc_templates.parse import parse_output

from sim.simulation import Simulation, SwitchSpec

# Both are 93180YC-FX: leaf1's Ethernet1/49-50 are cabled to leaf2's.
PORT = "Ethernet1/49"
OTHER = "Ethernet1/50"
DOWN = "%ETHPORT-5-IF_DOWN_LINK_FAILURE: Interface Ethernet1/49 is down (Link failure)"
UP = "%ETHPORT-5-IF_UP: Interface Ethernet1/49 is up in mode access"


@pytest.fixture
def sim() -> Iterator[Simulation]:
    sim = Simulation.build(
        "direct", switches=[SwitchSpec("leaf1"), SwitchSpec("leaf2", serial="FDO2434107P")]
    )
    asyncio.run(sim.boot())
    asyncio.run(sim.advance(timedelta(minutes=10)))
    yield sim
    asyncio.run(sim.close())


def shut(sim: Simulation, name: str, port: str = PORT, *, no: bool = False) -> None:
    sim.switch(name).apply_config([f"interface {port}", "no shutdown" if no else "shutdown"])


def record(sim: Simulation, name: str, command: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(sim.switch(name).exec(f"{command} | json"))
    return data


def row(sim: Simulation, name: str, port: str = PORT) -> dict[str, Any]:
    data = record(sim, name, f"show interface {port}")
    found: dict[str, Any] = data["TABLE_interface"]["ROW_interface"][0]
    return found


def lldp_ports(sim: Simulation, name: str) -> list[str]:
    text = sim.switch(name).exec("show lldp neighbors")
    return [
        entry["local_interface"]
        for entry in parse_output("cisco_nxos", "show lldp neighbors", text)
    ]


def cdp_ports(sim: Simulation, name: str) -> list[str]:
    rows = record(sim, name, "show cdp neighbors")["TABLE_cdp_neighbor_brief_info"]
    found = rows["ROW_cdp_neighbor_brief_info"]
    return [entry["intf_id"] for entry in (found if isinstance(found, list) else [found])]


def logged(sim: Simulation, name: str) -> list[str]:
    return [f"{record.tag}: {record.text}" for record in sim.switch(name).syslog]


def test_a_shut_far_end_takes_the_near_port_down_with_the_nx_os_reason(sim: Simulation) -> None:
    assert row(sim, "leaf1")["state"] == "up"
    shut(sim, "leaf2")
    near = row(sim, "leaf1")
    assert (near["state"], near["state_rsn_desc"], near["admin_state"]) == (
        "down",
        "Link not connected",
        "up",
    )
    text = sim.switch("leaf1").exec(f"show interface {PORT}")
    assert text.startswith("Ethernet1/49 is down (Link not connected)\nadmin state is up")
    # The shut end itself is administratively down, as before.
    assert row(sim, "leaf2")["state_rsn_desc"] == "Administratively down"
    # The other cable of the pair is untouched.
    assert row(sim, "leaf1", OTHER)["state"] == "up"


def test_brief_and_status_show_the_unlit_port_as_ntc_templates_parse_it(sim: Simulation) -> None:
    shut(sim, "leaf2")
    switch = sim.switch("leaf1")
    brief = parse_output("cisco_nxos", "show interface brief", switch.exec("show interface brief"))
    [entry] = [e for e in brief if e["interface"] == "Eth1/49"]
    assert (entry["status"], entry["reason"]) == ("down", "Link not connected")
    status = parse_output(
        "cisco_nxos", "show interface status", switch.exec("show interface status")
    )
    [entry] = [e for e in status if e["port"] == "Eth1/49"]
    assert entry["status"] == "notconnec"
    rows = record(sim, "leaf1", "show interface status")["TABLE_interface"]["ROW_interface"]
    [row49] = [r for r in rows if r["interface"] == PORT]
    assert (row49["state"], row49["speed"]) == ("notconnect", "auto")


def test_neighbours_go_and_come_back_with_the_far_end(sim: Simulation) -> None:
    assert lldp_ports(sim, "leaf1") == ["Eth1/49", "Eth1/50"]
    shut(sim, "leaf2")
    assert lldp_ports(sim, "leaf1") == lldp_ports(sim, "leaf2") == ["Eth1/50"]
    assert cdp_ports(sim, "leaf1") == [OTHER]
    shut(sim, "leaf2", no=True)
    assert lldp_ports(sim, "leaf1") == ["Eth1/49", "Eth1/50"]
    assert cdp_ports(sim, "leaf1") == [PORT, OTHER]
    assert row(sim, "leaf1")["state"] == "up"


def test_traffic_stops_on_both_ends_while_the_far_end_is_shut(sim: Simulation) -> None:
    assert row(sim, "leaf1")["eth_outrate1_bits"] != "0"
    shut(sim, "leaf2")
    for name in ("leaf1", "leaf2"):
        counters = row(sim, name)
        assert (counters["eth_inrate1_bits"], counters["eth_outrate1_bits"]) == ("0", "0")


def test_the_near_end_logs_link_failure_and_up_as_nx_os_does(sim: Simulation) -> None:
    shut(sim, "leaf2")
    assert DOWN in logged(sim, "leaf1")
    # The end that was shut logs no link failure of its own.
    assert not [line for line in logged(sim, "leaf2") if "IF_DOWN_LINK_FAILURE" in line]
    shut(sim, "leaf2", no=True)
    assert logged(sim, "leaf1")[-1] == UP
    shown = sim.switch("leaf1").exec("show logging last 2")
    assert "%ETHPORT-5-IF_DOWN_LINK_FAILURE: Interface Ethernet1/49 is down (Link failure)" in shown
    assert "%ETHPORT-5-IF_UP: Interface Ethernet1/49 is up in mode access" in shown


def test_a_far_end_reloaded_with_the_port_shut_in_startup_keeps_the_link_down(
    sim: Simulation,
) -> None:
    leaf2 = sim.switch("leaf2")
    shut(sim, "leaf2")
    leaf2.save_startup_config()
    leaf2.reload()
    assert row(sim, "leaf1")["state_rsn_desc"] == "Link not connected"
    shut(sim, "leaf2", no=True)
    leaf2.save_startup_config()
    shut(sim, "leaf2")
    leaf2.reload()
    assert row(sim, "leaf1")["state"] == "up"


def test_the_near_end_sees_the_link_fail_and_return_across_a_far_end_reload(
    sim: Simulation,
) -> None:
    sim.switch("leaf2").reload()
    assert row(sim, "leaf1")["state"] == "up"
    assert logged(sim, "leaf1")[-4:] == [
        DOWN,
        DOWN.replace("1/49", "1/50"),
        UP,
        UP.replace("1/49", "1/50"),
    ]


def test_a_replacement_chassis_takes_over_the_cables(sim: Simulation) -> None:
    asyncio.run(sim.replace_device("leaf2", "FDO2434999Z", []))
    assert row(sim, "leaf1")["state"] == "up"
    details = record(sim, "leaf1", "show cdp neighbors detail")
    found = details["TABLE_cdp_neighbor_detail_info"]["ROW_cdp_neighbor_detail_info"]
    # The device id carries the serial number: leaf1 sees the new chassis on both cables.
    assert [entry["device_id"] for entry in found] == ["leaf2(FDO2434999Z)"] * 2
    shut(sim, "leaf2")
    assert row(sim, "leaf1")["state_rsn_desc"] == "Link not connected"
