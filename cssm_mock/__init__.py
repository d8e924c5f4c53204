"""Mock of Cisco Smart Software Manager (CSSM) and its Smart Receiver."""

from cssm_mock.app import create_app
from cssm_mock.models import CssmModel, UnknownAccountError

__all__ = ["CssmModel", "UnknownAccountError", "create_app"]
