"""Configuration as data: running-config text as ordered blocks, and the patch between two.

A configuration is a sequence of blocks: a top-level command and the indented commands under
it (an `interface` and its settings). Comments (`!`), blank lines and the `version` line carry
no configuration. A rollback patch takes the current configuration to a target one: first the
`no` form of what the target lacks, then what it adds, each sub-mode command under its block
header, so that applying the patch through the command engine yields the target.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_CONFIG_LINES = 100_000
"""The most lines a checkpoint or replace file may hold: a bound on patch work."""


@dataclass(frozen=True)
class Block:
    header: str
    children: tuple[str, ...] = ()


class ConfigTooLarge(ValueError):
    pass


def _carries_config(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("!") and not stripped.startswith("version ")


def parse(lines: list[str]) -> list[Block]:
    """The blocks of a configuration, in order; a repeated header merges into the first."""
    if len(lines) > MAX_CONFIG_LINES:
        raise ConfigTooLarge(f"more than {MAX_CONFIG_LINES} lines")
    order: list[str] = []
    children: dict[str, list[str]] = {}
    current: str | None = None
    for raw in lines:
        line = raw.rstrip()
        if not _carries_config(line):
            continue
        if line[0].isspace() and current is not None:
            child = line.strip()
            if child not in children[current]:
                children[current].append(child)
            continue
        current = line.strip()
        if current not in children:
            order.append(current)
            children[current] = []
    return [Block(header, tuple(children[header])) for header in order]


def canonical(lines: list[str]) -> list[str]:
    """The configuration's commands as comparable text: equal configs give equal lists."""
    out: list[str] = []
    for block in parse(lines):
        out.append(block.header)
        out.extend(f"  {child}" for child in block.children)
    return out


def same(a: list[str], b: list[str]) -> bool:
    """Whether two configurations hold the same commands, whatever order they list them in.

    The switch prints its configuration in its own order; a file may list it in another.
    """

    def commands(lines: list[str]) -> dict[str, frozenset[str]]:
        return {block.header: frozenset(block.children) for block in parse(lines)}

    return commands(a) == commands(b)


def _negate(command: str) -> str:
    return command[3:] if command.startswith("no ") else f"no {command}"


def _undo(children: tuple[str, ...] | list[str]) -> list[str]:
    # A sub-mode `no x` that a block prints (`no shutdown`) is the state it has without it: the
    # target shows the other form itself when it wants it.
    return [f"  {_negate(child)}" for child in reversed(children) if not child.startswith("no ")]


def _resets_only(header: str) -> bool:
    # Ports and lines exist whatever the configuration says: they are reset setting by setting.
    return header.lower().startswith(("interface ", "line "))


def rollback_patch(current: list[str], target: list[str]) -> list[str]:
    """Commands that take configuration `current` to `target`, sub-mode lines indented."""
    have = {block.header: block for block in parse(current)}
    want = {block.header: block for block in parse(target)}
    removals: list[str] = []
    additions: list[str] = []
    for header, block in have.items():
        if header in want:
            continue
        if _resets_only(header):
            removals.append(header)
            removals.extend(_undo(block.children))
        else:
            removals.append(_negate(header))
    for header, block in want.items():
        old = have.get(header)
        if old is None:
            additions.append(header)
            additions.extend(f"  {child}" for child in block.children)
            continue
        dropped = [child for child in old.children if child not in block.children]
        added = [child for child in block.children if child not in old.children]
        if dropped or added:
            additions.append(header)
            additions.extend(_undo(dropped))
            additions.extend(f"  {child}" for child in added)
    return removals + additions
