"""The lab on the wire, each figure beside a reference measured in the same run: lab start-up
against FakeNOS starting as many hosts (when FakeNOS is installed), and NX-API requests per
second and median latency against a bare uvicorn app that answers the same body.

Run: .venv/bin/python benchmarks/lab_wire.py [--quick] [--switches 100] [--requests 500]
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import statistics
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from typing import Any

import httpx
import uvicorn
from bench_lab import free_port, lab_options

from sim.lab.background import BackgroundLab
from sim.lab.nxapi import ins_api_request

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

COMMAND = "show version"
REQUEST = ins_api_request(COMMAND, "cli_show")


def bare_app(body: bytes) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    """The least an HTTP server can do for the same request: read it, send the body back."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        more = True
        while more:
            more = (await receive()).get("more_body", False)
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    return app


@contextlib.contextmanager
def serving(body: bytes) -> Iterator[int]:
    """A bare uvicorn app on a free loopback port, on its own thread; yields the port."""
    port = free_port()
    config = uvicorn.Config(
        bare_app(body), host="127.0.0.1", port=port, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="bare-uvicorn", daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def requests(port: int, count: int, auth: tuple[str, str] | None) -> tuple[float, list[float]]:
    """`count` NX-API requests one after another on one keep-alive connection."""
    each = []
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", auth=auth, timeout=30) as client:
        client.post("/ins", json=REQUEST).raise_for_status()  # connect and warm up
        started = time.perf_counter()
        for _ in range(count):
            t0 = time.perf_counter()
            client.post("/ins", json=REQUEST).raise_for_status()
            each.append(time.perf_counter() - t0)
        total = time.perf_counter() - started
    return count / total, each


def fakenos_start(hosts: int) -> float | str:
    """Seconds FakeNOS takes to start `hosts` NX-OS hosts, or why it could not be measured."""
    if importlib.util.find_spec("fakenos") is None:
        return "FakeNOS not installed: `pip install fakenos` to compare"
    from fakenos import FakeNOS  # type: ignore[import-not-found]

    first = free_port()
    inventory = {
        "hosts": {
            "leaf": {
                "username": "admin",
                "password": "admin",
                "platform": "cisco_nxos",
                "replicas": hosts,
                "port": [first, first + hosts],
            }
        }
    }
    started = time.perf_counter()
    try:
        network = FakeNOS(inventory=inventory)
        network.start()
    except Exception as exc:  # a FakeNOS release that reads this inventory otherwise
        return f"FakeNOS did not start: {type(exc).__name__}: {exc}"
    elapsed = time.perf_counter() - started
    network.stop()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="10 switches, 100 requests")
    parser.add_argument("--switches", type=int)
    parser.add_argument("--requests", type=int)
    args = parser.parse_args()
    switches = args.switches or (10 if args.quick else 100)
    count = args.requests or (100 if args.quick else 500)
    options = lab_options(switches)
    started = time.perf_counter()
    with BackgroundLab(options) as lab:
        startup = time.perf_counter() - started
        port = lab.endpoints.switches[-1].nxapi_port
        auth = (options.username, options.password)
        body = httpx.post(f"http://127.0.0.1:{port}/ins", json=REQUEST, auth=auth).content
        lab_rate, lab_each = requests(port, count, auth)
    with serving(body) as bare_port:
        bare_rate, bare_each = requests(bare_port, count, None)
    reference = fakenos_start(switches)
    if isinstance(reference, str):
        print(f"lab start-up with {switches} switches: {startup:.2f} s ({reference})")
    else:
        print(
            f"lab start-up with {switches} switches: {startup:.2f} s,"
            f" FakeNOS with {switches} hosts: {reference:.2f} s"
        )
    lab_p50 = statistics.median(lab_each) * 1000
    bare_p50 = statistics.median(bare_each) * 1000
    print(
        f"NX-API `show version`: {lab_rate:,.0f} req/s, p50 {lab_p50:.2f} ms;"
        f" bare uvicorn app, same body: {bare_rate:,.0f} req/s, p50 {bare_p50:.2f} ms"
        f" ({lab_rate / bare_rate:.2f}x)"
    )


if __name__ == "__main__":
    main()
