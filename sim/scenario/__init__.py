"""Scenario files: YAML descriptions of one licensing behaviour each, run in virtual time.

from sim.scenario import load_scenario, run_file
result = run_file("scenarios/trust-code-already-installed.yaml")
assert result.passed, result.explain()
"""

from sim.scenario.model import TOPOLOGIES, Scenario, load_scenario, parse_scenario
from sim.scenario.problems import Problem, ScenarioError
from sim.scenario.result import Failure, ScenarioResult, TranscriptEntry
from sim.scenario.runner import SimulationLike, run_file, run_scenario, scenario_files
from sim.scenario.steps import STEP_KINDS

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
