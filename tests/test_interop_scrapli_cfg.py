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


@pytest.fixture
def conn(slpsim_lab: BackgroundLab) -> Iterator[NXOSDriver]:
    switch = slpsim_lab.endpoints.switches[0]
    driver = NXOSDriver(
        "127.0.0.1",
        port=switch.ssh_port,
        auth_username="admin",
        auth_password="admin",
        auth_strict_key=False,
        transport="paramiko",
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
    merge = "hostname spine9\ninterface Ethernet1/5\n  description from scrapli-cfg\n"
    with ScrapliCfgNXOS(conn=conn) as cfg:
        loaded = cfg.load_config(merge)
        assert not loaded.failed
        # The candidate is on bootflash, line for line, before anything is applied.
        [listed] = _candidate_files(conn)
        name = listed.split()[-1]
        assert conn.send_command(f"show file bootflash:{name}").result == merge.rstrip("\n")
        assert "hostname spine9" not in conn.send_command("show running-config").result

        diff = cfg.diff_config()
        assert not diff.failed
        assert "hostname spine9" in diff.unified_diff

        committed = cfg.commit_config()
        assert not committed.failed
    running = conn.send_command("show running-config").result
    assert "hostname spine9" in running
    assert "interface Ethernet1/5\n  description from scrapli-cfg" in running
    assert "description from scrapli-cfg" in conn.send_command("show startup-config").result
    assert _candidate_files(conn) == []


def test_replace_diffs_on_the_device_commits_by_rollback_and_aborts(conn: NXOSDriver) -> None:
    with ScrapliCfgNXOS(conn=conn) as cfg:
        running = cfg.get_config().result
        assert "ntp server 10.9.9.9" not in running
        conn.send_configs(["ntp server 10.9.9.9 use-vrf management"])
        # The lab is shared with the other tests here: whatever hostname it has now goes.
        target = re.sub(r"(?m)^hostname \S+$", "hostname border1", cfg.clean_config(running))

        cfg.load_config(target, replace=True)
        diff = cfg.diff_config()
        assert not diff.failed
        # `show diff rollback-patch running-config file ...`: what the rollback will type.
        assert "no ntp server 10.9.9.9 use-vrf management" in diff.device_diff
        assert "hostname border1" in diff.device_diff

        aborted = cfg.abort_config()
        assert not aborted.failed
        assert _candidate_files(conn) == []
        assert "hostname border1" not in conn.send_command("show running-config").result

        cfg.load_config(target, replace=True)
        committed = cfg.commit_config()
        assert not committed.failed
        assert "Rollback completed successfully." in committed.scrapli_responses[0].result
    after = conn.send_command("show running-config").result
    assert "hostname border1" in after
    assert "ntp server 10.9.9.9" not in after
    assert cfg.clean_config(after) == target


def test_get_checkpoint_returns_the_running_configuration(conn: NXOSDriver) -> None:
    with ScrapliCfgNXOS(conn=conn) as cfg:
        checkpoint = cfg.get_checkpoint()
    assert not checkpoint.failed
    assert checkpoint.result.startswith("!Command: Checkpoint cmd vdc 1")
    assert "\nhostname " in checkpoint.result
    assert _candidate_files(conn) == []
    assert "scrapli_cfg_tmp" not in conn.send_command("dir").result
