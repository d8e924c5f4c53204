"""Issue 11's last fidelity gaps: dual supervisors, PAK conversion, upgrade, RMA, summary."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest

from sim.scenario.model import load_scenario
from sim.scenario.problems import ScenarioError
from sim.simulation import Simulation, SwitchSpec

T = TypeVar("T")
ACTIVE, STANDBY = "FOX2001A1B2", "FOX2001A1C3"


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def build(topology: str, spec: SwitchSpec) -> Simulation:
    simulation = Simulation.build(topology, switches=[spec])
    run(simulation.boot())
    return simulation


@pytest.fixture
def ha() -> Iterator[Simulation]:
    simulation = build(
        "direct", SwitchSpec("core1", pid="N9K-C9508", serial=ACTIVE, standby_serial=STANDBY)
    )
    yield simulation
    run(simulation.close())


@pytest.fixture
def pak() -> Iterator[Simulation]:
    spec = SwitchSpec("leaf1", licenses={"LAN_ENTERPRISE_SERVICES_PKG": 1}, migrated_from="pak")
    simulation = build("offline", spec)
    yield simulation
    run(simulation.close())


@pytest.fixture
def leaf() -> Iterator[Simulation]:
    simulation = build("direct", SwitchSpec("leaf1"))
    yield simulation
    run(simulation.close())


def exec_(sim: Simulation, line: str) -> str:
    return run(sim.exec(sim.switch_names[0], line))


def advance(sim: Simulation, delta: timedelta) -> None:
    run(sim.advance(delta))


def log(sim: Simulation) -> list[str]:
    return [record.body for record in sim.syslog()]


def trust(sim: Simulation, scope: str = "all") -> None:
    exec_(sim, f"license smart trust idtoken {sim.issue_token()} {scope}")


# ---------------------------------------------------------------------- dual supervisors


def test_udi_lists_both_supervisors_active_first(ha: Simulation) -> None:
    assert exec_(ha, "show license udi") == (
        f"UDI: PID:N9K-C9508,SN:{ACTIVE}\n\nHA UDI List:\n"
        f"    Active:PID:N9K-C9508,SN:{ACTIVE}\n    Standby:PID:N9K-C9508,SN:{STANDBY}\n"
    )
    record = json.loads(exec_(ha, "show license udi | json"))
    assert record["TABLE_ha_udi"]["ROW_ha_udi"][1] == {
        "role": "Standby",
        "udi": f"PID:N9K-C9508,SN:{STANDBY}",
    }


def test_trust_all_installs_a_trust_code_for_each_supervisor(ha: Simulation) -> None:
    trust(ha, "all")
    installed = [line for line in log(ha) if "TRUST_CODE_INSTALL_SUCCESS" in line]
    assert [line.rsplit("SN:", 1)[1] for line in installed] == [f"{ACTIVE}.", f"{STANDBY}."]
    status = exec_(ha, "show license status")
    assert (
        "Trust Code installed: Jan 05 09:00:00 2026 UTC\n"
        f"  Active: PID: N9K-C9508, SN: {ACTIVE}\n           Jan 05 09:00:00 2026 UTC\n"
        f"  Standby: PID: N9K-C9508, SN: {STANDBY}\n           Jan 05 09:00:00 2026 UTC\n"
    ) in status
    record = json.loads(exec_(ha, "show license status | json"))
    assert record["standby_udi_sn"] == STANDBY
    assert record["standby_trust_code_installed"] == "2026-01-05T09:00:00+00:00"


def test_trust_local_leaves_the_standby_without_one(ha: Simulation) -> None:
    trust(ha, "local")
    assert sum("TRUST_CODE_INSTALL_SUCCESS" in line for line in log(ha)) == 1
    assert f"  Standby: PID: N9K-C9508, SN: {STANDBY}\n           <none>\n" in exec_(
        ha, "show license status"
    )


def test_the_active_reports_for_the_standby(ha: Simulation) -> None:
    trust(ha)
    advance(ha, timedelta(hours=1, minutes=20))
    listing = ha.backend_action("cssm", "product-instances", {})
    assert listing is not None
    assert f"PID:N9K-C9508,SN:{ACTIVE}\tN9K-C9508\tDefault\tYes" in listing
    assert f"  Standby: PID:N9K-C9508,SN:{STANDBY}" in listing
    # Only the active reported: the standby's UDI holds a trust code and no usage.
    assert listing.endswith(
        f"PID:N9K-C9508,SN:{STANDBY}\tN9K-C9508\tDefault\tYes\t2026-Jan-05 09:00\t-"
    )


def test_switchover_logs_and_the_standby_reports_with_its_own_trust_code(ha: Simulation) -> None:
    trust(ha)
    advance(ha, timedelta(hours=1, minutes=20))
    assert exec_(ha, "system switchover") == ""
    assert log(ha)[-2:] == [
        "%SYSMGR-2-HASWITCHOVER_START: Supervisor 28 is becoming active.",
        "%SYSMGR-2-SWITCHOVER_OVER: Switchover completed.",
    ]
    advance(ha, timedelta(minutes=20))
    status = exec_(ha, "show license status")
    assert f"  Active: PID: N9K-C9508, SN: {STANDBY}\n           Jan 05 09:00:00 2026 UTC" in status
    assert "Last report push: Jan 05 10:20:00 2026 UTC" in status
    assert "Last ACK received: Jan 05 10:35:00 2026 UTC" in status
    assert "Policy in use: Installed On Jan 05 10:15:00 2026 UTC" in status
    assert not [line for line in log(ha) if "FAILED" in line or "REMOVED" in line]
    # A second switchover hands the chassis back to the first supervisor.
    exec_(ha, "system switchover")
    assert log(ha)[-2] == "%SYSMGR-2-HASWITCHOVER_START: Supervisor 27 is becoming active."
    assert exec_(ha, "show license udi").startswith(f"UDI: PID:N9K-C9508,SN:{ACTIVE}\n")


def test_switchover_without_a_standby_is_refused(leaf: Simulation) -> None:
    output = exec_(leaf, "system switchover")
    assert "Failed to switchover: standby supervisor not ready or not present" in output
    assert not any("SYSMGR" in line for line in log(leaf))


# ---------------------------------------------------------------------- PAK conversion


def test_conversion_data_is_blank_for_the_first_hour(pak: Simulation) -> None:
    advance(pak, timedelta(minutes=59))
    assert exec_(pak, "show license data conversion") == ""
    assert json.loads(exec_(pak, "show license data conversion | json")) == {}
    advance(pak, timedelta(minutes=1))
    text = exec_(pak, "show license data conversion")
    assert text.startswith("Smart License Conversion:\n  UDI: PID:N9K-C93180YC-FX,SN:")
    assert "  Status: Conversion data ready, not reported\n" in text
    assert "(LAN_ENTERPRISE_SERVICES_PKG):\n  Source: PAK\n  Count: 1\n" in text


def test_a_report_saved_before_the_hour_lacks_the_conversion_data(pak: Simulation) -> None:
    switch = pak.switch("leaf1")
    exec_(pak, "license smart save usage all file bootflash:early.txt")
    advance(pak, timedelta(hours=1))
    exec_(pak, "license smart save usage all file bootflash:late.txt")
    assert '\\"conversion\\"' not in switch.read_bootflash("early.txt")
    assert '\\"conversion\\":[{\\"source\\":\\"PAK\\"' in switch.read_bootflash("late.txt")
    assert "Status: Reported, waiting for acknowledgement" in exec_(
        pak, "show license data conversion"
    )


def test_cssm_records_the_converted_licenses_and_the_ack_completes_them(pak: Simulation) -> None:
    advance(pak, timedelta(hours=1))
    exec_(pak, "license smart save usage all file bootflash:usage.txt")
    pak.backend_action("cssm", "upload-usage-data", {"file": "usage.txt", "from_switch": "leaf1"})
    listing = pak.backend_action("cssm", "product-instances", {})
    assert listing is not None and "Converted from PAK: LAN_ENTERPRISE_SERVICES_PKG (1)" in listing
    advance(pak, timedelta(minutes=30))
    pak.backend_action("cssm", "download-ack", {"file": "ack.txt", "to_switch": "leaf1"})
    exec_(pak, "license smart import bootflash:ack.txt")
    record = json.loads(exec_(pak, "show license data conversion | json"))
    assert record["status"] == "Converted, acknowledged by CSSM"
    assert record["acknowledged"] == "2026-01-05T10:30:00+00:00"


def test_a_switch_not_migrated_has_no_conversion_data(leaf: Simulation) -> None:
    advance(leaf, timedelta(hours=2))
    assert exec_(leaf, "show license data conversion") == ""


# ---------------------------------------------------------------------- summary (NX-OS capture)


def test_summary_is_the_nxos_captures_layout(leaf: Simulation) -> None:
    assert exec_(leaf, "show license summary") == (
        "\nLicense Usage:\n"
        "License                    Entitlement tag                 Count   Status\n"
        + "-"
        * 75
        + "\n"
        "Advantage license for N... (NXOS_ADVANTAGE_XF)              1       IN USE \n"
    )


# ---------------------------------------------------------------------- upgrade (FAQ 28)


def test_install_all_reloads_and_keeps_trust_policy_and_acks(leaf: Simulation) -> None:
    trust(leaf)
    advance(leaf, timedelta(hours=1, minutes=20))
    before = exec_(leaf, "show license status")
    output = exec_(leaf, "install all nxos bootflash:nxos64-cs.10.4.3.F.bin")
    assert output.startswith("Installer will perform compatibility check first. Please wait.\n")
    assert "Switch will be reloaded for disruptive upgrade.\n" in output
    after = exec_(leaf, "show license status")
    for line in ("Trust Code installed:", "Policy in use:", "Last ACK received:"):
        kept = next(ln for ln in before.splitlines() if ln.strip().startswith(line))
        assert kept in after
    assert "Next report push: Jan 05 11:20:00 2026 UTC" in after


def test_install_all_asks_first_in_an_interactive_session(leaf: Simulation) -> None:
    switch = leaf.switch("leaf1")
    booted = switch.booted_at
    session = switch.new_session()
    session.interactive = True
    asked = session.execute("install all nxos bootflash:nxos64-cs.10.4.3.F.bin")
    assert asked.question
    assert asked.output.endswith(
        "Switch will be reloaded for disruptive upgrade.\n"
        "Do you want to continue with the installation (y/n)?  [n] "
    )
    session.execute("")  # the default is no
    advance(leaf, timedelta(minutes=1))
    assert switch.booted_at == booted
    session.execute("install all nxos bootflash:nxos64-cs.10.4.3.F.bin")
    session.execute("y")
    assert switch.booted_at != booted


def test_a_reload_keeps_both_trust_codes(ha: Simulation) -> None:
    trust(ha)
    exec_(ha, "copy running-config startup-config")
    exec_(ha, "reload")
    record = json.loads(exec_(ha, "show license status | json"))
    assert record["trust_code_installed"] == record["standby_trust_code_installed"] is not None


def test_install_all_refuses_what_is_not_an_image_on_bootflash(leaf: Simulation) -> None:
    assert "Invalid image: usb1:nxos.bin" in exec_(leaf, "install all nxos usb1:nxos.bin")


# ---------------------------------------------------------------------- RMA (FAQ 25)


def test_a_replacement_is_blank_with_a_new_udi_and_the_carried_files(leaf: Simulation) -> None:
    trust(leaf)
    exec_(leaf, "copy running-config bootflash:backup.cfg")
    exec_(leaf, "copy running-config bootflash:other.cfg")
    new = run(leaf.replace_device("leaf1", "FDO2999001A", ["backup.cfg"]))
    assert leaf.switch("leaf1") is new
    assert exec_(leaf, "show license udi") == "UDI: PID:N9K-C93180YC-FX,SN:FDO2999001A\n"
    assert "Trust Code installed: <none>" in exec_(leaf, "show license status")
    assert new.bootflash_files() == ["backup.cfg"]
    assert "license smart vrf management" not in exec_(leaf, "show running-config")
    # The old device's log stays under the switch's name.
    assert any("TRUST_CODE_INSTALL_SUCCESS" in line for line in log(leaf))


@pytest.mark.parametrize(
    ("serial", "carry", "problem"),
    [
        ("FDO2434107N", [], "needs a new serial number"),
        ("FDO2999001A", ["missing.cfg"], "bootflash:missing.cfg does not exist"),
    ],
)
def test_a_replacement_needs_a_new_serial_and_existing_files(
    leaf: Simulation, serial: str, carry: list[str], problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        run(leaf.replace_device("leaf1", serial, carry))


# ---------------------------------------------------------------------- scenario options


def scenario_error(tmp_path: Path, switch: str, steps: str = "  - advance: 1h\n") -> str:
    path = tmp_path / "sample.yaml"
    path.write_text(
        "name: sample\ntitle: t\nsource: s\ntopology: direct\n"
        f"switches:\n  - {switch}\nsteps:\n{steps}",
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    return str(caught.value)


def test_a_second_supervisor_needs_a_modular_chassis(tmp_path: Path) -> None:
    message = scenario_error(tmp_path, "{name: leaf1, supervisors: 2}")
    assert "a second supervisor needs a modular chassis such as N9K-C9504" in message


def test_a_standby_serial_needs_two_supervisors(tmp_path: Path) -> None:
    message = scenario_error(tmp_path, "{name: c1, pid: N9K-C9508, standby_serial: FOX1}")
    assert "standby_serial needs supervisors: 2" in message


def test_the_standby_serial_defaults_and_must_be_unique(tmp_path: Path) -> None:
    path = tmp_path / "sample.yaml"
    path.write_text(
        "name: sample\ntitle: t\nsource: s\ntopology: direct\n"
        "switches:\n  - {name: c1, pid: N9K-C9504, serial: FOX7, supervisors: 2}\n"
        "steps:\n  - advance: 1h\n",
        encoding="utf-8",
    )
    assert load_scenario(path).switches[0].standby_serial == "FOX7S"
    message = scenario_error(
        tmp_path,
        "{name: c1, pid: N9K-C9504, serial: FOX7, supervisors: 2, standby_serial: FOX7}",
    )
    assert "serial number FOX7 is already c1's" in message


def test_an_rma_serial_must_be_new(tmp_path: Path) -> None:
    message = scenario_error(tmp_path, "{name: leaf1, serial: FDO1}", "  - rma: {serial: FDO1}\n")
    assert "a replacement comes with a serial of its own" in message


def test_migrated_from_takes_pak_only(tmp_path: Path) -> None:
    message = scenario_error(tmp_path, "{name: leaf1, migrated_from: smart}")
    assert "migrated_from" in message and "pak" in message


def test_a_lab_staged_from_a_scenario_gets_the_standby_and_the_migration() -> None:
    from sim.lab.lab import LabOptions
    from sim.lab.staging import load_stage, staged_options

    scenarios = Path(__file__).resolve().parent.parent / "scenarios"
    ha_stage = load_stage(scenarios / "ha-switchover-keeps-trust-and-policy.yaml", "1")
    (core1,) = staged_options(ha_stage, LabOptions()).switch_specs or []
    assert (core1.serial, core1.standby_serial) == (ACTIVE, STANDBY)
    pak_stage = load_stage(scenarios / "pak-conversion-first-report-after-an-hour.yaml", "1")
    (leaf1,) = staged_options(pak_stage, LabOptions()).switch_specs or []
    assert leaf1.migrated_from == "pak"


def test_redundancy_status_shows_the_standby_and_follows_a_switchover(ha: Simulation) -> None:
    status = exec_(ha, "show redundancy status")
    assert "         operational:   HA\n" in status
    assert "This supervisor (sup-1)" in status and "Active with HA standby" in status
    assert "    Redundancy state:   Standby\n    Supervisor state:   HA standby\n" in status
    exec_(ha, "system switchover")
    after = exec_(ha, "show redundancy status")
    assert "This supervisor (sup-2)" in after and "Other supervisor (sup-1)" in after


def test_a_fixed_chassis_still_has_no_standby(leaf: Simulation) -> None:
    status = exec_(leaf, "show redundancy status")
    assert "Active with no standby" in status and "Redundancy state:   Not present\n\n" in status


def test_a_replaced_chassis_never_reports_again(leaf: Simulation) -> None:
    old_udi = leaf.switch("leaf1").sudi
    trust(leaf)
    advance(leaf, timedelta(hours=2))
    leaf.add_fault("cssm", "slow", {"seconds": 30})
    exec_(leaf, "license smart sync all")  # its reply is still on the way at the RMA
    run(leaf.replace_device("leaf1", "FDO2999001A", []))
    advance(leaf, timedelta(days=40))
    instance = leaf.cssm.product_instance(old_udi)
    assert instance is not None and instance.last_contact is not None
    assert instance.last_contact < leaf.clock.now() - timedelta(days=39)


def test_show_license_all_lists_both_udis(ha: Simulation) -> None:
    product = exec_(ha, "show license all").split("Product Information:\n", 1)[1]
    assert product.startswith(
        f"  UDI: PID:N9K-C9508,SN:{ACTIVE}\n\n  HA UDI List:\n"
        f"      Active:PID:N9K-C9508,SN:{ACTIVE}\n      Standby:PID:N9K-C9508,SN:{STANDBY}\n\n"
    )
