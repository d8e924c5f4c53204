"""Every scenario file in scenarios/ passes, in virtual time."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.scenario.runner import run_file

SCENARIOS = sorted((Path(__file__).resolve().parent.parent / "scenarios").glob("*.yaml"))


def test_there_is_a_scenario_suite() -> None:
    assert len(SCENARIOS) >= 15


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario_passes(path: Path) -> None:
    result = run_file(path)
    assert result.passed, result.explain()
