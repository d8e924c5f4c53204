"""The neighbours feature: `show lldp neighbors [detail]`, `show cdp neighbors [detail]` and
`show ip arp [vrf <v>|all]`, from the cables the lab plugged between its switches."""

from __future__ import annotations

from sim.switch.feature import Ctx, Feature, Grammar, Record, switch_of
from sim.switch.neighbors import render

HELP = {
    "lldp": "Display LLDP information",
    "cdp": "Show CDP information",
    "neighbors": "Show neighbors",
    "detail": "Show detailed information",
    "arp": "Display ARP information",
    "vrf": "Display per-VRF information",
    "interface": "Show neighbors on an interface",
}
VRFS = ("default", "management")


def _found(ctx: Ctx) -> list[render.Neighbor]:
    """The neighbours, or those on `interface <if>` when one is named."""
    found = render.neighbors(switch_of(ctx))
    name = ctx.args.get("ifname")
    return found if name is None else [n for n in found if n.local_port == name]


def _lldp(ctx: Ctx) -> Record:
    return render.lldp_record(_found(ctx))


def _lldp_detail(ctx: Ctx) -> Record:
    return render.lldp_detail_record(_found(ctx), switch_of(ctx).now())


def _cdp(ctx: Ctx) -> Record:
    return render.cdp_record(_found(ctx))


def _cdp_detail(ctx: Ctx) -> Record:
    return render.cdp_detail_record(_found(ctx))


def _arp(ctx: Ctx) -> Record:
    switch = switch_of(ctx)
    vrf = str(ctx.args.get("vrf_name") or "default")
    vrfs = list(VRFS) if vrf == "all" else [vrf]
    age = render.arp_age(switch.now(), switch.booted_at)
    return render.arp_record(render.neighbors(switch), vrfs, age)


def register(grammar: Grammar) -> None:
    on = "[interface <ifname:interface>]"
    grammar.show(f"show lldp neighbors {on}", _lldp, render.lldp_text, help=HELP)
    grammar.show(
        f"show lldp neighbors {on} detail", _lldp_detail, render.lldp_detail_text, help=HELP
    )
    grammar.show(f"show cdp neighbors {on}", _cdp, render.cdp_text, help=HELP)
    grammar.show(f"show cdp neighbors {on} detail", _cdp_detail, render.cdp_detail_text, help=HELP)
    grammar.show("show ip arp [vrf <vrf_name:name>]", _arp, render.arp_text, help=HELP)


FEATURE = Feature("neighbors", register)
