"""The little Tcl that NX-OS's `tclsh` is asked to run by automation: writing a file.

scrapli-cfg puts a candidate configuration on bootflash with::

    set fl [open "/bootflash/scrapli_cfg_1700000000" wb+]
    puts -nonewline $fl {hostname leaf9\r}
    close $fl

That is what this interpreter understands: `set` (of a word, or of `[open <path> <access>]`),
`puts [-nonewline] [<channel>] <text>`, `close <channel>`, braces, double quotes with
backslash escapes, and `$variable` substitution. A command it does not know is not Tcl's
business here: the caller hands it to the NX-OS command line, as NX-OS's tclsh does.

Pure: paths go through the `resolve` callback given to `TclInterpreter`, and a file closed
to its `write` callback.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

TCL_COMMANDS = ("set", "puts", "close", "open")
MAX_NESTING = 100
"""Command substitutions inside one another before Tcl's own `too many nested evaluations`."""
MAX_SCRIPT_CHARS = 1_000_000
"""The longest command kept while it goes on over several lines."""
MAX_FILE_CHARS = 16 * 1024 * 1024
"""The most one open file takes before writes to it fail, as on a full bootflash."""
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "\\": "\\", '"': '"', "$": "$", "[": "[", "]": "]"}
_WRITE_ACCESS = {"w", "w+", "wb", "wb+", "a", "a+", "ab", "ab+"}


class TclError(Exception):
    """A Tcl error; the message is what tclsh prints."""


def is_complete(script: str) -> bool:
    """Whether `script` is a whole command, or goes on on the next line (an open brace,
    bracket or quote), as Tcl's `info complete` says."""
    depth, brackets, quoted, i = 0, 0, False, 0
    while i < len(script):
        char = script[i]
        if char == "\\":
            i += 2
            continue
        if depth:
            depth += {"{": 1, "}": -1}.get(char, 0)
        elif quoted:
            quoted = char != '"'
        elif char == "{":
            depth = 1
        elif char == '"':
            quoted = True
        elif char == "[":
            brackets += 1
        elif char == "]":
            brackets = max(0, brackets - 1)
        i += 1
    return depth == 0 and brackets == 0 and not quoted


@dataclass
class _Channel:
    path: str
    text: list[str] = field(default_factory=list)
    size: int = 0


@dataclass
class TclInterpreter:
    """One tclsh session's variables and open files."""

    resolve: Callable[[str], str]
    """The file a path opens; raises TclError for one the switch has not."""
    write: Callable[[str, str], None]
    """Called with (file, text) when a file is closed."""
    variables: dict[str, str] = field(default_factory=dict)
    channels: dict[str, _Channel] = field(default_factory=dict)
    opened: int = 0
    depth: int = 0

    def run(self, script: str) -> str:
        """Run one complete command; its output (empty or ending in a newline)."""
        if self.depth >= MAX_NESTING:
            raise TclError("too many nested evaluations (infinite loop?)")
        self.depth += 1
        try:
            return self._run(script)
        finally:
            self.depth -= 1

    def _run(self, script: str) -> str:
        words = self._words(script)
        if not words:
            return ""
        name, args = words[0], words[1:]
        if name == "set":
            return self._set(args)
        if name == "puts":
            return self._puts(args)
        if name == "close":
            return self._close(args)
        if name == "open":
            return self._open(args) + "\n"
        raise TclError(f'invalid command name "{name}"')

    # ------------------------------------------------------------------ commands

    def _set(self, args: list[str]) -> str:
        if len(args) == 1:
            try:
                return self.variables[args[0]] + "\n"
            except KeyError:
                raise TclError(f'can\'t read "{args[0]}": no such variable') from None
        if len(args) != 2:
            raise TclError('wrong # args: should be "set varName ?newValue?"')
        self.variables[args[0]] = args[1]
        return ""

    def _open(self, args: list[str]) -> str:
        if not args or len(args) > 3:
            raise TclError('wrong # args: should be "open fileName ?access? ?permissions?"')
        access = args[1] if len(args) > 1 else "r"
        if access not in _WRITE_ACCESS:
            # Reading files through Tcl is not what clients ask of a lab switch.
            raise TclError(f'couldn\'t open "{args[0]}": permission denied')
        path = self.resolve(args[0])
        self.opened += 1
        channel = f"file{self.opened}"
        self.channels[channel] = _Channel(path)
        return channel

    def _puts(self, args: list[str]) -> str:
        newline = "\n"
        if args and args[0] == "-nonewline":
            newline, args = "", args[1:]
        if len(args) == 1:
            return args[0] + "\n"
        if len(args) != 2:
            raise TclError('wrong # args: should be "puts ?-nonewline? ?channelId? string"')
        if args[0] in ("stdout", "stderr"):
            return args[1] + newline
        channel = self._channel(args[0])
        if channel.size + len(args[1]) > MAX_FILE_CHARS:
            raise TclError(f'error writing "{args[0]}": no space left on device')
        channel.text.append(args[1] + newline)
        channel.size += len(args[1]) + len(newline)
        return ""

    def _close(self, args: list[str]) -> str:
        if len(args) != 1:
            raise TclError('wrong # args: should be "close channelId"')
        channel = self._channel(args[0])
        del self.channels[args[0]]
        self.write(channel.path, "".join(channel.text))
        return ""

    def _channel(self, name: str) -> _Channel:
        try:
            return self.channels[name]
        except KeyError:
            raise TclError(f'can not find channel named "{name}"') from None

    # ------------------------------------------------------------------ parsing

    def _words(self, script: str) -> list[str]:
        words: list[str] = []
        i, n = 0, len(script)
        while i < n:
            if script[i].isspace():
                i += 1
            elif script[i] == "{":
                end = _matching_brace(script, i)
                words.append(script[i + 1 : end])
                i = end + 1
            elif script[i] == '"':
                word, i = self._substitute(script, i + 1, stop='"')
                words.append(word)
                i += 1
            else:
                word, i = self._substitute(script, i, stop=None)
                words.append(word)
        return words

    def _substitute(self, script: str, i: int, stop: str | None) -> tuple[str, int]:
        """The word from `i` to `stop` (or white space) with escapes, variables and
        `[command]` substituted; the index where it ended."""
        out: list[str] = []
        n = len(script)
        while i < n:
            char = script[i]
            if char == stop or (stop is None and char.isspace()):
                return "".join(out), i
            if char == "\\" and i + 1 < n:
                out.append(_ESCAPES.get(script[i + 1], script[i + 1]))
                i += 2
            elif char == "$":
                j = i + 1
                while j < n and (script[j].isalnum() or script[j] == "_"):
                    j += 1
                name = script[i + 1 : j]
                if not name:
                    out.append("$")
                elif name not in self.variables:
                    raise TclError(f'can\'t read "{name}": no such variable')
                else:
                    out.append(self.variables[name])
                i = j
            elif char == "[":
                end = _matching(script, i, "[", "]")
                out.append(self.run(script[i + 1 : end]).removesuffix("\n"))
                i = end + 1
            else:
                out.append(char)
                i += 1
        if stop is not None:
            raise TclError('missing "')
        return "".join(out), i


def _matching_brace(script: str, start: int) -> int:
    return _matching(script, start, "{", "}")


def _matching(script: str, start: int, opening: str, closing: str) -> int:
    depth = 0
    i = start
    while i < len(script):
        char = script[i]
        if char == "\\":
            i += 2
            continue
        if char == opening:
            depth += 1
        elif char == closing:
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise TclError(f"missing close-{'brace' if opening == '{' else 'bracket'}")
