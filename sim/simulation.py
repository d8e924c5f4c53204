"""A whole simulation: clock, scheduler, network, back ends and switches, wired by topology.

This is the Python API that the scenario runner, the lab and tests drive. A topology preset
gives a working network (DNS, NTP, routes to its back ends) and configures each switch's
transport and URL for that topology, through the switch's own CLI.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any, Literal

from cslu_mock.models import CsluModel
from cssm_mock.models import CssmModel
from cssm_mock.usage_files import UploadFailedError
from onprem_mock.models import OnPremModel
from sim.clock import VirtualClock
from sim.exchange import DirectExchange, cslu_routes, cssm_routes, onprem_routes
from sim.incidents import Incidents
from sim.network import (
    Fault,
    FaultError,
    NetHost,
    SimNetwork,
    check_fault_target,
    validate_fault,
)
from sim.operator import ActionError, Operator, describe_sync
from sim.protocol.signing import Signer, TrustStore
from sim.scheduler import Handle, Scheduler
from sim.switch.cabling import cable_pairs
from sim.switch.switch import SimContext, Switch
from sim.switch.system.replacement import replacement
from sim.syslog import SyslogRecord
from sim.timing import DEFAULT_TIMING, TimingProfile, parse_duration, parse_signed_duration
from sim.transport import BackendEndpoint, Exchange, NetworkTransport

if TYPE_CHECKING:
    from fastapi import FastAPI

DEFAULT_START = datetime.fromisoformat("2026-01-05T09:00:00+00:00")
TOPOLOGIES = ("direct", "cslu", "onprem", "cslu-disconnected", "offline", "onprem-disconnected")

DNS_SERVER = "10.10.10.53"
NTP_SERVERS = ("10.28.13.90", "198.51.100.100")
CSLU_IP = "192.168.0.1"  # the seed's example CSLU address
ONPREM_IP = "10.10.30.10"
ONPREM_HOST = "onprem.example.com"
ONPREM_URL = f"https://{ONPREM_HOST}/cslu/v1/pi/Default-1"

# Addresses are the seed's own examples where it gives one.
INTERNET_HOSTS = (
    NetHost("171.70.168.183", ("smartreceiver.cisco.com",), "backend", backend="cssm", rtt_ms=2.6),
    NetHost(
        "173.37.145.8",
        ("tools.cisco.com", "tools2.cisco.com"),
        "backend",
        backend="cssm",
        rtt_ms=43.7,
        ttl=242,
    ),
    NetHost("72.163.4.185", ("cisco.com", "www.cisco.com"), "web", rtt_ms=242.1, ttl=236),
    NetHost(DNS_SERVER, ("dns.example.com",), "dns", rtt_ms=0.8, ttl=64),
    NetHost(NTP_SERVERS[0], ("ntp1.example.com",), "ntp", rtt_ms=1.2, ttl=64),
    NetHost(NTP_SERVERS[1], ("ntp2.example.com",), "ntp", rtt_ms=1.4, ttl=64),
)

NETWORK_PRESET = (
    "ip domain-lookup",
    "ip domain-name example.com",
    f"ip name-server {DNS_SERVER} use-vrf management",
)
# Only the topologies that have a CSLU / On-Prem put it on the network.
# `cslu-local.example.com` in DNS is what lets `cslu-local` resolve with the domain name
# (seed: "cslu-local should be part of DNS server").
CSLU_HOST = NetHost(
    CSLU_IP,
    ("cslu-local.example.com", "cslu.example.com"),
    "backend",
    backend="cslu",
    rtt_ms=0.9,
    ttl=128,
    ports=(8182,),  # CSLU's REST port (seed: "check if the port number is 8182")
)
ONPREM_NET_HOST = NetHost(ONPREM_IP, (ONPREM_HOST,), "backend", backend="onprem", rtt_ms=1.1)

_CSLU_PRESET = ("license smart transport cslu", "license smart vrf management")
_ONPREM_PRESET = (
    "license smart transport cslu",
    f"license smart url cslu {ONPREM_URL}",
    "license smart vrf management",
)
TRANSPORT_PRESETS: dict[str, tuple[str, ...]] = {
    "direct": (
        "license smart transport smart",
        "license smart url smart https://smartreceiver.cisco.com/licservice/license",
        "license smart vrf management",
    ),
    # CSLU found as `cslu-local` (the default CSLU URL), connected to CSSM or not.
    "cslu": _CSLU_PRESET,
    "cslu-disconnected": _CSLU_PRESET,
    "onprem": _ONPREM_PRESET,
    "onprem-disconnected": _ONPREM_PRESET,
    # Air-gapped: nothing to talk to; usage and ACKs travel as files.
    "offline": ("license smart transport off",),
}
RELAYS = ("cslu", "onprem")
_NO_EFFECT = object()
RelayMode = Literal["connected", "disconnected"]
# How switches reach the back ends in-process: `direct` hands the JSON body to the model
# (sim/exchange.py); `asgi` drives the FastAPI apps through httpx. Labs use real HTTP.
ExchangeMode = Literal["direct", "asgi"]
EXCHANGE_MODES: tuple[ExchangeMode, ...] = ("direct", "asgi")
EXCHANGE_ENV = "SLPSIM_EXCHANGE"


# The apps are imported when one is built: importing FastAPI costs a simulation that reaches
# its back ends in-process (sim/exchange.py) more than the rest of its set-up.
def create_cssm_app(model: CssmModel) -> FastAPI:
    from cssm_mock.app import create_app

    return create_app(model)


def create_cslu_app(model: CsluModel) -> FastAPI:
    from cslu_mock.app import create_app

    return create_app(model)


def create_onprem_app(model: OnPremModel) -> FastAPI:
    from onprem_mock.app import create_app

    return create_app(model)


@dataclass
class SwitchSpec:
    name: str
    pid: str = "N9K-C93180YC-FX"
    serial: str = "FDO2434107N"
    licenses: dict[str, int] = field(default_factory=lambda: {"NXOS_ADVANTAGE_XF": 1})
    hostname: str | None = None
    standby_serial: str | None = None  # a second supervisor (dual-supervisor chassis)
    migrated_from: str | None = None  # "pak": moved to SLP from PAK licenses (FAQ 9)


class Simulation:
    def __init__(
        self,
        topology: str,
        *,
        start: datetime,
        timing: TimingProfile,
        clock: VirtualClock | None = None,
        exchange: ExchangeMode | None = None,
    ) -> None:
        if topology not in TOPOLOGIES:
            raise ValueError(
                f"unknown topology {topology!r}; expected one of {', '.join(TOPOLOGIES)}"
            )
        self.topology = topology
        self.timing = timing
        # A lab passes a PacedClock; scenarios and tests use pure virtual time.
        self.clock = clock if clock is not None else VirtualClock(start)
        # Contained failures (sim/incidents.py): recorded, shown, never fatal to time.
        self.incidents = Incidents()
        self.scheduler = Scheduler(self.clock, self.incidents)
        self.network = SimNetwork()
        for host in INTERNET_HOSTS:
            self.network.add_host(host)
        if topology.startswith("cslu"):
            self.network.add_host(CSLU_HOST)
        if topology.startswith("onprem"):
            self.network.add_host(ONPREM_NET_HOST)
        self.cssm = CssmModel(self.clock, timing, Signer.for_simulation("CSSM", start))
        relay_mode: RelayMode = (
            "disconnected" if topology.endswith("-disconnected") else "connected"
        )
        self.cslu = CsluModel(
            self.clock,
            timing,
            self.cssm,
            mode=relay_mode if topology.startswith("cslu") else "connected",
            sync_every=timing.cslu_sync_every,
        )
        self.onprem = OnPremModel(
            self.clock,
            timing,
            self.cssm,
            signer=Signer.for_simulation("SSM On-Prem", start),
            mode=relay_mode if topology.startswith("onprem") else "connected",
            sync_every=timing.onprem_sync_every,
            hostname=ONPREM_HOST,
        )
        self.models: dict[str, CssmModel | CsluModel | OnPremModel] = {
            "cssm": self.cssm,
            "cslu": self.cslu,
            "onprem": self.onprem,
        }
        self.trust_store = TrustStore()
        self.trust_store.add_signer(self.cssm.signer)
        # Switches trust On-Prem's trust codes as they trust CSSM's.
        self.trust_store.add_signer(self.onprem.signer)
        self._apps: dict[str, FastAPI] | None = None
        self.exchange_mode = exchange_mode(exchange)
        self._exchanges: dict[str, Exchange] = {}
        # Each back end's device message routes, as sim/exchange.py answers them in-process.
        self.device_routes = {
            "cssm": cssm_routes(self.cssm),
            "cslu": cslu_routes(self.cslu),
            "onprem": onprem_routes(self.onprem),
        }
        for name, routes in self.device_routes.items():
            if self.exchange_mode == "direct":
                self._exchanges[name] = DirectExchange(routes, partial(self.app, name))
            else:
                import httpx  # only the asgi exchange and labs need it (and FastAPI)

                client = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.apps[name]))
                self._exchanges[name] = BackendEndpoint(client)
        endpoints = dict(self._exchanges)
        self.transport = NetworkTransport(self.network, endpoints, timing, self.clock)
        self.ctx = SimContext(
            clock=self.clock,
            scheduler=self.scheduler,
            network=self.network,
            transport=self.transport,
            timing=timing,
            trust_store=self.trust_store,
            incidents=self.incidents,
        )
        self.switches: dict[str, Switch] = {}
        # What each component fault replaced, by fault id (see _apply_fault).
        self.fault_previous: dict[int, Any] = {}
        self._relay_timers: dict[str, Handle] = {}
        self.operator = Operator(self)

    @classmethod
    def build(
        cls,
        topology: str,
        *,
        start: datetime = DEFAULT_START,
        timing: TimingProfile = DEFAULT_TIMING,
        switches: list[SwitchSpec] | None = None,
        clock: VirtualClock | None = None,
        exchange: ExchangeMode | None = None,
    ) -> Simulation:
        sim = cls(topology, start=start, timing=timing, clock=clock, exchange=exchange)
        for spec in switches or [SwitchSpec("switch")]:
            sim.add_switch(spec)
        # Switches come cabled in pairs (vPC peer links), so LLDP and CDP have neighbours.
        cable_pairs(list(sim.switches.values()))
        return sim

    def add_switch(self, spec: SwitchSpec) -> Switch:
        if spec.name in self.switches:
            raise ValueError(f"duplicate switch name {spec.name!r}")
        switch = Switch(
            self.ctx,
            name=spec.name,
            pid=spec.pid,
            serial=spec.serial,
            licenses=spec.licenses,
            hostname=spec.hostname,
            standby_serial=spec.standby_serial,
            migrated_from=spec.migrated_from,
        )
        self.switches[spec.name] = switch
        return switch

    async def replace_device(self, name: str, serial: str, carry: list[str]) -> Switch:
        """RMA: a factory-fresh chassis with `serial` takes `name`'s place (FAQ 25)."""
        self.switches[name] = replacement(self.switch(name), serial, carry)
        await self.scheduler.settle()
        return self.switches[name]

    @property
    def apps(self) -> dict[str, FastAPI]:
        """The back ends' FastAPI apps, built when first wanted (a lab, the ASGI exchange):
        building them costs most of a simulation's set-up, which scenarios do not need."""
        if self._apps is None:
            self._apps = {
                "cssm": create_cssm_app(self.cssm),
                "cslu": create_cslu_app(self.cslu),
                "onprem": create_onprem_app(self.onprem),
            }
        return self._apps

    def app(self, name: str) -> FastAPI:
        return self.apps[name]

    @property
    def switch_names(self) -> list[str]:
        return list(self.switches)

    def switch(self, name: str | None = None) -> Switch:
        if name is None:
            return next(iter(self.switches.values()))
        try:
            return self.switches[name]
        except KeyError:
            known = ", ".join(self.switches)
            raise ValueError(f"no switch named {name!r} (switches: {known})") from None

    # ------------------------------------------------------------------ running

    async def boot(self) -> None:
        preset = NETWORK_PRESET + TRANSPORT_PRESETS[self.topology]
        for switch in self.switches.values():
            switch.apply_config(list(preset))
            switch.save_startup_config()
            switch.boot()
        self.start_relays()
        await self.scheduler.settle()

    def start_relays(self) -> None:
        """Put each connected CSLU / On-Prem's synchronisation with CSSM on the schedule."""
        for name in RELAYS:
            # A relay that is not on this topology's network has nothing to synchronise.
            if self.topology.startswith(name):
                self._schedule_relay_sync(name)

    def _schedule_relay_sync(self, name: str) -> None:
        """A connected CSLU / On-Prem synchronises with CSSM on its own schedule."""
        relay = self.cslu if name == "cslu" else self.onprem
        due = relay.next_sync_due()
        if due is None:
            return
        now = self.clock.now()
        every = self.timing.cslu_sync_every if name == "cslu" else self.timing.onprem_sync_every
        self._relay_timers[name] = self.scheduler.schedule(
            due if due > now else now + every, lambda: self._relay_sync(name), owner=name
        )

    def _relay_sync(self, name: str) -> None:
        try:
            self.relay_sync(name)
        finally:
            # A sync that failed unexpectedly (recorded by the scheduler) is tried again.
            self._schedule_relay_sync(name)

    def relay_sync(self, name: str) -> str:
        """Synchronise CSLU / On-Prem with CSSM now; returns what happened, as one line."""
        if name == "cslu":
            return describe_sync(self.cslu.sync_with_cssm())
        return describe_sync(self.onprem.synchronize())

    async def exec(self, switch: str, line: str) -> str:
        output = self.switch(switch).exec(line)
        await self.scheduler.settle()
        return output

    async def config(self, switch: str, lines: list[str]) -> str:
        outputs = self.switch(switch).apply_config(lines)
        await self.scheduler.settle()
        return "\n".join(o for o in outputs if o)

    async def advance(self, delta: timedelta) -> None:
        await self.scheduler.advance(delta)

    async def run_until(self, when: datetime) -> None:
        await self.scheduler.run_until(when)

    async def close(self) -> None:
        for exchange in self._exchanges.values():
            await exchange.aclose()

    async def use_http(self, base_urls: dict[str, str]) -> None:
        """Reach the back ends over real HTTP (a lab serving `apps` under uvicorn)."""
        import httpx

        for name, base_url in base_urls.items():
            old = self._exchanges.get(name)
            if old is not None:
                await old.aclose()
            client = httpx.AsyncClient(timeout=self.timing.request_timeout.total_seconds())
            self._exchanges[name] = BackendEndpoint(client, base_url)
            self.transport.endpoints[name] = self._exchanges[name]

    # ------------------------------------------------------------------ back ends

    def issue_token(
        self,
        issuer: str = "cssm",
        *,
        virtual_account: str | None = None,
        smart_account: str | None = None,
        lifetime: timedelta | None = None,
        max_uses: int | None = None,
    ) -> str:
        """An ID token from CSSM, or from SSM On-Prem (`smart_account` is then the local one)."""
        if issuer == "cssm":
            return self.cssm.create_token(
                virtual_account or "Default",
                smart_account=smart_account,
                lifetime=lifetime,
                max_uses=max_uses,
            )
        if issuer == "onprem":
            return self.onprem.create_token(
                virtual_account or "Default",
                local_account=smart_account,
                lifetime=lifetime,
                max_uses=max_uses,
            )
        raise ValueError(f"unknown token issuer {issuer!r}; expected cssm or onprem")

    def backend_action(self, target: str, action: str, params: dict[str, Any]) -> str | None:
        """A person's action in a back end's UI (sim/operator.py lists them)."""
        try:
            return self.operator.run(target, action, params)
        except ActionError:
            raise
        except (ValueError, LookupError, RuntimeError, UploadFailedError) as exc:
            # Model refusals (unknown account, foreign file, disconnected relay...) read as
            # the UI's error; they are the scenario's business, not a simulation bug.
            raise ActionError(f"{target} {action}: {str(exc).strip(chr(34) + chr(39))}") from exc

    # ------------------------------------------------------------------ faults

    def add_fault(self, target: str, kind: str, params: dict[str, Any]) -> int:
        validate_fault(kind, params)  # an unknown kind is named before its target
        check_fault_target(target, kind, self.switches)
        fault = self.network.add_fault(target, kind, params)  # checks the parameters
        try:
            previous = self._apply_fault(target, kind, fault.params)
        except Exception:
            # A fault that cannot take effect must not linger in the network either.
            self.network.remove_fault(fault.id)
            raise
        if previous is not _NO_EFFECT:
            self.fault_previous[fault.id] = previous
        return fault.id

    def restore_faults(self, saved: dict[int, Fault], previous: dict[int, Any]) -> list[str]:
        """Faults (and what they replaced) saved by a lab that stopped.

        A saved fault that would be refused today is left out, recorded as an incident, and
        returned as one line each: a damaged state dir never wedges a restart.
        """
        kept: dict[int, Fault] = {}
        refused: list[str] = []
        for fault_id, fault in saved.items():
            try:
                if isinstance(fault, Fault):
                    check_fault_target(fault.target, fault.kind, self.switches)
            except FaultError as exc:
                refused.append(f"fault {fault_id} ({fault.target} {fault.kind}) left out: {exc}")
                continue
            kept[fault_id] = fault
        refused += self.network.restore_faults(kept)
        self.fault_previous.update({i: p for i, p in previous.items() if i in self.network.faults})
        for line in refused:
            self.incidents.record(self.clock.now(), "faults", ValueError(line))
        return refused

    def _apply_fault(self, target: str, kind: str, params: dict[str, Any]) -> object:
        """Faults that live in a component take effect here; returns what they replaced.

        What they replaced is plain data (kept with the faults in a lab's state dir), so a
        fault cleared after a restart still puts things back as they were.
        """
        if kind == "ack-delay":
            if target != "cssm":
                raise ValueError("fault ack-delay applies to cssm")
            previous = self.cssm.ack_delay
            self.cssm.ack_delay = parse_duration(params["duration"])
            return previous
        if kind == "signature-invalid":
            if target != "cssm":
                raise ValueError("fault signature-invalid applies to cssm")
            self.cssm.signer.tampering = True
            return False
        if kind == "clock-skew":
            switch = self.switches.get(target)
            if switch is None:
                raise ValueError("fault clock-skew applies to a switch")
            previous_offset = switch.clock_offset
            switch.set_clock_offset(parse_signed_duration(params["offset"]))
            return previous_offset
        if kind == "down-rev":
            if target != "onprem":
                raise ValueError("fault down-rev applies to onprem")
            was = self.onprem.down_rev
            self.onprem.down_rev = True
            return was
        return _NO_EFFECT

    def _revert(self, fault: Fault, previous: Any) -> None:
        if fault.kind == "ack-delay":
            self.cssm.ack_delay = previous
        elif fault.kind == "signature-invalid":
            self.cssm.signer.tampering = previous
        elif fault.kind == "clock-skew" and fault.target in self.switches:
            self.switches[fault.target].set_clock_offset(previous)
        elif fault.kind == "down-rev":
            self.onprem.down_rev = previous

    def remove_fault(self, fault_id: int) -> bool:
        fault = self.network.remove_fault(fault_id)
        if fault is not None:
            self._undo([fault])
        return fault is not None

    def clear_fault(self, target: str, kind: str) -> None:
        self._undo(self.network.clear_faults(target, kind))

    def clear_all_faults(self) -> None:
        self._undo(self.network.clear_faults())

    def _undo(self, faults: list[Fault]) -> None:
        for fault in faults:
            if fault.id in self.fault_previous:
                self._revert(fault, self.fault_previous.pop(fault.id))
        self._after_fault_change()

    def _after_fault_change(self) -> None:
        for switch in self.switches.values():
            if switch.clock_offset and switch.ntp_servers:
                switch.ntp_poll()

    # ------------------------------------------------------------------ observing

    def syslog(self, switch: str | None = None) -> list[SyslogRecord]:
        return list(self.switch(switch).syslog)


def exchange_mode(given: str | None) -> ExchangeMode:
    """The exchange asked for, else `$SLPSIM_EXCHANGE`, else `direct`."""
    mode = given if given is not None else os.environ.get(EXCHANGE_ENV) or "direct"
    for known in EXCHANGE_MODES:
        if mode == known:
            return known
    source = "exchange" if given is not None else EXCHANGE_ENV
    raise ValueError(f"{source} must be direct or asgi, got {mode!r}")
