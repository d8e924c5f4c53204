"""Mock of Cisco Smart Software Manager On-Prem: local accounts, trust codes, relay to CSSM."""

from onprem_mock.app import create_app
from onprem_mock.models import OnPremModel, UnknownAccountError

__all__ = ["OnPremModel", "UnknownAccountError", "create_app"]
