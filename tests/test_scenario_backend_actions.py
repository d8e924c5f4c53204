"""The back-end actions that `backend:` steps call, against a real simulation: what the
operator sees after each one (the text scenarios check with `expect:`)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from sim.operator import ActionError
from sim.simulation import Simulation, SwitchSpec

LEAF1 = "PID:N9K-C93180YC-FX,SN:FDO2434107N"


async def _booted(topology: str) -> Simulation:
    sim = Simulation.build(topology, switches=[SwitchSpec("leaf1")])
    await sim.boot()
    return sim


def test_disconnected_cslu_round_trip_says_whose_acks_came_back() -> None:
    async def scenario() -> tuple[str, str]:
        sim = await _booted("cslu-disconnected")
        try:
            await sim.advance(timedelta(hours=1))
            act = sim.backend_action
            act("cslu", "download-all-for-cisco", {"file": "ud.tar.gz"})
            act("cssm", "upload-usage-data", {"file": "ud.tar.gz"})
            await sim.advance(timedelta(minutes=15))
            act("cssm", "download-ack", {"file": "ack.tar.gz"})
            imported = act("cslu", "upload-from-cisco", {"file": "ack.tar.gz"})
            await sim.advance(timedelta(minutes=5))
            status = await sim.exec("leaf1", "show license status")
            return str(imported), status
        finally:
            await sim.close()

    imported, status = asyncio.run(scenario())
    assert imported == (
        f"Imported 1 acknowledgement(s) from Cisco for {LEAF1}; 1 policy(ies) received"
    )
    assert "Last ACK received: Jan 05 10:20:00 2026 UTC" in status


def test_onprem_synchronize_reports_uploads_and_record_not_found() -> None:
    async def scenario() -> tuple[str, str, str]:
        sim = await _booted("onprem")
        try:
            act = sim.backend_action
            act("onprem", "add-local-account", {"name": "Other Corp"})
            act(
                "onprem",
                "register",
                {"pid": "N9K-C93180YC-FX", "serial": "FDO2434107N", "local_account": "Other Corp"},
            )
            await sim.advance(timedelta(hours=1))  # the first report goes to Default-1
            first = str(act("onprem", "synchronize", {}))
            await sim.advance(timedelta(minutes=15))
            second = str(act("onprem", "synchronize", {}))
            logs = str(act("onprem", "download-system-logs", {}))
            return first, second, logs
        finally:
            await sim.close()

    first, second, logs = asyncio.run(scenario())
    assert first.startswith("Synchronized with Cisco: 1 upload(s) (1 report(s)); Imported 0")
    assert second.endswith(f"; record not found for {LEAF1}")
    assert (
        "Finding SL product by UDI {N9K-C93180YC-FX FDO2434107N} failed due to the following "
        "error: record not found." in logs
    )


def test_usage_data_files_lists_each_upload_and_what_it_carried() -> None:
    async def scenario() -> tuple[str, str]:
        sim = await _booted("offline")
        try:
            act = sim.backend_action
            await sim.advance(timedelta(hours=1))
            await sim.exec("leaf1", "license smart save usage all file bootflash:u1.txt")
            await sim.exec("leaf1", "license smart save usage all file bootflash:u2.txt")
            act("cssm", "upload-usage-data", {"file": "u1.txt", "from_switch": "leaf1"})
            processing = str(act("cssm", "usage-data-files", {}))
            act("cssm", "upload-usage-data", {"file": "u2.txt", "from_switch": "leaf1"})
            await sim.advance(timedelta(minutes=15))
            return processing, str(act("cssm", "usage-data-files", {}))
        finally:
            await sim.close()

    processing, done = asyncio.run(scenario())
    assert "u1.txt\t2026-Jan-05\tDefault\tProcessing\t1\t-" in processing.splitlines()
    rows = done.splitlines()
    assert rows[0].startswith("Usage Data File\tReported\tVirtual Account\tReporting Status")
    assert rows[1:] == [
        "u1.txt\t2026-Jan-05\tDefault\tNo Errors\t1\tDownload",
        f"  {LEAF1}: 1 new report(s), 0 already received",
        "u2.txt\t2026-Jan-05\tDefault\tNo Errors\t1\tDownload",
        f"  {LEAF1}: 1 new report(s), 1 already received",
    ]


def test_a_disconnected_relay_refuses_to_synchronize() -> None:
    async def scenario() -> None:
        sim = await _booted("cslu-disconnected")
        try:
            sim.backend_action("cslu", "sync", {})
        finally:
            await sim.close()

    with pytest.raises(ActionError, match="CSLU is disconnected from CSSM"):
        asyncio.run(scenario())
