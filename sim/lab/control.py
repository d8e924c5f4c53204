"""The lab's control API (DESIGN §6): time, switches, faults, tokens and syslog over HTTP JSON.

`slpsim clock|fault|token|switches|syslog` are thin clients of these routes. Errors are 4xx
JSON with a reason; with `--control-token` every route wants `Authorization: Bearer <token>`.
"""

from __future__ import annotations

import hmac
import math
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator
from starlette.exceptions import HTTPException as StarletteHTTPException

if TYPE_CHECKING:
    from sim.lab.lab import Lab

MAX_ADVANCE_SECONDS = 3650 * 86400.0
MAX_FILE_BYTES = 16 * 1024 * 1024


class ClockView(BaseModel):
    now: str
    rate: float


class Advance(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seconds: float = Field(ge=0, le=MAX_ADVANCE_SECONDS)

    @field_validator("seconds")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError("seconds must be a finite number")
        return value


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
    password: str


class FaultView(BaseModel):
    id: int
    target: str
    kind: str
    params: dict[str, Any] = {}


class FaultCreate(BaseModel):
    # Kind-specific parameters (seconds, duration, offset) ride along as extra keys.
    model_config = ConfigDict(extra="allow")

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


class ActionRequest(BaseModel):
    # The action's parameters (file, virtual_account, from_switch, ...) ride along as extras.
    model_config = ConfigDict(extra="allow")

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


def create_control_app(lab: Lab) -> FastAPI:
    app = FastAPI(
        title="slpsim lab control API",
        version="1.0",
        description="Move virtual time, break and mend things, issue tokens, read syslog.",
    )
    sim = lab.simulation

    async def authorized(request: Request) -> None:
        token = lab.options.control_token
        if token is None:
            return
        given = request.headers.get("authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            raise HTTPException(401, "a control token is required (Authorization: Bearer ...)")

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", ""))} for e in exc.errors()
        ]
        return JSONResponse({"error": "malformed request", "detail": errors}, status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code)

    guard = [Depends(authorized)]
    errors: dict[int | str, dict[str, Any]] = {400: {"model": ErrorBody}, 401: {"model": ErrorBody}}

    @app.get("/sim/clock", dependencies=guard, responses=errors)
    async def clock() -> ClockView:
        return ClockView(now=lab.now().isoformat(), rate=lab.clock.rate)

    @app.post("/sim/clock/advance", dependencies=guard, responses=errors)
    async def advance(body: Advance) -> ClockView:
        await lab.advance(timedelta(seconds=body.seconds))
        return ClockView(now=lab.now().isoformat(), rate=lab.clock.rate)

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
                    host=lab.options.host,
                    ssh_port=entry.ssh_port,
                    nxapi_port=entry.nxapi_port,
                    username=lab.options.username,
                    password=lab.options.password,
                )
            )
        return views

    @app.get("/sim/faults", dependencies=guard, responses=errors)
    async def faults() -> list[FaultView]:
        return [
            FaultView(id=f.id, target=f.target, kind=f.kind, params=f.params)
            for f in sim.network.faults.values()
        ]

    @app.post("/sim/faults", dependencies=guard, responses=errors)
    async def add_fault(body: FaultCreate) -> FaultCreated:
        params = dict(body.model_extra or {})
        async with lab.lock:
            try:
                fault_id = sim.add_fault(body.target, body.kind, params)
            except (ValueError, KeyError, TypeError) as exc:
                raise HTTPException(400, str(exc)) from None
            await sim.scheduler.settle()
            lab.persist()
        return FaultCreated(id=fault_id)

    @app.delete("/sim/faults/{fault_id}", dependencies=guard, responses=errors)
    async def remove_fault(fault_id: int) -> dict[str, int]:
        async with lab.lock:
            if not sim.remove_fault(fault_id):
                raise HTTPException(404, f"no fault with id {fault_id}")
            await sim.scheduler.settle()
            lab.persist()
        return {"removed": fault_id}

    @app.delete("/sim/faults", dependencies=guard, responses=errors)
    async def clear_faults() -> dict[str, int]:
        async with lab.lock:
            count = len(sim.network.faults)
            sim.clear_all_faults()
            await sim.scheduler.settle()
            lab.persist()
        return {"removed": count}

    @app.post("/sim/tokens", dependencies=guard, responses=errors)
    async def token(body: TokenRequest) -> TokenCreated:
        async with lab.lock:
            try:
                text = sim.issue_token(body.issuer, virtual_account=body.virtual_account)
            except (ValueError, LookupError) as exc:
                raise HTTPException(400, str(exc).strip("'\"")) from None
            lab.persist()
        return TokenCreated(token=text)

    @app.get("/sim/actions", dependencies=guard, responses=errors)
    async def actions() -> list[ActionView]:
        """What a person can do in the back ends' UIs (scenarios/README.md documents them)."""
        return [ActionView(target=t, action=a) for t, a in sorted(sim.operator.actions())]

    @app.post("/sim/actions", dependencies=guard, responses=errors)
    async def run_action(body: ActionRequest) -> ActionResult:
        params = dict(body.model_extra or {})
        async with lab.lock:
            try:
                result = sim.backend_action(body.target, body.action, params)
            except (ValueError, LookupError) as exc:
                raise HTTPException(400, str(exc)) from None
            await sim.scheduler.settle()
            lab.persist()
        return ActionResult(result=result)

    @app.get("/sim/files", dependencies=guard, responses=errors)
    async def files() -> list[FileView]:
        """The operator's workspace: files carried between switches and back ends."""
        return [FileView(name=n, size=len(d)) for n, d in sorted(sim.operator.files.items())]

    @app.get("/sim/files/{name}", dependencies=guard, responses=errors)
    async def get_file(name: str) -> Response:
        data = sim.operator.files.get(name)
        if data is None:
            raise HTTPException(404, f"no file {name!r} in the workspace")
        return Response(data, media_type="application/octet-stream")

    @app.put("/sim/files/{name}", dependencies=guard, responses=errors, status_code=201)
    async def put_file(name: str, request: Request) -> FileView:
        data = await request.body()
        if len(data) > MAX_FILE_BYTES:
            raise HTTPException(413, "the file is too large")
        async with lab.lock:
            sim.operator.files[name] = data
        return FileView(name=name, size=len(data))

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

    return app


def _parse_since(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise HTTPException(400, f"since: expected an ISO-8601 time, got {text!r}") from None
    if when.tzinfo is None:
        raise HTTPException(400, "since: give a timezone (e.g. 2026-01-05T09:00:00Z)")
    return when
