"""The CSLU mock: store and forward of usage and ACKs between switches and CSSM."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio
import httpx
import pytest
from device_session import DeviceSession
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cslu_mock import CsluModel, RelayModeError, create_app
from cssm_mock.timestamps import epoch_ms
from sim.clock import VirtualClock
from sim.protocol.errors import Refusal
from sim.protocol.files import (
    BundleInfo,
    FileFormatError,
    read_usage_bundle,
    write_ack_bundle,
    write_ack_file,
    write_usage_bundle,
)
from sim.protocol.messages import (
    AckBody,
    PolicyBody,
    Reply,
    RumReportWire,
    Sudi,
    TrustRequest,
    TrustSyncRequest,
)
from sim.protocol.rum import RumMeasurement, mac, report_id_of, sign_report
from sim.protocol.signing import SignedDocument, Signer, TrustStore

pytestmark = pytest.mark.anyio

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
BASE_URL = "http://cslu-local:8182"
PATH = "/cslu/v1/pi"
SUDI = Sudi(udi_pid="N9K-C93180YC-FX", udi_serial_number="FDO2434107N")
OTHER_SUDI = Sudi(udi_pid="N9K-C9336C-FX2", udi_serial_number="FDO2501A1BC")
FEATURE = "NXOS_ADVANTAGE_XF"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


# --------------------------------------------------------------------------- a small CSSM


@dataclass
class FakeUpload:
    name: str
    content: bytes
    virtual_account: str
    smart_account: str | None
    created: datetime


class UploadRejected(Exception):
    """Raised by the fake like CSSM does when no device of an upload could be taken."""


class FakeCssm:
    """A UsageReceiver that ACKs each uploaded bundle `ack_delay` after the upload.

    Each device's ACK is signed by this fake's own `Signer`, carries the current policy
    (inside the ACK, or as a separate `<smartLicensePolicy>` when `policy_in_file`).
    """

    def __init__(self, clock: VirtualClock, ack_delay: timedelta = timedelta(minutes=15)) -> None:
        self.clock = clock
        self.signer = Signer.for_simulation("CSSM", clock.now())
        self.ack_delay = ack_delay
        self.policy_id = "policy-1"
        self.policy_in_file = False
        self.uploads: dict[str, FakeUpload] = {}
        self.down = False
        self.corrupt_acks = False
        self.rejects = False

    def signed_policy(self) -> SignedDocument:
        body = PolicyBody(
            policy_id=self.policy_id,
            name="SLP Policy",
            issued=self.clock.now().isoformat(),
            first_report_days=90,
            reporting_frequency_days=365,
            report_on_change_days=90,
        )
        return self.signer.sign(body.model_dump())

    def upload_usage_file(
        self, name: str, content: bytes, virtual_account: str, smart_account: str | None = None
    ) -> str:
        if self.down:
            raise ConnectionError("CSSM is unreachable")
        upload_id = f"upload-{len(self.uploads) + 1}"
        self.uploads[upload_id] = FakeUpload(
            name, content, virtual_account, smart_account, self.clock.now()
        )
        return upload_id

    def ack_file_for(self, upload_id: str) -> bytes | None:
        upload = self.uploads[upload_id]
        if self.clock.now() < upload.created + self.ack_delay:
            return None
        if self.rejects:
            raise UploadRejected("every device failed")
        return b"\x1f\x8b garbage" if self.corrupt_acks else self.ack_bundle(upload.content)

    def ack_bundle(self, usage_bundle: bytes) -> bytes:
        """What CSSM hands back for an uploaded usage bundle."""
        info, files = read_usage_bundle(usage_bundle)
        ack_files = []
        for usage in files:
            policy = self.signed_policy()
            body = AckBody(
                udi=usage.system.sudi,
                report_ids=[report_id_of(r) for r in usage.reports],
                issued=self.clock.now().isoformat(),
                smart_account=info.smart_account,
                virtual_account=info.virtual_account,
                policy=None if self.policy_in_file else policy,
            )
            document = self.signer.sign(body.model_dump())
            ack_files.append(write_ack_file(document, [policy] if self.policy_in_file else None))
        return write_ack_bundle(ack_files, self.clock.now())

    def bundle_reports(self, upload_id: str) -> dict[str, list[int]]:
        _, files = read_usage_bundle(self.uploads[upload_id].content)
        return {f.system.sudi.display: sorted(report_id_of(r) for r in f.reports) for f in files}


# --------------------------------------------------------------------------- a switch


def measurement(report_id: int, feature: str = FEATURE, count: int = 1) -> RumMeasurement:
    end = START + timedelta(minutes=report_id)
    return RumMeasurement(report_id, feature, count, end - timedelta(days=1), end)


def builtin_reports(*report_ids: int, sudi: Sudi = SUDI) -> list[RumReportWire]:
    return [sign_report(sudi, measurement(i), None) for i in report_ids]


@dataclass(kw_only=True)
class Cslu(DeviceSession):
    model: CsluModel
    cssm: FakeCssm
    path: str = PATH
    sudi: Sudi = SUDI


def assert_refused(reply: Reply, refusal: Refusal) -> None:
    assert (reply.status, reply.message_code) == ("FAILED", refusal.code)
    assert reply.message
    assert reply.ack is None and reply.policy is None and reply.poll_id is None


async def _cslu(mode: str) -> AsyncIterator[Cslu]:
    clock = VirtualClock(START)
    cssm = FakeCssm(clock)
    model = CsluModel(clock, upstream=cssm, mode=mode)  # type: ignore[arg-type]
    store = TrustStore()
    store.add_signer(cssm.signer)
    transport = httpx.ASGITransport(app=create_app(model))
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
        yield Cslu(clock=clock, model=model, cssm=cssm, client=client, store=store)


@pytest.fixture
async def cslu() -> AsyncIterator[Cslu]:
    async for relay in _cslu("connected"):
        yield relay


@pytest.fixture
async def offline_cslu() -> AsyncIterator[Cslu]:
    async for relay in _cslu("disconnected"):
        yield relay


# --------------------------------------------------------------------------- connected


async def test_push_poll_sync_poll_delivers_the_cssm_signed_ack(cslu: Cslu) -> None:
    reply = await cslu.push(builtin_reports(1, 2))
    assert reply.status == "OK_POLL" and reply.poll_id is not None
    assert reply.poll_interval == 300
    assert reply.policy is None  # CSLU holds no policy yet
    poll_id = reply.poll_id

    assert (await cslu.poll(poll_id)).status == "OK_POLL"

    # First sync: the reports go up; CSSM needs a while before the ACK is ready.
    first = cslu.model.sync_with_cssm()
    assert first.reports_uploaded == 2 and len(first.uploads) == 1
    assert cslu.cssm.bundle_reports(first.uploads[0]) == {SUDI.display: [1, 2]}
    upload = cslu.cssm.uploads[first.uploads[0]]
    assert (upload.virtual_account, upload.smart_account) == ("Default", "Example Corp")
    assert (await cslu.poll(poll_id)).status == "OK_POLL"

    cslu.clock.advance(timedelta(minutes=15))
    assert (await cslu.poll(poll_id)).status == "OK_POLL"  # CSLU has not fetched it yet
    second = cslu.model.sync_with_cssm()
    assert second.uploads == [] and second.acks.acks_imported == 1
    assert second.acks.product_instances == [SUDI.display]

    complete = await cslu.poll(poll_id)
    ack = cslu.verified_ack(complete)
    assert ack.udi == SUDI and ack.report_ids == [1, 2]
    assert ack.policy is not None
    policy = PolicyBody.model_validate(cslu.store.verify(ack.policy, cslu.clock.now()))
    assert policy.policy_id == "policy-1"
    # Handed over exactly as CSSM signed it.
    assert complete.ack is not None and complete.ack.key_id == cslu.cssm.signer.key_id

    again = await cslu.poll(poll_id)
    assert again.ack == complete.ack
    pi = cslu.model.product_instance(SUDI)
    assert pi is not None and pi.acks_delivered == 1 and pi.ack_state == "ACKNOWLEDGED"
    assert cslu.model.counters.acks_delivered == 1
    assert cslu.model.counters.reports_received == 2


async def test_sync_runs_on_its_own_schedule_only_when_connected(cslu: Cslu) -> None:
    assert cslu.model.next_sync_due() == START + timedelta(hours=1)
    cslu.clock.advance(timedelta(hours=1, minutes=3))
    cslu.model.sync_with_cssm()
    assert cslu.model.next_sync_due() == cslu.clock.now() + timedelta(hours=1)

    clock = VirtualClock(START)
    every_ten = CsluModel(clock, upstream=FakeCssm(clock), sync_every=timedelta(minutes=10))
    assert every_ten.next_sync_due() == START + timedelta(minutes=10)
    assert CsluModel(clock, upstream=None).next_sync_due() is None
    offline = CsluModel(clock, upstream=FakeCssm(clock), mode="disconnected")
    assert offline.next_sync_due() is None
    with pytest.raises(RelayModeError, match="disconnected"):
        offline.sync_with_cssm()


async def test_resent_reports_are_stored_once_and_the_newest_ack_covers_them(cslu: Cslu) -> None:
    first = await cslu.push(builtin_reports(1))
    assert first.poll_id is not None
    cslu.model.sync_with_cssm()
    # The switch pushes again before the ACK came back: report 1 again, and a new one.
    second = await cslu.push(builtin_reports(1, 2))
    assert second.poll_id is not None
    pi = cslu.model.product_instance(SUDI)
    assert pi is not None and sorted(pi.reports) == [1, 2] and pi.duplicates_received == 1

    cslu.clock.advance(timedelta(minutes=15))
    summary = cslu.model.sync_with_cssm()  # collects ACK [1], uploads 2 with 1 still unACKed
    (upload_id,) = summary.uploads
    assert cslu.cssm.bundle_reports(upload_id) == {SUDI.display: [2]}
    # Report 1 got its ACK meanwhile, so it did not go up again; the poll for [1, 2] waits.
    assert (await cslu.poll(second.poll_id)).status == "OK_POLL"
    assert cslu.verified_ack(await cslu.poll(first.poll_id)).report_ids == [1]

    cslu.clock.advance(timedelta(minutes=15))
    cslu.model.sync_with_cssm()
    assert cslu.verified_ack(await cslu.poll(second.poll_id)).report_ids == [2]
    assert cslu.model.counters.duplicates_received == 1


async def test_unacknowledged_reports_go_up_again_with_new_ones(cslu: Cslu) -> None:
    cslu.cssm.ack_delay = timedelta(days=1)
    await cslu.push(builtin_reports(1))
    cslu.model.sync_with_cssm()
    latest = await cslu.push(builtin_reports(1, 2))
    assert latest.poll_id is not None
    summary = cslu.model.sync_with_cssm()
    assert cslu.cssm.bundle_reports(summary.uploads[0]) == {SUDI.display: [1, 2]}
    cslu.clock.advance(timedelta(days=1))
    cslu.model.sync_with_cssm()
    assert cslu.verified_ack(await cslu.poll(latest.poll_id)).report_ids == [1, 2]


async def test_bad_builtin_signature_is_refused_and_nothing_is_stored(cslu: Cslu) -> None:
    good, bad = builtin_reports(1, 2)
    bad.signature.value = mac(b"not the builtin key", bad.payload)
    assert_refused(await cslu.push([good, bad]), Refusal.BAD_REPORT_SIGNATURE)
    assert cslu.model.product_instance(SUDI) is None
    assert cslu.model.counters.refusals[Refusal.BAD_REPORT_SIGNATURE.code] == 1


async def test_reports_of_a_trusted_switch_are_forwarded_for_cssm_to_check(cslu: Cslu) -> None:
    trusted = [sign_report(SUDI, measurement(1), b"k" * 32)]
    reply = await cslu.push(trusted, trust_id="trust-from-cssm")
    assert reply.status == "OK_POLL"
    (upload_id,) = cslu.model.sync_with_cssm().uploads
    assert cslu.cssm.bundle_reports(upload_id) == {SUDI.display: [1]}


async def test_payload_that_is_not_rum_is_malformed(cslu: Cslu) -> None:
    (report,) = builtin_reports(1)
    report.payload = json.dumps({"hello": "world"})
    report.signature.value = mac(b"k", report.payload)
    assert_refused(await cslu.push([report], trust_id="t"), Refusal.MALFORMED)


async def test_trust_request_is_not_for_cslu(cslu: Cslu) -> None:
    reply = await cslu.send(TrustRequest(**cslu.envelope(), id_token="token"))
    assert_refused(reply, Refusal.INVALID_TOKEN)
    assert reply.trust_code is None


async def test_unknown_or_foreign_poll_id_is_refused(cslu: Cslu) -> None:
    assert_refused(await cslu.poll(42), Refusal.UNKNOWN_POLL)
    reply = await cslu.push(builtin_reports(1))
    assert reply.poll_id is not None
    assert_refused(await cslu.poll(reply.poll_id, sudi=OTHER_SUDI), Refusal.UNKNOWN_POLL)


async def test_policy_is_refurnished_to_a_switch_running_an_old_one(cslu: Cslu) -> None:
    first = await cslu.push(builtin_reports(1))
    assert first.poll_id is not None
    cslu.model.sync_with_cssm()
    cslu.clock.advance(timedelta(minutes=15))
    cslu.model.sync_with_cssm()
    assert cslu.verified_ack(await cslu.poll(first.poll_id)).policy is not None

    current = await cslu.push(builtin_reports(2), policy_id="policy-1")
    assert current.status == "OK_POLL" and current.policy is None

    stale = await cslu.push(builtin_reports(3), policy_id="policy-0")
    assert stale.status == "OK_POLL" and stale.policy is not None
    policy = PolicyBody.model_validate(cslu.store.verify(stale.policy, cslu.clock.now()))
    assert policy.policy_id == "policy-1"

    def sync(policy_id: str | None) -> TrustSyncRequest:
        return TrustSyncRequest(**cslu.envelope(), trust_id="", policy_id=policy_id)

    synced = await cslu.send(sync(None))
    assert synced.status == "SUCCESS" and synced.policy == stale.policy
    up_to_date = await cslu.send(sync("policy-1"))
    assert up_to_date.status == "SUCCESS" and up_to_date.policy is None


async def test_policy_sent_beside_the_ack_comes_with_the_complete_reply(cslu: Cslu) -> None:
    cslu.cssm.policy_in_file = True
    reply = await cslu.push(builtin_reports(1))
    assert reply.poll_id is not None
    cslu.model.sync_with_cssm()
    cslu.clock.advance(timedelta(minutes=15))
    cslu.model.sync_with_cssm()
    complete = await cslu.poll(reply.poll_id)
    assert cslu.verified_ack(complete).policy is None
    assert complete.policy is not None
    policy = PolicyBody.model_validate(cslu.store.verify(complete.policy, cslu.clock.now()))
    assert policy.policy_id == "policy-1"


async def test_cssm_unreachable_during_sync_keeps_the_reports_for_next_time(cslu: Cslu) -> None:
    await cslu.push(builtin_reports(1))
    cslu.cssm.down = True
    failed = cslu.model.sync_with_cssm()
    assert failed.uploads == [] and "CSSM is unreachable" in failed.errors[0]
    pi = cslu.model.product_instance(SUDI)
    assert pi is not None and pi.ack_state == "RECEIVED"
    cslu.cssm.down = False
    assert len(cslu.model.sync_with_cssm().uploads) == 1
    assert pi.ack_state == "SENT_TO_CISCO"


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        pytest.param("corrupt_acks", "not a gzip tar archive", id="corrupt-ack"),
        pytest.param("rejects", "every device failed", id="upload-rejected"),
    ],
)
async def test_an_ack_that_fails_is_reported_and_the_reports_sent_again(
    cslu: Cslu, fault: str, error: str
) -> None:
    await cslu.push(builtin_reports(1))
    cslu.model.sync_with_cssm()
    setattr(cslu.cssm, fault, True)
    cslu.clock.advance(timedelta(minutes=15))
    summary = cslu.model.sync_with_cssm()
    assert any(error in e for e in summary.errors)
    assert len(summary.uploads) == 1  # the same report, uploaded afresh
    assert error in cslu.model.log[-2].text


# --------------------------------------------------------------------------- disconnected


async def test_disconnected_round_trip_by_hand(offline_cslu: Cslu) -> None:
    cslu = offline_cslu
    first = await cslu.push(builtin_reports(1, 2))
    other = await cslu.push(builtin_reports(7, sudi=OTHER_SUDI), sudi=OTHER_SUDI)
    assert first.poll_id is not None and other.poll_id is not None
    cslu.clock.advance(timedelta(days=3))
    assert (await cslu.poll(first.poll_id)).status == "OK_POLL"

    response = await cslu.client.post("/_sim/download-all-for-cisco")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/gzip"
    info, files = read_usage_bundle(response.content)
    assert (info.smart_account, info.virtual_account, info.created_by) == (
        "Example Corp",
        "Default",
        "CSLU",
    )
    assert sorted(f.system.sudi.display for f in files) == sorted(
        [SUDI.display, OTHER_SUDI.display]
    )

    ack_bundle = cslu.cssm.ack_bundle(response.content)
    uploaded = await cslu.client.post("/_sim/upload-from-cisco", content=ack_bundle)
    assert uploaded.status_code == 200
    assert uploaded.json()["acks_imported"] == 2

    assert cslu.verified_ack(await cslu.poll(first.poll_id)).report_ids == [1, 2]
    other_ack = cslu.verified_ack(await cslu.poll(other.poll_id, sudi=OTHER_SUDI))
    assert other_ack.udi == OTHER_SUDI and other_ack.report_ids == [7]

    # Nothing is left to acknowledge, so the next download carries no device.
    _, rest = read_usage_bundle(cslu.model.download_all_for_cisco())
    assert rest == []


async def test_download_repeats_what_is_still_unacknowledged(offline_cslu: Cslu) -> None:
    await offline_cslu.push(builtin_reports(1))
    offline_cslu.model.download_all_for_cisco()  # lost on the way to CSSM
    _, files = read_usage_bundle(offline_cslu.model.download_all_for_cisco())
    assert [len(f.reports) for f in files] == [1]


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"hello",
        b"\x1f\x8b\x08garbage",
        b"\xff\xfe\x00\x01",
        write_usage_bundle(
            BundleInfo("SA", "VA", "x"),
            [],
            START,
        ),
        write_ack_bundle(["<smartLicense><smartLicenseRumAck><data>{}</data>"], START),
        write_ack_bundle(
            [write_ack_file(SignedDocument(body='{"kind": "policy"}', signature="", key_id=""))],
            START,
        ),
    ],
    ids=["empty", "text", "bad-gzip", "binary", "usage-bundle", "bad-ack", "not-an-ack"],
)
async def test_a_foreign_file_is_refused_and_changes_nothing(
    offline_cslu: Cslu, data: bytes
) -> None:
    reply = await offline_cslu.push(builtin_reports(1))
    assert reply.poll_id is not None
    with pytest.raises(FileFormatError):
        offline_cslu.model.upload_from_cisco(data)
    response = await offline_cslu.client.post("/_sim/upload-from-cisco", content=data)
    assert response.status_code == 400
    assert response.json()["error"] == "bad file"
    assert response.json()["detail"]
    assert (await offline_cslu.poll(reply.poll_id)).status == "OK_POLL"
    assert offline_cslu.model.counters.imports == 0


async def test_ack_for_an_unknown_switch_is_reported(offline_cslu: Cslu) -> None:
    await offline_cslu.push(builtin_reports(1))
    bundle = offline_cslu.cssm.ack_bundle(offline_cslu.model.download_all_for_cisco())
    offline_cslu.model.inventory.clear()
    summary = offline_cslu.model.upload_from_cisco(bundle)
    assert summary.acks_imported == 0 and summary.not_found == [SUDI.display]


# --------------------------------------------------------------------------- HTTP face


async def test_info_page_and_inventory(cslu: Cslu) -> None:
    page = await cslu.client.get(PATH)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/plain")
    assert page.text.startswith("Cisco Smart License Utility (CSLU)")
    assert "Mode: connected" in page.text

    cslu.path = PATH + "/Default-1"  # a trailing segment is accepted too
    await cslu.push(builtin_reports(1, 2))
    listing = (await cslu.client.get("/_sim/product-instances")).json()
    assert listing == [
        {
            "udi": SUDI.display,
            "udi_pid": SUDI.udi_pid,
            "udi_serial_number": SUDI.udi_serial_number,
            "hostname": "leaf1",
            "account": "Example Corp",
            "virtual_account": "Default",
            "trusted": False,
            "reports": 2,
            "unacknowledged": 2,
            "duplicates_received": 0,
            "acks_received": 0,
            "acks_delivered": 0,
            "ack_state": "RECEIVED",
            "policy_id": None,
            "last_contact": START.isoformat(),
        }
    ]


async def test_sync_route_syncs_now(cslu: Cslu) -> None:
    await cslu.push(builtin_reports(1))
    response = await cslu.client.post("/_sim/sync")
    assert response.status_code == 200
    body = response.json()
    assert body["reports_uploaded"] == 1 and len(body["uploads"]) == 1
    assert body["next_sync_due"] == (START + timedelta(hours=1)).isoformat()


async def test_sync_route_refuses_when_disconnected(offline_cslu: Cslu) -> None:
    response = await offline_cslu.client.post("/_sim/sync")
    assert response.status_code == 409
    assert response.json()["error"] == "wrong mode"


async def test_openapi_lists_the_routes(cslu: Cslu) -> None:
    document = (await cslu.client.get("/openapi.json")).json()
    assert document["info"]["title"] == "CSLU mock"
    assert {
        "/cslu/v1/pi",
        "/cslu/v1/pi/{tenant}",
        "/_sim/product-instances",
        "/_sim/sync",
        "/_sim/download-all-for-cisco",
        "/_sim/upload-from-cisco",
    } <= set(document["paths"])
    text = json.dumps(document)
    for name in ("UsageReportRequest", "PollRequest", "TrustSyncRequest"):
        assert f'"#/components/schemas/{name}"' in text
        assert name in document["components"]["schemas"]


_ENVELOPE: dict[str, Any] = {
    "timestamp": epoch_ms(START),
    "nonce": "n1",
    "sudi": {"udi_pid": "N9K-C93180YC-FX", "udi_serial_number": "FDO2434107N"},
}

MALFORMED_BODIES: dict[str, bytes] = {
    "bad-json": b"{not json",
    "wrong-json": json.dumps({"message_type": "install_licenses", "x": [1]}).encode(),
    "wrong-types": json.dumps(
        {**_ENVELOPE, "message_type": "poll", "poll_id": "soon", "timestamp": "noon"}
    ).encode(),
    "huge-number": str(10**400).encode(),
    "huge-float": b'{"message_type": "poll", "poll_id": 1e400, "timestamp": -1e400}',
    "not-utf8": b"\xff\xfe\x00\x81",
    "lone-surrogate": b'{"message_type": "poll", "nonce": "\\ud800"}',
    "deep-nesting": b"[" * 50_000,
    "empty": b"",
}


async def assert_every_route_refuses(
    client: httpx.AsyncClient, app_routes: list[tuple[str, str]], bodies: dict[str, bytes]
) -> None:
    """POST every malformed body to every POST route: 4xx with a JSON reason, never 5xx."""
    for method, path in app_routes:
        for name, content in bodies.items():
            if name == "empty" and path in BODYLESS_ROUTES:
                continue  # an action without input: an empty body is its normal call
            response = await client.request(
                method, path, content=content, headers={"content-type": "application/json"}
            )
            assert 400 <= response.status_code < 500, (path, name, response.text)
            assert response.headers["content-type"] == "application/json", (path, name)
            assert response.json()["error"], (path, name)


BODYLESS_ROUTES = {
    "/_sim/sync",
    "/_sim/download-all-for-cisco",
    "/_sim/synchronize",
    "/_sim/export-usage-to-cisco",
}


def post_routes(app: Any, **params: str) -> list[tuple[str, str]]:
    routes = []
    for route in app.routes:
        if "POST" in getattr(route, "methods", ()):
            routes.append(("POST", route.path.format(**params)))
    return routes


async def test_malformed_bodies_on_every_route_are_4xx_json(cslu: Cslu) -> None:
    await cslu.push(builtin_reports(1))
    app = create_app(cslu.model)
    routes = post_routes(app, tenant="Default-1")
    assert {path for _, path in routes} == {
        PATH,
        PATH + "/Default-1",
        "/_sim/sync",
        "/_sim/download-all-for-cisco",
        "/_sim/upload-from-cisco",
    }
    await assert_every_route_refuses(cslu.client, routes, MALFORMED_BODIES)
    # Nothing the garbage did reached the inventory.
    pi = cslu.model.product_instance(SUDI)
    assert pi is not None and sorted(pi.reports) == [1]


async def test_a_huge_but_well_formed_poll_id_is_just_unknown(cslu: Cslu) -> None:
    body = {**_ENVELOPE, "message_type": "poll", "poll_id": 10**400}
    response = await cslu.client.post(PATH, content=json.dumps(body).encode())
    assert response.status_code == 200
    assert response.json()["message_code"] == Refusal.UNKNOWN_POLL.code


async def test_unknown_routes_and_methods_answer_json(cslu: Cslu) -> None:
    missing = await cslu.client.get("/nowhere")
    assert missing.status_code == 404 and missing.json()["error"] == "not found"
    wrong = await cslu.client.put(PATH, content=b"{}")
    assert wrong.status_code == 405 and wrong.json()["error"] == "method not allowed"


# --------------------------------------------------------------------------- robustness

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
device_messages = st.fixed_dictionaries(
    {
        "message_type": st.sampled_from(["trust_request", "usage_report", "poll", "trust_sync"]),
        "timestamp": json_values,
        "nonce": json_values,
        "sudi": json_values,
    },
    optional={
        "poll_id": json_values,
        "trust_id": json_values,
        "policy_id": json_values,
        "reports": json_values,
        "id_token": json_values,
    },
)
device_bodies = json_values | device_messages | st.binary(max_size=64)


def post_status(app: Any, path: str, body: Any) -> int:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()

    async def post() -> int:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
            return (await client.post(path, content=content)).status_code

    return anyio.run(post)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=device_bodies)
def test_no_input_makes_the_cslu_endpoint_fail_with_5xx(body: Any) -> None:
    model = CsluModel(VirtualClock(START))
    assert post_status(create_app(model), PATH, body) in (200, 400)
