"""The HTTP face of the CSLU mock: the product-instance endpoint and a `/_sim/` control plane.

All state lives in the `CsluModel`; `create_app` only translates HTTP to model calls, so the
same app runs in-process under `httpx.ASGITransport` and behind uvicorn. Routes are `async`
so that they run one at a time on the event loop and the model needs no locks. The request
plumbing at the top is shared with the SSM On-Prem app, which speaks the same protocol.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi import Depends, FastAPI, Request
from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel

from cslu_mock.models import (
    CsluModel,
    ImportSummary,
    ProductInstance,
    RelayModeError,
    SyncSummary,
)
from sim.backend_http import (
    GZIP,
    MALFORMED_RESPONSE,
    ErrorBody,
    add_component_schemas,
    agent_request_openapi,
    binary_body_openapi,
    binary_response,
    check_json_bodies,
    install_error_handlers,
    json_error,
    no_body,
    read_agent_request,
)
from sim.device_wire import PI_PATH as PI_PATH
from sim.protocol.files import FileFormatError
from sim.protocol.messages import Reply


def file_error(exc: FileFormatError) -> Response:
    return json_error(400, "bad file", str(exc))


def mode_error(exc: RelayModeError) -> Response:
    return json_error(409, "wrong mode", str(exc))


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


class ProductInstanceView(BaseModel):
    udi: str
    udi_pid: str
    udi_serial_number: str
    hostname: str
    account: str
    virtual_account: str
    trusted: bool
    reports: int
    unacknowledged: int
    duplicates_received: int
    acks_received: int
    acks_delivered: int
    ack_state: str
    policy_id: str | None
    last_contact: str | None

    @classmethod
    def of(cls, pi: ProductInstance) -> ProductInstanceView:
        return cls(
            udi=pi.udi.display,
            udi_pid=pi.udi.udi_pid,
            udi_serial_number=pi.udi.udi_serial_number,
            hostname=pi.hostname,
            account=pi.account,
            virtual_account=pi.virtual_account,
            trusted=pi.trusted,
            reports=len(pi.reports),
            unacknowledged=len(pi.unacknowledged()),
            duplicates_received=pi.duplicates_received,
            acks_received=len(pi.acks),
            acks_delivered=pi.acks_delivered,
            ack_state=pi.ack_state,
            policy_id=pi.policy_id,
            last_contact=_when(pi.last_contact),
        )


class ImportView(BaseModel):
    acks_imported: int
    policies_received: int
    product_instances: list[str]
    not_found: list[str]

    @classmethod
    def of(cls, summary: ImportSummary) -> ImportView:
        return cls(
            acks_imported=summary.acks_imported,
            policies_received=summary.policies_received,
            product_instances=summary.product_instances,
            not_found=summary.not_found,
        )


class SyncView(BaseModel):
    uploads: list[str]
    reports_uploaded: int
    acks: ImportView
    errors: list[str]
    next_sync_due: str | None

    @classmethod
    def of(cls, summary: SyncSummary, next_due: datetime | None) -> SyncView:
        return cls(
            uploads=summary.uploads,
            reports_uploaded=summary.reports_uploaded,
            acks=ImportView.of(summary.acks),
            errors=summary.errors,
            next_sync_due=_when(next_due),
        )


def create_app(model: CsluModel) -> FastAPI:
    app = FastAPI(
        title="CSLU mock",
        version="0.1.0",
        description=(
            "Cisco Smart License Utility, simulated: product-instance-initiated push, "
            "store and forward to CSSM, Download All For Cisco / Upload From Cisco."
        ),
    )
    install_error_handlers(app)
    check_json_bodies(app)
    agent_body, definitions = agent_request_openapi()

    @app.get(PI_PATH, response_class=PlainTextResponse, summary="CSLU information page")
    async def info_page() -> str:
        return model.info_page()

    device_route = app.post(
        PI_PATH,
        response_model=Reply,
        response_model_exclude_none=True,
        summary="Device message: usage_report, poll, trust_sync (trust_request: FAILED)",
        responses=MALFORMED_RESPONSE,
        openapi_extra=agent_body,
    )

    @device_route
    async def product_instance_message(request: Request) -> Reply:
        return model.handle(await read_agent_request(request))

    @app.post(
        PI_PATH + "/{tenant}",
        response_model=Reply,
        response_model_exclude_none=True,
        summary="The same, with a trailing segment (as On-Prem URLs have), which CSLU ignores",
        responses=MALFORMED_RESPONSE,
        openapi_extra=agent_body,
    )
    async def product_instance_message_with_tenant(tenant: str, request: Request) -> Reply:
        return model.handle(await read_agent_request(request))

    @app.get(
        "/_sim/product-instances",
        response_model=list[ProductInstanceView],
        summary="The product-instance inventory",
    )
    async def product_instances() -> list[ProductInstanceView]:
        return [ProductInstanceView.of(pi) for pi in model.product_instances()]

    add_sync_route(
        app,
        "/_sim/sync",
        name="sync",
        summary="Connected mode: synchronize with CSSM now",
        refusal="CSLU is disconnected from CSSM",
        sync=model.sync_with_cssm,
        next_due=model.next_sync_due,
    )

    @app.post(
        "/_sim/download-all-for-cisco",
        response_class=Response,
        summary="Download All For Cisco: the usage bundle of everything not yet acknowledged",
        responses={**MALFORMED_RESPONSE, **binary_response(GZIP, "Usage bundle")},
        dependencies=[Depends(no_body)],
    )
    async def download_all_for_cisco() -> Response:
        return bundle_download(model.download_all_for_cisco(), "UD_SA_cslu.tar.gz")

    add_ack_import_route(
        app,
        "/_sim/upload-from-cisco",
        name="upload_from_cisco",
        summary="Upload From Cisco: CSSM's ACK bundle as the request body",
        import_acks=model.upload_from_cisco,
    )

    add_component_schemas(app, definitions)
    return app


# The relay routes CSLU and SSM On-Prem share: both synchronize with CSSM and take its ACKs.
# `name` keeps each app's own OpenAPI operation id.


def add_sync_route(
    app: FastAPI,
    path: str,
    *,
    name: str,
    summary: str,
    refusal: str,
    sync: Callable[[], SyncSummary],
    next_due: Callable[[], datetime | None],
) -> None:
    """Connected mode's synchronize-now; `refusal` describes the 409 in disconnected mode."""

    @app.post(
        path,
        name=name,
        response_model=SyncView,
        summary=summary,
        responses={**MALFORMED_RESPONSE, 409: {"model": ErrorBody, "description": refusal}},
        dependencies=[Depends(no_body)],
    )
    async def synchronize_now() -> SyncView | Response:
        try:
            summary = sync()
        except RelayModeError as exc:
            return mode_error(exc)
        return SyncView.of(summary, next_due())


def add_ack_import_route(
    app: FastAPI,
    path: str,
    *,
    name: str,
    summary: str,
    import_acks: Callable[[bytes], ImportSummary],
) -> None:
    """Takes CSSM's ACK bundle (or one ACK file) as the raw request body."""

    @app.post(
        path,
        name=name,
        response_model=ImportView,
        summary=summary,
        responses={400: {"model": ErrorBody, "description": "Not an ACK bundle or ACK file"}},
        openapi_extra=binary_body_openapi(GZIP),
    )
    async def import_ack_bundle(request: Request) -> ImportView | Response:
        try:
            summary = import_acks(await request.body())
        except FileFormatError as exc:
            return file_error(exc)
        return ImportView.of(summary)


def bundle_download(data: bytes, filename: str) -> Response:
    """A usage bundle as a file download, as the relay's UI offers it."""
    return Response(
        data,
        media_type=GZIP,
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )
