"""What a check reports (Violation) and what the user sees (Finding)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from enum import Enum
from typing import Any

from .repo import Fields
from .resources import ResourceId
from .yamldoc import Location, YamlPath


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "info": 1}[self.value]


@dataclass(frozen=True)
class Fix:
    """A proposed edit: replace the scalar at `ypath` in `path` (or `old` on `line`) with `new`."""

    path: str
    line: int
    old: str
    new: str
    ypath: YamlPath | None = None


@dataclass(frozen=True)
class Violation:
    """A check's raw result; the runner turns it into a Finding with the rule's texts."""

    location: Location
    fields: Fields
    resource: ResourceId | None = None
    suggestions: tuple[str, ...] = ()
    fix: Fix | None = None
    related: tuple[str, ...] = ()  # other files whose change can cause or cure it (for --changed)


@dataclass(frozen=True)
class Finding:
    rule: str
    name: str
    severity: Severity
    location: Location
    message: str
    hint: str
    suggestions: tuple[str, ...] = ()
    resource: ResourceId | None = None
    fix: Fix | None = None
    suppressed: str | None = None  # the reason, when suppressed
    related: tuple[str, ...] = ()
    suppressed_by: str | None = None  # "inline", "annotation", "config" or "baseline"
    clusters: tuple[str, ...] = ()  # the clusters it is about, when the repo deploys to several

    def sort_key(self) -> tuple[str, int, int, str, str]:
        loc = self.location
        return (loc.path, loc.line, loc.column, self.rule, self.message)

    def fingerprint(self) -> str:
        """Identity that survives unrelated edits: no line or column, only what it is about."""
        resource = self.resource.as_dict() if self.resource else {}
        parts = [self.rule, self.location.path, json.dumps(resource, sort_keys=True), self.message]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "name": self.name,
            "severity": self.severity.value,
            "file": self.location.path,
            "line": self.location.line,
            "column": self.location.column,
            "message": self.message,
            "hint": self.hint,
            "suggestions": list(self.suggestions),
            "resource": self.resource.as_dict() if self.resource else None,
            "suppressed": self.suppressed,
            **({"clusters": list(self.clusters)} if self.clusters else {}),
        }
