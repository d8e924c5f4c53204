"""The licensing feature's grammar and its running-config section.

Exec licensing commands print nothing, as on NX-OS: their outcome arrives as %LICMGR syslog
messages once the exchange completes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sim.agent.config import DEFAULT_SMART_URL
from sim.agent.states import Transport
from sim.switch.bootflash import BootflashError
from sim.switch.cli import ArgType, CommandError, Mode
from sim.switch.feature import Ctx, Feature, Grammar, Record, changed, switch_of
from sim.switch.licensing import render

if TYPE_CHECKING:
    from sim.switch.switch import Switch

HELP = {
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
    "http": "HTTP information",
    "client": "HTTP client information",
    "source-interface": "Source interface for the HTTP client",
    "data": "Show license data",
    "conversion": "Show license conversion data",
}


def _trust(ctx: Ctx) -> str:
    scope = "all" if ctx.args.get("all") else "local"
    switch_of(ctx).trust_idtoken(
        str(ctx.args["token"]), scope=scope, force=bool(ctx.args.get("force"))
    )
    return ""


def _sync(ctx: Ctx) -> str:
    switch_of(ctx).sync()
    return ""


# NX-OS asks before destroying state (as `reload` does); no capture of this command's own
# wording is public, so it says what the reset removes (docs/fidelity.md: unverified).
FACTORY_RESET_QUESTION = (
    "This command will remove the licensing policy, RUM reports and ACK history. "
    "Do you want to continue? (y/n)  [n] "
)


def _factory_reset(ctx: Ctx) -> str:
    switch = switch_of(ctx)

    def reset() -> str:
        switch.factory_reset()
        return ""

    return ctx.confirm(FACTORY_RESET_QUESTION, reset, default=False)


def _save_usage(ctx: Ctx) -> str:
    path = str(ctx.args["path"])
    if ":" not in path:
        # NX-OS wants the file system spelled out here.
        raise CommandError(f"% Invalid file system: {path}")
    try:
        switch_of(ctx).save_usage(path, unreported_only=bool(ctx.args.get("unreported")))
    except BootflashError as exc:
        raise CommandError(str(exc)) from None
    return ""


def _import(ctx: Ctx) -> str:
    path = str(ctx.args["path"])
    if ":" not in path:
        raise CommandError(f"% Invalid file system: {path}")
    try:
        result = switch_of(ctx).import_file(path)
    except BootflashError as exc:
        raise CommandError(str(exc)) from None
    if not result.ok:
        raise CommandError(result.text)
    return result.text + "\n"


def _transport(ctx: Ctx) -> str:
    transport = Transport.SMART if ctx.negated else Transport(str(ctx.args["type"]))
    switch_of(ctx).configure_licensing(transport=transport)
    changed(ctx)
    return ""


def _url(ctx: Ctx) -> str:
    switch = switch_of(ctx)
    kind = str(ctx.args["kind"])
    url = None if ctx.negated else str(ctx.args.get("url") or "") or None
    if kind == "smart":
        switch.configure_licensing(smart_url=url or DEFAULT_SMART_URL)
    else:
        switch.configure_licensing(cslu_url=url)
    changed(ctx)
    return ""


def _usage_interval(ctx: Ctx) -> str:
    days = None if ctx.negated else int(ctx.args["days"])
    switch_of(ctx).configure_licensing(usage_interval_days=days)
    changed(ctx)
    return ""


def _license_vrf(ctx: Ctx) -> str:
    switch_of(ctx).configure_licensing(vrf=None if ctx.negated else str(ctx.args["vrf"]))
    changed(ctx)
    return ""


def _proxy(ctx: Ctx) -> str:
    switch = switch_of(ctx)
    if ctx.negated:
        switch.configure_licensing(proxy_address=None, proxy_port=None)
    else:
        port = ctx.args.get("port_number")
        switch.configure_licensing(
            proxy_address=str(ctx.args["address"]), proxy_port=int(port) if port else None
        )
    changed(ctx)
    return ""


def _http_source_interface(ctx: Ctx) -> str:
    source = None if ctx.negated else str(ctx.args["interface"])
    switch_of(ctx).configure_licensing(http_source_interface=source)
    changed(ctx)
    return ""


_INTERFACE = re.compile(r"(?i)(mgmt)([0-9])|(ethernet|eth|e)([0-9]+/[0-9]+)|(loopback|lo)([0-9]+)")


def _interface_name(token: str) -> str:
    """`mgmt0`, `Ethernet1/1` (from `eth1/1`, `e1/1`), `loopback0`; else ValueError."""
    match = _INTERFACE.fullmatch(token)
    if match is None:
        raise ValueError(token)
    if match[1]:
        return f"mgmt{match[2]}"
    if match[3]:
        return f"Ethernet{match[4]}"
    return f"loopback{match[6]}"


SOURCE_INTERFACE = ArgType(
    "WORD", "Interface name (mgmt0, ethernet1/1, loopback0)", _interface_name
)


def _of_switch(build: Callable[[Switch], Record]) -> Callable[[Ctx], Record]:
    return lambda ctx: build(switch_of(ctx))


def register(grammar: Grammar) -> None:
    # One record, two renderings: the text is printed from the `| json` record.
    records: list[tuple[str, Any, Any]] = [
        ("show license usage", render.license_usage_json, render.license_usage_text),
        ("show license summary", render.license_summary_json, render.license_summary_text),
        ("show license udi", render.license_udi_json, render.license_udi_text),
        ("show license host-id", render.license_host_id_json, render.license_host_id_text),
        ("show license rum id all", render.rum_reports_json, render.rum_reports_text),
        ("show license data conversion", render.data_conversion_json, render.data_conversion_text),
    ]
    for pattern, record, text in records:
        grammar.show(pattern, _of_switch(record), text)
    # Still rendered beside their records (or without one).
    shows: list[tuple[str, Any, Any]] = [
        ("show license status", render.license_status, render.license_status_json),
        ("show license all", render.license_all, render.license_all_json),
        ("show license tech support", render.tech_support, None),
        ("show license history message", render.history_message, None),
        ("show license eventlog", render.eventlog, None),
        ("show ip http client", render.ip_http_client, None),
    ]
    for pattern, text, json in shows:
        grammar.show_text(pattern, text, json)

    exec_, config = Mode.EXEC, Mode.CONFIG
    grammar.add(exec_, "license smart trust idtoken <token:token> [local | all] [force]", _trust)
    # The seed asks for a bare `license smart sync` three times; it syncs like `all`.
    grammar.add(exec_, "license smart sync [all | local]", _sync)
    grammar.add(exec_, "license smart factory reset", _factory_reset)
    grammar.add(exec_, "license smart save usage {all | unreported} file <path:word>", _save_usage)
    grammar.add(exec_, "license smart import <path:word>", _import)
    grammar.add(
        config,
        "license smart transport {type= smart | cslu | callhome | off}",
        _transport,
        no_pattern="license smart transport [{type= smart | cslu | callhome | off}]",
    )
    grammar.add(
        config,
        "license smart url {kind= smart | cslu} <url:url>",
        _url,
        no_pattern="license smart url {kind= smart | cslu} [<url:url>]",
    )
    grammar.add(
        config,
        "license smart usage interval <days:int(1-3650)>",
        _usage_interval,
        no_pattern="license smart usage interval [<days:int(1-3650)>]",
        # Not the `usage` of `show license usage`: the help is this node's own.
        help={"usage": "Configure usage reporting"},
    )
    grammar.add(
        config,
        "license smart vrf <vrf:name>",
        _license_vrf,
        no_pattern="license smart vrf [<vrf:name>]",
    )
    grammar.add(
        config,
        "license smart proxy address <address:dnsname> [port <port_number:int(1-65535)>]",
        _proxy,
        no_pattern="license smart proxy [address <address:dnsname> "
        "[port <port_number:int(1-65535)>]]",
    )
    grammar.commands.define_type("source_interface", SOURCE_INTERFACE)
    grammar.add(
        config,
        "ip http client source-interface <interface:source_interface>",
        _http_source_interface,
        no_pattern="ip http client source-interface [<interface:source_interface>]",
    )


def running_config(switch: Switch) -> list[str]:
    config = switch.licensing
    lines = [f"license smart transport {config.transport.value}"]
    if config.smart_url != DEFAULT_SMART_URL:
        lines.append(f"license smart url smart {config.smart_url}")
    if config.cslu_url:
        lines.append(f"license smart url cslu {config.cslu_url}")
    if config.usage_interval_days is not None:
        lines.append(f"license smart usage interval {config.usage_interval_days}")
    if config.vrf:
        lines.append(f"license smart vrf {config.vrf}")
    if config.proxy_address:
        port = f" port {config.proxy_port}" if config.proxy_port else ""
        lines.append(f"license smart proxy address {config.proxy_address}{port}")
    if config.http_source_interface:
        lines.append(f"ip http client source-interface {config.http_source_interface}")
    return lines


FEATURE = Feature("licensing", register, HELP, running_config)
