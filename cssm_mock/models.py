"""CSSM and its Smart Receiver as a pure model: accounts, ID tokens, inventory and the rules.

No I/O and no web framework here: `cssm_mock.app` is a thin HTTP shell around `CssmModel`,
and scenarios drive the same object directly. Time comes only from the injected clock.

The Smart Receiver's device wire format is not public; the messages in `sim.protocol` are
shaped after the public CSSM REST API (epoch-ms timestamp + nonce echoed, OK_POLL / poll_id /
COMPLETE), and so is this model's behaviour.
"""

from __future__ import annotations

import base64
import hmac
import json
import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sim.clock import Clock
from sim.protocol.errors import Refusal
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
from sim.protocol.rum import feature_and_count_of, mac, report_id_of
from sim.protocol.signing import SignedDocument, Signer
from sim.timing import DEFAULT_TIMING, TimingProfile

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)

DEFAULT_SMART_ACCOUNT = "Example Corp"
DEFAULT_DOMAIN = "example.com"
DEFAULT_VIRTUAL_ACCOUNTS = ("Default", "Lab")

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


def epoch_ms(when: datetime) -> int:
    # Integer timedelta division: float timestamps lose the last millisecond now and then.
    return (when - _EPOCH) // _MILLISECOND


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


@dataclass
class SmartAccount:
    name: str
    domain: str
    virtual_accounts: dict[str, VirtualAccount] = field(default_factory=dict)


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

    def expired_at(self, now: datetime) -> bool:
        return now >= self.expires

    @property
    def exhausted(self) -> bool:
        return self.max_uses is not None and self.uses >= self.max_uses


@dataclass
class TrustRecord:
    trust_id: str
    secret: str  # base64, as handed to the switch inside the trust code
    installed: datetime
    token: str

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
    refusals: Counter[str] = field(default_factory=Counter)


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
        self.add_smart_account(DEFAULT_SMART_ACCOUNT, DEFAULT_DOMAIN, DEFAULT_VIRTUAL_ACCOUNTS)

    # ----------------------------------------------------------------- accounts

    def add_smart_account(
        self, name: str, domain: str, virtual_accounts: tuple[str, ...] | list[str] = ("Default",)
    ) -> SmartAccount:
        if name in self.smart_accounts:
            raise ValueError(f"smart account {name!r} already exists")
        account = SmartAccount(name=name, domain=domain)
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
        )
        account.virtual_accounts[name] = va
        return va

    def smart_account(self, name_or_domain: str | None = None) -> SmartAccount:
        """An SA by name or domain; None is the first (default) smart account."""
        if name_or_domain is None:
            return next(iter(self.smart_accounts.values()))
        for account in self.smart_accounts.values():
            if name_or_domain in (account.name, account.domain):
                return account
        raise UnknownAccountError(f"unknown smart account {name_or_domain!r}")

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
    ) -> str:
        va = self.virtual_account(virtual_account, smart_account)
        if max_uses is not None and max_uses < 1:
            raise ValueError("max_uses must be at least 1")
        now = self.clock.now()
        # Real ID tokens are long opaque base64 strings; 66 random bytes give 88 characters.
        text = secrets.token_urlsafe(66)
        self.tokens[text] = IdToken(
            token=text,
            smart_account=va.smart_account,
            virtual_account=va.name,
            created=now,
            expires=now + (lifetime if lifetime is not None else self.timing.token_lifetime),
            max_uses=max_uses,
            description=description,
        )
        return text

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
            reply = Reply(
                status="FAILED",
                message_code=refused.refusal.code,
                message=refused.refusal.text,
            )
        reply.timestamp = epoch_ms(now)
        reply.nonce = request.nonce
        reply.server_key_id = self.signer.key_id
        return reply

    def _trust(self, request: TrustRequest, now: datetime) -> Reply:
        token = self.tokens.get(request.id_token)
        if token is None or token.revoked:
            raise _Refused(Refusal.INVALID_TOKEN)
        if token.expired_at(now):
            raise _Refused(Refusal.EXPIRED_TOKEN)
        if token.exhausted:
            raise _Refused(Refusal.TOKEN_EXHAUSTED)
        skew = abs(request.timestamp - epoch_ms(now))
        if skew >= self.timing.max_clock_skew // _MILLISECOND:
            raise _Refused(Refusal.TIMESTAMP_MISMATCH)
        pi = self.product_instance(request.sudi)
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
        pi.trust = TrustRecord(
            trust_id=secrets.token_hex(16),
            secret=base64.b64encode(secrets.token_bytes(32)).decode(),
            installed=now,
            token=token.token,
        )
        pi.last_contact = now
        self.counters.trust_codes_issued += 1
        body = TrustCodeBody(
            trust_id=pi.trust.trust_id,
            udi=request.sudi,
            smart_account=pi.smart_account,
            virtual_account=pi.virtual_account,
            issued=now.isoformat(),
            secret=pi.trust.secret,
        )
        return Reply(status="SUCCESS", trust_code=self.signer.sign(body.model_dump()))

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
        parsed: list[ReceivedReport] = []
        for wire in request.reports:
            try:
                expected = mac(secret, wire.payload).encode()
                given = wire.signature.value.encode()
            except UnicodeEncodeError as exc:
                # A lone surrogate cannot be the UTF-8 text a switch signed.
                raise _Refused(Refusal.MALFORMED) from exc
            # Bytes, because compare_digest raises TypeError on non-ASCII str.
            if not hmac.compare_digest(expected, given):
                raise _Refused(Refusal.BAD_REPORT_SIGNATURE)
            parsed.append(_parse_report(wire, now))

        report_ids: list[int] = []
        for report in parsed:
            if report.report_id in pi.reports or report.report_id in report_ids:
                # At-least-once delivery: the switch resends when an ACK got lost.
                pi.duplicates_received += 1
                self.counters.duplicates_received += 1
            else:
                pi.reports[report.report_id] = report
                self.counters.reports_received += 1
            if report.report_id not in report_ids:
                report_ids.append(report.report_id)

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
        return self._ok_poll(ack.poll_id)

    def _ok_poll(self, poll_id: int) -> Reply:
        return Reply(
            status="OK_POLL",
            poll_id=poll_id,
            poll_interval=int(self.timing.ack_poll_every.total_seconds()),
        )

    def _new_poll_id(self) -> int:
        while True:
            poll_id = secrets.randbits(63)
            if poll_id > 0 and poll_id not in self.acks:
                return poll_id

    def _poll(self, request: PollRequest, now: datetime) -> Reply:
        ack = self.acks.get(request.poll_id)
        if ack is None or _udi_key(ack.udi) != _udi_key(request.sudi):
            raise _Refused(Refusal.UNKNOWN_POLL)
        pi = self.product_instance(request.sudi)
        if pi is not None:
            pi.last_contact = now
        if now < ack.ready_at:
            return self._ok_poll(ack.poll_id)
        if ack.document is None:
            ack.document = self._sign_ack(ack)
            self.counters.acks_issued += 1
            if pi is not None:
                pi.acks_issued += 1
        return Reply(status="COMPLETE", poll_id=ack.poll_id, ack=ack.document)

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
            return Reply(status="SUCCESS")
        return Reply(status="SUCCESS", policy=self._sign_policy(va))


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
    )


def _end_time_of(payload: str) -> int:
    try:
        end = json.loads(payload)["measurements"][-1]["end_time"]
    except (ValueError, KeyError, TypeError, IndexError, RecursionError):
        return 0
    return end if isinstance(end, int) else 0
