"""Scenario files (DESIGN §5): pydantic models and a loader whose errors name file and line.

A scenario is data: a topology, some switches and a list of steps. Each step is a mapping
with exactly one *kind* key (`exec`, `advance`, `expect_syslog`, ...). Step kinds are plain
pydantic models registered in `STEP_KINDS`; adding one means defining its model, adding it to
`Step` and teaching the runner to run it.

The loader composes the YAML node tree first (for line numbers and duplicate keys), then
validates the constructed data and maps each pydantic error location back to its node, so
every problem reads `scenarios/x.yaml:12: steps[3].advance: expected ...`.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, get_args, get_origin

import re2
import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PlainSerializer,
    PlainValidator,
    PrivateAttr,
    SerializerFunctionWrapHandler,
    Tag,
    ValidationError,
    field_serializer,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails

from sim.network import FAULT_KINDS, FaultError, check_fault_target, validate_fault
from sim.timing import (
    DEFAULT_TIMING,
    Duration,
    TimingProfile,
    format_duration,
    parse_duration,
    parse_signed_duration,
)

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

# Scenario files are hostile input (DESIGN §9): bounded in size, shape and every number.
MAX_FILE_BYTES = 1024 * 1024
MAX_YAML_NODES = 100_000  # counted with every alias expanded (no "billion laughs")
MAX_YAML_DEPTH = 64
MAX_SWITCHES = 1000
MAX_STEPS = 10_000
MAX_LICENSE_COUNT = 1_000_000
# Time a scenario may cover: with every timer and offset also bounded (sim.timing), the
# simulation's dates stay far from datetime's year 9999.
EARLIEST_START = datetime(1990, 1, 1, tzinfo=UTC)
LATEST_START = datetime(2200, 1, 1, tzinfo=UTC)
MAX_SCENARIO_SPAN = timedelta(days=36500)

BACKENDS = ("cssm", "cslu", "onprem")
FAULT_TARGETS = (*BACKENDS, "dns", "ntp")  # plus every switch name of the scenario

FaultKind = Literal[
    "unreachable",
    "dns",
    "http-404",
    "http-500",
    "empty-response",
    "tls-invalid",
    "slow",
    "ack-delay",
    "down-rev",
    "signature-invalid",
    "clock-skew",
]
FAULT_PARAMS = ("seconds", "duration", "offset")
assert set(get_args(FaultKind)) == set(FAULT_KINDS)

_VARIABLE = re.compile(r"\$\{([^{}]*)\}")  # [^{}]: linear on unclosed `${`
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SWITCH_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")
_SERIAL = re.compile(r"^[A-Za-z0-9]{1,20}$")
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


def _shown(value: str, limit: int = 80) -> str:
    return repr(value) if len(value) <= limit else f"{value[:limit]!r}... ({len(value)} characters)"


def _got(value: object) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    return repr(value)


# ---------------------------------------------------------------------------- value types


def format_span(delta: timedelta) -> str:
    """A span for people: `4h15m`, `30d`, `1d2h3m4s`, `-2h` or `0s`."""
    seconds = int(delta.total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return sign + ("".join(parts) or "0s")


SignedDuration = Annotated[timedelta, BeforeValidator(parse_signed_duration)]


def _seconds(value: Any) -> float:
    seconds = parse_duration(value).total_seconds()
    if seconds <= 0:
        raise ValueError(f"expected a positive number of seconds, got {_got(value)}")
    return seconds


Seconds = Annotated[float, BeforeValidator(_seconds)]


def _variable_name(value: Any) -> Any:
    if isinstance(value, str) and not _NAME.match(value):
        raise ValueError(
            f"expected a variable name (letters, digits and _, not starting with a digit), "
            f"got {value!r}"
        )
    return value


VariableName = Annotated[str, BeforeValidator(_variable_name)]


def _one_or_many(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


StringList = Annotated[list[str], BeforeValidator(_one_or_many)]


def _glob(value: Any) -> Any:
    # Bodies always start with `%`; a pattern starting with anything else can never match.
    if isinstance(value, str) and not value.startswith(("%", "*", "?")):
        raise ValueError(
            "expected a glob over the line from `%` on, such as "
            f"'%LICMGR-3-LOG_SMART_LIC_COMM_FAILED: *' (or starting with `*`), got {value!r}"
        )
    return value


SyslogGlob = Annotated[str, BeforeValidator(_glob)]


@dataclass(frozen=True)
class Since:
    """Where an `expect_syslog` window starts: `step`, `start`, or a look-back like `-4h`."""

    mode: Literal["step", "start", "window"]
    window: timedelta = timedelta(0)

    def __str__(self) -> str:
        return f"-{format_duration(self.window)}" if self.mode == "window" else self.mode

    def describe(self) -> str:
        if self.mode == "step":
            return "since the previous step"
        if self.mode == "start":
            return "since the start"
        return f"in the last {format_span(self.window)}"


SINCE_STEP = Since("step")
SINCE_START = Since("start")


def parse_since(value: Any) -> Since:
    if isinstance(value, Since):
        return value
    if value in ("step", "start"):
        return Since(value)
    if isinstance(value, str) and value.strip().startswith("-"):
        window = parse_duration(value.strip()[1:])
        if window > timedelta(0):
            return Since("window", window)
    raise ValueError(f"expected step, start or a look-back such as -4h, got {_got(value)}")


SinceSpec = Annotated[Since, PlainValidator(parse_since), PlainSerializer(str, return_type=str)]


class Count(BaseModel):
    """How many matching lines an `expect_syslog` wants: `1` (exactly) or `{min: n, max: m}`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min: int | None = Field(default=None, ge=0)
    max: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _bounds(self) -> Count:
        if self.min is None and self.max is None:
            raise ValueError("expected min, max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"expected min ≤ max, got min {self.min} and max {self.max}")
        return self

    def accepts(self, found: int) -> bool:
        return (self.min is None or found >= self.min) and (self.max is None or found <= self.max)

    def describe(self) -> str:
        def lines(n: int) -> str:
            return f"{n} line" if n == 1 else f"{n} lines"

        if self.max == 0:
            return "no line"
        if self.min == self.max and self.min is not None:
            return f"exactly {lines(self.min)}"
        if self.max is None:
            return f"at least {lines(self.min or 0)}"
        if not self.min:
            return f"at most {lines(self.max)}"
        return f"between {self.min} and {lines(self.max)}"


AT_LEAST_ONE = Count(min=1)
NO_LINE = Count(max=0)


def _count(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError(f"expected a count such as 1 or {{min: 1, max: 3}}, got {value!r}")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"expected a count of 0 or more, got {value}")
        return {"min": value, "max": value}
    if isinstance(value, Mapping | Count):
        return value
    raise ValueError(f"expected a count such as 1 or {{min: 1, max: 3}}, got {_got(value)}")


CountSpec = Annotated[Count, BeforeValidator(_count)]


# ---------------------------------------------------------------------------- parts of steps


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OutputExpectation(_Strict):
    """Checks on the text an `exec` or `config` step printed."""

    contains: StringList = Field(default_factory=list)
    not_contains: StringList = Field(default_factory=list)
    matches: str | None = None

    @field_validator("matches")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            # `${name}` is filled in when the step runs; any word stands in for it here.
            output_pattern(_VARIABLE.sub("x", value))
        return value


_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False  # a bad pattern is a scenario error, not a line on stderr


class OutputPattern:
    """A `matches:` expression: RE2 (linear time, so no backreferences or lookaround)."""

    def __init__(self, pattern: str) -> None:
        try:
            # ^ and $ match at every line of the output.
            self._regexp: Any = re2.compile("(?m)" + pattern, _RE2_OPTIONS)
        except (re2.error, UnicodeEncodeError) as exc:
            detail = str(exc.args[0] if exc.args else exc)
            if isinstance(exc.args[0] if exc.args else None, bytes):
                detail = exc.args[0].decode("utf-8", "replace")
            raise ValueError(
                f"expected a regular expression in RE2 syntax ({detail}), got {pattern!r}"
            ) from None

    def search(self, text: str) -> bool:
        return self._regexp.search(text.encode("utf-8", "surrogatepass")) is not None


def output_pattern(pattern: str) -> OutputPattern:
    return OutputPattern(pattern)


class TokenRequest(_Strict):
    save_as: VariableName
    issuer: Literal["cssm", "onprem"] | None = None  # None: the topology's issuer
    virtual_account: str | None = None
    smart_account: str | None = None
    lifetime: Duration | None = None
    max_uses: int | None = Field(default=None, ge=1)


class FaultSpec(_Strict):
    """`{target, kind, ...params}`; which params a kind takes is `FAULT_KINDS`."""

    target: str
    kind: FaultKind
    seconds: Seconds | None = None
    duration: Duration | None = None
    offset: SignedDuration | None = None

    @model_validator(mode="after")
    def _params_fit_kind(self) -> FaultSpec:
        wanted = FAULT_KINDS[self.kind]
        missing = [p for p in wanted if getattr(self, p) is None]
        if missing:
            raise ValueError(f"fault kind {self.kind} needs {', '.join(missing)}")
        extra = [p for p in FAULT_PARAMS if p not in wanted and getattr(self, p) is not None]
        if extra:
            raise ValueError(f"fault kind {self.kind} takes no {', '.join(extra)}")
        # The same bounds as the lab's (seconds, durations, offsets), checked at load time.
        try:
            validate_fault(self.kind, self.params())
        except FaultError as exc:
            raise ValueError(str(exc)) from None
        return self

    def params(self) -> dict[str, object]:
        return {p: getattr(self, p) for p in FAULT_KINDS[self.kind]}


class ClearTarget(_Strict):
    target: str
    kind: FaultKind


def _clear(value: Any) -> Any:
    if value == "all":
        return None
    if isinstance(value, Mapping | ClearTarget):
        return value
    raise ValueError(f"expected `all` or a mapping {{target: ..., kind: ...}}, got {_got(value)}")


class SyslogExpectation(_Strict):
    text: SyslogGlob
    count: CountSpec = AT_LEAST_ONE
    since: SinceSpec = SINCE_STEP
    switch: str | None = None


class NoSyslogExpectation(_Strict):
    text: SyslogGlob
    since: SinceSpec = SINCE_STEP
    switch: str | None = None


class BackendAction(BaseModel):
    """`{target, action, save_as?, ...params}`: the params go to `Simulation.backend_action`."""

    model_config = ConfigDict(extra="allow", frozen=True)

    target: Literal["cssm", "cslu", "onprem"]
    action: str = Field(min_length=1)
    save_as: VariableName | None = None

    @model_validator(mode="after")
    def _no_expect_inside(self) -> BackendAction:
        # `expect` inside the mapping would silently become a parameter nobody reads.
        if "expect" in (self.model_extra or {}):
            raise ValueError("expect: belongs beside backend:, not inside it")
        return self

    def params(self) -> dict[str, object]:
        return dict(self.model_extra or {})


# ---------------------------------------------------------------------------- steps


class StepBase(_Strict):
    kind: ClassVar[str]
    # Expectation steps look at what the last action step did; they do not move the "step"
    # window themselves, so several checks in a row all see the same action's output.
    is_expectation: ClassVar[bool] = False

    note: str | None = None


class ConfigStep(StepBase):
    kind: ClassVar[str] = "config"

    config: str | list[str]
    switch: str | None = None
    expect: OutputExpectation | None = None

    @field_validator("config")
    @classmethod
    def _not_blank(cls, value: str | list[str]) -> str | list[str]:
        lines = value.splitlines() if isinstance(value, str) else value
        if not any(line.strip() for line in lines):
            raise ValueError("expected at least one configuration line")
        return value

    @property
    def lines(self) -> list[str]:
        lines = self.config.splitlines() if isinstance(self.config, str) else self.config
        return [line.strip() for line in lines if line.strip()]


class ExecStep(StepBase):
    kind: ClassVar[str] = "exec"

    exec: str
    switch: str | None = None
    expect: OutputExpectation | None = None

    @field_validator("exec")
    @classmethod
    def _one_line(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("expected a command")
        if "\n" in value:
            raise ValueError("expected one command on one line (use one exec step per command)")
        return value


class TokenStep(StepBase):
    kind: ClassVar[str] = "token"

    token: TokenRequest


class AdvanceStep(StepBase):
    kind: ClassVar[str] = "advance"

    advance: Duration


class FaultStep(StepBase):
    kind: ClassVar[str] = "fault"

    fault: FaultSpec


class ClearStep(StepBase):
    kind: ClassVar[str] = "clear"

    clear: Annotated[ClearTarget | None, BeforeValidator(_clear)]  # None: `clear: all`

    @field_serializer("clear", mode="wrap")
    def _all(self, value: ClearTarget | None, handler: SerializerFunctionWrapHandler) -> Any:
        return "all" if value is None else handler(value)


class ExpectSyslogStep(StepBase):
    kind: ClassVar[str] = "expect_syslog"
    is_expectation: ClassVar[bool] = True

    expect_syslog: SyslogExpectation
    switch: str | None = None

    @model_validator(mode="after")
    def _one_switch(self) -> ExpectSyslogStep:
        _check_switches(self.switch, self.expect_syslog.switch)
        return self

    @property
    def target_switch(self) -> str | None:
        return self.expect_syslog.switch or self.switch


class ExpectNoSyslogStep(StepBase):
    kind: ClassVar[str] = "expect_no_syslog"
    is_expectation: ClassVar[bool] = True

    expect_no_syslog: NoSyslogExpectation
    switch: str | None = None

    @model_validator(mode="after")
    def _one_switch(self) -> ExpectNoSyslogStep:
        _check_switches(self.switch, self.expect_no_syslog.switch)
        return self

    @property
    def target_switch(self) -> str | None:
        return self.expect_no_syslog.switch or self.switch


class BackendStep(StepBase):
    kind: ClassVar[str] = "backend"

    backend: BackendAction
    # Checks on the text the action returned (what the UI showed, or a file's content).
    expect: OutputExpectation | None = None


class RmaSpec(_Strict):
    """A replacement chassis (seed FAQ 25): its serial, and the files carried over to it."""

    serial: str
    carry: list[str] = Field(default_factory=list, max_length=16)

    @field_validator("serial")
    @classmethod
    def _serial(cls, value: str) -> str:
        if not _SERIAL.match(value):
            raise ValueError(
                f"expected the replacement's serial number such as FDO2999001A (letters and "
                f"digits, at most 20), got {_shown(value)}"
            )
        return value


class RmaStep(StepBase):
    kind: ClassVar[str] = "rma"

    rma: RmaSpec
    switch: str | None = None


def _check_switches(outer: str | None, inner: str | None) -> None:
    if outer is not None and inner is not None and outer != inner:
        raise ValueError(f"the step names two switches, {outer!r} and {inner!r}")


STEP_KINDS: dict[str, type[StepBase]] = {
    cls.kind: cls
    for cls in (
        ConfigStep,
        ExecStep,
        TokenStep,
        AdvanceStep,
        FaultStep,
        ClearStep,
        ExpectSyslogStep,
        ExpectNoSyslogStep,
        BackendStep,
        RmaStep,
    )
}


def _tag(kind: str) -> str:
    # Tags show up in pydantic error locations; they must never equal a YAML key, so the
    # location walk can tell them apart and skip them.
    return f"{kind} step"


_STEP_BY_TAG = {_tag(kind): cls for kind, cls in STEP_KINDS.items()}


def _step_tag(value: Any) -> str | None:
    if isinstance(value, StepBase):
        return _tag(value.kind)
    if isinstance(value, Mapping):
        for key in value:
            if key in STEP_KINDS:
                return _tag(key)
    return None


Step = Annotated[
    Annotated[ConfigStep, Tag(_tag("config"))]
    | Annotated[ExecStep, Tag(_tag("exec"))]
    | Annotated[TokenStep, Tag(_tag("token"))]
    | Annotated[AdvanceStep, Tag(_tag("advance"))]
    | Annotated[FaultStep, Tag(_tag("fault"))]
    | Annotated[ClearStep, Tag(_tag("clear"))]
    | Annotated[ExpectSyslogStep, Tag(_tag("expect_syslog"))]
    | Annotated[ExpectNoSyslogStep, Tag(_tag("expect_no_syslog"))]
    | Annotated[BackendStep, Tag(_tag("backend"))]
    | Annotated[RmaStep, Tag(_tag("rma"))],
    Discriminator(
        _step_tag,
        custom_error_type="step_kind",
        custom_error_message="expected a step: a mapping with one step kind",
    ),
]


# ---------------------------------------------------------------------------- scenario


class SwitchModel(_Strict):
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
                f"got {_shown(self.pid)}"
            )
        if self.standby_serial is not None:
            if self.supervisors != 2:
                raise ValueError("standby_serial needs supervisors: 2")
            if not _SERIAL.match(self.standby_serial):
                raise ValueError(
                    f"expected a standby serial number such as FOX2001A1C3 (letters and digits, "
                    f"at most 20), got {_shown(self.standby_serial)}"
                )
        return self

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _SWITCH_NAME.match(value):
            raise ValueError(
                "expected a switch name (letters, digits, '.', '_', '-'; at most 63), "
                f"got {_shown(value)}"
            )
        return value

    @field_validator("serial")
    @classmethod
    def _serial(cls, value: str | None) -> str | None:
        if value is not None and not _SERIAL.match(value):
            raise ValueError(
                f"expected a serial number such as FDO2434107N (letters and digits, at most "
                f"20), got {_shown(value)}"
            )
        return value

    @field_validator("pid")
    @classmethod
    def _pid(cls, value: str) -> str:
        if not _PID.match(value):
            raise ValueError(
                f"expected a product ID such as N9K-C93180YC-FX (at most 40 characters), "
                f"got {_shown(value)}"
            )
        return value

    @field_validator("hostname")
    @classmethod
    def _hostname(cls, value: str | None) -> str | None:
        if value is not None and not _HOSTNAME.match(value):
            raise ValueError(
                "expected a hostname (letters, digits, '.', '_', '-'; at most 63), "
                f"got {_shown(value)}"
            )
        return value

    @field_validator("licenses")
    @classmethod
    def _licenses(cls, value: dict[str, int]) -> dict[str, int]:
        for name in value:
            if not _LICENSE.match(name):
                raise ValueError(
                    f"expected a license name such as NXOS_ADVANTAGE_XF, got {_shown(name)}"
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
                    f"not and/or/not), got {_shown(tag)}"
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


# ---------------------------------------------------------------------------- variables


class UndefinedVariableError(ValueError):
    pass


def variables_in(text: str) -> list[str]:
    return _VARIABLE.findall(text)


def substitute(text: str, variables: Mapping[str, str]) -> str:
    """Replace each `${name}` by its value; an unknown name raises UndefinedVariableError."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in variables:
            raise UndefinedVariableError(f"${{{name}}} has no value (no earlier save_as)")
        return variables[name]

    return _VARIABLE.sub(value, text)


def substitute_all(value: object, variables: Mapping[str, str]) -> object:
    """`substitute` through nested lists and mappings (back-end action parameters)."""
    if isinstance(value, str):
        return substitute(value, variables)
    if isinstance(value, list):
        return [substitute_all(v, variables) for v in value]
    if isinstance(value, dict):
        return {k: substitute_all(v, variables) for k, v in value.items()}
    return value


def saved_variable(step: StepBase) -> str | None:
    """The variable a step defines (`save_as`), if any."""
    if isinstance(step, TokenStep):
        return step.token.save_as
    if isinstance(step, BackendStep):
        return step.backend.save_as
    return None


# ---------------------------------------------------------------------------- errors


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class ScenarioError(ValueError):
    """A scenario file that cannot be used; `str()` gives one `file:line: ...` per problem."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))

    @property
    def file(self) -> str:
        return self.problems[0].file

    @property
    def line(self) -> int | None:
        return self.problems[0].line


_MAX_PROBLEMS = 10

Loc = tuple[str | int, ...]


# ---------------------------------------------------------------------------- loading


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate one scenario file. Raises ScenarioError (file, line, expectation)."""
    shown = str(path)
    try:
        with Path(path).open("rb") as file:
            raw = file.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            raise ScenarioError([Problem(shown, None, "", _TOO_LARGE)])
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ScenarioError([Problem(shown, None, "", f"cannot read the file: {reason}")]) from None
    return parse_scenario(text, filename=shown, expected_name=Path(path).stem)


def parse_scenario(
    text: str, *, filename: str = "<scenario>", expected_name: str | None = None
) -> Scenario:
    """Validate scenario YAML text; `expected_name` (the file stem) must equal `name:`."""
    root, data, problems = _read_yaml(text, filename)
    if root is None:
        raise ScenarioError(
            [Problem(filename, 1, "", "expected a scenario (name, title, ...), got an empty file")]
        )
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        problems += [_problem(filename, root, err) for err in exc.errors()]
        # Every problem of a file at once: the cross-checks run on what did validate.
        repaired = _repaired(data, exc.errors(), expected_name)
        if repaired is not None:
            problems += _check(repaired, root, filename, expected_name)
        raise ScenarioError(_tidy(problems)) from None
    problems += _check(scenario, root, filename, expected_name)
    if problems:
        raise ScenarioError(_tidy(problems))
    steps_node = _child(root, "steps")
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
            if key == "save_as" and isinstance(value, str) and _NAME.match(value):
                return value
            found = _saved_name(value)
            if found is not None:
                return found
    return None


def _tidy(problems: list[Problem]) -> list[Problem]:
    unique = list(dict.fromkeys(problems))
    unique.sort(key=lambda p: p.line or 0)
    return unique[:_MAX_PROBLEMS]


class _Loader(yaml.SafeLoader):
    """SafeLoader whose impossible values (2026-13-45, a 5000-digit number) are marked errors."""

    def construct_timestamp(self, node: yaml.ScalarNode) -> Any:
        try:
            return self.construct_yaml_timestamp(node)
        except (ValueError, OverflowError) as exc:
            raise yaml.constructor.ConstructorError(
                None, None, f"invalid date or time {_shown(node.value)} ({exc})", node.start_mark
            ) from None

    def construct_int(self, node: yaml.ScalarNode) -> Any:
        # Python refuses to convert very long digit strings (and would be slow to); no
        # number in a scenario needs more than a few digits.
        if len(node.value) > 40:
            raise yaml.constructor.ConstructorError(
                None, None, f"number too long: {_shown(node.value, 20)}", node.start_mark
            )
        try:
            return self.construct_yaml_int(node)
        except ValueError as exc:
            raise yaml.constructor.ConstructorError(
                None, None, f"invalid number {_shown(node.value)} ({exc})", node.start_mark
            ) from None


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_timestamp)
_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_int)


def _read_yaml(text: str, filename: str) -> tuple[yaml.Node | None, Any, list[Problem]]:
    """The node tree, the data, and the duplicate keys (reported with the schema's problems)."""
    if len(text) > MAX_FILE_BYTES:
        raise ScenarioError([Problem(filename, None, "", _TOO_LARGE)])
    try:
        loader = _Loader(text)
    except yaml.reader.ReaderError as exc:
        char_line = text.count("\n", 0, exc.position) + 1
        char = exc.character
        code = char if isinstance(char, int) else ord(char)
        raise ScenarioError(
            [Problem(filename, char_line, "", f"character U+{code:04X} is not allowed in YAML")]
        ) from None
    try:
        root = loader.get_single_node()
        if root is None:
            return None, None, []
        _check_shape(root, filename)
        duplicates = _duplicate_keys(root, filename)
        return root, loader.construct_document(root), duplicates
    except RecursionError:
        depth_mark = loader.get_mark()
        depth_line = depth_mark.line + 1
        raise ScenarioError(
            [
                Problem(
                    filename,
                    depth_line,
                    "",
                    f"nested too deeply (at most {MAX_YAML_DEPTH} levels)",
                )
            ]
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        what = exc.problem or "invalid YAML"
        if exc.context and exc.context_mark is not None:
            what += f" ({exc.context} at line {exc.context_mark.line + 1})"
        elif exc.context:
            what += f" ({exc.context})"
        if not isinstance(exc, yaml.constructor.ConstructorError):
            what = f"YAML syntax error: {what}"
        raise ScenarioError([Problem(filename, line, "", what)]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([Problem(filename, None, "", f"YAML error: {exc}")]) from None
    finally:
        loader.dispose()


def _check_shape(root: yaml.Node, filename: str) -> None:
    """Refuse a node tree too deep, or too large once its aliases are expanded.

    Aliases make the tree a graph that validation walks as a tree: ten nested aliases of ten
    items each are ten billion items ("billion laughs"). Sizes are counted per distinct node
    (memoised), so this check itself is linear in the file.
    """
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    open_nodes: set[int] = set()  # entered, children not done: meeting one again is a cycle
    # Iterative post-order walk: the file may nest deeper than Python's recursion limit.
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in size:
            continue
        children = _children(node)
        if not children_done:
            if id(node) in open_nodes:
                raise ScenarioError(
                    [
                        Problem(
                            filename,
                            node.start_mark.line + 1,
                            "",
                            "an alias refers to a value that contains it",
                        )
                    ]
                )
            open_nodes.add(id(node))
            stack.append((node, True))
            stack.extend((child, False) for child in children if id(child) not in size)
            if len(stack) > MAX_YAML_NODES:
                raise ScenarioError(
                    [Problem(filename, node.start_mark.line + 1, "", _TOO_MANY_NODES)]
                )
            continue
        open_nodes.discard(id(node))
        size[id(node)] = 1 + sum(size.get(id(c), 0) for c in children)
        depth[id(node)] = 1 + max((depth.get(id(c), 0) for c in children), default=0)
        if depth[id(node)] > MAX_YAML_DEPTH:
            raise ScenarioError(
                [
                    Problem(
                        filename,
                        node.start_mark.line + 1,
                        "",
                        f"nested too deeply (at most {MAX_YAML_DEPTH} levels)",
                    )
                ]
            )
        if size[id(node)] > MAX_YAML_NODES:
            raise ScenarioError([Problem(filename, node.start_mark.line + 1, "", _TOO_MANY_NODES)])


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


_TOO_LARGE = f"the file is larger than {MAX_FILE_BYTES // 1024} KiB; a scenario is at most that"
_TOO_MANY_NODES = (
    f"the document has more than {MAX_YAML_NODES} values once its aliases (*name) are "
    "expanded; a scenario is far smaller"
)


def _duplicate_keys(root: yaml.Node, filename: str) -> list[Problem]:
    problems = []
    seen_nodes: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first_line: dict[str, int] = {}
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    line = key.start_mark.line + 1
                    if key.value in first_line:
                        problems.append(
                            Problem(
                                filename,
                                line,
                                "",
                                f"duplicate key {key.value!r} "
                                f"(first given at line {first_line[key.value]})",
                            )
                        )
                    else:
                        first_line[key.value] = line
                stack.extend((key, value))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return problems


def _child(node: yaml.Node, key: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == str(key):
                child: yaml.Node = v
                return child
    return None


def _key_node(node: yaml.Node, key: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, _ in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == str(key):
                return k
    return None


def _locate(root: yaml.Node, loc: Loc) -> tuple[int, Loc]:
    """Walk `loc` down the node tree: the line it points at, and `loc` without union tags."""
    node = root
    line = root.start_mark.line + 1
    clean: list[str | int] = []
    for position, part in enumerate(loc):
        if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
            clean.append(part)
            continue
        key = _key_node(node, part)
        value = _child(node, part)
        if key is not None and value is not None:
            node = value
            line = key.start_mark.line + 1
            clean.append(part)
            continue
        if part in _STEP_BY_TAG:
            continue
        # Not in the file (a missing key, or below a value of the wrong shape): stop here.
        clean.extend(p for p in loc[position:] if p not in _STEP_BY_TAG)
        break
    return line, tuple(clean)


def _problem(filename: str, root: yaml.Node, err: ErrorDetails) -> Problem:
    line, clean = _locate(root, err["loc"])
    path = _path_text(clean)
    kind = err["type"]
    value = err.get("input")
    ctx = err.get("ctx") or {}
    if kind == "missing":
        parent = _path_text(clean[:-1])
        return Problem(filename, line, parent, f"missing required key {clean[-1]!r}")
    if kind == "extra_forbidden":
        return Problem(filename, line, _path_text(clean[:-1]), _unknown_key(err["loc"]))
    if kind == "step_kind":
        return Problem(filename, line, path, _bad_step(value))
    return Problem(filename, line, path, _expected(kind, err["msg"], value, ctx))


def _path_text(loc: Loc) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _expected(kind: str, msg: str, value: object, ctx: dict[str, Any]) -> str:
    if kind in ("value_error", "assertion_error") and "error" in ctx:
        return str(ctx["error"])
    simple = {
        "string_type": "expected text",
        "int_type": "expected a whole number",
        "int_parsing": "expected a whole number",
        "int_from_float": "expected a whole number",
        "float_type": "expected a number",
        "float_parsing": "expected a number",
        "bool_type": "expected true or false",
        "dict_type": "expected a mapping",
        "model_type": "expected a mapping",
        "model_attributes_type": "expected a mapping",
        "list_type": "expected a list",
        "datetime_type": "expected a date and time such as 2026-01-05T09:00:00Z",
        "datetime_parsing": "expected a date and time such as 2026-01-05T09:00:00Z",
        "datetime_from_date_parsing": "expected a date and time such as 2026-01-05T09:00:00Z",
    }
    if kind in simple:
        return f"{simple[kind]}, got {_got(value)}"
    if kind == "literal_error":
        return f"expected one of {ctx.get('expected', '?')}, got {_got(value)}"
    if kind == "too_short":
        noun = "item" if ctx.get("min_length") == 1 else "items"
        return f"expected at least {ctx.get('min_length')} {noun}, got {_got(value)}"
    if kind == "too_long":
        return f"expected at most {ctx.get('max_length')} items, got {ctx.get('actual_length')}"
    if kind == "string_too_short":
        return "expected some text, got an empty string"
    if kind in ("greater_than_equal", "greater_than"):
        return f"expected a number {msg.removeprefix('Input should be ')}, got {_got(value)}"
    return f"{msg.replace('Input should be', 'expected', 1)}, got {_got(value)}"


def _unknown_key(loc: Loc) -> str:
    key = loc[-1]
    model = _model_at(loc[:-1])
    if model is not None and issubclass(model, StepBase):
        if key in STEP_KINDS:
            return f"a step has exactly one kind; this one has {model.kind!r} and {key!r}"
        if key == "switch":
            article = "an" if model.kind[0] in "aeiou" else "a"
            return f"'switch' does not apply to {article} {model.kind} step: it acts on no switch"
        allowed = [model.kind, *(f for f in model.model_fields if f != model.kind)]
        return (
            f"unknown key {key!r} in this {model.kind} step; expected one of: {', '.join(allowed)}"
        )
    if model is not None:
        return f"unknown key {key!r}; expected one of: {', '.join(model.model_fields)}"
    return f"unknown key {key!r}"


def _bad_step(value: object) -> str:
    kinds = ", ".join(STEP_KINDS)
    if isinstance(value, Mapping):
        common = {"note", "switch"}
        unknown = [k for k in value if k not in common]
        if unknown:
            return f"unknown step kind {unknown[0]!r}; expected one of: {kinds}"
        return f"expected a step kind: one of {kinds}"
    return f"expected a step: a mapping with one of the keys {kinds}; got {_got(value)}"


def _model_at(loc: Loc) -> type[BaseModel] | None:
    """The model class that validates the mapping at `loc` (best effort, for messages)."""
    current: Any = Scenario
    for part in loc:
        current = _descend(current, part)
        if current is None:
            return None
    return _as_model(current)


def _descend(annotation: Any, part: str | int) -> Any:
    annotation = _strip(annotation)
    if isinstance(part, str) and part in _STEP_BY_TAG:
        return _STEP_BY_TAG[part]
    model = _as_model(annotation)
    if model is not None and isinstance(part, str):
        field = model.model_fields.get(part)
        return field.annotation if field is not None else None
    if get_origin(annotation) is list and isinstance(part, int):
        return get_args(annotation)[0]
    if get_origin(annotation) is dict:
        return get_args(annotation)[1]
    return None


def _strip(annotation: Any) -> Any:
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation


def _as_model(annotation: Any) -> type[BaseModel] | None:
    annotation = _strip(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) in (types.UnionType, typing.Union):
        models = [m for m in map(_as_model, get_args(annotation)) if m is not None]
        return models[0] if len(models) == 1 else None
    return None


# ---------------------------------------------------------------------------- cross-checks


def _check(
    scenario: Scenario, root: yaml.Node, filename: str, expected_name: str | None
) -> list[Problem]:
    """What one field cannot know alone: the name, switch references, variables."""
    found: list[tuple[Loc, str]] = []
    if expected_name is not None and scenario.name != expected_name:
        found.append(
            (("name",), f"expected the file's stem {expected_name!r}, got {scenario.name!r}")
        )
    names = scenario.switch_names
    for i, name in enumerate(names):
        if name in names[:i]:
            found.append((("switches", i, "name"), f"duplicate switch name {name!r}"))
    serials: dict[str, str] = {}
    for i, model in enumerate(scenario.switches):
        assert model.serial is not None  # Scenario._serials fills every one in
        if model.serial in serials:
            found.append(
                (
                    ("switches", i, "serial"),
                    f"serial number {model.serial} is already {serials[model.serial]}'s: "
                    "two switches cannot share one (CSSM would take them for one device)",
                )
            )
        else:
            serials[model.serial] = model.name
        standby = model.standby_serial
        if standby is not None:
            if standby in serials:
                found.append(
                    (
                        ("switches", i, "standby_serial"),
                        f"serial number {standby} is already {serials[standby]}'s: each "
                        "supervisor has its own",
                    )
                )
            else:
                serials[standby] = f"{model.name}'s standby"
    span = timedelta(0)
    for i, step in enumerate(scenario.steps):
        if isinstance(step, AdvanceStep):
            span += step.advance
            if span > MAX_SCENARIO_SPAN:
                found.append(
                    (
                        ("steps", i, "advance"),
                        f"the steps advance {format_span(span)} in all so far; a scenario "
                        f"covers at most {format_span(MAX_SCENARIO_SPAN)}",
                    )
                )
                break
    known = ", ".join(dict.fromkeys(names))
    targets = ", ".join(dict.fromkeys((*FAULT_TARGETS, *names)))
    for i, step in enumerate(scenario.steps):
        for loc, switch in _switch_refs(i, step):
            if switch not in names:
                found.append((loc, f"expected a switch of this scenario ({known}), got {switch!r}"))
        if isinstance(step, RmaStep) and step.rma.serial in serials:
            found.append(
                (
                    ("steps", i, "rma", "serial"),
                    f"serial number {step.rma.serial} is already {serials[step.rma.serial]}'s: "
                    "a replacement comes with a serial of its own",
                )
            )
        spec: FaultSpec | ClearTarget | None = None
        if isinstance(step, FaultStep):
            spec = step.fault
        elif isinstance(step, ClearStep):
            spec = step.clear
        if spec is not None:
            loc = ("steps", i, step.kind, "target")
            if spec.target not in FAULT_TARGETS and spec.target not in names:
                found.append((loc, f"expected a fault target ({targets}), got {spec.target!r}"))
            else:
                # The network's one table of what each target accepts: a fault with no effect
                # is refused here, with file and line, as the lab and the control API refuse it.
                try:
                    check_fault_target(spec.target, spec.kind, names)
                except FaultError as exc:
                    found.append((loc, str(exc)))
    problems = []
    for loc, message in found:
        line, _ = _locate(root, loc)
        problems.append(Problem(filename, line, _path_text(loc), message))
    problems.extend(_check_variables(scenario, root, filename))
    return problems


def _switch_refs(index: int, step: StepBase) -> Iterator[tuple[Loc, str]]:
    outer = getattr(step, "switch", None)
    if isinstance(outer, str):
        yield ("steps", index, "switch"), outer
    if isinstance(step, ExpectSyslogStep | ExpectNoSyslogStep):
        inner = step.expect_syslog if isinstance(step, ExpectSyslogStep) else step.expect_no_syslog
        if inner.switch is not None:
            yield ("steps", index, step.kind, "switch"), inner.switch


def _check_variables(scenario: Scenario, root: yaml.Node, filename: str) -> list[Problem]:
    steps_node = _child(root, "steps")
    if not isinstance(steps_node, yaml.SequenceNode):
        return []
    defined: set[str] = set()
    problems = []
    for index, (step, node) in enumerate(zip(scenario.steps, steps_node.value, strict=True)):
        for path, line, name in _variable_uses(node, f"steps[{index}]"):
            if not _NAME.match(name):
                problems.append(
                    Problem(filename, line, path, f"expected a variable name in ${{...}}: {name!r}")
                )
            elif name not in defined:
                problems.append(
                    Problem(
                        filename,
                        line,
                        path,
                        f"${{{name}}} is not set by an earlier step "
                        "(expected a token or backend step with save_as: " + name + ")",
                    )
                )
        saved = saved_variable(step)
        if saved is not None:
            defined.add(saved)
    return problems


def _variable_uses(node: yaml.Node, path: str) -> Iterator[tuple[str, int, str]]:
    if isinstance(node, yaml.ScalarNode) and isinstance(node.value, str):
        first = node.start_mark.line + 1
        # A literal block (`|`) starts on the line after its indicator, one text line per line.
        offset = 1 if node.style == "|" else 0
        for match in _VARIABLE.finditer(node.value):
            row = node.value.count("\n", 0, match.start()) if node.style == "|" else 0
            yield path, first + offset + row, match.group(1)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            yield from _variable_uses(item, f"{path}[{i}]")
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield from _variable_uses(value, f"{path}.{key.value}")
