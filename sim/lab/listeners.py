"""Real HTTP for the lab: one uvicorn server listening on many loopback ports.

Each address and port serves its own ASGI app (a back end, a switch's NX-API, the control
API); the dispatcher picks the app by the address and port the connection arrived on, so
switches on addresses of their own may share a port number. One server keeps a lab of a
hundred switches at one event loop and a handful of tasks.

Replies go out without waiting on Nagle's algorithm (every small reply used to sit ~40 ms
behind a delayed ACK), and idle keep-alive connections live as long as common proxies keep
theirs, so a client reusing a connection does not race the server closing it.
"""

from __future__ import annotations

import asyncio
import errno
import socket
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import uvicorn

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
Asgi = Callable[[Scope, Receive, Send], Awaitable[None]]

# Seconds an idle keep-alive connection stays open (nginx and most load balancers: 60-75).
KEEP_ALIVE_SECONDS = 75
ANY_ADDRESS = "0.0.0.0"


class PortInUseError(OSError):
    """A requested port is taken (or cannot be used); the message names it."""

    def __init__(self, host: str, port: int, reason: str) -> None:
        super().__init__(f"cannot listen on {host}:{port}: {reason}")
        self.host = host
        self.port = port
        self.reason = reason

    @property
    def in_use(self) -> bool:
        return self.reason == "in use"


def bind(host: str, port: int) -> socket.socket:
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets whose proto says TCP,
    # and accepted connections inherit the listening socket's proto and its TCP_NODELAY.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        reason = "in use" if exc.errno == errno.EADDRINUSE else str(exc.strerror or exc)
        raise PortInUseError(host, port, reason) from exc
    sock.listen(128)
    sock.setblocking(False)
    return sock


def taken_port(host: str, ports: list[int]) -> PortInUseError | None:
    """The first of `ports` that cannot be listened on, checked before anything starts."""
    for port in ports:
        if port == 0:
            continue
        try:
            bind(host, port).close()
        except PortInUseError as exc:
            return exc
    return None


class HttpListener:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self._apps: dict[tuple[str, int], Asgi] = {}
        self._sockets: list[socket.socket] = []
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    def add(self, app: Asgi, port: int = 0, host: str | None = None) -> int:
        """Bind a port for `app` (0 picks a free one) on `host` (default: the listener's);
        returns the bound port."""
        if self._server is not None:
            raise RuntimeError("add every app before start()")
        sock = bind(host or self.host, port)
        address, bound = sock.getsockname()[:2]
        self._sockets.append(sock)
        self._apps[(str(address), int(bound))] = app
        return int(bound)

    async def _dispatch(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            return
        server = scope.get("server") or ("", 0)
        port = int(server[1])
        # A socket bound to every address sees the connection's own address here.
        app = self._apps.get((str(server[0]), port)) or self._apps.get((ANY_ADDRESS, port))
        if app is None:
            await send({"type": "http.response.start", "status": 404, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        await app(scope, receive, send)

    async def start(self) -> None:
        config = uvicorn.Config(
            self._dispatch,
            interface="asgi3",
            ws="wsproto",  # the console's CLI; a project dependency, unlike `websockets`
            lifespan="off",
            log_level="warning",
            access_log=False,
            timeout_keep_alive=KEEP_ALIVE_SECONDS,
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
            # Never started (a later port was taken): the ports bound so far are let go.
            for sock in self._sockets:
                sock.close()
            return
        server.should_exit = True
        await task
        await server.shutdown(sockets=self._sockets)
        for sock in self._sockets:
            sock.close()
        self._server = self._task = None
