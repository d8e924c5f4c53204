"""A fleet x one simulated year, direct to CSSM, through `slpsim fleet`'s code: real time,
peak memory (the parent's and every shard's), and how both grow from the small fleet to
the large one (ideal: as the switch count does).

Run: .venv/bin/python benchmarks/fleet_year.py [--quick] [--sizes 1000 10000] [--processes N]
"""

from __future__ import annotations

import argparse
from datetime import timedelta

from sim.fleet import FleetSummary, plan_fleet, run_fleet

README_SIZES = (1000, 10000)
QUICK_SIZES = (100, 1000)


def one_year(switches: int, processes: int | None) -> FleetSummary:
    plan = plan_fleet(switches=switches, period=timedelta(days=365), processes=processes)
    summary = run_fleet(plan)
    acks = summary.acks
    shards = f"{plan.processes} processes" if plan.processes > 1 else "1 process"
    print(
        f"slpsim fleet --switches {switches} --period 365d: {summary.real_seconds:.1f} s real"
        f" ({summary.setup_seconds:.1f} s setup),"
        f" peak memory {summary.peak_rss_mib:.0f} MiB over {shards},"
        f" {summary.exchanges:,} exchanges, {acks.min:g} to {acks.max:g} ACKs per switch"
    )
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help=f"sizes {QUICK_SIZES}")
    parser.add_argument("--sizes", type=int, nargs=2, metavar="N")
    parser.add_argument("--processes", type=int, help="default: every core")
    args = parser.parse_args()
    small, large = args.sizes or (QUICK_SIZES if args.quick else README_SIZES)
    first = one_year(small, args.processes)
    second = one_year(large, args.processes)
    ideal = large / small
    print(
        f"growth {small:,} -> {large:,} switches: {second.real_seconds / first.real_seconds:.1f}x"
        f" real time, {second.peak_rss_mib / first.peak_rss_mib:.1f}x peak memory"
        f" (ideal {ideal:g}x)"
    )


if __name__ == "__main__":
    main()
