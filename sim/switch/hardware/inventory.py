"""What `show inventory` lists: the chassis, its module, power supplies and fans, each with its
PID and serial number, the same parts `show module` and `show environment` report.

Serial numbers of the field-replaceable parts are derived from the chassis serial, so one
switch always lists the same parts and two switches never share one."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sim.switch.feature import Record
from sim.switch.hardware.catalog import POWER_SUPPLIES, chassis_of
from sim.switch.platform import chassis_model

if TYPE_CHECKING:
    from sim.switch.switch import Switch

_ALPHABET = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"


@dataclass(frozen=True)
class Part:
    name: str
    description: str
    pid: str
    vid: str
    serial: str


def _serial(chassis_serial: str, prefix: str, slot: str) -> str:
    digest = int.from_bytes(hashlib.sha256(f"{chassis_serial}/{slot}".encode()).digest()[:8])
    tail = ""
    for _ in range(8):
        digest, index = divmod(digest, len(_ALPHABET))
        tail += _ALPHABET[index]
    return prefix + tail


def parts_of(pid: str, serial: str) -> list[Part]:
    chassis = chassis_of(pid)
    model = chassis_model(pid)
    parts = [
        Part("Chassis", f"Nexus9000 {model} Chassis", pid, "V01", serial),
        Part("Slot 1", chassis.module_type, pid, "V01", serial),
    ]
    parts += [
        Part(
            f"Power Supply {n}",
            f"Nexus9000 {model} Chassis Power Supply",
            chassis.power_supply,
            "V01",
            _serial(serial, "ART", f"ps{n}"),
        )
        for n in range(1, POWER_SUPPLIES + 1)
    ]
    # Fan trays carry no serial number of their own, as NX-OS reports them.
    parts += [
        Part(f"Fan {n}", f"Nexus9000 {model} Chassis Fan Module", chassis.fan, "V01", "N/A")
        for n in range(1, chassis.fans + 1)
    ]
    return parts


def inventory_record(switch: Switch) -> Record:
    rows = [
        {
            "name": part.name,
            "desc": part.description,
            "productid": part.pid,
            "vendorid": part.vid,
            "serialnum": part.serial,
        }
        for part in parts_of(switch.sudi.udi_pid, switch.sudi.udi_serial_number)
    ]
    return {"TABLE_inv": {"ROW_inv": rows}}


def inventory_text(record: Record) -> str:
    return "".join(
        f'\nNAME: "{row["name"]}",  DESCR: "{row["desc"]}"\n'
        f"PID: {row['productid']:<20},  VID: {row['vendorid']:<4},  SN: {row['serialnum']}\n"
        for row in record["TABLE_inv"]["ROW_inv"]
    )
