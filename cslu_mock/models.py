"""CSLU as a pure model, and the store-and-forward relay it shares with SSM On-Prem.

A relay sits between product instances and CSSM: switches push RUM reports to it and poll it
for ACKs; the relay forwards what it holds to CSSM (on its own schedule when connected, or as
files carried by hand when disconnected) and hands each switch the ACK that CSSM signed for it,
unchanged, so that the switch can verify CSSM's signature. `UsageRelay` holds those rules;
`CsluModel` is the CSLU flavour (one account, no trust codes of its own) and
`onprem_mock.models.OnPremModel` the On-Prem one. No I/O here and no wall clock: the
simulation's scheduler calls `next_sync_due()` / `sync_with_cssm()`.
"""

from __future__ import annotations

import hmac
import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from pydantic import ValidationError

from cssm_mock.accounts import DEFAULT_SMART_ACCOUNT
from cssm_mock.timestamps import epoch_ms
from cssm_mock.trust import TrustRecord
from sim.clock import Clock
from sim.protocol.errors import Refusal
from sim.protocol.files import (
    MAX_FILE_BYTES,
    BundleInfo,
    FileFormatError,
    ImportFile,
    SystemInfo,
    UsageReceiver,
    is_bundle,
    read_ack_bundle,
    read_import_file,
    write_usage_bundle,
    write_usage_file,
)
from sim.protocol.messages import (
    AckBody,
    PolicyBody,
    PollRequest,
    Reply,
    RumReportWire,
    Sudi,
    TrustRequest,
    TrustSyncRequest,
    UsageReportRequest,
)
from sim.protocol.rum import SOFTWARE_TAG, builtin_key, mac, report_id_of
from sim.protocol.signing import SignedDocument
from sim.retention import keep_last, keep_newest_where, trim_newest
from sim.timing import DEFAULT_TIMING, TimingProfile

RelayRequest = TrustRequest | UsageReportRequest | PollRequest | TrustSyncRequest
Mode = Literal["connected", "disconnected"]
MODES: tuple[Mode, ...] = ("connected", "disconnected")
UdiKey = tuple[str, str]
# (account, virtual account): where a report came in, or under which account it went to CSSM.
Location = tuple[str, str]

# (assumption) how often a connected relay exchanges data with CSSM; Cisco states no figure.
DEFAULT_SYNC_EVERY = timedelta(hours=1)

CSLU_INFO_PAGE = """\
Cisco Smart License Utility (CSLU)

Product instance endpoint: POST /cslu/v1/pi
Mode: {mode}
Smart Account: {smart_account}
Virtual Account: {virtual_account}
Product instances: {product_instances}
"""


class RelayModeError(RuntimeError):
    """An action the relay's connectivity mode does not allow (e.g. sync while disconnected)."""


def udi_key(sudi: Sudi) -> UdiKey:
    return (sudi.udi_pid, sudi.udi_serial_number)


def udi_in_braces(sudi: Sudi) -> str:
    """The UDI as On-Prem and CSLU logs print it: `{N9K-C93180YC-FX FDO2434107N}`."""
    return f"{{{sudi.udi_pid} {sudi.udi_serial_number}}}"


@dataclass
class RelayedReport:
    report_id: int
    wire: RumReportWire  # kept byte-exact: CSSM checks the switch's signature over it
    received: datetime
    origin: Location
    sent_as: Location | None = None
    upload_id: str | None = None  # the connected-mode upload that carries it, if any
    acknowledged: bool = False


@dataclass(frozen=True)
class ReceivedAck:
    """An ACK as CSSM signed it, with the policy that came along (if any)."""

    document: SignedDocument
    report_ids: frozenset[int]
    policy: SignedDocument | None
    policy_id: str | None
    received: datetime


@dataclass
class ProductInstance:
    udi: Sudi
    account: str
    virtual_account: str
    first_seen: datetime
    hostname: str = ""
    last_contact: datetime | None = None
    reports: dict[int, RelayedReport] = field(default_factory=dict)
    duplicates_received: int = 0
    acks: list[ReceivedAck] = field(default_factory=list)
    acks_delivered: int = 0
    # The policy last delivered with CSSM's ACKs, re-furnished to a switch that lacks it.
    policy: SignedDocument | None = None
    policy_id: str | None = None
    trust: TrustRecord | None = None  # only SSM On-Prem issues trust codes

    @property
    def location(self) -> Location:
        return (self.account, self.virtual_account)

    @property
    def trusted(self) -> bool:
        return self.trust is not None

    @property
    def acknowledged_ids(self) -> set[int]:
        return {r.report_id for r in self.reports.values() if r.acknowledged}

    def unacknowledged(self) -> list[RelayedReport]:
        return [r for r in self.reports.values() if not r.acknowledged]

    @property
    def ack_state(self) -> str:
        """One word for the inventory view: no reports, all acknowledged, or waiting."""
        if not self.reports:
            return "NO_REPORTS"
        if not self.unacknowledged():
            return "ACKNOWLEDGED"
        if any(r.upload_id is None and r.sent_as is None for r in self.unacknowledged()):
            return "RECEIVED"
        return "SENT_TO_CISCO"


@dataclass
class PendingPoll:
    poll_id: int
    udi: Sudi
    report_ids: tuple[int, ...]
    created: datetime
    device_policy_id: str | None
    delivered: bool = False


@dataclass
class Upload:
    """A connected-mode upload to CSSM whose ACK bundle has not been collected yet."""

    upload_id: str
    name: str
    location: Location
    created: datetime
    report_ids: dict[UdiKey, list[int]]


@dataclass
class ImportSummary:
    acks_imported: int = 0
    policies_received: int = 0
    product_instances: list[str] = field(default_factory=list)  # UDIs that got an ACK
    not_found: list[str] = field(default_factory=list)  # UDIs whose ACK matched no record


@dataclass
class SyncSummary:
    uploads: list[str] = field(default_factory=list)  # upload ids
    reports_uploaded: int = 0
    acks: ImportSummary = field(default_factory=ImportSummary)
    errors: list[str] = field(default_factory=list)


@dataclass
class Counters:
    trust_requests: int = 0
    usage_reports: int = 0
    polls: int = 0
    trust_syncs: int = 0
    reports_received: int = 0
    duplicates_received: int = 0
    acks_delivered: int = 0
    acks_imported: int = 0
    acks_not_found: int = 0
    uploads: int = 0
    syncs: int = 0
    exports: int = 0
    imports: int = 0
    refusals: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class LogLine:
    when: datetime
    level: str  # INFO, WARN, ERROR
    source: str
    text: str


@dataclass(frozen=True)
class IncomingAck:
    udi: Sudi
    report_ids: frozenset[int]
    virtual_account: str
    document: SignedDocument
    policy: SignedDocument | None
    policy_id: str | None


class Refused(Exception):
    """Raised inside a relay to answer a device message with FAILED."""

    def __init__(self, refusal: Refusal, message: str | None = None) -> None:
        super().__init__(refusal.code)
        self.refusal = refusal
        self.message = message if message is not None else refusal.text


class UsageRelay:
    """Store-and-forward of RUM reports and ACKs between product instances and CSSM."""

    product_name = "relay"  # what the relay calls itself in bundles and logs

    def __init__(
        self,
        clock: Clock,
        timing: TimingProfile,
        upstream: UsageReceiver | None,
        *,
        mode: Mode,
        sync_every: timedelta,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
        if sync_every <= timedelta(0):
            raise ValueError("sync_every must be positive")
        self.clock = clock
        self.timing = timing
        self.upstream = upstream
        self.mode: Mode = mode
        self.sync_every = sync_every
        self.started = clock.now()
        self.last_sync: datetime | None = None
        self.counters = Counters()
        self.inventory: dict[UdiKey, ProductInstance] = {}
        self.polls: dict[int, PendingPoll] = {}
        self.uploads: dict[str, Upload] = {}
        self.log: list[LogLine] = []

    # --------------------------------------------------------------- inventory

    def product_instance(self, sudi: Sudi) -> ProductInstance | None:
        return self.inventory.get(udi_key(sudi))

    def product_instances(self) -> list[ProductInstance]:
        return list(self.inventory.values())

    def _register(self, sudi: Sudi, location: Location, hostname: str) -> ProductInstance:
        pi = ProductInstance(
            udi=sudi,
            account=location[0],
            virtual_account=location[1],
            first_seen=self.clock.now(),
            hostname=hostname,
        )
        self.inventory[udi_key(sudi)] = pi
        self._log(
            "INFO", "inventory", f"Product instance {udi_in_braces(sudi)} added to {location[1]}"
        )
        return pi

    def _log(self, level: str, source: str, text: str) -> None:
        self.log.append(LogLine(self.clock.now(), level, source, text))
        keep_last(self.log, self.timing.backend_log_lines_kept)

    # ------------------------------------------------------------ device side

    @property
    def server_key_id(self) -> str:
        return ""

    def _answer(self, request: RelayRequest, location: Location) -> Reply:
        """One device message; refusals become FAILED replies, never exceptions."""
        now = self.clock.now()
        try:
            if isinstance(request, TrustRequest):
                self.counters.trust_requests += 1
                reply = self._trust(request, location, now)
            elif isinstance(request, UsageReportRequest):
                self.counters.usage_reports += 1
                reply = self._usage(request, location, now)
            elif isinstance(request, PollRequest):
                self.counters.polls += 1
                reply = self._poll(request, now)
            else:
                self.counters.trust_syncs += 1
                reply = self._trust_sync(request, location, now)
        except Refused as refused:
            self.counters.refusals[refused.refusal.code] += 1
            reply = Reply(
                status="FAILED", message_code=refused.refusal.code, message=refused.message
            )
        reply.timestamp = epoch_ms(now)
        reply.nonce = request.nonce
        reply.server_key_id = self.server_key_id
        return reply

    def _trust(self, request: TrustRequest, location: Location, now: datetime) -> Reply:
        raise Refused(
            Refusal.INVALID_TOKEN,
            f"{self.product_name} does not establish trust: ID tokens are redeemed by CSSM "
            "or SSM On-Prem",
        )

    def _report_key(self, pi: ProductInstance | None, request: UsageReportRequest) -> bytes | None:
        """The HMAC key to check the reports with, or None when the relay cannot check them."""
        return builtin_key(request.sudi) if request.trust_id is None else None

    def _usage(self, request: UsageReportRequest, location: Location, now: datetime) -> Reply:
        pi = self.product_instance(request.sudi)
        key = self._report_key(pi, request)
        # Validate every report before recording any: a refusal leaves the inventory untouched.
        parsed: list[tuple[int, RumReportWire]] = []
        for wire in request.reports:
            if key is not None:
                try:
                    expected = mac(key, wire.payload).encode()
                    given = wire.signature.value.encode()
                except UnicodeEncodeError as exc:
                    raise Refused(Refusal.MALFORMED) from exc
                if not hmac.compare_digest(expected, given):
                    raise Refused(Refusal.BAD_REPORT_SIGNATURE)
            try:
                parsed.append((report_id_of(wire), wire))
            except (ValueError, RecursionError) as exc:
                raise Refused(Refusal.MALFORMED) from exc

        if pi is None:
            pi = self._register(request.sudi, location, request.hostname)
        report_ids: list[int] = []
        for report_id, wire in parsed:
            if report_id in pi.reports or report_id in report_ids:
                # At-least-once delivery: the switch resends what was not acknowledged yet.
                pi.duplicates_received += 1
                self.counters.duplicates_received += 1
            else:
                pi.reports[report_id] = RelayedReport(report_id, wire, now, location)
                self.counters.reports_received += 1
            if report_id not in report_ids:
                report_ids.append(report_id)
        pi.hostname = request.hostname or pi.hostname
        pi.last_contact = now
        poll = PendingPoll(
            poll_id=self._new_poll_id(),
            udi=request.sudi,
            report_ids=tuple(report_ids),
            created=now,
            device_policy_id=request.policy_id,
        )
        self.polls[poll.poll_id] = poll
        trim_newest(self.polls, self.timing.backend_acks_kept * max(1, len(self.inventory)))
        reply = self._ok_poll(poll.poll_id)
        reply.policy = self._policy_to_refurnish(pi, request.policy_id)
        return reply

    def _ok_poll(self, poll_id: int) -> Reply:
        return Reply(
            status="OK_POLL",
            poll_id=poll_id,
            poll_interval=int(self.timing.ack_poll_every.total_seconds()),
        )

    def _new_poll_id(self) -> int:
        while True:
            poll_id = secrets.randbits(63)
            if poll_id > 0 and poll_id not in self.polls:
                return poll_id

    def _poll(self, request: PollRequest, now: datetime) -> Reply:
        poll = self.polls.get(request.poll_id)
        if poll is None or udi_key(poll.udi) != udi_key(request.sudi):
            raise Refused(Refusal.UNKNOWN_POLL)
        pi = self.product_instance(request.sudi)
        if pi is None:
            # Removed from the inventory meanwhile: its ACK can no longer arrive here.
            return self._ok_poll(poll.poll_id)
        pi.hostname = request.hostname or pi.hostname
        pi.last_contact = now
        ack = _ack_for(pi, poll)
        if ack is None:
            return self._ok_poll(poll.poll_id)
        if not poll.delivered:
            poll.delivered = True
            pi.acks_delivered += 1
            self.counters.acks_delivered += 1
        return Reply(status="COMPLETE", poll_id=poll.poll_id, ack=ack.document, policy=ack.policy)

    def _check_trust_sync(self, pi: ProductInstance | None, request: TrustSyncRequest) -> None:
        """CSLU holds no trust codes; On-Prem checks the ones it issued."""

    def _trust_sync(self, request: TrustSyncRequest, location: Location, now: datetime) -> Reply:
        pi = self.product_instance(request.sudi)
        self._check_trust_sync(pi, request)
        if pi is None:
            pi = self._register(request.sudi, location, request.hostname)
        pi.hostname = request.hostname or pi.hostname
        pi.last_contact = now
        return Reply(status="SUCCESS", policy=self._policy_to_refurnish(pi, request.policy_id))

    def _policy_of(self, pi: ProductInstance) -> tuple[SignedDocument | None, str | None]:
        return pi.policy, pi.policy_id

    def _policy_to_refurnish(
        self, pi: ProductInstance, device_policy_id: str | None
    ) -> SignedDocument | None:
        document, policy_id = self._policy_of(pi)
        if document is None or policy_id == device_policy_id:
            return None
        return document

    # ---------------------------------------------------------------- CSSM side

    def next_sync_due(self) -> datetime | None:
        """When the scheduler should call the sync next; None when nothing goes up by itself."""
        if self.mode != "connected" or self.upstream is None:
            return None
        return (self.last_sync or self.started) + self.sync_every

    def _sync(self) -> SyncSummary:
        """Collect ACK bundles of earlier uploads, then upload what is new, one bundle each."""
        if self.mode != "connected":
            raise RelayModeError(
                f"{self.product_name} is disconnected from CSSM: carry the usage by hand"
            )
        if self.upstream is None:
            raise RelayModeError(f"{self.product_name} has no CSSM to synchronize with")
        upstream = self.upstream
        now = self.clock.now()
        self.counters.syncs += 1
        self.last_sync = now
        summary = SyncSummary()

        for upload in list(self.uploads.values()):
            try:
                data = upstream.ack_file_for(upload.upload_id)
                incoming = None if data is None else _read_acks(data)
            # CSSM is another system: whatever it raises fails this step, not the relay.
            except Exception as exc:
                # Given up on: its reports go up again with the next sync.
                del self.uploads[upload.upload_id]
                self._forget_upload(upload)
                summary.errors.append(self._sync_failed(f"ACK for {upload.name}", exc))
                continue
            if incoming is None:
                continue
            del self.uploads[upload.upload_id]
            self._apply_acks(incoming, summary.acks)

        for location, files in self._pending_uploads().items():
            smart_account, virtual_account = self._cssm_account(location)
            name = f"UD_SA_{now:%Y%m%d%H%M%S}.tar.gz"
            bundle = write_usage_bundle(
                BundleInfo(smart_account, virtual_account, self._bundle_creator()),
                [text for _, _, text in files],
                now,
            )
            try:
                upload_id = upstream.upload_usage_file(name, bundle, virtual_account, smart_account)
            except Exception as exc:  # as above: CSSM's failure, reported in the summary
                summary.errors.append(self._sync_failed(f"usage upload for {location[1]}", exc))
                continue
            upload = Upload(upload_id, name, location, now, {})
            for pi, reports, _ in files:
                for report in reports:
                    report.upload_id, report.sent_as = upload_id, location
                upload.report_ids[udi_key(pi.udi)] = [r.report_id for r in reports]
                summary.reports_uploaded += len(reports)
            self.uploads[upload_id] = upload
            self.counters.uploads += 1
            summary.uploads.append(upload_id)
            self._log("INFO", "sync", f"Uploaded usage of {len(files)} product(s) as {name}")
        return summary

    def _sync_failed(self, what: str, exc: Exception) -> str:
        text = f"Synchronization with Cisco failed: {what}: {exc}"
        self._log("ERROR", "sync", text)
        return text

    def _forget_upload(self, upload: Upload) -> None:
        for pi in self.inventory.values():
            for report in pi.reports.values():
                if report.upload_id == upload.upload_id:
                    report.upload_id = None

    def _pending_uploads(
        self,
    ) -> dict[Location, list[tuple[ProductInstance, list[RelayedReport], str]]]:
        """Per origin, the PIs with reports not yet uploaded, each with all its unACKed ones.

        Resending what is still unacknowledged makes the newest ACK cover everything the
        switch has outstanding, so one ACK document completes its latest poll.
        """
        pending: dict[Location, list[tuple[ProductInstance, list[RelayedReport], str]]] = {}
        for pi in self.inventory.values():
            fresh = {r.origin for r in pi.unacknowledged() if r.upload_id is None}
            for origin in sorted(fresh):
                reports = [r for r in pi.unacknowledged() if r.origin == origin]
                pending.setdefault(origin, []).append((pi, reports, self._usage_file(pi, reports)))
        return pending

    def _usage_file(self, pi: ProductInstance, reports: list[RelayedReport]) -> str:
        system = SystemInfo(
            sudi=pi.udi,
            hostname=pi.hostname,
            software_tag_identifier=SOFTWARE_TAG,
            timestamp=epoch_ms(self.clock.now()),
            nonce=secrets.token_hex(8),
        )
        return write_usage_file(system, [r.wire for r in sorted(reports, key=_by_id)])

    def _cssm_account(self, location: Location) -> tuple[str, str]:
        """The CSSM smart account and virtual account that usage from `location` goes to."""
        return location

    def _bundle_creator(self) -> str:
        return self.product_name

    def _export(self, instances: list[ProductInstance], location: Location) -> bytes:
        """A usage bundle of every unacknowledged report of `instances`, sent as `location`."""
        now = self.clock.now()
        files: list[str] = []
        for pi in instances:
            reports = pi.unacknowledged()
            if not reports:
                continue
            files.append(self._usage_file(pi, reports))
            for report in reports:
                report.sent_as = location
        smart_account, virtual_account = self._cssm_account(location)
        self.counters.exports += 1
        self._log("INFO", "export", f"Exported usage of {len(files)} product(s) for Cisco")
        return write_usage_bundle(
            BundleInfo(smart_account, virtual_account, self._bundle_creator()), files, now
        )

    def _import(self, data: bytes) -> ImportSummary:
        incoming = _read_acks(data)  # raises before anything changes
        summary = ImportSummary()
        self.counters.imports += 1
        self._apply_acks(incoming, summary)
        self._log(
            "INFO",
            "import",
            f"Imported {summary.acks_imported} acknowledgement(s) from Cisco",
        )
        return summary

    def _apply_acks(self, incoming: list[IncomingAck], summary: ImportSummary) -> None:
        now = self.clock.now()
        for ack in incoming:
            pi = self._ack_holder(ack)
            if pi is None:
                summary.not_found.append(ack.udi.display)
                self.counters.acks_not_found += 1
                continue
            pi.acks.append(
                ReceivedAck(ack.document, ack.report_ids, ack.policy, ack.policy_id, now)
            )
            keep_last(pi.acks, self.timing.backend_acks_kept)
            for report_id in ack.report_ids:
                report = pi.reports.get(report_id)
                if report is not None:
                    report.acknowledged = True
            # Reports still owed to CSSM stay whatever their number.
            keep_newest_where(pi.reports, self.timing.backend_reports_kept, _acknowledged)
            if ack.policy is not None:
                pi.policy, pi.policy_id = ack.policy, ack.policy_id
                summary.policies_received += 1
                self._policy_received(pi, ack)
            summary.acks_imported += 1
            summary.product_instances.append(ack.udi.display)
            self.counters.acks_imported += 1

    def _ack_holder(self, ack: IncomingAck) -> ProductInstance | None:
        pi = self.product_instance(ack.udi)
        if pi is None:
            self._log(
                "WARN", "import", f"ACK for unknown product instance {udi_in_braces(ack.udi)}"
            )
        return pi

    def _policy_received(self, pi: ProductInstance, ack: IncomingAck) -> None:
        """Hook: On-Prem also keeps the policy as its virtual account's."""


class CsluModel(UsageRelay):
    """Cisco Smart License Utility: product-instance-initiated push only."""

    product_name = "CSLU"

    def __init__(
        self,
        clock: Clock,
        timing: TimingProfile = DEFAULT_TIMING,
        upstream: UsageReceiver | None = None,
        *,
        mode: Mode = "connected",
        smart_account: str = DEFAULT_SMART_ACCOUNT,
        virtual_account: str = "Default",
        sync_every: timedelta = DEFAULT_SYNC_EVERY,
    ) -> None:
        super().__init__(clock, timing, upstream, mode=mode, sync_every=sync_every)
        self.smart_account = smart_account
        self.virtual_account = virtual_account

    @property
    def location(self) -> Location:
        return (self.smart_account, self.virtual_account)

    def handle(self, request: RelayRequest) -> Reply:
        """Answer one message a switch POSTed to `/cslu/v1/pi`."""
        return self._answer(request, self.location)

    def info_page(self) -> str:
        return CSLU_INFO_PAGE.format(
            mode=self.mode,
            smart_account=self.smart_account,
            virtual_account=self.virtual_account,
            product_instances=len(self.inventory),
        )

    def sync_with_cssm(self) -> SyncSummary:
        """Connected mode: what CSLU does on its schedule (or when told to sync now)."""
        return self._sync()

    def download_all_for_cisco(self) -> bytes:
        """Disconnected mode: a usage bundle of everything not yet acknowledged."""
        return self._export(self.product_instances(), self.location)

    def upload_from_cisco(self, data: bytes) -> ImportSummary:
        """Take CSSM's ACK bundle (or a single ACK file); switches then get their ACKs.

        A foreign or corrupt file raises FileFormatError and changes nothing.
        """
        return self._import(data)


# ---------------------------------------------------------------- helpers


def _acknowledged(report: RelayedReport) -> bool:
    return report.acknowledged


def _by_id(report: RelayedReport) -> int:
    return report.report_id


def _ack_for(pi: ProductInstance, poll: PendingPoll) -> ReceivedAck | None:
    """The ACK that answers `poll`, once every report it carried is acknowledged."""
    wanted = set(poll.report_ids)
    if not pi.acks or not wanted <= pi.acknowledged_ids:
        return None
    # The document covering most of the poll's reports; the newest on a tie.
    best = max(range(len(pi.acks)), key=lambda i: (len(pi.acks[i].report_ids & wanted), i))
    return pi.acks[best]


def _read_acks(data: bytes) -> list[IncomingAck]:
    """Every ACK in an ACK bundle or single ACK file, checked for shape (not for signature)."""
    if len(data) > MAX_FILE_BYTES:
        raise FileFormatError(
            f"not an ACK bundle or ACK file: the file is larger than {MAX_FILE_BYTES >> 20} MiB"
        )
    if is_bundle(data):
        files = read_ack_bundle(data)
    else:
        try:
            text = data.decode()
        except UnicodeDecodeError as exc:
            raise FileFormatError("not an ACK bundle or ACK file: the file is binary") from exc
        files = [read_import_file(text)]
    incoming: list[IncomingAck] = []
    for file in files:
        incoming.extend(_acks_of(file))
    if not incoming:
        raise FileFormatError("the file holds no RUM acknowledgement")
    return incoming


def _acks_of(file: ImportFile) -> list[IncomingAck]:
    file_policy = file.policies[-1] if file.policies else None
    acks: list[IncomingAck] = []
    for document in file.acks:
        try:
            body = AckBody.model_validate(document.content())
        except (ValueError, RecursionError) as exc:
            raise FileFormatError("an ACK in the file is not a RUM acknowledgement") from exc
        policy = file_policy if file_policy is not None else body.policy
        acks.append(
            IncomingAck(
                udi=body.udi,
                report_ids=frozenset(body.report_ids),
                virtual_account=body.virtual_account,
                document=document,
                policy=policy,
                policy_id=None if policy is None else _policy_id_of(policy),
            )
        )
    return acks


def _policy_id_of(policy: SignedDocument) -> str:
    try:
        return PolicyBody.model_validate(policy.content()).policy_id
    except (ValidationError, ValueError, RecursionError) as exc:
        raise FileFormatError("a policy in the file is malformed") from exc
