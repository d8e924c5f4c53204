"""The argument types of the command-line grammar: how a token is parsed and shown by ``?``.

Built in (``?`` shows the first column)::

    word          any token                                     WORD      -> str
    int           0-4294967295; int(lo-hi) for a range          <lo-hi>   -> int
    ipv4          dotted quad                                   A.B.C.D   -> IPv4Address
    hhmmss        time of day                                   HH:MM:SS  -> datetime.time
    month         January..December, unique prefix              names     -> int 1-12
    line          the rest of the line (must come last)         LINE      -> str
    regex         like line, but must compile; quotes around    WORD      -> str
                  it are dropped (``| i 'bytes free'``)

More types can be added per command set with `CommandSet.define_type`
(the switch's own are in sim/switch/arguments.py).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import time as dtime

from sim.switch.line_filter import line_filter


class AmbiguousValue(ValueError):
    """Raised by an argument parser when the token is a prefix of several choices."""


@dataclass(frozen=True)
class ArgType:
    """How one argument is parsed and shown by ``?``. `parse` raises ValueError to reject."""

    display: str
    help: str
    parse: Callable[[str], object]
    rest_of_line: bool = False
    choices: tuple[str, ...] = ()


DIGITS = re.compile(r"[0-9]{1,20}")
_DOTTED = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,3}){3}")
_HHMMSS = re.compile(r"([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})")
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def int_type(lo: int = 0, hi: int = 4294967295) -> ArgType:
    def parse(token: str) -> int:
        # int() would also take "1_0", " 7" and non-ASCII digits, none of which NX-OS accepts.
        if not DIGITS.fullmatch(token) or not lo <= int(token) <= hi:
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


def parse_regex(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1]
    line_filter(text)
    return text


BUILTIN_TYPES: dict[str, ArgType] = {
    "word": ArgType("WORD", "Enter a word", _parse_word),
    "int": int_type(),
    "ipv4": ArgType("A.B.C.D", "Enter an IPv4 address", _parse_ipv4),
    "hhmmss": ArgType("HH:MM:SS", "Enter time (HH:MM:SS)", _parse_hhmmss),
    "month": ArgType("MONTH", "Month of the year", _parse_month, choices=MONTHS),
    "line": ArgType("LINE", "Enter a line of text", _parse_word, rest_of_line=True),
    "regex": ArgType("WORD", "Search for the expression", parse_regex, rest_of_line=True),
}
