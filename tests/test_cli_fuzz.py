"""Random lines against the switch CLI: never an exception, always output or an NX-OS error.

Lines are built from the CLI's own vocabulary (so they reach deep into the grammar and the
handlers) mixed with hostile values: huge numbers, odd addresses, control characters,
unicode, pipes. Each example runs in exec mode, in configuration mode and as NX-API would
(structured), on one long-lived switch, so state piles up the way a real session's does.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.simulation import Simulation
from sim.switch.cli import CliSession, Mode
from sim.switch.commands import HELP
from sim.switch.switch import Switch

EXTRA_WORDS = [
    "show",
    "license",
    "smart",
    "configure",
    "terminal",
    "end",
    "exit",
    "no",
    "callhome",
    "destination-profile",
    "CiscoTAC-1",
    "xml",
    "transport-method",
    "http",
    "enable",
    "logging",
    "server",
    "running-config",
    "startup-config",
    "bootflash:",
    "bootflash:usage.txt",
    "vrf",
    "context",
    "management",
    "default",
    "hostname",
    "copy",
    "reload",
    "ascii",
    "clock",
    "set",
    "ping",
    "dir",
    "?",
    "|",
    "json",
    "include",
    "begin",
    "count",
]
KEYWORDS = [*sorted(HELP), *EXTRA_WORDS]
VALUES = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(
        [
            "10.10.10.53",
            "256.1.1.1",
            "1.2.3",
            "::1",
            "cslu-local",
            "https://smartreceiver.cisco.com/licservice/license",
            "http://cslu-local:8182/cslu/v1/pi",
            "ftp://x",
            "12:00:00",
            "25:61:61",
            "Jan",
            "Smarch",
            "2026",
            "bootflash:../../etc/passwd",
            "bootflash:",
            '"quoted text"',
            "a" * 300,
            "",
        ]
    ),
    st.text(max_size=12),
)
TOKENS = st.one_of(st.sampled_from(KEYWORDS), VALUES)
LINES = st.one_of(
    st.lists(TOKENS, min_size=1, max_size=9).map(" ".join),
    st.text(max_size=60),
)


@pytest.fixture(scope="module")
def switch() -> Iterator[Switch]:
    sim = Simulation.build("direct")
    asyncio.run(sim.boot())
    yield sim.switch()
    asyncio.run(sim.close())


def _check(session: CliSession[Switch], line: str, *, structured: bool = False) -> None:
    result = session.execute(line, structured=structured)
    assert isinstance(result.output, str)
    if result.error:
        assert "%" in result.output, (line, result.output)


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(line=LINES)
def test_random_lines_never_raise(switch: Switch, line: str) -> None:
    session = switch.new_session()
    _check(session, line)
    _check(session, line, structured=True)
    session.end()
    session.enter(Mode.CONFIG)
    _check(session, line)
    if session.mode is not Mode.CONFIG:  # the line entered a sub-mode: fuzz that one too
        _check(session, line)


@settings(max_examples=150, deadline=None)
@given(data=st.binary(max_size=400))
def test_import_of_random_files_is_refused_and_changes_nothing(data: bytes) -> None:
    sim = Simulation.build("offline")
    asyncio.run(sim.boot())
    switch = sim.switch()
    before = switch.exec("show license status")
    switch.write_bootflash("junk.txt", data.decode("latin-1"))
    output = switch.exec("license smart import bootflash:junk.txt")
    assert "Import Data Failed" in output
    assert switch.exec("show license status") == before
    asyncio.run(sim.close())
