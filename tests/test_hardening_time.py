"""Time never stops: no agent state spins the scheduler, no exception stops the clock, and
nothing unvalidated (faults, URLs, names) reaches the scheduler in the first place.

Every test runs in virtual time. The livelock tests cap the events a run may take, so that
a regression fails fast instead of hanging the suite.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.incidents import Incidents
from sim.network import FAULT_KINDS, Fault, SimNetwork
from sim.protocol.errors import CommError
from sim.scheduler import Halt, Scheduler
from sim.simulation import DEFAULT_START, Simulation, SwitchSpec
from sim.syslog import Message
from sim.timing import MAX_DURATION, parse_duration, parse_signed_duration

INVALID_PARAMETER = "% Invalid parameter detected at '^' marker."
EVENT_CAP = 20_000  # a direct year is ~105 events; three days of 5-minute polls ~2000


class Runaway(BaseException):
    """Raised from inside the scheduler when a run takes more events than any sane one."""


def run(coro: Awaitable[Any]) -> Any:
    return asyncio.run(coro)  # type: ignore[arg-type]


@pytest.fixture
def sim() -> Iterator[Simulation]:
    simulation = Simulation.build("direct", switches=[SwitchSpec("leaf1")])
    run(simulation.boot())
    yield simulation
    run(simulation.close())


def cap_events(sim: Simulation, cap: int = EVENT_CAP) -> None:
    """Make a scheduler that spins at one instant fail the test instead of hanging it."""
    scheduler = sim.scheduler
    schedule = scheduler.schedule
    count = 0

    def counted(at: Any, action: Callable[[], Any], **options: Any) -> Any:
        nonlocal count
        count += 1
        if count > cap:
            raise Runaway(f"more than {cap} events scheduled: the scheduler is spinning")
        return schedule(at, action, **options)

    scheduler.schedule = counted  # type: ignore[method-assign]


def config(sim: Simulation, *lines: str) -> list[str]:
    outputs = sim.switch("leaf1").apply_config(list(lines))
    run(sim.scheduler.settle())
    return outputs


def comm_failures(sim: Simulation) -> list[str]:
    return [r.body for r in sim.syslog("leaf1") if Message.COMM_FAILED.name in r.body]


# ---------------------------------------------------------------------- livelock (item 2)


def test_ack_slower_than_the_push_interval_does_not_freeze_time(sim: Simulation) -> None:
    run(sim.exec("leaf1", f"license smart trust idtoken {sim.issue_token()} all"))
    config(sim, "license smart usage interval 1")
    sim.add_fault("cssm", "ack-delay", {"duration": "1d"})
    cap_events(sim)
    run(sim.advance(timedelta(days=3)))
    assert sim.clock.now() == DEFAULT_START + timedelta(days=3)
    # Reports keep going out daily and their ACKs, a day late, still arrive.
    agent = sim.switch("leaf1").agent
    assert agent.last_push is not None and agent.last_ack is not None
    assert agent.last_push >= sim.clock.now() - timedelta(days=1)
    assert len(sim.incidents) == 0


def test_a_stuck_agent_timer_is_deferred_and_recorded(sim: Simulation) -> None:
    """Whatever state the agent is in (a bug, a damaged save), its timer cannot spin."""
    switch = sim.switch("leaf1")
    stuck_at = switch.now()
    switch.agent.next_wakeup = lambda: stuck_at  # type: ignore[method-assign]
    cap_events(sim)
    switch.pump()
    run(sim.advance(timedelta(hours=1)))
    assert sim.clock.now() == DEFAULT_START + timedelta(hours=1)
    [incident] = list(sim.incidents)
    assert incident.where == "leaf1"
    assert "licensing timer of leaf1 stays due" in incident.summary


def test_a_stuck_agent_timer_is_deferred_under_a_paced_clock_too() -> None:
    """In a lab the clock moves with real time between events: no two firings share an
    instant, yet a timer that stays due in the past must still be caught."""
    from sim.clock import PacedClock

    paced = Simulation.build("direct", clock=PacedClock(DEFAULT_START, rate=1.0))
    run(paced.boot())
    switch = paced.switch()
    stuck_at = switch.now()
    switch.agent.next_wakeup = lambda: stuck_at  # type: ignore[method-assign]
    cap_events(paced)
    switch.pump()
    run(paced.advance(timedelta(hours=1)))
    assert [i.where for i in paced.incidents] == ["switch"]
    run(paced.close())


# ---------------------------------------------------------------------- contained (item 3)


def test_one_failing_event_does_not_stop_time_for_the_others() -> None:
    clock_sim = Simulation.build("direct")
    scheduler = clock_sim.scheduler
    ran: list[str] = []

    def boom() -> None:
        raise RuntimeError("boom")

    now = clock_sim.clock.now()
    scheduler.schedule(now + timedelta(minutes=1), boom, owner="leaf9")
    scheduler.schedule(now + timedelta(minutes=2), lambda: ran.append("later"))
    run(scheduler.advance(timedelta(minutes=3)))
    assert ran == ["later"]
    assert clock_sim.clock.now() == now + timedelta(minutes=3)
    [incident] = list(clock_sim.incidents)
    assert (incident.where, incident.summary) == ("leaf9", "RuntimeError: boom")
    run(clock_sim.close())


def test_a_scheduler_on_its_own_records_incidents_against_itself() -> None:
    from sim.clock import VirtualClock

    incidents = Incidents()
    scheduler = Scheduler(VirtualClock(DEFAULT_START), incidents)

    async def failing() -> None:
        raise ValueError("bad exchange")

    scheduler.call_soon(failing)
    run(scheduler.settle())
    assert [(i.where, i.summary) for i in incidents] == [("scheduler", "ValueError: bad exchange")]


def test_a_halt_stops_the_run_where_it_happened() -> None:
    from sim.clock import VirtualClock
    from sim.lab.persistence import CommitFailed

    clock = VirtualClock(DEFAULT_START)
    scheduler = Scheduler(clock)
    ran: list[str] = []

    def commit_fails() -> None:
        raise CommitFailed("disk full")

    scheduler.schedule(DEFAULT_START + timedelta(minutes=1), commit_fails)
    scheduler.schedule(DEFAULT_START + timedelta(minutes=2), lambda: ran.append("later"))
    with pytest.raises(Halt):
        run(scheduler.advance(timedelta(hours=1)))
    assert ran == [] and clock.now() == DEFAULT_START + timedelta(minutes=1)
    assert len(scheduler.incidents) == 0


def test_a_long_run_lets_other_tasks_in() -> None:
    from sim.clock import VirtualClock

    scheduler = Scheduler(VirtualClock(DEFAULT_START))
    for minute in range(5000):
        scheduler.schedule(DEFAULT_START + timedelta(minutes=minute), lambda: None)
    ticks = 0

    async def other_task() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    async def main() -> None:
        task = asyncio.create_task(other_task())
        await asyncio.sleep(0)
        await scheduler.advance(timedelta(days=5))
        task.cancel()

    run(main())
    assert ticks > 2


def test_a_command_that_crashes_answers_in_nxos_form_and_is_recorded(sim: Simulation) -> None:
    switch = sim.switch("leaf1")

    def broken(now: Any) -> None:
        raise RuntimeError("agent bug")

    switch.agent.sync = broken  # type: ignore[method-assign]
    output = switch.exec("license smart sync all")
    assert output == "% Internal error while executing command; see slpsim incidents\n"
    [incident] = list(sim.incidents)
    assert (incident.where, incident.summary) == ("leaf1", "RuntimeError: agent bug")
    # The session is usable afterwards.
    assert "Smart Licensing Using Policy" in switch.exec("show license status")


def test_a_transport_that_crashes_fails_the_exchange_instead_of_hanging_it(
    sim: Simulation,
) -> None:
    async def broken(*args: Any) -> Any:
        raise RuntimeError("transport bug")

    sim.transport.send = broken  # type: ignore[method-assign,assignment]
    run(sim.exec("leaf1", f"license smart trust idtoken {sim.issue_token()} all"))
    assert comm_failures(sim)[-1].endswith(CommError.UNREACHABLE.text)
    assert [i.summary for i in sim.incidents] == ["RuntimeError: transport bug"]


# ---------------------------------------------------------------------- faults (items 3, 5)


@pytest.mark.parametrize("seconds", ["abc", "nan", "inf", "1e400", "-1", "3601", True, None])
def test_slow_fault_seconds_are_checked_when_added(sim: Simulation, seconds: object) -> None:
    with pytest.raises(ValueError, match="fault slow: seconds must be a number from 0 to 3600"):
        sim.add_fault("cssm", "slow", {"seconds": seconds})
    assert sim.network.faults == {}


@pytest.mark.parametrize(
    ("kind", "target", "params", "message"),
    [
        ("ack-delay", "cssm", {"duration": "99999999999d"}, "duration must be"),
        ("ack-delay", "cssm", {"duration": "3651d"}, "from 0 to 10 years"),
        ("ack-delay", "cssm", {"duration": "-1d"}, "duration must be"),
        ("ack-delay", "cssm", {"duration": ["1d"]}, "duration must be"),
        ("clock-skew", "leaf1", {"offset": "9999999d"}, "within 10 years either way"),
        ("clock-skew", "leaf1", {"offset": "-9999999d"}, "within 10 years either way"),
        ("clock-skew", "leaf1", {"offset": "1e400"}, "offset must be"),
        ("slow", "cssm", {"seconds": 1, "extra": 2}, "unknown parameter extra; it takes seconds"),
        ("unreachable", "cssm", {"seconds": 1}, "it takes no parameters"),
        ("slow", "cssm", {}, "fault slow needs seconds"),
    ],
)
def test_fault_parameters_are_checked_and_a_refused_fault_is_never_listed(
    sim: Simulation, kind: str, target: str, params: dict[str, object], message: str
) -> None:
    switch = sim.switch("leaf1")
    with pytest.raises(ValueError, match=message):
        sim.add_fault(target, kind, params)
    assert sim.network.faults == {}
    assert switch.clock_offset == timedelta(0)
    assert sim.cssm.ack_delay == sim.timing.ack_delay
    run(sim.advance(timedelta(days=2)))  # and time goes on
    assert len(sim.incidents) == 0


def test_faults_within_bounds_still_work(sim: Simulation) -> None:
    sim.add_fault("cssm", "slow", {"seconds": "2.5"})
    sim.add_fault("cssm", "ack-delay", {"duration": "3650d"})
    sim.add_fault("leaf1", "clock-skew", {"offset": "-2h"})
    sim.add_fault("dns", "dns", {})
    assert len(sim.network.faults) == 4
    assert sim.switch("leaf1").clock_offset == timedelta(hours=-2)


def test_saved_faults_out_of_range_are_left_out_on_restore() -> None:
    network = SimNetwork()
    saved = {
        3: Fault(3, "cssm", "slow", {"seconds": "2"}),
        7: Fault(7, "leaf1", "clock-skew", {"offset": "9999999d"}),
        8: Fault(8, "cssm", "ack-delay", {"duration": "99999999999d"}),
    }
    refused = network.restore_faults(saved)
    assert list(network.faults) == [3]
    assert [line.split(":")[0] for line in refused] == [
        "fault 7 (leaf1 clock-skew) left out",
        "fault 8 (cssm ack-delay) left out",
    ]
    # New ids never reuse a saved one, kept or not.
    assert network.add_fault("cssm", "http-500").id == 9


def test_a_restored_simulation_shows_the_saved_faults_it_left_out(sim: Simulation) -> None:
    saved = {
        1: Fault(1, "cssm", "ack-delay", {"duration": "2h"}),
        2: Fault(2, "leaf1", "clock-skew", {"offset": "9999999d"}),
    }
    refused = sim.restore_faults(saved, {1: timedelta(minutes=15), 2: timedelta(0)})
    assert list(sim.network.faults) == [1] and list(sim.fault_previous) == [1]
    [incident] = list(sim.incidents)
    assert incident.where == "faults" and refused[0] in incident.summary
    run(sim.advance(timedelta(days=1)))


def test_a_saved_clock_offset_out_of_range_is_reset_not_fatal(sim: Simulation) -> None:
    switch = sim.switch("leaf1")
    switch.clock_offset = timedelta(days=9999999)  # as a damaged state dir would restore it
    assert switch.clock_offset == timedelta(0)
    switch.now()
    assert "out of range" in next(iter(sim.incidents)).summary


@pytest.mark.parametrize("year", [2000, 2037])
def test_clock_set_takes_every_year_nxos_takes(sim: Simulation, year: int) -> None:
    output = sim.switch("leaf1").exec(f"clock set 12:00:00 1 January {year}")
    assert f"Jan 01 {year}" in output or str(year) in output
    assert sim.switch("leaf1").now().year == year
    run(sim.advance(timedelta(days=1)))
    assert len(sim.incidents) == 0


@pytest.mark.parametrize("text", ["99999999999d", "1e400", "9" * 400, "1" * 300 + "d"])
def test_durations_never_overflow(text: str) -> None:
    for parse in (parse_duration, parse_signed_duration):
        with pytest.raises(ValueError):
            parse(text)
    with pytest.raises(ValueError):
        parse_signed_duration("-" + text)
    with pytest.raises(ValueError):
        parse_duration(float("inf"))
    with pytest.raises(ValueError):
        parse_duration(float("nan"))


ANY_VALUE = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["1e400", "nan", "-inf", "99999999999d", "-2h", "3650d", "1h30m", "0"]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.booleans(),
    st.none(),
    st.lists(st.integers(), max_size=2),
)


@given(ANY_VALUE)
@settings(max_examples=200, deadline=None)
def test_durations_are_a_bounded_timedelta_or_a_value_error(value: object) -> None:
    for parse in (parse_duration, parse_signed_duration):
        try:
            span = parse(value)
        except ValueError:
            continue
        assert abs(span) <= MAX_DURATION


@given(
    kind=st.sampled_from(sorted(FAULT_KINDS)),
    params=st.dictionaries(st.sampled_from(["seconds", "duration", "offset", "x"]), ANY_VALUE),
)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_fault_is_added_whole_or_refused_with_a_value_error(
    kind: str, params: dict[str, object]
) -> None:
    simulation = Simulation.build("direct", switches=[SwitchSpec("leaf1")])
    target = "leaf1" if kind == "clock-skew" else "onprem" if kind == "down-rev" else "cssm"
    try:
        simulation.add_fault(target, kind, params)
    except ValueError:
        assert simulation.network.faults == {}
    run(simulation.advance(timedelta(days=2)))
    assert len(simulation.incidents) == 0
    run(simulation.close())


# ---------------------------------------------------------------------- URLs and names


@pytest.mark.parametrize(
    "url",
    [
        "http://[::1",
        "http://host:99999/x",
        "http://host:port/x",
        "ftp://smartreceiver.cisco.com/licservice/license",
        "http:///no-host",
        "https://smartreceiver.cisco.com/\x1b[2J",
        "https://smartreceiver.cisco.com/" + "a" * 600,
    ],
)
def test_malformed_urls_are_refused_by_the_cli(sim: Simulation, url: str) -> None:
    switch = sim.switch("leaf1")
    before = switch.licensing.smart_url
    [output] = config(sim, f"license smart url smart {url}")
    assert output.endswith(INVALID_PARAMETER + "\n")
    [output] = config(sim, "callhome", f"destination-profile CiscoTAC-1 index 2 http {url}")[1:]
    assert output.endswith(INVALID_PARAMETER + "\n")
    assert switch.licensing.smart_url == before
    assert 2 not in switch.callhome.http_urls
    run(sim.advance(timedelta(hours=2)))
    assert len(sim.incidents) == 0


def test_the_transport_turns_an_unparsable_url_into_a_comm_failure(sim: Simulation) -> None:
    switch = sim.switch("leaf1")
    switch.configure_licensing(smart_url="http://[::1")  # past the CLI, as a bug would be
    run(sim.exec("leaf1", f"license smart trust idtoken {sim.issue_token()} all"))
    assert comm_failures(sim)[-1].endswith(CommError.NO_URL.text)
    assert len(sim.incidents) == 0


@pytest.mark.parametrize(
    "name", ["a\x00b", "esc\x1b[2J", "a" * 64, "semi;colon", "slash/name", "quote'"]
)
def test_hostname_accepts_only_what_nxos_accepts(sim: Simulation, name: str) -> None:
    [output] = config(sim, f"hostname {name}")
    assert output.endswith(INVALID_PARAMETER + "\n")
    assert sim.switch("leaf1").hostname == "leaf1"


def test_hostname_with_letters_digits_dash_underscore_dot_is_accepted(sim: Simulation) -> None:
    name = "Leaf-01_a.b" + "x" * 52  # 63 characters
    assert config(sim, f"hostname {name}") == [""]
    assert sim.switch("leaf1").hostname == name


@pytest.mark.parametrize(
    "line",
    [
        "ip host bad\x1bname 10.0.0.1",
        "ip host " + "a" * 300 + " 10.0.0.1",
        "ip domain-name ex\x00ample.com",
        "ip domain-name " + ".".join(["a" * 60] * 5),
        "license smart vrf " + "v" * 40,
        "license smart proxy address prox\x1by.example.com",
        "vrf context bad\x07vrf",
        "logging server 10.0.0.9 use-vrf " + "v" * 40,
    ],
)
def test_config_text_is_bounded_and_printable(sim: Simulation, line: str) -> None:
    before = sim.switch("leaf1").exec("show running-config")
    [output] = config(sim, line)
    assert output.endswith(INVALID_PARAMETER + "\n")
    after = sim.switch("leaf1").exec("show running-config")
    assert before.splitlines()[3:] == after.splitlines()[3:]


@pytest.mark.parametrize(
    "line",
    [
        "email-contact adm\x1bin@example.com",
        "email-contact " + "a" * 300 + "@example.com",
        "destination-profile " + "p" * 40 + " transport-method http",
        "transport email smtp-server mail\x00.example.com",
        "transport email " + "x" * 300,
    ],
)
def test_callhome_text_is_bounded_and_printable(sim: Simulation, line: str) -> None:
    [_, output] = config(sim, "callhome", line)
    assert output.endswith(INVALID_PARAMETER + "\n")
    callhome = sim.switch("leaf1").callhome
    assert callhome.email_contact is None and callhome.extra_lines == []


def test_an_idtoken_with_control_characters_is_refused(sim: Simulation) -> None:
    output = sim.switch("leaf1").exec("license smart trust idtoken abc\x1b[2Jdef all")
    assert output.endswith(INVALID_PARAMETER + "\n")
    output = sim.switch("leaf1").exec("license smart trust idtoken " + "t" * 5000 + " all")
    assert output.endswith(INVALID_PARAMETER + "\n")


def test_timers_rearmed_again_and_again_keep_the_heap_small_and_fire_once() -> None:
    from sim.clock import VirtualClock

    # An agent re-arms its timers on every exchange: a year of that must not leave the
    # scheduler carrying every dead timer (memory and time of every push and pop).
    scheduler = Scheduler(VirtualClock(DEFAULT_START))
    fired: list[int] = []
    handle = scheduler.schedule(DEFAULT_START + timedelta(days=1), lambda: fired.append(-1))
    for n in range(10_000):
        handle.cancel()
        handle = scheduler.schedule(
            DEFAULT_START + timedelta(days=1, seconds=n), lambda n=n: fired.append(n)
        )
    assert scheduler.pending == 1
    assert len(scheduler._heap) < 200
    run(scheduler.advance(timedelta(days=2)))
    assert fired == [9_999] and scheduler.pending == 0
