"""`show` output rendered from live switch state, in NX-OS form.

Layouts follow the seed's NX-OS fragments and, where NX-OS captures are missing, the Smart
Agent's IOS-XE layouts (the same licensing library). `show license usage` is the NX-OS 10
capture's exact shape, which ntc-templates' `cisco_nxos_show_license_usage` parses.

Structured forms (`| json`, NX-API `cli_show`) are ours to define, as no NX-OS capture of
them is public: keys are lower_snake, lists are `TABLE_<x>` / `ROW_<x>`, times are ISO-8601
on the switch clock, and absent values are null. `show license status` is one flat object
(`transport_type`, `transport_url`, `policy_in_use`, `next_ack_deadline`,
`reporting_stopped`, ...); `show license summary` is `TABLE_license_usage`; `show license
udi` is `udi`/`pid`/`sn`; `show license host-id` is `host_id`; `show license all` nests the
status, usage and UDI objects; `show license usage` keeps the DCNM-known smart table.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sim.agent.machine import DEFAULT_SMART_URL, RumReport
from sim.agent.states import Channel, PushPhase, ReportState, Transport
from sim.syslog import MONTHS

if TYPE_CHECKING:
    from sim.switch.switch import Switch

NONE = "<none>"
AGENT_VERSION = "5.10.19_rel/61"
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

LICENSE_DESCRIPTIONS = {
    "NXOS_ADVANTAGE_XF": "Advantage license for Nexus 9300-XF",
    "NXOS_ESSENTIALS_XF": "Essentials license for Nexus 9300-XF",
    "NXOS_ADVANTAGE_GF": "Advantage license for Nexus 9300-GX",
    "NXOS_ESSENTIALS_GF": "Essentials license for Nexus 9300-GX",
    "NXOS_ADVANTAGE_M4": "Advantage license for Nexus 9300 4-slot",
    "LAN_ENTERPRISE_SERVICES_PKG": "LAN license for Nexus 9300-XF",
    "SECURITY_PKG": "Security license for Nexus 9000",
    "FCOE_NPV_PKG": "FCoE NPV license for Nexus 9000",
}


def license_time(at: datetime | None) -> str:
    """`Jan 05 09:00:00 2026 UTC`, or `<none>`."""
    if at is None:
        return NONE
    return f"{MONTHS[at.month - 1]} {at.day:02d} {at:%H:%M:%S} {at.year} UTC"


def config_time(at: datetime) -> str:
    """`Mon Jan  5 09:00:00 2026`, as the running-config header prints it."""
    return f"{DAYS[at.weekday()]} {MONTHS[at.month - 1]} {at.day:2d} {at:%H:%M:%S} {at.year}"


# ---------------------------------------------------------------------- license status


def license_status(switch: Switch) -> str:
    agent = switch.agent
    lines = ["", "Smart Licensing Using Policy:", "  Status: ENABLED", ""]
    lines += [*_account(switch), ""]
    lines += [
        "Data Privacy:",
        "  Sending Hostname: yes",
        "    Callhome hostname privacy: DISABLED",
        "    Smart Licensing hostname privacy: DISABLED",
        "  Version privacy: DISABLED",
        "",
    ]
    lines += [*_transport(switch), ""]
    lines += [*_policy(switch), ""]
    lines += ["Miscellaneous:", "  Custom Id: <empty>", ""]
    lines += [*_usage_reporting(switch), ""]
    trust = agent.trust
    if trust is None:
        lines.append(f"Trust Code Installed: {NONE}")
    else:
        lines += [
            f"Trust Code Installed: {license_time(trust.installed_at)}",
            f"  Active: {switch.sudi.display}",
            f"    INSTALLED on {license_time(trust.installed_at)}",
        ]
    return "\n".join(lines) + "\n"


def _account(switch: Switch) -> list[str]:
    trust = switch.agent.trust
    if trust is None:
        return ["Account Information:", f"  Smart Account: {NONE}", f"  Virtual Account: {NONE}"]
    return [
        "Account Information:",
        f"  Smart Account: {trust.smart_account} As of {license_time(trust.installed_at)}",
        f"  Virtual Account: {trust.virtual_account}",
    ]


def _transport(switch: Switch) -> list[str]:
    config = switch.licensing
    vrf = [f"  VRF: {config.vrf}"] if config.vrf else ["  VRF:", "    Not Configured"]
    if config.proxy_address:
        port = f"    Port: {config.proxy_port}" if config.proxy_port else "    Port: <empty>"
        proxy = ["  Proxy:", f"    Address: {config.proxy_address}", port]
    else:
        proxy = ["  Proxy:", "    Not Configured"]
    if config.transport is Transport.SMART:
        return ["Transport:", "  Type: Smart", f"  URL: {config.smart_url}", *proxy, *vrf]
    if config.transport is Transport.CSLU:
        address = config.cslu_url or "cslu-local"
        return ["Transport:", "  Type: CSLU", f"  Cslu address: {address}", *proxy, *vrf]
    if config.transport is Transport.CALLHOME:
        callhome = switch.callhome
        urls = [url for _, url in sorted(callhome.http_urls.items())]
        vrf = [f"  VRF: {callhome.vrf}"] if callhome.vrf else ["  VRF:", "    Not Configured"]
        return ["Transport:", "  Type: Callhome", f"  URL: {urls[0] if urls else NONE}", *vrf]
    return ["Transport:", "  Type: Transport Off"]


def _policy(switch: Switch) -> list[str]:
    policy = switch.agent.policy
    tag = f"({policy.source})"
    if policy.is_default:
        head = ["Policy:", "  Policy in use: Merged from multiple sources."]
    else:
        head = [
            "Policy:",
            f"  Policy in use: Installed On {license_time(policy.installed_at)}",
            f"  Policy name: {policy.name}",
        ]
    ack = "yes" if policy.ack_required else "no"
    unenforced = [
        f"    First report requirement (days): {policy.first_report_days} {tag}",
        f"    Reporting frequency (days): {policy.reporting_frequency_days} {tag}",
        f"    Report on change (days): {policy.report_on_change_days} {tag}",
    ]
    zero = [
        f"    First report requirement (days): 0 {tag}",
        f"    Reporting frequency (days): 0 {tag}",
        f"    Report on change (days): 0 {tag}",
    ]
    return [
        *head,
        f"  Reporting ACK required: {ack} {tag}",
        "  Unenforced/Non-Export Perpetual Attributes:",
        *unenforced,
        "  Unenforced/Non-Export Subscription Attributes:",
        *unenforced,
        "  Enforced (Perpetual/Subscription) License Attributes:",
        *zero,
        "  Export (Perpetual/Subscription) License Attributes:",
        *zero,
    ]


def push_interval_text(switch: Switch) -> str:
    agent = switch.agent
    if not agent.licenses or agent.config.transport is Transport.OFF:
        return "0 (no reporting)"
    if agent.phase is PushPhase.FALLBACK:
        minutes = int(agent.timing.fallback_interval / timedelta(minutes=1))
        return f"{minutes}  minutes"
    return f"{agent.configured_interval.days}  days"


def _usage_reporting(switch: Switch) -> list[str]:
    agent = switch.agent
    next_push = agent.next_push if agent.pushes_enabled else None
    return [
        "Usage Reporting:",
        f"  Last ACK received: {license_time(agent.last_ack)}",
        f"  Next ACK deadline: {license_time(agent.deadline)}",
        f"  Reporting push interval: {push_interval_text(switch)}",
        f"  Next ACK push check: {license_time(agent.next_ack_check)}",
        f"  Next report push: {license_time(next_push)}",
        f"  Last report push: {license_time(agent.last_push)}",
        f"  Last report file write: {license_time(agent.last_file_write)}",
    ]


# ---------------------------------------------------------------------- usage & friends


def license_usage(switch: Switch) -> str:
    lines = ["", "License Authorization:", "  Status: Not Applicable"]
    for name, count in sorted(switch.agent.licenses.items()):
        lines += [
            "",
            f"({name}):",
            f"  Description: {LICENSE_DESCRIPTIONS.get(name, f'{name} license')}",
            f"  Count: {count}",
            "  Version: 1.0",
            "  Status: IN USE",
            "  Enforcement Type: NOT ENFORCED",
            "  License Type: Generic",
        ]
    return "\n".join(lines) + "\n"


def license_usage_json(switch: Switch) -> dict[str, Any]:
    rows = [
        {
            "smart_feature_name": name,
            "smart_description": LICENSE_DESCRIPTIONS.get(name, f"{name} license"),
            "smart_count": count,
            "smart_version": "1.0",
            "smart_status": "IN USE",
            "smart_enforcement_type": "NOT ENFORCED",
            "smart_license_type": "Generic",
        }
        for name, count in sorted(switch.agent.licenses.items())
    ]
    return {
        "authorization_status": "Not Applicable",
        "TABLE_show_smart_lic_usage": {"ROW_show_smart_lic_usage": rows},
    }


def license_summary(switch: Switch) -> str:
    lines = [
        "License Usage:",
        "  License                 Entitlement Tag               Count Status",
        "  " + "-" * 77,
    ]
    for name, count in sorted(switch.agent.licenses.items()):
        lines.append(f"  {name:<23} ({name[:26] + ')':<28} {count:>5} IN USE")
    return "\n".join(lines) + "\n"


def license_udi(switch: Switch) -> str:
    return f"UDI: {switch.sudi.display}\n"


def license_host_id(switch: Switch) -> str:
    return f"License hostid: VDH={switch.sudi.udi_serial_number}\n"


def rum_reports(switch: Switch) -> str:
    lines = [
        "Smart Licensing Usage Report:",
        "====================================",
        "Report Id,          State,    Flag, Feature Name",
    ]
    for report in switch.agent.reports:
        lines.append(
            f"{report.report_id:<20}{report.state.value:<10}{_flag(report):<6}{report.feature}"
        )
    return "\n".join(lines) + "\n"


def _flag(report: RumReport) -> str:
    # N: never sent; S: sent, waiting for its ACK.
    return "S" if report.sent and report.state is ReportState.CLOSED else "N"


def rum_reports_json(switch: Switch) -> dict[str, Any]:
    rows = [
        {
            "report_id": r.report_id,
            "state": r.state.value,
            "flag": _flag(r),
            "feature_name": r.feature,
            "count": r.count,
            "start_time": license_time(r.start),
            "end_time": license_time(r.end),
        }
        for r in switch.agent.reports
    ]
    return {"TABLE_rum_report": {"ROW_rum_report": rows}}


def history_message(switch: Switch) -> str:
    lines = ["", "Message History (oldest to newest):", "=" * 52]
    for channel in Channel:
        lines.append(f"{channel.value}:")
        entries = [e for e in switch.agent.history if e.channel is channel]
        if not entries:
            lines.append("  No past history")
        lines += [f"  {license_time(e.at)}  {e.outcome}" for e in entries]
    lines += ["", "Import Message History (oldest to newest):", "=" * 52]
    for kind in ("POLICY", "TRUST CODE", "RUM ACK"):
        imports = [e for e in switch.agent.imports if e.kind == kind]
        lines.append(f"Import {kind}:")
        lines += [f"  {license_time(e.at)}  {e.outcome}" for e in imports]
        lines += [] if imports else ["  No past Import history"]
        lines.append("")
    return "\n".join(lines)


def eventlog(switch: Switch) -> str:
    events = switch.agent.events
    if not events:
        return "\n No EventLog Found.\n"
    lines = ["**** Event Log ****", ""]
    lines += [f"{at:%Y-%m-%d %H:%M:%S}.000 UTC {text}" for at, text in events]
    return "\n".join(lines) + "\n"


def license_all(switch: Switch) -> str:
    return (
        license_status(switch)
        + "\nLicense Usage:\n"
        + license_usage(switch)[1:]
        + "\nProduct Information:\n"
        + f"  UDI: {switch.sudi.display}\n"
        + "\nAgent Version:\n"
        + f"  Smart Agent for Licensing: {AGENT_VERSION}\n"
    )


def tech_support(switch: Switch) -> str:
    agent = switch.agent
    jobs = [
        ("Send Utility RUM reports", agent.next_push if agent.pushes_enabled else None),
        ("Process ACK", agent.next_ack_check),
        ("Next ACK deadline", agent.deadline),
    ]
    job_lines = [f"  {name}: {license_time(at)}" for name, at in jobs]
    counts = dict.fromkeys(ReportState, 0)
    for report in agent.reports:
        counts[report.state] += 1
    return (
        "Smart Licensing Tech Support info\n\n"
        + license_all(switch)
        + "\nUpcoming Scheduled Jobs:\n"
        + "\n".join(job_lines)
        + "\n\nUsage Report Summary:\n"
        + f"  Total: {len(agent.reports)},  Open: {counts[ReportState.OPEN]},"
        + f"  Closed: {counts[ReportState.CLOSED]},  Acked: {counts[ReportState.ACK]}\n"
        + f"  Communication failing: {'yes' if agent.comm_failing else 'no'}\n"
        + history_message(switch)
    )


def license_status_json(switch: Switch) -> dict[str, Any]:
    agent = switch.agent
    config = agent.config
    trust = agent.trust
    policy = agent.policy
    transport_vrf = switch.callhome.vrf if config.transport is Transport.CALLHOME else config.vrf
    return {
        "status": "ENABLED",
        "smart_account": trust.smart_account if trust else None,
        "virtual_account": trust.virtual_account if trust else None,
        "transport_type": config.transport.value,
        "transport_url": _transport_url(switch),
        "transport_vrf": transport_vrf,
        "proxy_address": config.proxy_address,
        "proxy_port": config.proxy_port,
        "policy_in_use": "default" if policy.is_default else "installed",
        "policy_name": policy.name,
        "policy_installed_on": _iso(policy.installed_at),
        "ack_required": policy.ack_required,
        "first_report_days": policy.first_report_days,
        "reporting_frequency_days": policy.reporting_frequency_days,
        "report_on_change_days": policy.report_on_change_days,
        "last_ack_received": _iso(agent.last_ack),
        "next_ack_deadline": _iso(agent.deadline),
        "reporting_push_interval": push_interval_text(switch),
        "next_ack_push_check": _iso(agent.next_ack_check),
        "next_report_push": _iso(agent.next_push if agent.pushes_enabled else None),
        "last_report_push": _iso(agent.last_push),
        "last_report_file_write": _iso(agent.last_file_write),
        "reporting_stopped": _reporting_stopped(switch),
        "trust_code_installed": _iso(trust.installed_at) if trust else None,
        "udi_pid": switch.sudi.udi_pid,
        "udi_sn": switch.sudi.udi_serial_number,
    }


def _transport_url(switch: Switch) -> str | None:
    config = switch.licensing
    if config.transport is Transport.CALLHOME:
        urls = [url for _, url in sorted(switch.callhome.http_urls.items())]
        return urls[0] if urls else None
    return config.url


def _reporting_stopped(switch: Switch) -> str | None:
    """Why usage is not pushed although the transport could carry it, or None."""
    agent = switch.agent
    if agent.reporting_unsupported:
        return "reporting not supported by the server"
    if agent.reporting_suspended:
        return "waiting for license smart sync"
    return None


def license_summary_json(switch: Switch) -> dict[str, Any]:
    rows = [
        {"license": name, "entitlement_tag": name, "count": count, "status": "IN USE"}
        for name, count in sorted(switch.agent.licenses.items())
    ]
    return {"TABLE_license_usage": {"ROW_license_usage": rows}}


def license_udi_json(switch: Switch) -> dict[str, Any]:
    sudi = switch.sudi
    return {"udi": sudi.display, "pid": sudi.udi_pid, "sn": sudi.udi_serial_number}


def license_host_id_json(switch: Switch) -> dict[str, Any]:
    return {"host_id": f"VDH={switch.sudi.udi_serial_number}"}


def license_all_json(switch: Switch) -> dict[str, Any]:
    return {
        "status": license_status_json(switch),
        "usage": license_usage_json(switch),
        "product_information": license_udi_json(switch),
        "agent_version": AGENT_VERSION,
    }


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


# ---------------------------------------------------------------------- system


def show_clock(switch: Switch) -> str:
    now = switch.now()
    source = "NTP" if switch.ntp_synced_to and not switch.clock_offset else "Hardware Calendar"
    stamp = f"{now:%H:%M:%S}.{now.microsecond // 1000:03d} UTC {DAYS[now.weekday()]}"
    return f"{stamp} {MONTHS[now.month - 1]} {now.day:02d} {now.year}\nTime source is {source}\n"


def _uptime(switch: Switch) -> str:
    booted = switch.booted_at or switch.now()
    seconds = max(0, int((switch.now() - booted).total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{days} day(s), {hours} hour(s), {minutes} minute(s), {seconds} second(s)"


def show_version(switch: Switch) -> str:
    from sim.switch.switch import NXOS_VERSION

    model = switch.sudi.udi_pid.removeprefix("N9K-")
    return "\n".join(
        [
            "Cisco Nexus Operating System (NX-OS) Software",
            "TAC support: http://www.cisco.com/tac",
            "Copyright (C) 2002-2024, Cisco and/or its affiliates.",
            "All rights reserved.",
            "The copyrights to certain works contained in this software are",
            "owned by other third parties and used and distributed under their own",
            'licenses, such as open source.  This software is provided "as is," and unless',
            "otherwise stated, there is no warranty, express or implied, including but not",
            "limited to warranties of merchantability and fitness for a particular purpose.",
            "",
            "Software",
            "  BIOS: version 05.45",
            f"  NXOS: version {NXOS_VERSION} [Feature Release]",
            "  BIOS compile time:  06/27/2023",
            f"  NXOS image file is: bootflash:///nxos64-cs.{_image_version()}.F.bin",
            "  NXOS compile time:  3/14/2024 12:00:00 [03/14/2024 20:08:51]",
            "",
            "Hardware",
            f"  cisco Nexus9000 {model} Chassis",
            "  Intel(R) Xeon(R) CPU D-1528 @ 1.90GHz with 24569356 kB of memory.",
            f"  Processor Board ID {switch.sudi.udi_serial_number}",
            "",
            f"  Device name: {switch.hostname}",
            "  bootflash:   53298520 kB",
            f"Kernel uptime is {_uptime(switch)}",
            "",
            "Last reset",
            "  Reason: Unknown",
            "  System version: ",
            "  Service: ",
            "",
            "plugin",
            "  Core Plugin, Ethernet Plugin",
            "",
        ]
    )


def _image_version() -> str:
    from sim.switch.switch import NXOS_VERSION

    return NXOS_VERSION.replace("(", ".").replace(")", "")


def show_version_json(switch: Switch) -> dict[str, Any]:
    """The keys real NX-OS sends and clients read (NAPALM `get_facts`, Ansible facts)."""
    from sim.switch.switch import NXOS_VERSION

    uptime = int((switch.now() - (switch.booted_at or switch.now())).total_seconds())
    days, rest = divmod(uptime, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    image = f"bootflash:///nxos64-cs.{_image_version()}.F.bin"
    return {
        "header_str": "Cisco Nexus Operating System (NX-OS) Software",
        "bios_ver_str": "05.45",
        "kickstart_ver_str": NXOS_VERSION,
        "nxos_ver_str": NXOS_VERSION,
        "bios_cmpl_time": "06/27/2023",
        "nxos_file_name": image,
        "nxos_cmpl_time": "3/14/2024 12:00:00",
        "nxos_timestamp": "03/14/2024 20:08:51",
        "chassis_id": f"Nexus9000 {switch.sudi.udi_pid.removeprefix('N9K-')} Chassis",
        "cpu_name": "Intel(R) Xeon(R) CPU D-1528 @ 1.90GHz",
        "memory": 24569356,
        "mem_type": "kB",
        "proc_board_id": switch.sudi.udi_serial_number,
        "host_name": switch.hostname,
        "bootflash_size": 53298520,
        "kern_uptm_days": days,
        "kern_uptm_hrs": hours,
        "kern_uptm_mins": minutes,
        "kern_uptm_secs": seconds,
        "rr_reason": "Unknown",
        "rr_sys_ver": "",
        "rr_service": "",
        "plugins": "Core Plugin, Ethernet Plugin",
        "manufacturer": "Cisco Systems, Inc.",
    }


def show_inventory(switch: Switch) -> str:
    model = switch.sudi.udi_pid.removeprefix("N9K-")
    return (
        f'NAME: "Chassis",  DESCR: "Nexus9000 {model} Chassis"\n'
        f"PID: {switch.sudi.udi_pid:<20},  VID: V01  ,  SN: {switch.sudi.udi_serial_number}\n"
    )


def show_inventory_json(switch: Switch) -> dict[str, Any]:
    model = switch.sudi.udi_pid.removeprefix("N9K-")
    row = {
        "name": "Chassis",
        "desc": f"Nexus9000 {model} Chassis",
        "productid": switch.sudi.udi_pid,
        "vendorid": "V01",
        "serialnum": switch.sudi.udi_serial_number,
    }
    return {"TABLE_inv": {"ROW_inv": [row]}}


def show_logging(switch: Switch, last: int | None = None) -> str:
    records = switch.syslog if last is None else switch.syslog[-last:] if last else []
    return "".join(record.logfile_line() + "\n" for record in records)


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


def ip_http_client(switch: Switch) -> str:
    return (
        "HTTP client version:   1.1\n"
        f"HTTP client VRF:       {switch.licensing_vrf}\n"
        "HTTP client source interface:  not configured\n"
        "HTTP secure client trustpoint: not configured\n"
    )


def call_home_profile_all(switch: Switch) -> str:
    from sim.switch.switch import TAC_PROFILE

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


def running_config_lines(switch: Switch) -> list[str]:
    """The configuration as re-applicable commands (what `copy run start` saves)."""
    from sim.switch.switch import NXOS_VERSION

    lines = [f"version {NXOS_VERSION} Bios:version 05.45", f"hostname {switch.hostname}", ""]
    dns = switch.dns
    lines.append("ip domain-lookup" if dns.domain_lookup else "no ip domain-lookup")
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
    for ntp in switch.ntp_servers:
        prefer = " prefer" if ntp.prefer else ""
        vrf = "" if ntp.vrf == "default" else f" use-vrf {ntp.vrf}"
        lines.append(f"ntp server {ntp.ip}{prefer}{vrf}")
    for server in switch.logging_servers:
        port = "" if server.port == 514 else f" port {server.port}"
        vrf = "" if server.vrf == "default" else f" use-vrf {server.vrf}"
        lines.append(f"logging server {server.ip} {server.severity}{port}{vrf}")
    lines += callhome_lines(switch, full=False)
    config = switch.licensing
    lines.append(f"license smart transport {config.transport.value}")
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
    return lines


def callhome_lines(switch: Switch, *, full: bool) -> list[str]:
    """The `callhome` block; `full` (`show running-config callhome all`) adds the defaults."""
    from sim.switch.switch import CallhomeConfig

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


def running_config(switch: Switch, lines: list[str] | None = None, *, title: str) -> str:
    changed = switch.config_changed_at or switch.booted_at or switch.now()
    header = [
        f"!Command: {title}",
        f"!Running configuration last done at: {config_time(changed)}",
        f"!Time: {config_time(switch.now())}",
        "",
    ]
    return "\n".join(header + (lines if lines is not None else running_config_lines(switch))) + "\n"
