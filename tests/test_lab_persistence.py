"""A lab's state dir: stop and restart resumes where it was; SIGKILL in the middle of report
traffic loses and duplicates nothing, and what was not acknowledged is sent again."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

import httpx
import pytest
from wire_lab import killed_by_sigkill, lab_options, nxapi_output

from sim.agent.states import ReportState
from sim.lab.background import BackgroundLab
from sim.lab.lab import Lab, LabOptions
from sim.lab.state_store import StateError, StateStore

START = datetime.fromisoformat("2026-04-06T08:00:00+00:00")


def options(state_dir: Path, **changes: Any) -> LabOptions:
    return lab_options(state_dir, start=START, **changes)


nxapi = nxapi_output


def test_restart_resumes_clock_trust_reports_config_and_syslog(tmp_path: Path) -> None:
    with BackgroundLab(options(tmp_path)) as lab:
        control = f"http://127.0.0.1:{lab.endpoints.control_port}"
        token = httpx.post(f"{control}/sim/tokens", json={}).json()["token"]
        port = lab.endpoints.switches[0].nxapi_port
        nxapi(port, f"license smart trust idtoken {token} all")
        nxapi(port, "hostname edge-7 ; ip host cslu-local 192.168.0.1", kind="cli_conf")
        fault = httpx.post(f"{control}/sim/faults", json={"target": "ntp", "kind": "unreachable"})
        slow_acks = httpx.post(
            f"{control}/sim/faults", json={"target": "cssm", "kind": "ack-delay", "duration": "3h"}
        ).json()["id"]
        httpx.post(f"{control}/sim/clock/advance", json={"seconds": 2 * 3600})
        status_before = nxapi(port, "show license status")["body"]
        config_before = nxapi(port, "show running-config")["body"]
        syslog_before = httpx.get(f"{control}/sim/syslog").json()
        clock_before = httpx.get(f"{control}/sim/clock").json()["now"]
        sim = lab.lab.simulation
        reports_before = sim.cssm.reports_received(sim.switch("leaf1").sudi)
        assert reports_before, "the first push should have reached CSSM"

    # More switches asked for the second time: the state dir decides.
    with BackgroundLab(options(tmp_path, switches=5)) as lab:
        assert lab.lab.resumed
        control = f"http://127.0.0.1:{lab.endpoints.control_port}"
        assert httpx.get(f"{control}/sim/clock").json()["now"] == clock_before
        assert [s["name"] for s in httpx.get(f"{control}/sim/switches").json()] == [
            "leaf1",
            "leaf2",
        ]
        port = lab.endpoints.switches[0].nxapi_port
        assert nxapi(port, "show license status")["body"] == status_before
        assert nxapi(port, "show running-config")["body"] == config_before
        assert httpx.get(f"{control}/sim/syslog").json() == syslog_before
        faults = httpx.get(f"{control}/sim/faults").json()
        assert [f["id"] for f in faults] == [fault.json()["id"], slow_acks]
        sim = lab.lab.simulation
        # A fault cleared after the restart still puts back what it replaced.
        assert sim.cssm.ack_delay == timedelta(hours=3)
        httpx.delete(f"{control}/sim/faults/{slow_acks}")
        assert sim.cssm.ack_delay == timedelta(minutes=15)
        assert sim.cssm.reports_received(sim.switch("leaf1").sudi) == reports_before
        # The trust code still works against the restored CSSM: the next ACK arrives.
        nxapi(port, "license smart sync all")
        httpx.post(f"{control}/sim/clock/advance", json={"seconds": 20 * 60})
        assert last_ack(nxapi(port, "show license status")["body"]) != last_ack(status_before)
        assert not any("signature mismatch" in e for _, e in sim.switch("leaf1").agent.events)


def last_ack(status: str) -> str:
    return next(line for line in status.splitlines() if "Last ACK received:" in line)


def test_a_state_dir_from_elsewhere_is_refused_clearly(tmp_path: Path) -> None:
    (tmp_path / "cssm.sqlite").write_bytes(b"this is not a database, just some bytes " * 50)
    with pytest.raises(StateError, match=r"cssm\.sqlite: not a usable SQLite database"):
        StateStore(tmp_path)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def lab_process(
    state_dir: Path, topology: str, log: IO[bytes]
) -> tuple[subprocess.Popen[bytes], str]:
    """`slpsim lab` in a subprocess; returns it and its control URL once it answers."""
    control_port = free_port()
    command = [
        sys.executable,
        "-m",
        "sim.command_line",
        "lab",
        "--topology",
        topology,
        "--state-dir",
        str(state_dir),
        "--switches",
        "3",
        "--rate",
        "0",
        "--control-port",
        str(control_port),
        "--ssh-port-base",
        "0",
        "--nxapi-port-base",
        "0",
    ]
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env={**os.environ})
    control = f"http://127.0.0.1:{control_port}"
    for _ in range(600):
        if process.poll() is not None:
            raise AssertionError(f"the lab exited with {process.returncode}")
        try:
            if httpx.get(f"{control}/sim/switches").status_code == 200:
                return process, control
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    process.kill()
    raise AssertionError("the lab did not start")


# What a switch needs before it reports, per topology: a trust code from the back end it
# talks to (none through CSLU: it takes reports signed with the switch's own key).
TRUST_ISSUER = {"direct": "cssm", "cslu": None, "onprem": "onprem"}
KILLS = 4


@pytest.fixture(params=["direct", "cslu", "onprem"])
def crashed_lab(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A lab process busy reporting at full speed, killed with SIGKILL at a random moment,
    restarted and killed again; yields its state dir and topology."""
    topology: str = request.param
    rng = random.Random(f"{topology}-crash")
    log = (tmp_path / "lab.log").open("wb")
    state_dir = tmp_path / "state"
    try:
        for kill in range(KILLS):
            process, control = lab_process(state_dir, topology, log)
            with killed_by_sigkill(process):
                switches = httpx.get(f"{control}/sim/switches").json()
                issuer = TRUST_ISSUER[topology]
                for entry in switches if kill == 0 else []:
                    if issuer is not None:
                        token = httpx.post(f"{control}/sim/tokens", json={"issuer": issuer})
                        nxapi(
                            entry["nxapi_port"],
                            f"license smart trust idtoken {token.json()['token']} all",
                        )
                    nxapi(entry["nxapi_port"], "license smart usage interval 1", kind="cli_conf")
                # Report traffic: a day of pushes, polls and relay syncs per step, over HTTP.
                for _ in range(2):
                    httpx.post(f"{control}/sim/clock/advance", json={"seconds": 86400}, timeout=60)
                # Kill while a long jump is running: pushes, polls, syncs and saves under way.
                with pytest.raises(httpx.HTTPError):
                    httpx.post(
                        f"{control}/sim/clock/advance",
                        json={"seconds": 30 * 86400},
                        timeout=rng.uniform(0.05, 0.6),
                    )
                process.send_signal(signal.SIGKILL)
        yield state_dir, topology
    finally:
        log.close()


def reports_by_state(lab: Lab) -> dict[str, dict[ReportState, set[int]]]:
    return {
        name: {
            state: {r.report_id for r in switch.agent.reports if r.state is state}
            for state in ReportState
        }
        for name, switch in lab.simulation.switches.items()
    }


def test_sigkill_mid_traffic_loses_and_duplicates_nothing(crashed_lab: tuple[Path, str]) -> None:
    state_dir, topology = crashed_lab
    with BackgroundLab(options(state_dir, switches=3, topology=topology)) as running:
        lab = running.lab
        assert lab.resumed
        assert lab.simulation.topology == topology
        sim = lab.simulation
        # Nothing a switch holds as acknowledged is missing from CSSM.
        for name, states in reports_by_state(lab).items():
            received = set(sim.cssm.reports_received(sim.switch(name).sudi))
            assert states[ReportState.ACK] <= received, name
            assert states[ReportState.ACK], f"{name} had ACKs before the kill"
        # Unacknowledged reports go up again and are acknowledged; CSSM holds each once.
        running.advance(timedelta(days=2))
        for name, states in reports_by_state(lab).items():
            sudi = sim.switch(name).sudi
            received = sim.cssm.reports_received(sudi)
            # Only the last pushes may still wait for their ACK (through a relay, one more
            # synchronisation brings it back).
            unacknowledged = sorted(states[ReportState.CLOSED])
            newest = sorted(states[ReportState.CLOSED] | states[ReportState.ACK])[-2:]
            assert set(unacknowledged) <= set(newest), name
            assert states[ReportState.ACK] <= set(received), name
            # A switch keeps only its newest acknowledged reports (`rum_reports_kept`), CSSM
            # more: what CSSM holds from the oldest one the switch kept must be there.
            held = states[ReportState.ACK] | states[ReportState.CLOSED]
            kept_since = min(states[ReportState.ACK])
            assert {r for r in received if r >= kept_since} <= held, name
            assert sim.cssm.usage_of(sudi) == {"NXOS_ADVANTAGE_XF": 1}
