"""Mock of Cisco Smart Software Manager (CSSM), its Smart Receiver and its automation API."""

from typing import TYPE_CHECKING, Any

from cssm_mock.accounts import UnknownAccountError
from cssm_mock.automation_api import (
    DEFAULT_API_CLIENT_ID,
    DEFAULT_API_CLIENT_SECRET,
    InvalidAccessTokenError,
    InvalidClientError,
    UsageBatchState,
)
from cssm_mock.models import CssmModel
from cssm_mock.reports import DeviceUsage
from cssm_mock.usage_files import UnknownUploadError, UploadFailedError, UsageFileError, UsageUpload

__all__ = [
    "DEFAULT_API_CLIENT_ID",
    "DEFAULT_API_CLIENT_SECRET",
    "CssmModel",
    "DeviceUsage",
    "InvalidAccessTokenError",
    "InvalidClientError",
    "UnknownAccountError",
    "UnknownUploadError",
    "UploadFailedError",
    "UsageBatchState",
    "UsageFileError",
    "UsageUpload",
    "create_app",
]

if TYPE_CHECKING:
    from cssm_mock.app import create_app


def __getattr__(name: str) -> Any:
    # The FastAPI app is imported when asked for: a simulation that reaches the model
    # in-process (sim/exchange.py) never pays for FastAPI.
    if name == "create_app":
        from cssm_mock.app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
