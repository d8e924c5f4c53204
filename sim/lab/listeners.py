"""Real HTTP for the lab: one uvicorn server listening on many loopback ports.

Each port serves its own ASGI app (a back end, a switch's NX-API, the control API); the
dispatcher picks the app by the port the connection arrived on. One server keeps a lab of a
hundred switches at one event loop and a handful of tasks.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import uvicorn

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
Asgi = Callable[[Scope, Receive, Send], Awaitable[None]]


class PortInUseError(OSError):
    """A requested port is taken; the message names it."""


def bind(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise PortInUseError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    sock.listen(128)
    sock.setblocking(False)
    return sock


class HttpListener:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self._apps: dict[int, Asgi] = {}
        self._sockets: list[socket.socket] = []
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    def add(self, app: Asgi, port: int = 0) -> int:
        """Bind a port for `app` (0 picks a free one); returns the bound port."""
        if self._server is not None:
            raise RuntimeError("add every app before start()")
        sock = bind(self.host, port)
        bound = int(sock.getsockname()[1])
        self._sockets.append(sock)
        self._apps[bound] = app
        return bound

    async def _dispatch(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            return
        server = scope.get("server") or ("", 0)
        app = self._apps.get(int(server[1]))
        if app is None:
            await send({"type": "http.response.start", "status": 404, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        await app(scope, receive, send)

    async def start(self) -> None:
        config = uvicorn.Config(
            self._dispatch,
            interface="asgi3",
            lifespan="off",
            log_level="warning",
            access_log=False,
        )
        config.load()
        server = uvicorn.Server(config)
        server.lifespan = config.lifespan_class(config)
        # startup/main_loop/shutdown rather than serve(): serve() takes over SIGINT, and the
        # lab owns Ctrl-C for an orderly stop of everything.
        await server.startup(sockets=self._sockets)
        self._server = server
        self._task = asyncio.create_task(server.main_loop())

    async def stop(self) -> None:
        server, task = self._server, self._task
        if server is None or task is None:
            return
        server.should_exit = True
        await task
        await server.shutdown(sockets=self._sockets)
        for sock in self._sockets:
            sock.close()
        self._server = self._task = None
