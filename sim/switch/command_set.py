"""The commands of every mode of one switch, and what a handler is given when one runs.

The code that owns a behaviour registers its commands here (`CommandSet.add`) with a
pattern (sim/switch/command_patterns.py); every command outside EXEC gets a ``no`` form unless
registered with ``negatable=False``. ``| json`` calls the ``json=`` renderer given to
`CommandSet.add` instead of the handler.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from sim.switch.arg_types import BUILTIN_TYPES, ArgType
from sim.switch.command_patterns import Node, PatternParser, compile_pattern
from sim.switch.modes import Mode
from sim.switch.questions import Question
from sim.switch.terminal import add_terminal_commands

if TYPE_CHECKING:
    from sim.switch.cli import CliSession

C = TypeVar("C")

ENTER_CONFIG = "Enter configuration commands, one per line. End with CNTL/Z."


@dataclass(frozen=True, eq=False)
class Command(Generic[C]):
    mode: Mode
    pattern: str
    handler: Handler[C]
    enters: Mode | None = None
    json: JsonRenderer[C] | None = None


@dataclass
class CommandContext(Generic[C]):
    """What a handler gets: the parsed arguments, the `no` flag and the session."""

    session: CliSession[C]
    args: dict[str, Any]
    negated: bool
    mode: Mode
    line: str

    @property
    def context(self) -> C:
        return self.session.context

    def confirm(self, question: str, action: Callable[[], str | None], *, default: bool) -> str:
        """Run `action` once the user agrees to `question`, as NX-OS asks before reload.

        A session that cannot be asked (NX-API, scripts) or has ``terminal dont-ask`` runs it
        at once; an interactive one prints the question and takes the next line as the answer
        (empty: `default`).
        """
        if not self.session.interactive or self.session.terminal.dont_ask:
            return action() or ""
        self.session.ask(Question(question, action, default))
        return ""


Handler = Callable[[CommandContext[C]], str | None]
JsonRenderer = Callable[[CommandContext[C]], dict[str, Any]]


_DEFAULT_HELP = {
    "configure": "Enter configuration mode",
    "do": "Run an exec command from a configuration mode",
    "end": "Go to exec mode",
    "exit": "Exit from command interpreter",
    "no": "Negate a command or set its defaults",
    "show": "Show running system information",
}


class CommandSet(Generic[C]):
    """The command trees of every mode; shared by all sessions of one switch."""

    def __init__(self) -> None:
        self._roots: dict[Mode, list[Node]] = {}
        self._help: dict[str, str] = dict(_DEFAULT_HELP)
        self._types: dict[str, ArgType] = dict(BUILTIN_TYPES)
        self.roots(Mode.EXEC)
        self.roots(Mode.CONFIG)
        add_terminal_commands(self)

    def define_type(self, name: str, arg_type: ArgType) -> None:
        """Make ``<x:name>`` usable in patterns added from now on."""
        self._types[name] = arg_type

    def describe(self, keyword: str, text: str) -> None:
        """Default `?` help for a keyword wherever a command gives none."""
        self._help[keyword.lower()] = text

    def keyword_help(self, keyword: str) -> str:
        return self._help.get(keyword, "")

    def add(
        self,
        mode: Mode,
        pattern: str,
        handler: Handler[C],
        *,
        help: Mapping[str, str] | None = None,
        enters: Mode | None = None,
        json: JsonRenderer[C] | None = None,
        negatable: bool | None = None,
        no_pattern: str | None = None,
    ) -> Command[C]:
        """Register `pattern` in `mode`.

        The ``no`` form (config modes only, unless ``negatable=False``) parses `no_pattern` if
        given, else `pattern`, and calls the same handler with ``ctx.negated`` set.
        """
        # Keywords are matched lower-case; argument names keep their case.
        helps = {key.lower(): text for key, text in (help or {}).items()} | dict(help or {})
        command = Command(mode, pattern, handler, enters, json)
        items = PatternParser(pattern, self._types).parse()
        roots = self.roots(mode)
        roots.append(compile_pattern(items, Node("end", command=command), helps))
        if negatable if negatable is not None else mode != Mode.EXEC:
            no_items = PatternParser(no_pattern or pattern, self._types).parse()
            body = compile_pattern(no_items, Node("end", command=command, negated=True), helps)
            roots.append(Node("kw", [body], word="no", help=helps.get("no", "")))
        if enters is not None:
            self.roots(enters)
        return command

    def modes(self) -> list[Mode]:
        return list(self._roots)

    def roots(self, mode: Mode) -> list[Node]:
        if mode not in self._roots:
            self._roots[mode] = []
            self._add_mode_commands(mode)
        return self._roots[mode]

    def _add_mode_commands(self, mode: Mode) -> None:
        self.add(mode, "end", lambda ctx: ctx.session.end(), negatable=False)
        self.add(mode, "exit", lambda ctx: ctx.session.exit_mode(), negatable=False)
        if mode == Mode.EXEC:
            self.add(
                mode,
                "configure [terminal]",
                lambda ctx: ENTER_CONFIG,
                enters=Mode.CONFIG,
                help={"terminal": "Configure from the terminal"},
            )
        else:
            # Never runs: the session strips a leading `do` before matching. The entry makes `?`
            # list `do` and a bare `do` incomplete.
            self.add(mode, "do <command:line>", lambda ctx: None, negatable=False)
