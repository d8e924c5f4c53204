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
trusts a signature (that is the receiver's job). Files come from people and other systems, so
every reader works in time linear in its input (`str.find` scans, no backtracking regular
expressions) and within the size bounds below, checked before the work they bound.
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
"""The largest file a person may upload or import: a usage, ACK or policy file, or a bundle."""
MAX_UNPACKED_BYTES = 64 * 1024 * 1024
"""The most a bundle may unpack to, nested archives included (a gzip bomb stops here)."""
MAX_BUNDLE_MEMBERS = 10_000
"""Files in one archive of a bundle: one per device, and CSLU serves up to 10,000 devices."""
MAX_MEMBER_NAME = 255
MAX_GZIP_MEMBERS = 64
"""gzip streams one after another in one archive (the writers here make one)."""
MAX_REPORTS_PER_FILE = 50_000
"""RUM reports in one usage file: ten years of daily reports for a dozen features."""
MAX_DOCUMENTS_PER_FILE = 1_000
"""ACKs plus policies in one ACK or policy file (CSSM writes one ACK and one policy)."""


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
    infos = _elements(body, "smartLicenseSystemInfo", "<data>", "</data>", "usage file", 1)
    if not infos:
        raise FileFormatError("not a usage file: <smartLicenseSystemInfo> is missing")
    try:
        system = SystemInfo.model_validate_json(infos[0])
    except ValidationError as exc:
        raise FileFormatError("not a usage file: <smartLicenseSystemInfo> is malformed") from exc
    chunks = _elements(body, "RUMReport", "<![CDATA[", "]]>", "usage file", MAX_REPORTS_PER_FILE)
    reports: list[RumReportWire] = []
    for n, chunk in enumerate(chunks, 1):
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
    what, limit = "ACK file", MAX_DOCUMENTS_PER_FILE
    acks = [
        _read_doc(data)
        for data in _elements(body, "smartLicenseRumAck", "<data>", "</data>", what, limit)
    ]
    policies = [
        _read_doc(data)
        for data in _elements(body, "smartLicensePolicy", "<data>", "</data>", what, limit)
    ]
    if not acks and not policies:
        raise FileFormatError("the file holds neither an ACK nor a policy")
    if len(acks) + len(policies) > limit:
        raise FileFormatError(f"{what}: more than {limit} ACKs and policies")
    return ImportFile(acks, policies)


def _policy_element(policy: SignedDocument) -> str:
    return f"<smartLicensePolicy><data>{_doc(policy)}</data></smartLicensePolicy>"


def _doc(document: SignedDocument) -> str:
    return document.model_dump_json()


def _read_doc(text: str) -> SignedDocument:
    inner = text
    stripped = text.strip()
    if stripped.startswith("<data>") and stripped.endswith("</data>") and len(stripped) >= 13:
        inner = stripped[len("<data>") : -len("</data>")]
    try:
        return SignedDocument.model_validate_json(inner)
    except ValidationError as exc:
        raise FileFormatError("the signed data inside the file is malformed") from exc


def _too_large(what: str) -> FileFormatError:
    return FileFormatError(f"not {what}: the file is larger than {MAX_FILE_BYTES >> 20} MiB")


def _root(text: str, tag: str, what: str) -> str:
    """What lies between `<tag>` and `</tag>`, which must be the whole (stripped) text."""
    if len(text) > MAX_FILE_BYTES:
        raise _too_large(what)
    stripped = text.strip()
    opener, closer = f"<{tag}>", f"</{tag}>"
    if (
        len(stripped) < len(opener) + len(closer)
        or not stripped.startswith(opener)
        or not stripped.endswith(closer)
    ):
        raise FileFormatError(f"not {what}: expected a <{tag}> document")
    return stripped[len(opener) : -len(closer)]


def _elements(body: str, tag: str, start: str, end: str, what: str, limit: int) -> list[str]:
    """The text between `start` and `end` inside each `<tag>` element of `body`, in order.

    One forward pass: each element ends at the first `</tag>` after it opens. An element that
    never closes, or holds anything but `start ... end` (and white space), is an error rather
    than skipped, so a damaged file is never mistaken for a shorter one.
    """
    opener, closer = f"<{tag}>", f"</{tag}>"
    found: list[str] = []
    pos = body.find(opener)
    while pos >= 0:
        if len(found) == limit:
            raise FileFormatError(f"{what}: more than {limit} <{tag}> elements")
        inside = pos + len(opener)
        close = body.find(closer, inside)
        if close < 0:
            raise FileFormatError(f"{what}: <{tag}> number {len(found) + 1} is never closed")
        content = body[inside:close].strip()
        if (
            len(content) < len(start) + len(end)
            or not content.startswith(start)
            or not content.endswith(end)
        ):
            raise FileFormatError(f"{what}: <{tag}> number {len(found) + 1} is malformed")
        found.append(content[len(start) : -len(end)])
        pos = body.find(opener, close + len(closer))
    return found


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


class _Budget:
    """How many more bytes a bundle may unpack to, shared by its nested archives."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.left = MAX_UNPACKED_BYTES

    def take(self, size: int) -> None:
        if size > self.left:
            raise FileFormatError(
                f"{self.what} is larger than {MAX_UNPACKED_BYTES >> 20} MiB uncompressed"
            )
        self.left -= size


_GZIP_CHUNK = 64 * 1024
_ZEROS = re.compile(rb"\0*")


def _gunzip(data: bytes, budget: _Budget) -> bytes:
    """Decompress the gzip members of `data`, never holding more than the budget allows.

    Input goes in by chunks, so that what follows a member is never copied whole: many tiny
    members would otherwise cost time quadratic in the file.
    """
    out = bytearray()
    view = memoryview(data)
    pos = members = 0
    try:
        while pos < len(data):
            members += 1
            if members > MAX_GZIP_MEMBERS:
                raise FileFormatError(
                    f"not {budget.what}: more than {MAX_GZIP_MEMBERS} gzip streams"
                )
            stream = zlib.decompressobj(wbits=31)  # 31: gzip header and trailer
            while not stream.eof:
                if pos >= len(data):
                    raise FileFormatError(
                        f"not {budget.what}: not a gzip tar archive (it is cut short)"
                    )
                chunk = view[pos : pos + _GZIP_CHUNK]
                # One byte over the budget is enough to know that it is exceeded; below it,
                # the whole chunk was taken in.
                out += stream.decompress(chunk, budget.left - len(out) + 1)
                if len(out) > budget.left:
                    budget.take(len(out))
                pos += len(chunk) - len(stream.unused_data)
            match = _ZEROS.match(data, pos)  # gzip allows zero padding after a member
            pos = match.end() if match else pos
    except zlib.error as exc:
        raise FileFormatError(f"not {budget.what}: not a gzip tar archive") from exc
    budget.take(len(out))
    return bytes(out)


_BLOCK = tarfile.BLOCKSIZE
# Headers that extend the next one (pax, GNU long names, sparse maps). Our writers never make
# them, and CPython's pax parser backtracks on crafted ones (minutes for 40 KB of digits).
_EXTENDED_HEADERS = (
    tarfile.XHDTYPE,
    tarfile.XGLTYPE,
    tarfile.SOLARIS_XHDTYPE,
    tarfile.GNUTYPE_LONGNAME,
    tarfile.GNUTYPE_LONGLINK,
    tarfile.GNUTYPE_SPARSE,
)


def _untar(data: bytes, budget: _Budget) -> dict[str, bytes]:
    """The regular files of a gzip tar archive, by name; anything odd in it is an error.

    The walk over the headers is ours, one pass over the unpacked bytes; `tarfile` only
    decodes each 512-byte header.
    """
    what = budget.what
    if len(data) > MAX_FILE_BYTES:
        raise _too_large(what)
    raw = _gunzip(data, budget)
    if not raw:
        raise FileFormatError(f"not {what}: not a gzip tar archive (it is empty)")
    members: dict[str, bytes] = {}
    pos = count = 0
    while pos < len(raw):
        header = raw[pos : pos + _BLOCK]
        if header.count(0) == len(header):
            break  # the end-of-archive blocks
        try:
            info = tarfile.TarInfo.frombuf(header, "utf-8", "surrogateescape")
        except tarfile.HeaderError as exc:
            raise FileFormatError(f"not {what}: not a gzip tar archive") from exc
        count += 1
        if count > MAX_BUNDLE_MEMBERS:
            raise FileFormatError(f"not {what}: more than {MAX_BUNDLE_MEMBERS} files")
        name = info.name[:MAX_MEMBER_NAME]
        if info.type in _EXTENDED_HEADERS:
            raise FileFormatError(f"not {what}: it holds extended (pax or GNU) tar headers")
        if info.isdir():
            pos += _BLOCK
            continue
        if not info.isreg():
            raise FileFormatError(f"not {what}: {name!r} is not a regular file")
        if len(info.name) > MAX_MEMBER_NAME:
            raise FileFormatError(f"not {what}: a file name is too long")
        start, end = pos + _BLOCK, pos + _BLOCK + info.size
        if info.size < 0 or end > len(raw):
            raise FileFormatError(f"not {what}: not a gzip tar archive (it is cut short)")
        members[info.name.lstrip("./")] = raw[start:end]
        pos = start + -(-info.size // _BLOCK) * _BLOCK
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
    budget = _Budget("a usage bundle")
    members = _untar(data, budget)
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
    inner = _untar(members[inner_names[0]], budget)
    files = [
        read_usage_file(inner[name].decode(errors="replace"))
        for name in sorted(inner, key=_device_order)
    ]
    return info, files


def _creator(field: str) -> str:
    try:
        loaded = json.loads(json.loads(field))
    except (ValueError, TypeError, RecursionError):
        return field
    return str(loaded.get("product", "")) if isinstance(loaded, dict) else field


def write_ack_bundle(ack_files: list[str], when: datetime) -> bytes:
    ts = _stamp(when)
    inner = _tar({f"ACK_dev_{n}_{ts}.txt": text.encode() for n, text in enumerate(ack_files, 1)})
    return _tar({f"ACK_UD_VA_{ts}.tar.gz": inner})


def read_ack_bundle(data: bytes) -> list[ImportFile]:
    budget = _Budget("an ACK bundle")
    members = _untar(data, budget)
    inner_names = [n for n in members if n.startswith("ACK_UD_VA_")]
    if len(inner_names) != 1:
        raise FileFormatError("not an ACK bundle: expected one ACK_UD_VA_*.tar.gz")
    inner = _untar(members[inner_names[0]], budget)
    return [
        read_import_file(inner[name].decode(errors="replace"))
        for name in sorted(inner, key=_device_order)
    ]


def is_bundle(data: bytes) -> bool:
    return data[:2] == b"\x1f\x8b"  # gzip magic


def _device_order(name: str) -> tuple[int, str]:
    m = re.search(r"dev_(\d{1,9})_", name)
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
