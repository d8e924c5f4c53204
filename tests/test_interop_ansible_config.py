"""Ansible `cisco.nxos` configuration, unmodified, against lab switches: one playbook.

leaf1 over SSH (`network_cli`), leaf2 over NX-API (`httpapi`). The `hostname`, `interfaces`,
`ntp_global` and `logging_global` modules read `show running-config ...` sections with their
own regexes: each is gathered, merged, and merged again (the rerun must change nothing).
`nxos_config` runs with lines and parents, backup, `defaults` (`show running-config all`),
`save_when`, `diff_against` running, startup and intended, and `replace: config`
(`config replace <file>`). See docs/interop.md.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from ansible_run import run_playbook, task_result

from sim.lab.background import BackgroundLab

pytestmark = pytest.mark.slpsim(switches=2)

INTERFACE = {"name": "Ethernet1/5", "description": "uplink", "enabled": False, "mtu": "9216"}
NTP = {"servers": [{"server": "192.0.2.10", "vrf": "management"}]}
LOGGING = {"hosts": [{"host": "192.0.2.20", "severity": "warning"}]}


def merged_twice(task: str, module: str, config: Any, *, gathered_after: bool = True) -> str:
    """Playbook tasks: `<task> gathered`, `merged`, `merged again` (and `gathered after`)."""
    gathered = json.dumps({"state": "gathered"})
    merged = json.dumps({"state": "merged", "config": config})
    tasks = [
        (f"{task} gathered", gathered),
        (f"{task} merged", merged),
        (f"{task} merged again", merged),
    ]
    if gathered_after:
        tasks.append((f"{task} gathered after", gathered))
    return "".join(
        f"    - name: {name}\n      cisco.nxos.{module}: {args}\n" for name, args in tasks
    )


PLAYBOOK = (
    """
- hosts: all
  gather_facts: false
  # Every task runs, so one failure does not hide the others.
  ignore_errors: true
  tasks:
"""
    + merged_twice(
        "hostname",
        "nxos_hostname",
        {"hostname": "{{ inventory_hostname }}x"},
        gathered_after=False,
    )
    + merged_twice("interfaces", "nxos_interfaces", [INTERFACE])
    + merged_twice("ntp", "nxos_ntp_global", NTP)
    + merged_twice("logging", "nxos_logging_global", LOGGING)
    + """    - name: config lines
      cisco.nxos.nxos_config:
        parents: interface Ethernet1/7
        lines: [description cfg-lines]
        backup: true
        backup_options: {filename: "{{ inventory_hostname }}.cfg", dir_path: "BACKUPS"}
        save_when: modified
        diff_against: running
      diff: true
    - name: config lines again
      cisco.nxos.nxos_config:
        parents: interface Ethernet1/7
        lines: [description cfg-lines]
        save_when: modified
    - name: config defaults
      cisco.nxos.nxos_config:
        defaults: true
        parents: vlan 300
        lines: [name cfg-defaults]
        save_when: changed
    - name: config diff against startup
      cisco.nxos.nxos_config:
        diff_against: startup
      diff: true
    - name: config diff against intended
      cisco.nxos.nxos_config:
        diff_against: intended
        intended_config: "hostname {{ inventory_hostname }}x"
      diff: true
    - name: config save to replace file
      cisco.nxos.nxos_command:
        commands: [copy running-config bootflash:intended.cfg]
    - name: config drift
      cisco.nxos.nxos_config:
        parents: interface Ethernet1/8
        lines: [description drift]
    - name: config replace
      cisco.nxos.nxos_config:
        replace: config
        replace_src: bootflash:intended.cfg
    - name: config after replace
      cisco.nxos.nxos_command:
        commands: [show running-config]
"""
)


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Any:
    lab: BackgroundLab = request.getfixturevalue("_slpsim_module_lab").get()
    workdir = tmp_path_factory.mktemp("ansible")
    return run_playbook(lab, workdir, PLAYBOOK.replace("BACKUPS", str(workdir / "backup")))


HOSTS = [pytest.param(0, id="network_cli"), pytest.param(1, id="httpapi")]


_result = task_result


def _merged_then_idempotent(results: Any, index: int, task: str) -> list[str]:
    merged = _result(results, index, f"{task} merged")
    assert merged["changed"] is True
    again = _result(results, index, f"{task} merged again")
    assert (again["changed"], again["commands"]) == (False, [])
    commands: list[str] = merged["commands"]
    return commands


@pytest.mark.parametrize("index", HOSTS)
def test_hostname_gathered_merged_and_idempotent(results: Any, index: int) -> None:
    name = results["lab"].endpoints.switches[index].name
    assert _result(results, index, "hostname gathered")["gathered"] == {"hostname": name}
    assert _merged_then_idempotent(results, index, "hostname") == [f"hostname {name}x"]


@pytest.mark.parametrize("index", HOSTS)
def test_interfaces_gathered_merged_and_idempotent(results: Any, index: int) -> None:
    gathered = _result(results, index, "interfaces gathered")["gathered"]
    assert {"Ethernet1/1", "mgmt0"} <= {i["name"] for i in gathered}
    commands = _merged_then_idempotent(results, index, "interfaces")
    assert commands == [
        "interface Ethernet1/5",
        "description uplink",
        "mtu 9216",
        "shutdown",
    ]
    after = _result(results, index, "interfaces gathered after")["gathered"]
    assert INTERFACE in after


@pytest.mark.parametrize(
    ("task", "commands", "config"),
    [
        pytest.param("ntp", ["ntp server 192.0.2.10 use-vrf management"], NTP, id="ntp_global"),
        pytest.param("logging", ["logging server 192.0.2.20 4"], LOGGING, id="logging_global"),
    ],
)
@pytest.mark.parametrize("index", HOSTS)
def test_global_config_gathered_merged_and_idempotent(
    results: Any, index: int, task: str, commands: list[str], config: dict[str, Any]
) -> None:
    _result(results, index, f"{task} gathered")
    assert _merged_then_idempotent(results, index, task) == commands
    after = _result(results, index, f"{task} gathered after")["gathered"]
    assert {key: after[key] for key in config} == config


@pytest.mark.parametrize("index", HOSTS)
def test_nxos_config_lines_parents_backup_save_and_diff(results: Any, index: int) -> None:
    switch = results["lab"].endpoints.switches[index]
    merged = _result(results, index, "config lines")
    assert (merged["changed"], merged["updates"]) == (
        True,
        ["interface Ethernet1/7", "description cfg-lines"],
    )
    # diff_against running: before and after are `show running-config` around the change.
    assert "description cfg-lines" in merged["diff"]["after"]
    assert "description cfg-lines" not in merged["diff"]["before"]
    backup = Path(merged["backup_path"]).read_text()
    assert f"hostname {switch.name}x" in backup
    assert "interface Ethernet1/7" in backup
    assert _result(results, index, "config lines again")["changed"] is False
    defaults = _result(results, index, "config defaults")
    assert defaults["updates"] == ["vlan 300", "name cfg-defaults"]
    # save_when saved the change: startup-config now equals the running config.
    startup = _result(results, index, "config diff against startup")
    assert startup["changed"] is False
    intended = _result(results, index, "config diff against intended")
    assert intended["diff"]["after"] == f"hostname {switch.name}x"
    assert "interface Ethernet1/7" in intended["diff"]["before"]


@pytest.mark.parametrize("index", HOSTS)
def test_nxos_config_replace_config_restores_the_file(results: Any, index: int) -> None:
    assert _result(results, index, "config drift")["changed"] is True
    replaced = _result(results, index, "config replace")
    assert replaced["updates"] == ["config replace bootflash:intended.cfg"]
    running = _result(results, index, "config after replace")["stdout"][0]
    assert "description drift" not in running
    assert "description cfg-lines" in running
    assert "name cfg-defaults" in running
