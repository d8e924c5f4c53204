"""LLDP, CDP and ARP records of a switch's cabled neighbours (the NX-OS JSON keys NAPALM and
Ansible read: `TABLE_nbor`, `TABLE_nbor_detail`, `TABLE_cdp_neighbor_*_info`, `TABLE_adj`)
and their text. A neighbour is seen while both ends of its cable are up."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sim.switch.cabling import Link, far_end
from sim.switch.platform import NXOS_VERSION

if TYPE_CHECKING:
    from sim.switch.switch import Switch

Record = dict[str, Any]
Row = dict[str, Any]
LLDP_HOLD = 120
CDP_HOLD = 180
ARP_REFRESH = 1500
SYSTEM_DESCRIPTION = f"Cisco Nexus Operating System (NX-OS) Software {NXOS_VERSION}"
CDP_CAPABILITIES = ["router", "switch", "IGMP_cnd_filtering", "Supports-STP-Dispute"]


@dataclass(frozen=True)
class Neighbor:
    """One cable as the local switch sees it, with what the far end advertises."""

    local_port: str
    system_name: str
    chassis_mac: str
    serial: str
    pid: str
    port: str
    port_description: str
    mtu: int
    mgmt_address: str | None
    far_address: str | None
    """The far port's IPv4 address, for ARP when the near port is routed in its subnet."""
    far_mac: str
    near_address: str | None


def _short(name: str) -> str:
    return name.replace("Ethernet", "Eth", 1)


def _interface(switch: Switch, name: str) -> Any:
    return next((i for i in switch.interfaces if i.name == name), None)


def _address(interface: Any) -> str | None:
    return str(interface.ipv4).split("/")[0] if interface is not None and interface.ipv4 else None


def neighbors(switch: Switch) -> list[Neighbor]:
    found: list[Neighbor] = []
    for link in sorted(switch.links.values(), key=_port_order):
        near, far = _interface(switch, link.port), far_end(switch, link.port)
        # LLDP and CDP frames cross a cable only while it carries light both ways.
        if near is None or far is None or not (near.oper_up and far.oper_up):
            continue
        mgmt = link.peer.interfaces[0] if link.peer.interfaces else None
        found.append(
            Neighbor(
                local_port=link.port,
                system_name=link.peer.hostname,
                chassis_mac=mgmt.mac if mgmt is not None else far.mac,
                serial=link.peer.sudi.udi_serial_number,
                pid=link.peer.sudi.udi_pid,
                port=link.peer_port,
                port_description=far.description or link.peer_port,
                mtu=far.mtu,
                mgmt_address=_address(mgmt),
                far_address=_address(far) if far.routed else None,
                far_mac=far.mac,
                near_address=near.ipv4 if near.routed else None,
            )
        )
    return found


def _port_order(link: Link) -> tuple[int, ...]:
    return tuple(int(part) for part in link.port.removeprefix("Ethernet").split("/"))


# ---------------------------------------------------------------------- LLDP


def lldp_record(found: Sequence[Neighbor]) -> Record:
    rows = [
        {
            "chassis_id": n.system_name,
            "l_port_id": _short(n.local_port),
            "ttl": LLDP_HOLD,
            "capability": "BR",
            "port_id": n.port,
        }
        for n in found
    ]
    return {"TABLE_nbor": {"ROW_nbor": rows}, "neigh_count": len(rows)}


_LLDP_LEGEND = [
    "Capability codes:",
    "  (R) Router, (B) Bridge, (T) Telephone, (C) DOCSIS Cable Device",
    "  (W) WLAN Access Point, (P) Repeater, (S) Station, (O) Other",
]


def lldp_text(record: Record) -> str:
    lines = [
        *_LLDP_LEGEND,
        f"{'Device ID':<21}{'Local Intf':<16}{'Hold-time':<11}{'Capability':<12}Port ID  ",
    ]
    for row in record["TABLE_nbor"]["ROW_nbor"]:
        lines.append(
            f"{row['chassis_id']:<21}{row['l_port_id']:<16}{row['ttl']:<11}"
            f"{row['capability']:<12}{row['port_id']}"
        )
    lines += ["", f"Total entries displayed: {record['neigh_count']}"]
    return "".join(f"{line}\n" for line in lines)


def lldp_detail_record(found: Sequence[Neighbor], now: datetime) -> Record:
    remaining = LLDP_HOLD - int(now.timestamp()) % 30
    rows = [
        {
            "chassis_type": "Mac Address",
            "chassis_id": n.chassis_mac,
            "port_type": "Interface Name",
            "port_id": n.port,
            "l_port_id": _short(n.local_port),
            "port_desc": n.port_description,
            "sys_name": n.system_name,
            "sys_desc": SYSTEM_DESCRIPTION,
            "ttl": remaining,
            "system_capability": "B, R",
            "enabled_capability": "B, R",
            "mgmt_addr_type": "IPV4",
            "mgmt_addr": n.mgmt_address or "not advertised",
            "mgmt_addr_ipv6_type": "IPV6",
            "mgmt_addr_ipv6": "not advertised",
            "vlan_id": "1",
        }
        for n in found
    ]
    return {"TABLE_nbor_detail": {"ROW_nbor_detail": rows}, "neigh_count": len(rows)}


def lldp_detail_text(record: Record) -> str:
    lines = [*_LLDP_LEGEND, ""]
    for row in record["TABLE_nbor_detail"]["ROW_nbor_detail"]:
        lines += [
            f"Chassis id: {row['chassis_id']}",
            f"Port id: {row['port_id']}",
            f"Local Port id: {row['l_port_id']}",
            f"Port Description: {row['port_desc']}",
            f"System Name: {row['sys_name']}",
            f"System Description: {row['sys_desc']}",
            f"Time remaining: {row['ttl']} seconds",
            f"System Capabilities: {row['system_capability']}",
            f"Enabled Capabilities: {row['enabled_capability']}",
            f"Management Address: {row['mgmt_addr']}",
            f"Management Address IPV6: {row['mgmt_addr_ipv6']}",
            f"Vlan ID: {row['vlan_id']}",
            "",
        ]
    lines += ["", f"Total entries displayed: {record['neigh_count']}"]
    return "".join(f"{line}\n" for line in lines)


# ---------------------------------------------------------------------- CDP


def _device_id(n: Neighbor) -> str:
    return f"{n.system_name}({n.serial})"


def cdp_record(found: Sequence[Neighbor]) -> Record:
    rows = [
        {
            "ifindex": str(_ifindex(n.local_port)),
            "device_id": _device_id(n),
            "intf_id": n.local_port,
            "ttl": str(CDP_HOLD - 25),
            "capability": CDP_CAPABILITIES,
            "platform_id": n.pid,
            "port_id": n.port,
        }
        for n in found
    ]
    return {"TABLE_cdp_neighbor_brief_info": {"ROW_cdp_neighbor_brief_info": rows}}


def _ifindex(port: str) -> int:
    slot, number = port.removeprefix("Ethernet").split("/")
    return 0x1A000000 + (int(slot) - 1) * 0x80000 + (int(number) - 1) * 0x200


def cdp_text(record: Record) -> str:
    rows = record["TABLE_cdp_neighbor_brief_info"]["ROW_cdp_neighbor_brief_info"]
    lines = [
        "Capability Codes: R - Router, T - Trans-Bridge, B - Source-Route-Bridge",
        "                  S - Switch, H - Host, I - IGMP, r - Repeater,",
        "                  V - VoIP-Phone, D - Remotely-Managed-Device,",
        "                  s - Supports-STP-Dispute",
        "",
        "Device-ID          Local Intrfce  Hldtme Capability  Platform      Port ID",
    ]
    for row in rows:
        lines += [
            row["device_id"],
            f"{'':<20}{_short(row['intf_id']):<15}{row['ttl']:<7}{'R S I s':<12}"
            f"{row['platform_id']:<13} {_short(row['port_id'])}",
        ]
    lines += ["", f"Total entries displayed: {len(rows)}"]
    return "".join(f"{line}\n" for line in lines)


def cdp_detail_record(found: Sequence[Neighbor]) -> Record:
    rows = []
    for n in found:
        row: Row = {
            "ifindex": str(_ifindex(n.local_port)),
            "device_id": _device_id(n),
            "sysname": n.system_name,
            "numaddr": "1" if n.mgmt_address else "0",
        }
        if n.mgmt_address:
            row["v4addr"] = n.mgmt_address
        row |= {
            "platform_id": n.pid,
            "capability": CDP_CAPABILITIES,
            "intf_id": n.local_port,
            "port_id": n.port,
            "ttl": str(CDP_HOLD - 25),
            "version": f"Cisco Nexus Operating System (NX-OS) Software, Version {NXOS_VERSION}",
            "version_no": "v2",
            "nativevlan": "1",
            "duplexmode": "full",
            "mtu": str(n.mtu),
        }
        if n.mgmt_address:
            row["v4mgmtaddr"] = n.mgmt_address
        rows.append(row)
    return {"TABLE_cdp_neighbor_detail_info": {"ROW_cdp_neighbor_detail_info": rows}}


def cdp_detail_text(record: Record) -> str:
    lines: list[str] = []
    for row in record["TABLE_cdp_neighbor_detail_info"]["ROW_cdp_neighbor_detail_info"]:
        lines += [
            "----------------------------------------",
            f"Device ID:{row['device_id']}",
            f"System Name: {row['sysname']}",
            "",
        ]
        # The address lists are printed only when there is an address to list.
        if "v4addr" in row:
            lines += ["Interface address(es):", f"    IPv4 Address: {row['v4addr']}"]
        else:
            lines.append(f"Interface address(es): {row['numaddr']}")
        lines += [
            f"Platform: {row['platform_id']}, Capabilities: Router Switch IGMP Filtering "
            "Supports-STP-Dispute",
            f"Interface: {row['intf_id']}, Port ID (outgoing port): {row['port_id']}",
            f"Holdtime: {row['ttl']} sec",
            "",
            "Version:",
            row["version"],
            "",
            f"Advertisement Version: {row['version_no'].removeprefix('v')}",
            "",
            f"Native VLAN: {row['nativevlan']}",
            f"Duplex: {row['duplexmode']}",
            "",
            f"MTU: {row['mtu']}",
        ]
        if "v4mgmtaddr" in row:
            lines += ["Mgmt address(es):", f"    IPv4 Address: {row['v4mgmtaddr']}"]
        lines.append("")
    return "".join(f"{line}\n" for line in lines)


# ---------------------------------------------------------------------- ARP


def arp_age(now: datetime, booted: datetime | None) -> str:
    seconds = int((now - (booted or now)).total_seconds()) % ARP_REFRESH
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def arp_record(found: Sequence[Neighbor], vrfs: Sequence[str], age: str) -> Record:
    """Each routed cable whose far end is addressed in the near end's subnet is resolved."""
    rows: list[Row] = []
    for n in found:
        if n.near_address is None or n.far_address is None:
            continue
        subnet = ipaddress.IPv4Interface(n.near_address).network
        if ipaddress.IPv4Address(n.far_address) in subnet:
            rows.append(
                {
                    "intf-out": n.local_port,
                    "ip-addr-out": n.far_address,
                    "time-stamp": age,
                    "mac": n.far_mac,
                }
            )
    table = []
    for vrf in vrfs:
        mine = rows if vrf == "default" else []
        table.append({"vrf-name-out": vrf, "cnt-total": len(mine), "TABLE_adj": {"ROW_adj": mine}})
    return {"TABLE_vrf": {"ROW_vrf": table}}


def arp_text(record: Record) -> str:
    lines = [
        "",
        "Flags: * - Adjacencies learnt on non-active FHRP router",
        "       + - Adjacencies synced via CFSoE",
        "       # - Adjacencies Throttled for Glean",
        "       CP - Added via L2RIB, Control plane Adjacencies",
        "       PS - Added via L2RIB, Peer Sync",
        "       RO - Re-Originated Peer Sync Entry",
        "       D - Static Adjacencies attached to down interface",
        "",
    ]
    vrfs = record["TABLE_vrf"]["ROW_vrf"]
    # `vrf all` prints one table for every context, as NX-OS does.
    title = f"context {vrfs[0]['vrf-name-out']}" if len(vrfs) == 1 else "all contexts"
    rows = [row for vrf in vrfs for row in vrf["TABLE_adj"]["ROW_adj"]]
    lines += [
        f"IP ARP Table for {title}",
        f"Total number of entries: {len(rows)}",
        "Address         Age       MAC Address     Interface       Flags",
    ]
    lines += [
        f"{row['ip-addr-out']:<16}{row['time-stamp']:<10}{row['mac']:<16}{row['intf-out']:<16}"
        for row in rows
    ]
    return "".join(f"{line}\n" for line in lines)
