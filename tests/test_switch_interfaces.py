"""Interfaces of a lab switch: the PID's front panel and mgmt0, in every `show interface` form."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from ntc_templates.parse import parse_output

from sim.lab.background import BackgroundLab
from sim.lab.lab import LabOptions
from sim.lab.nxapi import ins_api_request
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


# ---------------------------------------------------------------------- configuration

UPLINK = [
    "interface e1/3",
    "description uplink to spine1",
    "no switchport",
    "mtu 9216",
    "ip address 10.1.3.1/24",
    "interface Ethernet1/4",
    "shutdown",
]


def test_interface_configuration_changes_what_show_prints(sim: Simulation) -> None:
    assert sim.switch("leaf1").apply_config(UPLINK) == [""] * len(UPLINK)
    records = {row["interface"]: row for row in rows(sim, "show interface")}
    uplink, down = records["Ethernet1/3"], records["Ethernet1/4"]
    assert (uplink["desc"], uplink["eth_mtu"], uplink["eth_mode"]) == (
        "uplink to spine1",
        "9216",
        "routed",
    )
    assert (uplink["eth_ip_addr"], uplink["eth_ip_mask"]) == ("10.1.3.1", 24)
    assert (down["admin_state"], down["state_rsn_desc"]) == ("down", "Administratively down")
    assert "  Internet Address is 10.1.3.1/24\n" in exec_(sim, "show interface e1/3")
    status = {
        r["port"]: r
        for r in parse_output(
            "cisco_nxos", "show interface status", exec_(sim, "show interface status")
        )
    }
    assert (status["Eth1/3"]["name"], status["Eth1/3"]["vlan_id"]) == ("uplink to spine1", "routed")
    assert status["Eth1/4"]["status"] == "disabled"
    brief = parse_output(
        "cisco_nxos", "show ip interface brief", exec_(sim, "show ip interface brief")
    )
    assert [(b["interface"], b["ip_address"]) for b in brief] == [("Eth1/3", "10.1.3.1")]
    (row,) = json.loads(exec_(sim, "show ip interface vrf all | json"))["TABLE_intf"]["ROW_intf"]
    assert (row["intf-name"], row["prefix"], row["masklen"]) == ("Ethernet1/3", "10.1.3.1", 24)


def test_interface_configuration_is_in_running_config_and_survives_reload(
    sim: Simulation,
) -> None:
    switch = sim.switch("leaf1")
    switch.apply_config(UPLINK)
    block = [
        "interface Ethernet1/3",
        "  description uplink to spine1",
        "  no switchport",
        "  mtu 9216",
        "  ip address 10.1.3.1/24",
        "  no shutdown",
        "",
        "interface Ethernet1/4",
        "  shutdown",
    ]
    assert "\n".join(block) + "\n" in exec_(sim, "show running-config")
    exec_(sim, "copy running-config startup-config")
    switch.apply_config(["interface e1/3", "no ip address", "switchport"])
    exec_(sim, "reload")
    assert "\n".join(block) + "\n" in exec_(sim, "show running-config")
    switch.apply_config(
        ["interface e1/3", "no description", "switchport", "no mtu", "interface e1/4", "no shut"]
    )
    # Back to defaults: NX-OS still lists each interface, as a bare header.
    running = exec_(sim, "show running-config")
    assert "\ninterface Ethernet1/3\n\ninterface Ethernet1/4\n\n" in running
    assert "uplink to spine1" not in running


def test_interface_configuration_is_refused_where_nx_os_refuses_it(sim: Simulation) -> None:
    switch = sim.switch("leaf1")
    assert switch.apply_config(["interface e1/99"]) == ["% Invalid interface Ethernet1/99\n"]
    refused = switch.apply_config(["interface e1/5", "ip address 10.0.0.1/24"])
    assert refused[1] == "ERROR: Ethernet1/5: IP address not allowed on a switchport\n"
    for bad in ("10.0.0.1", "10.0.0.300/24", "10.0.0.1/33", "10.0.0.1/0"):
        (_, _, output) = switch.apply_config(
            ["interface e1/5", "no switchport", f"ip address {bad}"]
        )
        assert output.endswith("% Invalid parameter detected at '^' marker.\n"), bad
    (_, output) = switch.apply_config(["interface e1/5", "description " + "x" * 255])
    assert output.endswith("% Invalid parameter detected at '^' marker.\n")
    assert "interface Ethernet1/5\n  no switchport\n" in exec_(sim, "show running-config")


def test_two_sessions_edit_their_own_interface(sim: Simulation) -> None:
    switch = sim.switch("leaf1")
    first, second = switch.new_session(), switch.new_session()
    for session, name in ((first, "e1/1"), (second, "e1/2")):
        session.execute("configure terminal")
        session.execute(f"interface {name}")
    first.execute("description one")
    second.execute("description two")
    descriptions = {row["interface"]: row.get("desc") for row in rows(sim, "show interface")}
    assert (descriptions["Ethernet1/1"], descriptions["Ethernet1/2"]) == ("one", "two")


def _cli_conf(port: int, commands: str) -> dict[str, Any]:
    body = ins_api_request(commands, "cli_conf")
    answer = httpx.post(f"http://127.0.0.1:{port}/ins", json=body, auth=("admin", "admin"))
    result: dict[str, Any] = answer.json()
    return result


def test_a_lab_keeps_interface_configuration_across_a_restart(tmp_path: Path) -> None:
    options = LabOptions(switches=1, control_port=0, state_dir=tmp_path)
    with BackgroundLab(options) as running:
        port = running.endpoints.switches[0].nxapi_port
        _cli_conf(port, " ;".join(UPLINK))
        before = running.call(_running_config(running))
    assert "interface Ethernet1/3\n  description uplink to spine1\n" in before
    with BackgroundLab(options) as again:
        assert again.call(_running_config(again)).split("\n")[3:] == before.split("\n")[3:]


def _running_config(lab: BackgroundLab) -> Any:
    async def show() -> str:
        return lab.lab.simulation.switch("leaf1").exec("show running-config")

    return show


# ---------------------------------------------------------------------- counters


def _advance(sim: Simulation, delta: timedelta) -> None:
    asyncio.run(sim.advance(delta))


def _counts(sim: Simulation, name: str) -> dict[str, Any]:
    [row] = rows(sim, f"show interface {name}")
    return row


def test_counters_of_an_up_interface_grow_with_virtual_time_and_a_down_one_stays_at_zero(
    sim: Simulation,
) -> None:
    _advance(sim, timedelta(hours=1))
    hour = _counts(sim, "mgmt0")
    _advance(sim, timedelta(hours=1))
    two_hours = _counts(sim, "mgmt0")
    assert hour["eth_inbytes"] > 0 and hour["eth_outpkts"] > 0
    assert two_hours["eth_inbytes"] == 2 * hour["eth_inbytes"]
    assert two_hours["eth_inpkts"] == (
        two_hours["eth_inucast"] + two_hours["eth_inmcast"] + two_hours["eth_inbcast"]
    )
    # The rate is what the counters grow by, per second.
    assert int(hour["eth_inrate1_bits"]) == hour["eth_inbytes"] * 8 // 3600
    down = _counts(sim, "Ethernet1/1")
    assert (down["eth_inbytes"], down["eth_outpkts"], down["eth_inrate1_bits"]) == (0, 0, "0")
    # The text says the same, as ntc-templates reads it.
    [parsed] = parse_output("cisco_nxos", "show interface", exec_(sim, "show interface mgmt0"))
    assert int(parsed["input_packets"]) == two_hours["eth_inpkts"]
    assert int(parsed["output_packets"]) == two_hours["eth_outpkts"]
    assert parsed["bandwidth_input_rate"] == two_hours["eth_inrate1_bits"]


def test_clear_counters_starts_them_again_for_one_interface_or_all(sim: Simulation) -> None:
    _advance(sim, timedelta(hours=1))
    before = _counts(sim, "mgmt0")["eth_outbytes"]
    assert exec_(sim, "clear counters interface mgmt0") == ""
    cleared = _counts(sim, "mgmt0")
    assert (cleared["eth_outbytes"], cleared["eth_clear_counters"]) == (0, "00:00:00")
    _advance(sim, timedelta(minutes=5))
    assert 0 < _counts(sim, "mgmt0")["eth_outbytes"] < before
    assert "counters 00:05:00" in exec_(sim, "show interface mgmt0")
    _advance(sim, timedelta(days=3, hours=4))
    assert _counts(sim, "mgmt0")["eth_clear_counters"] == "3d04h"
    exec_(sim, "clear counters")
    assert _counts(sim, "mgmt0")["eth_inbytes"] == 0


def test_show_interface_counters_tables_agree_with_show_interface(sim: Simulation) -> None:
    _advance(sim, timedelta(minutes=30))
    mgmt = _counts(sim, "mgmt0")
    data = json.loads(exec_(sim, "show interface counters | json"))
    rx = [r for r in data["TABLE_rx_counters"]["ROW_rx_counters"] if r["interface_rx"] == "mgmt0"]
    assert rx == [
        {
            "interface_rx": "mgmt0",
            "eth_inbytes": mgmt["eth_inbytes"],
            "eth_inucast": mgmt["eth_inucast"],
        },
        {
            "interface_rx": "mgmt0",
            "eth_inmcast": mgmt["eth_inmcast"],
            "eth_inbcast": mgmt["eth_inbcast"],
        },
    ]
    text = exec_(sim, "show interface counters")
    assert f"mgmt0{mgmt['eth_inbytes']:>40}{mgmt['eth_inucast']:>37}" in text
    assert "OutBcastPkts" in text
    detailed = json.loads(exec_(sim, "show interface mgmt0 counters detailed | json"))
    [row] = detailed["TABLE_interface"]["ROW_interface"]
    assert row["mgmt_out_bytes"] == mgmt["eth_outbytes"]
    assert f"rx_bytes_input_pkts = {mgmt['eth_inbytes']}" in exec_(
        sim, "show interface mgmt0 counters detailed"
    )


# ---------------------------------------------------------------------- IPv6


def _routed_v6(sim: Simulation) -> list[str]:
    return sim.switch("leaf1").apply_config(
        [
            "interface Ethernet1/10",
            "no switchport",
            "ipv6 address 2001:db8:10::1/64",
            "ipv6 address 2001:db8:11::1/64",
            "interface mgmt0",
            "ipv6 address 2001:db8::10/64",
        ]
    )


def test_ipv6_addresses_show_in_text_and_json_per_vrf(sim: Simulation) -> None:
    assert _routed_v6(sim) == [""] * 6
    data = json.loads(exec_(sim, "show ipv6 interface vrf all | json"))
    by_name = {row["intf-name"]: row for row in data["TABLE_intf"]["ROW_intf"]}
    assert list(by_name) == ["mgmt0", "Ethernet1/10"]
    assert by_name["Ethernet1/10"]["TABLE_addr"]["ROW_addr"] == [
        {"addr": "2001:db8:10::1/64"},
        {"addr": "2001:db8:11::1/64"},
    ]
    # One address: NX-OS gives the row itself, which is how Ansible's facts read it.
    assert by_name["mgmt0"]["TABLE_addr"]["ROW_addr"] == {"addr": "2001:db8::10/64"}
    assert by_name["mgmt0"]["vrf-name-out"] == "management"
    assert by_name["Ethernet1/10"]["prefix"] == "2001:db8:10::/64"
    # EUI-64 from the port's MAC, with the universal/local bit flipped.
    mac = by_name["Ethernet1/10"]["linklocal-addr"]
    [row] = rows(sim, "show interface e1/10")
    assert mac == "fe80::2ec2:" + _eui64_tail(row["eth_hw_addr"])
    default_only = json.loads(exec_(sim, "show ipv6 interface | json"))
    assert [r["intf-name"] for r in default_only["TABLE_intf"]["ROW_intf"]] == ["Ethernet1/10"]
    text = exec_(sim, "show ipv6 interface vrf all")
    assert 'IPv6 Interface Status for VRF "management"\nmgmt0, Interface status:' in text
    assert "    2001:db8:11::1/64 [VALID]\n" in text
    # The template reads one address per interface: mgmt0 has one.
    command = "show ipv6 interface brief vrf management"
    [brief] = parse_output("cisco_nxos", "show ipv6 interface brief", exec_(sim, command))
    assert (brief["interface"], brief["ipv6_address"], brief["linkipaddr"]) == (
        "mgmt0",
        "2001:db8::10",
        by_name["mgmt0"]["linklocal-addr"],
    )


def _eui64_tail(mac: str) -> str:
    octets = mac.replace(".", "")
    groups = (octets[4:6] + "ff", "fe" + octets[6:8], octets[8:12])
    return ":".join(f"{int(group, 16):x}" for group in groups)


def test_ipv6_configuration_is_kept_removed_and_refused_like_nx_os(sim: Simulation) -> None:
    _routed_v6(sim)
    running = exec_(sim, "show running-config")
    assert (
        "interface Ethernet1/10\n  no switchport\n  ipv6 address 2001:db8:10::1/64\n"
        "  ipv6 address 2001:db8:11::1/64\n  no shutdown\n"
    ) in running
    switch = sim.switch("leaf1")
    assert switch.apply_config(["interface e1/10", "no ipv6 address 2001:db8:10::1/64"]) == [""] * 2
    assert "2001:db8:10::1" not in exec_(sim, "show ipv6 interface")
    assert switch.apply_config(["interface e1/10", "no ipv6 address"]) == [""] * 2
    assert "Ethernet1/10" not in exec_(sim, "show ipv6 interface")
    refused = switch.apply_config(
        ["interface e1/11", "ipv6 address 2001:db8::1/64", "ipv6 address 2001:db8::1"]
    )
    assert refused[1] == "ERROR: Ethernet1/11: IPv6 address not allowed on a switchport\n"
    assert refused[2].endswith("% Invalid parameter detected at '^' marker.\n")


def test_show_interface_switchport_follows_access_vlan_and_routing(sim: Simulation) -> None:
    config = ["vlan 20", "name users", "interface e1/2", "switchport access vlan 20"]
    config += ["interface e1/3", "no switchport"]
    assert sim.switch("leaf1").apply_config(config) == [""] * 6
    data = json.loads(exec_(sim, "show interface switchport | json"))
    by_name = {row["interface"]: row for row in data["TABLE_interface"]["ROW_interface"]}
    assert "mgmt0" not in by_name
    access = by_name["Ethernet1/2"]
    assert (access["access_vlan"], access["access_vlan_name"]) == ("20", "users")
    assert by_name["Ethernet1/3"] == {"interface": "Ethernet1/3", "switchport": "Disabled"}
    text = exec_(sim, "show interface e1/2 switchport")
    [parsed] = parse_output("cisco_nxos", "show interface switchport", text)
    assert (parsed["interface"], parsed["mode"], parsed["access_vlan"]) == (
        "Ethernet1/2",
        "access",
        "20",
    )
    assert parsed["access_vlan_name"] == "users"


def test_both_ends_of_a_cable_agree_and_a_shut_far_end_sends_nothing() -> None:
    sim = Simulation.build(
        "direct", switches=[SwitchSpec("leaf1"), SwitchSpec("leaf2", serial="FDO2434107P")]
    )
    asyncio.run(sim.boot())
    _advance(sim, timedelta(minutes=20))

    def port(switch: str) -> dict[str, Any]:
        data = json.loads(sim.switch(switch).exec("show interface e1/49 | json"))
        row: dict[str, Any] = data["TABLE_interface"]["ROW_interface"][0]
        return row

    one, two = port("leaf1"), port("leaf2")
    assert one["state"] == two["state"] == "up"
    assert one["eth_outrate1_bits"] == two["eth_inrate1_bits"] != "0"
    assert (one["eth_outbytes"], one["eth_inpkts"]) == (two["eth_inbytes"], two["eth_outpkts"])
    sim.switch("leaf2").apply_config(["interface e1/49", "shutdown"])
    after = port("leaf1")
    # No light from a shut far end: the near port is down too and moves nothing.
    assert (after["state"], after["state_rsn_desc"]) == ("down", "Link not connected")
    assert (after["eth_inrate1_bits"], after["eth_outrate1_bits"]) == ("0", "0")
    asyncio.run(sim.close())
