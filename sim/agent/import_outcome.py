"""What `license smart import` tells the person who typed it: every text in one table.

The outcome of an import is printed at once (unlike the network exchanges, whose outcome
arrives as %LICMGR syslog), in the IOS-XE wording where one is known ("Import Data
Successful"); failures start with `%`, as NX-OS errors do, and say what to fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from sim.protocol.errors import Refusal

_FAILED = "% Import Data Failed: "


class ImportOutcome(Enum):
    SUCCESS = "Import Data Successful"
    FILE_NOT_FOUND = _FAILED + "{detail}: No such file or directory"
    NOT_A_LICENSE_FILE = _FAILED + "{detail}"  # the file format error, as a sentence
    NOT_AN_ACK = _FAILED + "the signed data in the file is not a usage report acknowledgement"
    NOT_A_POLICY = _FAILED + "the signed data in the file is not a licensing policy"
    OTHER_PRODUCT = _FAILED + "the acknowledgement is for another product instance ({detail})"
    SIGNATURE_MISMATCH = _FAILED + Refusal.SIGNATURE_MISMATCH.text
    TIMESTAMP_MISMATCH = _FAILED + Refusal.TIMESTAMP_MISMATCH.text


@dataclass(frozen=True)
class ImportResult:
    outcome: ImportOutcome
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome is ImportOutcome.SUCCESS

    @property
    def text(self) -> str:
        return self.outcome.value.format(detail=self.detail)
