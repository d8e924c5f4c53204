"""`slpsim run -k EXPR`: which scenarios an expression picks.

The expression reads like pytest's: words joined by `and`, `or`, `not` and parentheses. A word
picks a scenario whose name contains it, whose topology is it, or which has it as a tag
(letters compared without case): `-k direct`, `-k "trust and not ntp"`, `-k "cslu or onprem"`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

MAX_EXPRESSION = 1000  # characters: an expression is typed by a person

_TOKEN = re.compile(r"\s*(\(|\)|[^\s()]+)")
_OPERATORS = ("and", "or", "not")


class SelectionError(ValueError):
    """An expression that does not parse; the message says where and what was expected."""


@dataclass(frozen=True)
class Keywords:
    """What a word is compared with: the name (by substring), the topology and tags (whole)."""

    name: str
    topology: str | None
    tags: Iterable[str] = ()

    def match(self, word: str) -> bool:
        word = word.lower()
        if word in self.name.lower():
            return True
        whole = {t.lower() for t in self.tags}
        if self.topology is not None:
            whole.add(self.topology.lower())
        return word in whole


Predicate = Callable[[Keywords], bool]


def compile_expression(expression: str) -> Predicate:
    """A predicate for `expression`; raises SelectionError for one that does not parse."""
    if len(expression) > MAX_EXPRESSION:
        raise SelectionError(f"-k: expected at most {MAX_EXPRESSION} characters")
    tokens = _tokens(expression)
    if not tokens:
        raise SelectionError("-k: expected a word such as direct, trust or 'cslu and not ack'")
    parser = _Parser(tokens)
    predicate = parser.expression()
    if parser.position < len(tokens):
        raise SelectionError(
            f"-k: unexpected {tokens[parser.position]!r} in {expression!r} "
            "(expected and, or, or the end)"
        )
    return predicate


def _tokens(expression: str) -> list[str]:
    tokens = []
    position = 0
    while position < len(expression):
        match = _TOKEN.match(expression, position)
        if match is None:  # only trailing blanks are left
            break
        tokens.append(match.group(1))
        position = match.end()
    return tokens


class _Parser:
    """Recursive descent: or-expression > and-expression > not > word or parentheses."""

    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.position = 0
        self.depth = 0

    def _peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def _take(self) -> str:
        token = self.tokens[self.position]
        self.position += 1
        return token

    def expression(self) -> Predicate:
        terms = [self._conjunction()]
        while self._peek() == "or":
            self._take()
            terms.append(self._conjunction())
        if len(terms) == 1:
            return terms[0]
        return lambda k: any(term(k) for term in terms)

    def _conjunction(self) -> Predicate:
        factors = [self._negation()]
        while self._peek() == "and":
            self._take()
            factors.append(self._negation())
        if len(factors) == 1:
            return factors[0]
        return lambda k: all(factor(k) for factor in factors)

    def _negation(self) -> Predicate:
        if self._peek() == "not":
            self._take()
            inner = self._negation()
            return lambda k: not inner(k)
        return self._atom()

    def _atom(self) -> Predicate:
        token = self._peek()
        if token is None:
            raise SelectionError("-k: the expression ends where a word was expected")
        if token == "(":
            self._take()
            self.depth += 1
            if self.depth > 50:
                raise SelectionError("-k: parentheses nested too deeply")
            inner = self.expression()
            if self._peek() != ")":
                raise SelectionError("-k: expected ')' to close '('")
            self._take()
            self.depth -= 1
            return inner
        if token == ")" or token in _OPERATORS:
            raise SelectionError(f"-k: expected a word before {token!r}")
        word = self._take()
        return lambda k: k.match(word)
