"""The callhome feature's grammar, `show call-home` output and running-config section."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.agent.states import Transport
from sim.switch.callhome.state import TAC_PROFILE, TAC_PROFILE_NAMES, CallhomeConfig
from sim.switch.cli import Mode
from sim.switch.feature import Ctx, Feature, Grammar, changed, switch_of
from sim.switch.formats import NONE, config_text
from sim.switch.platform import BIOS_VERSION, NXOS_VERSION

if TYPE_CHECKING:
    from sim.switch.switch import Switch

HELP = {
    "callhome": "Enter the callhome configuration mode",
    "call-home": "Show call-home information",
    "profile": "Show profile information",
    "http": "HTTP information",
}


def _callhome_changed(ctx: Ctx) -> None:
    switch_of(ctx).callhome_changed()
    changed(ctx)


def _callhome(ctx: Ctx) -> str:
    if ctx.negated:
        switch_of(ctx).callhome = CallhomeConfig()
        ctx.session.enter(Mode.CONFIG)
    _callhome_changed(ctx)
    return ""


def _callhome_email(ctx: Ctx) -> str:
    switch_of(ctx).callhome.email_contact = None if ctx.negated else str(ctx.args["address"])
    changed(ctx)
    return ""


def _callhome_profile(ctx: Ctx) -> str:
    if str(ctx.args["profile"]).lower() not in TAC_PROFILE_NAMES:
        # Other profiles carry no licensing messages: kept as typed.
        return _callhome_extra(ctx)
    callhome = switch_of(ctx).callhome
    if "method" in ctx.args:
        if ctx.args["method"] == "http":
            callhome.profile_transport_http = not ctx.negated
    else:
        index = int(ctx.args["i"])
        table = callhome.http_urls if "url" in ctx.args else callhome.email_addrs
        value = str(ctx.args.get("url") or ctx.args.get("addr"))
        if not ctx.negated:
            table[index] = value
        elif table.get(index) == value:
            del table[index]
    _callhome_changed(ctx)
    return ""


def _callhome_transport(ctx: Ctx) -> str:
    switch_of(ctx).callhome.vrf = None if ctx.negated else str(ctx.args["vrf"])
    _callhome_changed(ctx)
    return ""


def _callhome_extra(ctx: Ctx) -> str:
    callhome = switch_of(ctx).callhome
    line = " ".join(ctx.line.split()[1:] if ctx.negated else ctx.line.split())
    callhome.extra_lines = [x for x in callhome.extra_lines if x != line]
    if not ctx.negated:
        callhome.extra_lines.append(line)
    changed(ctx)
    return ""


def _callhome_enable(ctx: Ctx) -> str:
    switch_of(ctx).callhome.enabled = not ctx.negated
    _callhome_changed(ctx)
    return ""


def _callhome_periodic(ctx: Ctx) -> str:
    days = None if ctx.negated else int(ctx.args["days"])
    switch_of(ctx).callhome.periodic_inventory_days = days
    changed(ctx)
    return ""


def call_home_profile_all(switch: Switch) -> str:
    callhome = switch.callhome
    urls = [url for _, url in sorted(callhome.http_urls.items())]
    emails = [addr for _, addr in sorted(callhome.email_addrs.items())]
    status = "ACTIVE" if callhome.active else "INACTIVE"
    smart = "enabled" if switch.licensing.transport is Transport.CALLHOME else "disabled"
    methods = ["email", "http"] if callhome.profile_transport_http else ["email"]
    return (
        "Current smart-licensing transport settings:\n"
        f" Smart-license messages: {smart}\n"
        f" Profile: {TAC_PROFILE} (status: {status})\n"
        f" Destination  URL(s):  {' '.join(urls) or NONE}\n"
        "\n"
        f"Profile Name: {TAC_PROFILE}\n"
        "  Message Format: xml\n"
        "  Message Level: 0\n"
        "  Message Size: 5000000\n"
        f"  Transport Method: {', '.join(methods)}\n"
        f"  Email addresses configured: {', '.join(emails) or NONE}\n"
        f"  Url addresses configured: {', '.join(urls) or NONE}\n"
        "  Periodic component-alert-group message is enabled\n"
    )


def callhome_lines(switch: Switch, *, full: bool) -> list[str]:
    """The `callhome` block; `full` (`show running-config callhome all`) adds the defaults."""
    callhome = switch.callhome
    if callhome == CallhomeConfig() and not full:
        return []
    default_urls = CallhomeConfig().http_urls
    lines = ["callhome"]
    if callhome.email_contact:
        lines.append(f"  email-contact {callhome.email_contact}")
    if callhome.profile_transport_http:
        lines.append("  destination-profile xml transport-method http")
    elif full:
        lines.append("  destination-profile xml transport-method email")
    lines += [
        f"  destination-profile xml index {i} email-addr {addr}"
        for i, addr in sorted(callhome.email_addrs.items())
    ]
    # A saved configuration must bring back a removed default URL as removed.
    lines += [
        f"  no destination-profile xml index {i} http {url}"
        for i, url in sorted(default_urls.items())
        if callhome.http_urls.get(i) != url and not full
    ]
    lines += [
        f"  destination-profile xml index {i} http {url}"
        for i, url in sorted(callhome.http_urls.items())
        if full or default_urls.get(i) != url
    ]
    lines += [f"  {extra}" for extra in callhome.extra_lines]
    if callhome.vrf:
        lines.append(f"  transport http use-vrf {callhome.vrf}")
    if callhome.enabled:
        lines.append("  enable")
    if callhome.periodic_inventory_days is not None:
        lines.append(
            f"  periodic-inventory notification interval {callhome.periodic_inventory_days}"
        )
    return lines


def running_config(switch: Switch) -> list[str]:
    return callhome_lines(switch, full=False)


def _show_running_callhome(ctx: Ctx) -> str:
    switch = switch_of(ctx)
    lines = [f"version {NXOS_VERSION} Bios:version {BIOS_VERSION}"]
    lines += callhome_lines(switch, full=True)
    changed_at = switch.config_changed_at or switch.booted_at or switch.now()
    title = "show running-config callhome all"
    return config_text(lines, title=title, changed_at=changed_at, now=switch.now())


def register(grammar: Grammar) -> None:
    grammar.show_text("show call-home profile all", call_home_profile_all)
    grammar.add(Mode.EXEC, "show running-config callhome all", _show_running_callhome)
    grammar.add(Mode.CONFIG, "callhome", _callhome, enters=Mode.CONFIG_CALLHOME)
    home = Mode.CONFIG_CALLHOME
    grammar.add(home, "email-contact <address:email>", _callhome_email)
    grammar.add(
        home,
        "destination-profile <profile:name> transport-method {method= http | email}",
        _callhome_profile,
    )
    grammar.add(
        home,
        "destination-profile <profile:name> index <i:int(1-10)> http <url:url>",
        _callhome_profile,
    )
    grammar.add(
        home,
        "destination-profile <profile:name> index <i:int(1-10)> email-addr <addr:email>",
        _callhome_profile,
    )
    grammar.add(home, "transport http use-vrf <vrf:name>", _callhome_transport)
    grammar.add(home, "transport email <rest:text>", _callhome_extra)
    grammar.add(home, "enable", _callhome_enable)
    grammar.add(
        home, "periodic-inventory notification interval <days:int(1-30)>", _callhome_periodic
    )


FEATURE = Feature("callhome", register, HELP, running_config)
