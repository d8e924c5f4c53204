"""The Scenario document (DESIGN §5): its topology, switches and steps, and loading one.

A scenario is data: a topology, some switches and a list of steps (`sim.scenario.steps`).
The loader composes the YAML node tree first (`sim.scenario.node_tree`), then validates the
constructed data and maps each pydantic error location back to its node
(`sim.scenario.diagnostics`), so every problem reads
`scenarios/x.yaml:12: steps[3].advance: expected ...`; the cross-checks
(`sim.scenario.checks`) then look at what one field cannot know alone.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails

from sim.scenario.checks import check_scenario
from sim.scenario.diagnostics import schema_problem
from sim.scenario.node_tree import MAX_FILE_BYTES, TOO_LARGE, child, read_yaml
from sim.scenario.problems import Problem, ScenarioError, shown, tidy
from sim.scenario.steps import Step
from sim.scenario.values import SERIAL_PATTERN, StrictModel
from sim.scenario.variables import NAME_PATTERN
from sim.timing import DEFAULT_TIMING, TimingProfile

# ---------------------------------------------------------------------------- vocabulary

Topology = Literal[
    "direct", "cslu", "onprem", "cslu-disconnected", "offline", "onprem-disconnected"
]
TOPOLOGIES: tuple[str, ...] = get_args(Topology)

DEFAULT_START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
DEFAULT_SWITCH_NAME = "switch"
DEFAULT_PID = "N9K-C93180YC-FX"
DEFAULT_SERIAL = "FDO2434107N"
# Switches without a serial get FDO2434107N, FDO2434108N, ... by position (as a lab numbers
# its switches), so two of them never share a UDI and CSSM's trust records.
_SERIAL_BASE = 2434107

# Scenario files are hostile input (DESIGN §9): every number is bounded (the file's size and
# shape in sim.scenario.node_tree).
MAX_SWITCHES = 1000
MAX_STEPS = 10_000
MAX_LICENSE_COUNT = 1_000_000
# Time a scenario may cover: with every timer and offset also bounded (sim.timing), the
# simulation's dates stay far from datetime's year 9999.
EARLIEST_START = datetime(1990, 1, 1, tzinfo=UTC)
LATEST_START = datetime(2200, 1, 1, tzinfo=UTC)

_SWITCH_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")
_PID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+/-]{0,39}$")
_HOSTNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")
_LICENSE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
# Tags are words for `slpsim run -k`: no spaces, parentheses or -k's operators.
_TAG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,39}$")
MAX_TAGS = 20


def default_serial(position: int) -> str:
    """The serial number of the switch at `position` (0-based) when none is given."""
    return f"FDO{_SERIAL_BASE + position}N"


def standby_serial_for(serial: str) -> str:
    """The standby supervisor's serial when a dual-supervisor switch gives none."""
    return serial[:19] + "S"


# Chassis that take a second supervisor (Nexus 9500 and 9800, Nexus 7000 and 7700).
_MODULAR_PID = re.compile(r"^N(9K-C9[58]|7K-C7[07])[0-9]{2}")


# ---------------------------------------------------------------------------- scenario


class SwitchModel(StrictModel):
    name: str
    pid: str = Field(default=DEFAULT_PID, min_length=1)
    # None: one derived from the switch's position (see `default_serial`).
    serial: str | None = Field(default=None, min_length=1)
    licenses: dict[str, Annotated[int, Field(ge=1, le=MAX_LICENSE_COUNT)]] = Field(
        default_factory=lambda: {"NXOS_ADVANTAGE_XF": 1}, max_length=64
    )
    hostname: str | None = None
    # A dual-supervisor chassis: the standby's own UDI (derived from `serial` when not given).
    supervisors: Literal[1, 2] = 1
    standby_serial: str | None = Field(default=None, min_length=1)
    # `pak`: the switch moved to SLP from PAK licenses and converts them (seed FAQ 9).
    migrated_from: Literal["pak"] | None = None

    @model_validator(mode="after")
    def _supervisors(self) -> SwitchModel:
        if self.supervisors == 2 and not _MODULAR_PID.match(self.pid):
            raise ValueError(
                f"a second supervisor needs a modular chassis such as N9K-C9504 or N9K-C9508, "
                f"got {shown(self.pid)}"
            )
        if self.standby_serial is not None:
            if self.supervisors != 2:
                raise ValueError("standby_serial needs supervisors: 2")
            if not SERIAL_PATTERN.match(self.standby_serial):
                raise ValueError(
                    f"expected a standby serial number such as FOX2001A1C3 (letters and digits, "
                    f"at most 20), got {shown(self.standby_serial)}"
                )
        return self

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _SWITCH_NAME.match(value):
            raise ValueError(
                "expected a switch name (letters, digits, '.', '_', '-'; at most 63), "
                f"got {shown(value)}"
            )
        return value

    @field_validator("serial")
    @classmethod
    def _serial(cls, value: str | None) -> str | None:
        if value is not None and not SERIAL_PATTERN.match(value):
            raise ValueError(
                f"expected a serial number such as FDO2434107N (letters and digits, at most "
                f"20), got {shown(value)}"
            )
        return value

    @field_validator("pid")
    @classmethod
    def _pid(cls, value: str) -> str:
        if not _PID.match(value):
            raise ValueError(
                f"expected a product ID such as N9K-C93180YC-FX (at most 40 characters), "
                f"got {shown(value)}"
            )
        return value

    @field_validator("hostname")
    @classmethod
    def _hostname(cls, value: str | None) -> str | None:
        if value is not None and not _HOSTNAME.match(value):
            raise ValueError(
                "expected a hostname (letters, digits, '.', '_', '-'; at most 63), "
                f"got {shown(value)}"
            )
        return value

    @field_validator("licenses")
    @classmethod
    def _licenses(cls, value: dict[str, int]) -> dict[str, int]:
        for name in value:
            if not _LICENSE.match(name):
                raise ValueError(
                    f"expected a license name such as NXOS_ADVANTAGE_XF, got {shown(name)}"
                )
        return value


def _default_switches() -> list[SwitchModel]:
    return [SwitchModel(name=DEFAULT_SWITCH_NAME)]


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    title: str = Field(min_length=1)
    source: str = Field(min_length=1)
    narrative: str | None = None
    topology: Topology
    tags: list[str] = Field(default_factory=list, max_length=MAX_TAGS)
    start: datetime = DEFAULT_START
    timing: TimingProfile = DEFAULT_TIMING
    switches: list[SwitchModel] = Field(
        default_factory=_default_switches, min_length=1, max_length=MAX_SWITCHES
    )
    steps: list[Step] = Field(min_length=1, max_length=MAX_STEPS)

    _file: str | None = PrivateAttr(default=None)
    _step_lines: tuple[int, ...] = PrivateAttr(default=())

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: list[str]) -> list[str]:
        for tag in value:
            if not _TAG.match(tag) or tag.lower() in ("and", "or", "not"):
                raise ValueError(
                    f"expected tags such as trust or comm-failed (letters, digits, . _ : -; "
                    f"not and/or/not), got {shown(tag)}"
                )
        return value

    @field_validator("start")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        # A naive start is read as UTC: the simulation clock refuses naive datetimes.
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        if not EARLIEST_START <= value < LATEST_START:
            raise ValueError(
                f"expected a start from {EARLIEST_START:%Y} to {LATEST_START.year - 1}, "
                f"got {value.isoformat()}"
            )
        return value

    @model_validator(mode="after")
    def _serials(self) -> Scenario:
        # A serial nobody gave is derived from the position, skipping every serial given.
        taken = {s.serial for s in self.switches if s.serial is not None}
        switches = []
        for position, switch in enumerate(self.switches):
            if switch.serial is None:
                candidate = position
                while default_serial(candidate) in taken:
                    candidate += 1
                serial = default_serial(candidate)
                taken.add(serial)
                switch = switch.model_copy(update={"serial": serial})
            if switch.supervisors == 2 and switch.standby_serial is None:
                assert switch.serial is not None
                standby = standby_serial_for(switch.serial)
                switch = switch.model_copy(update={"standby_serial": standby})
            switches.append(switch)
        self.switches = switches
        return self

    @property
    def file(self) -> str | None:
        """The file this scenario was loaded from, as the caller named it."""
        return self._file

    def step_line(self, index: int) -> int | None:
        """1-based line of step `index` in its file (None when not loaded from a file)."""
        return self._step_lines[index] if index < len(self._step_lines) else None

    @property
    def switch_names(self) -> list[str]:
        return [s.name for s in self.switches]

    @property
    def token_issuer(self) -> str:
        """Who issues ID tokens when a `token` step does not say."""
        return "onprem" if self.topology.startswith("onprem") else "cssm"


# ---------------------------------------------------------------------------- loading


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate one scenario file. Raises ScenarioError (file, line, expectation)."""
    shown = str(path)
    try:
        with Path(path).open("rb") as file:
            raw = file.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            raise ScenarioError([Problem(shown, None, "", TOO_LARGE)])
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ScenarioError([Problem(shown, None, "", f"cannot read the file: {reason}")]) from None
    return parse_scenario(text, filename=shown, expected_name=Path(path).stem)


def parse_scenario(
    text: str, *, filename: str = "<scenario>", expected_name: str | None = None
) -> Scenario:
    """Validate scenario YAML text; `expected_name` (the file stem) must equal `name:`."""
    root, data, problems = read_yaml(text, filename)
    if root is None:
        raise ScenarioError(
            [Problem(filename, 1, "", "expected a scenario (name, title, ...), got an empty file")]
        )
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        problems += [schema_problem(filename, root, err, Scenario) for err in exc.errors()]
        # Every problem of a file at once: the cross-checks run on what did validate.
        repaired = _repaired(data, exc.errors(), expected_name)
        if repaired is not None:
            problems += check_scenario(repaired, root, filename, expected_name)
        raise ScenarioError(tidy(problems)) from None
    problems += check_scenario(scenario, root, filename, expected_name)
    if problems:
        raise ScenarioError(tidy(problems))
    steps_node = child(root, "steps")
    assert isinstance(steps_node, yaml.SequenceNode)  # validation guarantees a list
    scenario._file = filename
    scenario._step_lines = tuple(item.start_mark.line + 1 for item in steps_node.value)
    return scenario


# Stand-ins for values that failed validation, so the cross-checks can still look at the rest.
_STAND_INS: dict[str, object] = {"title": "-", "source": "-", "topology": "direct"}
_DEFAULTED = ("narrative", "tags", "start", "timing")


def _repaired(data: Any, errors: list[ErrorDetails], expected_name: str | None) -> Scenario | None:
    """The scenario with each invalid part replaced by a neutral stand-in, or None if that fails.

    A stand-in step keeps the `save_as` of the step it replaces, so a later `${name}` is not
    reported as unset just because the step defining it has another problem.
    """
    if not isinstance(data, dict) or not isinstance(data.get("steps"), list):
        return None
    fixed = dict(data)
    steps = list(fixed["steps"])
    fixed["steps"] = steps
    for err in errors:
        loc = err["loc"]
        head = loc[0] if loc else None
        if head == "steps" and len(loc) >= 2 and isinstance(loc[1], int) and loc[1] < len(steps):
            steps[loc[1]] = _stand_in_step(steps[loc[1]])
        elif len(loc) == 1 and err["type"] == "extra_forbidden":
            fixed.pop(str(head), None)
        elif head == "name":
            fixed["name"] = expected_name or "-"
        elif head in _STAND_INS:
            fixed[str(head)] = _STAND_INS[str(head)]
        elif head in _DEFAULTED:
            fixed.pop(str(head), None)
        else:
            return None  # switches or the steps list itself: the cross-checks would guess
    try:
        return Scenario.model_validate(fixed)
    except ValidationError:
        return None


def _stand_in_step(raw: object) -> dict[str, object]:
    saved = _saved_name(raw)
    if saved is not None:
        return {"token": {"save_as": saved}}
    return {"advance": "1s"}


def _saved_name(raw: object) -> str | None:
    if isinstance(raw, dict):
        for key, value in raw.items():
            if key == "save_as" and isinstance(value, str) and NAME_PATTERN.match(value):
                return value
            found = _saved_name(value)
            if found is not None:
                return found
    return None
