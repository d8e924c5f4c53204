"""The licensing agent's rules, driven without I/O (tests/agent_loop.py)."""

from __future__ import annotations

from datetime import timedelta

from agent_loop import START, AgentLoop

from sim.agent.states import PushPhase, ReportState
from sim.protocol.errors import CommError
from sim.syslog import CSSM_PEER, Message

H = timedelta(hours=1)
M = timedelta(minutes=1)
D = timedelta(days=1)


def test_start_logs_first_report_requirement_of_the_nexus_default_policy() -> None:
    loop = AgentLoop()
    assert loop.messages(Message.REPORTING_REQUIRED) == [(START, (90,))]
    assert loop.agent.deadline == START + 90 * D


def test_no_license_in_use_means_no_report_and_no_deadline() -> None:
    loop = AgentLoop(licenses={})
    loop.trust()
    loop.advance(40 * D)
    assert loop.agent.deadline is None
    assert loop.count(Message.REPORTING_REQUIRED) == 0
    assert not [s for s in loop.sent if s.request.message_type == "usage_report"]


def test_direct_mode_waits_for_trust_before_pushing() -> None:
    loop = AgentLoop()
    loop.advance(2 * H)
    assert loop.agent.next_push is None
    assert not loop.sent
    loop.trust()
    assert loop.count(Message.TRUST_CODE_INSTALL_SUCCESS) == 1
    loop.advance(M)
    assert loop.agent.last_push is not None


def test_happy_path_push_then_ack_fifteen_minutes_later_installs_policy() -> None:
    loop = AgentLoop()
    loop.trust()
    loop.advance(H)  # first push one hour after start
    assert loop.agent.last_push == START + H
    assert loop.agent.last_ack is None
    loop.advance(14 * M)
    assert loop.agent.last_ack is None, "CSSM makes the ACK available only after 15 minutes"
    loop.advance(2 * M)
    assert loop.agent.last_ack == START + H + 15 * M
    assert loop.count(Message.POLICY_INSTALL_SUCCESS) == 1
    assert not loop.agent.policy.is_default
    assert loop.agent.deadline == loop.agent.last_ack + 365 * D
    assert all(r.state is not ReportState.CLOSED for r in loop.agent.reports)
    assert loop.agent.next_push == START + H + 30 * D


def test_second_ack_does_not_reinstall_the_same_policy() -> None:
    loop = AgentLoop()
    loop.trust()
    loop.advance(31 * D + 2 * H)
    assert loop.agent.last_push is not None and loop.agent.last_push > START + 30 * D
    assert loop.count(Message.POLICY_INSTALL_SUCCESS) == 1


def test_failed_scheduled_push_retries_four_hours_then_every_fifteen_minutes() -> None:
    loop = AgentLoop()
    loop.trust()
    loop.advance(H + 20 * M)  # first push and its ACK succeed
    scheduled = loop.agent.next_push
    assert scheduled is not None
    loop.network_error = CommError.UNREACHABLE
    loop.advance(scheduled - loop.clock.now())
    window_end = scheduled + 4 * H
    loop.advance(4 * H)
    failures = loop.messages(Message.COMM_FAILED)
    # One at the scheduled time and one every 5 minutes up to and including the 4-hour mark.
    assert len(failures) == 49
    assert failures[0][1] == (CSSM_PEER, CommError.UNREACHABLE.text)
    assert loop.agent.phase is PushPhase.FALLBACK
    # Retries resend the same reports instead of closing new ones on every attempt.
    assert len(loop.agent.reports) == 3
    loop.advance(H)
    fallback = [at for at, _ in loop.messages(Message.COMM_FAILED) if at > window_end]
    assert fallback == [window_end + k * 15 * M for k in range(1, 5)]
    loop.network_error = None
    loop.advance(15 * M)
    assert loop.count(Message.COMM_RESTORED) == 1
    assert loop.agent.phase is PushPhase.NORMAL
    assert loop.agent.next_push == loop.clock.now() + 30 * D
    loop.advance(2 * D)
    assert loop.count(Message.COMM_RESTORED) == 1


def test_configured_usage_interval_drives_the_schedule() -> None:
    from dataclasses import replace

    loop = AgentLoop()
    loop.trust()
    loop.agent.configure(loop.now, replace(loop.agent.config, usage_interval_days=7))
    loop.advance(H + 20 * M)
    assert loop.agent.next_push == START + H + 7 * D


def test_reporting_required_at_thirty_days_and_daily_in_last_week() -> None:
    loop = AgentLoop()  # no trust: nothing is ever reported
    loop.advance(91 * D)
    days = [args[0] for _, args in loop.messages(Message.REPORTING_REQUIRED)]
    assert days == [90, 30, 7, 6, 5, 4, 3, 2, 1, 0]


def test_factory_reset_removes_policy_and_trust_brings_it_back() -> None:
    loop = AgentLoop()
    loop.trust()
    loop.advance(2 * H)
    assert loop.count(Message.POLICY_INSTALL_SUCCESS) == 1
    loop.agent.factory_reset(loop.now)
    loop.pump()
    assert loop.count(Message.POLICY_REMOVED) == 1
    assert loop.count(Message.POLICY_INSTALL_SUCCESS) == 2
    assert not loop.agent.policy.is_default
    assert loop.agent.last_ack is None


def test_trust_with_clock_off_by_two_hours_is_a_timestamp_mismatch() -> None:
    loop = AgentLoop()
    loop.offset = 2 * H
    loop.trust()
    ((_, args),) = loop.messages(Message.TRUST_CODE_INSTALL_FAILED)
    assert "Timestamp mismatch" in str(args[1])
    assert loop.agent.trust is None


def test_trust_with_clock_years_off_is_a_signature_mismatch() -> None:
    loop = AgentLoop()
    loop.offset = -5 * 365 * D
    loop.trust()
    ((_, args),) = loop.messages(Message.TRUST_CODE_INSTALL_FAILED)
    assert "Signature mismatch" in str(args[1])


def test_second_trust_code_needs_force() -> None:
    loop = AgentLoop()
    loop.trust()
    loop.trust()
    ((_, args),) = loop.messages(Message.TRUST_CODE_INSTALL_FAILED)
    assert "already installed" in str(args[1])
    loop.trust(force=True)
    assert loop.count(Message.TRUST_CODE_INSTALL_SUCCESS) == 2


def test_tampered_ack_fails_policy_install_with_signature_mismatch() -> None:
    loop = AgentLoop()
    loop.trust()
    loop.cssm.signer.tampering = True
    loop.advance(2 * H)
    ((_, args),) = loop.messages(Message.POLICY_INSTALL_FAILED)
    assert "Signature mismatch" in str(args[0])
    assert loop.agent.policy.is_default
    assert loop.agent.last_ack is None


def test_usage_change_pulls_the_deadline_to_ninety_days() -> None:
    loop = AgentLoop()
    loop.trust()
    loop.advance(2 * H)
    assert loop.agent.deadline == START + H + 15 * M + 365 * D
    loop.advance(10 * D)
    changed_at = loop.now
    loop.agent.set_usage(loop.now, {"NXOS_ADVANTAGE_XF": 2})
    loop.pump()
    assert loop.agent.deadline == changed_at + 90 * D
