"""`--narrate` tells the story of a shipped scenario without a wall of repeated lines."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from sim.command_line import app
from sim.scenario.runner import run_file

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
COMM_FAILED = "%LICMGR-3-LOG_SMART_LIC_COMM_FAILED"
STEPS = 64  # more Enters than the scenario has steps; extra ones are never read


def test_repeats_of_a_line_collapse_into_a_count_and_their_interval() -> None:
    lines: list[str] = []
    result = run_file(SCENARIOS / "cssm-unreachable-scheduled-push.yaml", narrate=lines.append)
    assert result.passed
    logged = [line for line in lines if COMM_FAILED in line and "📜" in line]
    # 49 failures in the four-hour retry window, then 4 at the 15-minute fallback: each run
    # is one line and its count, not 53 identical lines.
    assert len(logged) == 2, logged
    first = lines.index(logged[0])
    assert lines[first + 1] == "  📜 … 48 more, every 5m"
    assert lines[lines.index(logged[1]) + 1] == "  📜 … 3 more, every 15m"
    # Every expectation checked is shown with its result.
    assert any(line.startswith("[2026-02-04 14:00] ✔ expect_syslog") for line in lines)


def test_narrated_syslog_lines_are_coloured_by_severity() -> None:
    path = SCENARIOS / "cssm-unreachable-scheduled-push.yaml"
    said = CliRunner().invoke(app, ["run", "--narrate", str(path)], env={"FORCE_COLOR": "1"})
    assert said.exit_code == 0, said.output
    failed = [line for line in said.output.splitlines() if COMM_FAILED in line and "📜" in line]
    assert failed and all(line.startswith("\x1b[31m") for line in failed), failed
    informational = [line for line in said.output.splitlines() if "%LICMGR-6-" in line]
    assert informational and not any("\x1b[31m" in line for line in informational)


def test_step_waits_for_enter_before_each_step_at_a_terminal() -> None:
    path = SCENARIOS / "cssm-unreachable-scheduled-push.yaml"
    keyboard, terminal = pty.openpty()
    with subprocess.Popen(
        [sys.executable, "-m", "sim.command_line", "run", "--narrate", "--step", str(path)],
        stdin=terminal,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as running:
        os.close(terminal)
        assert running.stdout is not None
        try:
            told = ""
            while "topology:" not in told:
                told += running.stdout.readline()
            # Before any Enter the story stops ahead of the first step.
            assert running.poll() is None and "] " not in told
            for _ in range(STEPS):
                os.write(keyboard, b"\n")
            rest = running.stdout.read()
            assert running.wait(timeout=60) == 0
        finally:
            os.close(keyboard)
            if running.poll() is None:
                running.kill()
    assert "✔ expect_syslog" in rest and "… 48 more, every 5m" in rest
