"""The CSSM UI's Usage Data Files page and policy download over HTTP, as `/_sim/` routes."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from fastapi import FastAPI, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel

from cssm_mock.models import CssmModel
from cssm_mock.usage_files import (
    UploadFailedError,
    UsageFileError,
    UsageUpload,
)
from sim.backend_http import (
    ErrorBody,
    binary_body_openapi,
    json_response,
)
from sim.protocol.files import MAX_FILE_BYTES, is_bundle

_json = json_response

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "Unknown smart account, virtual account or upload"}
}


class UploadedDeviceView(BaseModel):
    udi: str
    udi_pid: str
    udi_serial_number: str
    hostname: str
    report_ids: list[int]
    duplicates: int
    error: str | None


class UsageUploadView(BaseModel):
    upload_id: str
    name: str
    smart_account: str
    virtual_account: str
    uploaded: str
    ready_at: str
    bundle: bool
    status: Literal["Processing", "Completed", "Completed with errors", "Failed"]
    devices: list[UploadedDeviceView]
    errors: list[str]


def _upload_view(upload: UsageUpload) -> UsageUploadView:
    return UsageUploadView(
        upload_id=upload.upload_id,
        name=upload.name,
        smart_account=upload.smart_account,
        virtual_account=upload.virtual_account,
        uploaded=upload.uploaded.isoformat(),
        ready_at=upload.ready_at.isoformat(),
        bundle=upload.bundle,
        status=upload.status,
        devices=[
            UploadedDeviceView(
                udi=device.udi.display,
                udi_pid=device.udi.udi_pid,
                udi_serial_number=device.udi.udi_serial_number,
                hostname=device.hostname,
                report_ids=list(device.report_ids),
                duplicates=device.duplicates,
                error=device.error,
            )
            for device in upload.devices
        ],
        errors=list(upload.errors),
    )


def _download_name(name: str, bundle: bool) -> str:
    # Only characters that are safe inside a quoted header value.
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", name)[:100] or "usage"
    if bundle and not safe.endswith((".tar.gz", ".tgz")):
        safe += ".tar.gz"
    return f"ACK_{safe}"


def add_usage_file_routes(app: FastAPI, model: CssmModel) -> None:
    """The CSSM UI's Usage Data Files page and policy download, as `/_sim/` routes."""

    @app.post(
        "/_sim/usage-files",
        response_model=UsageUploadView,
        status_code=201,
        summary="Upload a usage file or usage bundle into a virtual account",
        responses={
            400: {"model": ErrorBody, "description": "Not a usage file or usage bundle"},
            413: {"model": ErrorBody, "description": "Larger than the file size limit"},
            **NOT_FOUND,
        },
        openapi_extra=binary_body_openapi("application/octet-stream"),
    )
    async def upload_usage_file(
        request: Request,
        virtual_account: Annotated[str, Query(min_length=1, max_length=256)],
        name: Annotated[str, Query(max_length=256)] = "usage.txt",
        smart_account: Annotated[str | None, Query(max_length=256)] = None,
    ) -> UsageUploadView | Response:
        raw = await request.body()
        if len(raw) > MAX_FILE_BYTES:
            return _json(413, {"error": "too large", "detail": f"limit is {MAX_FILE_BYTES} bytes"})
        try:
            upload_id = model.upload_usage_file(name, raw, virtual_account, smart_account)
        except UsageFileError as exc:
            return _json(400, {"error": "malformed file", "detail": str(exc)})
        return _upload_view(model.usage_upload(upload_id))

    @app.get(
        "/_sim/usage-files",
        response_model=list[UsageUploadView],
        summary="The Usage Data Files list",
    )
    async def usage_files() -> list[UsageUploadView]:
        return [_upload_view(upload) for upload in model.usage_uploads()]

    @app.get(
        "/_sim/usage-files/{upload_id}",
        response_model=UsageUploadView,
        summary="Status of one upload",
        responses=NOT_FOUND,
    )
    async def usage_file(upload_id: str) -> UsageUploadView:
        return _upload_view(model.usage_upload(upload_id))

    @app.get(
        "/_sim/usage-files/{upload_id}/ack",
        response_class=Response,
        summary="Download the ACK file (single upload) or ACK bundle (bundle upload)",
        responses={
            200: {
                "content": {
                    "application/xml": {"schema": {"type": "string"}},
                    "application/gzip": {"schema": {"type": "string", "format": "binary"}},
                },
                "description": "The ACK, for `license smart import` or CSLU / On-Prem",
            },
            409: {"model": ErrorBody, "description": "Still processing, or the upload failed"},
            **NOT_FOUND,
        },
    )
    async def usage_ack(upload_id: str) -> Response:
        try:
            data = model.ack_file_for(upload_id)
        except UploadFailedError as exc:
            return _json(409, {"error": "upload failed", "detail": str(exc)})
        upload = model.usage_upload(upload_id)
        if data is None:
            return _json(
                409,
                {
                    "error": "processing",
                    "detail": f"CSSM is processing the upload until {upload.ready_at.isoformat()}",
                },
            )
        bundle = is_bundle(data)
        return Response(
            data,
            media_type="application/gzip" if bundle else "application/xml",
            headers={
                "Content-Disposition": (
                    f'attachment; filename="{_download_name(upload.name, bundle)}"'
                )
            },
        )

    @app.get(
        "/_sim/policy-file",
        response_class=Response,
        summary="Download a virtual account's signed policy file",
        responses={
            200: {"content": {"application/xml": {"schema": {"type": "string"}}}},
            **NOT_FOUND,
        },
    )
    async def policy_file(
        virtual_account: Annotated[str, Query(min_length=1, max_length=256)],
        smart_account: Annotated[str | None, Query(max_length=256)] = None,
    ) -> Response:
        return Response(
            model.policy_file(virtual_account, smart_account),
            media_type="application/xml",
            headers={"Content-Disposition": 'attachment; filename="policy.xml"'},
        )
