"""`slpsim lab --record FILE`: what happens in a lab, written as a scenario that replays it.

The recorder listens to the lab's activity log (CLI lines, faults, clock jumps, tokens,
back-end actions) and to every switch's syslog, and turns them into scenario steps: exec and
config steps, faults and clears, `advance:` for jumps and for the virtual time that flowed
between two actions, tokens saved as variables (later uses of a token's text become
`${name}`), back-end actions, and after each step the syslog lines it caused, as
`expect_syslog` checks by message id.

Which step a syslog line belongs to: a command logs some lines while it runs, before the
front end adds its activity record, and the rest while the simulation settles, after it.
Lines logged in the same run of the event loop as a command's record are that command's,
and so are those its task logs while it settles; the others (logged as time flows) are
handed to the step in progress once the loop turns (`call_soon`), or to the `advance:` step
of the time that flowed when they came later than the last action. The scenario starts at the
very instant the lab's switches booted, and each step is replayed at the virtual instant it
happened at, to the microsecond: the time that flowed (rate above 0) becomes an `advance:`
step that ends where the next action was logged. A paced lab runs what was due before a line
or a fault and holds its clock still while it acts (sim/lab/access.py), so it logs what
virtual time logs (sim/lab/lab.py), and every check counts its lines exactly.

The file is written when the lab stops, and every few seconds while it runs (atomically, once
the scenario loader accepts it), so even a killed lab leaves a recent recording. A lab staged
from a scenario (`--scenario`) is recorded after the staging, and the file starts with the
staged steps as the scenario wrote them.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from sim.lab.activity import Activity
from sim.scenario.model import parse_scenario
from sim.scenario.problems import ScenarioError
from sim.scenario.steps import AdvanceStep, saved_variable
from sim.scenario.values import format_span
from sim.syslog import SyslogRecord
from sim.timing import format_duration, parse_duration, parse_signed_duration

if TYPE_CHECKING:
    from sim.lab.lab import Lab
    from sim.lab.staging import Stage

AUTOSAVE_SECONDS = 5.0

# Activities whose own run logs lines before their record is added (see the docstring).
_CAUSES_LINES = frozenset({"cli", "fault", "clear", "clear_all", "action"})
_MESSAGE_ID = re.compile(r"^(%[A-Za-z0-9_]+-[0-7]-[A-Za-z0-9_]+):")
_GLOB_SPECIAL = re.compile(r"[*?]")
_VARIABLE_MARK = "${"
_SESSION_ONLY = ("terminal", "exit", "logout", "quit")
_CONFIG_MODES_ROOT = ("exec", "config")
_VIA = {"ssh": "SSH", "nxapi": "NX-API", "console": "the web console", "control": "the control API"}


@dataclass(frozen=True)
class _Line:
    switch: str
    record: SyslogRecord
    # Logged by the task of the last activity while it settled (its own effects, even when
    # virtual time flowed meanwhile), not by time passing.
    caused: bool


class RecordError(Exception):
    """The recording could not be written (nothing happened, or the file cannot be made)."""


@dataclass
class _Step:
    """One scenario step being built, and the syslog lines logged while it ran."""

    data: dict[str, Any]
    lines: list[tuple[str, SyslogRecord]] = field(default_factory=list)
    since_start: bool = False  # the first step also checks what booting logged


@dataclass
class _ConfigBlock:
    session: int
    switch: str
    lines: list[str]
    errors: list[str]
    step: _Step


@dataclass
class _SessionState:
    # The line that entered each config sub-mode, to reopen it in a later block.
    entered: dict[str, str] = field(default_factory=dict)
    # A (y/n) question waiting for its answer: the command that asked it.
    asking: Activity | None = None


class LabRecorder:
    """Attach to a lab before it starts; `write()` at stop (and whenever wanted) saves FILE."""

    def __init__(self, lab: Lab, path: Path) -> None:
        self.lab = lab
        self.path = path
        self._created = lab.now()
        self._staged_start: datetime | None = None
        # As they were built: a session may rename a switch or change what it uses.
        self._switches = [
            {
                "name": name,
                "pid": switch.sudi.udi_pid,
                "serial": switch.sudi.udi_serial_number,
                "licenses": _Flow(switch.licenses_in_use),
                "hostname": switch.hostname,
            }
            for name, switch in lab.simulation.switches.items()
        ]
        # In the order things happened: activities, and the syslog lines of every switch.
        self._events: list[Activity | _Line] = []
        self._pending: list[_Line] = []
        # The task that added the last activity: what it logs while it settles is that step's.
        self._step_task: asyncio.Task[Any] | None = None
        self._flush_scheduled = False
        # After a staged scenario (`lab --scenario`): its steps come first, raw as written.
        self._prefix: list[Any] = []
        self._prefix_variables: set[str] = set()
        self._prefix_name = ""
        self._staged_at: tuple[datetime, datetime] | None = None  # (replay time, lab time)
        self._autosaver: asyncio.Task[None] | None = None
        lab.activity.listeners.append(self._on_activity)
        for name, switch in lab.simulation.switches.items():
            switch.syslog_listeners.append(self._listener(name))

    def continue_from(self, stage: Stage) -> None:
        """Record after `stage` is played: the file starts with the scenario's steps."""
        scenario = stage.scenario
        assert scenario.file is not None  # staged scenarios are loaded from files
        raw = yaml.safe_load(Path(scenario.file).read_text(encoding="utf-8"))
        self._prefix = list(raw["steps"][: stage.until])
        played = scenario.steps[: stage.until]
        self._prefix_variables = {v for v in map(saved_variable, played) if v is not None}
        self._prefix_name = scenario.name
        self._staged_start = scenario.start
        replayed = scenario.start + sum(
            (s.advance for s in played if isinstance(s, AdvanceStep)), timedelta(0)
        )

        async def begin(lab: Lab) -> None:
            # What staging logged is checked by the scenario's own steps.
            self._flush()
            self._events.clear()
            self._staged_at = (replayed, lab.now())

        self.lab.on_started.append(begin)

    @property
    def start(self) -> datetime:
        """The scenario's start: when the lab's switches booted (a staged lab: its scenario's).

        To the microsecond: at a rate above 0 the clock flowed while the lab started."""
        if self._staged_start is not None:
            return self._staged_start
        return self.lab.booted_at or self._created

    @property
    def resumed(self) -> tuple[datetime, datetime]:
        """Where recording begins: the virtual time a replay is at, and the lab was at."""
        if self._staged_at is not None:
            return self._staged_at
        return self.start, self.lab.booted_at or self._created

    def save_while_running(self, every: float = AUTOSAVE_SECONDS) -> None:
        """Also write the file every few seconds while the lab runs: a crash loses little."""

        async def start(lab: Lab) -> None:
            self._autosaver = asyncio.create_task(self._autosave(every))

        self.lab.on_started.append(start)

    async def _autosave(self, every: float) -> None:
        saved = 0
        while True:
            await asyncio.sleep(every)
            if len(self._events) + len(self._pending) == saved:
                continue
            saved = len(self._events) + len(self._pending)
            try:
                self.write()
            except RecordError:
                continue  # nothing to write yet, or not valid yet: the final write says why
            except Exception as exc:
                # Recording must never take the lab down: record it and keep trying.
                self.lab.simulation.incidents.record(self.lab.now(), "lab recorder", exc)

    # ---------------------------------------------------------------- listening

    def _listener(self, switch: str) -> Callable[[SyslogRecord], None]:
        return lambda record: self._on_syslog(switch, record)

    def _on_syslog(self, switch: str, record: SyslogRecord) -> None:
        self._pending.append(_Line(switch, record, self._in_step_task()))
        if self._flush_scheduled:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._flush()
            return
        self._flush_scheduled = True
        loop.call_soon(self._flush)

    def _flush(self) -> None:
        self._flush_scheduled = False
        self._events.extend(self._pending)
        self._pending.clear()

    def _in_step_task(self) -> bool:
        try:
            task = asyncio.current_task()
        except RuntimeError:
            return False
        return task is not None and task is self._step_task

    def _on_activity(self, activity: Activity) -> None:
        try:
            self._step_task = asyncio.current_task()
        except RuntimeError:
            self._step_task = None
        if activity.kind in _CAUSES_LINES:
            # Lines logged in this run of the loop came from this activity's own work.
            self._events.append(activity)
            self._flush()
        else:
            self._flush()
            self._events.append(activity)

    # ---------------------------------------------------------------- writing

    def write(self, now: datetime | None = None) -> int:
        """Validate the scenario and write it (atomically); returns how many steps it has."""
        self._flush()
        name = self.path.stem
        end = now or self.lab.now()
        due = self.lab.simulation.scheduler.peek()
        if due is not None and due <= end:
            # A paced clock waits at an event until the pacer runs it: the replay stops short.
            end = due - timedelta(microseconds=1)
        text, count = self.scenario_text(name, end)
        if count == 0:
            raise RecordError("nothing happened in the lab: no scenario to write")
        try:
            parse_scenario(text, filename=str(self.path), expected_name=name)
        except ScenarioError as exc:
            # Never lost: kept beside FILE, under a name `slpsim run` does not pick up.
            rejected = self.path.with_name(f"{self.path.name}.rejected")
            self._replace(rejected, text)
            raise RecordError(
                f"the recording does not make a valid scenario (kept in {rejected} to fix by "
                f"hand):\n{exc}"
            ) from None
        self._replace(self.path, text)
        return count

    def _replace(self, path: Path, text: str) -> None:
        partial = path.with_name(f".{path.name}.partial")
        try:
            if path.parent != Path():
                path.parent.mkdir(parents=True, exist_ok=True)
            partial.write_text(text, encoding="utf-8")
            os.replace(partial, path)
        except OSError as exc:
            raise RecordError(f"cannot write {path}: {exc.strerror or exc}") from None

    def scenario_text(self, name: str, end: datetime) -> tuple[str, int]:
        """The scenario YAML, and its number of action steps."""
        steps = _StepBuilder(self, end).build(list(self._events))
        lab = self.lab
        switches = self._switches
        topology = lab.options.topology
        actions = [s for s in steps if "expect_syslog" not in s]
        span = format_span(end - self.start)
        staged = ""
        if self._prefix:
            staged = (
                f" It starts with steps 1 to {len(self._prefix)} of {self._prefix_name}, "
                "as the lab was staged."
            )
        document: dict[str, Any] = {
            "name": name,
            "title": f"Recorded lab session ({topology}, {self.start:%Y-%m-%d %H:%M} UTC)",
            "source": "Recorded with slpsim lab --record",
            "narrative": (
                f"A {lab.options.topology} lab with {len(switches)} switch(es), recorded from "
                f"{self.start:%Y-%m-%d %H:%M:%S} UTC over {span} of virtual time: "
                f"{len(actions)} step(s), each followed by the syslog lines it caused.{staged}\n"
            ),
            "topology": lab.options.topology,
            "start": self.start,
            "timing": _timing_overrides(lab),
            "switches": switches,
            "steps": [*self._prefix, *steps],
        }
        if not document["timing"]:
            del document["timing"]
        header = (
            "# Recorded by slpsim lab --record. Replay it with: slpsim run "
            f"{self.path.name} --narrate\n"
        )
        return header + yaml.dump(
            document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100
        ), len(actions)


class _StepBuilder:
    """Turns the recorded events into steps (see the module docstring)."""

    def __init__(self, recorder: LabRecorder, end: datetime) -> None:
        self.recorder = recorder
        self.end = end
        self.first_switch = next(iter(recorder.lab.simulation.switches))
        self.steps: list[_Step] = []
        # Virtual time a replay has reached after the steps, and the lab after the last one.
        self.replayed, self.reached = recorder.resumed
        # Lab time minus replay time, which every step keeps: at a rate above 0 a staged lab's
        # clock may have flowed past where its staged steps leave a replay.
        self.offset = self.reached - self.replayed
        self.last_jump: tuple[_Step, timedelta] | None = None
        self.staged = bool(recorder._prefix)
        self.taken = set(recorder._prefix_variables)  # variable names the staged steps set
        self.current: _Step | None = None
        self.prologue: list[tuple[str, SyslogRecord]] = []
        self.tokens: dict[str, str] = {}  # token text -> variable name
        self.sessions: dict[int, _SessionState] = {}
        self.block: _ConfigBlock | None = None

    def build(self, events: list[Activity | _Line]) -> list[dict[str, Any]]:
        for event in events:
            if isinstance(event, _Line):
                self._line(event)
            else:
                self._activity(event)
        self._close_block()
        self._flow_until(self.end)
        return self._render()

    # ------------------------------------------------------------------ events

    def _line(self, line: _Line) -> None:
        record = line.record
        at = record.sim_at or record.at
        if at > self.reached and not line.caused:
            # Logged while time flowed after the last action: it belongs to that gap.
            self._open_gap()
        target = self.current
        if target is None:
            self.prologue.append((line.switch, record))
        else:
            target.lines.append((line.switch, record))

    def _activity(self, activity: Activity) -> None:
        kind = activity.kind
        if kind == "cli" and self._config_continues(activity):
            return
        self._close_block()
        self._flow_until(activity.at)
        params = activity.params
        if kind == "cli":
            self._cli(activity)
        elif kind == "fault":
            self._add({"fault": _Flow(_fault(params))}, activity)
        elif kind == "clear":
            self._add({"clear": _Flow(target=params["target"], kind=params["kind"])}, activity)
        elif kind == "clear_all":
            self._add({"clear": "all"}, activity)
        elif kind == "advance":
            span = timedelta(seconds=float(params["seconds"]))
            step = self._add({"advance": _duration(span)}, activity)
            self.replayed += span
            self.reached = activity.at + span
            self.last_jump = (step, span)
        elif kind == "cancel" and self.last_jump is not None:
            # The last jump stopped short: replay only the time it really moved.
            step, asked = self.last_jump
            moved = timedelta(seconds=float(params["seconds"]))
            step.data["advance"] = _duration(moved)
            self.replayed -= asked - moved
            self.reached = activity.at
            self.last_jump = None
        elif kind == "token":
            number = len(self.tokens) + 1
            while f"token{number}" in self.taken:
                number += 1
            name = f"token{number}"
            self.taken.add(name)
            self.tokens[str(params["token"])] = name
            request: dict[str, Any] = {"save_as": name}
            if params.get("issuer"):
                request["issuer"] = params["issuer"]
            if params.get("virtual_account"):
                request["virtual_account"] = params["virtual_account"]
            self._add({"token": _Flow(request)}, activity)
        elif kind == "action":
            action: dict[str, Any] = {"target": params["target"], "action": params["action"]}
            action.update({k: self._substitute_all(v) for k, v in params["params"].items()})
            self._add({"backend": _Flow(action)}, activity)
        elif kind == "file":
            # The bytes are not in the activity log, and no step puts a workspace file.
            self._add_note(f"{params.get('name')} was put in the workspace (not replayed)")

    def _cli(self, activity: Activity) -> None:
        params = activity.params
        session = self.sessions.setdefault(int(params.get("session", 0)), _SessionState())
        line = str(params["line"]).rstrip("\r\n").rstrip("\x1a").strip()
        mode, next_mode = params.get("mode", "exec"), params.get("next_mode", "exec")
        if session.asking is not None:
            # The answer to a (y/n) question: a replay runs the command without asking.
            asked, session.asking = session.asking, None
            if line.lower().startswith("y") or (not line and _default_yes(asked)):
                self._exec(asked, str(asked.params["line"]).strip())
            return
        if params.get("question"):
            session.asking = activity
            return
        if not line:
            return
        if mode == "exec" and next_mode != "exec":
            # `configure terminal`: a config block opens (a config step enters config itself).
            self._open_block(activity, session, mode="config")
            return
        if mode != "exec":
            self._open_block(activity, session, mode=mode)
            self._config_continues(activity)
            return
        self._exec(activity, line)

    def _exec(self, activity: Activity, line: str) -> None:
        words = line.lower().split()
        if len(words[0]) >= 3 and any(w.startswith(words[0]) for w in _SESSION_ONLY):
            # `terminal length 0`, `exit`: they change that session, not the switch.
            return
        if _VARIABLE_MARK in line:
            self._unreplayable(line)
            return
        data: dict[str, Any] = {"exec": self._substitute(line)}
        if activity.switch and activity.switch != self.first_switch:
            data["switch"] = activity.switch
        if activity.params.get("error"):
            output = str(activity.params.get("output", ""))
            data["expect"] = _Flow(contains=[_error_line(output)])
        self._add(data, activity)

    # ------------------------------------------------------------------ config blocks

    def _open_block(self, activity: Activity, session: _SessionState, *, mode: str) -> None:
        self._flow_until(activity.at)
        switch = activity.switch or self.first_switch
        data: dict[str, Any] = {"config": ""}
        if switch != self.first_switch:
            data["switch"] = switch
        step = self._add(data, activity)
        lines = []
        if mode not in _CONFIG_MODES_ROOT and mode in session.entered:
            lines.append(session.entered[mode])  # back into the sub-mode it was left in
        self.block = _ConfigBlock(int(activity.params.get("session", 0)), switch, lines, [], step)

    def _config_continues(self, activity: Activity) -> bool:
        """Add a config-mode line to the open block of its session; False if it is not one."""
        block = self.block
        params = activity.params
        if block is None or params.get("mode", "exec") == "exec":
            return False
        if int(params.get("session", 0)) != block.session or activity.switch != block.switch:
            return False
        session = self.sessions.setdefault(block.session, _SessionState())
        raw = str(params["line"]).rstrip("\r\n")
        line = raw.rstrip("\x1a").strip()
        mode, next_mode = str(params.get("mode")), str(params.get("next_mode", "config"))
        if next_mode not in _CONFIG_MODES_ROOT and next_mode != mode:
            session.entered[next_mode] = line
        ends_block = next_mode == "exec"
        # `end`, `exit` and Ctrl-Z leave config mode, which a config step does by itself;
        # a line ending in Ctrl-Z ran before it left.
        if _VARIABLE_MARK in line:
            self._unreplayable(line)
        elif line and (not ends_block or raw.endswith("\x1a")):
            block.lines.append(self._substitute(line))
            if params.get("error"):
                block.errors.append(_error_line(str(params.get("output", ""))))
        if ends_block:
            self._close_block()
        return True

    def _close_block(self) -> None:
        block, self.block = self.block, None
        if block is None:
            return
        if not block.lines:
            self.steps.remove(block.step)
            if self.current is block.step:
                self.current = self.steps[-1] if self.steps else None
            # Its lines (if any) stay with the step before.
            if self.current is not None:
                self.current.lines.extend(block.step.lines)
            else:
                self.prologue.extend(block.step.lines)
            return
        block.step.data["config"] = "\n".join(block.lines) + "\n"
        if block.errors:
            block.step.data["expect"] = _Flow(contains=list(dict.fromkeys(block.errors)))

    # ------------------------------------------------------------------ time

    def _flow_until(self, at: datetime) -> None:
        """Time that flowed (rate above 0) up to `at` becomes an advance step."""
        if at > self.reached:
            self._open_gap()
        current = self.current
        if current is None or current.data.get("advance") != "gap":
            return
        gap = at - self.offset - self.replayed
        if gap <= timedelta(0):
            self.steps.remove(current)
            self.current = self.steps[-1] if self.steps else None
            if self.current is not None:
                self.current.lines.extend(current.lines)
            else:
                self.prologue.extend(current.lines)
        else:
            current.data["advance"] = _duration(gap)
            current.data["note"] = f"virtual time flowed ({_span(gap)})"
            self.replayed += gap
        self.reached = max(self.reached, at)

    def _open_gap(self) -> None:
        if self.current is not None and self.current.data.get("advance") == "gap":
            return
        self._close_block()
        # A placeholder until the next action says how long the gap was.
        self.current = _Step({"advance": "gap"})
        self.steps.append(self.current)

    # ------------------------------------------------------------------ steps

    def _add(self, data: dict[str, Any], activity: Activity) -> _Step:
        via = _VIA.get(activity.via or "", activity.via)
        if activity.kind == "cli" and via:
            data["note"] = (
                f"typed over {via}" if activity.via != "console" else "typed in the console"
            )
        step = _Step(data)
        self.steps.append(step)
        self.current = step
        self.reached = max(self.reached, activity.at)
        return step

    def _unreplayable(self, line: str) -> None:
        # A scenario reads `${...}` as a variable and has no way to write it literally.
        shown = line.replace(_VARIABLE_MARK, "$ {")
        self._add_note(f"not replayed: {shown!r} (a scenario reads dollar-brace as a variable)")

    def _add_note(self, text: str) -> None:
        target = self.current
        if target is None:
            return
        note = target.data.get("note")
        target.data["note"] = f"{note}; {text}" if note else text

    def _substitute(self, text: str) -> str:
        for token, name in self.tokens.items():
            text = text.replace(token, f"${{{name}}}")
        return text

    def _substitute_all(self, value: Any) -> Any:
        if isinstance(value, str):
            return self._substitute(value)
        if isinstance(value, list):
            return [self._substitute_all(v) for v in value]
        if isinstance(value, dict):
            return {k: self._substitute_all(v) for k, v in value.items()}
        return value

    def _render(self) -> list[dict[str, Any]]:
        rendered: list[dict[str, Any]] = []
        steps = [s for s in self.steps if s.data.get("advance") != "gap"]
        if steps:
            steps[0].lines[:0] = self.prologue
            # What booting logged is checked from the start (after staging: by the scenario).
            steps[0].since_start = not self.staged
        for step in steps:
            rendered.append(step.data)
            rendered.extend(self._checks(step))
        return rendered

    def _checks(self, step: _Step) -> list[dict[str, Any]]:
        counts: Counter[tuple[str, str]] = Counter()
        for switch, record in step.lines:
            counts[(switch, _glob(record.body))] += 1
        checks = []
        for (switch, glob), count in counts.items():
            check: dict[str, Any] = {"text": glob}
            check["count"] = count
            if step.since_start:
                check["since"] = "start"
            check["switch"] = switch
            checks.append({"expect_syslog": _Flow(check)})
        return checks


def _glob(body: str) -> str:
    """A message-id glob for a syslog line (`%LICMGR-3-LOG_SMART_LIC_COMM_FAILED: *`)."""
    found = _MESSAGE_ID.match(body)
    if found is not None:
        return f"{found.group(1)}: *"
    return _GLOB_SPECIAL.sub("?", body)


def _error_line(output: str) -> str:
    """The line a refused command is known by: its `%` line, else its first words."""
    lines = [ln.strip() for ln in output.splitlines() if ln.strip()]
    for line in lines:
        if line.startswith("%"):
            return line
    meaningful = [ln for ln in lines if set(ln) != {"^"}]
    return meaningful[0] if meaningful else ""


def _default_yes(asked: Activity) -> bool:
    return "[y]" in str(asked.params.get("output", "")) or "[yes]" in str(
        asked.params.get("output", "")
    )


def _duration(span: timedelta) -> str:
    """`span` as a scenario reads it back to the microsecond: `4h`, `90s`, `12.000417s`."""
    if not span.microseconds:
        return format_duration(span)
    whole = span.days * 86400 + span.seconds
    return f"{whole}.{span.microseconds:06d}".rstrip("0") + "s"


def _span(span: timedelta) -> str:
    """A span for people; under a second, with the part of a second a flowing clock leaves."""
    if span < timedelta(seconds=1):
        return f"{span.microseconds / 1e6:.3f}s"
    return format_span(span)


def _fault(params: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = {"target": params["target"], "kind": params["kind"]}
    for key, value in dict(params.get("params") or {}).items():
        if key == "seconds":
            spec[key] = parse_duration(value).total_seconds()
        elif key == "duration":
            spec[key] = format_duration(parse_duration(value))
        elif key == "offset":
            offset = parse_signed_duration(value)
            sign = "-" if offset < timedelta(0) else ""
            spec[key] = sign + format_duration(abs(offset))
        else:
            spec[key] = value
    return spec


def _timing_overrides(lab: Lab) -> dict[str, str]:
    from sim.timing import DEFAULT_TIMING

    defaults = DEFAULT_TIMING.model_dump()
    return {
        key: format_duration(value) if isinstance(value, timedelta) else value
        for key, value in lab.options.timing.model_dump().items()
        if value != defaults[key]
    }


class _Flow(dict[str, Any]):
    """A small mapping written on one line: `fault: {target: dns, kind: unreachable}`."""


class _Dumper(yaml.SafeDumper):
    """Block style for steps, flow style for `_Flow` mappings, `|` for multi-line text."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


def _represent_flow(dumper: yaml.SafeDumper, value: _Flow) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", value.items(), flow_style=True)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(_Flow, _represent_flow)
