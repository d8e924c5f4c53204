"""The system manager's (SYSMGR) syslog messages the switch logs around a switchover.

`%SYSMGR-2-SWITCHOVER_OVER: Switchover completed.` is in Cisco's NX-OS System Messages
Reference (SYSMGR messages). `HASWITCHOVER_START` names the supervisor taking over; its text
was not found in a public source and is written in the reference's style (docs/fidelity.md).
"""

from __future__ import annotations

from sim.syslog import MessageCatalog

FACILITY = "SYSMGR"


class SystemMessage(MessageCatalog):
    """(mnemonic, severity, text template with {} for each [chars]/[dec])."""

    HASWITCHOVER_START = ("HASWITCHOVER_START", 2, "Supervisor {} is becoming active.")
    SWITCHOVER_OVER = ("SWITCHOVER_OVER", 2, "Switchover completed.")
