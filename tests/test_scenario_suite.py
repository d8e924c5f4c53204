"""`slpsim run` as a CI step: -k, -j, --validate, --fail-fast, JUnit errors, `slpsim list`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.clock import VirtualClock
from sim.command_line import app
from sim.scenario import runner
from sim.scenario.model import Scenario, load_scenario, parse_scenario
from sim.scenario.problems import ScenarioError
from sim.scenario.selection import Keywords, SelectionError, compile_expression
from sim.syslog import SyslogRecord

REPO = Path(__file__).resolve().parent.parent
cli = CliRunner()


class QuietSimulation:
    """A simulation where nothing is ever logged: `expect_syslog` fails, the rest passes."""

    def __init__(self, scenario: Scenario) -> None:
        self.clock = VirtualClock(scenario.start)

    async def boot(self) -> None:
        pass

    async def exec(self, switch: str, line: str) -> str:
        return ""

    async def config(self, switch: str, lines: list[str]) -> str:
        return ""

    async def advance(self, delta: timedelta) -> None:
        self.clock.advance(delta)

    def syslog(self, switch: str) -> list[SyslogRecord]:
        return []

    async def close(self) -> None:
        pass


@pytest.fixture(autouse=True)
def quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "simulation_factory", QuietSimulation)


def write(
    folder: Path, name: str, topology: str = "direct", *, fails: bool = False, **extra: str
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    body = [
        f"name: {name}",
        f"title: The {name} title",
        f'source: "Seed section of {name}"',
        f"topology: {topology}",
        *(f"{key}: {value}" for key, value in extra.items()),
        "steps:",
        "  - advance: 1h",
    ]
    if fails:
        body.append('  - expect_syslog: {text: "%LICMGR-3-*"}')
    path = folder / f"{name}.yaml"
    path.write_text("\n".join(body) + "\n")
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    folder = tmp_path / "suite"
    write(folder, "a-direct-trust", "direct", tags="[trust, smoke]")
    write(folder, "b-cslu-ack", "cslu", fails=True)
    write(folder, "c-onprem-ack", "onprem")
    (folder / "d-broken.yaml").write_text("name: d-broken\ntitle: x\n")
    return folder


def ran(output: str) -> list[str]:
    return [line.split()[1] for line in output.splitlines() if line[:4] in ("PASS", "FAIL")]


# ---------------------------------------------------------------------------- -k


@pytest.mark.parametrize(
    ("expression", "picked"),
    [
        ("direct", {"a-direct-trust"}),  # a substring of the name, and the topology
        ("ack", {"b-cslu-ack", "c-onprem-ack"}),
        ("smoke", {"a-direct-trust"}),  # a tag
        ("ACK and not cslu", {"c-onprem-ack"}),
        ("(cslu or onprem) and not c-", {"b-cslu-ack"}),
        ("not ack", {"a-direct-trust"}),
    ],
)
def test_k_picks_by_name_topology_and_tag(expression: str, picked: set[str]) -> None:
    scenarios = [
        Keywords("a-direct-trust", "direct", ["trust", "smoke"]),
        Keywords("b-cslu-ack", "cslu"),
        Keywords("c-onprem-ack", "onprem"),
    ]
    predicate = compile_expression(expression)
    assert {k.name for k in scenarios if predicate(k)} == picked


@pytest.mark.parametrize(
    "expression", ["", "and", "a and", "(a", "a)", "not", "a b", "(" * 60 + "a"]
)
def test_k_refuses_an_expression_that_does_not_parse(expression: str) -> None:
    with pytest.raises(SelectionError, match=r"^-k: "):
        compile_expression(expression)


def test_run_k_runs_only_what_it_picks_and_still_reports_broken_files(folder: Path) -> None:
    result = cli.invoke(app, ["run", str(folder), "-k", "onprem or trust"])
    assert ran(result.stdout) == ["a-direct-trust", "c-onprem-ack", "d-broken"]
    assert result.exit_code == 1  # d-broken


def test_run_k_that_picks_nothing_says_so(folder: Path) -> None:
    result = cli.invoke(app, ["run", str(folder / "a-direct-trust.yaml"), "-k", "nothing-like-it"])
    assert result.exit_code == 1
    assert "-k 'nothing-like-it' picks none of the 1 scenario files" in result.stderr


def test_run_k_with_a_bad_expression_is_a_usage_error(folder: Path) -> None:
    result = cli.invoke(app, ["run", str(folder), "-k", "cslu and"])
    assert result.exit_code == 2
    assert "slpsim: -k: the expression ends where a word was expected" in result.stderr


def test_tags_are_part_of_the_format_and_checked() -> None:
    base = "name: t\ntitle: t\nsource: s\ntopology: direct\nsteps: [{advance: 1h}]\n"
    assert parse_scenario(base + "tags: [trust, comm-failed]\n").tags == ["trust", "comm-failed"]
    with pytest.raises(ScenarioError, match=r"<scenario>:6: tags: expected tags such as"):
        parse_scenario(base + "tags: [two words]\n")
    with pytest.raises(ScenarioError, match="expected tags such as"):
        parse_scenario(base + "tags: [not]\n")


# ------------------------------------------------------------------ --fail-fast, --validate


def test_fail_fast_stops_at_the_first_failure(folder: Path) -> None:
    result = cli.invoke(app, ["run", str(folder), "--fail-fast"])
    assert result.exit_code == 1
    assert ran(result.stdout) == ["a-direct-trust", "b-cslu-ack"]
    assert "2 scenario(s) not run" in result.stdout


def test_validate_runs_nothing_and_reports_every_problem(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def never(scenario: Scenario) -> QuietSimulation:
        raise AssertionError("--validate must not run anything")

    monkeypatch.setattr(runner, "simulation_factory", never)
    (folder / "e-many.yaml").write_text(
        "name: wrong-name\ntitle: t\nsource: s\ntopology: direct\ncolour: red\nsteps:\n"
        "  - exec: license smart trust idtoken ${tok} all\n"
        "  - advance: soon\n"
        "  - exec: show clock\n    switch: nope\n"
    )
    result = cli.invoke(app, ["run", str(folder), "--validate"])
    assert result.exit_code == 1
    many = folder / "e-many.yaml"
    for problem in (
        f"{many}:1: name: expected the file's stem 'e-many', got 'wrong-name'",
        f"{many}:5: unknown key 'colour'",
        f"{many}:7: steps[0].exec: ${{tok}} is not set by an earlier step",
        f"{many}:8: steps[1].advance: expected a duration",
        f"{many}:10: steps[2].switch: expected a switch of this scenario (switch), got 'nope'",
        f"{folder / 'd-broken.yaml'}:1: missing required key 'source'",
    ):
        assert problem in result.stdout, problem
    assert "3 valid, 2 invalid" in result.stdout


def test_every_schema_problem_of_a_file_comes_at_once() -> None:
    text = (
        "name: other\ntitle: t\nsource: s\ntopology: direct\ntopology: cslu\nsteps:\n"
        "  - token: {save_as: tok, lifetime: never}\n"
        "  - exec: license smart trust idtoken ${tok} all\n"
        "  - exec: show ${nope}\n"
    )
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text, filename="x.yaml", expected_name="x")
    lines = str(caught.value).splitlines()
    assert lines == [
        "x.yaml:1: name: expected the file's stem 'x', got 'other'",
        "x.yaml:5: duplicate key 'topology' (first given at line 4)",
        "x.yaml:7: steps[0].token.lifetime: expected a duration such as 30s, 5m, 4h, 15d or "
        "1h30m, got 'never'",
        "x.yaml:9: steps[2].exec: ${nope} is not set by an earlier step "
        "(expected a token or backend step with save_as: nope)",
    ]  # ${tok} is set by the step with the bad lifetime: not reported


# ---------------------------------------------------------------------------- JUnit


def test_junit_errors_classnames_and_properties(folder: Path, tmp_path: Path) -> None:
    report = tmp_path / "deep" / "er" / "r.xml"
    result = cli.invoke(app, ["run", str(folder), "--junit", str(report)])
    assert result.exit_code == 1
    root = ET.parse(report).getroot()
    suite = root.find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("4", "1", "1")
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert cases["a-direct-trust"].get("classname") == "suite.direct"
    assert cases["b-cslu-ack"].get("classname") == "suite.cslu"
    assert cases["d-broken"].get("classname") == "suite"
    assert cases["b-cslu-ack"].find("failure") is not None
    broken = cases["d-broken"].find("error")
    assert broken is not None and broken.get("type") == "ScenarioError"
    assert cases["d-broken"].find("failure") is None
    properties = {p.get("name"): p.get("value") for p in cases["a-direct-trust"].iter("property")}
    assert properties == {
        "source": "Seed section of a-direct-trust",
        "topology": "direct",
        "tags": "trust smoke",
    }


def test_json_carries_source_tags_and_whether_the_file_loaded(folder: Path) -> None:
    result = cli.invoke(app, ["run", str(folder), "--json"])
    document = json.loads(result.stdout)
    by_name = {s["name"]: s for s in document["scenarios"]}
    assert by_name["a-direct-trust"]["tags"] == ["trust", "smoke"]
    assert by_name["a-direct-trust"]["source"] == "Seed section of a-direct-trust"
    assert by_name["d-broken"]["loaded"] is False and by_name["b-cslu-ack"]["loaded"] is True


# ---------------------------------------------------------------------------- -j


def test_jobs_give_the_same_results_in_the_same_order_as_serial(tmp_path: Path) -> None:
    """Real simulations in worker processes: the report equals the serial one."""
    picked = ["happy-path-direct", "wrong-smart-url", "trust-code-already-installed"]
    suite = tmp_path / "picked"
    suite.mkdir()
    for name in picked:
        (suite / f"{name}.yaml").write_bytes((REPO / "scenarios" / f"{name}.yaml").read_bytes())
    (suite / "zz-broken.yaml").write_text("name: zz-broken\n")

    def run(*extra: str) -> tuple[int, list[dict[str, object]]]:
        completed = subprocess.run(
            [sys.executable, "-m", "sim.command_line", "run", str(suite), "--json", *extra],
            capture_output=True,
            text=True,
            timeout=300,
            env={**os.environ, "COLUMNS": "200"},
            check=False,
        )
        scenarios = json.loads(completed.stdout)["scenarios"]
        for s in scenarios:
            # Real time differs, and so do ID tokens (random, as CSSM's are) in the transcript.
            s.pop("duration_seconds")
            s["transcript"] = [e["output"] for e in s["transcript"]]
        return completed.returncode, scenarios

    serial = run()
    parallel = run("-j", "3")
    assert parallel == serial
    assert [s["name"] for s in serial[1]] == [*sorted(picked), "zz-broken"]
    assert [s["passed"] for s in serial[1]] == [True, True, True, False]


def test_jobs_is_bounded(folder: Path) -> None:
    result = cli.invoke(app, ["run", str(folder), "-j", "0"])
    assert result.exit_code == 2


# ---------------------------------------------------------------------------- slpsim list


def test_list_never_cuts_a_name_at_80_columns() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "sim.command_line", "list", str(REPO / "scenarios")],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "80"},
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    lines = completed.stdout.splitlines()
    assert all(len(line) <= 80 for line in lines)
    names = {line.split()[0] for line in lines if line and not line.startswith(" ")}
    files = {p.stem for p in (REPO / "scenarios").glob("*.yaml")}
    assert files <= names
    for path in (REPO / "scenarios").glob("*.yaml"):
        title_words = load_scenario(path).title.split()
        assert title_words[-1] in completed.stdout  # titles wrap, they are not cut either
