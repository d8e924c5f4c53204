"""Interfaces of a lab switch: the PID's front panel and mgmt0, in every `show interface` form."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from ntc_templates.parse import parse_output

from sim.simulation import Simulation, SwitchSpec

FRONT_PANEL = {
    "N9K-C93180YC-FX": 54,
    "N9K-C9336C-FX2": 36,
    "N9K-C93240YC-FX2": 60,
    "N9K-C9364C": 66,
}


def _switch(pid: str) -> Iterator[Simulation]:
    simulation = Simulation.build(
        "direct", switches=[SwitchSpec("leaf1", pid=pid, licenses={"NXOS_ADVANTAGE_XF": 1})]
    )
    asyncio.run(simulation.boot())
    yield simulation
    asyncio.run(simulation.close())


@pytest.fixture
def sim() -> Iterator[Simulation]:
    yield from _switch("N9K-C93180YC-FX")


def exec_(sim: Simulation, line: str) -> str:
    return sim.switch("leaf1").exec(line)


def rows(sim: Simulation, command: str) -> list[dict[str, Any]]:
    data = json.loads(exec_(sim, f"{command} | json"))
    result: list[dict[str, Any]] = data["TABLE_interface"]["ROW_interface"]
    return result


@pytest.mark.parametrize("pid", sorted(FRONT_PANEL))
def test_each_pid_has_its_front_panel_and_mgmt0(pid: str) -> None:
    for sim in _switch(pid):
        names = [row["interface"] for row in rows(sim, "show interface")]
        expected = ["mgmt0", *(f"Ethernet1/{n}" for n in range(1, FRONT_PANEL[pid] + 1))]
        assert names == expected
        assert [row["interface"] for row in rows(sim, "show interface brief")] == expected
        assert [row["interface"] for row in rows(sim, "show interface status")] == expected


def test_show_interface_text_and_json_agree_and_parse_with_ntc_templates(
    sim: Simulation,
) -> None:
    records = {row["interface"]: row for row in rows(sim, "show interface")}
    parsed = parse_output("cisco_nxos", "show interface", exec_(sim, "show interface"))
    assert [p["interface"] for p in parsed] == list(records)
    for entry in parsed:
        record = records[entry["interface"]]
        assert entry["mac_address"] == record["eth_hw_addr"]
        assert entry["mtu"] == record["eth_mtu"]
        assert entry["link_status"].startswith(record["state"])
    assert records["mgmt0"]["state"] == "up"
    assert records["Ethernet1/1"]["eth_bw"] == 25_000_000
    assert records["Ethernet1/54"]["eth_bw"] == 100_000_000
    assert len({row["eth_hw_addr"] for row in records.values()}) == len(records)


def test_brief_and_status_parse_with_ntc_templates(sim: Simulation) -> None:
    brief = parse_output("cisco_nxos", "show interface brief", exec_(sim, "show interface brief"))
    assert [b["interface"] for b in brief] == ["mgmt0", *(f"Eth1/{n}" for n in range(1, 55))]
    assert brief[0]["status"] == "up" and brief[1]["status"] == "down"
    status = parse_output(
        "cisco_nxos", "show interface status", exec_(sim, "show interface status")
    )
    assert len(status) == 55
    assert status[0]["port"] == "mgmt0" and status[0]["status"] == "connected"
    assert status[1]["port"] == "Eth1/1" and status[1]["status"] == "xcvrAbsen"


def test_one_interface_by_any_abbreviation(sim: Simulation) -> None:
    for spelling in ("Ethernet1/7", "ethernet1/7", "eth1/7", "e1/7"):
        assert [row["interface"] for row in rows(sim, f"show interface {spelling}")] == [
            "Ethernet1/7"
        ]
    assert exec_(sim, "show interface e1/7").startswith("Ethernet1/7 is down")
    assert exec_(sim, "show interface e1/99") == "% Invalid interface Ethernet1/99\n"
    assert exec_(sim, "show interface foo").endswith(
        "% Invalid parameter detected at '^' marker.\n"
    )


def test_show_hostname_follows_hostname_and_domain(sim: Simulation) -> None:
    switch = sim.switch("leaf1")
    assert switch.apply_config(["no ip domain-name example.com"]) == [""]
    assert exec_(sim, "show hostname") == "leaf1\n"
    switch.apply_config(["hostname spine9", "ip domain-name lab.example"])
    assert exec_(sim, "show hostname") == "spine9.lab.example\n"
    assert json.loads(exec_(sim, "show hostname | json")) == {"hostname": "spine9.lab.example"}
    assert parse_output("cisco_nxos", "show hostname", exec_(sim, "show hostname")) == [
        {"hostname": "spine9.lab.example"}
    ]


def test_show_hosts_names_the_default_domain(sim: Simulation) -> None:
    sim.switch("leaf1").apply_config(["ip domain-name lab.example", "ip host nms 10.0.0.9"])
    text = exec_(sim, "show hosts")
    assert "Default domain for vrf:default is lab.example\n" in text
    assert "nms                       10.0.0.9\n" in text
