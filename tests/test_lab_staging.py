"""`slpsim lab --scenario FILE --until STEP`: a lab that starts already broken."""

from __future__ import annotations

import asyncio
import signal
import subprocess
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner
from wire_lab import lab_options, nxapi_output, post_nxapi, start_lab_process

from sim.command_line import app
from sim.lab.lab import Lab
from sim.lab.staging import StagingError, load_stage, stage_on_start, staged_options

START = datetime.fromisoformat("2026-03-02T08:00:00+00:00")
SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
MISSING_DNS = SCENARIOS / "comm-failure-missing-dns.yaml"
WAIT = 60  # seconds: a safety net against a lab that never comes up, not a measured duration


def _staged_lab(*args: str, log: Path) -> tuple[subprocess.Popen[bytes], str, int]:
    return start_lab_process(log, *args)


def test_the_class_gets_a_switch_that_is_already_broken(tmp_path: Path) -> None:
    log = tmp_path / "lab.log"
    # Steps 1-6: DNS removed, a trust attempt that fails; the fix (step 7 on) is not played.
    process, control_url, nxapi = _staged_lab(
        "--scenario", str(MISSING_DNS), "--until", "6", log=log
    )
    try:
        text = log.read_text()
        assert "staged comm-failure-missing-dns: played up to step 6 of 11" in text
        # What the trainer does next, as the scenario does it: the seed's DNS configuration.
        assert "  next in the scenario: configure: ip domain-lookup (+5 lines)" in text
        # The summary comes before the endpoint table: the lab is ready once it is broken.
        assert text.index("staged ") < text.index("control API")
        ping = post_nxapi(nxapi, "ping cisco.com vrf management").text
        assert "% Invalid host/interface cisco.com" in ping
        logged = nxapi_output(nxapi, "show logging logfile")["body"]
        assert "%LICMGR-3-LOG_SMART_LIC_TRUST_CODE_INSTALL_FAILED" in logged
        assert "TRUST_CODE_INSTALL_SUCCESS" not in logged
        # The scenario's start, not today's date.
        clock = httpx.get(f"{control_url}/sim/clock", timeout=WAIT).json()
        assert clock["now"].startswith("2026-01-05T09:00")
        switches = httpx.get(f"{control_url}/sim/switches", timeout=WAIT).json()
        assert [s["name"] for s in switches] == ["leaf1"]
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=WAIT)
    assert process.returncode == 0, log.read_text()


def test_without_until_every_step_is_played(tmp_path: Path) -> None:
    log = tmp_path / "lab.log"
    process, _, nxapi = _staged_lab("--scenario", str(MISSING_DNS), log=log)
    try:
        assert "played up to step 11 of 11" in log.read_text()
        logged = nxapi_output(nxapi, "show logging logfile")["body"]
        assert "%LICMGR-6-LOG_SMART_LIC_TRUST_CODE_INSTALL_SUCCESS" in logged
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=WAIT)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scenario", str(MISSING_DNS), "--until", "12"], "a step number from 1 to 11"),
        (["--scenario", str(MISSING_DNS), "--until", "pong"], "a step number from 1 to 11"),
        (["--scenario", str(MISSING_DNS), "--until", "pong"], "2 'ping cisco.com vrf management'"),
        (["--scenario", "no-such-file.yaml"], "no-such-file.yaml: cannot read the file"),
        (["--until", "3"], "--until needs --scenario FILE"),
    ],
)
def test_a_bad_scenario_or_step_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, ["lab", *args, "--control-port", "0"])
    assert result.exit_code == 2
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1, result.output


def test_until_names_a_step_by_its_label_or_the_start_of_one() -> None:
    assert load_stage(MISSING_DNS, "ID token").until == 3
    assert load_stage(MISSING_DNS, "  configure:  IP domain-lookup ").until == 7
    assert load_stage(MISSING_DNS, "expect %LICMGR-3-LOG_SMART_LIC_TRUST_CODE").until == 6
    # The same label twice: the first time the story gets there.
    assert load_stage(MISSING_DNS, "ping cisco.com vrf management").until == 2


def test_a_label_that_starts_several_steps_lists_them(tmp_path: Path) -> None:
    path = tmp_path / "two-advances.yaml"
    path.write_text(
        UNMET.replace("unmet-while-staging", "two-advances").replace(
            '  - expect_syslog: {text: "%LICMGR-3-LOG_SMART_LIC_COMM_FAILED: *"}\n',
            "  - advance: 4h\n  - advance: 4m\n",
        )
    )
    assert load_stage(path, "advance 4m").until == 3
    with pytest.raises(StagingError) as refused:
        load_stage(path, "advance 4")
    assert "could be step 2 'advance 4h', 3 'advance 4m': give the number" in str(refused.value)


UNMET = """\
name: unmet-while-staging
title: A check that fails while the lab is staged
source: "Issue: none"
topology: direct
switches:
  - {name: leaf1}
steps:
  - config: |
      hostname staged-1
  - expect_syslog: {text: "%LICMGR-3-LOG_SMART_LIC_COMM_FAILED: *"}
  - config: |
      hostname staged-3
"""


def test_a_check_that_fails_while_staging_is_told_and_the_lab_still_starts(
    tmp_path: Path,
) -> None:
    path = tmp_path / "unmet-while-staging.yaml"
    path.write_text(UNMET)
    stage = load_stage(path, "3")
    told: list[str] = []

    async def staged() -> tuple[bool, str]:
        lab = Lab(staged_options(stage, lab_options(None, start=START, switches=5)))
        stage_on_start(lab, stage, told.append)
        await lab.start()
        try:
            return lab.started, lab.simulation.switch("leaf1").hostname
        finally:
            await lab.stop()

    started, hostname = asyncio.run(staged())
    assert started  # handed over all the same: the trainer decides what to do
    assert hostname == "staged-1"  # step 3 was never played
    assert len(told) == 1
    assert told[0].startswith("staged unmet-while-staging: stopped at step 2 of 3, where a check")
    assert "COMM_FAILED" in told[0]
