"""The hardware feature: what the chassis is and how it is doing (`show inventory`, `show module`,
`show environment`, `show processes cpu`, `show system resources`, `show vdc`,
`show redundancy status`, `show install active`, `show boot`). Nothing here is configured."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sim.switch.feature import Ctx, Feature, Grammar, Record, switch_of
from sim.switch.hardware import inventory, render

if TYPE_CHECKING:
    from sim.switch.switch import Switch

HELP = {
    "inventory": "Show physical inventory",
    "module": "Show module information",
    "environment": "Display environment information",
    "fan": "Show fan status",
    "power": "Show power information",
    "temperature": "Show temperature",
    "processes": "Show process information",
    "cpu": "Show processes CPU Info",
    "memory": "Show memory information",
    "shared": "Show shared memory information",
    "system": "Show system information",
    "resources": "Show system resources",
    "vdc": "Show VDC information",
    "current-vdc": "Show current VDC",
    "membership": "Show VDC membership information",
    "status": "Show status information",
    "redundancy": "Show redundancy status",
    "install": "Show installed software information",
    "active": "Show active packages",
    "boot": "Show boot variables",
}


def _of(build: Callable[[Switch], Record]) -> Callable[[Ctx], Record]:
    return lambda ctx: build(switch_of(ctx))


SHOWS: tuple[tuple[str, Callable[[Switch], Record], Callable[[Record], str]], ...] = (
    ("show inventory", inventory.inventory_record, inventory.inventory_text),
    ("show module", render.module_record, render.module_text),
    ("show environment", render.environment_record, render.environment_text),
    ("show environment fan", render.fan_record, render.fan_text),
    ("show environment power", render.power_record, render.power_text),
    ("show environment temperature", render.temperature_record, render.temperature_text),
    ("show processes cpu", render.processes_cpu_record, render.processes_cpu_text),
    (
        "show processes memory shared",
        render.processes_memory_shared_record,
        render.processes_memory_shared_text,
    ),
    ("show system resources", render.system_resources_record, render.system_resources_text),
    ("show vdc", render.vdc_record, render.vdc_text),
    ("show vdc current-vdc", render.vdc_current_record, render.vdc_current_text),
    ("show vdc membership status", render.vdc_membership_record, render.vdc_membership_text),
    ("show redundancy status", render.redundancy_record, render.redundancy_text),
    ("show install active", render.install_active_record, render.install_active_text),
    ("show boot", render.boot_record, render.boot_text),
)


def register(grammar: Grammar) -> None:
    for pattern, record, text in SHOWS:
        grammar.show(pattern, _of(record), text, help=HELP)


FEATURE = Feature("hardware", register)
