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
}
VRFS = ("default", "management")


def _lldp(ctx: Ctx) -> Record:
    return render.lldp_record(render.neighbors(switch_of(ctx)))


def _lldp_detail(ctx: Ctx) -> Record:
    switch = switch_of(ctx)
    return render.lldp_detail_record(render.neighbors(switch), switch.now())


def _cdp(ctx: Ctx) -> Record:
    return render.cdp_record(render.neighbors(switch_of(ctx)))


def _cdp_detail(ctx: Ctx) -> Record:
    return render.cdp_detail_record(render.neighbors(switch_of(ctx)))


def _arp(ctx: Ctx) -> Record:
    switch = switch_of(ctx)
    vrf = str(ctx.args.get("vrf_name") or "default")
    vrfs = list(VRFS) if vrf == "all" else [vrf]
    age = render.arp_age(switch.now(), switch.booted_at)
    return render.arp_record(render.neighbors(switch), vrfs, age)


def register(grammar: Grammar) -> None:
    grammar.show("show lldp neighbors", _lldp, render.lldp_text, help=HELP)
    grammar.show("show lldp neighbors detail", _lldp_detail, render.lldp_detail_text, help=HELP)
    grammar.show("show cdp neighbors", _cdp, render.cdp_text, help=HELP)
    grammar.show("show cdp neighbors detail", _cdp_detail, render.cdp_detail_text, help=HELP)
    grammar.show("show ip arp [vrf <vrf_name:name>]", _arp, render.arp_text, help=HELP)


FEATURE = Feature("neighbors", register)
