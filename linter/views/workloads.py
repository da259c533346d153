"""Workloads: everything that makes pods, with the paths of its scheduling fields.

A workload is a rendered or plain Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job or
CronJob; a CloudNativePG Cluster (placement under `spec.affinity`, an AffinityConfiguration);
or the placement values (`nodeSelector`, `tolerations`, `affinity`,
`topologySpreadConstraints`, `priorityClassName`) of a subchart that does not render
(a dependency not vendored under charts/), whose pod labels are unknown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..core.numbers import as_int
from ..model import Location, Rendering, Resource, ResourceId, Viewer, YamlPath, get_path
from ..model.objpath import POD_SPECS
from ..model.shapes import as_list
from .values import ReleaseValues

CNPG_CLUSTER = "postgresql.cnpg.io/Cluster"
HOSTNAME = "kubernetes.io/hostname"
VALUES_KEYS = ("nodeSelector", "tolerations", "affinity", "topologySpreadConstraints", "priorityClassName")
WORKLOAD_GROUPS = ("", "apps", "batch", "extensions")  # the groups of the POD_SPECS kinds
MAX_VALUES_DEPTH = 8

Locator = Callable[[YamlPath], Location]


@dataclass(frozen=True)
class Workload:
    """Something that makes pods, with the paths (in `data`) of its placement fields."""

    kind: str  # Deployment, …, Cluster (CloudNativePG), or "values" for subchart values
    name: str  # object name, or the dotted values path
    namespace: str | None
    app: str | None
    deployed: bool
    data: Any  # the object, or {scope: the subchart's effective values}
    paths: Mapping[
        str, YamlPath
    ]  # nodeSelector, nodeAffinity, podAffinity, podAntiAffinity, tolerations, spread, priority
    replicas: int | None  # None: unknown, or one per node (DaemonSet)
    labels: Mapping[str, str] | None  # pod labels; None for subchart values
    viewer: Viewer  # what it can see (views/visibility.py)
    locator: Locator = field(compare=False, repr=False)
    resource: Resource | None = None
    cnpg: bool = False

    @property
    def title(self) -> str:
        return f"subchart values `{self.name}`" if self.kind == "values" else f"{self.kind} `{self.name}`"

    @property
    def rid(self) -> ResourceId | None:
        return self.resource.id if self.resource is not None else None

    def get(self, key: str) -> Any:
        path = self.paths.get(key)
        return None if path is None else get_path(self.data, path)

    def at(self, key: str, *rest: str | int) -> YamlPath:
        return self.paths[key] + tuple(rest)

    def locate(self, ypath: YamlPath) -> Location:
        """The line to edit: the values line that set it, else the template or manifest line."""
        return self.locator(_scalar_path(self.data, ypath))

    # --- the scheduling fields, read defensively ---------------------------------------------

    def node_selector(self) -> dict[str, Any]:
        selector = self.get("nodeSelector")
        return dict(selector) if isinstance(selector, dict) else {}

    def tolerations(self) -> list[Any]:
        return as_list(self.get("tolerations"))

    def required_terms(self) -> list[Any]:
        affinity = self.get("nodeAffinity")
        required = (
            affinity.get("requiredDuringSchedulingIgnoredDuringExecution") if isinstance(affinity, dict) else None
        )
        return as_list(required.get("nodeSelectorTerms") if isinstance(required, dict) else None)

    def preferred_terms(self) -> list[Any]:
        affinity = self.get("nodeAffinity")
        return as_list(
            affinity.get("preferredDuringSchedulingIgnoredDuringExecution") if isinstance(affinity, dict) else None
        )

    def spread(self) -> list[tuple[int, Mapping[str, Any]]]:
        return [(i, c) for i, c in enumerate(as_list(self.get("spread"))) if isinstance(c, dict)]

    def affinity_terms(self, kind: str) -> Iterator[tuple[YamlPath, Any, bool]]:
        """(path of the PodAffinityTerm, the term, required?) for podAffinity or podAntiAffinity."""
        affinity = self.get(kind)
        if not isinstance(affinity, dict):
            return
        for index, term in enumerate(as_list(affinity.get("requiredDuringSchedulingIgnoredDuringExecution"))):
            yield self.at(kind, "requiredDuringSchedulingIgnoredDuringExecution", index), term, True
        for index, weighted in enumerate(as_list(affinity.get("preferredDuringSchedulingIgnoredDuringExecution"))):
            term = weighted.get("podAffinityTerm") if isinstance(weighted, dict) else None
            yield (
                self.at(kind, "preferredDuringSchedulingIgnoredDuringExecution", index, "podAffinityTerm"),
                term,
                False,
            )

    def cnpg_anti_affinity(self) -> tuple[str, bool] | None:
        """CloudNativePG's generated anti-affinity: (topologyKey, required?), or None when off."""
        if not self.cnpg:
            return None
        affinity = get_path(self.data, ("spec", "affinity")) or {}
        if not isinstance(affinity, dict) or affinity.get("enablePodAntiAffinity") is False:
            return None
        return str(affinity.get("topologyKey") or HOSTNAME), affinity.get("podAntiAffinityType") == "required"


def _scalar_path(data: Any, ypath: YamlPath) -> YamlPath:
    """Point at a scalar inside a mapping or list, so provenance can find the values line."""
    for _ in range(4):
        node = get_path(data, ypath)
        if isinstance(node, dict) and node:
            scalar_keys = ("key", "topologyKey", "operator", "effect")
            key = next((k for k in scalar_keys if k in node and not isinstance(node[k], (dict, list))), None)
            ypath = ypath + ((key,) if key else (next(iter(node)),))
            if key:
                break
        elif isinstance(node, list) and node:
            ypath = (*ypath, 0)
        else:
            break
    return ypath


def _labels(value: Any) -> dict[str, str]:
    from .scheduling import label_text

    return {str(k): label_text(v) for k, v in value.items()} if isinstance(value, dict) else {}


def placement_paths(spec: YamlPath) -> dict[str, YamlPath]:
    """Where the placement fields sit under a pod spec (or a subchart's values block)."""
    return {
        "nodeSelector": (*spec, "nodeSelector"),
        "nodeAffinity": (*spec, "affinity", "nodeAffinity"),
        "podAffinity": (*spec, "affinity", "podAffinity"),
        "podAntiAffinity": (*spec, "affinity", "podAntiAffinity"),
        "tolerations": (*spec, "tolerations"),
        "spread": (*spec, "topologySpreadConstraints"),
        "priority": (*spec, "priorityClassName"),
    }


def _replicas(resource: Resource) -> int | None:
    kind = resource.id.kind
    spec = resource.get(("spec",)) or {}
    if not isinstance(spec, dict):
        return None
    if kind in ("Deployment", "StatefulSet", "ReplicaSet"):
        return as_int(spec.get("replicas", 1))
    if kind == "Job":
        return as_int(spec.get("parallelism", 1))
    if kind == "CronJob":
        return as_int(resource.get(("spec", "jobTemplate", "spec", "parallelism"), 1))
    if kind == "Pod":
        return 1
    return None  # DaemonSet: one per node


def pod_workload(resource: Resource, locator: Locator) -> Workload | None:
    pod = tuple(POD_SPECS[resource.id.kind].split("."))
    if not isinstance(resource.get(pod), dict):
        return None
    labels = _labels(resource.get((*pod[:-1], "metadata", "labels")))
    return Workload(
        resource.id.kind,
        resource.id.name,
        resource.id.namespace,
        resource.app,
        resource.deployed,
        resource.data,
        placement_paths(pod),
        _replicas(resource),
        labels,
        resource.viewer,
        locator,
        resource,
    )


def cnpg_workload(resource: Resource, locator: Locator) -> Workload:
    """A CloudNativePG Cluster: placement under spec.affinity (AffinityConfiguration)."""
    affinity = ("spec", "affinity")
    labels = {
        **_labels(resource.get(("spec", "inheritedMetadata", "labels"))),
        "cnpg.io/cluster": resource.id.name,
        "cnpg.io/podRole": "instance",
    }
    paths = {
        "nodeSelector": (*affinity, "nodeSelector"),
        "nodeAffinity": (*affinity, "nodeAffinity"),
        "podAffinity": (*affinity, "additionalPodAffinity"),
        "podAntiAffinity": (*affinity, "additionalPodAntiAffinity"),
        "tolerations": (*affinity, "tolerations"),
        "spread": ("spec", "topologySpreadConstraints"),
        "priority": ("spec", "priorityClassName"),
        "topologyKey": (*affinity, "topologyKey"),
        "antiAffinityType": (*affinity, "podAntiAffinityType"),
        "instances": ("spec", "instances"),
    }
    return Workload(
        "Cluster",
        resource.id.name,
        resource.id.namespace,
        resource.app,
        resource.deployed,
        resource.data,
        paths,
        as_int(resource.get(("spec", "instances"), 1)),
        labels,
        resource.viewer,
        locator,
        resource,
        cnpg=True,
    )


def _has_placement(node: Mapping[str, Any]) -> bool:
    return any(node.get(key) not in (None, "", {}, []) for key in VALUES_KEYS)


def _placement_maps(
    node: Mapping[str, Any], vpath: YamlPath, depth: int = 0
) -> Iterator[tuple[YamlPath, Mapping[str, Any]]]:
    if _has_placement(node):
        yield vpath, node
    if depth >= MAX_VALUES_DEPTH:
        return
    for key, child in node.items():
        if key not in VALUES_KEYS and isinstance(child, dict):
            yield from _placement_maps(child, (*vpath, key), depth + 1)


def values_workloads(
    rendering: Rendering, release: ReleaseValues, dependencies: Iterator[tuple[str, bool]]
) -> Iterator[Workload]:
    """Placement values of the dependencies that do not render: (scope, enabled) pairs given."""
    for scope, enabled in dependencies:
        if scope in rendering.rendered_subcharts or not enabled:
            continue  # a rendering subchart's objects are checked; a disabled one deploys nothing
        merged = release.get((scope,))
        if not isinstance(merged, dict):
            continue
        data = {scope: merged}

        def locator(ypath: YamlPath, release: ReleaseValues = release) -> Location:
            return release.locate(ypath) or Location("?")

        for vpath, node in _placement_maps(merged, (scope,)):
            replicas = as_int(node.get("replicas", node.get("replicaCount", 1)))
            yield Workload(
                "values",
                ".".join(str(p) for p in vpath),
                rendering.namespace,
                rendering.app,
                rendering.deployed,
                data,
                placement_paths(vpath),
                replicas,
                None,
                rendering.viewer,
                locator,
            )
