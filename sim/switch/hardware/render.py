"""Platform `show` records (the NX-OS JSON keys NAPALM and Ansible read) and their text.

Every record is built from the switch's PID (sim/switch/hardware/catalog.py), its serial
number and virtual time; each text is rendered from its record alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sim.switch.hardware.catalog import (
    KERNEL_BUFFERS_KB,
    MEMORY_KB,
    POWER_SUPPLIES,
    SENSORS,
    chassis_of,
)
from sim.switch.hardware.load import load_at
from sim.switch.platform import NXOS_VERSION, image_file, image_version

if TYPE_CHECKING:
    from sim.switch.switch import Switch

Record = dict[str, Any]
Row = dict[str, Any]


def _lines(lines: list[str]) -> str:
    return "".join(f"{line}\n" for line in lines)


def _aligned(widths: Sequence[int], cells: Sequence[object]) -> str:
    """Each cell left-aligned in its column's width; a cell past the last width as it is."""
    padded = "".join(f"{cell:<{width}}" for cell, width in zip(cells, widths, strict=False))
    return padded + "".join(str(cell) for cell in cells[len(widths) :])


def _table(
    widths: Sequence[int], heading: Sequence[str], rule: str, rows: list[Row], keys: Sequence[str]
) -> list[str]:
    """The heading, its rule, and one line of `keys` cells per row, all in the same columns."""
    body = [_aligned(widths, [row[key] for key in keys]) for row in rows]
    return [_aligned(widths, heading), rule, *body]


def _dashed_mac(dotted: str, plus: int = 0) -> str:
    value = int(dotted.replace(".", ""), 16) + plus
    text = f"{value:012x}"
    return "-".join(text[i : i + 2] for i in range(0, 12, 2))


def _base_mac(switch: Switch) -> str:
    return switch.interfaces[0].mac if switch.interfaces else "0000.0000.0000"


def _uptime(switch: Switch) -> tuple[int, int, int, int]:
    seconds = max(0, int((switch.now() - (switch.booted_at or switch.now())).total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    return days, hours, minutes, seconds


# ---------------------------------------------------------------------- show module


def module_record(switch: Switch) -> Record:
    chassis = chassis_of(switch.sudi.udi_pid)
    base = _base_mac(switch)
    return {
        "TABLE_modinfo": {
            "ROW_modinfo": [
                {
                    "modinf": "1",
                    "ports": str(chassis.ports),
                    "modtype": chassis.module_type,
                    "model": switch.sudi.udi_pid,
                    "status": "active *",
                }
            ]
        },
        "TABLE_modwwninfo": {
            "ROW_modwwninfo": [
                {
                    "modwwn": "1",
                    "sw": NXOS_VERSION,
                    "hw": chassis.hardware_version,
                    "slottype": "NA",
                }
            ]
        },
        "TABLE_modmacinfo": {
            "ROW_modmacinfo": [
                {
                    "modmac": "1",
                    "mac": f"{_dashed_mac(base)} to {_dashed_mac(base, 0x7F)}",
                    "serialnum": switch.sudi.udi_serial_number,
                }
            ]
        },
        "TABLE_moddiaginfo": {"ROW_moddiaginfo": [{"mod": "1", "diagstatus": "Pass"}]},
    }


def module_text(record: Record) -> str:
    lines = [
        _aligned((5, 6, 38, 22), ("Mod", "Ports", "Module-Type", "Model", "Status")),
        "--- ----- ------------------------------------- --------------------- ---------",
    ]
    # A column's width here is one short of its heading's, then a space: a long module
    # type still stands apart from its model.
    for row in record["TABLE_modinfo"]["ROW_modinfo"]:
        lines.append(
            f"{row['modinf']:<5}{row['ports']:<6}{row['modtype']:<37} {row['model']:<21} "
            f"{row['status']}"
        )
    lines += [
        "",
        *_table(
            (5, 25, 7),
            ("Mod", "Sw", "Hw", "Slot"),
            "---  ----------------------- ------ ----",
            record["TABLE_modwwninfo"]["ROW_modwwninfo"],
            ("modwwn", "sw", "hw", "slottype"),
        ),
        "",
        *_table(
            (5, 40),
            ("Mod", "MAC-Address(es)", "Serial-Num"),
            "---  --------------------------------------  ----------",
            record["TABLE_modmacinfo"]["ROW_modmacinfo"],
            ("modmac", "mac", "serialnum"),
        ),
        "",
        *_table(
            (5,),
            ("Mod", "Online Diag Status"),
            "---  ------------------",
            record["TABLE_moddiaginfo"]["ROW_moddiaginfo"],
            ("mod", "diagstatus"),
        ),
        "",
        "* this terminal session ",
    ]
    return _lines(lines)


# ---------------------------------------------------------------------- show environment


def fan_record(switch: Switch) -> Record:
    chassis = chassis_of(switch.sudi.udi_pid)
    rows: list[Row] = [
        {
            "fanname": f"Fan{n}(sys_fan{n})",
            "fanmodel": chassis.fan,
            "fanhwver": "--",
            "fandir": "front-to-back",
            "fanstatus": "Ok",
        }
        for n in range(1, chassis.fans + 1)
    ]
    rows += [
        {
            "fanname": f"Fan_in_PS{n}",
            "fanmodel": "--",
            "fanhwver": "--",
            "fandir": "front-to-back",
            "fanstatus": "Ok",
        }
        for n in range(1, POWER_SUPPLIES + 1)
    ]
    return {
        "fandetails": {
            "TABLE_faninfo": {"ROW_faninfo": rows},
            "TABLE_fan_zone_speed": {"ROW_fan_zone_speed": [{"zone": "1", "zonespeed": "0x5f"}]},
            "fan_filter_status": "NotSupported",
        }
    }


def fan_text(record: Record) -> str:
    details = record["fandetails"]
    lines = [
        "Fan:",
        "-" * 78,
        *_table(
            (20, 21, 9, 16),
            ("Fan", "Model", "Hw", "Direction", "Status"),
            "-" * 78,
            details["TABLE_faninfo"]["ROW_faninfo"],
            ("fanname", "fanmodel", "fanhwver", "fandir", "fanstatus"),
        ),
    ]
    zone = details["TABLE_fan_zone_speed"]["ROW_fan_zone_speed"][0]
    lines += [
        f"Fan Zone Speed: Zone {zone['zone']}: {zone['zonespeed']}",
        "Fan Air Filter : " + details["fan_filter_status"],
    ]
    return _lines(lines)


def power_record(switch: Switch) -> Record:
    chassis = chassis_of(switch.sudi.udi_pid)
    share = chassis.draw_watts // POWER_SUPPLIES
    rows: list[Row] = [
        {
            "psnum": n,
            "psmodel": chassis.power_supply,
            "actual_out": f"{share} W",
            "actual_in": f"{share + share // 10} W",
            "tot_capa": f"{chassis.power_supply_watts} W",
            "ps_status": "Ok",
        }
        for n in range(1, POWER_SUPPLIES + 1)
    ]
    capacity = float(chassis.power_supply_watts)
    return {
        "powersup": {
            "voltage_level": 12,
            "TABLE_psinfo": {"ROW_psinfo": rows},
            "power_summary": {
                "ps_redun_mode": "PS-Redundant",
                "ps_oper_mode": "PS-Redundant",
                "tot_pow_capacity": f"{capacity:.2f} W",
                "reserve_sup": f"{capacity:.2f} W",
                "pow_used_by_mods": f"{float(chassis.draw_watts):.2f} W",
                "available_pow": f"{capacity - chassis.draw_watts:.2f} W",
            },
        }
    }


def power_text(record: Record) -> str:
    power = record["powersup"]
    summary = power["power_summary"]
    lines = [
        "Power Supply:",
        f"Voltage: {power['voltage_level']} Volts",
        f"{'Power':<8}{'':<20}{'Actual':<12}{'Actual':<12}{'Total':<12}",
        f"{'Supply':<8}{'Model':<20}{'Output':<12}{'Input':<12}{'Capacity':<12}Status",
        f"{'':<8}{'':<20}{'(Watts )':<12}{'(Watts )':<12}{'(Watts )':<12}",
        "-------  ------------------- ----------- ----------- ----------- --------------",
    ]
    for row in power["TABLE_psinfo"]["ROW_psinfo"]:
        lines.append(
            f"{row['psnum']:<8}{row['psmodel']:<20}{row['actual_out']:>11} "
            f"{row['actual_in']:>11} {row['tot_capa']:>11} {row['ps_status']:>14}"
        )
    lines += [
        "",
        "",
        "Power Usage Summary:",
        "--------------------",
        f"Power Supply redundancy mode (configured)                {summary['ps_redun_mode']}",
        f"Power Supply redundancy mode (operational)               {summary['ps_oper_mode']}",
        "",
        f"Total Power Capacity (based on configured mode)          {summary['tot_pow_capacity']}",
        f"Total Grid-A (first half of PS slots) Power Capacity     {summary['reserve_sup']}",
        f"Total Power Allocated (budget)                           {summary['pow_used_by_mods']}",
        f"Total Power Available for additional modules             {summary['available_pow']}",
    ]
    return _lines(lines)


def temperature_record(switch: Switch) -> Record:
    # Sensors warm with the CPU: a degree or two between quiet and busy minutes.
    load = load_at(switch.sudi.udi_serial_number, switch.now())
    warm = round((load.user + load.kernel) / 3)
    rows = [
        {
            "tempmod": "1",
            "sensor": name,
            "majthres": str(major),
            "minthres": str(minor),
            "curtemp": str(rest + warm),
            "alarmstatus": "Ok",
        }
        for name, major, minor, rest in SENSORS
    ]
    return {"TABLE_tempinfo": {"ROW_tempinfo": rows}}


def temperature_text(record: Record) -> str:
    widths = (8, 20, 13, 12, 12)
    lines = [
        "Temperature:",
        "-" * 78,
        _aligned(widths, ("Module", "Sensor", "MajorThresh", "MinorThres", "CurTemp", "Status")),
        *_table(
            widths,
            ("", "", "(Celsius)", "(Celsius)", "(Celsius)"),
            "-" * 78,
            record["TABLE_tempinfo"]["ROW_tempinfo"],
            ("tempmod", "sensor", "majthres", "minthres", "curtemp", "alarmstatus"),
        ),
    ]
    return _lines(lines)


def environment_record(switch: Switch) -> Record:
    return power_record(switch) | fan_record(switch) | temperature_record(switch)


def environment_text(record: Record) -> str:
    return "\n".join([power_text(record), fan_text(record), temperature_text(record)])


# ---------------------------------------------------------------------- CPU and memory

_PROCESSES = (
    (1, "init"),
    (2, "kthreadd"),
    (3, "ksoftirqd/0"),
    (1052, "sysmgr"),
    (1113, "licmgr"),
    (1205, "smart_license"),
    (1318, "callhome"),
    (1402, "netstack"),
    (1521, "ntpd"),
    (1633, "ethpm"),
    (1740, "vlan_mgr"),
    (1802, "lldp"),
    (1803, "cdp"),
    (1911, "nginx"),
)


def processes_cpu_record(switch: Switch) -> Record:
    now = switch.now()
    load = load_at(switch.sudi.udi_serial_number, now)
    uptime = max(1, int((now - (switch.booted_at or now)).total_seconds()))
    rows: list[Row] = []
    for index, (pid, name) in enumerate(_PROCESSES):
        invoked = uptime * (index + 1) // 3 + 1
        runtime = invoked * (index + 2) // 40
        rows.append(
            {
                "pid": pid,
                "runtime": runtime,
                "invoked": invoked,
                "usecs": runtime * 1000 // invoked,
                "onesec": "0.00" if index else f"{load.kernel / 4:.2f}",
                "process": name,
            }
        )
    return {
        "TABLE_process_cpu": {"ROW_process_cpu": rows},
        "user_percent": f"{load.user:.2f}",
        "kernel_percent": f"{load.kernel:.2f}",
        "idle_percent": f"{load.idle:.2f}",
        "fivesec_percent": load.five_seconds,
        "fivesec_intr_percent": 0,
        "onemin_percent": load.one_minute,
        "fivemin_percent": load.five_minutes,
    }


def processes_cpu_text(record: Record) -> str:
    lines = [
        "",
        f"CPU utilization for five seconds: {record['fivesec_percent']}%/"
        f"{record['fivesec_intr_percent']}%; one minute: {record['onemin_percent']}%;"
        f" five minutes: {record['fivemin_percent']}%",
        "",
        "PID    Runtime(ms)  Invoked   uSecs  1Sec    Process",
        "-----  -----------  --------  -----  ------  -----------",
    ]
    for row in record["TABLE_process_cpu"]["ROW_process_cpu"]:
        lines.append(
            f"{row['pid']:>5}{row['runtime']:>13}{row['invoked']:>10}{row['usecs']:>7}"
            f"{row['onesec']:>7}%  {row['process']}"
        )
    lines += [
        "",
        f"CPU util  :   {record['user_percent']}% user,    {record['kernel_percent']}% kernel,"
        f"   {record['idle_percent']}% idle",
        "Please note that only processes from the requested vdc are shown above",
    ]
    return _lines(lines)


def processes_memory_shared_record(switch: Switch) -> Record:
    load = load_at(switch.sudi.udi_serial_number, switch.now())
    used_mb = load.memory_used_kb // 1024 // 16
    total_mb = MEMORY_KB // 1024 // 16
    row = {
        "process-memory-share-component": "Total",
        "process-memory-share-total-shm-avail": str(total_mb),
        "process-memory-share-total-shm-used": str(used_mb),
        "process-memory-share-total-shm-free": str(total_mb - used_mb),
    }
    return {"TABLE_process_tag": {"ROW_process_tag": row}}


def processes_memory_shared_text(record: Record) -> str:
    row = record["TABLE_process_tag"]["ROW_process_tag"]
    return _lines(
        [
            "Component      Shared Memory   Size   Used   Available   Reference",
            "               Address         (kbytes) (kbytes) (kbytes)  Count",
            "",
            f"Shared memory totals - Size: {row['process-memory-share-total-shm-avail']} MB, "
            f"Used: {row['process-memory-share-total-shm-used']} MB, "
            f"Available: {row['process-memory-share-total-shm-free']} MB",
        ]
    )


def system_resources_record(switch: Switch) -> Record:
    load = load_at(switch.sudi.udi_serial_number, switch.now())
    one, five, fifteen = load.load_averages
    cpus = [
        {
            "cpuid": str(cpu),
            "user": f"{load.user * (0.8 + 0.1 * cpu):.2f}",
            "kernel": f"{load.kernel:.2f}",
            "idle": f"{100 - load.user * (0.8 + 0.1 * cpu) - load.kernel:.2f}",
        }
        for cpu in range(4)
    ]
    return {
        "load_avg_1min": f"{one:.2f}",
        "load_avg_5min": f"{five:.2f}",
        "load_avg_15min": f"{fifteen:.2f}",
        "processes_total": str(load.processes),
        "processes_running": "2",
        "cpu_state_user": f"{load.user:.2f}",
        "cpu_state_kernel": f"{load.kernel:.2f}",
        "cpu_state_idle": f"{load.idle:.2f}",
        "TABLE_cpu_usage": {"ROW_cpu_usage": cpus},
        "memory_usage_total": str(MEMORY_KB),
        "memory_usage_used": str(load.memory_used_kb),
        "memory_usage_free": str(load.memory_free_kb),
        "kernel_vmalloc_total": "0",
        "kernel_vmalloc_free": "0",
        "kernel_buffers": str(KERNEL_BUFFERS_KB),
        "kernel_cached": str(load.memory_used_kb // 2),
        "current_memory_status": "OK",
    }


def system_resources_text(record: Record) -> str:
    lines = [
        f"Load average:   1 minute: {record['load_avg_1min']}   5 minutes: "
        f"{record['load_avg_5min']}   15 minutes: {record['load_avg_15min']}",
        f"Processes   :   {record['processes_total']} total, {record['processes_running']} running",
        f"CPU states  :   {record['cpu_state_user']}% user,   {record['cpu_state_kernel']}% "
        f"kernel,   {record['cpu_state_idle']}% idle",
    ]
    for cpu in record["TABLE_cpu_usage"]["ROW_cpu_usage"]:
        lines.append(
            f"        CPU{cpu['cpuid']} states  :   {cpu['user']}% user,   {cpu['kernel']}% "
            f"kernel,   {cpu['idle']}% idle"
        )
    lines += [
        f"Memory usage:   {record['memory_usage_total']}K total,   "
        f"{record['memory_usage_used']}K used,   {record['memory_usage_free']}K free",
        f"Kernel vmalloc:   {record['kernel_vmalloc_total']}K total,   "
        f"{record['kernel_vmalloc_free']}K free",
        f"Kernel buffers:   {record['kernel_buffers']}K Used",
        f"Kernel cached :   {record['kernel_cached']}K Used",
        f"Current memory status: {record['current_memory_status']}",
    ]
    return _lines(lines)


# ---------------------------------------------------------------------- vdc, redundancy, boot


def vdc_record(switch: Switch) -> Record:
    mac = _dashed_mac(_base_mac(switch)).replace("-", ":")
    row = {
        "vdc_id": "1",
        "vdc_name": switch.hostname,
        "state": "active",
        "mac": mac,
        "vdc_type": "Ethernet",
        "vdc_lc": "m1 f1 m1xl m2xl ",
    }
    return {"TABLE_vdc": {"ROW_vdc": [row]}}


def vdc_text(record: Record) -> str:
    widths = (8, 34, 20, 20, 12)
    lines = [
        "Switchwide mode is m1 f1 m1xl f2 m2xl f2e f3 m3 ",
        "",
        *_table(
            widths,
            ("vdc_id", "vdc_name", "state", "mac", "type", "lc      "),
            _aligned(widths, ("-" * 6, "-" * 8, "-" * 5, "-" * 10, "-" * 9, "------  ")),
            record["TABLE_vdc"]["ROW_vdc"],
            ("vdc_id", "vdc_name", "state", "mac", "vdc_type", "vdc_lc"),
        ),
    ]
    return _lines(lines)


def vdc_current_record(switch: Switch) -> Record:
    return {"name": switch.hostname, "id": "1"}


def vdc_current_text(record: Record) -> str:
    return _lines(["", f"Current vdc is {record['id']} - {record['name']}"])


def vdc_membership_record(switch: Switch) -> Record:
    # The management port belongs to no VDC.
    ports = [
        {"if_name": i.short_name, "if_status": "OK"}
        for i in switch.interfaces
        if i.name.startswith("Ethernet")
    ]
    return {
        "TABLE_vdc": {
            "ROW_vdc": [
                {
                    "vdc_id": "1",
                    "vdc_name": switch.hostname,
                    "TABLE_vdc_ifs": {"ROW_vdc_ifs": ports},
                }
            ]
        }
    }


def vdc_membership_text(record: Record) -> str:
    lines = ["", "Flags : b - breakout port", "-" * 33]
    for row in record["TABLE_vdc"]["ROW_vdc"]:
        lines += [
            "",
            f"vdc_id: {row['vdc_id']} vdc_name: {row['vdc_name']} interfaces:",
            *_table(
                (12,),
                ("Port", "Status"),
                _aligned((12,), ("----", "----------")),
                row["TABLE_vdc_ifs"]["ROW_vdc_ifs"],
                ("if_name", "if_status"),
            ),
        ]
    return _lines(lines)


def _ctime(when: datetime) -> str:
    return f"{when:%a %b} {when.day:>2} {when:%H:%M:%S %Y}"


def redundancy_record(switch: Switch) -> Record:
    days, hours, minutes, seconds = _uptime(switch)
    uptime = f"{days} days, {hours} hours, {minutes} minutes, {seconds} seconds"
    agent = switch.agent
    # A dual-supervisor chassis (sim/switch/system/redundancy.py): sup-1 is the one with the
    # chassis serial, and either may be the active after a switchover.
    dual = agent.standby is not None
    first_active = agent.sudi.udi_serial_number == switch.sudi.udi_serial_number
    this, other = ("(sup-1)", "(sup-2)") if first_active else ("(sup-2)", "(sup-1)")
    standby = {"other_sup_sup_state": "HA standby", "other_sup_internal_state": "HA standby"}
    return {
        # A fixed chassis is administratively HA with nothing to fail over to, as NX-OS says.
        "red_mode_admin": "HA",
        "red_mode_oper": "HA" if dual else "None",
        "this_sup": this,
        "this_sup_red_state": "Active",
        "this_sup_sup_state": "Active",
        "this_sup_internal_state": "Active with HA standby" if dual else "Active with no standby",
        "other_sup": other,
        "other_sup_red_state": "Standby" if dual else "Not present",
        **(standby if dual else {}),
        "sys_start_time": _ctime(switch.booted_at or switch.now()),
        "sys_uptime": uptime,
        "kern_uptime": uptime,
        "active_sup_uptime": uptime,
    }


def redundancy_text(record: Record) -> str:
    return _lines(
        [
            "Redundancy mode",
            "---------------",
            f"      administrative:   {record['red_mode_admin']}",
            f"         operational:   {record['red_mode_oper']}",
            "",
            f"This supervisor {record['this_sup']}",
            "-----------------------",
            f"    Redundancy state:   {record['this_sup_red_state']}",
            f"    Supervisor state:   {record['this_sup_sup_state']}",
            f"      Internal state:   {record['this_sup_internal_state']}",
            "",
            f"Other supervisor {record['other_sup']}",
            "------------------------",
            f"    Redundancy state:   {record['other_sup_red_state']}",
            *(
                [
                    f"    Supervisor state:   {record['other_sup_sup_state']}",
                    f"      Internal state:   {record['other_sup_internal_state']}",
                ]
                if "other_sup_sup_state" in record
                else []
            ),
            "",
            f"System start time:          {record['sys_start_time']}",
            "",
            f"System uptime:              {record['sys_uptime']}",
            f"Kernel uptime:              {record['kern_uptime']}",
            f"Active supervisor uptime:   {record['active_sup_uptime']}",
        ]
    )


_PACKAGES = ("lacp", "lldp", "ntp", "nxos-ssh", "snmp", "svi", "tacacs", "vtp")


def install_active_record(switch: Switch) -> Record:
    version = image_version()
    return {
        "boot_image": image_file(),
        "TABLE_package_list": {
            "ROW_package_list": [
                {"package_id": f"{name}-2.0.0.0-{version}.lib32_n9000"} for name in _PACKAGES
            ]
        },
    }


def install_active_text(record: Record) -> str:
    lines = ["Boot Image:", f"        NXOS Image: {record['boot_image']}", "", "Active Packages:"]
    lines += ["", "Active Base Packages:"]
    lines += [
        f"        {row['package_id']}" for row in record["TABLE_package_list"]["ROW_package_list"]
    ]
    return _lines(lines)


def boot_record(switch: Switch) -> Record:
    path = image_file().replace("bootflash:///", "bootflash:/")

    def variables() -> Row:
        return {
            "sup_number": "sup-1",
            "TABLE_Sup_Boot_Variable": {
                "ROW_Sup_Boot_Variable": [{"image_name": "NXOS", "image_path": path}]
            },
            "poap_status": "Disabled",
        }

    return {
        "TABLE_Current_Boot_Variable": {"ROW_Current_Boot_Variable": [variables()]},
        "TABLE_Next_Reload_Boot_Variable": {"ROW_Next_Reload_Boot_Variable": [variables()]},
    }


def _boot_block(row: Row) -> list[str]:
    lines = [row["sup_number"]]
    lines += [
        f"{image['image_name']} variable = {image['image_path']}"
        for image in row["TABLE_Sup_Boot_Variable"]["ROW_Sup_Boot_Variable"]
    ]
    lines.append(f"Boot POAP {row['poap_status']}")
    return lines


def boot_text(record: Record) -> str:
    lines = ["", "Current Boot Variables:", ""]
    for row in record["TABLE_Current_Boot_Variable"]["ROW_Current_Boot_Variable"]:
        lines += _boot_block(row)
    lines += ["", "Boot Variables on next reload:", ""]
    for row in record["TABLE_Next_Reload_Boot_Variable"]["ROW_Next_Reload_Boot_Variable"]:
        lines += _boot_block(row)
    return _lines(lines)
