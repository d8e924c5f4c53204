"""The HTTP face of the SSM On-Prem mock: the per-tenant CSLU endpoint and a `/_sim/` plane.

All state lives in the `OnPremModel`; `create_app` only translates HTTP to model calls (the
request plumbing is the CSLU app's, as both speak the same protocol). The control plane
mirrors the On-Prem UI: tokens, SL Using Policy inventory, Synchronize, Export Usage to Cisco
/ Import From Cisco, Support Center > System Logs, plus a switch for the down-rev fault.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from cslu_mock.app import (
    PI_PATH,
    ProductInstanceView,
    add_ack_import_route,
    add_sync_route,
    bundle_download,
)
from cslu_mock.models import ProductInstance
from onprem_mock.models import SYSTEM_LOGS_ZIP, OnPremModel, UnknownAccountError, inventory_udi
from sim.backend_http import (
    GZIP,
    MALFORMED_RESPONSE,
    ErrorBody,
    IdTokenRequest,
    add_component_schemas,
    agent_request_openapi,
    binary_response,
    check_json_bodies,
    install_error_handlers,
    json_body_openapi,
    json_error,
    read_agent_request,
    read_json_body,
)
from sim.protocol.messages import Reply, Sudi

_NAME = Field(min_length=1, max_length=256)
_UNKNOWN: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "Unknown account, tenant or product"}
}


class TokenCreate(IdTokenRequest):
    local_account: str | None = Field(default=None, max_length=256)
    max_uses: int | None = Field(default=None, ge=1, le=2**31)


class TokenView(BaseModel):
    token: str
    local_account: str
    virtual_account: str
    expires: str
    max_uses: int | None
    uses: int
    revoked: bool
    description: str


class ProductRef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    udi_pid: str = Field(min_length=1, max_length=64)
    udi_serial_number: str = Field(min_length=1, max_length=64)

    @property
    def sudi(self) -> Sudi:
        return Sudi(udi_pid=self.udi_pid, udi_serial_number=self.udi_serial_number)


class ProductMove(ProductRef):
    local_account: str = _NAME
    virtual_account: str = _NAME


class ExportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    virtual_account: str = Field(default="Default", min_length=1, max_length=256)
    local_account: str | None = Field(default=None, max_length=256)
    udis: list[ProductRef] | None = Field(default=None, max_length=10000)


class DownRev(BaseModel):
    model_config = ConfigDict(extra="forbid")

    down_rev: bool


class OnPremInfo(BaseModel):
    product: str
    release: str
    down_rev: bool
    mode: str
    tenants: list[str]
    product_instances: int
    certificate: str


class SlProductView(ProductInstanceView):
    name: str  # as the SL Using Policy list shows it: hostname, else the UDI string
    inventory_udi: str
    tenant: str

    @classmethod
    def of_product(cls, pi: ProductInstance, tenant: str) -> SlProductView:
        base = ProductInstanceView.of(pi).model_dump()
        return cls(
            **base,
            name=pi.hostname or inventory_udi(pi.udi),
            inventory_udi=inventory_udi(pi.udi),
            tenant=tenant,
        )


def _unknown(exc: UnknownAccountError) -> Response:
    return json_error(404, "unknown account", str(exc))


def create_app(model: OnPremModel) -> FastAPI:
    app = FastAPI(
        title="SSM On-Prem mock",
        version="0.1.0",
        description=(
            "Cisco Smart Software Manager On-Prem, simulated: local accounts, ID tokens and "
            "trust codes, the CSLU endpoint per tenant, synchronization with CSSM."
        ),
    )
    install_error_handlers(app)
    check_json_bodies(app)
    agent_body, definitions = agent_request_openapi()

    def tenant_of(pi: ProductInstance) -> str:
        return model.virtual_account(pi.virtual_account, pi.account).tenant

    @app.post(
        PI_PATH + "/{tenant}",
        response_model=Reply,
        response_model_exclude_none=True,
        summary="Device message for one tenant (`<VA name>-<n>`)",
        responses={
            **MALFORMED_RESPONSE,
            404: {"model": ErrorBody, "description": "Unknown tenant"},
        },
        openapi_extra=agent_body,
    )
    async def product_instance_message(tenant: str, request: Request) -> Reply | Response:
        message = await read_agent_request(request)
        try:
            return model.handle(message, tenant)
        except UnknownAccountError as exc:
            return json_error(404, "unknown tenant", str(exc))

    @app.get("/_sim/info", response_model=OnPremInfo, summary="Release, mode and tenants")
    async def info() -> OnPremInfo:
        return OnPremInfo.model_validate(model.info())

    @app.post(
        "/_sim/tokens",
        response_model=TokenView,
        summary="Create an ID token in a local virtual account",
        responses={**MALFORMED_RESPONSE, **_UNKNOWN},
        openapi_extra=json_body_openapi(TokenCreate),
    )
    async def create_token(request: Request) -> TokenView | Response:
        body = await read_json_body(request, TokenCreate)
        try:
            token = model.create_token(
                body.virtual_account,
                body.local_account,
                lifetime=body.lifetime,
                max_uses=body.max_uses,
                description=body.description,
            )
        except UnknownAccountError as exc:
            return _unknown(exc)
        return _token_view(model, token)

    @app.get("/_sim/tokens", response_model=list[TokenView], summary="Every ID token")
    async def list_tokens() -> list[TokenView]:
        return [_token_view(model, token) for token in model.tokens]

    @app.get(
        "/_sim/product-instances",
        response_model=list[SlProductView],
        summary="Inventory > SL Using Policy, every local virtual account",
    )
    async def product_instances() -> list[SlProductView]:
        return [SlProductView.of_product(pi, tenant_of(pi)) for pi in model.product_instances()]

    @app.post(
        "/_sim/product-instances/move",
        response_model=SlProductView,
        summary="Move a product to another local account / virtual account",
        responses={**MALFORMED_RESPONSE, **_UNKNOWN},
        openapi_extra=json_body_openapi(ProductMove),
    )
    async def move_product(request: Request) -> SlProductView | Response:
        body = await read_json_body(request, ProductMove)
        try:
            pi = model.move_product_instance(body.sudi, body.local_account, body.virtual_account)
        except UnknownAccountError as exc:
            return _unknown(exc)
        return SlProductView.of_product(pi, tenant_of(pi))

    @app.post(
        "/_sim/product-instances/remove",
        response_model=list[SlProductView],
        summary="Remove a product from the inventory",
        responses={**MALFORMED_RESPONSE, **_UNKNOWN},
        openapi_extra=json_body_openapi(ProductRef),
    )
    async def remove_product(request: Request) -> list[SlProductView] | Response:
        body = await read_json_body(request, ProductRef)
        try:
            model.remove_product_instance(body.sudi)
        except UnknownAccountError as exc:
            return _unknown(exc)
        return [SlProductView.of_product(pi, tenant_of(pi)) for pi in model.product_instances()]

    add_sync_route(
        app,
        "/_sim/synchronize",
        name="synchronize",
        summary="Synchronize with Cisco now (connected mode)",
        refusal="On-Prem is disconnected from CSSM",
        sync=model.synchronize,
        next_due=model.next_sync_due,
    )

    @app.post(
        "/_sim/export-usage-to-cisco",
        response_class=Response,
        summary="Export Usage to Cisco: a usage bundle of one VA (or its selected products)",
        responses={**MALFORMED_RESPONSE, **_UNKNOWN, **binary_response(GZIP, "Usage bundle")},
        openapi_extra={
            "requestBody": {
                "required": False,
                "content": json_body_openapi(ExportRequest)["requestBody"]["content"],
            }
        },
    )
    async def export_usage_to_cisco(request: Request) -> Response:
        raw = await request.body()
        body = ExportRequest() if not raw else await read_json_body(request, ExportRequest)
        udis = None if body.udis is None else [ref.sudi for ref in body.udis]
        try:
            data = model.export_usage_to_cisco(body.virtual_account, body.local_account, udis)
        except UnknownAccountError as exc:
            return _unknown(exc)
        return bundle_download(data, "UD_SA_onprem.tar.gz")

    add_ack_import_route(
        app,
        "/_sim/import-from-cisco",
        name="import_from_cisco",
        summary="Import From Cisco: CSSM's ACK bundle as the request body",
        import_acks=model.import_from_cisco,
    )

    @app.get(
        "/_sim/support-center/system-logs",
        response_class=Response,
        summary="Support Center > System Logs > Download All Logs (AllFiles.zip)",
        responses=binary_response("application/zip", SYSTEM_LOGS_ZIP),
    )
    async def system_logs() -> Response:
        return Response(
            model.support_logs_zip(),
            media_type="application/zip",
            headers={"content-disposition": f'attachment; filename="{SYSTEM_LOGS_ZIP}"'},
        )

    @app.post(
        "/_sim/down-rev",
        response_model=OnPremInfo,
        summary="Make this On-Prem behave as a down-rev release (or not)",
        responses=MALFORMED_RESPONSE,
        openapi_extra=json_body_openapi(DownRev),
    )
    async def down_rev(request: Request) -> OnPremInfo:
        body = await read_json_body(request, DownRev)
        model.down_rev = body.down_rev
        return OnPremInfo.model_validate(model.info())

    add_component_schemas(app, definitions)
    return app


def _token_view(model: OnPremModel, token: str) -> TokenView:
    record = model.tokens[token]
    return TokenView(
        token=record.token,
        local_account=record.smart_account,
        virtual_account=record.virtual_account,
        expires=record.expires.isoformat(),
        max_uses=record.max_uses,
        uses=record.uses,
        revoked=record.revoked,
        description=record.description,
    )
