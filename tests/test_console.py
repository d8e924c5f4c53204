"""The trainer's web console without a browser: its state endpoint, its event stream, its CLI
WebSocket and its sign-in with a control token."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
import wsproto
import wsproto.events as ws
from wire_lab import lab_options, nxapi_output

from sim.lab.background import BackgroundLab

START = datetime.fromisoformat("2026-03-02T08:00:00+00:00")
TOKEN = "console-test-token"
WAIT = 60  # seconds: a safety net against a hung stream, never a measured duration


@pytest.fixture(scope="module")
def lab() -> Iterator[BackgroundLab]:
    # CSLU: switches push without a trust code, so a broken network shows at once.
    with BackgroundLab(lab_options(None, start=START, switches=2, topology="cslu")) as running:
        yield running


@pytest.fixture
def control(lab: BackgroundLab) -> Iterator[httpx.Client]:
    url = f"http://127.0.0.1:{lab.endpoints.control_port}"
    with httpx.Client(base_url=url, timeout=WAIT) as client:
        yield client
        client.delete("/sim/faults")


class EventStream:
    """The console's server-sent events, read message by message."""

    def __init__(self, client: httpx.Client, **headers: str) -> None:
        self._context = client.stream("GET", "/sim/console/events", headers=headers)
        self.response = self._context.__enter__()
        self._lines = self.response.iter_lines()

    def next(self) -> dict[str, Any]:
        quiet = 0
        for line in self._lines:
            if line.startswith("data:"):
                message: dict[str, Any] = json.loads(line[5:])
                return message
            if line.startswith(":"):
                quiet += 1  # a keep-alive: nothing changed for a long while
                if quiet > 2:
                    raise AssertionError("the event stream went quiet")
        raise AssertionError("the event stream ended")

    def until(self, done: Any) -> list[dict[str, Any]]:
        """Updates up to and including the first for which `done(seen so far)` holds."""
        seen: list[dict[str, Any]] = []
        while not done(seen):
            seen.append(self.next())
        return seen

    def close(self) -> None:
        self._context.__exit__(None, None, None)


def lines_of(updates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [line for u in updates for line in u.get("syslog", [])]


def test_page_and_assets_are_served_by_the_lab(control: httpx.Client) -> None:
    page = control.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    # Offline: every asset the page names is served here, nothing comes from elsewhere.
    assert "http://" not in page.text and "https://" not in page.text
    for asset in ("/console/static/console.js", "/console/static/console.css"):
        assert asset in page.text
        assert control.get(asset).status_code == 200
    assert control.get("/console/static/nothing.js").status_code == 404


def test_state_shows_topology_and_each_switch_licensing(
    lab: BackgroundLab, control: httpx.Client
) -> None:
    state = control.get("/sim/console/state").json()
    topology = state["topology"]
    assert topology["name"] == "cslu"
    assert topology["backends"] == ["cssm", "cslu"]
    assert {"from": "leaf1", "to": "cslu", "kind": "licensing"} in topology["links"]
    assert {"from": "cslu", "to": "cssm", "kind": "sync"} in topology["links"]
    leaf1 = next(s for s in state["switches"] if s["name"] == "leaf1")
    assert leaf1["transport"] == "cslu"
    assert leaf1["policy"]["source"] == "CISCO default"
    assert leaf1["deadline"] is not None and 0 < leaf1["days_left"] <= 90
    assert leaf1["push_interval_seconds"] == 30 * 86400
    kinds = {k["kind"]: k for k in state["catalogue"]["kinds"]}
    assert kinds["slow"]["params"] == ["seconds"]
    assert "dns" in kinds["unreachable"]["targets"]
    assert "leaf1" in kinds["clock-skew"]["targets"]
    assert {"target": "cslu", "action": "sync"} in state["actions"]


def test_state_follows_the_switch_a_trust_code_lands_on(
    lab: BackgroundLab, control: httpx.Client
) -> None:
    token = control.post("/sim/tokens", json={"issuer": "cssm"}).json()["token"]
    port = lab.endpoints.switches[1].nxapi_port
    nxapi_output(port, "license smart transport smart", "cli_conf")
    nxapi_output(port, f"license smart trust idtoken {token} all")
    state = control.get("/sim/console/state").json()
    leaf2 = next(s for s in state["switches"] if s["name"] == "leaf2")
    assert leaf2["trust"] is not None and leaf2["trust"]["installed"]
    assert leaf2["peer"] == "cssm"
    assert any(e["kind"] == "trust" and e["switch"] == "leaf2" for e in state["timeline"])
    nxapi_output(port, "license smart transport cslu", "cli_conf")


def test_stream_sends_a_snapshot_then_only_what_changed(
    lab: BackgroundLab, control: httpx.Client
) -> None:
    stream = EventStream(control)
    try:
        first = stream.next()
        assert first["type"] == "snapshot"
        cursor = first["syslog_cursor"]
        assert control.post("/sim/faults", json={"target": "dns", "kind": "unreachable"})
        control.post("/sim/clock/advance", json={"seconds": 5 * 3600})
        updates = stream.until(
            lambda seen: (
                any(
                    s["name"] == "leaf1" and s.get("phase", "normal") != "normal"
                    for u in seen
                    for s in u.get("switches", [])
                )
                and any("COMM_FAILED" in line["line"] for line in lines_of(seen))
            )
        )
        assert all(u["type"] == "update" for u in updates)
        lines = lines_of(updates)
        numbers = [line["n"] for line in lines]
        # Incremental: every line once, in order, none from before the snapshot.
        assert numbers == sorted(set(numbers)) and numbers[0] > cursor
        failed = [line for line in lines if "COMM_FAILED" in line["line"]]
        assert failed[0]["severity"] == 3
        assert {line["switch"] for line in failed} == {"leaf1", "leaf2"}
        events = [e for u in updates for e in u.get("timeline", [])]
        assert any(e["kind"] == "fault_on" and e["switch"] is None for e in events)
        assert any(e["kind"] == "comm_failed" and e["switch"] == "leaf1" for e in events)
        assert any(e["kind"] == "retry" for e in events)
        assert any(f["target"] == "dns" for u in updates for f in u.get("faults", []))
        # A switch is sent with only the fields that changed: never its UDI again.
        changes = [s for u in updates for s in u.get("switches", [])]
        assert changes and all("udi" not in s and "policy" not in s for s in changes)
        control.delete("/sim/faults")
        control.post("/sim/clock/advance", json={"seconds": 3600})
        restored = stream.until(
            lambda seen: any("COMM_RESTORED" in line["line"] for line in lines_of(seen))
        )
        assert any(e["kind"] == "comm_restored" for u in restored for e in u.get("timeline", []))
        assert any(e["kind"] == "fault_off" for u in restored for e in u.get("timeline", []))
    finally:
        stream.close()


def test_a_storm_is_sent_in_bounded_updates(lab: BackgroundLab, control: httpx.Client) -> None:
    """A month of 15-minute retries on two switches: each update carries at most the newest few
    hundred lines and says how many it skipped; nothing is sent twice."""
    stream = EventStream(control)
    try:
        first = stream.next()
        start = first["syslog_cursor"]
        control.post("/sim/faults", json={"target": "dns", "kind": "unreachable"})
        month = 30 * 86400
        jump = control.post("/sim/clock/advance", json={"seconds": month, "wait": False})
        assert jump.status_code == 202
        target = datetime.fromisoformat(first["clock"]["now"]) + timedelta(seconds=month)
        # Read while the lab jumps, as a browser does.
        updates = stream.until(
            lambda seen: (
                bool(seen)
                and "jump" not in seen[-1]["clock"]
                and datetime.fromisoformat(seen[-1]["clock"]["now"]) >= target
            )
        )
        end = control.get("/sim/console/state").json()["syslog_cursor"]
        if not any(line["n"] == end for line in lines_of(updates)):
            updates += stream.until(lambda seen: any(line["n"] == end for line in lines_of(seen)))
        lines = lines_of(updates)
        skipped = sum(u.get("syslog_skipped", 0) for u in updates)
        assert max(len(u.get("syslog", [])) for u in updates) <= 300
        assert skipped > 0
        numbers = [line["n"] for line in lines]
        assert len(numbers) == len(set(numbers))
        assert len(numbers) + skipped == end - start
    finally:
        stream.close()


class Terminal:
    """A WebSocket client for the console's CLI, on wsproto over a plain socket."""

    def __init__(self, port: int, path: str, headers: list[tuple[str, str]] | None = None) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
        self.conn = wsproto.WSConnection(wsproto.ConnectionType.CLIENT)
        self.sock.sendall(
            self.conn.send(
                ws.Request(host=f"127.0.0.1:{port}", target=path, extra_headers=headers or [])
            )
        )
        self.accepted: bool | None = None
        self.closed: int | None = None
        self._pending: list[dict[str, Any]] = []
        self._text = ""
        while self.accepted is None:
            self._pump()

    def _pump(self) -> None:
        data = self.sock.recv(65536)
        self.conn.receive_data(data or None)
        for event in self.conn.events():
            if isinstance(event, ws.AcceptConnection):
                self.accepted = True
            elif isinstance(event, ws.RejectConnection):
                self.accepted = False
                self.closed = event.status_code
            elif isinstance(event, ws.TextMessage):
                self._text += event.data
                if event.message_finished:
                    self._pending.append(json.loads(self._text))
                    self._text = ""
            elif isinstance(event, ws.CloseConnection):
                self.closed = event.code
                if self.accepted is None:
                    self.accepted = False
        if not data and self.accepted is None:
            self.accepted = False

    def receive(self) -> dict[str, Any]:
        while not self._pending:
            if self.closed is not None:
                raise AssertionError(f"closed with {self.closed}")
            self._pump()
        return self._pending.pop(0)

    def send(self, line: str) -> dict[str, Any]:
        self.sock.sendall(self.conn.send(ws.TextMessage(data=json.dumps({"line": line}))))
        return self.receive()

    def close(self) -> None:
        self.sock.close()


def test_cli_websocket_runs_commands_on_the_switch(
    lab: BackgroundLab, control: httpx.Client
) -> None:
    terminal = Terminal(lab.endpoints.control_port, "/sim/console/cli/leaf1")
    try:
        hello = terminal.receive()
        assert hello["prompt"] == "leaf1# "
        reply = terminal.send("show license status")
        assert reply["echo"] == "leaf1# show license status"
        assert "Transport:" in reply["output"] and "Type: CSLU" in reply["output"]
        assert reply["prompt"] == "leaf1# "
        terminal.send("configure terminal")
        reply = terminal.send("hostname console-leaf")
        assert reply["prompt"] == "console-leaf(config)# "
        terminal.send("hostname leaf1")
        terminal.send("end")
        wrong = terminal.send("show licence status")
        assert wrong["error"] and "% Invalid command at '^' marker." in wrong["output"]
        bad = terminal.sock.sendall(terminal.conn.send(ws.TextMessage(data="not json")))
        assert bad is None and "error" in terminal.receive()
    finally:
        terminal.close()
    # What the trainer typed is in the lab's activity log, as the console's.
    cli = [a for a in lab.lab.activity.after(0) if a.kind == "cli" and a.via == "console"]
    assert [a.params["line"] for a in cli][:2] == ["show license status", "configure terminal"]


def test_cli_websocket_for_an_unknown_switch_says_so(lab: BackgroundLab) -> None:
    terminal = Terminal(lab.endpoints.control_port, "/sim/console/cli/spine9")
    try:
        assert "no switch named 'spine9'" in terminal.receive()["error"]
    finally:
        terminal.close()


# ---------------------------------------------------------------- the control token


@pytest.fixture(scope="module")
def guarded_lab() -> Iterator[BackgroundLab]:
    options = lab_options(None, start=START, switches=1, control_token=TOKEN)
    with BackgroundLab(options) as running:
        yield running


def test_without_the_token_the_page_says_how_to_sign_in(guarded_lab: BackgroundLab) -> None:
    url = f"http://127.0.0.1:{guarded_lab.endpoints.control_port}"
    with httpx.Client(base_url=url, timeout=WAIT) as client:
        page = client.get("/")
        assert page.status_code == 401
        assert page.headers["content-type"].startswith("text/html")
        assert "?token=" in page.text
        assert client.get("/console/static/console.js").status_code == 401
        # The control API keeps its JSON refusal.
        api = client.get("/sim/console/state")
        assert api.status_code == 401 and "control token" in api.json()["error"]
        wrong = client.get("/", params={"token": "guess"})
        assert wrong.status_code == 401 and "not accepted" in wrong.text
        assert "set-cookie" not in wrong.headers


def test_the_token_once_opens_the_console_with_a_cookie(guarded_lab: BackgroundLab) -> None:
    url = f"http://127.0.0.1:{guarded_lab.endpoints.control_port}"
    with httpx.Client(base_url=url, timeout=WAIT, follow_redirects=True) as client:
        signed_in = client.get("/", params={"token": TOKEN})
        assert signed_in.status_code == 200  # after the redirect to a bare `/`
        assert signed_in.url.query == b""
        cookie = signed_in.history[0].headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
        assert TOKEN not in cookie
        assert client.get("/sim/console/state").status_code == 200
        assert client.get("/sim/clock").status_code == 200
        # A change riding on the cookie must come from the console's own script.
        assert client.post("/sim/clock/advance", json={"seconds": 60}).status_code == 403
        moved = client.post(
            "/sim/clock/advance", json={"seconds": 60}, headers={"x-slpsim-console": "1"}
        )
        assert moved.status_code == 200
    with httpx.Client(base_url=url, timeout=WAIT) as other:
        forged = other.get("/sim/console/state", headers={"cookie": "slpsim_console=forged"})
        assert forged.status_code == 401
        bearer = other.get("/sim/console/state", headers={"authorization": f"Bearer {TOKEN}"})
        assert bearer.status_code == 200


def test_cli_websocket_wants_the_token(guarded_lab: BackgroundLab) -> None:
    port = guarded_lab.endpoints.control_port
    refused = Terminal(port, "/sim/console/cli/leaf1")
    assert refused.accepted is False
    refused.close()
    wrong = Terminal(port, "/sim/console/cli/leaf1", [("authorization", "Bearer guess")])
    assert wrong.accepted is False
    wrong.close()
    terminal = Terminal(port, "/sim/console/cli/leaf1", [("authorization", f"Bearer {TOKEN}")])
    try:
        assert terminal.receive()["prompt"] == "leaf1# "
    finally:
        terminal.close()


def test_timeline_shows_an_ntp_correction(lab: BackgroundLab, control: httpx.Client) -> None:
    port = lab.endpoints.switches[0].nxapi_port
    stream = EventStream(control)
    try:
        stream.next()
        nxapi_output(port, "clock set 08:00:00 1 January 2026")
        skewed = stream.until(
            lambda seen: any(
                s.get("clock_offset_seconds") for u in seen for s in u.get("switches", [])
            )
        )
        assert not any(e["kind"] == "ntp" for u in skewed for e in u.get("timeline", []))
        nxapi_output(port, "ntp server 198.51.100.100 use-vrf management", "cli_conf")
        control.post("/sim/clock/advance", json={"seconds": 300})
        updates = stream.until(
            lambda seen: any(e["kind"] == "ntp" for u in seen for e in u.get("timeline", []))
        )
        ntp = next(e for u in updates for e in u.get("timeline", []) if e["kind"] == "ntp")
        assert ntp["switch"] == "leaf1" and "NTP corrected the clock by +" in ntp["text"]
        offsets = [
            s["clock_offset_seconds"]
            for u in updates
            for s in u.get("switches", [])
            if "clock_offset_seconds" in s
        ]
        assert offsets[-1] == 0
    finally:
        stream.close()
        nxapi_output(port, "no ntp server 198.51.100.100 use-vrf management", "cli_conf")
