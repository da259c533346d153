"""Indexes over the repo model, built once per run; checks look things up here, never rescan."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from . import shapes
from .config import Config
from .model import History, Node, RepoModel, Resource
from .secrets import ProducedSecret, SecretRef, index, produced_secrets, secret_references

DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class"
BUILTIN_PRIORITY_CLASSES = ("system-cluster-critical", "system-node-critical")


@dataclass(frozen=True)
class Inventory:
    model: RepoModel
    config: Config
    by_kind: Mapping[str, tuple[Resource, ...]]
    # StorageClass name → the objects defining it, split by whether an enabled app deploys them
    storage_classes: Mapping[str, tuple[Resource, ...]]
    undeployed_storage_classes: Mapping[str, tuple[Resource, ...]]
    default_storage_classes: tuple[str, ...]
    # (namespace, name) → every Secret some object would produce (deployed or not), and references
    secrets: Mapping[tuple[str | None, str], tuple[ProducedSecret, ...]] = field(default_factory=dict)
    secret_refs: tuple[SecretRef, ...] = ()
    # nodes (config, kubectl snapshot, Ansible) and PriorityClass name → defining objects
    nodes: tuple[Node, ...] = ()
    priority_classes: Mapping[str, tuple[Resource, ...]] = field(default_factory=dict)
    undeployed_priority_classes: Mapping[str, tuple[Resource, ...]] = field(default_factory=dict)

    def priority_class_known(self, name: str, app: str | None = None) -> bool:
        """Built in, defined by an enabled app or the config; for an undeployed workload, also by its own app."""
        if name in self.priority_classes or name in BUILTIN_PRIORITY_CLASSES or name in self.config.cluster_priority_classes:
            return True
        return app is not None and any(r.app == app for r in self.undeployed_priority_classes.get(name, ()))

    def known_priority_classes(self) -> list[str]:
        return sorted(set(self.priority_classes) | set(BUILTIN_PRIORITY_CLASSES) | set(self.config.cluster_priority_classes))
    history: History | None = None  # git changes for the CH rules; None when not asked for
    # With --changed: the changed files. Checks whose findings on an object depend only on that
    # object's own files (schema validation) may skip the others; the rest ignore it.
    focus: frozenset[str] | None = None
    # Results that several rules of one check share (one validation pass for KV001 and KV004).
    # It lives and dies with this run's inventory; nothing is cached across runs.
    _memo: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def memo(self, key: str, compute: Callable[[], Any]) -> Any:
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def in_focus(self, resource: Resource) -> bool:
        if self.focus is None:
            return True
        files = {resource.doc.path}
        if resource.render is not None:
            files.update(layer.doc.path for layer in resource.render.values if layer.doc is not None)
        return not files.isdisjoint(self.focus)

    def secrets_for(self, namespace: str | None, name: str, app: str | None = None) -> list[ProducedSecret]:
        """Deployed producers of a Secret; for an undeployed referrer also its own app's."""
        return [s for s in self.secrets.get((namespace, name), ()) if s.deployed or (app is not None and s.resource is not None and s.resource.app == app)]

    def storage_class_known(self, name: str, app: str | None = None) -> bool:
        """Defined by an enabled app or the config; for an undeployed object, also by its own app."""
        if name in self.storage_classes or name in self.config.cluster_storage_classes:
            return True
        return app is not None and any(r.app == app for r in self.undeployed_storage_classes.get(name, ()))

    def known_storage_classes(self) -> list[str]:
        return sorted(set(self.storage_classes) | set(self.config.cluster_storage_classes))

    def storage_class_files(self) -> list[str]:
        return sorted({r.doc.path for defs in self.storage_classes.values() for r in defs})


def build_inventory(model: RepoModel, config: Config, producers: Sequence[Mapping[str, Any]] = (),
                    references: Sequence[Mapping[str, Any]] = (), history: History | None = None,
                    focus: frozenset[str] | None = None) -> Inventory:
    by_kind: dict[str, list[Resource]] = defaultdict(list)
    for resource in model.resources:
        by_kind[resource.id.kind].append(resource)
    deployed: dict[str, list[Resource]] = defaultdict(list)
    undeployed: dict[str, list[Resource]] = defaultdict(list)
    defaults: set[str] = set()
    for sc in by_kind.get("StorageClass", []):
        if not sc.id.api_version.startswith("storage.k8s.io/"):
            continue
        (deployed if sc.deployed else undeployed)[sc.id.name].append(sc)
        annotations = shapes.annotations(sc.data)
        if sc.deployed and str(annotations.get(DEFAULT_CLASS_ANNOTATION, "")).lower() == "true":
            defaults.add(sc.id.name)
    if config.default_storage_class:
        defaults.add(config.default_storage_class)
    secrets = index(produced_secrets(model.resources, list(producers), config.cluster_secrets))
    charts = {chart.dir: chart for chart in model.charts}
    refs = secret_references(model.resources, model.renderings, charts, list(references))
    priority: tuple[dict[str, list[Resource]], dict[str, list[Resource]]] = (defaultdict(list), defaultdict(list))
    for pc in by_kind.get("PriorityClass", []):
        if pc.id.api_version.startswith("scheduling.k8s.io/"):
            priority[0 if pc.deployed else 1][pc.id.name].append(pc)
    return Inventory(
        model,
        config,
        {k: tuple(v) for k, v in by_kind.items()},
        {k: tuple(v) for k, v in deployed.items()},
        {k: tuple(v) for k, v in undeployed.items()},
        tuple(sorted(defaults)),
        {k: tuple(v) for k, v in secrets.items()},
        tuple(refs),
        history=history,
        focus=focus,
        nodes=model.nodes,
        priority_classes={k: tuple(v) for k, v in priority[0].items()},
        undeployed_priority_classes={k: tuple(v) for k, v in priority[1].items()},
    )
