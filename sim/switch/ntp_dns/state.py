"""The NTP configuration a switch keeps (DNS configuration is sim.network's DnsConfig)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class NtpServer:
    ip: str
    prefer: bool = False
    vrf: str = "default"
