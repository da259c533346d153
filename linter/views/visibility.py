"""Visibility: which objects a referrer can count on.

The cluster contains what enabled Applications deploy. An object only a disabled Application
(or no Application) deploys is linted, but counts for nobody else; for its own references, the
objects deployed together with it (same Application, else chart, else directory) count too, so a
disabled app is checked as it would be once enabled.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..inventory import BUILTIN_PRIORITY_CLASSES, Inventory, NamedObjects, ProducedSecret
from ..model import Resource, Viewer


def visible(target: Resource, viewer: Viewer) -> bool:
    """Does `viewer` see `target`: deployed, or deployed together with an undeployed viewer."""
    return target.deployed or (not viewer.deployed and target.unit == viewer.unit)


class Visibility:
    def __init__(self, inventory: Inventory) -> None:
        self.inventory = inventory

    def of_kind(self, selector: str, viewer: Viewer) -> list[Resource]:
        """Objects of a kind ("Kind" or "group/Kind") that `viewer` sees."""
        return [r for r in self.inventory.of_kind(selector) if visible(r, viewer)]

    def named(self, objects: NamedObjects, name: str, viewer: Viewer, extra: Iterable[str] = ()) -> bool:
        """Does `viewer` see an object called `name` (or is it one the cluster has anyway)?"""
        if name in objects.deployed or name in extra:
            return True
        return any(visible(r, viewer) for r in objects.undeployed.get(name, ()))

    def storage_class(self, name: str, viewer: Viewer) -> bool:
        return self.named(self.inventory.storage_classes, name, viewer, self.inventory.config.cluster_storage_classes)

    def priority_class(self, name: str, viewer: Viewer) -> bool:
        extra = (*BUILTIN_PRIORITY_CLASSES, *self.inventory.config.cluster_priority_classes)
        return self.named(self.inventory.priority_classes, name, viewer, extra)

    def secrets(self, namespace: str | None, name: str, viewer: Viewer) -> list[ProducedSecret]:
        """The producers of a Secret that `viewer` can count on."""
        return [
            s
            for s in self.inventory.secrets.get((namespace, name), ())
            if s.deployed or (s.resource is not None and visible(s.resource, viewer))
        ]
