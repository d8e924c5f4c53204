"""Interface configuration: `interface <if>` and its sub-mode, and the running-config blocks."""

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING

from sim.switch.cabling import shut_changed
from sim.switch.cli import ArgType, CommandError, Mode
from sim.switch.feature import Ctx, Grammar, changed, switch_of
from sim.switch.interfaces.state import DEFAULT_MTU, Interface, is_default

if TYPE_CHECKING:
    from sim.switch.switch import Switch

CONFIG_IF = Mode.submode("config-if")
MGMT_VRF = "management"
_PREFIX = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,3}){3}/[0-9]{1,2}")
MAX_DESCRIPTION = 254

HELP = {
    "interface": "Configure interfaces",
    "description": "Enter description of maximum 254 characters",
    "shutdown": "Enable/disable an interface",
    "switchport": "Configure switchport parameters",
    "access": "Set access mode characteristics of the interface",
    "vlan": "Set VLAN when interface is in access mode",
    "mtu": "Configure mtu for the port",
    "ip": "Configure IP features",
    "address": "Configure IP address on interface",
    "ipv6": "Configure IPv6 features",
}


def _parse_prefix(token: str) -> str:
    if not _PREFIX.fullmatch(token):
        raise ValueError(token)
    interface = ipaddress.IPv4Interface(token)  # refuses a bad octet or prefix length
    if interface.network.prefixlen == 0:
        raise ValueError(token)
    return str(interface)


def _parse_description(text: str) -> str:
    if len(text) > MAX_DESCRIPTION or not all(" " <= ch <= "~" for ch in text):
        raise ValueError(text)
    if not text.strip():
        raise ValueError(text)
    return text.strip()


def _parse_ipv6_prefix(token: str) -> str:
    if "/" not in token or "." in token:
        raise ValueError(token)
    interface = ipaddress.IPv6Interface(token)  # refuses a bad group or prefix length
    if interface.network.prefixlen == 0 or interface.ip.is_multicast:
        raise ValueError(token)
    return str(interface)


IPV6_PREFIX_TYPE = ArgType(
    "A:B::C:D/LEN", "IPv6 prefix and network mask length", _parse_ipv6_prefix
)
PREFIX_TYPE = ArgType("A.B.C.D/LEN", "IP prefix and network mask length", _parse_prefix)
DESCRIPTION_TYPE = ArgType("LINE", "Description", _parse_description, rest_of_line=True)


def _editing(ctx: Ctx) -> Interface:
    name = ctx.session.editing.get(CONFIG_IF)
    for interface in switch_of(ctx).interfaces:
        if interface.name == name:
            return interface
    raise CommandError("% Invalid interface")


def _interface(ctx: Ctx) -> str:
    name = str(ctx.args["ifname"])
    if not any(i.name == name for i in switch_of(ctx).interfaces):
        raise CommandError(f"% Invalid interface {name}")
    ctx.session.editing[CONFIG_IF] = name
    return ""


def _description(ctx: Ctx) -> str:
    _editing(ctx).description = "" if ctx.negated else str(ctx.args["text"])
    changed(ctx)
    return ""


def _shutdown(ctx: Ctx) -> str:
    interface = _editing(ctx)
    interface.admin_up = ctx.negated
    shut_changed(switch_of(ctx), interface)
    changed(ctx)
    return ""


def _switchport(ctx: Ctx) -> str:
    interface = _editing(ctx)
    if interface.is_mgmt:
        raise CommandError("ERROR: switchport is not supported on mgmt0")
    interface.routed = ctx.negated
    if not interface.routed:
        interface.ipv4 = None  # an L2 port keeps no address
        interface.ipv6 = ()
    changed(ctx)
    return ""


def _access_vlan(ctx: Ctx) -> str:
    _editing(ctx).access_vlan = 1 if ctx.negated else int(ctx.args["vlan"])
    changed(ctx)
    return ""


def _mtu(ctx: Ctx) -> str:
    _editing(ctx).mtu = DEFAULT_MTU if ctx.negated else int(ctx.args["mtu"])
    changed(ctx)
    return ""


def _ip_address(ctx: Ctx) -> str:
    interface = _editing(ctx)
    if ctx.negated:
        interface.ipv4 = None
    elif not interface.routed:
        raise CommandError(f"ERROR: {interface.name}: IP address not allowed on a switchport")
    else:
        interface.ipv4 = str(ctx.args["prefix"])
    changed(ctx)
    return ""


def _ipv6_address(ctx: Ctx) -> str:
    interface = _editing(ctx)
    prefix = ctx.args.get("prefix6")
    if ctx.negated:
        if prefix is None:
            interface.ipv6 = ()
        elif prefix in interface.ipv6:
            interface.ipv6 = tuple(p for p in interface.ipv6 if p != prefix)
        else:
            raise CommandError(f"ERROR: Address {prefix} not configured on {interface.name}")
    elif not interface.routed:
        raise CommandError(f"ERROR: {interface.name}: IPv6 address not allowed on a switchport")
    elif prefix not in interface.ipv6:
        interface.ipv6 = (*interface.ipv6, str(prefix))
    changed(ctx)
    return ""


def _vrf_member(ctx: Ctx) -> str:
    # VRFs other than mgmt0's are not modelled: the running configuration always shows
    # this line for mgmt0, so replaying it must work, and nothing else can.
    interface, vrf = _editing(ctx), str(ctx.args["vrf_name"])
    if not interface.is_mgmt:
        raise CommandError(f"% VRF {vrf} not found")
    if vrf != MGMT_VRF or ctx.negated:
        raise CommandError("ERROR: mgmt0 is a member of VRF management only")
    return ""


def register(grammar: Grammar) -> None:
    grammar.commands.define_type("ipv4prefix", PREFIX_TYPE)
    grammar.commands.define_type("ipv6prefix", IPV6_PREFIX_TYPE)
    grammar.commands.define_type("description", DESCRIPTION_TYPE)
    grammar.add(
        Mode.CONFIG,
        "interface <ifname:interface>",
        _interface,
        enters=CONFIG_IF,
        negatable=False,
        help=HELP,
    )
    grammar.add(
        CONFIG_IF,
        "description <text:description>",
        _description,
        no_pattern="description [<text:description>]",
        help=HELP,
    )
    grammar.add(CONFIG_IF, "shutdown", _shutdown, help=HELP)
    grammar.add(CONFIG_IF, "switchport", _switchport, help=HELP)
    grammar.add(
        CONFIG_IF,
        "switchport access vlan <vlan:int(1-4094)>",
        _access_vlan,
        no_pattern="switchport access vlan [<vlan:int(1-4094)>]",
        help=HELP,
    )
    grammar.add(
        CONFIG_IF,
        "mtu <mtu:int(576-9216)>",
        _mtu,
        no_pattern="mtu [<mtu:int(576-9216)>]",
        help=HELP,
    )
    grammar.add(
        CONFIG_IF,
        "ip address <prefix:ipv4prefix>",
        _ip_address,
        no_pattern="ip address [<prefix:ipv4prefix>]",
        help=HELP,
    )
    grammar.add(
        CONFIG_IF,
        "vrf member <vrf_name:name>",
        _vrf_member,
        help={"vrf": "Configure VRF parameters", "member": "Set VRF membership"},
    )
    grammar.add(
        CONFIG_IF,
        "ipv6 address <prefix6:ipv6prefix>",
        _ipv6_address,
        no_pattern="ipv6 address [<prefix6:ipv6prefix>]",
        help=HELP | {"address": "Configure IPv6 address on interface"},
    )


def running_config(switch: Switch) -> list[str]:
    return [line for interface in switch.interfaces for line in _block(interface, False)]


def running_config_all(switch: Switch) -> list[str]:
    return [line for interface in switch.interfaces for line in _block(interface, True)]


def _block(interface: Interface, defaults: bool) -> list[str]:
    # NX-OS lists every interface, configured or not; Ansible's interfaces resource module
    # reads the set of interfaces from these headers. mgmt0 always names its VRF.
    lines = ["", f"interface {interface.name}"]
    if interface.is_mgmt:
        lines.append(f"  vrf member {MGMT_VRF}")
    if is_default(interface) and not defaults:
        return lines
    if interface.description:
        lines.append(f"  description {interface.description}")
    elif defaults:
        lines.append("  no description")
    if not interface.is_mgmt and (interface.routed or defaults):
        lines.append("  no switchport" if interface.routed else "  switchport")
    if not interface.routed and (interface.access_vlan != 1 or defaults):
        lines.append(f"  switchport access vlan {interface.access_vlan}")
    if interface.mtu != DEFAULT_MTU or defaults:
        lines.append(f"  mtu {interface.mtu}")
    if interface.ipv4:
        lines.append(f"  ip address {interface.ipv4}")
    lines += [f"  ipv6 address {prefix}" for prefix in interface.ipv6]
    lines.append("  no shutdown" if interface.admin_up else "  shutdown")
    return lines
