"""The interfaces feature: `show interface [<if>|brief|status|description]`."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sim.switch.cabling import far_end
from sim.switch.cli import ArgType, CommandError, Mode
from sim.switch.feature import Ctx, Feature, Grammar, Record, switch_of
from sim.switch.interfaces import config, render
from sim.switch.interfaces.counters import traffic
from sim.switch.interfaces.state import Interface, parse_interface_name

HELP = {
    "interface": "Display interface information",
    "counters": "Show interface counters",
    "detailed": "Show only non-zero counters",
    "brief": "Show brief info of interface",
    "status": "Display interface line status",
    "description": "Show interface description",
}
INTERFACE_TYPE = ArgType("WORD", "Interface name (ethernet1/1, mgmt0)", parse_interface_name)


def _selected(ctx: Ctx) -> Sequence[Interface]:
    interfaces = switch_of(ctx).interfaces
    name = ctx.args.get("ifname")
    if name is None:
        return interfaces
    chosen = [interface for interface in interfaces if interface.name == name]
    if not chosen:
        raise CommandError(f"% Invalid interface {name}")
    return chosen


def _record(build: Callable[[Sequence[Interface]], Record]) -> Callable[[Ctx], Record]:
    return lambda ctx: build(_selected(ctx))


def _counted(build: Callable[[render.Counted], Record]) -> Callable[[Ctx], Record]:
    def record(ctx: Ctx) -> Record:
        switch = switch_of(ctx)
        now = switch.now()
        return build(
            [
                (
                    interface,
                    traffic(
                        interface,
                        now=now,
                        booted_at=switch.booted_at,
                        far_end=far_end(switch, interface.name),
                    ),
                )
                for interface in _selected(ctx)
            ]
        )

    return record


def _switchport(ctx: Ctx) -> Record:
    vlans = {vlan.vlan_id: vlan.shown_name for vlan in switch_of(ctx).vlans}
    return render.switchport_record(_selected(ctx), vlans)


def _clear_counters(ctx: Ctx) -> str:
    switch = switch_of(ctx)
    for interface in _selected(ctx):
        interface.counters_cleared_at = switch.now()
    return ""


IP_HELP = {
    "interface": "Display IP interface status and configuration",
    "brief": "Brief display of interface status and configuration",
    "vrf": "Display per-VRF information",
}


def _vrfs(ctx: Ctx) -> list[str]:
    vrf = str(ctx.args.get("vrf_name") or "default")
    return list(render.VRF_IDS) if vrf == "all" else [vrf]


def _ip_record(
    build: Callable[[Sequence[Interface], Sequence[str]], Record],
) -> Callable[[Ctx], Record]:
    def record(ctx: Ctx) -> Record:
        vrf = str(ctx.args.get("vrf_name") or "default")
        vrfs = list(render.VRF_IDS) if vrf == "all" else [vrf]
        return build(switch_of(ctx).interfaces, vrfs)

    return record


def register(grammar: Grammar) -> None:
    grammar.commands.define_type("interface", INTERFACE_TYPE)
    grammar.show(
        "show ip interface [vrf <vrf_name:name>]",
        _ip_record(render.ip_interface_record),
        render.ip_interface_text,
        help=IP_HELP,
    )
    grammar.show(
        "show ip interface brief [vrf <vrf_name:name>]",
        _ip_record(render.ip_interface_brief_record),
        render.ip_interface_brief_text,
        help=IP_HELP,
    )
    ipv6_help = IP_HELP | {
        "ipv6": "Display IPv6 information",
        "interface": "Display IPv6 interface status and configuration",
    }
    grammar.show(
        "show ipv6 interface [vrf <vrf_name:name>]",
        _ip_record(render.ipv6_interface_record),
        render.ipv6_interface_text,
        help=ipv6_help,
    )
    grammar.show(
        "show ipv6 interface brief [vrf <vrf_name:name>]",
        _ip_record(render.ipv6_interface_brief_record),
        render.ipv6_interface_brief_text,
        help=ipv6_help,
    )
    config.register(grammar)
    grammar.show(
        "show interface [<ifname:interface>]",
        _counted(render.interface_record),
        render.interface_text,
        help=HELP,
    )
    for selected in ("", "<ifname:interface> "):
        grammar.show(
            f"show interface {selected}counters",
            _counted(render.counters_record),
            render.counters_text,
            help=HELP,
        )
        grammar.show(
            f"show interface {selected}counters detailed",
            _counted(render.counters_detailed_record),
            render.counters_detailed_text,
            help=HELP,
        )
    grammar.show(
        "show interface [<ifname:interface>] switchport",
        _switchport,
        render.switchport_text,
        help=HELP | {"switchport": "Show interface switchport information"},
    )
    grammar.add(
        Mode.EXEC,
        "clear counters [interface <ifname:interface>]",
        _clear_counters,
        help={
            "clear": "Reset functions",
            "counters": "Clear counters",
            "interface": "Clear interface counters",
        },
    )
    grammar.show("show interface brief", _record(render.brief_record), render.brief_text, help=HELP)
    grammar.show(
        "show interface status", _record(render.status_record), render.status_text, help=HELP
    )
    grammar.show(
        "show interface description",
        _record(render.description_record),
        render.description_text,
        help=HELP,
    )


FEATURE = Feature(
    "interfaces",
    register,
    running_config=config.running_config,
    running_config_all=config.running_config_all,
)
