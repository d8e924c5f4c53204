"""The SSM On-Prem mock: tenants, its own trust codes, the relay to CSSM and its failures."""

from __future__ import annotations

import base64
import io
import json
import zipfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from device_session import DeviceSession
from hypothesis import HealthCheck, given, settings
from test_cslu_mock import (
    MALFORMED_BODIES,
    FakeCssm,
    assert_every_route_refuses,
    assert_refused,
    device_bodies,
    measurement,
    post_routes,
    post_status,
)

from cslu_mock import RelayModeError
from onprem_mock import OnPremModel, UnknownAccountError, create_app
from sim.clock import VirtualClock
from sim.protocol.errors import Refusal
from sim.protocol.files import FileFormatError, read_usage_bundle
from sim.protocol.messages import (
    PolicyBody,
    RumReportWire,
    Sudi,
    TrustCodeBody,
    TrustSyncRequest,
    UsageReportRequest,
)
from sim.protocol.rum import sign_report
from sim.protocol.signing import TrustStore

pytestmark = pytest.mark.anyio

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
BASE_URL = "https://onprem.example.com"
PATH = "/cslu/v1/pi/Default-1"
SUDI = Sudi(udi_pid="N9K-C9336C-FX2", udi_serial_number="FDO2434107N")
OTHER_SUDI = Sudi(udi_pid="N9K-C93180YC-FX", udi_serial_number="FDO2501A1BC")
OTHER_ACCOUNT = "Other Corp On-Prem"
NOT_FOUND = (
    "Finding SL product by UDI {N9K-C9336C-FX2 FDO2434107N} failed due to the following "
    "error: record not found."
)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@dataclass(kw_only=True)
class OnPrem(DeviceSession):
    model: OnPremModel
    cssm: FakeCssm
    path: str = PATH
    sudi: Sudi = SUDI
    hostname: str = "LEAF48"

    def server_key_id(self) -> str:
        return self.model.signer.key_id

    async def establish_trust(self, sudi: Sudi = SUDI) -> TrustCodeBody:
        return await self.trusted(self.model.create_token("Default"), sudi)

    def round_trip(self) -> None:
        """Synchronize, let CSSM make the ACK, synchronize again to fetch it."""
        self.model.synchronize()
        self.clock.advance(timedelta(minutes=15))
        self.model.synchronize()

    def messages(self) -> list[str]:
        with zipfile.ZipFile(io.BytesIO(self.model.support_logs_zip())) as archive:
            return archive.read("messages").decode().splitlines()


def builtin(*report_ids: int, sudi: Sudi = SUDI) -> list[RumReportWire]:
    return [sign_report(sudi, measurement(i), None) for i in report_ids]


def signed(trust: TrustCodeBody, *report_ids: int, sudi: Sudi = SUDI) -> list[RumReportWire]:
    secret = base64.b64decode(trust.secret)
    return [sign_report(sudi, measurement(i), secret) for i in report_ids]


async def _onprem(mode: str) -> AsyncIterator[OnPrem]:
    clock = VirtualClock(START)
    cssm = FakeCssm(clock)
    model = OnPremModel(clock, upstream=cssm, mode=mode)  # type: ignore[arg-type]
    model.add_local_account(OTHER_ACCOUNT, virtual_accounts=["Default", "Lab"])
    store = TrustStore()
    store.add_signer(cssm.signer)
    store.add_signer(model.signer)
    transport = httpx.ASGITransport(app=create_app(model))
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
        yield OnPrem(clock=clock, model=model, cssm=cssm, client=client, store=store)


@pytest.fixture
async def onprem() -> AsyncIterator[OnPrem]:
    async for relay in _onprem("connected"):
        yield relay


@pytest.fixture
async def offline_onprem() -> AsyncIterator[OnPrem]:
    async for relay in _onprem("disconnected"):
        yield relay


# --------------------------------------------------------------------------- tenants


async def test_tenants_are_va_name_dash_account_number(onprem: OnPrem) -> None:
    assert onprem.model.tenants() == ["Default-1", "Default-2", "Lab-2"]
    assert onprem.model.tenant("Lab-2").local_account == OTHER_ACCOUNT
    with pytest.raises(UnknownAccountError, match="unknown tenant"):
        onprem.model.tenant("Lab-1")

    response = await onprem.client.post(
        "/cslu/v1/pi/Nowhere-1",
        content=UsageReportRequest(**onprem.envelope(), reports=[]).model_dump_json(),
    )
    assert response.status_code == 404
    assert response.json()["error"] == "unknown tenant"


async def test_first_push_registers_the_switch_in_the_tenants_va(onprem: OnPrem) -> None:
    onprem.path = "/cslu/v1/pi/Lab-2"
    reply = await onprem.push(builtin(1, sudi=SUDI))
    assert reply.status == "OK_POLL"
    pi = onprem.model.product_instance(SUDI)
    assert pi is not None and pi.location == (OTHER_ACCOUNT, "Lab")
    (row,) = onprem.model.sl_using_policy("Lab", OTHER_ACCOUNT)
    assert (row.name, row.udi) == ("LEAF48", "UDI_PID:N9K-C9336C-FX2;UDI_SN:FDO2434107N;UDI_VID:;")
    assert onprem.model.sl_using_policy() == []


# --------------------------------------------------------------------------- trust codes


async def test_trust_code_is_signed_by_onprem_and_authenticates_reports(onprem: OnPrem) -> None:
    token = onprem.model.create_token("Default")
    reply = await onprem.trust(token)
    assert reply.status == "SUCCESS" and reply.trust_code is not None
    assert reply.trust_code.key_id == onprem.model.signer.key_id != onprem.cssm.signer.key_id
    trust = TrustCodeBody.model_validate(onprem.store.verify(reply.trust_code, START))
    assert trust.udi == SUDI
    assert (trust.smart_account, trust.virtual_account) == ("Example Corp On-Prem", "Default")
    assert onprem.model.tokens[token].uses == 1

    assert (await onprem.push(signed(trust, 1), trust_id=trust.trust_id)).status == "OK_POLL"
    # Once trusted, reports must carry the trust code's signature, not the built-in one.
    assert_refused(
        await onprem.push(builtin(2), trust_id=trust.trust_id), Refusal.BAD_REPORT_SIGNATURE
    )
    forged = trust.model_copy(update={"trust_id": "0" * 32})
    assert_refused(
        await onprem.push(signed(trust, 2), trust_id=forged.trust_id), Refusal.NOT_TRUSTED
    )
    pi = onprem.model.product_instance(SUDI)
    assert pi is not None and sorted(pi.reports) == [1]


async def test_trust_refusals_follow_the_cssm_rules(onprem: OnPrem) -> None:
    assert_refused(await onprem.trust("not-a-token"), Refusal.INVALID_TOKEN)
    expired = onprem.model.create_token("Default", lifetime=timedelta(hours=1))
    onprem.clock.advance(timedelta(hours=1))
    assert_refused(await onprem.trust(expired), Refusal.EXPIRED_TOKEN)
    once = onprem.model.create_token("Default", max_uses=1)
    skewed = await onprem.trust(once, skew=timedelta(hours=1))
    assert_refused(skewed, Refusal.TIMESTAMP_MISMATCH)
    assert onprem.model.tokens[once].uses == 0

    first = await onprem.establish_trust()
    assert_refused(
        await onprem.trust(onprem.model.create_token("Default")), Refusal.TRUST_ALREADY_INSTALLED
    )
    forced = await onprem.trust(onprem.model.create_token("Default"), force=True)
    assert forced.status == "SUCCESS" and forced.trust_code is not None
    second = TrustCodeBody.model_validate(onprem.store.verify(forced.trust_code, START))
    assert second.trust_id != first.trust_id
    assert_refused(
        await onprem.push(signed(first, 1), trust_id=first.trust_id), Refusal.NOT_TRUSTED
    )
    assert_refused(await onprem.trust(once, sudi=SUDI), Refusal.TRUST_ALREADY_INSTALLED)


@pytest.mark.parametrize("force", [False, True])
async def test_udi_in_another_local_account_is_a_sa_va_mismatch(
    onprem: OnPrem, force: bool
) -> None:
    onprem.model.add_product_instance(SUDI, "Default", OTHER_ACCOUNT)
    reply = await onprem.trust(onprem.model.create_token("Default"), force=force)
    assert_refused(reply, Refusal.SA_VA_MISMATCH)
    pi = onprem.model.product_instance(SUDI)
    assert pi is not None and pi.trust is None and pi.account == OTHER_ACCOUNT


async def test_trust_sync_checks_the_trust_code(onprem: OnPrem) -> None:
    trust = await onprem.establish_trust()
    ok = await onprem.send(TrustSyncRequest(**onprem.envelope(), trust_id=trust.trust_id))
    assert ok.status == "SUCCESS"
    bad = await onprem.send(TrustSyncRequest(**onprem.envelope(), trust_id="forged"))
    assert_refused(bad, Refusal.NOT_TRUSTED)


# --------------------------------------------------------------------------- relay


async def test_push_sync_poll_delivers_the_cssm_signed_ack(onprem: OnPrem) -> None:
    trust = await onprem.establish_trust()
    reply = await onprem.push(signed(trust, 1, 2), trust_id=trust.trust_id)
    assert reply.poll_id is not None
    assert (await onprem.poll(reply.poll_id)).status == "OK_POLL"

    assert onprem.model.next_sync_due() == START + timedelta(hours=1)
    first = onprem.model.synchronize()
    (upload_id,) = first.uploads
    upload = onprem.cssm.uploads[upload_id]
    assert (upload.virtual_account, upload.smart_account) == ("Default", "Example Corp")
    info, _ = read_usage_bundle(upload.content)
    assert info.created_by == "SSM On-Prem 9-202304"
    assert (await onprem.poll(reply.poll_id)).status == "OK_POLL"

    onprem.clock.advance(timedelta(minutes=15))
    onprem.model.synchronize()
    complete = await onprem.poll(reply.poll_id)
    ack = onprem.verified_ack(complete)
    assert ack.report_ids == [1, 2]
    assert complete.ack is not None and complete.ack.key_id == onprem.cssm.signer.key_id
    assert onprem.model.counters.acks_delivered == 1


async def test_the_vas_policy_is_refurnished_to_every_switch_in_it(onprem: OnPrem) -> None:
    reply = await onprem.push(builtin(1))
    assert reply.poll_id is not None
    onprem.round_trip()
    onprem.verified_ack(await onprem.poll(reply.poll_id))
    assert onprem.model.policy_of("Default") is not None

    # Another switch of the same VA, still on the default policy, gets it with its push.
    newcomer = await onprem.push(builtin(1, sudi=OTHER_SUDI), sudi=OTHER_SUDI)
    assert newcomer.status == "OK_POLL" and newcomer.policy is not None
    policy = PolicyBody.model_validate(onprem.store.verify(newcomer.policy, onprem.clock.now()))
    assert policy.policy_id == "policy-1"
    current = await onprem.push(builtin(2), policy_id="policy-1")
    assert current.policy is None

    untrusted = await onprem.send(
        TrustSyncRequest(**onprem.envelope(OTHER_SUDI), trust_id="", policy_id="old")
    )
    assert_refused(untrusted, Refusal.NOT_TRUSTED)
    trust = await onprem.establish_trust(OTHER_SUDI)
    synced = await onprem.send(
        TrustSyncRequest(**onprem.envelope(OTHER_SUDI), trust_id=trust.trust_id, policy_id="old")
    )
    assert synced.status == "SUCCESS" and synced.policy == newcomer.policy


async def test_synchronize_refuses_when_disconnected(offline_onprem: OnPrem) -> None:
    with pytest.raises(RelayModeError):
        offline_onprem.model.synchronize()
    assert offline_onprem.model.next_sync_due() is None
    response = await offline_onprem.client.post("/_sim/synchronize")
    assert response.status_code == 409 and response.json()["error"] == "wrong mode"


async def test_export_and_import_by_hand(offline_onprem: OnPrem) -> None:
    onprem = offline_onprem
    trust = await onprem.establish_trust()
    reply = await onprem.push(signed(trust, 1), trust_id=trust.trust_id)
    assert reply.poll_id is not None

    exported = await onprem.client.post("/_sim/export-usage-to-cisco")
    assert exported.status_code == 200 and exported.headers["content-type"] == "application/gzip"
    info, files = read_usage_bundle(exported.content)
    assert (info.smart_account, info.virtual_account) == ("Example Corp", "Default")
    assert [f.system.sudi for f in files] == [SUDI]

    ack_bundle = onprem.cssm.ack_bundle(exported.content)
    imported = await onprem.client.post("/_sim/import-from-cisco", content=ack_bundle)
    assert imported.status_code == 200
    assert imported.json() == {
        "acks_imported": 1,
        "policies_received": 1,
        "product_instances": [SUDI.display],
        "not_found": [],
    }
    assert onprem.verified_ack(await onprem.poll(reply.poll_id)).report_ids == [1]

    with pytest.raises(FileFormatError):
        onprem.model.import_from_cisco(b"PK\x03\x04 not an ACK bundle")
    bad = await onprem.client.post("/_sim/import-from-cisco", content=b"\x1f\x8bjunk")
    assert bad.status_code == 400 and bad.json()["error"] == "bad file"


async def test_export_can_select_products(offline_onprem: OnPrem) -> None:
    await offline_onprem.push(builtin(1))
    await offline_onprem.push(builtin(1, sudi=OTHER_SUDI), sudi=OTHER_SUDI)
    response = await offline_onprem.client.post(
        "/_sim/export-usage-to-cisco",
        json={"virtual_account": "Default", "udis": [OTHER_SUDI.model_dump()]},
    )
    _, files = read_usage_bundle(response.content)
    assert [f.system.sudi for f in files] == [OTHER_SUDI]
    unknown = await offline_onprem.client.post(
        "/_sim/export-usage-to-cisco", json={"virtual_account": "Nowhere"}
    )
    assert unknown.status_code == 404 and unknown.json()["error"] == "unknown account"


# --------------------------------------------------------------------------- record not found


async def test_ack_for_a_switch_registered_in_another_account_is_record_not_found(
    onprem: OnPrem,
) -> None:
    # The switch reports to Default-1, but On-Prem holds it in another local account.
    onprem.model.add_product_instance(SUDI, "Default", OTHER_ACCOUNT)
    reply = await onprem.push(builtin(1))
    assert reply.status == "OK_POLL" and reply.poll_id is not None
    onprem.model.synchronize()
    onprem.clock.advance(timedelta(minutes=15))
    summary = onprem.model.synchronize()
    assert summary.acks.not_found == [SUDI.display] and summary.acks.acks_imported == 0
    assert (await onprem.poll(reply.poll_id)).status == "OK_POLL"

    response = await onprem.client.get("/_sim/support-center/system-logs")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert 'filename="AllFiles.zip"' in response.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert archive.namelist() == ["messages"]
        lines = archive.read("messages").decode().splitlines()
    (line,) = [line for line in lines if "record not found" in line]
    assert line.endswith(f"#011[ERROR]#011adapters/pi_routes_impl.go:1322#011{NOT_FOUND}")
    assert line.startswith("Jan  5 09:15:00 ssm-onprem ")
    assert "2026/01/05 09:15:00#011" in line

    # Fix (seed step 5): export usage from the VA that holds the product, upload it to
    # CSSM, import the ACK; the switch's next poll gets it.
    bundle = onprem.model.export_usage_to_cisco("Default", OTHER_ACCOUNT)
    fixed = onprem.model.import_from_cisco(onprem.cssm.ack_bundle(bundle))
    assert fixed.not_found == [] and fixed.product_instances == [SUDI.display]
    assert onprem.verified_ack(await onprem.poll(reply.poll_id)).report_ids == [1]


async def test_moving_the_switch_after_upload_fails_its_ack_until_moved_back(
    onprem: OnPrem,
) -> None:
    reply = await onprem.push(builtin(1))
    assert reply.poll_id is not None
    onprem.model.synchronize()
    moved = await onprem.client.post(
        "/_sim/product-instances/move",
        json={**SUDI.model_dump(), "local_account": OTHER_ACCOUNT, "virtual_account": "Lab"},
    )
    assert moved.status_code == 200 and moved.json()["tenant"] == "Lab-2"
    onprem.clock.advance(timedelta(minutes=15))
    assert onprem.model.synchronize().acks.not_found == [SUDI.display]
    assert sum(NOT_FOUND in line for line in onprem.messages()) == 1

    # Fix: move it back where its usage was sent from, then Export / Import by hand.
    onprem.model.move_product_instance(SUDI, "Example Corp On-Prem", "Default")
    bundle = onprem.model.export_usage_to_cisco()
    assert onprem.model.import_from_cisco(onprem.cssm.ack_bundle(bundle)).not_found == []
    assert onprem.verified_ack(await onprem.poll(reply.poll_id)).report_ids == [1]


async def test_removed_switch_gets_no_ack(onprem: OnPrem) -> None:
    reply = await onprem.push(builtin(1))
    assert reply.poll_id is not None
    onprem.model.synchronize()
    removed = await onprem.client.post("/_sim/product-instances/remove", json=SUDI.model_dump())
    assert removed.status_code == 200 and removed.json() == []
    onprem.clock.advance(timedelta(minutes=15))
    assert onprem.model.synchronize().acks.not_found == [SUDI.display]
    assert (await onprem.poll(reply.poll_id)).status == "OK_POLL"
    again = await onprem.client.post("/_sim/product-instances/remove", json=SUDI.model_dump())
    assert again.status_code == 404 and again.json()["error"] == "unknown account"


# --------------------------------------------------------------------------- down rev


async def test_down_rev_refuses_usage_reporting(onprem: OnPrem) -> None:
    ok = await onprem.push(builtin(1))
    assert ok.poll_id is not None
    toggled = await onprem.client.post("/_sim/down-rev", json={"down_rev": True})
    assert toggled.status_code == 200 and toggled.json()["down_rev"] is True

    for reply in (await onprem.push(builtin(2)), await onprem.poll(ok.poll_id)):
        assert (reply.status, reply.message_code) == (
            "FAILED",
            Refusal.REPORTING_NOT_SUPPORTED.code,
        )
        assert reply.message == Refusal.REPORTING_NOT_SUPPORTED.text
    pi = onprem.model.product_instance(SUDI)
    assert pi is not None and sorted(pi.reports) == [1]

    await onprem.client.post("/_sim/down-rev", json={"down_rev": False})
    assert (await onprem.push(builtin(2))).status == "OK_POLL"


def test_release_older_than_slp_is_down_rev() -> None:
    clock = VirtualClock(START)
    assert OnPremModel(clock, release="8-202010").down_rev
    assert not OnPremModel(clock, release="8-202102").down_rev
    with pytest.raises(ValueError, match="release"):
        OnPremModel(clock, release="latest")


# --------------------------------------------------------------------------- control plane


async def test_info_tokens_and_inventory_routes(onprem: OnPrem) -> None:
    info = (await onprem.client.get("/_sim/info")).json()
    assert info["release"] == "9-202304" and info["down_rev"] is False
    assert info["tenants"] == ["Default-1", "Default-2", "Lab-2"]
    assert info["certificate"].startswith("-----BEGIN CERTIFICATE-----")

    created = await onprem.client.post(
        "/_sim/tokens",
        json={"virtual_account": "Lab", "local_account": OTHER_ACCOUNT, "lifetime_seconds": 60},
    )
    assert created.status_code == 200
    token = created.json()
    assert (token["local_account"], token["virtual_account"]) == (OTHER_ACCOUNT, "Lab")
    assert token["expires"] == (START + timedelta(minutes=1)).isoformat()
    listed = (await onprem.client.get("/_sim/tokens")).json()
    assert [t["token"] for t in listed] == [token["token"]]
    missing = await onprem.client.post("/_sim/tokens", json={"virtual_account": "Nowhere"})
    assert missing.status_code == 404 and missing.json()["error"] == "unknown account"

    onprem.path = "/cslu/v1/pi/Lab-2"
    assert (await onprem.trust(token["token"])).status == "SUCCESS"
    (row,) = (await onprem.client.get("/_sim/product-instances")).json()
    assert row["name"] == "LEAF48"
    assert row["inventory_udi"] == "UDI_PID:N9K-C9336C-FX2;UDI_SN:FDO2434107N;UDI_VID:;"
    assert (row["account"], row["virtual_account"], row["tenant"]) == (
        OTHER_ACCOUNT,
        "Lab",
        "Lab-2",
    )
    assert row["trusted"] is True


async def test_synchronize_route(onprem: OnPrem) -> None:
    await onprem.push(builtin(1))
    response = await onprem.client.post("/_sim/synchronize")
    assert response.status_code == 200
    assert response.json()["reports_uploaded"] == 1
    assert any("Synchronization with Cisco done" in line for line in onprem.messages())


async def test_openapi_lists_the_routes(onprem: OnPrem) -> None:
    document = (await onprem.client.get("/openapi.json")).json()
    assert document["info"]["title"] == "SSM On-Prem mock"
    assert {
        "/cslu/v1/pi/{tenant}",
        "/_sim/info",
        "/_sim/tokens",
        "/_sim/product-instances",
        "/_sim/product-instances/move",
        "/_sim/product-instances/remove",
        "/_sim/synchronize",
        "/_sim/export-usage-to-cisco",
        "/_sim/import-from-cisco",
        "/_sim/support-center/system-logs",
        "/_sim/down-rev",
    } == set(document["paths"])
    text = json.dumps(document)
    for name in ("TrustRequest", "UsageReportRequest", "PollRequest", "TrustSyncRequest"):
        assert f'"#/components/schemas/{name}"' in text
        assert name in document["components"]["schemas"]


async def test_malformed_bodies_on_every_route_are_4xx_json(onprem: OnPrem) -> None:
    await onprem.push(builtin(1))
    routes = post_routes(create_app(onprem.model), tenant="Default-1")
    assert len(routes) == 8
    await assert_every_route_refuses(onprem.client, routes, MALFORMED_BODIES)
    wrong_types = {
        "/_sim/tokens": {"virtual_account": 7, "max_uses": 10**400},
        "/_sim/down-rev": {"down_rev": "maybe"},
        "/_sim/product-instances/move": {"udi_pid": None},
        "/_sim/product-instances/remove": {"udi_pid": "x" * 1000, "udi_serial_number": "y"},
        "/_sim/export-usage-to-cisco": {"udis": "all"},
    }
    for path, body in wrong_types.items():
        response = await onprem.client.post(path, content=json.dumps(body).encode())
        assert response.status_code == 400, (path, response.text)
        assert response.json()["error"] == "malformed request"
    pi = onprem.model.product_instance(SUDI)
    assert pi is not None and sorted(pi.reports) == [1]
    assert onprem.model.down_rev is False


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=device_bodies)
def test_no_input_makes_the_onprem_endpoint_fail_with_5xx(body: Any) -> None:
    model = OnPremModel(VirtualClock(START))
    assert post_status(create_app(model), PATH, body) in (200, 400)
