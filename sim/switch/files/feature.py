"""The files feature: `dir bootflash:`."""

from __future__ import annotations

from sim.switch.bootflash import IMAGE_BYTES, TOTAL_BYTES
from sim.switch.cli import Mode
from sim.switch.feature import Ctx, Feature, Grammar, switch_of
from sim.switch.formats import config_time

HELP = {"dir": "List files in a directory"}


def _dir(ctx: Ctx) -> str:
    switch = switch_of(ctx)
    stamp = config_time(switch.now())[4:]
    lines = [
        f"{len(switch.read_bootflash(name).encode()):>12}    {stamp}  {name}"
        for name in switch.bootflash_files()
    ]
    used = switch.bootflash.used_bytes + IMAGE_BYTES
    lines += [
        "",
        "Usage for bootflash://sup-local",
        f"{used:>12} bytes used",
        f"{TOTAL_BYTES - used:>12} bytes free",
        f"{TOTAL_BYTES:>12} bytes total",
    ]
    return "\n".join(lines) + "\n"


def register(grammar: Grammar) -> None:
    grammar.add(Mode.EXEC, "dir bootflash:", _dir)


FEATURE = Feature("files", register, HELP)
