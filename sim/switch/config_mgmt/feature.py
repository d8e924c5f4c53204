"""The config management feature: `show running-config`, `show startup-config`, `copy`.

The running configuration is assembled from every feature's section (sim/switch/features.py
lists them in NX-OS order); this feature owns only how it is shown and saved.
"""

from __future__ import annotations

from sim.switch.cli import CommandError, Mode
from sim.switch.feature import Ctx, Feature, Grammar, switch_of
from sim.switch.formats import config_text

HELP = {
    "running-config": "Current operating configuration",
    "startup-config": "Contents of startup configuration",
    "copy": "Copy from one file to another",
    "configure": "Enter configuration mode",
}


def _show(ctx: Ctx, lines: list[str], title: str) -> str:
    switch = switch_of(ctx)
    changed_at = switch.config_changed_at or switch.booted_at or switch.now()
    return config_text(lines, title=title, changed_at=changed_at, now=switch.now())


def _show_running(ctx: Ctx) -> str:
    return _show(ctx, switch_of(ctx).running_config_lines(), "show running-config")


def _show_startup(ctx: Ctx) -> str:
    startup = switch_of(ctx).startup_config
    if startup is None:
        raise CommandError("No startup-config exists.")
    return _show(ctx, startup, "show startup-config")


def _copy_run_start(ctx: Ctx) -> str:
    switch_of(ctx).save_startup_config()
    return "[########################################] 100%\nCopy complete.\n"


def register(grammar: Grammar) -> None:
    grammar.add(Mode.EXEC, "show running-config", _show_running)
    grammar.add(Mode.EXEC, "show startup-config", _show_startup)
    grammar.add(Mode.EXEC, "copy running-config startup-config", _copy_run_start)


FEATURE = Feature("config_mgmt", register, HELP)
