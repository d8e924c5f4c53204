"""Matching a typed line against the compiled command patterns of a mode.

A line is split into tokens, then walked through the automaton (sim/switch/command_patterns.py) one
token at a time, keywords by unique prefix; the first token that fits nowhere is where the
caret goes. Where a mode's roots and a line's leading keywords lead is cached per command set,
as that is the bulk of matching a short line.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sim.switch.arg_types import AmbiguousValue
from sim.switch.command_patterns import Node
from sim.switch.modes import Mode

if TYPE_CHECKING:
    from sim.switch.command_set import Command

INVALID_COMMAND = "% Invalid command at '^' marker."
INCOMPLETE_COMMAND = "% Incomplete command at '^' marker."
INVALID_PARAMETER = "% Invalid parameter detected at '^' marker."
AMBIGUOUS_COMMAND = "% Ambiguous command at '^' marker."


@dataclass(frozen=True, slots=True)
class Token:
    value: str
    start: int
    end: int
    quoted: bool = False


def tokenize(line: str) -> list[Token]:
    toks: list[Token] = []
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
            toks.append(Token(line[i + 1 : close if close >= 0 else n], i, end, True))
            i = end
        else:
            start = i
            while i < n and not line[i].isspace():
                i += 1
            toks.append(Token(line[start:i], start, i))
    return toks


Thread = tuple[Node, dict[str, Any]]


def _closure(starts: Iterable[Thread]) -> list[Thread]:
    out: list[Thread] = []
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


def _advance(node: Node, args: dict[str, Any], value: object) -> Iterator[Thread]:
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
class Failure:
    pos: int
    message: str


@dataclass
class Walk:
    threads: list[Thread]
    rest: list[Node]  # rest-of-line arguments that took the tail and would take more


def choose_keyword(threads: Sequence[Thread], tok: Token) -> str | Failure | None:
    low = tok.value.lower()
    words = {node.word for node, _ in threads if node.kind == "kw"}
    if low in words:
        return low
    prefixed = [word for word in words if low and word.startswith(low)]
    if len(prefixed) > 1:
        return Failure(tok.start, AMBIGUOUS_COMMAND)
    return prefixed[0] if prefixed else None


# A mode's roots only grow (each command appends its own nodes), so their closure holds for
# every line until another command is added: worked out once per list and length, not per line.
_ROOT_CLOSURES: dict[int, tuple[Sequence[Node], int, list[Node]]] = {}


def root_threads(roots: Sequence[Node]) -> list[Thread]:
    cached = _ROOT_CLOSURES.get(id(roots))
    if cached is None or cached[0] is not roots or cached[1] != len(roots):
        nodes = [node for node, _ in _closure((root, {}) for root in roots)]
        cached = _ROOT_CLOSURES[id(roots)] = (roots, len(roots), nodes)
    args: dict[str, Any] = {}  # written only through copies (_advance)
    return [(node, args) for node in cached[2]]


# The same holds for where a line's leading keywords lead (`show` to every show command, then
# `show version` to one), the bulk of matching a short line. Only keywords are kept, never
# arguments, so the cache is bounded by the command set, not by what is typed.
_KEYWORD_STEPS: dict[tuple[int, tuple[str, ...]], tuple[Sequence[Node], int, list[Thread]]] = {}


def walk_tokens(roots: Sequence[Node], tokens: Sequence[Token], line: str) -> Walk | Failure:
    words: tuple[str, ...] = ()
    known: list[Thread] | None = None
    for tok in tokens:
        key = (id(roots), (*words, tok.value.lower()))
        cached = _KEYWORD_STEPS.get(key)
        if cached is None or cached[0] is not roots or cached[1] != len(roots):
            break
        words, known = key[1], cached[2]
    threads = list(known) if known is not None else root_threads(roots)
    only_keywords = True
    for i in range(len(words), len(tokens)):
        tok = tokens[i]
        chosen = choose_keyword(threads, tok)
        if isinstance(chosen, Failure):
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
        steps: list[Thread] = []
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
            return Failure(tok.start, AMBIGUOUS_COMMAND)
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
                return Walk(_closure(steps), [node for node, _ in rest])
        return Failure(tok.start, INVALID_PARAMETER if arg_nodes else INVALID_COMMAND)
    return Walk(threads, [])


@dataclass(frozen=True)
class Resolved:
    mode: Mode
    command: Command[Any]
    args: dict[str, Any]
    negated: bool
    text: str


def match_command(
    roots: Sequence[Node], tokens: list[Token], line: str, end: int, mode: Mode
) -> Resolved | Failure:
    walk = walk_tokens(roots, tokens, line)
    if isinstance(walk, Failure):
        return walk
    for node, args in walk.threads:
        if node.kind == "end" and node.command is not None:
            text = line[tokens[0].start : tokens[-1].end] if tokens else ""
            # A copy: the threads after leading keywords are kept for later lines.
            return Resolved(mode, node.command, dict(args), node.negated, text)
    return Failure(end, INCOMPLETE_COMMAND)


def caret(prompt_len: int, failure: Failure) -> str:
    return " " * (prompt_len + failure.pos) + "^\n" + failure.message + "\n"
