"""Problems found in a scenario file: each names the file, line and part, in people's words."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


def shown(value: str, limit: int = 80) -> str:
    """`value` quoted for a message, cut short when long (a file may hold anything)."""
    return repr(value) if len(value) <= limit else f"{value[:limit]!r}... ({len(value)} characters)"


def got(value: object) -> str:
    """What a message says the file gave instead of what was expected."""
    if value is None:
        return "nothing"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    return repr(value)


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class ScenarioError(ValueError):
    """A scenario file that cannot be used; `str()` gives one `file:line: ...` per problem."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))

    @property
    def file(self) -> str:
        return self.problems[0].file

    @property
    def line(self) -> int | None:
        return self.problems[0].line


_MAX_PROBLEMS = 10


def tidy(problems: list[Problem]) -> list[Problem]:
    unique = list(dict.fromkeys(problems))
    unique.sort(key=lambda p: p.line or 0)
    return unique[:_MAX_PROBLEMS]
