"""`Last link flapped`: how long ago a port's link last went up or down, as NX-OS prints it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import timedelta

import pytest

from sim.simulation import Simulation, SwitchSpec

# leaf1's Ethernet1/49 is cabled to leaf2's; Ethernet1/1 has no transceiver.
PORT = "Ethernet1/49"


@pytest.fixture
def sim() -> Iterator[Simulation]:
    sim = Simulation.build(
        "direct", switches=[SwitchSpec("leaf1"), SwitchSpec("leaf2", serial="FDO2434107P")]
    )
    asyncio.run(sim.boot())
    yield sim
    asyncio.run(sim.close())


def flapped(sim: Simulation, port: str = PORT) -> tuple[str, str]:
    """(the text's `Last link flapped` value, the `| json` record's `eth_link_flapped`)."""
    switch = sim.switch("leaf1")
    text = switch.exec(f"show interface {port}")
    (line,) = [ln for ln in text.splitlines() if ln.startswith("  Last link flapped ")]
    record = json.loads(switch.exec(f"show interface {port} | json"))
    row = record["TABLE_interface"]["ROW_interface"][0]
    return line.removeprefix("  Last link flapped "), row["eth_link_flapped"]


def far_end(sim: Simulation, *, up: bool) -> None:
    sim.switch("leaf2").apply_config([f"interface {PORT}", "no shutdown" if up else "shutdown"])


def test_the_last_flap_is_shown_in_nx_os_time_format(sim: Simulation) -> None:
    """The forms a 9000-series NX-OS prints: hh:mm:ss under a day, then days and hours,
    then weeks and days spelt out."""
    asyncio.run(sim.advance(timedelta(hours=5)))
    far_end(sim, up=False)
    asyncio.run(sim.advance(timedelta(minutes=3, seconds=12)))
    assert flapped(sim) == ("00:03:12", "00:03:12")
    far_end(sim, up=True)  # came back: the flap is counted from then
    asyncio.run(sim.advance(timedelta(days=1, hours=2, minutes=5)))
    assert flapped(sim) == ("1d02h", "1d02h")
    asyncio.run(sim.advance(timedelta(days=10)))
    assert flapped(sim) == ("1week(s) 4day(s)", "1week(s) 4day(s)")
    asyncio.run(sim.advance(timedelta(weeks=12)))
    assert flapped(sim) == ("13week(s) 4day(s)", "13week(s) 4day(s)")


def test_a_port_whose_link_never_changed_shows_never(sim: Simulation) -> None:
    asyncio.run(sim.advance(timedelta(hours=1)))
    assert flapped(sim, "Ethernet1/1") == ("never", "never")


def test_genie_reads_the_last_flap() -> None:
    pytest.importorskip("genie")
    from genie.conf.base import Device
    from genie.libs.parser.nxos.show_interface import ShowInterface

    sim = Simulation.build(
        "direct", switches=[SwitchSpec("leaf1"), SwitchSpec("leaf2", serial="FDO2434107P")]
    )

    async def run() -> str:
        await sim.boot()
        await sim.advance(timedelta(minutes=1))
        far_end(sim, up=False)
        await sim.advance(timedelta(minutes=7, seconds=28))
        try:
            return sim.switch("leaf1").exec(f"show interface {PORT}")
        finally:
            await sim.close()

    text = asyncio.run(run())
    parser = ShowInterface(device=Device("leaf1", os="nxos"))
    parsed = parser.cli(command=f"show interface {PORT}", output=text)
    assert parsed[PORT]["last_link_flapped"] == "00:07:28"
