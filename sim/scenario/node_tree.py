"""A scenario file's YAML node tree: read safely, with the line of every value.

The tree is composed before any data is built, for line numbers and duplicate keys, and is
refused when it is too deep or too large once its aliases are expanded.
"""

from __future__ import annotations

from typing import Any

import yaml

from sim.scenario.problems import Problem, ScenarioError, shown
from sim.scenario.steps import STEP_BY_TAG

# Scenario files are hostile input (DESIGN §9): bounded in size and shape.
MAX_FILE_BYTES = 1024 * 1024
MAX_YAML_NODES = 100_000  # counted with every alias expanded (no "billion laughs")
MAX_YAML_DEPTH = 64

TOO_LARGE = f"the file is larger than {MAX_FILE_BYTES // 1024} KiB; a scenario is at most that"
_TOO_MANY_NODES = (
    f"the document has more than {MAX_YAML_NODES} values once its aliases (*name) are "
    "expanded; a scenario is far smaller"
)

# Where a value is in the file's data: its keys and list positions, as pydantic reports them.
Loc = tuple[str | int, ...]


class _Loader(yaml.SafeLoader):
    """SafeLoader whose impossible values (2026-13-45, a 5000-digit number) are marked errors."""

    def construct_timestamp(self, node: yaml.ScalarNode) -> Any:
        try:
            return self.construct_yaml_timestamp(node)
        except (ValueError, OverflowError) as exc:
            raise yaml.constructor.ConstructorError(
                None, None, f"invalid date or time {shown(node.value)} ({exc})", node.start_mark
            ) from None

    def construct_int(self, node: yaml.ScalarNode) -> Any:
        # Python refuses to convert very long digit strings (and would be slow to); no
        # number in a scenario needs more than a few digits.
        if len(node.value) > 40:
            raise yaml.constructor.ConstructorError(
                None, None, f"number too long: {shown(node.value, 20)}", node.start_mark
            )
        try:
            return self.construct_yaml_int(node)
        except ValueError as exc:
            raise yaml.constructor.ConstructorError(
                None, None, f"invalid number {shown(node.value)} ({exc})", node.start_mark
            ) from None


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_timestamp)
_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_int)


def read_yaml(text: str, filename: str) -> tuple[yaml.Node | None, Any, list[Problem]]:
    """The node tree, the data, and the duplicate keys (reported with the schema's problems)."""
    if len(text) > MAX_FILE_BYTES:
        raise ScenarioError([Problem(filename, None, "", TOO_LARGE)])
    try:
        loader = _Loader(text)
    except yaml.reader.ReaderError as exc:
        char_line = text.count("\n", 0, exc.position) + 1
        char = exc.character
        code = char if isinstance(char, int) else ord(char)
        raise ScenarioError(
            [Problem(filename, char_line, "", f"character U+{code:04X} is not allowed in YAML")]
        ) from None
    try:
        root = loader.get_single_node()
        if root is None:
            return None, None, []
        _check_shape(root, filename)
        duplicates = _duplicate_keys(root, filename)
        return root, loader.construct_document(root), duplicates
    except RecursionError:
        depth_mark = loader.get_mark()
        depth_line = depth_mark.line + 1
        raise ScenarioError(
            [
                Problem(
                    filename,
                    depth_line,
                    "",
                    f"nested too deeply (at most {MAX_YAML_DEPTH} levels)",
                )
            ]
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        what = exc.problem or "invalid YAML"
        if exc.context and exc.context_mark is not None:
            what += f" ({exc.context} at line {exc.context_mark.line + 1})"
        elif exc.context:
            what += f" ({exc.context})"
        if not isinstance(exc, yaml.constructor.ConstructorError):
            what = f"YAML syntax error: {what}"
        raise ScenarioError([Problem(filename, line, "", what)]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([Problem(filename, None, "", f"YAML error: {exc}")]) from None
    finally:
        loader.dispose()


def _check_shape(root: yaml.Node, filename: str) -> None:
    """Refuse a node tree too deep, or too large once its aliases are expanded.

    Aliases make the tree a graph that validation walks as a tree: ten nested aliases of ten
    items each are ten billion items ("billion laughs"). Sizes are counted per distinct node
    (memoised), so this check itself is linear in the file.
    """
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    open_nodes: set[int] = set()  # entered, children not done: meeting one again is a cycle
    # Iterative post-order walk: the file may nest deeper than Python's recursion limit.
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in size:
            continue
        children = _children(node)
        if not children_done:
            if id(node) in open_nodes:
                raise ScenarioError(
                    [
                        Problem(
                            filename,
                            node.start_mark.line + 1,
                            "",
                            "an alias refers to a value that contains it",
                        )
                    ]
                )
            open_nodes.add(id(node))
            stack.append((node, True))
            stack.extend((child, False) for child in children if id(child) not in size)
            if len(stack) > MAX_YAML_NODES:
                raise ScenarioError(
                    [Problem(filename, node.start_mark.line + 1, "", _TOO_MANY_NODES)]
                )
            continue
        open_nodes.discard(id(node))
        size[id(node)] = 1 + sum(size.get(id(c), 0) for c in children)
        depth[id(node)] = 1 + max((depth.get(id(c), 0) for c in children), default=0)
        if depth[id(node)] > MAX_YAML_DEPTH:
            raise ScenarioError(
                [
                    Problem(
                        filename,
                        node.start_mark.line + 1,
                        "",
                        f"nested too deeply (at most {MAX_YAML_DEPTH} levels)",
                    )
                ]
            )
        if size[id(node)] > MAX_YAML_NODES:
            raise ScenarioError([Problem(filename, node.start_mark.line + 1, "", _TOO_MANY_NODES)])


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _duplicate_keys(root: yaml.Node, filename: str) -> list[Problem]:
    problems = []
    seen_nodes: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first_line: dict[str, int] = {}
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    line = key.start_mark.line + 1
                    if key.value in first_line:
                        problems.append(
                            Problem(
                                filename,
                                line,
                                "",
                                f"duplicate key {key.value!r} "
                                f"(first given at line {first_line[key.value]})",
                            )
                        )
                    else:
                        first_line[key.value] = line
                stack.extend((key, value))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return problems


def child(node: yaml.Node, key: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == str(key):
                child: yaml.Node = v
                return child
    return None


def _key_node(node: yaml.Node, key: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, _ in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == str(key):
                return k
    return None


def locate(root: yaml.Node, loc: Loc) -> tuple[int, Loc]:
    """Walk `loc` down the node tree: the line it points at, and `loc` without union tags."""
    node = root
    line = root.start_mark.line + 1
    clean: list[str | int] = []
    for position, part in enumerate(loc):
        if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
            clean.append(part)
            continue
        key = _key_node(node, part)
        value = child(node, part)
        if key is not None and value is not None:
            node = value
            line = key.start_mark.line + 1
            clean.append(part)
            continue
        if part in STEP_BY_TAG:
            continue
        # Not in the file (a missing key, or below a value of the wrong shape): stop here.
        clean.extend(p for p in loc[position:] if p not in STEP_BY_TAG)
        break
    return line, tuple(clean)


def path_text(loc: Loc) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
