"""A session's terminal settings and the EXEC ``terminal`` commands that change them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sim.switch.modes import Mode

if TYPE_CHECKING:
    from sim.switch.command_set import CommandContext, CommandSet


@dataclass
class TerminalSettings:
    length: int = 24
    width: int = 80
    monitor: bool = False
    dont_ask: bool = False
    session_timeout: int = 0
    """Minutes of idleness before the session ends; 0 never (front ends may enforce it)."""


def add_terminal_commands(commands: CommandSet[Any]) -> None:
    helps = {
        "terminal": "Set terminal line parameters",
        "length": "Set number of lines on a screen",
        "lines": "Number of lines on screen (0 for no pausing)",
        "width": "Set width of the display terminal",
        "columns": "Number of characters on a screen line",
        "monitor": "Copy debug output to the current terminal line",
        "dont-ask": "Don't prompt for confirmation",
        "session-timeout": "Set the session timeout",
        "minutes": "Number of minutes (0 to disable timeout)",
    }
    commands.add(Mode.EXEC, "terminal length <lines:int(0-511)>", _terminal, help=helps)
    commands.add(
        Mode.EXEC, "terminal session-timeout <minutes:int(0-525600)>", _terminal, help=helps
    )
    commands.add(Mode.EXEC, "terminal width <columns:int(24-511)>", _terminal, help=helps)
    commands.add(Mode.EXEC, "terminal [no] {setting= monitor | dont-ask}", _terminal, help=helps)
    # NAPALM brackets its file operations with `terminal dont-ask` / `no terminal dont-ask`.
    commands.add(Mode.EXEC, "{no} terminal {setting= monitor | dont-ask}", _terminal, help=helps)


def _terminal(ctx: CommandContext[Any]) -> str:
    terminal, args = ctx.session.terminal, ctx.args
    terminal.length = args.get("lines", terminal.length)
    terminal.width = args.get("columns", terminal.width)
    terminal.session_timeout = args.get("minutes", terminal.session_timeout)
    if args.get("setting") == "monitor":
        terminal.monitor = "no" not in args
    elif args.get("setting") == "dont-ask":
        terminal.dont_ask = "no" not in args
    return ""
