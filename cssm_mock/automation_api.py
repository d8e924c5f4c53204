"""The automation REST API behind OAuth2 client credentials: usage reports and their ACKs."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from cssm_mock.accounts import VirtualAccount
from cssm_mock.inventory import PendingAck
from cssm_mock.reports import DeviceUsage, ReceivedReport, Refused
from cssm_mock.usage import UsageIntake
from sim.protocol.errors import Refusal
from sim.protocol.messages import Sudi

# The OAuth2 client every model starts with, so that scripts work out of the box.
DEFAULT_API_CLIENT_ID = "slpsim"
DEFAULT_API_CLIENT_SECRET = "slpsim-secret"
# The public token endpoint answers `expires_in: 3599`.
ACCESS_TOKEN_LIFETIME = timedelta(seconds=3599)


class InvalidClientError(PermissionError):
    """Unknown OAuth2 client id or wrong secret."""


class InvalidAccessTokenError(PermissionError):
    """A bearer token that was never issued or has expired."""


@dataclass
class AccessToken:
    token: str
    client_id: str
    expires: datetime
    smart_account: str = ""  # the one account this token may read or change


@dataclass
class _UsageBatch:
    """A `v2/devices/reportusage` request waiting to be processed."""

    poll_id: int
    correlation_id: str
    ready_at: datetime
    acks: list[PendingAck]
    software_tags: list[str]
    # The ACK files, signed on the first COMPLETE and handed out unchanged afterwards.
    ack_files: list[str] | None = None


@dataclass(frozen=True)
class UsageAcknowledgement:
    sudi: Sudi
    software_tag_identifier: str
    ack_file: str  # the `<smartLicense>` ACK file, as `license smart import` takes it


@dataclass(frozen=True)
class UsageBatchState:
    """The REST API's answer to a usage report or a poll."""

    status: Literal["OK_POLL", "COMPLETE", "FAILED"]
    poll_id: int | None = None
    poll_interval: int | None = None
    correlation_id: str = ""
    refusal: Refusal | None = None
    acknowledgements: tuple[UsageAcknowledgement, ...] = ()


class AutomationApi(UsageIntake):
    """OAuth2 clients and access tokens, `v2/devices/reportusage` and `v2/accounts/poll`."""

    api_clients: dict[str, str]
    api_client_accounts: dict[str, str]  # client id -> its smart account
    access_tokens: dict[str, AccessToken]

    # ------------------------------------------------------------------- OAuth2

    def add_api_client(self, client_id: str, secret: str, smart_account: str | None = None) -> None:
        """Register (or re-key) an OAuth2 client of one smart account (default: the first)."""
        self.api_clients[client_id] = secret
        self.api_client_accounts[client_id] = self.smart_account(smart_account).name

    def issue_access_token(self, client_id: str, client_secret: str) -> AccessToken:
        expected = self.api_clients.get(client_id)
        given = client_secret.encode("utf-8", "surrogatepass")
        if expected is None or not hmac.compare_digest(
            expected.encode("utf-8", "surrogatepass"), given
        ):
            raise InvalidClientError("client authentication failed: unknown client or bad secret")
        now = self.clock.now()
        # Expired tokens are dropped here so a long-running lab does not keep them all.
        for text in [t for t, record in self.access_tokens.items() if now >= record.expires]:
            del self.access_tokens[text]
        token = AccessToken(
            secrets.token_urlsafe(32),
            client_id,
            now + ACCESS_TOKEN_LIFETIME,
            self.api_client_accounts.get(client_id) or self.smart_account().name,
        )
        self.access_tokens[token.token] = token
        return token

    def access_token(self, token: str) -> AccessToken:
        """The record of a live bearer token; raises InvalidAccessTokenError otherwise."""
        record = self.access_tokens.get(token)
        if record is None:
            raise InvalidAccessTokenError("the access token is not valid")
        if self.clock.now() >= record.expires:
            raise InvalidAccessTokenError("the access token has expired")
        return record

    # ----------------------------------------------------------- usage and ACKs

    def report_usage(
        self,
        devices: Sequence[DeviceUsage],
        virtual_account: str | None = None,
        smart_account: str | None = None,
    ) -> UsageBatchState:
        """`v2/devices/reportusage`: all devices are taken, or none (FAILED).

        Without a VA a known device reports into its own VA and a new one into the smart
        account's first VA. A report CSSM already holds makes the request FAILED (it is
        counted as a duplicate); so does a bad signature or a device in another VA.
        """
        self.counters.api_usage_reports += 1
        now = self.clock.now()
        try:
            checked: list[tuple[DeviceUsage, VirtualAccount, list[ReceivedReport]]] = []
            for usage in devices:
                va = self._reporting_va(usage.sudi, virtual_account, smart_account)
                parsed = self._verified_device_reports(usage, va, now)
                self._refuse_duplicates(usage.sudi, parsed)
                checked.append((usage, va, parsed))
        except Refused as refused:
            self.counters.refusals[refused.refusal.code] += 1
            return UsageBatchState(status="FAILED", refusal=refused.refusal)

        batch = _UsageBatch(
            poll_id=self._new_poll_id(),
            correlation_id=secrets.token_hex(16),
            ready_at=now + self.ack_delay,
            acks=[],
            software_tags=[],
        )
        for usage, va, parsed in checked:
            pi = self.add_product_instance(usage.sudi, va.name, va.smart_account, usage.hostname)
            pi.last_contact = now
            report_ids, _ = self._store_reports(pi, parsed)
            batch.acks.append(self._pending(usage.sudi, va, report_ids, now, batch.poll_id))
            batch.software_tags.append(usage.software_tag)
        self.usage_batches[batch.poll_id] = batch
        return self._batch_state("OK_POLL", batch)

    def poll_usage(self, poll_id: int) -> UsageBatchState:
        """`v2/accounts/poll`: OK_POLL until processed, then COMPLETE with the ACK files."""
        self.counters.api_polls += 1
        batch = self.usage_batches.get(poll_id)
        if batch is None:
            self.counters.refusals[Refusal.UNKNOWN_POLL.code] += 1
            return UsageBatchState(status="FAILED", refusal=Refusal.UNKNOWN_POLL)
        if self.clock.now() < batch.ready_at:
            return self._batch_state("OK_POLL", batch)
        if batch.ack_files is None:
            batch.ack_files = [self._issue_ack_file(ack) for ack in batch.acks]
        acknowledgements = tuple(
            UsageAcknowledgement(ack.udi, tag, text)
            for ack, tag, text in zip(batch.acks, batch.software_tags, batch.ack_files, strict=True)
        )
        return UsageBatchState(
            status="COMPLETE",
            poll_id=batch.poll_id,
            correlation_id=batch.correlation_id,
            acknowledgements=acknowledgements,
        )

    def _batch_state(
        self, status: Literal["OK_POLL", "COMPLETE"], batch: _UsageBatch
    ) -> UsageBatchState:
        return UsageBatchState(
            status=status,
            poll_id=batch.poll_id,
            poll_interval=int(self.timing.ack_poll_every.total_seconds()),
            correlation_id=batch.correlation_id,
        )

    def _reporting_va(
        self, sudi: Sudi, virtual_account: str | None, smart_account: str | None
    ) -> VirtualAccount:
        if virtual_account is not None:
            return self.virtual_account(virtual_account, smart_account)
        account = self.smart_account(smart_account)
        pi = self.product_instance(sudi)
        if pi is None:
            return account.default_virtual_account
        if pi.smart_account != account.name:
            raise Refused(Refusal.SA_VA_MISMATCH)
        return account.virtual_accounts[pi.virtual_account]

    def _refuse_duplicates(self, sudi: Sudi, parsed: list[ReceivedReport]) -> None:
        pi = self.product_instance(sudi)
        held = pi.reports if pi is not None else {}
        seen: set[int] = set()
        duplicates = 0
        for report in parsed:
            if report.report_id in held or report.report_id in seen:
                duplicates += 1
            seen.add(report.report_id)
        if duplicates:
            if pi is not None:
                pi.duplicates_received += duplicates
            self.counters.duplicates_received += duplicates
            raise Refused(Refusal.DUPLICATE_REPORT)
