"""pyATS / unicon / Genie, unmodified and with their default connection settings, against a lab
switch over SSH: connect, execute, configure, parse, disconnect (see docs/interop.md).

unicon's NX-OS plugin sends `term length 0`, `term width 511`, `terminal session-timeout 0`,
then `no logging console`, `line console`, `exec-timeout 0`, `line vty`, `exec-timeout 0` in
configuration mode on every connection, and fails the connection if any of them is refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sim.lab.background import BackgroundLab
from sim.lab.lab import SwitchEndpoints

testbed = pytest.importorskip("genie.testbed")

pytestmark = pytest.mark.slpsim(switches=1)


def _testbed(switch: SwitchEndpoints) -> Any:
    return testbed.load(
        {
            "devices": {
                switch.name: {
                    "os": "nxos",
                    "type": "switch",
                    "platform": "n9k",
                    "credentials": {"default": {"username": "admin", "password": "admin"}},
                    "connections": {
                        "cli": {"protocol": "ssh", "ip": "127.0.0.1", "port": switch.ssh_port}
                    },
                }
            }
        }
    )


@pytest.fixture
def device(slpsim_lab: BackgroundLab) -> Iterator[Any]:
    switch = slpsim_lab.endpoints.switches[0]
    device = _testbed(switch).devices[switch.name]
    device.connect(log_stdout=False)
    try:
        yield device
    finally:
        device.disconnect()


def test_connects_with_default_settings_and_executes(
    device: Any, slpsim_lab: BackgroundLab
) -> None:
    switch = slpsim_lab.endpoints.switches[0]
    assert device.connected
    version = device.execute("show version")
    assert "NXOS: version 10.4(3)" in version
    assert device.execute("show hostname").strip() == f"{switch.name}.example.com"
    running = device.execute("show running-config")
    assert "no logging console" in running


def test_configure_changes_the_hostname_and_the_prompt(
    device: Any, slpsim_lab: BackgroundLab
) -> None:
    name = slpsim_lab.endpoints.switches[0].name
    device.configure(["hostname pyats-leaf", "ntp server 10.0.0.1"])
    assert device.execute("show hostname").strip() == "pyats-leaf.example.com"
    assert "ntp server 10.0.0.1" in device.execute("show running-config | section ntp")
    device.configure(f"hostname {name}")
    assert device.execute("show hostname").strip() == f"{name}.example.com"


def test_genie_parses_show_version(device: Any, slpsim_lab: BackgroundLab) -> None:
    switch = slpsim_lab.endpoints.switches[0]
    parsed = device.parse("show version")
    software = parsed["platform"]["software"]
    hardware = parsed["platform"]["hardware"]
    assert software["system_version"] == "10.4(3)"
    assert software["system_image_file"] == "bootflash:///nxos64-cs.10.4.3.F.bin"
    assert hardware["device_name"] == switch.name
    assert hardware["processor_board_id"] == switch.serial
    assert switch.pid.removeprefix("N9K-") in hardware["chassis"]


def test_disconnect_ends_the_session(slpsim_lab: BackgroundLab) -> None:
    switch = slpsim_lab.endpoints.switches[0]
    device = _testbed(switch).devices[switch.name]
    device.connect(log_stdout=False)
    device.disconnect()
    assert not device.connected


def test_genie_learns_the_platform(device: Any, slpsim_lab: BackgroundLab) -> None:
    switch = slpsim_lab.endpoints.switches[0]
    platform = device.learn("platform")
    assert platform.os == "NX-OS"
    assert platform.version == "10.4(3)"
    assert platform.chassis == switch.pid
    assert platform.chassis_sn == switch.serial
    supervisor = platform.slot["rp"]["1"]
    assert supervisor["sn"] == switch.serial
    assert supervisor["redundancy_state"] == "active"
    members = platform.virtual_device["1"]["membership"]
    assert "Eth1/1" in members
    assert "mgmt0" not in members
    assert int(platform.disk_free_space) > 0
