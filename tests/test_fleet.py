"""`slpsim fleet` and `sim.fleet.run_fleet`: sharded fleets equal one process, the summary
agrees with the back ends, bad input is one line, Ctrl-C stops every shard."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim import simulation
from sim.command_line import app
from sim.fleet import (
    FAILED_SWITCHES_SHOWN,
    TOPOLOGIES,
    BackendTotals,
    FleetError,
    FleetSummary,
    LineWatcher,
    SwitchTotals,
    plan_fleet,
    run_fleet,
)

SLPSIM = Path(sys.executable).parent / "slpsim"


@pytest.fixture(scope="module")
def one_process() -> FleetSummary:
    return run_fleet(plan_fleet(switches=20, period=timedelta(days=70), processes=1))


@pytest.fixture(scope="module")
def two_processes() -> FleetSummary:
    return run_fleet(plan_fleet(switches=20, period=timedelta(days=70), processes=2))


def test_two_shards_give_each_switch_the_same_totals_as_one_process(
    one_process: FleetSummary, two_processes: FleetSummary
) -> None:
    assert two_processes.plan.processes == 2
    assert [s.name for s in two_processes.switches] == [f"leaf{n}" for n in range(1, 21)]
    assert two_processes.switches == one_process.switches
    assert two_processes.backends == one_process.backends
    assert two_processes.events == one_process.events
    # Pushes at 1 h, 30 d 1 h and 60 d 1 h, each acknowledged 15 minutes later.
    assert {(s.usage_reports, s.acks) for s in one_process.switches} == {(3, 3)}


def test_the_summary_counts_match_the_back_ends(two_processes: FleetSummary) -> None:
    cssm = two_processes.backends["cssm"]
    assert cssm.devices == 20
    assert cssm.acks == sum(s.acks for s in two_processes.switches) == 60
    # One license in use: each accepted push carries one RUM report.
    assert cssm.reports == sum(s.usage_reports for s in two_processes.switches)
    assert not two_processes.cancelled and two_processes.reached == timedelta(days=70)
    assert two_processes.peak_rss_mib > 0 and two_processes.exchanges > 0


def test_through_cslu_the_acks_are_what_cslu_handed_over() -> None:
    summary = run_fleet(
        plan_fleet(switches=6, period=timedelta(days=2), topology="cslu", processes=1)
    )
    assert set(summary.backends) == {"cssm", "cslu"}
    cslu = summary.backends["cslu"]
    assert cslu.devices == 6
    assert cslu.acks == sum(s.acks for s in summary.switches) == 6


def test_the_fleet_knows_every_topology_the_simulation_does() -> None:
    assert sorted(TOPOLOGIES) == sorted(simulation.TOPOLOGIES)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--switches", "0"], "a fleet has 1 to 100,000 switches, got 0"),
        (["--switches", "many"], "--switches is a whole number, got 'many'"),
        (["--period", "4000d"], "a fleet runs for more than 0 s and at most 3650 days, got 4000d"),
        (["--period", "0s"], "a fleet runs for more than 0 s and at most 3650 days, got 0s"),
        (["--period", "soon"], "--period: expected a duration such as 30s, 5m, 4h"),
        (["--topology", "mesh"], "unknown topology 'mesh'; expected one of direct, cslu"),
        (["--processes", "many"], "--processes is auto or a number, got 'many'"),
        (["--processes", "0"], "--processes is auto or 1 to 64, got 0"),
        (["--topology", "offline", "--processes", "2"], "topology offline keeps every switch"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, ["fleet", *args])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"slpsim: {message}"), result.stderr
    assert result.stdout == ""


def test_auto_runs_a_single_process_topology_in_one_process() -> None:
    plan = plan_fleet(switches=10, period=timedelta(days=1), topology="cslu-disconnected")
    assert plan.processes == 1
    assert plan_fleet(switches=3, period=timedelta(days=1), processes=8).processes == 3
    # Starting an interpreter costs more than a few switches save.
    assert plan_fleet(switches=100, period=timedelta(days=1)).processes == 1


def test_json_summary_shape() -> None:
    result = CliRunner().invoke(
        app, ["fleet", "--switches", "4", "--period", "2d", "--processes", "1", "--json"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["switches"] == 4 and summary["topology"] == "direct"
    assert summary["period_seconds"] == summary["reached_seconds"] == 2 * 86400
    assert summary["cancelled"] is False and summary["separate_backends"] is False
    assert summary["per_switch"]["acks"] == {"min": 1, "median": 1, "max": 1}
    assert summary["per_switch"]["usage_reports"] == {"min": 1, "median": 1, "max": 1}
    assert summary["totals"] == {"usage_reports": 4, "acks": 4, "failure_lines": 0}
    assert summary["failures"] == {"by_message": {}, "switches": 0, "shown": []}
    assert summary["backends"] == {"cssm": {"devices": 4, "reports": 4, "acks": 4}}
    assert summary["peak_rss_mib"] > 0 and summary["events"] > 0
    # Plain progress lines go to stderr, so stdout stays one JSON document.
    assert "fleet: 100% of 2d" in result.stderr


def test_progress_lines_name_each_shard_and_its_virtual_time() -> None:
    plan = plan_fleet(switches=4, period=timedelta(days=10), processes=2)
    lines: list[str] = []
    watcher = LineWatcher(plan, lines.append)
    start = datetime.fromisoformat("2026-01-05T09:00:00+00:00")
    watcher.reached(0, start)
    watcher.reached(0, start + timedelta(days=5))
    assert lines == []  # shard 2 has not said where it is yet
    watcher.reached(1, start)
    watcher.reached(1, start + timedelta(days=3))
    assert lines == ["fleet: 30% of 10d (shard 1 2026-01-10 09:00, shard 2 2026-01-08 09:00)"]


def test_a_stop_request_ends_the_run_early_with_what_was_done() -> None:
    stop = threading.Event()

    class StopAtOnce:
        def reached(self, shard: int, when: datetime) -> None:
            stop.set()

        def stopping(self) -> None:
            pass

    plan = plan_fleet(switches=4, period=timedelta(days=365), processes=1)
    summary = run_fleet(plan, watcher=StopAtOnce(), stop=stop)
    assert summary.cancelled
    assert summary.reached < timedelta(days=365)
    assert "cancelled at 2026-01-05 09:00 UTC, 0.0 of 365 days" in "\n".join(summary.lines())


def test_ctrl_c_stops_every_shard_and_prints_the_summary_so_far() -> None:
    process = subprocess.Popen(
        [str(SLPSIM), "fleet", "--switches", "400", "--period", "365d", "--processes", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "120"},
    )
    assert process.stderr is not None
    # A fleet that hung before its first progress line fails the test instead of blocking it.
    ready, _, _ = select.select([process.stderr], [], [], 120)
    if not ready:
        process.kill()
    assert ready, "no progress line within 120 s"
    first = process.stderr.readline()
    assert first.startswith("fleet: 10% of 365d"), first
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "stopping after the current slice" in stderr
    assert "Traceback" not in stderr
    assert "cancelled at 2026-" in stdout
    assert "fleet of 400 switches" in stdout


def test_failures_are_counted_by_message_and_the_list_is_capped() -> None:
    plan = plan_fleet(switches=30, period=timedelta(days=1), processes=1)
    failing = {"LOG_SMART_LIC_COMM_FAILED": 49}
    switches = [
        SwitchTotals(f"leaf{n}", 1, 1 if n > 25 else 0, failing if n <= 25 else {})
        for n in range(1, 31)
    ]
    summary = FleetSummary(
        plan=plan,
        start=simulation.DEFAULT_START,
        reached=timedelta(days=1),
        cancelled=False,
        switches=switches,
        backends={"cssm": BackendTotals(30, 30, 5)},
        real_seconds=1.0,
        setup_seconds=0.1,
        events=10,
        exchanges=10,
        incidents=0,
        peak_rss_mib=50.0,
    )
    text = "\n".join(summary.lines())
    assert "failures on 25 switches: LOG_SMART_LIC_COMM_FAILED 1,225" in text
    assert "leaf1 (49), leaf2 (49)" in text and "and 5 more" in text
    shown = summary.to_json()["failures"]
    assert shown["switches"] == 25 and len(shown["shown"]) == FAILED_SWITCHES_SHOWN
    assert summary.to_json()["per_switch"]["failure_lines"] == {"min": 0, "median": 49, "max": 49}


def test_plan_refuses_what_the_command_refuses() -> None:
    with pytest.raises(FleetError, match="1 to 100,000 switches"):
        plan_fleet(switches=100_001, period=timedelta(days=1))


def test_error_syslog_lines_are_counted_per_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    boot = simulation.Simulation.boot

    async def boot_with_cssm_down(self: simulation.Simulation) -> None:
        await boot(self)
        self.add_fault("cssm", "http-500", {})

    monkeypatch.setattr(simulation.Simulation, "boot", boot_with_cssm_down)
    summary = run_fleet(plan_fleet(switches=3, period=timedelta(hours=1), processes=1))
    # The trust request fails: COMM_FAILED and TRUST_CODE_INSTALL_FAILED, then nothing is
    # pushed without a trust code.
    expected = {"LOG_SMART_LIC_COMM_FAILED": 1, "LOG_SMART_LIC_TRUST_CODE_INSTALL_FAILED": 1}
    assert [s.failures for s in summary.switches] == [expected] * 3
    assert summary.failures == dict.fromkeys(expected, 3)
    assert summary.backends["cssm"].devices == 0


def test_relay_topologies_shard_without_changing_any_switch() -> None:
    # CSLU synchronises all its switches with CSSM at once; each shard's CSLU does so for
    # its own, and every switch still ends where it would in one process.
    one, two = (
        run_fleet(plan_fleet(switches=10, period=timedelta(days=40), topology="cslu", processes=n))
        for n in (1, 2)
    )
    assert two.switches == one.switches
    assert two.backends == one.backends
    assert {(s.usage_reports, s.acks) for s in two.switches} == {(2, 2)}
