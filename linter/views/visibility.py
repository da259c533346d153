"""Visibility: which objects a referrer can count on.

A cluster contains what enabled Applications deploy to it; an object deployed to another cluster
(an Argo CD instance managing several) counts only there. An object no enabled Application
deploys is not checked and counts for nobody, except for a staged one (an Application the config
lists under paths.disabledApplications): it is checked as it would be once enabled, so for its
own references the objects of its own Application count too.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..inventory import BUILTIN_PRIORITY_CLASSES, Inventory, NamedObjects, ProducedSecret
from ..model import Resource, Viewer


def visible(target: Resource, viewer: Viewer) -> bool:
    """Does `viewer` see `target`: deployed to the viewer's cluster, or staged with the viewer."""
    if target.cluster != viewer.cluster:
        return False
    return target.deployed or (target.staged and viewer.staged_app is not None and target.app == viewer.staged_app)


class Visibility:
    def __init__(self, inventory: Inventory) -> None:
        self.inventory = inventory

    def of_kind(self, selector: str, viewer: Viewer) -> list[Resource]:
        """Objects of a kind ("Kind" or "group/Kind") that `viewer` sees."""
        return [r for r in self.inventory.of_kind(selector) if visible(r, viewer)]

    def named(self, objects: NamedObjects, name: str, viewer: Viewer, extra: Iterable[str] = ()) -> bool:
        """Does `viewer` see an object called `name` (or is it one the cluster has anyway)?"""
        if name in extra or any(visible(r, viewer) for r in objects.deployed.get(name, ())):
            return True
        return viewer.staged_app is not None and any(visible(r, viewer) for r in objects.undeployed.get(name, ()))

    def storage_class(self, name: str, viewer: Viewer) -> bool:
        return self.named(self.inventory.storage_classes, name, viewer, self.inventory.config.cluster_storage_classes)

    def storage_class_anywhere(self, name: str) -> bool:
        """Is `name` a StorageClass of some cluster (for a chart template, which any release may use)?"""
        config_names = self.inventory.config.cluster_storage_classes
        return name in config_names or name in self.inventory.storage_classes.deployed

    def priority_class(self, name: str, viewer: Viewer) -> bool:
        extra = (*BUILTIN_PRIORITY_CLASSES, *self.inventory.config.cluster_priority_classes)
        return self.named(self.inventory.priority_classes, name, viewer, extra)

    def secrets(self, namespace: str | None, name: str, viewer: Viewer) -> list[ProducedSecret]:
        """The producers of a Secret that `viewer` can count on."""
        return [
            s
            for s in self.inventory.secrets.get((namespace, name), ())
            if (s.resource is None and s.deployed) or (s.resource is not None and visible(s.resource, viewer))
        ]
