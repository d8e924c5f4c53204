"""The Ethernet port manager's (ETHPORT) syslog messages for a link that goes down or up.

Both texts are NX-OS's own: `%ETHPORT-5-IF_DOWN_LINK_FAILURE: Interface Ethernet1/4 is down
(Link failure)` and `%ETHPORT-5-IF_UP: Interface Ethernet1/1 is up in mode access` (or `in
Layer3` for a routed port), as Cisco's Nexus 9000 link-flap troubleshooting notes and switch
logs quoted in public syslog parsers print them. A port logs them when its far end's light
goes or comes back; NX-OS logs more around a port's own `shutdown`, which is not modelled.
"""

from __future__ import annotations

from sim.syslog import MessageCatalog

FACILITY = "ETHPORT"


class EthportMessage(MessageCatalog):
    """(mnemonic, severity, text template with {} for each [chars])."""

    IF_DOWN_LINK_FAILURE = ("IF_DOWN_LINK_FAILURE", 5, "Interface {} is down (Link failure)")
    IF_UP = ("IF_UP", 5, "Interface {} is up in {}")
