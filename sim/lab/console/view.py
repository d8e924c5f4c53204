"""What the console shows of a lab at one moment: its topology and each switch's licensing.

Read-only: nothing here changes the simulation. Times are ISO-8601; a switch's times are read
on its own clock (as `show license status` prints them), the lab's on simulation time.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sim.agent.states import PushPhase, Transport
from sim.network import FAULT_EFFECTS, FAULT_KINDS, SWITCH_FAULTS

if TYPE_CHECKING:
    from sim.lab.lab import Lab
    from sim.simulation import Simulation
    from sim.switch.switch import Switch

SERVICES = ("dns", "ntp")
# Back ends that relay to CSSM: drawn between the switches and CSSM.
RELAYS = ("cslu", "onprem")


def iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


def switch_peer(simulation: Simulation, switch: Switch) -> str | None:
    """The back end a switch's licensing messages go to, by the host its URL names."""
    config = switch.agent.config
    if config.transport is Transport.OFF:
        return None
    url = config.url or ""
    host = (urlsplit(url).hostname or "").lower()
    zone = simulation.network.zone
    # A bare name (`cslu-local`) resolves through the switch's domain, example.com in a lab.
    ip = zone.get(host) or zone.get(f"{host}.example.com") or host
    known = simulation.network.hosts.get(ip)
    if known is not None and known.backend is not None:
        return known.backend
    return "cslu" if config.transport is Transport.CSLU else "cssm"


def licensing_state(simulation: Simulation, name: str) -> dict[str, Any]:
    """One switch's licensing at a glance: the fields of `show license status` a class watches."""
    switch = simulation.switch(name)
    agent = switch.agent
    now = switch.now()
    deadline = agent.deadline
    days_left = max(0, (deadline - now).days) if deadline is not None else None
    trust = agent.trust
    policy = agent.policy
    return {
        "name": name,
        "hostname": switch.hostname,
        "udi": agent.sudi.display,
        "now": iso(now),
        "transport": agent.config.transport.value,
        "peer": switch_peer(simulation, switch),
        "trust": None
        if trust is None
        else {
            "installed": iso(trust.installed_at),
            "smart_account": trust.smart_account,
            "virtual_account": trust.virtual_account,
        },
        "policy": {
            "name": policy.name,
            "source": policy.source,
            "installed": iso(policy.installed_at),
        },
        "last_report": iso(agent.last_push),
        "last_ack": iso(agent.last_ack),
        "next_push": iso(agent.next_push),
        "next_ack_check": iso(agent.next_ack_check) if agent.pending_poll is not None else None,
        "deadline": iso(deadline),
        "days_left": days_left,
        "push_interval_seconds": agent.push_interval.total_seconds(),
        "configured_interval_seconds": agent.configured_interval.total_seconds(),
        "phase": agent.phase.value,
        "retry_until": iso(agent.retry_until) if agent.phase is PushPhase.RETRYING else None,
        "comm_failing": agent.comm_failing,
        "reporting": _reporting(switch),
        "clock_offset_seconds": switch.clock_offset.total_seconds(),
        "ntp_synced_to": switch.ntp_synced_to,
    }


def licensing_fingerprint(simulation: Simulation, name: str) -> tuple[object, ...]:
    """What `licensing_state` shows, unformatted: equal fingerprints, equal states. Cheap
    enough to take for a hundred switches several times a second."""
    switch = simulation.switch(name)
    agent = switch.agent
    deadline = agent.deadline
    days_left = (deadline - switch.now()).days if deadline is not None else None
    return (
        switch.hostname,
        agent.config,
        agent.trust,
        agent.policy,
        agent.last_push,
        agent.last_ack,
        agent.next_push,
        agent.next_ack_check if agent.pending_poll is not None else None,
        deadline,
        days_left,
        agent.phase,
        agent.retry_until,
        agent.comm_failing,
        agent.reporting_suspended,
        agent.reporting_unsupported,
        bool(agent.licenses),
        switch.clock_offset,
        switch.ntp_synced_to,
    )


def _reporting(switch: Switch) -> str:
    agent = switch.agent
    if agent.reporting_unsupported:
        return "not supported by the server"
    if agent.reporting_suspended:
        return "suspended until license smart sync"
    if not agent.licenses:
        return "no license in use"
    if agent.pushes_enabled:
        return "scheduled"
    if agent.config.transport is Transport.OFF:
        return "transport off"
    return "waiting for a trust code"


def topology(lab: Lab) -> dict[str, Any]:
    """The elements to draw and the links between them, for this lab's topology."""
    simulation = lab.simulation
    name = simulation.topology
    backends = ["cssm"]
    backends += [relay for relay in RELAYS if name.startswith(relay)]
    disconnected = name.endswith("-disconnected") or name == "offline"
    links: list[dict[str, Any]] = [
        {"from": relay, "to": "cssm", "kind": "offline" if disconnected else "sync"}
        for relay in backends
        if relay != "cssm"
    ]
    for switch_name, switch in simulation.switches.items():
        peer = switch_peer(simulation, switch)
        if peer is not None:
            links.append({"from": switch_name, "to": peer, "kind": "licensing"})
        for service in SERVICES:
            links.append({"from": switch_name, "to": service, "kind": service})
    return {
        "name": name,
        "backends": backends,
        "services": list(SERVICES),
        "switches": list(simulation.switches),
        "links": links,
    }


def fault_catalogue(simulation: Simulation) -> dict[str, Any]:
    """Every fault kind, its parameters, and the targets it does something to."""
    targets: dict[str, list[str]] = {kind: [] for kind in FAULT_KINDS}
    for target, kinds in FAULT_EFFECTS.items():
        for kind in kinds:
            targets[kind].append(target)
    for kind in SWITCH_FAULTS:
        targets[kind].extend(simulation.switches)
    return {
        "kinds": [
            {"kind": kind, "params": list(params), "targets": targets[kind]}
            for kind, params in FAULT_KINDS.items()
        ]
    }


def faults(simulation: Simulation) -> list[dict[str, Any]]:
    return [
        {"id": f.id, "target": f.target, "kind": f.kind, "params": dict(f.params)}
        for f in simulation.network.faults.values()
    ]


def clock(lab: Lab) -> dict[str, Any]:
    """The lab clock, with the progress of the jump running now (as `GET /sim/clock`)."""
    shown: dict[str, Any] = {"now": lab.now().isoformat(), "rate": lab.clock.rate}
    jump = lab.jump
    if jump is not None:
        progress = jump.progress()
        shown["jump"] = {
            "from": progress.start.isoformat(),
            "to": progress.target.isoformat(),
            "fraction": progress.fraction,
        }
    return shown
