"""Nornir, unmodified, over two lab switches: `netmiko_send_command` and scrapli.

The inventory is a SimpleInventory written to files, as a Nornir user keeps it. netmiko runs
through the `nornir-netmiko` plugin. `nornir-scrapli` pins scrapli below the 2026 API the
`test` extra uses, so scrapli runs as a plain Nornir task over scrapli's own `Cli`, which is
what that plugin's `send_command` wraps. See docs/interop.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from nornir import InitNornir
from nornir.core import Nornir
from nornir.core.task import Result, Task
from nornir_netmiko.tasks import netmiko_send_command
from ntc_templates.parse import parse_output
from scrapli import Cli
from scrapli.auth import Options as AuthOptions
from scrapli.transport import Ssh2Options

from sim.lab.background import BackgroundLab

pytestmark = pytest.mark.slpsim(switches=2)


def _nornir(lab: BackgroundLab, workdir: Path) -> Nornir:
    hosts = "".join(
        f"{switch.name}:\n  hostname: 127.0.0.1\n  port: {switch.ssh_port}\n  groups: [nexus]\n"
        for switch in lab.endpoints.switches
    )
    (workdir / "hosts.yaml").write_text(hosts)
    (workdir / "groups.yaml").write_text(
        "nexus:\n  platform: cisco_nxos\n  username: admin\n  password: admin\n"
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


def scrapli_send_command(task: Task, command: str) -> Result:
    host = task.host
    with Cli(
        host.hostname,
        port=host.port,
        definition_file_or_name=host.platform,
        auth_options=AuthOptions(username=host.username, password=host.password),
        transport_options=Ssh2Options(),
    ) as cli:
        response = cli.send_input(command)
    return Result(host=host, result=response.result, failed=response.failed)


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


def test_scrapli_send_command_over_both_switches(slpsim_lab: BackgroundLab, tmp_path: Path) -> None:
    nornir = _nornir(slpsim_lab, tmp_path)
    names = [switch.name for switch in slpsim_lab.endpoints.switches]
    usage = _results(nornir, scrapli_send_command, command="show license usage")
    assert sorted(usage) == sorted(names)
    assert all("NXOS_ADVANTAGE_XF" in text for text in usage.values())
    bad = nornir.run(task=scrapli_send_command, command="show licence")
    assert all(multi[0].failed for multi in bad.values())
    assert all("% Invalid command at '^' marker." in multi[0].result for multi in bad.values())
