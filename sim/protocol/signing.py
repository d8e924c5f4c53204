"""Real signatures for what the back ends hand to switches (trust codes, policies, ACKs).

A back end owns a `Signer`: an ECDSA P-256 key and a self-signed X.509 certificate with a
validity window. Switches hold a `TrustStore` of the certificates they trust (as a real
image ships Cisco's). Verification fails on a bad signature, an unknown key, or when the
switch's own clock lies outside the certificate's validity - the "signature mismatch" of
a switch whose clock was never set.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from cryptography.x509.oid import NameOID
from pydantic import BaseModel, ConfigDict


class SignedDocument(BaseModel):
    """A JSON body (kept as the exact string that was signed) with its signature."""

    model_config = ConfigDict(extra="forbid")

    body: str
    signature: str
    key_id: str

    def content(self) -> dict[str, Any]:
        loaded = json.loads(self.body)
        if not isinstance(loaded, dict):
            raise SignatureError("signed body is not an object")
        return loaded


# Stateless and shared: one instance serves every sign and verify.
_ECDSA_SHA256 = ec.ECDSA(hashes.SHA256())


class SignatureError(ValueError):
    """The document cannot be trusted: bad signature, unknown signer or certificate expired."""


# What json.dumps(body, sort_keys=True, separators=(",", ":")) builds on every call, built once.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"))


def canonical_json(body: dict[str, Any]) -> str:
    return _CANONICAL.encode(body)


class Signer:
    """A back end's signing identity."""

    def __init__(self, name: str, valid_from: datetime, valid_until: datetime) -> None:
        self.name = name
        self._key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        self.certificate = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(self._key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(valid_from)
            .not_valid_after(valid_until)
            .sign(self._key, hashes.SHA256())
        )
        self.key_id = self.certificate.fingerprint(hashes.SHA256()).hex()[:16]
        # Used by the `signature-invalid` fault: same key id, wrong key.
        self._rogue_key = ec.generate_private_key(ec.SECP256R1())
        self.tampering = False

    # Keys are kept as PEM when a back end's state is saved (the lab's state dir): the same
    # identity after a restart, so switches keep trusting what it signed before.
    def __getstate__(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "key": _private_pem(self._key),
            "rogue": _private_pem(self._rogue_key),
            "certificate": self.certificate.public_bytes(serialization.Encoding.PEM),
            "tampering": self.tampering,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.name = state["name"]
        self._key = _load_private(state["key"])
        self._rogue_key = _load_private(state["rogue"])
        self.certificate = x509.load_pem_x509_certificate(state["certificate"])
        self.key_id = self.certificate.fingerprint(hashes.SHA256()).hex()[:16]
        self.tampering = state["tampering"]

    @classmethod
    def for_simulation(cls, name: str, start: datetime) -> Signer:
        """A certificate valid from a year before the simulation start for twenty years."""
        return cls(name, start - timedelta(days=365), start + timedelta(days=365 * 20))

    @property
    def certificate_pem(self) -> str:
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode()

    def sign(self, body: dict[str, Any]) -> SignedDocument:
        text = canonical_json(body)
        key = self._rogue_key if self.tampering else self._key
        raw = key.sign(text.encode(), _ECDSA_SHA256)
        return SignedDocument(
            body=text, signature=base64.b64encode(raw).decode(), key_id=self.key_id
        )


def _private_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _load_private(pem: bytes) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError("not an EC private key")
    return key


@dataclass
class TrustStore:
    """The certificates a switch accepts signatures from, by key id."""

    certificates: dict[str, x509.Certificate] = field(default_factory=dict)

    def __getstate__(self) -> dict[str, Any]:
        return {
            key_id: cert.public_bytes(serialization.Encoding.PEM)
            for key_id, cert in self.certificates.items()
        }

    def __setstate__(self, state: dict[str, bytes]) -> None:
        self.certificates = {k: x509.load_pem_x509_certificate(v) for k, v in state.items()}

    def add_pem(self, pem: str) -> None:
        cert = x509.load_pem_x509_certificate(pem.encode())
        self.certificates[cert.fingerprint(hashes.SHA256()).hex()[:16]] = cert

    def add_signer(self, signer: Signer) -> None:
        self.certificates[signer.key_id] = signer.certificate

    def _certificate(self, key_id: str) -> _ReadCertificate | None:
        cert = self.certificates.get(key_id)
        return _read_certificate(cert) if cert is not None else None

    def valid_at(self, key_id: str, at: datetime) -> bool:
        read = self._certificate(key_id)
        return read is not None and read.valid_from <= at <= read.valid_until

    def verify(self, document: SignedDocument, at: datetime) -> dict[str, Any]:
        """Return the document's content, or raise SignatureError."""
        read = self._certificate(document.key_id)
        if read is None:
            raise SignatureError("unknown signer")
        if not read.valid_from <= at <= read.valid_until:
            raise SignatureError("certificate not valid at the product instance time")
        public_key = read.public_key
        if public_key is None:
            public_key = read.public_key = read.certificate.public_key()
        if not isinstance(public_key, ec.EllipticCurvePublicKey):
            raise SignatureError("unsupported key type")
        try:
            raw = base64.b64decode(document.signature, validate=True)
            public_key.verify(raw, document.body.encode(), _ECDSA_SHA256)
        except (InvalidSignature, ValueError) as exc:
            raise SignatureError("signature does not match") from exc
        return document.content()


@dataclass(slots=True)
class _ReadCertificate:
    """What verifying reads of a certificate: its validity window and, once a signature was
    checked against it, its key."""

    certificate: x509.Certificate
    valid_from: datetime
    valid_until: datetime
    public_key: CertificatePublicKeyTypes | None = None


# Read once per certificate rather than at every ACK a switch checks; kept outside the trust
# stores, which are saved with a lab's state. Keyed by id(): an entry holds its certificate,
# so that id is not reused while the entry is there, and counts only for that very object.
_READ: dict[int, _ReadCertificate] = {}
_READ_KEPT = 256


def _read_certificate(cert: x509.Certificate) -> _ReadCertificate:
    read = _READ.get(id(cert))
    if read is None or read.certificate is not cert:
        if len(_READ) >= _READ_KEPT:
            _READ.clear()
        read = _ReadCertificate(cert, cert.not_valid_before_utc, cert.not_valid_after_utc)
        _READ[id(cert)] = read
    return read
