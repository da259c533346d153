"""Indexes over the repo model, built once per run; checks look things up here, never rescan."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from .config import Config
from .loaders.repo import RepoModel
from .model import Resource
from .loaders.git import History
from .secrets import ProducedSecret, SecretRef, index, produced_secrets, secret_references

DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class"


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
    history: History | None = None  # git changes for the CH rules; None when not asked for

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
                    references: Sequence[Mapping[str, Any]] = (), history: History | None = None) -> Inventory:
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
        annotations = (sc.data.get("metadata") or {}).get("annotations") or {}
        if sc.deployed and str(annotations.get(DEFAULT_CLASS_ANNOTATION, "")).lower() == "true":
            defaults.add(sc.id.name)
    if config.default_storage_class:
        defaults.add(config.default_storage_class)
    secrets = index(produced_secrets(model.resources, list(producers), config.cluster_secrets))
    charts = {chart.dir: chart for chart in model.charts}
    refs = secret_references(model.resources, model.renderings, charts, list(references))
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
    )
