"""Mock of the Cisco Smart License Utility (CSLU): store and forward between switches and CSSM."""

from typing import TYPE_CHECKING, Any

from cslu_mock.models import CsluModel, ImportSummary, RelayModeError, SyncSummary

__all__ = ["CsluModel", "ImportSummary", "RelayModeError", "SyncSummary", "create_app"]

if TYPE_CHECKING:
    from cslu_mock.app import create_app


def __getattr__(name: str) -> Any:
    # The FastAPI app is imported when asked for: a simulation that reaches the model
    # in-process (sim/exchange.py) never pays for FastAPI.
    if name == "create_app":
        from cslu_mock.app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
