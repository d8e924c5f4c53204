"""scrapli-cfg, unmodified, against a lab switch over SSH: load, diff, commit and abort.

What its NX-OS platform sends: `show version | i "NXOS: version"` (prepare), `dir bootflash:
| i 'bytes free'`, `tclsh` with `set fl [open "/bootflash/<file>" wb+]`, one
`puts -nonewline $fl {<line>\\r}` per line and `close $fl` (load), `show diff rollback-patch
running-config file bootflash:<file>` (replace diff), `copy bootflash:<file> running-config`
(merge commit) or `rollback running-config file bootflash:<file>` (replace commit),
`copy running-config startup-config`, and `terminal dont-ask` / `delete bootflash:<file>`
(clean-up and abort). See docs/interop.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from scrapli.driver.core import NXOSDriver
from scrapli_cfg import ScrapliCfg
from scrapli_cfg.platform.core.cisco_nxos import ScrapliCfgNXOS

from sim.lab.background import BackgroundLab

pytestmark = pytest.mark.slpsim(switches=1)
TIMEOUT = 30


@pytest.fixture(
    params=[
        pytest.param("paramiko", id="paramiko"),
        # scrapli's system transport leaves its pty file to the garbage collector.
        pytest.param(
            "system",
            id="system-ssh",
            marks=pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
        ),
    ]
)
def conn(slpsim_lab: BackgroundLab, request: pytest.FixtureRequest) -> Iterator[NXOSDriver]:
    switch = slpsim_lab.endpoints.switches[0]
    driver = NXOSDriver(
        "127.0.0.1",
        port=switch.ssh_port,
        auth_username="admin",
        auth_password="admin",
        auth_strict_key=False,
        transport=request.param,
        timeout_ops=TIMEOUT,
    )
    with driver:
        yield driver


def _candidate_files(conn: NXOSDriver) -> list[str]:
    return [line for line in conn.send_command("dir").result.splitlines() if "scrapli_cfg" in line]


def test_prepare_reads_the_version(conn: NXOSDriver) -> None:
    with ScrapliCfg(conn=conn) as cfg:
        assert isinstance(cfg, ScrapliCfgNXOS)
        assert cfg.get_version().result == "10.4(3)"


def test_merge_loads_through_tclsh_diffs_and_commits(conn: NXOSDriver) -> None:
    # One lab serves every transport's run: each run sets values of its own.
    hostname, description = (
        f"spine-{conn.transport_name}",
        f"from scrapli-cfg {conn.transport_name}",
    )
    merge = f"hostname {hostname}\ninterface Ethernet1/5\n  description {description}\n"
    with ScrapliCfgNXOS(conn=conn) as cfg:
        loaded = cfg.load_config(merge)
        assert not loaded.failed
        # The candidate is on bootflash, line for line, before anything is applied.
        [listed] = _candidate_files(conn)
        name = listed.split()[-1]
        assert conn.send_command(f"show file bootflash:{name}").result == merge.rstrip("\n")
        assert f"hostname {hostname}" not in conn.send_command("show running-config").result

        diff = cfg.diff_config()
        assert not diff.failed
        assert f"hostname {hostname}" in diff.unified_diff

        committed = cfg.commit_config()
        assert not committed.failed
    running = conn.send_command("show running-config").result
    assert f"hostname {hostname}" in running
    assert f"interface Ethernet1/5\n  description {description}" in running
    assert f"description {description}" in conn.send_command("show startup-config").result
    assert _candidate_files(conn) == []


def test_replace_diffs_on_the_device_commits_by_rollback_and_aborts(conn: NXOSDriver) -> None:
    with ScrapliCfgNXOS(conn=conn) as cfg:
        running = cfg.get_config().result
        server = "10.9.9.9" if conn.transport_name == "paramiko" else "10.9.9.10"
        assert f"ntp server {server}" not in running
        conn.send_configs([f"ntp server {server} use-vrf management"])
        # One lab serves every test here: whatever hostname it has now goes.
        hostname = f"border-{conn.transport_name}"
        target = re.sub(r"(?m)^hostname \S+$", f"hostname {hostname}", cfg.clean_config(running))

        cfg.load_config(target, replace=True)
        diff = cfg.diff_config()
        assert not diff.failed
        # `show diff rollback-patch running-config file ...`: what the rollback will type.
        assert f"no ntp server {server} use-vrf management" in diff.device_diff
        assert f"hostname {hostname}" in diff.device_diff

        aborted = cfg.abort_config()
        assert not aborted.failed
        assert _candidate_files(conn) == []
        assert f"hostname {hostname}" not in conn.send_command("show running-config").result

        cfg.load_config(target, replace=True)
        committed = cfg.commit_config()
        assert not committed.failed
        assert "Rollback completed successfully." in committed.scrapli_responses[0].result
    after = conn.send_command("show running-config").result
    assert f"hostname {hostname}" in after
    assert f"ntp server {server}" not in after
    assert cfg.clean_config(after) == target


def test_get_checkpoint_returns_the_running_configuration(conn: NXOSDriver) -> None:
    with ScrapliCfgNXOS(conn=conn) as cfg:
        checkpoint = cfg.get_checkpoint()
    assert not checkpoint.failed
    assert checkpoint.result.startswith("!Command: Checkpoint cmd vdc 1")
    assert "\nhostname " in checkpoint.result
    assert _candidate_files(conn) == []
    assert "scrapli_cfg_tmp" not in conn.send_command("dir").result
