"""The files people carry by hand between switches, CSLU, SSM On-Prem and CSSM.

Formats follow the public samples: a switch's usage file is `<smartLicense>` holding a
`<smartLicenseSystemInfo>` and one `<RUMReport><![CDATA[...]]>` per report; an ACK file is
`<smartLicense>` holding `<smartLicenseRumAck><data>` and optional `<smartLicensePolicy>`
elements; a stand-alone policy file has root `<smartLicensePolicy>`. Inside `<data>` we put a
`SignedDocument` as JSON (Cisco's content there is not public). Multi-device bundles (CSLU's
"Download All For Cisco", On-Prem's "Export Usage to Cisco") are gzip tarballs: `manifest.mf`
plus `UD_VA_<ts>.tar.gz` holding one `dev_<n>_<ts>.txt` usage file per device; the ACK bundle
CSSM returns holds `ACK_UD_VA_<ts>.tar.gz` with one `ACK_dev_<n>_<ts>.txt` ACK file each.

Every parser raises `FileFormatError` with a sentence a person can act on; nothing here
trusts a signature (that is the receiver's job).
"""

from __future__ import annotations

import io
import json
import re
import tarfile
import zlib
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sim.protocol.messages import RumReportWire, Sudi
from sim.protocol.signing import SignedDocument

MAX_FILE_BYTES = 16 * 1024 * 1024


class FileFormatError(ValueError):
    """The file is not what it claims to be; the message says what is wrong."""


class SystemInfo(BaseModel):
    """`<smartLicenseSystemInfo><data>`: who wrote the file and when."""

    model_config = ConfigDict(extra="forbid")

    sudi: Sudi
    hostname: str = ""
    software_tag_identifier: str = ""
    timestamp: int = Field(ge=0, description="epoch milliseconds, product instance clock")
    nonce: str = ""


@dataclass(frozen=True)
class UsageFile:
    system: SystemInfo
    reports: list[RumReportWire]


@dataclass(frozen=True)
class ImportFile:
    """What `license smart import` may be given: ACKs and/or policies, still signed."""

    acks: list[SignedDocument]
    policies: list[SignedDocument]


# ---------------------------------------------------------------- single files


def write_usage_file(system: SystemInfo, reports: list[RumReportWire]) -> str:
    parts = [
        "<smartLicense>",
        f"<smartLicenseSystemInfo><data>{system.model_dump_json()}</data></smartLicenseSystemInfo>",
    ]
    parts.extend(f"<RUMReport><![CDATA[{r.model_dump_json()}]]></RUMReport>" for r in reports)
    parts.append("</smartLicense>")
    return "".join(parts) + "\n"


def read_usage_file(text: str) -> UsageFile:
    body = _root(text, "smartLicense", "a usage file")
    info = re.search(
        r"<smartLicenseSystemInfo>\s*<data>(.*?)</data>\s*</smartLicenseSystemInfo>", body, re.S
    )
    if info is None:
        raise FileFormatError("not a usage file: <smartLicenseSystemInfo> is missing")
    try:
        system = SystemInfo.model_validate_json(info.group(1))
    except ValidationError as exc:
        raise FileFormatError("not a usage file: <smartLicenseSystemInfo> is malformed") from exc
    reports: list[RumReportWire] = []
    for n, chunk in enumerate(
        re.findall(r"<RUMReport>\s*<!\[CDATA\[(.*?)\]\]>\s*</RUMReport>", body, re.S), 1
    ):
        try:
            reports.append(RumReportWire.model_validate_json(chunk))
        except ValidationError as exc:
            raise FileFormatError(f"usage file: RUM report {n} is malformed") from exc
    return UsageFile(system, reports)


def write_ack_file(ack: SignedDocument, policies: list[SignedDocument] | None = None) -> str:
    parts = ["<smartLicense>", f"<smartLicenseRumAck><data>{_doc(ack)}</data></smartLicenseRumAck>"]
    parts.extend(_policy_element(p) for p in policies or [])
    parts.append("</smartLicense>")
    return "".join(parts) + "\n"


def write_policy_file(policy: SignedDocument) -> str:
    return _policy_element(policy) + "\n"


def read_import_file(text: str) -> ImportFile:
    """An ACK file (`<smartLicense>` with ACKs and policies) or a policy file."""
    stripped = text.strip()
    if stripped.startswith("<smartLicensePolicy>"):
        return ImportFile([], [_read_doc(_root(text, "smartLicensePolicy", "a policy file"))])
    body = _root(text, "smartLicense", "an ACK or policy file")
    if "<RUMReport>" in body:
        raise FileFormatError("this is a usage file; upload it to CSSM and import the ACK")
    acks = [
        _read_doc(m)
        for m in re.findall(r"<smartLicenseRumAck>\s*<data>(.*?)</data>\s*</smartLicenseRumAck>",
                            body, re.S)
    ]  # fmt: skip
    policies = [
        _read_doc(m)
        for m in re.findall(r"<smartLicensePolicy>\s*<data>(.*?)</data>\s*</smartLicensePolicy>",
                            body, re.S)
    ]  # fmt: skip
    if not acks and not policies:
        raise FileFormatError("the file holds neither an ACK nor a policy")
    return ImportFile(acks, policies)


def _policy_element(policy: SignedDocument) -> str:
    return f"<smartLicensePolicy><data>{_doc(policy)}</data></smartLicensePolicy>"


def _doc(document: SignedDocument) -> str:
    return document.model_dump_json()


def _read_doc(text: str) -> SignedDocument:
    inner = text
    m = re.fullmatch(r"\s*<data>(.*)</data>\s*", text, re.S)
    if m is not None:
        inner = m.group(1)
    try:
        return SignedDocument.model_validate_json(inner)
    except ValidationError as exc:
        raise FileFormatError("the signed data inside the file is malformed") from exc


def _root(text: str, tag: str, what: str) -> str:
    if len(text) > MAX_FILE_BYTES:
        raise FileFormatError(f"not {what}: the file is too large")
    m = re.fullmatch(rf"\s*<{tag}>(.*)</{tag}>\s*", text, re.S)
    if m is None:
        raise FileFormatError(f"not {what}: expected a <{tag}> document")
    return m.group(1)


# ---------------------------------------------------------------- bundles


@dataclass(frozen=True)
class BundleInfo:
    smart_account: str
    virtual_account: str
    created_by: str  # "CSLU" or "SSM On-Prem ..."


def _stamp(when: datetime) -> str:
    return when.strftime("%Y%m%d%H%M%S")


def _tar(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 0  # the same content always makes the same bytes
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _untar(data: bytes, what: str) -> dict[str, bytes]:
    if len(data) > MAX_FILE_BYTES:
        raise FileFormatError(f"not {what}: the file is too large")
    members: dict[str, bytes] = {}
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            for info in tar.getmembers():
                if not info.isfile():
                    continue
                extracted = tar.extractfile(info)
                if extracted is not None:
                    members[info.name.lstrip("./")] = extracted.read(MAX_FILE_BYTES)
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        raise FileFormatError(f"not {what}: not a gzip tar archive") from exc
    return members


def write_usage_bundle(info: BundleInfo, usage_files: list[str], when: datetime) -> bytes:
    """The multi-device upload for CSSM: `UD_SA_<ts>.tar.gz`."""
    ts = _stamp(when)
    inner = _tar({f"dev_{n}_{ts}.txt": text.encode() for n, text in enumerate(usage_files, 1)})
    manifest = (
        "Manifest-Version: 1.0\n"
        f"Created-By: {json.dumps(json.dumps({'product': info.created_by}))}\n"
        f"Smart-Account: {info.smart_account}\n"
        f"Name: /UD_VA_{ts}.tar.gz\n"
        f"Specification-VA: {info.virtual_account}\n"
    )
    return _tar({"manifest.mf": manifest.encode(), f"UD_VA_{ts}.tar.gz": inner})


def read_usage_bundle(data: bytes) -> tuple[BundleInfo, list[UsageFile]]:
    members = _untar(data, "a usage bundle")
    manifest = members.get("manifest.mf")
    inner_names = [n for n in members if re.fullmatch(r"UD_VA_\d+\.tar\.gz", n)]
    if manifest is None or len(inner_names) != 1:
        raise FileFormatError("not a usage bundle: expected manifest.mf and one UD_VA_*.tar.gz")
    lines = manifest.decode(errors="replace").splitlines()
    fields = dict(line.split(": ", 1) for line in lines if ": " in line)
    info = BundleInfo(
        smart_account=fields.get("Smart-Account", ""),
        virtual_account=fields.get("Specification-VA", ""),
        created_by=_creator(fields.get("Created-By", "")),
    )
    inner = _untar(members[inner_names[0]], "a usage bundle")
    files = [
        read_usage_file(inner[name].decode(errors="replace"))
        for name in sorted(inner, key=_device_order)
    ]
    return info, files


def _creator(field: str) -> str:
    try:
        loaded = json.loads(json.loads(field))
    except (ValueError, TypeError):
        return field
    return str(loaded.get("product", "")) if isinstance(loaded, dict) else field


def write_ack_bundle(ack_files: list[str], when: datetime) -> bytes:
    ts = _stamp(when)
    inner = _tar({f"ACK_dev_{n}_{ts}.txt": text.encode() for n, text in enumerate(ack_files, 1)})
    return _tar({f"ACK_UD_VA_{ts}.tar.gz": inner})


def read_ack_bundle(data: bytes) -> list[ImportFile]:
    members = _untar(data, "an ACK bundle")
    inner_names = [n for n in members if n.startswith("ACK_UD_VA_")]
    if len(inner_names) != 1:
        raise FileFormatError("not an ACK bundle: expected one ACK_UD_VA_*.tar.gz")
    inner = _untar(members[inner_names[0]], "an ACK bundle")
    return [
        read_import_file(inner[name].decode(errors="replace"))
        for name in sorted(inner, key=_device_order)
    ]


def is_bundle(data: bytes) -> bool:
    return data[:2] == b"\x1f\x8b"  # gzip magic


def _device_order(name: str) -> tuple[int, str]:
    m = re.search(r"dev_(\d+)_", name)
    return (int(m.group(1)) if m else 0, name)


# ---------------------------------------------------------------- CSSM, as CSLU / On-Prem see it


class UsageReceiver(Protocol):
    """What CSLU and On-Prem need of CSSM: the Usage Data Files round trip.

    `upload_usage_file` takes a single-switch usage file or a usage bundle and returns an
    upload id; `ack_file_for` returns None until CSSM has processed it, then the ACK file
    (single upload) or the ACK bundle (bundle upload), as bytes.
    """

    def upload_usage_file(
        self, name: str, content: bytes, virtual_account: str, smart_account: str | None = None
    ) -> str: ...

    def ack_file_for(self, upload_id: str) -> bytes | None: ...
