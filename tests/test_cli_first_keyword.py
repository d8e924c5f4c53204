"""Where a line's leading keywords lead is worked out once per command set (sim/switch/matcher.py):
commands added later are still found, and what a handler does to its arguments stays in its line."""

from __future__ import annotations

from typing import Any

from sim.switch.cli import CliSession, CommandContext, CommandSet, Mode


class Seen:
    def __init__(self) -> None:
        self.args: list[dict[str, Any]] = []


def remember(ctx: CommandContext[Seen]) -> str:
    ctx.context.args.append(dict(ctx.args))
    # A handler that scribbles on its arguments must not change the next line's.
    ctx.args["scribbled"] = True
    return "ok\n"


def test_a_command_added_after_its_first_keyword_was_used_is_found() -> None:
    commands: CommandSet[Seen] = CommandSet()
    commands.add(Mode.EXEC, "show license status", remember)
    session = CliSession(commands, lambda: "sw", Seen())
    assert not session.execute("show license status").error
    commands.add(Mode.EXEC, "show license usage", remember)
    assert not session.execute("show license usage").error
    assert not session.execute("sh license usage").error


def test_arguments_do_not_carry_over_between_lines() -> None:
    commands: CommandSet[Seen] = CommandSet()
    commands.add(Mode.EXEC, "show license [all]", remember)
    seen = Seen()
    session = CliSession(commands, lambda: "sw", seen)
    for line in ("show license", "show license all", "show license", "show license"):
        assert not session.execute(line).error
    assert seen.args == [{}, {"all": True}, {}, {}]
