"""Nornir, unmodified, over two lab switches: `nornir-netmiko` and `nornir-scrapli` tasks.

The inventory is a SimpleInventory written to files, as a Nornir user keeps it; scrapli's
connection options (paramiko, no host key check) sit in the group, as its docs show.
`nornir-scrapli` runs both its scrapli tasks (send_command, send_configs) and its scrapli-cfg
ones (load, diff, commit, abort). See docs/interop.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from nornir import InitNornir
from nornir.core import Nornir
from nornir_netmiko.tasks import netmiko_send_command
from nornir_scrapli.tasks import (
    cfg_abort_config,
    cfg_commit_config,
    cfg_diff_config,
    cfg_load_config,
    send_command,
    send_configs,
)
from ntc_templates.parse import parse_output

from sim.lab.background import BackgroundLab

pytestmark = pytest.mark.slpsim(switches=2)


def _nornir(lab: BackgroundLab, workdir: Path) -> Nornir:
    hosts = "".join(
        f"{switch.name}:\n  hostname: 127.0.0.1\n  port: {switch.ssh_port}\n  groups: [nexus]\n"
        for switch in lab.endpoints.switches
    )
    (workdir / "hosts.yaml").write_text(hosts)
    (workdir / "groups.yaml").write_text(
        "nexus:\n"
        "  platform: cisco_nxos\n"
        "  username: admin\n"
        "  password: admin\n"
        "  connection_options:\n"
        "    scrapli:\n"
        "      extras: {auth_strict_key: false, transport: paramiko, timeout_ops: 30}\n"
    )
    (workdir / "defaults.yaml").write_text("connection_options: {}\n")
    return InitNornir(
        runner={"plugin": "threaded", "options": {"num_workers": 2}},
        inventory={
            "plugin": "SimpleInventory",
            "options": {
                "host_file": str(workdir / "hosts.yaml"),
                "group_file": str(workdir / "groups.yaml"),
                "defaults_file": str(workdir / "defaults.yaml"),
            },
        },
        logging={"enabled": False},
    )


def _results(nornir: Nornir, task: Any, **kwargs: Any) -> dict[str, Any]:
    aggregated = nornir.run(task=task, **kwargs)
    assert not aggregated.failed, {name: r.exception for name, r in aggregated.items()}
    return {name: multi[0].result for name, multi in aggregated.items()}


def test_netmiko_send_command_over_both_switches(slpsim_lab: BackgroundLab, tmp_path: Path) -> None:
    nornir = _nornir(slpsim_lab, tmp_path)
    names = [switch.name for switch in slpsim_lab.endpoints.switches]
    hostnames = _results(nornir, netmiko_send_command, command_string="show hostname")
    assert {name: text.strip() for name, text in hostnames.items()} == {
        n: f"{n}.example.com" for n in names
    }
    versions = _results(nornir, netmiko_send_command, command_string="show version")
    for name in names:
        # Parsed here: netmiko's use_textfsm goes through a deprecated importlib API.
        parsed = parse_output(platform="cisco_nxos", command="show version", data=versions[name])
        assert parsed[0]["hostname"] == name
        assert parsed[0]["os"].startswith("10.4(3)")


def test_scrapli_send_command_and_send_configs_over_both_switches(
    slpsim_lab: BackgroundLab, tmp_path: Path
) -> None:
    nornir = _nornir(slpsim_lab, tmp_path)
    names = [switch.name for switch in slpsim_lab.endpoints.switches]
    usage = _results(nornir, send_command, command="show license usage")
    assert sorted(usage) == sorted(names)
    assert all("NXOS_ADVANTAGE_XF" in text for text in usage.values())
    _results(nornir, send_configs, configs=["vlan 42", "name from-nornir"])
    vlans = _results(nornir, send_command, command="show vlan brief")
    assert all("42   from-nornir" in text for text in vlans.values())
    bad = nornir.run(task=send_command, command="show licence")
    assert all(multi[0].failed for multi in bad.values())
    bad_configs = nornir.run(task=send_configs, configs=["vlan 4000"], stop_on_failed=True)
    assert all(multi[0].failed for multi in bad_configs.values())
    nornir.close_connections()


def test_scrapli_cfg_tasks_load_diff_commit_and_abort(
    slpsim_lab: BackgroundLab, tmp_path: Path
) -> None:
    nornir = _nornir(slpsim_lab, tmp_path)
    merge = "interface Ethernet1/7\n  description set-by-nornir-scrapli-cfg\n"
    _results(nornir, cfg_load_config, config=merge)
    diffs = nornir.run(task=cfg_diff_config)
    assert not diffs.failed
    # A merge has no device diff on NX-OS: scrapli-cfg compares the candidate with the
    # running configuration it reads.
    for multi in diffs.values():
        assert "set-by-nornir-scrapli-cfg" in multi[0].scrapli_response.unified_diff
    _results(nornir, cfg_abort_config)
    described = _results(nornir, send_command, command="show interface description")
    assert not any("set-by-nornir-scrapli-cfg" in text for text in described.values())
    _results(nornir, cfg_load_config, config=merge)
    _results(nornir, cfg_commit_config)
    described = _results(nornir, send_command, command="show interface description")
    assert all("set-by-nornir-scrapli-cfg" in text for text in described.values())
    startup = _results(nornir, send_command, command="show startup-config")
    assert all("description set-by-nornir-scrapli-cfg" in text for text in startup.values())
    files = _results(nornir, send_command, command="dir")
    assert not any("scrapli_cfg_" in text for text in files.values())
    nornir.close_connections()
