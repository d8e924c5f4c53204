"""A switch's HTTP exchanges with the back ends, across the simulated network.

The URL's host is resolved and routed by `SimNetwork` from the switch's point of view; the
faults there turn into the COMM_FAILED error strings. What passes is handed, as a JSON body,
to the back end's `Exchange`: directly to its model (`sim.exchange`, what scenarios and
sandboxes use), to its FastAPI app through `httpx.ASGITransport`, or over real HTTP on
loopback when a lab runs the apps under uvicorn. Every way answers with a status code and a
body, which are read here alike.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

from pydantic import ValidationError

from sim.agent.effects import AgentRequest
from sim.clock import Clock
from sim.network import DnsConfig, SimNetwork, is_ip
from sim.protocol.errors import CommError
from sim.protocol.messages import Reply
from sim.timing import TimingProfile

if TYPE_CHECKING:
    import httpx

DEFAULT_PORTS = {"http": 80, "https": 443}


# Outcome and WireReply are built at every exchange and read once, by the code that asked:
# plain slotted classes, as a frozen dataclass costs several times as much to build.
@dataclass(slots=True)
class Outcome:
    reply: Reply | None
    error: CommError | None
    delay: timedelta  # virtual time the exchange took


@dataclass(slots=True)
class WireReply:
    """What came back over the wire: a status code and the body's bytes."""

    status_code: int
    content: bytes


class Exchange(Protocol):
    """One back end as a switch reaches it: a POST of a JSON body, answered on the wire's terms.

    A connection that cannot be made at all is a `CommError` rather than a reply.
    """

    async def post(self, url: str, body: bytes, netloc: str) -> WireReply | CommError: ...

    async def aclose(self) -> None: ...


@dataclass(frozen=True)
class BackendEndpoint:
    """A back end's app behind an httpx client and, for real HTTP, its base URL."""

    client: httpx.AsyncClient
    base_url: str | None = None  # None: keep the URL as configured (in-process ASGI)

    def target(self, url: str) -> str:
        if self.base_url is None:
            return url
        parts = urlsplit(url)
        query = f"?{parts.query}" if parts.query else ""
        return f"{self.base_url.rstrip('/')}{parts.path}{query}"

    async def post(self, url: str, body: bytes, netloc: str) -> WireReply | CommError:
        # Imported here: the in-process exchange never needs httpx (an import costs a
        # fleet shard about a fifth of a second); whoever built `client` has imported it.
        import httpx

        try:
            response = await self.client.post(
                self.target(url),
                content=body,
                headers={"content-type": "application/json", "host": netloc},
            )
        except httpx.InvalidURL:
            return CommError.NO_URL
        except httpx.HTTPError:
            return CommError.UNREACHABLE
        return WireReply(response.status_code, response.content)

    async def aclose(self) -> None:
        await self.client.aclose()


class NetworkTransport:
    def __init__(
        self,
        network: SimNetwork,
        endpoints: dict[str, Exchange],
        timing: TimingProfile,
        clock: Clock | None = None,
    ) -> None:
        self.network = network
        self.endpoints = endpoints
        self.timing = timing
        # The back ends' clock (the true time): a reply carries it, as an HTTP Date header
        # would, so that a switch can tell its own clock is off when a policy arrives.
        self.clock = clock
        self.exchanges = 0

    def _fail(self, error: CommError, delay: timedelta | None = None) -> Outcome:
        return Outcome(None, error, delay if delay is not None else self.timing.network_latency)

    async def send(self, url: str, request: AgentRequest, vrf: str, dns: DnsConfig) -> Outcome:
        target = _target(url)
        if target is None:
            return self._fail(CommError.NO_URL)
        scheme, host_name, port, netloc = target
        ip = self.network.resolve(host_name, vrf, dns)
        if ip is None:
            return self._fail(CommError.DNS)
        timeout = self.timing.request_timeout
        if not self.network.reachable(ip, vrf):
            # No route: the connection is refused at once rather than timing out.
            return self._fail(CommError.UNREACHABLE)
        network = self.network
        host = network.hosts[ip]
        backend = host.backend
        endpoint = self.endpoints.get(backend) if backend else None
        if backend is None or endpoint is None:
            return self._fail(CommError.UNREACHABLE)
        if not host.listens_on(port or DEFAULT_PORTS[scheme]):
            # Nothing listens there (seed: CSLU is on 8182): refused, as curl reports it.
            return self._fail(CommError.UNREACHABLE)
        latency = self.timing.network_latency * 2
        # Nearly every exchange happens with no fault at all: then none is looked up.
        faulty = bool(network.faults)
        slow = network.fault(backend, "slow") if faulty else None
        if slow is not None:
            latency += _slowdown(slow.params.get("seconds"), timeout)
            if latency >= timeout:
                return self._fail(CommError.TIMEOUT, timeout)
        if scheme == "https":
            # A certificate names hosts, never addresses: an IP URL cannot be validated.
            if is_ip(host_name) or not _certified(host_name, host.names):
                return self._fail(CommError.TLS_INVALID, latency)
            if faulty and network.fault(backend, "tls-invalid") is not None:
                return self._fail(CommError.TLS_INVALID, latency)
        if faulty:
            for kind, error in _HTTP_FAULTS:
                if network.fault(backend, kind) is not None:
                    return self._fail(error, latency)
        self.exchanges += 1
        body = request.__pydantic_serializer__.to_json(request)
        answer = await endpoint.post(url, body, netloc)
        if answer is CommError.NO_URL:
            return self._fail(CommError.NO_URL)
        if isinstance(answer, CommError):
            return self._fail(answer, timeout)
        return self._read(answer, latency)

    def _read(self, response: WireReply, latency: timedelta) -> Outcome:
        if response.status_code == 404:
            return self._fail(CommError.HTTP_404, latency)
        if response.status_code >= 500:
            return self._fail(CommError.HTTP_500, latency)
        if not response.content:
            return self._fail(CommError.EMPTY_RESPONSE, latency)
        if response.status_code != 200:
            return self._fail(CommError.HTTP_OTHER, latency)
        try:
            reply = Reply.model_validate_json(response.content)
        except (ValueError, ValidationError):
            return self._fail(CommError.BAD_RESPONSE, latency)
        if reply.timestamp == 0 and self.clock is not None:
            stamp = int(self.clock.now().timestamp() * 1000)
            reply.timestamp = stamp  # a reply parsed just now: no one else holds it
        return Outcome(reply, None, latency)


# Faults that answer in place of the back end, in the order they are looked for.
_HTTP_FAULTS = (
    ("http-404", CommError.HTTP_404),
    ("http-500", CommError.HTTP_500),
    ("empty-response", CommError.EMPTY_RESPONSE),
)


def _certified(host_name: str, names: tuple[str, ...]) -> bool:
    """Whether a certificate for `names` is valid for `host_name` (names are not case-sensitive)."""
    wanted = host_name.lower()
    # A plain loop: a host has one or two names, and this runs at every HTTPS exchange.
    for name in names:  # noqa: SIM110
        if name.lower() == wanted:
            return True
    return False


@functools.lru_cache(maxsize=1024)
def _target(url: str) -> tuple[str, str, int | None, str] | None:
    """Scheme, host, port and netloc of a URL a switch may use, or None; cached, as a switch
    sends every message of a year to the same one or two URLs."""
    try:
        parts = urlsplit(url)
        host_name = parts.hostname
        port = parts.port  # a port that is not a number from 0 to 65535 raises ValueError
    except ValueError:
        # The CLI refuses such URLs; one that got past it fails as a bad URL would.
        return None
    if not host_name or parts.scheme not in ("http", "https"):
        return None
    return parts.scheme, host_name, port, parts.netloc


def _slowdown(seconds: object, timeout: timedelta) -> timedelta:
    """A slow fault's delay; one that is not a sane number of seconds (faults are checked
    when added, so only a bug gets here) counts as a server that never answers."""
    try:
        value = float(seconds)  # type: ignore[arg-type]
        if math.isfinite(value) and 0 <= value <= timeout.total_seconds():
            return timedelta(seconds=value)
    except (TypeError, ValueError):
        pass
    return timeout
