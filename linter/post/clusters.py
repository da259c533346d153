"""Which cluster a finding is about, when the repository deploys to more than one: the clusters
of whatever the finding's file defines (its objects, the releases its values feed, the
Applications it declares). One file can serve several clusters (a chart rendered for each)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace

from ..model import Finding, RepoModel


def file_clusters(model: RepoModel) -> dict[str, tuple[str, ...]]:
    """File → the clusters what it defines is deployed to (only files of synced things)."""
    found: dict[str, set[str]] = defaultdict(set)
    for resource in model.resources:
        if resource.deployed:
            found[resource.doc.path].add(resource.cluster)
    for rendering in model.renderings:
        if rendering.deployed:
            for layer in rendering.values:
                if layer.doc is not None:
                    found[layer.doc.path].add(rendering.cluster)
    for app in model.applications:
        if app.enabled:
            found[app.file].add(app.cluster)
    return {path: tuple(sorted(clusters)) for path, clusters in found.items()}


def with_clusters(findings: Iterable[Finding], model: RepoModel) -> list[Finding]:
    """Findings with their clusters filled in; unchanged when everything goes to one cluster."""
    findings = list(findings)
    if len({a.cluster for a in model.applications if a.enabled}) < 2:
        return findings
    clusters = file_clusters(model)
    return [replace(f, clusters=clusters.get(f.location.path, ())) for f in findings]
