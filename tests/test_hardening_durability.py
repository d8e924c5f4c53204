"""Durability of a lab's state dir beyond report traffic: a trust request in flight at a
crash, a commit that fails (disk full), files, the clock and the rate across restarts, the
control API while the lab starts, and the background tasks that must never die silently."""

from __future__ import annotations

import asyncio
import io
import json
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from rich.console import Console
from wire_lab import killed_by_sigkill, lab_options, nxapi_output, post_nxapi

import sim.lab.lab as lab_module
import sim.lab.ssh as ssh_module
from sim.lab.background import BackgroundLab
from sim.lab.lab import Lab, LabOptions
from sim.lab.serve import serve_lab
from sim.lab.state_store import loads

START = datetime.fromisoformat("2026-05-04T08:00:00+00:00")
DISK_FULL = "database or disk is full"


def options(state_dir: Path, **changes: Any) -> LabOptions:
    return lab_options(state_dir, start=START, **{"switches": 1, **changes})


nxapi = post_nxapi
nxapi_body = nxapi_output


def control_url(running: BackgroundLab) -> str:
    return f"http://127.0.0.1:{running.endpoints.control_port}"


def fill_the_disk(lab: Lab, *, only: str | None = None) -> None:
    """From now on the state dir refuses commits (to `only` that database, if given)."""
    assert lab.store is not None
    save = lab.store.save

    def full(db_name: str, items: Any, now: datetime) -> None:
        if only is None or db_name == only:
            raise sqlite3.OperationalError(DISK_FULL)
        save(db_name, items, now)

    lab.store.save = full  # type: ignore[method-assign]


@pytest.fixture
def no_background_saves(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only what a test does commits (the once-a-second save would race it to the disk)."""
    monkeypatch.setattr(lab_module, "SAVE_EVERY_SECONDS", 3600.0)


def wait_for(condition: Any, what: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


# ---------------------------------------------------------------- trust in flight at a crash

# `slpsim lab`, killed with SIGKILL right after the trust issuer committed a trust code, before
# its reply reaches the switch (whose own last commit was made just before the request left).
DIE_AFTER_TRUST_COMMIT = """
import os, signal, sys
from sim.command_line import app
from sim.lab.persistence import Persistence

commit = Persistence.save_backend
issuer = sys.argv.pop(1)

def commit_then_die(self, name):
    commit(self, name)
    if name == issuer:
        held = self.simulation.models[name].product_instance(self.simulation.switch().sudi)
        if held is not None and held.trust is not None:
            os.kill(os.getpid(), signal.SIGKILL)

Persistence.save_backend = commit_then_die
app(sys.argv[1:], prog_name="slpsim")
"""


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(("topology", "issuer"), [("direct", "cssm"), ("onprem", "onprem")])
def test_trust_request_in_flight_at_a_crash_completes_after_restart(
    tmp_path: Path, topology: str, issuer: str
) -> None:
    state_dir = tmp_path / "state"
    port = free_port()
    args = ["--topology", topology, "--state-dir", str(state_dir), "--switches", "1"]
    args += ["--rate", "0", "--control-port", str(port), "--ssh-port-base", "0"]
    args += ["--nxapi-port-base", "0"]
    with (tmp_path / "lab.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-c", DIE_AFTER_TRUST_COMMIT, issuer, "lab", *args],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        with killed_by_sigkill(process):
            control = f"http://127.0.0.1:{port}"
            wait_for(lambda: _answers(f"{control}/sim/switches", process), "the lab to start", 60)
            (switch,) = httpx.get(f"{control}/sim/switches").json()
            token = httpx.post(f"{control}/sim/tokens", json={"issuer": issuer}).json()["token"]
            with pytest.raises(httpx.HTTPError):
                nxapi(switch["nxapi_port"], f"license smart trust idtoken {token} all")

    with BackgroundLab(options(state_dir, topology=topology)) as running:
        sim = running.lab.simulation
        switch = sim.switch("leaf1")
        held = sim.models[issuer].product_instance(switch.sudi)
        assert held is not None and held.trust is not None
        # The request went again on restart and got the trust code the issuer holds.
        assert switch.agent.trust is not None
        assert switch.agent.trust.trust_id == held.trust.trust_id
        port = running.endpoints.switches[0].nxapi_port
        # The same command again is answered alike; the trust code stays the one issued.
        nxapi_body(port, f"license smart trust idtoken {token} all")
        assert switch.agent.trust.trust_id == held.trust.trust_id
        failures = [r for r in switch.syslog if "TRUST_CODE_INSTALL_FAILED" in r.logfile_line()]
        assert not failures, failures
        # And it works: the next reports are taken with it.
        running.advance(timedelta(hours=3))
        assert sim.models[issuer].product_instance(switch.sudi) is not None
        assert not any("signature" in e.lower() for _, e in switch.agent.events)


def _answers(url: str, process: subprocess.Popen[bytes] | None = None) -> bool:
    if process is not None and process.poll() is not None:
        raise AssertionError(f"the lab exited with {process.returncode}")
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


# ---------------------------------------------------------------- a commit that fails


def test_a_failed_commit_stops_the_lab_with_503_and_a_restart_resumes(
    tmp_path: Path, no_background_saves: None
) -> None:
    running = BackgroundLab(options(tmp_path))
    running.start()
    try:
        control = control_url(running)
        port = running.endpoints.switches[0].nxapi_port
        nxapi_body(port, "hostname kept-1", kind="cli_conf")
        shown = httpx.get(f"{control}/sim/clock").json()["now"]
        lab = running.lab
        fill_the_disk(lab)

        refused = nxapi(port, "hostname lost-2", kind="cli_conf")
        assert refused.status_code == 503
        assert DISK_FULL in refused.json()["error"]
        assert "restart" in refused.json()["error"]
        # The lab stops by itself: time no longer moves, and the reason is an incident.
        running._thread.join(timeout=30)
        assert not running._thread.is_alive()
        assert lab.failure is not None
        assert lab.clock.rate == 0
        (incident,) = [i for i in lab.simulation.incidents if i.where == "state dir"]
        assert DISK_FULL in incident.summary
    finally:
        running.stop()

    with BackgroundLab(options(tmp_path)) as again:
        control = control_url(again)
        port = again.endpoints.switches[0].nxapi_port
        assert again.lab.simulation.switch("leaf1").hostname == "kept-1"
        assert httpx.get(f"{control}/sim/clock").json()["now"] == shown


def test_a_failed_back_end_commit_never_acknowledges(tmp_path: Path) -> None:
    with BackgroundLab(options(tmp_path)) as running:
        control = control_url(running)
        port = running.endpoints.switches[0].nxapi_port
        token = httpx.post(f"{control}/sim/tokens", json={}).json()["token"]
        lab = running.lab
        fill_the_disk(lab, only="cssm")
        refused = nxapi(port, f"license smart trust idtoken {token} all")
        assert refused.status_code == 503
        assert DISK_FULL in refused.json()["error"]
        wait_for(lambda: lab.failure is not None, "the lab to stop")
        # The switch never got the trust code CSSM could not commit.
        assert lab.simulation.switch("leaf1").agent.trust is None
    with BackgroundLab(options(tmp_path)) as again:
        sim = again.lab.simulation
        pi = sim.cssm.product_instance(sim.switch("leaf1").sudi)
        # What CSSM held is what the switch holds: the request went again, and succeeded.
        agent_trust = sim.switch("leaf1").agent.trust
        assert pi is not None and pi.trust is not None and agent_trust is not None
        assert agent_trust.trust_id == pi.trust.trust_id


def test_a_failed_commit_in_the_background_stops_the_lab(tmp_path: Path) -> None:
    # Time runs and the switch reports to CSLU on its own (an idle lab commits nothing).
    with BackgroundLab(options(tmp_path, rate=3600.0, topology="cslu")) as running:
        lab = running.lab
        fill_the_disk(lab)
        # No request at all: saving what those events changed finds the disk full.
        wait_for(lambda: lab.failure is not None, "the saver's commit to fail")
        running._thread.join(timeout=30)
        assert not running._thread.is_alive()


def test_slpsim_lab_exits_non_zero_with_one_line_when_a_commit_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], no_background_saves: None
) -> None:
    lab = Lab(options(tmp_path))
    answers: list[httpx.Response] = []

    def operator() -> None:
        wait_for(lambda: lab.started, "the lab to start", 60)
        fill_the_disk(lab)
        control = f"http://127.0.0.1:{lab.endpoints.control_port}"
        answers.append(httpx.post(f"{control}/sim/clock/advance", json={"seconds": 60}))

    thread = threading.Thread(target=operator)
    thread.start()
    with pytest.raises(SystemExit) as exited:
        serve_lab(lab, Console(file=io.StringIO()))
    thread.join(timeout=30)
    assert exited.value.code == 1
    assert answers[0].status_code == 503
    assert DISK_FULL in answers[0].json()["error"]
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert DISK_FULL in lines[0] and "restart resumes from" in lines[0]


# ---------------------------------------------------------------- files, clock, rate


def test_a_file_is_committed_before_put_answers(tmp_path: Path, no_background_saves: None) -> None:
    # No help from the once-a-second save: only the PUT itself may commit the file.
    with BackgroundLab(options(tmp_path)) as running:
        control = control_url(running)
        response = httpx.put(f"{control}/sim/files/usage.txt", content=b"<smartLicense/>")
        assert response.status_code == 201
        store = running.lab.store
        assert store is not None

        async def committed() -> dict[str, bytes]:
            assert store is not None
            return dict(loads(store.load("switches")["__workspace__"], {}))

        assert running.call(committed) == {"usage.txt": b"<smartLicense/>"}


def test_a_restart_never_resumes_earlier_than_the_clock_showed(tmp_path: Path) -> None:
    with BackgroundLab(options(tmp_path, rate=3600.0)) as running:
        control = control_url(running)
        time.sleep(0.5)
        shown = datetime.fromisoformat(httpx.get(f"{control}/sim/clock").json()["now"])
    with BackgroundLab(options(tmp_path, rate=0.0)) as again:
        resumed = datetime.fromisoformat(httpx.get(f"{control_url(again)}/sim/clock").json()["now"])
        assert resumed >= shown


def test_after_sigkill_a_restart_never_resumes_earlier_than_the_clock_showed(
    tmp_path: Path,
) -> None:
    state_dir = tmp_path / "state"
    port = free_port()
    args = ["lab", "--state-dir", str(state_dir), "--switches", "1", "--rate", "3600"]
    args += ["--control-port", str(port), "--ssh-port-base", "0", "--nxapi-port-base", "0"]
    with (tmp_path / "lab.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "sim.command_line", *args], stdout=log, stderr=subprocess.STDOUT
        )
        with killed_by_sigkill(process):
            control = f"http://127.0.0.1:{port}"
            wait_for(lambda: _answers(f"{control}/sim/clock", process), "the lab to start", 60)
            time.sleep(0.5)  # an hour a second: well past the last background save
            shown = datetime.fromisoformat(httpx.get(f"{control}/sim/clock").json()["now"])
            process.send_signal(signal.SIGKILL)
    with BackgroundLab(options(state_dir, rate=0.0)) as again:
        assert again.lab.now() >= shown


def test_a_restarted_lab_keeps_its_rate_unless_told_otherwise(tmp_path: Path) -> None:
    with BackgroundLab(options(tmp_path, rate=0.0)) as running:
        assert running.lab.clock.rate == 0
    with BackgroundLab(options(tmp_path, rate=None)) as running:
        assert running.lab.clock.rate == 0
        assert httpx.get(f"{control_url(running)}/sim/clock").json()["rate"] == 0
    with BackgroundLab(options(tmp_path, rate=5.0)) as running:
        assert running.lab.clock.rate == 5
    with BackgroundLab(options(tmp_path, rate=None)) as running:
        assert running.lab.clock.rate == 5
    with pytest.raises(ValueError, match="rate"):
        Lab(options(tmp_path / "other", rate=float("nan")))


# ---------------------------------------------------------------- start-up and tasks


def test_the_control_api_never_lists_a_port_it_has_not_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[httpx.Response] = []
    start_ssh_server = ssh_module.start_ssh_server
    lab_box: list[Lab] = []

    async def look_then_start(*args: Any, **kwargs: Any) -> Any:
        if not seen:
            # The lab is still starting: ask the control API what it would tell a client.
            url = f"http://127.0.0.1:{lab_box[0].endpoints.control_port}/sim/switches"
            seen.append(await asyncio.to_thread(httpx.get, url))
        return await start_ssh_server(*args, **kwargs)

    monkeypatch.setattr(ssh_module, "start_ssh_server", look_then_start)
    original_start = Lab.start

    async def start(self: Lab) -> Any:
        lab_box.append(self)
        return await original_start(self)

    monkeypatch.setattr(Lab, "start", start)
    with BackgroundLab(options(tmp_path)) as running:
        (early,) = seen
        if early.status_code == 200:
            assert all(s["ssh_port"] for s in early.json()), early.json()
        else:
            assert early.status_code == 503
            assert "starting" in early.json()["error"]
        switches = httpx.get(f"{control_url(running)}/sim/switches").json()
        assert all(s["ssh_port"] > 0 for s in switches)


def test_an_exception_in_the_pacer_is_an_incident_and_time_goes_on(tmp_path: Path) -> None:
    with BackgroundLab(options(tmp_path, rate=600.0)) as running:
        lab = running.lab
        scheduler = lab.simulation.scheduler
        run_until = scheduler.run_until
        failed = threading.Event()

        async def fail_once(when: datetime) -> None:
            if not failed.is_set():
                failed.set()
                raise RuntimeError("an event went wrong")
            await run_until(when)

        scheduler.run_until = fail_once  # type: ignore[method-assign]
        wait_for(failed.is_set, "the pacer to meet the failure")
        ran = threading.Event()

        async def schedule() -> None:
            scheduler.schedule(lab.now() + timedelta(seconds=30), ran.set)

        running.call(schedule)
        wait_for(ran.is_set, "an event after the failure")
        incidents = [i for i in lab.simulation.incidents if i.where == "lab pacer"]
        assert [i.summary for i in incidents] == ["RuntimeError: an event went wrong"]
        assert lab.failure is None


def test_the_state_dir_records_what_a_restart_needs_as_plain_settings(tmp_path: Path) -> None:
    with BackgroundLab(options(tmp_path, rate=2.5)):
        pass
    db = sqlite3.connect(tmp_path / "switches.sqlite")
    try:
        settings = dict(db.execute("SELECT key, value FROM meta").fetchall())
    finally:
        db.close()
    assert settings["rate"] == "2.5"
    assert settings["topology"] == "direct"
    assert json.loads(settings["switch_count"]) == 1


def test_ssh_says_the_lab_stopped_when_a_commit_fails(
    tmp_path: Path, no_background_saves: None
) -> None:
    import asyncssh

    with BackgroundLab(options(tmp_path)) as running:
        fill_the_disk(running.lab)
        port = running.endpoints.switches[0].ssh_port

        async def run() -> str:
            async with asyncssh.connect(
                "127.0.0.1", port, username="admin", password="admin", known_hosts=None
            ) as connection:
                result = await connection.run("configure terminal ; hostname lost-3")
                return str(result.stdout)

        output = asyncio.run(run())
        assert DISK_FULL in output and "the lab is stopping" in output, output
        assert any(line.startswith("% cannot save") for line in output.splitlines()), output


def test_a_lab_that_cannot_start_lets_its_ports_go_and_keeps_the_state_dir(
    tmp_path: Path,
) -> None:
    import socket

    with BackgroundLab(options(tmp_path)) as running:
        nxapi_body(running.endpoints.switches[0].nxapi_port, "hostname kept-4", kind="cli_conf")
    control_port = free_port()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        with pytest.raises(OSError):
            BackgroundLab(
                options(tmp_path, control_port=control_port, nxapi_port_base=busy)
            ).start()
    # The control port it had bound is free again.
    with socket.socket() as again:
        again.bind(("127.0.0.1", control_port))
    with BackgroundLab(options(tmp_path)) as running:
        assert running.lab.simulation.switch("leaf1").hostname == "kept-4"


def test_the_slpsim_lab_command_exits_1_when_a_commit_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_background_saves: None
) -> None:
    from typer.testing import CliRunner

    from sim.command_line import app
    from sim.lab.state_store import StateStore

    disk_full = threading.Event()
    save = StateStore.save

    def save_until_full(self: StateStore, db_name: str, items: Any, now: datetime) -> None:
        if disk_full.is_set():
            raise sqlite3.OperationalError(DISK_FULL)
        save(self, db_name, items, now)

    monkeypatch.setattr(StateStore, "save", save_until_full)
    port = free_port()
    control = f"http://127.0.0.1:{port}"
    answers: list[httpx.Response] = []

    def operator() -> None:
        wait_for(lambda: _answers(f"{control}/sim/clock"), "the lab to start", 60)
        disk_full.set()
        answers.append(httpx.post(f"{control}/sim/tokens", json={}))

    thread = threading.Thread(target=operator)
    thread.start()
    args = ["lab", "--state-dir", str(tmp_path), "--switches", "1", "--rate", "0"]
    args += ["--control-port", str(port), "--ssh-port-base", "0", "--nxapi-port-base", "0"]
    result = CliRunner().invoke(app, args)
    thread.join(timeout=30)
    assert result.exit_code == 1, result.output
    assert "restart resumes from" in result.output
    assert answers[0].status_code == 503
    assert DISK_FULL in answers[0].json()["error"]
