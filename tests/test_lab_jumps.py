"""Clock jumps in a running lab: sliced so front ends answer meanwhile, with progress, cancel,
one jump at a time, the same end state as an uninterrupted jump, and `slpsim clock advance`
drawing progress and cancelling on Ctrl-C. Also: a rate set through the control API survives
a restart."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner
from wire_lab import lab_options, nxapi_output

from sim.clock import VirtualClock
from sim.command_line import app
from sim.lab.background import BackgroundLab
from sim.lab.jump import UNSLICED, SliceBudget
from sim.scheduler import Scheduler

START = datetime.fromisoformat("2026-03-02T08:00:00+00:00")
YEAR = 365 * 86400
# The longest jump the control API takes: with CSLU switches it runs for seconds, so a test
# always acts while it is still on its way.
DECADE = 3650 * 86400


def wait_until(condition: Callable[[], Any], what: str, seconds: float = 30) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def lab() -> Iterator[BackgroundLab]:
    # CSLU switches report and poll without a trust code: plenty of events in a jump (a decade
    # of eight of them lasts seconds, even with the back ends reached in-process).
    with BackgroundLab(lab_options(None, start=START, switches=8, topology="cslu")) as running:
        yield running


@pytest.fixture
def control(lab: BackgroundLab) -> Iterator[httpx.Client]:
    url = f"http://127.0.0.1:{lab.endpoints.control_port}"
    with httpx.Client(base_url=url, timeout=120) as client:
        yield client
        client.delete("/sim/clock/advance")  # leave no jump running for the next test


def start_jump(control: httpx.Client, seconds: float = DECADE) -> dict[str, Any]:
    started = control.post("/sim/clock/advance", json={"seconds": seconds, "wait": False})
    assert started.status_code == 202, started.text
    jump: dict[str, Any] = started.json()["jump"]
    assert jump is not None and jump["cancelled"] is False
    return jump


def running_jump(control: httpx.Client) -> dict[str, Any] | None:
    jump: dict[str, Any] | None = control.get("/sim/clock").json()["jump"]
    return jump


def test_nxapi_answers_while_a_long_jump_runs(lab: BackgroundLab, control: httpx.Client) -> None:
    jump = start_jump(control)
    wait_until(lambda: (running_jump(control) or {}).get("events"), "the jump to run events")
    shown = nxapi_output(lab.endpoints.switches[0].nxapi_port, "show clock")
    # The command came back while the jump was still on its way, showing a time within it.
    still = running_jump(control)
    assert still is not None and still["to"] == jump["to"]
    assert "UTC" in shown["body"]
    clock = datetime.fromisoformat(control.get("/sim/clock").json()["now"])
    assert datetime.fromisoformat(jump["from"]) <= clock < datetime.fromisoformat(jump["to"])


def test_progress_is_reported_and_grows(control: httpx.Client) -> None:
    jump = start_jump(control)
    seen = []
    while len(seen) < 4:
        now = running_jump(control)
        assert now is not None, "the jump ended before its progress was seen"
        if not seen or now["events"] > seen[-1]["events"]:
            seen.append(now)
        time.sleep(0.02)
    assert [s["from"] for s in seen] == [jump["from"]] * 4
    fractions = [s["fraction"] for s in seen]
    assert fractions == sorted(fractions) and fractions[-1] > 0
    assert all(0 <= f < 1 for f in fractions)
    times = [datetime.fromisoformat(s["now"]) for s in seen]
    assert times == sorted(times) and times[-1] > times[0]


def test_a_second_jump_is_refused_with_the_reason(control: httpx.Client) -> None:
    jump = start_jump(control)
    for wait in (True, False):
        refused = control.post("/sim/clock/advance", json={"seconds": 60, "wait": wait})
        assert refused.status_code == 409, refused.text
        assert jump["to"] in refused.json()["error"]
        assert "already running" in refused.json()["error"]


def test_cancel_stops_early_and_the_lab_jumps_again(
    lab: BackgroundLab, control: httpx.Client
) -> None:
    before = datetime.fromisoformat(control.get("/sim/clock").json()["now"])
    answers: list[httpx.Response] = []
    blocking = threading.Thread(
        target=lambda: answers.append(control.post("/sim/clock/advance", json={"seconds": DECADE}))
    )
    blocking.start()
    # Under way: the clock has moved (events due at the start alone would not move it).
    wait_until(lambda: (running_jump(control) or {}).get("fraction"), "the jump to move the clock")
    cancelled = control.delete("/sim/clock/advance")
    blocking.join(timeout=60)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["cancelled"] is True
    # The blocking request answers too: cancelled, at the time reached, short of the target.
    assert len(answers) == 1 and answers[0].status_code == 200, answers
    answered = answers[0].json()
    assert answered["cancelled"] is True and answered["now"] == cancelled.json()["now"]
    reached = datetime.fromisoformat(answered["now"])
    assert before < reached < before + timedelta(seconds=DECADE)
    assert running_jump(control) is None
    assert control.delete("/sim/clock/advance").status_code == 404
    # Consistent and usable: the next jump starts from where this one stopped.
    hour = control.post("/sim/clock/advance", json={"seconds": 3600})
    assert hour.status_code == 200 and hour.json()["cancelled"] is False
    assert datetime.fromisoformat(hour.json()["now"]) == reached + timedelta(hours=1)
    assert "leaf1" in nxapi_output(lab.endpoints.switches[0].nxapi_port, "show hostname")["body"]


def test_bad_jump_requests_are_4xx(control: httpx.Client) -> None:
    for body in ({"seconds": 5, "wait": "later"}, {"seconds": 5, "slices": 3}):
        refused = control.post("/sim/clock/advance", json=body)
        assert refused.status_code == 400, (body, refused.text)
        assert "error" in refused.json()


def year_in_a_lab(budget: SliceBudget) -> tuple[list[str], dict[str, str], int, int]:
    """Syslog, `show license all` per switch, events run and slices of a one-year jump."""
    options = lab_options(None, start=START, switches=3, topology="cslu")
    with BackgroundLab(options) as running:
        lab = running.lab
        lab.jump_budget = budget
        slices: list[int] = []

        async def jump() -> None:
            started = await lab.start_jump(timedelta(seconds=YEAR))
            await lab.finish(started)
            slices.append(started.slices)

        events_before = lab.simulation.scheduler.events_run
        running.call(jump)
        events = lab.simulation.scheduler.events_run - events_before
        url = f"http://127.0.0.1:{running.endpoints.control_port}"
        syslog = httpx.get(f"{url}/sim/syslog").json()
        shown = {
            entry.name: nxapi_output(entry.nxapi_port, "show license all")
            for entry in running.endpoints.switches
        }
    return syslog, shown, events, slices[0]


def test_a_sliced_year_ends_as_an_uninterrupted_one() -> None:
    whole = year_in_a_lab(UNSLICED)
    sliced = year_in_a_lab(SliceBudget(events=7, seconds=0.001))
    assert whole[3] == 1 and sliced[3] > 100  # it really was cut into many slices
    assert sliced[2] == whole[2] > 1000
    assert len(whole[0]) > 10
    assert sliced[0] == whole[0]
    assert sliced[1] == whole[1]


def test_clock_advance_shows_progress_and_ctrl_c_cancels(
    lab: BackgroundLab, control: httpx.Client
) -> None:
    url = f"http://127.0.0.1:{lab.endpoints.control_port}"
    before = datetime.fromisoformat(control.get("/sim/clock").json()["now"])
    # A terminal's view of the bar, though stderr is a pipe here.
    env = {**os.environ, "FORCE_COLOR": "1", "COLUMNS": "120"}
    command = [sys.executable, "-m", "sim.command_line", "clock", "--control", url]
    process = subprocess.Popen(
        [*command, "advance", "3650d"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    try:
        wait_until(
            lambda: (running_jump(control) or {}).get("fraction", 0) > 0, "the jump to progress"
        )
        time.sleep(0.5)  # a couple of polls drawn
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130, (out, err)
    assert "cancelled" in out and "Traceback" not in err, (out, err)
    stopped = datetime.fromisoformat(out.split()[0])
    assert before < stopped < before + timedelta(days=3650)
    assert running_jump(control) is None
    assert datetime.fromisoformat(control.get("/sim/clock").json()["now"]) == stopped
    assert "events" in err and "%" in err, err  # the bar was drawn


def test_clock_advance_prints_where_a_finished_jump_ended(control: httpx.Client) -> None:
    url = str(control.base_url)
    before = datetime.fromisoformat(control.get("/sim/clock").json()["now"])
    done = subprocess.run(
        [sys.executable, "-m", "sim.command_line", "clock", "--control", url, "advance", "2h"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done
    assert datetime.fromisoformat(done.stdout.split()[0]) == before + timedelta(hours=2)


def test_a_rate_set_through_the_control_api_survives_a_restart(tmp_path: Path) -> None:
    def options(rate: float | None) -> Any:
        return lab_options(tmp_path, start=START, switches=1, rate=rate)

    def clock(running: BackgroundLab, action: str = "", **body: Any) -> dict[str, Any]:
        url = f"http://127.0.0.1:{running.endpoints.control_port}/sim/clock"
        answer = httpx.post(f"{url}/{action}", json=body or None) if action else httpx.get(url)
        assert answer.status_code == 200, answer.text
        result: dict[str, Any] = answer.json()
        return result

    with BackgroundLab(options(0.0)) as running:
        assert clock(running, "rate", rate=600)["rate"] == 600
    with BackgroundLab(options(None)) as running:
        assert clock(running)["rate"] == 600
        assert clock(running, "pause")["rate"] == 0
    with BackgroundLab(options(None)) as running:
        assert clock(running)["rate"] == 0  # still paused
        assert clock(running, "resume")["rate"] == 600  # back to the rate before the pause
    with BackgroundLab(options(5.0)) as running:  # a rate given at restart wins
        assert clock(running)["rate"] == 5


def test_a_command_between_slices_runs_its_own_effects_not_the_jumps() -> None:
    asyncio.run(command_between_slices())


async def command_between_slices() -> None:
    clock = VirtualClock(START)
    scheduler = Scheduler(clock)
    ran: list[str] = []
    for name in ("jump-1", "jump-2", "jump-3"):
        scheduler.schedule(START, lambda name=name: ran.append(name))
    target = START + timedelta(hours=1)
    assert await scheduler.run_slice(target, max_events=1) is False
    # A command typed now: its effect runs at once, the jump's two due events wait.
    scheduler.call_soon(lambda: ran.append("command"))
    await scheduler.settle()
    assert ran == ["jump-1", "command"]
    assert await scheduler.run_slice(target, max_events=10) is True
    assert ran == ["jump-1", "command", "jump-2", "jump-3"] and clock.now() == target
    # A jump stopped for good leaves nothing held: what it left due runs at the next settle.
    scheduler.schedule(target, lambda: ran.append("left"))
    scheduler.schedule(target, lambda: ran.append("over"))
    assert await scheduler.run_slice(target, max_events=1) is False
    scheduler.end_run()
    await scheduler.settle()
    assert ran[-2:] == ["left", "over"]


def test_a_cancelled_jump_resumes_where_it_stopped_after_a_restart(tmp_path: Path) -> None:
    options = lab_options(tmp_path, start=START, switches=2, topology="cslu")
    with BackgroundLab(options) as running:
        url = f"http://127.0.0.1:{running.endpoints.control_port}"
        with httpx.Client(base_url=url, timeout=120) as control:
            start_jump(control)
            wait_until(lambda: (running_jump(control) or {}).get("events"), "the jump to run")
            stopped = control.delete("/sim/clock/advance").json()
            lines = control.get("/sim/syslog").json()
    assert stopped["cancelled"] is True
    with BackgroundLab(options) as again:
        url = f"http://127.0.0.1:{again.endpoints.control_port}"
        with httpx.Client(base_url=url, timeout=120) as control:
            assert control.get("/sim/clock").json()["now"] == stopped["now"]
            # What the jump logged is kept (the pacer may since have run what it left due).
            assert control.get("/sim/syslog").json()[: len(lines)] == lines
            moved = control.post("/sim/clock/advance", json={"seconds": 3600}).json()
    reached = datetime.fromisoformat(stopped["now"]) + timedelta(hours=1)
    assert datetime.fromisoformat(moved["now"]) == reached


def test_clock_shows_a_running_jump(control: httpx.Client) -> None:
    jump = start_jump(control)
    wait_until(lambda: (running_jump(control) or {}).get("events"), "the jump to run events")
    said = CliRunner().invoke(app, ["clock", "--control", str(control.base_url)])
    assert said.exit_code == 0, said.output
    assert f"jumping to {jump['to']}: " in said.output and " events)" in said.output
