"""CSSM's Usage Data Files: uploads of usage files and bundles, ACK and policy downloads."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from cssm_mock import CssmModel, UploadFailedError, UsageFileError, create_app
from cssm_mock.timestamps import epoch_ms
from sim.clock import VirtualClock
from sim.protocol.errors import Refusal
from sim.protocol.files import (
    BundleInfo,
    ImportFile,
    SystemInfo,
    UsageReceiver,
    read_ack_bundle,
    read_import_file,
    read_usage_file,
    write_ack_file,
    write_usage_bundle,
    write_usage_file,
)
from sim.protocol.messages import AckBody, PolicyBody, Sudi, TrustCodeBody, TrustRequest
from sim.protocol.rum import RumMeasurement, mac, sign_report
from sim.protocol.signing import SignedDocument, TrustStore

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
LEAF1 = Sudi(udi_pid="N9K-C93180YC-FX", udi_serial_number="FDO2434107N")
LEAF2 = Sudi(udi_pid="N9K-C9336C-FX2", udi_serial_number="FDO2501A1BC")
FEATURE = "NXOS_ADVANTAGE_XF"
ACK_DELAY = timedelta(minutes=15)


@dataclass
class Cssm:
    clock: VirtualClock
    model: CssmModel
    store: TrustStore

    def verify_ack(self, imported: ImportFile) -> AckBody:
        (document,) = imported.acks
        return AckBody.model_validate(self.store.verify(document, self.clock.now()))

    def verify_policy(self, ack: AckBody) -> PolicyBody:
        assert ack.policy is not None
        return PolicyBody.model_validate(self.store.verify(ack.policy, self.clock.now()))


@pytest.fixture
def cssm() -> Cssm:
    clock = VirtualClock(START)
    model = CssmModel(clock)
    store = TrustStore()
    store.add_signer(model.signer)
    return Cssm(clock, model, store)


def usage_file(
    sudi: Sudi,
    *report_ids: int,
    secret: bytes | None = None,
    hostname: str = "leaf1",
    count: int = 1,
) -> str:
    """What `license smart save usage all file bootflash:...` writes on a switch."""
    reports = []
    for report_id in report_ids:
        end = START - timedelta(hours=1) + timedelta(minutes=report_id)
        measurement = RumMeasurement(report_id, FEATURE, count, end - timedelta(days=1), end)
        reports.append(sign_report(sudi, measurement, secret))
    system = SystemInfo(sudi=sudi, hostname=hostname, timestamp=epoch_ms(START), nonce="n1")
    return write_usage_file(system, reports)


def bundle(*files: str) -> bytes:
    """What CSLU's "Download All For Cisco" produces."""
    info = BundleInfo(smart_account="Example Corp", virtual_account="Lab", created_by="CSLU")
    return write_usage_bundle(info, list(files), START)


def with_bad_mac(text: str) -> str:
    parsed = read_usage_file(text)
    for report in parsed.reports:
        report.signature.value = mac(b"not the key" * 3, report.payload)
    return write_usage_file(parsed.system, parsed.reports)


def test_cssm_is_the_usage_receiver_cslu_and_onprem_need(cssm: Cssm) -> None:
    receiver: UsageReceiver = cssm.model
    upload_id = receiver.upload_usage_file("u.txt", usage_file(LEAF1, 1).encode(), "Lab")
    assert receiver.ack_file_for(upload_id) is None


def test_single_usage_file_is_processed_then_acknowledged(cssm: Cssm) -> None:
    content = usage_file(LEAF1, 1, 2).encode()
    upload_id = cssm.model.upload_usage_file("all_rum.txt", content, "Lab")

    status = cssm.model.usage_upload(upload_id)
    assert (status.name, status.virtual_account, status.smart_account) == (
        "all_rum.txt",
        "Lab",
        "Example Corp",
    )
    assert (status.uploaded, status.status, status.errors) == (START, "Processing", ())
    assert [d.udi for d in status.devices] == [LEAF1]
    assert cssm.model.ack_file_for(upload_id) is None

    # The air-gapped switch now appears in the chosen VA, without trust.
    pi = cssm.model.product_instance(LEAF1)
    assert pi is not None and (pi.virtual_account, pi.hostname, pi.trusted) == (
        "Lab",
        "leaf1",
        False,
    )
    assert sorted(cssm.model.reports_received(LEAF1)) == [1, 2]

    cssm.clock.advance(ACK_DELAY - timedelta(seconds=1))
    assert cssm.model.usage_upload(upload_id).status == "Processing"
    assert cssm.model.ack_file_for(upload_id) is None

    cssm.clock.advance(timedelta(seconds=1))
    assert cssm.model.usage_upload(upload_id).status == "Completed"
    data = cssm.model.ack_file_for(upload_id)
    assert data is not None
    ack = cssm.verify_ack(read_import_file(data.decode()))
    assert (ack.udi, ack.report_ids, ack.virtual_account) == (LEAF1, [1, 2], "Lab")
    assert ack.issued == (START + ACK_DELAY).isoformat()
    # A file ACK always carries the VA's policy: the switch has no other way to get it.
    assert cssm.verify_policy(ack).policy_id == cssm.model.policy_of("Lab").policy_id

    # Downloading again gives the same signed bytes, and counts one ACK.
    cssm.clock.advance(timedelta(days=3))
    assert cssm.model.ack_file_for(upload_id) == data
    assert pi.acks_issued == 1 and cssm.model.counters.acks_issued == 1


def test_ack_delay_fault_holds_the_upload_in_processing(cssm: Cssm) -> None:
    cssm.model.ack_delay = timedelta(hours=6)
    upload_id = cssm.model.upload_usage_file("u.txt", usage_file(LEAF1, 1).encode(), "Lab")
    cssm.clock.advance(timedelta(hours=5, minutes=59))
    assert cssm.model.ack_file_for(upload_id) is None
    cssm.clock.advance(timedelta(minutes=1))
    assert cssm.model.ack_file_for(upload_id) is not None


def test_bundle_of_two_devices_gets_an_ack_bundle_in_order(cssm: Cssm) -> None:
    content = bundle(usage_file(LEAF2, 7, hostname="leaf2"), usage_file(LEAF1, 1, 2))
    upload_id = cssm.model.upload_usage_file("UD_SA_1.tar.gz", content, "Default")
    assert cssm.model.usage_upload(upload_id).bundle

    cssm.clock.advance(ACK_DELAY)
    status = cssm.model.usage_upload(upload_id)
    assert status.status == "Completed"
    assert [(d.udi, d.report_ids) for d in status.devices] == [(LEAF2, (7,)), (LEAF1, (1, 2))]

    data = cssm.model.ack_file_for(upload_id)
    assert data is not None
    acks = [cssm.verify_ack(imported) for imported in read_ack_bundle(data)]
    assert [(a.udi, a.report_ids) for a in acks] == [(LEAF2, [7]), (LEAF1, [1, 2])]
    assert all(a.policy is not None for a in acks)
    assert cssm.model.ack_file_for(upload_id) == data


def test_reports_with_a_bad_signature_fail_the_device(cssm: Cssm) -> None:
    upload_id = cssm.model.upload_usage_file(
        "u.txt", with_bad_mac(usage_file(LEAF1, 1)).encode(), "Lab"
    )
    # Errors show only once CSSM has processed the file.
    assert cssm.model.usage_upload(upload_id).errors == ()
    cssm.clock.advance(ACK_DELAY)
    status = cssm.model.usage_upload(upload_id)
    assert status.status == "Failed"
    assert status.errors == (f"{LEAF1.display}: {Refusal.BAD_REPORT_SIGNATURE.text}",)
    with pytest.raises(UploadFailedError, match="usage report signature is not valid"):
        cssm.model.ack_file_for(upload_id)
    assert cssm.model.product_instance(LEAF1) is None


def test_one_bad_device_does_not_stop_the_others(cssm: Cssm) -> None:
    cssm.model.add_product_instance(LEAF2, "Default")
    content = bundle(usage_file(LEAF1, 1), usage_file(LEAF2, 1, hostname="leaf2"))
    upload_id = cssm.model.upload_usage_file("bundle.tar.gz", content, "Lab")
    cssm.clock.advance(ACK_DELAY)

    status = cssm.model.usage_upload(upload_id)
    assert status.status == "Completed with errors"
    assert status.errors == (f"{LEAF2.display}: {Refusal.SA_VA_MISMATCH.text}",)
    assert [d.error for d in status.devices] == [None, Refusal.SA_VA_MISMATCH.text]
    data = cssm.model.ack_file_for(upload_id)
    assert data is not None
    assert [cssm.verify_ack(i).udi for i in read_ack_bundle(data)] == [LEAF1]
    # The device of the other VA stays where it is, with nothing recorded.
    pi = cssm.model.product_instance(LEAF2)
    assert pi is not None and pi.virtual_account == "Default" and not pi.reports


def test_reports_signed_with_a_trust_code_verify_with_its_secret(cssm: Cssm) -> None:
    reply = cssm.model.handle(
        TrustRequest(
            timestamp=epoch_ms(START),
            nonce="t1",
            sudi=LEAF1,
            id_token=cssm.model.create_token("Lab"),
        )
    )
    assert reply.trust_code is not None
    trust = TrustCodeBody.model_validate(cssm.store.verify(reply.trust_code, START))
    secret = base64.b64decode(trust.secret)

    good = cssm.model.upload_usage_file(
        "a.txt", usage_file(LEAF1, 1, secret=secret).encode(), "Lab"
    )
    # A trust-signed report from a switch CSSM issued no trust code to cannot be verified.
    stranger = cssm.model.upload_usage_file(
        "b.txt", usage_file(LEAF2, 1, secret=secret).encode(), "Lab"
    )
    cssm.clock.advance(ACK_DELAY)
    assert cssm.model.usage_upload(good).status == "Completed"
    assert cssm.model.usage_upload(stranger).errors == (
        f"{LEAF2.display}: {Refusal.NOT_TRUSTED.text}",
    )


def test_duplicate_reports_are_counted_not_recorded_twice(cssm: Cssm) -> None:
    content = usage_file(LEAF1, 1, 2).encode()
    first = cssm.model.upload_usage_file("u.txt", content, "Lab")
    second = cssm.model.upload_usage_file("u.txt", content, "Lab")
    assert first != second
    cssm.clock.advance(ACK_DELAY)

    assert cssm.model.usage_upload(second).devices[0].duplicates == 2
    pi = cssm.model.product_instance(LEAF1)
    assert pi is not None and sorted(pi.reports) == [1, 2] and pi.duplicates_received == 2
    assert cssm.model.counters.reports_received == 2
    # The resent file is still acknowledged, so the switch can close its reports.
    data = cssm.model.ack_file_for(second)
    assert data is not None
    assert cssm.verify_ack(read_import_file(data.decode())).report_ids == [1, 2]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty"),
        (b"hello", "expected a <smartLicense> document"),
        (b"\xff\xfe\x00<smartLicense>", "not UTF-8"),
        (b"<smartLicense></smartLicense>", "<smartLicenseSystemInfo> is missing"),
        (write_ack_file(CssmModel(VirtualClock(START)).signed_policy("Lab")).encode(), "missing"),
        (b"\x1f\x8b\x08\x00garbage", "not a gzip tar archive"),
        (bundle()[:40], "a usage bundle"),
        (bundle(), "holds no usage file"),
    ],
    ids=["empty", "text", "not-utf8", "no-system-info", "ack-file", "bad-gzip", "cut", "no-files"],
)
def test_a_file_that_is_not_usage_is_refused_and_nothing_recorded(
    cssm: Cssm, content: bytes, reason: str
) -> None:
    with pytest.raises(UsageFileError, match=reason):
        cssm.model.upload_usage_file("x", content, "Lab")
    assert cssm.model.usage_uploads() == [] and cssm.model.product_instances() == []


def test_policy_file_holds_the_signed_va_policy(cssm: Cssm) -> None:
    cssm.model.set_policy("Lab", reporting_frequency_days=30)
    imported = read_import_file(cssm.model.policy_file("Lab"))
    assert imported.acks == []
    (document,) = imported.policies
    policy = PolicyBody.model_validate(cssm.store.verify(document, START))
    assert policy.policy_id == cssm.model.policy_of("Lab").policy_id
    assert policy.reporting_frequency_days == 30


# --------------------------------------------------------------------------- HTTP face


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def client(cssm: Cssm) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(cssm.model))
    async with httpx.AsyncClient(transport=transport, base_url="https://software.cisco.com") as c:
        yield c


@pytest.mark.anyio
async def test_usage_file_round_trip_over_http(cssm: Cssm, client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/_sim/usage-files",
        params={"virtual_account": "Lab", "name": "all_rum.txt"},
        content=usage_file(LEAF1, 1).encode(),
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert (created["status"], created["name"], created["virtual_account"]) == (
        "Processing",
        "all_rum.txt",
        "Lab",
    )
    upload_id = created["upload_id"]

    early = await client.get(f"/_sim/usage-files/{upload_id}/ack")
    assert early.status_code == 409
    assert early.json()["error"] == "processing"

    cssm.clock.advance(ACK_DELAY)
    status = (await client.get(f"/_sim/usage-files/{upload_id}")).json()
    assert status["status"] == "Completed"
    assert status["devices"][0]["udi"] == LEAF1.display
    assert status["devices"][0]["report_ids"] == [1]

    ack = await client.get(f"/_sim/usage-files/{upload_id}/ack")
    assert ack.status_code == 200
    assert ack.headers["content-type"] == "application/xml"
    assert 'filename="ACK_all_rum.txt"' in ack.headers["content-disposition"]
    assert ack.content == cssm.model.ack_file_for(upload_id)
    assert cssm.verify_ack(read_import_file(ack.text)).report_ids == [1]

    listing = (await client.get("/_sim/usage-files")).json()
    assert [u["upload_id"] for u in listing] == [upload_id]


@pytest.mark.anyio
async def test_bundle_ack_downloads_as_gzip(cssm: Cssm, client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/_sim/usage-files",
        params={"virtual_account": "Default", "name": "UD_SA_1.tar.gz"},
        content=bundle(usage_file(LEAF1, 1), usage_file(LEAF2, 3)),
    )
    cssm.clock.advance(ACK_DELAY)
    ack = await client.get(f"/_sim/usage-files/{response.json()['upload_id']}/ack")
    assert ack.headers["content-type"] == "application/gzip"
    assert len(read_ack_bundle(ack.content)) == 2


@pytest.mark.anyio
async def test_failed_upload_has_no_ack_over_http(cssm: Cssm, client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/_sim/usage-files",
        params={"virtual_account": "Lab"},
        content=with_bad_mac(usage_file(LEAF1, 1)).encode(),
    )
    cssm.clock.advance(ACK_DELAY)
    ack = await client.get(f"/_sim/usage-files/{response.json()['upload_id']}/ack")
    assert ack.status_code == 409
    assert ack.json()["error"] == "upload failed"
    assert Refusal.BAD_REPORT_SIGNATURE.text in ack.json()["detail"]


@pytest.mark.anyio
async def test_foreign_file_is_a_400_with_a_json_reason(
    cssm: Cssm, client: httpx.AsyncClient
) -> None:
    response = await client.post(
        "/_sim/usage-files", params={"virtual_account": "Lab"}, content=b"\x89PNG\r\n"
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "malformed file",
        "detail": "not a usage file: the file is not UTF-8 text",
    }
    assert cssm.model.usage_uploads() == [] and cssm.model.product_instances() == []


@pytest.mark.anyio
async def test_unknown_va_and_upload_are_404s(client: httpx.AsyncClient) -> None:
    upload = await client.post(
        "/_sim/usage-files",
        params={"virtual_account": "Nowhere"},
        content=usage_file(LEAF1, 1).encode(),
    )
    assert upload.status_code == 404 and upload.json()["error"] == "unknown account"
    for path in ("/_sim/usage-files/nope", "/_sim/usage-files/nope/ack"):
        missing = await client.get(path)
        assert missing.status_code == 404 and missing.json()["error"] == "unknown upload"
    policy = await client.get("/_sim/policy-file", params={"virtual_account": "Nowhere"})
    assert policy.status_code == 404 and policy.json()["error"] == "unknown account"


@pytest.mark.anyio
async def test_policy_file_downloads_over_http(cssm: Cssm, client: httpx.AsyncClient) -> None:
    response = await client.get("/_sim/policy-file", params={"virtual_account": "Lab"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/xml"
    (document,) = read_import_file(response.text).policies
    policy = PolicyBody.model_validate(cssm.store.verify(document, START))
    assert policy.policy_id == cssm.model.policy_of("Lab").policy_id


@pytest.mark.anyio
async def test_call_home_url_reaches_the_smart_receiver(
    cssm: Cssm, client: httpx.AsyncClient
) -> None:
    request = TrustRequest(
        timestamp=epoch_ms(START),
        nonce="ch1",
        sudi=LEAF1,
        id_token=cssm.model.create_token("Default"),
    )
    response = await client.post(
        "/its/service/oddce/services/DDCEService", content=request.model_dump_json()
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["nonce"]) == ("SUCCESS", "ch1")
    document = SignedDocument.model_validate(body["trust_code"])
    assert TrustCodeBody.model_validate(cssm.store.verify(document, START)).udi == LEAF1
    bad = await client.post("/its/service/oddce/services/DDCEService", content=b"{")
    assert bad.status_code == 400 and bad.json()["error"] == "malformed request"
