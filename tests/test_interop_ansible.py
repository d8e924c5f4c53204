"""Ansible `cisco.nxos`, unmodified, against lab switches: one playbook, two connections.

leaf1 is driven over SSH (`ansible.netcommon.network_cli`, paramiko), leaf2 over NX-API
(`ansible.netcommon.httpapi`, plain HTTP). Each host runs the same tasks: `nxos_facts` with
`gather_subset: all`, `nxos_command`, and the `vlans` and `l2_interfaces` resource modules
gathered, merged and merged again (the rerun must change nothing). See docs/interop.md.
"""

from __future__ import annotations

from typing import Any

import pytest
from ansible_run import run_playbook, task_result

from sim.lab.background import BackgroundLab

pytestmark = pytest.mark.slpsim(switches=2)

PLAYBOOK = """
- hosts: all
  gather_facts: false
  tasks:
    - name: facts
      cisco.nxos.nxos_facts:
        gather_subset: all
    - name: command
      cisco.nxos.nxos_command:
        commands:
          - show version
          - show vlan brief | json
    - name: vlans gathered before
      cisco.nxos.nxos_vlans:
        state: gathered
    - name: vlans merged
      cisco.nxos.nxos_vlans:
        state: merged
        config:
          - {vlan_id: 110, name: web}
          - {vlan_id: 120, name: db, enabled: false}
    - name: vlans merged again
      cisco.nxos.nxos_vlans:
        state: merged
        config:
          - {vlan_id: 110, name: web}
          - {vlan_id: 120, name: db, enabled: false}
    - name: l2 merged
      cisco.nxos.nxos_l2_interfaces:
        state: merged
        config:
          - {name: Ethernet1/10, access: {vlan: 110}}
    - name: l2 merged again
      cisco.nxos.nxos_l2_interfaces:
        state: merged
        config:
          - {name: Ethernet1/10, access: {vlan: 110}}
    - name: l2 gathered after
      cisco.nxos.nxos_l2_interfaces:
        state: gathered
    - name: vlans gathered after
      cisco.nxos.nxos_vlans:
        state: gathered
"""


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Any:
    # The module's lab, as the slpsim_lab fixture gives it (a module fixture cannot ask for
    # a function-scoped one).
    lab: BackgroundLab = request.getfixturevalue("_slpsim_module_lab").get()

    async def address_mgmt0() -> None:
        for number, switch in enumerate(lab.endpoints.switches, start=1):
            config = ["interface mgmt0", f"ipv6 address 2001:db8::{number}/64"]
            assert lab.lab.simulation.switch(switch.name).apply_config(config) == ["", ""]

    lab.call(address_mgmt0)
    workdir = tmp_path_factory.mktemp("ansible")
    return run_playbook(lab, workdir, PLAYBOOK)


HOSTS = [pytest.param(0, id="network_cli"), pytest.param(1, id="httpapi")]


_result = task_result


@pytest.mark.parametrize("index", HOSTS)
def test_no_task_failed(results: Any, index: int) -> None:
    name = results["lab"].endpoints.switches[index].name
    assert results["stats"][name]["failures"] == 0
    assert results["stats"][name]["unreachable"] == 0


@pytest.mark.parametrize("index", HOSTS)
def test_nxos_facts_gather_subset_all(results: Any, index: int) -> None:
    switch = results["lab"].endpoints.switches[index]
    facts = _result(results, index, "facts")["ansible_facts"]
    assert facts["ansible_net_hostname"] == switch.name
    assert facts["ansible_net_serialnum"] == switch.serial
    assert facts["ansible_net_version"] == "10.4(3)"
    assert facts["ansible_net_platform"] == switch.pid
    assert switch.pid.removeprefix("N9K-") in facts["ansible_net_model"]
    assert "mgmt0" in facts["ansible_net_interfaces"]
    assert "Ethernet1/1" in facts["ansible_net_interfaces_list"]
    # From `show ipv6 interface vrf all | json`. A Nexus 9000 lists addresses under
    # TABLE_addr, which the facts module reads into the list but not into the interface.
    assert facts["ansible_net_all_ipv6_addresses"] == [f"2001:db8::{index + 1}/64"]
    assert facts["ansible_net_interfaces"]["mgmt0"]["ipv6"] == {"subnet": "2001:db8::/64"}
    assert facts["ansible_net_memtotal_mb"] > facts["ansible_net_memfree_mb"] > 0
    assert 0 < facts["ansible_net_cpu_utilization"]["core"]["one_minute"] < 20
    assert facts["ansible_net_module"][0]["model"] == switch.pid
    assert [p["status"] for p in facts["ansible_net_power_supply_info"]] == ["Ok", "Ok"]
    assert all(fan["status"] == "Ok" for fan in facts["ansible_net_fan_info"])
    peer = results["lab"].endpoints.switches[1 - index].name
    neighbors = facts["ansible_net_neighbors"]
    assert len(neighbors) == 2
    assert all(n[0]["sysname"].startswith(peer) for n in neighbors.values())


@pytest.mark.parametrize("index", HOSTS)
def test_nxos_command_returns_text_and_json(results: Any, index: int) -> None:
    switch = results["lab"].endpoints.switches[index]
    stdout = _result(results, index, "command")["stdout"]
    assert f"Device name: {switch.name}" in stdout[0]
    assert "TABLE_vlanbriefxbrief" in stdout[1]


@pytest.mark.parametrize("index", HOSTS)
def test_vlans_gathered_merged_and_idempotent(results: Any, index: int) -> None:
    before = _result(results, index, "vlans gathered before")["gathered"]
    assert [v["vlan_id"] for v in before] == [1]
    merged = _result(results, index, "vlans merged")
    assert merged["changed"] is True
    assert merged["commands"] == ["vlan 110", "name web", "vlan 120", "name db", "shutdown"]
    again = _result(results, index, "vlans merged again")
    assert (again["changed"], again["commands"]) == (False, [])
    after = {v["vlan_id"]: v for v in _result(results, index, "vlans gathered after")["gathered"]}
    assert after[110]["name"] == "web" and after[110]["enabled"] is True
    assert after[120]["name"] == "db" and after[120]["enabled"] is False


@pytest.mark.parametrize("index", HOSTS)
def test_l2_interfaces_merged_and_idempotent(results: Any, index: int) -> None:
    merged = _result(results, index, "l2 merged")
    assert merged["commands"] == ["interface Ethernet1/10", "switchport access vlan 110"]
    again = _result(results, index, "l2 merged again")
    assert (again["changed"], again["commands"]) == (False, [])
    gathered = _result(results, index, "l2 gathered after")["gathered"]
    assert {"name": "Ethernet1/10", "access": {"vlan": 110}} in gathered
