"""The interfaces of a switch, as data: which ports a PID has and what each one is.

A PID's front panel is a list of port groups (first and last port, speed, optic); every
switch also has mgmt0. Without cabling in the lab, front-panel ports are admin up with no
transceiver, as on a switch fresh out of the box; mgmt0 is up. MAC addresses derive from the
serial number, so the same switch shows the same addresses after every restart.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

_DEFAULT_PID = "N9K-C93180YC-FX"


@dataclass(frozen=True)
class PortGroup:
    first: int
    last: int
    speed_mbps: int


# From the data sheets: 1/10/25G SFP28 and 40/100G QSFP28 ports, in front-panel order.
PORT_GROUPS: dict[str, tuple[PortGroup, ...]] = {
    "N9K-C93180YC-FX": (PortGroup(1, 48, 25_000), PortGroup(49, 54, 100_000)),
    "N9K-C9336C-FX2": (PortGroup(1, 36, 100_000),),
    "N9K-C93240YC-FX2": (PortGroup(1, 48, 25_000), PortGroup(49, 60, 100_000)),
    "N9K-C9364C": (PortGroup(1, 64, 100_000), PortGroup(65, 66, 10_000)),
}

MGMT = "mgmt0"
DEFAULT_MTU = 1500
NOT_INSERTED = "XCVR not inserted"
# `Ethernet1/6 is down (Link not connected)`, as NX-OS shows a port with a transceiver and no
# light from the far end (Genie's show interface fixtures; ntc-templates' interface brief).
NOT_CONNECTED = "Link not connected"


@dataclass(frozen=True, slots=True)
class LinkChange:
    """A port's link as last noted: whether it came up or went down, and when; `up_before` is
    how long it was up from `counted_from` (its counters' start then) to that moment."""

    up: bool
    at: datetime
    up_before: timedelta
    counted_from: datetime


@dataclass(slots=True)
class Interface:
    name: str
    mac: str
    speed_mbps: int
    admin_up: bool = True
    transceiver: bool = False
    description: str = ""
    mtu: int = DEFAULT_MTU
    access_vlan: int = 1
    routed: bool = False
    ipv4: str | None = None
    """The primary address and prefix length, `10.1.1.1/24`, of a routed port."""
    ipv6: tuple[str, ...] = ()
    """Configured IPv6 addresses with their prefix length, `2001:db8::1/64`, in order (a tuple:
    most ports have none, and the empty one is shared)."""
    counters_cleared_at: datetime | None = None
    """When `clear counters` last ran for it (state, not configuration)."""
    far_end_down: bool = False
    """The port at the other end of its cable is shut, or its switch is gone: no light comes
    in, so this port is down too (state the cabling keeps, not configuration)."""
    link_change: LinkChange | None = None
    """The last time its link went up or down (state: counters grow only while it is up);
    None: its link is as it was made."""

    @property
    def is_mgmt(self) -> bool:
        return self.name == MGMT

    @property
    def oper_up(self) -> bool:
        return self.admin_up and (self.transceiver or self.is_mgmt) and not self.far_end_down

    @property
    def down_reason(self) -> str:
        """`none` when up, else why, as `show interface` says it."""
        if self.oper_up:
            return "none"
        if not self.admin_up:
            return "Administratively down"
        return NOT_CONNECTED if self.transceiver else NOT_INSERTED

    @property
    def link_local(self) -> str:
        """The EUI-64 link-local address NX-OS derives from the MAC once IPv6 is on."""
        octets = bytes.fromhex(self.mac.replace(".", ""))
        eui = bytes([octets[0] ^ 0x02, *octets[1:3], 0xFF, 0xFE, *octets[3:]])
        groups = [f"{int.from_bytes(eui[i : i + 2], 'big'):x}" for i in range(0, 8, 2)]
        return "fe80::" + ":".join(groups)

    @property
    def short_name(self) -> str:
        """`Eth1/1`: the name in tables such as `show interface status`."""
        return self.name.replace("Ethernet", "Eth", 1)


def is_default(interface: Interface) -> bool:
    """Nothing configured: the port has no running-config block."""
    # A plugged cable is hardware, not configuration.
    fresh = Interface(
        interface.name,
        interface.mac,
        interface.speed_mbps,
        transceiver=interface.transceiver,
        far_end_down=interface.far_end_down,
        counters_cleared_at=interface.counters_cleared_at,
        link_change=interface.link_change,
    )
    if interface.is_mgmt:
        fresh.routed = True
    return interface == fresh


def port_groups(pid: str) -> tuple[PortGroup, ...]:
    return PORT_GROUPS.get(pid, PORT_GROUPS[_DEFAULT_PID])


def _base_mac(serial: str) -> int:
    # A Cisco OUI with three bytes from the serial number.
    low = int.from_bytes(hashlib.sha256(serial.encode()).digest()[:3], "big") & 0xFFFF00
    return 0x2CC260_000000 | low


def _dotted(mac: int) -> str:
    text = f"{mac:012x}"
    return f"{text[0:4]}.{text[4:8]}.{text[8:12]}"


def default_interfaces(pid: str, serial: str) -> list[Interface]:
    """mgmt0 then Ethernet1/1.. in order, as NX-OS lists them."""
    base = _base_mac(serial)
    interfaces = [Interface(MGMT, _dotted(base), 1000, routed=True)]
    for group in port_groups(pid):
        for port in range(group.first, group.last + 1):
            mac = _dotted(base + port) if port < 0x100 else _dotted(base)
            interfaces.append(Interface(f"Ethernet1/{port}", mac, group.speed_mbps))
    return interfaces


_ETHERNET = re.compile(r"([A-Za-z]{1,8})([0-9]{1,2})/([0-9]{1,3})")
_MGMT = re.compile(r"mgmt([0-9])", re.IGNORECASE)


def parse_interface_name(token: str) -> str:
    """`Ethernet1/1` for `eth1/1`, `e1/1` or `Ethernet1/1`; `mgmt0`; else ValueError."""
    if match := _ETHERNET.fullmatch(token):
        if "ethernet".startswith(match[1].lower()):
            return f"Ethernet{int(match[2])}/{int(match[3])}"
    elif match := _MGMT.fullmatch(token):
        return f"mgmt{match[1]}"
    raise ValueError(token)
