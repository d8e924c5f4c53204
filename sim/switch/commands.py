"""The NX-OS command set of a fake Nexus switch: every feature loaded into the one engine.

Each feature package (sim/switch/features.py lists them) registers its own grammar, `?` help
and running-config section; this module only loads them, in that order, with the argument
types they share (sim/switch/arguments.py).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from sim.switch.arguments import ARGUMENT_TYPES
from sim.switch.cli import CliSession, CommandSet
from sim.switch.feature import Grammar
from sim.switch.features import FEATURES

if TYPE_CHECKING:
    from sim.switch.switch import Switch

_COMMON_HELP = {"show": "Show running system information"}


def _default_help() -> dict[str, str]:
    """Every feature's keyword help; one keyword means one thing across the features."""
    merged = dict(_COMMON_HELP)
    for feature in FEATURES:
        for keyword, text in feature.help.items():
            if merged.setdefault(keyword, text) != text:
                raise ValueError(
                    f"{feature.name} describes {keyword!r} as {text!r}, "
                    f"another feature as {merged[keyword]!r}: give the node its own help"
                )
    return merged


HELP = _default_help()


@cache
def build_command_set() -> CommandSet[Switch]:
    commands: CommandSet[Switch] = CommandSet()
    for keyword, text in HELP.items():
        commands.describe(keyword, text)
    for name, arg_type in ARGUMENT_TYPES.items():
        commands.define_type(name, arg_type)
    grammar = Grammar(commands)
    for feature in FEATURES:
        feature.register(grammar)
    return commands


def new_session(switch: Switch) -> CliSession[Switch]:
    return CliSession(build_command_set(), lambda: switch.hostname, switch)
