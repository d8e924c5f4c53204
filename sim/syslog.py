"""The LICMGR message catalogue and the NX-OS syslog line formats (DESIGN §3)."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Protocol

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

CSSM_PEER = "Cisco Smart Software Manager (CSSM)"
CSLU_PEER = "Cisco Smart License Utility (CSLU)"


class MessageCatalog(Enum):
    """A facility's messages, each `(mnemonic, severity, text template with {} per argument)`.

    Each facility's catalogue subclasses this with its own members (LICMGR's `Message` below,
    the port manager's and the system manager's in their own modules)."""

    @property
    def mnemonic(self) -> str:
        return str(self.value[0])

    @property
    def severity(self) -> int:
        return int(self.value[1])

    @property
    def template(self) -> str:
        return str(self.value[2])

    @property
    def arity(self) -> int:
        return self.template.count("{}")

    def render(self, *args: object) -> str:
        if len(args) != self.arity:
            raise ValueError(f"{self.mnemonic} takes {self.arity} argument(s), got {len(args)}")
        return self.template.format(*args)


class Message(MessageCatalog):
    """(mnemonic, severity, text template with {} for each [chars]/[dec])."""

    POLICY_INSTALL_FAILED = (
        "LOG_SMART_LIC_POLICY_INSTALL_FAILED",
        3,
        "The installation of a new licensing policy has failed: {}.",
    )
    AUTHORIZATION_INSTALL_FAILED = (
        "LOG_SMART_LIC_AUTHORIZATION_INSTALL_FAILED",
        3,
        "The install of a new licensing authorization code has failed on {}: {}.",
    )
    COMM_FAILED = (
        "LOG_SMART_LIC_COMM_FAILED",
        3,
        "Communications failure with the {} : {}",
    )
    COMM_RESTORED = ("LOG_SMART_LIC_COMM_RESTORED", 3, "Communications with the {} restored.")
    POLICY_REMOVED = ("LOG_SMART_LIC_POLICY_REMOVED", 3, "The licensing policy has been removed.")
    TRUST_CODE_INSTALL_FAILED = (
        "LOG_SMART_LIC_TRUST_CODE_INSTALL_FAILED",
        3,
        "The install of a new licensing trust code has failed on {}: {}.",
    )
    REPORTING_NOT_SUPPORTED = (
        "LOG_SMART_LIC_REPORTING_NOT_SUPPORTED",
        4,
        "The CSSM OnPrem that this product instance is connected to is down rev and does not "
        "support the enhanced policy and usage reporting mode.",
    )
    POLICY_INSTALL_SUCCESS = (
        "LOG_SMART_LIC_POLICY_INSTALL_SUCCESS",
        6,
        "A new licensing policy was successfully installed.",
    )
    AUTHORIZATION_INSTALL_SUCCESS = (
        "LOG_SMART_LIC_AUTHORIZATION_INSTALL_SUCCESS",
        6,
        "A new licensing authorization code was successfully installed on: {}.",
    )
    AUTHORIZATION_REMOVED = (
        "LOG_SMART_LIC_AUTHORIZATION_REMOVED",
        6,
        "A licensing authorization code has been removed from {}",
    )
    REPORTING_REQUIRED = (
        "LOG_SMART_LIC_REPORTING_REQUIRED",
        6,
        "A Usage report acknowledgement will be required in {} days.",
    )
    TRUST_CODE_INSTALL_SUCCESS = (
        "LOG_SMART_LIC_TRUST_CODE_INSTALL_SUCCESS",
        6,
        "A new licensing trust code was successfully installed on {}.",
    )


FACILITY = "LICMGR"


class Catalogued(Protocol):
    """A catalogued message of any facility: LICMGR's `Message`, or another feature's."""

    @property
    def mnemonic(self) -> str: ...

    @property
    def severity(self) -> int: ...


@dataclass(frozen=True)
class SyslogRecord:
    """One logged message, stamped with the switch's own clock."""

    at: datetime  # the switch clock when logged
    hostname: str
    message: Message | Catalogued
    text: str
    facility: str = FACILITY
    sim_at: datetime | None = None  # simulation time when logged (the switch clock may differ)

    @property
    def severity(self) -> int:
        return self.message.severity

    @property
    def tag(self) -> str:
        return f"%{self.facility}-{self.severity}-{self.message.mnemonic}"

    @property
    def body(self) -> str:
        """The line from `%` on: what scenario globs match against."""
        return f"{self.tag}: {self.text}"

    def logfile_line(self) -> str:
        return f"{nxos_timestamp(self.at)} {self.hostname} {self.body}"

    def remote_line(self, facility_code: int = 23) -> str:
        pri = facility_code * 8 + self.severity
        return f"<{pri}>: {nxos_timestamp(self.at)} UTC: {self.body}"


def nxos_timestamp(at: datetime) -> str:
    """`2026 Jan  5 09:00:00`: year, month, space-padded day, time."""
    return f"{at.year} {MONTHS[at.month - 1]} {at.day:2d} {at:%H:%M:%S}"


def make_record(
    at: datetime, hostname: str, message: Message, *args: object, sim_at: datetime | None = None
) -> SyslogRecord:
    return SyslogRecord(
        at=at, hostname=hostname, message=message, text=message.render(*args), sim_at=sim_at
    )


def glob_matches(pattern: str, body: str) -> bool:
    """Scenario globs: `*` and `?` wildcards over the line from `%` on; `[` is literal."""
    escaped = pattern.replace("[", "[[]")
    return fnmatch.fnmatchcase(body, escaped)
