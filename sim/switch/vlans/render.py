"""`show vlan [brief]` records (the keys NAPALM `get_vlans` and Ansible `nxos_vlans` read:
`TABLE_vlanbriefxbrief`, `TABLE_vlanbrief`, `TABLE_mtuinfo`) and their text."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from sim.switch.vlans.state import Vlan

Record = dict[str, Any]
Row = dict[str, Any]
_PORTS_WIDTH = 31


def _ranges(ports: Sequence[str]) -> str:
    """`Ethernet1/1-48,Ethernet1/50`: consecutive ports of one slot folded, as NX-OS does."""
    parts: list[tuple[str, int, int]] = []
    for port in ports:
        match = re.fullmatch(r"(.*/)(\d+)", port)
        if match is None:
            parts.append((port, -1, -1))
            continue
        prefix, number = match[1], int(match[2])
        if parts and parts[-1][0] == prefix and parts[-1][2] == number - 1:
            parts[-1] = (prefix, parts[-1][1], number)
        else:
            parts.append((prefix, number, number))
    return ",".join(
        p if lo < 0 else (f"{p}{lo}" if lo == hi else f"{p}{lo}-{hi}") for p, lo, hi in parts
    )


def _brief_row(vlan: Vlan, ports: Sequence[str], *, with_ports: bool) -> Row:
    row: Row = {
        "vlanshowbr-vlanid": str(vlan.vlan_id),
        "vlanshowbr-vlanid-utf": str(vlan.vlan_id),
        "vlanshowbr-vlanname": vlan.shown_name,
        "vlanshowbr-vlanstate": "suspend" if vlan.suspended else "active",
        "vlanshowbr-shutstate": "shutdown" if vlan.shutdown else "noshutdown",
    }
    if with_ports and ports:
        row["vlanshowplist-ifidx"] = _ranges(ports)
    return row


def brief_record(vlans: Sequence[Vlan], ports: Mapping[int, Sequence[str]]) -> Record:
    rows = [_brief_row(v, ports.get(v.vlan_id, ()), with_ports=True) for v in vlans]
    return {"TABLE_vlanbriefxbrief": {"ROW_vlanbriefxbrief": rows}}


def vlan_record(vlans: Sequence[Vlan], ports: Mapping[int, Sequence[str]]) -> Record:
    rows = [_brief_row(v, ports.get(v.vlan_id, ()), with_ports=True) for v in vlans]
    mtu = [
        {
            "vlanshowinfo-vlanid": str(v.vlan_id),
            "vlanshowinfo-media-type": "enet",
            "vlanshowinfo-vlanmode": "ce-vlan",
        }
        for v in vlans
    ]
    return {
        "TABLE_vlanbrief": {"ROW_vlanbrief": rows},
        "TABLE_mtuinfo": {"ROW_mtuinfo": mtu},
    }


def _status(row: Row) -> str:
    if row["vlanshowbr-shutstate"] == "shutdown":
        return "act/lshut" if row["vlanshowbr-vlanstate"] == "active" else "sus/lshut"
    return "active" if row["vlanshowbr-vlanstate"] == "active" else "suspended"


def _port_lines(ifidx: str) -> list[str]:
    """The ports column: short names, comma separated, wrapped as NX-OS wraps them."""
    names = [name.replace("Ethernet", "Eth", 1) for name in _expand(ifidx)]
    lines: list[str] = []
    current = ""
    for name in names:
        candidate = f"{current}, {name}" if current else name
        if len(candidate) > _PORTS_WIDTH and current:
            lines.append(current + ",")
            current = name
        else:
            current = candidate
    return [*lines, current] if current else [""]


def _expand(ifidx: str) -> list[str]:
    names: list[str] = []
    for part in filter(None, ifidx.split(",")):
        match = re.fullmatch(r"(.*/)(\d+)-(\d+)", part)
        if match:
            names += [f"{match[1]}{n}" for n in range(int(match[2]), int(match[3]) + 1)]
        else:
            names.append(part)
    return names


def _brief_lines(rows: Sequence[Row]) -> list[str]:
    lines = [
        "",
        "VLAN Name                             Status    Ports",
        "---- -------------------------------- --------- -------------------------------",
    ]
    for row in rows:
        ports = _port_lines(row.get("vlanshowplist-ifidx", ""))
        head = f"{row['vlanshowbr-vlanid']:<5}{row['vlanshowbr-vlanname']:<33}{_status(row):<10}"
        lines.append((head + ports[0]).rstrip())
        lines += [f"{'':<48}{more}" for more in ports[1:]]
    return lines


def brief_text(record: Record) -> str:
    return "".join(
        f"{line}\n" for line in _brief_lines(record["TABLE_vlanbriefxbrief"]["ROW_vlanbriefxbrief"])
    )


def vlan_text(record: Record) -> str:
    lines = _brief_lines(record["TABLE_vlanbrief"]["ROW_vlanbrief"])
    lines += ["", "VLAN Type         Vlan-mode", "---- -----        ----------"]
    for row in record["TABLE_mtuinfo"]["ROW_mtuinfo"]:
        mode = "CE" if row["vlanshowinfo-vlanmode"] == "ce-vlan" else "FP"
        lines.append(f"{row['vlanshowinfo-vlanid']:<5}{row['vlanshowinfo-media-type']:<13}{mode}")
    lines += [
        "",
        "Remote SPAN VLANs",
        "-" * 79,
        "",
        "Primary  Secondary  Type             Ports",
        "-------  ---------  ---------------  -------------------------------------------",
        "",
    ]
    return "".join(f"{line}\n" for line in lines)
