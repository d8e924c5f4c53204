"""During a clock jump a lab's switches reach its back ends in-process (sim/lab/inline_exchange.py):
the same year as over the lab's HTTP ports, no device message on the wire meanwhile, HTTP again
after the jump, and the back end's commit still made before its reply reaches the switch."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_hardening_durability import _answers, fill_the_disk, free_port, wait_for
from wire_lab import killed_by_sigkill, lab_options, nxapi_output, post_nxapi

from sim.lab.background import BackgroundLab
from sim.lab.lab import Lab
from sim.transport import BackendEndpoint

START = datetime.fromisoformat("2026-03-02T08:00:00+00:00")
YEAR = timedelta(days=365)


def count_wire_requests(lab: Lab) -> Callable[[], int]:
    """How many requests the switches have sent the back ends over HTTP from now on."""
    sent = [0]

    async def count(request: httpx.Request) -> None:
        sent[0] += 1

    for endpoint in lab.simulation.transport.endpoints.values():
        assert isinstance(endpoint, BackendEndpoint)  # between jumps: the wire
        endpoint.client.event_hooks["request"].append(count)
    return lambda: sent[0]


def trust_every_switch(running: BackgroundLab) -> None:
    control = f"http://127.0.0.1:{running.endpoints.control_port}"
    for entry in running.endpoints.switches:
        token = httpx.post(f"{control}/sim/tokens", json={}).json()["token"]
        nxapi_output(entry.nxapi_port, f"license smart trust idtoken {token} all")


def year_in_a_lab(topology: str, *, inline: bool) -> dict[str, Any]:
    options = lab_options(
        None, start=START, switches=2, topology=topology, jump_over_http=not inline
    )
    with BackgroundLab(options) as running:
        lab = running.lab
        if topology == "direct":
            trust_every_switch(running)
        wire_requests = count_wire_requests(lab)
        running.advance(YEAR)
        during = wire_requests()
        # After the jump, a command's message goes over HTTP again.
        leaf = running.endpoints.switches[0]
        nxapi_output(leaf.nxapi_port, "license smart sync all")
        after = wire_requests() - during
        sim = lab.simulation
        return {
            "wire_during_jump": during,
            "wire_after_jump": after,
            "syslog": [r.logfile_line() for s in sim.switches.values() for r in s.syslog],
            "shown": {
                entry.name: nxapi_output(entry.nxapi_port, "show license all")
                for entry in running.endpoints.switches
            },
            "cssm_reports": {
                name: sorted(sim.cssm.reports_received(switch.sudi))
                for name, switch in sim.switches.items()
            },
        }


@pytest.mark.parametrize("topology", ["direct", "cslu"])
def test_a_year_in_process_is_the_year_over_http(topology: str) -> None:
    inline = year_in_a_lab(topology, inline=True)
    wire = year_in_a_lab(topology, inline=False)
    assert wire["wire_during_jump"] > 20  # the year has plenty of exchanges
    assert inline["wire_during_jump"] == 0
    assert inline["wire_after_jump"] >= 1 and wire["wire_after_jump"] >= 1
    assert any(inline["cssm_reports"].values())
    for key in ("syslog", "shown", "cssm_reports"):
        assert inline[key] == wire[key], key


def test_a_back_end_that_cannot_commit_during_a_jump_never_acknowledges(tmp_path: Path) -> None:
    options = lab_options(tmp_path / "state", start=START, switches=1, topology="direct")
    with BackgroundLab(options) as running:
        lab = running.lab
        trust_every_switch(running)
        switch = lab.simulation.switch("leaf1")
        acked = switch.agent.last_ack
        fill_the_disk(lab, only="cssm")
        with pytest.raises(Exception, match="disk is full"):
            running.advance(timedelta(days=2))
        wait_for(lambda: lab.failure is not None, "the lab to stop")
        # CSSM could not keep the report, so the switch never got an ACK for it.
        assert switch.agent.last_ack == acked
        assert not any("ACK" in r.logfile_line() for r in switch.syslog[-3:])


# `slpsim lab`, killed with SIGKILL right after CSSM committed a usage report that reached it
# in-process during a jump, before the reply (and its ACK) reaches the switch.
DIE_AFTER_INLINE_COMMIT = """
import os, signal, sys
from sim.command_line import app
from sim.lab.lab import Lab

commit = Lab._commit_backend

def commit_then_die(self, name):
    commit(self, name)
    sim = self.simulation
    if name == "cssm" and sim.cssm.reports_received(sim.switch().sudi):
        os.kill(os.getpid(), signal.SIGKILL)

Lab._commit_backend = commit_then_die
app(sys.argv[1:], prog_name="slpsim")
"""


def test_a_report_committed_in_a_jump_survives_a_crash_before_its_reply(tmp_path: Path) -> None:
    state_dir = tmp_path / "state"
    port = free_port()
    args = ["--topology", "direct", "--state-dir", str(state_dir), "--switches", "1"]
    args += ["--rate", "0", "--control-port", str(port), "--ssh-port-base", "0"]
    args += ["--nxapi-port-base", "0"]
    control = f"http://127.0.0.1:{port}"
    with (tmp_path / "lab.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-c", DIE_AFTER_INLINE_COMMIT, "lab", *args],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        with killed_by_sigkill(process):
            wait_for(lambda: _answers(f"{control}/sim/switches", process), "the lab to start", 60)
            (switch,) = httpx.get(f"{control}/sim/switches").json()
            token = httpx.post(f"{control}/sim/tokens", json={}).json()["token"]
            # Over HTTP, between jumps: the trust code, and no report yet.
            post_nxapi(switch["nxapi_port"], f"license smart trust idtoken {token} all")
            with pytest.raises(httpx.HTTPError):
                httpx.post(f"{control}/sim/clock/advance", json={"seconds": 2 * 86400}, timeout=60)

    options = lab_options(state_dir, start=START, switches=1, topology="direct")
    with BackgroundLab(options) as running:
        sim = running.lab.simulation
        leaf = sim.switch("leaf1")
        held = sorted(sim.cssm.reports_received(leaf.sudi))
        assert held  # committed before the crash
        assert leaf.agent.last_ack is None  # the reply never reached the switch
        running.advance(timedelta(days=2))
        # The switch sent its report again; CSSM knew it, and the switch has its ACK.
        assert leaf.agent.last_ack is not None
        pi = sim.cssm.product_instance(leaf.sudi)
        assert pi is not None and pi.duplicates_received >= 1
        assert set(held) <= set(sim.cssm.reports_received(leaf.sudi))
