"""PG005: ScheduledBackups: the schedule CNPG reads, the Cluster they name, and the backup method
that Cluster supports."""

from __future__ import annotations

from collections.abc import Iterator

from ...core.suggest import close_matches
from ...model import Resource, Violation, YamlPath
from ...views import Views
from ..wording import alternatives
from .cron import schedule_problem
from .shared import CLUSTER, SCHEDULED_BACKUP, PluginParams, enabled, in_tree, mapping, namespace, plugins, violation


def _method_problem(backup: Resource, cluster: Resource, plugin_name: str) -> tuple[YamlPath, str, str] | None:
    method = backup.get(("spec", "method"))
    at: YamlPath = ("spec", "method") if method is not None else ("spec",)
    if method == "plugin":
        if not mapping(backup.get(("spec", "pluginConfiguration"))).get("name"):
            at = ("spec", "pluginConfiguration") if backup.get(("spec", "pluginConfiguration")) is not None else at
            return (
                at,
                "sets `method: plugin` without `pluginConfiguration.name`; every Backup it creates is rejected",
                f"Add `pluginConfiguration: {{name: {plugin_name}}}`",
            )
        wanted = str(mapping(backup.get(("spec", "pluginConfiguration"))).get("name"))
        listed = [str(p.get("name")) for _, p in plugins(cluster) if enabled(p) and p.get("name")]
        if wanted in listed:
            return None
        fix = (
            f"Name a plugin the Cluster lists ({alternatives(listed)}) in `pluginConfiguration.name`, "
            f"or add `{wanted}` to the Cluster's `spec.plugins`"
            if listed
            else f"Add `{wanted}` to the Cluster's `spec.plugins` (with its ObjectStore in `parameters`)"
        )
        return (
            ("spec", "pluginConfiguration", "name"),
            f"backs up through plugin `{wanted}`, but Cluster `{cluster.id.name}` lists no such plugin in "
            "`spec.plugins`, so every backup fails",
            fix,
        )
    if method not in (None, "barmanObjectStore") or in_tree(cluster):
        return None
    how = "leaves `method` at its default `barmanObjectStore`" if method is None else "sets `method: barmanObjectStore`"
    names = [str(p.get("name")) for _, p in plugins(cluster) if enabled(p) and p.get("name")]
    if names:
        name = plugin_name if plugin_name in names else names[0]
        return (
            at,
            f"{how}, but Cluster `{cluster.id.name}` backs up only through the `{name}` plugin, so every backup fails",
            f"Set `method: plugin` and `pluginConfiguration: {{name: {name}}}`",
        )
    if cluster.get(("spec", "backup", "volumeSnapshot")) is not None:
        return (
            at,
            (
                f"{how}, but Cluster `{cluster.id.name}` configures only `spec.backup.volumeSnapshot`, so every "
                "backup fails"
            ),
            "Set `method: volumeSnapshot`",
        )
    return (
        at,
        f"{how}, but Cluster `{cluster.id.name}` has no `spec.backup.barmanObjectStore`, so every backup fails",
        "Configure a backup on the Cluster (see PG003), then set `method` to match it",
    )


def check_scheduled_backup(views: Views, params: PluginParams) -> Iterator[Violation]:
    plugin_name = params.plugin_name
    for backup in views.inventory.of_kind(SCHEDULED_BACKUP):
        schedule = backup.get(("spec", "schedule"))
        if schedule is not None:
            found = schedule_problem(schedule)
            if found:
                yield violation(views, backup, ("spec", "schedule"), {"problem": found[0], "fix": found[1]}, found[2])
        name = backup.get(("spec", "cluster", "name"))
        if name in (None, ""):
            at = ("spec", "cluster") if backup.get(("spec", "cluster")) is not None else ("spec",)
            yield violation(
                views,
                backup,
                at,
                {
                    "problem": "names no Cluster in `spec.cluster.name`",
                    "fix": "Set `spec.cluster.name` to the Cluster to back up",
                },
            )
            continue
        clusters = views.visibility.of_kind(CLUSTER, backup.viewer)
        here = [c for c in clusters if namespace(c) == namespace(backup)]
        cluster = next((c for c in here if c.id.name == str(name)), None)
        if cluster is None:
            elsewhere = sorted(
                {namespace(c) for c in clusters if c.id.name == str(name) and namespace(c) != namespace(backup)}
            )
            problem = f"backs up Cluster `{name}`, which does not exist in namespace `{namespace(backup)}`"
            if elsewhere:
                problem += (
                    f"; one exists in namespace {alternatives(elsewhere)}, but a ScheduledBackup only sees its "
                    "own namespace"
                )
            fix = (
                f"Set `spec.cluster.name` to a Cluster in namespace `{namespace(backup)}`, or create the "
                "ScheduledBackup next to its Cluster"
            )
            yield violation(
                views,
                backup,
                ("spec", "cluster", "name"),
                {"problem": problem, "fix": fix},
                close_matches(str(name), [c.id.name for c in here]),
            )
            continue
        method = _method_problem(backup, cluster, plugin_name)
        if method:
            yield violation(views, backup, method[0], {"problem": method[1], "fix": method[2]})
