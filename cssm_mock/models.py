"""CSSM and its Smart Receiver as a pure model: accounts, ID tokens, inventory and the rules.

No I/O and no web framework here: `cssm_mock.app` is a thin HTTP shell around `CssmModel`,
and scenarios drive the same object directly. Time comes only from the injected clock.

`CssmModel` is built in layers, one module per concept: accounts, their policies and ID tokens
(`accounts`), the product-instance inventory (`inventory`), usage taken in and acknowledged
(`usage`), and the three ways usage arrives, which all end in that inventory: device messages
to the Smart Receiver (`smart_receiver`), Usage Data Files uploaded by people
(`usage_files`), and the automation REST API behind OAuth2 client credentials
(`automation_api`).
"""

from __future__ import annotations

from cssm_mock.accounts import (
    DEFAULT_DOMAIN,
    DEFAULT_SMART_ACCOUNT,
    DEFAULT_VIRTUAL_ACCOUNTS,
    FIRST_ACCOUNT_ID,
    IdToken,
    SmartAccount,
    UnknownAccountError,
    VaPolicy,
    VirtualAccount,
)
from cssm_mock.automation_api import (
    ACCESS_TOKEN_LIFETIME,
    DEFAULT_API_CLIENT_ID,
    DEFAULT_API_CLIENT_SECRET,
    AccessToken,
    AutomationApi,
    InvalidAccessTokenError,
    InvalidClientError,
    UsageAcknowledgement,
    UsageBatchState,
)
from cssm_mock.counters import Counters
from cssm_mock.inventory import PendingAck, ProductInstance
from cssm_mock.reports import DeviceUsage, ReceivedReport
from cssm_mock.smart_receiver import INFO_PAGE, SmartReceiver
from cssm_mock.timestamps import clock_skewed, epoch_ms
from cssm_mock.trust import TrustRecord
from cssm_mock.usage_files import (
    UnknownUploadError,
    UploadedDevice,
    UploadFailedError,
    UsageFileError,
    UsageFiles,
    UsageUpload,
)
from sim.clock import Clock
from sim.protocol.signing import Signer
from sim.timing import DEFAULT_TIMING, TimingProfile

# The model, and every name this module held before it was split by concept: code written
# against it still imports them from here.
__all__ = [
    "ACCESS_TOKEN_LIFETIME",
    "DEFAULT_API_CLIENT_ID",
    "DEFAULT_API_CLIENT_SECRET",
    "DEFAULT_DOMAIN",
    "DEFAULT_SMART_ACCOUNT",
    "DEFAULT_VIRTUAL_ACCOUNTS",
    "FIRST_ACCOUNT_ID",
    "INFO_PAGE",
    "AccessToken",
    "Counters",
    "CssmModel",
    "DeviceUsage",
    "IdToken",
    "InvalidAccessTokenError",
    "InvalidClientError",
    "PendingAck",
    "ProductInstance",
    "ReceivedReport",
    "SmartAccount",
    "TrustRecord",
    "UnknownAccountError",
    "UnknownUploadError",
    "UploadFailedError",
    "UploadedDevice",
    "UsageAcknowledgement",
    "UsageBatchState",
    "UsageFileError",
    "UsageUpload",
    "VaPolicy",
    "VirtualAccount",
    "clock_skewed",
    "epoch_ms",
]


class CssmModel(UsageFiles, AutomationApi, SmartReceiver):
    """CSSM (accounts, tokens, inventory, policies) and the Smart Receiver's rules."""

    def __init__(
        self,
        clock: Clock,
        timing: TimingProfile = DEFAULT_TIMING,
        signer: Signer | None = None,
    ) -> None:
        self.clock = clock
        self.timing = timing
        self.signer = signer if signer is not None else Signer.for_simulation("CSSM", clock.now())
        self.ack_delay = timing.ack_delay
        self.counters = Counters()
        self.smart_accounts = {}
        self.tokens = {}
        self.inventory = {}
        self.acks = {}
        self.uploads = {}
        self.usage_batches = {}
        self.api_clients = {}
        self.api_client_accounts = {}  # client id -> its smart account
        self.access_tokens = {}
        self._next_account_id = FIRST_ACCOUNT_ID
        self.add_smart_account(DEFAULT_SMART_ACCOUNT, DEFAULT_DOMAIN, DEFAULT_VIRTUAL_ACCOUNTS)
        self.add_api_client(DEFAULT_API_CLIENT_ID, DEFAULT_API_CLIENT_SECRET)
