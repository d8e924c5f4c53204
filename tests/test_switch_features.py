"""The switch grows by feature: one package per NX-OS feature area, loaded by one engine."""

from __future__ import annotations

import ast
import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from sim.lab.state_codec import dump_text
from sim.lab.state_decoding import load_text
from sim.simulation import Simulation, SwitchSpec
from sim.switch.callhome.state import CallhomeConfig
from sim.switch.features import FEATURES
from sim.switch.logging.state import LoggingServer
from sim.switch.ntp_dns.state import NtpServer

SWITCH = Path(__file__).resolve().parent.parent / "sim" / "switch"
PACKAGES = sorted(p.name for p in SWITCH.iterdir() if (p / "__init__.py").exists())


@pytest.fixture
def sim() -> Iterator[Simulation]:
    simulation = Simulation.build(
        "direct", switches=[SwitchSpec("leaf1", licenses={"NXOS_ADVANTAGE_XF": 1})]
    )
    asyncio.run(simulation.boot())
    yield simulation
    asyncio.run(simulation.close())


def _imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
    return names


def test_every_feature_package_is_loaded() -> None:
    assert sorted(feature.name for feature in FEATURES) == PACKAGES


@pytest.mark.parametrize("package", PACKAGES)
def test_a_feature_never_imports_another_feature(package: str) -> None:
    others = {f"sim.switch.{name}" for name in PACKAGES if name != package}
    reaching = {
        f"{path.relative_to(SWITCH)}: {module}"
        for path in sorted((SWITCH / package).rglob("*.py"))
        for module in _imported_modules(path)
        if any(module == other or module.startswith(f"{other}.") for other in others)
    }
    assert reaching == set()


@pytest.mark.parametrize(
    "value",
    [NtpServer("10.0.0.1", prefer=True), LoggingServer("10.0.0.2", port=6514), CallhomeConfig()],
)
def test_state_saved_before_the_classes_moved_still_loads(value: object) -> None:
    kind = type(value)
    text = dump_text(value, {})
    old = text.replace(
        f"{kind.__module__}:{kind.__qualname__}", f"sim.switch.switch:{kind.__name__}"
    )
    assert old != text
    assert load_text(old, {}) == value


def test_running_config_sections_keep_nx_os_order(sim: Simulation) -> None:
    switch = sim.switch("leaf1")
    outputs = switch.apply_config(
        [
            "license smart transport cslu",
            "callhome",
            "enable",
            "logging server 10.0.0.2 6",
            "ntp server 10.0.0.1",
            "hostname spine1",
        ]
    )
    assert not any(outputs)
    lines = switch.running_config_lines()
    order = ["version ", "hostname ", "ip domain-lookup", "ntp server", "logging server"]
    order += ["callhome", "license smart transport"]
    positions = [next(i for i, line in enumerate(lines) if line.startswith(o)) for o in order]
    assert positions == sorted(positions)
    shown = switch.exec("show running-config")
    assert shown.endswith("\n".join(lines) + "\n")


@pytest.mark.parametrize(
    ("command", "keys"),
    [
        ("show version", ["nxos_ver_str", "proc_board_id", "host_name", "bios_ver_str"]),
        ("show inventory", []),
        ("show hostname", ["hostname"]),
        ("show license udi", ["udi"]),
        ("show license host-id", ["host_id"]),
        ("show license usage", ["authorization_status"]),
    ],
)
def test_text_is_rendered_from_the_structured_record(
    sim: Simulation, command: str, keys: list[str]
) -> None:
    switch = sim.switch("leaf1")
    switch.apply_config(["hostname core-7"])
    record = json.loads(switch.exec(f"{command} | json"))
    text = switch.exec(command)
    for key in keys:
        assert str(record[key]) in text
    for table, row_name in (
        ("TABLE_inv", "ROW_inv"),
        ("TABLE_show_smart_lic_usage", "ROW_show_smart_lic_usage"),
    ):
        for row in record.get(table, {}).get(row_name, []):
            assert all(str(value) in text for value in row.values())


def test_help_belongs_to_the_grammar_node(sim: Simulation) -> None:
    session = sim.switch("leaf1").new_session()
    assert (
        "  usage     Show license usage information\n" in session.execute("show license ?").output
    )
    session.execute("configure terminal")
    assert "  usage      Configure usage reporting\n" in session.execute("license smart ?").output
    show_interface = session.execute("do show interface ?").output
    assert "  status       Display interface line status\n" in show_interface
    assert (
        "  status    Show license status information\n"
        in session.execute("do show license ?").output
    )


def test_two_sessions_in_vrf_context_edit_their_own_vrf(sim: Simulation) -> None:
    switch = sim.switch("leaf1")
    first, second = switch.new_session(), switch.new_session()
    for session, vrf in ((first, "red"), (second, "blue")):
        session.execute("configure terminal")
        session.execute(f"vrf context {vrf}")
    first.execute("ip domain-name red.example")
    second.execute("ip domain-name blue.example")
    contexts = switch.dns.vrf_contexts
    assert (contexts["red"].domain_name, contexts["blue"].domain_name) == (
        "red.example",
        "blue.example",
    )
