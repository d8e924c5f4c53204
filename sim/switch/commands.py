"""The NX-OS commands of a fake Nexus switch, registered into the one CLI engine.

Handlers translate a parsed line into a call on the `Switch` (sim/switch/switch.py) and
render `show` output with sim/switch/render.py. Exec licensing commands print nothing, as on
NX-OS: their outcome arrives as %LICMGR syslog messages once the exchange completes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sim.agent.machine import DEFAULT_SMART_URL
from sim.agent.states import Transport
from sim.network import VrfDns
from sim.scheduler import Halt
from sim.switch import render
from sim.switch.bootflash import IMAGE_BYTES, TOTAL_BYTES, BootflashError
from sim.switch.cli import ArgType, CliSession, CommandContext, CommandError, CommandSet, Mode
from sim.switch.switch import (
    INTERNAL_ERROR,
    NXOS_VERSION,
    TAC_PROFILE_NAMES,
    CallhomeConfig,
    LoggingServer,
    NtpServer,
)

if TYPE_CHECKING:
    from sim.switch.switch import Switch

Ctx = CommandContext["Switch"]

HELP = {
    "show": "Show running system information",
    "license": "Show license information",
    "status": "Show license status information",
    "all": "Show all license information",
    "usage": "Show license usage information",
    "summary": "Show license summary",
    "udi": "Show license UDI information",
    "host-id": "Show license host-id",
    "tech": "Show license tech support information",
    "support": "Show license tech support information",
    "history": "Show license history",
    "message": "Show license message history",
    "rum": "Show RUM report information",
    "eventlog": "Show license event log",
    "smart": "Smart licensing",
    "trust": "Trust code",
    "idtoken": "ID token to establish trust",
    "force": "Force a new trust code even if one is installed",
    "local": "Local device only",
    "sync": "Synchronize with CSSM/CSLU",
    "save": "Save licensing data",
    "import": "Import a file (ACK or policy)",
    "file": "Save to a file (bootflash:<name>)",
    "unreported": "Usage not yet acknowledged",
    "factory": "Factory reset licensing data",
    "reset": "Remove all licensing information",
    "transport": "Configure the transport type",
    "url": "Configure the destination URL",
    "interval": "Reporting interval in days",
    "vrf": "VRF",
    "proxy": "Configure a proxy",
    "ntp": "NTP configuration",
    "server": "Server",
    "prefer": "Preferred server",
    "use-vrf": "Display per-VRF information",
    "ip": "Configure IP features",
    "domain-lookup": "Enable DNS lookup",
    "domain-name": "Default domain name",
    "name-server": "Name server IP address",
    "host": "Static host name to address mapping",
    "ping": "Test network reachability",
    "clock": "Manage the system clock",
    "hostname": "Configure the system's hostname",
    "callhome": "Enter the callhome configuration mode",
    "logging": "Modify message logging facilities",
    "running-config": "Current operating configuration",
    "startup-config": "Contents of startup configuration",
    "copy": "Copy from one file to another",
    "reload": "Reboot the entire box",
    "ascii": "Reload with ASCII configuration replay",
    "version": "Show the software & hardware version",
    "inventory": "Show physical inventory",
    "logfile": "Show contents of logfile",
    "last": "Show last few lines of logfile",
    "peer-status": "Show NTP peer status",
    "call-home": "Show call-home information",
    "profile": "Show profile information",
    "http": "HTTP information",
    "client": "HTTP client information",
    "dir": "List files in a directory",
    "configure": "Enter configuration mode",
}


def _switch(ctx: Ctx) -> Switch:
    return ctx.context


# ---------------------------------------------------------------------- argument types
#
# Everything a person types that the switch keeps (configuration, names, URLs, tokens) is
# checked here, at the edge, against what NX-OS accepts; a token that fails is answered with
# `% Invalid parameter detected at '^' marker.` under it. Nothing unbounded or unprintable
# reaches the agent, the transport or the running configuration.

_HOSTNAME = re.compile(r"[A-Za-z0-9_.-]{1,63}")
_DNS_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]{0,62}(?:\.[A-Za-z0-9_-]{1,63})*\.?")
MAX_DNS_NAME = 253
_NAME = re.compile(r"[A-Za-z0-9_.:-]{1,32}")  # VRF and profile names
_PRINTABLE = re.compile(r"[\x21-\x7e]+")  # visible ASCII: no spaces, no control characters
MAX_URL = 512
MAX_TOKEN = 2048
MAX_EMAIL = 255
MAX_LINE = 255


def _matching(pattern: re.Pattern[str], limit: int = MAX_LINE) -> Callable[[str], str]:
    def parse(token: str) -> str:
        if len(token) > limit or not pattern.fullmatch(token):
            raise ValueError(token)
        return token

    return parse


def _bounded_printable(limit: int) -> Callable[[str], str]:
    def parse(token: str) -> str:
        if len(token) > limit or not _PRINTABLE.fullmatch(token):
            raise ValueError(token)
        return token

    return parse


def parse_url(token: str) -> str:
    """An http(s) URL with a host, a valid port, printable ASCII only, at most MAX_URL long."""
    if len(token) > MAX_URL or not _PRINTABLE.fullmatch(token):
        raise ValueError(token)
    parts = urlsplit(token)  # raises ValueError for e.g. an unclosed IPv6 bracket
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError(token)
    _ = parts.port  # raises ValueError for a port that is not a number from 0 to 65535
    return token


def _parse_line(text: str) -> str:
    if len(text) > MAX_LINE or not all(" " <= ch <= "~" for ch in text) or not text.strip():
        raise ValueError(text)
    return text


ARGUMENT_TYPES: dict[str, ArgType] = {
    "hostname": ArgType("WORD", "Enter the system's hostname (max 63)", _matching(_HOSTNAME)),
    "dnsname": ArgType(
        "WORD", "Enter a host or domain name (max 253)", _matching(_DNS_NAME, MAX_DNS_NAME)
    ),
    "name": ArgType("WORD", "Enter a name (max 32)", _matching(_NAME)),
    "url": ArgType("WORD", f"Enter a URL (max {MAX_URL})", parse_url),
    "token": ArgType("WORD", "Enter the ID token", _bounded_printable(MAX_TOKEN)),
    # Any visible name: one that does not resolve is `% Invalid host/interface`, as on NX-OS.
    "host": ArgType("WORD", "Enter a host name or address", _bounded_printable(MAX_DNS_NAME)),
    "email": ArgType("WORD", "Enter an email address", _bounded_printable(MAX_EMAIL)),
    "text": ArgType("LINE", "Enter a line of text", _parse_line, rest_of_line=True),
}


def _contained(handler: Callable[[Ctx], Any]) -> Callable[[Ctx], Any]:
    """`handler`, with an unexpected exception recorded as an incident and answered in NX-OS
    form: a bug in one command must not reach SSH / NX-API as a crash."""

    def run(ctx: Ctx) -> Any:
        try:
            return handler(ctx)
        except (CommandError, Halt):
            raise
        except Exception as exc:  # contained: recorded, and the session goes on
            _switch(ctx).record_incident(exc)
            raise CommandError(INTERNAL_ERROR) from None

    return run


def _changed(ctx: Ctx) -> None:
    _switch(ctx).touch_config()


def _callhome_changed(ctx: Ctx) -> None:
    _switch(ctx).callhome_changed()
    _changed(ctx)


# ---------------------------------------------------------------------- exec: licensing


def _trust(ctx: Ctx) -> str:
    scope = "all" if ctx.args.get("all") else "local"
    _switch(ctx).trust_idtoken(
        str(ctx.args["token"]), scope=scope, force=bool(ctx.args.get("force"))
    )
    return ""


def _sync(ctx: Ctx) -> str:
    _switch(ctx).sync()
    return ""


def _factory_reset(ctx: Ctx) -> str:
    _switch(ctx).factory_reset()
    return ""


def _save_usage(ctx: Ctx) -> str:
    path = str(ctx.args["path"])
    if ":" not in path:
        # NX-OS wants the file system spelled out here.
        raise CommandError(f"% Invalid file system: {path}")
    try:
        _switch(ctx).save_usage(path, unreported_only=bool(ctx.args.get("unreported")))
    except BootflashError as exc:
        raise CommandError(str(exc)) from None
    return ""


def _import(ctx: Ctx) -> str:
    path = str(ctx.args["path"])
    if ":" not in path:
        raise CommandError(f"% Invalid file system: {path}")
    try:
        result = _switch(ctx).import_file(path)
    except BootflashError as exc:
        raise CommandError(str(exc)) from None
    if not result.ok:
        raise CommandError(result.text)
    return result.text + "\n"


# ---------------------------------------------------------------------- exec: system


def _ping(ctx: Ctx) -> str:
    switch = _switch(ctx)
    vrf = str(ctx.args.get("vrf_name") or "default")
    output = switch.ctx.network.ping(str(ctx.args["host"]), vrf, switch.dns)
    if output.startswith("% Invalid host/interface"):
        raise CommandError(output)
    return output + "\n"


def _clock_set(ctx: Ctx) -> str:
    switch = _switch(ctx)
    at = ctx.args["time"]
    try:
        when = datetime(
            int(ctx.args["year"]), int(ctx.args["month"]), int(ctx.args["day"]),
            at.hour, at.minute, at.second, tzinfo=switch.now().tzinfo,
        )  # fmt: skip
        switch.set_clock(when)
    except ValueError:
        raise CommandError("% Invalid date") from None
    return render.show_clock(switch).splitlines()[0] + "\n"


def _copy_run_start(ctx: Ctx) -> str:
    _switch(ctx).save_startup_config()
    return "[########################################] 100%\nCopy complete.\n"


def _reload(ctx: Ctx) -> str:
    _switch(ctx).reload(ascii_replay=bool(ctx.args.get("ascii")))
    return ""


def _dir(ctx: Ctx) -> str:
    switch = _switch(ctx)
    stamp = render.config_time(switch.now())[4:]
    lines = [
        f"{len(switch.read_bootflash(name).encode()):>12}    {stamp}  {name}"
        for name in switch.bootflash_files()
    ]
    used = switch.bootflash.used_bytes + IMAGE_BYTES
    lines += [
        "",
        "Usage for bootflash://sup-local",
        f"{used:>12} bytes used",
        f"{TOTAL_BYTES - used:>12} bytes free",
        f"{TOTAL_BYTES:>12} bytes total",
    ]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------- config


def _hostname(ctx: Ctx) -> str:
    if ctx.negated:
        _switch(ctx).set_hostname("switch")
    else:
        _switch(ctx).set_hostname(str(ctx.args["name"]))
    _changed(ctx)
    return ""


def _transport(ctx: Ctx) -> str:
    transport = Transport.SMART if ctx.negated else Transport(str(ctx.args["type"]))
    _switch(ctx).configure_licensing(transport=transport)
    _changed(ctx)
    return ""


def _url(ctx: Ctx) -> str:
    switch = _switch(ctx)
    kind = str(ctx.args["kind"])
    url = None if ctx.negated else str(ctx.args.get("url") or "") or None
    if kind == "smart":
        switch.configure_licensing(smart_url=url or DEFAULT_SMART_URL)
    else:
        switch.configure_licensing(cslu_url=url)
    _changed(ctx)
    return ""


def _usage_interval(ctx: Ctx) -> str:
    days = None if ctx.negated else int(ctx.args["days"])
    _switch(ctx).configure_licensing(usage_interval_days=days)
    _changed(ctx)
    return ""


def _license_vrf(ctx: Ctx) -> str:
    _switch(ctx).configure_licensing(vrf=None if ctx.negated else str(ctx.args["vrf"]))
    _changed(ctx)
    return ""


def _proxy(ctx: Ctx) -> str:
    switch = _switch(ctx)
    if ctx.negated:
        switch.configure_licensing(proxy_address=None, proxy_port=None)
    else:
        port = ctx.args.get("port_number")
        switch.configure_licensing(
            proxy_address=str(ctx.args["address"]), proxy_port=int(port) if port else None
        )
    _changed(ctx)
    return ""


def _ntp_server(ctx: Ctx) -> str:
    switch = _switch(ctx)
    ip = str(ctx.args["ip"])
    switch.ntp_servers = [s for s in switch.ntp_servers if s.ip != ip]
    if not ctx.negated:
        vrf = str(ctx.args.get("vrf_name") or "default")
        switch.ntp_servers.append(NtpServer(ip, prefer=bool(ctx.args.get("prefer")), vrf=vrf))
        switch.ntp_poll()
    _changed(ctx)
    return ""


def _domain_lookup(ctx: Ctx) -> str:
    _switch(ctx).dns.domain_lookup = not ctx.negated
    _changed(ctx)
    return ""


def _domain_name(ctx: Ctx) -> str:
    switch = _switch(ctx)
    name = None if ctx.negated else str(ctx.args["name"])
    vrf = ctx.args.get("vrf_name")
    if vrf:
        switch.dns.vrf_contexts.setdefault(str(vrf), VrfDns()).domain_name = name
    else:
        switch.dns.domain_name = name
    _changed(ctx)
    return ""


def _name_server(ctx: Ctx) -> str:
    switch = _switch(ctx)
    vrf = str(ctx.args.get("vrf_name") or "default")
    servers = [str(s) for s in ctx.args["servers"]]
    current = switch.dns.name_servers.setdefault(vrf, [])
    if ctx.negated:
        current[:] = [s for s in current if s not in servers]
    else:
        current.extend(s for s in servers if s not in current)
    _changed(ctx)
    return ""


def _ip_host(ctx: Ctx) -> str:
    switch = _switch(ctx)
    name = str(ctx.args["name"])
    if ctx.negated:
        switch.dns.hosts.pop(name, None)
    else:
        switch.dns.hosts[name] = str(ctx.args["ip"])
    _changed(ctx)
    return ""


def _vrf_context(ctx: Ctx) -> str:
    switch = _switch(ctx)
    name = str(ctx.args["name"])
    if ctx.negated:
        switch.dns.vrf_contexts.pop(name, None)
        ctx.session.enter(Mode.CONFIG)
    else:
        switch.dns.vrf_contexts.setdefault(name, VrfDns())
        switch.current_vrf_context = name
    _changed(ctx)
    return ""


def _vrf_domain_name(ctx: Ctx) -> str:
    switch = _switch(ctx)
    context = switch.dns.vrf_contexts.setdefault(switch.current_vrf_context, VrfDns())
    context.domain_name = None if ctx.negated else str(ctx.args["name"])
    _changed(ctx)
    return ""


def _vrf_name_server(ctx: Ctx) -> str:
    switch = _switch(ctx)
    context = switch.dns.vrf_contexts.setdefault(switch.current_vrf_context, VrfDns())
    servers = [str(s) for s in ctx.args["servers"]]
    if ctx.negated:
        context.name_servers = [s for s in context.name_servers if s not in servers]
    else:
        context.name_servers += [s for s in servers if s not in context.name_servers]
    _changed(ctx)
    return ""


def _logging_server(ctx: Ctx) -> str:
    switch = _switch(ctx)
    ip = str(ctx.args["ip"])
    switch.logging_servers = [s for s in switch.logging_servers if s.ip != ip]
    if not ctx.negated:
        severity = ctx.args.get("severity")
        port = ctx.args.get("port_number")
        switch.logging_servers.append(
            LoggingServer(
                ip,
                severity=int(severity) if severity is not None else 5,
                port=int(port) if port else 514,
                vrf=str(ctx.args.get("vrf_name") or "default"),
            )
        )
    _changed(ctx)
    return ""


def _callhome(ctx: Ctx) -> str:
    if ctx.negated:
        _switch(ctx).callhome = CallhomeConfig()
        ctx.session.enter(Mode.CONFIG)
    _callhome_changed(ctx)
    return ""


def _callhome_email(ctx: Ctx) -> str:
    _switch(ctx).callhome.email_contact = None if ctx.negated else str(ctx.args["address"])
    _changed(ctx)
    return ""


def _callhome_profile(ctx: Ctx) -> str:
    if str(ctx.args["profile"]).lower() not in TAC_PROFILE_NAMES:
        # Other profiles carry no licensing messages: kept as typed.
        return _callhome_extra(ctx)
    callhome = _switch(ctx).callhome
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
    _switch(ctx).callhome.vrf = None if ctx.negated else str(ctx.args["vrf"])
    _callhome_changed(ctx)
    return ""


def _callhome_extra(ctx: Ctx) -> str:
    callhome = _switch(ctx).callhome
    line = " ".join(ctx.line.split()[1:] if ctx.negated else ctx.line.split())
    callhome.extra_lines = [x for x in callhome.extra_lines if x != line]
    if not ctx.negated:
        callhome.extra_lines.append(line)
    _changed(ctx)
    return ""


def _callhome_enable(ctx: Ctx) -> str:
    _switch(ctx).callhome.enabled = not ctx.negated
    _callhome_changed(ctx)
    return ""


def _callhome_periodic(ctx: Ctx) -> str:
    days = None if ctx.negated else int(ctx.args["days"])
    _switch(ctx).callhome.periodic_inventory_days = days
    _changed(ctx)
    return ""


# ---------------------------------------------------------------------- show


def _show(text: Any) -> Any:
    """Wrap a render function of one Switch into a handler."""
    return lambda ctx: text(_switch(ctx))


def _json(data: Any) -> Any:
    return lambda ctx: data(_switch(ctx))


def _show_running(ctx: Ctx) -> str:
    switch = _switch(ctx)
    if ctx.args.get("callhome"):
        lines = [f"version {NXOS_VERSION} Bios:version 05.45"]
        lines += render.callhome_lines(switch, full=True)
        return render.running_config(switch, lines, title="show running-config callhome all")
    return render.running_config(switch, title="show running-config")


def _show_startup(ctx: Ctx) -> str:
    switch = _switch(ctx)
    if switch.startup_config is None:
        raise CommandError("No startup-config exists.")
    return render.running_config(switch, switch.startup_config, title="show startup-config")


def _show_logging_last(ctx: Ctx) -> str:
    return render.show_logging(_switch(ctx), int(ctx.args["n"]))


@cache
def build_command_set() -> CommandSet[Switch]:
    commands: CommandSet[Switch] = CommandSet()
    for keyword, text in HELP.items():
        commands.describe(keyword, text)
    for name, arg_type in ARGUMENT_TYPES.items():
        commands.define_type(name, arg_type)

    def add(mode: Mode, pattern: str, handler: Callable[[Ctx], Any], **options: Any) -> None:
        json = options.pop("json", None)
        commands.add(
            mode,
            pattern,
            _contained(handler),
            json=_contained(json) if json is not None else None,
            **options,
        )

    exec_, config = Mode.EXEC, Mode.CONFIG

    shows: list[tuple[str, Any, Any]] = [
        ("show license status", render.license_status, render.license_status_json),
        ("show license all", render.license_all, render.license_all_json),
        ("show license usage", render.license_usage, render.license_usage_json),
        ("show license summary", render.license_summary, render.license_summary_json),
        ("show license udi", render.license_udi, render.license_udi_json),
        ("show license host-id", render.license_host_id, render.license_host_id_json),
        ("show license tech support", render.tech_support, None),
        ("show license history message", render.history_message, None),
        ("show license rum id all", render.rum_reports, render.rum_reports_json),
        ("show license eventlog", render.eventlog, None),
        ("show version", render.show_version, render.show_version_json),
        ("show inventory", render.show_inventory, render.show_inventory_json),
        ("show clock", render.show_clock, None),
        ("show logging logfile", render.show_logging, None),
        ("show ntp peer-status", render.ntp_peer_status, None),
        ("show call-home profile all", render.call_home_profile_all, None),
        ("show ip http client", render.ip_http_client, None),
    ]
    for pattern, text, data in shows:
        add(exec_, pattern, _show(text), json=_json(data) if data else None)
    add(exec_, "show running-config [callhome all]", _show_running)
    add(exec_, "show startup-config", _show_startup)
    add(exec_, "show logging last <n:int(1-9999)>", _show_logging_last)
    add(exec_, "dir bootflash:", _dir)

    add(exec_, "license smart trust idtoken <token:token> [local | all] [force]", _trust)
    add(exec_, "license smart sync {all | local}", _sync)
    add(exec_, "license smart factory reset", _factory_reset)
    add(
        exec_,
        "license smart save usage {all | unreported} file <path:word>",
        _save_usage,
    )
    add(exec_, "license smart import <path:word>", _import)
    add(exec_, "ping <host:host> [vrf <vrf_name:name>]", _ping)
    add(
        exec_,
        "clock set <time:hhmmss> <day:int(1-31)> <month:month> <year:int(2000-2037)>",
        _clock_set,
    )
    add(exec_, "copy running-config startup-config", _copy_run_start)
    add(exec_, "reload [ascii]", _reload)

    add(config, "hostname <name:hostname>", _hostname, no_pattern="hostname [<name:hostname>]")
    add(
        config,
        "license smart transport {type= smart | cslu | callhome | off}",
        _transport,
        no_pattern="license smart transport [{type= smart | cslu | callhome | off}]",
    )
    add(
        config,
        "license smart url {kind= smart | cslu} <url:url>",
        _url,
        no_pattern="license smart url {kind= smart | cslu} [<url:url>]",
    )
    add(
        config,
        "license smart usage interval <days:int(1-3650)>",
        _usage_interval,
        no_pattern="license smart usage interval [<days:int(1-3650)>]",
    )
    add(
        config,
        "license smart vrf <vrf:name>",
        _license_vrf,
        no_pattern="license smart vrf [<vrf:name>]",
    )
    add(
        config,
        "license smart proxy address <address:dnsname> [port <port_number:int(1-65535)>]",
        _proxy,
        no_pattern="license smart proxy [address <address:dnsname> "
        "[port <port_number:int(1-65535)>]]",
    )
    add(config, "ntp server <ip:ipv4> [prefer] [use-vrf <vrf_name:name>]", _ntp_server)
    add(config, "ip domain-lookup", _domain_lookup)
    add(config, "ip domain-name <name:dnsname> [use-vrf <vrf_name:name>]", _domain_name)
    add(config, "ip name-server <servers:ipv4...> [use-vrf <vrf_name:name>]", _name_server)
    add(
        config,
        "ip host <name:dnsname> <ip:ipv4>",
        _ip_host,
        no_pattern="ip host <name:dnsname> [<ip:ipv4>]",
    )
    add(config, "vrf context <name:name>", _vrf_context, enters=Mode.CONFIG_VRF)
    add(Mode.CONFIG_VRF, "ip domain-name <name:dnsname>", _vrf_domain_name)
    add(Mode.CONFIG_VRF, "ip name-server <servers:ipv4...>", _vrf_name_server)
    add(
        config,
        "logging server <ip:ipv4> [<severity:int(0-7)>] [port <port_number:int(1-65535)>] "
        "[use-vrf <vrf_name:name>]",
        _logging_server,
    )
    add(config, "callhome", _callhome, enters=Mode.CONFIG_CALLHOME)
    home = Mode.CONFIG_CALLHOME
    add(home, "email-contact <address:email>", _callhome_email)
    add(
        home,
        "destination-profile <profile:name> transport-method {method= http | email}",
        _callhome_profile,
    )
    add(
        home,
        "destination-profile <profile:name> index <i:int(1-10)> http <url:url>",
        _callhome_profile,
    )
    add(
        home,
        "destination-profile <profile:name> index <i:int(1-10)> email-addr <addr:email>",
        _callhome_profile,
    )
    add(home, "transport http use-vrf <vrf:name>", _callhome_transport)
    add(home, "transport email <rest:text>", _callhome_extra)
    add(home, "enable", _callhome_enable)
    add(home, "periodic-inventory notification interval <days:int(1-30)>", _callhome_periodic)
    return commands


def new_session(switch: Switch) -> CliSession[Switch]:
    return CliSession(build_command_set(), lambda: switch.hostname, switch)
