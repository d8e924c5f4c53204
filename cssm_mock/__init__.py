"""Mock of Cisco Smart Software Manager (CSSM), its Smart Receiver and its automation API."""

from cssm_mock.app import create_app
from cssm_mock.models import (
    DEFAULT_API_CLIENT_ID,
    DEFAULT_API_CLIENT_SECRET,
    CssmModel,
    DeviceUsage,
    InvalidAccessTokenError,
    InvalidClientError,
    UnknownAccountError,
    UnknownUploadError,
    UploadFailedError,
    UsageBatchState,
    UsageFileError,
    UsageUpload,
)

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
