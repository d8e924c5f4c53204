"""The step kinds of a scenario: one pydantic model each, and the union that tells them apart.

Each step is a mapping with exactly one *kind* key (`exec`, `advance`, `expect_syslog`, ...).
Step kinds are registered in `STEP_KINDS`; adding one means defining its model, adding it to
`Step` and teaching the runner to run it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal, get_args

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    SerializerFunctionWrapHandler,
    Tag,
    field_serializer,
    field_validator,
    model_validator,
)

from sim.network import FAULT_KINDS, FaultError, validate_fault
from sim.scenario.problems import got, shown
from sim.scenario.values import (
    AT_LEAST_ONE,
    SERIAL_PATTERN,
    SINCE_STEP,
    CountSpec,
    Seconds,
    SignedDuration,
    SinceSpec,
    StrictModel,
    StringList,
    SyslogGlob,
    output_pattern,
)
from sim.scenario.variables import VARIABLE_PATTERN, VariableName
from sim.timing import Duration

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


# ---------------------------------------------------------------------------- parts of steps


class OutputExpectation(StrictModel):
    """Checks on the text an `exec` or `config` step printed."""

    contains: StringList = Field(default_factory=list)
    not_contains: StringList = Field(default_factory=list)
    matches: str | None = None

    @field_validator("matches")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            # `${name}` is filled in when the step runs; any word stands in for it here.
            output_pattern(VARIABLE_PATTERN.sub("x", value))
        return value


class TokenRequest(StrictModel):
    save_as: VariableName
    issuer: Literal["cssm", "onprem"] | None = None  # None: the topology's issuer
    virtual_account: str | None = None
    smart_account: str | None = None
    lifetime: Duration | None = None
    max_uses: int | None = Field(default=None, ge=1)


class FaultSpec(StrictModel):
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


class ClearTarget(StrictModel):
    target: str
    kind: FaultKind


def _clear(value: Any) -> Any:
    if value == "all":
        return None
    if isinstance(value, Mapping | ClearTarget):
        return value
    raise ValueError(f"expected `all` or a mapping {{target: ..., kind: ...}}, got {got(value)}")


class SyslogExpectation(StrictModel):
    text: SyslogGlob
    count: CountSpec = AT_LEAST_ONE
    since: SinceSpec = SINCE_STEP
    switch: str | None = None


class NoSyslogExpectation(StrictModel):
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


class StepBase(StrictModel):
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


class RmaSpec(StrictModel):
    """A replacement chassis (seed FAQ 25): its serial, and the files carried over to it."""

    serial: str
    carry: list[str] = Field(default_factory=list, max_length=16)

    @field_validator("serial")
    @classmethod
    def _serial(cls, value: str) -> str:
        if not SERIAL_PATTERN.match(value):
            raise ValueError(
                f"expected the replacement's serial number such as FDO2999001A (letters and "
                f"digits, at most 20), got {shown(value)}"
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


STEP_BY_TAG = {_tag(kind): cls for kind, cls in STEP_KINDS.items()}


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


def saved_variable(step: StepBase) -> str | None:
    """The variable a step defines (`save_as`), if any."""
    if isinstance(step, TokenStep):
        return step.token.save_as
    if isinstance(step, BackendStep):
        return step.backend.save_as
    return None
