"""Mock of Cisco Smart Software Manager On-Prem: local accounts, trust codes, relay to CSSM."""

from typing import TYPE_CHECKING, Any

from onprem_mock.models import OnPremModel, UnknownAccountError

__all__ = ["OnPremModel", "UnknownAccountError", "create_app"]

if TYPE_CHECKING:
    from onprem_mock.app import create_app


def __getattr__(name: str) -> Any:
    # The FastAPI app is imported when asked for: a simulation that reaches the model
    # in-process (sim/exchange.py) never pays for FastAPI.
    if name == "create_app":
        from onprem_mock.app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
