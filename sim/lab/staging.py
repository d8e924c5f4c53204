"""`slpsim lab --scenario FILE [--until STEP]`: a lab built from a scenario and played up to a
step, then handed over.

The lab takes the scenario's topology, switches, start and timing, starts as any lab does,
and before it says it is ready plays the steps (virtual time jumping where the scenario
advances) under the lab's lock. Then the class gets a lab that is already broken, running on
at its rate. A check that fails while staging stops the staging there: the lab is still
handed over, and the failure is told, since the class would see something else than planned.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from sim.lab.lab import Lab, LabOptions
from sim.scenario.model import Scenario, load_scenario
from sim.scenario.problems import ScenarioError
from sim.scenario.result import Failure
from sim.scenario.runner import Narrate, describe_step, play_steps
from sim.simulation import SwitchSpec

# Labels longer than this are cut when the steps are listed: the list stays one readable line.
LABEL_SHOWN = 60


class StagingError(ValueError):
    """A scenario or step that cannot be staged; the message is one line for the user."""


@dataclass(frozen=True)
class Stage:
    scenario: Scenario
    until: int  # how many steps to play: the 1-based number of the last one

    @property
    def last_step(self) -> str:
        step = self.scenario.steps[self.until - 1]
        return f"step {self.until} of {len(self.scenario.steps)} ({describe_step(step)})"


@dataclass(frozen=True)
class Staged:
    stage: Stage
    played: int
    failure: Failure | None

    def summary(self) -> str:
        scenario = self.stage.scenario
        if self.failure is not None:
            return (
                f"staged {scenario.name}: stopped at step {self.played} of "
                f"{len(scenario.steps)}, where a check failed: {self.failure.message}"
            )
        lines = [f"staged {scenario.name}: played up to {self.stage.last_step}"]
        last = scenario.steps[self.stage.until - 1]
        if last.note:
            lines.append(f"  what the class sees: {' '.join(last.note.split())}")
        if self.stage.until < len(scenario.steps):
            following = scenario.steps[self.stage.until]
            lines.append(f"  next in the scenario: {describe_step(following)}")
        return "\n".join(lines)


def load_stage(path: Path, until: str | None) -> Stage:
    """The scenario at `path` and the step to stop after (`until`: a step number, 1-based, or
    a step's label as the staging summary shows it, such as `advance 4h`, or its start)."""
    try:
        scenario = load_scenario(path)
    except ScenarioError as exc:
        first = exc.problems[0]
        more = f" (and {len(exc.problems) - 1} more problem(s))" if len(exc.problems) > 1 else ""
        raise StagingError(f"{first}{more}") from None
    if until is None:
        return Stage(scenario, len(scenario.steps))
    return Stage(scenario, step_number(scenario, until))


def step_number(scenario: Scenario, until: str) -> int:
    """The 1-based number of the step `until` names, or a one-line StagingError."""
    total = len(scenario.steps)
    text = until.strip()
    if text.isdigit() and 1 <= int(text) <= total:
        return int(text)
    labels = [describe_step(step) for step in scenario.steps]
    wanted = _folded(text)
    # A whole label wins over labels it starts: `ping x` names `ping x`, not `ping x vrf y`.
    exact = [at for at, label in enumerate(labels, 1) if _folded(label) == wanted]
    found = exact or [at for at, label in enumerate(labels, 1) if _folded(label).startswith(wanted)]
    if text and not text.isdigit() and len({labels[at - 1] for at in found}) == 1:
        # The same label twice (a repeated `ping`): the first is where the story gets there.
        return found[0]
    expected = (
        f"--until expects a step number from 1 to {total} or a step's label "
        f"({scenario.name} has {total} steps)"
    )
    if len(found) > 1:
        named = ", ".join(f"{at} {_shown(labels[at - 1])}" for at in found)
        raise StagingError(f"{expected}; {until!r} could be step {named}: give the number")
    if text.isdigit():
        raise StagingError(f"{expected}, got {until!r}")
    steps = ", ".join(f"{at} {_shown(label)}" for at, label in enumerate(labels, 1))
    raise StagingError(f"{expected}, got {until!r}; the steps: {steps}")


def _folded(label: str) -> str:
    return " ".join(label.split()).casefold()


def _shown(label: str) -> str:
    """A label short enough to list, quoted so that where it ends is plain."""
    return repr(label if len(label) <= LABEL_SHOWN else label[: LABEL_SHOWN - 1] + "…")


def staged_options(stage: Stage, options: LabOptions) -> LabOptions:
    """`options` with the scenario's topology, switches, start and timing."""
    scenario = stage.scenario
    specs = [
        SwitchSpec(
            name=s.name,
            pid=s.pid,
            serial=s.serial or "",
            licenses=dict(s.licenses),
            hostname=s.hostname,
            standby_serial=s.standby_serial,
            migrated_from=s.migrated_from,
        )
        for s in scenario.switches
    ]
    return replace(
        options,
        topology=scenario.topology,
        start=scenario.start,
        timing=scenario.timing,
        switches=len(specs),
        switch_specs=specs,
    )


def stage_on_start(lab: Lab, stage: Stage, report: Narrate, narrate: Narrate | None = None) -> None:
    """Play `stage` once `lab` has started; `report` gets the one-line summary."""

    async def play(started: Lab) -> None:
        async with started.lock:
            played, failure = await play_steps(
                stage.scenario, started.simulation, until=stage.until, narrate=narrate
            )
            started.persist()
        report(Staged(stage, played, failure).summary())

    lab.on_started.append(play)
