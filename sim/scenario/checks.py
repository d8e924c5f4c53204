"""A scenario's cross-checks: what one field cannot know alone (names, references, variables)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import TYPE_CHECKING

import yaml

from sim.network import FaultError, check_fault_target
from sim.scenario.node_tree import Loc, child, locate, path_text
from sim.scenario.problems import Problem
from sim.scenario.steps import (
    FAULT_TARGETS,
    AdvanceStep,
    ClearStep,
    ClearTarget,
    ExpectNoSyslogStep,
    ExpectSyslogStep,
    FaultSpec,
    FaultStep,
    RmaStep,
    StepBase,
    saved_variable,
)
from sim.scenario.values import format_span
from sim.scenario.variables import NAME_PATTERN, VARIABLE_PATTERN

if TYPE_CHECKING:
    from sim.scenario.model import Scenario

# Time a scenario may cover: with every timer and offset also bounded (sim.timing), the
# simulation's dates stay far from datetime's year 9999.
MAX_SCENARIO_SPAN = timedelta(days=36500)


def check_scenario(
    scenario: Scenario, root: yaml.Node, filename: str, expected_name: str | None
) -> list[Problem]:
    """What one field cannot know alone: the name, switch references, variables."""
    found: list[tuple[Loc, str]] = []
    if expected_name is not None and scenario.name != expected_name:
        found.append(
            (("name",), f"expected the file's stem {expected_name!r}, got {scenario.name!r}")
        )
    names = scenario.switch_names
    for i, name in enumerate(names):
        if name in names[:i]:
            found.append((("switches", i, "name"), f"duplicate switch name {name!r}"))
    serials: dict[str, str] = {}
    for i, model in enumerate(scenario.switches):
        assert model.serial is not None  # Scenario._serials fills every one in
        if model.serial in serials:
            found.append(
                (
                    ("switches", i, "serial"),
                    f"serial number {model.serial} is already {serials[model.serial]}'s: "
                    "two switches cannot share one (CSSM would take them for one device)",
                )
            )
        else:
            serials[model.serial] = model.name
        standby = model.standby_serial
        if standby is not None:
            if standby in serials:
                found.append(
                    (
                        ("switches", i, "standby_serial"),
                        f"serial number {standby} is already {serials[standby]}'s: each "
                        "supervisor has its own",
                    )
                )
            else:
                serials[standby] = f"{model.name}'s standby"
    span = timedelta(0)
    for i, step in enumerate(scenario.steps):
        if isinstance(step, AdvanceStep):
            span += step.advance
            if span > MAX_SCENARIO_SPAN:
                found.append(
                    (
                        ("steps", i, "advance"),
                        f"the steps advance {format_span(span)} in all so far; a scenario "
                        f"covers at most {format_span(MAX_SCENARIO_SPAN)}",
                    )
                )
                break
    known = ", ".join(dict.fromkeys(names))
    targets = ", ".join(dict.fromkeys((*FAULT_TARGETS, *names)))
    for i, step in enumerate(scenario.steps):
        for loc, switch in _switch_refs(i, step):
            if switch not in names:
                found.append((loc, f"expected a switch of this scenario ({known}), got {switch!r}"))
        if isinstance(step, RmaStep) and step.rma.serial in serials:
            found.append(
                (
                    ("steps", i, "rma", "serial"),
                    f"serial number {step.rma.serial} is already {serials[step.rma.serial]}'s: "
                    "a replacement comes with a serial of its own",
                )
            )
        spec: FaultSpec | ClearTarget | None = None
        if isinstance(step, FaultStep):
            spec = step.fault
        elif isinstance(step, ClearStep):
            spec = step.clear
        if spec is not None:
            loc = ("steps", i, step.kind, "target")
            if spec.target not in FAULT_TARGETS and spec.target not in names:
                found.append((loc, f"expected a fault target ({targets}), got {spec.target!r}"))
            else:
                # The network's one table of what each target accepts: a fault with no effect
                # is refused here, with file and line, as the lab and the control API refuse it.
                try:
                    check_fault_target(spec.target, spec.kind, names)
                except FaultError as exc:
                    found.append((loc, str(exc)))
    problems = []
    for loc, message in found:
        line, _ = locate(root, loc)
        problems.append(Problem(filename, line, path_text(loc), message))
    problems.extend(_check_variables(scenario, root, filename))
    return problems


def _switch_refs(index: int, step: StepBase) -> Iterator[tuple[Loc, str]]:
    outer = getattr(step, "switch", None)
    if isinstance(outer, str):
        yield ("steps", index, "switch"), outer
    if isinstance(step, ExpectSyslogStep | ExpectNoSyslogStep):
        inner = step.expect_syslog if isinstance(step, ExpectSyslogStep) else step.expect_no_syslog
        if inner.switch is not None:
            yield ("steps", index, step.kind, "switch"), inner.switch


def _check_variables(scenario: Scenario, root: yaml.Node, filename: str) -> list[Problem]:
    steps_node = child(root, "steps")
    if not isinstance(steps_node, yaml.SequenceNode):
        return []
    defined: set[str] = set()
    problems = []
    for index, (step, node) in enumerate(zip(scenario.steps, steps_node.value, strict=True)):
        for path, line, name in _variable_uses(node, f"steps[{index}]"):
            if not NAME_PATTERN.match(name):
                problems.append(
                    Problem(filename, line, path, f"expected a variable name in ${{...}}: {name!r}")
                )
            elif name not in defined:
                problems.append(
                    Problem(
                        filename,
                        line,
                        path,
                        f"${{{name}}} is not set by an earlier step "
                        "(expected a token or backend step with save_as: " + name + ")",
                    )
                )
        saved = saved_variable(step)
        if saved is not None:
            defined.add(saved)
    return problems


def _variable_uses(node: yaml.Node, path: str) -> Iterator[tuple[str, int, str]]:
    if isinstance(node, yaml.ScalarNode) and isinstance(node.value, str):
        first = node.start_mark.line + 1
        # A literal block (`|`) starts on the line after its indicator, one text line per line.
        offset = 1 if node.style == "|" else 0
        for match in VARIABLE_PATTERN.finditer(node.value):
            row = node.value.count("\n", 0, match.start()) if node.style == "|" else 0
            yield path, first + offset + row, match.group(1)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            yield from _variable_uses(item, f"{path}[{i}]")
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield from _variable_uses(value, f"{path}.{key.value}")
