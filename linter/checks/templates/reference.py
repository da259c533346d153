"""The `reference` template: a name at a path must resolve to an object of a kind that the
referrer can see (views/visibility.py), or to a name the cluster has anyway (built in, or listed
in the config), with did-you-mean among the names that exist.

Sources: `{kinds, at}` (a path in objects of those kinds; `[*]` expands lists) or
`{scope: Workloads, workloadField}` (a scheduling field of every workload: pods, CloudNativePG
Clusters, subchart values; views/workloads.py). Names written as `{{ ... }}` are skipped.

Message fields: `referrer` (what refers: ``Deployment `web` ``), `target` (the name),
`target_kind`, `namespace`, `field`, `why` (in words: "no enabled app defines", "only the
disabled Application `x` defines"), `known` (the names that exist), `defined_in` ("; defined in
<files>" or nothing).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from ...core.suggest import close_matches
from ...model import CLUSTER_SCOPED_KINDS, Location, Resource, ResourceId, Viewer, Violation, format_path, get_path
from ...model.objpath import expand_path
from ...views import Views
from ...views.visibility import visible
from ..base import Check
from ..wording import defined_by, names

ConfigNames = Literal["", "priorityClasses", "storageClasses"]


@dataclass(frozen=True)
class ReferenceSource:
    kinds: tuple[str, ...] = field(default=(), metadata={"doc": "Kinds (`Kind` or `group/Kind`) that hold the name."})
    at: str = field(default="", metadata={"doc": "Path of the name in those objects; `[*]` expands lists."})
    scope: Literal["objects", "Workloads"] = field(
        default="objects",
        metadata={"doc": "`objects` (`kinds` + `at`) or `Workloads` (a scheduling field of every workload)."},
    )
    workload_field: Literal["", "priority"] = field(
        default="",
        metadata={"doc": "With `scope: Workloads`: which field holds the name (`priority`: priorityClassName)."},
    )


@dataclass(frozen=True)
class ReferenceTarget:
    kind: str = field(metadata={"doc": "The kind the name must resolve to, as `group/Kind`."})
    builtin: tuple[str, ...] = field(default=(), metadata={"doc": "Names every cluster has."})
    config: ConfigNames = field(
        default="", metadata={"doc": "The config list (`cluster.<name>`) of names the cluster has outside git."}
    )


@dataclass(frozen=True)
class ReferenceParams:
    sources: tuple[ReferenceSource, ...] = field(metadata={"doc": "Where the names are.", "schema": {"minItems": 1}})
    target: ReferenceTarget = field(metadata={"doc": "What they must name."})


@dataclass(frozen=True)
class _Use:
    name: str
    referrer: str
    namespace: str | None
    viewer: Viewer
    location: Location
    field: str
    rid: ResourceId | None


def _uses(views: Views, source: ReferenceSource) -> Iterator[_Use]:
    """Every name the source holds, but under --changed not those whose finding would be dropped
    (before the work of locating each one)."""
    may_keep = views.inventory.may_keep
    if source.scope == "Workloads":
        for workload in views.workloads:
            if workload.rid is not None and not may_keep(workload.rid):
                continue
            path = workload.paths.get(source.workload_field or "priority")
            value = get_path(workload.data, path) if path is not None else None
            if isinstance(value, str) and path is not None:
                yield _Use(
                    value,
                    workload.title,
                    workload.namespace,
                    workload.viewer,
                    workload.locate(path),
                    format_path(path),
                    workload.rid,
                )
        return
    for kind in source.kinds:
        for resource in views.inventory.of_kind(kind):
            if not may_keep(resource.id):
                continue
            for path in expand_path(resource.data, source.at):
                value = resource.get(path)
                if isinstance(value, str):
                    yield _Use(
                        value,
                        _title(resource),
                        resource.id.namespace,
                        resource.viewer,
                        views.locate(resource, path),
                        format_path(path),
                        resource.id,
                    )


def _title(resource: Resource) -> str:
    return f"{resource.id.kind} `{resource.id.name}`"


def _config_names(views: Views, key: ConfigNames) -> tuple[str, ...]:
    config = views.inventory.config
    return {
        "": (),
        "priorityClasses": config.cluster_priority_classes,
        "storageClasses": config.cluster_storage_classes,
    }[key]


def check_reference(views: Views, params: ReferenceParams) -> Iterator[Violation]:
    target = params.target
    namespaced = target.kind.rsplit("/", 1)[-1] not in CLUSTER_SCOPED_KINDS
    objects = views.inventory.defined_anywhere(target.kind)
    extra = (*target.builtin, *_config_names(views, target.config))
    deployed_files = sorted({r.doc.path for r in objects if r.deployed})
    for source in params.sources:
        for use in _uses(views, source):
            if not use.name or "{{" in use.name:
                continue
            same = [r for r in objects if r.id.name == use.name and (not namespaced or r.id.namespace == use.namespace)]
            if use.name in extra or any(visible(r, use.viewer) for r in same):
                continue
            known = sorted(
                {r.id.name for r in objects if r.deployed and (not namespaced or r.id.namespace == use.namespace)}
                | set(extra)
            )
            if same:
                who, _ = defined_by((r.doc.path, r.app) for r in same)
                why = f"only {who} defines"
            else:
                why = "no enabled app defines" + (" and is not built in" if target.builtin else "")
            fields = {
                "referrer": use.referrer,
                "target": use.name,
                "target_kind": target.kind.rsplit("/", 1)[-1],
                "namespace": use.namespace or "",
                "field": use.field,
                "why": why,
                "known": names(known),
                "defined_in": f"; defined in {', '.join(deployed_files)}" if deployed_files else "",
            }
            yield Violation(use.location, fields, use.rid, close_matches(use.name, known))


CHECK: Check[ReferenceParams] = Check(
    "reference",
    check_reference,
    ReferenceParams,
    frozenset({"referrer", "target", "target_kind", "namespace", "field", "why", "known", "defined_in"}),
    "A name at a path must resolve to an object of a kind the referrer can see, or one the cluster has anyway.",
    template=True,
)
