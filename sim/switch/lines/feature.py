"""The lines feature: `line console` / `line vty` sub-modes and their `exec-timeout`.

pyATS/unicon sends these on every connection (`line console`, `exec-timeout 0`, `line vty`,
`exec-timeout 0`), so they must parse; a non-default timeout shows in the running config.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.switch.cli import Mode
from sim.switch.feature import Ctx, Feature, Grammar, changed, switch_of

if TYPE_CHECKING:
    from sim.switch.switch import Switch

CONFIG_LINE = Mode.submode("config-line")
HELP = {
    "line": "Configure a terminal line",
    "console": "Primary terminal line",
    "vty": "Virtual terminal",
    "exec-timeout": "Configure exec timeout",
    "minutes": "Timeout in minutes (0 to disable)",
}


def _line(ctx: Ctx) -> str:
    ctx.session.editing[CONFIG_LINE] = "console" if "console" in ctx.args else "vty"
    return ""


def _exec_timeout(ctx: Ctx) -> str:
    lines = switch_of(ctx).lines
    minutes = 0 if ctx.negated else int(ctx.args["minutes"])
    if ctx.session.editing.get(CONFIG_LINE) == "console":
        lines.console_exec_timeout = minutes
    else:
        lines.vty_exec_timeout = minutes
    changed(ctx)
    return ""


def register(grammar: Grammar) -> None:
    grammar.add(
        Mode.CONFIG, "line {console | vty}", _line, enters=CONFIG_LINE, negatable=False, help=HELP
    )
    grammar.add(
        CONFIG_LINE,
        "exec-timeout <minutes:int(0-525600)>",
        _exec_timeout,
        no_pattern="exec-timeout [<minutes:int(0-525600)>]",
        help=HELP,
    )


def _section(switch: Switch, defaults: bool) -> list[str]:
    lines: list[str] = []
    for name, minutes in (
        ("console", switch.lines.console_exec_timeout),
        ("vty", switch.lines.vty_exec_timeout),
    ):
        if minutes or defaults:
            lines += ["", f"line {name}", f"  exec-timeout {minutes}"]
    return lines


def running_config(switch: Switch) -> list[str]:
    return _section(switch, defaults=False)


def running_config_all(switch: Switch) -> list[str]:
    return _section(switch, defaults=True)


FEATURE = Feature("lines", register, HELP, running_config, running_config_all)
