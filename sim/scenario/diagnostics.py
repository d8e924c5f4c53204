"""Pydantic's validation errors told as scenario problems: the line, the path, what was expected."""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from typing import Annotated, Any, get_args, get_origin

import yaml
from pydantic import BaseModel
from pydantic_core import ErrorDetails

from sim.scenario.node_tree import Loc, locate, path_text
from sim.scenario.problems import Problem, got
from sim.scenario.steps import STEP_BY_TAG, STEP_KINDS, StepBase


def schema_problem(
    filename: str, root: yaml.Node, err: ErrorDetails, schema: type[BaseModel]
) -> Problem:
    """`err` from validating the file's data with `schema`, as a problem at its line."""
    line, clean = locate(root, err["loc"])
    path = path_text(clean)
    kind = err["type"]
    value = err.get("input")
    ctx = err.get("ctx") or {}
    if kind == "missing":
        parent = path_text(clean[:-1])
        return Problem(filename, line, parent, f"missing required key {clean[-1]!r}")
    if kind == "extra_forbidden":
        return Problem(filename, line, path_text(clean[:-1]), _unknown_key(schema, err["loc"]))
    if kind == "step_kind":
        return Problem(filename, line, path, _bad_step(value))
    return Problem(filename, line, path, _expected(kind, err["msg"], value, ctx))


def _expected(kind: str, msg: str, value: object, ctx: dict[str, Any]) -> str:
    if kind in ("value_error", "assertion_error") and "error" in ctx:
        return str(ctx["error"])
    simple = {
        "string_type": "expected text",
        "int_type": "expected a whole number",
        "int_parsing": "expected a whole number",
        "int_from_float": "expected a whole number",
        "float_type": "expected a number",
        "float_parsing": "expected a number",
        "bool_type": "expected true or false",
        "dict_type": "expected a mapping",
        "model_type": "expected a mapping",
        "model_attributes_type": "expected a mapping",
        "list_type": "expected a list",
        "datetime_type": "expected a date and time such as 2026-01-05T09:00:00Z",
        "datetime_parsing": "expected a date and time such as 2026-01-05T09:00:00Z",
        "datetime_from_date_parsing": "expected a date and time such as 2026-01-05T09:00:00Z",
    }
    if kind in simple:
        return f"{simple[kind]}, got {got(value)}"
    if kind == "literal_error":
        return f"expected one of {ctx.get('expected', '?')}, got {got(value)}"
    if kind == "too_short":
        noun = "item" if ctx.get("min_length") == 1 else "items"
        return f"expected at least {ctx.get('min_length')} {noun}, got {got(value)}"
    if kind == "too_long":
        return f"expected at most {ctx.get('max_length')} items, got {ctx.get('actual_length')}"
    if kind == "string_too_short":
        return "expected some text, got an empty string"
    if kind in ("greater_than_equal", "greater_than"):
        return f"expected a number {msg.removeprefix('Input should be ')}, got {got(value)}"
    return f"{msg.replace('Input should be', 'expected', 1)}, got {got(value)}"


def _unknown_key(schema: type[BaseModel], loc: Loc) -> str:
    key = loc[-1]
    model = _model_at(schema, loc[:-1])
    if model is not None and issubclass(model, StepBase):
        if key in STEP_KINDS:
            return f"a step has exactly one kind; this one has {model.kind!r} and {key!r}"
        if key == "switch":
            article = "an" if model.kind[0] in "aeiou" else "a"
            return f"'switch' does not apply to {article} {model.kind} step: it acts on no switch"
        allowed = [model.kind, *(f for f in model.model_fields if f != model.kind)]
        return (
            f"unknown key {key!r} in this {model.kind} step; expected one of: {', '.join(allowed)}"
        )
    if model is not None:
        return f"unknown key {key!r}; expected one of: {', '.join(model.model_fields)}"
    return f"unknown key {key!r}"


def _bad_step(value: object) -> str:
    kinds = ", ".join(STEP_KINDS)
    if isinstance(value, Mapping):
        common = {"note", "switch"}
        unknown = [k for k in value if k not in common]
        if unknown:
            return f"unknown step kind {unknown[0]!r}; expected one of: {kinds}"
        return f"expected a step kind: one of {kinds}"
    return f"expected a step: a mapping with one of the keys {kinds}; got {got(value)}"


def _model_at(schema: type[BaseModel], loc: Loc) -> type[BaseModel] | None:
    """The model class that validates the mapping at `loc` (best effort, for messages)."""
    current: Any = schema
    for part in loc:
        current = _descend(current, part)
        if current is None:
            return None
    return _as_model(current)


def _descend(annotation: Any, part: str | int) -> Any:
    annotation = _strip(annotation)
    if isinstance(part, str) and part in STEP_BY_TAG:
        return STEP_BY_TAG[part]
    model = _as_model(annotation)
    if model is not None and isinstance(part, str):
        field = model.model_fields.get(part)
        return field.annotation if field is not None else None
    if get_origin(annotation) is list and isinstance(part, int):
        return get_args(annotation)[0]
    if get_origin(annotation) is dict:
        return get_args(annotation)[1]
    return None


def _strip(annotation: Any) -> Any:
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation


def _as_model(annotation: Any) -> type[BaseModel] | None:
    annotation = _strip(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) in (types.UnionType, typing.Union):
        models = [m for m in map(_as_model, get_args(annotation)) if m is not None]
        return models[0] if len(models) == 1 else None
    return None
