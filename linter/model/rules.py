"""A rule as loaded from rules/: texts, severity, and the check it runs with typed parameters."""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..core.selectors import selects
from .findings import Finding, Severity, Violation

# What each bundled family is about, in a few words (reports group findings by family; the
# README's family table says more). A repository's own families show their prefix alone.
FAMILY_TITLES: Mapping[str, str] = {
    "AR": "Argo CD applications",
    "CH": "chart versions",
    "KV": "schema validation",
    "LD": "loading the repository",
    "LN": "the linter itself",
    "NP": "node placement",
    "PG": "CloudNativePG",
    "SC": "StorageClasses",
    "SS": "secrets",
}


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    summary: str
    severity: Severity
    check: str
    params: object  # the check's parameter dataclass, parsed and validated once at load
    message: str
    hint: str
    docs: Mapping[str, Any]
    fixable: bool
    aliases: tuple[str, ...]
    source: str
    enabled: bool = True  # False: opt-in, runs only when selected by id or name

    @property
    def family(self) -> str:
        return self.id[:2]

    def selected_by(self, selector: str) -> bool:
        return selects(selector, self.id, self.name, self.aliases)

    def finding(self, violation: Violation) -> Finding:
        """The user-facing finding. A field the texts use but the violation lacks is a bug in
        the check (it declared the field): KeyError, which the runner reports as LN004."""
        fields = dict(violation.fields)
        return Finding(
            self.id,
            self.name,
            self.severity,
            violation.location,
            self.message.format_map(fields),
            self.hint.format_map(fields),
            violation.suggestions,
            violation.resource,
            violation.fix if self.fixable else None,
            related=violation.related,
        )


def template_fields(template: str) -> list[str]:
    """The `{field}` names a message or hint template uses."""
    return [name for _, name, _, _ in string.Formatter().parse(template) if name]


@dataclass(frozen=True)
class Catalog:
    """Everything under the rule directories: rules, the secret producer/reference specs, and
    the specs of objects operators create from YAML other objects hold."""

    rules: tuple[Rule, ...]
    producers: tuple[Mapping[str, Any], ...]
    references: tuple[Mapping[str, Any], ...]
    embedded: tuple[Mapping[str, Any], ...] = ()
