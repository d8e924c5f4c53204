"""A scenario's result: passed or failed, why, and what it did (transcript, timeline, checks).

The runner fills one in; the reports (text, JUnit, HTML) and the suite read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sim.scenario.problems import ScenarioError
from sim.syslog import SyslogRecord


@dataclass(frozen=True)
class Failure:
    """Why a scenario failed: where (file, line, step), what was expected, what was seen."""

    message: str  # `file:line: steps[3].kind: ...`, one line (a load error may have several)
    where: str = ""  # `file:line: steps[3].kind`
    expected: str = ""  # empty for a file that did not load: `message` says it all
    seen: str = ""
    seen_lines: tuple[str, ...] = ()
    file: str | None = None
    line: int | None = None
    step: int | None = None  # index into `steps`
    kind: str | None = None
    traceback: str | None = None  # only for unexpected exceptions (simulation bugs)

    def details(self) -> str:
        """The message, then the expected/seen block shown under a failed scenario."""
        if not self.expected:
            return self.message
        text = [self.where, f"  expected: {self.expected}", f"  seen:     {self.seen}"]
        text.extend(f"    {line}" for line in self.seen_lines)
        return "\n".join(text)


@dataclass(frozen=True)
class StepEntry:
    """A step as it ran: when (simulation time), what, and the scenario's note on it."""

    step: int
    at: datetime
    kind: str
    summary: str
    note: str | None = None


@dataclass(frozen=True)
class CheckEntry:
    """One expectation checked, passed or not (HTML reports list every one)."""

    step: int
    at: datetime
    kind: str  # expect_syslog, expect_no_syslog, or the step kind whose output was checked
    description: str
    passed: bool
    found: str = ""


@dataclass(frozen=True)
class TranscriptEntry:
    step: int
    at: datetime  # simulation time
    switch: str
    command: str  # config steps: the lines typed, one per line
    output: str


@dataclass
class ScenarioResult:
    name: str
    title: str
    file: str | None
    passed: bool
    duration: float  # real seconds
    sim_span: timedelta
    steps_run: int
    steps_total: int
    topology: str | None = None
    failure: Failure | None = None
    source: str | None = None  # the seed section the scenario reproduces
    tags: tuple[str, ...] = ()
    loaded: bool = True  # False: the file did not load (an error, not a failed expectation)
    syslog: dict[str, list[SyslogRecord]] = field(default_factory=dict)
    transcript: list[TranscriptEntry] = field(default_factory=list)
    timeline: list[StepEntry] = field(default_factory=list)
    checks: list[CheckEntry] = field(default_factory=list)
    start: datetime | None = None  # simulation time when the steps began
    narrative: str | None = None

    @classmethod
    def from_error(cls, path: str | Path, error: ScenarioError) -> ScenarioResult:
        """A file that did not load: a failed scenario whose message is the loader's."""
        failure = Failure(message=str(error), file=error.file, line=error.line)
        return cls(
            name=Path(path).stem,
            title="",
            file=str(path),
            passed=False,
            duration=0.0,
            sim_span=timedelta(0),
            steps_run=0,
            steps_total=0,
            failure=failure,
            loaded=False,
        )

    def explain(self) -> str:
        """Plain text for an assertion message (pytest) or a log."""
        if self.failure is None:
            return f"{self.name}: passed"
        return f"{self.name}: failed\n{self.failure.details()}"
