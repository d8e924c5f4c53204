"""Licensing `show` output rendered from the agent's state, in NX-OS form.

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
These texts are still rendered beside their records, not from them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sim.agent.records import RumReport
from sim.agent.states import Channel, PushPhase, ReportState, Transport
from sim.switch.formats import NONE, iso, license_time

if TYPE_CHECKING:
    from sim.switch.switch import Switch

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


# ---------------------------------------------------------------------- license status


def license_status(switch: Switch) -> str:
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
    lines += _trust_codes(switch)
    return "\n".join(lines) + "\n"


def _trust_codes(switch: Switch) -> list[str]:
    """The seed's NX-OS sample: `PID: x, SN: y`, the date alone on the next line.

    A dual-supervisor chassis lists the standby the same way (two trust codes, NX-OS SLP
    guide, HA); a supervisor without one shows `<none>` as its date.
    """
    agent = switch.agent
    if agent.standby is None:
        if agent.trust is None:
            return [f"Trust Code installed: {NONE}"]
        sudi = agent.sudi
        return [
            f"Trust Code installed: {license_time(agent.trust.installed_at)}",
            f"  Active: PID: {sudi.udi_pid}, SN: {sudi.udi_serial_number}",
            f"           {license_time(agent.trust.installed_at)}",
        ]
    latest = max(
        (t.installed_at for t in (agent.trust, agent.standby_trust) if t is not None),
        default=None,
    )
    lines = [f"Trust Code installed: {license_time(latest)}"]
    for role, sudi, trust in (
        ("Active", agent.sudi, agent.trust),
        ("Standby", agent.standby, agent.standby_trust),
    ):
        lines += [
            f"  {role}: PID: {sudi.udi_pid}, SN: {sudi.udi_serial_number}",
            f"           {license_time(trust.installed_at if trust else None)}",
        ]
    return lines


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
    # The seed's NX-OS samples spell it `Not configured`; its CSLU sample has no Proxy lines.
    config = switch.licensing
    vrf = [f"  VRF: {config.vrf}"] if config.vrf else ["  VRF:", "    Not configured"]
    if config.proxy_address:
        port = f"    Port: {config.proxy_port}" if config.proxy_port else "    Port: <empty>"
        proxy = ["  Proxy:", f"    Address: {config.proxy_address}", port]
    else:
        proxy = ["  Proxy:", "    Not configured"]
    if config.transport is Transport.SMART:
        return ["Transport:", "  Type: Smart", f"  URL: {config.smart_url}", *proxy, *vrf]
    if config.transport is Transport.CSLU:
        address = config.cslu_url or "cslu-local"
        return ["Transport:", "  Type: CSLU", f"  Cslu address: {address}", *vrf]
    if config.transport is Transport.CALLHOME:
        callhome = switch.callhome
        urls = [url for _, url in sorted(callhome.http_urls.items())]
        vrf = [f"  VRF: {callhome.vrf}"] if callhome.vrf else ["  VRF:", "    Not configured"]
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
    if agent.config.transport is Transport.OFF:
        # The seed's NX-OS sample: nothing can be pushed, so there is no interval either.
        return NONE
    if not agent.licenses:
        return "0 (no reporting)"
    if agent.phase is PushPhase.FALLBACK:
        minutes = int(agent.timing.fallback_interval / timedelta(minutes=1))
        return f"{minutes}  minutes"
    return f"{agent.configured_interval.days}  days"


def _usage_reporting(switch: Switch) -> list[str]:
    agent = switch.agent
    next_push = agent.next_push if agent.pushes_enabled else None
    return [
        "Usage reporting:",
        f"  Last ACK received: {license_time(agent.last_ack)}",
        f"  Next ACK deadline: {license_time(agent.deadline)}",
        f"  Reporting push interval: {push_interval_text(switch)}",
        f"  Next ACK push check: {license_time(agent.next_ack_check)}",
        f"  Next report push: {license_time(next_push)}",
        f"  Last report push: {license_time(agent.last_push)}",
        f"  Last report file write: {license_time(agent.last_file_write)}",
    ]


# ---------------------------------------------------------------------- usage & friends


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


def rum_reports(switch: Switch) -> str:
    return rum_reports_text(rum_reports_json(switch))


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


def data_conversion_json(switch: Switch) -> dict[str, Any]:
    """Conversion data: none unless the switch migrated from PAK and an hour has passed.

    The seed (FAQ 9) describes the output as blank until the data exists; the NX-OS
    pre-SLP `show license summary` capture's `Smart License Conversion:` block gives the
    field style (`Status:`). The layout is ours (docs/fidelity.md: unverified).
    """
    conversion = switch.agent.conversion
    now = switch.now()
    if conversion is None or not conversion.ready(now):
        return {}
    rows = [
        {"license": name, "count": count, "source": "PAK"}
        for name, count in sorted(conversion.licenses.items())
    ]
    return {
        "status": conversion.status(now).value,
        "migrated_from": "PAK",
        "migrated": iso(conversion.migrated_at),
        "data_ready": iso(conversion.ready_at),
        "reported": iso(conversion.reported_at),
        "acknowledged": iso(conversion.acknowledged_at),
        "udi": switch.agent.sudi.display,
        "TABLE_conversion": {"ROW_conversion": rows},
    }


def data_conversion_text(record: dict[str, Any]) -> str:
    if not record:
        return ""
    lines = [
        "Smart License Conversion:",
        f"  UDI: {record['udi']}",
        f"  Migrated from: {record['migrated_from']}",
        f"  Status: {record['status']}",
        f"  Conversion data ready: {_time_of(record['data_ready'])}",
        f"  Reported: {_time_of(record['reported'])}",
        f"  Acknowledged: {_time_of(record['acknowledged'])}",
    ]
    for row in record["TABLE_conversion"]["ROW_conversion"]:
        lines += ["", f"({row['license']}):", f"  Source: {row['source']}"]
        lines.append(f"  Count: {row['count']}")
    return "\n".join(lines) + "\n"


def _time_of(stamp: str | None) -> str:
    """A record's ISO-8601 time as the license commands print times."""
    return license_time(datetime.fromisoformat(stamp) if stamp else None)


def license_all(switch: Switch) -> str:
    return (
        license_status(switch)
        + "\nLicense Usage:\n"
        + license_usage(switch)[1:]
        + "\nProduct Information:\n"
        + "".join(
            f"  {line}\n" if line else "\n"
            for line in license_udi_text(license_udi_json(switch)).splitlines()
        )
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
        "policy_installed_on": iso(policy.installed_at),
        "ack_required": policy.ack_required,
        "first_report_days": policy.first_report_days,
        "reporting_frequency_days": policy.reporting_frequency_days,
        "report_on_change_days": policy.report_on_change_days,
        "last_ack_received": iso(agent.last_ack),
        "next_ack_deadline": iso(agent.deadline),
        "reporting_push_interval": _or_null(push_interval_text(switch)),
        "next_ack_push_check": iso(agent.next_ack_check),
        "next_report_push": iso(agent.next_push if agent.pushes_enabled else None),
        "last_report_push": iso(agent.last_push),
        "last_report_file_write": iso(agent.last_file_write),
        "reporting_stopped": _reporting_stopped(switch),
        "trust_code_installed": iso(trust.installed_at) if trust else None,
        "udi_pid": agent.sudi.udi_pid,
        "udi_sn": agent.sudi.udi_serial_number,
        "standby_udi_sn": agent.standby.udi_serial_number if agent.standby else None,
        "standby_trust_code_installed": iso(
            agent.standby_trust.installed_at if agent.standby_trust else None
        ),
    }


def _or_null(text: str) -> str | None:
    return None if text == NONE else text


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
        {
            "license": name,
            "description": LICENSE_DESCRIPTIONS.get(name, f"{name} license"),
            "entitlement_tag": name,
            "count": count,
            "status": "IN USE",
        }
        for name, count in sorted(switch.agent.licenses.items())
    ]
    return {"TABLE_license_usage": {"ROW_license_usage": rows}}


def license_udi_json(switch: Switch) -> dict[str, Any]:
    agent = switch.agent
    sudi = agent.sudi
    record: dict[str, Any] = {
        "udi": sudi.display,
        "pid": sudi.udi_pid,
        "sn": sudi.udi_serial_number,
    }
    if agent.standby is not None:
        rows = [
            {"role": "Active", "udi": sudi.display},
            {"role": "Standby", "udi": agent.standby.display},
        ]
        record["TABLE_ha_udi"] = {"ROW_ha_udi": rows}
    return record


def license_host_id_json(switch: Switch) -> dict[str, Any]:
    return {"host_id": f"VDH={switch.sudi.udi_serial_number}"}


def license_all_json(switch: Switch) -> dict[str, Any]:
    return {
        "status": license_status_json(switch),
        "usage": license_usage_json(switch),
        "product_information": license_udi_json(switch),
        "agent_version": AGENT_VERSION,
    }


def ip_http_client(switch: Switch) -> str:
    source = switch.licensing.http_source_interface or "not configured"
    return (
        "HTTP client version:   1.1\n"
        f"HTTP client VRF:       {switch.licensing_vrf}\n"
        f"HTTP client source interface:  {source}\n"
        "HTTP secure client trustpoint: not configured\n"
    )


# ---------------------------------------------------------------------- text from records


def license_usage(switch: Switch) -> str:
    return license_usage_text(license_usage_json(switch))


def license_usage_text(record: dict[str, Any]) -> str:
    lines = ["", "License Authorization:", f"  Status: {record['authorization_status']}"]
    for row in record["TABLE_show_smart_lic_usage"]["ROW_show_smart_lic_usage"]:
        lines += [
            "",
            f"({row['smart_feature_name']}):",
            f"  Description: {row['smart_description']}",
            f"  Count: {row['smart_count']}",
            f"  Version: {row['smart_version']}",
            f"  Status: {row['smart_status']}",
            f"  Enforcement Type: {row['smart_enforcement_type']}",
            f"  License Type: {row['smart_license_type']}",
        ]
    return "\n".join(lines) + "\n"


def license_summary_text(record: dict[str, Any]) -> str:
    """The NX-OS capture's layout (Nexus 3550-T SLP guide, migration chapter): no indent,
    `Entitlement tag`, the description in the License column cut to 26 characters."""
    lines = [
        "",
        "License Usage:",
        "License                    Entitlement tag                 Count   Status",
        "-" * 75,
    ]
    for row in record["TABLE_license_usage"]["ROW_license_usage"]:
        description = row["description"]
        if len(description) > 26:
            description = description[:23] + "..."
        tag = f"({row['entitlement_tag']})"
        lines.append(f"{description:<26} {tag:<32} {row['count']:<7} {row['status']:<7}")
    return "\n".join(lines) + "\n"


def license_udi_text(record: dict[str, Any]) -> str:
    """`UDI:` alone; with a standby, the `HA UDI List:` of IOS-XE HA captures."""
    text = f"UDI: {record['udi']}\n"
    if "TABLE_ha_udi" in record:
        text += "\nHA UDI List:\n"
        for row in record["TABLE_ha_udi"]["ROW_ha_udi"]:
            text += f"    {row['role']}:{row['udi']}\n"
    return text


def license_host_id_text(record: dict[str, Any]) -> str:
    return f"License hostid: {record['host_id']}\n"


def rum_reports_text(record: dict[str, Any]) -> str:
    lines = [
        "Smart Licensing Usage Report:",
        "====================================",
        "Report Id,          State,    Flag, Feature Name",
    ]
    for row in record["TABLE_rum_report"]["ROW_rum_report"]:
        lines.append(
            f"{row['report_id']:<20}{row['state']:<10}{row['flag']:<6}{row['feature_name']}"
        )
    return "\n".join(lines) + "\n"
