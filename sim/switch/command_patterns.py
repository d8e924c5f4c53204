"""The pattern language commands are registered with, compiled to a matching automaton.

A pattern is a whitespace-separated sequence of items::

    keyword              matched case-insensitively; any unique prefix is accepted
    <name:type>          an argument, stored as ctx.args[name]
    <name:type...>       one or more arguments, ctx.args[name] is a list
    [a | b c]            optional group of alternatives
    {a | b c}            required choice
    [name= a | b]        named group (also {name= ...}): ctx.args[name] is the first word
                         (or value) of the alternative taken

A keyword matched inside any group also sets ``ctx.args[keyword] = True``; keywords and groups
not taken are simply absent from ``ctx.args``. Argument types are in sim/switch/arg_types.py.
Tokens may be quoted with double quotes to include spaces. Help for a keyword or argument comes
from the ``help=`` mapping given to `CommandSet.add` (keyed by keyword or argument name), else
from `CommandSet.describe`, else from the type.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sim.switch.arg_types import ArgType, int_type

if TYPE_CHECKING:
    from sim.switch.command_set import Command


class PatternError(ValueError):
    """A command pattern does not follow the pattern language (a programming error)."""


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


class PatternParser:
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
class Node:
    """One state of the compiled pattern automaton (Thompson construction)."""

    kind: str  # "kw", "arg", "eps" or "end"
    next: list[Node] = field(default_factory=list)
    word: str = ""
    arg: _Arg | None = None
    help: str = ""
    flag: bool = False  # a keyword inside a group: record args[word] = True
    group: str | None = None  # first item of a named group's alternative
    command: Command[Any] | None = None
    negated: bool = False


def compile_pattern(
    items: Sequence[_Item],
    cont: Node,
    helps: Mapping[str, str],
    in_group: bool = False,
    group: str | None = None,
) -> Node:
    # Built back to front so each item knows its continuation.
    node = cont
    for pos in range(len(items) - 1, -1, -1):
        item = items[pos]
        name = group if pos == 0 else None
        if isinstance(item, _Kw):
            text = helps.get(item.word, "")
            node = Node("kw", [node], word=item.word, help=text, flag=in_group, group=name)
        elif isinstance(item, _Arg):
            arg_node = Node("arg", [node], arg=item, help=helps.get(item.name, ""), group=name)
            if item.repeat:
                arg_node.next.insert(0, arg_node)
            node = arg_node
        else:
            branches = [compile_pattern(alt, node, helps, True, item.name) for alt in item.alts]
            node = Node("eps", [*branches, node] if item.optional else branches)
    return node
