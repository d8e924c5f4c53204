"""The value types of a scenario's fields: spans, counts, look-back windows, globs, patterns."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any, Literal

import re2
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    model_validator,
)

from sim.scenario.problems import got
from sim.timing import format_duration, parse_duration, parse_signed_duration

# Serial numbers, of a switch or of the chassis that replaces it.
SERIAL_PATTERN = re.compile(r"^[A-Za-z0-9]{1,20}$")


class StrictModel(BaseModel):
    """A mapping of the file whose unknown keys are errors and whose values never change."""

    model_config = ConfigDict(extra="forbid", frozen=True)


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
        raise ValueError(f"expected a positive number of seconds, got {got(value)}")
    return seconds


Seconds = Annotated[float, BeforeValidator(_seconds)]


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
    raise ValueError(f"expected step, start or a look-back such as -4h, got {got(value)}")


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
    raise ValueError(f"expected a count such as 1 or {{min: 1, max: 3}}, got {got(value)}")


CountSpec = Annotated[Count, BeforeValidator(_count)]

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
