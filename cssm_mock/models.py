"""CSSM and its Smart Receiver as a pure model: accounts, ID tokens, inventory and the rules.

No I/O and no web framework here: `cssm_mock.app` is a thin HTTP shell around `CssmModel`,
and scenarios drive the same object directly. Time comes only from the injected clock.

The Smart Receiver's device wire format is not public; the messages in `sim.protocol` are
shaped after the public CSSM REST API (epoch-ms timestamp + nonce echoed, OK_POLL / poll_id /
COMPLETE), and so is this model's behaviour.

Besides the device path (`handle`), CSSM takes usage in two more ways that end in the same
inventory: Usage Data Files uploaded by people (`upload_usage_file`, then `ack_file_for`), and
the automation REST API (`report_usage`, then `poll_usage`) behind OAuth2 client credentials.
"""

from __future__ import annotations

import base64
import hmac
import secrets
import tarfile
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sim.clock import Clock
from sim.protocol.errors import Refusal
from sim.protocol.files import (
    MAX_FILE_BYTES,
    FileFormatError,
    UsageFile,
    is_bundle,
    read_usage_bundle,
    read_usage_file,
    write_ack_bundle,
    write_ack_file,
    write_policy_file,
)
from sim.protocol.messages import (
    AckBody,
    PolicyBody,
    PollRequest,
    Reply,
    RumReportWire,
    Sudi,
    TrustCodeBody,
    TrustRequest,
    TrustSyncRequest,
    UsageReportRequest,
)
from sim.protocol.rum import (
    builtin_key,
    conversion_of,
    feature_and_count_of,
    mac,
    payload_document,
    report_id_of,
    standby_of,
)
from sim.protocol.signing import SignedDocument, Signer
from sim.retention import keep_last, keep_newest
from sim.timing import DEFAULT_TIMING, TimingProfile

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)

DEFAULT_SMART_ACCOUNT = "Example Corp"
DEFAULT_DOMAIN = "example.com"
DEFAULT_VIRTUAL_ACCOUNTS = ("Default", "Lab")
# The OAuth2 client every model starts with, so that scripts work out of the box.
DEFAULT_API_CLIENT_ID = "slpsim"
DEFAULT_API_CLIENT_SECRET = "slpsim-secret"
# The public token endpoint answers `expires_in: 3599`.
ACCESS_TOKEN_LIFETIME = timedelta(seconds=3599)
# Account ids are numeric strings, as `v2/accounts/search` shows them; deterministic so that
# documentation and scripts can name them.
FIRST_ACCOUNT_ID = 100001

UploadStatus = Literal["Processing", "Completed", "Completed with errors", "Failed"]

INFO_PAGE = """\
This is the Smart Receiver!

Environment Information:
  cisco.life = prod
  License Engine = https://swapi.cisco.com/software/csws/ssm/services
  License EngineSLE = https://swapi.cisco.com/software/csws/ssm/v2/services
  License Crypto Service = https://lcs.cisco.com/LCS
  Crypto Enabled = true
  Retry Enabled = true
  Retry Timeout = 55000
  Rate Limit Window Length = 3600
  Rate Limit Max Allowed in Window = 12
"""

CssmRequest = TrustRequest | UsageReportRequest | PollRequest | TrustSyncRequest
UdiKey = tuple[str, str]


class UnknownAccountError(LookupError):
    """A smart account, virtual account or token that the model does not hold."""


class UsageFileError(ValueError):
    """An upload that is neither a usage file nor a usage bundle; nothing was recorded."""


class UnknownUploadError(LookupError):
    """An upload id that the model never handed out."""


class UploadFailedError(Exception):
    """Every device of an upload failed, so there is no ACK to download."""


class InvalidClientError(PermissionError):
    """Unknown OAuth2 client id or wrong secret."""


class InvalidAccessTokenError(PermissionError):
    """A bearer token that was never issued or has expired."""


def epoch_ms(when: datetime) -> int:
    # Integer timedelta division: float timestamps lose the last millisecond now and then.
    return (when - _EPOCH) // _MILLISECOND


def clock_skewed(timestamp_ms: int, now: datetime, timing: TimingProfile) -> bool:
    """A product instance clock too far from ours for trust (seed: less than one hour)."""
    return abs(timestamp_ms - epoch_ms(now)) >= timing.max_clock_skew // _MILLISECOND


def _udi_key(sudi: Sudi) -> UdiKey:
    return (sudi.udi_pid, sudi.udi_serial_number)


def _new_policy_id() -> str:
    return secrets.token_hex(8)


@dataclass
class VaPolicy:
    """The policy a virtual account hands out; `PolicyBody` minus the signature."""

    policy_id: str
    issued: datetime
    name: str = "SLP Policy"
    ack_required: bool = True
    first_report_days: int = 90
    reporting_frequency_days: int = 365
    report_on_change_days: int = 90

    def body(self) -> PolicyBody:
        return PolicyBody(
            policy_id=self.policy_id,
            name=self.name,
            issued=self.issued.isoformat(),
            ack_required=self.ack_required,
            first_report_days=self.first_report_days,
            reporting_frequency_days=self.reporting_frequency_days,
            report_on_change_days=self.report_on_change_days,
        )


@dataclass
class VirtualAccount:
    name: str
    smart_account: str
    policy: VaPolicy
    virtual_account_id: str = ""


@dataclass
class SmartAccount:
    name: str
    domain: str
    virtual_accounts: dict[str, VirtualAccount] = field(default_factory=dict)
    account_id: str = ""

    @property
    def default_virtual_account(self) -> VirtualAccount:
        """The first VA: where a device reported without naming a VA lands."""
        for va in self.virtual_accounts.values():
            return va
        raise UnknownAccountError(f"smart account {self.name!r} has no virtual account")


@dataclass
class IdToken:
    token: str
    smart_account: str
    virtual_account: str
    created: datetime
    expires: datetime
    max_uses: int | None = None
    uses: int = 0
    description: str = ""
    revoked: bool = False
    export_controlled: bool = False

    @classmethod
    def issue(
        cls,
        smart_account: str,
        virtual_account: str,
        now: datetime,
        lifetime: timedelta,
        *,
        max_uses: int | None = None,
        description: str = "",
        export_controlled: bool = False,
    ) -> IdToken:
        """A new token (CSSM's, or SSM On-Prem's for one of its local accounts)."""
        if max_uses is not None and max_uses < 1:
            raise ValueError("max_uses must be at least 1")
        return cls(
            # Real ID tokens are long opaque base64 strings; 66 random bytes give 88 characters.
            token=secrets.token_urlsafe(66),
            smart_account=smart_account,
            virtual_account=virtual_account,
            created=now,
            expires=now + lifetime,
            max_uses=max_uses,
            description=description,
            export_controlled=export_controlled,
        )

    def expired_at(self, now: datetime) -> bool:
        return now >= self.expires

    def refusal_at(self, now: datetime) -> Refusal | None:
        """Why this token cannot establish trust now, or None when it can."""
        if self.revoked:
            return Refusal.INVALID_TOKEN
        if self.expired_at(now):
            return Refusal.EXPIRED_TOKEN
        if self.exhausted:
            return Refusal.TOKEN_EXHAUSTED
        return None

    @property
    def exhausted(self) -> bool:
        return self.max_uses is not None and self.uses >= self.max_uses


@dataclass
class TrustRecord:
    trust_id: str
    secret: str  # base64, as handed to the switch inside the trust code
    installed: datetime
    token: str

    @classmethod
    def issue(cls, token: str, now: datetime) -> TrustRecord:
        """A new trust code for a product instance, established with `token`."""
        return cls(
            trust_id=secrets.token_hex(16),
            secret=base64.b64encode(secrets.token_bytes(32)).decode(),
            installed=now,
            token=token,
        )

    @property
    def secret_bytes(self) -> bytes:
        return base64.b64decode(self.secret)


@dataclass
class ReceivedReport:
    report_id: int
    feature: str
    count: int
    received: datetime
    end_time: int  # epoch seconds of the measurement's end, orders reports per feature
    standby: Sudi | None = None  # the standby supervisor the active reported for
    conversion: dict[str, int] = field(default_factory=dict)  # PAK licenses converted


@dataclass
class ProductInstance:
    udi: Sudi
    smart_account: str
    virtual_account: str
    hostname: str = ""
    registered: datetime | None = None
    trust: TrustRecord | None = None
    last_contact: datetime | None = None
    reports: dict[int, ReceivedReport] = field(default_factory=dict)
    duplicates_received: int = 0
    ack_poll_ids: list[int] = field(default_factory=list)
    acks_issued: int = 0
    standby: Sudi | None = None  # the last standby supervisor its reports named
    converted: dict[str, int] = field(default_factory=dict)  # PAK licenses converted (FAQ 9)

    @property
    def trusted(self) -> bool:
        return self.trust is not None


@dataclass
class PendingAck:
    poll_id: int
    udi: Sudi
    smart_account: str
    virtual_account: str
    report_ids: list[int]
    created: datetime
    ready_at: datetime
    device_policy_id: str | None
    # Signed once, on the first COMPLETE, then handed out unchanged on every later poll.
    document: SignedDocument | None = None


@dataclass
class Counters:
    trust_requests: int = 0
    usage_reports: int = 0
    polls: int = 0
    trust_syncs: int = 0
    trust_codes_issued: int = 0
    reports_received: int = 0
    duplicates_received: int = 0
    acks_issued: int = 0
    usage_uploads: int = 0
    api_usage_reports: int = 0
    api_polls: int = 0
    refusals: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class DeviceUsage:
    """One device's RUM reports as a usage file or the REST API hands them over."""

    sudi: Sudi
    reports: Sequence[RumReportWire]
    hostname: str = ""
    software_tag: str = ""


@dataclass
class _UploadedDevice:
    udi: Sudi
    hostname: str
    report_ids: list[int] = field(default_factory=list)
    duplicates: int = 0
    error: str | None = None


@dataclass
class _Upload:
    upload_id: str
    name: str
    smart_account: str
    virtual_account: str
    uploaded: datetime
    ready_at: datetime
    bundle: bool
    devices: list[_UploadedDevice] = field(default_factory=list)
    acks: list[PendingAck] = field(default_factory=list)  # the devices that did not fail
    # Signed once, when first asked for after processing, then handed out unchanged.
    ack_file: bytes | None = None

    def status_at(self, now: datetime) -> UploadStatus:
        if now < self.ready_at:
            return "Processing"
        failed = sum(device.error is not None for device in self.devices)
        if failed == 0:
            return "Completed"
        return "Failed" if failed == len(self.devices) else "Completed with errors"


@dataclass(frozen=True)
class UploadedDevice:
    """One device of an upload as CSSM shows it; `error` is set once processing ends."""

    udi: Sudi
    hostname: str
    report_ids: tuple[int, ...]
    duplicates: int
    error: str | None


@dataclass(frozen=True)
class UsageUpload:
    """An entry of CSSM's Usage Data Files list, as of the moment it was asked for."""

    upload_id: str
    name: str
    smart_account: str
    virtual_account: str
    uploaded: datetime
    ready_at: datetime
    bundle: bool
    status: UploadStatus
    devices: tuple[UploadedDevice, ...]
    errors: tuple[str, ...]


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


class _Refused(Exception):
    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.code)
        self.refusal = refusal


class CssmModel:
    """CSSM (accounts, tokens, inventory, policies) and the Smart Receiver's rules."""

    def __init__(
        self,
        clock: Clock,
        timing: TimingProfile = DEFAULT_TIMING,
        signer: Signer | None = None,
    ) -> None:
        self.clock = clock
        self.timing = timing
        self.signer = signer if signer is not None else Signer.for_simulation("CSSM", clock.now())
        # A scenario fault may change this at run time; ACKs already pending keep their time.
        self.ack_delay: timedelta = timing.ack_delay
        self.counters = Counters()
        self.smart_accounts: dict[str, SmartAccount] = {}
        self.tokens: dict[str, IdToken] = {}
        self.inventory: dict[UdiKey, ProductInstance] = {}
        self.acks: dict[int, PendingAck] = {}
        self.uploads: dict[str, _Upload] = {}
        self.usage_batches: dict[int, _UsageBatch] = {}
        self.api_clients: dict[str, str] = {}
        self.api_client_accounts: dict[str, str] = {}  # client id -> its smart account
        self.access_tokens: dict[str, AccessToken] = {}
        self._next_account_id = FIRST_ACCOUNT_ID
        self.add_smart_account(DEFAULT_SMART_ACCOUNT, DEFAULT_DOMAIN, DEFAULT_VIRTUAL_ACCOUNTS)
        self.add_api_client(DEFAULT_API_CLIENT_ID, DEFAULT_API_CLIENT_SECRET)

    # ----------------------------------------------------------------- accounts

    def add_smart_account(
        self, name: str, domain: str, virtual_accounts: tuple[str, ...] | list[str] = ("Default",)
    ) -> SmartAccount:
        if name in self.smart_accounts:
            raise ValueError(f"smart account {name!r} already exists")
        account = SmartAccount(name=name, domain=domain, account_id=self._new_account_id())
        self.smart_accounts[name] = account
        for va in virtual_accounts:
            self.add_virtual_account(va, name)
        return account

    def add_virtual_account(self, name: str, smart_account: str | None = None) -> VirtualAccount:
        account = self.smart_account(smart_account)
        if name in account.virtual_accounts:
            raise ValueError(f"virtual account {name!r} already exists in {account.name!r}")
        va = VirtualAccount(
            name=name,
            smart_account=account.name,
            policy=VaPolicy(policy_id=_new_policy_id(), issued=self.clock.now()),
            virtual_account_id=self._new_account_id(),
        )
        account.virtual_accounts[name] = va
        return va

    def _new_account_id(self) -> str:
        account_id = str(self._next_account_id)
        self._next_account_id += 1
        return account_id

    def smart_account(self, name_or_domain: str | None = None) -> SmartAccount:
        """An SA by name, domain or numeric id; None is the first (default) smart account."""
        if name_or_domain is None:
            return next(iter(self.smart_accounts.values()))
        for account in self.smart_accounts.values():
            if name_or_domain in (account.name, account.domain, account.account_id):
                return account
        raise UnknownAccountError(f"unknown smart account {name_or_domain!r}")

    def virtual_account_by_id(self, virtual_account_id: str) -> VirtualAccount:
        for account in self.smart_accounts.values():
            for va in account.virtual_accounts.values():
                if va.virtual_account_id == virtual_account_id:
                    return va
        raise UnknownAccountError(f"unknown virtual account id {virtual_account_id!r}")

    def virtual_account(self, name: str, smart_account: str | None = None) -> VirtualAccount:
        """A VA; without an SA, the default SA's VA of that name, else the only SA holding it."""
        if smart_account is not None:
            account = self.smart_account(smart_account)
            if name not in account.virtual_accounts:
                raise UnknownAccountError(
                    f"unknown virtual account {name!r} in smart account {account.name!r}"
                )
            return account.virtual_accounts[name]
        default = self.smart_account()
        if name in default.virtual_accounts:
            return default.virtual_accounts[name]
        holders = [sa for sa in self.smart_accounts.values() if name in sa.virtual_accounts]
        if len(holders) != 1:
            reason = "unknown" if not holders else "ambiguous (give the smart account)"
            raise UnknownAccountError(f"virtual account {name!r} is {reason}")
        return holders[0].virtual_accounts[name]

    # ------------------------------------------------------------------ tokens

    def create_token(
        self,
        virtual_account: str,
        smart_account: str | None = None,
        lifetime: timedelta | None = None,
        max_uses: int | None = None,
        description: str = "",
        export_controlled: bool = False,
    ) -> str:
        va = self.virtual_account(virtual_account, smart_account)
        token = IdToken.issue(
            va.smart_account,
            va.name,
            self.clock.now(),
            lifetime if lifetime is not None else self.timing.token_lifetime,
            max_uses=max_uses,
            description=description,
            export_controlled=export_controlled,
        )
        self.tokens[token.token] = token
        return token.token

    def tokens_of(self, virtual_account: str, smart_account: str | None = None) -> list[IdToken]:
        va = self.virtual_account(virtual_account, smart_account)
        return [
            t
            for t in self.tokens.values()
            if t.smart_account == va.smart_account and t.virtual_account == va.name
        ]

    def revoke_token(self, token: str) -> None:
        if token not in self.tokens:
            raise UnknownAccountError("unknown token")
        self.tokens[token].revoked = True

    # ---------------------------------------------------------------- policies

    def policy_of(self, virtual_account: str, smart_account: str | None = None) -> PolicyBody:
        return self.virtual_account(virtual_account, smart_account).policy.body()

    def set_policy(
        self,
        virtual_account: str,
        smart_account: str | None = None,
        *,
        name: str | None = None,
        ack_required: bool | None = None,
        first_report_days: int | None = None,
        reporting_frequency_days: int | None = None,
        report_on_change_days: int | None = None,
    ) -> PolicyBody:
        """Change a VA's policy (unset fields keep their value); always a new policy_id."""
        va = self.virtual_account(virtual_account, smart_account)
        old = va.policy
        policy = VaPolicy(
            policy_id=_new_policy_id(),
            issued=self.clock.now(),
            name=old.name if name is None else name,
            ack_required=old.ack_required if ack_required is None else ack_required,
            first_report_days=(
                old.first_report_days if first_report_days is None else first_report_days
            ),
            reporting_frequency_days=(
                old.reporting_frequency_days
                if reporting_frequency_days is None
                else reporting_frequency_days
            ),
            report_on_change_days=(
                old.report_on_change_days
                if report_on_change_days is None
                else report_on_change_days
            ),
        )
        # Building the body validates the day counts before the VA starts handing it out.
        body = policy.body()
        va.policy = policy
        return body

    def signed_policy(
        self, virtual_account: str, smart_account: str | None = None
    ) -> SignedDocument:
        # Signed on demand so that the signature-invalid fault applies from the moment it is set.
        return self._sign_policy(self.virtual_account(virtual_account, smart_account))

    def _sign_policy(self, va: VirtualAccount) -> SignedDocument:
        # Dated when handed out: a product instance whose clock is behind sees it "from the
        # future", which is how the policy timestamp mismatch shows.
        body = va.policy.body().model_copy(update={"issued": self.clock.now().isoformat()})
        return self.signer.sign(body.model_dump())

    # --------------------------------------------------------------- inventory

    def add_product_instance(
        self,
        sudi: Sudi,
        virtual_account: str,
        smart_account: str | None = None,
        hostname: str = "",
    ) -> ProductInstance:
        """Register (or move) a UDI into a VA, e.g. to stage an SA/VA mismatch."""
        va = self.virtual_account(virtual_account, smart_account)
        pi = self.inventory.get(_udi_key(sudi))
        if pi is None:
            pi = ProductInstance(
                udi=sudi,
                smart_account=va.smart_account,
                virtual_account=va.name,
                hostname=hostname,
                registered=self.clock.now(),
            )
            self.inventory[_udi_key(sudi)] = pi
        else:
            pi.smart_account, pi.virtual_account = va.smart_account, va.name
            pi.hostname = hostname or pi.hostname
        return pi

    def remove_product_instance(self, sudi: Sudi) -> None:
        """Delete a PI from CSSM (its trust code stops working; its pending ACKs vanish)."""
        pi = self.inventory.pop(_udi_key(sudi), None)
        if pi is None:
            raise UnknownAccountError(f"unknown product instance {sudi.display}")
        for poll_id in pi.ack_poll_ids:
            self.acks.pop(poll_id, None)

    def product_instance(self, sudi: Sudi) -> ProductInstance | None:
        return self.inventory.get(_udi_key(sudi))

    def product_instances(self) -> list[ProductInstance]:
        return list(self.inventory.values())

    def reports_received(self, sudi: Sudi) -> dict[int, ReceivedReport]:
        pi = self.product_instance(sudi)
        return dict(pi.reports) if pi is not None else {}

    def usage_of(self, sudi: Sudi) -> dict[str, int]:
        """Licenses in use as CSSM shows them: per feature, the count of its latest report."""
        latest: dict[str, ReceivedReport] = {}
        for report in self.reports_received(sudi).values():
            current = latest.get(report.feature)
            if current is None or (report.end_time, report.report_id) > (
                current.end_time,
                current.report_id,
            ):
                latest[report.feature] = report
        return {feature: report.count for feature, report in sorted(latest.items())}

    def pending_ack(self, poll_id: int) -> PendingAck | None:
        return self.acks.get(poll_id)

    def info_page(self) -> str:
        return INFO_PAGE

    # -------------------------------------------------------- Usage Data Files

    def upload_usage_file(
        self, name: str, content: bytes, virtual_account: str, smart_account: str | None = None
    ) -> str:
        """Take a usage file or usage bundle into a VA; returns the upload id.

        Raises UnknownAccountError for an unknown VA and UsageFileError for content that is
        not a usage file or bundle (nothing is recorded then). Per-device problems (a bad
        signature, a device registered in another VA) do not raise: they become the
        upload's errors once it is processed, and the other devices are still taken.
        """
        va = self.virtual_account(virtual_account, smart_account)
        bundle, files, from_onprem = _read_upload(content)
        now = self.clock.now()
        upload = _Upload(
            upload_id=self._new_upload_id(),
            name=name,
            smart_account=va.smart_account,
            virtual_account=va.name,
            uploaded=now,
            ready_at=now + self.ack_delay,
            bundle=bundle,
        )
        for usage_file in files:
            system = usage_file.system
            device = _UploadedDevice(udi=system.sudi, hostname=system.hostname)
            upload.devices.append(device)
            usage = DeviceUsage(system.sudi, usage_file.reports, system.hostname)
            try:
                parsed = self._verified_device_reports(usage, va, now, vouched=from_onprem)
            except _Refused as refused:
                self.counters.refusals[refused.refusal.code] += 1
                device.error = refused.refusal.text
                continue
            pi = self.add_product_instance(system.sudi, va.name, va.smart_account, system.hostname)
            pi.last_contact = now
            device.report_ids, device.duplicates = self._store_reports(pi, parsed)
            upload.acks.append(self._pending(usage.sudi, va, device.report_ids, now))
        self.uploads[upload.upload_id] = upload
        keep_newest(self.uploads, self.timing.backend_uploads_kept)
        self.counters.usage_uploads += 1
        return upload.upload_id

    def usage_upload(self, upload_id: str) -> UsageUpload:
        upload = self._upload(upload_id)
        status = upload.status_at(self.clock.now())
        processed = status != "Processing"
        devices = tuple(
            UploadedDevice(
                udi=device.udi,
                hostname=device.hostname,
                report_ids=tuple(device.report_ids),
                duplicates=device.duplicates,
                error=device.error if processed else None,
            )
            for device in upload.devices
        )
        return UsageUpload(
            upload_id=upload.upload_id,
            name=upload.name,
            smart_account=upload.smart_account,
            virtual_account=upload.virtual_account,
            uploaded=upload.uploaded,
            ready_at=upload.ready_at,
            bundle=upload.bundle,
            status=status,
            devices=devices,
            errors=tuple(
                f"{device.udi.display}: {device.error}"
                for device in devices
                if device.error is not None
            ),
        )

    def usage_uploads(self) -> list[UsageUpload]:
        return [self.usage_upload(upload_id) for upload_id in self.uploads]

    def ack_file_for(self, upload_id: str) -> bytes | None:
        """None while processing; then the ACK file (or ACK bundle, one file per device).

        Raises UploadFailedError when every device of the upload failed.
        """
        upload = self._upload(upload_id)
        status = upload.status_at(self.clock.now())
        if status == "Processing":
            return None
        if status == "Failed":
            errors = "; ".join(self.usage_upload(upload_id).errors)
            raise UploadFailedError(f"upload {upload.name!r} failed: {errors}")
        if upload.ack_file is None:
            files = [self._issue_ack_file(ack) for ack in upload.acks]
            upload.ack_file = (
                write_ack_bundle(files, upload.ready_at) if upload.bundle else files[0].encode()
            )
        return upload.ack_file

    def policy_file(self, virtual_account: str, smart_account: str | None = None) -> str:
        """The VA's signed policy as a file, for `license smart import` on air-gapped switches."""
        return write_policy_file(self.signed_policy(virtual_account, smart_account))

    def _upload(self, upload_id: str) -> _Upload:
        upload = self.uploads.get(upload_id)
        if upload is None:
            raise UnknownUploadError(f"unknown upload {upload_id!r}")
        return upload

    def _new_upload_id(self) -> str:
        while True:
            upload_id = secrets.token_hex(8)
            if upload_id not in self.uploads:
                return upload_id

    def _pending(
        self, sudi: Sudi, va: VirtualAccount, report_ids: list[int], now: datetime, poll_id: int = 0
    ) -> PendingAck:
        return PendingAck(
            poll_id=poll_id,
            udi=sudi,
            smart_account=va.smart_account,
            virtual_account=va.name,
            report_ids=list(report_ids),  # its own list: saved state is a tree, not a graph
            created=now,
            ready_at=now + self.ack_delay,
            device_policy_id=None,
        )

    def _verified_device_reports(
        self, usage: DeviceUsage, va: VirtualAccount, now: datetime, *, vouched: bool = False
    ) -> list[ReceivedReport]:
        """Check a device's reports against its VA and signatures; records nothing.

        `vouched`: the bundle comes from an SSM On-Prem, which issued the devices' trust codes
        and checked those signatures itself; CSSM takes them on its word.
        """
        pi = self.product_instance(usage.sudi)
        if pi is not None and (pi.smart_account, pi.virtual_account) != (
            va.smart_account,
            va.name,
        ):
            raise _Refused(Refusal.SA_VA_MISMATCH)
        parsed: list[ReceivedReport] = []
        for wire in usage.reports:
            if wire.signature.signing_type == "builtin":
                key = builtin_key(usage.sudi)
            elif pi is not None and pi.trust is not None:
                key = pi.trust.secret_bytes
            elif vouched:
                parsed.append(_parse_report(wire, now))
                continue
            else:
                raise _Refused(Refusal.NOT_TRUSTED)
            parsed.append(_verified_report(key, wire, now))
        return parsed

    # ------------------------------------------------- automation REST API: OAuth2

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

    # -------------------------------------------- automation REST API: usage and ACKs

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
        except _Refused as refused:
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
            raise _Refused(Refusal.SA_VA_MISMATCH)
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
            raise _Refused(Refusal.DUPLICATE_REPORT)

    # ----------------------------------------------------------- Smart Receiver

    def handle(self, request: CssmRequest) -> Reply:
        """Answer one device message; refusals are FAILED replies, never exceptions."""
        now = self.clock.now()
        try:
            if isinstance(request, TrustRequest):
                self.counters.trust_requests += 1
                reply = self._trust(request, now)
            elif isinstance(request, UsageReportRequest):
                self.counters.usage_reports += 1
                reply = self._usage(request, now)
            elif isinstance(request, PollRequest):
                self.counters.polls += 1
                reply = self._poll(request, now)
            else:
                self.counters.trust_syncs += 1
                reply = self._trust_sync(request, now)
        except _Refused as refused:
            self.counters.refusals[refused.refusal.code] += 1
            reply = self._reply(
                request,
                now,
                status="FAILED",
                message_code=refused.refusal.code,
                message=refused.refusal.text,
            )
        return reply

    def _reply(self, request: CssmRequest, now: datetime, **fields: Any) -> Reply:
        """A reply to `request`: its fields, with our clock, the request's nonce and our key id.

        The envelope goes in as the reply is built: set afterwards, each field would cost a
        pydantic __setattr__, at every exchange."""
        return Reply(
            **fields,
            timestamp=epoch_ms(now),
            nonce=request.nonce,
            server_key_id=self.signer.key_id,
        )

    def _trust(self, request: TrustRequest, now: datetime) -> Reply:
        token = self.tokens.get(request.id_token)
        if token is None:
            raise _Refused(Refusal.INVALID_TOKEN)
        pi = self.product_instance(request.sudi)
        trust = pi.trust if pi is not None and not request.force else None
        if pi is not None and trust is not None and trust.token == request.id_token:
            # The same request again (its reply was lost, e.g. in a crash): the same trust
            # code, without using the token again.
            trust_code = self._sign_trust_code(pi, trust)
            return self._reply(request, now, status="SUCCESS", trust_code=trust_code)
        refusal = token.refusal_at(now)
        if refusal is not None:
            raise _Refused(refusal)
        if clock_skewed(request.timestamp, now, self.timing):
            raise _Refused(Refusal.TIMESTAMP_MISMATCH)
        if pi is not None:
            if (pi.smart_account, pi.virtual_account) != (
                token.smart_account,
                token.virtual_account,
            ):
                raise _Refused(Refusal.SA_VA_MISMATCH)
            if pi.trust is not None and not request.force:
                raise _Refused(Refusal.TRUST_ALREADY_INSTALLED)

        token.uses += 1
        pi = self.add_product_instance(
            request.sudi, token.virtual_account, token.smart_account, request.hostname
        )
        pi.trust = TrustRecord.issue(token.token, now)
        pi.last_contact = now
        self.counters.trust_codes_issued += 1
        trust_code = self._sign_trust_code(pi, pi.trust)
        return self._reply(request, now, status="SUCCESS", trust_code=trust_code)

    def _sign_trust_code(self, pi: ProductInstance, trust: TrustRecord) -> SignedDocument:
        body = TrustCodeBody(
            trust_id=trust.trust_id,
            udi=pi.udi,
            smart_account=pi.smart_account,
            virtual_account=pi.virtual_account,
            issued=trust.installed.isoformat(),
            secret=trust.secret,
        )
        return self.signer.sign(body.model_dump())

    def _trusted_instance(self, sudi: Sudi, trust_id: str | None) -> ProductInstance:
        pi = self.product_instance(sudi)
        if pi is None or pi.trust is None or trust_id != pi.trust.trust_id:
            raise _Refused(Refusal.NOT_TRUSTED)
        return pi

    def _usage(self, request: UsageReportRequest, now: datetime) -> Reply:
        pi = self._trusted_instance(request.sudi, request.trust_id)
        assert pi.trust is not None
        secret = pi.trust.secret_bytes
        # Validate every report before recording any: a refusal leaves the inventory untouched.
        parsed = [_verified_report(secret, wire, now) for wire in request.reports]
        report_ids, _ = self._store_reports(pi, parsed)
        pi.hostname = request.hostname or pi.hostname
        pi.last_contact = now
        ack = PendingAck(
            poll_id=self._new_poll_id(),
            udi=request.sudi,
            smart_account=pi.smart_account,
            virtual_account=pi.virtual_account,
            report_ids=report_ids,
            created=now,
            ready_at=now + self.ack_delay,
            device_policy_id=request.policy_id,
        )
        self.acks[ack.poll_id] = ack
        pi.ack_poll_ids.append(ack.poll_id)
        for old in pi.ack_poll_ids[: -self.timing.backend_acks_kept]:
            self.acks.pop(old, None)
        keep_last(pi.ack_poll_ids, self.timing.backend_acks_kept)
        return self._ok_poll(request, now, ack.poll_id)

    def _ok_poll(self, request: CssmRequest, now: datetime, poll_id: int) -> Reply:
        return self._reply(
            request,
            now,
            status="OK_POLL",
            poll_id=poll_id,
            poll_interval=int(self.timing.ack_poll_every.total_seconds()),
        )

    def _new_poll_id(self) -> int:
        while True:
            poll_id = secrets.randbits(63)
            if poll_id > 0 and poll_id not in self.acks and poll_id not in self.usage_batches:
                return poll_id

    def _store_reports(
        self, pi: ProductInstance, parsed: list[ReceivedReport]
    ) -> tuple[list[int], int]:
        """Record verified reports; returns the report ids to acknowledge and the duplicates."""
        report_ids: list[int] = []
        seen: set[int] = set()  # beside the list: a file may hold tens of thousands of reports
        duplicates = 0
        for report in parsed:
            if report.report_id in pi.reports or report.report_id in seen:
                # At-least-once delivery: the switch resends when an ACK got lost.
                duplicates += 1
            else:
                pi.reports[report.report_id] = report
                self.counters.reports_received += 1
                pi.standby = report.standby or pi.standby
                pi.converted.update(report.conversion)
            if report.report_id not in seen:
                seen.add(report.report_id)
                report_ids.append(report.report_id)
        pi.duplicates_received += duplicates
        self.counters.duplicates_received += duplicates
        keep_newest(pi.reports, self.timing.backend_reports_kept)
        return report_ids, duplicates

    def _poll(self, request: PollRequest, now: datetime) -> Reply:
        ack = self.acks.get(request.poll_id)
        if ack is None or _udi_key(ack.udi) != _udi_key(request.sudi):
            raise _Refused(Refusal.UNKNOWN_POLL)
        pi = self.product_instance(request.sudi)
        if pi is not None:
            pi.last_contact = now
        if now < ack.ready_at:
            return self._ok_poll(request, now, ack.poll_id)
        if ack.document is None:
            ack.document = self._sign_ack(ack)
            self.counters.acks_issued += 1
            if pi is not None:
                pi.acks_issued += 1
        return self._reply(request, now, status="COMPLETE", poll_id=ack.poll_id, ack=ack.document)

    def _issue_ack_file(self, ack: PendingAck) -> str:
        # Offline and API ACKs always carry the policy: an air-gapped switch has no other
        # way to receive one, and the API caller's device policy is unknown.
        document = self._sign_ack(ack)
        self.counters.acks_issued += 1
        pi = self.product_instance(ack.udi)
        if pi is not None:
            pi.acks_issued += 1
        return write_ack_file(document)

    def _sign_ack(self, ack: PendingAck) -> SignedDocument:
        # The policy is decided when the ACK is produced, so a policy changed meanwhile is sent.
        va = self.virtual_account(ack.virtual_account, ack.smart_account)
        policy = None
        if ack.device_policy_id != va.policy.policy_id:
            policy = self._sign_policy(va)
        body = AckBody(
            udi=ack.udi,
            report_ids=ack.report_ids,
            issued=ack.ready_at.isoformat(),
            smart_account=ack.smart_account,
            virtual_account=ack.virtual_account,
            policy=policy,
        )
        return self.signer.sign(body.model_dump())

    def _trust_sync(self, request: TrustSyncRequest, now: datetime) -> Reply:
        pi = self._trusted_instance(request.sudi, request.trust_id)
        pi.hostname = request.hostname or pi.hostname
        pi.last_contact = now
        va = self.virtual_account(pi.virtual_account, pi.smart_account)
        if request.policy_id == va.policy.policy_id:
            return self._reply(request, now, status="SUCCESS")
        return self._reply(request, now, status="SUCCESS", policy=self._sign_policy(va))


def _read_upload(content: bytes) -> tuple[bool, list[UsageFile], bool]:
    """(is it a bundle, its usage files, made by SSM On-Prem); raises UsageFileError."""
    if len(content) > MAX_FILE_BYTES:
        raise UsageFileError(f"the uploaded file is larger than {MAX_FILE_BYTES >> 20} MiB")
    if not content.strip():
        raise UsageFileError("the uploaded file is empty")
    try:
        if is_bundle(content):
            info, files = read_usage_bundle(content)
            if not files:
                raise UsageFileError("the usage bundle holds no usage file")
            return True, files, info.created_by.startswith("SSM On-Prem")
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UsageFileError("not a usage file: the file is not UTF-8 text") from exc
        return False, [read_usage_file(text)], False
    except FileFormatError as exc:
        raise UsageFileError(str(exc)) from exc
    except (tarfile.TarError, zlib.error, OSError, EOFError, RecursionError) as exc:
        # A damaged gzip stream can fail below the bundle reader's own checks.
        raise UsageFileError("not a usage bundle: the archive is damaged") from exc


def _verified_report(key: bytes, wire: RumReportWire, now: datetime) -> ReceivedReport:
    try:
        expected = mac(key, wire.payload).encode()
        given = wire.signature.value.encode()
    except UnicodeEncodeError as exc:
        # A lone surrogate cannot be the UTF-8 text a switch signed.
        raise _Refused(Refusal.MALFORMED) from exc
    # Bytes, because compare_digest raises TypeError on non-ASCII str.
    if not hmac.compare_digest(expected, given):
        raise _Refused(Refusal.BAD_REPORT_SIGNATURE)
    return _parse_report(wire, now)


def _parse_report(wire: RumReportWire, now: datetime) -> ReceivedReport:
    try:
        report_id = report_id_of(wire)
        feature, count = feature_and_count_of(wire)
    except (ValueError, RecursionError) as exc:  # a payload nested absurdly deep
        raise _Refused(Refusal.MALFORMED) from exc
    return ReceivedReport(
        report_id=report_id,
        feature=feature,
        count=count,
        received=now,
        end_time=_end_time_of(wire.payload),
        standby=standby_of(wire),
        conversion=conversion_of(wire),
    )


def _end_time_of(payload: str) -> int:
    try:
        end = payload_document(payload)["measurements"][-1]["end_time"]
    except (ValueError, KeyError, TypeError, IndexError, RecursionError):
        return 0
    return end if isinstance(end, int) else 0
