"""Runs a scenario against a Simulation: steps in order, stop at the first failed expectation.

The runner talks to the simulation only through `SimulationLike` (the methods below), and
builds it through the module-level `simulation_factory`, which tests replace with a fake.
Whatever the simulation raises becomes a failure that names the step's file and line.
"""

from __future__ import annotations

import asyncio
import importlib
import traceback
from collections.abc import Callable, Iterable, Sequence
from datetime import timedelta
from itertools import pairwise
from pathlib import Path
from typing import Protocol

from sim.clock import Clock, real_monotonic
from sim.scenario.model import Scenario, load_scenario
from sim.scenario.problems import ScenarioError
from sim.scenario.result import CheckEntry, Failure, ScenarioResult, StepEntry, TranscriptEntry
from sim.scenario.steps import (
    AdvanceStep,
    BackendStep,
    ClearStep,
    ConfigStep,
    ExecStep,
    ExpectNoSyslogStep,
    ExpectSyslogStep,
    FaultStep,
    OutputExpectation,
    RmaStep,
    StepBase,
    TokenStep,
)
from sim.scenario.values import NO_LINE, Count, Since, format_span, output_pattern
from sim.scenario.variables import UndefinedVariableError, substitute, substitute_all
from sim.syslog import SyslogRecord, glob_matches
from sim.timing import format_duration


class SimulationLike(Protocol):
    """What the runner needs from `sim.simulation.Simulation`."""

    @property
    def clock(self) -> Clock: ...

    async def boot(self) -> None: ...

    async def exec(self, switch: str, line: str) -> str: ...

    async def config(self, switch: str, lines: list[str]) -> str: ...

    async def advance(self, delta: timedelta) -> None: ...

    def issue_token(
        self,
        issuer: str,
        *,
        virtual_account: str | None,
        smart_account: str | None,
        lifetime: timedelta | None,
        max_uses: int | None,
    ) -> str: ...

    def add_fault(self, target: str, kind: str, params: dict[str, object]) -> int: ...

    def clear_fault(self, target: str, kind: str) -> None: ...

    def clear_all_faults(self) -> None: ...

    def backend_action(self, target: str, action: str, params: dict[str, object]) -> str | None: ...

    def syslog(self, switch: str) -> Sequence[SyslogRecord]: ...

    async def replace_device(self, name: str, serial: str, carry: list[str]) -> object: ...

    async def close(self) -> None: ...


SimulationFactory = Callable[[Scenario], SimulationLike]


def build_simulation(scenario: Scenario) -> SimulationLike:
    """The real simulation for a scenario (the default `simulation_factory`)."""
    # Imported by name so this module loads (and its tests run) without the simulation.
    module = importlib.import_module("sim.simulation")
    specs = [
        module.SwitchSpec(
            name=s.name,
            pid=s.pid,
            serial=s.serial,
            licenses=dict(s.licenses),
            hostname=s.hostname,
            standby_serial=s.standby_serial,
            migrated_from=s.migrated_from,
        )
        for s in scenario.switches
    ]
    simulation: SimulationLike = module.Simulation.build(
        scenario.topology, start=scenario.start, timing=scenario.timing, switches=specs
    )
    return simulation


# Replaced by tests (monkeypatch) to run scenarios against a fake.
simulation_factory: SimulationFactory = build_simulation

Narrate = Callable[[str], None]

# NX-OS parser rejections: a step that gets one fails unless it has `expect:` (which says the
# scenario means to provoke it), so a typo in a scenario cannot pass silently.
_CLI_REJECTIONS = (
    "% Invalid command",
    "% Incomplete command",
    "% Invalid parameter",
    "% Ambiguous command",
)
_SHOWN_LINES = 20
_SHOWN_OUTPUT_LINES = 40


# ---------------------------------------------------------------------------- entry points


def run_file(
    path: str | Path,
    *,
    narrate: Narrate | None = None,
    factory: SimulationFactory | None = None,
) -> ScenarioResult:
    """Load and run one file; a malformed file gives a failed result, never an exception."""
    try:
        scenario = load_scenario(path)
    except ScenarioError as error:
        return ScenarioResult.from_error(path, error)
    return asyncio.run(run_scenario(scenario, narrate=narrate, factory=factory))


def scenario_files(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given, and every `*.yaml` of each folder (sorted). Missing paths raise."""
    files: list[Path] = []
    for entry in map(Path, paths):
        if entry.is_dir():
            files.extend(sorted(entry.glob("*.yaml")))
        elif entry.is_file():
            files.append(entry)
        else:
            raise FileNotFoundError(f"no such file or folder: {entry}")
    return files


async def run_scenario(
    scenario: Scenario,
    *,
    narrate: Narrate | None = None,
    factory: SimulationFactory | None = None,
) -> ScenarioResult:
    started = real_monotonic()
    result = ScenarioResult(
        name=scenario.name,
        title=scenario.title,
        file=scenario.file,
        passed=False,
        duration=0.0,
        sim_span=timedelta(0),
        steps_run=0,
        steps_total=len(scenario.steps),
        topology=scenario.topology,
        source=scenario.source,
        tags=tuple(scenario.tags),
        narrative=scenario.narrative,
    )
    make = factory or simulation_factory
    try:
        simulation = make(scenario)
    except Exception as exc:
        result.failure = _crash(scenario, None, exc, "the simulation to build")
        result.duration = real_monotonic() - started
        return result
    run = _Run(scenario, simulation, narrate)
    began = simulation.clock.now()
    try:
        result.failure = await run.run()
    finally:
        result.steps_run = run.steps_run
        result.transcript = run.transcript
        result.timeline = run.timeline
        result.checks = run.checks
        result.start = began
        result.sim_span = simulation.clock.now() - began
        try:
            result.syslog = {name: list(simulation.syslog(name)) for name in run.switches}
            await simulation.close()
        except Exception as exc:
            result.failure = result.failure or _crash(
                scenario, None, exc, "the simulation to shut down"
            )
    result.passed = result.failure is None
    result.duration = real_monotonic() - started
    return result


async def play_steps(
    scenario: Scenario,
    simulation: SimulationLike,
    *,
    until: int | None = None,
    narrate: Narrate | None = None,
) -> tuple[int, Failure | None]:
    """Play the first `until` steps on a simulation that is already booted (a lab being
    staged); returns how many ran and the failure that stopped them, if any."""
    run = _Run(scenario, simulation, narrate)
    failure = await run.run(boot=False, until=until)
    return run.steps_run, failure


# ---------------------------------------------------------------------------- one run

Marks = dict[str, SyslogRecord | None]


class _Run:
    def __init__(
        self, scenario: Scenario, simulation: SimulationLike, narrate: Narrate | None
    ) -> None:
        self.scenario = scenario
        self.sim = simulation
        self.narrate = narrate
        self.switches = scenario.switch_names
        self.prompts = {s.name: s.hostname or s.name for s in scenario.switches}
        self.variables: dict[str, str] = {}
        self.transcript: list[TranscriptEntry] = []
        self.timeline: list[StepEntry] = []
        self.checks: list[CheckEntry] = []
        self.steps_run = 0
        # The last record of each switch when the latest action step began: `since: step`.
        self.step_marks: Marks = dict.fromkeys(self.switches)
        self.step_index: int | None = None
        self.shown: Marks = dict.fromkeys(self.switches)  # narration: last record printed

    async def run(self, *, boot: bool = True, until: int | None = None) -> Failure | None:
        self._header()
        if boot:
            try:
                await self.sim.boot()
            except Exception as exc:
                return _crash(self.scenario, None, exc, "the simulation to boot")
        self._show_new_syslog()
        for index, step in enumerate(self.scenario.steps[:until]):
            if not step.is_expectation:
                self.step_marks = self._marks()
                self.step_index = index
            self._say_note(step)
            self.timeline.append(
                StepEntry(index, self.sim.clock.now(), step.kind, describe_step(step), step.note)
            )
            try:
                failure = await self._step(index, step)
            except UndefinedVariableError as exc:
                failure = self._fail(
                    index, step, "every ${variable} to have a value", str(exc), summary=str(exc)
                )
            except Exception as exc:
                failure = _crash(self.scenario, index, exc)
            self.steps_run += 1
            self._show_new_syslog()
            if failure is not None:
                return failure
        return None

    async def _step(self, index: int, step: StepBase) -> Failure | None:
        scenario = self.scenario
        match step:
            case ConfigStep():
                return await self._config(index, step)
            case ExecStep():
                return await self._exec(index, step)
            case TokenStep():
                request = step.token
                issuer = request.issuer or scenario.token_issuer
                account = self._sub_optional(request.virtual_account)
                self._say_action(
                    f"🔑 ID token from {issuer}" + (f" ({account})" if account else "")
                )
                token = self.sim.issue_token(
                    issuer,
                    virtual_account=account,
                    smart_account=self._sub_optional(request.smart_account),
                    lifetime=request.lifetime,
                    max_uses=request.max_uses,
                )
                self.variables[request.save_as] = token
                self._say(f"    ${{{request.save_as}}} = {token}")
            case AdvanceStep():
                self._say_action(f"⏩ advance {format_span(step.advance)}")
                await self.sim.advance(step.advance)
            case FaultStep():
                spec = step.fault
                params = spec.params()
                shown = "".join(f" {k}={_param(v)}" for k, v in params.items())
                self._say_action(f"⚡ fault {spec.target} {spec.kind}{shown}")
                self.sim.add_fault(spec.target, spec.kind, params)
            case ClearStep():
                if step.clear is None:
                    self._say_action("🔧 clear all faults")
                    self.sim.clear_all_faults()
                else:
                    self._say_action(f"🔧 clear {step.clear.target} {step.clear.kind}")
                    self.sim.clear_fault(step.clear.target, step.clear.kind)
            case BackendStep():
                action = step.backend
                params = {k: substitute_all(v, self.variables) for k, v in action.params().items()}
                shown = "".join(f" {k}={_param(v)}" for k, v in params.items())
                self._say_action(f"🏢 {action.target}: {action.action}{shown}")
                answer = self.sim.backend_action(action.target, action.action, params)
                if answer is not None:
                    self._say(f"    → {answer}")
                if step.expect is not None:
                    failure = self._check_output(
                        index, step, step.expect, f"{action.target} {action.action}", answer or ""
                    )
                    if failure is not None:
                        return failure
                if action.save_as is not None:
                    if answer is None:
                        return self._fail(
                            index,
                            step,
                            f"{action.action} to return a value to save as {action.save_as}",
                            "it returned nothing",
                            summary="it returned nothing",
                        )
                    self.variables[action.save_as] = answer
            case RmaStep():
                switch = step.switch or self.switches[0]
                carried = "".join(f" bootflash:{name}" for name in step.rma.carry)
                self._say_action(f"📦 RMA: {switch} replaced by SN {step.rma.serial}{carried}")
                await self.sim.replace_device(switch, step.rma.serial, list(step.rma.carry))
            case ExpectSyslogStep():
                wanted = step.expect_syslog
                return self._expect_syslog(
                    index, step, step.target_switch, wanted.text, wanted.since, wanted.count
                )
            case ExpectNoSyslogStep():
                unwanted = step.expect_no_syslog
                return self._expect_syslog(
                    index, step, step.target_switch, unwanted.text, unwanted.since, NO_LINE
                )
            case _:
                raise TypeError(f"no runner for step kind {step.kind!r}")
        return None

    # ------------------------------------------------------------------ switch commands

    async def _exec(self, index: int, step: ExecStep) -> Failure | None:
        switch = step.switch or self.switches[0]
        line = self._sub(step.exec)
        self._say_action(f"{self.prompts[switch]}# {line}")
        at = self.sim.clock.now()
        output = await self.sim.exec(switch, line)
        self.transcript.append(TranscriptEntry(index, at, switch, line, output))
        self._say_output(output)
        return self._check_output(index, step, step.expect, f"`{line}` on {switch}", output)

    async def _config(self, index: int, step: ConfigStep) -> Failure | None:
        switch = step.switch or self.switches[0]
        lines = [self._sub(line) for line in step.lines]
        prompt = self.prompts[switch]
        self._say_action(f"{prompt}# configure terminal")
        for line in lines:
            self._say(f"{' ' * len(self._stamp())} {prompt}(config)# {line}")
        at = self.sim.clock.now()
        output = await self.sim.config(switch, lines)
        self.transcript.append(TranscriptEntry(index, at, switch, "\n".join(lines), output))
        self._say_output(output)
        return self._check_output(
            index, step, step.expect, f"`configure terminal` on {switch}", output
        )

    def _check_output(
        self,
        index: int,
        step: StepBase,
        expect: OutputExpectation | None,
        source: str,
        output: str,
    ) -> Failure | None:
        """Check what a command or back-end action printed; `source` says which one."""
        seen_lines = _tail(output.splitlines(), _SHOWN_OUTPUT_LINES)
        seen = f"the output of {source}:" if output.strip() else "no output"
        if expect is None:
            rejected = [ln for ln in output.splitlines() if ln.strip().startswith(_CLI_REJECTIONS)]
            if rejected:
                return self._fail(
                    index,
                    step,
                    f"NX-OS to accept the command (add `expect:` if the error is the point), "
                    f"but it printed {rejected[0].strip()!r}",
                    seen,
                    seen_lines,
                )
            return None
        problem = None
        for text in expect.contains:
            wanted = self._sub(text)
            if wanted not in output:
                problem = f"the output to contain {wanted!r}"
                break
        if problem is None:
            for text in expect.not_contains:
                unwanted = self._sub(text)
                if unwanted in output:
                    problem = f"the output not to contain {unwanted!r}"
                    break
        if problem is None and expect.matches is not None:
            pattern = self._sub(expect.matches)
            try:
                if not output_pattern(pattern).search(output):
                    problem = f"the output to match /{pattern}/"
            except ValueError as exc:  # a variable's value made the pattern invalid
                problem = f"the output to match /{pattern}/, but {exc}"
        checked = [f"contains {self._sub(t)!r}" for t in expect.contains]
        checked += [f"does not contain {self._sub(t)!r}" for t in expect.not_contains]
        if expect.matches is not None:
            checked.append(f"matches /{self._sub(expect.matches)}/")
        self.checks.append(
            CheckEntry(
                index,
                self.sim.clock.now(),
                step.kind,
                f"the output of {source} " + ", ".join(checked),
                problem is None,
                "" if problem is None else f"expected {problem}",
            )
        )
        if problem is not None:
            self._say(f"{self._stamp()} ✘ expected {problem}")
            return self._fail(index, step, problem, seen, seen_lines)
        return None

    # ------------------------------------------------------------------ syslog checks

    def _expect_syslog(
        self,
        index: int,
        step: StepBase,
        switch: str | None,
        pattern_text: str,
        since: Since,
        count: Count,
    ) -> Failure | None:
        switch = switch or self.switches[0]
        pattern = self._sub(pattern_text)
        records = list(self.sim.syslog(switch))
        window = self._window(records, switch, since)
        matching = [r for r in window if glob_matches(pattern, r.body)]
        where = self._describe_since(since)
        expected = f"{count.describe()} matching {pattern!r} on {switch} {where}"
        found = len(matching)
        passed = count.accepts(found)
        self.checks.append(
            CheckEntry(index, self.sim.clock.now(), step.kind, expected, passed, f"found {found}")
        )
        self._say(
            f"{self._stamp()} {'✔' if passed else '✘'} {step.kind} {pattern!r} on {switch} "
            f"{where}: {count.describe()}, found {found}"
        )
        if passed:
            return None
        plural = "line" if found == 1 else "lines"
        if count.max is not None and found > count.max:
            seen = f"{found} matching {plural}:"
            lines = [r.logfile_line() for r in matching]
        elif window:
            seen = f"{found} matching {plural} among the {len(window)} logged in that window:"
            lines = [r.logfile_line() for r in window]
        else:
            before = records[: len(records) - len(window)]
            if before:
                seen = f"nothing logged on {switch} {where}; the last lines before that:"
                lines = [r.logfile_line() for r in before[-5:]]
            else:
                seen = f"nothing logged on {switch} at all"
                lines = []
        return self._fail(
            index, step, expected, seen, _tail(lines, _SHOWN_LINES), summary=f"found {found}"
        )

    def _window(self, records: list[SyslogRecord], switch: str, since: Since) -> list[SyslogRecord]:
        if since.mode == "start":
            return records
        if since.mode == "step":
            return _after(records, self.step_marks.get(switch))
        cutoff = self.sim.clock.now() - since.window
        return [r for r in records if (r.sim_at or r.at) >= cutoff]

    def _describe_since(self, since: Since) -> str:
        if since.mode != "step":
            return since.describe()
        if self.step_index is None:
            return "since the start (no earlier step)"
        line = self.scenario.step_line(self.step_index)
        at = f" at line {line}" if line is not None else ""
        kind = self.scenario.steps[self.step_index].kind
        return f"since the previous step (steps[{self.step_index}] {kind}{at})"

    def _marks(self) -> Marks:
        marks: Marks = {}
        for switch in self.switches:
            records = self.sim.syslog(switch)
            marks[switch] = records[-1] if records else None
        return marks

    # ------------------------------------------------------------------ helpers

    def _sub(self, text: str) -> str:
        return substitute(text, self.variables)

    def _sub_optional(self, text: str | None) -> str | None:
        return None if text is None else self._sub(text)

    def _fail(
        self,
        index: int,
        step: StepBase,
        expected: str,
        seen: str,
        seen_lines: Sequence[str] = (),
        *,
        summary: str | None = None,
    ) -> Failure:
        where = _where(self.scenario, index)
        return Failure(
            message=f"{where}: expected {expected}" + (f"; {summary}" if summary else ""),
            where=where,
            expected=expected,
            seen=seen,
            seen_lines=tuple(seen_lines),
            file=self.scenario.file,
            line=self.scenario.step_line(index),
            step=index,
            kind=step.kind,
        )

    # ------------------------------------------------------------------ narration

    def _say(self, text: str) -> None:
        if self.narrate is not None:
            self.narrate(text)

    def _stamp(self) -> str:
        now = self.sim.clock.now()
        return f"[{now:%Y-%m-%d %H:%M:%S}]" if now.second else f"[{now:%Y-%m-%d %H:%M}]"

    def _say_action(self, text: str) -> None:
        self._say(f"{self._stamp()} {text}")

    def _say_output(self, output: str) -> None:
        for line in output.rstrip().splitlines():
            self._say(f"    {line}" if line.strip() else "")

    def _say_note(self, step: StepBase) -> None:
        if step.note and self.narrate is not None:
            for line in step.note.strip().splitlines():
                self._say(f"💬 {_safe_sub(line, self.variables)}")

    def _header(self) -> None:
        if self.narrate is None:
            return
        s = self.scenario
        self._say(f"━━ {s.title}  ({s.name})")
        self._say(f"source:   {s.source}")
        switches = ", ".join(f"{w.name} ({w.pid} {w.serial})" for w in s.switches)
        self._say(f"topology: {s.topology}; switches: {switches}")
        if s.narrative:
            self._say("")
            for line in s.narrative.rstrip().splitlines():
                self._say(line)
        self._say("")

    def _show_new_syslog(self) -> None:
        if self.narrate is None:
            return
        fresh: list[SyslogRecord] = []
        for switch in self.switches:
            records = list(self.sim.syslog(switch))
            fresh.extend(_after(records, self.shown[switch]))
            self.shown[switch] = records[-1] if records else None
        fresh.sort(key=lambda r: r.sim_at or r.at)
        for record, repeats in _runs(fresh):
            self._say(f"  📜 {record.logfile_line()}")
            if repeats:
                self._say(f"  📜 {_repeats_line(record, repeats)}")


def _runs(records: list[SyslogRecord]) -> list[tuple[SyslogRecord, list[SyslogRecord]]]:
    """Consecutive records of one switch saying the same thing, as (first, the repeats)."""
    runs: list[tuple[SyslogRecord, list[SyslogRecord]]] = []
    for record in records:
        if runs and (runs[-1][0].hostname, runs[-1][0].body) == (record.hostname, record.body):
            runs[-1][1].append(record)
        else:
            runs.append((record, []))
    return runs


def _repeats_line(first: SyslogRecord, repeats: list[SyslogRecord]) -> str:
    """`… 47 more, every 5m` when evenly spaced, else `… 3 more, until <time>`."""
    times = [r.sim_at or r.at for r in [first, *repeats]]
    gaps = {later - earlier for earlier, later in pairwise(times)}
    if len(gaps) == 1 and (gap := gaps.pop()) > timedelta(0):
        return f"… {len(repeats)} more, every {format_duration(gap)}"
    return f"… {len(repeats)} more, until {times[-1]:%Y-%m-%d %H:%M:%S}"


def _after(records: list[SyslogRecord], marker: SyslogRecord | None) -> list[SyslogRecord]:
    """The records logged after `marker` (the last one seen earlier).

    Found by identity from the end, so it survives a log that drops its oldest records; if
    the marker is gone, everything left is newer than it.
    """
    if marker is None:
        return records
    for i in range(len(records) - 1, -1, -1):
        if records[i] is marker:
            return records[i + 1 :]
    for i in range(len(records) - 1, -1, -1):
        if records[i] == marker:  # a simulation that hands out copies
            return records[i + 1 :]
    return records


def _where(scenario: Scenario, index: int | None) -> str:
    parts = []
    if scenario.file is not None:
        line = scenario.step_line(index) if index is not None else None
        parts.append(f"{scenario.file}:{line}" if line is not None else scenario.file)
    if index is not None:
        parts.append(f"steps[{index}].{scenario.steps[index].kind}")
    return ": ".join(parts) or scenario.name


def _crash(
    scenario: Scenario,
    index: int | None,
    exc: Exception,
    expected: str = "the simulation to accept this step",
) -> Failure:
    # ValueError is how the simulation refuses a step (unknown fault target, bad action...):
    # a scenario problem, told plainly. Anything else is a simulation bug: keep the traceback.
    refused = isinstance(exc, ValueError)
    what = f"{type(exc).__name__}: {exc}" if not refused else str(exc)
    seen = f"it refused: {what}" if refused else f"it raised {what}"
    where = _where(scenario, index)
    return Failure(
        message=f"{where}: expected {expected}; {seen}",
        where=where,
        expected=expected,
        seen=seen,
        file=scenario.file,
        line=scenario.step_line(index) if index is not None else None,
        step=index,
        kind=scenario.steps[index].kind if index is not None else None,
        traceback=None if refused else "".join(traceback.format_exception(exc)),
    )


def describe_step(step: StepBase) -> str:
    """A step in a few words: `advance 4h`, `exec show license status`, `fault dns dns`."""
    match step:
        case AdvanceStep():
            return f"advance {format_span(step.advance)}"
        case ExecStep():
            return step.exec
        case ConfigStep():
            more = f" (+{len(step.lines) - 1} lines)" if len(step.lines) > 1 else ""
            return f"configure: {step.lines[0]}{more}"
        case FaultStep():
            return f"fault {step.fault.target} {step.fault.kind}"
        case ClearStep():
            return (
                "clear all faults"
                if step.clear is None
                else (f"clear {step.clear.target} {step.clear.kind}")
            )
        case TokenStep():
            return f"ID token as ${{{step.token.save_as}}}"
        case BackendStep():
            return f"{step.backend.target}: {step.backend.action}"
        case ExpectSyslogStep():
            return f"expect {step.expect_syslog.text}"
        case ExpectNoSyslogStep():
            return f"expect no {step.expect_no_syslog.text}"
    return step.kind


def _tail(lines: Sequence[str], limit: int) -> list[str]:
    if len(lines) <= limit:
        return list(lines)
    return [f"… {len(lines) - limit} earlier lines", *lines[-limit:]]


def _param(value: object) -> str:
    return format_span(value) if isinstance(value, timedelta) else str(value)


def _safe_sub(text: str, variables: dict[str, str]) -> str:
    try:
        return substitute(text, variables)
    except UndefinedVariableError:
        return text
