"""The lab on the wire: control API, real HTTP between switches and back ends, NX-API,
remote syslog over UDP, and the `slpsim` control subcommands against a running lab."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner
from wire_lab import nxapi_output

from sim.command_line import app
from sim.lab.background import BackgroundLab
from sim.lab.lab import LabOptions

START = datetime.fromisoformat("2026-03-02T08:00:00+00:00")


@pytest.fixture(scope="module")
def lab() -> Iterator[BackgroundLab]:
    options = LabOptions(
        switches=2,
        rate=0,  # time moves only when a test moves it
        control_port=0,
        ssh_port_base=0,
        nxapi_port_base=0,
        start=START,
    )
    with BackgroundLab(options) as running:
        yield running


@pytest.fixture
def control(lab: BackgroundLab) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"http://127.0.0.1:{lab.endpoints.control_port}") as client:
        yield client
        client.delete("/sim/faults")


def nxapi_ascii(lab: BackgroundLab, switch: int, command: str, kind: str = "cli_show_ascii") -> Any:
    return nxapi_output(lab.endpoints.switches[switch].nxapi_port, command, kind)


def test_clock_reads_and_jumps(control: httpx.Client) -> None:
    before = control.get("/sim/clock").json()
    assert before["rate"] == 0
    after = control.post("/sim/clock/advance", json={"seconds": 3600}).json()
    moved = datetime.fromisoformat(after["now"]) - datetime.fromisoformat(before["now"])
    assert moved == timedelta(hours=1)


def test_switch_table_lists_reachable_ports(control: httpx.Client) -> None:
    switches = control.get("/sim/switches").json()
    assert [s["name"] for s in switches] == ["leaf1", "leaf2"]
    assert switches[0]["udi"].startswith("PID:N9K-")
    assert switches[0]["username"] == "admin"
    for entry in switches:
        for port in (entry["ssh_port"], entry["nxapi_port"]):
            with socket.create_connection(("127.0.0.1", port), timeout=5):
                pass


def test_bad_control_requests_are_4xx_json(control: httpx.Client) -> None:
    for method, path, body in [
        ("POST", "/sim/clock/advance", {"seconds": -5}),
        ("POST", "/sim/clock/advance", {"seconds": "soon"}),
        ("POST", "/sim/faults", {"target": "cssm", "kind": "meteor"}),
        ("POST", "/sim/faults", {"target": "nowhere", "kind": "dns"}),
        ("POST", "/sim/tokens", {"issuer": "acme"}),
    ]:
        response = control.request(method, path, json=body)
        assert 400 <= response.status_code < 500, (path, body, response.text)
        assert "error" in response.json()
    assert control.delete("/sim/faults/9999").status_code == 404
    assert control.get("/sim/syslog", params={"since": "yesterday"}).status_code == 400


def test_token_and_trust_over_real_http(lab: BackgroundLab, control: httpx.Client) -> None:
    token = control.post("/sim/tokens", json={"issuer": "cssm"}).json()["token"]
    since = control.get("/sim/clock").json()["now"]
    nxapi_ascii(lab, 0, f"license smart trust idtoken {token} all")
    lines = control.get("/sim/syslog", params={"switch": "leaf1", "since": since}).json()
    assert any("TRUST_CODE_INSTALL_SUCCESS" in line for line in lines), lines
    status = nxapi_ascii(lab, 0, "show license status")["body"]
    assert "Trust Code installed: <none>" not in status
    # The request really crossed HTTP: the back end counted it.
    assert lab.lab.simulation.cssm.counters.trust_requests >= 1


def test_dns_fault_then_four_hours_gives_comm_failed_through_nxapi(
    lab: BackgroundLab, control: httpx.Client
) -> None:
    token = control.post("/sim/tokens", json={"issuer": "cssm"}).json()["token"]
    nxapi_ascii(lab, 1, f"license smart trust idtoken {token} all")
    created = control.post("/sim/faults", json={"target": "dns", "kind": "unreachable"})
    assert created.status_code == 200
    listed = control.get("/sim/faults").json()
    assert [(f["target"], f["kind"]) for f in listed] == [("dns", "unreachable")]
    nxapi_ascii(lab, 1, "license smart sync all")
    control.post("/sim/clock/advance", json={"seconds": 4 * 3600})
    output = nxapi_ascii(lab, 1, "show logging logfile | include COMM_FAILED")["body"]
    failures = [line for line in output.splitlines() if "COMM_FAILED" in line]
    assert failures, output
    assert failures[0].endswith(
        "%LICMGR-3-LOG_SMART_LIC_COMM_FAILED: Communications failure with the "
        "Cisco Smart Software Manager (CSSM) : Unable to resolve server hostname/domain name"
    )
    assert " leaf2 " in failures[0]


def test_remote_syslog_arrives_over_udp(lab: BackgroundLab, control: httpx.Client) -> None:
    collector = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    collector.bind(("127.0.0.1", 0))
    collector.settimeout(10)
    port = collector.getsockname()[1]
    try:
        nxapi_ascii(lab, 0, f"logging server 127.0.0.1 7 port {port}", kind="cli_conf")
        control.post("/sim/faults", json={"target": "cssm", "kind": "http-404"})
        nxapi_ascii(lab, 0, "license smart sync all")
        data, _ = collector.recvfrom(4096)
    finally:
        collector.close()
        nxapi_ascii(lab, 0, f"no logging server 127.0.0.1 7 port {port}", kind="cli_conf")
    line = data.decode()
    assert line.startswith("<187>: 20"), line
    assert " UTC: %LICMGR-3-LOG_SMART_LIC_COMM_FAILED: Communications failure with the " in line


def test_slpsim_control_commands(lab: BackgroundLab) -> None:
    runner = CliRunner()
    url = f"http://127.0.0.1:{lab.endpoints.control_port}"
    before = lab.now()
    result = runner.invoke(app, ["clock", "--control", url, "advance", "2h"])
    assert result.exit_code == 0, result.output
    assert lab.now() - before == timedelta(hours=2)
    result = runner.invoke(app, ["clock", "--control", url])
    assert result.exit_code == 0 and "rate 0x" in result.output
    result = runner.invoke(
        app, ["fault", "add", "cssm", "slow", "-p", "seconds=90", "--control", url]
    )
    assert result.exit_code == 0, result.output
    fault_id = int(result.output.strip())
    listing = runner.invoke(app, ["fault", "list", "--control", url]).output
    assert "slow" in listing and "seconds=90" in listing
    assert runner.invoke(app, ["fault", "clear", str(fault_id), "--control", url]).exit_code == 0
    token = runner.invoke(app, ["token", "--control", url]).output.strip()
    assert len(token) > 40
    table = runner.invoke(app, ["switches", "--control", url]).output
    assert "leaf1" in table and "/ins" in table
    lines = runner.invoke(app, ["syslog", "--switch", "leaf1", "--control", url])
    assert lines.exit_code == 0
    missing = runner.invoke(app, ["clock", "--control", "http://127.0.0.1:9"])
    assert missing.exit_code == 1 and "is `slpsim lab` running?" in missing.output


def test_control_token_is_required_when_set() -> None:
    options = LabOptions(
        switches=1,
        rate=0,
        control_port=0,
        ssh_port_base=0,
        nxapi_port_base=0,
        control_token="s3cret",
    )
    with BackgroundLab(options) as running:
        url = f"http://127.0.0.1:{running.endpoints.control_port}/sim/clock"
        refused = httpx.get(url)
        assert refused.status_code == 401 and "control token" in refused.json()["error"]
        assert httpx.get(url, headers={"authorization": "Bearer wrong"}).status_code == 401
        assert httpx.get(url, headers={"authorization": "Bearer s3cret"}).status_code == 200
        # NX-API and SSH listeners are on loopback and refuse bad credentials.
        nxapi = f"http://127.0.0.1:{running.endpoints.switches[0].nxapi_port}/ins"
        assert httpx.post(nxapi, json={}, auth=("admin", "nope")).status_code == 401


def test_offline_round_trip_through_the_control_api() -> None:
    options = LabOptions(
        topology="offline",
        switches=1,
        rate=0,
        control_port=0,
        ssh_port_base=0,
        nxapi_port_base=0,
        start=START,
    )
    with (
        BackgroundLab(options) as running,
        httpx.Client(base_url=f"http://127.0.0.1:{running.endpoints.control_port}") as control,
    ):
        nxapi_ascii(running, 0, "license smart save usage all file bootflash:usage.txt")
        upload = control.post(
            "/sim/actions",
            json={
                "target": "cssm",
                "action": "upload-usage-data",
                "file": "usage.txt",
                "from_switch": "leaf1",
            },
        )
        assert upload.status_code == 200, upload.text
        early = control.post(
            "/sim/actions",
            json={"target": "cssm", "action": "download-ack", "file": "ack.txt"},
        )
        assert early.status_code == 400 and "not ready" in early.json()["error"]
        control.post("/sim/clock/advance", json={"seconds": 16 * 60})
        runner = CliRunner()
        result = runner.invoke(
            app,
            [
                "action",
                "cssm",
                "download-ack",
                "-p",
                "file=ack.txt",
                "--control",
                str(control.base_url),
            ],
        )
        assert result.exit_code == 0, result.output
        ack = control.get("/sim/files/ack.txt")
        assert ack.status_code == 200 and ack.content.startswith(b"<smartLicense>")
        # The person carries the ACK to the switch: through the workspace, onto bootflash.
        assert control.put("/sim/files/carried.txt", content=ack.content).status_code == 201
        copied = control.post(
            "/sim/actions",
            json={
                "target": "cssm",
                "action": "download-ack",
                "file": "ack.txt",
                "to_switch": "leaf1",
            },
        )
        assert copied.status_code == 200, copied.text
        output = nxapi_ascii(running, 0, "license smart import bootflash:ack.txt")["body"]
        assert "Import Data Successful" in output
        status = nxapi_ascii(running, 0, "show license status")["body"]
        assert "Last ACK received: <none>" not in status
        names = [f["name"] for f in control.get("/sim/files").json()]
        assert names == ["ack.txt", "carried.txt"]


@pytest.mark.parametrize(
    "topology", ["cslu", "cslu-disconnected", "onprem", "onprem-disconnected", "offline"]
)
def test_every_topology_runs_as_a_lab(topology: str) -> None:
    options = LabOptions(
        topology=topology,
        switches=1,
        rate=0,
        control_port=0,
        ssh_port_base=0,
        nxapi_port_base=0,
        start=START,
    )
    with BackgroundLab(options) as running:
        # First push at 09:00; the relay uploads at its 10:00 sync and brings the ACK at 11:00.
        running.advance(timedelta(hours=3, minutes=30))
        status = nxapi_ascii(running, 0, "show license status")["body"]
        sim = running.lab.simulation
        if topology == "offline":
            assert "Last report push: <none>" in status
            return
        # The first push crossed real HTTP to the relay, which holds the switch now.
        assert "Last report push: <none>" not in status, status
        relay = sim.cslu if topology.startswith("cslu") else sim.onprem
        assert relay.product_instance(sim.switch().sudi) is not None
        acked = "Last ACK received: <none>" not in status
        # Connected relays synchronise with CSSM on their own (hourly): the ACK is back.
        assert acked == (not topology.endswith("-disconnected")), status
