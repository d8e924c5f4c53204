"""The VLAN feature: `vlan <ids>` and its sub-mode (`name`, `state`, `shutdown`), `no vlan`,
`show vlan [brief]` and the `vlan` blocks of the running configuration.

Access ports come from the switch's interfaces (`switchport access vlan`), read through the
switch: a VLAN lists the layer-2 ports whose access VLAN it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from sim.switch.cli import ArgType, CommandError, Mode
from sim.switch.feature import Ctx, Feature, Grammar, Record, changed, switch_of
from sim.switch.vlans import render
from sim.switch.vlans.state import (
    DEFAULT_VLAN,
    MAX_NAME,
    RESERVED,
    Vlan,
    compress,
    parse_vlan_list,
)

if TYPE_CHECKING:
    from sim.switch.switch import Switch

CONFIG_VLAN = Mode.submode("config-vlan")
_NAME = re.compile(r"[\x21-\x7e]{1,32}")

HELP = {
    "vlan": "Vlan commands",
    "brief": "Show VLAN brief information",
    "name": "Ascii name of the VLAN",
    "state": "Operational state of the VLAN",
    "active": "VLAN Active State",
    "suspend": "VLAN Suspended State",
    "shutdown": "Shutdown VLAN switching",
}


def _parse_name(token: str) -> str:
    if len(token) > MAX_NAME or not _NAME.fullmatch(token):
        raise ValueError(token)
    return token


VLAN_LIST_TYPE = ArgType("WORD", "VLAN ID 1-4094 or range(s): 1-5, 10 or 2-5,7-19", parse_vlan_list)
VLAN_NAME_TYPE = ArgType("WORD", "The ascii name for the VLAN (Max Size 32)", _parse_name)


def access_ports(switch: Switch) -> dict[int, list[str]]:
    """Layer-2 front-panel ports by access VLAN, in interface order."""
    ports: dict[int, list[str]] = {}
    for interface in switch.interfaces:
        if not interface.is_mgmt and not interface.routed:
            ports.setdefault(interface.access_vlan, []).append(interface.name)
    return ports


def _vlan_ids(ctx: Ctx) -> tuple[int, ...]:
    ids: tuple[int, ...] = ctx.args["ids"]
    reserved = [n for n in ids if n in RESERVED]
    if reserved:
        raise CommandError(f"ERROR: VLAN {compress(reserved)} is a reserved VLAN")
    return ids


def _vlan(ctx: Ctx) -> str:
    if ctx.negated:
        ctx.session.enter(Mode.CONFIG)
        return _no_vlan(ctx)
    switch = switch_of(ctx)
    ids = _vlan_ids(ctx)
    known = {v.vlan_id for v in switch.vlans}
    switch.vlans = sorted([*switch.vlans, *(Vlan(n) for n in ids if n not in known)], key=_id)
    ctx.session.editing[CONFIG_VLAN] = compress(list(ids))
    changed(ctx)
    return ""


def _no_vlan(ctx: Ctx) -> str:
    switch = switch_of(ctx)
    ids = _vlan_ids(ctx)
    # VLAN 1 stays whatever a range says: `no vlan 1,10` (a rollback patch removing the
    # `vlan 1,10` line) deletes VLAN 10; only `no vlan 1` alone is refused.
    if ids == (DEFAULT_VLAN,):
        raise CommandError("ERROR: Default VLAN 1 may not be deleted")
    switch.vlans = [v for v in switch.vlans if v.vlan_id not in ids]
    changed(ctx)
    return ""


def _id(vlan: Vlan) -> int:
    return vlan.vlan_id


def _editing(ctx: Ctx) -> list[Vlan]:
    ids = set(parse_vlan_list(ctx.session.editing.get(CONFIG_VLAN, "1")))
    return [v for v in switch_of(ctx).vlans if v.vlan_id in ids]


def _name(ctx: Ctx) -> str:
    vlans = _editing(ctx)
    if not ctx.negated and DEFAULT_VLAN in (v.vlan_id for v in vlans):
        raise CommandError("ERROR: Default VLAN 1 name may not be changed")
    for vlan in vlans:
        vlan.name = "" if ctx.negated else str(ctx.args["name"])
        if vlan.name == f"VLAN{vlan.vlan_id:04d}":
            vlan.name = ""  # the default name, as `show running-config all` prints it
    changed(ctx)
    return ""


def _state(ctx: Ctx) -> str:
    suspend = not ctx.negated and ctx.args.get("suspend") is not None
    for vlan in _editing(ctx):
        vlan.suspended = suspend
    changed(ctx)
    return ""


def _shutdown(ctx: Ctx) -> str:
    for vlan in _editing(ctx):
        vlan.shutdown = not ctx.negated
    changed(ctx)
    return ""


def _record(
    build: Callable[[Sequence[Vlan], Mapping[int, Sequence[str]]], Record],
) -> Callable[[Ctx], Record]:
    def record(ctx: Ctx) -> Record:
        switch = switch_of(ctx)
        return build(switch.vlans, access_ports(switch))

    return record


def register(grammar: Grammar) -> None:
    grammar.commands.define_type("vlanlist", VLAN_LIST_TYPE)
    grammar.commands.define_type("vlanname", VLAN_NAME_TYPE)
    grammar.show("show vlan", _record(render.vlan_record), render.vlan_text, help=HELP)
    grammar.show("show vlan brief", _record(render.brief_record), render.brief_text, help=HELP)
    grammar.add(Mode.CONFIG, "vlan <ids:vlanlist>", _vlan, enters=CONFIG_VLAN, help=HELP)
    grammar.add(
        CONFIG_VLAN, "name <name:vlanname>", _name, no_pattern="name [<name:vlanname>]", help=HELP
    )
    grammar.add(
        CONFIG_VLAN,
        "state {active | suspend}",
        _state,
        no_pattern="state [active | suspend]",
        help=HELP,
    )
    grammar.add(CONFIG_VLAN, "shutdown", _shutdown, help=HELP)


def running_config(switch: Switch) -> list[str]:
    lines = ["", f"vlan {compress([v.vlan_id for v in switch.vlans])}"]
    for vlan in switch.vlans:
        settings = []
        if vlan.name:
            settings.append(f"  name {vlan.name}")
        if vlan.suspended:
            settings.append("  state suspend")
        if vlan.shutdown:
            settings.append("  shutdown")
        if settings:
            lines += [f"vlan {vlan.vlan_id}", *settings]
    return lines


def running_config_all(switch: Switch) -> list[str]:
    lines = ["", f"vlan {compress([v.vlan_id for v in switch.vlans])}"]
    for vlan in switch.vlans:
        lines.append(f"vlan {vlan.vlan_id}")
        if vlan.vlan_id != 1:  # VLAN 1 keeps its name
            lines.append(f"  name {vlan.shown_name}")
        lines.append("  state suspend" if vlan.suspended else "  state active")
        lines.append("  shutdown" if vlan.shutdown else "  no shutdown")
    return lines


FEATURE = Feature(
    "vlans", register, running_config=running_config, running_config_all=running_config_all
)
