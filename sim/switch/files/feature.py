"""The files feature: `dir [bootflash:] [<file>]`."""

from __future__ import annotations

from sim.switch.bootflash import FILE_SYSTEM, IMAGE_BYTES, TOTAL_BYTES, BootflashError, file_name
from sim.switch.cli import CommandError, Mode
from sim.switch.feature import Ctx, Feature, Grammar, switch_of
from sim.switch.formats import config_time

HELP = {"dir": "List files in a directory"}


def _dir(ctx: Ctx) -> str:
    switch = switch_of(ctx)
    stamp = config_time(switch.now())[4:]
    names = switch.bootflash_files()
    path = ctx.args.get("path")
    if path is not None and path.lower() != FILE_SYSTEM:
        try:
            wanted = file_name(str(path))
        except BootflashError as exc:
            raise CommandError(str(exc)) from None
        # As NX-OS: an answer, not an error; clients test the text (NAPALM, netmiko).
        if wanted not in names:
            return "No such file or directory\n"
        names = [wanted]
    lines = [
        f"{len(switch.read_bootflash(name).encode()):>12}    {stamp}  {name}" for name in names
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
    grammar.add(Mode.EXEC, "dir [<path:word>]", _dir)


FEATURE = Feature("files", register, HELP)
