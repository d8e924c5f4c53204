"""What a lab saves, when, and how it comes back (the storage itself: sim/lab/state_store.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from datetime import datetime
from typing import Any

from sim.lab.state_store import StateStore, dumps, loads
from sim.simulation import Simulation
from sim.switch.switch import Switch

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Asgi = Callable[[Scope, Receive, Send], Awaitable[None]]

# Everything a switch knows that is not rebuilt from its identity.
SWITCH_STATE = (
    "hostname",
    "licenses_in_use",
    "agent",
    "dns",
    "ntp_servers",
    "ntp_synced_to",
    "logging_servers",
    "callhome",
    "clock_offset",
    "syslog",
    "bootflash",
    "startup_config",
    "booted_at",
    "config_changed_at",
    "current_vrf_context",
)


class Persistence:
    def __init__(self, store: StateStore, simulation: Simulation) -> None:
        self.store = store
        self.simulation = simulation
        self.saves = 0

    def _live(self, *, leaving_out: str | None = None) -> dict[str, object]:
        sim = self.simulation
        live: dict[str, object] = {
            "clock": sim.clock,
            "timing": sim.timing,
            "trust_store": sim.trust_store,
            "scheduler": sim.scheduler,
            "network": sim.network,
        }
        live.update(sim.models)
        if leaving_out is not None:
            live.pop(leaving_out, None)
        return live

    def _now(self) -> datetime:
        return self.simulation.clock.now()

    # ---------------------------------------------------------------- saving

    def save_backend(self, name: str) -> None:
        model = self.simulation.models[name]
        data = dumps(model.__dict__, self._live(leaving_out=name))
        self.store.save(name, {"model": data}, self._now())
        self.saves += 1

    def save_switches(self) -> None:
        live = self._live()
        items = {
            name: _switch_state(switch, live) for name, switch in self.simulation.switches.items()
        }
        sim = self.simulation
        items["__faults__"] = dumps((sim.network.faults, sim.fault_previous), live)
        items["__workspace__"] = dumps(self.simulation.operator.files, live)
        self.store.save("switches", items, self._now())
        self.saves += 1

    def save_switch(self, switch: Switch) -> None:
        self.store.save("switches", {switch.name: _switch_state(switch, self._live())}, self._now())
        self.saves += 1

    def watch(self) -> None:
        """Save each switch before any message of its leaves."""
        for switch in self.simulation.switches.values():
            switch.before_send = self.save_switch

    def save_all(self) -> None:
        for name in self.simulation.models:
            self.save_backend(name)
        self.save_switches()

    def persisting_app(self, name: str, app: Asgi) -> Asgi:
        """`app`, committing the back end's state before each response leaves."""

        async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return

            async def send_after_saving(message: Message) -> None:
                if message["type"] == "http.response.start":
                    self.save_backend(name)
                await send(message)

            await app(scope, receive, send_after_saving)

        return wrapped

    # ---------------------------------------------------------------- restoring

    def has_state(self) -> bool:
        return bool(self.store.load("switches"))

    def restore(self) -> None:
        """Put saved state into the freshly built simulation (before anything runs)."""
        sim = self.simulation
        for name, model in sim.models.items():
            saved = self.store.load(name).get("model")
            if saved is not None:
                model.__dict__.update(loads(saved, self._live(leaving_out=name)))
        # Switches trust the restored signers (their keys came back with the back ends).
        sim.trust_store.certificates.clear()
        for model in sim.models.values():
            signer = getattr(model, "signer", None)
            if signer is not None:
                sim.trust_store.add_signer(signer)
        live = self._live()
        items = self.store.load("switches")
        faults = items.pop("__faults__", None)
        workspace = items.pop("__workspace__", None)
        if workspace is not None:
            sim.operator.files.update(loads(workspace, live))
        if faults is not None:
            saved_faults, previous = loads(faults, live)
            sim.network.restore_faults(saved_faults)
            sim.fault_previous.update(previous)
        for name, data in items.items():
            switch = sim.switches.get(name)
            if switch is not None:
                restore_switch(switch, loads(data, live))


def _switch_state(switch: Switch, live: Mapping[str, object]) -> bytes:
    return dumps({attr: getattr(switch, attr) for attr in SWITCH_STATE}, live)


def restore_switch(switch: Switch, state: dict[str, Any]) -> None:
    for attr, value in state.items():
        setattr(switch, attr, value)
    switch.agent.resume(switch.now())
    switch.resume()
