"""The argument types of the switch's grammar, shared by every feature.

Everything a person types that the switch keeps (configuration, names, URLs, tokens) is
checked here, at the edge, against what NX-OS accepts; a token that fails is answered with
`% Invalid parameter detected at '^' marker.` under it. Nothing unbounded or unprintable
reaches the agent, the transport or the running configuration.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit

from sim.switch.cli import ArgType

_HOSTNAME = re.compile(r"[A-Za-z0-9_.-]{1,63}")
_DNS_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]{0,62}(?:\.[A-Za-z0-9_-]{1,63})*\.?")
MAX_DNS_NAME = 253
_NAME = re.compile(r"[A-Za-z0-9_.:-]{1,32}")  # VRF and profile names
_PRINTABLE = re.compile(r"[\x21-\x7e]+")  # visible ASCII: no spaces, no control characters
MAX_URL = 512
MAX_TOKEN = 2048
MAX_EMAIL = 255
MAX_LINE = 255


def _matching(pattern: re.Pattern[str], limit: int = MAX_LINE) -> Callable[[str], str]:
    def parse(token: str) -> str:
        if len(token) > limit or not pattern.fullmatch(token):
            raise ValueError(token)
        return token

    return parse


def _bounded_printable(limit: int) -> Callable[[str], str]:
    def parse(token: str) -> str:
        if len(token) > limit or not _PRINTABLE.fullmatch(token):
            raise ValueError(token)
        return token

    return parse


def parse_url(token: str) -> str:
    """An http(s) URL with a host, a valid port, printable ASCII only, at most MAX_URL long."""
    if len(token) > MAX_URL or not _PRINTABLE.fullmatch(token):
        raise ValueError(token)
    parts = urlsplit(token)  # raises ValueError for e.g. an unclosed IPv6 bracket
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError(token)
    _ = parts.port  # raises ValueError for a port that is not a number from 0 to 65535
    return token


def _parse_line(text: str) -> str:
    if len(text) > MAX_LINE or not all(" " <= ch <= "~" for ch in text) or not text.strip():
        raise ValueError(text)
    return text


ARGUMENT_TYPES: dict[str, ArgType] = {
    "hostname": ArgType("WORD", "Enter the system's hostname (max 63)", _matching(_HOSTNAME)),
    "dnsname": ArgType(
        "WORD", "Enter a host or domain name (max 253)", _matching(_DNS_NAME, MAX_DNS_NAME)
    ),
    "name": ArgType("WORD", "Enter a name (max 32)", _matching(_NAME)),
    "url": ArgType("WORD", f"Enter a URL (max {MAX_URL})", parse_url),
    "token": ArgType("WORD", "Enter the ID token", _bounded_printable(MAX_TOKEN)),
    # Any visible name: one that does not resolve is `% Invalid host/interface`, as on NX-OS.
    "host": ArgType("WORD", "Enter a host name or address", _bounded_printable(MAX_DNS_NAME)),
    "email": ArgType("WORD", "Enter an email address", _bounded_printable(MAX_EMAIL)),
    "text": ArgType("LINE", "Enter a line of text", _parse_line, rest_of_line=True),
}
