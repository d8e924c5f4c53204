"""Every command the README and scenarios/README.md show, run as shown; and the README's
benchmark figures, checked against what the benchmark scripts print.

How each command is checked:
- `slpsim` commands that need no lab run in a folder holding a copy of `scenarios/`;
- `slpsim` commands that talk to a lab run against a lab this test starts (on free ports,
  named to them through `$SLPSIM_CONTROL`);
- `ssh admin@127.0.0.1 -p 2201` is interactive: checked by the lab's SSH port answering
  with an SSH banner;
- `make lab` serves until Ctrl-C and `make test` is the whole suite: checked with `make -n`.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from sim.lab.background import BackgroundLab
from sim.lab.lab import LabOptions

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
LAB_COMMANDS = ("clock", "fault", "token", "switches", "syslog", "action", "file", "incidents")


def sh_blocks(document: Path) -> list[str]:
    """Every command line of the document's ```sh blocks, comments stripped."""
    text = document.read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", text, flags=re.DOTALL):
        for line in block.splitlines():
            words = shlex.split(line, comments=True)
            if words:
                commands.append(shlex.join(words))
    return commands


README = sh_blocks(REPO / "README.md")
SCENARIOS_README = sh_blocks(REPO / "scenarios" / "README.md")


def argv(command: str) -> list[str]:
    words = shlex.split(command)
    program = words[0].removeprefix(".venv/bin/")
    return [str(BIN / program), *words[1:]]


def is_lab_command(command: str) -> bool:
    words = shlex.split(command)
    return words[0].endswith("slpsim") and words[1] in LAB_COMMANDS


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("docs")
    shutil.copytree(REPO / "scenarios", folder / "scenarios")
    return folder


def run(command: str, cwd: Path, env: dict[str, str] | None = None) -> str:
    completed = subprocess.run(
        argv(command),
        cwd=cwd,
        env={**os.environ, "COLUMNS": "100", **(env or {})},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, f"{command}\n{completed.stdout}\n{completed.stderr}"
    return completed.stdout


def test_the_documents_show_commands() -> None:
    # A guard for the parsing itself: the blocks are there and hold what we check below.
    assert ".venv/bin/slpsim run --junit report.junit.xml" in README
    assert "make lab" in README and "ssh admin@127.0.0.1 -p 2201" in README
    assert "slpsim scenarios copy my-scenarios" in SCENARIOS_README


OFFLINE = [
    c
    for c in README + SCENARIOS_README
    if c.split()[0].endswith("slpsim") and not is_lab_command(c)
]


@pytest.mark.parametrize("command", OFFLINE)
def test_scenario_commands_run_as_shown(command: str, workdir: Path) -> None:
    if "scenarios copy" in command:
        shutil.rmtree(workdir / "my-scenarios", ignore_errors=True)
    output = run(command, workdir)
    if "--junit" in command:
        target = shlex.split(command)[shlex.split(command).index("--junit") + 1]
        assert (workdir / target).is_file()
        # The README's report file is one the repository ignores.
        ignored = subprocess.run(
            ["git", "check-ignore", "-q", target], cwd=REPO, check=False
        ).returncode
        assert ignored == 0, f"{target} is not in .gitignore"
    if command.endswith(" list"):
        assert "happy-path-direct" in output


def test_the_sample_errors_are_what_slpsim_prints(workdir: Path) -> None:
    text = (REPO / "scenarios" / "README.md").read_text(encoding="utf-8")
    block = text.split("every problem of the file at once:\n\n```\n", 1)[1].split("```")[0]
    samples = block.strip().splitlines()
    folder = workdir / "samples" / "scenarios"
    folder.mkdir(parents=True)
    (folder / "x.yaml").write_text(
        "name: x\ntitle: t\nsource: s\ntopology: direct\n"
        "switches: [{name: leaf1}, {name: leaf2}]\nsteps:\n"
        "  - advance: 1h\n  - advance: 1h\n  - advance: 1h\n"
        "  - advance: soon\n  - exec: show clock\n    switch: leaf3\n"
    )
    completed = subprocess.run(
        argv("slpsim run --validate scenarios/x.yaml"),
        cwd=folder.parent,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 1
    assert completed.stdout.splitlines()[: len(samples)] == samples


def test_make_targets_exist_and_do_what_the_readme_says() -> None:
    for target, expected in (("lab", "slpsim lab"), ("test", "pytest")):
        completed = subprocess.run(
            ["make", "-n", "-W", "pyproject.toml", target],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert completed.returncode == 0, completed.stderr
        assert expected in completed.stdout


# ---------------------------------------------------------------------------- with a lab


@pytest.fixture(scope="module")
def lab() -> Iterator[BackgroundLab]:
    options = LabOptions(switches=2, rate=0, control_port=0, ssh_port_base=0, nxapi_port_base=0)
    with BackgroundLab(options) as running:
        yield running


def test_lab_commands_run_as_shown(lab: BackgroundLab, tmp_path: Path) -> None:
    env = {"SLPSIM_CONTROL": f"http://127.0.0.1:{lab.endpoints.control_port}"}
    shown = [c for c in README if is_lab_command(c)]
    assert len(shown) >= 9
    for command in shown:
        run(command, tmp_path, env)
    assert (tmp_path / "usage.tar.gz").stat().st_size > 0  # `slpsim file get` wrote it

    ssh_port = lab.endpoints.switches[0].ssh_port
    with socket.create_connection(("127.0.0.1", ssh_port), timeout=10) as connection:
        assert connection.recv(64).startswith(b"SSH-2.0-")


def test_lab_errors_say_what_to_fix(lab: BackgroundLab, tmp_path: Path) -> None:
    env = {**os.environ, "SLPSIM_CONTROL": f"http://127.0.0.1:{lab.endpoints.control_port}"}
    leaf = lab.endpoints.switches[0].name
    completed = subprocess.run(
        argv(f"slpsim fault add {leaf} clock-skew"),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 1
    assert completed.stderr.strip() == (
        "slpsim: fault clock-skew needs offset; give it with -p offset=2h"
    )
    # No zone means UTC, as the scenario docs say of every time.
    since = subprocess.run(
        argv("slpsim syslog --since 2026-01-05T09:00"),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert since.returncode == 0, since.stderr


# ---------------------------------------------------------------------------- benchmarks

_NUMBER = re.compile(r"^\d[\d,]*(\.\d+)?$")


def benchmark_rows() -> list[tuple[str, str]]:
    """(script, figure) for each row of the README's benchmark table."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    table = text.split("## Benchmarks", 1)[1]
    rows = []
    script = ""
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or cells[0] in ("What", "---"):
            continue
        found = re.search(r"benchmarks/(\w+\.py)", cells[1])
        if found is not None:
            script = found.group(1)
        rows.append((script, cells[2]))
    return rows


@pytest.mark.parametrize(("script", "figure"), benchmark_rows())
def test_benchmark_figures_read_as_their_script_prints_them(script: str, figure: str) -> None:
    """Each number of a figure sits between the words the script prints around it."""
    source = (REPO / "benchmarks" / script).read_text(encoding="utf-8")
    printed = re.sub(r"\{[^{}]*\}", "N", source)
    checked = 0
    for phrase in re.split(r"[()]|, ", figure):
        words = phrase.split()
        for i, word in enumerate(words):
            if not _NUMBER.match(word):
                continue
            checked += 1
            if i + 1 < len(words):
                assert f"N {words[i + 1]}" in printed, f"{script} prints no 'N {words[i + 1]}'"
            if i > 0:
                assert f"{words[i - 1]} N" in printed, f"{script} prints no '{words[i - 1]} N'"
    assert checked, f"no figure in {figure!r}"


def _every_command() -> list[list[str]]:
    from sim.command_line import app

    def walk(command: Any, path: list[str]) -> list[list[str]]:
        found = [path]
        for name, sub in getattr(command, "commands", {}).items():
            found += walk(sub, [*path, name])
        return found

    commands = walk(typer.main.get_command(app), [])
    assert ["fault", "add"] in commands  # the walk reaches nested commands
    return commands


def test_no_help_text_shows_a_python_type_as_a_placeholder() -> None:
    from sim.command_line import app

    runner = CliRunner()
    for path in _every_command():
        shown = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "100"}).output
        assert not re.search(r"<(str|int|float|bool|list\[|Path)", shown), (path, shown)
