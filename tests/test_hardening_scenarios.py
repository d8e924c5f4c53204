"""Scenario files, the Sandbox and the pytest plugin under hostile or careless input.

Every bad file is a ScenarioError naming file and line, found in bounded time; switches given
only by name never share a serial number; reports go where they are asked to.
"""

from __future__ import annotations

import textwrap
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from sim.command_line import app
from sim.sandbox import Sandbox
from sim.scenario import ScenarioError, load_scenario, parse_scenario, run_file
from sim.scenario.model import Scenario
from sim.scenario.node_tree import MAX_FILE_BYTES
from sim.simulation import SwitchSpec

pytest_plugins = ["pytester"]

T = TypeVar("T")
HEAD = "name: sample\ntitle: t\nsource: s\ntopology: direct\n"


def bounded(call: Callable[[], T], seconds: float = 20) -> T:
    """`call()` in a daemon thread; a hang becomes a failure instead of a frozen suite (and
    does not hold the test process open at exit either)."""
    outcome: list[T] = []
    failure: list[BaseException] = []

    def target() -> None:
        try:
            outcome.append(call())
        except BaseException as exc:  # handed to the caller below
            failure.append(exc)

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        pytest.fail(f"still running after {seconds} s")
    if failure:
        raise failure[0]
    return outcome[0]


def problem(text: str) -> ScenarioError:
    with pytest.raises(ScenarioError) as caught:
        bounded(lambda: parse_scenario(text, filename="bad.yaml"))
    return caught.value


# ---------------------------------------------------------------------- serial numbers

TRUST_BOTH = """\
name: sample
title: two switches trust
source: s
topology: direct
switches:
  - {name: leaf1}
  - {name: leaf2}
steps:
  - token: {save_as: tok}
  - exec: license smart trust idtoken ${tok} all
  - exec: license smart trust idtoken ${tok} all
    switch: leaf2
  - advance: 1m
  - expect_syslog:
      text: "%LICMGR-6-LOG_SMART_LIC_TRUST_CODE_INSTALL_SUCCESS: *"
      count: 1
      since: start
    switch: leaf2
  - expect_no_syslog:
      text: "%LICMGR-3-LOG_SMART_LIC_TRUST_CODE_INSTALL_FAILED: *"
      since: start
    switch: leaf2
"""


def test_switches_named_only_get_serials_of_their_own_and_both_trust(tmp_path: Path) -> None:
    # Before: both were FDO2434107N, and leaf2's trust failed as "already installed".
    path = tmp_path / "sample.yaml"
    path.write_text(TRUST_BOTH)
    scenario = load_scenario(path)
    assert [s.serial for s in scenario.switches] == ["FDO2434107N", "FDO2434108N"]
    result = run_file(path)
    assert result.passed, result.explain()


def test_derived_serials_step_around_the_ones_given() -> None:
    scenario = parse_scenario(
        HEAD
        + "switches:\n  - {name: a}\n  - {name: b, serial: FDO2434108N}\n  - {name: c}\n"
        + "steps:\n  - advance: 1s\n"
    )
    assert [s.serial for s in scenario.switches] == ["FDO2434107N", "FDO2434108N", "FDO2434109N"]


def test_two_switches_with_one_serial_is_an_error_at_the_second() -> None:
    error = problem(
        HEAD + "switches:\n  - {name: a, serial: FDO1}\n  - {name: b, serial: FDO1}\n"
        "steps:\n  - advance: 1s\n"
    )
    assert str(error).startswith("bad.yaml:7: switches[1].serial: serial number FDO1")


def test_sandbox_switches_named_only_get_serials_of_their_own() -> None:
    with Sandbox(switches=["leaf1", "leaf2"]) as lab:
        token = lab.token()
        lab.exec(f"license smart trust idtoken {token} all", "leaf1")
        lab.exec(f"license smart trust idtoken {token} all", "leaf2")
        lab.advance("1m")
        assert lab.syslog("leaf2", contains="TRUST_CODE_INSTALL_SUCCESS")
        assert not lab.syslog("leaf2", contains="TRUST_CODE_INSTALL_FAILED")
        assert "SN:FDO2434108N" in lab.exec("show license udi", "leaf2")


def test_sandbox_refuses_two_switches_with_one_serial() -> None:
    with pytest.raises(ValueError, match="same serial number FDO1"):
        Sandbox(switches=[SwitchSpec("a", serial="FDO1"), SwitchSpec("b", serial="FDO1")])


# ---------------------------------------------------------------------- --junit


def test_junit_into_a_missing_folder_creates_it(tmp_path: Path) -> None:
    report = tmp_path / "ci" / "reports" / "slpsim.xml"
    result = CliRunner().invoke(
        app, ["run", "scenarios/happy-path-direct.yaml", "--junit", str(report)]
    )
    assert result.exit_code == 0, result.output
    assert report.read_text().startswith("<?xml")


def test_an_unwritable_junit_file_is_one_line_before_the_run(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    result = CliRunner().invoke(
        app, ["run", "scenarios/happy-path-direct.yaml", "--junit", str(blocker / "r.xml")]
    )
    assert result.exit_code == 2
    assert "PASS" not in result.output  # refused before any scenario ran
    assert "Traceback" not in result.output
    assert "cannot write the JUnit report" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


# ---------------------------------------------------------------------- pytest marker


def test_a_marker_on_one_test_configures_slpsim_lab(pytester: pytest.Pytester) -> None:
    # Before: the module-scoped fixture only ever saw the module's marker.
    pytester.makepyfile(
        """
        import pytest

        pytestmark = pytest.mark.slpsim(switches=1)

        def test_module_lab(slpsim_lab):
            assert [s.name for s in slpsim_lab.endpoints.switches] == ["leaf1"]

        @pytest.mark.slpsim(switches=2)
        def test_own_lab(slpsim_lab):
            assert [s.name for s in slpsim_lab.endpoints.switches] == ["leaf1", "leaf2"]

        def test_module_lab_again(slpsim_lab):
            assert [s.name for s in slpsim_lab.endpoints.switches] == ["leaf1"]
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)


# ---------------------------------------------------------------------- hostile files

LAUGHS = "".join(
    f"x{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10) if i else ', '.join(['1'] * 10)}]\n"
    for i in range(9)
)

HOSTILE = {
    "a duration past datetime's range": ("steps:\n  - advance: 99999999999d\n", 6),
    "an infinite duration": ("steps:\n  - advance: .inf\n", 6),
    "a slow fault of 1e400 seconds": (
        "steps:\n  - fault: {target: cssm, kind: slow, seconds: 1e400}\n",
        6,
    ),
    "an ack delay of a billion days": (
        "steps:\n  - fault: {target: cssm, kind: ack-delay, duration: 999999999d}\n",
        6,
    ),
    "a clock skew of a billion days": (
        "steps:\n  - fault: {target: switch, kind: clock-skew, offset: -999999999d}\n",
        6,
    ),
    "a timer of a billion days": (
        "timing: {usage_interval: 999999999d}\nsteps:\n  - advance: 1d\n",
        5,
    ),
    "advances adding up past a century": ("steps:\n" + "  - advance: 36500d\n" * 2, 7),
    "a start in year 9999": ("start: 9999-12-31T00:00:00Z\nsteps:\n  - advance: 1d\n", 5),
    "a 5000-digit count": (
        "steps:\n  - expect_syslog: {text: '%X*', count: " + "9" * 5000 + "}\n",
        6,
    ),
    "a billion laughs": (LAUGHS + "steps: *a8\n", 9),  # where the count passes the bound
    "an alias inside itself": ("steps: &s [*s]\n", 5),
    "nesting 10000 deep": ("steps: " + "[" * 10000 + "]" * 10000 + "\n", 5),
    "a NUL character": ("steps:\n  - exec: a\x00b\n", 6),
    "a backtracking regex": (
        "steps:\n  - exec: show clock\n    expect: {matches: '(a)\\1'}\n",
        7,
    ),
    "a 10001-step scenario": ("steps:\n" + "  - advance: 1s\n" * 10001, 5),
    "a serial of 1000 characters": (
        "switches: [{name: a, serial: " + "S" * 1000 + "}]\nsteps:\n  - advance: 1s\n",
        5,
    ),
    "a slow fault of 5000 seconds": (
        "steps:\n  - fault: {target: cssm, kind: slow, seconds: 5000}\n",
        6,
    ),
    "an ack delay of eleven years": (
        "steps:\n  - fault: {target: cssm, kind: ack-delay, duration: 4100d}\n",
        6,
    ),
    "a fault with no effect on its target": (
        "steps:\n  - fault: {target: switch, kind: unreachable}\n",
        6,
    ),
    "a hostname with an escape": (
        'switches: [{name: a, hostname: "x\\e[2J"}]\nsteps:\n  - advance: 1s\n',
        5,
    ),
}


@pytest.mark.parametrize("body, line", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_scenarios_are_errors_with_file_and_line(body: str, line: int) -> None:
    error = problem(HEAD + body)
    assert error.file == "bad.yaml"
    assert error.line == line, str(error)
    assert len(str(error)) < 2000  # a clear message, not the input echoed back


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "sample.yaml"
    path.write_text(HEAD + "steps:\n  - advance: 1s\n" + "# padding\n" * (MAX_FILE_BYTES // 10))
    with pytest.raises(ScenarioError, match="larger than 1024 KiB"):
        load_scenario(path)


def test_a_pattern_that_backtracks_in_python_matches_in_linear_time(tmp_path: Path) -> None:
    # The caret line under a rejected command holds a long run of spaces; Python's re would
    # try 2**60 ways to split it between the groups.
    path = tmp_path / "sample.yaml"
    path.write_text(
        HEAD
        + "steps:\n  - exec: show clock"
        + " " * 60
        + "zz\n    expect: {matches: '^( +)+ +x$'}\n"
    )
    result = bounded(lambda: run_file(path))
    assert not result.passed
    assert result.failure is not None and "to match" in result.failure.message


# ---------------------------------------------------------------------- fuzz

VALID = HEAD + textwrap.dedent(
    """\
        switches:
          - {name: leaf1, pid: N9K-C9336C-FX2, serial: FDO2434107N}
        steps:
          - token: {save_as: tok}
          - exec: license smart trust idtoken ${tok} all
            expect: {contains: [x], matches: "^a.*$"}
          - advance: 15m
          - fault: {target: cssm, kind: slow, seconds: 5}
          - expect_syslog: {text: "%LICMGR-*", count: {min: 1, max: 3}, since: -4h}
        """
)

_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(
        ["1d", "-4h", "99999999999d", "1e400", "${tok}", "${", "%LICMGR-*", "all", "step", "&a"]
    ),
)
_KEYS = st.sampled_from(
    [
        "name",
        "title",
        "source",
        "topology",
        "start",
        "timing",
        "switches",
        "steps",
        "exec",
        "config",
        "advance",
        "fault",
        "clear",
        "token",
        "expect",
        "expect_syslog",
        "backend",
        "serial",
        "switch",
        "count",
        "since",
        "target",
        "kind",
        "save_as",
        "matches",
    ]
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=4),
    max_leaves=20,
)


def _loads_or_refuses(text: str) -> None:
    try:
        loaded = parse_scenario(text, filename="fuzz.yaml")
    except ScenarioError as error:
        assert error.file == "fuzz.yaml"
        assert str(error)
    else:
        assert isinstance(loaded, Scenario)


_FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_FUZZ
@given(document=st.dictionaries(_KEYS, _VALUES, max_size=8))
def test_fuzzed_documents_load_or_are_scenario_errors(document: dict[str, Any]) -> None:
    base: dict[str, Any] = {"name": "fuzz", "title": "t", "source": "s", "topology": "direct"}
    base.update(document)
    _loads_or_refuses(yaml.safe_dump(base, allow_unicode=True))


@_FUZZ
@given(
    cut=st.integers(min_value=0, max_value=len(VALID)),
    drop=st.integers(min_value=0, max_value=20),
    insert=st.text(max_size=30),
)
def test_mutated_files_load_or_are_scenario_errors(cut: int, drop: int, insert: str) -> None:
    _loads_or_refuses(VALID[:cut] + insert + VALID[cut + drop :])


@_FUZZ
@given(text=st.text(max_size=300))
def test_random_text_loads_or_is_a_scenario_error(text: str) -> None:
    _loads_or_refuses(text)


def test_unclosed_variables_are_scanned_in_linear_time() -> None:
    # 60,000 `${` without a `}`: a scan that restarts at each one takes minutes.
    text = HEAD + "steps:\n  - exec: show clock " + "${" * 60_000 + "\n"
    bounded(lambda: _loads_or_refuses(text), seconds=10)
