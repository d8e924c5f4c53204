"""Usage Data Files: what people upload on CSSM's web page, its processing, ACK and policy files."""

from __future__ import annotations

import secrets
import tarfile
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from cssm_mock.inventory import PendingAck
from cssm_mock.reports import DeviceUsage, Refused
from cssm_mock.usage import UsageIntake
from sim.protocol.files import (
    MAX_FILE_BYTES,
    FileFormatError,
    UsageFile,
    is_bundle,
    read_usage_bundle,
    read_usage_file,
    write_ack_bundle,
    write_policy_file,
)
from sim.protocol.messages import Sudi
from sim.retention import keep_newest

UploadStatus = Literal["Processing", "Completed", "Completed with errors", "Failed"]


class UsageFileError(ValueError):
    """An upload that is neither a usage file nor a usage bundle; nothing was recorded."""


class UnknownUploadError(LookupError):
    """An upload id that the model never handed out."""


class UploadFailedError(Exception):
    """Every device of an upload failed, so there is no ACK to download."""


@dataclass
class _UploadedDevice:
    udi: Sudi
    hostname: str
    report_ids: list[int] = field(default_factory=list)
    duplicates: int = 0
    error: str | None = None


@dataclass
class _Upload:
    upload_id: str
    name: str
    smart_account: str
    virtual_account: str
    uploaded: datetime
    ready_at: datetime
    bundle: bool
    devices: list[_UploadedDevice] = field(default_factory=list)
    acks: list[PendingAck] = field(default_factory=list)  # the devices that did not fail
    # Signed once, when first asked for after processing, then handed out unchanged.
    ack_file: bytes | None = None

    def status_at(self, now: datetime) -> UploadStatus:
        if now < self.ready_at:
            return "Processing"
        failed = sum(device.error is not None for device in self.devices)
        if failed == 0:
            return "Completed"
        return "Failed" if failed == len(self.devices) else "Completed with errors"


@dataclass(frozen=True)
class UploadedDevice:
    """One device of an upload as CSSM shows it; `error` is set once processing ends."""

    udi: Sudi
    hostname: str
    report_ids: tuple[int, ...]
    duplicates: int
    error: str | None


@dataclass(frozen=True)
class UsageUpload:
    """An entry of CSSM's Usage Data Files list, as of the moment it was asked for."""

    upload_id: str
    name: str
    smart_account: str
    virtual_account: str
    uploaded: datetime
    ready_at: datetime
    bundle: bool
    status: UploadStatus
    devices: tuple[UploadedDevice, ...]
    errors: tuple[str, ...]


class UsageFiles(UsageIntake):
    """The Usage Data Files page: uploads, their status and ACK, and policy downloads."""

    uploads: dict[str, _Upload]

    def upload_usage_file(
        self, name: str, content: bytes, virtual_account: str, smart_account: str | None = None
    ) -> str:
        """Take a usage file or usage bundle into a VA; returns the upload id.

        Raises UnknownAccountError for an unknown VA and UsageFileError for content that is
        not a usage file or bundle (nothing is recorded then). Per-device problems (a bad
        signature, a device registered in another VA) do not raise: they become the
        upload's errors once it is processed, and the other devices are still taken.
        """
        va = self.virtual_account(virtual_account, smart_account)
        bundle, files, from_onprem = _read_upload(content)
        now = self.clock.now()
        upload = _Upload(
            upload_id=self._new_upload_id(),
            name=name,
            smart_account=va.smart_account,
            virtual_account=va.name,
            uploaded=now,
            ready_at=now + self.ack_delay,
            bundle=bundle,
        )
        for usage_file in files:
            system = usage_file.system
            device = _UploadedDevice(udi=system.sudi, hostname=system.hostname)
            upload.devices.append(device)
            usage = DeviceUsage(system.sudi, usage_file.reports, system.hostname)
            try:
                parsed = self._verified_device_reports(usage, va, now, vouched=from_onprem)
            except Refused as refused:
                self.counters.refusals[refused.refusal.code] += 1
                device.error = refused.refusal.text
                continue
            pi = self.add_product_instance(system.sudi, va.name, va.smart_account, system.hostname)
            pi.last_contact = now
            device.report_ids, device.duplicates = self._store_reports(pi, parsed)
            upload.acks.append(self._pending(usage.sudi, va, device.report_ids, now))
        self.uploads[upload.upload_id] = upload
        keep_newest(self.uploads, self.timing.backend_uploads_kept)
        self.counters.usage_uploads += 1
        return upload.upload_id

    def usage_upload(self, upload_id: str) -> UsageUpload:
        upload = self._upload(upload_id)
        status = upload.status_at(self.clock.now())
        processed = status != "Processing"
        devices = tuple(
            UploadedDevice(
                udi=device.udi,
                hostname=device.hostname,
                report_ids=tuple(device.report_ids),
                duplicates=device.duplicates,
                error=device.error if processed else None,
            )
            for device in upload.devices
        )
        return UsageUpload(
            upload_id=upload.upload_id,
            name=upload.name,
            smart_account=upload.smart_account,
            virtual_account=upload.virtual_account,
            uploaded=upload.uploaded,
            ready_at=upload.ready_at,
            bundle=upload.bundle,
            status=status,
            devices=devices,
            errors=tuple(
                f"{device.udi.display}: {device.error}"
                for device in devices
                if device.error is not None
            ),
        )

    def usage_uploads(self) -> list[UsageUpload]:
        return [self.usage_upload(upload_id) for upload_id in self.uploads]

    def ack_file_for(self, upload_id: str) -> bytes | None:
        """None while processing; then the ACK file (or ACK bundle, one file per device).

        Raises UploadFailedError when every device of the upload failed.
        """
        upload = self._upload(upload_id)
        status = upload.status_at(self.clock.now())
        if status == "Processing":
            return None
        if status == "Failed":
            errors = "; ".join(self.usage_upload(upload_id).errors)
            raise UploadFailedError(f"upload {upload.name!r} failed: {errors}")
        if upload.ack_file is None:
            files = [self._issue_ack_file(ack) for ack in upload.acks]
            upload.ack_file = (
                write_ack_bundle(files, upload.ready_at) if upload.bundle else files[0].encode()
            )
        return upload.ack_file

    def policy_file(self, virtual_account: str, smart_account: str | None = None) -> str:
        """The VA's signed policy as a file, for `license smart import` on air-gapped switches."""
        return write_policy_file(self.signed_policy(virtual_account, smart_account))

    def _upload(self, upload_id: str) -> _Upload:
        upload = self.uploads.get(upload_id)
        if upload is None:
            raise UnknownUploadError(f"unknown upload {upload_id!r}")
        return upload

    def _new_upload_id(self) -> str:
        while True:
            upload_id = secrets.token_hex(8)
            if upload_id not in self.uploads:
                return upload_id


def _read_upload(content: bytes) -> tuple[bool, list[UsageFile], bool]:
    """(is it a bundle, its usage files, made by SSM On-Prem); raises UsageFileError."""
    if len(content) > MAX_FILE_BYTES:
        raise UsageFileError(f"the uploaded file is larger than {MAX_FILE_BYTES >> 20} MiB")
    if not content.strip():
        raise UsageFileError("the uploaded file is empty")
    try:
        if is_bundle(content):
            info, files = read_usage_bundle(content)
            if not files:
                raise UsageFileError("the usage bundle holds no usage file")
            return True, files, info.created_by.startswith("SSM On-Prem")
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UsageFileError("not a usage file: the file is not UTF-8 text") from exc
        return False, [read_usage_file(text)], False
    except FileFormatError as exc:
        raise UsageFileError(str(exc)) from exc
    except (tarfile.TarError, zlib.error, OSError, EOFError, RecursionError) as exc:
        # A damaged gzip stream can fail below the bundle reader's own checks.
        raise UsageFileError("not a usage bundle: the archive is damaged") from exc
