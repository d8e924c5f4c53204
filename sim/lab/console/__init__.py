"""The trainer's web console: a live picture of a running lab, served on the control port's `/`.

`install(app, lab)` adds to the control app the page and its assets (all package files, nothing
from a network), `GET /sim/console/state` (a snapshot: topology, each switch's licensing, faults,
the fault catalogue, recent syslog and timeline), `GET /sim/console/events` (server-sent
events: the snapshot, then small incremental updates) and the WebSocket
`/sim/console/cli/{switch}` (a switch's CLI). The page drives time, faults, tokens and actions
through the ordinary `/sim` routes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request, WebSocket
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles

from sim.lab.console.session import ConsoleSignIn, page_bytes
from sim.lab.console.terminal import serve_terminal
from sim.lab.console.updates import ConsoleHub

if TYPE_CHECKING:
    from sim.lab.lab import Lab

__all__ = ["ConsoleHub", "install"]


def install(app: FastAPI, lab: Lab) -> ConsoleHub:
    """Add the console to the control app; call after its token guard is added."""
    hub = ConsoleHub(lab)
    # Added last, so it runs first: it turns the console's cookie into the bearer token.
    app.add_middleware(ConsoleSignIn, token=lab.options.control_token)
    static = _static_dir()
    app.mount("/console/static", StaticFiles(directory=static), name="console-static")

    @app.get("/", include_in_schema=False, response_class=HTMLResponse)
    async def page() -> Response:
        return HTMLResponse(page_bytes("index.html"), headers={"cache-control": "no-store"})

    @app.get("/sim/console/state", tags=["console"])
    async def state() -> dict[str, Any]:
        """Everything the console draws, as of now (its `events` stream starts with the same)."""
        return hub.snapshot()

    @app.get("/sim/console/events", tags=["console"], response_class=StreamingResponse)
    async def events(request: Request) -> StreamingResponse:
        """Server-sent events: a `snapshot`, then `update`s with what changed; `reset` asks
        the viewer to connect again (it fell too far behind)."""
        return StreamingResponse(
            hub.stream(),
            media_type="text/event-stream",
            headers={"cache-control": "no-store", "x-accel-buffering": "no"},
        )

    @app.websocket("/sim/console/cli/{switch}")
    async def cli(socket: WebSocket, switch: str) -> None:
        await serve_terminal(lab, socket, switch)

    return hub


def _static_dir() -> str:
    from importlib import resources

    return str(resources.files("sim.lab.console").joinpath("static"))
