"""The CSSM automation REST API: OAuth2 client credentials, accounts, ID tokens, devices,
usage reports and polls, as a script against the public Smart Licensing API would use them."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute

from cssm_mock import DEFAULT_API_CLIENT_ID, DEFAULT_API_CLIENT_SECRET, CssmModel, create_app
from cssm_mock.timestamps import epoch_ms
from sim.clock import VirtualClock
from sim.protocol.errors import Refusal
from sim.protocol.files import read_import_file
from sim.protocol.messages import AckBody, PolicyBody, Sudi, TrustCodeBody, TrustRequest
from sim.protocol.rum import RumMeasurement, mac, sign_report
from sim.protocol.signing import TrustStore

pytestmark = pytest.mark.anyio

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
API = "/services/api/smart-accounts-and-licensing"
LEAF1 = Sudi(udi_pid="N9K-C93180YC-FX", udi_serial_number="FDO2434107N")
LEAF2 = Sudi(udi_pid="N9K-C9336C-FX2", udi_serial_number="FDO2501A1BC")
FEATURE = "NXOS_ADVANTAGE_XF"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@dataclass
class Api:
    clock: VirtualClock
    model: CssmModel
    client: httpx.AsyncClient
    store: TrustStore
    token: str = ""

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    async def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.client.get(API + path, headers=self.auth, **kwargs)

    async def post(
        self, path: str, body: Any, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        return await self.client.post(
            API + path, json=body, headers={**self.auth, **(headers or {})}
        )

    async def report(self, *devices: dict[str, Any], **headers: str) -> httpx.Response:
        body = {
            "data": {"timestamp": epoch_ms(self.clock.now()), "nonce": "r1", "reports": devices}
        }
        return await self.post("/v2/devices/reportusage", body, headers)

    async def poll(self, poll_id: int | str) -> httpx.Response:
        body = {
            "data": {
                "timestamp": 1656610485678,
                "nonce": "dft0qRN2fLw4kpaR",
                "poll_id": poll_id,
                "action": "acknowledgements",
            }
        }
        return await self.post("/v2/accounts/poll", body)


async def issue_token(client: httpx.AsyncClient, **form: str) -> httpx.Response:
    fields = {
        "grant_type": "client_credentials",
        "client_id": DEFAULT_API_CLIENT_ID,
        "client_secret": DEFAULT_API_CLIENT_SECRET,
        **form,
    }
    return await client.post("/as/token.oauth2", data=fields)


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    clock = VirtualClock(START)
    model = CssmModel(clock)
    store = TrustStore()
    store.add_signer(model.signer)
    transport = httpx.ASGITransport(app=create_app(model))
    async with httpx.AsyncClient(transport=transport, base_url="https://swapi.cisco.com") as c:
        session = Api(clock, model, c, store)
        session.token = (await issue_token(c)).json()["access_token"]
        yield session


def device(
    sudi: Sudi, *report_ids: int, secret: bytes | None = None, **extra: Any
) -> dict[str, Any]:
    """One entry of `data.reports`, with the RUM payloads as the switch signed them."""
    usage = []
    for report_id in report_ids:
        end = START - timedelta(hours=1) + timedelta(minutes=report_id)
        wire = sign_report(
            sudi, RumMeasurement(report_id, FEATURE, 2, end - timedelta(days=1), end), secret
        )
        # Cisco's samples send more fields per usage entry, all null.
        usage.append({**json.loads(wire.model_dump_json()), "is_consuming": None})
    return {"sudi": sudi.model_dump(), "usage": usage, **extra}


# --------------------------------------------------------------------------- OAuth2


async def test_client_credentials_give_a_bearer_token(api: Api) -> None:
    response = await issue_token(api.client)
    assert response.status_code == 200
    body = response.json()
    assert (body["token_type"], body["expires_in"]) == ("Bearer", 3599)
    assert body["access_token"] and body["access_token"] != api.token


async def test_registered_client_and_basic_auth(api: Api) -> None:
    api.model.add_api_client("ci-robot", "s3cret")
    assert (await issue_token(api.client, client_id="ci-robot", client_secret="s3cret")).is_success
    basic = await api.client.post(
        "/as/token.oauth2",
        data={"grant_type": "client_credentials"},
        auth=("ci-robot", "s3cret"),
    )
    assert basic.status_code == 200 and basic.json()["token_type"] == "Bearer"


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        ({"client_secret": "wrong"}, 401, "invalid_client"),
        ({"client_id": "nobody"}, 401, "invalid_client"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
        ({"grant_type": ""}, 400, "unsupported_grant_type"),
    ],
    ids=["wrong-secret", "unknown-client", "password-grant", "empty-grant"],
)
async def test_bad_credentials_or_grant_are_refused(
    api: Api, form: dict[str, str], status: int, error: str
) -> None:
    response = await issue_token(api.client, **form)
    assert response.status_code == status
    assert response.json()["error"] == error
    assert response.json()["error_description"]


async def test_missing_form_fields_are_invalid_requests(api: Api) -> None:
    no_grant = await api.client.post("/as/token.oauth2", data={"client_id": "slpsim"})
    assert (no_grant.status_code, no_grant.json()["error"]) == (400, "invalid_request")
    no_secret = await api.client.post(
        "/as/token.oauth2", data={"grant_type": "client_credentials", "client_id": "slpsim"}
    )
    assert (no_secret.status_code, no_secret.json()["error"]) == (401, "invalid_client")


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic c2xwc2ltOng="}],
    ids=["none", "unknown", "not-bearer"],
)
async def test_api_routes_need_a_valid_bearer_token(api: Api, headers: dict[str, str]) -> None:
    for method, path, body in [
        ("GET", "/v2/accounts/search", None),
        ("GET", "/v1/accounts/example.com/virtual-accounts/Lab/tokens", None),
        ("POST", "/v1/accounts/example.com/virtual-accounts/Lab/tokens", {}),
        ("POST", "/v1/accounts/example.com/devices", {}),
        ("POST", "/v2/devices/reportusage", {"data": {}}),
        ("POST", "/v2/accounts/poll", {"data": {}}),
    ]:
        response = await api.client.request(method, API + path, json=body, headers=headers)
        assert response.status_code == 401, (path, response.text)
        assert response.json()["error"] == "invalid_token"
        assert response.headers["www-authenticate"].startswith("Bearer")


async def test_access_token_expires_in_virtual_time(api: Api) -> None:
    api.clock.advance(timedelta(seconds=3598))
    assert (await api.get("/v2/accounts/search")).status_code == 200
    api.clock.advance(timedelta(seconds=1))
    expired = await api.get("/v2/accounts/search")
    assert expired.status_code == 401
    assert expired.json()["error_description"] == "the access token has expired"
    api.token = (await issue_token(api.client)).json()["access_token"]
    assert (await api.get("/v2/accounts/search")).status_code == 200


# --------------------------------------------------------------------------- accounts, tokens


async def test_account_search_lists_accounts_with_numeric_ids(api: Api) -> None:
    body = (await api.get("/v2/accounts/search")).json()
    assert body["status"] == "COMPLETE"
    (account,) = body["accounts"]
    assert (account["name"], account["domain"]) == ("Example Corp", "example.com")
    assert account["account_id"].isdigit()
    assert [(va["name"], va["default"]) for va in account["virtual_accounts"]] == [
        ("Default", True),
        ("Lab", False),
    ]
    ids = {account["account_id"], *(va["virtual_account_id"] for va in account["virtual_accounts"])}
    assert len(ids) == 3 and all(i.isdigit() for i in ids)


async def test_id_token_created_over_the_api_establishes_trust(api: Api) -> None:
    path = "/v1/accounts/example.com/virtual-accounts/Lab/tokens"
    response = await api.post(path, {"description": "lab", "expiresAfterDays": 7})
    assert response.status_code == 200, response.text
    info = response.json()["tokenInfo"]
    assert (info["description"], info["exportControlled"], info["status"]) == (
        "lab",
        "Not Allowed",
        "VALID",
    )
    assert info["expirationDate"] == "2026-01-12T09:00:00Z"

    listed = (await api.get(path)).json()["tokens"]
    assert [t["token"] for t in listed] == [info["token"]]
    # The Default VA's list does not show the Lab token.
    other = await api.get("/v1/accounts/example.com/virtual-accounts/Default/tokens")
    assert other.json() == {"tokens": []}

    reply = api.model.handle(
        TrustRequest(timestamp=epoch_ms(START), nonce="n", sudi=LEAF1, id_token=info["token"])
    )
    assert reply.status == "SUCCESS" and reply.trust_code is not None
    trust = TrustCodeBody.model_validate(api.store.verify(reply.trust_code, START))
    assert trust.virtual_account == "Lab"

    api.clock.advance(timedelta(days=7))
    api.token = (await issue_token(api.client)).json()["access_token"]
    assert (await api.get(path)).json()["tokens"][0]["status"] == "EXPIRED"


async def test_token_routes_name_unknown_accounts(api: Api) -> None:
    for path in (
        "/v1/accounts/nowhere.example/virtual-accounts/Lab/tokens",
        "/v1/accounts/example.com/virtual-accounts/Nowhere/tokens",
    ):
        response = await api.get(path)
        assert response.status_code == 404
        assert response.json()["error"] == "unknown account"
    # The account may also be named by its name or numeric id.
    account_id = (await api.get("/v2/accounts/search")).json()["accounts"][0]["account_id"]
    for domain in ("Example Corp", account_id):
        response = await api.get(f"/v1/accounts/{domain}/virtual-accounts/Lab/tokens")
        assert response.status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"expiresAfterDays": 0},
        {"expiresAfterDays": 366},
        {"expiresAfterDays": "soon"},
        {"exportControlled": "Maybe"},
        {"description": 5},
    ],
)
async def test_bad_token_requests_are_400(api: Api, body: dict[str, Any]) -> None:
    response = await api.post("/v1/accounts/example.com/virtual-accounts/Lab/tokens", body)
    assert response.status_code == 400
    assert response.json()["error"] == "malformed request"
    assert api.model.tokens == {}


async def test_access_tokens_reach_only_the_smart_account_they_were_issued_for(
    api: Api,
) -> None:
    other = api.model.add_smart_account("Other Corp", "other.example", ["Lab"])
    api.model.add_api_client("other-client", "other-secret", "Other Corp")
    own = api.model.smart_account()
    other_token = (
        await issue_token(api.client, client_id="other-client", client_secret="other-secret")
    ).json()["access_token"]

    listed = (await api.get("/v2/accounts/search")).json()["accounts"]
    assert [a["name"] for a in listed] == [own.name]
    foreign = [
        await api.get(f"/v1/accounts/{other.domain}/virtual-accounts/Lab/tokens"),
        await api.post(
            f"/v1/accounts/{other.domain}/virtual-accounts/Lab/tokens",
            {"description": "x", "expiresAfterDays": 30, "exportControlled": "Not Allowed"},
        ),
        await api.post(f"/v1/accounts/{other.domain}/devices", {}),
        await api.report(device(LEAF1, 1), **{"X-CSW-SMART-ACCOUNT-ID": other.account_id}),
    ]
    for response in foreign:
        assert response.status_code == 403, response.text
        assert response.json()["error"] == "insufficient_scope"

    # The other account's own client reaches it, and cannot poll what this account reported.
    api.token = other_token
    assert (await api.get(f"/v1/accounts/{other.domain}/virtual-accounts/Lab/tokens")).is_success
    assert (
        await api.get(f"/v1/accounts/{own.domain}/virtual-accounts/Default/tokens")
    ).status_code == 403
    api.token = (await issue_token(api.client)).json()["access_token"]
    poll_id = (await api.report(device(LEAF1, 1))).json()["poll_id"]
    api.token = other_token
    assert (await api.poll(poll_id)).status_code == 403


# --------------------------------------------------------------------------- usage and polls


async def test_report_usage_then_poll_until_the_ack(api: Api) -> None:
    response = await api.report(device(LEAF1, 1, 2, hostname="leaf1"))
    assert response.status_code == 202, response.text
    accepted = response.json()
    assert accepted["status"] == "OK_POLL"
    assert (accepted["poll_interval"], accepted["action"]) == (300, "acknowledgements")
    assert (accepted["timestamp"], accepted["nonce"]) == (epoch_ms(START), "r1")
    poll_id = accepted["poll_id"]
    assert isinstance(poll_id, int) and 0 < poll_id < 2**63

    # JavaScript clients send 64-bit ids as strings.
    waiting = await api.poll(str(poll_id))
    assert waiting.status_code == 200
    assert (waiting.json()["status"], waiting.json()["poll_id"]) == ("OK_POLL", poll_id)
    assert waiting.json()["nonce"] == "dft0qRN2fLw4kpaR"

    api.clock.advance(timedelta(minutes=15))
    done = await api.poll(poll_id)
    assert done.status_code == 200
    body = done.json()
    assert (body["status"], body["type"], body["message"]) == ("COMPLETE", "acknowledgements", "")
    assert body["timestamp"] == 1656610485678
    (entry,) = body["data"]["acknowledgements"]
    assert entry["sudi"] == LEAF1.model_dump()
    assert entry["software_tag_identifier"].startswith("regid.")

    imported = read_import_file(base64.b64decode(entry["smart_license"]).decode())
    (document,) = imported.acks
    ack = AckBody.model_validate(api.store.verify(document, api.clock.now()))
    assert (ack.udi, ack.report_ids, ack.virtual_account) == (LEAF1, [1, 2], "Default")
    assert ack.policy is not None
    policy = PolicyBody.model_validate(api.store.verify(ack.policy, api.clock.now()))
    assert policy.policy_id == api.model.policy_of("Default").policy_id

    # Polling again hands out the same signed ACK.
    again = (await api.poll(poll_id)).json()
    assert again["data"] == body["data"]
    pi = api.model.product_instance(LEAF1)
    assert pi is not None and pi.acks_issued == 1 and pi.hostname == "leaf1"


async def test_devices_list_shows_what_was_reported(api: Api) -> None:
    await api.report(device(LEAF1, 1, hostname="leaf1"), device(LEAF2, 1, hostname="leaf2"))
    api.clock.advance(timedelta(minutes=30))
    response = await api.post("/v1/accounts/example.com/devices", {"limit": 1, "offset": 1})
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["totalRecords"]) == ("SUCCESS", 2)
    (second,) = body["devices"]
    assert second["hostName"] == "leaf2"
    assert second["sudi"]["udiPid"] == LEAF2.udi_pid
    assert second["sudi"]["udiSerialNumber"] == LEAF2.udi_serial_number
    assert second["displayName"] == f"UDI_PID:{LEAF2.udi_pid}; UDI_SN:{LEAF2.udi_serial_number}; "
    assert second["licenseUsage"] == [{"license": FEATURE, "quantity": 2}]
    assert (second["virtualAccount"], second["status"]) == ("Default", "In Compliance")
    assert second["registrationDate"] == second["lastContactDate"] == "2026-01-05T09:00:00Z"

    lab = await api.post("/v1/accounts/example.com/devices", {"virtualAccounts": ["Lab"]})
    assert lab.json()["totalRecords"] == 0 and lab.json()["devices"] == []
    unknown = await api.post("/v1/accounts/example.com/devices", {"virtualAccounts": ["Nope"]})
    assert unknown.status_code == 404


async def test_duplicate_report_is_failed_and_counted(api: Api) -> None:
    assert (await api.report(device(LEAF1, 1))).status_code == 202
    response = await api.report(device(LEAF1, 1, 2))
    assert response.status_code == 400
    body = response.json()
    assert (body["status"], body["message_code"], body["message"]) == (
        "FAILED",
        Refusal.DUPLICATE_REPORT.code,
        Refusal.DUPLICATE_REPORT.text,
    )
    assert (body["nonce"] == "r1" and "poll_id" not in body) or body["poll_id"] is None
    pi = api.model.product_instance(LEAF1)
    assert pi is not None and sorted(pi.reports) == [1] and pi.duplicates_received == 1


async def test_report_with_a_bad_signature_is_failed(api: Api) -> None:
    bad = device(LEAF1, 1)
    bad["usage"][0]["signature"]["value"] = mac(b"wrong" * 8, bad["usage"][0]["payload"])
    response = await api.report(device(LEAF2, 1), bad)
    assert response.status_code == 400
    assert response.json()["message_code"] == Refusal.BAD_REPORT_SIGNATURE.code
    # All or nothing: the good device of the request is not recorded either.
    assert api.model.product_instances() == []


async def test_trust_signed_reports_verify_with_the_trust_secret(api: Api) -> None:
    reply = api.model.handle(
        TrustRequest(
            timestamp=epoch_ms(START),
            nonce="n",
            sudi=LEAF1,
            id_token=api.model.create_token("Lab"),
        )
    )
    assert reply.trust_code is not None
    trust = TrustCodeBody.model_validate(api.store.verify(reply.trust_code, START))
    response = await api.report(device(LEAF1, 5, secret=base64.b64decode(trust.secret)))
    assert response.status_code == 202
    # A known device reports into its own VA when the request names none.
    pi = api.model.product_instance(LEAF1)
    assert pi is not None and pi.virtual_account == "Lab" and 5 in pi.reports


async def test_account_headers_choose_the_virtual_account(api: Api) -> None:
    account = (await api.get("/v2/accounts/search")).json()["accounts"][0]
    ids = {va["name"]: va["virtual_account_id"] for va in account["virtual_accounts"]}
    lab = {"X-CSW-SMART-ACCOUNT-ID": account["account_id"], "X-CSW-VIRTUAL-ACCOUNT-ID": ids["Lab"]}
    assert (await api.report(device(LEAF1, 1), **lab)).status_code == 202
    pi = api.model.product_instance(LEAF1)
    assert pi is not None and pi.virtual_account == "Lab"

    moved = await api.report(device(LEAF1, 2), **{"X-CSW-VIRTUAL-ACCOUNT-ID": ids["Default"]})
    assert moved.status_code == 400
    assert moved.json()["message_code"] == Refusal.SA_VA_MISMATCH.code

    unknown = await api.report(device(LEAF2, 1), **{"X-CSW-VIRTUAL-ACCOUNT-ID": "999"})
    assert unknown.status_code == 404 and unknown.json()["error"] == "unknown account"
    wrong = await api.report(device(LEAF2, 1), **{"X-CSW-SMART-ACCOUNT-ID": "Example"})
    assert wrong.status_code == 400 and wrong.json()["error"] == "malformed request"


async def test_unknown_poll_is_failed(api: Api) -> None:
    response = await api.poll(775133662461034514)
    assert response.status_code == 400
    body = response.json()
    assert (body["status"], body["message_code"]) == ("FAILED", Refusal.UNKNOWN_POLL.code)
    for bad in ("soon", -1, 2**64, 1.5):
        malformed = await api.poll(bad)  # type: ignore[arg-type]
        assert malformed.status_code == 400
        assert malformed.json()["error"] == "malformed request"


async def test_openapi_documents_the_whole_api(api: Api) -> None:
    document = (await api.client.get("/openapi.json")).json()
    paths = set(document["paths"])
    assert {
        "/as/token.oauth2",
        f"{API}/v2/accounts/search",
        f"{API}/v1/accounts/{{domain}}/virtual-accounts/{{virtual_account}}/tokens",
        f"{API}/v1/accounts/{{domain}}/devices",
        f"{API}/v2/devices/reportusage",
        f"{API}/v2/accounts/poll",
        "/its/service/oddce/services/DDCEService",
        "/_sim/usage-files",
        "/_sim/usage-files/{upload_id}",
        "/_sim/usage-files/{upload_id}/ack",
        "/_sim/policy-file",
    } <= paths
    assert "HTTPBearer" in document["components"]["securitySchemes"]
    report = document["paths"][f"{API}/v2/devices/reportusage"]["post"]
    assert report["security"] == [{"HTTPBearer": []}]
    headers = {p["name"].lower() for p in report["parameters"] if p["in"] == "header"}
    assert headers == {"x-csw-smart-account-id", "x-csw-virtual-account-id"}
    form = document["paths"]["/as/token.oauth2"]["post"]["requestBody"]["content"]
    assert "application/x-www-form-urlencoded" in form


# --------------------------------------------------------------------------- robustness

_BAD_BODIES = {
    "bad-json": b"{not json",
    "wrong-json": b'{"data": [1, 2, 3], "grant_type": 7}',
    "wrong-types": json.dumps(
        {
            "data": {"timestamp": "noon", "nonce": 5, "poll_id": {}, "reports": "all"},
            "virtualAccounts": "Lab",
            "expiresAfterDays": [],
            "message_type": "poll",
        }
    ).encode(),
    "huge-numbers": (
        b'{"data": {"timestamp": 1e999, "nonce": "n", "poll_id": '
        + b"9" * 5000
        + b', "reports": []}, "limit": 1e400, "expiresAfterDays": 99999999999999999999999}'
    ),
    "not-utf8": b"\xff\xfe\x00\x81{",
    "empty": b"",
    "null": b"null",
    "deep": b"[" * 50_000,
    "lone-surrogate": b'{"data": {"nonce": "\\ud800"}, "description": "\\udfff"}',
}


def _routes(app: Any) -> list[tuple[str, str]]:
    routes = []
    for route in app.routes:
        for method in sorted(getattr(route, "methods", None) or ()):
            if method != "HEAD":
                routes.append((method, route.path))
    return routes


@pytest.mark.parametrize("name", list(_BAD_BODIES))
async def test_malformed_bodies_never_make_any_route_fail_with_5xx(api: Api, name: str) -> None:
    app = create_app(api.model)
    content = _BAD_BODIES[name]
    routes = _routes(app)
    body_routes = {
        (method, route.path)
        for route in app.routes
        if isinstance(route, APIRoute)
        for method in route.methods
        if method == "POST"
    }
    assert len(routes) >= 16 and len(body_routes) >= 8
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://cssm.example") as client:
        for method, path in routes:
            url = re.sub(r"\{[^}]+\}", "x\u00e9%ff", path)
            for headers in ({"Authorization": f"Bearer {api.token}"}, {}):
                response = await client.request(
                    method,
                    url,
                    content=content,
                    params={"virtual_account": "Lab", "limit": "1e999"},
                    headers={"content-type": "application/json", **headers},
                )
                status = response.status_code
                assert status < 500, (method, path, name, response.text)
                if (method, path) in body_routes:
                    assert 400 <= status < 500, (method, path, name, response.text)
                if status >= 400:
                    assert response.headers["content-type"] == "application/json", (method, path)
                    assert isinstance(response.json(), dict) and response.json()
