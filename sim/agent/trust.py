"""Trust code install: requesting one with an ID token, and installing what comes back."""

from __future__ import annotations

import base64
from datetime import datetime

from pydantic import ValidationError

from sim.agent.exchanges import Exchanges
from sim.agent.records import Pending, TrustCode, ms
from sim.agent.states import Channel, Transport
from sim.protocol.errors import CommError, Refusal
from sim.protocol.messages import Reply, Sudi, TrustCodeBody, TrustRequest
from sim.protocol.signing import SignatureError
from sim.syslog import Message


class TrustInstall(Exchanges):
    def trust_idtoken(self, now: datetime, token: str, *, scope: str, force: bool) -> None:
        if self.config.transport is Transport.OFF:
            self._log(
                now, Message.TRUST_CODE_INSTALL_FAILED, self.sudi.display, CommError.NO_URL.text
            )
            return
        self._event(now, "Trust code install requested" + (" (force)" if force else ""))
        self._request_trust(now, token, scope=scope, force=force, udi=None)
        if scope == "all" and self.standby is not None:
            # `all` covers the standby supervisor too; `local` only the active.
            self._request_trust(now, token, scope=scope, force=force, udi=self.standby)

    def _request_trust(
        self, now: datetime, token: str, *, scope: str, force: bool, udi: Sudi | None
    ) -> None:
        request = TrustRequest(
            timestamp=ms(now),
            nonce=self._nonce(),
            sudi=udi or self.sudi,
            hostname=self.hostname,
            id_token=token,
            force=force,
            scope="all" if scope == "all" else "local",
        )
        pending = Pending(
            Channel.TRUST_ESTABLISHMENT,
            now,
            id_token=token,
            force=force,
            scope=request.scope,
            udi=udi,
        )
        self._send(request, pending)

    def _on_trust_reply(self, now: datetime, pending: Pending, reply: Reply) -> None:
        target = pending.udi or self.sudi
        udi = target.display
        # A message is trusted only if the signer's certificate is valid at our clock; a switch
        # whose clock is far off sees a signature mismatch before it can read any answer.
        # (A CSLU signs nothing: its refusals carry no key id and are read as they are.)
        if reply.server_key_id and not self.trust_store.valid_at(reply.server_key_id, now):
            self._trust_failed(now, Refusal.SIGNATURE_MISMATCH.text, target)
            return
        if reply.status != "SUCCESS" or reply.trust_code is None:
            self._trust_failed(now, Refusal.from_code(reply.message_code).text, target)
            return
        try:
            body = TrustCodeBody.model_validate(self.trust_store.verify(reply.trust_code, now))
        except (SignatureError, ValidationError):
            self._trust_failed(now, Refusal.SIGNATURE_MISMATCH.text, target)
            return
        if body.udi != target or target not in (self.sudi, self.standby):
            # Not for this UDI, or for a supervisor no longer in the chassis.
            self._trust_failed(now, Refusal.SIGNATURE_MISMATCH.text, target)
            return
        code = TrustCode(
            trust_id=body.trust_id,
            installed_at=now,
            smart_account=body.smart_account,
            virtual_account=body.virtual_account,
            secret=base64.b64decode(body.secret),
        )
        if target == self.sudi:
            self.trust = code
        else:
            self.standby_trust = code
        self._history(now, Channel.TRUST_ESTABLISHMENT, "SUCCESS")
        self._event(now, "Trust code installed" + ("" if target == self.sudi else " (standby)"))
        self._log(now, Message.TRUST_CODE_INSTALL_SUCCESS, udi)
        self._reschedule_push(now)

    def _trust_failed(self, now: datetime, reason: str, udi: Sudi | None = None) -> None:
        self._history(now, Channel.TRUST_ESTABLISHMENT, f"FAILED: {reason}")
        self._log(now, Message.TRUST_CODE_INSTALL_FAILED, (udi or self.sudi).display, reason)
