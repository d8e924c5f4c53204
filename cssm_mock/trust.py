"""Trust codes: the shared secret CSSM hands a product instance in exchange for an ID token."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import datetime


@dataclass
class TrustRecord:
    trust_id: str
    secret: str  # base64, as handed to the switch inside the trust code
    installed: datetime
    token: str

    @classmethod
    def issue(cls, token: str, now: datetime) -> TrustRecord:
        """A new trust code for a product instance, established with `token`."""
        return cls(
            trust_id=secrets.token_hex(16),
            secret=base64.b64encode(secrets.token_bytes(32)).decode(),
            installed=now,
            token=token,
        )

    @property
    def secret_bytes(self) -> bytes:
        return base64.b64decode(self.secret)
