"""YAML documents with positions, parsed with PyYAML's C composer.

ruamel's round-trip parser keeps comments but is ~20x slower; the linter only needs data and the
line/column of every key, so it composes the node graph in C and walks it once here. ruamel is
used only where a file is written back (linter/fix.py).

The walk is bounded: alias expansion (a "billion laughs" file) stops at `MAX_NODES`, and a
recursive alias is reported instead of looping.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from ..model import Location, Problem, YamlDoc, YamlPath

try:  # the C composer is ~10x faster; fall back to pure Python where libyaml is missing
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader

MAX_NODES = 200_000  # per file, counting alias expansions
_MERGE_TAG = "tag:yaml.org,2002:merge"
_STR_TAG = "tag:yaml.org,2002:str"
_KEEP_AS_TEXT = {"tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:binary"}


class _TooLarge(Exception):
    pass


class _Recursive(Exception):
    def __init__(self, line: int) -> None:
        self.line = line


@dataclass
class _Walk:
    path: str
    positions: dict[YamlPath, tuple[int, int]]
    problems: list[Problem]
    budget: int


def _scalar(node: yaml.ScalarNode) -> Any:
    if node.tag == _STR_TAG:
        return node.value  # most scalars: skip the constructor (a third of parse time)
    if node.tag in _KEEP_AS_TEXT or not node.tag.startswith("tag:yaml.org,2002:"):
        return node.value  # custom tags (!vault, !Ref) keep their text
    try:
        return yaml.constructor.SafeConstructor().construct_object(node, deep=True)
    except Exception:
        return node.value


def _convert(node: yaml.Node, ypath: YamlPath, walk: _Walk, active: set[int]) -> Any:
    walk.budget -= 1
    if walk.budget < 0:
        raise _TooLarge()
    if isinstance(node, yaml.ScalarNode):
        return _scalar(node)
    if id(node) in active:
        raise _Recursive(node.start_mark.line + 1)
    active.add(id(node))
    try:
        if isinstance(node, yaml.SequenceNode):
            items = []
            for index, child in enumerate(node.value):
                child_path = (*ypath, index)
                walk.positions.setdefault(child_path, _pos(child))
                items.append(_convert(child, child_path, walk, active))
            return items
        assert isinstance(node, yaml.MappingNode)
        return _mapping(node, ypath, walk, active)
    finally:
        active.discard(id(node))


def _mapping(node: yaml.MappingNode, ypath: YamlPath, walk: _Walk, active: set[int]) -> dict[Any, Any]:
    result: dict[Any, Any] = {}
    merged: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        if key_node.tag == _MERGE_TAG:
            sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            for source in sources:
                value = _convert(source, ypath, walk, active)
                if isinstance(value, dict):
                    for k, v in value.items():
                        merged.setdefault(k, v)
            continue
        key = _scalar(key_node) if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
        if not isinstance(key, (str, int, float, bool)) and key is not None:
            key = str(key)
        if isinstance(key, (int, float, bool)) or key is None:
            key = key_node.value  # "1: x" and "on: push" keep their text as the key
        child_path = (*ypath, key)
        if key in result:
            walk.problems.append(
                Problem(
                    "LD002",
                    Location(walk.path, key_node.start_mark.line + 1, key_node.start_mark.column + 1),
                    {"key": key, "first_line": walk.positions.get(child_path, (0, 0))[0]},
                )
            )
        walk.positions[child_path] = _pos(key_node)
        result[key] = _convert(value_node, child_path, walk, active)
    for k, v in merged.items():
        result.setdefault(k, v)
    return result


def _pos(node: yaml.Node) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


def parse_documents(text: str, path: str, line_offset: int = 0) -> tuple[list[YamlDoc], list[Problem]]:
    """Parse every document in `text`; syntax errors become LD001 problems, never exceptions.

    `line_offset` shifts reported lines, for YAML embedded in another file (an Application's
    inline `helm.values`).
    """
    problems: list[Problem] = []
    docs: list[YamlDoc] = []
    walk = _Walk(path, {}, problems, MAX_NODES)
    try:
        for index, root in enumerate(yaml.compose_all(text, Loader=_Loader)):
            walk.positions = {}
            data = _convert(root, (), walk, set())
            positions = walk.positions
            if line_offset:
                positions = {k: (line + line_offset, col) for k, (line, col) in positions.items()}
            docs.append(YamlDoc(path, index, data, positions, root.start_mark.line + 1 + line_offset))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        reason = exc.problem or exc.context or "invalid YAML"
        if mark is not None and _char_at(text, mark.line, mark.column) == "\t":
            reason += " (a tab: YAML forbids tabs for indentation)"
        problems.append(Problem("LD001", Location(path, line + line_offset, col), {"reason": reason}))
    except yaml.YAMLError as exc:
        problems.append(Problem("LD001", Location(path, 1 + line_offset, 1), {"reason": str(exc).splitlines()[0]}))
    except _TooLarge:
        reason = f"aliases expand to more than {MAX_NODES} nodes"
        problems.append(Problem("LD006", Location(path, 1 + line_offset, 1), {"reason": reason}))
        return [], problems
    except _Recursive as exc:
        reason = "an alias refers to itself"
        problems.append(Problem("LD006", Location(path, exc.line + line_offset, 1), {"reason": reason}))
        return [], problems
    except RecursionError:
        reason = "nesting is too deep"
        problems.append(Problem("LD006", Location(path, 1 + line_offset, 1), {"reason": reason}))
        return [], problems
    return docs, problems


def _char_at(text: str, line: int, column: int) -> str:
    lines = text.split("\n")
    return lines[line][column] if line < len(lines) and column < len(lines[line]) else ""


def decode(raw: bytes) -> str | None:
    """Decode file bytes as YAML allows (UTF-8, or UTF-16/32 with a BOM); None when impossible."""
    if raw.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        encoding = "utf-32"
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    else:
        encoding = "utf-8-sig"
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        return None
    return None if "\x00" in text else text
