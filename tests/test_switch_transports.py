"""The switch over each transport: cslu (CSLU and SSM On-Prem URLs), callhome, off; two vPC
peers; the structured (`| json`, NX-API) forms of the license show commands."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine, Iterator
from datetime import timedelta
from typing import Any, TypeVar

import httpx
import pytest
from booted_simulation import TWO_LEAVES, booted
from pydantic import TypeAdapter

from sim.network import NetHost
from sim.protocol.errors import Refusal
from sim.protocol.messages import (
    AckBody,
    AgentRequest,
    PolicyBody,
    PollRequest,
    Reply,
    TrustRequest,
    UsageReportRequest,
)
from sim.protocol.rum import report_id_of
from sim.simulation import Simulation
from sim.transport import BackendEndpoint

T = TypeVar("T")
REQUEST: TypeAdapter[Any] = TypeAdapter(AgentRequest)
COMM_FAILED = "%LICMGR-3-LOG_SMART_LIC_COMM_FAILED: Communications failure with the "
CSLU = "Cisco Smart License Utility (CSLU)"
CSSM = "Cisco Smart Software Manager (CSSM)"
NOT_SUPPORTED = "%LICMGR-4-LOG_SMART_LIC_REPORTING_NOT_SUPPORTED: "
POLICY_OK = "%LICMGR-6-LOG_SMART_LIC_POLICY_INSTALL_SUCCESS: "
CALLHOME_READY = [
    "callhome",
    "email-contact admin@example.com",
    "destination-profile CiscoTAC-1 transport-method http",
    "transport http use-vrf management",
    "enable",
]


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


class CsluStandIn:
    """CSLU (or a down-rev On-Prem) reduced to what the switch sees of it, over httpx."""

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self.down_rev = False
        self.received: list[tuple[str, Any]] = []
        self._acks: dict[int, list[int]] = {}

    def handle(self, http: httpx.Request) -> httpx.Response:
        request = REQUEST.validate_json(http.content)
        self.received.append((str(http.url), request))
        return httpx.Response(200, content=self.reply(request).model_dump_json())

    def reply(self, request: Any) -> Reply:
        signer = self.sim.cssm.signer
        if isinstance(request, UsageReportRequest):
            if self.down_rev:
                code = Refusal.REPORTING_NOT_SUPPORTED
                return Reply(status="FAILED", message_code=code.code, message=code.text)
            poll_id = len(self._acks) + 1
            self._acks[poll_id] = [report_id_of(r) for r in request.reports]
            policy = None
            if request.policy_id is None:  # CSLU furnishes a missing policy
                body = PolicyBody(
                    policy_id="cslu-1",
                    name="CSLU policy",
                    issued=self.sim.clock.now().isoformat(),
                    first_report_days=90,
                    reporting_frequency_days=365,
                    report_on_change_days=90,
                )
                policy = signer.sign(body.model_dump())
            reply = Reply(status="OK_POLL", poll_id=poll_id, policy=policy)
        elif isinstance(request, PollRequest):
            ack = AckBody(
                udi=request.sudi,
                report_ids=self._acks.get(request.poll_id, []),
                issued=self.sim.clock.now().isoformat(),
                smart_account="example.com",
                virtual_account="Default",
            )
            reply = Reply(
                status="COMPLETE", poll_id=request.poll_id, ack=signer.sign(ack.model_dump())
            )
        else:
            reply = Reply(status="FAILED", message_code=Refusal.INVALID_TOKEN.code)
        reply.server_key_id = signer.key_id
        return reply

    def kinds(self) -> list[str]:
        return [request.message_type for _, request in self.received]


@pytest.fixture
def sim() -> Iterator[Simulation]:
    yield from booted(TWO_LEAVES)


@pytest.fixture
def cslu(sim: Simulation) -> Iterator[CsluStandIn]:
    stand_in = CsluStandIn(sim)
    names = ("cslu-local.example.com", "onprem.example.com")
    sim.network.add_host(NetHost("10.20.0.5", names, "backend", backend="cslu", ports=(443, 8182)))
    client = httpx.AsyncClient(transport=httpx.MockTransport(stand_in.handle))
    sim.transport.endpoints["cslu"] = BackendEndpoint(client)
    yield stand_in
    run(client.aclose())


def config(sim: Simulation, *lines: str, switch: str = "leaf1") -> str:
    return run(sim.config(switch, list(lines)))


def exec_(sim: Simulation, line: str, switch: str = "leaf1") -> str:
    return run(sim.exec(switch, line))


def advance(sim: Simulation, delta: timedelta) -> None:
    run(sim.advance(delta))


def bodies(sim: Simulation, switch: str = "leaf1") -> list[str]:
    return [record.body for record in sim.syslog(switch)]


# ---------------------------------------------------------------------- cslu and On-Prem


def test_cslu_by_default_url_reports_without_trust_and_gets_a_policy(
    sim: Simulation, cslu: CsluStandIn
) -> None:
    config(sim, "license smart transport cslu")
    assert "  Type: CSLU\n  Cslu address: cslu-local\n" in exec_(sim, "show license status")
    advance(sim, timedelta(hours=1, minutes=6))
    url, _ = cslu.received[0]
    assert url == "http://cslu-local:8182/cslu/v1/pi"
    assert cslu.kinds()[:2] == ["usage_report", "poll"]
    assert any(body.startswith(POLICY_OK) for body in bodies(sim))
    status = exec_(sim, "show license status")
    assert "Trust Code installed: <none>" in status
    assert "Last ACK received: Jan 05 10:05:00 2026 UTC" in status


def test_cslu_unreachable_names_the_cslu_peer(sim: Simulation) -> None:
    config(sim, "license smart transport cslu")
    advance(sim, timedelta(hours=1))
    assert bodies(sim)[-1] == f"{COMM_FAILED}{CSLU} : Unable to resolve server hostname/domain name"


def test_sync_through_cslu_pushes_now_without_trust(sim: Simulation, cslu: CsluStandIn) -> None:
    config(sim, "license smart transport cslu")
    exec_(sim, "license smart sync all")
    assert cslu.kinds() == ["usage_report"]


def test_trust_idtoken_with_transport_cslu_goes_to_the_cslu_url(
    sim: Simulation, cslu: CsluStandIn
) -> None:
    url = "https://onprem.example.com/cslu/v1/pi/VA-1"
    config(sim, "license smart transport cslu", f"license smart url cslu {url}")
    exec_(sim, "license smart trust idtoken abc123 all")
    ((sent_to, request),) = cslu.received
    assert sent_to == url and isinstance(request, TrustRequest)


def test_down_rev_onprem_stops_reporting_but_usage_is_still_saved(
    sim: Simulation, cslu: CsluStandIn
) -> None:
    cslu.down_rev = True
    url = "https://onprem.example.com/cslu/v1/pi/VA-1"
    config(sim, "license smart transport cslu", f"license smart url cslu {url}")
    advance(sim, timedelta(days=90))
    assert [b for b in bodies(sim) if b.startswith(NOT_SUPPORTED)] == [
        NOT_SUPPORTED + "The CSSM OnPrem that this product instance is connected to is down rev "
        "and does not support the enhanced policy and usage reporting mode."
    ]
    assert not [b for b in bodies(sim) if b.startswith(COMM_FAILED)]
    assert cslu.kinds() == ["usage_report"]
    status = json.loads(exec_(sim, "show license status | json"))
    assert status["next_report_push"] is None
    assert status["reporting_stopped"] == "reporting not supported by the server"
    assert exec_(sim, "license smart save usage unreported file bootflash:u.txt") == ""
    cslu.down_rev = False
    exec_(sim, "license smart sync all")
    assert cslu.kinds() == ["usage_report", "usage_report"]
    assert json.loads(exec_(sim, "show license status | json"))["reporting_stopped"] is None


# ---------------------------------------------------------------------- callhome


def test_callhome_not_enabled_is_a_clear_comm_failure(sim: Simulation) -> None:
    config(sim, "license smart transport callhome")
    exec_(sim, f"license smart trust idtoken {sim.issue_token()} all")
    assert f"{COMM_FAILED}{CSSM} : Callhome is not enabled" in bodies(sim)


def test_callhome_with_email_transport_only_has_no_http_destination(sim: Simulation) -> None:
    config(sim, "license smart transport callhome", "callhome", "enable")
    exec_(sim, f"license smart trust idtoken {sim.issue_token()} all")
    reason = "Callhome profile CiscoTAC-1 has no HTTP destination"
    assert f"{COMM_FAILED}{CSSM} : {reason}" in bodies(sim)
    assert "Profile: CiscoTAC-1 (status: INACTIVE)" in exec_(sim, "show call-home profile all")


def test_callhome_trust_report_and_ack_through_tools_cisco_com(sim: Simulation) -> None:
    config(sim, "license smart transport callhome", *CALLHOME_READY)
    exec_(sim, f"license smart trust idtoken {sim.issue_token()} all")
    advance(sim, timedelta(hours=1, minutes=20))
    assert any(body.startswith(POLICY_OK) for body in bodies(sim))
    assert not [b for b in bodies(sim) if b.startswith(COMM_FAILED)]
    status = exec_(sim, "show license status")
    assert (
        "  Type: Callhome\n"
        "  URL: https://tools.cisco.com/its/service/oddce/services/DDCEService\n"
        "  VRF: management\n"
    ) in status
    profile = exec_(sim, "show call-home profile all")
    assert " Smart-license messages: enabled\n Profile: CiscoTAC-1 (status: ACTIVE)\n" in profile
    assert "DDCEService" in profile


def test_callhome_uses_its_own_vrf(sim: Simulation) -> None:
    # The name server answers in VRF management only; callhome is told to use default.
    lines = [line for line in CALLHOME_READY if not line.startswith("transport http")]
    config(sim, "license smart transport callhome", *lines, "transport http use-vrf default")
    exec_(sim, f"license smart trust idtoken {sim.issue_token()} all")
    assert f"{COMM_FAILED}{CSSM} : Unable to resolve server hostname/domain name" in bodies(sim)


def test_running_config_callhome_all_and_reload_keep_the_callhome_setup(sim: Simulation) -> None:
    config(sim, "license smart transport callhome", *CALLHOME_READY)
    shown = exec_(sim, "show running-config callhome all")
    assert (
        "callhome\n"
        "  email-contact admin@example.com\n"
        "  destination-profile xml transport-method http\n"
        "  destination-profile xml index 1 http "
        "https://tools.cisco.com/its/service/oddce/services/DDCEService\n"
        "  transport http use-vrf management\n"
        "  enable\n"
    ) in shown
    exec_(sim, "copy running-config startup-config")
    exec_(sim, "reload")
    # Past the three header lines (times) and the blank line, nothing differs.
    after = exec_(sim, "show running-config callhome all")
    assert after.split("\n", 4)[4] == shown.split("\n", 4)[4]
    exec_(sim, f"license smart trust idtoken {sim.issue_token()} all")
    assert bodies(sim)[-1].startswith("%LICMGR-6-LOG_SMART_LIC_TRUST_CODE_INSTALL_SUCCESS")


def test_removing_the_http_url_makes_callhome_inactive(sim: Simulation) -> None:
    url = "https://tools.cisco.com/its/service/oddce/services/DDCEService"
    config(sim, *CALLHOME_READY, f"no destination-profile xml index 1 http {url}")
    profile = exec_(sim, "show call-home profile all")
    assert "Profile: CiscoTAC-1 (status: INACTIVE)" in profile
    assert f"no destination-profile xml index 1 http {url}" in exec_(sim, "show running-config")


# ---------------------------------------------------------------------- off


def test_transport_off_shows_no_reporting_and_sync_sends_nothing(sim: Simulation) -> None:
    exec_(sim, f"license smart trust idtoken {sim.issue_token()} all")
    config(sim, "license smart transport off")
    before = sim.transport.exchanges
    exec_(sim, "license smart sync all")
    advance(sim, timedelta(days=40))
    assert sim.transport.exchanges == before
    status = exec_(sim, "show license status")
    assert "  Type: Transport Off\n" in status
    assert "Reporting push interval: <none>" in status
    assert "Next report push: <none>" in status


# ---------------------------------------------------------------------- vPC peers


def test_vpc_peers_each_report_their_own_usage(sim: Simulation) -> None:
    config(sim, "hostname leaf2", switch="leaf2")
    for name in ("leaf1", "leaf2"):
        exec_(sim, f"license smart trust idtoken {sim.issue_token()} all", name)
    config(sim, "license smart usage interval 7", switch="leaf2")
    sim.switch("leaf2").set_usage({"NXOS_ADVANTAGE_XF": 1, "SECURITY_PKG": 1})
    advance(sim, timedelta(hours=1, minutes=20))
    leaf1, leaf2 = sim.switch("leaf1"), sim.switch("leaf2")
    assert sim.cssm.usage_of(leaf1.sudi) == {"NXOS_ADVANTAGE_XF": 1}
    assert sim.cssm.usage_of(leaf2.sudi) == {"NXOS_ADVANTAGE_XF": 1, "SECURITY_PKG": 1}
    pi = sim.cssm.product_instance(leaf2.sudi)
    assert pi is not None and pi.hostname == "leaf2"
    for name in ("leaf1", "leaf2"):
        assert any(body.startswith(POLICY_OK) for body in bodies(sim, name))
    assert (
        json.loads(exec_(sim, "show license status | json", "leaf1"))["next_report_push"]
        != (json.loads(exec_(sim, "show license status | json", "leaf2"))["next_report_push"])
    )


# ---------------------------------------------------------------------- structured output


def test_license_status_json_uses_nxapi_style_keys(sim: Simulation) -> None:
    status = json.loads(exec_(sim, "show license status | json"))
    assert status["transport_type"] == "smart"
    assert status["transport_url"] == "https://smartreceiver.cisco.com/licservice/license"
    assert status["transport_vrf"] == "management"
    assert status["policy_in_use"] == "default"
    assert status["next_ack_deadline"] == "2026-04-05T09:00:00+00:00"
    assert status["udi_sn"] == "FDO2434107N"
    assert all(key == key.lower() for key in status)


def test_summary_udi_host_id_and_all_have_structured_forms(sim: Simulation) -> None:
    session = sim.switch("leaf1").session
    summary = json.loads(session.execute("show license summary", structured=True).output)
    assert summary == {
        "TABLE_license_usage": {
            "ROW_license_usage": [
                {
                    "license": "NXOS_ADVANTAGE_XF",
                    "description": "Advantage license for Nexus 9300-XF",
                    "entitlement_tag": "NXOS_ADVANTAGE_XF",
                    "count": 1,
                    "status": "IN USE",
                }
            ]
        }
    }
    udi = json.loads(exec_(sim, "show license udi | json"))
    assert udi == {
        "udi": "PID:N9K-C93180YC-FX,SN:FDO2434107N",
        "pid": "N9K-C93180YC-FX",
        "sn": "FDO2434107N",
    }
    assert json.loads(exec_(sim, "show license host-id | json")) == {"host_id": "VDH=FDO2434107N"}
    everything = json.loads(exec_(sim, "show license all | json"))
    assert everything["status"]["transport_type"] == "smart"
    rows = everything["usage"]["TABLE_show_smart_lic_usage"]["ROW_show_smart_lic_usage"]
    assert [row["smart_feature_name"] for row in rows] == ["NXOS_ADVANTAGE_XF"]
    assert everything["product_information"]["udi"] == udi["udi"]
