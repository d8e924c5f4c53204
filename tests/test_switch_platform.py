"""The chassis of a lab switch: modules, environment, CPU and memory, VDC, redundancy, boot.

Each `show` prints text and `| json` from one record, with the keys NAPALM `get_environment`
and Ansible `nxos_facts` read; figures belong to the PID and move with virtual time.
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

PIDS = ("N9K-C93180YC-FX", "N9K-C9336C-FX2", "N9K-C93240YC-FX2", "N9K-C9364C")
PORTS = {"N9K-C93180YC-FX": 54, "N9K-C9336C-FX2": 36, "N9K-C93240YC-FX2": 60, "N9K-C9364C": 66}


def _build(pid: str = "N9K-C93180YC-FX", serial: str = "FDO2434107N") -> Iterator[Simulation]:
    simulation = Simulation.build("direct", switches=[SwitchSpec("leaf1", pid=pid, serial=serial)])
    asyncio.run(simulation.boot())
    yield simulation
    asyncio.run(simulation.close())


@pytest.fixture
def sim() -> Iterator[Simulation]:
    yield from _build()


def exec_(sim: Simulation, line: str) -> str:
    return sim.switch("leaf1").exec(line)


def record(sim: Simulation, line: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(exec_(sim, f"{line} | json"))
    return data


@pytest.mark.parametrize("pid", PIDS)
def test_show_module_names_the_pid_its_ports_and_serial(pid: str) -> None:
    for sim in _build(pid, serial="FDO11110001"):
        row = record(sim, "show module")["TABLE_modinfo"]["ROW_modinfo"][0]
        assert (row["model"], row["ports"], row["status"]) == (pid, str(PORTS[pid]), "active *")
        mac = record(sim, "show module")["TABLE_modmacinfo"]["ROW_modmacinfo"][0]
        assert mac["serialnum"] == "FDO11110001"
        parsed = parse_output(
            platform="cisco_nxos", command="show module", data=exec_(sim, "show module")
        )
        assert parsed[0]["model"] == pid and parsed[0]["ports"] == str(PORTS[pid])


def test_environment_has_power_fans_and_temperatures_in_text_and_json(sim: Simulation) -> None:
    env = record(sim, "show environment")
    supplies = env["powersup"]["TABLE_psinfo"]["ROW_psinfo"]
    assert [s["psnum"] for s in supplies] == [1, 2]
    assert all(s["ps_status"] == "Ok" and s["psmodel"] == "NXA-PAC-650W-PE" for s in supplies)
    fans = env["fandetails"]["TABLE_faninfo"]["ROW_faninfo"]
    assert {f["fanname"] for f in fans} >= {"Fan1(sys_fan1)", "Fan4(sys_fan4)"}
    sensors = env["TABLE_tempinfo"]["ROW_tempinfo"]
    assert all(int(s["curtemp"]) < int(s["majthres"]) for s in sensors)
    assert env["powersup"] == record(sim, "show environment power")["powersup"]
    assert env["fandetails"] == record(sim, "show environment fan")["fandetails"]
    text = exec_(sim, "show environment")
    parsed = parse_output(platform="cisco_nxos", command="show environment", data=text)
    assert [p["power_supply_model"] for p in parsed if p["power_supply"]] == ["NXA-PAC-650W-PE"] * 2
    temperatures = parse_output(
        platform="cisco_nxos",
        command="show environment temperature",
        data=exec_(sim, "show environment temperature"),
    )
    assert [t["sensor"] for t in temperatures] == [s["sensor"] for s in sensors]
    assert [t["current_value"] for t in temperatures] == [s["curtemp"] for s in sensors]


def test_cpu_and_memory_are_plausible_and_move_with_virtual_time(sim: Simulation) -> None:
    seen = set()
    for _ in range(6):
        cpu = record(sim, "show processes cpu")
        idle = float(cpu["idle_percent"])
        assert 80 < idle < 100
        user, kernel = float(cpu["user_percent"]), float(cpu["kernel_percent"])
        assert round(user + kernel + idle, 1) == 100.0
        resources = record(sim, "show system resources")
        total, free = int(resources["memory_usage_total"]), int(resources["memory_usage_free"])
        assert 0 < free < total
        assert resources["cpu_state_idle"] == cpu["idle_percent"]
        seen.add(cpu["idle_percent"])
        asyncio.run(sim.advance(timedelta(minutes=7)))
    assert len(seen) > 1
    text = exec_(sim, "show processes cpu")
    parsed = parse_output(platform="cisco_nxos", command="show processes cpu", data=text)
    assert parsed[0]["cpu_1_min"] == str(record(sim, "show processes cpu")["onemin_percent"])
    assert f"{total}K total" in exec_(sim, "show system resources")


def test_same_switch_same_moment_same_figures_and_two_switches_differ() -> None:
    readings = []
    for serial in ("FDO1", "FDO1", "FDO2"):
        for sim in _build(serial=serial):
            readings.append(record(sim, "show system resources")["memory_usage_used"])
    assert readings[0] == readings[1] != readings[2]


def test_uptime_in_redundancy_status_follows_virtual_time(sim: Simulation) -> None:
    asyncio.run(sim.advance(timedelta(days=2, hours=3)))
    status = record(sim, "show redundancy status")
    assert status["this_sup_red_state"] == "Active"
    assert status["sys_uptime"].startswith("2 days, 3 hours")
    assert "System uptime:              2 days, 3 hours" in exec_(sim, "show redundancy status")


def test_vdc_install_and_boot_name_the_switch_and_its_image(sim: Simulation) -> None:
    sim.switch("leaf1").apply_config(["hostname core7"])
    vdc = parse_output(platform="cisco_nxos", command="show vdc", data=exec_(sim, "show vdc"))
    assert vdc[0]["vdc_name"] == "core7" and vdc[0]["state"] == "active"
    assert record(sim, "show vdc")["TABLE_vdc"]["ROW_vdc"][0]["vdc_name"] == "core7"
    assert "NXOS Image: bootflash:///nxos64-cs.10.4.3.F.bin" in exec_(sim, "show install active")
    assert "NXOS variable = bootflash:/nxos64-cs.10.4.3.F.bin" in exec_(sim, "show boot")
    boot = record(sim, "show boot")["TABLE_Current_Boot_Variable"]["ROW_Current_Boot_Variable"]
    assert boot[0]["sup_number"] == "sup-1"


@pytest.mark.parametrize("pid", PIDS)
def test_inventory_lists_the_parts_show_module_and_show_environment_report(pid: str) -> None:
    for sim in _build(pid, serial="FDO11110002"):
        rows = record(sim, "show inventory")["TABLE_inv"]["ROW_inv"]
        by_name = {row["name"]: row for row in rows}
        assert (by_name["Chassis"]["productid"], by_name["Chassis"]["serialnum"]) == (
            pid,
            "FDO11110002",
        )
        module = record(sim, "show module")["TABLE_modinfo"]["ROW_modinfo"][0]
        assert by_name["Slot 1"]["desc"] == module["modtype"]
        env = record(sim, "show environment")
        supplies = env["powersup"]["TABLE_psinfo"]["ROW_psinfo"]
        fans = [
            row
            for row in env["fandetails"]["TABLE_faninfo"]["ROW_faninfo"]
            if row["fanmodel"] != "--"
        ]
        listed_supplies = [row for row in rows if row["name"].startswith("Power Supply")]
        listed_fans = [row for row in rows if row["name"].startswith("Fan")]
        assert [row["productid"] for row in listed_supplies] == [r["psmodel"] for r in supplies]
        assert [row["productid"] for row in listed_fans] == [r["fanmodel"] for r in fans]
        serials = [row["serialnum"] for row in listed_supplies]
        assert len(set(serials)) == len(serials) and all(serials)
        parsed = parse_output(
            platform="cisco_nxos", command="show inventory", data=exec_(sim, "show inventory")
        )
        assert [(row["name"], row["pid"], row["sn"]) for row in parsed] == [
            (row["name"], row["productid"], row["serialnum"]) for row in rows
        ]


def _genie(parser_class: str, module: str, output: str) -> dict[str, Any]:
    """Parses text with a Genie NX-OS parser, as `device.parse` does after `execute`."""
    parsers = pytest.importorskip(f"genie.libs.parser.nxos.{module}")
    parsed: dict[str, Any] = getattr(parsers, parser_class)(device=None).parse(output=output)
    return parsed


def test_genie_parses_the_commands_learn_platform_sends(sim: Simulation) -> None:
    redundancy = _genie(
        "ShowRedundancyStatus", "show_platform", exec_(sim, "show redundancy status")
    )
    assert redundancy["redundancy_mode"] == {"administrative": "HA", "operational": "None"}
    assert redundancy["supervisor_1"]["redundancy_state"] == "Active"
    resources = _genie("ShowSystemResources", "show_system", exec_(sim, "show system resources"))
    kernel = record(sim, "show system resources")
    assert resources["kernel"]["kernel_buffers_kb"] == int(kernel["kernel_buffers"])
    assert resources["kernel"]["kernel_cached_kb"] == int(kernel["kernel_cached"])
    current = _genie("ShowVdcCurrent", "show_platform", exec_(sim, "show vdc current-vdc"))
    assert current["current_vdc"] == {"id": "1", "name": "leaf1"}
    membership = _genie(
        "ShowVdcMembershipStatus", "show_platform", exec_(sim, "show vdc membership status")
    )
    ports = membership["virtual_device"]["1"]["membership"]["leaf1"]
    assert len(ports) == 54 and ports["Eth1/1"]["vd_ms_status"] == "OK"
    inventory = _genie("ShowInventory", "show_platform", exec_(sim, "show inventory"))
    assert inventory["name"]["Chassis"]["pid"] == "N9K-C93180YC-FX"
    assert inventory["name"]["Power Supply 2"]["pid"] == "NXA-PAC-650W-PE"
