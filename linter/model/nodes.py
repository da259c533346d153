"""The cluster's nodes, as a node inventory describes them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .yamldoc import Location


@dataclass(frozen=True)
class Taint:
    key: str
    value: str
    effect: str  # NoSchedule | PreferNoSchedule | NoExecute

    def text(self) -> str:
        return f"{self.key}={self.value}:{self.effect}" if self.value else f"{self.key}:{self.effect}"


@dataclass(frozen=True)
class Node:
    name: str
    labels: Mapping[str, str] = field(hash=False)  # read-only mapping
    taints: tuple[Taint, ...]
    source: Location  # where the node is declared
    origin: str  # "config" | "snapshot" | "ansible"
    host: str | None = None  # the Ansible host, when its name differs from the node name
