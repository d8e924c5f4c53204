"""The NX-OS command-line engine: grammar, modes, abbreviations, `?` help, errors and pipes.

Pure: no I/O, no clock, no asyncio. Front ends (SSH, NX-API, scenarios) feed it one line at a
time through a `CliSession` and print what comes back; the commands themselves are registered
into a `CommandSet` by the code that owns the behaviour. Real automation clients (netmiko,
scrapli, Ansible) drive this, so prompts, error texts and caret columns copy NX-OS exactly.

Pattern language
----------------
A pattern is a whitespace-separated sequence of items::

    keyword              matched case-insensitively; any unique prefix is accepted
    <name:type>          an argument, stored as ctx.args[name]
    <name:type...>       one or more arguments, ctx.args[name] is a list
    [a | b c]            optional group of alternatives
    {a | b c}            required choice
    [name= a | b]        named group (also {name= ...}): ctx.args[name] is the first word
                         (or value) of the alternative taken

A keyword matched inside any group also sets ``ctx.args[keyword] = True``; keywords and groups
not taken are simply absent from ``ctx.args``. Argument types (``?`` shows the first column):

    word          any token                                     WORD      -> str
    int           0-4294967295; int(lo-hi) for a range          <lo-hi>   -> int
    ipv4          dotted quad                                   A.B.C.D   -> IPv4Address
    hhmmss        time of day                                   HH:MM:SS  -> datetime.time
    month         January..December, unique prefix              names     -> int 1-12
    line          the rest of the line (must come last)         LINE      -> str
    regex         like line, but must compile; quotes around    WORD      -> str
                  it are dropped (``| i 'bytes free'``)

More types can be added per command set with `CommandSet.define_type`. Tokens may be quoted
with double quotes to include spaces. Help for a keyword or argument comes from the ``help=``
mapping given to `CommandSet.add` (keyed by keyword or argument name), else from
`CommandSet.describe`, else from the type.

Modes and outputs
-----------------
EXEC and CONFIG are built in; sub-modes are plain `Mode` values (``Mode.submode("config-if")``)
entered by a command registered with ``enters=``. A session keeps a stack of modes: a line is
tried in the current mode, then in each enclosing mode (running it there leaves the sub-modes,
as NX-OS does), and EXEC commands run from any config mode without leaving it. Every command
outside EXEC gets a ``no`` form unless registered with ``negatable=False``.

Output filters ``| include/exclude/begin <regex>``, ``| count``, ``| no-more``, ``| json`` and
``| json-pretty`` may be chained. Filter expressions are RE2 expressions: matching takes time
linear in the text whatever the expression (no backtracking), and a construct RE2 lacks
(back-references, look-around) is refused like any other bad expression. A line longer than
`MAX_LINE_CHARS` is refused before it is parsed. ``| json`` calls the ``json=`` renderer given to
`CommandSet.add` instead of the handler; without one the result is flagged
`CliResult.structured_unsupported` (NX-API's 501).

`CliResult.output` is either empty or ends with a newline. For an error it is the caret line
and the message; the front end echoes the prompt and the line before it. Handler exceptions
other than `CommandError` propagate: they are bugs, and hiding them would hide the bugs.
"""

from __future__ import annotations

import functools
import ipaddress
import json as jsonlib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import time as dtime
from typing import Any, ClassVar, Generic, TypeVar

import re2

C = TypeVar("C")

MAX_LINE_CHARS = 16_384
"""The longest line the engine parses, whatever the front end (SSH, NX-API, scenarios)."""

INVALID_COMMAND = "% Invalid command at '^' marker."
INCOMPLETE_COMMAND = "% Incomplete command at '^' marker."
INVALID_PARAMETER = "% Invalid parameter detected at '^' marker."
AMBIGUOUS_COMMAND = "% Ambiguous command at '^' marker."
STRUCTURED_UNSUPPORTED = "% Structured output unsupported"
ENTER_CONFIG = "Enter configuration commands, one per line. End with CNTL/Z."
PIPE_HELP = "Pipe command output to filter"


class CommandError(Exception):
    """Raised by a handler to print an NX-OS error such as ``% Invalid host/interface foo``."""


class PatternError(ValueError):
    """A command pattern does not follow the pattern language (a programming error)."""


class AmbiguousValue(ValueError):
    """Raised by an argument parser when the token is a prefix of several choices."""


# --------------------------------------------------------------------------- modes


@dataclass(frozen=True)
class Mode:
    """A CLI mode. EXEC and CONFIG are the roots; every other mode is a config sub-mode."""

    name: str
    prompt_suffix: str
    own_prompt: str | None = None
    """The whole prompt, without the hostname (NX-OS tclsh's `>` while a command goes on)."""

    EXEC: ClassVar[Mode]
    CONFIG: ClassVar[Mode]
    CONFIG_VRF: ClassVar[Mode]
    CONFIG_CALLHOME: ClassVar[Mode]

    @classmethod
    def submode(cls, name: str) -> Mode:
        return cls(name, f"({name})")


Mode.EXEC = Mode("exec", "")
Mode.CONFIG = Mode("config", "(config)")
Mode.CONFIG_VRF = Mode.submode("config-vrf")
Mode.CONFIG_CALLHOME = Mode.submode("config-callhome")


# --------------------------------------------------------------------------- argument types


@dataclass(frozen=True)
class ArgType:
    """How one argument is parsed and shown by ``?``. `parse` raises ValueError to reject."""

    display: str
    help: str
    parse: Callable[[str], object]
    rest_of_line: bool = False
    choices: tuple[str, ...] = ()


_DIGITS = re.compile(r"[0-9]{1,20}")
_DOTTED = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,3}){3}")
_HHMMSS = re.compile(r"([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})")
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def int_type(lo: int = 0, hi: int = 4294967295) -> ArgType:
    def parse(token: str) -> int:
        # int() would also take "1_0", " 7" and non-ASCII digits, none of which NX-OS accepts.
        if not _DIGITS.fullmatch(token) or not lo <= int(token) <= hi:
            raise ValueError(token)
        return int(token)

    return ArgType(f"<{lo}-{hi}>", "Enter a number", parse)


def _parse_word(token: str) -> str:
    if not token:
        raise ValueError("empty")
    return token


def _parse_ipv4(token: str) -> ipaddress.IPv4Address:
    if not _DOTTED.fullmatch(token):
        raise ValueError(token)
    return ipaddress.IPv4Address(token)


def _parse_hhmmss(token: str) -> dtime:
    match = _HHMMSS.fullmatch(token)
    if match is None:
        raise ValueError(token)
    return dtime(int(match[1]), int(match[2]), int(match[3]))


def _parse_month(token: str) -> int:
    low = token.lower()
    hits = [n for n, name in enumerate(MONTHS, 1) if low and name.lower().startswith(low)]
    exact = [n for n in hits if MONTHS[n - 1].lower() == low]
    if exact:
        return exact[0]
    if len(hits) > 1:
        raise AmbiguousValue(token)
    if not hits:
        raise ValueError(token)
    return hits[0]


def _parse_regex(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1]
    _line_filter(text)
    return text


_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False  # a user's typo is answered on the CLI, not logged to stderr


class LineFilter:
    """An output filter expression, matched by RE2 in time linear in each line."""

    def __init__(self, expression: str) -> None:
        try:
            self._regexp: Any = re2.compile(expression, _RE2_OPTIONS)
        except (re2.error, UnicodeEncodeError) as exc:
            raise ValueError(expression) from exc

    def search(self, line: str) -> bool:
        # Bytes, so that text holding a lone surrogate is still searched instead of raising.
        return self._regexp.search(line.encode("utf-8", "surrogatepass")) is not None


_line_filter = functools.lru_cache(maxsize=64)(LineFilter)


_BUILTIN_TYPES: dict[str, ArgType] = {
    "word": ArgType("WORD", "Enter a word", _parse_word),
    "int": int_type(),
    "ipv4": ArgType("A.B.C.D", "Enter an IPv4 address", _parse_ipv4),
    "hhmmss": ArgType("HH:MM:SS", "Enter time (HH:MM:SS)", _parse_hhmmss),
    "month": ArgType("MONTH", "Month of the year", _parse_month, choices=MONTHS),
    "line": ArgType("LINE", "Enter a line of text", _parse_word, rest_of_line=True),
    "regex": ArgType("WORD", "Search for the expression", _parse_regex, rest_of_line=True),
}


# --------------------------------------------------------------------------- patterns


@dataclass(frozen=True)
class _Kw:
    word: str


@dataclass(frozen=True)
class _Arg:
    name: str
    type: ArgType
    repeat: bool


@dataclass(frozen=True)
class _Group:
    alts: tuple[tuple[_Item, ...], ...]
    optional: bool
    name: str | None


_Item = _Kw | _Arg | _Group

_PATTERN_TOKEN = re.compile(r"<[^<>]*>|[\[\]{}|]|[^\s\[\]{}|<>]+")
_ARG_SPEC = re.compile(r"<([A-Za-z_]\w*):([a-z][\w-]*)(?:\(([0-9]+)-([0-9]+)\))?(\.\.\.)?>")
_GROUP_NAME = re.compile(r"([A-Za-z_][\w-]*)=(.*)")


class _PatternParser:
    def __init__(self, text: str, types: Mapping[str, ArgType]) -> None:
        self.text = text
        self.toks: list[str] = _PATTERN_TOKEN.findall(text)
        if "".join(self.toks) != "".join(text.split()):
            raise PatternError(f"stray character in pattern {text!r}")
        self.i = 0
        self.types = types
        self.rest_seen = False

    def parse(self) -> tuple[_Item, ...]:
        items = self._seq()
        if self.i != len(self.toks) or not items:
            raise PatternError(f"malformed pattern {self.text!r}")
        return items

    def _peek(self) -> str | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def _seq(self) -> tuple[_Item, ...]:
        items: list[_Item] = []
        while (tok := self._peek()) is not None and tok not in ("]", "}", "|"):
            if self.rest_seen:
                raise PatternError(f"nothing may follow a rest-of-line argument: {self.text!r}")
            self.i += 1
            if tok in ("[", "{"):
                items.append(self._group(tok))
            elif tok.startswith("<"):
                items.append(self._arg(tok))
            else:
                items.append(_Kw(tok.lower()))
        return tuple(items)

    def _group(self, opener: str) -> _Group:
        name = None
        tok = self._peek()
        if tok is not None and (named := _GROUP_NAME.fullmatch(tok)):
            name = named[1]
            if named[2]:
                self.toks[self.i] = named[2]
            else:
                self.i += 1
        alts = [self._seq()]
        while self._peek() == "|":
            self.i += 1
            alts.append(self._seq())
        if self._peek() != ("]" if opener == "[" else "}") or not all(alts):
            raise PatternError(f"unbalanced or empty group in {self.text!r}")
        self.i += 1
        return _Group(tuple(alts), opener == "[", name)

    def _arg(self, tok: str) -> _Arg:
        spec = _ARG_SPEC.fullmatch(tok)
        if spec is None:
            raise PatternError(f"bad argument {tok!r} in {self.text!r}")
        name, type_name, lo, hi, dots = spec.groups()
        if type_name == "int" and lo is not None:
            arg_type = int_type(int(lo), int(hi))
        elif type_name in self.types and lo is None:
            arg_type = self.types[type_name]
        else:
            raise PatternError(f"unknown type {tok!r} in {self.text!r}")
        if arg_type.rest_of_line:
            if dots:
                raise PatternError(f"a rest-of-line argument cannot repeat: {self.text!r}")
            self.rest_seen = True
        return _Arg(name, arg_type, dots is not None)


@dataclass(eq=False, slots=True)
class _Node:
    """One state of the compiled pattern automaton (Thompson construction)."""

    kind: str  # "kw", "arg", "eps" or "end"
    next: list[_Node] = field(default_factory=list)
    word: str = ""
    arg: _Arg | None = None
    help: str = ""
    flag: bool = False  # a keyword inside a group: record args[word] = True
    group: str | None = None  # first item of a named group's alternative
    command: Command[Any] | None = None
    negated: bool = False


def _compile(
    items: Sequence[_Item],
    cont: _Node,
    helps: Mapping[str, str],
    in_group: bool = False,
    group: str | None = None,
) -> _Node:
    # Built back to front so each item knows its continuation.
    node = cont
    for pos in range(len(items) - 1, -1, -1):
        item = items[pos]
        name = group if pos == 0 else None
        if isinstance(item, _Kw):
            text = helps.get(item.word, "")
            node = _Node("kw", [node], word=item.word, help=text, flag=in_group, group=name)
        elif isinstance(item, _Arg):
            arg_node = _Node("arg", [node], arg=item, help=helps.get(item.name, ""), group=name)
            if item.repeat:
                arg_node.next.insert(0, arg_node)
            node = arg_node
        else:
            branches = [_compile(alt, node, helps, True, item.name) for alt in item.alts]
            node = _Node("eps", [*branches, node] if item.optional else branches)
    return node


# --------------------------------------------------------------------------- commands & results


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
        self.session.ask(_Question(question, action, default))
        return ""


Handler = Callable[[CommandContext[C]], str | None]
JsonRenderer = Callable[[CommandContext[C]], dict[str, Any]]


@dataclass(frozen=True)
class CliResult:
    """The outcome of one line.

    `help` marks `?` output (the front end then re-prints the prompt and the line without `?`),
    `close` asks the front end to end the session (``exit`` in EXEC), `structured` holds the
    dict behind ``| json``, and `structured_unsupported` (with `error`) means the command has
    no structured form: NX-API answers that with 501.
    """

    output: str = ""
    error: bool = False
    close: bool = False
    help: bool = False
    structured: dict[str, Any] | None = None
    structured_unsupported: bool = False
    question: bool = False
    """The output is a `(y/n)` question: the front end shows it without a prompt after it."""


@dataclass(frozen=True)
class _Question:
    text: str
    action: Callable[[], str | None]
    default: bool

    def answer(self, line: str) -> CliResult:
        reply = line.strip().lower()
        if not (reply.startswith("y") if reply else self.default):
            return CliResult()
        try:
            return CliResult(_as_text((self.action() or "").splitlines()))
        except CommandError as exc:
            return CliResult(_as_text(str(exc).splitlines()), error=True)


@dataclass
class TerminalSettings:
    length: int = 24
    width: int = 80
    monitor: bool = False
    dont_ask: bool = False
    session_timeout: int = 0
    """Minutes of idleness before the session ends; 0 never (front ends may enforce it)."""


# --------------------------------------------------------------------------- matching


@dataclass(frozen=True, slots=True)
class _Tok:
    value: str
    start: int
    end: int
    quoted: bool = False


def _tokenize(line: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(line)
    while i < n:
        if line[i].isspace():
            i += 1
        elif line[i] == '"' or (line[i] == "'" and line.find("'", i + 1) >= 0):
            # Clients quote pipe expressions either way (scrapli-cfg: `| i 'bytes free'`); an
            # apostrophe without a closing one (`description don't`) stays a character.
            quote = line[i]
            close = line.find(quote, i + 1)
            end = n if close < 0 else close + 1
            toks.append(_Tok(line[i + 1 : close if close >= 0 else n], i, end, True))
            i = end
        else:
            start = i
            while i < n and not line[i].isspace():
                i += 1
            toks.append(_Tok(line[start:i], start, i))
    return toks


_Thread = tuple[_Node, dict[str, Any]]


def _closure(starts: Iterable[_Thread]) -> list[_Thread]:
    out: list[_Thread] = []
    seen: set[int] = set()
    stack = list(starts)[::-1]
    while stack:
        node, args = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if node.kind == "eps":
            stack.extend((nxt, args) for nxt in reversed(node.next))
        else:
            out.append((node, args))
    return out


def _advance(node: _Node, args: dict[str, Any], value: object) -> Iterator[_Thread]:
    if node.flag or node.group or node.arg:
        args = dict(args)
        if node.flag:
            args[node.word] = True
        if node.group:
            args[node.group] = value
        if node.arg is not None:
            name = node.arg.name
            args[name] = [*args.get(name, []), value] if node.arg.repeat else value
    for nxt in node.next:
        yield nxt, args


@dataclass(frozen=True)
class _Failure:
    pos: int
    message: str


@dataclass
class _Walk:
    threads: list[_Thread]
    rest: list[_Node]  # rest-of-line arguments that took the tail and would take more


def _choose_keyword(threads: Sequence[_Thread], tok: _Tok) -> str | _Failure | None:
    low = tok.value.lower()
    words = {node.word for node, _ in threads if node.kind == "kw"}
    if low in words:
        return low
    prefixed = [word for word in words if low and word.startswith(low)]
    if len(prefixed) > 1:
        return _Failure(tok.start, AMBIGUOUS_COMMAND)
    return prefixed[0] if prefixed else None


# A mode's roots only grow (each command appends its own nodes), so their closure holds for
# every line until another command is added: worked out once per list and length, not per line.
_ROOT_CLOSURES: dict[int, tuple[Sequence[_Node], int, list[_Node]]] = {}


def _root_threads(roots: Sequence[_Node]) -> list[_Thread]:
    cached = _ROOT_CLOSURES.get(id(roots))
    if cached is None or cached[0] is not roots or cached[1] != len(roots):
        nodes = [node for node, _ in _closure((root, {}) for root in roots)]
        cached = _ROOT_CLOSURES[id(roots)] = (roots, len(roots), nodes)
    args: dict[str, Any] = {}  # written only through copies (_advance)
    return [(node, args) for node in cached[2]]


# The same holds for where a line's leading keywords lead (`show` to every show command, then
# `show version` to one), the bulk of matching a short line. Only keywords are kept, never
# arguments, so the cache is bounded by the command set, not by what is typed.
_KEYWORD_STEPS: dict[tuple[int, tuple[str, ...]], tuple[Sequence[_Node], int, list[_Thread]]] = {}


def _walk(roots: Sequence[_Node], tokens: Sequence[_Tok], line: str) -> _Walk | _Failure:
    words: tuple[str, ...] = ()
    known: list[_Thread] | None = None
    for tok in tokens:
        key = (id(roots), (*words, tok.value.lower()))
        cached = _KEYWORD_STEPS.get(key)
        if cached is None or cached[0] is not roots or cached[1] != len(roots):
            break
        words, known = key[1], cached[2]
    threads = list(known) if known is not None else _root_threads(roots)
    only_keywords = True
    for i in range(len(words), len(tokens)):
        tok = tokens[i]
        chosen = _choose_keyword(threads, tok)
        if isinstance(chosen, _Failure):
            return chosen
        if chosen is not None:
            threads = _closure(
                step
                for node, args in threads
                if node.kind == "kw" and node.word == chosen
                for step in _advance(node, args, chosen)
            )
            if only_keywords:
                words = (*words, tok.value.lower())
                _KEYWORD_STEPS[(id(roots), words)] = (roots, len(roots), list(threads))
            continue
        only_keywords = False
        arg_nodes = [(node, args) for node, args in threads if node.arg is not None]
        steps: list[_Thread] = []
        ambiguous = False
        for node, args in arg_nodes:
            assert node.arg is not None
            if node.arg.type.rest_of_line:
                continue
            try:
                value = node.arg.type.parse(tok.value)
            except AmbiguousValue:
                ambiguous = True
                continue
            except ValueError:
                continue
            steps.extend(_advance(node, args, value))
        if steps:
            threads = _closure(steps)
            continue
        if ambiguous:
            return _Failure(tok.start, AMBIGUOUS_COMMAND)
        rest = [(n, a) for n, a in arg_nodes if n.arg is not None and n.arg.type.rest_of_line]
        if rest:
            text = tok.value if i == len(tokens) - 1 else line[tok.start : tokens[-1].end]
            steps = []
            for node, args in rest:
                assert node.arg is not None
                try:
                    value = node.arg.type.parse(text)
                except ValueError:
                    continue
                steps.extend(_advance(node, args, value))
            if steps:
                return _Walk(_closure(steps), [node for node, _ in rest])
        return _Failure(tok.start, INVALID_PARAMETER if arg_nodes else INVALID_COMMAND)
    return _Walk(threads, [])


# --------------------------------------------------------------------------- command set


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
        self._roots: dict[Mode, list[_Node]] = {}
        self._help: dict[str, str] = dict(_DEFAULT_HELP)
        self._types: dict[str, ArgType] = dict(_BUILTIN_TYPES)
        self.roots(Mode.EXEC)
        self.roots(Mode.CONFIG)
        self._add_terminal_commands()

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
        items = _PatternParser(pattern, self._types).parse()
        roots = self.roots(mode)
        roots.append(_compile(items, _Node("end", command=command), helps))
        if negatable if negatable is not None else mode != Mode.EXEC:
            no_items = _PatternParser(no_pattern or pattern, self._types).parse()
            body = _compile(no_items, _Node("end", command=command, negated=True), helps)
            roots.append(_Node("kw", [body], word="no", help=helps.get("no", "")))
        if enters is not None:
            self.roots(enters)
        return command

    def modes(self) -> list[Mode]:
        return list(self._roots)

    def roots(self, mode: Mode) -> list[_Node]:
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

    def _add_terminal_commands(self) -> None:
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
        self.add(Mode.EXEC, "terminal length <lines:int(0-511)>", _terminal, help=helps)
        self.add(
            Mode.EXEC, "terminal session-timeout <minutes:int(0-525600)>", _terminal, help=helps
        )
        self.add(Mode.EXEC, "terminal width <columns:int(24-511)>", _terminal, help=helps)
        self.add(Mode.EXEC, "terminal [no] {setting= monitor | dont-ask}", _terminal, help=helps)
        # NAPALM brackets its file operations with `terminal dont-ask` / `no terminal dont-ask`.
        self.add(Mode.EXEC, "{no} terminal {setting= monitor | dont-ask}", _terminal, help=helps)


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


_PIPE_MODE = Mode("pipe", "")


def _build_pipe_roots() -> list[_Node]:
    helps = {
        "begin": "Begin with the line that matches",
        "count": "Count number of lines",
        "egrep": "Egrep - print lines matching a pattern",
        "exclude": "Exclude lines that match",
        "grep": "Grep - print lines matching a pattern",
        "head": "Display first lines",
        "include": "Include lines that match",
        "json": "Output in json format",
        "json-pretty": "Output in json pretty print format",
        "last": "Display last lines",
        "lines": "Set number of lines to display",
        "no-more": "Turn-off pagination for command output",
        "section": "Show lines that include the pattern as well as the subsequent lines "
        "that are more indented than matching line",
    }
    patterns = (
        "begin <expr:regex>",
        "count",
        "egrep <expr:regex>",
        "exclude <expr:regex>",
        "grep <expr:regex>",
        "head [lines <lines:int(0-2147483647)>]",
        "include <expr:regex>",
        "last [<lines:int(0-9999)>]",
        "section <expr:regex>",
    )
    roots = []
    for pattern in (*patterns, "json", "json-pretty", "no-more"):
        # The session applies filters itself; the handler never runs.
        command: Command[Any] = Command(_PIPE_MODE, pattern, lambda ctx: None)
        items = _PatternParser(pattern, _BUILTIN_TYPES).parse()
        roots.append(_compile(items, _Node("end", command=command), helps))
    return roots


_PIPE_ROOTS = _build_pipe_roots()


# --------------------------------------------------------------------------- session


@dataclass(frozen=True)
class _Resolved:
    mode: Mode
    command: Command[Any]
    args: dict[str, Any]
    negated: bool
    text: str


def _match(
    roots: Sequence[_Node], tokens: list[_Tok], line: str, end: int, mode: Mode
) -> _Resolved | _Failure:
    walk = _walk(roots, tokens, line)
    if isinstance(walk, _Failure):
        return walk
    for node, args in walk.threads:
        if node.kind == "end" and node.command is not None:
            text = line[tokens[0].start : tokens[-1].end] if tokens else ""
            # A copy: the threads after leading keywords are kept for later lines.
            return _Resolved(mode, node.command, dict(args), node.negated, text)
    return _Failure(end, INCOMPLETE_COMMAND)


def _caret(prompt_len: int, failure: _Failure) -> str:
    return " " * (prompt_len + failure.pos) + "^\n" + failure.message + "\n"


def _as_text(lines: Sequence[str]) -> str:
    return "".join(f"{line}\n" for line in lines)


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
        self._question: _Question | None = None
        # The signed-in user's role check: the refusal for a command it may not run, or None.
        # Unset for the console session and scripts, which act as the administrator.
        self.authorize: Callable[[Command[C]], str | None] | None = None

    def ask(self, question: _Question) -> None:
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
            return CliResult(_caret(plen, _Failure(MAX_LINE_CHARS, INVALID_COMMAND)), error=True)
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
            return self._help(line[:-1], plen)
        if self.mode != Mode.EXEC and stripped[0] in "!#":
            return CliResult()
        parsed = self._resolve(_tokenize(line), line)
        if isinstance(parsed, _Failure):
            return CliResult(_caret(plen, parsed), error=True)
        return self._run(*parsed, structured)

    def _resolve(
        self, tokens: list[_Tok], line: str
    ) -> tuple[_Resolved, list[_Resolved]] | _Failure:
        """Match the command and each ``| filter``; the first error from the left wins."""
        bars = [i for i, tok in enumerate(tokens) if tok.value == "|" and not tok.quoted]
        if bars and bars[0] == 0:
            return _Failure(tokens[0].start, INVALID_COMMAND)
        resolved = self._dispatch(tokens[: bars[0]] if bars else tokens, line)
        if isinstance(resolved, _Failure):
            return resolved
        pipes: list[_Resolved] = []
        for k, bar in enumerate(bars):
            segment = tokens[bar + 1 : bars[k + 1] if k + 1 < len(bars) else len(tokens)]
            end = (segment or [tokens[bar]])[-1].end
            pipe = _match(_PIPE_ROOTS, segment, line, end, _PIPE_MODE)
            if isinstance(pipe, _Failure):
                return pipe
            pipes.append(pipe)
        return resolved, pipes

    def _search(self, tokens: list[_Tok]) -> tuple[list[Mode], list[_Tok], int | None]:
        """Modes to try, in order, and the tokens to match (after a leading ``do``)."""
        if self.mode != Mode.EXEC and tokens:
            threads = _root_threads(self.commands.roots(self.mode))
            if _choose_keyword(threads, tokens[0]) == "do":
                return [Mode.EXEC], tokens[1:], tokens[0].end
        return self._stack[::-1], tokens, None

    def _dispatch(self, tokens: list[_Tok], line: str) -> _Resolved | _Failure:
        modes, tokens, do_end = self._search(tokens)
        end = tokens[-1].end if tokens else (do_end or 0)
        best: _Failure | None = None
        ambiguous: _Failure | None = None
        for mode in modes:
            found = _match(self.commands.roots(mode), tokens, line, end, mode)
            if isinstance(found, _Resolved):
                return found
            if mode == modes[0] and found.message == AMBIGUOUS_COMMAND:
                # Ambiguous where the user is: an enclosing mode's own reading of the
                # abbreviation (EXEC's `no terminal` for `n`) must not hide that.
                ambiguous = found
            if best is None or found.pos > best.pos:
                best = found
        assert best is not None
        return ambiguous or best

    def _run(self, resolved: _Resolved, pipes: list[_Resolved], structured: bool) -> CliResult:
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
            return CliResult(_as_text(str(exc).splitlines()), error=True)
        if self._question is not None:
            return CliResult(text + self._question.text, question=True)
        if command.enters is not None and not resolved.negated:
            self.enter(command.enters)
        lines = text.splitlines()
        for op, pipe in zip(ops, pipes, strict=True):
            lines = _apply_pipe(op, pipe.args, lines, data)
        return CliResult(_as_text(lines), structured=data)

    def check(self, line: str, mode: Mode) -> str | None:
        """The error `line` would give in `mode` or one of its sub-modes, without running it.

        A configuration session queues lines to commit later; it refuses a bad one at once.
        """
        tokens = _tokenize(line)
        best: _Failure | None = None
        for candidate in self.commands.modes():
            if candidate == Mode.EXEC:
                continue
            found = _match(self.commands.roots(candidate), tokens, line, len(line), candidate)
            if isinstance(found, _Resolved):
                if not found.command.pattern.startswith("<"):
                    return None
                continue
            if best is None or found.pos > best.pos:
                best = found
        return (best or _Failure(0, INVALID_COMMAND)).message

    def complete(self, text: str) -> tuple[str, list[str]]:
        """Tab: `text` with its last word completed as far as it is unique, and the choices.

        The choices are listed when the word could still become more than one keyword.
        """
        if not text or text[-1].isspace() or text.endswith("?"):
            return text, []
        partial = _tokenize(text)[-1]
        if partial.quoted:
            return text, []
        result = self._help(text, 0)
        if result.error:
            return text, []
        low = partial.value.lower()
        words = [
            row.split()[0]
            for row in result.output.splitlines()
            if row.startswith("  ") and row.split()[0].lower().startswith(low)
        ]
        if not words:
            return text, []
        if len(words) == 1:
            return text[: partial.start] + words[0] + " ", []
        common = words[0]
        for word in words[1:]:
            while not word.lower().startswith(common.lower()):
                common = common[:-1]
        if len(common) > len(partial.value):
            return text[: partial.start] + common, words
        return text, words

    # `?` help.

    def _help(self, text: str, plen: int) -> CliResult:
        tokens = _tokenize(text)
        partial = tokens.pop() if tokens and not text[-1].isspace() else None
        bars = [i for i, tok in enumerate(tokens) if tok.value == "|" and not tok.quoted]
        walks: list[tuple[Mode, _Walk | _Failure]]
        if bars:
            head = self._resolve(tokens[: bars[-1]], text) if bars[0] else None
            if not isinstance(head, tuple):
                head = head or _Failure(tokens[0].start, INVALID_COMMAND)
                return CliResult(_caret(plen, head), error=True, help=True)
            walks = [(self.mode, _walk(_PIPE_ROOTS, tokens[bars[-1] + 1 :], text))]
            via_do = False
        else:
            modes, tokens, do_end = self._search(tokens)
            walks = [(mode, _walk(self.commands.roots(mode), tokens, text)) for mode in modes]
            via_do = do_end is not None
        best: _Failure | None = None
        for mode, walk in walks:
            rows = [] if isinstance(walk, _Failure) else self._help_rows(walk, partial)
            if rows:
                banner = ""
                if mode != self.mode and not via_do:
                    banner = (
                        "*** No matching command found in current mode, "
                        f"matching in ({mode.name}) mode ***\n"
                    )
                return CliResult(banner + _format_rows(rows), help=True)
            if not isinstance(walk, _Failure):
                walk = _Failure(partial.start if partial else len(text), INVALID_COMMAND)
            best = walk if best is None or walk.pos > best.pos else best
        assert best is not None
        return CliResult(_caret(plen, best), error=True, help=True)

    def _help_rows(self, walk: _Walk, partial: _Tok | None) -> list[tuple[str, str]]:
        keywords: dict[str, str] = {}
        arguments: dict[str, str] = {}
        can_end = pipeable = False
        for node in [node for node, _ in walk.threads] + walk.rest:
            if node.kind == "kw":
                helptext = node.help or self.commands.keyword_help(node.word)
                keywords[node.word] = keywords.get(node.word) or helptext
            elif node.arg is not None:
                helptext = node.help or node.arg.type.help
                for choice in node.arg.type.choices:
                    keywords.setdefault(choice, helptext)
                if not node.arg.type.choices:
                    arguments[node.arg.type.display] = (
                        arguments.get(node.arg.type.display) or helptext
                    )
            elif node.kind == "end" and node.command is not None:
                can_end = True
                # Output filters apply to what EXEC commands (and filters) print.
                pipeable = pipeable or node.command.mode in (Mode.EXEC, _PIPE_MODE)
        pipe = [("|", PIPE_HELP)] if can_end and pipeable else []
        if partial is not None:
            low = partial.value.lower()
            rows = sorted((k, h) for k, h in keywords.items() if k.lower().startswith(low))
            return rows or [row for row in pipe if row[0] == low] or sorted(arguments.items())
        rows = sorted([*keywords.items(), *arguments.items()])
        return [("<CR>", ""), *rows, *pipe] if can_end else rows


def _format_rows(rows: Sequence[tuple[str, str]]) -> str:
    width = max(len(name) for name, _ in rows) + 2
    return "".join(f"  {name.ljust(width)}{text}\n" for name, text in rows)


def _apply_pipe(
    op: str, args: Mapping[str, Any], lines: list[str], data: dict[str, Any] | None
) -> list[str]:
    if op in ("include", "exclude"):
        expression = _line_filter(args["expr"])
        keep = op == "include"
        return [line for line in lines if expression.search(line) == keep]
    if op == "begin":
        expression = _line_filter(args["expr"])
        for index, line in enumerate(lines):
            if expression.search(line):
                return lines[index:]
        return []
    if op == "section":
        return _section(_line_filter(args["expr"]), lines)
    if op in ("grep", "egrep"):
        return GrepFilter.parse(args["expr"]).apply(lines)
    if op == "head":
        return lines[: args.get("lines", DEFAULT_PIPE_LINES)]
    if op == "last":
        count = args.get("lines", DEFAULT_PIPE_LINES)
        return lines[len(lines) - count :] if count else []
    if op == "count":
        return [str(len(lines))]
    if op == "json":
        return jsonlib.dumps(data).splitlines()
    if op == "json-pretty":
        return jsonlib.dumps(data, indent=4).splitlines()
    return lines  # no-more: paging is the front end's business


DEFAULT_PIPE_LINES = 10
"""What `| head` and `| last` show without a count."""


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _section(expression: LineFilter, lines: list[str]) -> list[str]:
    """Matching lines, each with the lines under it (more indented), as NX-OS `| section`."""
    out: list[str] = []
    block_indent: int | None = None
    for line in lines:
        if block_indent is not None and line.strip() and _indent(line) > block_indent:
            out.append(line)
            continue
        block_indent = None
        if expression.search(line):
            out.append(line)
            block_indent = _indent(line)
    return out


_GREP_FLAGS = ("count", "ignore-case", "invert-match", "line-exp", "word-exp")
_GREP_COUNTS = ("next", "prev")


@dataclass(frozen=True)
class GrepFilter:
    """`| grep` / `| egrep`: options, written before the expression, then the expression.

    Options are recognised only when spelled out, so an expression such as ``c`` or ``in`` is
    never taken for an abbreviated option.
    """

    expression: LineFilter
    flags: frozenset[str] = frozenset()
    next: int = 0
    prev: int = 0

    @classmethod
    def parse(cls, text: str) -> GrepFilter:
        words = text.split(" ")
        flags: set[str] = set()
        counts = {"next": 0, "prev": 0}
        while len(words) > 1:
            word = words[0].lower()
            if word in _GREP_FLAGS:
                flags.add(word)
                words = words[1:]
            elif word in _GREP_COUNTS and len(words) > 2 and _DIGITS.fullmatch(words[1]):
                counts[word] = min(int(words[1]), 999)
                words = words[2:]
            else:
                break
        expression = _parse_regex(" ".join(words).strip())
        if "word-exp" in flags:
            expression = rf"\b(?:{expression})\b"
        if "line-exp" in flags:
            expression = rf"^(?:{expression})$"
        if "ignore-case" in flags:
            expression = f"(?i){expression}"
        return cls(_line_filter(expression), frozenset(flags), counts["next"], counts["prev"])

    def apply(self, lines: list[str]) -> list[str]:
        invert = "invert-match" in self.flags
        hits = [i for i, line in enumerate(lines) if self.expression.search(line) != invert]
        if "count" in self.flags:
            return [str(len(hits))]
        keep: set[int] = set()
        for i in hits:
            keep.update(range(max(0, i - self.prev), min(len(lines), i + self.next + 1)))
        return [lines[i] for i in sorted(keep)]
