"""The CSSM mock through its HTTP face: trust codes, usage reports, ACKs, policies, refusals."""

from __future__ import annotations

import base64
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

from cssm_mock import CssmModel, create_app
from cssm_mock.smart_receiver import INFO_PAGE
from cssm_mock.timestamps import epoch_ms
from sim.clock import VirtualClock
from sim.protocol.errors import Refusal
from sim.protocol.messages import (
    PolicyBody,
    Reply,
    RumReportWire,
    Sudi,
    TrustCodeBody,
    TrustSyncRequest,
    UsageReportRequest,
)
from sim.protocol.rum import RumMeasurement, mac, sign_report
from sim.protocol.signing import SignatureError, TrustStore

pytestmark = pytest.mark.anyio

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
BASE_URL = "https://smartreceiver.cisco.com"
PATH = "/licservice/license"
SUDI = Sudi(udi_pid="N9K-C93180YC-FX", udi_serial_number="FDO2434107N")
OTHER_SUDI = Sudi(udi_pid="N9K-C9336C-FX2", udi_serial_number="FDO2501A1BC")
FEATURE = "NXOS_ADVANTAGE_XF"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@dataclass(kw_only=True)
class Cssm(DeviceSession):
    model: CssmModel
    path: str = PATH
    sudi: Sudi = SUDI

    def server_key_id(self) -> str:
        return self.model.signer.key_id

    async def establish_trust(self, sudi: Sudi = SUDI, va: str = "Default") -> TrustCodeBody:
        return await self.trusted(self.model.create_token(va), sudi)

    async def report(
        self,
        trust: TrustCodeBody,
        reports: list[RumReportWire],
        *,
        policy_id: str | None = None,
        sudi: Sudi = SUDI,
    ) -> Reply:
        return await self.push(reports, trust_id=trust.trust_id, policy_id=policy_id, sudi=sudi)


def measurement(report_id: int, feature: str = FEATURE, count: int = 1) -> RumMeasurement:
    # Ids double as minutes so that later ids are later measurements, as on a switch.
    end = START + timedelta(minutes=report_id)
    return RumMeasurement(report_id, feature, count, end - timedelta(days=1), end)


def signed(trust: TrustCodeBody, *measurements: RumMeasurement) -> list[RumReportWire]:
    secret = base64.b64decode(trust.secret)
    return [sign_report(SUDI, m, secret) for m in measurements]


def assert_refused(reply: Reply, refusal: Refusal) -> None:
    assert (reply.status, reply.message_code, reply.message) == (
        "FAILED",
        refusal.code,
        refusal.text,
    )
    assert reply.trust_code is None and reply.ack is None and reply.policy is None


@pytest.fixture
async def cssm() -> AsyncIterator[Cssm]:
    clock = VirtualClock(START)
    model = CssmModel(clock)
    store = TrustStore()
    store.add_signer(model.signer)
    transport = httpx.ASGITransport(app=create_app(model))
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
        yield Cssm(clock=clock, model=model, client=client, store=store)


# --------------------------------------------------------------------------- info page


async def test_get_shows_the_smart_receiver_page(cssm: Cssm) -> None:
    response = await cssm.client.get(PATH)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text == INFO_PAGE
    lines = response.text.splitlines()
    assert lines[0] == "This is the Smart Receiver!"
    assert "  Rate Limit Max Allowed in Window = 12" in lines


# --------------------------------------------------------------------------- trust codes


async def test_trust_request_returns_a_verifiable_trust_code(cssm: Cssm) -> None:
    token = cssm.model.create_token("Lab")
    assert len(token) >= 80
    reply = await cssm.trust(token)

    assert reply.status == "SUCCESS"
    assert reply.trust_code is not None
    body = TrustCodeBody.model_validate(cssm.store.verify(reply.trust_code, START))
    assert body.udi == SUDI
    assert (body.smart_account, body.virtual_account) == ("Example Corp", "Lab")
    assert body.issued == START.isoformat()
    assert len(base64.b64decode(body.secret)) == 32

    pi = cssm.model.product_instance(SUDI)
    assert pi is not None and pi.trust is not None
    assert (pi.virtual_account, pi.hostname, pi.trust.trust_id) == ("Lab", "leaf1", body.trust_id)
    assert cssm.model.tokens[token].uses == 1

    listing = (await cssm.client.get("/_sim/product-instances")).json()
    assert listing == [
        {
            "udi": "PID:N9K-C93180YC-FX,SN:FDO2434107N",
            "udi_pid": "N9K-C93180YC-FX",
            "udi_serial_number": "FDO2434107N",
            "hostname": "leaf1",
            "smart_account": "Example Corp",
            "virtual_account": "Lab",
            "trusted": True,
            "trust_id": body.trust_id,
            "reports": 0,
            "duplicates_received": 0,
            "acks_issued": 0,
            "last_contact": START.isoformat(),
        }
    ]


async def test_unknown_token_is_invalid(cssm: Cssm) -> None:
    assert_refused(await cssm.trust("not-a-real-token"), Refusal.INVALID_TOKEN)
    assert cssm.model.product_instance(SUDI) is None


async def test_revoked_token_is_invalid(cssm: Cssm) -> None:
    token = cssm.model.create_token("Default")
    cssm.model.revoke_token(token)
    assert_refused(await cssm.trust(token), Refusal.INVALID_TOKEN)


async def test_token_expires_after_its_lifetime(cssm: Cssm) -> None:
    token = cssm.model.create_token("Default", lifetime=timedelta(days=1))
    cssm.clock.advance(timedelta(days=1))
    assert_refused(await cssm.trust(token), Refusal.EXPIRED_TOKEN)


async def test_token_default_lifetime_is_the_timing_profile(cssm: Cssm) -> None:
    token = cssm.model.create_token("Default")
    cssm.clock.advance(cssm.model.timing.token_lifetime - timedelta(seconds=1))
    assert (await cssm.trust(token)).status == "SUCCESS"
    cssm.clock.advance(timedelta(seconds=1))
    assert_refused(await cssm.trust(token, sudi=OTHER_SUDI), Refusal.EXPIRED_TOKEN)


async def test_token_limited_in_uses_is_exhausted(cssm: Cssm) -> None:
    token = cssm.model.create_token("Default", max_uses=1)
    assert (await cssm.trust(token)).status == "SUCCESS"
    assert_refused(await cssm.trust(token, sudi=OTHER_SUDI), Refusal.TOKEN_EXHAUSTED)
    assert cssm.model.product_instance(OTHER_SUDI) is None


@pytest.mark.parametrize(
    "skew",
    [timedelta(minutes=59), -timedelta(minutes=59), timedelta(minutes=59, seconds=59.999)],
    ids=["59m-ahead", "59m-behind", "just-under-1h"],
)
async def test_clock_skew_under_an_hour_is_accepted(cssm: Cssm, skew: timedelta) -> None:
    reply = await cssm.trust(cssm.model.create_token("Default"), skew=skew)
    assert reply.status == "SUCCESS"


@pytest.mark.parametrize(
    "skew",
    [timedelta(hours=1), -timedelta(hours=1), timedelta(days=400)],
    ids=["1h-ahead", "1h-behind", "never-set"],
)
async def test_clock_skew_of_an_hour_or_more_is_a_timestamp_mismatch(
    cssm: Cssm, skew: timedelta
) -> None:
    token = cssm.model.create_token("Default")
    assert_refused(await cssm.trust(token, skew=skew), Refusal.TIMESTAMP_MISMATCH)
    assert cssm.model.tokens[token].uses == 0


@pytest.mark.parametrize("force", [False, True])
async def test_udi_known_in_another_va_is_a_sa_va_mismatch(cssm: Cssm, force: bool) -> None:
    cssm.model.add_product_instance(SUDI, "Default")
    reply = await cssm.trust(cssm.model.create_token("Lab"), force=force)
    assert_refused(reply, Refusal.SA_VA_MISMATCH)
    pi = cssm.model.product_instance(SUDI)
    assert pi is not None and pi.trust is None and pi.virtual_account == "Default"


async def test_udi_known_in_another_smart_account_is_a_sa_va_mismatch(cssm: Cssm) -> None:
    cssm.model.add_smart_account("Other Corp", "other.example", ["Default"])
    cssm.model.add_product_instance(SUDI, "Default", "Other Corp")
    reply = await cssm.trust(cssm.model.create_token("Default"))
    assert_refused(reply, Refusal.SA_VA_MISMATCH)


async def test_second_trust_code_needs_force_and_force_replaces_it(cssm: Cssm) -> None:
    first = await cssm.establish_trust()

    assert_refused(
        await cssm.trust(cssm.model.create_token("Default")), Refusal.TRUST_ALREADY_INSTALLED
    )

    reply = await cssm.trust(cssm.model.create_token("Default"), force=True)
    assert reply.status == "SUCCESS" and reply.trust_code is not None
    second = TrustCodeBody.model_validate(cssm.store.verify(reply.trust_code, START))
    assert second.trust_id != first.trust_id and second.secret != first.secret

    # The old trust code no longer authenticates anything.
    assert_refused(await cssm.report(first, signed(first, measurement(1))), Refusal.NOT_TRUSTED)
    assert (await cssm.report(second, signed(second, measurement(1)))).status == "OK_POLL"


async def test_pre_registered_udi_gets_trust_in_its_own_va(cssm: Cssm) -> None:
    cssm.model.add_product_instance(SUDI, "Lab")
    trust = await cssm.establish_trust(va="Lab")
    assert trust.virtual_account == "Lab"


async def test_tampering_signer_produces_trust_codes_that_fail_verification(cssm: Cssm) -> None:
    cssm.model.signer.tampering = True
    reply = await cssm.trust(cssm.model.create_token("Default"))
    assert reply.status == "SUCCESS" and reply.trust_code is not None
    assert reply.trust_code.key_id == cssm.model.signer.key_id
    with pytest.raises(SignatureError, match="signature does not match"):
        cssm.store.verify(reply.trust_code, START)


# --------------------------------------------------------------------------- usage and ACKs


async def test_usage_report_is_acknowledged_after_the_ack_delay(cssm: Cssm) -> None:
    trust = await cssm.establish_trust()
    reply = await cssm.report(trust, signed(trust, measurement(1), measurement(2, "LAN_ENT", 2)))
    assert reply.status == "OK_POLL"
    assert reply.poll_id is not None and 0 < reply.poll_id < 2**63
    assert reply.poll_interval == 300
    poll_id = reply.poll_id

    cssm.clock.advance(timedelta(minutes=14, seconds=59))
    early = await cssm.poll(poll_id)
    assert (early.status, early.poll_id, early.ack) == ("OK_POLL", poll_id, None)

    cssm.clock.advance(timedelta(seconds=1))
    complete = await cssm.poll(poll_id)
    ack = cssm.verified_ack(complete)
    assert ack.udi == SUDI and ack.report_ids == [1, 2]
    assert (ack.smart_account, ack.virtual_account) == ("Example Corp", "Default")
    assert ack.issued == (START + timedelta(minutes=15)).isoformat()

    # A device without a policy (policy_id None) gets the VA's policy with its first ACK.
    assert ack.policy is not None
    policy = PolicyBody.model_validate(cssm.store.verify(ack.policy, cssm.clock.now()))
    assert policy.policy_id == cssm.model.policy_of("Default").policy_id
    assert (policy.name, policy.ack_required) == ("SLP Policy", True)
    assert (
        policy.first_report_days,
        policy.reporting_frequency_days,
        policy.report_on_change_days,
    ) == (90, 365, 90)

    # A lost COMPLETE is recovered by polling again: the same ACK is still there.
    cssm.clock.advance(timedelta(hours=3))
    again = await cssm.poll(poll_id)
    assert again.ack == complete.ack
    pi = cssm.model.product_instance(SUDI)
    assert pi is not None and pi.acks_issued == 1
    assert cssm.model.usage_of(SUDI) == {"LAN_ENT": 2, FEATURE: 1}

    # Once the device runs that policy, later ACKs no longer carry it.
    second = await cssm.report(trust, signed(trust, measurement(3)), policy_id=policy.policy_id)
    assert second.poll_id is not None and second.poll_id != poll_id
    cssm.clock.advance(timedelta(minutes=15))
    later = cssm.verified_ack(await cssm.poll(second.poll_id))
    assert later.report_ids == [3] and later.policy is None


async def test_changed_policy_is_delivered_with_the_next_ack(cssm: Cssm) -> None:
    trust = await cssm.establish_trust()
    old_policy_id = cssm.model.policy_of("Default").policy_id
    new_policy = cssm.model.set_policy("Default", reporting_frequency_days=30)
    assert new_policy.policy_id != old_policy_id

    reply = await cssm.report(trust, signed(trust, measurement(1)), policy_id=old_policy_id)
    assert reply.poll_id is not None
    cssm.clock.advance(timedelta(minutes=15))
    ack = cssm.verified_ack(await cssm.poll(reply.poll_id))
    assert ack.policy is not None
    delivered = PolicyBody.model_validate(cssm.store.verify(ack.policy, cssm.clock.now()))
    assert (delivered.policy_id, delivered.reporting_frequency_days) == (
        new_policy.policy_id,
        30,
    )


async def test_empty_usage_report_asks_for_the_policy(cssm: Cssm) -> None:
    trust = await cssm.establish_trust()
    reply = await cssm.report(trust, [])
    assert reply.status == "OK_POLL" and reply.poll_id is not None
    cssm.clock.advance(timedelta(minutes=15))
    ack = cssm.verified_ack(await cssm.poll(reply.poll_id))
    assert ack.report_ids == [] and ack.policy is not None


async def test_ack_delay_fault_holds_the_ack_back(cssm: Cssm) -> None:
    trust = await cssm.establish_trust()
    cssm.model.ack_delay = timedelta(hours=2)
    reply = await cssm.report(trust, signed(trust, measurement(1)))
    assert reply.poll_id is not None
    cssm.clock.advance(timedelta(hours=1, minutes=59))
    assert (await cssm.poll(reply.poll_id)).status == "OK_POLL"
    cssm.clock.advance(timedelta(minutes=1))
    assert cssm.verified_ack(await cssm.poll(reply.poll_id)).report_ids == [1]


async def test_duplicate_reports_are_acknowledged_but_not_counted_twice(cssm: Cssm) -> None:
    trust = await cssm.establish_trust()
    first = await cssm.report(trust, signed(trust, measurement(1, count=4)))
    assert first.status == "OK_POLL"
    # The ACK for report 1 got lost; the switch resends it along with a newer report.
    again = await cssm.report(
        trust, signed(trust, measurement(1, count=4), measurement(2, count=6))
    )
    assert again.status == "OK_POLL" and again.poll_id is not None
    # ... and once more, out of order.
    late = await cssm.report(trust, signed(trust, measurement(1, count=4)))
    assert late.status == "OK_POLL" and late.poll_id is not None

    cssm.clock.advance(timedelta(minutes=15))
    assert cssm.verified_ack(await cssm.poll(again.poll_id)).report_ids == [1, 2]
    assert cssm.verified_ack(await cssm.poll(late.poll_id)).report_ids == [1]

    assert sorted(cssm.model.reports_received(SUDI)) == [1, 2]
    # Usage is the latest measurement per feature, not the sum, and a stale resend is ignored.
    assert cssm.model.usage_of(SUDI) == {FEATURE: 6}
    pi = cssm.model.product_instance(SUDI)
    assert pi is not None and pi.duplicates_received == 2
    assert cssm.model.counters.duplicates_received == 2
    assert cssm.model.counters.reports_received == 2


async def test_report_with_a_bad_hmac_refuses_the_whole_request(cssm: Cssm) -> None:
    trust = await cssm.establish_trust()
    good, bad = signed(trust, measurement(1), measurement(2))
    bad.signature.value = mac(b"wrong key" * 4, bad.payload)
    reply = await cssm.report(trust, [good, bad])
    assert_refused(reply, Refusal.BAD_REPORT_SIGNATURE)
    assert reply.poll_id is None
    assert cssm.model.reports_received(SUDI) == {}


async def test_report_signed_with_the_builtin_key_is_refused_on_a_trusted_path(
    cssm: Cssm,
) -> None:
    trust = await cssm.establish_trust()
    builtin = sign_report(SUDI, measurement(1), None)
    assert_refused(await cssm.report(trust, [builtin]), Refusal.BAD_REPORT_SIGNATURE)


async def test_report_payload_that_is_not_rum_is_malformed(cssm: Cssm) -> None:
    trust = await cssm.establish_trust()
    (report,) = signed(trust, measurement(1))
    payload = json.dumps({"hello": "world"})
    report.payload = payload
    report.signature.value = mac(base64.b64decode(trust.secret), payload)
    assert_refused(await cssm.report(trust, [report]), Refusal.MALFORMED)


async def test_usage_report_without_trust_is_refused(cssm: Cssm) -> None:
    no_trust = UsageReportRequest(
        **cssm.envelope(), reports=[sign_report(SUDI, measurement(1), None)]
    )
    assert_refused(await cssm.send(no_trust), Refusal.NOT_TRUSTED)

    trust = await cssm.establish_trust()
    forged = trust.model_copy(update={"trust_id": "0" * 32})
    assert_refused(await cssm.report(forged, signed(trust, measurement(1))), Refusal.NOT_TRUSTED)


async def test_poll_for_an_unknown_or_foreign_poll_id_is_refused(cssm: Cssm) -> None:
    assert_refused(await cssm.poll(12345), Refusal.UNKNOWN_POLL)

    trust = await cssm.establish_trust()
    reply = await cssm.report(trust, signed(trust, measurement(1)))
    assert reply.poll_id is not None
    cssm.clock.advance(timedelta(minutes=15))
    assert_refused(await cssm.poll(reply.poll_id, sudi=OTHER_SUDI), Refusal.UNKNOWN_POLL)
    assert (await cssm.poll(reply.poll_id)).status == "COMPLETE"


# --------------------------------------------------------------------------- trust sync


async def test_trust_sync_returns_the_policy_only_when_the_device_lacks_it(cssm: Cssm) -> None:
    trust = await cssm.establish_trust(va="Lab")

    def sync(trust_id: str, policy_id: str | None) -> TrustSyncRequest:
        return TrustSyncRequest(**cssm.envelope(), trust_id=trust_id, policy_id=policy_id)

    reply = await cssm.send(sync(trust.trust_id, None))
    assert reply.status == "SUCCESS" and reply.policy is not None
    policy = PolicyBody.model_validate(cssm.store.verify(reply.policy, START))
    assert policy == cssm.model.policy_of("Lab")

    current = await cssm.send(sync(trust.trust_id, policy.policy_id))
    assert current.status == "SUCCESS" and current.policy is None

    assert_refused(await cssm.send(sync("forged", None)), Refusal.NOT_TRUSTED)


# --------------------------------------------------------------------------- malformed input

_ENVELOPE: dict[str, Any] = {
    "timestamp": epoch_ms(START),
    "nonce": "n1",
    "sudi": {"udi_pid": "N9K-C93180YC-FX", "udi_serial_number": "FDO2434107N"},
}


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"",
        b"[]",
        b"null",
        b"\xff\xfe\x00",
        json.dumps({"message_type": "trust_request"}).encode(),
        json.dumps({**_ENVELOPE, "message_type": "install_licenses"}).encode(),
        json.dumps({**_ENVELOPE, "id_token": "t"}).encode(),
        json.dumps({**_ENVELOPE, "message_type": "poll", "poll_id": "soon"}).encode(),
        json.dumps({**_ENVELOPE, "message_type": "poll", "poll_id": 1, "x": 1}).encode(),
        json.dumps({**_ENVELOPE, "message_type": "poll", "poll_id": -1}).encode(),
        json.dumps(
            {**_ENVELOPE, "timestamp": "noon", "message_type": "poll", "poll_id": 1}
        ).encode(),
        json.dumps({**_ENVELOPE, "message_type": "usage_report", "reports": [{}]}).encode(),
        b'{"message_type": "poll", "nonce": "\\ud800"}',
        b"[" * 50_000,
    ],
    ids=[
        "bad-json",
        "empty",
        "array",
        "null",
        "not-utf8",
        "missing-fields",
        "unknown-message-type",
        "no-message-type",
        "wrong-type",
        "extra-field",
        "negative-poll-id",
        "string-timestamp",
        "bad-report",
        "lone-surrogate",
        "deep-nesting",
    ],
)
async def test_malformed_request_is_a_400_with_a_json_body(cssm: Cssm, content: bytes) -> None:
    response = await cssm.client.post(
        PATH, content=content, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["error"] == "malformed request"
    assert body["detail"]


async def test_body_without_a_content_type_is_read_as_json(cssm: Cssm) -> None:
    # Without a content type the body is still read as JSON, as a terse client would send it.
    body = {**_ENVELOPE, "message_type": "poll", "poll_id": 7}
    response = await cssm.client.post(PATH, content=json.dumps(body).encode())
    assert response.status_code == 200
    assert response.json()["message_code"] == Refusal.UNKNOWN_POLL.code


# --------------------------------------------------------------------------- control plane


async def test_control_plane_creates_tokens(cssm: Cssm) -> None:
    response = await cssm.client.post(
        "/_sim/tokens",
        json={"virtual_account": "Lab", "lifetime_seconds": 3600, "max_uses": 2},
    )
    assert response.status_code == 200
    created = response.json()
    assert created["virtual_account"] == "Lab"
    assert created["expires"] == (START + timedelta(hours=1)).isoformat()
    token = cssm.model.tokens[created["token"]]
    assert (token.smart_account, token.max_uses) == ("Example Corp", 2)
    assert (await cssm.trust(created["token"])).status == "SUCCESS"


async def test_control_plane_rejects_unknown_accounts_and_bad_bodies(cssm: Cssm) -> None:
    missing = await cssm.client.post("/_sim/tokens", json={"virtual_account": "Nowhere"})
    assert missing.status_code == 404
    assert missing.json()["error"] == "unknown account"

    for bad in ({"virtual_account": "Lab", "max_uses": 0}, {"va": "Lab"}):
        response = await cssm.client.post("/_sim/tokens", json=bad)
        assert response.status_code == 400
        assert response.json()["error"] == "malformed request"
    deep = await cssm.client.post(
        "/_sim/tokens", content=b"[" * 50_000, headers={"content-type": "application/json"}
    )
    assert deep.status_code == 400


async def test_openapi_lists_the_routes(cssm: Cssm) -> None:
    document = (await cssm.client.get("/openapi.json")).json()
    assert document["info"]["title"] == "CSSM mock"
    assert {"/licservice/license", "/_sim/tokens", "/_sim/product-instances"} <= set(
        document["paths"]
    )
    # Every $ref in the hand-declared request body resolves to a component.
    text = json.dumps(document)
    schemas = document["components"]["schemas"]
    for name in ("TrustRequest", "UsageReportRequest", "PollRequest", "TrustSyncRequest"):
        assert f'"#/components/schemas/{name}"' in text
        assert name in schemas


# --------------------------------------------------------------------------- robustness

_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
_requests = st.fixed_dictionaries(
    {
        "message_type": st.sampled_from(["trust_request", "usage_report", "poll", "trust_sync"]),
        "timestamp": _json_values,
        "nonce": _json_values,
        "sudi": _json_values,
    },
    optional={
        "id_token": _json_values,
        "poll_id": _json_values,
        "trust_id": _json_values,
        "reports": _json_values,
        "force": _json_values,
    },
)


# One app for every example: building the app costs more than the requests themselves.
_FUZZED_APP = create_app(CssmModel(VirtualClock(START)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=_json_values | _requests | st.binary(max_size=64))
def test_no_input_makes_the_smart_receiver_fail_with_5xx(body: Any) -> None:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()

    async def post() -> int:
        transport = httpx.ASGITransport(app=_FUZZED_APP)
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
            return (await client.post(PATH, content=content)).status_code

    assert anyio.run(post) in (200, 400)
