"""A pure, synchronous harness: one agent talking straight to a CssmModel in virtual time.

No HTTP and no scheduler: the loop hands each Send to the model (or fails it, when the test
says the network is down) and wakes the agent at its timer. It is what the stateful tests
drive, so that the agent's rules are tested without the shell around them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from cssm_mock.models import CssmModel
from sim.agent.effects import AgentRequest, Log, Send
from sim.agent.machine import Agent
from sim.clock import VirtualClock
from sim.protocol.errors import CommError
from sim.protocol.messages import PollRequest, Reply, Sudi, UsageReportRequest
from sim.protocol.signing import Signer, TrustStore
from sim.syslog import Message
from sim.timing import DEFAULT_TIMING, TimingProfile

START = datetime.fromisoformat("2026-01-05T09:00:00+00:00")
SUDI = Sudi(udi_pid="N9K-C93180YC-FX", udi_serial_number="FDO2434107N")


class AgentLoop:
    def __init__(
        self,
        licenses: dict[str, int] | None = None,
        timing: TimingProfile = DEFAULT_TIMING,
        signer: Signer | None = None,
    ) -> None:
        self.clock = VirtualClock(START)
        self.cssm = CssmModel(self.clock, timing, signer or Signer.for_simulation("CSSM", START))
        store = TrustStore()
        store.add_signer(self.cssm.signer)
        self.agent = Agent(sudi=SUDI, hostname="leaf1", trust_store=store, timing=timing)
        self.offset = timedelta(0)
        self.network_error: CommError | None = None
        # Who answers the agent's messages: CSSM unless a test stands in another back end.
        self.backend: Callable[[AgentRequest], Reply] = self.cssm.handle
        self.logs: list[tuple[datetime, Message, tuple[object, ...]]] = []
        self.sent: list[Send] = []
        self.failed_exchanges = 0
        # While set, replies to usage reports and polls wait in `held` until `release`: the
        # back end has answered, the switch has not heard yet (a slow network).
        self.hold_replies = False
        self.held: list[tuple[int, Reply]] = []
        self.agent.start(self.now, {"NXOS_ADVANTAGE_XF": 1} if licenses is None else licenses)
        self.pump()

    @property
    def now(self) -> datetime:
        return self.clock.now() + self.offset

    def pump(self) -> None:
        while effects := self.agent.drain_effects():
            for effect in effects:
                if isinstance(effect, Log):
                    self.logs.append((self.clock.now(), effect.message, effect.args))
                    continue
                self.sent.append(effect)
                if self.network_error is not None:
                    self.failed_exchanges += 1
                    self.agent.failure(self.now, effect.request_id, self.network_error)
                else:
                    reply = self.backend(effect.request)
                    if self.hold_replies and isinstance(
                        effect.request, UsageReportRequest | PollRequest
                    ):
                        self.held.append((effect.request_id, reply))
                    else:
                        self.agent.response(self.now, effect.request_id, reply)

    def release(self, *, reverse: bool = False) -> None:
        """Deliver the held replies, oldest first (or newest first: out of order)."""
        held, self.held = self.held, []
        for request_id, reply in reversed(held) if reverse else held:
            self.agent.response(self.now, request_id, reply)
        self.pump()

    def advance(self, delta: timedelta) -> None:
        until = self.clock.now() + delta
        while (wake := self.agent.next_wakeup()) is not None and wake - self.offset <= until:
            self.clock.advance_to(max(self.clock.now(), wake - self.offset))
            self.agent.timer(self.now)
            self.pump()
            # A wake-up that does not move past the instant it ran would spin forever.
            after = self.agent.next_wakeup()
            assert after is None or after > self.now, (
                f"timer at {self.now} left the next wake-up at {after}"
            )
        self.clock.advance_to(until)

    def trust(self, *, force: bool = False, virtual_account: str = "Default") -> None:
        token = self.cssm.create_token(virtual_account)
        self.agent.trust_idtoken(self.now, token, scope="all", force=force)
        self.pump()

    def count(self, message: Message, since: datetime | None = None) -> int:
        return sum(1 for at, m, _ in self.logs if m is message and (since is None or at >= since))

    def messages(self, message: Message) -> list[tuple[datetime, tuple[object, ...]]]:
        return [(at, args) for at, m, args in self.logs if m is message]
