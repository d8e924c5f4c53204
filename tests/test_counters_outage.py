"""Interface counters keep their totals through a link outage and grow only while it is up.

leaf1 and leaf2 are cabled on Ethernet1/49-50. A port's counters are compared with the same
port's on a lab that had no outage: the same port of the same PID carries the same load, so
after an outage they must equal those of a lab up for just the time the link was up.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from wire_lab import lab_options

from sim.lab.background import BackgroundLab
from sim.simulation import Simulation, SwitchSpec

T = TypeVar("T")
HOUR = timedelta(hours=1)
PORT = "Ethernet1/49"
TOTALS = ("eth_inbytes", "eth_inpkts", "eth_outbytes", "eth_outpkts")
RATES = ("eth_inrate1_bits", "eth_outrate1_bits", "eth_inrate2_bits", "eth_outrate2_bits")
# Where the outage comes from: the far end (leaf2's port on the cable) shut, this end shut.
OUTAGES = {"far end shut": "far", "near end shut": "near"}


def with_pair(body: Callable[[Simulation], Awaitable[T]]) -> T:
    async def main() -> T:
        sim = Simulation.build("direct", switches=[SwitchSpec("leaf1"), SwitchSpec("leaf2")])
        await sim.boot()
        try:
            return await body(sim)
        finally:
            await sim.close()

    return asyncio.run(main())


def shown(sim: Simulation, port: str = PORT, switch: str = "leaf1") -> dict[str, Any]:
    output = sim.switch(switch).exec(f"show interface {port} | json")
    rows: list[dict[str, Any]] = json.loads(output)["TABLE_interface"]["ROW_interface"]
    return rows[0]


def totals(row: dict[str, Any]) -> dict[str, Any]:
    return {key: row[key] for key in TOTALS}


def rates(row: dict[str, Any]) -> dict[str, Any]:
    return {key: row[key] for key in RATES}


async def shut(sim: Simulation, end: str, shut: bool, port: str = PORT) -> None:
    """Shut (or open again) leaf1's `port` (`end` "near") or the port at its cable's far end."""
    switch = "leaf1"
    if end == "far":
        link = sim.switch(switch).links[port]
        switch, port = link.peer.name, link.peer_port
    command = "shutdown" if shut else "no shutdown"
    assert await sim.config(switch, [f"interface {port}", command]) == ""


def up_for(duration: timedelta, port: str = PORT) -> dict[str, Any]:
    """The port's counters on a lab whose link was up, without a break, for `duration`."""

    async def body(sim: Simulation) -> dict[str, Any]:
        await sim.advance(duration)
        return totals(shown(sim, port))

    return with_pair(body)


@pytest.mark.parametrize("outage", OUTAGES.values(), ids=OUTAGES.keys())
def test_counters_hold_their_totals_while_down_and_grow_from_them_after(
    outage: str,
) -> None:
    async def body(sim: Simulation) -> list[dict[str, Any]]:
        await sim.advance(HOUR)
        before = shown(sim)
        await shut(sim, outage, True)
        at_outage = shown(sim)
        await sim.advance(2 * HOUR)
        during = shown(sim)
        await shut(sim, outage, False)
        await sim.advance(HOUR)
        return [before, at_outage, during, shown(sim)]

    before, at_outage, during, after = with_pair(body)
    assert before["state"] == "up" and during["state"] == "down"
    assert totals(before)["eth_outbytes"] > 0 and totals(before)["eth_inbytes"] > 0
    assert totals(at_outage) == totals(during) == totals(before)
    assert set(rates(during).values()) == {"0"}
    assert set(rates(before).values()) != {"0"}
    # Three hours on the clock, two of them up: as a link up for two hours without a break.
    assert totals(after) == up_for(2 * HOUR)
    assert rates(after) == rates(before)


def test_both_ends_of_a_cable_agree_through_an_outage() -> None:
    async def body(sim: Simulation) -> tuple[dict[str, Any], dict[str, Any]]:
        await sim.advance(HOUR)
        await shut(sim, "far", True)
        await sim.advance(HOUR)
        await shut(sim, "far", False)
        await sim.advance(HOUR)
        return shown(sim, switch="leaf1"), shown(sim, switch="leaf2")

    near, far = with_pair(body)
    assert totals(near) == up_for(2 * HOUR)
    assert near["eth_inbytes"] == far["eth_outbytes"]
    assert near["eth_outbytes"] == far["eth_inbytes"]


def test_mgmt0_counters_hold_through_a_shutdown() -> None:
    async def body(sim: Simulation) -> list[dict[str, Any]]:
        await sim.advance(HOUR)
        before = shown(sim, "mgmt0")
        await shut(sim, "near", True, "mgmt0")
        await sim.advance(HOUR)
        during = shown(sim, "mgmt0")
        await shut(sim, "near", False, "mgmt0")
        await sim.advance(HOUR)
        return [before, during, shown(sim, "mgmt0")]

    before, during, after = with_pair(body)
    assert totals(during) == totals(before)
    assert totals(after) == up_for(2 * HOUR, "mgmt0")


def test_clear_counters_during_an_outage_counts_only_the_time_up_after_it() -> None:
    async def body(sim: Simulation) -> tuple[dict[str, Any], dict[str, Any]]:
        await sim.advance(HOUR)
        await shut(sim, "far", True)
        await sim.advance(HOUR)
        sim.switch("leaf1").exec(f"clear counters interface {PORT}")
        cleared = shown(sim)
        await sim.advance(HOUR)
        await shut(sim, "far", False)
        await sim.advance(HOUR)
        return cleared, shown(sim)

    cleared, after = with_pair(body)
    assert set(totals(cleared).values()) == {0}
    assert totals(after) == up_for(HOUR)


def test_a_lab_restart_keeps_the_counters_of_a_link_that_went_down(tmp_path: Path) -> None:
    options = lab_options(tmp_path / "state", start=datetime(2026, 4, 6, 8, tzinfo=UTC))

    async def outage(lab: BackgroundLab) -> dict[str, Any]:
        simulation = lab.lab.simulation
        await lab.lab.advance(HOUR)
        await shut(simulation, "far", True)
        await lab.lab.advance(HOUR)
        lab.lab.save_switches()
        return totals(shown(simulation))

    async def recovery(lab: BackgroundLab) -> tuple[dict[str, Any], dict[str, Any]]:
        simulation = lab.lab.simulation
        during = totals(shown(simulation))
        await shut(simulation, "far", False)
        await lab.lab.advance(HOUR)
        return during, totals(shown(simulation))

    with BackgroundLab(options) as running:
        before_restart = running.call(lambda: outage(running))
    with BackgroundLab(options) as again:
        after_restart, recovered = again.call(lambda: recovery(again))
    assert after_restart == before_restart
    assert before_restart["eth_outbytes"] > 0 and before_restart["eth_inbytes"] > 0
    # A port's load is a whole number of bytes per hour: two hours up count twice one.
    for key in ("eth_inbytes", "eth_outbytes"):
        assert recovered[key] == 2 * before_restart[key]
