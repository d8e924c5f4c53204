"""`slpsim fleet`: many switches for a long virtual time, sharded across the cores."""

from __future__ import annotations

from typing import Annotated

import typer

from sim.command_line.output import console, fail
from sim.timing import parse_duration


def fleet(
    switches: Annotated[str, typer.Option(metavar="N", help="How many switches.")] = "1000",
    period: Annotated[
        str, typer.Option(metavar="DURATION", help="Virtual time to run: 30d, 365d, 4w.")
    ] = "365d",
    topology: Annotated[
        str,
        typer.Option(
            metavar="TOPOLOGY",
            help="direct, cslu or onprem (sharded); cslu-disconnected, onprem-disconnected or "
            "offline (one process).",
        ),
    ] = "direct",
    processes: Annotated[
        str,
        typer.Option(
            metavar="N|auto",
            help="Shards, one process each; auto: one per core, 250 switches or more each.",
        ),
    ] = "auto",
    json_output: Annotated[
        bool, typer.Option("--json", help="Print the summary as one JSON document.")
    ] = False,
) -> None:
    """Run N switches for a period across every core and summarise what they reported.

    Each shard is its own simulation with its own back ends; back-end totals are summed.
    """
    import json

    from sim.fleet import BarWatcher, FleetError, LineWatcher, plan_fleet, run_fleet

    try:
        span = parse_duration(period)
    except ValueError as exc:
        raise fail(f"--period: {exc}") from None
    try:
        size = int(switches)
    except ValueError:
        raise fail(f"--switches is a whole number, got {switches!r}") from None
    count: int | None = None
    if processes != "auto":
        try:
            count = int(processes)
        except ValueError:
            raise fail(f"--processes is auto or a number, got {processes!r}") from None
    try:
        plan = plan_fleet(switches=size, period=span, topology=topology, processes=count)
    except FleetError as exc:
        raise fail(str(exc)) from None
    err = console(stderr=True)
    try:
        if err.is_terminal:
            with BarWatcher(plan, err) as bars:
                summary = run_fleet(plan, watcher=bars)
        else:
            summary = run_fleet(plan, watcher=LineWatcher(plan, err.out))
    except FleetError as exc:
        raise fail(str(exc), 1) from None
    except KeyboardInterrupt:
        raise fail("fleet stopped before its shards reported", 130) from None
    if json_output:
        print(json.dumps(summary.to_json(), indent=2))
    else:
        out = console()
        for line in summary.lines():
            out.print(line, markup=False)
    raise typer.Exit(130 if summary.cancelled else 0)
