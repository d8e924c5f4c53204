"""The system feature's grammar: hostname, version, clock, ping, reload."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sim.switch.cli import CommandError, Mode
from sim.switch.feature import Ctx, Feature, Grammar, changed, switch_of
from sim.switch.platform import BIOS_VERSION, NXOS_VERSION
from sim.switch.system import render

if TYPE_CHECKING:
    from sim.switch.switch import Switch

HELP = {
    "ping": "Test network reachability",
    "clock": "Manage the system clock",
    "hostname": "Configure the system's hostname",
    "reload": "Reboot the entire box",
    "ascii": "Reload with ASCII configuration replay",
    "version": "Show the software & hardware version",
}


def _ping(ctx: Ctx) -> str:
    switch = switch_of(ctx)
    vrf = str(ctx.args.get("vrf_name") or "default")
    output = switch.ctx.network.ping(str(ctx.args["host"]), vrf, switch.dns)
    if output.startswith("% Invalid host/interface"):
        raise CommandError(output)
    return output + "\n"


def _clock_set(ctx: Ctx) -> str:
    switch = switch_of(ctx)
    at = ctx.args["time"]
    try:
        when = datetime(
            int(ctx.args["year"]), int(ctx.args["month"]), int(ctx.args["day"]),
            at.hour, at.minute, at.second, tzinfo=switch.now().tzinfo,
        )  # fmt: skip
        switch.set_clock(when)
    except ValueError:
        raise CommandError("% Invalid date") from None
    return render.show_clock(switch).splitlines()[0] + "\n"


RELOAD_QUESTION = "This command will reboot the system. (y/n)?  [n] "


def _reload(ctx: Ctx) -> str:
    switch = switch_of(ctx)

    def reload() -> str:
        switch.reload(ascii_replay=bool(ctx.args.get("ascii")))
        return ""

    return ctx.confirm(RELOAD_QUESTION, reload, default=False)


def _hostname(ctx: Ctx) -> str:
    if ctx.negated:
        switch_of(ctx).set_hostname("switch")
    else:
        switch_of(ctx).set_hostname(str(ctx.args["name"]))
    changed(ctx)
    return ""


def register(grammar: Grammar) -> None:
    exec_ = Mode.EXEC
    grammar.show(
        "show version", lambda ctx: render.version_record(switch_of(ctx)), render.version_text
    )
    grammar.show(
        "show hostname",
        lambda ctx: render.hostname_record(switch_of(ctx)),
        render.hostname_text,
        help={"hostname": "Show the system's hostname"},
    )
    grammar.show_text("show clock", render.show_clock)
    grammar.add(exec_, "ping <host:host> [vrf <vrf_name:name>]", _ping)
    grammar.add(
        exec_,
        "clock set <time:hhmmss> <day:int(1-31)> <month:month> <year:int(2000-2037)>",
        _clock_set,
    )
    grammar.add(exec_, "reload [ascii]", _reload)
    grammar.add(
        Mode.CONFIG, "hostname <name:hostname>", _hostname, no_pattern="hostname [<name:hostname>]"
    )


def running_config(switch: Switch) -> list[str]:
    return [
        f"version {NXOS_VERSION} Bios:version {BIOS_VERSION}",
        f"hostname {switch.hostname}",
        "",
    ]


FEATURE = Feature("system", register, HELP, running_config)
