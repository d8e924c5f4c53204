"""A lab on its own thread and event loop, for synchronous callers (tests, notebooks, scripts).

    with BackgroundLab(LabOptions(switches=2, rate=0)) as lab:
        ...  # connect netmiko / httpx to lab.endpoints; lab.advance(timedelta(hours=4))

The lab serves from the background loop; `advance` and `call` hand work to that loop and wait
for the result, so the caller never touches the simulation from the wrong thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from datetime import datetime, timedelta
from types import TracebackType
from typing import TypeVar

from sim.lab.lab import Lab, LabEndpoints, LabOptions

T = TypeVar("T")
START_TIMEOUT_SECONDS = 120.0


class BackgroundLab:
    def __init__(self, options: LabOptions) -> None:
        self.options = options
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._main, name="slpsim-lab", daemon=True)
        self._started: Future[Lab] = Future()
        self._lab: Lab | None = None

    def _main(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._serve())
        finally:
            self._loop.close()

    async def _serve(self) -> None:
        try:
            lab = Lab(self.options)
        except BaseException as exc:  # handed to the caller's thread, raised there
            self._started.set_exception(exc)
            return
        try:
            await lab.start()
        except BaseException as exc:
            # Whatever did start (listeners, the state dir) is closed again; nothing is saved
            # over a state dir that may not have been restored.
            with contextlib.suppress(Exception):
                await lab.stop()
            self._started.set_exception(exc)
            return
        self._lab = lab
        self._started.set_result(lab)
        try:
            await lab.run_until_stopped()
        finally:
            await lab.stop()

    def start(self) -> Lab:
        self._thread.start()
        return self._started.result(timeout=START_TIMEOUT_SECONDS)

    def stop(self) -> None:
        lab = self._lab
        if lab is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(lab.request_stop)
        self._thread.join(timeout=60)

    def __enter__(self) -> BackgroundLab:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ---------------------------------------------------------------- use

    @property
    def lab(self) -> Lab:
        if self._lab is None:
            raise RuntimeError("the lab is not running")
        return self._lab

    @property
    def endpoints(self) -> LabEndpoints:
        return self.lab.endpoints

    def call(self, make: Callable[[], Awaitable[T]], timeout: float | None = 600) -> T:
        """Run a coroutine on the lab's loop and wait for its result."""

        async def wrapped() -> T:
            return await make()

        return asyncio.run_coroutine_threadsafe(wrapped(), self._loop).result(timeout)

    def advance(self, delta: timedelta) -> datetime:
        return self.call(lambda: self.lab.advance(delta))

    def now(self) -> datetime:
        return self.call(self._now)

    async def _now(self) -> datetime:
        return self.lab.now()
