"""PG003: a Cluster whose WAL nothing archives (no in-tree store, no WAL-archiver plugin)."""

from __future__ import annotations

from collections.abc import Iterator

from ...model import Resource, Violation
from ...views import Views
from .shared import CLUSTER, PluginParams, in_tree, plugins, violation, wal_archivers


def _no_backup_reason(cluster: Resource, plugin_name: str) -> str | None:
    """Why nothing archives this Cluster's WAL; None when something does."""
    if in_tree(cluster) or wal_archivers(cluster):
        return None
    entries = plugins(cluster)
    if any(p.get("isWALArchiver") is True for _, p in entries):
        return "its WAL-archiver plugin is disabled (`enabled: false`)"
    if any(p.get("name") == plugin_name for _, p in entries):
        return f"the `{plugin_name}` plugin in `spec.plugins` lacks `isWALArchiver: true`, so no WAL is archived"
    if cluster.get(("spec", "backup", "volumeSnapshot")) is not None:
        return "`spec.backup.volumeSnapshot` takes snapshots but archives no WAL, so there is no point-in-time recovery"
    return "no `spec.backup.barmanObjectStore` and no WAL-archiver plugin in `spec.plugins`"


def check_backup_missing(views: Views, params: PluginParams) -> Iterator[Violation]:
    plugin_name = params.plugin_name
    for cluster in views.inventory.of_kind(CLUSTER):
        reason = _no_backup_reason(cluster, plugin_name)
        if reason is None:
            continue
        entries = plugins(cluster)
        at = next((path for path, p in entries if p.get("name") == plugin_name or p.get("isWALArchiver") is True), None)
        if at is None:
            at = ("spec", "backup") if cluster.get(("spec", "backup")) is not None else ("spec",)
        yield violation(views, cluster, at, {"reason": reason, "plugin": plugin_name})
