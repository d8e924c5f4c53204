"""A `(y/n)` question a command asks before it acts (reload, delete, ...), and its answer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sim.switch.cli_result import CliResult, CommandError, as_text


@dataclass(frozen=True)
class Question:
    text: str
    action: Callable[[], str | None]
    default: bool

    def answer(self, line: str) -> CliResult:
        reply = line.strip().lower()
        if not (reply.startswith("y") if reply else self.default):
            return CliResult()
        try:
            return CliResult(as_text((self.action() or "").splitlines()))
        except CommandError as exc:
            return CliResult(as_text(str(exc).splitlines()), error=True)
