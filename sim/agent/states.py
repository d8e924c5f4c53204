"""States of the licensing agent.

Theory of operation
-------------------
The agent is the switch's Smart Licensing Using Policy client, written sans-I/O: it never
touches a socket or a clock. Every input (a CLI action, a reply, a failure, a timer) carries
`now` as read from the switch's own clock, and every consequence comes out as an effect:
`Send` a message to a back end, or `Log` a %LICMGR message. The shell (sim/switch) performs
the sends over the simulated network and feeds the outcome back in, then asks
`next_wakeup()` and schedules the agent's single timer.

Usage is measured into RUM reports, one OPEN report per license in use. A push closes the
open reports and sends every unacknowledged one; the back end answers OK_POLL and the agent
polls (`Next ACK push check`) until the ACK arrives, which marks the reports ACK and may carry
a new policy. Pushes follow `Reporting push interval`. A failed scheduled push is retried
(RETRYING) until the retry window after the scheduled time closes, then every fallback
interval (FALLBACK) until one succeeds; COMM_FAILED is logged for every failed exchange and
COMM_RESTORED once, on the first success after a failure. The ACK deadline follows from the
policy in use (first report, reporting frequency, report on change); REPORTING_REQUIRED
tracks it. Missing it only logs: Nexus enforces nothing.
"""

from __future__ import annotations

from enum import Enum


class Transport(Enum):
    SMART = "smart"
    CSLU = "cslu"
    CALLHOME = "callhome"
    OFF = "off"


class PushPhase(Enum):
    """Where the push schedule stands after the last scheduled push."""

    NORMAL = "normal"  # next push one interval after the last success
    RETRYING = "retrying"  # inside the retry window after a failed scheduled push
    FALLBACK = "fallback"  # retry window over: every fallback interval until success


class ReportState(Enum):
    OPEN = "OPEN"  # still measuring
    CLOSED = "CLOSED"  # measurement ended, not yet acknowledged
    ACK = "ACK"  # acknowledged by the back end


class Channel(Enum):
    """Message channels, as `show license history message` groups them."""

    TRUST_ESTABLISHMENT = "Trust Establishment"
    USAGE_REPORTING = "Usage Reporting"
    RESULT_POLLING = "Result Polling"
    TRUST_SYNC = "Trust Sync"
