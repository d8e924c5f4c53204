"""VLANs of a lab switch: `vlan`, its sub-mode, `no vlan`, `show vlan [brief]` and the access
ports that `switchport access vlan` puts in them; text and `| json` from one record."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ntc_templates.parse import parse_output
from wire_lab import shown_across_a_restart

from sim.simulation import Simulation, SwitchSpec


@pytest.fixture
def sim() -> Iterator[Simulation]:
    simulation = Simulation.build("direct", switches=[SwitchSpec("leaf1")])
    asyncio.run(simulation.boot())
    yield simulation
    asyncio.run(simulation.close())


def exec_(sim: Simulation, line: str) -> str:
    return sim.switch("leaf1").exec(line)


def config(sim: Simulation, *lines: str) -> list[str]:
    return sim.switch("leaf1").apply_config(list(lines))


def brief(sim: Simulation) -> dict[str, dict[str, Any]]:
    table = json.loads(exec_(sim, "show vlan brief | json"))
    rows = table["TABLE_vlanbriefxbrief"]["ROW_vlanbriefxbrief"]
    return {row["vlanshowbr-vlanid-utf"]: row for row in rows}


def test_a_fresh_switch_has_vlan_1_holding_every_layer2_port(sim: Simulation) -> None:
    rows = brief(sim)
    assert list(rows) == ["1"]
    assert rows["1"]["vlanshowbr-vlanname"] == "default"
    assert rows["1"]["vlanshowplist-ifidx"] == "Ethernet1/1-54"
    assert "vlan 1\n" in exec_(sim, "show running-config")


def test_vlans_are_created_named_and_given_access_ports(sim: Simulation) -> None:
    outputs = config(
        sim,
        "vlan 10,20-21",
        "name web",
        "vlan 30",
        "state suspend",
        "shutdown",
        "interface ethernet1/1",
        "switchport access vlan 10",
        "interface ethernet1/2",
        "switchport access vlan 10",
        "interface ethernet1/3",
        "no switchport",
    )
    assert set(outputs) == {""}
    rows = brief(sim)
    assert list(rows) == ["1", "10", "20", "21", "30"]
    assert rows["10"]["vlanshowbr-vlanname"] == "web"
    assert rows["10"]["vlanshowplist-ifidx"] == "Ethernet1/1-2"
    assert rows["1"]["vlanshowplist-ifidx"] == "Ethernet1/4-54"
    assert (rows["30"]["vlanshowbr-vlanstate"], rows["30"]["vlanshowbr-shutstate"]) == (
        "suspend",
        "shutdown",
    )
    parsed = parse_output(platform="cisco_nxos", command="show vlan", data=exec_(sim, "show vlan"))
    by_id = {row["vlan_id"]: row for row in parsed}
    assert by_id["10"]["vlan_name"] == "web"
    assert by_id["10"]["interfaces"] == ["Eth1/1", "Eth1/2"]
    assert by_id["30"]["status"] == "sus/lshut"
    full = json.loads(exec_(sim, "show vlan | json"))
    modes = {r["vlanshowinfo-vlanid"]: r for r in full["TABLE_mtuinfo"]["ROW_mtuinfo"]}
    assert modes["20"]["vlanshowinfo-vlanmode"] == "ce-vlan"
    running = exec_(sim, "show running-config")
    assert "vlan 1,10,20-21,30\nvlan 10\n  name web\n" in running
    assert "vlan 30\n  state suspend\n  shutdown\n" in running


def test_no_vlan_removes_it_and_its_ports_leave_show_vlan(sim: Simulation) -> None:
    config(sim, "vlan 10", "interface ethernet1/1", "switchport access vlan 10")
    assert config(sim, "no vlan 10") == [""]
    rows = brief(sim)
    assert list(rows) == ["1"]
    assert rows["1"]["vlanshowplist-ifidx"] == "Ethernet1/2-54"


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ("vlan 4000", "ERROR: VLAN 4000 is a reserved VLAN\n"),
        ("no vlan 1", "ERROR: Default VLAN 1 may not be deleted\n"),
    ],
)
def test_nx_os_refusals(sim: Simulation, line: str, error: str) -> None:
    assert config(sim, line) == [error]
    assert list(brief(sim)) == ["1"]


@pytest.mark.parametrize("bad", ["0", "4095", "10-5", "1,,2", "x", "1" * 200])
def test_a_bad_vlan_list_is_refused_at_the_edge(sim: Simulation, bad: str) -> None:
    output = config(sim, f"vlan {bad}")[0]
    assert output.endswith("% Invalid parameter detected at '^' marker.\n") or "Invalid" in output
    assert list(brief(sim)) == ["1"]


def test_vlans_survive_reload_from_startup_config(sim: Simulation) -> None:
    config(sim, "vlan 10", "name web")
    exec_(sim, "copy running-config startup-config")
    config(sim, "vlan 20")
    sim.switch("leaf1").reload()
    assert list(brief(sim)) == ["1", "10"]
    assert brief(sim)["10"]["vlanshowbr-vlanname"] == "web"


def test_a_lab_keeps_its_vlans_across_a_restart(tmp_path: Path) -> None:
    before, after = shown_across_a_restart(tmp_path, ["vlan 10", "name web"], "show vlan brief")
    assert "10   web" in before
    assert after == before


def test_rollback_to_a_checkpoint_removes_vlans_and_users_made_since(sim: Simulation) -> None:
    assert exec_(sim, "checkpoint before") == "Done\n"
    config(
        sim,
        "vlan 10,20",
        "name web",
        "username bob password s3cret role network-operator",
        "interface ethernet1/3",
        "switchport access vlan 10",
    )
    assert "Rollback completed successfully" in exec_(
        sim, "rollback running-config checkpoint before"
    )
    assert list(brief(sim)) == ["1"]
    assert "bob" not in exec_(sim, "show user-account")
    assert config(sim, "no vlan 1") == ["ERROR: Default VLAN 1 may not be deleted\n"]
