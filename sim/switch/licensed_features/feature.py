"""`feature <name>` / `no feature <name>`, `show feature`, `show license usage <license>` and
the `feature` lines of the running configuration."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sim.switch.cli import Mode
from sim.switch.feature import Ctx, Feature, Grammar, changed, switch_of
from sim.switch.licensed_features.state import FEATURE_TIERS

if TYPE_CHECKING:
    from sim.switch.switch import Switch

HELP = {
    "feature": "Enable/Disable a feature",
    "bgp": "Enable/Disable Border Gateway Protocol (BGP)",
    "ospf": "Enable/Disable Open Shortest Path First Protocol (OSPF)",
    "pim": "Enable/Disable Protocol Independent Multicast (PIM)",
    "nv": "Enable/Disable NV Overlay",
    "overlay": "Enable/Disable NV Overlay",
    "segment-routing": "Enable/Disable Segment Routing",
}


def _toggle(name: str) -> Callable[[Ctx], str]:
    def handler(ctx: Ctx) -> str:
        switch = switch_of(ctx)
        state = switch.licensed_features
        if state.base is None:
            state.base = dict(switch.licenses_in_use)
        if ctx.negated and name in state.enabled:
            state.enabled.remove(name)
        elif not ctx.negated and name not in state.enabled:
            state.enabled.append(name)
        # A change in usage: the agent opens a RUM report and, by policy, a report-on-change
        # deadline.
        switch.set_usage(state.usage(switch.licenses_in_use))
        changed(ctx)
        return ""

    return handler


def show_feature(switch: Switch) -> str:
    enabled = set(switch.licensed_features.enabled)
    lines = ["Feature Name          Instance  State   ", "--------------------  --------  --------"]
    for name in sorted(FEATURE_TIERS):
        state = "enabled" if name in enabled else "disabled"
        lines.append(f"{name:<22}{1:<10}{state}")
    return "\n".join(lines) + "\n"


def _usage_of(ctx: Ctx) -> str:
    features = switch_of(ctx).licensed_features.features_using(str(ctx.args["license"]))
    return "Feature List:\n" + "".join(f"{name}\n" for name in features)


def register(grammar: Grammar) -> None:
    for name in FEATURE_TIERS:
        grammar.add(Mode.CONFIG, f"feature {name}", _toggle(name), no_pattern=f"feature {name}")
    grammar.show_text("show feature", show_feature)
    grammar.add(Mode.EXEC, "show license usage <license:name>", _usage_of)


def running_config(switch: Switch) -> list[str]:
    return [f"feature {name}" for name in sorted(switch.licensed_features.enabled)]


FEATURE = Feature("licensed_features", register, HELP, running_config)
