"""Files carried by hand: `license smart save usage`, bootflash and `license smart import`."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator
from datetime import timedelta
from typing import Any, TypeVar

import pytest
from booted_simulation import TWO_LEAVES, booted

from sim.protocol.files import read_usage_file
from sim.simulation import Simulation
from sim.switch.bootflash import BootflashError
from sim.switch.render import license_time
from sim.switch.switch import Switch

T = TypeVar("T")
POLICY_OK = "%LICMGR-6-LOG_SMART_LIC_POLICY_INSTALL_SUCCESS: "
POLICY_FAILED = "%LICMGR-3-LOG_SMART_LIC_POLICY_INSTALL_FAILED: "


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


@pytest.fixture
def sim() -> Iterator[Simulation]:
    yield from booted(TWO_LEAVES)


def exec_(sim: Simulation, line: str, switch: str = "leaf1") -> str:
    return run(sim.exec(switch, line))


def bodies(sim: Simulation, switch: str = "leaf1") -> list[str]:
    return [record.body for record in sim.syslog(switch)]


def cssm_ack_for(sim: Simulation, switch: Switch, usage_name: str) -> str:
    """Upload a saved usage file to CSSM and download its ACK file, as a person would."""
    text = switch.read_bootflash(usage_name)
    upload = sim.cssm.upload_usage_file(usage_name, text.encode(), "Default")
    run(sim.advance(timedelta(minutes=20)))
    ack = sim.cssm.ack_file_for(upload)
    assert ack is not None
    return ack.decode()


def test_save_usage_writes_the_usage_file_format_and_notes_it_in_status(sim: Simulation) -> None:
    run(sim.advance(timedelta(days=1)))
    switch = sim.switch("leaf1")
    assert exec_(sim, "license smart save usage all file bootflash:usage.txt") == ""
    usage = read_usage_file(switch.read_bootflash("usage.txt"))
    assert usage.system.sudi == switch.sudi
    assert usage.system.hostname == "leaf1"
    assert usage.system.timestamp == int(switch.now().timestamp() * 1000)
    assert len(usage.reports) == 1
    assert "usage.txt" in exec_(sim, "dir bootflash:")
    status = exec_(sim, "show license status")
    assert f"Last report file write: {license_time(switch.now())}" in status


def test_save_usage_refuses_another_file_system_and_writes_nothing(sim: Simulation) -> None:
    output = exec_(sim, "license smart save usage all file usb1:usage.txt")
    assert output == "% Invalid file system: usb1:\n"
    assert sim.switch("leaf1").bootflash_files() == []
    assert "Last report file write: <none>" in exec_(sim, "show license status")


def test_offline_round_trip_through_cssm_installs_ack_and_policy(sim: Simulation) -> None:
    exec_(sim, "license smart save usage unreported file bootflash:usage.txt")
    switch = sim.switch("leaf1")
    switch.write_bootflash("ack.txt", cssm_ack_for(sim, switch, "usage.txt"))
    assert exec_(sim, "license smart import bootflash:ack.txt") == "Import Data Successful\n"
    assert any(body.startswith(POLICY_OK) for body in bodies(sim))
    status = exec_(sim, "show license status")
    assert f"Last ACK received: {license_time(switch.now())}" in status
    assert "Policy in use: Installed On" in status
    assert "ACK" in exec_(sim, "show license rum id all")
    history = exec_(sim, "show license history message")
    assert history.split("Import RUM ACK:\n")[1].splitlines()[0].endswith("SUCCESS")


def test_policy_file_from_cssm_installs_alone(sim: Simulation) -> None:
    sim.switch("leaf1").write_bootflash("policy.txt", sim.cssm.policy_file("Default"))
    assert exec_(sim, "license smart import bootflash:policy.txt") == "Import Data Successful\n"
    assert any(body.startswith(POLICY_OK) for body in bodies(sim))
    assert "Last ACK received: <none>" in exec_(sim, "show license status")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "% Import Data Failed: bootflash:ack.txt: No such file or directory\n"),
        (
            "hello",
            "% Import Data Failed: not an ACK or policy file: expected a <smartLicense> document\n",
        ),
    ],
)
def test_import_of_a_missing_or_foreign_file_says_so(
    sim: Simulation, content: str | None, expected: str
) -> None:
    if content is not None:
        sim.switch("leaf1").write_bootflash("ack.txt", content)
    before = bodies(sim)
    assert exec_(sim, "license smart import bootflash:ack.txt") == expected
    assert bodies(sim) == before


def test_importing_a_usage_file_by_mistake_says_what_to_do(sim: Simulation) -> None:
    exec_(sim, "license smart save usage all file bootflash:usage.txt")
    output = exec_(sim, "license smart import bootflash:usage.txt")
    assert "this is a usage file; upload it to CSSM and import the ACK" in output


def test_ack_for_the_other_vpc_peer_is_refused_and_changes_nothing(sim: Simulation) -> None:
    exec_(sim, "license smart save usage all file bootflash:usage.txt", "leaf2")
    leaf2 = sim.switch("leaf2")
    sim.switch("leaf1").write_bootflash("ack.txt", cssm_ack_for(sim, leaf2, "usage.txt"))
    before = exec_(sim, "show license rum id all")
    output = exec_(sim, "license smart import bootflash:ack.txt")
    assert output == (
        "% Import Data Failed: the acknowledgement is for another product instance "
        "(PID:N9K-C93180YC-FX,SN:FDO2434108P)\n"
    )
    assert exec_(sim, "show license rum id all") == before
    assert "Last ACK received: <none>" in exec_(sim, "show license status")


def test_import_with_a_bad_signature_logs_policy_install_failed(sim: Simulation) -> None:
    exec_(sim, "license smart save usage all file bootflash:usage.txt")
    switch = sim.switch("leaf1")
    sim.cssm.signer.tampering = True
    switch.write_bootflash("ack.txt", cssm_ack_for(sim, switch, "usage.txt"))
    output = exec_(sim, "license smart import bootflash:ack.txt")
    assert output.startswith("% Import Data Failed: Signature mismatch")
    assert bodies(sim)[-1].startswith(POLICY_FAILED)
    status = exec_(sim, "show license status")
    assert "Last ACK received: <none>" in status
    assert "Policy in use: Merged from multiple sources." in status


def test_bootflash_file_api_for_carrying_files(sim: Simulation) -> None:
    switch = sim.switch("leaf1")
    switch.write_bootflash("bootflash:b.txt", "two")
    switch.write_bootflash("a.txt", "one")
    assert switch.bootflash_files() == ["a.txt", "b.txt"]
    assert switch.read_bootflash("bootflash:///a.txt") == "one"
    with pytest.raises(FileNotFoundError, match=r"bootflash:c\.txt: No such file"):
        switch.read_bootflash("c.txt")
    with pytest.raises(BootflashError, match="Invalid file system: usb1:"):
        switch.write_bootflash("usb1:x.txt", "three")
    with pytest.raises(BootflashError, match="Invalid file name"):
        switch.write_bootflash("../x", "three")


# ---------------------------------------------------------------------- tclsh


def _typed(switch: Switch, lines: list[str]) -> list[tuple[str, str]]:
    """(prompt before, output) of each line typed into one session."""
    session = switch.new_session()
    seen = []
    for line in lines:
        prompt = session.prompt
        seen.append((prompt, session.execute(line).output))
    return seen


def test_tclsh_writes_a_file_to_bootflash_as_scrapli_cfg_sends_it(sim: Simulation) -> None:
    switch = sim.switch("leaf1")
    seen = _typed(
        switch,
        [
            "tclsh",
            'set fl [open "/bootflash/candidate.cfg" wb+]',
            # Over SSH the \r inside the braces ends the line: the command goes on after `>`.
            "puts -nonewline $fl {hostname spine9",
            "}",
            "puts -nonewline $fl {interface Ethernet1/5\r}",
            'puts $fl "  description \\"uplink\\""',
            "close $fl",
            "tclquit",
        ],
    )
    prompts = [prompt for prompt, _ in seen]
    assert prompts == ["leaf1#", "leaf1-tcl#", "leaf1-tcl#", ">", *["leaf1-tcl#"] * 4]
    assert switch.read_bootflash("candidate.cfg") == (
        'hostname spine9\ninterface Ethernet1/5\n  description "uplink"\n'
    )
    assert all(output == "" for _, output in seen)


def test_tclsh_runs_nx_os_commands_and_refuses_other_tcl(sim: Simulation) -> None:
    switch = sim.switch("leaf1")
    seen = _typed(
        switch,
        ["tclsh", "show hostname", "glob *", "puts $nowhere {x}", "puts {hello}", "tclquit"],
    )
    assert seen[1][1].startswith("leaf1")
    assert "% Invalid command at '^' marker." in seen[2][1]
    assert seen[3][1] == 'can\'t read "nowhere": no such variable\n'
    assert seen[4][1] == "hello\n"
    assert seen[5][0] == "leaf1-tcl#"
    assert switch.session.prompt == "leaf1#"
    assert switch.bootflash_files() == []


def test_tclsh_refuses_a_file_outside_bootflash(sim: Simulation) -> None:
    switch = sim.switch("leaf1")
    seen = _typed(
        switch, ["tclsh", 'set fl [open "/usb1/x.cfg" w]', "puts $fl {hostname x}", "close $fl"]
    )
    assert seen[1][1] == 'couldn\'t open "/usb1/x.cfg": no such file or directory\n'
    assert seen[3][1] == 'can\'t read "fl": no such variable\n'
    assert switch.bootflash_files() == []


def test_tclsh_bounds_nesting_and_keeps_the_session(sim: Simulation) -> None:
    switch = sim.switch("leaf1")
    deep = "set x " + "[set y " * 150 + "1" + "]" * 150
    seen = _typed(switch, ["tclsh", deep, "puts {still here}"])
    assert seen[1][1] == "too many nested evaluations (infinite loop?)\n"
    assert seen[2] == ("leaf1-tcl#", "still here\n")
    assert len(sim.incidents) == 0  # a Tcl error, not a crash of the command


def test_tclsh_refuses_to_write_past_a_full_bootflash(
    sim: Simulation, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sim.switch.files.tcl.MAX_FILE_CHARS", 10)
    switch = sim.switch("leaf1")
    seen = _typed(
        switch,
        [
            "tclsh",
            'set fl [open "bootflash:big.cfg" w]',
            "puts $fl {123456789}",
            "puts $fl {overflow}",
            "close $fl",
        ],
    )
    assert seen[3][1] == 'error writing "file1": no space left on device\n'
    assert switch.read_bootflash("big.cfg") == "123456789\n"
