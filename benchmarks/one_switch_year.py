"""Real time for one switch x one simulated year, direct to CSSM, beside its crypto floor.

The floor is what the year's real signatures cost alone: the ECDSA signs and verifies the
year makes (counted in a separate run), each timed bare, in this same process and run. The
year is timed over both in-process exchanges: `direct` (what scenarios and Sandbox use) and
`asgi` (httpx and the FastAPI apps). Both sides are CPU time of this process (the year is
single-threaded and does no I/O), so that other work on a shared machine does not skew the
ratio; the best of several runs is compared, the median shown beside it.

Run: .venv/bin/python benchmarks/one_switch_year.py [--repeat N]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from sim.protocol.signing import Signer, TrustStore
from sim.simulation import ExchangeMode, Simulation, SwitchSpec

YEAR = timedelta(days=365)


@dataclass
class YearRun:
    seconds: float
    exchanges: int
    events: int
    lines: int


async def one_year(exchange: ExchangeMode, counts: dict[str, int] | None = None) -> YearRun:
    sim = Simulation.build("direct", switches=[SwitchSpec("leaf1")], exchange=exchange)
    await sim.boot()
    await sim.exec("leaf1", f"license smart trust idtoken {sim.issue_token()} all")
    if counts is not None:
        counts.update(dict.fromkeys(counts, 0))  # only the year's own signatures
    started = time.process_time()
    await sim.advance(YEAR)
    elapsed = time.process_time() - started
    run = YearRun(elapsed, sim.transport.exchanges, sim.scheduler.events_run, len(sim.syslog()))
    await sim.close()
    return run


@contextmanager
def counting() -> Iterator[dict[str, int]]:
    """Count the ECDSA signs and verifies made while the block runs."""
    counts = {"sign": 0, "verify": 0}
    sign, verify = Signer.sign, TrustStore.verify

    def counted_sign(self: Signer, body: dict[str, Any]) -> Any:
        counts["sign"] += 1
        return sign(self, body)

    def counted_verify(self: TrustStore, *args: Any) -> Any:
        counts["verify"] += 1
        return verify(self, *args)

    Signer.sign = counted_sign  # type: ignore[method-assign]
    TrustStore.verify = counted_verify  # type: ignore[method-assign,assignment]
    try:
        yield counts
    finally:
        Signer.sign = sign  # type: ignore[method-assign]
        TrustStore.verify = verify  # type: ignore[method-assign]


def crypto_floor(signs: int, verifies: int, rounds: int = 20) -> float:
    """Seconds for `signs` ECDSA P-256 signs and `verifies` verifies of an ACK-sized body."""
    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key()
    body = b"x" * 600
    algorithm = ec.ECDSA(hashes.SHA256())
    signature = key.sign(body, algorithm)
    samples = []
    for _ in range(rounds):
        started = time.process_time()
        for _ in range(signs):
            key.sign(body, algorithm)
        for _ in range(verifies):
            public.verify(signature, body, algorithm)
        samples.append(time.process_time() - started)
    return min(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    with counting() as counts:
        asyncio.run(one_year("direct", counts))
    floor = crypto_floor(counts["sign"], counts["verify"])
    runs = {
        mode: [asyncio.run(one_year(mode)) for _ in range(args.repeat)]
        for mode in ("direct", "asgi")
    }
    print(
        f"crypto floor: {counts['sign']} signs + {counts['verify']} verifies = "
        f"{floor * 1000:.2f} ms"
    )
    for mode, results in runs.items():
        times = [r.seconds for r in results]
        best = min(times)
        print(
            f"one switch x one simulated year ({mode} exchange): {best * 1000:.2f} ms "
            f"(median {statistics.median(times) * 1000:.2f} ms of {args.repeat} runs) = "
            f"{best / floor:.1f}x the crypto floor"
        )
    last = runs["direct"][-1]
    print(
        f"  {last.exchanges} exchanges, {last.events} scheduler events, "
        f"{last.lines} syslog lines per year"
    )


if __name__ == "__main__":
    main()
