"""The switch's features, in the order their sections appear in `show running-config`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.switch.callhome.feature import FEATURE as CALLHOME
from sim.switch.config_mgmt.feature import FEATURE as CONFIG_MGMT
from sim.switch.feature import Feature
from sim.switch.files.feature import FEATURE as FILES
from sim.switch.hardware.feature import FEATURE as HARDWARE
from sim.switch.interfaces.feature import FEATURE as INTERFACES
from sim.switch.licensed_features.feature import FEATURE as LICENSED_FEATURES
from sim.switch.licensing.feature import FEATURE as LICENSING
from sim.switch.lines.feature import FEATURE as LINES
from sim.switch.logging.feature import FEATURE as LOGGING
from sim.switch.neighbors.feature import FEATURE as NEIGHBORS
from sim.switch.ntp_dns.feature import FEATURE as NTP_DNS
from sim.switch.system.feature import FEATURE as SYSTEM
from sim.switch.users.feature import FEATURE as USERS
from sim.switch.vlans.feature import FEATURE as VLANS

if TYPE_CHECKING:
    from sim.switch.switch import Switch

FEATURES: tuple[Feature, ...] = (
    SYSTEM,
    LICENSED_FEATURES,
    USERS,
    NTP_DNS,
    LOGGING,
    CALLHOME,
    LICENSING,
    VLANS,
    INTERFACES,
    LINES,
    CONFIG_MGMT,
    FILES,
    HARDWARE,
    NEIGHBORS,
)


def running_config_lines(switch: Switch, *, defaults: bool = False) -> list[str]:
    """The configuration as re-applicable commands (what `copy run start` saves); with
    `defaults`, as `show running-config all` prints it."""
    lines: list[str] = []
    for feature in FEATURES:
        section = feature.running_config_all if defaults else None
        section = section or feature.running_config
        if section is not None:
            lines += section(switch)
    return lines
