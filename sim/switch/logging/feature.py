"""The logging feature's grammar, `show logging` output and running-config section."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.switch.cli import Mode
from sim.switch.feature import Ctx, Feature, Grammar, changed, switch_of
from sim.switch.logging.state import LoggingServer

if TYPE_CHECKING:
    from sim.switch.switch import Switch

HELP = {
    "logging": "Modify message logging facilities",
    "logfile": "Show contents of logfile",
    "last": "Show last few lines of logfile",
    "monitor": "Set terminal line (monitor) logging level",
}

# NX-OS's names for the severities, as `show logging` prints them.
SEVERITY_NAMES = (
    "emergencies",
    "alerts",
    "critical",
    "errors",
    "warnings",
    "notifications",
    "information",
    "debugging",
)
# What NX-OS sends to terminal-monitor sessions until told otherwise (notifications).
MONITOR_DEFAULT = 5
# The console's severity: the lab keeps only whether it is on, at NX-OS's default (critical).
CONSOLE_SEVERITY = 2
LABEL_WIDTH = 32


def show_logging(switch: Switch, last: int | None = None) -> str:
    records = switch.syslog if last is None else switch.syslog[-last:] if last else []
    return "".join(record.logfile_line() + "\n" for record in records)


def _destination(label: str, severity: int | None) -> str:
    state = "disabled" if severity is None else f"enabled (Severity: {SEVERITY_NAMES[severity]})"
    return f"{label + ':':<{LABEL_WIDTH}}{state}\n"


def show_logging_monitor(switch: Switch) -> str:
    return _destination("Logging monitor", switch.logging_monitor)


def show_logging_summary(switch: Switch) -> str:
    """`show logging`: where log lines go and at what severity, then the logfile."""
    console = CONSOLE_SEVERITY if switch.logging_console else None
    lines = [
        _destination("Logging console", console),
        show_logging_monitor(switch),
        f"{'Logging timestamp:':<{LABEL_WIDTH}}Seconds\n",
        f"{'Logging server:':<{LABEL_WIDTH}}"
        f"{'enabled' if switch.logging_servers else 'disabled'}\n",
    ]
    for server in switch.logging_servers:
        lines += [
            f"{{{server.ip}}}\n",
            f"\tserver severity:        {SEVERITY_NAMES[server.severity]}\n",
            "\tserver facility:        local7\n",
            f"\tserver VRF:             {server.vrf}\n",
            f"\tserver port:            {server.port}\n",
        ]
    lines.append(f"{'Logging logfile:':<{LABEL_WIDTH}}enabled\n")
    lines.append("\tName - messages: Severity - notifications Size - 4194304\n\n")
    return "".join(lines) + show_logging(switch)


def _logging_monitor(ctx: Ctx) -> str:
    switch = switch_of(ctx)
    severity = ctx.args.get("severity")
    if ctx.negated:
        switch.logging_monitor = None
    else:
        switch.logging_monitor = MONITOR_DEFAULT if severity is None else int(severity)
    changed(ctx)
    return ""


def _show_logging_last(ctx: Ctx) -> str:
    return show_logging(switch_of(ctx), int(ctx.args["n"]))


def _logging_server(ctx: Ctx) -> str:
    switch = switch_of(ctx)
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
    changed(ctx)
    return ""


def _logging_console(ctx: Ctx) -> str:
    # pyATS/unicon sends `no logging console` on connect; the lab has no console to log to.
    switch_of(ctx).logging_console = not ctx.negated
    changed(ctx)
    return ""


def register(grammar: Grammar) -> None:
    grammar.add(Mode.CONFIG, "logging console [<severity:int(0-7)>]", _logging_console)
    grammar.add(Mode.CONFIG, "logging monitor [<severity:int(0-7)>]", _logging_monitor)
    grammar.show_text("show logging", show_logging_summary)
    grammar.show_text("show logging monitor", show_logging_monitor)
    grammar.show_text("show logging logfile", show_logging)
    grammar.add(Mode.EXEC, "show logging last <n:int(1-9999)>", _show_logging_last)
    grammar.add(
        Mode.CONFIG,
        "logging server <ip:ipv4> [<severity:int(0-7)>] [port <port_number:int(1-65535)>] "
        "[use-vrf <vrf_name:name>]",
        _logging_server,
    )


def running_config(switch: Switch) -> list[str]:
    lines = [] if switch.logging_console else ["no logging console"]
    if switch.logging_monitor is None:
        lines.append("no logging monitor")
    elif switch.logging_monitor != MONITOR_DEFAULT:
        lines.append(f"logging monitor {switch.logging_monitor}")
    for server in switch.logging_servers:
        port = "" if server.port == 514 else f" port {server.port}"
        vrf = "" if server.vrf == "default" else f" use-vrf {server.vrf}"
        lines.append(f"logging server {server.ip} {server.severity}{port}{vrf}")
    return lines


def running_config_all(switch: Switch) -> list[str]:
    # NX-OS shows the console's default severity (critical) once everything is listed.
    console = [f"logging console {CONSOLE_SEVERITY}"] if switch.logging_console else []
    monitor = (
        [f"logging monitor {MONITOR_DEFAULT}"] if switch.logging_monitor == MONITOR_DEFAULT else []
    )
    return console + monitor + running_config(switch)


FEATURE = Feature("logging", register, HELP, running_config, running_config_all)
