"""Every error string the switch puts into a `[chars]` field, in one table.

`CommError` fills the second `[chars]` of COMM_FAILED; `Refusal` is why a back end refused
a request (trust code, policy), as the switch reports it in TRUST_CODE_INSTALL_FAILED or
POLICY_INSTALL_FAILED.
"""

from __future__ import annotations

from enum import Enum


class CommError(Enum):
    DNS = "Unable to resolve server hostname/domain name"
    UNREACHABLE = "Couldn't connect to server"
    HTTP_404 = "HTTP status 404: host not found"
    HTTP_500 = "HTTP status 500: internal server error"
    HTTP_OTHER = "Unexpected HTTP status from server"
    EMPTY_RESPONSE = "Received empty response from server"
    TLS_INVALID = "Cannot establish secure connection because server TLS cert cannot be validated"
    TIMEOUT = "Timeout was reached"
    BAD_RESPONSE = "Received invalid response from server"
    NO_URL = "No destination URL configured"

    @property
    def text(self) -> str:
        return self.value


class Refusal(Enum):
    TRUST_ALREADY_INSTALLED = (
        "already_installed",
        "A trust code is already installed for this product instance; use force to replace it",
    )
    SA_VA_MISMATCH = (
        "sa_va_mismatch",
        "Smart Account-Virtual Account mismatch: the product instance is not in the token's "
        "account",
    )
    TIMESTAMP_MISMATCH = (
        "timestamp_mismatch",
        "Timestamp mismatch: the product instance time is not synchronized with CSSM",
    )
    SIGNATURE_MISMATCH = (
        "signature_mismatch",
        "Signature mismatch: the signature could not be verified with the system clock",
    )
    INVALID_TOKEN = ("invalid_token", "The ID token is not valid")
    EXPIRED_TOKEN = ("expired_token", "The ID token has expired")
    TOKEN_EXHAUSTED = ("token_exhausted", "The ID token has been used the maximum number of times")
    NOT_TRUSTED = (
        "not_trusted",
        "Insufficient trust for direct communication: install a trust code",
    )
    DUPLICATE_REPORT = ("duplicate_report", "The usage report was already received")
    BAD_REPORT_SIGNATURE = ("bad_report_signature", "The usage report signature is not valid")
    UNKNOWN_POLL = ("unknown_poll", "Unknown poll identifier")
    MALFORMED = ("malformed", "The request could not be parsed")
    COMMUNICATION = ("communication", "Communications failure")
    # A down-rev SSM On-Prem answers usage reports with this; the switch then logs
    # REPORTING_NOT_SUPPORTED and stops its renewals.
    REPORTING_NOT_SUPPORTED = (
        "reporting_not_supported",
        "This server does not support the enhanced policy and usage reporting mode",
    )
    UNKNOWN_PRODUCT = ("unknown_product", "The product instance is not known to this server")

    @property
    def code(self) -> str:
        return self.value[0]

    @property
    def text(self) -> str:
        return self.value[1]

    @classmethod
    def from_code(cls, code: str | None) -> Refusal:
        for refusal in cls:
            if refusal.code == code:
                return refusal
        return cls.MALFORMED
