"""Scenario variables: `save_as` names a value, `${name}` uses it in a later step."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BeforeValidator

VARIABLE_PATTERN = re.compile(r"\$\{([^{}]*)\}")  # [^{}]: linear on unclosed `${`
NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _variable_name(value: Any) -> Any:
    if isinstance(value, str) and not NAME_PATTERN.match(value):
        raise ValueError(
            f"expected a variable name (letters, digits and _, not starting with a digit), "
            f"got {value!r}"
        )
    return value


VariableName = Annotated[str, BeforeValidator(_variable_name)]


class UndefinedVariableError(ValueError):
    pass


def variables_in(text: str) -> list[str]:
    return VARIABLE_PATTERN.findall(text)


def substitute(text: str, variables: Mapping[str, str]) -> str:
    """Replace each `${name}` by its value; an unknown name raises UndefinedVariableError."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in variables:
            raise UndefinedVariableError(f"${{{name}}} has no value (no earlier save_as)")
        return variables[name]

    return VARIABLE_PATTERN.sub(value, text)


def substitute_all(value: object, variables: Mapping[str, str]) -> object:
    """`substitute` through nested lists and mappings (back-end action parameters)."""
    if isinstance(value, str):
        return substitute(value, variables)
    if isinstance(value, list):
        return [substitute_all(v, variables) for v in value]
    if isinstance(value, dict):
        return {k: substitute_all(v, variables) for k, v in value.items()}
    return value
