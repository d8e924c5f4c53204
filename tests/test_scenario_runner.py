"""The scenario runner, reports and `slpsim` CLI, against a small fake Simulation."""

from __future__ import annotations

import json
import textwrap
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from pathlib import Path
from typing import ClassVar

import pytest
from typer.testing import CliRunner

from sim.clock import VirtualClock
from sim.command_line import app
from sim.scenario import runner
from sim.scenario.model import Scenario, load_scenario
from sim.scenario.report import (
    junit_xml,
    print_result,
    result_line,
    results_to_json,
    write_junit,
)
from sim.scenario.result import Failure, ScenarioResult
from sim.scenario.runner import run_file, run_scenario
from sim.scenario.values import format_span
from sim.syslog import Message, SyslogRecord, make_record

COMM_FAILED = (Message.COMM_FAILED, "Cisco Smart Software Manager (CSSM)", "Couldn't connect")
TRUST_FAILED = (Message.TRUST_CODE_INSTALL_FAILED, "PID:N9K,SN:FDO1", "already installed")
TRUST_OK = (Message.TRUST_CODE_INSTALL_SUCCESS, "PID:N9K,SN:FDO1")
REPORTING = (Message.REPORTING_REQUIRED, 90)

Logged = tuple[object, ...]


class FakeSimulation:
    """Just enough simulation: scripted command outputs, and COMM_FAILED every 5 minutes
    while CSSM is unreachable."""

    # command -> (output, messages it logs)
    COMMANDS: ClassVar[dict[str, tuple[str, list[Logged]]]] = {
        "show clock": ("09:00:00.000 UTC Mon Jan 05 2026", []),
        "show license status": ("Smart Licensing Using Policy:\n  Status: ENABLED", []),
        "license smart trust idtoken GOOD all": ("", [TRUST_OK]),
        "license smart trust idtoken GOOD-2 all": ("", [TRUST_FAILED]),
        "boom": ("", []),
    }

    instances: ClassVar[list[FakeSimulation]] = []

    def __init__(self, scenario: Scenario) -> None:
        self.clock = VirtualClock(scenario.start)
        self.switch_names = scenario.switch_names
        self.logs: dict[str, list[SyslogRecord]] = {name: [] for name in self.switch_names}
        self.faults: list[tuple[str, str, dict[str, object]]] = []
        self.commands: list[tuple[str, str]] = []
        self.configs: list[tuple[str, list[str]]] = []
        self.tokens = 0
        self.closed = False
        FakeSimulation.instances.append(self)

    def log(self, switch: str, message: Message, *args: object) -> None:
        now = self.clock.now()
        self.logs[switch].append(make_record(now, switch, message, *args, sim_at=now))

    async def boot(self) -> None:
        for switch in self.switch_names:
            self.log(switch, *REPORTING)

    async def exec(self, switch: str, line: str) -> str:
        self.commands.append((switch, line))
        if line == "boom":
            raise RuntimeError("the fake blew up")
        if line not in self.COMMANDS:
            return f"{line}\n^\n% Invalid command at '^' marker."
        output, logged = self.COMMANDS[line]
        for message, *args in logged:
            self.log(switch, message, *args)  # type: ignore[arg-type]
        return output

    async def config(self, switch: str, lines: list[str]) -> str:
        self.configs.append((switch, lines))
        return "\n".join("% Invalid command at '^' marker." for ln in lines if "bogus" in ln)

    async def advance(self, delta: timedelta) -> None:
        end = self.clock.now() + delta
        step = timedelta(minutes=5)
        while self.clock.now() + step <= end:
            self.clock.advance(step)
            if ("cssm", "unreachable", {}) in self.faults:
                for switch in self.switch_names:
                    self.log(switch, *COMM_FAILED)
        self.clock.advance_to(end)

    def issue_token(
        self,
        issuer: str,
        *,
        virtual_account: str | None,
        smart_account: str | None,
        lifetime: timedelta | None,
        max_uses: int | None,
    ) -> str:
        self.tokens += 1
        return "GOOD" if self.tokens == 1 else f"GOOD-{self.tokens}"

    def add_fault(self, target: str, kind: str, params: dict[str, object]) -> int:
        if target == "onprem":
            raise ValueError("this topology has no onprem")
        self.faults.append((target, kind, params))
        return len(self.faults)

    def clear_fault(self, target: str, kind: str) -> None:
        self.faults = [f for f in self.faults if f[:2] != (target, kind)]

    def clear_all_faults(self) -> None:
        self.faults.clear()

    def backend_action(self, target: str, action: str, params: dict[str, object]) -> str | None:
        if action == "echo":
            return f"{target}:{params.get('text')}"
        if action == "nothing":
            return None
        raise ValueError(f"unknown action {action!r} for back end {target!r}")

    def syslog(self, switch: str) -> list[SyslogRecord]:
        return list(self.logs[switch])

    async def close(self) -> None:
        self.closed = True


@pytest.fixture(autouse=True)
def fake_simulation(monkeypatch: pytest.MonkeyPatch) -> list[FakeSimulation]:
    FakeSimulation.instances = []
    monkeypatch.setattr(runner, "simulation_factory", FakeSimulation)
    return FakeSimulation.instances


def scenario_file(tmp_path: Path, steps: str, name: str = "sample", extra: str = "") -> Path:
    path = tmp_path / f"{name}.yaml"
    text = (
        f"name: {name}\ntitle: The {name} title\nsource: 'Issue: seed section'\n"
        f"narrative: |\n  Once upon a time.\ntopology: direct\n{extra}steps:\n"
        + textwrap.indent(textwrap.dedent(steps), "  ")
    )
    path.write_text(text, encoding="utf-8")
    return path


def run(tmp_path: Path, steps: str, **kwargs: str) -> ScenarioResult:
    return run_file(scenario_file(tmp_path, steps, **kwargs))


def passing(tmp_path: Path, steps: str, **kwargs: str) -> ScenarioResult:
    """The result of the scenario of `steps`, which must pass."""
    result = run(tmp_path, steps, **kwargs)
    assert result.passed, result.explain()
    return result


def failure_of(tmp_path: Path, steps: str, **kwargs: str) -> Failure:
    """How the scenario of `steps` fails: it must."""
    result = run(tmp_path, steps, **kwargs)
    assert not result.passed and result.failure is not None
    return result.failure


# ---------------------------------------------------------------------------- expect_syslog


def test_exact_count_passes(tmp_path: Path) -> None:
    result = passing(
        tmp_path,
        """\
        - token: {save_as: tok}
        - exec: license smart trust idtoken ${tok} all
        - expect_syslog: {text: "%LICMGR-6-LOG_SMART_LIC_TRUST_CODE_INSTALL_SUCCESS: *", count: 1}
        """,
    )
    assert result.steps_run == 3


def test_exact_count_fails_on_too_many(tmp_path: Path) -> None:
    failure = failure_of(
        tmp_path,
        """\
        - fault: {target: cssm, kind: unreachable}
        - advance: 15m
        - expect_syslog: {text: "%LICMGR-3-LOG_SMART_LIC_COMM_FAILED: *", count: 2}
        """,
    )
    assert failure.step == 2 and failure.line == 10 and failure.kind == "expect_syslog"
    assert "expected exactly 2 lines matching '%LICMGR-3-LOG_SMART_LIC_COMM_FAILED: *'" in (
        failure.message
    )
    assert failure.message.endswith("found 3")
    assert failure.seen == "3 matching lines:"
    assert len(failure.seen_lines) == 3
    assert all("COMM_FAILED" in line for line in failure.seen_lines)


@pytest.mark.parametrize(
    ("count", "passes"),
    [
        ("{min: 3}", True),
        ("{min: 4}", False),
        ("{max: 3}", True),
        ("{max: 2}", False),
        ("{min: 2, max: 3}", True),
        ("{min: 4, max: 9}", False),
        ("0", False),
    ],
)
def test_count_ranges(tmp_path: Path, count: str, passes: bool) -> None:
    result = run(
        tmp_path,
        f"""\
        - fault: {{target: cssm, kind: unreachable}}
        - advance: 15m
        - expect_syslog: {{text: "*COMM_FAILED*", count: {count}}}
        """,
    )
    assert result.passed is passes, result.explain()


def test_since_step_looks_at_the_last_action_step_only(tmp_path: Path) -> None:
    passing(
        tmp_path,
        """\
        - fault: {target: cssm, kind: unreachable}
        - advance: 10m
        - clear: all
        - advance: 10m
        - expect_no_syslog: {text: "*COMM_FAILED*"}
        - expect_syslog: {text: "*COMM_FAILED*", since: start, count: 2}
        - expect_no_syslog: {text: "*COMM_FAILED*", since: step}
        """,
    )


def test_several_expectations_after_one_action_all_see_it(tmp_path: Path) -> None:
    passing(
        tmp_path,
        """\
        - fault: {target: cssm, kind: unreachable}
        - advance: 5m
        - expect_syslog: {text: "*COMM_FAILED*", count: 1}
        - expect_syslog: {text: "*COMM_FAILED*", count: 1}
        - expect_no_syslog: {text: "*REPORTING_REQUIRED*"}
        """,
    )


def test_since_step_before_any_action_means_since_the_start(tmp_path: Path) -> None:
    passing(tmp_path, '- expect_syslog: {text: "*REPORTING_REQUIRED*", count: 1}\n')


def test_since_start_counts_what_boot_logged(tmp_path: Path) -> None:
    passing(
        tmp_path,
        """\
        - advance: 1h
        - expect_syslog: {text: "%LICMGR-6-LOG_SMART_LIC_REPORTING_REQUIRED: *", since: start}
        - expect_no_syslog: {text: "%LICMGR-6-LOG_SMART_LIC_REPORTING_REQUIRED: *"}
        """,
    )


def test_since_a_look_back_window(tmp_path: Path) -> None:
    passing(
        tmp_path,
        """\
        - fault: {target: cssm, kind: unreachable}
        - advance: 30m
        - clear: all
        - advance: 4h
        - expect_no_syslog: {text: "*COMM_FAILED*", since: -239m}
        - expect_syslog: {text: "*COMM_FAILED*", since: -4h, count: 1}
        - expect_syslog: {text: "*COMM_FAILED*", since: -250m, count: 3}
        - expect_syslog: {text: "*COMM_FAILED*", since: -5h, count: 6}
        """,
    )


def test_expect_no_syslog_failure_shows_the_offending_lines(tmp_path: Path) -> None:
    failure = failure_of(
        tmp_path,
        """\
        - fault: {target: cssm, kind: unreachable}
        - advance: 10m
        - expect_no_syslog: {text: "%LICMGR-3-LOG_SMART_LIC_COMM_FAILED: *"}
        """,
    )
    assert failure.expected.startswith("no line matching '%LICMGR-3-LOG_SMART_LIC_COMM_FAILED: *'")
    assert failure.seen == "2 matching lines:"
    assert failure.seen_lines == (
        "2026 Jan  5 09:05:00 switch %LICMGR-3-LOG_SMART_LIC_COMM_FAILED: Communications failure"
        " with the Cisco Smart Software Manager (CSSM) : Couldn't connect",
        "2026 Jan  5 09:10:00 switch %LICMGR-3-LOG_SMART_LIC_COMM_FAILED: Communications failure"
        " with the Cisco Smart Software Manager (CSSM) : Couldn't connect",
    )


def test_too_few_shows_what_the_window_holds(tmp_path: Path) -> None:
    failure = failure_of(
        tmp_path,
        """\
        - fault: {target: cssm, kind: unreachable}
        - advance: 5m
        - expect_syslog: {text: "*TRUST_CODE*"}
        """,
    )
    assert "since the previous step (steps[1] advance at line 9)" in failure.expected
    assert failure.seen == "0 matching lines among the 1 logged in that window:"
    assert "COMM_FAILED" in failure.seen_lines[0]


def test_an_empty_window_shows_the_lines_before_it(tmp_path: Path) -> None:
    failure = failure_of(tmp_path, '- advance: 1h\n- expect_syslog: {text: "*COMM_FAILED*"}\n')
    assert failure.seen.startswith("nothing logged on switch since the previous step")
    assert "REPORTING_REQUIRED" in failure.seen_lines[-1]


def test_syslog_checks_on_another_switch(tmp_path: Path) -> None:
    switches = "switches: [{name: leaf1}, {name: leaf2}]\n"
    passing(
        tmp_path,
        """\
        - exec: license smart trust idtoken GOOD all
          switch: leaf2
        - expect_no_syslog: {text: "*TRUST_CODE*"}
        - expect_syslog: {text: "*TRUST_CODE*", switch: leaf2}
        - expect_syslog: {text: "*TRUST_CODE*"}
          switch: leaf2
        """,
        extra=switches,
    )


def test_a_log_that_dropped_its_oldest_records() -> None:
    at = datetime.fromisoformat("2026-01-05T09:00:00+00:00")
    records = [make_record(at, "s", Message.REPORTING_REQUIRED, n) for n in range(5)]
    assert runner._after(records, records[2]) == records[3:]
    assert runner._after(records[3:], records[2]) == records[3:]  # marker trimmed away
    assert runner._after(records, None) == records


# ---------------------------------------------------------------------------- commands


def test_exec_expectations(tmp_path: Path) -> None:
    result = passing(
        tmp_path,
        """\
        - exec: show license status
          expect:
            contains: [Smart Licensing Using Policy, "Status: ENABLED"]
            not_contains: DISABLED
            matches: "^  Status: (ENABLED|DISABLED)$"
        """,
    )
    assert result.transcript[0].command == "show license status"
    assert result.transcript[0].output.startswith("Smart Licensing Using Policy:")


@pytest.mark.parametrize(
    ("expect", "expected"),
    [
        ("{contains: [ENABLED, Transport]}", "the output to contain 'Transport'"),
        ("{not_contains: ENABLED}", "the output not to contain 'ENABLED'"),
        ("{matches: '^Status'}", "the output to match /^Status/"),
    ],
)
def test_exec_expectation_failures_show_the_output(
    tmp_path: Path, expect: str, expected: str
) -> None:
    failure = failure_of(tmp_path, f"- exec: show license status\n  expect: {expect}\n")
    assert failure.expected == expected
    assert failure.message == f"{tmp_path / 'sample.yaml'}:8: steps[0].exec: expected {expected}"
    assert failure.seen == "the output of `show license status` on switch:"
    assert failure.seen_lines == ("Smart Licensing Using Policy:", "  Status: ENABLED")


def test_a_rejected_command_fails_unless_the_step_expects_output(tmp_path: Path) -> None:
    result = run(tmp_path, "- exec: show licence status\n")
    assert result.failure is not None
    assert "NX-OS to accept the command" in result.failure.expected
    assert "% Invalid command at '^' marker." in result.failure.seen_lines
    provoked = run(
        tmp_path, "- exec: show licence status\n  expect: {contains: '% Invalid command'}\n"
    )
    assert provoked.passed, provoked.explain()


def test_config_lines_are_typed_and_checked(
    tmp_path: Path, fake_simulation: list[FakeSimulation]
) -> None:
    result = run(
        tmp_path,
        """\
        - token: {save_as: tok}
        - config: |
            license smart transport smart

            license smart url smart https://${tok}.example.com
        - config: |
            bogus command
        """,
    )
    assert fake_simulation[0].configs[0] == (
        "switch",
        ["license smart transport smart", "license smart url smart https://GOOD.example.com"],
    )
    assert result.failure is not None and result.failure.step == 2


def test_variables_flow_from_token_and_backend_steps(
    tmp_path: Path, fake_simulation: list[FakeSimulation]
) -> None:
    passing(
        tmp_path,
        """\
        - token: {save_as: tok}
        - backend: {target: cssm, action: echo, text: "${tok}", save_as: echoed}
        - exec: license smart trust idtoken ${tok} all
        - exec: show clock
          expect: {not_contains: "${echoed}"}
        """,
    )
    assert fake_simulation[0].commands[0] == ("switch", "license smart trust idtoken GOOD all")


def test_a_backend_action_that_returns_nothing_cannot_be_saved(tmp_path: Path) -> None:
    result = run(tmp_path, "- backend: {target: cssm, action: nothing, save_as: x}\n")
    assert result.failure is not None
    assert result.failure.message.endswith("; it returned nothing")


def test_backend_output_expectations(tmp_path: Path) -> None:
    passing(
        tmp_path,
        """\
        - token: {save_as: tok}
        - backend: {target: onprem, action: echo, text: "record not found for ${tok}"}
          expect: {contains: "record not found for ${tok}", not_contains: FDO, matches: "^onprem:"}
        """,
    )


def test_a_backend_output_that_misses_the_expectation_fails_with_it(tmp_path: Path) -> None:
    failure = failure_of(
        tmp_path,
        """\
        - backend: {target: onprem, action: echo, text: all good}
          expect: {contains: record not found.}
        """,
    )
    assert failure.kind == "backend"
    assert failure.expected == "the output to contain 'record not found.'"
    assert failure.seen == "the output of onprem echo:"
    assert failure.seen_lines == ("onprem:all good",)


def test_a_backend_that_returns_nothing_fails_a_contains_expectation(tmp_path: Path) -> None:
    result = run(tmp_path, "- backend: {target: cssm, action: nothing}\n  expect: {contains: x}\n")
    assert result.failure is not None and result.failure.seen == "no output"


def test_expect_inside_the_backend_mapping_is_refused_with_its_line(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"sample.yaml:8: .*expect: belongs beside backend:"):
        load_scenario(
            scenario_file(
                tmp_path, "- backend: {target: cssm, action: echo, expect: {contains: x}}\n"
            )
        )


def test_faults_reach_the_simulation_with_parsed_parameters(
    tmp_path: Path, fake_simulation: list[FakeSimulation]
) -> None:
    passing(
        tmp_path,
        """\
        - fault: {target: leaf1, kind: clock-skew, offset: -2h}
        - fault: {target: cssm, kind: slow, seconds: 30}
        - fault: {target: cssm, kind: ack-delay, duration: 1h}
        - clear: {target: cssm, kind: slow}
        """,
        extra="switches: [{name: leaf1}]\n",
    )
    assert fake_simulation[0].faults == [
        ("leaf1", "clock-skew", {"offset": timedelta(hours=-2)}),
        ("cssm", "ack-delay", {"duration": timedelta(hours=1)}),
    ]


# ---------------------------------------------------------------------------- failures


def test_the_first_failure_stops_the_scenario(
    tmp_path: Path, fake_simulation: list[FakeSimulation]
) -> None:
    result = run(
        tmp_path,
        """\
        - exec: show clock
        - expect_syslog: {text: "*TRUST_CODE*"}
        - exec: show license status
        """,
    )
    assert not result.passed
    assert result.steps_run == 2 and result.steps_total == 3
    assert [c for _, c in fake_simulation[0].commands] == ["show clock"]
    assert fake_simulation[0].closed
    assert result.syslog["switch"][0].message is Message.REPORTING_REQUIRED


def test_a_step_the_simulation_refuses_names_its_line(tmp_path: Path) -> None:
    failure = failure_of(tmp_path, "- advance: 1h\n- fault: {target: onprem, kind: dns}\n")
    assert failure.message == (
        f"{tmp_path / 'sample.yaml'}:9: steps[1].fault: expected the simulation to accept "
        "this step; it refused: this topology has no onprem"
    )
    assert failure.traceback is None


def test_a_simulation_crash_is_a_failure_with_a_traceback(tmp_path: Path) -> None:
    failure = failure_of(tmp_path, "- exec: boom\n")
    assert failure.message.endswith("it raised RuntimeError: the fake blew up")
    assert failure.traceback is not None and "RuntimeError" in failure.traceback


def test_a_simulation_that_cannot_be_built(tmp_path: Path) -> None:
    def broken(scenario: Scenario) -> FakeSimulation:
        raise ValueError("topology 'direct' is not available yet")

    result = run_file(scenario_file(tmp_path, "- advance: 1h\n"), factory=broken)
    assert result.failure is not None
    assert "expected the simulation to build; it refused: topology" in result.failure.message


def test_a_malformed_file_is_a_failed_result(tmp_path: Path) -> None:
    result = run(tmp_path, "- advance: soon\n")
    assert not result.passed and result.steps_run == 0
    assert result.failure is not None
    assert result.failure.message.startswith(f"{tmp_path / 'sample.yaml'}:8: steps[0].advance")
    assert result.failure.line == 8


def test_results_measure_real_and_simulated_time(tmp_path: Path) -> None:
    result = run(tmp_path, "- advance: 4h\n- advance: 15m\n")
    assert result.sim_span == timedelta(hours=4, minutes=15)
    assert result.duration >= 0
    assert format_span(result.sim_span) == "4h15m"


def test_run_scenario_accepts_a_factory(tmp_path: Path) -> None:
    import asyncio

    scenario = load_scenario(scenario_file(tmp_path, "- advance: 1m\n"))
    result = asyncio.run(run_scenario(scenario, factory=FakeSimulation))
    assert result.passed and result.name == "sample" and result.title == "The sample title"


# ---------------------------------------------------------------------------- narration


def test_narration_tells_the_story(tmp_path: Path) -> None:
    lines: list[str] = []
    path = scenario_file(
        tmp_path,
        """\
        - exec: show clock
          switch: leaf1
          note: What time is it?
        - fault: {target: cssm, kind: unreachable}
        - advance: 5m
        - expect_syslog: {text: "*COMM_FAILED*"}
        - expect_syslog: {text: "*TRUST*"}
        """,
        extra="switches: [{name: leaf1, hostname: leaf1-lab}]\n",
    )
    run_file(path, narrate=lines.append)
    assert lines[:3] == [
        "━━ The sample title  (sample)",
        "source:   Issue: seed section",
        "topology: direct; switches: leaf1 (N9K-C93180YC-FX FDO2434107N)",
    ]
    assert "Once upon a time." in lines
    story = "\n".join(lines)
    assert "  📜 2026 Jan  5 09:00:00 leaf1 %LICMGR-6-LOG_SMART_LIC_REPORTING_REQUIRED:" in story
    assert "💬 What time is it?\n[2026-01-05 09:00] leaf1-lab# show clock\n    09:00:00" in story
    assert "[2026-01-05 09:00] ⚡ fault cssm unreachable" in story
    assert "[2026-01-05 09:00] ⏩ advance 5m\n  📜 2026 Jan  5 09:05:00 leaf1 %LICMGR-3-" in story
    assert "[2026-01-05 09:05] ✔ expect_syslog '*COMM_FAILED*'" in story
    assert "[2026-01-05 09:05] ✘ expect_syslog '*TRUST*'" in story


def test_narration_of_config_faults_tokens_and_backends(tmp_path: Path) -> None:
    lines: list[str] = []
    path = scenario_file(
        tmp_path,
        """\
        - config: |
            license smart transport smart
        - token: {save_as: tok}
        - fault: {target: switch, kind: clock-skew, offset: -2h}
        - clear: all
        - backend: {target: cssm, action: echo, text: hi}
        """,
    )
    run_file(path, narrate=lines.append)
    story = "\n".join(lines)
    assert "[2026-01-05 09:00] switch# configure terminal\n" in story
    assert "switch(config)# license smart transport smart" in story
    assert "🔑 ID token from cssm\n    ${tok} = GOOD" in story
    assert "⚡ fault switch clock-skew offset=-2h" in story
    assert "🔧 clear all faults" in story
    assert "🏢 cssm: echo text=hi\n    → cssm:hi" in story


# ---------------------------------------------------------------------------- reports


def two_results(tmp_path: Path) -> list[ScenarioResult]:
    good = run_file(scenario_file(tmp_path, "- advance: 4h15m\n", name="good"))
    bad = run_file(
        scenario_file(tmp_path, '- advance: 1h\n- expect_syslog: {text: "*X*"}\n', name="bad")
    )
    return [good, bad]


def test_junit_xml(tmp_path: Path) -> None:
    results = two_results(tmp_path)
    results.append(run_file(scenario_file(tmp_path, "- advance: nope\n", name="broken")))
    target = tmp_path / "out.xml"
    write_junit(results, target)

    root = ET.parse(target).getroot()
    suite = root.find("testsuite")
    assert suite is not None and suite.get("name") == "slpsim"
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("3", "1", "1")
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == ["good", "bad", "broken"]
    assert cases[0].find("failure") is None
    bad_failure = cases[1].find("failure")
    assert bad_failure is not None and bad_failure.get("type") == "ExpectationFailed"
    assert (bad_failure.get("message") or "").startswith(f"{tmp_path / 'bad.yaml'}:9:")
    assert "seen:" in (bad_failure.text or "")
    broken = cases[2].find("error")  # a file that does not load is an error, not a failure
    assert broken is not None and broken.get("type") == "ScenarioError"
    assert "broken.yaml:8: steps[0].advance" in (broken.get("message") or "")
    out = cases[0].find("system-out")
    assert out is not None and "REPORTING_REQUIRED" in (out.text or "")


def test_junit_drops_characters_xml_cannot_carry() -> None:
    result = ScenarioResult("x", "t", None, True, 0.0, timedelta(0), 0, 0)
    at = datetime.fromisoformat("2026-01-05T09:00:00+00:00")
    result.transcript.append(runner.TranscriptEntry(0, at, "s", "c", "\x1b[0m"))
    text = ET.tostring(junit_xml([result]).getroot(), encoding="unicode")
    assert "\x1b" not in text
    ET.fromstring(text)


def test_json_document(tmp_path: Path) -> None:
    document = json.loads(results_to_json(two_results(tmp_path)))
    assert document["passed"] is False and document["total"] == 2 and document["failed"] == 1
    good, bad = document["scenarios"]
    assert good["sim_span"] == "4h15m" and good["failure"] is None
    assert bad["failure"]["line"] == 9 and bad["failure"]["kind"] == "expect_syslog"
    assert bad["syslog"]["switch"][0].startswith("2026 Jan  5 09:00:00 switch %LICMGR-6-")


def test_console_lines(tmp_path: Path) -> None:
    from rich.console import Console

    good, bad = two_results(tmp_path)
    assert result_line(good).plain.startswith("PASS  good  (The good title)  ")
    assert result_line(good).plain.endswith("s  sim 4h15m")
    console = Console(record=True, width=100, file=open(tmp_path / "c.txt", "w"))  # noqa: SIM115
    print_result(console, bad)
    console.file.close()
    text = console.export_text()
    assert text.startswith("FAIL  bad  (The bad title)")
    assert f"      {tmp_path / 'bad.yaml'}:9: steps[1].expect_syslog\n" in text
    assert "        expected: at least 1 line matching '*X*' on switch since" in text


# ---------------------------------------------------------------------------- the CLI

cli = CliRunner()


def suite(tmp_path: Path, *, failing: bool = False, malformed: bool = False) -> Path:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    scenario_file(folder, "- advance: 1h\n", name="a-passes")
    if failing:
        scenario_file(folder, '- expect_syslog: {text: "*NEVER*"}\n', name="b-fails")
    if malformed:
        scenario_file(folder, "- advance: later\n", name="c-malformed")
    (folder / "notes.txt").write_text("not a scenario")
    return folder


def test_cli_run_passes(tmp_path: Path) -> None:
    result = cli.invoke(app, ["run", str(suite(tmp_path))])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("PASS  a-passes  (The a-passes title)")
    assert "1 passed in" in result.stdout


def test_cli_run_defaults_to_the_scenarios_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    suite(tmp_path, failing=True)
    monkeypatch.chdir(tmp_path)
    result = cli.invoke(app, ["run"])
    assert result.exit_code == 1
    assert "PASS  a-passes" in result.stdout and "FAIL  b-fails" in result.stdout
    assert "1 passed, 1 failed" in result.stdout


def test_cli_run_reports_a_malformed_file_without_a_traceback(tmp_path: Path) -> None:
    folder = suite(tmp_path, malformed=True)
    junit = tmp_path / "report.xml"
    result = cli.invoke(app, ["run", str(folder), "--junit", str(junit)])
    assert result.exit_code == 1
    assert "FAIL  c-malformed  (invalid scenario file)" in result.stdout
    assert f"{folder / 'c-malformed.yaml'}:8: steps[0].advance: expected a duration" in (
        result.stdout
    )
    assert "Traceback" not in result.output
    cases = {c.get("name"): c for c in ET.parse(junit).getroot().iter("testcase")}
    assert cases["c-malformed"].find("error") is not None
    assert cases["a-passes"].find("failure") is None


def test_cli_run_json(tmp_path: Path) -> None:
    result = cli.invoke(app, ["run", str(suite(tmp_path, failing=True)), "--json"])
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert [s["name"] for s in document["scenarios"]] == ["a-passes", "b-fails"]


def test_cli_run_narrate(tmp_path: Path) -> None:
    path = suite(tmp_path) / "a-passes.yaml"
    result = cli.invoke(app, ["run", str(path), "--narrate"])
    assert result.exit_code == 0
    assert "━━ The a-passes title  (a-passes)" in result.stdout
    assert "⏩ advance 1h" in result.stdout


def test_cli_run_missing_path(tmp_path: Path) -> None:
    result = cli.invoke(app, ["run", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert "no such file or folder" in result.stderr


def test_cli_run_empty_folder(tmp_path: Path) -> None:
    result = cli.invoke(app, ["run", str(tmp_path)])
    assert result.exit_code == 1
    assert "no scenario files" in result.stderr


def test_cli_list(tmp_path: Path) -> None:
    result = cli.invoke(app, ["list", str(suite(tmp_path, malformed=True))])
    assert result.exit_code == 1
    assert "a-passes" in result.stdout and "The a-passes title" in result.stdout
    assert "c-malformed" in result.stdout and "c-malformed.yaml:8" in result.stdout


def test_cli_timing() -> None:
    result = cli.invoke(app, ["timing"])
    assert result.exit_code == 0
    assert "retry_window" in result.stdout and "4h" in result.stdout
    assert "assumption" in result.stdout and "seed" in result.stdout


# ---------------------------------------------------------------------------- the real thing


def test_the_default_factory_builds_the_real_simulation(tmp_path: Path) -> None:
    pytest.importorskip("sim.simulation")
    path = scenario_file(
        tmp_path,
        """\
        - advance: 1m
        - exec: show clock
        - expect_no_syslog: {text: "%LICMGR-3-*", since: start}
        """,
        extra="switches: [{name: leaf1, serial: FDO0000001A}]\n",
    )
    result = run_file(path, factory=runner.build_simulation)
    assert result.passed, result.explain()
    assert result.transcript[0].switch == "leaf1"
