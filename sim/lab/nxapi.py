"""The NX-API front end of a fake switch: ``POST /ins`` with ``ins_api`` JSON and JSON-RPC 2.0.

Request and response shapes follow what NX-OS sends and what Ansible's httpapi plugin, NAPALM
and pynxos parse (see docs/nxapi.md). Each request runs in a fresh CLI session of the one
command engine, through `SwitchAccess.run`, so the simulation catches up before the answer.
HTTP Basic auth earns an ``nxapi_auth`` cookie valid for 600 seconds (the caller's own cookie
again, renewed, when it sent a valid one along).

Bodies and headers are decoded by `sim.http_input`, so malformed input is a 4xx in NX-API's
own shapes; an exception that is a bug is recorded as an incident and answered with its id.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from sim.clock import real_monotonic
from sim.http_input import (
    AsciiJSONResponse,
    BodyTooLarge,
    MalformedInput,
    basic_credentials,
    bounded_body,
    json_document,
    same_secret,
)
from sim.lab.access import SwitchAccess
from sim.lab.login_guard import LoginGuard
from sim.switch.cli import ENTER_CONFIG, CliResult, CliSession, Mode
from sim.switch.switch import Switch
from sim.switch.users.state import signs_in

COOKIE = "nxapi_auth"
COOKIE_LIFETIME = 600.0
# Sessions kept at once: far more clients than a lab has, and a bound on what a client that
# never returns its cookie can make the switch hold.
MAX_COOKIES = 1024
INS_API_VERSIONS = ("1.0", "1.2")
INS_API_TYPES = ("cli_show", "cli_show_ascii", "cli_conf")
RPC_METHODS = ("cli", "cli_ascii")

INPUT_ERROR = "Input CLI command error"
EXECUTION_ERROR = "CLI execution error"
STRUCTURED_UNSUPPORTED = "Structured output unsupported"

# JSON-RPC 2.0 error codes (the spec's reserved range, as NX-API uses them).
PARSE_ERROR = (-32700, "Parse error")
INVALID_REQUEST = (-32600, "Invalid request")
METHOD_NOT_FOUND = (-32601, "Method not found")
INVALID_PARAMS = (-32602, "Invalid params")
INTERNAL_ERROR = (-32603, "Internal error")

# A request is a few CLI lines; a megabyte is far beyond any client's and bounds the work.
MAX_BODY_BYTES = 1024 * 1024
MAX_ID_CHARS = 256
MAX_ID_MAGNITUDE = 2**63


class _BadRequest(Exception):
    """A request NX-API cannot run at all; the message says what was expected."""


@dataclass
class _Outcome:
    """One command's answer, before it is put in either wire format."""

    command: str
    code: str = "200"
    msg: str = "Success"
    body: Any = None
    clierror: str | None = None

    @property
    def ok(self) -> bool:
        return self.code == "200"


@dataclass
class _Cookies:
    """Issued ``nxapi_auth`` values and when each stops being accepted (monotonic seconds).

    One session per client: a request that brings its own valid cookie along with Basic auth
    (NAPALM sends both every time) gets that cookie back, not one more. Every value lives
    `COOKIE_LIFETIME` from its last issue, so the insertion order of `expiry` is the order
    they expire in: sweeping stops at the first live one, and at `limit` the oldest goes.
    """

    now: Callable[[], float]
    limit: int = MAX_COOKIES
    expiry: dict[str, float] = field(default_factory=dict)

    def issue(self, username: str, current: str | None = None) -> str:
        """A cookie for `username`: `current` again (its lifetime renewed) if it is theirs
        and still valid, else a new one."""
        if current is not None and self.valid(current) and self.user(current) == username:
            value = current
            del self.expiry[value]  # back in at the end: it now expires last
        else:
            value = f"{username}:{secrets.token_urlsafe(24)}"
            self._sweep(self.now())
            while len(self.expiry) >= self.limit:
                del self.expiry[next(iter(self.expiry))]
        self.expiry[value] = self.now() + COOKIE_LIFETIME
        return value

    def valid(self, value: str | None) -> bool:
        now = self.now()
        self._sweep(now)
        if value is None:
            return False
        until = self.expiry.get(value)
        return until is not None and until > now

    def _sweep(self, now: float) -> None:
        expiry = self.expiry
        while expiry:
            oldest = next(iter(expiry))
            if expiry[oldest] > now:
                return
            del expiry[oldest]

    @staticmethod
    def user(value: str) -> str:
        """Who a valid cookie was issued to."""
        return value.rpartition(":")[0]


class _NxApiApp(FastAPI):
    """FastAPI that answers ``POST /ins`` itself, before routing and middleware.

    Nearly every request a client sends is that one, and the router, the middleware stack and
    dependency solving took a quarter of the time of a reply. The route stays declared for the
    OpenAPI document; every other method and path (405s, 404s, the docs) still goes through
    FastAPI, and so does everything once middleware is added, which must see every request.
    """

    ins_handler: Callable[[Request], Awaitable[Response]] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = self.ins_handler
        if (
            handler is not None
            and not self.user_middleware
            and scope["type"] == "http"
            and scope["method"] == "POST"
            and scope["path"] == "/ins"
            and not scope.get("root_path")
        ):
            response = await handler(Request(scope, receive, send))
            await response(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def ins_api_request(commands: str, kind: str = "cli_show_ascii") -> dict[str, Any]:
    """The JSON body a client posts to `/ins` for `commands` (one, or several joined by ` ;`):
    the `ins_api` envelope NAPALM's nxos driver and NX-API's sandbox send."""
    return {
        "ins_api": {
            "version": "1.0",
            "type": kind,
            "chunk": "0",
            "sid": "1",
            "input": commands,
            "output_format": "json",
        }
    }


def create_nxapi_app(
    access: SwitchAccess,
    *,
    username: str = "admin",
    password: str = "admin",
    monotonic: Callable[[], float] = real_monotonic,
    login_guard: LoginGuard | None = None,
) -> FastAPI:
    """NX-API for `access`'s switch; `monotonic` (seconds) times the cookie lifetime.

    `login_guard` slows and locks out repeated failed logins; a lab shares one with SSH.
    """
    app = _NxApiApp(
        title="NX-API",
        version="1.0",
        description="NX-API CLI of a simulated Nexus switch (ins_api JSON and JSON-RPC 2.0).",
    )
    cookies = _Cookies(monotonic)

    guard = login_guard if login_guard is not None else LoginGuard()

    async def authenticate(request: Request) -> tuple[bool, str, str]:
        """(accepted, why not, who signed in)."""
        header = request.headers.get("authorization")
        if header is not None:
            credentials = basic_credentials(header)
            if credentials is None:
                return False, "Malformed Authorization header: expected HTTP Basic", ""
            given_user, given_password = credentials
            peer = request.client.host if request.client is not None else "unknown"
            verdict = await guard.attempt(
                peer,
                given_user,
                f"{access.name} nx-api",
                lambda: (
                    (same_secret(given_user, username) & same_secret(given_password, password))
                    # Accounts made with `username <u> password <p>` on the switch log in too.
                    or signs_in(access.switch.users, given_user, given_password, reserved=username)
                ),
            )
            return verdict.accepted, verdict.reason, given_user
        cookie = request.cookies.get(COOKIE)
        if cookie is not None and cookies.valid(cookie):
            return True, "", cookies.user(cookie)
        if cookie:
            return False, "Session cookie expired or unknown: authenticate again", ""
        return False, "Authentication required: HTTP Basic or an nxapi_auth cookie", ""

    @app.post("/ins", summary="Run CLI commands (ins_api JSON or JSON-RPC 2.0)")
    async def ins(request: Request) -> Response:
        try:
            return await answer(request)
        except Exception as exc:
            # A bug, not the caller's input: keep it visible and keep the switch serving.
            sim = access.simulation
            incident = sim.incidents.record(sim.clock.now(), f"{access.name} nx-api", exc)
            return AsciiJSONResponse(
                {"detail": "internal error, see /sim/incidents", "incident": incident.id},
                status_code=500,
            )

    app.ins_handler = ins

    async def answer(request: Request) -> Response:
        authorised, reason, given_user = await authenticate(request)
        # A switch account runs with its roles; the lab's own account is the administrator.
        user = None if given_user == username else given_user
        if not authorised:
            return AsciiJSONResponse(
                {"code": "401", "msg": reason},
                status_code=401,
                headers={"WWW-Authenticate": 'Basic realm="nxapi"'},
            )
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        try:
            raw = await bounded_body(request, MAX_BODY_BYTES)
        except BodyTooLarge as exc:
            return _ins_api_error(f"Request too large: {exc}", 413)
        if content_type == "application/json-rpc":
            response = await _json_rpc(access, raw, user)
        elif content_type in ("application/json", ""):
            response = await _ins_api(access, raw, user)
        else:
            response = AsciiJSONResponse(
                {
                    "code": "415",
                    "msg": f"Unsupported content type {content_type!r}: "
                    "use application/json (ins_api) or application/json-rpc",
                },
                status_code=415,
            )
        if request.headers.get("authorization") is not None:
            _set_cookie(response, cookies.issue(given_user, request.cookies.get(COOKIE)))
        return response

    return app


# What http.cookies leaves unquoted in a cookie value (its `_LegalChars`).
_PLAIN_COOKIE_VALUE = re.compile(r"[A-Za-z0-9!#$%&'*+\-.^_`|~:]+")


def _set_cookie(response: Response, value: str) -> None:
    """The ``nxapi_auth`` cookie, byte for byte as Starlette's `set_cookie` writes it; the
    header is written directly when the value needs no quoting (any name of letters and digits),
    as building a `SimpleCookie` for it costs more than the rest of the header handling."""
    if _PLAIN_COOKIE_VALUE.fullmatch(value) is None:
        response.set_cookie(COOKIE, value, max_age=int(COOKIE_LIFETIME), httponly=True)
        return
    header = f"{COOKIE}={value}; HttpOnly; Max-Age={int(COOKIE_LIFETIME)}; Path=/; SameSite=lax"
    response.raw_headers.append((b"set-cookie", header.encode("latin-1")))


# ---------------------------------------------------------------------- running commands


def _cli_error(result: CliResult) -> str:
    # NX-API reports the message without the caret line, which only lines up under a prompt.
    lines = [line for line in result.output.splitlines() if line.strip() != "^"]
    return "".join(f"{line}\n" for line in lines)


def _failure(command: str, result: CliResult) -> _Outcome:
    parse_error = "at '^' marker" in result.output
    return _Outcome(
        command, "400", INPUT_ERROR if parse_error else EXECUTION_ERROR, clierror=_cli_error(result)
    )


async def _show(
    access: SwitchAccess, session: CliSession[Switch], command: str, structured: bool
) -> _Outcome:
    """Run an exec-mode command; `structured` asks for its JSON body."""
    if not structured:
        result = await access.run(session, command, prompt_len=0)
        return _failure(command, result) if result.error else _Outcome(command, body=result.output)
    result = await access.run(session, command, prompt_len=0, structured=True)
    if result.structured_unsupported:
        # A command without a JSON form did not run. Run it for its text: an action or a
        # configuration line (nothing printed, or now in a configuration mode) succeeds with
        # an empty body, as on NX-OS; a show command without a JSON form is a 501.
        result = await access.run(session, command, prompt_len=0)
        if result.error:
            return _failure(command, result)
        if result.output.strip() and session.mode == Mode.EXEC:
            return _Outcome(command, "501", STRUCTURED_UNSUPPORTED)
        return _Outcome(command, body=None)
    if result.error:
        return _failure(command, result)
    return _Outcome(command, body=result.structured if result.structured is not None else {})


async def _configure(access: SwitchAccess, session: CliSession[Switch], command: str) -> _Outcome:
    if session.mode == Mode.EXEC:
        await access.run(session, "configure terminal", prompt_len=0)
    result = await access.run(session, command, prompt_len=0)
    if result.error:
        return _failure(command, result)
    text = result.output.replace(ENTER_CONFIG + "\n", "")
    return _Outcome(command, body=text or {})


# ---------------------------------------------------------------------- ins_api


def _ins_api_error(reason: str, status: int = 400) -> JSONResponse:
    output = {"code": str(status), "msg": reason}
    return AsciiJSONResponse(
        {"ins_api": {"version": "1.0", "sid": "eoc", "outputs": {"output": output}}},
        status_code=status,
    )


def _ins_api_request(raw: bytes) -> tuple[str, list[str]]:
    try:
        document = json_document(raw)
    except MalformedInput as exc:
        raise _BadRequest(f"Request is not valid JSON ({exc})") from None
    if not isinstance(document, dict) or not isinstance(document.get("ins_api"), dict):
        raise _BadRequest('Expected a JSON object {"ins_api": {...}}')
    ins = document["ins_api"]
    version = ins.get("version", "1.0")
    if not isinstance(version, str) or version not in INS_API_VERSIONS:
        raise _BadRequest(f"Unsupported ins_api version {_shown(version)}: expected 1.0")
    kind = ins.get("type")
    if not isinstance(kind, str) or kind not in INS_API_TYPES:
        raise _BadRequest(
            f"Unsupported type {_shown(kind)}: expected one of {', '.join(INS_API_TYPES)}"
        )
    output_format = ins.get("output_format", "json")
    if output_format != "json":
        raise _BadRequest(f"Unsupported output_format {_shown(output_format)}: use json")
    if ins.get("chunk", "0") not in ("0", 0):
        raise _BadRequest("Chunked output is not supported: use chunk 0")
    text = ins.get("input")
    if not isinstance(text, str) or not text.strip():
        raise _BadRequest('Missing "input": the CLI commands, separated by " ;"')
    commands = [part.strip() for part in text.split(";") if part.strip()]
    return str(kind), commands


def _shown(value: Any) -> str:
    """A value from the request, quoted and cut short, for an error message."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


async def _ins_api(access: SwitchAccess, raw: bytes, user: str | None = None) -> JSONResponse:
    try:
        kind, commands = _ins_api_request(raw)
    except _BadRequest as exc:
        return _ins_api_error(str(exc))
    session = access.new_session(user)
    outputs: list[dict[str, Any]] = []
    for command in commands:
        if kind == "cli_conf":
            outcome = await _configure(access, session, command)
        else:
            outcome = await _show(access, session, command, structured=kind == "cli_show")
        outputs.append(_ins_api_output(outcome))
        if not outcome.ok:
            break  # NX-OS stops at the first failing command
    body = {
        "ins_api": {
            "type": kind,
            "version": "1.0",
            "sid": "eoc",
            "outputs": {"output": outputs[0] if len(outputs) == 1 else outputs},
        }
    }
    return AsciiJSONResponse(body)


def _ins_api_output(outcome: _Outcome) -> dict[str, Any]:
    output: dict[str, Any] = {"input": outcome.command, "msg": outcome.msg, "code": outcome.code}
    if outcome.clierror is not None:
        output["clierror"] = outcome.clierror
    if outcome.ok:
        output["body"] = outcome.body if outcome.body is not None else {}
    return output


# ---------------------------------------------------------------------- JSON-RPC 2.0


def _rpc_error(
    code: tuple[int, str], request_id: Any, data: dict[str, Any] | None = None
) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code[0], "message": code[1]}
    if data is not None:
        error["data"] = data
    return {"jsonrpc": "2.0", "error": error, "id": request_id}


def _rpc_command(call: Any) -> tuple[Any, str, str] | dict[str, Any]:
    """(id, method, cmd) of one well-formed call, or the error reply for a malformed one."""
    if not isinstance(call, dict):
        return _rpc_error(INVALID_REQUEST, None, {"msg": "Each request must be a JSON object"})
    request_id = call.get("id")
    if not _valid_id(request_id):
        return _rpc_error(INVALID_REQUEST, None, {"msg": '"id" must be a string, a number or null'})
    if call.get("jsonrpc") != "2.0":
        return _rpc_error(INVALID_REQUEST, request_id, {"msg": 'Expected "jsonrpc": "2.0"'})
    method = call.get("method")
    if method not in RPC_METHODS:
        return _rpc_error(
            METHOD_NOT_FOUND, request_id, {"msg": f"Unknown method {method!r}: cli or cli_ascii"}
        )
    params = call.get("params")
    if not isinstance(params, dict) or not isinstance(params.get("cmd"), str):
        return _rpc_error(INVALID_PARAMS, request_id, {"msg": 'Expected "params": {"cmd": ...}'})
    version = params.get("version", 1)
    if isinstance(version, bool) or version not in (1, "1", "1.0"):
        return _rpc_error(INVALID_PARAMS, request_id, {"msg": "Unsupported version: expected 1"})
    return request_id, str(method), params["cmd"].strip()


def _valid_id(value: Any) -> bool:
    # JSON-RPC 2.0: a string, a number or null; bounded so that echoing it back is cheap.
    if value is None:
        return True
    if isinstance(value, str):
        return len(value) <= MAX_ID_CHARS
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return abs(value) < MAX_ID_MAGNITUDE
    return False


async def _json_rpc(access: SwitchAccess, raw: bytes, user: str | None = None) -> JSONResponse:
    try:
        document = json_document(raw)
    except MalformedInput as exc:
        return AsciiJSONResponse(_rpc_error(PARSE_ERROR, None, {"msg": str(exc)}), status_code=400)
    calls = document if isinstance(document, list) else [document]
    if not calls:
        return AsciiJSONResponse(
            _rpc_error(INVALID_REQUEST, None, {"msg": "Empty batch"}), status_code=400
        )
    session = access.new_session(user)
    replies: list[dict[str, Any]] = []
    for call in calls:
        parsed = _rpc_command(call)
        if isinstance(parsed, dict):
            replies.append(parsed)
            break
        request_id, method, command = parsed
        outcome = await _show(access, session, command, structured=method == "cli")
        if outcome.msg == INPUT_ERROR and session.mode == Mode.EXEC:
            # `cli` takes configuration commands too, as if typed after `configure terminal`
            # (NAPALM's config_list sends `hostname x` so).
            retry = await _configure(access, session, command)
            if retry.ok or retry.msg == EXECUTION_ERROR:
                # It is a configuration command: its own answer (a role's refusal, say).
                outcome = retry
            if not retry.ok:
                session.end()
        replies.append(_rpc_reply(outcome, method, request_id))
        if not outcome.ok:
            break  # NX-OS stops at the first failing command
    failed = any("error" in reply for reply in replies)
    status = 400 if failed else 200
    if isinstance(document, list):
        return AsciiJSONResponse(replies, status_code=status)
    return AsciiJSONResponse(replies[0], status_code=status)


def _rpc_reply(outcome: _Outcome, method: str, request_id: Any) -> dict[str, Any]:
    if outcome.code == "501":
        return _rpc_error(INTERNAL_ERROR, request_id, {"msg": STRUCTURED_UNSUPPORTED})
    if not outcome.ok:
        return _rpc_error(INVALID_PARAMS, request_id, {"msg": outcome.clierror or outcome.msg})
    result: dict[str, Any] | None
    if method == "cli_ascii":
        result = {"msg": outcome.body or ""}
    else:
        result = None if outcome.body is None else {"body": outcome.body}
    return {"jsonrpc": "2.0", "result": result, "id": request_id}
