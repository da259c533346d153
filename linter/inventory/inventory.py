"""Indexes over the repo model, built once per run; checks and views look things up here.

Only plain indexes live here (objects by kind, StorageClasses, PriorityClasses, the Secrets
producers make, nodes, git history). What is derived from them with Kubernetes or Helm
semantics (who may see what, pod templates, values precedence) is in views/.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ..model import Chart, Config, History, Node, Rendering, RepoModel, Resource, ResourceId
from ..model.objpath import kind_matches
from ..model.shapes import annotations_of
from .distributions import DISTRIBUTION_STORAGE_CLASSES
from .embedded import embedded_objects
from .secrets import ProducedSecret, config_secrets, produced_secrets

DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class"
BUILTIN_PRIORITY_CLASSES = ("system-cluster-critical", "system-node-critical")

SecretKey = tuple[str | None, str]  # (namespace, name)


@dataclass(frozen=True)
class NamedObjects:
    """Objects of one kind by name, split by whether an enabled Application deploys them."""

    deployed: Mapping[str, tuple[Resource, ...]] = field(default_factory=dict)
    undeployed: Mapping[str, tuple[Resource, ...]] = field(default_factory=dict)

    def names(self, cluster: str) -> set[str]:
        """Names of the objects deployed to `cluster`."""
        return {name for name, found in self.deployed.items() if any(r.cluster == cluster for r in found)}

    def files(self, cluster: str | None = None) -> tuple[str, ...]:
        """Files that define a deployed object of this kind (in `cluster`, when given)."""
        return tuple(
            sorted(
                {
                    r.doc.path
                    for group in self.deployed.values()
                    for r in group
                    if cluster is None or r.cluster == cluster
                }
            )
        )

    def all_files(self) -> tuple[str, ...]:
        """Files that define one, deployed or not (editing one can cause or cure a reference finding)."""
        groups = list(self.deployed.values()) + list(self.undeployed.values())
        return tuple(sorted({r.doc.path for group in groups for r in group}))


@dataclass(frozen=True)
class Inventory:
    """What the cluster(s) will contain. `by_kind` and `renderings` hold only what checks look
    at: objects an enabled Application deploys, and those of staged Applications (Resource.staged).
    Checks never look at the references of an object Argo CD does not sync."""

    model: RepoModel
    config: Config
    by_kind: Mapping[str, tuple[Resource, ...]]
    storage_classes: NamedObjects
    default_storage_classes: tuple[str, ...]
    priority_classes: NamedObjects
    # (namespace, name) → every Secret some object would produce (deployed or not)
    secrets: Mapping[SecretKey, tuple[ProducedSecret, ...]] = field(default_factory=dict)
    secrets_by_name: Mapping[str, tuple[ProducedSecret, ...]] = field(default_factory=dict)
    renderings: tuple[Rendering, ...] = ()  # the releases checks look at (deployed or staged)
    nodes: tuple[Node, ...] = ()
    charts: Mapping[str, Chart] = field(default_factory=dict)  # chart directory → chart
    history: History | None = None  # git changes for the CH rules; None when not asked for
    # With --changed: the changed files. Checks may skip objects whose findings cannot be kept
    # (may_keep); the rest ignore it.
    focus: frozenset[str] | None = None
    # Every object of a kind, deployed or not: only for saying where an unusable one is defined.
    all_by_kind: Mapping[str, tuple[Resource, ...]] = field(default_factory=dict)

    def of_kind(self, selector: str) -> tuple[Resource, ...]:
        """Checked objects of a kind: "Kind" (any group) or "group/Kind" (that group only)."""
        return _select(self.by_kind, selector)

    def defined_anywhere(self, selector: str) -> tuple[Resource, ...]:
        """Every object of a kind the repo describes, deployed or not."""
        return _select(self.all_by_kind, selector)

    @cached_property
    def object_files(self) -> Mapping[ResourceId, frozenset[str]]:
        """The files each object comes from (its document, and for a rendered one the values
        files of its release), over every object of that identity."""
        files: dict[ResourceId, set[str]] = defaultdict(set)
        for resource in (r for group in self.all_by_kind.values() for r in group):
            paths = files[resource.id]
            paths.add(resource.doc.path)
            if resource.render is not None:
                paths.update(resource.render.rendering.values_files())
        return {rid: frozenset(paths) for rid, paths in files.items()}

    def may_keep(self, resource: ResourceId, related: Iterable[str] = ()) -> bool:
        """--changed: can a finding about this object, pointing into its own files, be kept?
        (post/changed.py keeps it when one of those or of its `related` files changed.) Checks
        ask before the work a finding costs (provenance, suggestions) on a large repository."""
        if self.focus is None:
            return True
        return resource in self._touched or not self.focus.isdisjoint(related)

    @cached_property
    def _touched(self) -> frozenset[ResourceId]:
        """--changed: the objects one of whose files changed (may_keep asks for thousands)."""
        focus = self.focus or frozenset()
        return frozenset(rid for rid, files in self.object_files.items() if not focus.isdisjoint(files))

    def release_may_keep(self, rendering: Rendering, related: Iterable[str] = ()) -> bool:
        """--changed: can a finding about a release's values (at its values files, about what its
        chart's templates read) be kept? As may_keep, for checks that judge releases."""
        if self.focus is None:
            return True
        chart = self.charts.get(rendering.chart_dir)
        files = (*rendering.values_files(), *(chart.template_paths if chart is not None else ()), *related)
        return not self.focus.isdisjoint(files)

    def known_storage_classes(self) -> list[str]:
        return sorted(set(self.storage_classes.deployed) | set(self.config.cluster_storage_classes))

    def distribution_storage_class(self, name: str) -> str | None:
        """The distribution that installs StorageClass `name` itself (k3s: `local-path`), unless
        the config lists the cluster's classes, which are then the whole truth."""
        return None if self.config.cluster_storage_classes else DISTRIBUTION_STORAGE_CLASSES.get(name)

    def known_priority_classes(self) -> list[str]:
        names = (
            set(self.priority_classes.deployed)
            | set(BUILTIN_PRIORITY_CLASSES)
            | set(self.config.cluster_priority_classes)
        )
        return sorted(names)


def _select(index: Mapping[str, tuple[Resource, ...]], selector: str) -> tuple[Resource, ...]:
    found = index.get(selector.rsplit("/", 1)[-1], ())
    return found if "/" not in selector else tuple(r for r in found if kind_matches(selector, r.id))


def _named(resources: Iterable[Resource], group_prefix: str) -> NamedObjects:
    deployed: dict[str, list[Resource]] = defaultdict(list)
    undeployed: dict[str, list[Resource]] = defaultdict(list)
    for resource in resources:
        if resource.id.api_version.startswith(group_prefix):
            (deployed if resource.deployed else undeployed)[resource.id.name].append(resource)
    return NamedObjects({k: tuple(v) for k, v in deployed.items()}, {k: tuple(v) for k, v in undeployed.items()})


def build_inventory(
    model: RepoModel,
    config: Config,
    producers: Sequence[Mapping[str, Any]] = (),
    history: History | None = None,
    focus: frozenset[str] | None = None,
    embedded: Sequence[Mapping[str, Any]] = (),
) -> Inventory:
    """The indexes, over the repository's objects and those operators create from objects that
    hold their YAML (`embedded` specs: Longhorn's StorageClass in a ConfigMap)."""
    resources = (*model.resources, *embedded_objects(model.resources, embedded))
    by_kind: dict[str, list[Resource]] = defaultdict(list)
    all_by_kind: dict[str, list[Resource]] = defaultdict(list)
    for resource in resources:
        all_by_kind[resource.id.kind].append(resource)
        if resource.checked:
            by_kind[resource.id.kind].append(resource)
    storage_classes = _named((r for r in resources if r.id.kind == "StorageClass"), "storage.k8s.io/")
    defaults = {
        sc.id.name
        for group in storage_classes.deployed.values()
        for sc in group
        if str(annotations_of(sc.data).get(DEFAULT_CLASS_ANNOTATION, "")).lower() == "true"
    }
    if config.default_storage_class:
        defaults.add(config.default_storage_class)
    secrets: dict[SecretKey, list[ProducedSecret]] = defaultdict(list)
    by_name: dict[str, list[ProducedSecret]] = defaultdict(list)
    for secret in produced_secrets(
        resources, list(producers), [*config_secrets(config.cluster_secrets), *model.declared_secrets]
    ):
        secrets[(secret.namespace, secret.name)].append(secret)
        by_name[secret.name].append(secret)
    return Inventory(
        model,
        config,
        {k: tuple(v) for k, v in by_kind.items()},
        storage_classes,
        tuple(sorted(defaults)),
        _named((r for r in resources if r.id.kind == "PriorityClass"), "scheduling.k8s.io/"),
        {k: tuple(v) for k, v in secrets.items()},
        {k: tuple(v) for k, v in by_name.items()},
        tuple(r for r in model.renderings if r.checked),
        model.nodes,
        {chart.dir: chart for chart in model.charts},
        history=history,
        focus=focus,
        all_by_kind={k: tuple(v) for k, v in all_by_kind.items()},
    )
