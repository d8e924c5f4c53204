"""A state dir's saves keep the text of objects that hold only plain values (syslog lines,
history entries, interfaces, reports) and write it again while those values are the same
objects: what a save writes is always exactly what writing the value afresh gives."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from wire_lab import lab_options

import sim.lab.state_codec as state_codec
from sim.agent.records import HistoryEntry, RumReport
from sim.agent.states import Channel, ReportState
from sim.lab.lab import Lab
from sim.lab.persistence import SWITCH_STATE
from sim.lab.state_codec import dump_text
from sim.lab.state_decoding import load_text
from sim.lab.switch_rows import SwitchRows

START = datetime.fromisoformat("2026-04-06T08:00:00+00:00")


def fresh_text(obj: object, live: Mapping[str, object] | None = None) -> str:
    """`obj` written with no text kept from an earlier save."""
    kept, logs = dict(state_codec._KEPT), dict(state_codec._LOGS)
    state_codec._KEPT.clear()
    state_codec._LOGS.clear()
    try:
        return dump_text(obj, live or {})
    finally:
        state_codec._KEPT.clear()
        state_codec._KEPT.update(kept)
        state_codec._LOGS.clear()
        state_codec._LOGS.update(logs)


def history(count: int) -> list[HistoryEntry]:
    return [
        HistoryEntry(START + timedelta(hours=n), Channel.USAGE_REPORTING, f"OK {n}")
        for n in range(count)
    ]


def report(report_id: int) -> RumReport:
    return RumReport(report_id, "LAN_ENTERPRISE_SERVICES_PKG", 1, START)


def test_a_saved_entry_is_written_from_its_kept_text_the_next_time() -> None:
    entries = history(3)
    state = {"history": entries, "reports": [report(1)]}
    first = dump_text(state, {})
    for obj in (*entries, state["reports"][0]):
        assert id(obj) in state_codec._KEPT
    assert dump_text(state, {}) == first == fresh_text(state)


def test_a_log_that_grows_and_drops_its_oldest_is_written_as_afresh() -> None:
    entries = history(5)
    state: dict[str, Any] = {"history": entries}
    dump_text(state, {})
    entries.append(HistoryEntry(START, Channel.TRUST_SYNC, "OK"))
    del entries[:2]
    text = dump_text(state, {})
    assert text == fresh_text(state)
    assert [entry.outcome for entry in load_text(text, {})["history"]] == [
        "OK 2",
        "OK 3",
        "OK 4",
        "OK",
    ]


def test_a_changed_field_of_a_mutable_object_is_written_again() -> None:
    rum = report(7)
    state = {"reports": [rum]}
    dump_text(state, {})
    rum.state = ReportState.ACK
    rum.count += 1
    text = dump_text(state, {})
    assert text == fresh_text(state)
    restored = load_text(text, {})["reports"][0]
    assert (restored.state, restored.count) == (ReportState.ACK, 2)


def test_an_equal_value_of_another_type_is_not_taken_for_the_kept_one() -> None:
    rum = report(7)
    dump_text([rum], {})
    rum.sent = 1  # type: ignore[assignment]  # == True, written otherwise
    assert dump_text([rum], {}) == fresh_text([rum])
    assert '"sent":1' in dump_text([rum], {})


def test_an_object_met_twice_after_it_was_kept_is_still_written_once_and_shared() -> None:
    rum = report(3)
    dump_text([rum], {})
    both = {"reports": [rum], "last": rum}
    text = dump_text(both, {})
    assert text == fresh_text(both)
    assert '"$ref"' in text
    restored = load_text(text, {})
    assert restored["last"] is restored["reports"][0]


def test_an_object_holding_another_keeps_no_text_and_both_stay_shared() -> None:
    entry = history(1)[0]
    holder = report(4)
    holder.feature = entry  # type: ignore[assignment]  # an object inside an object
    value = {"holder": holder, "entry": entry}
    dump_text(value, {})
    assert id(holder) not in state_codec._KEPT
    text = dump_text(value, {})
    assert text == fresh_text(value)
    restored = load_text(text, {})
    assert restored["holder"].feature is restored["entry"]


def test_a_log_is_written_again_from_where_it_stands() -> None:
    entries = history(4)
    dump_text({"history": entries}, {})
    assert id(entries) in state_codec._LOGS
    entries.append(history(9)[8])
    del entries[0]
    dump_text({"history": entries}, {})
    assert state_codec._LOGS[id(entries)].written[0] == entries


def test_a_log_changed_in_the_middle_is_written_as_afresh() -> None:
    entries = history(4)
    state = {"history": entries}
    dump_text(state, {})
    entries[1] = HistoryEntry(START, Channel.RESULT_POLLING, "changed")
    text = dump_text(state, {})
    assert text == fresh_text(state)
    assert load_text(text, {})["history"][1].outcome == "changed"


def test_a_log_entry_met_elsewhere_in_the_value_stays_shared() -> None:
    entries = history(4)
    dump_text({"history": entries}, {})
    entries.append(HistoryEntry(START, Channel.TRUST_SYNC, "new"))
    for state in ({"history": entries, "last": entries[-1]}, {"first": entries[0], "h": entries}):
        text = dump_text(state, {})
        assert text == fresh_text(state)
        assert '"$ref"' in text


def test_a_log_that_gets_something_else_or_an_entry_twice_is_written_as_afresh() -> None:
    entries: list[Any] = history(3)
    state = {"history": entries}
    dump_text(state, {})
    entries.append(report(1))
    assert dump_text(state, {}) == fresh_text(state)
    entries[:] = history(3)
    dump_text(state, {})
    entries.append(entries[-1])
    text = dump_text(state, {})
    assert text == fresh_text(state)
    restored = load_text(text, {})["history"]
    assert restored[-1] is restored[-2]


def test_after_a_jump_each_saved_switch_is_what_writing_it_afresh_gives(tmp_path: Path) -> None:
    async def jump() -> None:
        lab = Lab(lab_options(tmp_path / "state", start=START, topology="cslu", switches=3))
        await lab.start()
        try:
            await lab.advance(timedelta(days=60))
            assert lab.store is not None and lab.persistence is not None
            live = lab.persistence._live()
            saved = lab.store.load("switches")
            assert state_codec._KEPT and state_codec._LOGS  # the jump's saves kept texts
            for name, switch in lab.simulation.switches.items():
                state = {attr: getattr(switch, attr) for attr in SWITCH_STATE}
                parts = {
                    row.removeprefix(f"{name}/"): data
                    for row, data in saved.items()
                    if row.startswith(f"{name}/")
                }
                restored = SwitchRows(name).restore(saved[name], parts, live)
                assert fresh_text(restored, live) == fresh_text(state, live)
        finally:
            await lab.stop()

    asyncio.run(jump())
