"""The system feature's grammar: hostname, version, clock, ping, reload."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sim.switch.cli import CommandError, Mode
from sim.switch.feature import Ctx, Feature, Grammar, changed, switch_of
from sim.switch.platform import BIOS_VERSION, NXOS_VERSION
from sim.switch.system import install, redundancy, render

if TYPE_CHECKING:
    from sim.switch.switch import Switch

HELP = {
    "ping": "Test network reachability",
    "clock": "Manage the system clock",
    "hostname": "Configure the system's hostname",
    "reload": "Reboot the entire box",
    "ascii": "Reload with ASCII configuration replay",
    "version": "Show the software & hardware version",
    "system": "System management commands",
    "switchover": "Switch over to the standby supervisor",
    "install": "Upgrade software",
    "nxos": "Install the NX-OS image",
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


# The refusal when there is no standby to take over (wording unverified: docs/fidelity.md).
NO_STANDBY = "Failed to switchover: standby supervisor not ready or not present"


def _switchover(ctx: Ctx) -> str:
    switch = switch_of(ctx)
    if switch.agent.standby is None:
        raise CommandError(NO_STANDBY)
    redundancy.switchover(switch)
    return ""


def _install_all(ctx: Ctx) -> str:
    switch = switch_of(ctx)
    image = str(ctx.args["image"])
    if not image.startswith("bootflash:") or not image.endswith(".bin"):
        raise CommandError(f"Invalid image: {image}")
    report = install.compatibility_report(image)

    def upgrade() -> str:
        # Disruptive: the switch reloads on the new image; licensing data persists (FAQ 28).
        switch.reload()
        return ""

    return report + ctx.confirm(install.QUESTION, upgrade, default=False)


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
    grammar.add(exec_, "system switchover", _switchover)
    grammar.add(exec_, "install all nxos <image:word>", _install_all)
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
