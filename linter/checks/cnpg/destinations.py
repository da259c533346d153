"""PG007: two Clusters archiving WAL to the same folder (same endpoint, path and server name)."""

from __future__ import annotations

from collections.abc import Iterator

from ...model import Resource, Violation, YamlPath
from ...views import Views
from ...views.visibility import visible
from .shared import CLUSTER, PluginParams, mapping, namespace, object_stores_named, violation, wal_archivers

Target = tuple[tuple[str, str, str], str, YamlPath, str]  # (endpoint, folder, server), path as written, field, fix


def _archive_targets(views: Views, cluster: Resource, plugin_name: str) -> list[Target]:
    """((endpoint, folder, serverName), destinationPath as written, field to edit, fix) per WAL archive.

    The folder is compared without a trailing `/`: barman treats both spellings alike."""
    targets: list[Target] = []
    store = cluster.get(("spec", "backup", "barmanObjectStore"))
    if isinstance(store, dict) and isinstance(store.get("destinationPath"), str):
        server = str(store.get("serverName") or cluster.id.name)  # backup.go: default is the Cluster name
        at: YamlPath = (
            "spec",
            "backup",
            "barmanObjectStore",
            "serverName" if store.get("serverName") else "destinationPath",
        )
        key = (str(store.get("endpointURL") or ""), store["destinationPath"].rstrip("/"), server)
        targets.append(
            (
                key,
                store["destinationPath"],
                at,
                "set a distinct `spec.backup.barmanObjectStore.serverName` (or `destinationPath`)",
            )
        )
    for path, plugin in wal_archivers(cluster):
        parameters = mapping(plugin.get("parameters"))
        if plugin.get("name") != plugin_name or not parameters.get("barmanObjectName"):
            continue
        found, _, _ = object_stores_named(views, cluster, str(parameters["barmanObjectName"]))
        config = mapping(found.get(("spec", "configuration"))) if found else {}
        if not isinstance(config.get("destinationPath"), str):
            continue  # PG004/PG001 report the missing store or path
        server = str(parameters.get("serverName") or cluster.id.name)
        at = (*path, "parameters", "serverName" if parameters.get("serverName") else "barmanObjectName")
        key = (str(config.get("endpointURL") or ""), config["destinationPath"].rstrip("/"), server)
        targets.append(
            (
                key,
                config["destinationPath"],
                at,
                f"set a distinct `serverName` in the `parameters` of the `{plugin_name}` plugin entry",
            )
        )
    return targets


def check_shared_destination(views: Views, params: PluginParams) -> Iterator[Violation]:
    clusters = views.inventory.of_kind(CLUSTER)
    targets = {id(c): _archive_targets(views, c, params.plugin_name) for c in clusters}
    for cluster in clusters:
        for key, destination, at, fix in targets[id(cluster)]:
            others = []
            for other in clusters:
                if other.id == cluster.id or not visible(other, cluster.viewer):
                    continue
                for other_key, _, other_at, _ in targets[id(other)]:
                    if other_key == key:
                        where = views.locate(other, other_at)
                        others.append(
                            f"Cluster `{other.id.name}` in namespace `{namespace(other)}` ({where.path}:{where.line})"
                        )
            if others:
                fields = {
                    "destination": destination,
                    "server": key[2],
                    "others": ", ".join(sorted(set(others))),
                    "fix": fix,
                }
                yield violation(views, cluster, at, fields)
