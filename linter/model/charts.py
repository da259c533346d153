"""Helm charts in the repo: Chart.yaml, its dependencies, values.yaml, templates."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..core.chart_lock import requirements_digest
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
    # scope → the repo path (directory or archive) under charts/ that holds it, for `vendored`
    vendored_paths: Mapping[str, str] = field(default_factory=dict, compare=False)

    @property
    def template_paths(self) -> tuple[str, ...]:
        """Repo paths of its own templates (what a change to its reads is related to)."""
        return tuple(sorted(t.path for t in self.templates))

    @property
    def meta(self) -> Mapping[str, Any]:
        data = self.chart_doc.data
        return data if isinstance(data, dict) else {}

    def lock_entry(self, dependency: Dependency) -> tuple[int, Mapping[str, Any]] | None:
        """The Chart.lock entry that pins `dependency` (its index in the lock, the entry)."""
        return self._lock_pairs()[0].get(dependency.index)

    def stale_lock_entries(self) -> list[tuple[int, Mapping[str, Any]]]:
        """Chart.lock entries no dependency in Chart.yaml accounts for."""
        return self._lock_pairs()[1]

    def lock_digest_matches(self) -> bool | None:
        """Is Chart.lock's `digest` Helm's hash of Chart.yaml's dependencies and the lock's
        entries (what `helm dependency build` insists on)? None when that cannot be told."""
        data = self.lock_doc.data if self.lock_doc is not None else None
        digest = data.get("digest") if isinstance(data, dict) else None
        if not isinstance(digest, str) or str(self.meta.get("apiVersion")) == "v1":
            return None  # v1 charts hash with Helm 2's rules
        assert isinstance(data, dict)
        computed = requirements_digest(as_list(self.meta.get("dependencies")), as_list(data.get("dependencies")))
        return None if computed is None else computed == digest

    def _lock_pairs(self) -> tuple[dict[int, tuple[int, Mapping[str, Any]]], list[tuple[int, Mapping[str, Any]]]]:
        """Dependency index → its lock entry, and the entries left over. A chart may depend on
        one chart twice under two aliases: the k-th dependency of a name takes the k-th entry of
        that name (Helm writes the lock in Chart.yaml's order)."""
        data = self.lock_doc.data if self.lock_doc is not None else None
        entries = as_list(data.get("dependencies")) if isinstance(data, dict) else []
        queues: dict[str, list[tuple[int, Mapping[str, Any]]]] = {}
        for index, entry in enumerate(entries):
            if isinstance(entry, dict):
                queues.setdefault(str(entry.get("name")), []).append((index, entry))
        paired = {}
        for dependency in self.dependencies:
            queue = queues.get(dependency.name)
            if queue:
                paired[dependency.index] = queue.pop(0)
        left = sorted((pair for queue in queues.values() for pair in queue), key=lambda pair: pair[0])
        return paired, left
