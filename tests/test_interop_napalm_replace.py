"""NAPALM's `nxos` (NX-API) driver, unmodified, replacing a lab switch's configuration.

The driver copies a replace candidate to bootflash over SCP through netmiko, which it sends to
port 22 whatever port it was given; netmiko then takes the port from the `Host` entry for the
switch's address in an ssh_config file. So the lab gives each switch a loopback address of its
own (`--switch-addresses`) and writes that file (`--ssh-config`); the driver gets both as
optional args. Merge candidates, discard and rollback over NX-API are covered by
tests/test_interop_napalm.py. See docs/interop.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from napalm import get_network_driver
from napalm.base import NetworkDriver

from sim.lab.background import BackgroundLab
from sim.lab.lab import LabOptions, SwitchEndpoints

TIMEOUT = 30


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BackgroundLab]:
    options = LabOptions(
        switches=1,
        rate=0,
        control_port=0,
        ssh_port_base=0,
        nxapi_port_base=0,
        switch_addresses="127.0.4.1",
        ssh_config=tmp_path_factory.mktemp("napalm") / "ssh_config",
    )
    with BackgroundLab(options) as running:
        yield running


def nxapi_driver(lab: BackgroundLab) -> NetworkDriver:
    switch = lab.endpoints.switches[0]
    options: dict[str, Any] = {
        "transport": "http",
        "port": switch.nxapi_port,
        "ssh_config_file": str(lab.options.ssh_config),
    }
    driver = get_network_driver("nxos")
    return driver(switch.host, "admin", "admin", timeout=TIMEOUT, optional_args=options)


def _running(device: NetworkDriver) -> str:
    text: str = device.cli(["show running-config"])["show running-config"]
    return text.split("\n", 3)[3]  # without the !Command / !Time header


def _candidate(device: NetworkDriver, switch: SwitchEndpoints) -> str:
    running = device.get_config(retrieve="running")["running"]
    replaced = running.replace(f"hostname {switch.name}\n", "hostname replaced\n")
    return replaced.rstrip("\n") + "\nntp server 10.7.7.7\n"


def test_replace_candidate_goes_by_scp_commits_and_rolls_back(lab: BackgroundLab) -> None:
    switch = lab.endpoints.switches[0]
    with nxapi_driver(lab) as device:
        before = _running(device)
        device.load_replace_candidate(config=_candidate(device, switch))
        # netmiko checked the copy with `show file bootflash:candidate_config.txt md5sum`.
        assert "candidate_config.txt" in device.cli(["dir bootflash:"])["dir bootflash:"]
        diff = device.compare_config().splitlines()
        assert diff == [f"no hostname {switch.name}", "hostname replaced", "ntp server 10.7.7.7"]
        device.commit_config()
        assert device.get_facts()["hostname"] == "replaced"
        committed = _running(device)
        assert "hostname replaced\n" in committed and "ntp server 10.7.7.7\n" in committed
        assert device.compare_config() == ""
        # commit saved it (copy running-config startup-config), as NAPALM's commit does.
        assert "hostname replaced" in device.get_config(retrieve="startup")["startup"]
        device.rollback()
        assert device.get_facts()["hostname"] == switch.name
        assert _running(device) == before


def test_discarded_replace_candidate_changes_nothing(lab: BackgroundLab) -> None:
    switch = lab.endpoints.switches[0]
    with nxapi_driver(lab) as device:
        before = _running(device)
        device.load_replace_candidate(config=_candidate(device, switch))
        assert "hostname replaced" in device.compare_config()
        device.discard_config()
        assert device.compare_config() == ""
        # discard deletes the candidate from bootflash.
        listing = device.cli(["dir bootflash:"])["dir bootflash:"]
        assert "candidate_config.txt" not in listing
        assert _running(device) == before
