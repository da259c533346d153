"""ClaimSpecs: every place an object asks for storage, and the StorageClass it names.

Where objects name a StorageClass: PVCs and PVs (`spec.storageClassName`), StatefulSet
volumeClaimTemplates, generic ephemeral volumes in pod specs, and CloudNativePG Clusters
(`spec.storage`, `spec.walStorage`, `spec.tablespaces[*].storage`: `storageClass` wins over
`pvcTemplate.storageClassName`; `spec.ephemeralVolumeSource`). An omitted class means the
cluster's default class, except for a PersistentVolume, where it means no class at all.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ..inventory import Inventory
from ..model import Resource, YamlPath, get_path
from ..model.objpath import POD_SPECS, expand_path

NO_CLASS = ("", "-")  # "" is "no class"; Harbor's chart renders "-" as ""


@dataclass(frozen=True)
class ClaimSite:
    """Where one kind keeps claim specs: `at` holds the spec, `fields` are tried in order."""

    kinds: tuple[str, ...] = field(metadata={"doc": "Kinds (`Kind` or `group/Kind`) that hold claim specs."})
    at: str = field(metadata={"doc": "Path of each claim spec (`[*]` expands lists)."})
    fields: tuple[str, ...] = field(metadata={"doc": "Class fields under the spec, the first present wins."})
    omitted: Literal["default", "none"] = field(
        default="default", metadata={"doc": "What a missing field means: the default class, or no class."}
    )


CLAIM_SITES: tuple[ClaimSite, ...] = (
    ClaimSite(("PersistentVolumeClaim",), "spec", ("storageClassName",)),
    ClaimSite(("PersistentVolume",), "spec", ("storageClassName",), "none"),
    ClaimSite(("StatefulSet",), "spec.volumeClaimTemplates[*].spec", ("storageClassName",)),
    *(
        ClaimSite((kind,), f"{pod}.volumes[*].ephemeral.volumeClaimTemplate.spec", ("storageClassName",))
        for kind, pod in POD_SPECS.items()
    ),
    *(
        ClaimSite(("postgresql.cnpg.io/Cluster",), at, ("storageClass", "pvcTemplate.storageClassName"))
        for at in ("spec.storage", "spec.walStorage", "spec.tablespaces[*].storage")
    ),
    ClaimSite(
        ("postgresql.cnpg.io/Cluster",), "spec.ephemeralVolumeSource.volumeClaimTemplate.spec", ("storageClassName",)
    ),
)


@dataclass(frozen=True)
class Claim:
    """One claim spec: the object, where the spec is, and the StorageClass field it sets (if any)."""

    resource: Resource
    holder: YamlPath
    field: YamlPath | None  # None: no class field at all
    value: Any
    site: ClaimSite

    @property
    def class_name(self) -> str | None:
        """The class it names; None when it names none (omitted, empty or `-`)."""
        if self.field is None or self.value is None or str(self.value) in NO_CLASS:
            return None
        return str(self.value)

    @property
    def uses_default(self) -> bool:
        """It names no class and falls back to the cluster's default class."""
        return (self.field is None or self.value is None) and self.site.omitted == "default"


def claims(inventory: Inventory, sites: Sequence[ClaimSite] = CLAIM_SITES) -> Iterator[Claim]:
    for site in sites:
        for kind in site.kinds:
            for resource in inventory.of_kind(kind):
                for holder in expand_path(resource.data, site.at):
                    yield _claim(resource, holder, site)


def _claim(resource: Resource, holder: YamlPath, site: ClaimSite) -> Claim:
    spec = get_path(resource.data, holder)
    for name in site.fields:
        path = tuple(name.split("."))
        if isinstance(spec, dict) and get_path(spec, path) is not None:
            return Claim(resource, holder, holder + path, get_path(spec, path), site)
    return Claim(resource, holder, None, None, site)
