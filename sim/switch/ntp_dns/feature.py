"""The NTP / DNS feature's grammar, `show` output and running-config section."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.network import VrfDns
from sim.switch.cli import Mode
from sim.switch.feature import Ctx, Feature, Grammar, Record, changed, switch_of
from sim.switch.formats import config_text
from sim.switch.ntp_dns.state import NtpServer
from sim.switch.platform import BIOS_VERSION, NXOS_VERSION

if TYPE_CHECKING:
    from sim.switch.switch import Switch

HELP = {
    "ntp": "NTP configuration",
    "server": "Server",
    "prefer": "Preferred server",
    "use-vrf": "Display per-VRF information",
    "ip": "Configure IP features",
    "domain-lookup": "Enable DNS lookup",
    "domain-name": "Default domain name",
    "name-server": "Name server IP address",
    "host": "Static host name to address mapping",
    "peer-status": "Show NTP peer status",
}


def _ntp_server(ctx: Ctx) -> str:
    switch = switch_of(ctx)
    ip = str(ctx.args["ip"])
    switch.ntp_servers = [s for s in switch.ntp_servers if s.ip != ip]
    if not ctx.negated:
        vrf = str(ctx.args.get("vrf_name") or "default")
        switch.ntp_servers.append(NtpServer(ip, prefer=bool(ctx.args.get("prefer")), vrf=vrf))
        switch.ntp_poll()
    changed(ctx)
    return ""


def _domain_lookup(ctx: Ctx) -> str:
    switch_of(ctx).dns.domain_lookup = not ctx.negated
    changed(ctx)
    return ""


def _domain_name(ctx: Ctx) -> str:
    switch = switch_of(ctx)
    name = None if ctx.negated else str(ctx.args["name"])
    vrf = ctx.args.get("vrf_name")
    if vrf:
        switch.dns.vrf_contexts.setdefault(str(vrf), VrfDns()).domain_name = name
    else:
        switch.dns.domain_name = name
    changed(ctx)
    return ""


def _name_server(ctx: Ctx) -> str:
    switch = switch_of(ctx)
    vrf = str(ctx.args.get("vrf_name") or "default")
    servers = [str(s) for s in ctx.args["servers"]]
    current = switch.dns.name_servers.setdefault(vrf, [])
    if ctx.negated:
        current[:] = [s for s in current if s not in servers]
    else:
        current.extend(s for s in servers if s not in current)
    changed(ctx)
    return ""


def _ip_host(ctx: Ctx) -> str:
    switch = switch_of(ctx)
    name = str(ctx.args["name"])
    if ctx.negated:
        switch.dns.hosts.pop(name, None)
    else:
        switch.dns.hosts[name] = str(ctx.args["ip"])
    changed(ctx)
    return ""


def _vrf_context(ctx: Ctx) -> str:
    switch = switch_of(ctx)
    name = str(ctx.args["name"])
    if ctx.negated:
        switch.dns.vrf_contexts.pop(name, None)
        ctx.session.enter(Mode.CONFIG)
    else:
        switch.dns.vrf_contexts.setdefault(name, VrfDns())
        ctx.session.editing[Mode.CONFIG_VRF] = name
    changed(ctx)
    return ""


def _editing(ctx: Ctx) -> VrfDns:
    """The VRF this session's `vrf context` entered (each session edits its own)."""
    name = ctx.session.editing.get(Mode.CONFIG_VRF, "default")
    return switch_of(ctx).dns.vrf_contexts.setdefault(name, VrfDns())


def _vrf_domain_name(ctx: Ctx) -> str:
    context = _editing(ctx)
    context.domain_name = None if ctx.negated else str(ctx.args["name"])
    changed(ctx)
    return ""


def _vrf_name_server(ctx: Ctx) -> str:
    context = _editing(ctx)
    servers = [str(s) for s in ctx.args["servers"]]
    if ctx.negated:
        context.name_servers = [s for s in context.name_servers if s not in servers]
    else:
        context.name_servers += [s for s in servers if s not in context.name_servers]
    changed(ctx)
    return ""


def ntp_peer_status(switch: Switch) -> str:
    lines = [
        "Total peers : " + str(len(switch.ntp_servers)),
        "* - selected for sync, + -  peer mode(active), ",
        "- - peer mode(passive), = - polled in client mode ",
        "    remote                                 local                   st   poll   reach"
        " delay   vrf",
        "-" * 100,
    ]
    for server in switch.ntp_servers:
        mark = "*" if switch.ntp_synced_to == server.ip and not switch.clock_offset else "="
        reach = "377" if switch.ctx.network.ntp_reachable(server.ip, server.vrf) else "0"
        lines.append(
            f"{mark}{server.ip:<39}0.0.0.0{'':17}2    64     {reach:<5} 0.00123 {server.vrf}"
        )
    return "\n".join(lines) + "\n"


def ntp_peers_record(ctx: Ctx) -> Record:
    """`show ntp peers`: every configured server (NAPALM's get_ntp_servers reads this)."""
    rows = [{"PeerIPAddress": s.ip, "serv_peer": "Server"} for s in switch_of(ctx).ntp_servers]
    return {"TABLE_peers": {"ROW_peers": rows}}


def ntp_peers_text(record: Record) -> str:
    rule = "-" * 50
    lines = [rule, f"  {'Peer IP Address':<30}Serv/Peer", rule]
    lines += [
        f"  {row['PeerIPAddress']:<30}{row['serv_peer']} (configured)"
        for row in record["TABLE_peers"]["ROW_peers"]
    ]
    return "".join(f"{line}\n" for line in lines)


def show_hosts(switch: Switch) -> str:
    """`show hosts`: lookup state, default domain, name servers and static hosts."""
    dns = switch.dns
    servers = [s for vrf_servers in dns.name_servers.values() for s in vrf_servers]
    lines = [f"DNS lookup {'enabled' if dns.domain_lookup else 'disabled'}"]
    if dns.domain_name:
        lines.append(f"Default domain for vrf:default is {dns.domain_name}")
    lines += [
        "Name/address lookup uses domain service",
        f"Name servers are {' '.join(servers) or '255.255.255.255'}",
        "",
        f"{'Host':<26}Address",
    ]
    lines += [f"{name:<26}{ip}" for name, ip in dns.hosts.items()]
    return "\n".join(lines) + "\n"


def register(grammar: Grammar) -> None:
    config = Mode.CONFIG
    grammar.show_text("show ntp peer-status", ntp_peer_status)
    grammar.show(
        "show ntp peers", ntp_peers_record, ntp_peers_text, help={"peers": "Show all NTP peers"}
    )
    grammar.show_text(
        "show hosts", show_hosts, help={"hosts": "Show static host names and DNS settings"}
    )
    grammar.add(config, "ntp server <ip:ipv4> [prefer] [use-vrf <vrf_name:name>]", _ntp_server)
    grammar.add(Mode.EXEC, "show running-config ntp", _show_running_ntp)
    grammar.add(config, "ip domain-lookup", _domain_lookup)
    grammar.add(config, "ip domain-name <name:dnsname> [use-vrf <vrf_name:name>]", _domain_name)
    grammar.add(config, "ip name-server <servers:ipv4...> [use-vrf <vrf_name:name>]", _name_server)
    grammar.add(
        config,
        "ip host <name:dnsname> <ip:ipv4>",
        _ip_host,
        no_pattern="ip host <name:dnsname> [<ip:ipv4>]",
    )
    grammar.add(config, "vrf context <name:name>", _vrf_context, enters=Mode.CONFIG_VRF)
    grammar.add(Mode.CONFIG_VRF, "ip domain-name <name:dnsname>", _vrf_domain_name)
    grammar.add(Mode.CONFIG_VRF, "ip name-server <servers:ipv4...>", _vrf_name_server)


def running_config(switch: Switch) -> list[str]:
    dns = switch.dns
    lines = ["ip domain-lookup" if dns.domain_lookup else "no ip domain-lookup"]
    if dns.domain_name:
        lines.append(f"ip domain-name {dns.domain_name}")
    for vrf, servers in dns.name_servers.items():
        if servers:
            suffix = "" if vrf == "default" else f" use-vrf {vrf}"
            lines.append(f"ip name-server {' '.join(servers)}{suffix}")
    lines += [f"ip host {name} {ip}" for name, ip in dns.hosts.items()]
    for vrf, context in dns.vrf_contexts.items():
        lines.append(f"vrf context {vrf}")
        if context.domain_name:
            lines.append(f"  ip domain-name {context.domain_name}")
        if context.name_servers:
            lines.append(f"  ip name-server {' '.join(context.name_servers)}")
    return lines + ntp_lines(switch)


def ntp_lines(switch: Switch) -> list[str]:
    lines = []
    for ntp in switch.ntp_servers:
        prefer = " prefer" if ntp.prefer else ""
        vrf = "" if ntp.vrf == "default" else f" use-vrf {ntp.vrf}"
        lines.append(f"ntp server {ntp.ip}{prefer}{vrf}")
    return lines


def _show_running_ntp(ctx: Ctx) -> str:
    # Ansible's ntp_global resource module reads this section alone.
    switch = switch_of(ctx)
    lines = [f"version {NXOS_VERSION} Bios:version {BIOS_VERSION}", *ntp_lines(switch)]
    changed_at = switch.config_changed_at or switch.booted_at or switch.now()
    title = "show running-config ntp"
    return config_text(lines, title=title, changed_at=changed_at, now=switch.now())


FEATURE = Feature("ntp_dns", register, HELP, running_config)
