"""Positions: a place in a repo file, and a parsed YAML document that remembers where each node is.

A path into a YAML document is a tuple of mapping keys (str) and sequence indexes (int), e.g.
("spec", "volumes", 0, "name").
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Protocol

YamlPath = tuple[str | int, ...]
_COLUMNS = 1 << 20  # a position is packed as line * _COLUMNS + column: one int instead of a tuple


def pack(line: int, column: int) -> int:
    """A 1-based line and column as the one int YamlDoc.positions stores (memory: millions of them)."""
    return line * _COLUMNS + min(column, _COLUMNS - 1)


def unpack(position: int) -> tuple[int, int]:
    return divmod(position, _COLUMNS)


@dataclass(frozen=True, order=True)
class Location:
    """A place in a repo file: repo-relative POSIX path, 1-based line and column."""

    path: str
    line: int = 1
    column: int = 1


class PositionSource(Protocol):
    """Where the nodes of some documents are: computed when first asked (loaders/yaml.py)."""

    def positions(self, index: int) -> Mapping[YamlPath, int]: ...

    def start_line(self, index: int) -> int: ...


@dataclass(frozen=True)
class KnownPositions:
    """Positions given up front (synthetic documents, tests)."""

    known: Mapping[YamlPath, int]
    start: int = 1

    def positions(self, index: int) -> Mapping[YamlPath, int]:
        return self.known

    def start_line(self, index: int) -> int:
        return self.start


class _Below(Mapping[YamlPath, int]):
    """The positions below `prefix` of another document, seen as a document of their own."""

    def __init__(self, base: Mapping[YamlPath, int], prefix: YamlPath) -> None:
        self.base, self.prefix = base, prefix

    def __getitem__(self, path: YamlPath) -> int:
        found = self.base.get(self.prefix + path)
        if found is None:
            raise KeyError(path)
        return found

    def __iter__(self) -> Iterator[YamlPath]:
        cut = len(self.prefix)
        return (p[cut:] for p in self.base if p[:cut] == self.prefix)

    def __len__(self) -> int:
        return sum(1 for _ in self)


@dataclass(frozen=True)
class PartOf:
    """Positions of a part of another document: a `List`'s item, an ApplicationSet's template."""

    whole: YamlDoc
    prefix: YamlPath

    def positions(self, index: int) -> Mapping[YamlPath, int]:
        return _Below(self.whole.positions, self.prefix)

    def start_line(self, index: int) -> int:
        return self.whole.location(self.prefix).line


@dataclass(frozen=True)
class YamlDoc:
    """One parsed YAML document that can tell where each node came from.

    `positions` maps a path to the line/column of its mapping key (or of the sequence item), so a
    finding about `spec.storageClassName` points at the line holding `storageClassName:`; each is
    packed into one int (`pack`). They come from `source` the first time they are needed.
    """

    path: str
    index: int
    data: Any  # whatever the YAML holds: dict, list, str, int, float, bool or None
    source: PositionSource = field(compare=False, repr=False)

    @cached_property
    def positions(self) -> Mapping[YamlPath, int]:
        return self.source.positions(self.index)

    @property
    def start_line(self) -> int:
        return self.source.start_line(self.index)

    def location(self, ypath: YamlPath = ()) -> Location:
        """The closest known position for `ypath`, walking up to its parents."""
        positions = self.positions
        for cut in range(len(ypath), -1, -1):
            pos = positions.get(ypath[:cut])
            if pos is not None:
                return Location(self.path, *unpack(pos))
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
