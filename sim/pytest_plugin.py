"""pytest fixtures for testing your own automation against fake Nexus switches.

Installed with slpsim (entry point `pytest11`), so the fixtures are simply there:

- `slpsim_sandbox`: an in-process `Sandbox` (virtual time, no sockets), fresh per test.
- `slpsim_lab`: a lab on the wire (`BackgroundLab`: SSH and NX-API ports on 127.0.0.1,
  back ends over real HTTP), shared by the tests of one module; time stands still unless
  the test moves it (`slpsim_lab.advance(timedelta(hours=4))`). A test or class whose
  marker differs from the module's gets a lab of its own, built for it and closed after it.

Configure either with a marker on the test, its class or the module:

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


class _ModuleLab:
    """The lab a module's tests share, built with the module's marker on first use."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        self._lab: BackgroundLab | None = None

    def get(self) -> BackgroundLab:
        if self._lab is None:
            self._lab = _background_lab(self.options)
            self._lab.__enter__()
        return self._lab

    def close(self) -> None:
        if self._lab is not None:
            self._lab.__exit__(None, None, None)
            self._lab = None


def _background_lab(options: dict[str, Any]) -> BackgroundLab:
    settings: dict[str, Any] = {
        "rate": 0.0,
        "control_port": 0,
        "ssh_port_base": 0,
        "nxapi_port_base": 0,
        "switches": 1,
    }
    settings.update(options)
    return BackgroundLab(LabOptions(**settings))


@pytest.fixture(scope="module")
def _slpsim_module_lab(request: pytest.FixtureRequest) -> Iterator[_ModuleLab]:
    # A module-scoped request sees only the module's marker.
    shared = _ModuleLab(_options(request))
    try:
        yield shared
    finally:
        shared.close()


@pytest.fixture
def slpsim_lab(
    request: pytest.FixtureRequest, _slpsim_module_lab: _ModuleLab
) -> Iterator[BackgroundLab]:
    """The module's shared lab, or, for a test (or class) whose marker asks for another
    configuration, a lab of its own for that test."""
    options = _options(request)
    if options == _slpsim_module_lab.options:
        yield _slpsim_module_lab.get()
        return
    with _background_lab(options) as lab:
        yield lab
