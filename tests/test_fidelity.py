"""Fidelity to the seed's NX-OS samples and to NX-OS itself: layouts, commands, ports, faults."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine, Iterator
from datetime import timedelta
from typing import Any, TypeVar

import pytest

from sim.simulation import DEFAULT_START, Simulation, SwitchSpec

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


@pytest.fixture
def sim() -> Iterator[Simulation]:
    simulation = Simulation.build(
        "direct", switches=[SwitchSpec("leaf1", pid="N9K-C93180YC-FX", serial="FDO2434107N")]
    )
    run(simulation.boot())
    yield simulation
    run(simulation.close())


def exec_(sim: Simulation, line: str) -> str:
    return run(sim.exec("leaf1", line))


def config(sim: Simulation, *lines: str) -> str:
    return run(sim.config("leaf1", list(lines)))


def advance(sim: Simulation, delta: timedelta) -> None:
    run(sim.advance(delta))


# ---------------------------------------------------------------------- item 1: show license status


def test_status_prints_the_seeds_nxos_usage_and_trust_block(sim: Simulation) -> None:
    exec_(sim, f"license smart trust idtoken {sim.issue_token()} all")
    config(sim, "license smart transport off")
    status = exec_(sim, "show license status")
    # The seed's sample, word for word, once trust is installed and nothing is reported.
    assert "\nUsage reporting:\n  Last ACK received: <none>\n" in status
    assert "  Reporting push interval: <none>\n  Next ACK push check: <none>\n" in status
    assert "  Next report push: <none>\n" in status
    assert (
        "Trust Code installed: Jan 05 09:00:00 2026 UTC\n"
        "  Active: PID: N9K-C93180YC-FX, SN: FDO2434107N\n"
        "           Jan 05 09:00:00 2026 UTC\n"
    ) in status
    assert "Usage Reporting:" not in status
    assert "INSTALLED on" not in status


def test_smart_transport_says_not_configured_as_the_seed_does(sim: Simulation) -> None:
    status = exec_(sim, "show license status")
    assert "  Proxy:\n    Not configured\n" in status
    assert "Not Configured" not in status


def test_cslu_transport_has_no_proxy_lines_like_the_seeds_sample(sim: Simulation) -> None:
    config(sim, "license smart transport cslu", "license smart vrf management")
    status = exec_(sim, "show license status")
    assert "  Type: CSLU\n  Cslu address: cslu-local\n  VRF: management\n" in status
    assert "Proxy" not in status


def test_status_json_gives_null_where_the_text_prints_none(sim: Simulation) -> None:
    config(sim, "license smart transport off")
    record = json.loads(exec_(sim, "show license status | json"))
    assert record["reporting_push_interval"] is None


# ---------------------------------------------------------------------- item 2: the seed's commands


INVALID = "% Invalid command at '^' marker."
AMBIGUOUS = "% Ambiguous command at '^' marker."


def test_seed_commands_that_nxos_accepts_are_accepted(sim: Simulation) -> None:
    assert config(sim, "ip http client source-interface mgmt0") == ""
    assert config(sim, "interface mgmt0", "no shutdown") == ""
    assert "HTTP client source interface:  mgmt0\n" in exec_(sim, "show ip http client")
    running = exec_(sim, "show running-config")
    assert "ip http client source-interface mgmt0\n" in running
    config(sim, "no ip http client source-interface")
    assert "source interface:  not configured" in exec_(sim, "show ip http client")


def test_bare_license_smart_sync_reports_like_sync_all(sim: Simulation) -> None:
    exec_(sim, f"license smart trust idtoken {sim.issue_token()} all")
    assert exec_(sim, "license smart sync") == ""
    advance(sim, timedelta(minutes=1))
    assert "Last report push: Jan 05 09:00:00 2026 UTC" in exec_(sim, "show license status")


def test_show_license_data_conversion_is_blank_without_pak_licenses(sim: Simulation) -> None:
    assert exec_(sim, "show license data conversion").strip() == ""


@pytest.mark.parametrize(
    ("line", "error"),
    [
        # NX-OS's `ntp server` takes key, maxpoll, minpoll, prefer and use-vrf: no version.
        ("ntp server 198.51.100.100 version 2 prefer", INVALID),
        # `domain` is a prefix of domain-list, domain-lookup and domain-name on NX-OS.
        ("ip domain name example.com", AMBIGUOUS),
    ],
)
def test_seed_commands_in_ios_xe_syntax_get_nxos_replies(
    sim: Simulation, line: str, error: str
) -> None:
    assert error in config(sim, line)


# ---------------------------------------------------------------------- item 4: ports


@pytest.fixture
def cslu_sim() -> Iterator[Simulation]:
    simulation = Simulation.build("cslu", switches=[SwitchSpec("leaf1")])
    run(simulation.boot())
    yield simulation
    run(simulation.close())


REFUSED = (
    "Communications failure with the Cisco Smart License Utility (CSLU) : "
    "Couldn't connect to server"
)


@pytest.mark.parametrize(
    "url",
    [
        "http://192.168.0.1:8183/cslu/v1/pi",
        # No port: HTTP's 80, where CSLU does not listen.
        "http://192.168.0.1/cslu/v1/pi",
        "http://192.168.0.1:443/cslu/v1/pi",
    ],
)
def test_a_cslu_url_off_port_8182_is_refused(cslu_sim: Simulation, url: str) -> None:
    run(cslu_sim.config("leaf1", [f"license smart url cslu {url}"]))
    run(cslu_sim.exec("leaf1", "license smart sync all"))
    run(cslu_sim.advance(timedelta(minutes=1)))
    logged = [r.text for r in cslu_sim.syslog("leaf1")]
    assert any(REFUSED in line for line in logged), logged


def test_the_seeds_cslu_url_with_port_8182_reports(cslu_sim: Simulation) -> None:
    run(cslu_sim.config("leaf1", ["license smart url cslu http://192.168.0.1:8182/cslu/v1/pi"]))
    run(cslu_sim.exec("leaf1", "license smart sync all"))
    run(cslu_sim.advance(timedelta(minutes=1)))
    status = run(cslu_sim.exec("leaf1", "show license status"))
    assert "Last report push: Jan 05 09:00:00 2026 UTC" in status
    assert not [r for r in cslu_sim.syslog("leaf1") if "COMM_FAILED" in r.text]


def test_smart_url_on_another_port_is_refused(sim: Simulation) -> None:
    exec_(sim, f"license smart trust idtoken {sim.issue_token()} all")
    config(sim, "license smart url smart https://smartreceiver.cisco.com:8443/licservice/license")
    exec_(sim, "license smart sync all")
    advance(sim, timedelta(minutes=1))
    logged = [r.text for r in sim.syslog("leaf1")]
    assert any("(CSSM) : Couldn't connect to server" in line for line in logged), logged


# ---------------------------------------------------------------------- item 6: faults


@pytest.mark.parametrize(
    ("target", "kind", "accepts"),
    [
        ("leaf1", "unreachable", "a switch accepts clock-skew"),
        ("cslu", "tls-invalid", "cslu accepts unreachable, dns, http-404"),
        ("ntp", "slow", "ntp accepts unreachable"),
        ("dns", "http-404", "dns accepts unreachable, dns"),
        ("cssm", "down-rev", "tls-invalid, ack-delay, signature-invalid"),
    ],
)
def test_a_fault_with_no_effect_is_refused_with_what_the_target_accepts(
    sim: Simulation, target: str, kind: str, accepts: str
) -> None:
    with pytest.raises(ValueError, match=f"fault {kind} has no effect on {target}") as caught:
        sim.add_fault(target, kind, {"seconds": 5} if kind == "slow" else {})
    assert accepts in str(caught.value)
    assert sim.network.faults == {}


def test_every_accepted_fault_is_taken(sim: Simulation) -> None:
    from sim.network import FAULT_EFFECTS

    params = {"slow": {"seconds": 5}, "ack-delay": {"duration": "1h"}}
    for target, kinds in FAULT_EFFECTS.items():
        for kind in kinds:
            sim.add_fault(target, kind, params.get(kind, {}))
    sim.add_fault("leaf1", "clock-skew", {"offset": "1h"})
    assert len(sim.network.faults) == sum(map(len, FAULT_EFFECTS.values())) + 1


# ---------------------------------------------------------------------- item 10: paced = virtual


def test_under_a_paced_clock_each_event_sees_its_own_time(monkeypatch: pytest.MonkeyPatch) -> None:
    import sim.clock
    from sim.clock import PacedClock
    from sim.incidents import Incidents
    from sim.scheduler import Scheduler

    real = [1000.0]
    monkeypatch.setattr(sim.clock.time, "monotonic", lambda: real[0])
    start = DEFAULT_START
    clock = PacedClock(start, rate=60.0)
    scheduler = Scheduler(clock, Incidents())
    clock.hold = scheduler.peek
    seen: list[timedelta] = []

    def retry() -> None:
        seen.append(clock.now() - start)
        real[0] += 0.05  # handling an event takes real time: 3 virtual seconds at this rate
        if clock.now() + timedelta(minutes=5) <= start + timedelta(hours=4):
            scheduler.schedule(clock.now() + timedelta(minutes=5), retry)

    scheduler.schedule(start, retry)
    for _ in range(200):  # the lab's pacing loop, one tick at a time
        clock.release()
        run(scheduler.run_until(clock.now()))
        real[0] += 2.0
    assert seen == [timedelta(minutes=5 * k) for k in range(49)]
    assert clock.now() >= start + timedelta(hours=4)


def test_a_paced_lab_logs_the_same_49_comm_failed_as_virtual_time() -> None:
    import time

    from sim.lab.background import BackgroundLab
    from sim.lab.lab import LabOptions

    options = LabOptions(
        topology="cslu",
        switches=1,
        rate=3600.0,  # one virtual hour a second: the window takes four real seconds
        control_port=0,
        nxapi_port_base=0,
        start=DEFAULT_START,
    )
    with BackgroundLab(options) as running:

        async def break_cslu() -> int:
            return running.lab.simulation.add_fault("cslu", "unreachable", {})

        running.call(break_cslu)

        async def failures() -> list[Any]:
            records = running.lab.simulation.syslog("leaf1")
            return [r.sim_at for r in records if r.text.startswith("Communications failure")]

        deadline = time.monotonic() + 120
        while True:
            assert time.monotonic() < deadline, "the paced lab stopped moving"
            at = running.call(failures)
            if at and running.now() >= at[0] + timedelta(hours=4, minutes=20):
                break
            time.sleep(0.2)
    # The scheduled push failed at T (wherever real time put T): the same retries as in
    # virtual time, T+5m ... T+4h inclusive, then the 15-minute interval.
    first = at[0]
    window = [t for t in at if t <= first + timedelta(hours=4)]
    assert window == [first + timedelta(minutes=5 * k) for k in range(49)]
    assert first + timedelta(hours=4, minutes=15) in at


# ---------------------------------------------------------------------- item 11: asking first


def test_factory_reset_warns_and_asks_in_an_interactive_session(sim: Simulation) -> None:
    switch = sim.switches["leaf1"]
    exec_(sim, f"license smart trust idtoken {sim.issue_token()} all")
    advance(sim, timedelta(hours=2))
    assert not switch.agent.policy.is_default
    session = switch.new_session()
    session.interactive = True
    asked = session.execute("license smart factory reset")
    assert asked.question
    assert asked.output.endswith("Do you want to continue? (y/n)  [n] ")
    assert "policy, RUM reports and ACK history" in asked.output
    session.execute("")  # the default is no
    assert not switch.agent.policy.is_default
    session.execute("license smart factory reset")
    session.execute("y")
    assert switch.agent.policy.is_default


# ---------------------------------------------------------------------- item 8: feature usage


def test_enabling_a_feature_changes_license_usage_and_lists_it(sim: Simulation) -> None:
    switch = sim.switches["leaf1"]
    switch.set_usage({"NXOS_ESSENTIALS_XF": 1})
    config(sim, "feature bgp")
    assert switch.licenses_in_use == {"NXOS_ESSENTIALS_XF": 1}  # Essentials covers BGP
    config(sim, "feature nv overlay")
    assert switch.licenses_in_use == {"NXOS_ESSENTIALS_XF": 1, "NXOS_ADVANTAGE_XF": 1}
    assert exec_(sim, "show license usage NXOS_ADVANTAGE_XF") == "Feature List:\nbgp\nnv overlay\n"
    assert exec_(sim, "show license usage NXOS_ESSENTIALS_XF") == "Feature List:\nbgp\n"
    assert "nv overlay            1         enabled" in exec_(sim, "show feature")
    assert "feature nv overlay\n" in exec_(sim, "show running-config")
    config(sim, "no feature nv overlay")
    assert switch.licenses_in_use == {"NXOS_ESSENTIALS_XF": 1}


def test_enabled_features_survive_a_lab_restart_and_follow_reload(sim: Simulation) -> None:
    from sim.lab.persistence import Persistence, _switch_state, restore_switch
    from sim.lab.state_store import loads

    switch = sim.switches["leaf1"]
    switch.set_usage({"NXOS_ESSENTIALS_XF": 1})
    config(sim, "feature segment-routing")
    assert "NXOS_ADVANTAGE_XF" in switch.licenses_in_use
    data = _switch_state(switch, Persistence(None, sim)._live())  # type: ignore[arg-type]
    again = Simulation.build("direct", switches=[SwitchSpec("leaf1")])
    restore_switch(again.switches["leaf1"], loads(data, Persistence(None, again)._live()))  # type: ignore[arg-type]
    assert again.switches["leaf1"].licensed_features.enabled == ["segment-routing"]
    run(again.close())
    # Not saved to startup-config: a reload drops the feature and the usage it added.
    switch.reload()
    assert switch.licensed_features.enabled == []
    assert switch.licenses_in_use == {"NXOS_ESSENTIALS_XF": 1}
