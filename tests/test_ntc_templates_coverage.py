"""Every `cisco_nxos` template in the installed ntc-templates whose command the switch implements
parses that command's output: at least one row, with the template's Key and Required fields
filled. The commands the switch does not implement are listed here and in docs/interop.md, so
a gap is a decision on record, not a silent skip.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import textfsm
from ntc_templates.parse import _get_template_dir  # type: ignore[attr-defined]

from sim.simulation import Simulation, SwitchSpec

TEMPLATES = Path(_get_template_dir())
INTEROP_DOC = Path(__file__).resolve().parents[1] / "docs" / "interop.md"

# Index patterns that are regular expressions rather than a command, given as the command a
# client sends.
CONCRETE = {
    "cisco_nxos_show_bgp_vrf_all_ipv4_unicast_neighbors_routes.textfsm": (
        "show bgp vrf all ipv4 unicast neighbors 10.0.0.2 routes"
    ),
    "cisco_nxos_show_bgp_vrf_all_ipv4_unicast_detail.textfsm": (
        "show bgp vrf all ipv4 unicast detail"
    ),
    "cisco_nxos_show_ip_ospf_interface_brief.textfsm": "show ip ospf interface brief",
    "cisco_nxos_show_interface_capabilities.textfsm": "show interface capabilities",
    "cisco_nxos_show_forwarding_adjacency.textfsm": "show forwarding adjacency",
    "cisco_nxos_show_interface_switchport.textfsm": "show interface switchport",
    "cisco_nxos_show_ip_bgp_summary_vrf.textfsm": "show ip bgp summary vrf all",
    "cisco_nxos_show_ip_interface_brief.textfsm": "show ip interface brief",
    "cisco_nxos_show_fex_id.textfsm": "show fex 101",
    "cisco_nxos_show_ip_bgp.textfsm": "show ip bgp",
}

# Commands with an ntc-templates template that the switch answers with the NX-OS error: routing
# protocols, multicast, overlays, FEX, ACLs and the like are outside what the simulator models.
GAP = (
    "show access-lists",
    "show bfd neighbors",
    "show bgp vrf all ipv4 unicast detail",
    "show bgp vrf all ipv4 unicast neighbors 10.0.0.2 routes",
    "show configuration session summary",
    "show cts interface all",
    "show cts interface brief",
    "show fabricpath route",
    "show fex",
    "show fex 101",
    "show flogi database",
    "show forwarding adjacency",
    "show forwarding ipv4 route",
    "show hardware internal bigsur all-ports detail",
    "show hsrp all",
    "show interface breakout",
    "show interface capabilities",
    "show interface snmp-ifindex",
    "show interface status err-disabled",
    "show interface transceiver",
    "show interface transceiver details",
    "show ip adjacency",
    "show ip arp detail",
    "show ip arp detail vrf all",
    "show ip bgp",
    "show ip bgp neighbors",
    "show ip bgp summary",
    "show ip bgp summary vrf all",
    "show ip community-list",
    "show ip dhcp relay address",
    "show ip dhcp snooping statistics",
    "show ip eigrp neighbors",
    "show ip mroutes vrf all",
    "show ip msdp summary vrf all",
    "show ip ospf database",
    "show ip ospf interface brief",
    "show ip ospf neighbor",
    "show ip pim group-range vrf all",
    "show ip pim interface brief vrf all",
    "show ip pim neighbor vrf all",
    "show ip pim rp vrf all",
    "show ip route",
    "show l2rib internal permanently-frozen-list",
    "show mac address-table",
    "show nve peers",
    "show nve vni",
    "show nve vni interface nve 1 detail",
    "show port-channel summary",
    "show route-map",
    "show spanning-tree root",
    "show switching-mode",
    "show vpc",
    "show vrf",
    "show vrf detail",
    "show vrf interface",
)


def _templates() -> list[tuple[str, str]]:
    found = []
    for line in (TEMPLATES / "index").read_text().splitlines():
        parts = [part.strip() for part in line.split(",", 3)]
        if len(parts) == 4 and parts[2] == "cisco_nxos":
            template, pattern = parts[0], parts[3]
            command = CONCRETE.get(template) or re.sub(r"\[\[(.*?)\]\]", r"\1", pattern)
            found.append((template, command))
    return found


TEMPLATE_COMMANDS = _templates()


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulation]:
    simulation = Simulation.build(
        "direct", switches=[SwitchSpec("leaf1"), SwitchSpec("leaf2", serial="FDO2434107P")]
    )
    asyncio.run(simulation.boot())
    # A routed cable between the two switches gives the interface and ARP tables a row each,
    # and a saved file gives `dir` one.
    for name, host in (("leaf1", 1), ("leaf2", 2)):
        routed = [
            "interface Ethernet1/49",
            "no switchport",
            f"ip address 10.1.49.{host}/24",
            f"ipv6 address 2001:db8:49::{host}/64",
        ]
        assert simulation.switch(name).apply_config(routed) == [""] * len(routed)
    simulation.switch("leaf1").exec("copy running-config bootflash:backup.cfg")
    yield simulation
    asyncio.run(simulation.close())


def _refused(output: str) -> bool:
    return any(line.startswith(("% Invalid", "% Incomplete")) for line in output.splitlines())


def test_every_index_pattern_is_a_command_a_client_can_send() -> None:
    assert TEMPLATE_COMMANDS
    unresolved = [command for _, command in TEMPLATE_COMMANDS if re.search(r"[()\\?$]", command)]
    assert unresolved == []


def test_the_commands_without_output_are_exactly_the_documented_gap(sim: Simulation) -> None:
    switch = sim.switch("leaf1")
    refused = sorted(command for _, command in TEMPLATE_COMMANDS if _refused(switch.exec(command)))
    assert refused == sorted(GAP)
    documented = INTEROP_DOC.read_text()
    assert [command for command in GAP if f"`{command}`" not in documented] == []


# Templates stricter than NX-OS: the switch prints what real NX-OS prints and the template
# refuses it. Strict, so a template release that accepts it turns this into a failure to clean.
TEMPLATE_REFUSES: dict[str, str] = {}


def _parse_cases() -> list[object]:
    return [
        pytest.param(
            template,
            command,
            id=command,
            marks=[pytest.mark.xfail(strict=True, reason=TEMPLATE_REFUSES[command])]
            if command in TEMPLATE_REFUSES
            else [],
        )
        for template, command in TEMPLATE_COMMANDS
        if command not in GAP
    ]


@pytest.mark.parametrize(("template", "command"), _parse_cases())
def test_the_template_parses_the_switch_output(
    sim: Simulation, template: str, command: str
) -> None:
    output = sim.switch("leaf1").exec(command)
    with (TEMPLATES / template).open() as handle:
        fsm = textfsm.TextFSM(handle)
    rows = fsm.ParseText(output)
    keys = [
        index
        for index, value in enumerate(fsm.values)
        if {"Key", "Required"} & set(value.OptionNames())
    ]
    filled = [row for row in rows if all(row[index] not in ("", []) for index in keys)]
    assert filled, f"{command}: no row with {[fsm.header[i] for i in keys]} parsed from\n{output}"
    assert any(cell not in ("", []) for cell in filled[0])
