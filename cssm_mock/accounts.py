"""CSSM's smart and virtual accounts, the policy each virtual account hands out, and ID tokens.

`Accounts` is the first layer of `CssmModel` (cssm_mock.models): the others build on it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sim.clock import Clock
from sim.protocol.errors import Refusal
from sim.protocol.messages import PolicyBody
from sim.protocol.signing import SignedDocument, Signer
from sim.timing import TimingProfile

DEFAULT_SMART_ACCOUNT = "Example Corp"
DEFAULT_DOMAIN = "example.com"
DEFAULT_VIRTUAL_ACCOUNTS = ("Default", "Lab")
# Account ids are numeric strings, as `v2/accounts/search` shows them; deterministic so that
# documentation and scripts can name them.
FIRST_ACCOUNT_ID = 100001


class UnknownAccountError(LookupError):
    """A smart account, virtual account or token that the model does not hold."""


def new_policy_id() -> str:
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


class Accounts:
    """Smart accounts, their virtual accounts and policies, and the ID tokens they issue."""

    clock: Clock
    timing: TimingProfile
    signer: Signer
    smart_accounts: dict[str, SmartAccount]
    tokens: dict[str, IdToken]
    _next_account_id: int

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
            policy=VaPolicy(policy_id=new_policy_id(), issued=self.clock.now()),
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
            policy_id=new_policy_id(),
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
