"""The VLANs a switch has, as data. VLAN 1 always exists and cannot be deleted."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_VLAN = 1
# NX-OS keeps 3968-4094 for its own use.
RESERVED = range(3968, 4095)
MAX_NAME = 32


@dataclass
class Vlan:
    vlan_id: int
    name: str = ""
    """What `name` set; empty: the default name (`default` for VLAN 1, else VLAN0010)."""
    shutdown: bool = False
    suspended: bool = False

    @property
    def shown_name(self) -> str:
        if self.name:
            return self.name
        return "default" if self.vlan_id == DEFAULT_VLAN else f"VLAN{self.vlan_id:04d}"


def default_vlans() -> list[Vlan]:
    return [Vlan(DEFAULT_VLAN)]


def parse_vlan_list(token: str) -> tuple[int, ...]:
    """`10`, `10,20` or `10-12,20`: the VLAN ids in order, each 1-4094; else ValueError."""
    if len(token) > 128:
        raise ValueError(token)
    ids: list[int] = []
    for part in token.split(","):
        first, _, last = part.partition("-")
        if not first.isascii() or not first.isdigit() or (last and not last.isdigit()):
            raise ValueError(token)
        lo, hi = int(first), int(last or first)
        if not 1 <= lo <= hi <= 4094:
            raise ValueError(token)
        ids.extend(n for n in range(lo, hi + 1) if n not in ids)
    return tuple(sorted(ids))


def compress(ids: list[int]) -> str:
    """`1,10-12,20`: the running-config form of a set of VLAN ids."""
    ranges: list[str] = []
    for n in sorted(ids):
        if ranges and n == _last(ranges[-1]) + 1:
            ranges[-1] = f"{ranges[-1].split('-')[0]}-{n}"
        else:
            ranges.append(str(n))
    return ",".join(ranges)


def _last(text: str) -> int:
    return int(text.rsplit("-", 1)[-1])
