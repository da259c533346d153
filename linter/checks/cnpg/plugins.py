"""PG004: Barman Cloud plugin wiring: the ObjectStore a plugin entry names, WAL-archiver flags, and
fields the plugin's CRD forbids."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ...core.suggest import close_matches
from ...model import Resource, Violation, YamlPath, format_path
from ...model.objpath import expand_path
from ...views import Views
from ..wording import alternatives, scalar
from .shared import (
    CLUSTER,
    OBJECT_STORE,
    PluginParams,
    enabled,
    in_tree,
    mapping,
    namespace,
    object_stores_named,
    plugins,
    violation,
    wal_archivers,
)


def _store_reference_problems(
    views: Views, cluster: Resource, path: YamlPath, plugin: Mapping[str, Any]
) -> Iterator[Violation]:
    name = mapping(plugin.get("parameters")).get("barmanObjectName")
    if name in (None, ""):
        return
    found, elsewhere, here = object_stores_named(views, cluster, str(name))
    if found is not None:
        return
    where = f" (ObjectStores there: {alternatives(sorted(here))})" if here else " (none is defined there)"
    problem = (
        f"names ObjectStore `{name}` in `{format_path(path)}.parameters.barmanObjectName`, which does not exist "
        f"in namespace `{namespace(cluster)}`{where}"
    )
    fix = f"Create ObjectStore `{name}` in namespace `{namespace(cluster)}`, or name one that exists there"
    if elsewhere:
        namespaces = alternatives(sorted({namespace(s) for s in elsewhere}))
        problem += f"; one exists in namespace {namespaces}, but the plugin looks only in the Cluster's namespace"
        fix = f"Move ObjectStore `{name}` to namespace `{namespace(cluster)}` (the plugin never looks elsewhere)"
    yield violation(
        views,
        cluster,
        (*path, "parameters", "barmanObjectName"),
        {"problem": problem, "fix": fix},
        close_matches(str(name), here),
    )


def check_plugin_wiring(views: Views, params: PluginParams) -> Iterator[Violation]:
    plugin_name = params.plugin_name
    for cluster in views.inventory.of_kind(CLUSTER):
        referenced = [(path, p) for path, p in plugins(cluster) if p.get("name") == plugin_name and enabled(p)]
        for ypath in expand_path(cluster.data, "spec.externalClusters[*].plugin"):
            plugin = cluster.get(ypath)
            if isinstance(plugin, dict) and plugin.get("name") == plugin_name:
                referenced.append((ypath, plugin))
        for path, plugin in referenced:
            yield from _store_reference_problems(views, cluster, path, plugin)
        for path, plugin in plugins(cluster):
            wants_archive = plugin.get("isWALArchiver") is True and enabled(plugin)
            if (
                plugin.get("name") == plugin_name
                and wants_archive
                and not mapping(plugin.get("parameters")).get("barmanObjectName")
            ):
                problem = (
                    f"enables the `{plugin_name}` WAL archiver at `{format_path(path)}` "
                    "without `parameters.barmanObjectName`"
                )
                yield violation(
                    views,
                    cluster,
                    path,
                    {"problem": problem, "fix": "Set `parameters.barmanObjectName` to the ObjectStore to archive to"},
                )
        archivers = wal_archivers(cluster)
        if in_tree(cluster):
            for path, plugin in archivers:
                problem = (
                    f"enables WAL-archiver plugin `{scalar(plugin.get('name'))}` while "
                    "`spec.backup.barmanObjectStore` is set; CNPG rejects the two together"
                )
                fix = (
                    "Remove `spec.backup.barmanObjectStore` (the plugin's ObjectStore replaces it), or drop "
                    "`isWALArchiver` from the plugin"
                )
                yield violation(views, cluster, (*path, "isWALArchiver"), {"problem": problem, "fix": fix})
        for path, plugin in archivers[1:]:
            problem = (
                f"enables a second WAL-archiver plugin, `{scalar(plugin.get('name'))}`, after "
                f"`{scalar(archivers[0][1].get('name'))}`; CNPG allows only one"
            )
            yield violation(
                views,
                cluster,
                (*path, "isWALArchiver"),
                {"problem": problem, "fix": "Keep `isWALArchiver: true` on one plugin only"},
            )
    for store in views.inventory.of_kind(OBJECT_STORE):
        if store.get(("spec", "configuration", "serverName")) is not None:
            problem = "sets `spec.configuration.serverName`, which the plugin's CRD forbids"
            fix = f"Remove it and set `serverName` in the `parameters` of the Cluster's `{plugin_name}` plugin entry"
            yield violation(views, store, ("spec", "configuration", "serverName"), {"problem": problem, "fix": fix})
