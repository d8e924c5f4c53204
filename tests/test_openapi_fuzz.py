"""schemathesis runs every back end's OpenAPI document, and the lab control API's over real
HTTP: whatever it sends, never a 5xx."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from sim.lab.background import BackgroundLab
from sim.lab.control import create_control_app
from sim.lab.lab import Lab, LabOptions
from sim.simulation import Simulation

# Bundles (CSLU's Upload From Cisco, On-Prem's Import From Cisco) are raw gzip bodies.
schemathesis.serializer.alias("application/gzip", "application/octet-stream")

# One simulation for the whole module: its apps hold the state the generated calls poke at.
SIMULATION = Simulation.build("cslu")
SCHEMAS = {
    name: schemathesis.openapi.from_asgi("/openapi.json", app)
    for name, app in SIMULATION.apps.items()
}
cssm = SCHEMAS["cssm"]
cslu = SCHEMAS["cslu"]
onprem = SCHEMAS["onprem"]

FUZZ = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)


def no_server_error(case: Any, base_url: str | None = None) -> None:
    response = case.call(base_url=base_url)
    assert response.status_code < 500, (case.method, case.path, response.text[:300])
    if response.status_code >= 400:
        content_type = " ".join(response.headers.get("content-type", []))
        assert content_type.startswith("application/json"), (case.method, case.path, content_type)


@cssm.parametrize()
@FUZZ
def test_cssm(case: Any) -> None:
    no_server_error(case)


@cslu.parametrize()
@FUZZ
def test_cslu(case: Any) -> None:
    no_server_error(case)


@onprem.parametrize()
@FUZZ
def test_onprem(case: Any) -> None:
    no_server_error(case)


def test_every_document_lists_its_device_endpoint() -> None:
    paths = {name: set(schema.raw_schema["paths"]) for name, schema in SCHEMAS.items()}
    assert "/licservice/license" in paths["cssm"]
    assert "/cslu/v1/pi" in paths["cslu"]
    assert any(p.startswith("/cslu/v1/pi/") for p in paths["onprem"])
    assert all(len(p) >= 3 for p in paths.values()), paths


# Offline: switches never call a back end, so a fuzzed ten-year jump stays cheap.
CONTROL_LAB = LabOptions(
    topology="offline",
    switches=1,
    rate=0,
    control_port=0,
    ssh_port_base=0,
    nxapi_port_base=0,
    start=datetime.fromisoformat("2026-03-02T08:00:00+00:00"),
)
# The document comes from the app itself; the calls go to a running lab over real HTTP.
control = schemathesis.openapi.from_dict(create_control_app(Lab(CONTROL_LAB)).openapi())


@pytest.fixture(scope="module")
def control_lab() -> Iterator[BackgroundLab]:
    with BackgroundLab(CONTROL_LAB) as running:
        yield running


@control.parametrize()
@FUZZ
def test_control_api(case: Any, control_lab: BackgroundLab) -> None:
    no_server_error(case, f"http://127.0.0.1:{control_lab.endpoints.control_port}")
    assert list(control_lab.lab.simulation.incidents) == []


@pytest.fixture(scope="module", autouse=True)
def _close() -> Any:
    yield
    import asyncio

    asyncio.run(SIMULATION.close())
