"""Scenario files: YAML descriptions of one licensing behaviour each, run in virtual time.

from sim.scenario import load_scenario, run_file
result = run_file("scenarios/trust-code-already-installed.yaml")
assert result.passed, result.explain()
"""

from sim.scenario.model import (
    STEP_KINDS,
    TOPOLOGIES,
    Problem,
    Scenario,
    ScenarioError,
    load_scenario,
    parse_scenario,
)
from sim.scenario.runner import (
    Failure,
    ScenarioResult,
    SimulationLike,
    TranscriptEntry,
    run_file,
    run_scenario,
    scenario_files,
)

__all__ = [
    "STEP_KINDS",
    "TOPOLOGIES",
    "Failure",
    "Problem",
    "Scenario",
    "ScenarioError",
    "ScenarioResult",
    "SimulationLike",
    "TranscriptEntry",
    "load_scenario",
    "parse_scenario",
    "run_file",
    "run_scenario",
    "scenario_files",
]
