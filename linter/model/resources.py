"""Kubernetes objects as the repo describes them, and the Helm releases that rendered them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from .yamldoc import Location, YamlDoc, YamlPath, get_path

ValuesPath = tuple[str, ...]  # a `.Values` path read by a template; "*" stands for any key or index

# Kinds that have no namespace; every other kind gets the release or destination namespace.
CLUSTER_SCOPED_KINDS = frozenset(
    {
        "Namespace",
        "Node",
        "PersistentVolume",
        "StorageClass",
        "CSIDriver",
        "VolumeSnapshotClass",
        "ClusterRole",
        "ClusterRoleBinding",
        "CustomResourceDefinition",
        "PriorityClass",
        "IngressClass",
        "RuntimeClass",
        "APIService",
        "MutatingWebhookConfiguration",
        "ValidatingWebhookConfiguration",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "ClusterIssuer",
        "ClusterSecretStore",
        "ClusterPolicy",
        "GatewayClass",
        "IPAddressPool",
    }
)


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
        return {"apiVersion": self.api_version, "kind": self.kind, "namespace": self.namespace, "name": self.name}


class SourceKind(str, Enum):
    RENDERED = "rendered"  # produced by a Helm template
    MANIFEST = "manifest"  # a plain YAML file in the repo
    GENERATED = "generated"  # made by a kustomize generator


@dataclass(frozen=True)
class LineRefs:
    """`.Values` paths used on one template line, and any `default "X"` literals on it.

    `tested` are the paths of `values` that the line only tests (`if X`, `with X`): their
    presence matters, not what is below them."""

    values: tuple[ValuesPath, ...]
    defaults: tuple[str, ...]
    tested: tuple[ValuesPath, ...] = ()


@dataclass(frozen=True)
class Template:
    """A chart template as written in the repo, with the `.Values` paths each line uses."""

    path: str  # repo-relative path of the template file (or of the .tgz it came from)
    source: str  # template text ("" when it could not be read)
    refs: Mapping[int, LineRefs] = field(default_factory=dict)


@dataclass(frozen=True)
class ValuesLayer:
    """One source of Helm values. Layers are kept in Argo CD's precedence order, lowest first.

    `doc` is None for values without a file position of their own (then `location` is used).
    `prefix` is where the layer's data sits inside `doc` (e.g. an Application's
    spec.source.helm.valuesObject, or `harbor` for a subchart's share of a values file).
    """

    label: str
    data: Mapping[str, Any] = field(compare=False)
    doc: YamlDoc | None = field(compare=False)
    prefix: YamlPath = ()
    location: Location | None = None

    def locate(self, vpath: YamlPath) -> Location:
        if self.doc is not None:
            return self.doc.location(self.prefix + vpath)
        assert self.location is not None, "a layer without a document carries a location"
        return self.location

    def file_path(self, vpath: YamlPath) -> YamlPath | None:
        """Where `vpath` sits in the layer's file (for fixes); None when the layer has no file."""
        return self.prefix + vpath if self.doc is not None else None


IN_CLUSTER = "in-cluster"  # the cluster an Argo CD instance runs in (https://kubernetes.default.svc)


@dataclass(frozen=True)
class Viewer:
    """Who looks something up: it sees the objects deployed to its cluster and, when it is itself
    staged (`staged_app`), the objects its own Application would deploy."""

    cluster: str = IN_CLUSTER
    staged_app: str | None = None


@dataclass(frozen=True)
class UnrenderedChart:
    """A chart an Application deploys that could not be had (LD010), or a source of its in
    another repository (AR012), and so rendered nothing: what it would create is unknown, but its
    values and release name hint at the names."""

    chart: str  # the chart's name
    release_name: str
    namespaces: tuple[str, ...]  # where its objects may land: the release's, the destination's
    app: str | None  # the Application's name
    values: tuple[ValuesLayer, ...]  # the values it would have got


@dataclass(frozen=True)
class Rendering:
    """One chart rendered for one release: the values it got and what its templates read."""

    chart_dir: str
    app: str | None
    deployed: bool
    release_name: str
    namespace: str  # the release namespace (`.Release.Namespace`)
    values: tuple[ValuesLayer, ...]  # chart values.yaml first, then the Application's layers
    used_values: frozenset[ValuesPath]  # `.Values` paths the chart's own templates read
    rendered_subcharts: tuple[str, ...]  # dependency names/aliases whose templates render (vendored)
    cluster: str = IN_CLUSTER
    staged: bool = False  # see Resource.staged
    destination_namespace: str | None = None  # where its objects without a namespace land

    @property
    def checked(self) -> bool:
        return self.deployed or self.staged

    @property
    def viewer(self) -> Viewer:
        return Viewer(self.cluster, self.app if self.staged else None)

    def values_files(self) -> tuple[str, ...]:
        """The files its values come from (a layer with no file of its own, such as an
        Application's `parameters`, by the file that sets it)."""
        return tuple(layer.doc.path if layer.doc is not None else layer.locate(()).path for layer in self.values)


@dataclass(frozen=True)
class RenderOrigin:
    """Where a rendered object came from: which release, template and subchart produced it.

    The object's YamlDoc positions are already template lines (loaders/helm/align.py), except for
    a fetched chart's objects: those point at the line that selects the chart, and `trace` is the
    same document with template-line positions (provenance reads which `.Values` a line uses).
    """

    chart_dir: str
    template: Template
    rendering: Rendering = field(compare=False, repr=False)
    subchart: tuple[str, ...] = ()  # the subchart (by alias) whose template it is, parent first
    from_archive: bool = False
    trace: YamlDoc | None = field(default=None, compare=False, repr=False)
    upstream: str | None = None  # "redis 17.3.2 from https://…" for a fetched chart's object


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
    cluster: str = IN_CLUSTER  # the destination cluster of the Application that deploys it
    # Deployed by an Application the config stages (paths.disabledApplications): not synced, so
    # it counts for nobody else, but checked as it would be once enabled.
    staged: bool = False

    @property
    def checked(self) -> bool:
        """Do checks look at it: deployed, or staged."""
        return self.deployed or self.staged

    @property
    def data(self) -> Any:
        return self.doc.data

    def get(self, ypath: YamlPath, default: Any = None) -> Any:
        return get_path(self.doc.data, ypath, default)

    @property
    def viewer(self) -> Viewer:
        return Viewer(self.cluster, self.app if self.staged else None)
