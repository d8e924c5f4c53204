"""The timing profile: every timer of the simulation in one place, as data.

Values marked (assumption) are not stated by Cisco; they are defaults chosen by slpsim and
can be overridden per scenario (`timing:`) or per lab. The README lists them.
"""

from __future__ import annotations

import math
import re
from datetime import timedelta
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)?\s*$")
_COMPOUND = re.compile(r"^(?:\d+(?:\.\d+)?[smhdw])+$")
_PART = re.compile(r"(\d+(?:\.\d+)?)([smhdw])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
# No timer, fault or advance of the simulation needs more; beyond it, datetime arithmetic
# overflows (year 9999), so a larger duration is refused where it is read.
MAX_DURATION = timedelta(days=36500)  # 100 years
_MAX_TEXT = 64  # a duration is a short word; a longer one is not read at all


def parse_duration(value: Any) -> timedelta:
    """`90`, `"90s"`, `"5m"`, `"4h"`, `"30d"`, `"2w"`, `"1h20m"` or a timedelta -> timedelta.

    Raises ValueError (never OverflowError) for anything else, including a negative number
    and a duration longer than MAX_DURATION (100 years).
    """
    seconds: float | None = None
    if isinstance(value, timedelta):
        return _bounded(value.total_seconds(), value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str) and len(value) <= _MAX_TEXT:
        match = _DURATION.match(value)
        compact = value.replace(" ", "")
        if match:
            number, unit = match.groups()
            seconds = float(number) * _UNIT_SECONDS[unit or "s"]
        elif _COMPOUND.match(compact):
            seconds = sum(float(n) * _UNIT_SECONDS[u] for n, u in _PART.findall(compact))
    if seconds is None:
        shown = (
            repr(value) if not isinstance(value, str) or len(value) <= _MAX_TEXT else "a long text"
        )
        raise ValueError(f"expected a duration such as 30s, 5m, 4h, 15d or 1h30m, got {shown}")
    return _bounded(seconds, value)


def _bounded(seconds: float, value: Any) -> timedelta:
    if not math.isfinite(seconds) or not 0 <= seconds <= MAX_DURATION.total_seconds():
        raise ValueError(f"a duration must be from 0 to 100 years (36500d), got {value!r}")
    return value if isinstance(value, timedelta) else timedelta(seconds=seconds)


def parse_signed_duration(value: Any) -> timedelta:
    """Like `parse_duration`, and a leading `-` gives a negative offset (`-2h`)."""
    if isinstance(value, str) and value.strip().startswith("-"):
        return -parse_duration(value.strip()[1:])
    if isinstance(value, timedelta) and value < timedelta(0):
        return -parse_duration(-value)
    if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
        return -parse_duration(-value)
    return parse_duration(value)


def format_duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]


class TimingProfile(BaseModel):
    """All timers. Seed-stated values are marked (seed); the rest are assumptions."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # (seed) `license smart usage interval` default: 30 days.
    usage_interval: Duration = timedelta(days=30)
    # (assumption) first RUM push after licensing starts with licenses in use.
    first_push_delay: Duration = timedelta(hours=1)
    # (seed) how long a failed scheduled push is retried.
    retry_window: Duration = timedelta(hours=4)
    # (assumption) spacing of the retries inside the retry window.
    retry_every: Duration = timedelta(minutes=5)
    # (seed) push interval used after the retry window until a push succeeds.
    fallback_interval: Duration = timedelta(minutes=15)
    # (assumption) spacing of ACK polls after a push ("Next ACK push check").
    ack_poll_every: Duration = timedelta(minutes=5)
    # (seed) direct mode: CSSM makes the ACK available about 15 minutes after the report.
    ack_delay: Duration = timedelta(minutes=15)
    # (seed) largest clock difference CSSM accepts for trust establishment.
    max_clock_skew: Duration = timedelta(hours=1)
    # (NX-OS SLP guide) REPORTING_REQUIRED is logged when this much time remains before the
    # ACK deadline ("X-30 days") and at the deadline ("X days"), if reporting did not occur.
    reporting_warning: Duration = timedelta(days=30)
    # (assumption) one-way latency of every simulated network exchange.
    network_latency: Duration = timedelta(0)
    # (assumption) how long an exchange waits before giving up on a silent server.
    request_timeout: Duration = timedelta(seconds=60)
    # (assumption) how soon NTP corrects a switch clock that drifted or was set by hand.
    ntp_correction: Duration = timedelta(seconds=64)
    # (assumption) ID token lifetime when the scenario does not say.
    token_lifetime: Duration = timedelta(days=30)
    # (assumption) how often a connected CSLU / SSM On-Prem synchronises with CSSM.
    cslu_sync_every: Duration = timedelta(hours=1)
    onprem_sync_every: Duration = timedelta(hours=1)

    # Retention: what a switch and a back end keep of their past, as far as the CLI and the
    # back ends' pages show it, so that years of virtual time take no more memory than one.
    # (assumption) `show logging logfile` lines: NX-OS's 4 MB logfile holds about as many.
    syslog_lines_kept: int = Field(default=20000, ge=1, le=1_000_000)
    # (assumption) `show license history message` entries (imports count apart).
    history_kept: int = Field(default=200, ge=1, le=100_000)
    # (assumption) `show license eventlog` entries.
    eventlog_kept: int = Field(default=500, ge=1, le=100_000)
    # (assumption) acknowledged RUM reports a switch keeps; unacknowledged ones are never
    # dropped, they are still owed to CSSM.
    rum_reports_kept: int = Field(default=24, ge=1, le=100_000)
    # (assumption) a back end's memory of one device: its newest RUM reports (twice what a
    # switch keeps, so a `save usage all` file is still recognised as duplicates) and ACKs
    # (a switch polls for its latest only, again if a reply was lost).
    backend_reports_kept: int = Field(default=48, ge=1, le=100_000)
    backend_acks_kept: int = Field(default=4, ge=1, le=100_000)
    # (assumption) CSSM's Usage Data Files list and the CSLU / On-Prem logs, in entries.
    backend_uploads_kept: int = Field(default=100, ge=1, le=100_000)
    backend_log_lines_kept: int = Field(default=10000, ge=1, le=1_000_000)

    def with_overrides(self, overrides: dict[str, Any]) -> TimingProfile:
        merged = self.model_dump()
        merged.update(overrides)
        return TimingProfile.model_validate(merged)


DEFAULT_TIMING = TimingProfile()

# Field help for the README and `slpsim timing`.
TIMING_NOTES: dict[str, str] = {
    "usage_interval": "seed: default of `license smart usage interval`",
    "first_push_delay": "assumption: first push after licensing starts",
    "retry_window": "seed: retries after a failed scheduled push",
    "retry_every": "assumption: spacing of those retries",
    "fallback_interval": "seed: push interval after the retry window",
    "ack_poll_every": "assumption: spacing of ACK polls",
    "ack_delay": "seed: CSSM ACK availability after a report (direct)",
    "max_clock_skew": "seed: largest accepted clock difference",
    "reporting_warning": "NX-OS SLP guide: REPORTING_REQUIRED when this much time remains",
    "network_latency": "assumption: one-way latency of a simulated exchange",
    "request_timeout": "assumption: time an exchange waits for a silent server",
    "ntp_correction": "assumption: time NTP takes to correct a wrong switch clock",
    "token_lifetime": "assumption: default ID token lifetime",
    "cslu_sync_every": "assumption: connected CSLU synchronises with CSSM this often",
    "onprem_sync_every": "assumption: connected SSM On-Prem synchronises with CSSM this often",
    "syslog_lines_kept": "assumption: log file lines a switch keeps",
    "history_kept": "assumption: show license history message entries a switch keeps",
    "eventlog_kept": "assumption: show license eventlog entries a switch keeps",
    "rum_reports_kept": "assumption: acknowledged RUM reports a switch keeps",
    "backend_reports_kept": "assumption: RUM reports a back end keeps per device",
    "backend_acks_kept": "assumption: ACKs a back end keeps per device",
    "backend_uploads_kept": "assumption: usage uploads CSSM lists",
    "backend_log_lines_kept": "assumption: log lines CSLU and SSM On-Prem keep",
}
