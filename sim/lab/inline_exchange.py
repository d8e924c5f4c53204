"""A lab's back ends reached in-process while a clock jump runs.

In real time a lab's switches reach CSSM, CSLU and SSM On-Prem over real HTTP on the lab's
own ports, one request at a time, as a real switch would. A clock jump compresses months into
seconds: a year of a hundred switches is tens of thousands of exchanges, and a loopback HTTP
round trip (request building, sockets, the server's parsing, the app's middleware) costs
several times what the back end's model does with the message. Nobody can watch those
requests go by on the wire in virtual time, so during a jump the lab hands each device message
straight to the back end's model instead (sim/exchange.py: the same JSON bytes, validators,
status codes and faults, proven identical by running every scenario both ways), and keeps
what its HTTP wrappers add:

- the back end commits its state before the reply reaches the switch (the durability rule of
  sim/lab/persistence.py), and a commit that fails answers 503 rather than the reply;
- a lab that has failed answers 503 with its reason, as its HTTP listeners do;
- anything that is not a device message goes over the wire as before.

When the jump ends, the switches reach the back ends over HTTP again.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from sim.exchange import DeviceRoute, DirectExchange, device_route
from sim.lab.persistence import CommitFailed
from sim.protocol.errors import CommError
from sim.transport import Exchange, WireReply

# A lab's reason for refusing a request now (None: serve it), as its HTTP guard asks it.
Refusal = Callable[[], str | None]


class InlineExchange:
    """One back end of a lab, its device messages answered in-process (see the docstring)."""

    def __init__(
        self,
        routes: tuple[DeviceRoute, ...],
        wire: Exchange,
        *,
        commit: Callable[[], None],
        refusal: Refusal,
    ) -> None:
        self.routes = routes
        self.wire = wire
        self.commit = commit
        self.refusal = refusal

    async def post(self, url: str, body: bytes, netloc: str) -> WireReply | CommError:
        found = device_route(self.routes, url)
        if found is None:
            return await self.wire.post(url, body, netloc)
        reason = self.refusal()
        if reason is not None:
            return _unavailable(reason)
        reply = DirectExchange.answer(*found, body)
        try:
            self.commit()
        except CommitFailed:
            # The reply must not leave: the lab stops, and says why, as over HTTP.
            return _unavailable(self.refusal() or "the lab could not save its state")
        return reply

    async def aclose(self) -> None:
        """The wire endpoint belongs to the simulation, which closes it."""


def _unavailable(reason: str) -> WireReply:
    # As the lab's HTTP guard answers (ensure_ascii JSON, 503).
    return WireReply(503, json.dumps({"error": reason}).encode("ascii"))
