"""Hypothesis drives the pure agent with random time jumps, outages, syncs and usage changes.

Every step of `AgentLoop.advance` also checks that the agent's timer moves past the instant
it ran at: a wake-up that does not would spin the scheduler at one instant forever.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from agent_loop import AgentLoop
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from sim.agent.states import Channel, PushPhase, ReportState, Transport
from sim.protocol.errors import CommError
from sim.syslog import Message


class AgentMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.loop = AgentLoop()
        self.loop.trust()
        self._checked = 0
        self._comm = "ok"

    @initialize(
        delay=st.sampled_from([timedelta(minutes=15), timedelta(days=1), timedelta(days=2)]),
        days=st.sampled_from([None, 1, 2]),
    )
    def start_with(self, delay: timedelta, days: int | None) -> None:
        self.set_ack_delay(delay)
        self.set_usage_interval(days)

    @rule(minutes=st.integers(min_value=1, max_value=60 * 24 * 12))
    def advance(self, minutes: int) -> None:
        self.loop.advance(timedelta(minutes=minutes))

    @rule(
        error=st.sampled_from(
            [
                CommError.UNREACHABLE,
                CommError.DNS,
                CommError.HTTP_404,
                CommError.HTTP_500,
                CommError.EMPTY_RESPONSE,
                CommError.TLS_INVALID,
                CommError.TIMEOUT,
            ]
        )
    )
    def network_down(self, error: CommError) -> None:
        self.loop.network_error = error

    @rule()
    def network_up(self) -> None:
        self.loop.network_error = None

    @rule()
    def sync(self) -> None:
        self.loop.agent.sync(self.loop.now)
        self.loop.pump()

    @rule(count=st.integers(min_value=0, max_value=3))
    def change_usage(self, count: int) -> None:
        self.loop.agent.set_usage(self.loop.now, {"NXOS_ADVANTAGE_XF": count} if count else {})
        self.loop.pump()

    @rule(transport=st.sampled_from([Transport.OFF, Transport.SMART]))
    def set_transport(self, transport: Transport) -> None:
        agent = self.loop.agent
        agent.configure(self.loop.now, replace(agent.config, transport=transport))
        self.loop.pump()

    @rule(days=st.sampled_from([None, 1, 2]))
    def set_usage_interval(self, days: int | None) -> None:
        agent = self.loop.agent
        agent.configure(self.loop.now, replace(agent.config, usage_interval_days=days))
        self.loop.pump()

    @rule(delay=st.sampled_from([timedelta(minutes=15), timedelta(days=1), timedelta(days=2)]))
    def set_ack_delay(self, delay: timedelta) -> None:
        # An ACK slower than the push interval: polls for an older push are still being
        # answered when the next push goes out.
        self.loop.cssm.ack_delay = delay

    @rule(hold=st.booleans())
    def slow_network(self, hold: bool) -> None:
        self.loop.hold_replies = hold

    @rule(reverse=st.booleans())
    def late_replies_arrive(self, reverse: bool) -> None:
        self.loop.release(reverse=reverse)

    @rule(unreported=st.booleans())
    def save_usage(self, unreported: bool) -> None:
        self.loop.agent.usage_file(self.loop.now, unreported_only=unreported)

    @rule(force=st.booleans())
    def trust_again(self, force: bool) -> None:
        self.loop.trust(force=force)

    @rule()
    def recover(self) -> None:
        """The network comes back: within the retry window plus one fallback interval, pushes
        succeed and the push interval is the configured one again."""
        self.loop.network_error = None
        self.loop.hold_replies = False
        self.loop.release()
        self.loop.advance(timedelta(hours=4, minutes=20))
        agent = self.loop.agent
        if agent.pushes_enabled and agent.licenses:
            assert agent.phase is PushPhase.NORMAL
            assert agent.push_interval == agent.configured_interval

    @rule()
    def factory_reset(self) -> None:
        self.loop.agent.factory_reset(self.loop.now)
        self.loop.pump()

    @invariant()
    def restored_only_after_failures(self) -> None:
        # Incremental: a long outage logs thousands of lines; each is checked once.
        for _, message, _ in self.loop.logs[self._checked :]:
            if message is Message.COMM_FAILED:
                self._comm = "failing"
            elif message is Message.COMM_RESTORED:
                assert self._comm == "failing", "COMM_RESTORED without a COMM_FAILED before it"
                self._comm = "ok"
        self._checked = len(self.loop.logs)

    @invariant()
    def every_comm_failed_is_a_failed_exchange(self) -> None:
        assert self.loop.count(Message.COMM_FAILED) == self.loop.failed_exchanges

    @invariant()
    def switch_and_cssm_agree_on_the_one_trust_code(self) -> None:
        trust = self.loop.agent.trust
        pi = self.loop.cssm.product_instance(self.loop.agent.sudi)
        if trust is not None:
            assert pi is not None and pi.trust is not None
            assert pi.trust.trust_id == trust.trust_id

    @invariant()
    def timer_never_in_the_past(self) -> None:
        wake = self.loop.agent.next_wakeup()
        assert wake is None or wake >= self.loop.now - timedelta(seconds=1)

    @invariant()
    def a_pending_poll_is_always_on_its_way(self) -> None:
        # Stuck without spinning is as bad as spinning: a pending ACK is polled for again.
        agent = self.loop.agent
        if agent.pending_poll is not None and agent.config.transport is not Transport.OFF:
            assert agent.next_ack_check is not None or agent._in_flight_on(Channel.RESULT_POLLING)

    @invariant()
    def report_ids_unique_and_acked_ones_reached_cssm(self) -> None:
        reports = self.loop.agent.reports
        ids = [r.report_id for r in reports]
        assert len(ids) == len(set(ids))
        received = self.loop.cssm.reports_received(self.loop.agent.sudi)
        for report in reports:
            if report.state is ReportState.ACK:
                assert report.report_id in received

    @invariant()
    def one_open_report_per_license_in_use(self) -> None:
        agent = self.loop.agent
        open_features = sorted(r.feature for r in agent.reports if r.state is ReportState.OPEN)
        assert open_features == sorted(agent.licenses)

    @invariant()
    def interval_is_configured_one_unless_in_fallback(self) -> None:
        agent = self.loop.agent
        if agent.phase is not PushPhase.FALLBACK:
            assert agent.push_interval == agent.configured_interval

    @invariant()
    def transport_off_schedules_no_push(self) -> None:
        agent = self.loop.agent
        if agent.config.transport is Transport.OFF:
            assert agent.next_push is None or agent.phase is not PushPhase.NORMAL

    @invariant()
    def deadline_follows_usage(self) -> None:
        agent = self.loop.agent
        assert (agent.deadline is None) == (agent.usage_start is None)


TestAgentMachine = AgentMachine.TestCase
TestAgentMachine.settings = settings(
    max_examples=40,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
