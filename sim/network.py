"""The simulated network: hosts, DNS, VRF routing, NTP, and the faults that break them.

A switch resolves names through its own DNS configuration (`ip host`, `ip name-server ...
[use-vrf]`, `vrf context` name servers, `ip domain-lookup`) against the DNS servers that exist
here. Faults are registered by target (`cssm`, `cslu`, `onprem`, `dns`, `ntp`, or a switch
name) and kind; the transport and `ping` consult them.
"""

from __future__ import annotations

import functools
import ipaddress
import itertools
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sim.timing import parse_duration, parse_signed_duration

BACKEND_TARGETS = ("cssm", "cslu", "onprem")
NETWORK_TARGETS = ("dns", "ntp")
FAULT_KINDS = {
    "unreachable": (),
    "dns": (),
    "http-404": (),
    "http-500": (),
    "empty-response": (),
    "tls-invalid": (),
    "slow": ("seconds",),
    "ack-delay": ("duration",),
    "down-rev": (),
    "signature-invalid": (),
    "clock-skew": ("offset",),
}
# What each fault kind does to each target: the network consults these and the components
# apply the rest (`Simulation._apply_fault`). A fault with no effect on its target is refused.
_BACKEND_COMMON = ("unreachable", "dns", "http-404", "http-500", "empty-response", "slow")
FAULT_EFFECTS: dict[str, tuple[str, ...]] = {
    "cssm": (*_BACKEND_COMMON, "tls-invalid", "ack-delay", "signature-invalid"),
    # CSLU speaks plain HTTP on 8182: there is no certificate to break.
    "cslu": _BACKEND_COMMON,
    "onprem": (*_BACKEND_COMMON, "tls-invalid", "down-rev"),
    "dns": ("unreachable", "dns"),
    "ntp": ("unreachable",),
}
SWITCH_FAULTS = ("clock-skew",)


def check_fault_target(target: str, kind: str, switches: Iterable[str]) -> None:
    """Raise FaultError unless a `kind` fault does something to `target`."""
    names = list(switches)
    if target in FAULT_EFFECTS:
        accepted = FAULT_EFFECTS[target]
    elif target in names:
        accepted = SWITCH_FAULTS
    else:
        known = ", ".join((*FAULT_EFFECTS, *names))
        raise FaultError(f"unknown fault target {target!r}; expected one of {known}")
    if kind not in accepted:
        what = "a switch" if target in names else target
        raise FaultError(
            f"fault {kind} has no effect on {target}; {what} accepts {', '.join(accepted)}"
        )


# Bounds on fault parameters: a fault is checked when it is added (and when a saved one is
# restored), so that nothing out of range ever reaches the transport, CSSM or a switch clock.
MAX_SLOW_SECONDS = 3600.0
MAX_FAULT_SPAN = timedelta(days=3650)  # ack-delay durations and clock-skew offsets: 10 years


class FaultError(ValueError):
    """A fault that cannot be added: unknown kind, missing, unknown or out-of-range parameter."""


def _seconds(kind: str, value: object) -> object:
    wanted = f"a number from 0 to {MAX_SLOW_SECONDS:g}"
    number: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            number = None
    if number is None or not math.isfinite(number) or not 0 <= number <= MAX_SLOW_SECONDS:
        raise FaultError(f"fault {kind}: seconds must be {wanted}, got {value!r}")
    return value


def _span(kind: str, name: str, value: object, *, signed: bool) -> object:
    years = MAX_FAULT_SPAN.days // 365
    wanted = (
        f"a duration such as 30m, 2h or -1d, within {years} years either way"
        if signed
        else f"a duration such as 30m, 2h or 1d, from 0 to {years} years"
    )
    if isinstance(value, bool) or not isinstance(value, str | int | float | timedelta):
        raise FaultError(f"fault {kind}: {name} must be {wanted}, got {value!r}")
    try:
        span = parse_signed_duration(value) if signed else parse_duration(value)
    except ValueError:
        raise FaultError(f"fault {kind}: {name} must be {wanted}, got {value!r}") from None
    low = -MAX_FAULT_SPAN if signed else timedelta(0)
    if not low <= span <= MAX_FAULT_SPAN:
        raise FaultError(f"fault {kind}: {name} must be {wanted}, got {value!r}")
    return value


def validate_fault(kind: str, params: dict[str, Any] | None) -> dict[str, Any]:
    """The parameters of a `kind` fault, checked; raises FaultError naming what is wrong."""
    if kind not in FAULT_KINDS:
        raise FaultError(f"unknown fault kind {kind!r}; expected one of {', '.join(FAULT_KINDS)}")
    if params is not None and not isinstance(params, dict):
        raise FaultError(f"fault {kind}: parameters must be a mapping, got {params!r}")
    params = dict(params or {})
    wanted = FAULT_KINDS[kind]
    unknown = sorted(str(p) for p in params if p not in wanted)
    if unknown:
        takes = f"it takes {', '.join(wanted)}" if wanted else "it takes no parameters"
        raise FaultError(f"fault {kind}: unknown parameter {', '.join(unknown)}; {takes}")
    missing = [p for p in wanted if p not in params]
    if missing:
        raise FaultError(f"fault {kind} needs {', '.join(missing)}")
    if "seconds" in params:
        _seconds(kind, params["seconds"])
    if "duration" in params:
        _span(kind, "duration", params["duration"], signed=False)
    if "offset" in params:
        _span(kind, "offset", params["offset"], signed=True)
    return params


@dataclass(frozen=True)
class NetHost:
    ip: str
    names: tuple[str, ...]
    role: str  # "dns" | "ntp" | "backend" | "web"
    backend: str | None = None  # which back end answers HTTP here
    rtt_ms: float = 2.5
    ttl: int = 53
    # TCP ports with a listener: a connection to any other port is refused.
    ports: tuple[int, ...] = (443,)

    def listens_on(self, port: int) -> bool:
        return port in self.ports


@dataclass(frozen=True)
class Fault:
    id: int
    target: str
    kind: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class VrfDns:
    domain_name: str | None = None
    name_servers: list[str] = field(default_factory=list)


@dataclass
class DnsConfig:
    """A switch's name-resolution configuration."""

    domain_lookup: bool = True
    domain_name: str | None = None
    name_servers: dict[str, list[str]] = field(default_factory=dict)  # vrf -> servers
    vrf_contexts: dict[str, VrfDns] = field(default_factory=dict)
    hosts: dict[str, str] = field(default_factory=dict)  # `ip host <name> <ip>`

    def servers_for(self, vrf: str) -> list[str]:
        context = self.vrf_contexts.get(vrf)
        if not context:
            # Asked at every exchange; without a VRF context, only the global servers count.
            return list(self.name_servers.get(vrf, ()))
        servers = list(context.name_servers)
        return servers + [s for s in self.name_servers.get(vrf, []) if s not in servers]

    def domain_for(self, vrf: str) -> str | None:
        context = self.vrf_contexts.get(vrf)
        return (context.domain_name if context else None) or self.domain_name


@functools.lru_cache(maxsize=4096)
def is_ip(text: str) -> bool:
    # Cached: every exchange asks it of the same few URL hosts, and parsing is most of the cost.
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


class SimNetwork:
    def __init__(self) -> None:
        self.hosts: dict[str, NetHost] = {}
        self.zone: dict[str, str] = {}  # the records every DNS server here answers
        self.routed_vrfs: set[str] = {"default", "management"}
        self.faults: dict[int, Fault] = {}
        self._fault_ids = itertools.count(1)

    # -------------------------------------------------------------- building

    def add_host(self, host: NetHost) -> None:
        self.hosts[host.ip] = host
        for name in host.names:
            self.zone[name.lower()] = host.ip

    def add_record(self, name: str, ip: str) -> None:
        self.zone[name.lower()] = ip

    def backend_hosts(self, backend: str) -> list[NetHost]:
        return [h for h in self.hosts.values() if h.backend == backend]

    # -------------------------------------------------------------- faults

    def add_fault(self, target: str, kind: str, params: dict[str, Any] | None = None) -> Fault:
        """Add a fault; raises FaultError (a ValueError) and adds nothing if it is invalid."""
        params = validate_fault(kind, params)
        fault = Fault(next(self._fault_ids), target, kind, params)
        self.faults[fault.id] = fault
        return fault

    def restore_faults(self, faults: dict[int, Fault]) -> list[str]:
        """Faults saved by a lab that stopped; new ids continue after theirs.

        A saved fault that would be refused today (written before its parameters were
        checked, or edited by hand) is left out rather than restored; the returned list says
        which, one line each, so that a damaged state dir never wedges a restart.
        """
        refused: list[str] = []
        for fault_id, fault in faults.items():
            if not isinstance(fault, Fault):
                refused.append(f"fault {fault_id} left out: not a fault: {fault!r}"[:300])
                continue
            try:
                validate_fault(fault.kind, fault.params)
            except FaultError as exc:
                refused.append(f"fault {fault_id} ({fault.target} {fault.kind}) left out: {exc}")
                continue
            self.faults[fault_id] = fault
        ids = [i for i in [*self.faults, *faults] if isinstance(i, int)]
        self._fault_ids = itertools.count(max(ids, default=0) + 1)
        return refused

    def remove_fault(self, fault_id: int) -> Fault | None:
        return self.faults.pop(fault_id, None)

    def clear_faults(self, target: str | None = None, kind: str | None = None) -> list[Fault]:
        gone = [
            f
            for f in self.faults.values()
            if (target is None or f.target == target) and (kind is None or f.kind == kind)
        ]
        for fault in gone:
            del self.faults[fault.id]
        return gone

    def fault(self, target: str | None, kind: str) -> Fault | None:
        if target is None or not self.faults:
            return None
        for fault in self.faults.values():
            if fault.target == target and fault.kind == kind:
                return fault
        return None

    # -------------------------------------------------------------- reachability

    def target_of(self, ip: str) -> str | None:
        host = self.hosts.get(ip)
        if host is None:
            return None
        if host.backend:
            return host.backend
        return host.role if host.role in NETWORK_TARGETS else None

    def reachable(self, ip: str, vrf: str) -> bool:
        host = self.hosts.get(ip)
        if host is None or vrf not in self.routed_vrfs:
            return False
        # Asked at every exchange and DNS query: with no fault at all, nothing to look up.
        return not self.faults or self.fault(self.target_of(ip), "unreachable") is None

    def resolve(self, name: str, vrf: str, dns: DnsConfig) -> str | None:
        """The address `name` resolves to from a switch in `vrf`, or None."""
        if is_ip(name):
            return name
        key = name.lower()
        for host_name, ip in dns.hosts.items():
            if host_name.lower() == key:
                return ip
        if not dns.domain_lookup:
            return None
        candidates = [key]
        domain = dns.domain_for(vrf)
        if domain and "." not in key:
            candidates.append(f"{key}.{domain.lower()}")
        for server in dns.servers_for(vrf):
            answer = self._query(server, vrf, candidates)
            if answer is not None:
                return answer
        return None

    def _query(self, server: str, vrf: str, candidates: list[str]) -> str | None:
        host = self.hosts.get(server)
        if host is None or host.role != "dns" or not self.reachable(server, vrf):
            return None
        faulty = bool(self.faults)
        if faulty and self.fault("dns", "dns") is not None:
            return None
        for name in candidates:
            ip = self.zone.get(name)
            if ip is not None and (not faulty or self.fault(self.target_of(ip), "dns") is None):
                return ip
        return None

    def ntp_reachable(self, ip: str, vrf: str) -> bool:
        host = self.hosts.get(ip)
        return host is not None and host.role == "ntp" and self.reachable(ip, vrf)

    # -------------------------------------------------------------- ping

    def ping(self, name: str, vrf: str, dns: DnsConfig) -> str:
        """`ping <host> [vrf <vrf>]` output in NX-OS form."""
        ip = self.resolve(name, vrf, dns)
        if ip is None:
            return f"% Invalid host/interface {name}"
        label = name if is_ip(name) else f"{name} ({ip})"
        lines = [f"PING {label}: 56 data bytes"]
        if not self.reachable(ip, vrf):
            lines += [f"Request {seq} timed out" for seq in range(5)]
            lines += [
                f"--- {name} ping statistics ---",
                "5 packets transmitted, 0 packets received, 100.00% packet loss",
            ]
            return "\n".join(lines)
        host = self.hosts[ip]
        times = [host.rtt_ms + delta for delta in (0.146, 0.042, -0.071, 0.133, -0.104)]
        lines += [
            f"64 bytes from {ip}: icmp_seq={seq} ttl={host.ttl} time={t:.3f} ms"
            for seq, t in enumerate(times)
        ]
        lines += [
            f"--- {name} ping statistics ---",
            "5 packets transmitted, 5 packets received, 0.00% packet loss",
            f"round-trip min/avg/max = {min(times):.3f}/{sum(times) / 5:.3f}/{max(times):.3f} ms",
        ]
        return "\n".join(lines)
