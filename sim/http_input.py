"""What arrives over HTTP, decoded once and validated: JSON bodies and `Authorization` headers.

Every HTTP surface (NX-API, the control API, the mocks' OAuth endpoint) decodes a JSON body or
an `Authorization` header through here. `json.loads` lets lone surrogates, `NaN`, numbers
beyond float range and absurd nesting through, and `base64` raises on a header that is not
ASCII: each of those used to surface later, in a handler or in the JSON encoder, as a 500. Here
they become `MalformedInput` (or `None` for a credential), which the caller turns into its 4xx.
Replies that may echo the caller's text go out as `AsciiJSONResponse`, which cannot fail to
encode.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import math
from typing import Any

import pydantic_core
from starlette.requests import Request
from starlette.responses import JSONResponse

# Deeper than any request a real client sends; shallow enough that no walk over it is costly.
MAX_JSON_DEPTH = 32
# Header values are latin-1 on the wire; a credential longer than this is not a credential.
MAX_CREDENTIAL_CHARS = 4096


class AsciiJSONResponse(JSONResponse):
    """JSON with non-ASCII escaped: no text echoed from the caller can fail to encode."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=True, allow_nan=False).encode("ascii")


class MalformedInput(ValueError):
    """A body or header that cannot be used; the message says what was expected."""


def json_document(raw: bytes) -> Any:
    """Parse a JSON body that is strict UTF-8, finite and at most `MAX_JSON_DEPTH` deep."""
    try:
        # pydantic-core refuses invalid UTF-8, lone surrogates, NaN and Infinity literals.
        document = pydantic_core.from_json(raw, allow_inf_nan=False)
    except ValueError as exc:
        raise MalformedInput(f"invalid JSON: {exc}") from None
    _check_shape(document)
    return document


def _check_shape(document: Any) -> None:
    # Iterative, so the walk cannot itself hit the recursion limit.
    pending: list[tuple[Any, int]] = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, float) and not math.isfinite(value):
            raise MalformedInput("invalid JSON: a number is out of range")
        if isinstance(value, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise MalformedInput(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
            children = value.values() if isinstance(value, dict) else value
            # Only what can fail or hold more is queued: the order of the checks is unchanged.
            pending.extend(
                (child, depth + 1)
                for child in children
                if isinstance(child, dict | list)
                or (isinstance(child, float) and not math.isfinite(child))
            )


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    """(user, password) of an HTTP Basic `Authorization` header, or None if it is not one."""
    if header is None or len(header) > MAX_CREDENTIAL_CHARS:
        return None
    scheme, _, encoded = header.strip().partition(" ")
    if scheme.lower() != "basic" or not encoded.isascii():
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    user, colon, secret = decoded.partition(":")
    return (user, secret) if colon else None


def bearer_token(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None."""
    if header is None or len(header) > MAX_CREDENTIAL_CHARS:
        return None
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return token


def same_secret(given: str, expected: str) -> bool:
    """Constant-time comparison of two secrets, whatever characters the caller sent."""
    return hmac.compare_digest(
        given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass")
    )


class BodyTooLarge(MalformedInput):
    """A body longer than the route accepts."""


async def bounded_body(request: Request, limit: int) -> bytes:
    """The request body, refused as soon as it grows past `limit` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and (len(declared) > 15 or int(declared) > limit):
        raise BodyTooLarge(f"the body is larger than {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(f"the body is larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def checked_json_body(request: Request, limit: int) -> MalformedInput | None:
    """Read, bound and check a JSON request body before a framework parses it again.

    FastAPI parses bodies with `json.loads`, which takes NaN, 1e400 and lone surrogates; a
    route that checks here first refuses them at the edge. The body stays readable: the bytes
    are left in the request's cache, where Starlette (and FastAPI) look for them.
    """
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if request.method not in ("POST", "PUT", "PATCH") or not content_type.endswith("json"):
        return None
    try:
        raw = await bounded_body(request, limit)
    except BodyTooLarge as exc:
        return exc
    request._body = raw
    if not raw:
        return None
    try:
        json_document(raw)
    except MalformedInput as exc:
        return exc
    return None
