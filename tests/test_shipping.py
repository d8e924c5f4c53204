"""slpsim as another project gets it: a built wheel, installed outside the repository.

The wheel must carry the scenario files (`slpsim list` / `run` work from any folder), and the
README's pytest example must run against the installed package.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.command_line import app
from sim.scenario.shipped import shipped_files, shipped_folder

REPO = Path(__file__).resolve().parent.parent
SHIPPED_IN_WHEEL = "sim/scenario/shipped/"
PIP = (sys.executable, "-m", "pip")


def repo_scenarios() -> set[str]:
    return {p.name for p in (REPO / "scenarios").glob("*.yaml")} | {"README.md"}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [*PIP, "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(REPO)],
        check=True,
        timeout=600,
        capture_output=True,
    )
    (built,) = out.glob("slpsim-*.whl")
    return built


def test_the_wheel_ships_every_scenario_file(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    shipped = {n.removeprefix(SHIPPED_IN_WHEEL) for n in names if n.startswith(SHIPPED_IN_WHEEL)}
    assert shipped - {"__init__.py"} == repo_scenarios()


def test_a_checkout_ships_its_own_scenarios_folder() -> None:
    # Editable installs and checkouts read scenarios/ in place: a new file needs no step.
    assert shipped_folder() == REPO / "scenarios"
    assert {p.name for p in shipped_files()} == repo_scenarios()


def test_scenarios_copy_gives_the_files_and_never_overwrites(tmp_path: Path) -> None:
    runner = CliRunner()
    target = tmp_path / "mine"
    result = runner.invoke(app, ["scenarios", "copy", str(target)])
    assert result.exit_code == 0, result.output
    assert {p.name for p in target.iterdir()} == repo_scenarios()
    again = runner.invoke(app, ["scenarios", "copy", str(target)])
    assert again.exit_code == 2
    assert "already exists; copy into an empty folder" in again.stderr


def _fresh_venv(root: Path, wheel: Path) -> Path:
    """A virtual environment outside the repository holding only the built wheel.

    Its dependencies come from the test's own environment through a path entry (this machine
    has no index to install them from); slpsim itself is only the wheel's copy.
    """
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [*PIP, "--python", str(python), "install", "-q", "--no-deps", "--no-index", str(wheel)],
        check=True,
        timeout=600,
        capture_output=True,
    )
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(site, "dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    return venv


def readme_pytest_example() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", readme, flags=re.DOTALL)
    (example,) = [b for b in blocks if "def test_" in b]
    return example


def test_a_fresh_environment_runs_the_shipped_scenarios_and_the_readme_example(
    wheel: Path, tmp_path: Path
) -> None:
    venv = _fresh_venv(tmp_path, wheel)
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["COLUMNS"] = "100"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            args, cwd=work, env=env, capture_output=True, text=True, timeout=900, check=False
        )

    where = run(str(venv / "bin" / "python"), "-c", "import sim; print(sim.__file__)")
    assert where.stdout.startswith(str(venv)), where.stdout + where.stderr

    listed = run(str(venv / "bin" / "slpsim"), "list")
    assert listed.returncode == 0, listed.stderr
    assert "happy-path-onprem-disconnected" in listed.stdout

    ran = run(
        str(venv / "bin" / "slpsim"), "run", "-k", "direct", "-j", "2", "--junit", "out/r.xml"
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    cases = list(ET.parse(work / "out" / "r.xml").getroot().iter("testcase"))
    assert len(cases) >= 10 and all(c.find("failure") is None for c in cases)
    assert {c.get("classname") for c in cases} == {"shipped.direct"}

    (work / "test_readme_example.py").write_text(readme_pytest_example())
    example = run(str(venv / "bin" / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider")
    assert example.returncode == 0, example.stdout + example.stderr
    assert "2 passed" in example.stdout
