"""What the CloudNativePG checks share: kinds, plugin entries, ObjectStore lookups, findings.

The facts behind each check are in docs/reference/cnpg.md: CNPG's CRDs and admission webhook,
the barman-cloud library and the Barman Cloud plugin. A finding points at the field to edit;
`views.locate` moves it to the values-file line when the value came from values.
Cross-object lookups (ObjectStores, Clusters) see what the cluster will contain
(views/visibility.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ...model import Resource, Violation, YamlPath, format_path
from ...views import Views

CLUSTER = "postgresql.cnpg.io/Cluster"
SCHEDULED_BACKUP = "postgresql.cnpg.io/ScheduledBackup"
OBJECT_STORE = "barmancloud.cnpg.io/ObjectStore"
BARMAN_PLUGIN = "barman-cloud.cloudnative-pg.io"
BASE_FIELDS = frozenset({"kind", "name", "namespace", "field"})
PROBLEM_FIELDS = BASE_FIELDS | {"problem", "fix"}

# (path of the offending field, relative to the checked block), problem, fix, did-you-mean
Problem = tuple[YamlPath, str, str, tuple[str, ...]]


@dataclass(frozen=True)
class PluginParams:
    plugin_name: str = field(
        default=BARMAN_PLUGIN, metadata={"doc": "The name of the Barman Cloud plugin.", "schema": {"minLength": 1}}
    )


def namespace(resource: Resource) -> str:
    return resource.id.namespace or "default"


def mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def violation(
    views: Views, resource: Resource, ypath: YamlPath, fields: Mapping[str, object], suggestions: Iterable[str] = ()
) -> Violation:
    base = {
        "kind": resource.id.kind,
        "name": resource.id.name,
        "namespace": namespace(resource),
        "field": format_path(ypath),
    }
    return Violation(views.locate(resource, ypath), {**base, **fields}, resource.id, tuple(suggestions))


def plugins(cluster: Resource) -> list[tuple[YamlPath, dict[str, Any]]]:
    entries = cluster.get(("spec", "plugins"))
    if not isinstance(entries, list):
        return []
    return [(("spec", "plugins", i), p) for i, p in enumerate(entries) if isinstance(p, dict)]


def enabled(plugin: Mapping[str, Any]) -> bool:
    return plugin.get("enabled") is not False  # CRD default: true


def wal_archivers(cluster: Resource) -> list[tuple[YamlPath, dict[str, Any]]]:
    return [(path, p) for path, p in plugins(cluster) if p.get("isWALArchiver") is True and enabled(p)]


def in_tree(cluster: Resource) -> bool:
    return isinstance(cluster.get(("spec", "backup", "barmanObjectStore")), dict)


def object_stores_named(
    views: Views, resource: Resource, name: str
) -> tuple[Resource | None, list[Resource], list[str]]:
    """The ObjectStore `name` in the resource's namespace; others of that name elsewhere; names there."""
    stores = views.visibility.of_kind(OBJECT_STORE, resource.viewer)
    here = [s for s in stores if namespace(s) == namespace(resource)]
    found = next((s for s in here if s.id.name == name), None)
    elsewhere = [s for s in stores if s.id.name == name and namespace(s) != namespace(resource)]
    return found, elsewhere, [s.id.name for s in here]
