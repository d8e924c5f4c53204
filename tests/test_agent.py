"""The licensing agent's rules, driven without I/O (tests/agent_loop.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from agent_loop import START, SUDI, AgentLoop

from sim.agent.config import (
    CALLHOME_URL,
    CSLU_LOCAL_URL,
    CallhomeDestination,
    CallhomeProblem,
)
from sim.agent.effects import AgentRequest
from sim.agent.import_outcome import ImportOutcome
from sim.agent.states import PushPhase, ReportState, Transport
from sim.protocol.errors import CommError, Refusal
from sim.protocol.files import ImportFile, read_usage_file
from sim.protocol.messages import (
    AckBody,
    PolicyBody,
    PollRequest,
    Reply,
    Sudi,
    UsageReportRequest,
)
from sim.protocol.rum import feature_and_count_of, report_id_of
from sim.protocol.signing import SignedDocument
from sim.syslog import CSLU_PEER, CSSM_PEER, Message

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
    loop = AgentLoop()
    loop.trust()
    loop.agent.configure(loop.now, replace(loop.agent.config, usage_interval_days=7))
    loop.advance(H + 20 * M)
    assert loop.agent.next_push == START + H + 7 * D


def test_reporting_required_at_start_thirty_days_before_and_at_the_deadline_only() -> None:
    loop = AgentLoop()  # no trust: nothing is ever reported
    loop.advance(400 * D)
    days = [args[0] for _, args in loop.messages(Message.REPORTING_REQUIRED)]
    assert days == [90, 30, 0]


def test_a_healthy_switch_does_not_log_reporting_required_after_each_ack() -> None:
    loop = AgentLoop()
    loop.trust()
    loop.advance(365 * D)
    assert loop.agent.last_ack is not None and loop.agent.last_ack > START + 330 * D
    # Only the requirement announced when usage started: every ACK met the next one.
    assert [args[0] for _, args in loop.messages(Message.REPORTING_REQUIRED)] == [90]


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


# ---------------------------------------------------------------------- transports


class StandIn:
    """A CSLU / On-Prem stand-in: OK_POLL for usage, a signed ACK on the next poll."""

    def __init__(self, loop: AgentLoop, *, policy: bool = False, down_rev: bool = False) -> None:
        self.loop = loop
        self.policy = policy
        self.down_rev = down_rev
        self.received: list[AgentRequest] = []
        self._reports: dict[int, list[int]] = {}

    def __call__(self, request: AgentRequest) -> Reply:
        self.received.append(request)
        if isinstance(request, UsageReportRequest):
            if self.down_rev:
                code = Refusal.REPORTING_NOT_SUPPORTED
                return Reply(status="FAILED", message_code=code.code, message=code.text)
            poll_id = len(self._reports) + 1
            self._reports[poll_id] = [report_id_of(r) for r in request.reports]
            return Reply(status="OK_POLL", poll_id=poll_id, policy=self.signed_policy())
        if isinstance(request, PollRequest):
            ack = signed_ack(self.loop, self._reports.get(request.poll_id, []))
            return Reply(status="COMPLETE", poll_id=request.poll_id, ack=ack)
        return Reply(status="FAILED", message_code=Refusal.MALFORMED.code)

    def signed_policy(self) -> SignedDocument | None:
        return signed_policy(self.loop) if self.policy else None


def signed_policy(loop: AgentLoop, *, issued_in: timedelta = timedelta(0)) -> SignedDocument:
    body = PolicyBody(
        policy_id="cslu-policy-1",
        name="CSLU furnished policy",
        issued=(loop.clock.now() + issued_in).isoformat(),
        first_report_days=90,
        reporting_frequency_days=180,
        report_on_change_days=60,
    )
    return loop.cssm.signer.sign(body.model_dump())


def signed_ack(
    loop: AgentLoop,
    report_ids: list[int],
    *,
    policy: SignedDocument | None = None,
    sudi: Sudi = SUDI,
) -> SignedDocument:
    body = AckBody(
        udi=sudi,
        report_ids=report_ids,
        issued=loop.clock.now().isoformat(),
        smart_account="example.com",
        virtual_account="Default",
        policy=policy,
    )
    return loop.cssm.signer.sign(body.model_dump())


def use(loop: AgentLoop, **changes: object) -> None:
    loop.agent.configure(loop.now, replace(loop.agent.config, **changes))  # type: ignore[arg-type]
    loop.pump()


def test_cslu_needs_no_trust_and_uses_the_cslu_local_url() -> None:
    loop = AgentLoop()
    cslu = StandIn(loop)
    loop.backend = cslu
    use(loop, transport=Transport.CSLU)
    loop.advance(H + 10 * M)
    push, poll = loop.sent[:2]
    assert push.url == CSLU_LOCAL_URL and push.request.message_type == "usage_report"
    assert poll.request.message_type == "poll"
    assert loop.agent.last_ack == START + H + 5 * M
    assert loop.agent.trust is None


def test_cslu_failure_names_the_cslu_peer() -> None:
    loop = AgentLoop()
    loop.network_error = CommError.DNS
    use(loop, transport=Transport.CSLU, cslu_url="http://10.0.0.9:8182/cslu/v1/pi")
    loop.advance(H)
    ((_, args),) = loop.messages(Message.COMM_FAILED)
    assert args == (CSLU_PEER, CommError.DNS.text)
    assert loop.sent[0].url == "http://10.0.0.9:8182/cslu/v1/pi"


def test_policy_handed_back_with_a_push_reply_is_installed_once() -> None:
    loop = AgentLoop()
    loop.backend = StandIn(loop, policy=True)
    use(loop, transport=Transport.CSLU)
    loop.advance(H)
    assert loop.count(Message.POLICY_INSTALL_SUCCESS) == 1
    assert loop.agent.policy.name == "CSLU furnished policy"
    loop.advance(31 * D)  # another push hands the same policy back
    assert loop.count(Message.POLICY_INSTALL_SUCCESS) == 1


def test_poll_reply_installs_the_ack_and_a_policy_beside_it() -> None:
    loop = AgentLoop()
    cslu = StandIn(loop)
    loop.backend = cslu
    use(loop, transport=Transport.CSLU)
    loop.advance(H)

    def poll_with_policy(request: AgentRequest) -> Reply:
        reply = cslu(request)
        return reply.model_copy(update={"policy": signed_policy(loop)})

    loop.backend = poll_with_policy
    loop.advance(5 * M)
    assert loop.agent.last_ack == loop.now
    assert all(r.state is not ReportState.CLOSED for r in loop.agent.reports)
    assert loop.agent.policy.reporting_frequency_days == 180
    assert loop.agent.deadline == loop.now + 180 * D


def test_sync_through_cslu_after_factory_reset_gets_the_policy_back() -> None:
    loop = AgentLoop()
    loop.backend = StandIn(loop, policy=True)
    use(loop, transport=Transport.CSLU)
    loop.advance(2 * H)
    loop.agent.factory_reset(loop.now)
    loop.pump()
    assert loop.count(Message.POLICY_REMOVED) == 1
    assert loop.agent.policy.is_default, "without trust nothing asks CSLU on its own"
    loop.agent.sync(loop.now)
    loop.pump()
    assert loop.count(Message.POLICY_INSTALL_SUCCESS) == 2
    assert not loop.agent.policy.is_default


def test_down_rev_onprem_stops_reporting_once_and_usage_keeps_being_recorded() -> None:
    loop = AgentLoop()
    onprem = StandIn(loop, down_rev=True)
    loop.backend = onprem
    use(loop, transport=Transport.CSLU, cslu_url="https://onprem.example.com/cslu/v1/pi/VA-1")
    loop.advance(H)
    assert loop.count(Message.REPORTING_NOT_SUPPORTED) == 1
    assert loop.count(Message.COMM_FAILED) == 0
    assert loop.agent.next_push is None and loop.agent.next_wakeup() != START + H + 5 * M
    loop.advance(60 * D)
    pushes = [s for s in onprem.received if s.message_type == "usage_report"]
    assert len(pushes) == 1, "no scheduled push nor retry after the refusal"
    assert loop.count(Message.REPORTING_NOT_SUPPORTED) == 1
    loop.agent.set_usage(loop.now, {"NXOS_ADVANTAGE_XF": 2})
    features = [(r.feature, r.count, r.state) for r in loop.agent.reports]
    assert ("NXOS_ADVANTAGE_XF", 2, ReportState.OPEN) in features
    assert ("NXOS_ADVANTAGE_XF", 1, ReportState.CLOSED) in features
    assert read_usage_file(loop.agent.usage_file(loop.now, unreported_only=True)).reports


def test_sync_or_a_new_url_lifts_the_reporting_stop() -> None:
    loop = AgentLoop()
    onprem = StandIn(loop, down_rev=True)
    loop.backend = onprem
    use(loop, transport=Transport.CSLU, cslu_url="https://old.example.com/cslu/v1/pi/VA-1")
    loop.advance(H)
    loop.agent.sync(loop.now)
    loop.pump()
    assert loop.count(Message.REPORTING_NOT_SUPPORTED) == 2  # refused again, said again
    onprem.down_rev = False
    use(loop, cslu_url="https://new.example.com/cslu/v1/pi/VA-1")
    assert not loop.agent.reporting_unsupported
    loop.advance(10 * M)
    assert loop.agent.last_ack is not None


def test_callhome_not_enabled_fails_with_a_clear_reason_and_sends_nothing() -> None:
    loop = AgentLoop()
    use(loop, transport=Transport.CALLHOME)
    loop.trust()
    assert loop.sent == []
    ((_, comm),) = loop.messages(Message.COMM_FAILED)
    assert comm == (CSSM_PEER, CallhomeProblem.DISABLED.value)
    ((_, trust),) = loop.messages(Message.TRUST_CODE_INSTALL_FAILED)
    assert trust[1] == CallhomeProblem.DISABLED.value


def test_callhome_without_http_destination_fails_with_its_reason() -> None:
    loop = AgentLoop()
    use(loop, transport=Transport.CALLHOME, callhome=CallhomeDestination(enabled=True))
    loop.trust()
    ((_, comm),) = loop.messages(Message.COMM_FAILED)
    assert comm[1] == CallhomeProblem.NO_HTTP_DESTINATION.value


def test_callhome_uses_its_url_and_vrf_and_needs_trust_to_push() -> None:
    loop = AgentLoop()
    destination = CallhomeDestination(enabled=True, url=CALLHOME_URL, vrf="management")
    use(loop, transport=Transport.CALLHOME, callhome=destination, vrf="other")
    loop.advance(2 * H)
    assert loop.sent == [], "callhome reaches CSSM itself: no push without trust"
    loop.trust()
    loop.advance(H)
    assert {(s.url, s.vrf) for s in loop.sent} == {(CALLHOME_URL, "management")}
    assert loop.agent.last_push is not None


def test_transport_off_sends_nothing_and_sync_does_nothing() -> None:
    loop = AgentLoop()
    loop.trust()
    use(loop, transport=Transport.OFF)
    sent = len(loop.sent)
    loop.agent.sync(loop.now)
    loop.pump()
    loop.advance(40 * D)
    assert len(loop.sent) == sent
    assert loop.agent.next_push is None
    assert loop.count(Message.COMM_FAILED) == 0


def test_poll_dropped_while_transport_off_resumes_when_it_is_back() -> None:
    loop = AgentLoop()
    loop.trust()
    loop.advance(H)  # pushed; ACK not ready for 15 minutes
    use(loop, transport=Transport.OFF)
    loop.advance(30 * M)
    assert loop.agent.last_ack is None
    use(loop, transport=Transport.SMART)
    loop.advance(M)
    assert loop.agent.last_ack == START + H + 30 * M


# ---------------------------------------------------------------------- files


def test_usage_file_is_the_usage_file_format_with_who_wrote_it() -> None:
    loop = AgentLoop(licenses={"NXOS_ADVANTAGE_XF": 1, "LAN_ENTERPRISE_SERVICES_PKG": 1})
    loop.advance(D)
    usage = read_usage_file(loop.agent.usage_file(loop.now, unreported_only=False))
    assert usage.system.sudi == SUDI
    assert usage.system.hostname == "leaf1"
    assert usage.system.timestamp == int(loop.now.timestamp() * 1000)
    assert usage.system.nonce
    assert sorted(feature_and_count_of(r)[0] for r in usage.reports) == [
        "LAN_ENTERPRISE_SERVICES_PKG",
        "NXOS_ADVANTAGE_XF",
    ]
    assert loop.agent.last_file_write == loop.now


def test_unreported_usage_leaves_out_acknowledged_reports() -> None:
    loop = AgentLoop()
    loop.trust()
    loop.advance(H + 20 * M)
    acked = {r.report_id for r in loop.agent.reports if r.state is ReportState.ACK}
    assert acked
    unreported = read_usage_file(loop.agent.usage_file(loop.now, unreported_only=True))
    everything = read_usage_file(loop.agent.usage_file(loop.now, unreported_only=False))
    assert not acked & {report_id_of(r) for r in unreported.reports}
    assert acked <= {report_id_of(r) for r in everything.reports}


def _saved_ack_file(loop: AgentLoop, **kwargs: object) -> ImportFile:
    usage = read_usage_file(loop.agent.usage_file(loop.now, unreported_only=True))
    ids = [report_id_of(r) for r in usage.reports]
    return ImportFile([signed_ack(loop, ids, **kwargs)], [])  # type: ignore[arg-type]


def test_import_of_an_ack_with_a_policy_installs_both() -> None:
    loop = AgentLoop()
    loop.advance(D)
    result = loop.agent.import_file(loop.now, _saved_ack_file(loop, policy=signed_policy(loop)))
    loop.pump()
    assert result.ok and result.text == "Import Data Successful"
    assert loop.agent.last_ack == loop.now
    assert loop.count(Message.POLICY_INSTALL_SUCCESS) == 1
    assert loop.agent.deadline == loop.now + 180 * D
    assert [e.kind for e in loop.agent.imports] == ["RUM ACK", "POLICY"]


def test_import_of_an_ack_for_another_product_instance_changes_nothing() -> None:
    loop = AgentLoop()
    loop.advance(D)
    other = Sudi(udi_pid="N9K-C9336C-FX2", udi_serial_number="FDO0000001")
    result = loop.agent.import_file(loop.now, _saved_ack_file(loop, sudi=other))
    assert not result.ok
    assert "another product instance (PID:N9K-C9336C-FX2,SN:FDO0000001)" in result.text
    assert loop.agent.last_ack is None
    assert all(r.state is not ReportState.ACK for r in loop.agent.reports)


def test_import_with_a_bad_signature_logs_policy_install_failed_and_changes_nothing() -> None:
    loop = AgentLoop()
    loop.advance(D)
    loop.cssm.signer.tampering = True
    result = loop.agent.import_file(loop.now, _saved_ack_file(loop, policy=signed_policy(loop)))
    loop.pump()
    assert result.text.startswith("% Import Data Failed: Signature mismatch")
    ((_, args),) = loop.messages(Message.POLICY_INSTALL_FAILED)
    assert "Signature mismatch" in str(args[0])
    assert loop.agent.last_ack is None and loop.agent.policy.is_default


def test_import_of_a_policy_from_the_future_is_a_timestamp_mismatch() -> None:
    loop = AgentLoop()
    future = signed_policy(loop, issued_in=3 * H)
    good_ack = _saved_ack_file(loop).acks
    result = loop.agent.import_file(loop.now, ImportFile(good_ack, [future]))
    loop.pump()
    assert result.outcome is ImportOutcome.TIMESTAMP_MISMATCH
    assert loop.count(Message.POLICY_INSTALL_FAILED) == 1
    assert loop.agent.last_ack is None, "the ACK beside a refused policy is not installed"


def test_a_poll_reply_for_an_older_push_keeps_the_newer_poll_going() -> None:
    loop = AgentLoop()
    loop.trust()
    loop.advance(H)  # the first push: its ACK is a day away
    loop.cssm.ack_delay = D
    agent = loop.agent
    agent.sync(loop.now)
    loop.pump()
    first = agent.pending_poll
    loop.advance(D - M)  # polled every 5 minutes, not ready yet
    loop.hold_replies = True
    loop.advance(M)  # the poll that finds the ACK ready; its answer is late
    agent.sync(loop.now)  # a newer push, whose reply comes first
    loop.pump()
    loop.release(reverse=True)
    assert agent.pending_poll not in (None, first)
    assert agent.next_ack_check is not None and agent.next_ack_check > loop.now
    loop.hold_replies = False
    loop.advance(D + H)  # the newer push is acknowledged in turn
    assert agent.pending_poll is None and agent.last_ack is not None


def test_a_usage_reply_after_transport_off_schedules_no_push() -> None:
    loop = AgentLoop()
    loop.trust()
    loop.hold_replies = True
    loop.agent.sync(loop.now)
    loop.pump()
    agent = loop.agent
    agent.configure(loop.now, replace(agent.config, transport=Transport.OFF))
    loop.release()
    assert agent.next_push is None
