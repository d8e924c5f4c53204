"""`slpsim lab --record FILE`: a lab session becomes a scenario that `slpsim run` replays green."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
import yaml
from typer.testing import CliRunner
from wire_lab import lab_options, nxapi_output, post_nxapi, start_lab_process

from sim.command_line import app
from sim.lab.access import SwitchAccess
from sim.lab.jump import SliceBudget
from sim.lab.lab import Lab
from sim.lab.recorder import LabRecorder, RecordError
from sim.lab.staging import load_stage, stage_on_start, staged_options
from sim.scenario.model import load_scenario
from sim.scenario.runner import run_file
from sim.timing import format_duration

START = datetime.fromisoformat("2026-03-02T08:00:00+00:00")
WAIT = 60  # seconds: a safety net against a lab that never comes up, not a measured duration


def _start_recording_lab(
    path: Path, log: Path, *options: str
) -> tuple[subprocess.Popen[bytes], str, int]:
    """`slpsim lab --record path` at rate 0 (one switch unless `options` stage a scenario);
    its control URL and the first switch's NX-API port."""
    return start_lab_process(log, "--record", str(path), *(options or ("--switches", "1")))


def test_a_recorded_session_replays_green_and_its_checks_bite(tmp_path: Path) -> None:
    recording = tmp_path / "dns-outage-demo.yaml"
    log = tmp_path / "lab.log"
    process, control_url, nxapi = _start_recording_lab(recording, log)
    try:
        with httpx.Client(base_url=control_url, timeout=WAIT) as control:
            token = control.post("/sim/tokens", json={"issuer": "cssm"}).json()["token"]
            nxapi_output(nxapi, f"license smart trust idtoken {token} all")
            nxapi_output(nxapi, "ip domain-name example.com", "cli_conf")
            assert (
                post_nxapi(nxapi, "show licence status").json()["ins_api"]["outputs"]["output"][
                    "code"
                ]
                == "400"
            )
            fault = control.post("/sim/faults", json={"target": "dns", "kind": "unreachable"})
            nxapi_output(nxapi, "license smart sync all")
            assert control.post("/sim/clock/advance", json={"seconds": 5 * 3600}).is_success
            assert control.delete(f"/sim/faults/{fault.json()['id']}").is_success
            assert control.post("/sim/clock/advance", json={"seconds": 30 * 60}).is_success
            nxapi_output(nxapi, "show license status")
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=WAIT)
    assert process.returncode == 0, log.read_text()
    assert f"recorded 10 step(s) in {recording}" in log.read_text()

    steps = yaml.safe_load(recording.read_text())["steps"]
    # The token's text is replaced by the variable the token step saves.
    assert {"token": {"save_as": "token1", "issuer": "cssm"}} in steps
    trust = next(s for s in steps if "idtoken" in s.get("exec", ""))
    assert trust["exec"] == "license smart trust idtoken ${token1} all"
    assert token not in recording.read_text()
    # A refused line keeps what it printed as its expectation; a cli_conf line is config.
    assert {"contains": ["% Invalid command at '^' marker."]} in [s.get("expect") for s in steps]
    assert any(s.get("config", "").strip() == "ip domain-name example.com" for s in steps)
    assert {"fault": {"target": "dns", "kind": "unreachable"}} in steps
    assert {"clear": {"target": "dns", "kind": "unreachable"}} in steps
    assert [s["advance"] for s in steps if "advance" in s] == ["5h", "30m"]
    # The syslog of each step, by message id, with exact counts (the lab ran at rate 0).
    checks = [s["expect_syslog"] for s in steps if "expect_syslog" in s]
    failed = [c for c in checks if c["text"] == "%LICMGR-3-LOG_SMART_LIC_COMM_FAILED: *"]
    assert [c["count"] for c in failed] == [1, 49]
    assert any(c["text"] == "%LICMGR-3-LOG_SMART_LIC_COMM_RESTORED: *" for c in checks)

    replay = CliRunner().invoke(app, ["run", str(recording)])
    assert replay.exit_code == 0, replay.output
    assert "PASS  dns-outage-demo" in replay.output

    # Without the fault, the replay no longer logs what the class saw: the checks say so.
    broken = tmp_path / "no-fault.yaml"
    text = recording.read_text().replace("- fault: {target: dns, kind: unreachable}\n", "")
    broken.write_text(text.replace("name: dns-outage-demo", "name: no-fault"))
    result = run_file(broken)
    assert not result.passed
    assert result.failure is not None and "COMM_FAILED" in result.failure.message


def test_config_blocks_sub_modes_and_questions_replay_as_typed(tmp_path: Path) -> None:
    """An SSH-style session: config mode with a sub-mode, interleaved with another switch's
    command, and a (y/n) question answered yes."""
    path = tmp_path / "session.yaml"

    async def session() -> None:
        lab = Lab(lab_options(None, start=START, switches=2))
        recorder = LabRecorder(lab, path)
        await lab.start()
        try:
            leaf1 = SwitchAccess(lab.simulation, "leaf1", lab.lock, activity=lab.activity)
            leaf2 = SwitchAccess(lab.simulation, "leaf2", lab.lock, activity=lab.activity)
            one, two = leaf1.new_session(), leaf2.new_session()
            one.interactive = two.interactive = True
            for line in ("configure terminal", "vrf context management", "ip domain-name a.test"):
                await leaf2.run(two, line)
            await leaf1.run(one, "show clock")  # leaf2's block is cut here ...
            for line in ("ip name-server 192.0.2.53", "exit", "hostname core2", "end"):
                await leaf2.run(two, line)  # ... and goes on inside the same sub-mode
            await leaf1.run(one, "license smart factory reset")
            await leaf1.run(one, "y")
            await leaf1.run(one, "terminal length 0")  # what netmiko sends first: not kept
            await leaf1.run(one, "show runnning-config")  # a typo NX-OS refuses
            await leaf1.run(one, "show clock | include ${HOME}")  # `${` cannot be written
            await leaf1.run(one, "exit")  # the session ends; the switch is unchanged
        finally:
            await lab.stop()
        recorder.write(lab.now())

    asyncio.run(session())
    scenario = load_scenario(path)
    assert [s.kind for s in scenario.steps if not s.is_expectation] == [
        "config",
        "exec",
        "config",
        "exec",
        "exec",
    ]
    data = yaml.safe_load(path.read_text())["steps"]
    configs = [s for s in data if "config" in s]
    assert configs[0] == {
        "config": "vrf context management\nip domain-name a.test\n",
        "switch": "leaf2",
        "note": "typed over SSH",
    }
    # The continuation re-enters the sub-mode it was left in; `end` is the step's own.
    assert configs[1]["config"].splitlines() == [
        "vrf context management",
        "ip name-server 192.0.2.53",
        "exit",
        "hostname core2",
    ]
    # The question and its answer are one command, run without asking on replay.
    assert {"exec": "license smart factory reset", "note": "typed over SSH"} in data
    assert "y" not in [s.get("exec") for s in data]
    assert "terminal length 0" not in [s.get("exec") for s in data]
    assert "exit" not in [s.get("exec") for s in data]
    # A line a scenario cannot hold is named in a note instead of making the file invalid.
    typo = next(s for s in data if s.get("exec") == "show runnning-config")
    assert "not replayed: 'show clock | include $ {HOME}'" in typo["note"]
    # What the reset logged when it was answered is checked right after it, on leaf1.
    reset = data.index({"exec": "license smart factory reset", "note": "typed over SSH"})
    assert data[reset + 1] == {
        "expect_syslog": {
            "text": "%LICMGR-6-LOG_SMART_LIC_REPORTING_REQUIRED: *",
            "count": 1,
            "switch": "leaf1",
        }
    }
    result = run_file(path)
    assert result.passed, result.explain()


def test_a_lab_where_nothing_happened_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"

    async def idle() -> None:
        lab = Lab(lab_options(None, start=START, switches=1))
        recorder = LabRecorder(lab, path)
        with pytest.raises(RecordError, match="nothing happened"):
            recorder.write(lab.now())

    asyncio.run(idle())
    assert not path.exists()


def test_record_refuses_a_state_dir_that_holds_a_lab(tmp_path: Path) -> None:
    state = tmp_path / "state"
    from sim.lab.background import BackgroundLab

    with BackgroundLab(lab_options(state, start=START, switches=1)):
        pass
    result = CliRunner().invoke(
        app, ["lab", "--record", str(tmp_path / "x.yaml"), "--state-dir", str(state)]
    )
    assert result.exit_code == 2
    assert "--record starts from a new lab" in result.output


def test_a_staged_lab_is_recorded_after_its_staged_steps_even_if_killed(tmp_path: Path) -> None:
    """Stage a broken lab, let a student fix it, and the recording (saved while the lab runs)
    replays the staging and the fix."""
    scenario = (
        Path(__file__).resolve().parent.parent / "scenarios" / "comm-failure-missing-dns.yaml"
    )
    recording = tmp_path / "student-fix.yaml"
    log = tmp_path / "lab.log"
    process, control_url, nxapi = _start_recording_lab(
        recording, log, "--scenario", str(scenario), "--until", "6"
    )
    try:
        with httpx.Client(base_url=control_url, timeout=WAIT) as control:
            nxapi_output(nxapi, "ip name-server 10.10.10.53 use-vrf management", "cli_conf")
            token = control.post("/sim/tokens", json={"issuer": "cssm"}).json()["token"]
            nxapi_output(nxapi, f"license smart trust idtoken {token} all")
        deadline = time.monotonic() + WAIT
        while "idtoken ${token1}" not in (recording.read_text() if recording.exists() else ""):
            assert time.monotonic() < deadline, "the recording was never saved while running"
            time.sleep(0.2)
    finally:
        process.kill()  # no chance to write at stop: what was saved while running must do
        process.wait(timeout=WAIT)

    steps = yaml.safe_load(recording.read_text())["steps"]
    staged = yaml.safe_load(scenario.read_text())["steps"][:6]
    assert steps[:6] == staged  # the staging, as the scenario wrote it
    recorded = steps[6:]
    assert recorded[0]["config"] == "ip name-server 10.10.10.53 use-vrf management\n"
    assert {"token": {"save_as": "token1", "issuer": "cssm"}} in recorded
    checks = [s["expect_syslog"] for s in recorded if "expect_syslog" in s]
    assert {
        "text": "%LICMGR-6-LOG_SMART_LIC_TRUST_CODE_INSTALL_SUCCESS: *",
        "count": 1,
        "switch": "leaf1",
    } in checks
    result = run_file(recording)
    assert result.passed, result.explain()


def test_time_that_flowed_between_actions_becomes_advance_steps(tmp_path: Path) -> None:
    """At a rate above 0, what a command logs while it settles stays with the command, and
    what happens while time flows goes with an advance step; the replay still passes."""
    path = tmp_path / "flowing.yaml"

    async def session() -> None:
        lab = Lab(lab_options(None, start=START, switches=1, rate=3600.0))
        recorder = LabRecorder(lab, path)
        await lab.start()
        try:
            token = lab.simulation.issue_token("cssm", virtual_account=None)
            lab.activity.add(lab.now(), "token", via="control", issuer="cssm", token=token)
            leaf1 = SwitchAccess(lab.simulation, "leaf1", lab.lock, activity=lab.activity)
            await leaf1.run(leaf1.new_session(), f"license smart trust idtoken {token} all")
            # Virtual time flows (an hour a second) until the first report's ACK arrives.
            deadline = time.monotonic() + WAIT
            while not any(
                "POLICY_INSTALL_SUCCESS" in r.body for r in lab.simulation.syslog("leaf1")
            ):
                assert time.monotonic() < deadline, "no ACK while time flowed"
                await asyncio.sleep(0.05)
            await leaf1.run(leaf1.new_session(), "show license status")
        finally:
            await lab.stop()
        recorder.write(lab.now())

    asyncio.run(session())
    steps = yaml.safe_load(path.read_text())["steps"]
    kinds = [next(iter(s)) for s in steps]
    trust = kinds.index("exec")
    # The trust code's line is the command's own, checked right after it ...
    assert steps[trust + 1]["expect_syslog"]["text"] == (
        "%LICMGR-6-LOG_SMART_LIC_TRUST_CODE_INSTALL_SUCCESS: *"
    )
    # ... the ACK came while time flowed: an advance step, then its check, counted exactly.
    flowed = kinds.index("advance", trust)
    assert steps[flowed]["note"].startswith("virtual time flowed")
    policy = {
        "text": "%LICMGR-6-LOG_SMART_LIC_POLICY_INSTALL_SUCCESS: *",
        "count": 1,
        "switch": "leaf1",
    }
    assert {"expect_syslog": policy} in steps[flowed + 1 :]
    result = run_file(path)
    assert result.passed, result.explain()


def test_a_session_at_a_running_clock_replays_at_the_same_instants(tmp_path: Path) -> None:
    """An hour a second: every action is replayed at the virtual instant it happened at, so
    even the lines logged while time flowed are counted exactly, and the replay passes."""
    recording = tmp_path / "flowing-outage.yaml"
    log = tmp_path / "lab.log"
    process, control_url, nxapi = _start_recording_lab(recording, log)
    failed = "%LICMGR-3-LOG_SMART_LIC_COMM_FAILED"

    def logged(text: str) -> int:
        return str(nxapi_output(nxapi, "show logging logfile")["body"]).count(text)

    try:
        with httpx.Client(base_url=control_url, timeout=WAIT) as control:
            assert control.post("/sim/clock/rate", json={"rate": 3600}).is_success
            token = control.post("/sim/tokens", json={"issuer": "cssm"}).json()["token"]
            nxapi_output(nxapi, f"license smart trust idtoken {token} all")
            control.post("/sim/faults", json={"target": "dns", "kind": "unreachable"})
            nxapi_output(nxapi, "license smart sync all")
            # Retries fail while the clock runs on by itself (a safety net, not a timing).
            deadline = time.monotonic() + WAIT
            while logged(failed) < 4:
                assert time.monotonic() < deadline, "no retries while time flowed"
                time.sleep(0.05)
            assert control.delete("/sim/faults").is_success
            while logged("%LICMGR-3-LOG_SMART_LIC_COMM_RESTORED") < 1:
                assert time.monotonic() < deadline, "no retry after the fault was cleared"
                time.sleep(0.05)
            nxapi_output(nxapi, "show license status")
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=WAIT)
    assert process.returncode == 0, log.read_text()

    steps = yaml.safe_load(recording.read_text())["steps"]
    flowed = [s for s in steps if s.get("note", "").startswith("virtual time flowed")]
    assert flowed, recording.read_text()
    # The gaps end where the next action was logged, to the microsecond, not the second.
    assert any("." in str(s["advance"]) for s in flowed), recording.read_text()
    checks = [s["expect_syslog"] for s in steps if "expect_syslog" in s]
    assert all("count" in c for c in checks), recording.read_text()
    retries = sum(c["count"] for c in checks if c["text"] == f"{failed}: *")
    assert retries >= 4
    replay = CliRunner().invoke(app, ["run", str(recording)])
    assert replay.exit_code == 0, replay.output + recording.read_text()
    assert "PASS  flowing-outage" in replay.output


def test_a_staged_lab_recorded_at_a_running_clock_replays_green(tmp_path: Path) -> None:
    """Staged, then handed over with its clock running: the recording maps the lab's time
    onto the replay's from where the staged steps leave it."""
    scenario = (
        Path(__file__).resolve().parent.parent / "scenarios" / "comm-failure-missing-dns.yaml"
    )
    path = tmp_path / "staged-flowing.yaml"
    stage = load_stage(scenario, "6")

    async def session() -> None:
        lab = Lab(staged_options(stage, lab_options(None, start=START, rate=3600.0)))
        stage_on_start(lab, stage, lambda _: None)
        recorder = LabRecorder(lab, path)
        recorder.continue_from(stage)  # as `slpsim lab`: after the staging
        await lab.start()
        try:
            leaf1 = SwitchAccess(lab.simulation, "leaf1", lab.lock, activity=lab.activity)
            session = leaf1.new_session()
            for line in ("configure terminal", "ip name-server 10.10.10.53 use-vrf management"):
                await leaf1.run(session, line)
            await leaf1.run(session, "end")
            # Virtual time flows two hours (a safety net, not a timing).
            deadline, later = time.monotonic() + WAIT, lab.now() + timedelta(hours=2)
            while lab.now() < later:
                assert time.monotonic() < deadline, "virtual time did not flow"
                await asyncio.sleep(0.05)
            token = lab.simulation.issue_token("cssm", virtual_account=None)
            lab.activity.add(lab.now(), "token", via="control", issuer="cssm", token=token)
            await leaf1.run(session, f"license smart trust idtoken {token} all")
            await leaf1.run(session, "show license status")
        finally:
            await lab.stop()
        recorder.write(lab.now())

    asyncio.run(session())
    steps = yaml.safe_load(path.read_text())["steps"]
    assert steps[:6] == yaml.safe_load(scenario.read_text())["steps"][:6]
    checks = [s["expect_syslog"] for s in steps[6:] if "expect_syslog" in s]
    success = "%LICMGR-6-LOG_SMART_LIC_TRUST_CODE_INSTALL_SUCCESS: *"
    assert {"text": success, "count": 1, "switch": "leaf1"} in checks
    assert any("." in str(s.get("advance", "")) for s in steps[6:]), path.read_text()
    result = run_file(path)
    assert result.passed, result.explain() + path.read_text()


def test_back_end_actions_of_an_offline_round_trip_replay(tmp_path: Path) -> None:
    """Save usage, upload it to CSSM, download the ACK and import it: the actions done through
    the control API become backend steps with their parameters."""
    path = tmp_path / "offline-round-trip.yaml"

    async def session() -> None:
        lab = Lab(lab_options(None, start=START, switches=1, topology="offline"))
        recorder = LabRecorder(lab, path)
        await lab.start()
        control = httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{lab.endpoints.control_port}", timeout=WAIT
        )
        leaf1 = SwitchAccess(lab.simulation, "leaf1", lab.lock, activity=lab.activity)
        try:
            await control.post("/sim/clock/advance", json={"seconds": 3600})
            await leaf1.run(
                leaf1.new_session(), "license smart save usage all file bootflash:u.txt"
            )
            upload = {"from_switch": "leaf1", "file": "u.txt"}
            for action, params in (("upload-usage-data", upload), ("download-ack", None)):
                if params is None:
                    await control.post("/sim/clock/advance", json={"seconds": 900})
                    params = {"to_switch": "leaf1", "file": "ack.txt"}
                body = {"target": "cssm", "action": action, **params}
                assert (await control.post("/sim/actions", json=body)).is_success
            await leaf1.run(leaf1.new_session(), "license smart import bootflash:ack.txt")
        finally:
            await control.aclose()
            await lab.stop()
        recorder.write(lab.now())

    asyncio.run(session())
    steps = yaml.safe_load(path.read_text())["steps"]
    backends = [s["backend"] for s in steps if "backend" in s]
    assert backends == [
        {"target": "cssm", "action": "upload-usage-data", "from_switch": "leaf1", "file": "u.txt"},
        {"target": "cssm", "action": "download-ack", "to_switch": "leaf1", "file": "ack.txt"},
    ]
    imported = steps.index(
        {"exec": "license smart import bootflash:ack.txt", "note": "typed over SSH"}
    )
    assert steps[imported + 1]["expect_syslog"]["text"] == (
        "%LICMGR-6-LOG_SMART_LIC_POLICY_INSTALL_SUCCESS: *"
    )
    result = run_file(path)
    assert result.passed, result.explain()


def test_a_cancelled_jump_is_recorded_as_the_time_it_really_moved(tmp_path: Path) -> None:
    path = tmp_path / "cut-short.yaml"

    async def session() -> None:
        lab = Lab(replace(lab_options(None, start=START, switches=1), topology="cslu"))
        lab.jump_budget = SliceBudget(events=5, seconds=0.001)  # many slices: room to cancel
        recorder = LabRecorder(lab, path)
        await lab.start()
        try:
            leaf1 = SwitchAccess(lab.simulation, "leaf1", lab.lock, activity=lab.activity)
            await leaf1.run(leaf1.new_session(), "show clock")
            jump = await lab.start_jump(timedelta(days=3650))
            while jump.events < 20:
                await asyncio.sleep(0)
            await lab.cancel_jump()
            assert jump.cancelled
            reached = lab.now()
            await lab.advance(timedelta(hours=1))
        finally:
            await lab.stop()
        recorder.write(lab.now())
        moved = round((reached - START).total_seconds())
        advances = [
            s["advance"] for s in yaml.safe_load(path.read_text())["steps"] if "advance" in s
        ]
        assert advances == [format_duration(timedelta(seconds=moved)), "1h"]

    asyncio.run(session())
    result = run_file(path)
    assert result.passed, result


def test_a_jump_asked_for_as_an_event_falls_due_leaves_its_lines_before_the_jump(
    tmp_path: Path,
) -> None:
    """A running clock waits at an event until the pacer runs it; a jump asked for at that
    instant runs it first, so its lines are not counted under the jump, where a replay that
    already ran it up to that instant would not see them."""
    path = tmp_path / "jump-at-due.yaml"
    installed = "%LICMGR-6-LOG_SMART_LIC_POLICY_INSTALL_SUCCESS"

    async def session() -> None:
        lab = Lab(lab_options(None, start=START, switches=1))
        recorder = LabRecorder(lab, path)
        await lab.start()
        scheduler = lab.simulation.scheduler

        async def jump_when_due() -> None:
            # Where real time holds a paced clock: at the next event, not yet run. Asked in a
            # task of its own, as each control API request is.
            due = scheduler.peek()
            assert due is not None
            lab.clock.advance_to(due)
            await lab.finish(await lab.start_jump(timedelta(minutes=1)))

        try:
            token = lab.simulation.issue_token("cssm", virtual_account=None)
            lab.activity.add(lab.now(), "token", via="control", issuer="cssm", token=token)
            leaf1 = SwitchAccess(lab.simulation, "leaf1", lab.lock, activity=lab.activity)
            await leaf1.run(leaf1.new_session(), f"license smart trust idtoken {token} all")
            for _ in range(20):  # the first report's ACK comes a few events later
                if any(installed in r.body for r in lab.simulation.syslog("leaf1")):
                    break
                await asyncio.create_task(jump_when_due())
            await leaf1.run(leaf1.new_session(), "show license status")
        finally:
            await lab.stop()
        recorder.write(lab.now())

    asyncio.run(session())
    steps = yaml.safe_load(path.read_text())["steps"]
    checked = next(
        i
        for i, s in enumerate(steps)
        if s.get("expect_syslog", {}).get("text", "") == f"{installed}: *"
    )
    # The ACK's line goes with the time that flowed up to the jump, not with the jump.
    assert steps[checked - 1]["note"].startswith("virtual time flowed"), path.read_text()
    result = run_file(path)
    assert result.passed, result.explain() + path.read_text()
