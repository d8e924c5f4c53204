"""The NX-OS command-line engine: one `CliSession` per user, running lines typed at its prompt.

Pure: no I/O, no clock, no asyncio. Front ends (SSH, NX-API, console, scenarios) feed it one
line at a time through a `CliSession` and print what comes back; the commands themselves are
registered into a `CommandSet` by the code that owns the behaviour. Real automation clients
(netmiko, scrapli, Ansible) drive this, so prompts, error texts and caret columns copy NX-OS
exactly.

The engine's parts, each its own module in sim/switch/:

    modes.py        EXEC, CONFIG and config sub-modes
    arg_types.py    argument types (word, int, ipv4, ...) and how ``?`` shows them
    line_filter.py  RE2 filter expressions
    command_patterns.py  the pattern language, compiled to a matching automaton
    matcher.py      tokens, walking the automaton, the caret and its error texts
    command_set.py  registered commands, their ``no`` forms and the handler's context
    terminal.py     terminal settings and the ``terminal`` commands
    questions.py    ``(y/n)`` questions before destructive commands
    pipes.py        output filters after ``|``
    completion.py   ``?`` help and Tab completion
    cli_result.py   what one line gives back

Modes
-----
A session keeps a stack of modes: a line is tried in the current mode, then in each enclosing
mode (running it there leaves the sub-modes, as NX-OS does), and EXEC commands run from any
config mode without leaving it, or from ``do``.

Outputs
-------
A line longer than `MAX_LINE_CHARS` is refused before it is parsed. Output filters may be
chained; ``| json`` without a ``json=`` renderer flags the result
`CliResult.structured_unsupported` (NX-API's 501). `CliResult.output` is either empty or ends
with a newline. For an error it is the caret line and the message; the front end echoes the
prompt and the line before it. Handler exceptions other than `CommandError` propagate: they are
bugs, and hiding them would hide the bugs.
"""

from __future__ import annotations

import json as jsonlib
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any, Generic, TypeVar

from sim.switch.arg_types import AmbiguousValue, ArgType
from sim.switch.cli_result import CliResult, CommandError, as_text
from sim.switch.command_patterns import PatternError
from sim.switch.command_set import ENTER_CONFIG, Command, CommandContext, CommandSet
from sim.switch.completion import complete_line, line_help
from sim.switch.matcher import (
    AMBIGUOUS_COMMAND,
    INCOMPLETE_COMMAND,
    INVALID_COMMAND,
    INVALID_PARAMETER,
    Failure,
    Resolved,
    Token,
    caret,
    choose_keyword,
    match_command,
    root_threads,
    tokenize,
)
from sim.switch.modes import Mode
from sim.switch.pipes import PIPE_MODE, PIPE_ROOTS, apply_pipe
from sim.switch.questions import Question
from sim.switch.terminal import TerminalSettings

# What code outside the engine imports from it: the engine's one front door.
__all__ = [
    "AMBIGUOUS_COMMAND",
    "ENTER_CONFIG",
    "INCOMPLETE_COMMAND",
    "INVALID_COMMAND",
    "INVALID_PARAMETER",
    "MAX_LINE_CHARS",
    "STRUCTURED_UNSUPPORTED",
    "AmbiguousValue",
    "ArgType",
    "CliResult",
    "CliSession",
    "Command",
    "CommandContext",
    "CommandError",
    "CommandSet",
    "Mode",
    "PatternError",
    "TerminalSettings",
]

C = TypeVar("C")

MAX_LINE_CHARS = 16_384
"""The longest line the engine parses, whatever the front end (SSH, NX-API, scenarios)."""

STRUCTURED_UNSUPPORTED = "% Structured output unsupported"


class CliSession(Generic[C]):
    """One CLI user (an SSH channel or an NX-API client): mode stack and terminal settings."""

    def __init__(self, commands: CommandSet[C], hostname: Callable[[], str], context: C) -> None:
        self.commands = commands
        self.context = context
        self.terminal = TerminalSettings()
        self._hostname = hostname
        self._stack: list[Mode] = [Mode.EXEC]
        self._close = False
        # What a sub-mode edits (e.g. the interface of `interface Ethernet1/1`), per session:
        # two users in two sub-modes must not edit each other's object.
        self.editing: dict[Mode, str] = {}
        # Set by a front end with a person (or a script acting as one) at the keyboard: then
        # destructive commands ask `(y/n)?` first.
        self.interactive = False
        self._question: Question | None = None
        # The signed-in user's role check: the refusal for a command it may not run, or None.
        # Unset for the console session and scripts, which act as the administrator.
        self.authorize: Callable[[Command[C]], str | None] | None = None

    def ask(self, question: Question) -> None:
        self._question = question

    @property
    def mode(self) -> Mode:
        return self._stack[-1]

    @property
    def modes(self) -> tuple[Mode, ...]:
        return tuple(self._stack)

    @property
    def prompt(self) -> str:
        if self.mode.own_prompt is not None:
            return self.mode.own_prompt
        return f"{self._hostname()}{self.mode.prompt_suffix}#"

    # Mode changes, for handlers.

    def enter(self, mode: Mode) -> None:
        """Go to `mode`: back down to it if it is on the stack, else push it."""
        if mode in self._stack:
            del self._stack[self._stack.index(mode) + 1 :]
        elif mode == Mode.CONFIG:
            self._stack = [Mode.EXEC, Mode.CONFIG]
        else:
            self._stack.append(mode)

    def exit_mode(self) -> None:
        if len(self._stack) == 1:
            self._close = True
        else:
            self._stack.pop()

    def end(self) -> None:
        self._stack = [Mode.EXEC]

    # Running lines.

    def execute(
        self, line: str, *, prompt_len: int | None = None, structured: bool = False
    ) -> CliResult:
        """Run one line as typed after the prompt.

        `prompt_len` is how many columns precede the echoed line (default: the prompt and one
        space), so the caret lands under the offending token. `structured` asks for the
        ``| json`` form without typing it (NX-API ``cli_show``).
        """
        plen = len(self.prompt) + 1 if prompt_len is None else prompt_len
        line = line.rstrip("\r\n")
        if self._question is not None:
            question, self._question = self._question, None
            return question.answer(line[:MAX_LINE_CHARS])
        if len(line) > MAX_LINE_CHARS:
            # Refused whole, before any parsing: the caret marks where the line stops fitting.
            return CliResult(caret(plen, Failure(MAX_LINE_CHARS, INVALID_COMMAND)), error=True)
        ctrl_z = line.endswith("\x1a") or line.strip() == "^Z"
        line = "" if line.strip() == "^Z" else line.rstrip("\x1a")
        result = self._execute(line, plen, structured)
        if ctrl_z and not result.help:
            self.end()
        if self._close:
            self._close = False
            result = replace(result, close=True)
        return result

    def execute_config(
        self, lines: Iterable[str], *, prompt_len: int | None = None
    ) -> list[CliResult]:
        """Enter config mode, run `lines` (one result each), then ``end``."""
        if self.mode == Mode.EXEC:
            self.enter(Mode.CONFIG)
        results = [self.execute(line, prompt_len=prompt_len) for line in lines]
        self.end()
        return results

    def _execute(self, line: str, plen: int, structured: bool) -> CliResult:
        stripped = line.strip()
        if not stripped:
            return CliResult()
        if line.endswith("?"):
            return line_help(self, line[:-1], plen)
        if self.mode != Mode.EXEC and stripped[0] in "!#":
            return CliResult()
        parsed = self.resolve(tokenize(line), line)
        if isinstance(parsed, Failure):
            return CliResult(caret(plen, parsed), error=True)
        return self._run(*parsed, structured)

    def resolve(self, tokens: list[Token], line: str) -> tuple[Resolved, list[Resolved]] | Failure:
        """Match the command and each ``| filter``; the first error from the left wins."""
        bars = [i for i, tok in enumerate(tokens) if tok.value == "|" and not tok.quoted]
        if bars and bars[0] == 0:
            return Failure(tokens[0].start, INVALID_COMMAND)
        resolved = self._dispatch(tokens[: bars[0]] if bars else tokens, line)
        if isinstance(resolved, Failure):
            return resolved
        pipes: list[Resolved] = []
        for k, bar in enumerate(bars):
            segment = tokens[bar + 1 : bars[k + 1] if k + 1 < len(bars) else len(tokens)]
            end = (segment or [tokens[bar]])[-1].end
            pipe = match_command(PIPE_ROOTS, segment, line, end, PIPE_MODE)
            if isinstance(pipe, Failure):
                return pipe
            pipes.append(pipe)
        return resolved, pipes

    def search_order(self, tokens: list[Token]) -> tuple[list[Mode], list[Token], int | None]:
        """Modes to try, in order, and the tokens to match (after a leading ``do``)."""
        if self.mode != Mode.EXEC and tokens:
            threads = root_threads(self.commands.roots(self.mode))
            if choose_keyword(threads, tokens[0]) == "do":
                return [Mode.EXEC], tokens[1:], tokens[0].end
        return self._stack[::-1], tokens, None

    def _dispatch(self, tokens: list[Token], line: str) -> Resolved | Failure:
        modes, tokens, do_end = self.search_order(tokens)
        end = tokens[-1].end if tokens else (do_end or 0)
        best: Failure | None = None
        ambiguous: Failure | None = None
        for mode in modes:
            found = match_command(self.commands.roots(mode), tokens, line, end, mode)
            if isinstance(found, Resolved):
                return found
            if mode == modes[0] and found.message == AMBIGUOUS_COMMAND:
                # Ambiguous where the user is: an enclosing mode's own reading of the
                # abbreviation (EXEC's `no terminal` for `n`) must not hide that.
                ambiguous = found
            if best is None or found.pos > best.pos:
                best = found
        assert best is not None
        return ambiguous or best

    def _run(self, resolved: Resolved, pipes: list[Resolved], structured: bool) -> CliResult:
        command = resolved.command
        if self.authorize is not None and (refusal := self.authorize(command)) is not None:
            return CliResult(refusal + "\n", error=True)
        ops = [pipe.command.pattern.split()[0] for pipe in pipes]
        want_json = structured or "json" in ops or "json-pretty" in ops
        if want_json and command.json is None:
            return CliResult(STRUCTURED_UNSUPPORTED + "\n", error=True, structured_unsupported=True)
        if resolved.mode != Mode.EXEC:
            # A line that matched an enclosing mode leaves the sub-modes above it.
            self.enter(resolved.mode)
        ctx = CommandContext(self, resolved.args, resolved.negated, resolved.mode, resolved.text)
        data: dict[str, Any] | None = None
        try:
            if want_json:
                assert command.json is not None
                data = command.json(ctx)
                text = jsonlib.dumps(data)
            else:
                text = command.handler(ctx) or ""
        except CommandError as exc:
            self._question = None
            return CliResult(as_text(str(exc).splitlines()), error=True)
        if self._question is not None:
            return CliResult(text + self._question.text, question=True)
        if command.enters is not None and not resolved.negated:
            self.enter(command.enters)
        lines = text.splitlines()
        for op, pipe in zip(ops, pipes, strict=True):
            lines = apply_pipe(op, pipe.args, lines, data)
        return CliResult(as_text(lines), structured=data)

    def check(self, line: str, mode: Mode) -> str | None:
        """The error `line` would give in `mode` or one of its sub-modes, without running it.

        A configuration session queues lines to commit later; it refuses a bad one at once.
        """
        tokens = tokenize(line)
        best: Failure | None = None
        for candidate in self.commands.modes():
            if candidate == Mode.EXEC:
                continue
            found = match_command(
                self.commands.roots(candidate), tokens, line, len(line), candidate
            )
            if isinstance(found, Resolved):
                if not found.command.pattern.startswith("<"):
                    return None
                continue
            if best is None or found.pos > best.pos:
                best = found
        return (best or Failure(0, INVALID_COMMAND)).message

    def complete(self, text: str) -> tuple[str, list[str]]:
        """Tab: `text` with its last word completed as far as it is unique, and the choices."""
        return complete_line(self, text)
