"""What a lab saves, when, and how it comes back (the storage itself: sim/lab/state_store.py).

The durability rule: whatever a component acknowledges is committed before anyone can learn
of it, and nothing that leaves the lab depends on state that is not committed yet.

- A back end commits before its HTTP reply leaves; a switch commits before any message of
  its leaves, after every CLI command, and every second; the virtual time is committed
  before the control API or NX-API answers, so a restart never resumes earlier than a time
  the lab has shown.
- Each commit writes what changed, so its cost follows the change, not the size of the lab:
  a command or an event marks its own switch (the scheduler names each event's owner), a
  back end's rows are the entries its reply reached (sim/lab/model_rows.py), and a row whose
  text is what the store holds is not written. With nothing changed, the every-second save
  encodes, writes and commits nothing.
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

from sim.lab.model_rows import ModelRows
from sim.lab.state_store import StateError, StateStore, Stored, digest, dumps, loads
from sim.lab.switch_rows import PART_SEP, SWITCH_STATE, SwitchRows
from sim.scheduler import Halt
from sim.simulation import Simulation
from sim.switch.switch import Switch

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Asgi = Callable[[Scope, Receive, Send], Awaitable[None]]

# CSSM first: see the module docstring.
COMMIT_ORDER = ("cssm", "cslu", "onprem")
RELAYS = ("cslu", "onprem")
# A relay's device holds every report and ACK it relays: rows of their own (model_rows.py).
ENTRY_PARTS = {relay: {"inventory": ("reports", "acks")} for relay in RELAYS}


class CommitFailed(Halt):
    """The state dir did not take a commit; the lab cannot keep its promise and stops.

    A `Halt`: the scheduler lets it through rather than containing it as an incident."""


FAULTS_ROW = "__faults__"
WORKSPACE_ROW = "__workspace__"
Rows = dict[str, bytes | None]  # what StateStore.save takes


class Persistence:
    """Saves what changed (see the module docstring): a switch when a command ran on it or
    an event of its ran, a back end's rows when a reply or an event of its reached them."""

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
        self.models = {
            name: ModelRows(model, name, ENTRY_PARTS.get(name))
            for name, model in simulation.models.items()
        }
        self.dirty_switches: set[str] = set()
        self.dirty_backends: set[str] = set()
        self._switch_rows: dict[str, bytes] = {}  # row -> digest of what switches.sqlite holds
        self._switch_parts: dict[str, SwitchRows] = {}  # switch -> its rows (switch_rows.py)
        self._workspace: Mapping[str, object] | None = None  # the files as last committed

    def _commit(self, db_name: str, make_rows: Callable[[], Rows], *, always: bool = False) -> bool:
        """Serialise and commit what changed, or fail for good (see the module docstring).

        False when nothing had changed (and not `always`): then nothing was written."""
        if self.failure is not None:
            raise CommitFailed(str(self.failure))
        now = self._now()
        try:
            items = make_rows()
            if not items and not always:
                return False
            self.store.save(db_name, items, now)
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
        return True

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

    # ---------------------------------------------------------------- what changed

    def touched(self, owner: str) -> None:
        """An event of `owner` (a switch, a back end) is about to run."""
        if owner in self.simulation.switches:
            self.dirty_switches.add(owner)
        elif owner in self.models:
            self.dirty_backends.add(owner)

    def touched_switch(self, name: str) -> None:
        self.dirty_switches.add(name)

    # ---------------------------------------------------------------- saving

    def save_backend(self, name: str, *, everything: bool = False) -> None:
        if name in RELAYS:
            self._save_model("cssm", everything=everything)
        self._save_model(name, everything=everything)

    def _save_model(self, name: str, *, everything: bool = False) -> None:
        rows = self.models[name]
        live = self._live(leaving_out=name)
        if self._commit(name, lambda: rows.changes(live, everything=everything)):
            rows.committed()

    def save_switches(self, *, everything: bool = False) -> None:
        """Commit the switches marked as changed (every switch: `everything`), the faults
        and the operator's files, each only if its text changed."""
        sim = self.simulation
        names = set(sim.switches) if everything else self.dirty_switches & set(sim.switches)
        self.dirty_switches = set()
        pending: dict[str, bytes | None] = {}
        workspace = dict(sim.operator.files)

        def rows() -> Rows:
            live = self._live()
            items: Rows = {}
            for name in sorted(names):
                items.update(self._parts(name).rows(sim.switches[name], live))
            items[FAULTS_ROW] = dumps((sim.network.faults, sim.fault_previous), live)
            if everything or not _same_files(self._workspace, workspace):
                items[WORKSPACE_ROW] = dumps(workspace, live)
            return self._changed(items, pending)

        self._commit("switches", rows)
        self._switch_committed(pending, names)
        self._workspace = workspace

    def _parts(self, name: str) -> SwitchRows:
        parts = self._switch_parts.get(name)
        if parts is None:
            parts = self._switch_parts[name] = SwitchRows(name)
        return parts

    def _changed(self, items: Rows, pending: dict[str, bytes | None]) -> Rows:
        """`items` less the rows whose text the store holds; `pending` gets the digests."""
        write: Rows = {}
        for row, data in items.items():
            if data is None:
                write[row] = pending[row] = None
                continue
            fingerprint = digest(data)
            if self._switch_rows.get(row) != fingerprint:
                write[row] = data
                pending[row] = fingerprint
        return write

    def _switch_committed(self, pending: dict[str, bytes | None], names: set[str]) -> None:
        # Only after a commit that went through (a failed one raised before this).
        for row, fingerprint in pending.items():
            if fingerprint is None:
                self._switch_rows.pop(row, None)
            else:
                self._switch_rows[row] = fingerprint
        for name in names:
            self._parts(name).committed()

    def save_changes(self) -> None:
        """Commit whatever events, replies and commands changed since the last commit; with
        nothing changed, nothing is encoded, written or committed."""
        dirty, self.dirty_backends = self.dirty_backends, set()
        for name in COMMIT_ORDER:
            if name in dirty:
                self.save_backend(name)
        if self.dirty_switches or not _same_files(self._workspace, self.simulation.operator.files):
            self.save_switches()

    def save_time(self) -> None:
        """Commit the virtual time alone, before a front end shows it to anyone."""
        self._commit("switches", _nothing, always=True)

    def save_switch(self, switch: Switch) -> None:
        # It stays marked: the event sending this message goes on (with the reply, say).
        pending: dict[str, bytes | None] = {}

        def rows() -> Rows:
            return self._changed(self._parts(switch.name).rows(switch, self._live()), pending)

        self._commit("switches", rows)
        self._switch_committed(pending, {switch.name})

    def watch(self) -> None:
        """Save each switch before any message of its leaves; hear of every event."""
        for switch in self.simulation.switches.values():
            switch.before_send = self.save_switch
        self.simulation.scheduler.on_event = self.touched

    def save_all(self, *, everything: bool = False) -> None:
        """Commit every back end's changes and every switch whose text changed (with
        `everything`, every back-end row is encoded again too, not only those reached)."""
        for name in COMMIT_ORDER:
            self._save_model(name, everything=everything)
        self.save_switches(everything=True)

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
        for name, rows in self.models.items():
            rows.restore(self.store.load(name), self._live(leaving_out=name))
        # Switches trust the restored signers (their keys came back with the back ends).
        sim.trust_store.certificates.clear()
        for model in sim.models.values():
            signer = getattr(model, "signer", None)
            if signer is not None:
                sim.trust_store.add_signer(signer)
        live = self._live()
        items = self.store.load("switches")
        self._switch_rows = {row: digest(bytes(data)) for row, data in items.items()}
        faults = items.pop(FAULTS_ROW, None)
        workspace = items.pop(WORKSPACE_ROW, None)
        if workspace is not None:
            sim.operator.files.update(loads(workspace, live))
            self._workspace = dict(sim.operator.files)
        if faults is not None:
            saved_faults, previous = loads(faults, live)
            sim.restore_faults(dict(saved_faults), dict(previous))
        parts: dict[str, dict[str, Stored]] = {}
        mains: dict[str, Stored] = {}
        for row, data in items.items():
            if row in sim.switches:
                mains[row] = data
                continue
            name, sep, part = row.rpartition(PART_SEP)
            if sep and name in sim.switches:
                parts.setdefault(name, {})[part] = data
        for name in parts:
            if name not in mains:
                raise StateError(f"switches.sqlite holds parts of {name!r} but not the switch")
        for name, data in mains.items():
            state = self._parts(name).restore(data, parts.get(name, {}), live)
            restore_switch(sim.switches[name], state)


def _nothing() -> Rows:
    return {}


def _same_files(before: Mapping[str, object] | None, now: Mapping[str, object]) -> bool:
    """Whether the operator's files are those last committed (their contents are bytes,
    which never change in place, so the same objects are the same files)."""
    if before is None or before.keys() != now.keys():
        return False
    return all(before[name] is data for name, data in now.items())


def _switch_state(switch: Switch, live: Mapping[str, object]) -> bytes:
    """A switch's whole state in one value (what a schema-3 state dir holds in its row)."""
    return dumps({attr: getattr(switch, attr) for attr in SWITCH_STATE}, live)


def restore_switch(switch: Switch, state: dict[str, Any]) -> None:
    unknown = set(state) - set(SWITCH_STATE)
    if unknown:
        raise StateError(f"saved switch {switch.name!r} holds unknown state {sorted(unknown)}")
    for attr, value in state.items():
        setattr(switch, attr, value)
    switch.agent.resume(switch.now())
    switch.resume()
