"""What each PID's chassis holds, from the data sheets: its line-card module, power supplies,
fans and temperature sensors. The catalog is data, not state: nothing here is configured,
so nothing of it is saved; a switch's PID and serial number pick its entry."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_PID = "N9K-C93180YC-FX"


@dataclass(frozen=True)
class Chassis:
    module_type: str
    ports: int
    power_supply: str
    power_supply_watts: int
    fan: str
    fans: int
    hardware_version: str
    draw_watts: int
    """What the chassis draws with no optics, shared between its power supplies."""


CATALOG: dict[str, Chassis] = {
    "N9K-C93180YC-FX": Chassis(
        "48x10/25G + 6x40/100G Ethernet Module",
        54,
        "NXA-PAC-650W-PE",
        650,
        "NXA-FAN-30CFM-B",
        4,
        "1.1",
        210,
    ),
    "N9K-C9336C-FX2": Chassis(
        "36x40/100G Ethernet Module",
        36,
        "NXA-PAC-1100W-PE2",
        1100,
        "NXA-FAN-65CFM-PE",
        6,
        "1.2",
        290,
    ),
    "N9K-C93240YC-FX2": Chassis(
        "48x10/25G + 12x40/100G Ethernet Module",
        60,
        "NXA-PAC-1100W-PE2",
        1100,
        "NXA-FAN-160CFM-PE",
        4,
        "1.0",
        330,
    ),
    "N9K-C9364C": Chassis(
        "64x40/100G + 2x1/10G Ethernet Module",
        66,
        "NXA-PAC-1200W-PE",
        1200,
        "NXA-FAN-160CFM2-PE",
        4,
        "1.1",
        460,
    ),
}

POWER_SUPPLIES = 2
# Sensor name, major and minor thresholds (Celsius) and the reading at rest.
SENSORS: tuple[tuple[str, int, int, int], ...] = (
    ("FRONT", 80, 70, 28),
    ("BACK", 70, 42, 24),
    ("CPU", 90, 80, 38),
    ("TOR", 110, 90, 45),
)
# Memory in kB, as `show version` reports it.
MEMORY_KB = 24569356
# What the kernel holds in buffers, steady once booted.
KERNEL_BUFFERS_KB = 144876


def chassis_of(pid: str) -> Chassis:
    return CATALOG.get(pid, CATALOG[DEFAULT_PID])
