"""Ansible `cisco.nxos` resource modules, unmodified, against lab switches.

leaf1 over SSH (`network_cli`), leaf2 over NX-API (`httpapi`). The `hostname`, `interfaces`,
`ntp_global` and `logging_global` modules read `show running-config ...` sections with their
own regexes: each is gathered, merged, and merged again (the rerun must change nothing).
See docs/interop.md.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sim.lab.background import BackgroundLab

pytestmark = pytest.mark.slpsim(switches=2)

PLAYBOOK_TIMEOUT = 240
INTERFACE = {"name": "Ethernet1/5", "description": "uplink", "enabled": False, "mtu": "9216"}
PLAYBOOK = """
- hosts: all
  gather_facts: false
  # Every task runs, so one failure does not hide the others.
  ignore_errors: true
  tasks:
    - name: hostname gathered
      cisco.nxos.nxos_hostname: {state: gathered}
    - name: hostname merged
      cisco.nxos.nxos_hostname: {state: merged, config: {hostname: "{{ inventory_hostname }}x"}}
    - name: hostname merged again
      cisco.nxos.nxos_hostname: {state: merged, config: {hostname: "{{ inventory_hostname }}x"}}
    - name: interfaces gathered
      cisco.nxos.nxos_interfaces: {state: gathered}
    - name: interfaces merged
      cisco.nxos.nxos_interfaces:
        state: merged
        config: [INTERFACE]
    - name: interfaces merged again
      cisco.nxos.nxos_interfaces:
        state: merged
        config: [INTERFACE]
    - name: interfaces gathered after
      cisco.nxos.nxos_interfaces: {state: gathered}
    - name: ntp gathered
      cisco.nxos.nxos_ntp_global: {state: gathered}
    - name: ntp merged
      cisco.nxos.nxos_ntp_global:
        state: merged
        config: {servers: [{server: 192.0.2.10, vrf: management}]}
    - name: ntp merged again
      cisco.nxos.nxos_ntp_global:
        state: merged
        config: {servers: [{server: 192.0.2.10, vrf: management}]}
    - name: ntp gathered after
      cisco.nxos.nxos_ntp_global: {state: gathered}
    - name: logging gathered
      cisco.nxos.nxos_logging_global: {state: gathered}
    - name: logging merged
      cisco.nxos.nxos_logging_global:
        state: merged
        config: {hosts: [{host: 192.0.2.20, severity: warning}]}
    - name: logging merged again
      cisco.nxos.nxos_logging_global:
        state: merged
        config: {hosts: [{host: 192.0.2.20, severity: warning}]}
    - name: logging gathered after
      cisco.nxos.nxos_logging_global: {state: gathered}
""".replace("INTERFACE", json.dumps(INTERFACE))


def _inventory(lab: BackgroundLab) -> str:
    cli, api = lab.endpoints.switches[0], lab.endpoints.switches[1]
    return "\n".join(
        [
            "[cli]",
            f"{cli.name} ansible_host=127.0.0.1 ansible_port={cli.ssh_port}"
            " ansible_connection=ansible.netcommon.network_cli"
            " ansible_network_cli_ssh_type=paramiko",
            "[api]",
            f"{api.name} ansible_host=127.0.0.1 ansible_httpapi_port={api.nxapi_port}"
            " ansible_connection=ansible.netcommon.httpapi ansible_httpapi_use_ssl=false",
            "[all:vars]",
            "ansible_network_os=cisco.nxos.nxos",
            "ansible_user=admin",
            "ansible_password=admin",
            "",
        ]
    )


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Any:
    lab: BackgroundLab = request.getfixturevalue("_slpsim_module_lab").get()
    workdir = tmp_path_factory.mktemp("ansible")
    (workdir / "inventory.ini").write_text(_inventory(lab))
    (workdir / "playbook.yml").write_text(PLAYBOOK)
    bin_dir = Path(sys.executable).parent
    env = os.environ | {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "ANSIBLE_HOST_KEY_CHECKING": "False",
        "ANSIBLE_HOME": str(workdir / "home"),
        "ANSIBLE_LOCAL_TEMP": str(workdir / "tmp"),
        "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
        "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json",
        "ANSIBLE_NOCOLOR": "1",
    }
    done = subprocess.run(
        [str(bin_dir / "ansible-playbook"), "-i", "inventory.ini", "playbook.yml"],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=PLAYBOOK_TIMEOUT,
        check=False,
    )
    report = json.loads(done.stdout)
    tasks = {task["task"]["name"]: task["hosts"] for task in report["plays"][0]["tasks"]}
    if os.environ.get("SLPSIM_DUMP_ANSIBLE"):
        Path(os.environ["SLPSIM_DUMP_ANSIBLE"]).write_text(json.dumps(tasks, indent=1))
    return {"tasks": tasks, "stats": report["stats"], "lab": lab}


HOSTS = [pytest.param(0, id="network_cli"), pytest.param(1, id="httpapi")]


def _result(results: Any, index: int, task: str) -> dict[str, Any]:
    name = results["lab"].endpoints.switches[index].name
    result: dict[str, Any] = results["tasks"][task][name]
    assert not result.get("failed"), result.get("msg")
    return result


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


@pytest.mark.parametrize("index", HOSTS)
def test_ntp_global_gathered_merged_and_idempotent(results: Any, index: int) -> None:
    _result(results, index, "ntp gathered")
    commands = _merged_then_idempotent(results, index, "ntp")
    assert commands == ["ntp server 192.0.2.10 use-vrf management"]
    after = _result(results, index, "ntp gathered after")["gathered"]
    assert after["servers"] == [{"server": "192.0.2.10", "vrf": "management"}]


@pytest.mark.parametrize("index", HOSTS)
def test_logging_global_gathered_merged_and_idempotent(results: Any, index: int) -> None:
    _result(results, index, "logging gathered")
    commands = _merged_then_idempotent(results, index, "logging")
    assert commands == ["logging server 192.0.2.20 4"]
    after = _result(results, index, "logging gathered after")["gathered"]
    assert after["hosts"] == [{"host": "192.0.2.20", "severity": "warning"}]
