"""The files feature: `dir [bootflash:] [<file>]`, and `tclsh` writing files to bootflash.

In `tclsh` (prompt `switch-tcl#`) the Tcl of sim/switch/files/tcl.py runs; any other line is
an NX-OS command, as on NX-OS. A Tcl command left open at the end of a line (a brace, bracket
or quote) goes on on the next after a `>` prompt: scrapli-cfg sends
`puts -nonewline $fl {<line>\r}` as two lines, and waits for that prompt in between.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from sim.switch.bootflash import FILE_SYSTEM, IMAGE_BYTES, TOTAL_BYTES, BootflashError, file_name
from sim.switch.cli import CliSession, CommandError, Mode
from sim.switch.feature import Ctx, Feature, Grammar, switch_of
from sim.switch.files.tcl import (
    MAX_SCRIPT_CHARS,
    TCL_COMMANDS,
    TclError,
    TclInterpreter,
    is_complete,
)
from sim.switch.formats import config_time

if TYPE_CHECKING:
    from sim.switch.switch import Switch

HELP = {
    "dir": "List files in a directory",
    "tclsh": "Tcl shell",
    "tclquit": "Exit Tcl shell",
}
TCLSH = Mode("tclsh", "-tcl")
TCL_MORE = Mode("tclsh-more", "", own_prompt=">")
_TCL_FILE_SYSTEM = "/bootflash/"
# One interpreter per CLI session, gone with the session.
_interpreters: WeakKeyDictionary[CliSession[Switch], TclInterpreter] = WeakKeyDictionary()


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


# ------------------------------------------------------------------ tclsh


def _tclsh(ctx: Ctx) -> str:
    switch = switch_of(ctx)

    def resolve(path: str) -> str:
        try:
            if path.startswith(_TCL_FILE_SYSTEM):
                return file_name(FILE_SYSTEM + path.removeprefix(_TCL_FILE_SYSTEM))
            if path.lower().startswith(FILE_SYSTEM):
                return file_name(path)
        except BootflashError:
            pass
        raise TclError(f'couldn\'t open "{path}": no such file or directory')

    def write(name: str, text: str) -> None:
        # Clients end lines with \r (a terminal's Enter); bootflash keeps Unix lines.
        switch.write_bootflash(name, text.replace("\r\n", "\n").replace("\r", "\n"))

    _interpreters[ctx.session] = TclInterpreter(resolve, write)
    return ""


def _run_tcl(ctx: Ctx, script: str) -> str:
    if len(script) > MAX_SCRIPT_CHARS:
        raise CommandError("% Tcl command too long: discarded")
    if not is_complete(script):
        ctx.session.editing[TCL_MORE] = script
        ctx.session.enter(TCL_MORE)
        return ""
    interpreter = _interpreters.get(ctx.session)
    if interpreter is None:  # put in the mode some other way than `tclsh`: start afresh
        _tclsh(ctx)
        interpreter = _interpreters[ctx.session]
    try:
        return interpreter.run(script)
    except TclError as exc:
        raise CommandError(str(exc)) from None


def _tcl_line(ctx: Ctx) -> str:
    return _run_tcl(ctx, ctx.line)


def _tcl_more(ctx: Ctx) -> str:
    script = ctx.session.editing.pop(TCL_MORE, "") + "\n" + ctx.line
    ctx.session.exit_mode()
    return _run_tcl(ctx, script)


def register(grammar: Grammar) -> None:
    grammar.add(Mode.EXEC, "dir [<path:word>]", _dir)
    grammar.add(Mode.EXEC, "tclsh", _tclsh, enters=TCLSH)
    grammar.add(TCLSH, "tclquit", lambda ctx: ctx.session.exit_mode(), negatable=False)
    for command in TCL_COMMANDS:
        grammar.add(TCLSH, f"{command} [<script:line>]", _tcl_line, negatable=False)
    grammar.add(TCL_MORE, "<script:line>", _tcl_more, negatable=False)


FEATURE = Feature("files", register, HELP)
