"""The `license smart ...` configuration the agent acts on, and where it sends messages."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from sim.agent.states import Transport
from sim.protocol.errors import CommError
from sim.syslog import CSLU_PEER, CSSM_PEER

DEFAULT_SMART_URL = "https://smartreceiver.cisco.com/licservice/license"
CALLHOME_URL = "https://tools.cisco.com/its/service/oddce/services/DDCEService"
CSLU_LOCAL_URL = "http://cslu-local:8182/cslu/v1/pi"


class CallhomeProblem(Enum):
    """Why transport callhome cannot send: the COMM_FAILED reason (`[chars]`) it logs."""

    DISABLED = "Callhome is not enabled"
    NO_HTTP_DESTINATION = "Callhome profile CiscoTAC-1 has no HTTP destination"


@dataclass(frozen=True)
class CallhomeDestination:
    """What `license smart transport callhome` takes from the switch's `callhome` block."""

    enabled: bool = False
    url: str | None = None  # CiscoTAC-1's HTTP URL; None unless its transport method is http
    vrf: str | None = None  # `transport http use-vrf`


@dataclass(frozen=True)
class LicensingConfig:
    """The `license smart ...` configuration the agent acts on."""

    transport: Transport = Transport.SMART
    smart_url: str = DEFAULT_SMART_URL
    cslu_url: str | None = None  # None: discover `cslu-local`
    usage_interval_days: int | None = None  # None: the timing profile's default
    vrf: str | None = None
    proxy_address: str | None = None
    proxy_port: int | None = None
    callhome: CallhomeDestination = CallhomeDestination()
    http_source_interface: str | None = None  # `ip http client source-interface`

    @property
    def url(self) -> str | None:
        if self.transport is Transport.SMART:
            return self.smart_url
        if self.transport is Transport.CSLU:
            return self.cslu_url or CSLU_LOCAL_URL
        if self.transport is Transport.CALLHOME:
            return self.callhome.url
        return None

    @property
    def peer(self) -> str:
        return CSLU_PEER if self.transport is Transport.CSLU else CSSM_PEER

    @property
    def route_vrf(self) -> str:
        """The VRF messages leave through: callhome has its own (`transport http use-vrf`)."""
        vrf = self.callhome.vrf if self.transport is Transport.CALLHOME else self.vrf
        return vrf or "default"

    @property
    def problem(self) -> str | None:
        """Why nothing can be sent with this configuration, or None when it can."""
        if self.transport is Transport.OFF:
            return CommError.NO_URL.text
        if self.transport is Transport.CALLHOME:
            if not self.callhome.enabled:
                return CallhomeProblem.DISABLED.value
            if self.callhome.url is None:
                return CallhomeProblem.NO_HTTP_DESTINATION.value
        return None

    def same_destination(self, other: LicensingConfig) -> bool:
        return (self.transport, self.smart_url, self.cslu_url) == (
            other.transport,
            other.smart_url,
            other.cslu_url,
        )
