"""System `show` records and their text: version, clock, hostname.

`show version` carries the keys real NX-OS sends and clients read (NAPALM
`get_facts`, Ansible facts); their text is rendered from that record.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sim.switch.formats import DAYS
from sim.switch.platform import BIOS_VERSION, NXOS_VERSION, chassis_model, image_file
from sim.syslog import MONTHS

if TYPE_CHECKING:
    from sim.switch.switch import Switch

Record = dict[str, Any]


def show_clock(switch: Switch) -> str:
    now = switch.now()
    source = "NTP" if switch.ntp_synced_to and not switch.clock_offset else "Hardware Calendar"
    stamp = f"{now:%H:%M:%S}.{now.microsecond // 1000:03d} UTC {DAYS[now.weekday()]}"
    return f"{stamp} {MONTHS[now.month - 1]} {now.day:02d} {now.year}\nTime source is {source}\n"


def version_record(switch: Switch) -> Record:
    uptime = max(0, int((switch.now() - (switch.booted_at or switch.now())).total_seconds()))
    days, rest = divmod(uptime, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    return {
        "header_str": "Cisco Nexus Operating System (NX-OS) Software",
        "bios_ver_str": BIOS_VERSION,
        "kickstart_ver_str": NXOS_VERSION,
        "nxos_ver_str": NXOS_VERSION,
        "bios_cmpl_time": "06/27/2023",
        "nxos_file_name": image_file(),
        "nxos_cmpl_time": "3/14/2024 12:00:00",
        "nxos_timestamp": "03/14/2024 20:08:51",
        "chassis_id": f"Nexus9000 {chassis_model(switch.sudi.udi_pid)} Chassis",
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


def version_text(record: Record) -> str:
    uptime = (
        f"{record['kern_uptm_days']} day(s), {record['kern_uptm_hrs']} hour(s), "
        f"{record['kern_uptm_mins']} minute(s), {record['kern_uptm_secs']} second(s)"
    )
    return "\n".join(
        [
            record["header_str"],
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
            f"  BIOS: version {record['bios_ver_str']}",
            f"  NXOS: version {record['nxos_ver_str']} [Feature Release]",
            f"  BIOS compile time:  {record['bios_cmpl_time']}",
            f"  NXOS image file is: {record['nxos_file_name']}",
            f"  NXOS compile time:  {record['nxos_cmpl_time']} [{record['nxos_timestamp']}]",
            "",
            "Hardware",
            f"  cisco {record['chassis_id']}",
            f"  {record['cpu_name']} with {record['memory']} {record['mem_type']} of memory.",
            f"  Processor Board ID {record['proc_board_id']}",
            "",
            f"  Device name: {record['host_name']}",
            f"  bootflash:   {record['bootflash_size']} kB",
            f"Kernel uptime is {uptime}",
            "",
            "Last reset",
            f"  Reason: {record['rr_reason']}",
            f"  System version: {record['rr_sys_ver']}",
            f"  Service: {record['rr_service']}",
            "",
            "plugin",
            f"  {record['plugins']}",
            "",
        ]
    )


def hostname_record(switch: Switch) -> Record:
    """`show hostname`: the name with the default domain, as NX-OS prints it."""
    domain = switch.dns.domain_name
    name = switch.hostname
    return {"hostname": f"{name}.{domain.rstrip('.')}" if domain else name}


def hostname_text(record: Record) -> str:
    return f"{record['hostname']}\n"


def login_banner(switch: Switch) -> str:
    """What an interactive SSH login prints before the first prompt, as NX-OS does."""
    year = switch.now().year
    return (
        "Cisco Nexus Operating System (NX-OS) Software\n"
        "TAC support: http://www.cisco.com/tac\n"
        f"Copyright (C) 2002-{year}, Cisco and/or its affiliates.\n"
        "All rights reserved.\n"
        "The copyrights to certain works contained in this software are\n"
        "owned by other third parties and used and distributed under their own\n"
        'licenses, such as open source.  This software is provided "as is," and unless\n'
        "otherwise stated, there is no warranty, express or implied, including but not\n"
        "limited to warranties of merchantability and fitness for a particular purpose.\n"
    )
