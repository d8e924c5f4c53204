"""The `callhome` configuration: the CiscoTAC-1 destination profile and its transport."""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.agent.config import CALLHOME_URL, CallhomeDestination

# The seed prints the one XML-format destination profile as `xml` in the running
# configuration and as `CiscoTAC-1` in `show call-home profile all`: both names address it.
TAC_PROFILE = "CiscoTAC-1"
TAC_PROFILE_NAMES = ("ciscotac-1", "xml")


def default_tac_urls() -> dict[int, str]:
    return {1: CALLHOME_URL}


@dataclass
class CallhomeConfig:
    email_contact: str | None = None
    # CiscoTAC-1 ships with Cisco's HTTP URL and the email transport method (NX-OS default).
    profile_transport_http: bool = False
    http_urls: dict[int, str] = field(default_factory=default_tac_urls)
    email_addrs: dict[int, str] = field(default_factory=dict)
    vrf: str | None = None
    enabled: bool = False
    periodic_inventory_days: int | None = None
    extra_lines: list[str] = field(default_factory=list)

    @property
    def active(self) -> bool:
        """CiscoTAC-1 can carry messages: callhome enabled, HTTP method, an HTTP URL."""
        return self.enabled and self.destination().url is not None

    def destination(self) -> CallhomeDestination:
        urls = [url for _, url in sorted(self.http_urls.items())]
        url = urls[0] if urls and self.profile_transport_http else None
        return CallhomeDestination(enabled=self.enabled, url=url, vrf=self.vrf)
