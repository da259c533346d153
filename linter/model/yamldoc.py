"""Positions: a place in a repo file, and a parsed YAML document that remembers where each node is.

A path into a YAML document is a tuple of mapping keys (str) and sequence indexes (int), e.g.
("spec", "volumes", 0, "name").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

YamlPath = tuple[str | int, ...]


@dataclass(frozen=True, order=True)
class Location:
    """A place in a repo file: repo-relative POSIX path, 1-based line and column."""

    path: str
    line: int = 1
    column: int = 1


@dataclass(frozen=True)
class YamlDoc:
    """One parsed YAML document that remembers where each node came from.

    `positions` maps a path to the line/column of its mapping key (or of the sequence item), so a
    finding about `spec.storageClassName` points at the line holding `storageClassName:`.
    """

    path: str
    index: int
    data: Any  # whatever the YAML holds: dict, list, str, int, float, bool or None
    positions: Mapping[YamlPath, tuple[int, int]]
    start_line: int = 1

    def location(self, ypath: YamlPath = ()) -> Location:
        """The closest known position for `ypath`, walking up to its parents."""
        for cut in range(len(ypath), -1, -1):
            pos = self.positions.get(ypath[:cut])
            if pos is not None:
                return Location(self.path, pos[0], pos[1])
        return Location(self.path, self.start_line, 1)


def get_path(data: Any, ypath: YamlPath, default: Any = None) -> Any:
    """Follow `ypath` through nested dicts/lists; `default` when any step is missing."""
    node = data
    for step in ypath:
        if isinstance(step, int):
            if not isinstance(node, list) or not -len(node) <= step < len(node):
                return default
        elif not isinstance(node, dict) or step not in node:
            return default
        node = node[step]
    return node


def format_path(ypath: YamlPath) -> str:
    """("spec", "volumes", 0, "name") → "spec.volumes[0].name"."""
    out = ""
    for step in ypath:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out
