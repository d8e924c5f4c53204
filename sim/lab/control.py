"""The lab's control API (DESIGN §6): time, switches, faults, tokens and syslog over HTTP JSON.

`slpsim clock|fault|token|switches|syslog|incidents` are thin clients of these routes. Input
is validated at the edge: JSON bodies through `sim.http_input` and bounded pydantic models, so
bad input is a 4xx JSON reason. An exception that is a bug is recorded as an incident and
answered `500 {"detail": ..., "incident": id}`; `GET /sim/incidents` lists them. With a control
token every route, `/docs` and `/openapi.json` included, wants `Authorization: Bearer <token>`.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any, Self

from fastapi import FastAPI, HTTPException, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from starlette.exceptions import HTTPException as StarletteHTTPException

from sim.http_input import AsciiJSONResponse, BodyTooLarge, bounded_body, checked_json_body
from sim.lab import console
from sim.lab.activity import ActivityKind
from sim.lab.control_token import ControlTokenGuard
from sim.lab.jump import JumpProgress, JumpRunning
from sim.lab.syslog_feed import SyslogFeed

if TYPE_CHECKING:
    from sim.lab.lab import Lab

MAX_ADVANCE_SECONDS = 3650 * 86400.0
# Virtual seconds per real second: a million is a year in about half a minute.
MAX_RATE = 1e6
# A follower's request waits at most this long for a new line, so a stopping lab is never
# held up for long by one.
MAX_FOLLOW_WAIT_SECONDS = 10.0
MAX_FILE_BYTES = 16 * 1024 * 1024
# JSON bodies here are a handful of fields; anything longer is not one of them.
MAX_JSON_BODY_BYTES = 64 * 1024
MAX_EXTRA_PARAMS = 16
MAX_PARAM_NAME = 64
MAX_PARAM_TEXT = 4096
PASSWORD_NOT_SHOWN = "as given at lab start"
# What the activity log records of one change made through this API.
Logged = dict[str, Any]
INTERNAL_ERROR = "internal error, see /sim/incidents"


def _check_params(extras: dict[str, Any] | None) -> None:
    """Kind- or action-specific parameters: a few named scalars, each bounded."""
    params = extras or {}
    if len(params) > MAX_EXTRA_PARAMS:
        raise ValueError(f"at most {MAX_EXTRA_PARAMS} parameters")
    for name, value in params.items():
        if len(name) > MAX_PARAM_NAME:
            raise ValueError(f"parameter names are at most {MAX_PARAM_NAME} characters")
        if isinstance(value, str):
            if len(value) > MAX_PARAM_TEXT:
                raise ValueError(f"{name}: at most {MAX_PARAM_TEXT} characters")
        elif isinstance(value, bool) or value is None:
            continue
        elif isinstance(value, int):
            if abs(value) > 2**63:
                raise ValueError(f"{name}: the number is out of range")
        elif isinstance(value, float):
            if not math.isfinite(value) or abs(value) > 1e15:
                raise ValueError(f"{name}: expected a finite number")
        else:
            raise ValueError(f"{name}: expected a string, a number or a boolean")


class JumpView(BaseModel):
    """A clock jump on its way: from where, to where, how far it got."""

    model_config = ConfigDict(populate_by_name=True)

    from_: str = Field(alias="from")
    to: str
    now: str
    fraction: float
    events: int
    cancelled: bool


class ClockView(BaseModel):
    now: str
    rate: float
    jump: JumpView | None = None


class AdvanceResult(ClockView):
    # True when the jump was cancelled: `now` is then the time it reached.
    cancelled: bool = False


class Advance(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seconds: float = Field(ge=0, le=MAX_ADVANCE_SECONDS)
    # False: answer 202 at once and jump in the background (GET /sim/clock shows progress).
    wait: bool = True

    @field_validator("seconds")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError("seconds must be a finite number")
        return value


class RateChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rate: float = Field(ge=0, le=MAX_RATE, allow_inf_nan=False)


class FollowedLine(BaseModel):
    switch: str
    severity: int
    line: str


class FollowBatch(BaseModel):
    cursor: int
    missed: int
    lines: list[FollowedLine]


class SwitchView(BaseModel):
    name: str
    hostname: str
    udi: str
    pid: str
    serial: str
    host: str
    ssh_port: int
    nxapi_port: int
    username: str
    # Never the password itself: the caller gave it at lab start, or has no business with it.
    password: str = PASSWORD_NOT_SHOWN


class FaultView(BaseModel):
    id: int
    target: str
    kind: str
    params: dict[str, Any] = {}


class _WithParams(BaseModel):
    """A body whose kind- or action-specific parameters ride along as extra keys."""

    model_config = ConfigDict(extra="allow")

    @model_validator(mode="after")
    def _bounded_params(self) -> Self:
        _check_params(self.model_extra)
        return self


class FaultCreate(_WithParams):
    # Parameters: seconds, duration, offset, as the kind takes them.
    target: str = Field(min_length=1, max_length=64)
    kind: str = Field(min_length=1, max_length=64)


class FaultCreated(BaseModel):
    id: int


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    issuer: str = Field(default="cssm", max_length=16)
    virtual_account: str | None = Field(default=None, max_length=256)


class TokenCreated(BaseModel):
    token: str


class ActionRequest(_WithParams):
    # Parameters: file, virtual_account, from_switch, ..., as the action takes them.
    target: str = Field(min_length=1, max_length=16)
    action: str = Field(min_length=1, max_length=64)


class ActionResult(BaseModel):
    result: str | None


class ActionView(BaseModel):
    target: str
    action: str


class FileView(BaseModel):
    name: str
    size: int


class ErrorBody(BaseModel):
    error: str
    detail: Any = None


class InternalErrorBody(BaseModel):
    detail: str
    incident: int


class IncidentView(BaseModel):
    id: int
    at: str
    where: str
    summary: str
    detail: str


class IncidentList(BaseModel):
    incidents: list[IncidentView]


Handler = Callable[[Request], Coroutine[Any, Any, Response]]
FileName = Annotated[str, Path(min_length=1, max_length=255)]


def _contained_route(lab: Lab) -> type[APIRoute]:
    """Routes whose JSON bodies are validated first and whose bugs become incidents."""

    class ContainedRoute(APIRoute):
        def get_route_handler(self) -> Handler:
            handler = super().get_route_handler()

            async def contained(request: Request) -> Response:
                refusal = await _refuse_malformed_json(request)
                if refusal is not None:
                    return refusal
                try:
                    return await handler(request)
                except (StarletteHTTPException, RequestValidationError):
                    raise
                except Exception as exc:
                    sim = lab.simulation
                    incident = sim.incidents.record(sim.clock.now(), "control API", exc)
                    return AsciiJSONResponse(
                        {"detail": INTERNAL_ERROR, "incident": incident.id}, status_code=500
                    )

            return contained

    return ContainedRoute


async def _refuse_malformed_json(request: Request) -> Response | None:
    problem = await checked_json_body(request, MAX_JSON_BODY_BYTES)
    if isinstance(problem, BodyTooLarge):
        return AsciiJSONResponse({"error": str(problem)}, status_code=413)
    if problem is not None:
        return AsciiJSONResponse(
            {"error": "malformed request", "detail": str(problem)}, status_code=400
        )
    return None


def create_control_app(lab: Lab) -> FastAPI:
    app = FastAPI(
        title="slpsim lab control API",
        version="1.0",
        description="Move virtual time, break and mend things, issue tokens, read syslog.",
        default_response_class=AsciiJSONResponse,
    )
    app.router.route_class = _contained_route(lab)
    # Outside the routes, so /docs and /openapi.json are behind the token as well.
    app.add_middleware(ControlTokenGuard, token=lab.options.control_token)
    # The trainer's console on `/`; its sign-in runs before the guard (sim/lab/console).
    console.install(app, lab)
    sim = lab.simulation

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": [str(part) for part in e.get("loc", ())], "msg": str(e.get("msg", ""))}
            for e in exc.errors()
            if isinstance(e, dict)
        ]
        return AsciiJSONResponse({"error": "malformed request", "detail": errors}, status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return AsciiJSONResponse({"error": str(exc.detail)}, status_code=exc.status_code)

    guard: list[Any] = []
    errors: dict[int | str, dict[str, Any]] = {
        400: {"model": ErrorBody},
        401: {"model": ErrorBody},
        500: {"model": InternalErrorBody, "description": "A bug, recorded as an incident"},
    }

    def clock_view() -> ClockView:
        jump = lab.jump
        return ClockView(
            now=lab.now().isoformat(),
            rate=lab.clock.rate,
            jump=None if jump is None else _jump_view(jump.progress()),
        )

    @app.get("/sim/clock", dependencies=guard, responses=errors)
    async def clock() -> ClockView:
        """Virtual time, its rate, and the jump running now (null when none)."""
        return clock_view()

    jump_errors = {**errors, 409: {"model": ErrorBody, "description": "A jump is running"}}

    @app.post(
        "/sim/clock/advance",
        dependencies=guard,
        response_model=AdvanceResult,
        responses={**jump_errors, 202: {"model": ClockView, "description": "Jump started"}},
    )
    async def advance(body: Advance) -> Response:
        """Run every event up to now + seconds, serving requests meanwhile; answers when done
        (`cancelled` if DELETE stopped it), or at once with 202 when `wait` is false."""
        try:
            jump = await lab.start_jump(timedelta(seconds=body.seconds))
        except JumpRunning as exc:
            raise HTTPException(409, str(exc)) from None
        if not body.wait:
            return AsciiJSONResponse(clock_view().model_dump(by_alias=True), status_code=202)
        await lab.finish(jump)
        view = AdvanceResult(
            now=lab.now().isoformat(), rate=lab.clock.rate, cancelled=jump.cancelled
        )
        return AsciiJSONResponse(view.model_dump(by_alias=True))

    @app.delete(
        "/sim/clock/advance",
        dependencies=guard,
        responses={**errors, 404: {"model": ErrorBody, "description": "No jump is running"}},
    )
    async def cancel_advance() -> AdvanceResult:
        """Stop the running jump at its next slice boundary; answers the time it reached."""
        jump = await lab.cancel_jump()
        if jump is None:
            raise HTTPException(404, "no clock jump is running")
        return AdvanceResult(
            now=lab.now().isoformat(), rate=lab.clock.rate, cancelled=jump.cancelled
        )

    def set_rate(change: Callable[[], None]) -> ClockView:
        refusal = lab.refusal(front_end=False)
        if refusal is not None:
            raise HTTPException(409, refusal)
        change()
        lab.activity.add(lab.now(), "rate", via="control", rate=lab.clock.rate)
        return clock_view()

    @app.post("/sim/clock/pause", dependencies=guard, responses=errors)
    async def pause() -> ClockView:
        """Stop virtual time flowing with real time; jumps (`advance`) still work."""
        return set_rate(lab.pause)

    @app.post("/sim/clock/resume", dependencies=guard, responses=errors)
    async def resume() -> ClockView:
        """Flow again at the rate before the last pause (the lab's own rate if none)."""
        return set_rate(lab.resume)

    @app.post("/sim/clock/rate", dependencies=guard, responses=errors)
    async def rate(body: RateChange) -> ClockView:
        """Virtual seconds per real second from now on (0 pauses); kept over a restart."""
        return set_rate(lambda: lab.set_rate(body.rate))

    @app.get("/sim/switches", dependencies=guard, responses=errors)
    async def switches() -> list[SwitchView]:
        views = []
        for entry in lab.endpoints.switches:
            switch = sim.switch(entry.name)
            views.append(
                SwitchView(
                    name=entry.name,
                    hostname=switch.hostname,
                    udi=entry.udi,
                    pid=entry.pid,
                    serial=entry.serial,
                    host=entry.host,
                    ssh_port=entry.ssh_port,
                    nxapi_port=entry.nxapi_port,
                    username=lab.options.username,
                )
            )
        return views

    @app.get("/sim/faults", dependencies=guard, responses=errors)
    async def faults() -> list[FaultView]:
        return [
            FaultView(id=f.id, target=f.target, kind=f.kind, params=f.params)
            for f in sim.network.faults.values()
        ]

    @asynccontextmanager
    async def operator_change(kind: ActivityKind, *, settle: bool = True) -> AsyncIterator[Logged]:
        """One change made through this API, under the lab's lock.

        The body fills in what the activity log records; unless it raises, the switches then
        react to the change (`settle`) and the lab is saved before the route answers.
        """
        async with lab.lock:
            # As for a CLI line (sim/lab/access.py): what was due first, then one instant.
            await sim.scheduler.settle()
            lab.clock.advance_to(lab.now())
            logged: Logged = {}
            yield logged
            lab.activity.add(lab.now(), kind, via="control", **logged)
            if settle:
                await sim.scheduler.settle()
            lab.persist()

    @app.post("/sim/faults", dependencies=guard, responses=errors)
    async def add_fault(body: FaultCreate) -> FaultCreated:
        params = dict(body.model_extra or {})
        async with operator_change("fault") as logged:
            try:
                fault_id = sim.add_fault(body.target, body.kind, params)
            except (ValueError, KeyError, TypeError) as exc:
                raise HTTPException(400, str(exc)) from None
            logged.update(target=body.target, kind=body.kind, params=params, fault_id=fault_id)
        return FaultCreated(id=fault_id)

    @app.delete("/sim/faults/{fault_id}", dependencies=guard, responses=errors)
    async def remove_fault(fault_id: int) -> dict[str, int]:
        async with operator_change("clear") as logged:
            fault = sim.network.faults.get(fault_id)
            if fault is None or not sim.remove_fault(fault_id):
                raise HTTPException(404, f"no fault with id {fault_id}")
            logged.update(
                target=fault.target, kind=fault.kind, params=dict(fault.params), fault_id=fault_id
            )
        return {"removed": fault_id}

    @app.delete("/sim/faults", dependencies=guard, responses=errors)
    async def clear_faults() -> dict[str, int]:
        async with operator_change("clear_all") as logged:
            count = len(sim.network.faults)
            sim.clear_all_faults()
            logged.update(removed=count)
        return {"removed": count}

    @app.post("/sim/tokens", dependencies=guard, responses=errors)
    async def token(body: TokenRequest) -> TokenCreated:
        async with operator_change("token", settle=False) as logged:
            try:
                text = sim.issue_token(body.issuer, virtual_account=body.virtual_account)
            except (ValueError, LookupError) as exc:
                raise HTTPException(400, str(exc).strip("'\"")) from None
            logged.update(issuer=body.issuer, virtual_account=body.virtual_account, token=text)
        return TokenCreated(token=text)

    @app.get("/sim/actions", dependencies=guard, responses=errors)
    async def actions() -> list[ActionView]:
        """What a person can do in the back ends' UIs (scenarios/README.md documents them)."""
        return [ActionView(target=t, action=a) for t, a in sorted(sim.operator.actions())]

    @app.post("/sim/actions", dependencies=guard, responses=errors)
    async def run_action(body: ActionRequest) -> ActionResult:
        params = dict(body.model_extra or {})
        async with operator_change("action") as logged:
            try:
                result = sim.backend_action(body.target, body.action, params)
            except (ValueError, LookupError) as exc:
                raise HTTPException(400, str(exc)) from None
            logged.update(target=body.target, action=body.action, params=params, result=result)
        return ActionResult(result=result)

    @app.get("/sim/files", dependencies=guard, responses=errors)
    async def files() -> list[FileView]:
        """The operator's workspace: files carried between switches and back ends."""
        return [FileView(name=n, size=len(d)) for n, d in sorted(sim.operator.files.items())]

    @app.get("/sim/files/{name}", dependencies=guard, responses=errors)
    async def get_file(name: FileName) -> Response:
        data = sim.operator.files.get(name)
        if data is None:
            raise HTTPException(404, f"no file {name!r} in the workspace")
        return Response(data, media_type="application/octet-stream")

    @app.put("/sim/files/{name}", dependencies=guard, responses=errors, status_code=201)
    async def put_file(name: FileName, request: Request) -> FileView:
        try:
            data = await bounded_body(request, MAX_FILE_BYTES)
        except BodyTooLarge:
            raise HTTPException(413, "the file is too large") from None
        await lab.put_file(name, data)  # committed before the 201 leaves
        return FileView(name=name, size=len(data))

    @app.get("/sim/incidents", dependencies=guard, responses=errors)
    async def incidents(
        since: int = Query(default=0, ge=0, le=2**62, description="Only incidents after this id"),
    ) -> IncidentList:
        """Unexpected exceptions the lab contained instead of stopping (sim/incidents.py)."""
        return IncidentList(
            incidents=[
                IncidentView(
                    id=i.id, at=i.at.isoformat(), where=i.where, summary=i.summary, detail=i.detail
                )
                for i in sim.incidents.since(since)
            ]
        )

    @app.get("/sim/syslog", dependencies=guard, responses=errors)
    async def syslog(
        switch: str | None = Query(default=None, max_length=64),
        since: str | None = Query(default=None, max_length=64),
    ) -> list[str]:
        names = [switch] if switch else list(sim.switches)
        for name in names:
            if name not in sim.switches:
                raise HTTPException(404, f"no switch named {name!r}")
        after = _parse_since(since)
        records = [r for name in names for r in sim.switches[name].syslog]
        if after is not None:
            records = [r for r in records if (r.sim_at or r.at) >= after]
        records.sort(key=lambda r: r.sim_at or r.at)
        return [r.logfile_line() for r in records]

    feed = SyslogFeed()
    for name, switch in sim.switches.items():
        feed.attach(name, switch)

    @app.get("/sim/syslog/follow", dependencies=guard, responses=errors)
    async def follow(
        after: int | None = Query(
            default=None, ge=0, le=2**62, description="The cursor of the last answer; none: now"
        ),
        switch: str | None = Query(default=None, max_length=64),
        wait: float = Query(default=5.0, ge=0, le=MAX_FOLLOW_WAIT_SECONDS, allow_inf_nan=False),
    ) -> FollowBatch:
        """New syslog lines as they are logged: ask again with the `cursor` answered."""
        if switch is not None and switch not in sim.switches:
            raise HTTPException(404, f"no switch named {switch!r}")
        batch = await feed.wait_after(feed.last if after is None else after, switch, wait)
        return FollowBatch(
            cursor=batch.cursor,
            missed=batch.missed,
            lines=[
                FollowedLine(switch=f.switch, severity=f.severity, line=f.line) for f in batch.lines
            ],
        )

    return app


def _jump_view(progress: JumpProgress) -> JumpView:
    return JumpView(
        from_=progress.start.isoformat(),
        to=progress.target.isoformat(),
        now=progress.now.isoformat(),
        fraction=progress.fraction,
        events=progress.events,
        cancelled=progress.cancelled,
    )


def _parse_since(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise HTTPException(400, f"since: expected an ISO-8601 time, got {text!r}") from None
    # No zone means UTC, as everywhere else in slpsim (scenario `start:`, the switch clock).
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when
