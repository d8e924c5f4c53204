"""Output filters after ``|``, chained left to right over what a command printed.

``include``, ``exclude``, ``begin``, ``section``, ``grep``, ``egrep``, ``head``, ``last``,
``count``, ``no-more``, ``json`` and ``json-pretty``, as NX-OS has them.

Filter expressions are RE2 expressions (sim/switch/line_filter.py). The filters are matched like
commands, from their own patterns in `PIPE_MODE`, so `?` and abbreviations work after ``|``.
"""

from __future__ import annotations

import json as jsonlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sim.switch.arg_types import BUILTIN_TYPES, DIGITS, parse_regex
from sim.switch.command_patterns import Node, PatternParser, compile_pattern
from sim.switch.command_set import Command
from sim.switch.line_filter import LineFilter, line_filter
from sim.switch.modes import Mode

PIPE_HELP = "Pipe command output to filter"
PIPE_MODE = Mode("pipe", "")


def _build_pipe_roots() -> list[Node]:
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
        command: Command[Any] = Command(PIPE_MODE, pattern, lambda ctx: None)
        items = PatternParser(pattern, BUILTIN_TYPES).parse()
        roots.append(compile_pattern(items, Node("end", command=command), helps))
    return roots


PIPE_ROOTS = _build_pipe_roots()


def apply_pipe(
    op: str, args: Mapping[str, Any], lines: list[str], data: dict[str, Any] | None
) -> list[str]:
    if op in ("include", "exclude"):
        expression = line_filter(args["expr"])
        keep = op == "include"
        return [line for line in lines if expression.search(line) == keep]
    if op == "begin":
        expression = line_filter(args["expr"])
        for index, line in enumerate(lines):
            if expression.search(line):
                return lines[index:]
        return []
    if op == "section":
        return _section(line_filter(args["expr"]), lines)
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
            elif word in _GREP_COUNTS and len(words) > 2 and DIGITS.fullmatch(words[1]):
                counts[word] = min(int(words[1]), 999)
                words = words[2:]
            else:
                break
        expression = parse_regex(" ".join(words).strip())
        if "word-exp" in flags:
            expression = rf"\b(?:{expression})\b"
        if "line-exp" in flags:
            expression = rf"^(?:{expression})$"
        if "ignore-case" in flags:
            expression = f"(?i){expression}"
        return cls(line_filter(expression), frozenset(flags), counts["next"], counts["prev"])

    def apply(self, lines: list[str]) -> list[str]:
        invert = "invert-match" in self.flags
        hits = [i for i, line in enumerate(lines) if self.expression.search(line) != invert]
        if "count" in self.flags:
            return [str(len(hits))]
        keep: set[int] = set()
        for i in hits:
            keep.update(range(max(0, i - self.prev), min(len(lines), i + self.next + 1)))
        return [lines[i] for i in sorted(keep)]
