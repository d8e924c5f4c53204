"""A switch's side of the device messages, for the tests of the back-end mocks.

Each message gets a fresh nonce and the clock's time. Every reply must answer with status
200, echo the nonce, carry the back end's time and, where the back end signs, name its key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx

from cssm_mock.timestamps import epoch_ms
from sim.clock import VirtualClock
from sim.protocol.messages import (
    AckBody,
    PollRequest,
    Reply,
    RumReportWire,
    Sudi,
    TrustCodeBody,
    TrustRequest,
    UsageReportRequest,
)
from sim.protocol.signing import TrustStore


@dataclass(kw_only=True)
class DeviceSession:
    clock: VirtualClock
    client: httpx.AsyncClient
    store: TrustStore  # the switch's: the certificates it checks what it receives with
    path: str  # where the switch posts its messages
    sudi: Sudi  # the switch a message comes from unless it names another
    hostname: str = "leaf1"
    nonces: int = 0

    def server_key_id(self) -> str | None:
        """The key every reply must name; None where the back end signs nothing itself."""
        return None

    def envelope(self, sudi: Sudi | None = None, skew: timedelta = timedelta(0)) -> dict[str, Any]:
        self.nonces += 1
        return {
            "timestamp": epoch_ms(self.clock.now() + skew),
            "nonce": f"nonce{self.nonces:04d}",
            "sudi": sudi or self.sudi,
            "hostname": self.hostname,
        }

    async def send(self, request: Any) -> Reply:
        response = await self.client.post(self.path, content=request.model_dump_json())
        assert response.status_code == 200, response.text
        reply = Reply.model_validate(response.json())
        assert reply.nonce == request.nonce
        assert reply.timestamp == epoch_ms(self.clock.now())
        key_id = self.server_key_id()
        if key_id is not None:
            assert reply.server_key_id == key_id
        return reply

    async def trust(
        self,
        token: str,
        *,
        sudi: Sudi | None = None,
        force: bool = False,
        skew: timedelta = timedelta(0),
    ) -> Reply:
        return await self.send(
            TrustRequest(**self.envelope(sudi, skew), id_token=token, force=force)
        )

    async def trusted(self, token: str, sudi: Sudi | None = None) -> TrustCodeBody:
        """Trust established with `token`: the verified trust code."""
        reply = await self.trust(token, sudi=sudi)
        assert reply.status == "SUCCESS" and reply.trust_code is not None, reply
        return TrustCodeBody.model_validate(self.store.verify(reply.trust_code, self.clock.now()))

    async def push(
        self,
        reports: list[RumReportWire],
        *,
        trust_id: str | None = None,
        policy_id: str | None = None,
        sudi: Sudi | None = None,
    ) -> Reply:
        return await self.send(
            UsageReportRequest(
                **self.envelope(sudi), trust_id=trust_id, policy_id=policy_id, reports=reports
            )
        )

    async def poll(self, poll_id: int, sudi: Sudi | None = None) -> Reply:
        return await self.send(PollRequest(**self.envelope(sudi), poll_id=poll_id))

    def verified_ack(self, reply: Reply) -> AckBody:
        assert reply.status == "COMPLETE", reply
        assert reply.ack is not None
        return AckBody.model_validate(self.store.verify(reply.ack, self.clock.now()))
