"""`slpsim clock`: show the lab's virtual time, jump it, pause, resume or set its rate."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from sim.command_line.control import ControlUrl, call_lab
from sim.command_line.output import console
from sim.timing import parse_duration

if TYPE_CHECKING:
    from sim.lab.control_client import ControlClient

clock_app = typer.Typer(
    rich_markup_mode=None, help="Show or move the lab's virtual clock.", invoke_without_command=True
)


@clock_app.callback()
def clock(ctx: typer.Context, control: ControlUrl = None) -> None:
    """Show the lab's virtual time (`slpsim clock advance 4h` moves it)."""
    ctx.obj = control
    if ctx.invoked_subcommand is None:
        view = call_lab(control, lambda c: c.clock())
        assert isinstance(view, dict)
        jump = view.get("jump")
        if jump:
            shown = f"jumping to {jump['to']}: {jump['fraction']:.0%}, {jump['events']} events"
            console().print(f"{view['now']}  ({shown})", markup=False)
            return
        console().print(f"{view['now']}  (rate {view['rate']:g}x)", markup=False)


@clock_app.command("advance")
def clock_advance(
    ctx: typer.Context,
    duration: Annotated[
        str, typer.Argument(metavar="DURATION", help="How far: 90s, 15m, 4h, 30d, 1h30m.")
    ],
) -> None:
    """Jump virtual time forward, running everything due on the way.

    Shows the jump's progress while it runs; Ctrl-C cancels it where it got to."""
    try:
        delta = parse_duration(duration)
    except ValueError as exc:
        console(stderr=True).print(f"slpsim: {exc}", style="red", markup=False)
        raise typer.Exit(2) from None
    view = call_lab(ctx.obj, lambda c: _follow_jump(c, delta.total_seconds()))
    assert isinstance(view, dict)
    if view.get("cancelled"):
        console().print(f"{view['now']}  (cancelled: time stopped here)", markup=False)
        raise typer.Exit(130)
    console().print(f"{view['now']}", markup=False)


# How often `clock advance` asks the lab how far its jump got.
JUMP_POLL_SECONDS = 0.2


def _follow_jump(client: ControlClient, seconds: float) -> dict[str, object]:
    """Start a background jump, draw its progress until it ends; Ctrl-C cancels it."""
    from datetime import datetime

    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

    from sim.clock import wait_real
    from sim.lab.control_client import ControlError

    columns = (
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[now]}"),
        TextColumn("{task.fields[events]} events"),
    )
    try:
        with Progress(*columns, console=console(stderr=True), transient=True) as bar:
            started = client.advance(seconds, wait=False)
            jump = started["jump"]
            task = bar.add_task("jump", total=1.0, now=jump["now"], events=0)
            while True:
                view = client.clock()
                now = view.get("jump")
                if now is None or (now["from"], now["to"]) != (jump["from"], jump["to"]):
                    # Ended (or ended and another began): where it stopped, and whether early.
                    reached = datetime.fromisoformat(view["now"])
                    return {**view, "cancelled": reached < datetime.fromisoformat(jump["to"])}
                bar.update(task, completed=now["fraction"], now=now["now"], events=now["events"])
                wait_real(JUMP_POLL_SECONDS)
    except KeyboardInterrupt:
        try:
            return client.cancel_advance()
        except ControlError as exc:
            if exc.status != 404:
                raise
            return {**client.clock(), "cancelled": False}  # it ended before the Ctrl-C


@clock_app.command("pause")
def clock_pause(ctx: typer.Context) -> None:
    """Stop virtual time flowing with real time (`advance` still jumps it)."""
    view = call_lab(ctx.obj, lambda c: c.pause())
    assert isinstance(view, dict)
    console().print(f"{view['now']}  (paused)", markup=False)


@clock_app.command("resume")
def clock_resume(ctx: typer.Context) -> None:
    """Let virtual time flow again at the rate it had before the pause."""
    view = call_lab(ctx.obj, lambda c: c.resume())
    assert isinstance(view, dict)
    console().print(f"{view['now']}  (rate {view['rate']:g}x)", markup=False)


@clock_app.command("rate")
def clock_rate(
    ctx: typer.Context,
    rate: Annotated[
        float,
        typer.Argument(
            metavar="RATE", help="Virtual seconds per real second, 0 to 1000000 (0 pauses)."
        ),
    ],
) -> None:
    """Set how fast virtual time flows from now on (kept across a restart with a state dir)."""
    if not 0 <= rate <= 1e6:  # also refuses nan
        console(stderr=True).print(
            f"slpsim: the rate must be a number from 0 to 1000000, got {rate:g}",
            style="red",
            markup=False,
        )
        raise typer.Exit(2)
    view = call_lab(ctx.obj, lambda c: c.set_rate(rate))
    assert isinstance(view, dict)
    console().print(f"{view['now']}  (rate {view['rate']:g}x)", markup=False)
