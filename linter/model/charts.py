"""Helm charts in the repo: Chart.yaml, its dependencies, values.yaml, templates."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .resources import Template
from .shapes import as_list
from .yamldoc import YamlDoc


@dataclass(frozen=True)
class Dependency:
    """One entry of Chart.yaml `dependencies`, as written."""

    name: str
    version: str | None = None
    repository: str | None = None
    alias: str | None = None
    condition: str | None = None
    tags: tuple[str, ...] = ()
    index: int = 0  # position in Chart.yaml's list
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def scope(self) -> str:
        """The key the parent's values for it sit under (and the name its templates render as)."""
        return self.alias or self.name


@dataclass(frozen=True)
class Chart:
    """A chart directory (one with a Chart.yaml) in the repo."""

    dir: str
    name: str
    version: Any  # as written: may be a float or missing, which CH rules report
    chart_doc: YamlDoc
    values_doc: YamlDoc | None
    dependencies: tuple[Dependency, ...] = ()
    # scope (alias or name) of each dependency committed under charts/ → the version it holds
    # (None when its Chart.yaml cannot be read)
    vendored: Mapping[str, str | None] = field(default_factory=dict, compare=False)
    templates: tuple[Template, ...] = ()  # the chart's own templates/ files, scanned
    values_ok: bool = True  # False when values.yaml is unreadable, unparsable or not a mapping
    lock_doc: YamlDoc | None = None  # Chart.lock, when present
    helmignore: tuple[str, ...] = ()  # the chart's .helmignore patterns

    @property
    def template_paths(self) -> tuple[str, ...]:
        """Repo paths of its own templates (what a change to its reads is related to)."""
        return tuple(sorted(t.path for t in self.templates))

    @property
    def meta(self) -> Mapping[str, Any]:
        data = self.chart_doc.data
        return data if isinstance(data, dict) else {}

    def locked(self) -> Mapping[str, Mapping[str, Any]]:
        """Chart.lock entries by dependency name (empty without a lock)."""
        data = self.lock_doc.data if self.lock_doc is not None else None
        entries = data.get("dependencies") if isinstance(data, dict) else None
        return {str(e.get("name")): e for e in as_list(entries) if isinstance(e, dict)}
