"""What the engine gives back for one line, and the error a handler raises to print."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


class CommandError(Exception):
    """Raised by a handler to print an NX-OS error such as ``% Invalid host/interface foo``."""


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


def as_text(lines: Sequence[str]) -> str:
    return "".join(f"{line}\n" for line in lines)
