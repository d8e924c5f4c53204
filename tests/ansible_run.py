"""Running one Ansible playbook against a lab's first two switches, as the interop tests do:
the first over `network_cli` (SSH), the second over `httpapi` (NX-API)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from sim.lab.background import BackgroundLab

PLAYBOOK_TIMEOUT = 240


def inventory(lab: BackgroundLab) -> str:
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


def run_playbook(lab: BackgroundLab, workdir: Path, playbook: str) -> dict[str, Any]:
    """`{"tasks": {task name: {host: result}}, "stats": ..., "lab": lab}` of one run."""
    (workdir / "inventory.ini").write_text(inventory(lab))
    (workdir / "playbook.yml").write_text(playbook)
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
    return {"tasks": tasks, "stats": report["stats"], "lab": lab}


def task_result(results: Any, index: int, task: str) -> dict[str, Any]:
    """Switch `index`'s result of `task`, which must not have failed."""
    name = results["lab"].endpoints.switches[index].name
    result: dict[str, Any] = results["tasks"][task][name]
    assert not result.get("failed"), result.get("msg")
    return result
