"""Scenario files: what loads, and how each mistake is reported (file, line, expectation)."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sim.scenario.model import DEFAULT_START, Scenario, load_scenario, parse_scenario
from sim.scenario.problems import ScenarioError
from sim.scenario.steps import (
    STEP_KINDS,
    AdvanceStep,
    BackendStep,
    ClearStep,
    ConfigStep,
    ExecStep,
    ExpectNoSyslogStep,
    ExpectSyslogStep,
    FaultStep,
    TokenStep,
)
from sim.scenario.values import AT_LEAST_ONE, Count, Since
from sim.scenario.variables import UndefinedVariableError, substitute, substitute_all
from sim.timing import parse_signed_duration

VALID = """\
name: {name}
title: Trust code install fails when one is already installed
source: "Issue: Trust code installation failed"
narrative: |
  The switch already has a trust code.
topology: direct
start: 2026-02-01T10:00:00Z
timing: {{retry_every: 2m}}
switches:
  - {{name: leaf1, pid: N9K-C9336C-FX2, serial: FDO2434107N, licenses: {{NXOS_ADVANTAGE_XF: 1}}}}
  - name: leaf2
    hostname: leaf2-lab
steps:
  - config: |
      license smart transport smart
      license smart url smart https://smartreceiver.cisco.com/licservice/license
  - token: {{save_as: tok, virtual_account: Lab, lifetime: 7d, max_uses: 2}}
  - exec: license smart trust idtoken ${{tok}} all
    expect: {{contains: ok, not_contains: [Error], matches: "^o"}}
    switch: leaf2
    note: the first install
  - advance: 15m
  - fault: {{target: cssm, kind: unreachable}}
  - fault: {{target: leaf1, kind: clock-skew, offset: -2h}}
  - fault: {{target: cssm, kind: slow, seconds: 90}}
  - fault: {{target: cssm, kind: ack-delay, duration: 1h}}
  - clear: {{target: cssm, kind: unreachable}}
  - clear: all
  - expect_syslog:
      text: "%LICMGR-3-LOG_SMART_LIC_TRUST_CODE_INSTALL_FAILED: *"
      count: 1
      since: step
  - expect_syslog: {{text: "*COMM_FAILED*", count: {{min: 2, max: 5}}, since: -4h, switch: leaf2}}
  - expect_no_syslog: {{text: "%LICMGR-3-LOG_SMART_LIC_COMM_FAILED: *", since: start}}
  - backend: {{target: cssm, action: register, pid: N9K, serial: "${{tok}}", save_as: answer}}
"""


def write(tmp_path: Path, text: str, name: str = "sample") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def minimal(steps: str = "  - advance: 1h\n", extra: str = "", name: str = "sample") -> str:
    return (
        f"name: {name}\ntitle: A title\nsource: A seed section\ntopology: direct\n{extra}"
        f"steps:\n{steps}"
    )


def error_for(tmp_path: Path, text: str, name: str = "sample") -> ScenarioError:
    path = write(tmp_path, text, name)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    return caught.value


# ---------------------------------------------------------------------------- valid files


def test_a_valid_file_loads_with_every_step_kind(tmp_path: Path) -> None:
    path = write(tmp_path, VALID.format(name="valid"), "valid")
    scenario = load_scenario(path)

    assert scenario.name == "valid"
    assert scenario.file == str(path)
    assert scenario.start == datetime(2026, 2, 1, 10, 0, tzinfo=UTC)
    assert scenario.timing.retry_every == timedelta(minutes=2)
    assert scenario.timing.retry_window == timedelta(hours=4)  # untouched defaults stay
    assert scenario.switch_names == ["leaf1", "leaf2"]
    assert scenario.switches[1].hostname == "leaf2-lab"
    assert scenario.switches[1].licenses == {"NXOS_ADVANTAGE_XF": 1}
    assert [type(s) for s in scenario.steps] == [
        ConfigStep,
        TokenStep,
        ExecStep,
        AdvanceStep,
        FaultStep,
        FaultStep,
        FaultStep,
        FaultStep,
        ClearStep,
        ClearStep,
        ExpectSyslogStep,
        ExpectSyslogStep,
        ExpectNoSyslogStep,
        BackendStep,
    ]
    config, token, exec_, advance, unreachable, skew, slow, ack, clear, clear_all = scenario.steps[
        :10
    ]
    assert isinstance(config, ConfigStep) and config.lines == [
        "license smart transport smart",
        "license smart url smart https://smartreceiver.cisco.com/licservice/license",
    ]
    assert isinstance(token, TokenStep) and token.token.lifetime == timedelta(days=7)
    assert isinstance(exec_, ExecStep) and exec_.switch == "leaf2" and exec_.note
    assert exec_.expect is not None and exec_.expect.contains == ["ok"]
    assert isinstance(advance, AdvanceStep) and advance.advance == timedelta(minutes=15)
    assert isinstance(unreachable, FaultStep) and unreachable.fault.params() == {}
    assert isinstance(skew, FaultStep) and skew.fault.params() == {"offset": timedelta(hours=-2)}
    assert isinstance(slow, FaultStep) and slow.fault.params() == {"seconds": 90.0}
    assert isinstance(ack, FaultStep) and ack.fault.params() == {"duration": timedelta(hours=1)}
    assert isinstance(clear, ClearStep) and clear.clear is not None
    assert isinstance(clear_all, ClearStep) and clear_all.clear is None
    exact, window, never, backend = scenario.steps[10:]
    assert isinstance(exact, ExpectSyslogStep)
    assert exact.expect_syslog.count == Count(min=1, max=1)
    assert exact.expect_syslog.since == Since("step")
    assert isinstance(window, ExpectSyslogStep) and window.target_switch == "leaf2"
    assert window.expect_syslog.count == Count(min=2, max=5)
    assert window.expect_syslog.since == Since("window", timedelta(hours=4))
    assert isinstance(never, ExpectNoSyslogStep)
    assert never.expect_no_syslog.since == Since("start")
    assert isinstance(backend, BackendStep)
    assert backend.backend.params() == {"pid": "N9K", "serial": "${tok}"}
    # Lines of the steps, for failure messages.
    assert scenario.step_line(0) == 14
    assert scenario.step_line(2) == 18
    assert scenario.step_line(13) == 35


def test_defaults(tmp_path: Path) -> None:
    scenario = load_scenario(write(tmp_path, minimal()))
    assert scenario.start == DEFAULT_START
    assert [(s.name, s.pid, s.serial, s.licenses) for s in scenario.switches] == [
        ("switch", "N9K-C93180YC-FX", "FDO2434107N", {"NXOS_ADVANTAGE_XF": 1})
    ]
    assert scenario.narrative is None
    assert scenario.token_issuer == "cssm"


def test_expect_syslog_defaults_to_at_least_one_since_the_step(tmp_path: Path) -> None:
    scenario = load_scenario(write(tmp_path, minimal('  - expect_syslog: {text: "%X*"}\n')))
    step = scenario.steps[0]
    assert isinstance(step, ExpectSyslogStep)
    assert step.expect_syslog.count == AT_LEAST_ONE
    assert step.expect_syslog.since == Since("step")


def test_onprem_topologies_take_tokens_from_onprem(tmp_path: Path) -> None:
    text = minimal().replace("topology: direct", "topology: onprem-disconnected")
    assert load_scenario(write(tmp_path, text)).token_issuer == "onprem"


def test_a_naive_start_is_utc(tmp_path: Path) -> None:
    scenario = load_scenario(write(tmp_path, minimal(extra="start: 2026-03-01 08:00:00\n")))
    assert scenario.start == datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def test_every_step_kind_is_registered() -> None:
    assert set(STEP_KINDS) == {
        "config",
        "exec",
        "token",
        "advance",
        "fault",
        "clear",
        "expect_syslog",
        "expect_no_syslog",
        "backend",
        "rma",
    }


def test_scenarios_can_be_built_in_python() -> None:
    scenario = Scenario.model_validate(
        {
            "name": "py",
            "title": "t",
            "source": "s",
            "topology": "cslu",
            "steps": [{"advance": "4h"}, {"expect_no_syslog": {"text": "*"}}],
        }
    )
    assert scenario.file is None and scenario.step_line(0) is None


# ---------------------------------------------------------------------------- errors


def test_bad_duration_names_file_line_path_and_expectation(tmp_path: Path) -> None:
    steps = "  - advance: 1h\n  - advance: 2h\n  - exec: show clock\n  - advance: soon\n"
    error = error_for(tmp_path, minimal(steps))
    assert str(error).startswith(
        f"{tmp_path / 'sample.yaml'}:9: steps[3].advance: expected a duration such as 30s"
    )
    assert str(error).endswith("got 'soon'")
    assert error.line == 9


def test_unknown_top_level_key(tmp_path: Path) -> None:
    error = error_for(tmp_path, minimal(extra="topolgy: cslu\n"))
    assert ":5: unknown key 'topolgy'; expected one of: name, title" in str(error)


def test_unknown_key_in_a_step_lists_the_keys_it_takes(tmp_path: Path) -> None:
    error = error_for(tmp_path, minimal("  - exec: show clock\n    expct: {contains: x}\n"))
    assert ":7: steps[0]: unknown key 'expct' in this exec step" in str(error)
    assert "exec, note, switch, expect" in str(error)


def test_unknown_key_in_a_nested_mapping(tmp_path: Path) -> None:
    error = error_for(tmp_path, minimal('  - expect_syslog: {text: "%X", cont: 1}\n'))
    assert ":6: steps[0].expect_syslog: unknown key 'cont'" in str(error)
    assert "text, count, since, switch" in str(error)


def test_unknown_timing_name(tmp_path: Path) -> None:
    error = error_for(tmp_path, minimal(extra="timing:\n  retry_evry: 5m\n"))
    assert ":6: timing: unknown key 'retry_evry'; expected one of: usage_interval" in str(error)


def test_unknown_step_kind(tmp_path: Path) -> None:
    error = error_for(tmp_path, minimal("  - advance: 1h\n  - wait: 1h\n"))
    assert ":7: steps[1]: unknown step kind 'wait'; expected one of: config, exec" in str(error)


def test_a_step_with_two_kinds(tmp_path: Path) -> None:
    error = error_for(tmp_path, minimal("  - {exec: show clock, advance: 1h}\n"))
    assert "steps[0]: a step has exactly one kind; this one has 'exec' and 'advance'" in str(error)


def test_a_step_that_is_not_a_mapping(tmp_path: Path) -> None:
    error = error_for(tmp_path, minimal("  - advance 4h\n"))
    assert ":6: steps[0]: expected a step: a mapping with one of the keys" in str(error)


def test_missing_steps(tmp_path: Path) -> None:
    text = "name: sample\ntitle: t\nsource: s\ntopology: direct\n"
    error = error_for(tmp_path, text)
    assert str(error) == f"{tmp_path / 'sample.yaml'}:1: missing required key 'steps'"


def test_empty_steps(tmp_path: Path) -> None:
    error = error_for(tmp_path, minimal(steps="  []\n").replace("steps:\n  []", "steps: []"))
    assert ":5: steps: expected at least 1 item" in str(error)


def test_missing_key_in_a_step(tmp_path: Path) -> None:
    error = error_for(tmp_path, minimal("  - advance: 1h\n  - token: {issuer: cssm}\n"))
    assert ":7: steps[1].token: missing required key 'save_as'" in str(error)


def test_name_must_equal_the_file_stem(tmp_path: Path) -> None:
    error = error_for(tmp_path, minimal(name="other"), name="sample")
    assert ":1: name: expected the file's stem 'sample', got 'other'" in str(error)


def test_bad_topology(tmp_path: Path) -> None:
    error = error_for(tmp_path, minimal().replace("direct", "dirct"))
    assert ":4: topology: expected one of 'direct', 'cslu'" in str(error)


@pytest.mark.parametrize(
    ("count", "message"),
    [
        ("many", "expected a count such as 1 or {min: 1, max: 3}, got 'many'"),
        ("-1", "expected a count of 0 or more, got -1"),
        ("{min: 3, max: 1}", "expected min ≤ max, got min 3 and max 1"),
        ("{mn: 3}", "unknown key 'mn'; expected one of: min, max"),
        ("{}", "expected min, max or both"),
        ("true", "expected a count such as 1 or {min: 1, max: 3}, got True"),
    ],
)
def test_bad_count(tmp_path: Path, count: str, message: str) -> None:
    steps = f'  - expect_syslog:\n      text: "%X*"\n      count: {count}\n'
    error = error_for(tmp_path, minimal(steps))
    assert ":8: steps[0].expect_syslog" in str(error)
    assert message in str(error)


@pytest.mark.parametrize("since", ["4h", "yesterday", "-0s"])
def test_bad_since(tmp_path: Path, since: str) -> None:
    error = error_for(tmp_path, minimal(f'  - expect_syslog: {{text: "%X", since: {since}}}\n'))
    assert ":6: steps[0].expect_syslog.since: expected step, start or a look-back such as -4h" in (
        str(error)
    )


def test_a_glob_that_can_never_match(tmp_path: Path) -> None:
    error = error_for(tmp_path, minimal('  - expect_no_syslog: {text: "LICMGR-3-*"}\n'))
    assert "steps[0].expect_no_syslog.text: expected a glob over the line from `%` on" in str(error)


def test_duplicate_key(tmp_path: Path) -> None:
    error = error_for(tmp_path, minimal("  - exec: show clock\n    exec: show version\n"))
    assert str(error) == (
        f"{tmp_path / 'sample.yaml'}:7: duplicate key 'exec' (first given at line 6)"
    )


def test_duplicate_top_level_key(tmp_path: Path) -> None:
    error = error_for(tmp_path, minimal(extra="title: again\n"))
    assert ":5: duplicate key 'title' (first given at line 2)" in str(error)


def test_yaml_syntax_error(tmp_path: Path) -> None:
    error = error_for(tmp_path, minimal("  - exec: show clock\n   bad: [\n"))
    assert str(error).startswith(f"{tmp_path / 'sample.yaml'}:7: YAML syntax error: ")


def test_unterminated_quote(tmp_path: Path) -> None:
    error = error_for(tmp_path, 'name: sample\ntitle: "oops\n')
    assert ":3: YAML syntax error: found unexpected end of stream" in str(error)
    assert "at line 2" in str(error)


def test_an_impossible_date(tmp_path: Path) -> None:
    error = error_for(tmp_path, minimal(extra="start: 2026-13-45T00:00:00Z\n"))
    assert ":5: invalid date or time '2026-13-45T00:00:00Z'" in str(error)


def test_empty_file(tmp_path: Path) -> None:
    error = error_for(tmp_path, "")
    assert ":1: expected a scenario" in str(error)


def test_a_file_that_is_not_a_mapping(tmp_path: Path) -> None:
    error = error_for(tmp_path, "- a\n- b\n")
    assert ":1: expected a mapping, got a list" in str(error)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="cannot read the file"):
        load_scenario(tmp_path / "nope.yaml")


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ("{target: cssm, kind: unreachble}", "steps[0].fault.kind: expected one of 'unreachable'"),
        ("{target: cssm, kind: slow}", "steps[0].fault: fault kind slow needs seconds"),
        ("{target: cssm, kind: dns, seconds: 3}", "fault kind dns takes no seconds"),
        ("{target: leaf1, kind: clock-skew, offset: soon}", "steps[0].fault.offset: expected a"),
        ("{target: cslu2, kind: dns}", "steps[0].fault.target: expected a fault target"),
        ("{target: cssm, kind: clock-skew, offset: 1h}", "fault clock-skew has no effect on cssm"),
        ("{target: cssm, kind: down-rev}", "fault down-rev has no effect on cssm; cssm accepts"),
    ],
)
def test_bad_faults(tmp_path: Path, fault: str, message: str) -> None:
    text = minimal(f"  - fault: {fault}\n", extra="switches: [{name: leaf1}]\n")
    error = error_for(tmp_path, text)
    assert ":7: " in str(error)
    assert message in str(error)


def test_clear_takes_all_or_a_target(tmp_path: Path) -> None:
    error = error_for(tmp_path, minimal("  - clear: everything\n"))
    assert "steps[0].clear: expected `all` or a mapping {target: ..., kind: ...}" in str(error)


def test_unknown_switch(tmp_path: Path) -> None:
    text = minimal(
        '  - exec: show clock\n    switch: leaf9\n  - expect_syslog: {text: "%X", switch: leaf8}\n',
        extra="switches: [{name: leaf1}]\n",
    )
    error = error_for(tmp_path, text)
    assert ":8: steps[0].switch: expected a switch of this scenario (leaf1), got 'leaf9'" in str(
        error
    )
    assert ":9: steps[1].expect_syslog.switch: expected a switch" in str(error)


def test_duplicate_switch_names(tmp_path: Path) -> None:
    error = error_for(tmp_path, minimal(extra="switches:\n  - name: a\n  - name: a\n"))
    assert ":7: switches[1].name: duplicate switch name 'a'" in str(error)


def test_every_problem_is_reported_in_line_order(tmp_path: Path) -> None:
    text = minimal("  - advance: soon\n  - token: {}\n", extra="timing: {ack_delay: never}\n")
    error = error_for(tmp_path, text)
    assert [p.line for p in error.problems] == [5, 7, 8]


# ---------------------------------------------------------------------------- variables


def test_a_variable_used_before_it_is_saved(tmp_path: Path) -> None:
    steps = (
        "  - config: |\n"
        "      license smart transport smart\n"
        "      license smart trust ${tok}\n"
        "  - token: {save_as: tok}\n"
        "  - exec: license smart trust idtoken ${tok} all\n"
    )
    error = error_for(tmp_path, minimal(steps))
    assert len(error.problems) == 1
    assert ":8: steps[0].config: ${tok} is not set by an earlier step" in str(error)


def test_a_malformed_variable(tmp_path: Path) -> None:
    error = error_for(tmp_path, minimal("  - exec: show ${ tok }\n"))
    assert "steps[0].exec: expected a variable name in ${...}: ' tok '" in str(error)


def test_save_as_must_be_a_name(tmp_path: Path) -> None:
    error = error_for(tmp_path, minimal('  - token: {save_as: "my token"}\n'))
    assert "steps[0].token.save_as: expected a variable name" in str(error)


def test_substitution() -> None:
    variables = {"tok": "ABC", "va": "Lab"}
    assert substitute("trust idtoken ${tok} all", variables) == "trust idtoken ABC all"
    assert substitute("no variables $ here {x}", variables) == "no variables $ here {x}"
    assert substitute_all({"a": ["${va}", 3], "b": "${tok}"}, variables) == {
        "a": ["Lab", 3],
        "b": "ABC",
    }
    with pytest.raises(UndefinedVariableError, match=r"\$\{nope\}"):
        substitute("${nope}", variables)


# ---------------------------------------------------------------------------- values


def test_signed_durations() -> None:
    assert parse_signed_duration("-2h") == timedelta(hours=-2)
    assert parse_signed_duration(" -90s") == timedelta(seconds=-90)
    assert parse_signed_duration("3d") == timedelta(days=3)
    with pytest.raises(ValueError, match="expected a duration"):
        parse_signed_duration("-soon")


def test_counts() -> None:
    assert Count(min=1, max=1).describe() == "exactly 1 line"
    assert Count(min=2).describe() == "at least 2 lines"
    assert Count(max=3).describe() == "at most 3 lines"
    assert Count(min=1, max=3).describe() == "between 1 and 3 lines"
    assert Count(max=0).describe() == "no line"
    assert Count(min=1, max=3).accepts(2) and not Count(min=1, max=3).accepts(4)


def test_parse_scenario_from_text() -> None:
    scenario = parse_scenario(minimal(name="inline"), filename="inline.yaml")
    assert scenario.file == "inline.yaml"
    with pytest.raises(ScenarioError, match=r"^inline\.yaml:6: steps\[0\]\.advance"):
        parse_scenario(minimal("  - advance: x\n"), filename="inline.yaml")


def test_fault_kinds_agree_with_the_network() -> None:
    # The scenario schema names its fault kinds itself (for validation messages and JSON
    # Schema); they must be exactly those the simulated network can apply.
    from typing import get_args

    from sim.network import FAULT_KINDS
    from sim.scenario.steps import FaultKind

    assert set(get_args(FaultKind)) == set(FAULT_KINDS)


def test_switch_on_a_step_that_acts_on_no_switch(tmp_path: Path) -> None:
    error = error_for(tmp_path, minimal("  - advance: 1h\n    switch: switch\n"))
    assert ":7: steps[0]: 'switch' does not apply to an advance step" in str(error)
