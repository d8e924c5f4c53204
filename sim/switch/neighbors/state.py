"""Cables between lab switches.

A lab cables its switches in pairs when it builds them (leaf1 with leaf2, leaf3 with leaf4,
...), on the two ports NX-OS vPC designs use as the peer link: the PID's first two uplinks.
Cabling is part of the build, like the PID: it is never configured, saved or reset.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.switch.switch import Switch

# The first 100G ports of each PID (Ethernet1/49-50 on a 93180YC-FX).
PEER_LINK_PORTS: dict[str, tuple[str, str]] = {
    "N9K-C93180YC-FX": ("Ethernet1/49", "Ethernet1/50"),
    "N9K-C9336C-FX2": ("Ethernet1/35", "Ethernet1/36"),
    "N9K-C93240YC-FX2": ("Ethernet1/49", "Ethernet1/50"),
    "N9K-C9364C": ("Ethernet1/63", "Ethernet1/64"),
}
_DEFAULT = ("Ethernet1/49", "Ethernet1/50")


@dataclass(frozen=True)
class Link:
    port: str
    peer: Switch
    peer_port: str


def peer_link_ports(pid: str) -> tuple[str, str]:
    return PEER_LINK_PORTS.get(pid, _DEFAULT)


def cable(a: Switch, a_port: str, b: Switch, b_port: str) -> None:
    """One cable, seen from both ends."""
    a.links[a_port] = Link(a_port, b, b_port)
    b.links[b_port] = Link(b_port, a, a_port)
    a.plug_links()
    b.plug_links()


def cable_pairs(switches: Sequence[Switch]) -> None:
    """Pair the switches in build order, each pair joined on both peer-link ports."""
    for a, b in zip(switches[0::2], switches[1::2], strict=False):
        for a_port, b_port in zip(
            peer_link_ports(a.sudi.udi_pid), peer_link_ports(b.sudi.udi_pid), strict=True
        ):
            cable(a, a_port, b, b_port)
