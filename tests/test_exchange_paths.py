"""The direct exchange (sim/exchange.py) answers exactly as the FastAPI apps do.

Every shipped scenario runs twice, once with switches reaching the back ends' models directly
and once through httpx and the ASGI apps; the syslog, what the switches show and what the
back ends hold must be identical. Targeted tests then compare the two on each network fault
and on bodies a switch never sends but a device route must refuse the same way.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import fields
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

import cslu_mock.models
import cssm_mock.accounts
import cssm_mock.automation_api
import cssm_mock.trust
import cssm_mock.usage
import cssm_mock.usage_files
import onprem_mock.models
import sim.simulation as simulation_module
from cslu_mock.app import PI_PATH
from cssm_mock.app import CALL_HOME_PATH, SMART_RECEIVER_PATH
from sim.backend_http import AGENT_REQUEST
from sim.exchange import DirectExchange
from sim.protocol.messages import PollRequest, Sudi
from sim.sandbox import Sandbox
from sim.scenario.model import Scenario, load_scenario
from sim.scenario.result import ScenarioResult
from sim.scenario.runner import SimulationLike, build_simulation, run_scenario
from sim.scenario.shipped import shipped_folder
from sim.simulation import EXCHANGE_ENV, ExchangeMode, Simulation, SwitchSpec, exchange_mode
from sim.transport import BackendEndpoint, WireReply

SCENARIOS = sorted(shipped_folder().glob("*.yaml"))
MODES: tuple[ExchangeMode, ExchangeMode] = ("direct", "asgi")

# What a switch shows of its licensing state, rendered from live state.
SHOW_COMMANDS = (
    "show license all",
    "show license status",
    "show license usage",
    "show license history message",
    "show license rum id all",
    "show license eventlog",
)
# ECDSA signatures and the simulation's fresh signing keys differ on every run, whatever the
# exchange: they are blanked before comparing.
_SIGNATURE = re.compile(
    r"""((?:signature|key_id|server_key_id)\\*["']?\s*[:=]\s*\\*["'])[^"'\\]+"""
)
# Agent fields that are wiring, not state.
_AGENT_WIRING = {"rng", "trust_store", "timing", "_effects"}


class SeededSecrets:
    """Stands in for `secrets` in the mocks, so two runs draw the same ids and keys."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def token_bytes(self, n: int = 32) -> bytes:
        return self.rng.randbytes(n)

    def token_hex(self, n: int = 32) -> str:
        return self.token_bytes(n).hex()

    def token_urlsafe(self, n: int = 32) -> str:
        return self.token_hex(n)

    def randbits(self, k: int) -> int:
        return self.rng.getrandbits(k)


@pytest.fixture
def seeded(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    def reseed() -> None:
        for module in (
            cssm_mock.accounts,
            cssm_mock.trust,
            cssm_mock.usage,
            cssm_mock.usage_files,
            cssm_mock.automation_api,
            cslu_mock.models,
            onprem_mock.models,
        ):
            monkeypatch.setattr(module, "secrets", SeededSecrets(12))

    return reseed


def run_both_ways(
    scenario: Scenario, reseed: Callable[[], None], monkeypatch: pytest.MonkeyPatch
) -> dict[ExchangeMode, tuple[ScenarioResult, Simulation]]:
    """Run a scenario as `slpsim run` does, once over each exchange (chosen by environment)."""
    runs: dict[ExchangeMode, tuple[ScenarioResult, Simulation]] = {}
    for mode in MODES:
        built: list[Simulation] = []

        def factory(scenario: Scenario, built: list[Simulation] = built) -> SimulationLike:
            simulation = build_simulation(scenario)
            assert isinstance(simulation, Simulation)
            built.append(simulation)
            return simulation

        monkeypatch.setenv(EXCHANGE_ENV, mode)
        reseed()
        result = asyncio.run(run_scenario(scenario, factory=factory))
        runs[mode] = (result, built[0])
    return runs


def normalised(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: normalised(item) for key, item in value.items()}
    if isinstance(value, list):
        return [normalised(item) for item in value]
    return _SIGNATURE.sub(r"\1…", value) if isinstance(value, str) else value


def switch_dump(simulation: Simulation) -> dict[str, Any]:
    dump: dict[str, Any] = {}
    for name, switch in simulation.switches.items():
        agent = switch.agent
        state = {
            f.name: repr(getattr(agent, f.name))
            for f in fields(agent)
            if f.name not in _AGENT_WIRING
        }
        shown = {command: switch.exec(command) for command in SHOW_COMMANDS}
        dump[name] = {"agent": state, "shown": shown, "bootflash": sorted(switch.bootflash.files)}
    clean: dict[str, Any] = normalised(dump)
    return clean


def backend_dump(simulation: Simulation) -> dict[str, Any]:
    cssm, cslu, onprem = simulation.cssm, simulation.cslu, simulation.onprem
    dump = {
        "cssm": {
            "inventory": repr(sorted(cssm.inventory.items())),
            "acks": repr(sorted(cssm.acks.items())),
            "uploads": sorted(cssm.uploads),
            "counters": repr(cssm.counters),
        },
        **{
            name: {
                "inventory": repr(sorted(relay.inventory.items())),
                "polls": repr(sorted(relay.polls.items())),
                "log": repr(relay.log),
                "counters": repr(relay.counters),
            }
            for name, relay in (("cslu", cslu), ("onprem", onprem))
        },
    }
    clean: dict[str, Any] = normalised(dump)
    return clean


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_every_scenario_runs_the_same_over_both_exchanges(
    path: Path, seeded: Callable[[], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    runs = run_both_ways(load_scenario(path), seeded, monkeypatch)
    (direct, direct_sim), (asgi, asgi_sim) = runs["direct"], runs["asgi"]
    assert direct.passed, direct.explain()
    assert asgi.passed, asgi.explain()
    assert direct_sim.exchange_mode == "direct" and asgi_sim.exchange_mode == "asgi"
    syslog = {
        mode: {name: [r.logfile_line() for r in records] for name, records in result.syslog.items()}
        for mode, (result, _) in runs.items()
    }
    assert syslog["direct"] == syslog["asgi"]
    assert [e.output for e in direct.transcript] == [e.output for e in asgi.transcript]
    assert switch_dump(direct_sim) == switch_dump(asgi_sim)
    assert backend_dump(direct_sim) == backend_dump(asgi_sim)
    assert direct_sim.transport.exchanges == asgi_sim.transport.exchanges


# ---------------------------------------------------------------------------- faults

BACKEND_FAULTS = [
    (target, kind, params)
    for target, topology in (("cssm", "direct"), ("cslu", "cslu"), ("onprem", "onprem"))
    for kind, params in (
        ("unreachable", {}),
        ("dns", {}),
        ("http-404", {}),
        ("http-500", {}),
        ("empty-response", {}),
        ("slow", {"seconds": 5}),
        ("slow", {"seconds": 600}),  # beyond the request timeout
    )
] + [
    ("cssm", "tls-invalid", {}),
    ("cssm", "ack-delay", {"duration": "2h"}),
    ("cssm", "signature-invalid", {}),
    ("onprem", "tls-invalid", {}),
    ("onprem", "down-rev", {}),
    ("dns", "unreachable", {}),
]
TOPOLOGY_OF = {"cssm": "direct", "cslu": "cslu", "onprem": "onprem", "dns": "direct"}


async def faulted_year(target: str, kind: str, params: dict[str, Any], mode: ExchangeMode) -> Any:
    topology = TOPOLOGY_OF[target]
    sim = Simulation.build(topology, switches=[SwitchSpec("leaf1")], exchange=mode)
    await sim.boot()
    issuer = "onprem" if topology == "onprem" else "cssm"
    await sim.exec("leaf1", f"license smart trust idtoken {sim.issue_token(issuer)} all")
    await sim.advance(timedelta(hours=2))
    fault = sim.add_fault(target, kind, params)
    await sim.exec("leaf1", "license smart sync all")
    await sim.advance(timedelta(hours=6))
    sim.remove_fault(fault)
    await sim.advance(timedelta(days=40))
    dump = {
        "syslog": [r.logfile_line() for r in sim.syslog("leaf1")],
        "switch": switch_dump(sim),
        "backends": backend_dump(sim),
        "exchanges": sim.transport.exchanges,
    }
    await sim.close()
    return dump


@pytest.mark.parametrize(
    ("target", "kind", "params"),
    BACKEND_FAULTS,
    ids=[f"{t}-{k}-{p.get('seconds', '')}" for t, k, p in BACKEND_FAULTS],
)
def test_each_fault_behaves_the_same_over_both_exchanges(
    target: str, kind: str, params: dict[str, Any], seeded: Callable[[], None]
) -> None:
    dumps = {}
    for mode in MODES:
        seeded()
        dumps[mode] = asyncio.run(faulted_year(target, kind, params, mode))
    assert dumps["direct"] == dumps["asgi"]
    if kind not in ("ack-delay", "slow") or params.get("seconds") == 600:
        # The fault was seen (or the comparison would be of two quiet years).
        assert any("LOG_SMART_LIC_" in line for line in dumps["direct"]["syslog"])


# ---------------------------------------------------------------------------- the wire

SUDI = Sudi(udi_pid="N9K-C93180YC-FX", udi_serial_number="FDO2434107N")
POLL = PollRequest(timestamp=1767603600000, nonce="n1", sudi=SUDI, poll_id=7).model_dump_json()
# Bodies a switch never sends, which a device route must refuse as the app does.
BODIES: dict[str, bytes] = {
    "poll": POLL.encode(),
    "empty": b"",
    "not json": b"{nope",
    "nan": POLL.replace('"poll_id":7', '"poll_id":NaN').encode(),
    "huge number": POLL.replace('"poll_id":7', '"poll_id":1e400').encode(),
    "lone surrogate": POLL.replace('"n1"', '"\\ud800"').encode(),
    "deep": b"[" * 40 + b"]" * 40,
    "wrong type": POLL.replace('"poll_id":7', '"poll_id":"seven"').encode(),
    "unknown message": b'{"message_type": "hello"}',
    "too large": b'{"a": "' + b"x" * (16 * 1024 * 1024 + 1) + b'"}',
    "not utf-8": b'{"nonce": "\xff"}',
}
URLS = {
    "cssm": [
        f"https://smartreceiver.cisco.com{SMART_RECEIVER_PATH}",
        f"https://tools.cisco.com{CALL_HOME_PATH}",
        "https://smartreceiver.cisco.com/licservice/licence",  # not a route: 404
        f"https://smartreceiver.cisco.com{SMART_RECEIVER_PATH}/",  # trailing slash
        f"https://smartreceiver.cisco.com{SMART_RECEIVER_PATH}?x=1",
    ],
    "cslu": [
        f"http://cslu-local:8182{PI_PATH}",
        f"http://cslu-local:8182{PI_PATH}/Default-1",
        f"http://cslu-local:8182{PI_PATH}/a%20b",
        f"http://cslu-local:8182{PI_PATH}/a/b",
        "http://cslu-local:8182/_sim/product-instances",  # a GET route: 405
    ],
    "onprem": [
        f"https://onprem.example.com{PI_PATH}/Default-1",
        f"https://onprem.example.com{PI_PATH}/Nowhere-1",  # unknown tenant: 404
        f"https://onprem.example.com{PI_PATH}",
    ],
}
WIRE_CASES = [(backend, url) for backend, urls in URLS.items() for url in urls]


def wire_view(answer: WireReply | Any) -> tuple[int, Any]:
    assert isinstance(answer, WireReply), answer
    if not answer.content:
        return answer.status_code, None
    return answer.status_code, normalised(json.loads(answer.content))


@pytest.fixture(scope="module")
def wire_sim() -> Iterator[Simulation]:
    simulation = Simulation.build("onprem", switches=[SwitchSpec("leaf1")], exchange="direct")
    yield simulation
    asyncio.run(simulation.close())


@pytest.mark.parametrize(("backend", "url"), WIRE_CASES, ids=[u for _, u in WIRE_CASES])
def test_a_device_route_answers_every_body_as_the_app_does(
    wire_sim: Simulation, backend: str, url: str
) -> None:
    direct = wire_sim.transport.endpoints[backend]
    assert isinstance(direct, DirectExchange)

    async def both() -> dict[str, dict[str, tuple[int, Any]]]:
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=wire_sim.apps[backend]))
        asgi = BackendEndpoint(client)
        seen: dict[str, dict[str, tuple[int, Any]]] = {}
        for name, body in BODIES.items():
            netloc = httpx.URL(url).netloc.decode()
            seen[name] = {
                "direct": wire_view(await direct.post(url, body, netloc)),
                "asgi": wire_view(await asgi.post(url, body, netloc)),
            }
        await client.aclose()
        return seen

    seen = asyncio.run(both())
    for name, answers in seen.items():
        assert answers["direct"] == answers["asgi"], name
    statuses = {answers["direct"][0] for answers in seen.values()}
    assert statuses - {200}, "every body was accepted: the refusals were not exercised"


def test_refusals_carry_the_routes_status_codes(wire_sim: Simulation) -> None:
    cssm = wire_sim.transport.endpoints["cssm"]
    onprem = wire_sim.transport.endpoints["onprem"]
    url = f"https://smartreceiver.cisco.com{SMART_RECEIVER_PATH}"

    async def answers() -> list[int]:
        return [
            (await cssm.post(url, BODIES["poll"], "x")).status_code,  # type: ignore[union-attr]
            (await cssm.post(url, BODIES["nan"], "x")).status_code,  # type: ignore[union-attr]
            (await cssm.post(url, BODIES["too large"], "x")).status_code,  # type: ignore[union-attr]
            (await onprem.post(URLS["onprem"][1], BODIES["poll"], "x")).status_code,  # type: ignore[union-attr]
        ]

    assert asyncio.run(answers()) == [200, 400, 413, 404]


def test_the_exchange_is_chosen_by_argument_or_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SLPSIM_EXCHANGE", raising=False)
    assert exchange_mode(None) == "direct"
    monkeypatch.setenv("SLPSIM_EXCHANGE", "asgi")
    assert exchange_mode(None) == "asgi"
    assert exchange_mode("direct") == "direct"
    sim = Simulation.build("direct")
    assert isinstance(sim.transport.endpoints["cssm"], BackendEndpoint)
    asyncio.run(sim.close())
    with pytest.raises(ValueError, match="direct or asgi"):
        exchange_mode("http")


def test_a_sandbox_uses_the_direct_exchange_unless_asked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(EXCHANGE_ENV, raising=False)
    lines: dict[ExchangeMode | None, list[str]] = {}
    modes: tuple[ExchangeMode | None, ...] = (None, "asgi")
    for mode in modes:
        with Sandbox(switches=["leaf1"], exchange=mode) as lab:
            kind = type(lab.simulation.transport.endpoints["cssm"])
            assert kind is (DirectExchange if mode is None else BackendEndpoint)
            lab.exec(f"license smart trust idtoken {lab.token()} all")
            lab.advance("40d")
            lines[mode] = lab.syslog()
    assert lines[None] == lines["asgi"]
    assert any("TRUST_CODE_INSTALL_SUCCESS" in line for line in lines[None])


def test_the_direct_exchange_never_builds_the_apps_for_device_messages(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_app(model: object) -> FastAPI:
        raise AssertionError("a FastAPI app was built")

    for name in ("create_cssm_app", "create_cslu_app", "create_onprem_app"):
        monkeypatch.setattr(simulation_module, name, no_app)

    async def a_year() -> list[str]:
        sim = Simulation.build("direct", switches=[SwitchSpec("leaf1")], exchange="direct")
        await sim.boot()
        await sim.exec("leaf1", f"license smart trust idtoken {sim.issue_token()} all")
        await sim.advance(timedelta(days=365))
        await sim.close()
        return [r.logfile_line() for r in sim.syslog("leaf1")]

    assert any("TRUST_CODE_INSTALL_SUCCESS" in line for line in asyncio.run(a_year()))


def test_device_messages_keep_the_shape_the_direct_exchange_relies_on() -> None:
    # sim/exchange.py checks a body's JSON shape only when it fails validation; that gives the
    # app's answers only while no device message takes extra keys or a float.
    schema = AGENT_REQUEST.json_schema()
    objects = [schema, *schema.get("$defs", {}).values()]
    texts = json.dumps(schema)
    assert '"type": "number"' not in texts
    for definition in objects:
        if definition.get("type") == "object" and "properties" in definition:
            assert definition.get("additionalProperties") is False, definition.get("title")
        for field in definition.get("properties", {}).values():
            if field.get("type") == "object":
                # A free-form map (the RUM header): string values only.
                assert field.get("additionalProperties") == {"type": "string"}, field
