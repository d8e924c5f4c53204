"""Output filter expressions (``| include``, ``| grep``, ...), matched by RE2.

RE2 matches in time linear in the text whatever the expression (no backtracking); a construct
RE2 lacks (back-references, look-around) is refused like any other bad expression.
"""

from __future__ import annotations

import functools
from typing import Any

import re2

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


line_filter = functools.lru_cache(maxsize=64)(LineFilter)
