"""SSM On-Prem as a pure model: local accounts, its own ID tokens and trust codes, the relay.

On-Prem speaks the CSLU protocol to switches at `/cslu/v1/pi/<VA name>-<n>` (the tenant; `n`
numbers the local account, 1 for the first), issues trust codes signed by its own `Signer`,
and relays usage and ACKs to and from CSSM like CSLU does (`cslu_mock.models.UsageRelay`),
per local virtual account. Two documented failures live here: a down-rev release answers
usage with REPORTING_NOT_SUPPORTED, and an ACK for a UDI that On-Prem does not hold where the
usage was sent from fails with the `record not found.` line in its system log.
"""

from __future__ import annotations

import io
import re
import secrets
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from cslu_mock.models import (
    DEFAULT_SYNC_EVERY,
    ImportSummary,
    IncomingAck,
    Location,
    LogLine,
    Mode,
    ProductInstance,
    Refused,
    RelayRequest,
    SyncSummary,
    UsageRelay,
    udi_in_braces,
    udi_key,
)
from cssm_mock.accounts import DEFAULT_SMART_ACCOUNT, IdToken
from cssm_mock.timestamps import clock_skewed, epoch_ms
from cssm_mock.trust import TrustRecord
from sim.clock import Clock
from sim.protocol.errors import Refusal
from sim.protocol.files import UsageReceiver
from sim.protocol.messages import (
    PollRequest,
    Reply,
    Sudi,
    TrustCodeBody,
    TrustRequest,
    TrustSyncRequest,
    UsageReportRequest,
)
from sim.protocol.signing import SignedDocument, Signer
from sim.timing import DEFAULT_TIMING, TimingProfile

DEFAULT_LOCAL_ACCOUNT = "Example Corp On-Prem"
DEFAULT_RELEASE = "9-202304"
# SLP needs On-Prem 8-202102 or later; anything older is "down rev".
FIRST_SLP_RELEASE = (8, 202102)
SYSTEM_LOGS_ZIP = "AllFiles.zip"
_RELEASE = re.compile(r"^(\d+)-(\d{6})$")


class UnknownAccountError(LookupError):
    """A local account, virtual account, tenant, token or product that On-Prem does not hold."""


def release_supports_slp(release: str) -> bool:
    """Whether a release such as `8-202102` speaks Smart Licensing Using Policy."""
    match = _RELEASE.match(release)
    if match is None:
        raise ValueError(f"release {release!r} is not of the form <major>-<YYYYMM>, e.g. 8-202102")
    return (int(match.group(1)), int(match.group(2))) >= FIRST_SLP_RELEASE


def inventory_udi(sudi: Sudi) -> str:
    """The UDI as the SL Using Policy list shows it."""
    return f"UDI_PID:{sudi.udi_pid};UDI_SN:{sudi.udi_serial_number};UDI_VID:;"


@dataclass
class LocalVirtualAccount:
    name: str
    local_account: str
    tenant: str
    # The policy last delivered with CSSM's ACKs for any product in this VA.
    policy: SignedDocument | None = None
    policy_id: str | None = None


@dataclass
class LocalAccount:
    name: str
    number: int
    smart_account: str  # the CSSM smart account this local account synchronizes with
    virtual_accounts: dict[str, LocalVirtualAccount] = field(default_factory=dict)


@dataclass(frozen=True)
class SlProduct:
    """One row of Inventory > SL Using Policy."""

    name: str
    udi: str
    last_contact: datetime | None


class OnPremModel(UsageRelay):
    """SSM On-Prem: accounts, tokens, trust codes, and the relay to CSSM."""

    product_name = "SSM On-Prem"

    def __init__(
        self,
        clock: Clock,
        timing: TimingProfile = DEFAULT_TIMING,
        upstream: UsageReceiver | None = None,
        *,
        signer: Signer | None = None,
        release: str = DEFAULT_RELEASE,
        mode: Mode = "connected",
        sync_every: timedelta = DEFAULT_SYNC_EVERY,
        hostname: str = "ssm-onprem",
    ) -> None:
        super().__init__(clock, timing, upstream, mode=mode, sync_every=sync_every)
        self.release = release
        self.down_rev = not release_supports_slp(release)
        self.signer = (
            signer if signer is not None else Signer.for_simulation("SSM On-Prem", clock.now())
        )
        self.hostname = hostname
        self._container = secrets.token_hex(6)
        self.local_accounts: dict[str, LocalAccount] = {}
        self.tokens: dict[str, IdToken] = {}
        self.add_local_account(DEFAULT_LOCAL_ACCOUNT)

    @property
    def server_key_id(self) -> str:
        return self.signer.key_id

    # ----------------------------------------------------------------- accounts

    def add_local_account(
        self,
        name: str,
        smart_account: str = DEFAULT_SMART_ACCOUNT,
        virtual_accounts: tuple[str, ...] | list[str] = ("Default",),
    ) -> LocalAccount:
        if name in self.local_accounts:
            raise ValueError(f"local account {name!r} already exists")
        account = LocalAccount(name, len(self.local_accounts) + 1, smart_account)
        self.local_accounts[name] = account
        for va in virtual_accounts:
            self.add_virtual_account(va, name)
        return account

    def add_virtual_account(
        self, name: str, local_account: str | None = None
    ) -> LocalVirtualAccount:
        account = self.local_account(local_account)
        if name in account.virtual_accounts:
            raise ValueError(f"virtual account {name!r} already exists in {account.name!r}")
        va = LocalVirtualAccount(name, account.name, f"{name}-{account.number}")
        account.virtual_accounts[name] = va
        return va

    def local_account(self, name: str | None = None) -> LocalAccount:
        """A local account by name; None is the first (default) one."""
        if name is None:
            return next(iter(self.local_accounts.values()))
        if name not in self.local_accounts:
            raise UnknownAccountError(f"unknown local account {name!r}")
        return self.local_accounts[name]

    def virtual_account(self, name: str, local_account: str | None = None) -> LocalVirtualAccount:
        account = self.local_account(local_account)
        if name not in account.virtual_accounts:
            raise UnknownAccountError(
                f"unknown virtual account {name!r} in local account {account.name!r}"
            )
        return account.virtual_accounts[name]

    def tenant(self, tenant: str) -> LocalVirtualAccount:
        """The VA behind a URL tenant such as `Default-1`."""
        for account in self.local_accounts.values():
            for va in account.virtual_accounts.values():
                if va.tenant == tenant:
                    return va
        raise UnknownAccountError(f"unknown tenant {tenant!r}: expected <virtual account>-<n>")

    def tenants(self) -> list[str]:
        return [
            va.tenant
            for account in self.local_accounts.values()
            for va in account.virtual_accounts.values()
        ]

    def _va_at(self, location: Location) -> LocalVirtualAccount:
        return self.virtual_account(location[1], location[0])

    # ------------------------------------------------------------------ tokens

    def create_token(
        self,
        virtual_account: str,
        local_account: str | None = None,
        lifetime: timedelta | None = None,
        max_uses: int | None = None,
        description: str = "",
    ) -> str:
        va = self.virtual_account(virtual_account, local_account)
        token = IdToken.issue(
            va.local_account,
            va.name,
            self.clock.now(),
            lifetime if lifetime is not None else self.timing.token_lifetime,
            max_uses=max_uses,
            description=description,
        )
        self.tokens[token.token] = token
        self._log("INFO", "tokens", f"Token created for {va.name} ({va.local_account})")
        return token.token

    def tokens_of(self, virtual_account: str, local_account: str | None = None) -> list[IdToken]:
        va = self.virtual_account(virtual_account, local_account)
        return [
            t
            for t in self.tokens.values()
            if (t.smart_account, t.virtual_account) == (va.local_account, va.name)
        ]

    def revoke_token(self, token: str) -> None:
        if token not in self.tokens:
            raise UnknownAccountError("unknown token")
        self.tokens[token].revoked = True

    # --------------------------------------------------------------- inventory

    def add_product_instance(
        self,
        sudi: Sudi,
        virtual_account: str = "Default",
        local_account: str | None = None,
        hostname: str = "",
    ) -> ProductInstance:
        """Add Single Product: register a UDI in a VA (or move it there if known)."""
        va = self.virtual_account(virtual_account, local_account)
        pi = self.product_instance(sudi)
        if pi is None:
            return self._register(sudi, (va.local_account, va.name), hostname)
        return self.move_product_instance(sudi, va.local_account, va.name)

    def move_product_instance(
        self, sudi: Sudi, local_account: str, virtual_account: str
    ) -> ProductInstance:
        """Move a product to another local account/VA (e.g. to stage `record not found`)."""
        va = self.virtual_account(virtual_account, local_account)
        pi = self.product_instance(sudi)
        if pi is None:
            raise UnknownAccountError(f"unknown product instance {sudi.display}")
        pi.account, pi.virtual_account = va.local_account, va.name
        self._log("INFO", "inventory", f"Product {udi_in_braces(sudi)} moved to {va.tenant}")
        return pi

    def remove_product_instance(self, sudi: Sudi) -> None:
        """Delete a product: its reports, ACKs and trust code go with it."""
        if self.inventory.pop(udi_key(sudi), None) is None:
            raise UnknownAccountError(f"unknown product instance {sudi.display}")
        self._log("INFO", "inventory", f"Product {udi_in_braces(sudi)} removed")

    def sl_using_policy(
        self, virtual_account: str = "Default", local_account: str | None = None
    ) -> list[SlProduct]:
        """Inventory > SL Using Policy of one local VA."""
        va = self.virtual_account(virtual_account, local_account)
        return [
            SlProduct(pi.hostname or inventory_udi(pi.udi), inventory_udi(pi.udi), pi.last_contact)
            for pi in self.inventory.values()
            if pi.location == (va.local_account, va.name)
        ]

    def policy_of(
        self, virtual_account: str, local_account: str | None = None
    ) -> SignedDocument | None:
        return self.virtual_account(virtual_account, local_account).policy

    def info(self) -> dict[str, object]:
        return {
            "product": "Cisco Smart Software Manager On-Prem",
            "release": self.release,
            "down_rev": self.down_rev,
            "mode": self.mode,
            "tenants": self.tenants(),
            "product_instances": len(self.inventory),
            "certificate": self.signer.certificate_pem,
        }

    # ------------------------------------------------------------ device side

    def handle(self, request: RelayRequest, tenant: str) -> Reply:
        """Answer one message POSTed to `/cslu/v1/pi/<tenant>`; unknown tenant raises."""
        va = self.tenant(tenant)
        location = (va.local_account, va.name)
        if self.down_rev and isinstance(request, UsageReportRequest | PollRequest):
            self.counters.refusals[Refusal.REPORTING_NOT_SUPPORTED.code] += 1
            reply = Reply(
                status="FAILED",
                message_code=Refusal.REPORTING_NOT_SUPPORTED.code,
                message=Refusal.REPORTING_NOT_SUPPORTED.text,
                timestamp=epoch_ms(self.clock.now()),
                nonce=request.nonce,
                server_key_id=self.server_key_id,
            )
            self._log("WARN", "pi", f"Release {self.release} does not support usage reporting")
            return reply
        return self._answer(request, location)

    def _trust(self, request: TrustRequest, location: Location, now: datetime) -> Reply:
        token = self.tokens.get(request.id_token)
        if token is None:
            raise Refused(Refusal.INVALID_TOKEN)
        pi = self.product_instance(request.sudi)
        trust = pi.trust if pi is not None and not request.force else None
        if pi is not None and trust is not None and trust.token == request.id_token:
            # The same request again (its reply was lost, e.g. in a crash): the same trust
            # code, without using the token again.
            return Reply(status="SUCCESS", trust_code=self._sign_trust_code(pi, trust))
        refusal = token.refusal_at(now)
        if refusal is not None:
            raise Refused(refusal)
        if clock_skewed(request.timestamp, now, self.timing):
            raise Refused(Refusal.TIMESTAMP_MISMATCH)
        token_location = (token.smart_account, token.virtual_account)
        if pi is not None:
            if pi.location != token_location:
                raise Refused(Refusal.SA_VA_MISMATCH)
            if pi.trust is not None and not request.force:
                raise Refused(Refusal.TRUST_ALREADY_INSTALLED)

        token.uses += 1
        if pi is None:
            pi = self._register(request.sudi, token_location, request.hostname)
        pi.hostname = request.hostname or pi.hostname
        pi.last_contact = now
        pi.trust = TrustRecord.issue(token.token, now)
        self._log("INFO", "trust", f"Trust code issued to {udi_in_braces(request.sudi)}")
        return Reply(status="SUCCESS", trust_code=self._sign_trust_code(pi, pi.trust))

    def _sign_trust_code(self, pi: ProductInstance, trust: TrustRecord) -> SignedDocument:
        body = TrustCodeBody(
            trust_id=trust.trust_id,
            udi=pi.udi,
            smart_account=pi.account,
            virtual_account=pi.virtual_account,
            issued=trust.installed.isoformat(),
            secret=trust.secret,
        )
        return self.signer.sign(body.model_dump())

    def _report_key(self, pi: ProductInstance | None, request: UsageReportRequest) -> bytes | None:
        if request.trust_id is None:
            return super()._report_key(pi, request)
        return self._trusted(pi, request.trust_id).secret_bytes

    def _check_trust_sync(self, pi: ProductInstance | None, request: TrustSyncRequest) -> None:
        self._trusted(pi, request.trust_id)

    def _trusted(self, pi: ProductInstance | None, trust_id: str) -> TrustRecord:
        trust = None if pi is None else pi.trust
        if trust is None or trust.trust_id != trust_id:
            raise Refused(Refusal.NOT_TRUSTED)
        return trust

    def _policy_of(self, pi: ProductInstance) -> tuple[SignedDocument | None, str | None]:
        if pi.policy is not None:
            return pi.policy, pi.policy_id
        try:
            va = self._va_at(pi.location)
        except UnknownAccountError:
            return None, None
        return va.policy, va.policy_id

    # ---------------------------------------------------------------- CSSM side

    def synchronize(self) -> SyncSummary:
        """Synchronize with Cisco now (also what the schedule calls, connected mode)."""
        summary = self._sync()
        self._log(
            "INFO", "sync", f"Synchronization with Cisco done: {len(summary.uploads)} upload(s)"
        )
        return summary

    def export_usage_to_cisco(
        self,
        virtual_account: str = "Default",
        local_account: str | None = None,
        udis: list[Sudi] | None = None,
    ) -> bytes:
        """SL Using Policy > Export Usage to Cisco: the VA's (or the selected) products."""
        va = self.virtual_account(virtual_account, local_account)
        location = (va.local_account, va.name)
        selected = None if udis is None else {udi_key(u) for u in udis}
        instances = [
            pi
            for pi in self.inventory.values()
            if pi.location == location and (selected is None or udi_key(pi.udi) in selected)
        ]
        return self._export(instances, location)

    def import_from_cisco(self, data: bytes) -> ImportSummary:
        """SL Using Policy > Import From Cisco; a foreign file raises FileFormatError."""
        return self._import(data)

    def _cssm_account(self, location: Location) -> tuple[str, str]:
        return (self.local_account(location[0]).smart_account, location[1])

    def _bundle_creator(self) -> str:
        return f"{self.product_name} {self.release}"

    def _ack_holder(self, ack: IncomingAck) -> ProductInstance | None:
        # The usage went to Cisco as some local VA; the ACK must find the product there.
        pi = self.product_instance(ack.udi)
        if pi is not None:
            sent = {
                report.sent_as
                for report_id in ack.report_ids
                if (report := pi.reports.get(report_id)) is not None and report.sent_as is not None
            }
            if pi.location in (sent or {(pi.account, ack.virtual_account)}):
                return pi
        self._log(
            "ERROR",
            "adapters/pi_routes_impl.go:1322",
            f"Finding SL product by UDI {udi_in_braces(ack.udi)} failed due to the following "
            "error: record not found.",
        )
        return None

    def _policy_received(self, pi: ProductInstance, ack: IncomingAck) -> None:
        va = self._va_at(pi.location)
        va.policy, va.policy_id = ack.policy, ack.policy_id

    # -------------------------------------------------------------- system logs

    def messages(self) -> str:
        """The `messages` file of Support Center > System Logs."""
        return "".join(f"{self._syslog_line(line)}\n" for line in self.log)

    def _syslog_line(self, line: LogLine) -> str:
        when = line.when.astimezone(UTC)
        # `#011` is how syslog escapes the tab between the application's fields.
        return (
            f"{when:%b} {when.day:2d} {when:%H:%M:%S} {self.hostname} {self._container}: "
            f"{when:%Y/%m/%d %H:%M:%S}#011[{line.level}]#011{line.source}#011{line.text}"
        )

    def support_logs_zip(self) -> bytes:
        """Support Center > System Logs > Download All Logs: `AllFiles.zip`."""
        now = self.clock.now().astimezone(UTC)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            info = zipfile.ZipInfo("messages", date_time=_zip_time(now))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, self.messages())
        return buffer.getvalue()


def _zip_time(when: datetime) -> tuple[int, int, int, int, int, int]:
    # ZIP cannot date anything before 1980.
    when = max(when, datetime(1980, 1, 1, tzinfo=UTC))
    return (when.year, when.month, when.day, when.hour, when.minute, when.second)
