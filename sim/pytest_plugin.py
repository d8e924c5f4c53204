"""pytest fixtures for testing your own automation against fake Nexus switches.

Installed with slpsim (entry point `pytest11`), so the fixtures are simply there:

- `slpsim_sandbox`: an in-process `Sandbox` (virtual time, no sockets), fresh per test.
- `slpsim_lab`: a lab on the wire (`BackgroundLab`: SSH and NX-API ports on 127.0.0.1,
  back ends over real HTTP), shared by the tests of one module; time stands still unless
  the test moves it (`slpsim_lab.advance(timedelta(hours=4))`).

Configure either with a marker on the test or the module:

    pytestmark = pytest.mark.slpsim(topology="direct", switches=2)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sim.lab.background import BackgroundLab
from sim.lab.lab import LabOptions, lab_switch_specs
from sim.sandbox import Sandbox


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "slpsim(topology='direct', switches=1, **options): configure the slpsim fixtures",
    )


def _options(request: pytest.FixtureRequest) -> dict[str, Any]:
    marker = request.node.get_closest_marker("slpsim")
    return dict(marker.kwargs) if marker is not None else {}


@pytest.fixture
def slpsim_sandbox(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    options = _options(request)
    switches = options.pop("switches", 1)
    if isinstance(switches, int):
        specs = lab_switch_specs(switches)
        options["switches"] = specs
    else:
        options["switches"] = switches
    with Sandbox(**options) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def slpsim_lab(request: pytest.FixtureRequest) -> Iterator[BackgroundLab]:
    options = _options(request)
    settings: dict[str, Any] = {
        "rate": 0.0,
        "control_port": 0,
        "ssh_port_base": 0,
        "nxapi_port_base": 0,
        "switches": 1,
    }
    settings.update(options)
    with BackgroundLab(LabOptions(**settings)) as lab:
        yield lab
