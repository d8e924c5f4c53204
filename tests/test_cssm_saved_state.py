"""A lab state dir saved while CSSM's data types lived in cssm_mock.models still loads.

The model was split by concept into modules of its own; a saved CSSM names each object by
the module its class lives in, so a state dir written before the split names them all
`cssm_mock.models:<Class>`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from cssm_mock.models import CssmModel
from cssm_mock.reports import DeviceUsage
from cssm_mock.timestamps import epoch_ms
from sim.clock import VirtualClock
from sim.lab.state_codec import dump_text
from sim.lab.state_decoding import load_text
from sim.protocol.files import SystemInfo, write_usage_file
from sim.protocol.messages import (
    PollRequest,
    RumReportWire,
    Sudi,
    TrustRequest,
    UsageReportRequest,
)
from sim.protocol.rum import RumMeasurement, sign_report

START = datetime(2026, 4, 6, 8, 0, tzinfo=UTC)
FEATURE = "NXOS_ADVANTAGE_XF"
# Every cssm_mock module but models that holds a class a saved CSSM names.
_SPLIT_OFF = re.compile(r'"cssm_mock\.(?!models:)[a-z_]+:')


def _report(sudi: Sudi, report_id: int, secret: bytes | None = None) -> RumReportWire:
    end = START - timedelta(hours=1) + timedelta(minutes=report_id)
    measurement = RumMeasurement(report_id, FEATURE, 2, end - timedelta(days=1), end)
    return sign_report(sudi, measurement, secret)


def _lived_in() -> tuple[CssmModel, VirtualClock]:
    """A CSSM holding one of every kind of object it saves."""
    clock = VirtualClock(START)
    model = CssmModel(clock)
    leaf = Sudi(udi_pid="N9K-C93180YC-FX", udi_serial_number="FDO0000001")
    token = model.create_token("Default", max_uses=3, description="leaf")
    envelope = {"timestamp": epoch_ms(START), "sudi": leaf, "hostname": "leaf1"}
    assert model.handle(TrustRequest(nonce="n1", id_token=token, **envelope)).status == "SUCCESS"
    trust = model.product_instances()[0].trust
    assert trust is not None
    usage = UsageReportRequest(
        nonce="n2",
        trust_id=trust.trust_id,
        reports=[_report(leaf, 1, trust.secret_bytes)],
        **envelope,
    )
    poll_id = model.handle(usage).poll_id
    assert poll_id is not None
    clock.advance(model.ack_delay)
    assert model.handle(PollRequest(nonce="n3", poll_id=poll_id, **envelope)).status == "COMPLETE"

    spine = Sudi(udi_pid="N9K-C9364C", udi_serial_number="FDO0000002")
    system = SystemInfo(sudi=spine, hostname="spine1", timestamp=epoch_ms(START), nonce="u1")
    upload = model.upload_usage_file(
        "usage.txt", write_usage_file(system, [_report(spine, 2)]).encode(), "Lab"
    )
    border = Sudi(udi_pid="N9K-C93108TC-FX", udi_serial_number="FDO0000003")
    model.issue_access_token("slpsim", "slpsim-secret")
    batch = model.report_usage([DeviceUsage(border, [_report(border, 3)], "border1", "tag")])
    clock.advance(model.ack_delay)
    assert model.ack_file_for(upload) is not None
    assert batch.poll_id is not None
    assert model.poll_usage(batch.poll_id).status == "COMPLETE"
    return model, clock


def test_a_cssm_saved_before_the_split_still_loads() -> None:
    model, clock = _lived_in()
    live = {"clock": clock, "timing": model.timing}
    text = dump_text(model, live)
    old = _SPLIT_OFF.sub('"cssm_mock.models:', text)
    # The objects that moved: accounts, tokens, trust, inventory, reports, ACKs, uploads,
    # API batches and access tokens.
    assert len(_SPLIT_OFF.findall(text)) >= 10
    assert not _SPLIT_OFF.search(old)

    loaded = load_text(old, live)
    assert isinstance(loaded, CssmModel)
    assert dump_text(loaded, live) == text
    leaf = model.product_instances()[0].udi
    assert loaded.usage_of(leaf) == model.usage_of(leaf) == {FEATURE: 2}
    assert [u.status for u in loaded.usage_uploads()] == ["Completed"]
