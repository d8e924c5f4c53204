"""Mock of the Cisco Smart License Utility (CSLU): store and forward between switches and CSSM."""

from cslu_mock.app import create_app
from cslu_mock.models import CsluModel, ImportSummary, RelayModeError, SyncSummary

__all__ = ["CsluModel", "ImportSummary", "RelayModeError", "SyncSummary", "create_app"]
