"""Timeline events: what happened to each switch, and to the lab, over virtual time.

Three sources feed it. Syslog lines give COMM_FAILED / RESTORED, policy and trust installs and
the ACK deadline notices; the lab's activity log gives faults on and off, clock moves, tokens,
back-end actions and typed CLI lines; each agent's message history (read, never changed) gives
the pushes, failed pushes and ACK polls that succeed without a log line, and a switch clock
snapping back to zero offset is an NTP correction.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sim.agent.states import Channel
from sim.syslog import Message

if TYPE_CHECKING:
    from sim.agent.records import HistoryEntry
    from sim.lab.activity import Activity
    from sim.syslog import SyslogRecord

_SYSLOG_KINDS: dict[Message, str] = {
    Message.COMM_FAILED: "comm_failed",
    Message.COMM_RESTORED: "comm_restored",
    Message.POLICY_INSTALL_SUCCESS: "policy",
    Message.POLICY_INSTALL_FAILED: "policy_failed",
    Message.POLICY_REMOVED: "policy_failed",
    Message.TRUST_CODE_INSTALL_SUCCESS: "trust",
    Message.TRUST_CODE_INSTALL_FAILED: "trust_failed",
    Message.REPORTING_REQUIRED: "deadline",
    Message.REPORTING_NOT_SUPPORTED: "push_failed",
}
_SYSLOG_TEXT: dict[str, str] = {
    "comm_failed": "COMM_FAILED",
    "comm_restored": "COMM_RESTORED",
    "policy": "policy installed",
    "policy_failed": "policy install failed",
    "trust": "trust code installed",
    "trust_failed": "trust code install failed",
    "push_failed": "reporting not supported",
}


@dataclass(frozen=True)
class TimelineEvent:
    at: datetime  # simulation time
    kind: str
    text: str
    switch: str | None = None  # None: the whole lab (a DNS fault, a clock jump)

    def as_json(self, number: int) -> dict[str, Any]:
        return {
            "n": number,
            "at": self.at.isoformat(),
            "kind": self.kind,
            "text": self.text,
            "switch": self.switch,
        }


def from_syslog(switch: str, record: SyslogRecord) -> TimelineEvent | None:
    if not isinstance(record.message, Message):  # another facility's line: not licensing
        return None
    kind = _SYSLOG_KINDS.get(record.message)
    if kind is None:
        return None
    text = _SYSLOG_TEXT.get(kind) or record.text
    if kind == "comm_failed":
        text = f"COMM_FAILED: {record.text.rsplit(' : ', 1)[-1]}"
    return TimelineEvent(record.sim_at or record.at, kind, text, switch)


def from_history(switch: str, entry: HistoryEntry, sim_at: datetime) -> TimelineEvent | None:
    """A message exchange of the agent; `sim_at` is its time on the simulation clock."""
    failed = entry.outcome.startswith("FAILED")
    if entry.channel is Channel.USAGE_REPORTING:
        if failed:
            return TimelineEvent(sim_at, "retry", "push failed", switch)
        return TimelineEvent(sim_at, "push", "usage report pushed", switch)
    if entry.channel is Channel.RESULT_POLLING:
        if entry.outcome == "COMPLETE":
            return TimelineEvent(sim_at, "ack", "ACK received", switch)
        return TimelineEvent(sim_at, "ack_poll", f"ACK poll: {entry.outcome.lower()}", switch)
    return None


def ntp_correction(switch: str, at: datetime, offset_seconds: float) -> TimelineEvent:
    return TimelineEvent(at, "ntp", f"NTP corrected the clock by {-offset_seconds:+.0f} s", switch)


def from_activity(activity: Activity, switches: Collection[str]) -> TimelineEvent | None:
    """`switches`: the lab's switch names (a fault on one belongs on its lane)."""
    p = activity.params
    at = activity.at
    match activity.kind:
        case "fault":
            target = str(p.get("target"))
            switch = activity.switch or (target if target in switches else None)
            return TimelineEvent(at, "fault_on", f"fault {p.get('kind')} on {target}", switch)
        case "clear":
            target = str(p.get("target"))
            switch = activity.switch or (target if target in switches else None)
            return TimelineEvent(at, "fault_off", f"fault {p.get('kind')} cleared", switch)
        case "clear_all":
            return TimelineEvent(at, "fault_off", "all faults cleared")
        case "advance":
            return TimelineEvent(at, "clock", f"advance {_span(float(p.get('seconds', 0)))}")
        case "rate":
            return TimelineEvent(at, "clock", f"rate {p.get('rate')}")
        case "token":
            return TimelineEvent(at, "token", f"ID token from {p.get('issuer')}")
        case "action":
            return TimelineEvent(at, "action", f"{p.get('target')} {p.get('action')}")
        case "cli":
            return TimelineEvent(at, "cli", str(p.get("line", "")), activity.switch)
    return None


def _span(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds / size:g}{unit}"
    return f"{seconds:g}s"
