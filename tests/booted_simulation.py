"""A simulation built and booted for a test, closed after it (a fixture yields from it)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

from sim.simulation import Simulation, SwitchSpec

# Two leaves whose serials the tests' expected texts name.
TWO_LEAVES = (
    SwitchSpec("leaf1", serial="FDO2434107N"),
    SwitchSpec("leaf2", serial="FDO2434108P"),
)


def booted(switches: tuple[SwitchSpec, ...], topology: str = "direct") -> Iterator[Simulation]:
    simulation = Simulation.build(topology, switches=list(switches))
    asyncio.run(simulation.boot())
    yield simulation
    asyncio.run(simulation.close())
