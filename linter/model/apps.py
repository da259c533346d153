"""Argo CD Applications as the repo declares them, and what each of their sources is.

The loaders (loaders/argocd/) find every Application and ApplicationSet by content, walk the
graph from its roots as Argo CD syncs it, and record here what they found: where each
Application came from, whether it will be synced and why, and each source's kind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from .resources import IN_CLUSTER, ValuesLayer
from .yamldoc import YamlDoc, YamlPath

SourceType = Literal["helm", "directory", "kustomize", "remote-helm", "external", "ref", "unsupported"]


@dataclass(frozen=True)
class ChartRef:
    """A chart from a Helm repository (`repoURL` + `chart`) or an OCI registry (`oci://` + path)."""

    repo_url: str
    name: str
    version: str | None  # targetRevision: a version or a range


@dataclass(frozen=True)
class HelmSource:
    """A chart rendered as one Helm release: in this repository (`chart_dir`), or remote (`remote`,
    with `chart_dir` "")."""

    chart_dir: str  # repo-relative chart directory
    release_name: str
    value_files: tuple[str, ...]  # repo-relative paths, in order
    values_layers: tuple[ValuesLayer, ...] = ()  # inline values/valuesObject/parameters, in order
    namespace: str | None = None  # helm.namespace; None: the destination namespace
    skip_crds: bool = False
    kube_version: str | None = None
    api_versions: tuple[str, ...] = ()
    remote: ChartRef | None = None
    skip_schema_validation: bool = False  # helm.skipSchemaValidation (--skip-schema-validation)
    forced_namespace: str | None = None  # a kustomization's namespace: every object lands there


@dataclass(frozen=True)
class DirectorySource:
    """A directory of this repository: plain manifests, or a kustomization."""

    path: str
    recurse: bool = False
    include: str | None = None
    exclude: str | None = None
    # the Application's own kustomize options (spec.source.kustomize), applied outermost
    name_prefix: str = ""
    name_suffix: str = ""
    namespace: str | None = None
    components: tuple[str, ...] = ()
    # what Argo CD passes kustomize for its helmCharts (--helm-kube-version, --helm-api-versions)
    kube_version: str | None = None
    api_versions: tuple[str, ...] = ()


@dataclass(frozen=True)
class SourceInfo:
    """What one source of an Application is (for `inventory apps` and the AR rules)."""

    type: SourceType
    where: YamlPath  # ("spec", "source") or ("spec", "sources", i)
    repo_url: str = ""
    path: str | None = None  # repo-relative, for sources in this repository
    chart: str | None = None
    target_revision: str | None = None
    ref: str | None = None
    reason: str = ""  # for external and unsupported sources: why it is not checked
    plugin: bool = False  # a config management plugin renders it
    objects: int = 0  # how many objects it deploys


@dataclass(frozen=True)
class Application:
    """An Argo CD Application: declared in a file, rendered by a parent, or generated."""

    key: str  # unique in the repo: "<file>#<document>", or parent key + "/" + name
    name: str
    enabled: bool  # will Argo CD sync it?
    doc: YamlDoc
    destination_namespace: str | None
    helm: tuple[HelmSource, ...] = ()
    directories: tuple[DirectorySource, ...] = ()
    sources: tuple[SourceInfo, ...] = ()
    why: str = ""  # in words: why it is (or is not) synced
    app_namespace: str | None = None  # metadata.namespace (where the Application object lives)
    project: str = "default"
    cluster: str = IN_CLUSTER  # the destination cluster
    parent: str | None = None  # key of the Application that deploys it
    generated_by: str | None = None  # key of the ApplicationSet that generated it
    origin: Literal["manifest", "rendered", "generated", "bootstrap"] = "manifest"
    create_namespace: bool = False  # syncOptions CreateNamespace=true
    children: tuple[str, ...] = field(default=(), compare=False)  # keys of the Applications it deploys
    staged: bool = False  # disabled by paths.disabledApplications, checked as if enabled

    @property
    def file(self) -> str:
        return self.doc.path


@dataclass(frozen=True)
class ApplicationSet:
    """An ApplicationSet, and the Applications its generators make."""

    key: str
    name: str
    doc: YamlDoc
    namespace: str | None
    generated: tuple[str, ...] = ()  # keys of the Applications it generated
    enabled: bool = True
    parent: str | None = None
