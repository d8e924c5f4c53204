"""What a lab saves, when, and how it comes back (the storage itself: sim/lab/state_store.py).

The durability rule: whatever a component acknowledges is committed before anyone can learn
of it, and nothing that leaves the lab depends on state that is not committed yet.

- A back end commits before its HTTP reply leaves; a switch commits before any message of
  its leaves, after every CLI command, and every second; the virtual time is committed
  before the control API or NX-API answers, so a restart never resumes earlier than a time
  the lab has shown.
- CSSM is committed before CSLU or SSM On-Prem, every time. The relays call CSSM in-process
  (uploads, ACK files), so CSSM's state can change without a reply of its own; committing it
  first means a relay never holds, and so never hands a switch, an ACK whose reports CSSM
  could lose in a crash. After a crash CSSM may be ahead of a relay, never behind it: the
  relay uploads again and CSSM recognises the report ids it already holds.
- A commit that fails (disk full, a damaged file) is final: this object refuses every later
  commit, the lab is told (`on_failure`) and stops, and whatever was waiting on the commit
  (a reply, a message to a back end) never goes out. A restart resumes from the last commit,
  and nothing a back end acknowledged after it was ever sent.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from datetime import datetime
from typing import Any

from sim.lab.state_store import StateError, StateStore, dumps, loads
from sim.scheduler import Halt
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
    "interfaces",
    "vlans",
    "users",
    "lines",
    "logging_console",
    "checkpoints",
    "licensed_features",
)


# CSSM first: see the module docstring.
COMMIT_ORDER = ("cssm", "cslu", "onprem")
RELAYS = ("cslu", "onprem")


class CommitFailed(Halt):
    """The state dir did not take a commit; the lab cannot keep its promise and stops.

    A `Halt`: the scheduler lets it through rather than containing it as an incident."""


class Persistence:
    def __init__(
        self,
        store: StateStore,
        simulation: Simulation,
        on_failure: Callable[[CommitFailed], None] | None = None,
    ) -> None:
        self.store = store
        self.simulation = simulation
        self.on_failure = on_failure
        self.failure: CommitFailed | None = None
        self.committed_at: datetime | None = None  # virtual time of the last commit
        self.saves = 0

    def _commit(self, db_name: str, make_items: Callable[[], Mapping[str, bytes]]) -> None:
        """Serialise and commit, or fail for good (see the module docstring)."""
        if self.failure is not None:
            raise CommitFailed(str(self.failure))
        now = self._now()
        try:
            self.store.save(db_name, make_items(), now)
        # Whatever stops a commit (the disk, the database, state that will not serialise)
        # breaks the same promise, so it ends the lab the same way.
        except Exception as exc:
            failure = CommitFailed(f"cannot save the lab's state to {db_name}.sqlite: {exc}")
            failure.__cause__ = exc
            self.failure = failure
            if self.on_failure is not None:
                self.on_failure(failure)
            raise failure from exc
        self.committed_at = now
        self.saves += 1

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
        if name in RELAYS:
            self._save_model("cssm")
        self._save_model(name)

    def _save_model(self, name: str) -> None:
        model = self.simulation.models[name]
        self._commit(name, lambda: {"model": dumps(model.__dict__, self._live(leaving_out=name))})

    def save_switches(self) -> None:
        def items() -> dict[str, bytes]:
            live = self._live()
            sim = self.simulation
            state = {name: _switch_state(switch, live) for name, switch in sim.switches.items()}
            state["__faults__"] = dumps((sim.network.faults, sim.fault_previous), live)
            state["__workspace__"] = dumps(sim.operator.files, live)
            return state

        self._commit("switches", items)

    def save_time(self) -> None:
        """Commit the virtual time alone, before a front end shows it to anyone."""
        self._commit("switches", dict)

    def save_switch(self, switch: Switch) -> None:
        self._commit("switches", lambda: {switch.name: _switch_state(switch, self._live())})

    def watch(self) -> None:
        """Save each switch before any message of its leaves."""
        for switch in self.simulation.switches.values():
            switch.before_send = self.save_switch

    def save_all(self) -> None:
        for name in COMMIT_ORDER:
            self._save_model(name)
        self.save_switches()

    def persisting_app(self, name: str, app: Asgi) -> Asgi:
        """`app`, committing the back end's state before each response leaves."""

        async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return

            async def send_after_saving(message: Message) -> None:
                # A failed commit raises here: the reply never leaves (the lab answers 503).
                if message["type"] == "http.response.start":
                    self.save_backend(name)
                await send(message)

            await app(scope, receive, send_after_saving)

        return wrapped

    # ---------------------------------------------------------------- restoring

    def has_state(self) -> bool:
        return bool(self.store.load("switches"))

    def restore(self) -> None:
        """Put saved state into the freshly built simulation (before anything runs).

        The codec only rebuilds known data types, but a hand-edited or damaged state dir can
        still hold the wrong shape (a number where the faults were): that is refused as a
        StateError naming what was wrong, never a traceback half-way through a restart.
        """
        try:
            self._restore()
        except StateError:
            raise
        except (TypeError, ValueError, AttributeError, KeyError, IndexError) as exc:
            raise StateError(
                f"{self.store.state_dir}: saved state is not what this slpsim wrote "
                f"({type(exc).__name__}: {exc}); use a new --state-dir"
            ) from exc

    def _restore(self) -> None:
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
            sim.restore_faults(dict(saved_faults), dict(previous))
        for name, data in items.items():
            switch = sim.switches.get(name)
            if switch is not None:
                restore_switch(switch, loads(data, live))


def _switch_state(switch: Switch, live: Mapping[str, object]) -> bytes:
    return dumps({attr: getattr(switch, attr) for attr in SWITCH_STATE}, live)


def restore_switch(switch: Switch, state: dict[str, Any]) -> None:
    unknown = set(state) - set(SWITCH_STATE)
    if unknown:
        raise StateError(f"saved switch {switch.name!r} holds unknown state {sorted(unknown)}")
    for attr, value in state.items():
        setattr(switch, attr, value)
    switch.agent.resume(switch.now())
    switch.resume()
