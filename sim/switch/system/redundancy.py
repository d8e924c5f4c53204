"""Supervisor redundancy on a dual-supervisor chassis: `system switchover`.

Cisco's NX-OS SLP guide (interactions chapter, High Availability): two trust codes are
installed in a dual-supervisor setup; only one policy exists, on the active, and it applies
to the standby; only the active reports usage, and it reports for the standby; a switchover
triggers a report. The switch logs the system manager's switchover messages around it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.switch.system.messages import FACILITY, SystemMessage

if TYPE_CHECKING:
    from sim.switch.switch import Switch

# The supervisor slots of a Nexus 9500 chassis (the first comes up active).
SUPERVISOR_SLOTS = (27, 28)


def active_slot(switch: Switch) -> int:
    """The slot of the active supervisor: the chassis serial's supervisor is the first."""
    first = switch.agent.sudi.udi_serial_number == switch.sudi.udi_serial_number
    return SUPERVISOR_SLOTS[0] if first else SUPERVISOR_SLOTS[1]


def switchover(switch: Switch) -> None:
    """The standby takes over; trust codes, policy and reports carry on (ValueError: none)."""
    first, second = SUPERVISOR_SLOTS
    standby_slot = second if active_slot(switch) == first else first
    start = SystemMessage.HASWITCHOVER_START
    switch.log_other(FACILITY, start, start.render(standby_slot))
    switch.agent.switchover(switch.now())
    done = SystemMessage.SWITCHOVER_OVER
    switch.log_other(FACILITY, done, done.render())
    switch.pump()
