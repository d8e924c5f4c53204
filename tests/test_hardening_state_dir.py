"""The state dir is data: JSON a user can read, loading it runs no code, it is private to its
owner, and a damaged one (corrupt, read-only, mixed, incomplete, old) is refused clearly."""

from __future__ import annotations

import base64
import json
import os
import pickle
import shutil
import sqlite3
import stat
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from lab_state import saved_state
from wire_lab import lab_options, nxapi_output

from cssm_mock.counters import Counters
from sim.lab.background import BackgroundLab
from sim.lab.lab import Lab, LabOptions
from sim.lab.state_codec import CodecError, dump_text
from sim.lab.state_decoding import load_text
from sim.lab.state_store import DATABASES, StateError, StateStore, dumps, loads
from sim.simulation import Simulation

START = datetime.fromisoformat("2026-04-06T08:00:00+00:00")
TRUST_ISSUER = {"direct": "cssm", "cslu": None, "onprem": "onprem"}


def options(state_dir: Path, **changes: Any) -> LabOptions:
    return lab_options(state_dir, start=START, **changes)


nxapi = nxapi_output


def saved_state_dir(state_dir: Path, *, holding: str = "leaf1") -> Path:
    """A state dir as a lab leaves it: every database, a switch's state and a back end's."""
    store = StateStore(state_dir)
    store.save("switches", {holding: dumps({"hostname": holding}, {})}, START)
    store.save("cssm", {"model": dumps({"ack_delay": timedelta(minutes=15)}, {})}, START)
    store.close()
    return state_dir


def query(
    state_dir: Path, statement: str, db: str = "switches", params: tuple[object, ...] = ()
) -> list[Any]:
    """One SQL statement on a saved database, behind the lab's back: the rows it answers."""
    with sqlite3.connect(state_dir / f"{db}.sqlite") as conn:
        rows = conn.execute(statement, params).fetchall()
    conn.close()
    return rows


def write_value(state_dir: Path, key: str, data: bytes | str, db: str = "switches") -> None:
    query(state_dir, "INSERT OR REPLACE INTO state VALUES (?, ?)", db, (key, data))


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# ---------------------------------------------------------------------- no code from data


class _RunsCode:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Callable[..., Any], tuple[str]]:
        return (os.system, (f"touch {self.marker}",))


def test_a_crafted_pickle_payload_runs_nothing_and_is_refused(tmp_path: Path) -> None:
    state_dir = saved_state_dir(tmp_path / "state")
    marker = tmp_path / "pwned"
    write_value(state_dir, "leaf1", pickle.dumps(_RunsCode(marker)))
    with (
        pytest.raises(StateError, match=r"switches\.sqlite, key 'leaf1' cannot be read"),
        BackgroundLab(options(state_dir)),
    ):
        pass
    assert not marker.exists()


@pytest.mark.parametrize(
    "crafted",
    [
        {"$object": {"type": "os:system", "fields": {}}},
        {"$object": {"type": "sim.lab.state_store:os.system", "fields": {}}},
        {"$object": {"type": "sim.lab.state_codec:random.Random", "fields": {}}},
        {"$object": {"type": "subprocess:Popen", "fields": {"args": "touch x"}}},
        {"$enum": ["sim.lab.state_codec:importlib.import_module", "os"]},
        {"$model": {"type": "sim.lab.lab:LabOptions", "data": {}}},
        {"$object": {"type": "sim.lab.control_client:ControlClient", "fields": {}}},
        {"$reduce": ["os:system", ["touch x"]]},
        {"$object": {"type": "cssm_mock.models:CssmModel", "fields": {"__class__": {}}}},
    ],
)
def test_a_type_tag_outside_the_allow_list_is_refused(tmp_path: Path, crafted: Any) -> None:
    state_dir = saved_state_dir(tmp_path)
    write_value(state_dir, "leaf1", json.dumps({"agent": crafted}))
    with pytest.raises(StateError, match=r"switches\.sqlite, key 'leaf1' cannot be read"):
        StateStore(state_dir)


def test_the_saved_state_is_json_a_user_can_read(tmp_path: Path) -> None:
    with BackgroundLab(options(tmp_path)) as lab:
        control = f"http://127.0.0.1:{lab.endpoints.control_port}"
        nxapi(lab.endpoints.switches[0].nxapi_port, "hostname edge-7", kind="cli_conf")
        httpx.put(f"{control}/sim/files/notes.txt", content=b"\x00\xffbinary")
        httpx.post(f"{control}/sim/clock/advance", json={"seconds": 60})
    values: dict[str, Any] = {}
    for name in DATABASES:
        rows = dict(query(tmp_path, "SELECT name, data FROM state", name))
        assert rows, name
        values.update({key: json.loads(text) for key, text in rows.items()})
    switch = values["leaf1"]
    assert switch["hostname"] == "edge-7"
    assert switch["booted_at"] == {"$datetime": START.isoformat()}
    assert values["__workspace__"]["notes.txt"] == {
        "$bytes": base64.b64encode(b"\x00\xffbinary").decode()
    }
    ((model,),) = query(tmp_path, "SELECT data FROM state WHERE name='model'", "cssm")
    assert (
        "-----BEGIN PRIVATE KEY-----"
        in json.loads(model)["signer"]["$object"]["fields"]["_key"]["$private_key"]
    )


# ---------------------------------------------------------------------- saving refuses clearly


def test_an_attribute_that_cannot_be_saved_is_refused_by_name() -> None:
    from sim.lab.persistence import SWITCH_STATE

    sim = Simulation.build("direct", start=START)
    switch = next(iter(sim.switches.values()))
    switch.agent.on_report = lambda: None  # type: ignore[attr-defined]
    state = {attr: getattr(switch, attr) for attr in SWITCH_STATE}
    with pytest.raises(
        StateError,
        match=r"saved state\['agent'\]\.on_report cannot be saved: it is a builtins\.function",
    ):
        dumps(state, {"clock": sim.clock, "timing": sim.timing, "scheduler": sim.scheduler})


def test_objects_shared_or_cyclic_come_back_as_one_object() -> None:
    first, second = Counters(), Counters()
    first.peer, second.peer = second, first  # type: ignore[attr-defined]
    reports = [1, 2]
    acks = {"a": reports, "b": reports}
    loaded = load_text(dump_text({"first": first, "second": second, "acks": acks}, {}), {})
    assert loaded["first"].peer is loaded["second"] and loaded["second"].peer is loaded["first"]
    assert loaded["acks"]["a"] is loaded["acks"]["b"] == [1, 2]


def test_a_list_that_contains_itself_is_refused_at_save() -> None:
    looped: list[Any] = []
    looped.append(looped)
    with pytest.raises(CodecError, match=r"\['a'\]\[0\]: a list that contains itself"):
        dump_text({"a": looped}, {})


# ---------------------------------------------------------------------- permissions


def test_the_state_dir_is_private_to_its_owner(tmp_path: Path) -> None:
    state_dir = tmp_path / "state"
    with BackgroundLab(options(state_dir)) as lab:
        lab.lab.save_switches()
        files = sorted(state_dir.iterdir())
        assert {f.name for f in files} >= {
            f"{name}.sqlite{suffix}" for name in DATABASES for suffix in ("", "-wal", "-shm")
        } | {"ssh_host_key"}
        assert mode(state_dir) == 0o700
        assert {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}


def test_a_loose_state_dir_is_tightened_on_open(tmp_path: Path) -> None:
    state_dir = saved_state_dir(tmp_path / "state")
    state_dir.chmod(0o755)
    for path in state_dir.iterdir():
        path.chmod(0o644)
    StateStore(state_dir).close()
    assert mode(state_dir) == 0o700
    assert {mode(path) for path in state_dir.iterdir()} == {0o600}


def test_a_shared_folder_given_as_state_dir_keeps_its_mode(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not the lab's")
    tmp_path.chmod(0o755)
    StateStore(tmp_path).close()
    assert mode(tmp_path) == 0o755
    assert {mode(tmp_path / f"{name}.sqlite") for name in DATABASES} == {0o600}


# ---------------------------------------------------------------------- damage refused clearly


def test_a_corrupt_database_is_refused(tmp_path: Path) -> None:
    state_dir = saved_state_dir(tmp_path)
    path = state_dir / "switches.sqlite"
    ((root,),) = query(state_dir, "SELECT rootpage FROM sqlite_master WHERE name='state'")
    data = bytearray(path.read_bytes())
    page = 4096 * (root - 1)
    data[page : page + 64] = b"\xff" * 64  # the state table's b-tree header
    path.write_bytes(bytes(data))
    with pytest.raises(
        StateError, match=r"switches\.sqlite: not a usable SQLite database .*new --state-dir"
    ):
        StateStore(state_dir)


@pytest.fixture
def as_a_user(monkeypatch: pytest.MonkeyPatch) -> None:
    """File permissions as a non-root user sees them (root may write anywhere)."""
    if os.geteuid() != 0:
        return
    real = os.access

    def access(path: Any, wanted: int) -> bool:
        bits = os.stat(path).st_mode
        user = {os.R_OK: stat.S_IRUSR, os.W_OK: stat.S_IWUSR, os.X_OK: stat.S_IXUSR}
        return all(bits & bit for flag, bit in user.items() if wanted & flag) and real(path, wanted)

    monkeypatch.setattr("sim.lab.state_store.os.access", access)


@pytest.mark.usefixtures("as_a_user")
def test_a_read_only_state_dir_is_refused_at_start(tmp_path: Path) -> None:
    state_dir = saved_state_dir(tmp_path / "state")
    state_dir.chmod(0o500)
    try:
        with pytest.raises(StateError, match=r"state is read-only: the lab could not save"):
            Lab(options(state_dir))
    finally:
        state_dir.chmod(0o700)


@pytest.mark.usefixtures("as_a_user")
def test_a_read_only_database_is_refused_at_start(tmp_path: Path) -> None:
    state_dir = saved_state_dir(tmp_path)
    (state_dir / "cssm.sqlite").chmod(0o400)
    with pytest.raises(StateError, match=r"cssm\.sqlite is read-only: the lab could not save"):
        Lab(options(state_dir))


def test_a_missing_database_is_refused_rather_than_reset(tmp_path: Path) -> None:
    state_dir = saved_state_dir(tmp_path)
    (state_dir / "cssm.sqlite").unlink()
    with pytest.raises(
        StateError, match=r"cssm\.sqlite is missing from .* while switches\.sqlite holds"
    ):
        StateStore(state_dir)
    assert not (state_dir / "cssm.sqlite").exists()


def test_a_blank_database_beside_saved_state_is_refused(tmp_path: Path) -> None:
    state_dir = saved_state_dir(tmp_path)
    (state_dir / "cssm.sqlite").write_bytes(b"")
    with pytest.raises(StateError, match=r"cssm\.sqlite in .* is blank while switches\.sqlite"):
        StateStore(state_dir)


def test_databases_from_different_labs_are_refused(tmp_path: Path) -> None:
    ours = saved_state_dir(tmp_path / "ours")
    theirs = saved_state_dir(tmp_path / "theirs")
    shutil.copy(theirs / "cssm.sqlite", ours / "cssm.sqlite")
    with pytest.raises(StateError, match=r"cssm\.sqlite and \w+\.sqlite .* different labs"):
        StateStore(ours)


def test_a_state_dir_from_an_older_slpsim_is_refused(tmp_path: Path) -> None:
    state_dir = saved_state_dir(tmp_path)
    query(state_dir, "UPDATE meta SET value='1' WHERE key='schema'")
    with pytest.raises(
        StateError,
        match=r"switches\.sqlite was written by a different slpsim \(schema 1, expected 5\); "
        r"use a new --state-dir",
    ):
        StateStore(state_dir)


def test_a_value_that_does_not_decode_names_its_database_and_key(tmp_path: Path) -> None:
    state_dir = saved_state_dir(tmp_path)
    write_value(state_dir, "model", '{"signer": {"$datetime": "yesterday"}}', db="cssm")
    with pytest.raises(
        StateError, match=r"cssm\.sqlite, key 'model' cannot be read at \['signer'\]"
    ):
        StateStore(state_dir)


@pytest.mark.parametrize(
    "value", [None, b"\x80pickle", "[1, 2", '{"$tuple": [1], "x": 2}', "\u00e9t\u00e9"]
)
def test_a_damaged_value_is_refused_naming_its_key(tmp_path: Path, value: object) -> None:
    state_dir = saved_state_dir(tmp_path)
    write_value(state_dir, "__faults__", value)  # type: ignore[arg-type]
    with pytest.raises(StateError, match=r"switches\.sqlite, key '__faults__'"):
        StateStore(state_dir)


def test_text_that_is_not_utf_8_is_refused_naming_its_key(tmp_path: Path) -> None:
    state_dir = saved_state_dir(tmp_path)
    query(state_dir, "UPDATE state SET data = CAST(x'80c0' AS TEXT) WHERE name='leaf1'")
    with pytest.raises(StateError, match=r"switches\.sqlite, key 'leaf1' cannot be read"):
        StateStore(state_dir)


def test_a_reference_to_a_part_this_lab_lacks_is_refused(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    store.save("switches", {"leaf1": b'{"hub": {"$live": "teleporter"}}'}, START)
    (saved,) = store.load("switches").values()
    with pytest.raises(StateError, match=r"switches\.sqlite, key 'leaf1' .*'teleporter'"):
        loads(saved, {"clock": object()})
    store.close()


# ---------------------------------------------------------------------- up to date at rest


def test_a_copy_of_a_running_lab_s_databases_is_up_to_date(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "running")
    store.save("switches", {"leaf1": dumps({"hostname": "edge-7"}, {})}, START)
    store.checkpoint()
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in DATABASES:  # only the .sqlite files, as a careless copy would take
        shutil.copy(tmp_path / "running" / f"{name}.sqlite", copy / f"{name}.sqlite")
    store.close()
    copied = StateStore(copy)
    assert loads(copied.load("switches")["leaf1"], {}) == {"hostname": "edge-7"}
    copied.close()


# ---------------------------------------------------------------------- exact round trip


@pytest.mark.parametrize("topology", ["direct", "cslu", "onprem"])
def test_a_restarted_lab_holds_exactly_what_it_saved(tmp_path: Path, topology: str) -> None:
    with BackgroundLab(options(tmp_path, topology=topology)) as lab:
        control = f"http://127.0.0.1:{lab.endpoints.control_port}"
        port = lab.endpoints.switches[0].nxapi_port
        issuer = TRUST_ISSUER[topology]
        if issuer is not None:
            token = httpx.post(f"{control}/sim/tokens", json={"issuer": issuer}).json()["token"]
            nxapi(port, f"license smart trust idtoken {token} all")
        nxapi(port, "license smart usage interval 1", kind="cli_conf")
        httpx.post(f"{control}/sim/faults", json={"target": "ntp", "kind": "unreachable"})
        httpx.put(f"{control}/sim/files/usage.tar", content=bytes(range(256)))
        httpx.post(f"{control}/sim/clock/advance", json={"seconds": 3 * 86400}, timeout=60)
        status = nxapi(port, "show license status")["body"]
        if topology == "direct":
            assert "Last ACK received:" in status and "Last ACK received: <none>" not in status
        before = saved_state(lab.lab)
        show_before = [nxapi(port, command)["body"] for command in ("show license all",)]
    with BackgroundLab(options(tmp_path, topology=topology)) as lab:
        assert lab.lab.resumed
        after = saved_state(lab.lab)
        port = lab.endpoints.switches[0].nxapi_port
        assert [nxapi(port, command)["body"] for command in ("show license all",)] == show_before
    assert after.keys() == before.keys()
    for key in before:
        assert json.loads(after[key]) == json.loads(before[key]), key


def test_dates_and_odd_values_round_trip() -> None:
    value = {
        "when": datetime(2026, 1, 1, 9, 30, 0, 123456, tzinfo=UTC),
        "offset": datetime.fromisoformat("2026-01-01T09:30:00+05:30"),
        "span": timedelta(days=-1, seconds=5, microseconds=7),
        "floats": [float("inf"), float("-inf"), -0.0, 0.1],
        "$dollar": {"$not-a-tag": 1},
        frozenset({1, 2}): (b"\x00", None, True),
    }
    loaded = load_text(dump_text(value, {}), {})
    assert loaded == value
    assert loaded["offset"].utcoffset() == timedelta(hours=5, minutes=30)


# ---------------------------------------------------------------------- the wrong shape


def _a_stopped_lab(state_dir: Path) -> None:
    with BackgroundLab(options(state_dir)):
        pass


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("__faults__", "42"),
        ("__workspace__", '"not a folder"'),
        ("leaf1", '{"hostname": "leaf1", "before_send": null}'),
        ("leaf1", "[1, 2, 3]"),
    ],
)
def test_valid_json_of_the_wrong_shape_is_refused_at_restore(
    tmp_path: Path, key: str, value: str
) -> None:
    _a_stopped_lab(tmp_path)
    write_value(tmp_path, key, value)
    with pytest.raises(StateError, match=r"saved state|unknown state"):
        BackgroundLab(options(tmp_path)).__enter__()


def test_slpsim_lab_refuses_a_damaged_state_dir_in_one_line(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from sim.command_line import app

    _a_stopped_lab(tmp_path)
    write_value(tmp_path, "__faults__", "42")
    result = CliRunner().invoke(
        app, ["lab", "--state-dir", str(tmp_path), "--control-port", "0", "--rate", "0"]
    )
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "use a new --state-dir" in result.output

    shutil.copy(tmp_path / "cssm.sqlite", tmp_path / "cslu.sqlite")  # another lab's database
    result = CliRunner().invoke(
        app, ["lab", "--state-dir", str(tmp_path), "--control-port", "0", "--rate", "0"]
    )
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output


def test_a_field_added_since_the_state_was_saved_takes_its_default() -> None:
    from sim.switch.interfaces.state import Interface

    # A state dir written before interfaces had IPv6 and counters still opens.
    saved = json.loads(dump_text(Interface("Ethernet1/1", "00aa.bb00.0101", 25_000), {}))
    fields = saved["$object"]["fields"]
    for added in ("ipv6", "counters_cleared_at"):
        del fields[added]
    restored = load_text(json.dumps(saved), {})
    assert (restored.name, restored.ipv6, restored.counters_cleared_at) == ("Ethernet1/1", (), None)
    # A field with no default cannot be made up: refused, naming it.
    del fields["mac"]
    with pytest.raises(CodecError, match="Interface lacks mac"):
        load_text(json.dumps(saved), {})
