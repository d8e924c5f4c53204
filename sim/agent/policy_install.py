"""Installing a signed policy: from an ACK, a reply, a trust sync or a file, checked first."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import ValidationError

from sim.agent.deadline import AckDeadline
from sim.agent.import_outcome import ImportOutcome
from sim.agent.policy import Policy
from sim.agent.records import Pending
from sim.agent.states import Channel
from sim.protocol.errors import Refusal
from sim.protocol.messages import PolicyBody, Reply
from sim.protocol.signing import SignatureError, SignedDocument, TrustStore
from sim.syslog import Message
from sim.timing import TimingProfile


class PolicyInstall(AckDeadline):
    def install_policy(
        self, now: datetime, document: SignedDocument, server: datetime | None = None
    ) -> bool:
        """Install a signed policy; `server` is the sender's clock when it came online."""
        body = self._checked_policy(now, document, server)
        if body is None:
            return False
        self.policy = Policy.from_body(body, installed_at=now)
        self._event(now, f"Policy '{body.name}' installed")
        self._log(now, Message.POLICY_INSTALL_SUCCESS)
        self._refresh_deadline(now)
        return True

    def _checked_policy(
        self, now: datetime, document: SignedDocument, server: datetime | None
    ) -> PolicyBody | None:
        """The policy's content, or None after logging POLICY_INSTALL_FAILED."""
        problem = policy_problem(self.trust_store, self.timing, now, document, server)
        if problem is not None:
            self._log(now, Message.POLICY_INSTALL_FAILED, POLICY_FAILURE_TEXT[problem])
            return None
        return PolicyBody.model_validate(self.trust_store.verify(document, now))

    def _install_offered_policy(
        self, now: datetime, document: SignedDocument, server: datetime | None
    ) -> None:
        # A back end may send the policy in use again (inside and beside an ACK): once is enough.
        if policy_id_of(document) != self.policy.policy_id:
            self.install_policy(now, document, server)

    def _on_trust_sync_reply(self, now: datetime, pending: Pending, reply: Reply) -> None:
        self._history(now, Channel.TRUST_SYNC, reply.status)
        if reply.status == "SUCCESS" and reply.policy is not None:
            self.install_policy(now, reply.policy, server_time(reply))


def server_time(reply: Reply) -> datetime | None:
    """The sender's clock when it replied, or None when the reply does not say."""
    if reply.timestamp <= 0:
        return None
    return datetime.fromtimestamp(reply.timestamp / 1000, tz=UTC)


def carries_policy(document: SignedDocument) -> bool:
    try:
        return document.content().get("policy") is not None
    except (ValueError, SignatureError):
        return False


# An unreadable policy is as untrustworthy as a badly signed one: both fail on the signature.
POLICY_FAILURE_TEXT = {
    ImportOutcome.SIGNATURE_MISMATCH: Refusal.SIGNATURE_MISMATCH.text,
    ImportOutcome.NOT_A_POLICY: Refusal.SIGNATURE_MISMATCH.text,
    ImportOutcome.TIMESTAMP_MISMATCH: Refusal.TIMESTAMP_MISMATCH.text,
}


def policy_problem(
    store: TrustStore,
    timing: TimingProfile,
    now: datetime,
    document: SignedDocument,
    server: datetime | None = None,
) -> ImportOutcome | None:
    """Why this signed policy cannot be installed at `now`, or None when it can.

    `server` is the sender's clock for a policy that came online: a switch clock ahead of it
    or behind it by the tolerated skew fails, as trust code requests do at CSSM. A policy in
    a file carries only its issue date, so only a clock behind that can be noticed.
    """
    try:
        body = PolicyBody.model_validate(store.verify(document, now))
    except SignatureError:
        return ImportOutcome.SIGNATURE_MISMATCH
    except ValidationError:
        return ImportOutcome.NOT_A_POLICY
    try:
        issued = datetime.fromisoformat(body.issued)
        # Issued "in the future" by more than the tolerated skew: our clock is behind.
        ahead = issued - now >= timing.max_clock_skew
    except (ValueError, TypeError):
        return ImportOutcome.NOT_A_POLICY
    skewed = server is not None and abs(server - now) >= timing.max_clock_skew
    return ImportOutcome.TIMESTAMP_MISMATCH if ahead or skewed else None


def policy_id_of(document: SignedDocument) -> str | None:
    try:
        policy_id = document.content().get("policy_id")
    except (ValueError, SignatureError):
        return None
    return policy_id if isinstance(policy_id, str) else None
