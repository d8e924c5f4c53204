"""Cables between lab switches.

A lab cables its switches in pairs when it builds them (leaf1 with leaf2, leaf3 with leaf4,
...), on the two ports NX-OS vPC designs use as the peer link: the PID's first two uplinks.
Cabling is part of the build, like the PID: it is never configured, saved or reset.

A cable carries light only while both ends are enabled: a port whose far end is shut, or
whose far-end switch is gone, is down with `Link not connected`, and comes back with the far
end's `no shutdown`. Each end logs the change as NX-OS's port manager does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sim.switch.ethport import FACILITY, EthportMessage
from sim.switch.interfaces.counters import note_link

if TYPE_CHECKING:
    from sim.switch.interfaces.state import Interface
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


def _port(switch: Switch, name: str) -> Interface | None:
    return next((i for i in switch.interfaces if i.name == name), None)


def far_end(switch: Switch, port: str) -> Interface | None:
    """The port at the other end of `port`'s cable; None when it has no cable, or no far
    switch any more."""
    link = switch.links.get(port)
    if link is None or link.peer.retired:
        return None
    return _port(link.peer, link.peer_port)


def _dark(switch: Switch, interface: Interface, dark: bool) -> None:
    """No light comes in (`dark`) or light comes back: the port follows, and says so."""
    was_up = interface.oper_up
    interface.far_end_down = dark
    # A transceiver just plugged in may have brought it up too, so this notes either change.
    note_link(interface, now=switch.now(), booted_at=switch.booted_at)
    if interface.oper_up == was_up:
        return
    if interface.oper_up:
        mode = "Layer3" if interface.routed else "mode access"
        up = EthportMessage.IF_UP
        switch.log_other(FACILITY, up, up.render(interface.name, mode))
    else:
        down = EthportMessage.IF_DOWN_LINK_FAILURE
        switch.log_other(FACILITY, down, down.render(interface.name))


def shut_changed(switch: Switch, interface: Interface) -> None:
    """`shutdown` or `no shutdown` on a port: its counters note it, and on a cabled port the
    far end loses or regains its light."""
    note_link(interface, now=switch.now(), booted_at=switch.booted_at)
    link = switch.links.get(interface.name)
    far = far_end(switch, interface.name)
    if link is not None and far is not None:
        _dark(link.peer, far, not interface.admin_up)


def plug(switch: Switch) -> None:
    """Cabled ports have a transceiver in and see the far end's state; the far ends see this
    chassis (a replacement takes over its predecessor's cables) and this end's state."""
    for link in switch.links.values():
        link.peer.links[link.peer_port] = Link(link.peer_port, switch, link.port)
        near = _port(switch, link.port)
        if near is None:
            continue
        near.transceiver = True
        far = far_end(switch, link.port)
        _dark(switch, near, far is None or not far.admin_up)
        if far is not None:
            _dark(link.peer, far, not near.admin_up)


def unplug(switch: Switch) -> None:
    """`switch` goes away for a while (a reload): the far ends of its cables go dark."""
    for link in switch.links.values():
        far = far_end(switch, link.port)
        if far is not None:
            _dark(link.peer, far, True)


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
