"""The remote syslog servers a switch is configured with."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class LoggingServer:
    ip: str
    severity: int = 5
    port: int = 514
    vrf: str = "default"
