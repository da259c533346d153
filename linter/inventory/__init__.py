"""The inventory: indexes of what the cluster will contain, built once per run from the model."""

from .inventory import BUILTIN_PRIORITY_CLASSES, Inventory, NamedObjects, SecretKey, build_inventory
from .secrets import ProducedSecret

__all__ = ["BUILTIN_PRIORITY_CLASSES", "Inventory", "NamedObjects", "ProducedSecret", "SecretKey", "build_inventory"]
