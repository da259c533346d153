"""Immutable records the loaders produce and the checks read.

Everything here is plain data: no I/O, no Helm, no rich. A path into a YAML document is a tuple
of mapping keys (str) and sequence indexes (int), e.g. ("spec", "volumes", 0, "name").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, Mapping

from .templates import LineRefs

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
    data: Any
    positions: Mapping[YamlPath, tuple[int, int]]
    start_line: int = 1

    def location(self, ypath: YamlPath = ()) -> Location:
        """The closest known position for `ypath`, walking up to its parents."""
        for cut in range(len(ypath), -1, -1):
            pos = self.positions.get(ypath[:cut])
            if pos is not None:
                return Location(self.path, pos[0], pos[1])
        return Location(self.path, self.start_line, 1)


@dataclass(frozen=True)
class ResourceId:
    api_version: str
    kind: str
    namespace: str | None
    name: str

    @property
    def group(self) -> str:
        return self.api_version.rpartition("/")[0] if "/" in self.api_version else ""

    def as_dict(self) -> dict[str, str | None]:
        return {
            "apiVersion": self.api_version,
            "kind": self.kind,
            "namespace": self.namespace,
            "name": self.name,
        }


class SourceKind(str, Enum):
    RENDERED = "rendered"  # produced by a Helm template
    MANIFEST = "manifest"  # a plain YAML file in the repo
    GENERATED = "generated"  # made by a kustomize generator


@dataclass(frozen=True)
class ValuesLayer:
    """One source of Helm values, in Argo CD's precedence order (later layers win).

    `doc` is None for values that have no file position of their own (then `location` is used).
    `prefix` is where the layer's data sits inside `doc` (e.g. an Application's
    spec.source.helm.valuesObject).
    """

    label: str
    data: Mapping[str, Any]
    doc: YamlDoc | None
    prefix: YamlPath = ()
    location: Location | None = None

    def locate(self, vpath: YamlPath) -> Location:
        if self.doc is not None:
            return self.doc.location(self.prefix + vpath)
        assert self.location is not None
        return self.location


@dataclass(frozen=True)
class Template:
    """A chart template as written in the repo, with the `.Values` paths each line uses."""

    path: str  # repo-relative path of the template file (or of the .tgz it came from)
    source: str  # template text ("" when it came from an archive)
    refs: Mapping[int, LineRefs] = field(default_factory=dict)


@dataclass(frozen=True)
class RenderOrigin:
    """Where a rendered object came from: which chart, template and values produced it.

    The object's YamlDoc positions are already template lines (see loaders/helm.align).
    """

    chart_dir: str
    template: Template
    values: tuple[ValuesLayer, ...]  # chart values.yaml first, then the Application's layers
    from_archive: bool = False


@dataclass(frozen=True)
class Rendering:
    """One chart rendered for one release: what SC002-style values checks need."""

    chart_dir: str
    app: str | None
    deployed: bool
    release_name: str
    namespace: str
    values: tuple[ValuesLayer, ...]
    used_values: frozenset[tuple[str, ...]]  # `.Values` paths the chart's own templates read
    rendered_subcharts: tuple[str, ...]  # dependency names/aliases vendored under charts/


@dataclass(frozen=True)
class Resource:
    """A Kubernetes object the repo describes, rendered or written by hand."""

    id: ResourceId
    doc: YamlDoc
    source: SourceKind
    deployed: bool  # will an enabled Argo CD Application apply it?
    app: str | None = None  # Application that deploys (or would deploy) it
    render: RenderOrigin | None = None
    note: str | None = None  # why it is not deployed, when it is not

    @property
    def data(self) -> Any:
        return self.doc.data

    def get(self, ypath: YamlPath, default: Any = None) -> Any:
        return get_path(self.doc.data, ypath, default)


@dataclass(frozen=True)
class HelmSource:
    chart_dir: str  # repo-relative chart directory
    release_name: str
    value_files: tuple[str, ...]  # repo-relative paths, in order
    values_layers: tuple[ValuesLayer, ...] = ()  # inline values/valuesObject/parameters, in order


@dataclass(frozen=True)
class DirectorySource:
    path: str
    recurse: bool = False
    include: str | None = None
    exclude: str | None = None


@dataclass(frozen=True)
class Application:
    """An Argo CD Application as the repo declares it."""

    name: str
    enabled: bool
    doc: YamlDoc
    namespace: str | None  # destination namespace
    helm: tuple[HelmSource, ...] = ()
    directories: tuple[DirectorySource, ...] = ()
    remote_sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Chart:
    """A chart directory (one with a Chart.yaml) in the repo."""

    dir: str
    name: str
    version: Any  # as written: may be a float or missing, which CH rules report
    chart_doc: YamlDoc
    values_doc: YamlDoc | None
    dependencies: tuple[Mapping[str, Any], ...] = ()
    vendored: tuple[str, ...] = ()  # names/aliases of dependencies present under charts/
    templates: tuple[Template, ...] = ()  # the chart's own templates/ files, scanned
    values_ok: bool = True  # False when values.yaml is unreadable, unparsable or not a mapping
    lock_doc: YamlDoc | None = None  # Chart.lock, when present
    helmignore: tuple[str, ...] = ()  # the chart's .helmignore patterns


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


@dataclass(frozen=True)
class Suppression:
    """An inline `# m0sh1-lint: disable=...` comment or an `m0sh1-lint.io/ignore` annotation."""

    location: Location
    rules: tuple[str, ...]  # ids, names or family prefixes
    reason: str
    resource: ResourceId | None = None  # set for annotation suppressions


@dataclass(frozen=True)
class Problem:
    """A loading problem: becomes an LD/AR finding; the run goes on."""

    rule: str
    location: Location
    fields: Mapping[str, Any] = field(default_factory=dict)


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


@dataclass(frozen=True)
class GitState:
    """The comparison base and what differs from it.

    `mode` is "base" (merge base with --base REF vs the working tree), "staged" (HEAD vs the
    index, in a pre-commit run) or "worktree" (HEAD vs the working tree).
    """

    mode: str
    base: str  # a commit id
    described: str  # how messages name the base ("origin/main (merge base 1a2b3c4)")
    changed: tuple[str, ...]  # repo-relative paths that differ from the base (added, modified, deleted)


@dataclass(frozen=True)
class History:
    """Git's view for the CH rules: the state, and the parsed base and current documents of the
    files they compare (None: the file is absent or not YAML)."""

    state: GitState | None
    error: str | None = None
    old_data: Mapping[str, Any] = field(default_factory=dict)
    new_data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RepoModel:
    root: Path
    applications: tuple[Application, ...]
    charts: tuple[Chart, ...]
    renderings: tuple[Rendering, ...]
    resources: tuple[Resource, ...]
    problems: tuple[Problem, ...]
    kustomizations: tuple[str, ...]  # every kustomization file an Application builds
    suppressions: tuple[Suppression, ...] = ()  # inline comments and resource annotations
    nodes: tuple[Node, ...] = ()  # the node inventory (loaders/nodes.py); empty when none is described
