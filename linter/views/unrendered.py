"""What charts that could not be rendered may create: an Application's chart that could not be
had (LD010), a source in another git repository (AR012: a chart there, named after its path),
and the dependencies of a wrapper chart that could not be fetched.

Their objects are missing from the inventory, so a StorageClass or Secret they would make looks
missing. A check that finds a name missing asks here first, and does not report it as missing
with certainty when such a chart may well create it; LD010 already says which chart is missing
and how to get it. The evidence is narrow, so that a typo still shows:
- a StorageClass: the chart's or release's name (`longhorn`), `fullnameOverride`, or a `name`
  under a StorageClass key of its values (`storageClass: [{name: proxmox-csi}]`); never a
  value that merely names a class to use (`persistence.storageClass: fast`);
- a Secret in the release's namespace or the destination's (where objects without a namespace
  land): named after the release, the chart or
  `fullnameOverride` (`<release>-redis`), as charts name what they create; or made by a manifest
  its values write out whole (an ExternalSecret under `extraDeploy`)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..model import RepoModel, ValuesLayer

# Charts whose job is storage: with one unrendered, the cluster's default class may be its.
_STORAGE_CHART = re.compile(
    r"csi|longhorn|ceph|rook|nfs|openebs|local-path|storage|provisioner|zfs|topolvm|linstor|piraeus", re.I
)
_CLASS_KEY = re.compile(r"storage.?class|default.?class", re.I)


@dataclass(frozen=True)
class Unrendered:
    chart: str
    release_name: str
    namespaces: tuple[str, ...]
    app: str | None
    named_classes: frozenset[str]  # StorageClasses its values name (fullnameOverride, storageClass[].name)
    prefixes: tuple[str, ...]  # what the names of its objects start with
    storage: bool  # it looks like a chart that makes StorageClasses
    named_secrets: frozenset[str] = frozenset()  # Secrets of manifests written out in its values

    @property
    def classes(self) -> frozenset[str]:
        """The StorageClasses it may define: those its values name, and its chart's and release's names."""
        return self.named_classes | {self.chart, self.release_name}

    def may_name(self, name: str) -> bool:
        return name in self.named_secrets or any(name == p or name.startswith(f"{p}-") for p in self.prefixes)


class UnrenderedCharts:
    def __init__(self, model: RepoModel) -> None:
        self.charts = tuple(_unrendered(model))
        self._by_class: dict[str, Unrendered] = {}
        self._by_namespace: dict[str, list[Unrendered]] = {}
        for chart in self.charts:
            for name in chart.classes:
                self._by_class.setdefault(name, chart)
            for namespace in chart.namespaces:
                self._by_namespace.setdefault(namespace, []).append(chart)

    def storage_class(self, name: str) -> Unrendered | None:
        return self._by_class.get(name)

    def class_names(self) -> list[str]:
        """The classes they may make (for did-you-mean): named in their values, and the chart's
        and release's names of a storage chart (`longhorn`)."""
        return sorted(
            {name for chart in self.charts for name in (chart.classes if chart.storage else chart.named_classes)}
        )

    def default_storage_class(self) -> Unrendered | None:
        """A chart that did not render and may make the cluster's default StorageClass."""
        return next((c for c in self.charts if c.storage), None)

    def secret(self, namespace: str | None, name: str) -> Unrendered | None:
        candidates = self._by_namespace.get(namespace, []) if namespace is not None else self.charts
        return next((c for c in candidates if c.may_name(name)), None)


def _unrendered(model: RepoModel) -> Iterator[Unrendered]:
    for chart in model.unrendered:
        yield _hint(chart.chart, chart.release_name, chart.namespaces, chart.app, chart.values, ())
    charts = {chart.dir: chart for chart in model.charts}
    for rendering in model.renderings:
        wrapper = charts.get(rendering.chart_dir)
        if wrapper is None or not rendering.deployed:
            continue
        for dependency in wrapper.dependencies:
            if dependency.scope not in rendering.rendered_subcharts:
                yield _hint(
                    dependency.name,
                    rendering.release_name,
                    tuple(dict.fromkeys((rendering.namespace, rendering.destination_namespace or rendering.namespace))),
                    rendering.app,
                    rendering.values,
                    (dependency.scope,),
                )


def _hint(
    chart: str,
    release: str,
    namespaces: tuple[str, ...],
    app: str | None,
    layers: tuple[ValuesLayer, ...],
    under: tuple[str, ...],
) -> Unrendered:
    """`under`: the key the chart's values sit under (a dependency's share of its parent's)."""
    named: set[str] = set()
    secrets: set[str] = set()
    prefixes = [release, chart]
    class_keys = False
    for layer in layers:
        data: Any = layer.data
        for key in under:
            data = data.get(key) if isinstance(data, Mapping) else None
        if not isinstance(data, Mapping):
            continue
        secrets.update(_manifest_secrets(data))
        override = data.get("fullnameOverride")
        if isinstance(override, str) and override:
            named.add(override)
            prefixes.append(override)
        for path, value in _leaves(data, ()):
            in_class = any(_CLASS_KEY.search(key) for key in path[:-1])
            class_keys = class_keys or any(_CLASS_KEY.search(key) for key in path)
            if in_class and path[-1] == "name" and isinstance(value, str):
                named.add(value)
    storage = bool(_STORAGE_CHART.search(chart)) or class_keys
    return Unrendered(
        chart, release, namespaces, app, frozenset(named), tuple(dict.fromkeys(prefixes)), storage, frozenset(secrets)
    )


# where a manifest of these kinds names the Secret it makes (the first path present)
_SECRET_MAKERS = {
    "Secret": (("metadata", "name"),),
    "SealedSecret": (("spec", "template", "metadata", "name"), ("metadata", "name")),
    "ExternalSecret": (("spec", "target", "name"), ("metadata", "name")),
}


def _manifest_secrets(node: Any, depth: int = 0) -> Iterator[str]:
    """The Secrets of the manifests written out in a values tree (`extraDeploy`, `extraObjects`,
    raw resources): a chart renders them as they are, so it may well make those Secrets."""
    if depth > 32:
        return
    if isinstance(node, Mapping):
        paths = _SECRET_MAKERS.get(str(node.get("kind"))) if isinstance(node.get("metadata"), Mapping) else None
        for path in paths or ():
            value: Any = node
            for key in path:
                value = value.get(key) if isinstance(value, Mapping) else None
            if isinstance(value, str) and value:
                yield value
                break
        for child in node.values():
            yield from _manifest_secrets(child, depth + 1)
    elif isinstance(node, list):
        for item in node:
            yield from _manifest_secrets(item, depth + 1)


def _leaves(node: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Any]]:
    """(key path, value) of every scalar in a values tree (list items keep their parent's path)."""
    if isinstance(node, Mapping):
        for child, value in node.items():
            yield from _leaves(value, (*path, str(child)))
    elif isinstance(node, list):
        for item in node:
            yield from _leaves(item, path)
    else:
        yield path, node
