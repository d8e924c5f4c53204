"""A fleet shard keeps the cyclic collector off what it has built and kept, and gives the
caller's collector back as it found it."""

from __future__ import annotations

import asyncio
import gc
from datetime import datetime, timedelta

from sim.fleet import ShardJob, run_shard


def _run_small_shard(report: list[int]) -> None:
    job = ShardJob(
        index=0, first=1, count=2, topology="direct", period=timedelta(days=60), start=None
    )

    def reached(when: datetime) -> None:
        report.append(gc.get_freeze_count())

    asyncio.run(run_shard(job, reached, lambda: False))


def test_what_each_slice_keeps_is_frozen_out_of_the_collector() -> None:
    frozen: list[int] = []
    _run_small_shard(frozen)
    # The first report comes before any slice ran; each slice's records are frozen after it.
    assert frozen[0] > 0
    assert frozen[-1] > frozen[0]


def test_the_callers_collector_is_restored() -> None:
    thresholds = gc.get_threshold()
    enabled = gc.isenabled()
    before = gc.get_freeze_count()
    _run_small_shard([])
    assert gc.get_threshold() == thresholds
    assert gc.isenabled() == enabled
    assert gc.get_freeze_count() == before
