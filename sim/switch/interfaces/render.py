"""Interface records (the NX-OS JSON keys NAPALM, Ansible and Genie read) and their text.

Every `show interface` form builds its record first (`TABLE_interface` / `ROW_interface`);
the text is rendered from the record alone.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sim.switch.interfaces.counters import LOAD_INTERVALS, Traffic, age_text, rate_text
from sim.switch.interfaces.state import Interface

Record = dict[str, Any]
Row = dict[str, Any]
_RULE = "-" * 80


def _table(rows: list[Row]) -> Record:
    return {"TABLE_interface": {"ROW_interface": rows}}


def rows_of(record: Record) -> list[Row]:
    rows: list[Row] = record["TABLE_interface"]["ROW_interface"]
    return rows


def _speed_text(mbps: int) -> str:
    return f"{mbps} Mb/s" if mbps <= 1000 else f"{mbps // 1000} Gb/s"


# ---------------------------------------------------------------------- show interface


def _hardware(interface: Interface) -> str:
    if interface.is_mgmt:
        return "GigabitEthernet"
    if interface.speed_mbps >= 40_000:
        return "40000/100000 Ethernet"
    if interface.speed_mbps >= 25_000:
        return "100/1000/10000/25000 Ethernet"
    return "100/1000/10000 Ethernet"


def _load(bits_per_second: int, interface: Interface) -> str:
    """txload / rxload: the share of the bandwidth in 255ths, at least 1."""
    return str(max(1, round(255 * bits_per_second / (interface.speed_mbps * 1_000_000))))


def _rates(traffic: Traffic) -> Row:
    row: Row = {}
    for number, seconds in enumerate(LOAD_INTERVALS, start=1):
        row |= {
            f"eth_load_interval{number}_rx": seconds,
            f"eth_inrate{number}_bits": str(traffic.rx.bits_per_second),
            f"eth_inrate{number}_pkts": str(traffic.rx.packets_per_second),
            f"eth_load_interval{number}_tx": seconds,
            f"eth_outrate{number}_bits": str(traffic.tx.bits_per_second),
            f"eth_outrate{number}_pkts": str(traffic.tx.packets_per_second),
            f"eth_inrate{number}_summary_bits": rate_text(traffic.rx.bits_per_second),
            f"eth_inrate{number}_summary_pkts": f"{traffic.rx.packets_per_second} pps",
            f"eth_outrate{number}_summary_bits": rate_text(traffic.tx.bits_per_second),
            f"eth_outrate{number}_summary_pkts": f"{traffic.tx.packets_per_second} pps",
        }
    return row


def counter_row(traffic: Traffic) -> Row:
    """The packet and octet counters, under the keys `show interface` and
    `show interface counters detailed` give them."""
    rx, tx = traffic.rx, traffic.tx
    return {
        "eth_inpkts": rx.packets,
        "eth_inucast": rx.unicast,
        "eth_inmcast": rx.multicast,
        "eth_inbcast": rx.broadcast,
        "eth_inbytes": rx.octets,
        "eth_inerr": 0,
        "eth_outpkts": tx.packets,
        "eth_outucast": tx.unicast,
        "eth_outmcast": tx.multicast,
        "eth_outbcast": tx.broadcast,
        "eth_outbytes": tx.octets,
        "eth_outerr": 0,
    }


def interface_row(interface: Interface, traffic: Traffic) -> Row:
    state = "up" if interface.oper_up else "down"
    row: Row = {"interface": interface.name, "state": state}
    if not interface.oper_up:
        row["state_rsn_desc"] = interface.down_reason
    row |= {
        "admin_state": "up" if interface.admin_up else "down",
        "eth_hw_desc": _hardware(interface),
        "eth_hw_addr": interface.mac,
        "eth_bia_addr": interface.mac,
    }
    if not interface.is_mgmt:
        row["share_state"] = "Dedicated"
    if interface.description:
        row["desc"] = interface.description
    if interface.ipv4:
        address = ipaddress.IPv4Interface(interface.ipv4)
        row["eth_ip_addr"] = str(address.ip)
        row["eth_ip_mask"] = address.network.prefixlen
        row["eth_ip_prefix"] = str(address.network.network_address)
    up = interface.oper_up
    row |= {
        "eth_mtu": str(interface.mtu),
        "eth_bw": interface.speed_mbps * 1000,
        "eth_dly": 10,
        "eth_reliability": "255",
        "eth_txload": _load(traffic.tx.bits_per_second, interface),
        "eth_rxload": _load(traffic.rx.bits_per_second, interface),
        "medium": "broadcast",
        "eth_mode": "routed" if interface.routed else "access",
        "eth_duplex": "full" if up else "auto",
        "eth_speed": _speed_text(interface.speed_mbps) if up else "auto-speed",
        "eth_autoneg": "on",
        "eth_mdix": "off",
        "eth_ethertype": "0x0000" if interface.is_mgmt else "0x8100",
        "eth_link_flapped": _link_flapped(interface, traffic),
        "eth_clear_counters": "never"
        if traffic.cleared_at is None
        else age_text(traffic.since_clear),
        "eth_reset_cntr": 0,
        **_rates(traffic),
        **counter_row(traffic),
    }
    return row


def _link_flapped(interface: Interface, traffic: Traffic) -> str:
    """How long ago its link last went up or down, as a 9000-series NX-OS prints it:
    `00:07:28`, `1d02h`, then `13week(s) 5day(s)` (not the `2w1d` of older releases, which
    NAPALM's `last_flapped` also misreads); `never` while it is as the switch made it."""
    change = interface.link_change
    if change is None:
        return "never"
    age = max(traffic.at - change.at, timedelta(0))
    if age.days < 7:
        return age_text(age)
    return f"{age.days // 7}week(s) {age.days % 7}day(s)"


Counted = Sequence[tuple[Interface, Traffic]]
"""Interfaces with their traffic at the moment of the `show`."""


def interface_record(interfaces: Counted) -> Record:
    return _table([interface_row(interface, traffic) for interface, traffic in interfaces])


def _interface_text(row: Row) -> list[str]:
    reason = f" ({row['state_rsn_desc']})" if "state_rsn_desc" in row else ""
    share = f", {row['share_state']} Interface" if "share_state" in row else ","
    lines = [
        f"{row['interface']} is {row['state']}{reason}",
        f"admin state is {row['admin_state']}{share}",
        f"  Hardware: {row['eth_hw_desc']}, address: {row['eth_hw_addr']}"
        f" (bia {row['eth_bia_addr']})",
    ]
    if "desc" in row:
        lines.append(f"  Description: {row['desc']}")
    if "eth_ip_addr" in row:
        lines.append(f"  Internet Address is {row['eth_ip_addr']}/{row['eth_ip_mask']}")
    lines += [
        f"  MTU {row['eth_mtu']} bytes, BW {row['eth_bw']} Kbit , DLY {row['eth_dly']} usec",
        f"  reliability {row['eth_reliability']}/255, txload {row['eth_txload']}/255,"
        f" rxload {row['eth_rxload']}/255",
        f"  Encapsulation ARPA, medium is {row['medium']}",
    ]
    if "share_state" in row:
        lines.append(f"  Port mode is {row['eth_mode']}")
    duplex, speed = row["eth_duplex"], row["eth_speed"]
    lines += [
        f"  {duplex}-duplex, {speed}",
        f"  Auto-Negotiation is turned {row['eth_autoneg']}",
        f"  Auto-mdix is turned {row['eth_mdix']}",
        f"  EtherType is {row['eth_ethertype']}",
        f"  Last link flapped {row['eth_link_flapped']}",
        f'  Last clearing of "show interface" counters {row["eth_clear_counters"]}',
        f"  {row['eth_reset_cntr']} interface resets",
        *_rate_lines(row),
        "  RX",
        f"    {row['eth_inucast']} unicast packets  {row['eth_inmcast']} multicast packets"
        f"  {row['eth_inbcast']} broadcast packets",
        f"    {row['eth_inpkts']} input packets  {row['eth_inbytes']} bytes",
        "    0 jumbo packets  0 storm suppression bytes",
        "    0 runts  0 giants  0 CRC  0 no buffer",
        f"    {row['eth_inerr']} input error  0 short frame  0 overrun   0 underrun  0 ignored",
        "    0 watchdog  0 bad etype drop  0 bad proto drop  0 if down drop",
        "    0 input with dribble  0 input discard",
        "    0 Rx pause",
        "  TX",
        f"    {row['eth_outucast']} unicast packets  {row['eth_outmcast']} multicast packets"
        f"  {row['eth_outbcast']} broadcast packets",
        f"    {row['eth_outpkts']} output packets  {row['eth_outbytes']} bytes",
        "    0 jumbo packets",
        f"    {row['eth_outerr']} output error  0 collision  0 deferred  0 late collision",
        "    0 lost carrier  0 no carrier  0 babble  0 output discard",
        "    0 Tx pause",
        "",
    ]
    return lines


def _rate_lines(row: Row) -> list[str]:
    lines: list[str] = []
    for number, seconds in enumerate(LOAD_INTERVALS, start=1):
        title = (
            f"{seconds} seconds" if seconds < 60 else f"{seconds // 60} minute ({seconds} seconds)"
        )
        lines += [
            f"  Load-Interval #{number}: {title}",
            f"    {seconds} seconds input rate {row[f'eth_inrate{number}_bits']} bits/sec,"
            f" {row[f'eth_inrate{number}_pkts']} packets/sec",
            f"    {seconds} seconds output rate {row[f'eth_outrate{number}_bits']} bits/sec,"
            f" {row[f'eth_outrate{number}_pkts']} packets/sec",
            f"    input rate {row[f'eth_inrate{number}_summary_bits']},"
            f" {row[f'eth_inrate{number}_summary_pkts']};"
            f" output rate {row[f'eth_outrate{number}_summary_bits']},"
            f" {row[f'eth_outrate{number}_summary_pkts']}",
        ]
    return lines


def interface_text(record: Record) -> str:
    return "".join(f"{line}\n" for row in rows_of(record) for line in _interface_text(row))


# ---------------------------------------------------------------------- counters

_COUNTER_RULE = "-" * 82
_COUNTER_TABLES = (
    ("TABLE_rx_counters", "ROW_rx_counters", "interface_rx", "rx"),
    ("TABLE_tx_counters", "ROW_tx_counters", "interface_tx", "tx"),
)
_COUNTER_COLUMNS = {
    "eth_inbytes": "InOctets",
    "eth_inucast": "InUcastPkts",
    "eth_inmcast": "InMcastPkts",
    "eth_inbcast": "InBcastPkts",
    "eth_outbytes": "OutOctets",
    "eth_outucast": "OutUcastPkts",
    "eth_outmcast": "OutMcastPkts",
    "eth_outbcast": "OutBcastPkts",
}


def counters_record(interfaces: Counted) -> Record:
    """`show interface counters`: two rows per interface and direction, as NX-OS splits
    them (octets and unicast, then multicast and broadcast)."""
    record: Record = {}
    for table, row_name, key, direction in _COUNTER_TABLES:
        prefix = "eth_in" if direction == "rx" else "eth_out"
        rows: list[Row] = []
        for interface, traffic in interfaces:
            counts = counter_row(traffic)
            rows.append(
                {
                    key: interface.name,
                    f"{prefix}bytes": counts[f"{prefix}bytes"],
                    f"{prefix}ucast": counts[f"{prefix}ucast"],
                }
            )
        for interface, traffic in interfaces:
            counts = counter_row(traffic)
            rows.append(
                {
                    key: interface.name,
                    f"{prefix}mcast": counts[f"{prefix}mcast"],
                    f"{prefix}bcast": counts[f"{prefix}bcast"],
                }
            )
        record[table] = {row_name: rows}
    return record


def counters_text(record: Record) -> str:
    lines: list[str] = []
    for table, row_name, key, _ in _COUNTER_TABLES:
        rows: list[Row] = record[table][row_name]
        half = len(rows) // 2
        for block in (rows[:half], rows[half:]):
            if not block:
                continue
            first, second = (column for column in block[0] if column != key)
            lines += [
                "",
                _COUNTER_RULE,
                f"{'Port':<20}{_COUNTER_COLUMNS[first]:>25}{_COUNTER_COLUMNS[second]:>37}",
                _COUNTER_RULE,
            ]
            lines += [f"{_short(row[key]):<20}{row[first]:>25}{row[second]:>37}" for row in block]
    lines.append("")
    return "".join(f"{line}\n" for line in lines)


def _short(name: str) -> str:
    return name.replace("Ethernet", "Eth", 1)


_DETAILED = (
    ("rx_unicast_pkts", "inucast"),
    ("rx_multicast_pkts", "inmcast"),
    ("rx_broadcast_pkts", "inbcast"),
    ("rx_input_pkts", "inpkts"),
    ("rx_bytes_input_pkts", "inbytes"),
    ("tx_unicast_pkts", "outucast"),
    ("tx_multicast_pkts", "outmcast"),
    ("tx_broadcast_pkts", "outbcast"),
    ("tx_output_pkts", "outpkts"),
    ("tx_bytes_output_pkts", "outbytes"),
)


def counters_detailed_record(interfaces: Counted) -> Record:
    """`show interface counters detailed`: NAPALM's get_interfaces_counters reads this.
    mgmt0's keys are its own (`mgmt_in_bytes`), as on NX-OS."""
    rows: list[Row] = []
    for interface, traffic in interfaces:
        counts = counter_row(traffic)
        if interface.is_mgmt:
            row: Row = {"interface": interface.name}
            for direction in ("in", "out"):
                for kind in ("pkts", "bytes", "ucast", "mcast", "bcast"):
                    row[f"mgmt_{direction}_{kind}"] = counts[f"eth_{direction}{kind}"]
            rows.append(row)
        else:
            rows.append({"interface": interface.name, **counts})
    return _table(rows)


def counters_detailed_text(record: Record) -> str:
    lines: list[str] = []
    for row in rows_of(record):
        lines += [row["interface"], "   64 bit counters:"]
        mgmt = "mgmt_in_bytes" in row
        number = 0
        for label, key in _DETAILED:
            if mgmt:
                direction = "in" if key.startswith("in") else "out"
                value = row[f"mgmt_{direction}_{key.removeprefix(direction)}"]
            else:
                value = row[f"eth_{key}"]
            if value:
                lines.append(f"    {f'{number}.':<4}{label:>32} = {value}")
                number += 1
        lines.append("")
    return "".join(f"{line}\n" for line in lines)


# ---------------------------------------------------------------------- switchport

NOT_ENABLED = "Not enabled"


def switchport_record(interfaces: Sequence[Interface], vlan_names: dict[int, str]) -> Record:
    """`show interface switchport`: each front-panel port's layer-2 settings."""
    rows: list[Row] = []
    for interface in interfaces:
        if interface.is_mgmt:
            continue
        if interface.routed:
            rows.append({"interface": interface.name, "switchport": "Disabled"})
            continue
        vlan = interface.access_vlan
        rows.append(
            {
                "interface": interface.name,
                "switchport": "Enabled",
                "switchport_monitor": NOT_ENABLED,
                "switchport_isolated": NOT_ENABLED,
                "switchport_block_multicast": NOT_ENABLED,
                "switchport_block_unicast": NOT_ENABLED,
                "oper_mode": "access",
                "access_vlan": str(vlan),
                "access_vlan_name": vlan_names.get(vlan, "VLAN does not exist"),
                "native_vlan": "1",
                "native_vlan_name": vlan_names.get(1, "default"),
                "trunk_vlans": "1-4094",
                "fabricpath_topology": "0",
            }
        )
    return _table(rows)


def switchport_text(record: Record) -> str:
    lines: list[str] = []
    for row in rows_of(record):
        lines += [f"Name: {row['interface']}", f"  Switchport: {row['switchport']}"]
        if row["switchport"] == "Disabled":
            lines.append("")
            continue
        lines += [
            f"  Switchport Monitor: {row['switchport_monitor']} ",
            f"  Switchport Isolated : {row['switchport_isolated']} ",
            f"  Switchport Block Multicast: {row['switchport_block_multicast']} ",
            f"  Switchport Block Unicast: {row['switchport_block_unicast']} ",
            f"  Operational Mode: {row['oper_mode']}",
            f"  Access Mode VLAN: {row['access_vlan']} ({row['access_vlan_name']})",
            f"  Trunking Native Mode VLAN: {row['native_vlan']} ({row['native_vlan_name']})",
            f"  Trunking VLANs Allowed: {row['trunk_vlans']}",
            f"  FabricPath Topology List Allowed: {row['fabricpath_topology']}",
            "  Administrative private-vlan primary host-association: none",
            "  Administrative private-vlan secondary host-association: none",
            "  Administrative private-vlan primary mapping: none",
            "  Administrative private-vlan secondary mapping: none",
            "  Administrative private-vlan trunk native VLAN: none",
            "  Administrative private-vlan trunk encapsulation: dot1q",
            "  Administrative private-vlan trunk normal VLANs: none",
            "  Administrative private-vlan trunk private VLANs: none",
            "  Operational private-vlan: none",
            "",
        ]
    return "".join(f"{line}\n" for line in lines)


# ---------------------------------------------------------------------- brief


def brief_record(interfaces: Sequence[Interface]) -> Record:
    rows: list[Row] = []
    for interface in interfaces:
        state = "up" if interface.oper_up else "down"
        if interface.is_mgmt:
            rows.append(
                {
                    "interface": interface.name,
                    "vrf": "management",
                    "state": state,
                    "ip_addr": "--",
                    "speed": str(interface.speed_mbps),
                    "mtu": interface.mtu,
                }
            )
            continue
        rows.append(
            {
                "interface": interface.name,
                "vlan": "--" if interface.routed else str(interface.access_vlan),
                "type": "eth",
                "portmode": "routed" if interface.routed else "access",
                "state": state,
                "state_rsn_desc": interface.down_reason,
                "speed": str(interface.speed_mbps // 1000) + "G" if interface.oper_up else "auto",
                "ratemode": "D",
            }
        )
    return _table(rows)


def brief_text(record: Record) -> str:
    rows = rows_of(record)
    lines: list[str] = []
    mgmt = [row for row in rows if "vrf" in row]
    ports = [row for row in rows if "vrf" not in row]
    if mgmt:
        lines += [
            "",
            _RULE,
            f"{'Port':<7}{'VRF':<13}{'Status':<7}{'IP Address':<40}{'Speed':<9}MTU",
            _RULE,
        ]
        lines += [
            f"{r['interface']:<7}{r['vrf']:<13}{r['state']:<7}{r['ip_addr']:<40}"
            f"{r['speed']:<9}{r['mtu']}"
            for r in mgmt
        ]
    if ports:
        lines += [
            "",
            _RULE,
            "Ethernet      VLAN    Type Mode   Status  Reason                   Speed     Port",
            "Interface                                                                    Ch #",
            _RULE,
        ]
        for r in ports:
            name = r["interface"].replace("Ethernet", "Eth", 1)
            speed = f"{r['speed']}({r['ratemode']})"
            lines.append(
                f"{name:<14}{r['vlan']:<8}{r['type']:<5}{r['portmode']:<7}{r['state']:<8}"
                f"{r['state_rsn_desc']:<25}{speed:<10}--"
            )
    return "".join(f"{line}\n" for line in lines)


# ---------------------------------------------------------------------- status


def _status(interface: Interface) -> str:
    if interface.oper_up:
        return "connected"
    if not interface.admin_up:
        return "disabled"
    # A transceiver with no light from the far end: `notconnect` (`notconnec` in the 9-column
    # text), as Genie's and ntc-templates' `show interface status` fixtures show it.
    return "notconnect" if interface.transceiver else "xcvrAbsen"


def status_record(interfaces: Sequence[Interface]) -> Record:
    rows: list[Row] = []
    for interface in interfaces:
        up = interface.oper_up
        speed = interface.speed_mbps
        row: Row = {"interface": interface.name}
        if interface.description:
            row["name"] = interface.description
        row |= {
            "state": _status(interface),
            "vlan": "routed" if interface.routed else str(interface.access_vlan),
            "duplex": "full" if up else "auto",
            "speed": (str(speed) if speed <= 1000 else f"{speed // 1000}G") if up else "auto",
            "type": "--",
        }
        rows.append(row)
    return _table(rows)


def status_text(record: Record) -> str:
    lines = [
        "",
        _RULE,
        f"{'Port':<14}{'Name':<19}{'Status':<10}{'Vlan':<10}{'Duplex':<8}{'Speed':<8}Type",
        _RULE,
    ]
    for r in rows_of(record):
        name = r["interface"].replace("Ethernet", "Eth", 1)
        lines.append(
            f"{name:<14}{r.get('name', '--')[:18]:<19}{r['state'][:9]:<10}{r['vlan']:<10}"
            f"{r['duplex']:<8}{r['speed']:<8}{r['type']}"
        )
    return "".join(f"{line}\n" for line in lines)


# ---------------------------------------------------------------------- description


def description_record(interfaces: Sequence[Interface]) -> Record:
    rows: list[Row] = []
    for interface in interfaces:
        row: Row = {"interface": interface.name}
        if not interface.is_mgmt:
            row |= {"type": "eth", "speed": str(interface.speed_mbps // 1000) + "G"}
        row["desc"] = interface.description or "--"
        rows.append(row)
    return _table(rows)


def description_text(record: Record) -> str:
    lines = ["", _RULE, f"{'Port':<16}{'Type':<6}{'Speed':<10}Description", _RULE]
    for r in rows_of(record):
        name = r["interface"].replace("Ethernet", "Eth", 1)
        lines.append(f"{name:<16}{r.get('type', '--'):<6}{r.get('speed', '--'):<10}{r['desc']}")
    return "".join(f"{line}\n" for line in lines)


# ---------------------------------------------------------------------- show ip interface

VRF_IDS = {"default": 1, "management": 2}


def vrf_of(interface: Interface) -> str:
    return "management" if interface.is_mgmt else "default"


def _ip_states(interface: Interface) -> Row:
    up = "up" if interface.oper_up else "down"
    return {
        "proto-state": up,
        "link-state": up,
        "admin-state": "up" if interface.admin_up else "down",
    }


def ip_interface_record(interfaces: Sequence[Interface], vrfs: Sequence[str]) -> Record:
    """`show ip interface [vrf ...]`: the addressed interfaces of each VRF asked for."""
    rows: list[Row] = []
    for iod, interface in enumerate(interfaces, start=5):
        if interface.ipv4 is None or vrf_of(interface) not in vrfs:
            continue
        address = ipaddress.IPv4Interface(interface.ipv4)
        rows.append(
            {
                "vrf-name-out": vrf_of(interface),
                "intf-name": interface.name,
                **_ip_states(interface),
                "iod": iod,
                "prefix": str(address.ip),
                "subnet": str(address.network.network_address),
                "masklen": address.network.prefixlen,
                "ip-disabled": "FALSE",
                "broadcast-addr": "255.255.255.255",
                "mtu": interface.mtu,
            }
        )
    return {
        "TABLE_vrf": {"ROW_vrf": [{"vrf-name-out": vrf} for vrf in vrfs]},
        "TABLE_intf": {"ROW_intf": rows},
    }


def _ip_rows(record: Record) -> list[Row]:
    rows: list[Row] = record["TABLE_intf"]["ROW_intf"]
    return rows


def _vrfs(record: Record) -> list[str]:
    return [row["vrf-name-out"] for row in record["TABLE_vrf"]["ROW_vrf"]]


def _ip_status(row: Row) -> str:
    return f"protocol-{row['proto-state']}/link-{row['link-state']}/admin-{row['admin-state']}"


def ip_interface_text(record: Record) -> str:
    lines: list[str] = []
    for vrf in _vrfs(record):
        # No VRF id in the full form's title, as ntc-templates and Genie read it.
        lines.append(f'IP Interface Status for VRF "{vrf}"')
        for row in (r for r in _ip_rows(record) if r["vrf-name-out"] == vrf):
            lines += [
                f"{row['intf-name']}, Interface status: {_ip_status(row)}, iod: {row['iod']},",
                f"  IP address: {row['prefix']}, IP subnet: {row['subnet']}/{row['masklen']}"
                " route-preference: 0, tag: 0 ",
                f"  IP broadcast address: {row['broadcast-addr']}",
                "  IP multicast groups locally joined: none",
                f"  IP MTU: {row['mtu']} bytes (using link MTU)",
                "  IP primary address route-preference: 0, tag: 0",
                "",
            ]
        lines.append("")
    return "".join(f"{line}\n" for line in lines)


def ip_interface_brief_record(interfaces: Sequence[Interface], vrfs: Sequence[str]) -> Record:
    full = ip_interface_record(interfaces, vrfs)
    keys = ("vrf-name-out", "intf-name", "prefix", "ip-disabled")
    rows = [
        {key: row[key] for key in keys} | {"iod": row["iod"]} | _states_of(row)
        for row in _ip_rows(full)
    ]
    return {"TABLE_vrf": full["TABLE_vrf"], "TABLE_intf": {"ROW_intf": rows}}


def _states_of(row: Row) -> Row:
    return {key: row[key] for key in ("proto-state", "link-state", "admin-state")}


def ip_interface_brief_text(record: Record) -> str:
    lines: list[str] = []
    for vrf in _vrfs(record):
        lines += [
            f'IP Interface Status for VRF "{vrf}"({VRF_IDS.get(vrf, 3)})',
            f"{'Interface':<21}{'IP Address':<16}Interface Status",
        ]
        for row in (r for r in _ip_rows(record) if r["vrf-name-out"] == vrf):
            name = row["intf-name"].replace("Ethernet", "Eth", 1)
            lines.append(f"{name:<21}{row['prefix']:<16}{_ip_status(row)}")
        lines.append("")
    return "".join(f"{line}\n" for line in lines)


# ---------------------------------------------------------------------- show ipv6 interface


def _ipv6_rows(interfaces: Sequence[Interface], vrfs: Sequence[str]) -> list[tuple[int, Interface]]:
    """(iod, interface) of each interface with IPv6 on, in the VRFs asked for."""
    return [
        (iod, interface)
        for iod, interface in enumerate(interfaces, start=5)
        if interface.ipv6 and vrf_of(interface) in vrfs
    ]


def _one_or_many(rows: list[Row]) -> Row | list[Row]:
    # NX-OS gives a one-row table as the row itself; Ansible's facts read it only that way.
    return rows[0] if len(rows) == 1 else rows


def _solicited_node(address: str) -> str:
    low = int(ipaddress.IPv6Address(address)) & 0xFFFFFF
    return str(ipaddress.IPv6Address((0xFF02 << 112) | (1 << 32) | (0xFF << 24) | low))


def _multicast_groups(interface: Interface) -> list[str]:
    addresses = [prefix.split("/")[0] for prefix in interface.ipv6] + [interface.link_local]
    solicited = dict.fromkeys(_solicited_node(address) for address in addresses)
    return [*solicited, "ff02::2", "ff02::1"]


def ipv6_interface_record(interfaces: Sequence[Interface], vrfs: Sequence[str]) -> Record:
    """`show ipv6 interface [vrf ...]`: the interfaces with an IPv6 address, NAPALM's and
    Ansible's keys (`TABLE_addr` / `ROW_addr` / `addr`, `prefix`) included."""
    rows: list[Row] = []
    for iod, interface in _ipv6_rows(interfaces, vrfs):
        primary = ipaddress.IPv6Interface(interface.ipv6[0])
        rows.append(
            {
                "vrf-name-out": vrf_of(interface),
                "intf-name": interface.name,
                **_ip_states(interface),
                "iod": iod,
                "TABLE_addr": {
                    "ROW_addr": _one_or_many([{"addr": prefix} for prefix in interface.ipv6])
                },
                "prefix": str(primary.network),
                "linklocal-addr": interface.link_local,
                "linklocal-configured": "FALSE",
                "mcast-routing": "disabled",
                "report-link-local": "disabled",
                "forwarding-feature": "disabled",
                "TABLE_mcast_grps": {
                    "ROW_mcast_grps": [
                        {"mcast-grp-addr": group} for group in _multicast_groups(interface)
                    ]
                },
                "mtu": interface.mtu,
                "urpf": "none",
                "ipv6-lstype": "none",
                "stats-last-reset": "never",
            }
        )
    return {
        "TABLE_vrf": {"ROW_vrf": [{"vrf-name-out": vrf} for vrf in vrfs]},
        "TABLE_intf": {"ROW_intf": rows},
    }


def _addresses(row: Row) -> list[str]:
    found = row["TABLE_addr"]["ROW_addr"]
    return [entry["addr"] for entry in (found if isinstance(found, list) else [found])]


def ipv6_interface_text(record: Record) -> str:
    # The full form titles each VRF without its id, as ntc-templates and Genie read it.
    lines: list[str] = []
    for vrf in _vrfs(record):
        lines.append(f'IPv6 Interface Status for VRF "{vrf}"')
        for row in (r for r in _ip_rows(record) if r["vrf-name-out"] == vrf):
            groups = "  ".join(
                g["mcast-grp-addr"] for g in row["TABLE_mcast_grps"]["ROW_mcast_grps"]
            )
            lines += [
                f"{row['intf-name']}, Interface status: {_ip_status(row)}, iod: {row['iod']}",
                "  IPv6 address: ",
                *(f"    {address} [VALID]" for address in _addresses(row)),
                f"  IPv6 subnet:  {row['prefix']}",
                f"  IPv6 link-local address: {row['linklocal-addr']} (default) [VALID]",
                "  IPv6 virtual addresses configured: none",
                f"  IPv6 multicast routing: {row['mcast-routing']}",
                f"  IPv6 report link local: {row['report-link-local']}",
                f"  IPv6 Forwarding feature: {row['forwarding-feature']}",
                "  IPv6 multicast groups locally joined:   ",
                f"      {groups}  ",
                "  IPv6 multicast (S,G) entries joined: none",
                f"  IPv6 MTU: {row['mtu']} (using link MTU)",
                f"  IPv6 unicast reverse path forwarding: {row['urpf']}",
                f"  IPv6 load sharing: {row['ipv6-lstype']} ",
                f"  IPv6 interface statistics last reset: {row['stats-last-reset']}",
                "  IPv6 interface RP-traffic statistics: (forwarded/originated/consumed)",
                "    Unicast packets:      0/0/0",
                "    Unicast bytes:        0/0/0",
                "    Multicast packets:    0/0/0",
                "    Multicast bytes:      0/0/0",
                "",
            ]
        lines.append("")
    return "".join(f"{line}\n" for line in lines)


def ipv6_interface_brief_record(interfaces: Sequence[Interface], vrfs: Sequence[str]) -> Record:
    rows: list[Row] = [
        {
            "vrf-name-out": vrf_of(interface),
            "intf-name": interface.name,
            "TABLE_addr": {
                "ROW_addr": _one_or_many(
                    [{"addr": prefix.split("/")[0]} for prefix in interface.ipv6]
                )
            },
            "linklocal-addr": interface.link_local,
            **_ip_states(interface),
        }
        for _, interface in _ipv6_rows(interfaces, vrfs)
    ]
    return {
        "TABLE_vrf": {"ROW_vrf": [{"vrf-name-out": vrf} for vrf in vrfs]},
        "TABLE_intf": {"ROW_intf": rows},
    }


def ipv6_interface_brief_text(record: Record) -> str:
    lines: list[str] = []
    for vrf in _vrfs(record):
        lines += [
            f'IPv6 Interface Status for VRF "{vrf}"({VRF_IDS.get(vrf, 3)})',
            f"{'Interface':<24}{'IPv6 Address/Link-local Address':<38}Interface Status",
            f"{'':<62}prot/link/admin",
        ]
        for row in (r for r in _ip_rows(record) if r["vrf-name-out"] == vrf):
            name = _short(row["intf-name"])
            states = f"{row['proto-state']}/{row['link-state']}/{row['admin-state']}"
            for index, address in enumerate(_addresses(row)):
                lines.append(f"{name if index == 0 else '':<24}{address:<38}{states}")
            lines.append(f"{'':<24}{row['linklocal-addr']}")
        lines.append("")
    return "".join(f"{line}\n" for line in lines)
