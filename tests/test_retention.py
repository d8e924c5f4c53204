"""Years of virtual time keep what the CLI and the back ends show, and no more.

Each record that used to grow with time (the log file, history, eventlog, RUM reports, ACKs,
uploads, the back ends' logs) is held to its retention setting in the timing profile; what
is still owed (unacknowledged reports) is never dropped; and the switch keeps reporting and
showing its state after ten years.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from datetime import timedelta
from typing import Any

import pytest

from sim.agent.states import ReportState
from sim.simulation import Simulation, SwitchSpec
from sim.timing import DEFAULT_TIMING, TimingProfile

YEAR = timedelta(days=365)
# Small limits, so that ten years go well past each of them.
SMALL = DEFAULT_TIMING.with_overrides(
    {
        "syslog_lines_kept": 40,
        "history_kept": 10,
        "eventlog_kept": 10,
        "rum_reports_kept": 3,
        "backend_reports_kept": 6,
        "backend_acks_kept": 2,
        "backend_uploads_kept": 4,
        "backend_log_lines_kept": 25,
    }
)


def run(coro: Coroutine[Any, Any, None]) -> None:
    asyncio.run(coro)


async def ten_years(topology: str, timing: TimingProfile) -> Simulation:
    sim = Simulation.build(topology, timing=timing, switches=[SwitchSpec("leaf1")])
    await sim.boot()
    if topology == "direct":
        await sim.exec("leaf1", f"license smart trust idtoken {sim.issue_token()} all")
    for _ in range(10):
        await sim.advance(YEAR)
    return sim


def assert_held_to(sim: Simulation, timing: TimingProfile) -> None:
    switch = sim.switch("leaf1")
    agent = switch.agent
    assert len(switch.syslog) <= timing.syslog_lines_kept
    assert len(agent.history) <= timing.history_kept
    assert len(agent.imports) <= timing.history_kept
    assert len(agent.events) <= timing.eventlog_kept
    acknowledged = [r for r in agent.reports if r.state is ReportState.ACK]
    assert len(acknowledged) <= timing.rum_reports_kept
    for pi in sim.cssm.product_instances():
        assert len(pi.reports) <= timing.backend_reports_kept
        assert len(pi.ack_poll_ids) <= timing.backend_acks_kept
    assert len(sim.cssm.acks) <= timing.backend_acks_kept * len(sim.cssm.inventory)
    assert len(sim.cssm.uploads) <= timing.backend_uploads_kept
    for relay in (sim.cslu, sim.onprem):
        assert len(relay.log) <= timing.backend_log_lines_kept
        for relayed in relay.inventory.values():
            assert len(relayed.acks) <= timing.backend_acks_kept
            done = [r for r in relayed.reports.values() if r.acknowledged]
            assert len(done) <= timing.backend_reports_kept
        # Shared by every device: trimmed in batches, a quarter past the limit at most.
        polls_limit = timing.backend_acks_kept * max(1, len(relay.inventory))
        assert len(relay.polls) <= polls_limit + max(16, polls_limit // 4)


@pytest.mark.parametrize("topology", ["direct", "cslu", "onprem"])
def test_ten_years_stay_within_the_retention_settings(topology: str) -> None:
    async def scenario() -> None:
        sim = await ten_years(topology, SMALL)
        assert_held_to(sim, SMALL)
        agent = sim.switch("leaf1").agent
        # Ten years of monthly pushes went past every limit, and reporting still works:
        # the last ACK is recent and nothing is owed.
        assert agent._next_report_id > 0 and sim.transport.exchanges > 200
        assert agent.last_ack is not None
        assert sim.clock.now() - agent.last_ack < timedelta(days=31)
        assert not [r for r in agent.reports if r.state is ReportState.CLOSED]
        backend_reports = sum(
            len(pi.reports)
            for model in (sim.cssm, sim.cslu, sim.onprem)
            for pi in model.inventory.values()
        )
        assert backend_reports > 0
        await sim.close()

    run(scenario())


def test_the_cli_shows_the_kept_history_after_ten_years() -> None:
    async def scenario() -> None:
        sim = await ten_years("direct", SMALL)
        rum = await sim.exec("leaf1", "show license rum id all")
        history = await sim.exec("leaf1", "show license history message")
        status = await sim.exec("leaf1", "show license status")
        logfile = await sim.exec("leaf1", "show logging logfile")
        agent = sim.switch("leaf1").agent
        assert agent.last_ack is not None
        # The newest reports are listed; the oldest acknowledged ones are gone.
        listed = [line.split()[0] for line in rum.splitlines() if line[:1].isdigit()]
        assert listed == [str(r.report_id) for r in agent.reports]
        assert len(listed) == SMALL.rum_reports_kept + len(agent.licenses)
        # The newest exchanges are in the history, within its depth.
        last_year = f"{agent.last_ack:%b %d %H:%M:%S %Y}"
        assert f"{last_year} UTC  COMPLETE" in history
        assert history.count("OK_POLL") + history.count("COMPLETE") <= SMALL.history_kept
        assert f"Last ACK received: {last_year} UTC" in status
        assert len(logfile.splitlines()) <= SMALL.syslog_lines_kept
        await sim.close()

    run(scenario())


def test_reports_still_owed_are_never_dropped() -> None:
    async def scenario() -> None:
        # Disconnected: no ACK ever comes back, so every report is still owed to CSSM.
        daily = SMALL.with_overrides({"usage_interval": "1d"})
        sim = Simulation.build("cslu-disconnected", timing=daily, switches=[SwitchSpec("leaf1")])
        await sim.boot()
        await sim.advance(timedelta(days=20))
        agent = sim.switch("leaf1").agent
        owed = [r for r in agent.reports if r.state is ReportState.CLOSED]
        assert len(owed) > 3 * SMALL.rum_reports_kept
        relayed = next(iter(sim.cslu.inventory.values()))
        assert len(relayed.unacknowledged()) > SMALL.backend_reports_kept
        await sim.close()

    run(scenario())


def test_a_log_storm_keeps_the_newest_lines() -> None:
    async def scenario() -> None:
        sim = await ten_years("direct", SMALL)
        sim.add_fault("cssm", "unreachable", {})
        # Past the next monthly push: its retries, then one attempt every 15 minutes.
        await sim.advance(timedelta(days=33))
        lines = sim.syslog("leaf1")
        assert len(lines) == SMALL.syslog_lines_kept
        assert all("COMM_FAILED" in r.logfile_line() for r in lines)
        assert lines[-1].sim_at is not None
        assert sim.clock.now() - lines[-1].sim_at <= timedelta(minutes=15)
        await sim.close()

    run(scenario())


def test_the_back_end_recognises_resent_reports_it_still_holds() -> None:
    async def scenario() -> None:
        sim = await ten_years("direct", SMALL)
        pi = next(iter(sim.cssm.inventory.values()))
        before = pi.duplicates_received
        # `license smart sync all` resends nothing acknowledged; a usage file with every
        # report the switch holds, uploaded by hand, carries only reports CSSM still holds.
        await sim.exec("leaf1", "license smart save usage all file bootflash:all.txt")
        text = sim.switch("leaf1").bootflash.files["all.txt"]
        sim.cssm.upload_usage_file("all.txt", text.encode(), "Default")
        assert pi.duplicates_received - before == SMALL.rum_reports_kept
        await sim.close()

    run(scenario())


def test_retention_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="greater than or equal to 1"):
        DEFAULT_TIMING.with_overrides({"rum_reports_kept": 0})
    assert DEFAULT_TIMING.with_overrides({"history_kept": 5}).history_kept == 5


def test_the_default_profile_holds_a_decade_flat() -> None:
    async def scenario() -> None:
        sim = Simulation.build("direct", switches=[SwitchSpec("leaf1")])
        await sim.boot()
        await sim.exec("leaf1", f"license smart trust idtoken {sim.issue_token()} all")
        sizes = []
        for _ in range(10):
            await sim.advance(YEAR)
            agent = sim.switch("leaf1").agent
            pi = next(iter(sim.cssm.inventory.values()))
            sizes.append((len(agent.reports), len(pi.reports), len(pi.ack_poll_ids)))
        assert_held_to(sim, DEFAULT_TIMING)
        # Monthly reports fill every per-device record within five years; then they stay put.
        assert sizes[5] == sizes[9]
        assert sizes[9][1] == DEFAULT_TIMING.backend_reports_kept
        assert sizes[9][2] == DEFAULT_TIMING.backend_acks_kept
        await sim.close()

    run(scenario())
