"""KV005 / KV006: apiVersions the target Kubernetes no longer serves, or serves with a warning.

Built-in kinds: the lifecycle table in schemas/kubernetes-api-lifecycle.yaml (group, version,
kinds, the minor that deprecated and the one that removed them, the replacement and what changes;
sources in docs/reference/kubernetes.md §1), compared with the config's `kubernetesVersion`.
Custom resources: the versions the repository's own CustomResourceDefinitions serve (`served:
false` or absent is removed, `deprecated: true` warns with the CRD's `deprecationWarning`). A
custom resource whose CRD the repository does not hold is not judged.

Without this, such objects were only "kinds without a schema" to KV001: silently skipped, and
then refused at sync (`no matches for kind "PodDisruptionBudget" in version "policy/v1beta1"`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Literal

import yaml

from ...core.resources import schemas_dir
from ...model import Resource, Violation
from ...model.shapes import as_dict, as_list
from ...views import Views
from ..base import AnyCheck, Check
from .validators import DEFAULT_KUBERNETES_VERSION

LIFECYCLE_FILE = "kubernetes-api-lifecycle.yaml"
_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C parser: 20 ms less per run
CRD_KIND = "CustomResourceDefinition"
UNRENDERABLE = "LD010"  # a chart (or a dependency) that could not be had


@dataclass(frozen=True)
class Lifecycle:
    """One group/version/kind: minors as (1, 21) pairs, so 1.20 stays above 1.3."""

    deprecated: tuple[int, int] | None
    removed: tuple[int, int] | None
    replacement: str | None  # an apiVersion
    replacement_kind: str | None  # when the kind changes too (Endpoints → EndpointSlice)
    note: str
    ga: bool  # a GA version (v1, v2): Kubernetes does not remove those


@dataclass(frozen=True)
class Served:
    """What the repository's CRDs say about one group/kind."""

    crd: str  # the CRD's name, for the message
    served: frozenset[str]
    deprecated: Mapping[str, str]  # version → its deprecationWarning ("" when none)


def _minor(text: object) -> tuple[int, int] | None:
    match = re.match(r"^v?(\d+)\.(\d+)", str(text).strip()) if text is not None else None
    return (int(match[1]), int(match[2])) if match else None


@cache
def lifecycle_table() -> Mapping[tuple[str, str], Lifecycle]:
    """apiVersion and kind → its lifecycle (the bundled table, read once)."""
    rows = yaml.load((schemas_dir() / LIFECYCLE_FILE).read_text(encoding="utf-8"), Loader=_LOADER)
    table: dict[tuple[str, str], Lifecycle] = {}
    for row in rows:
        api_version = f"{row['group']}/{row['version']}" if row["group"] else row["version"]
        entry = Lifecycle(
            _minor(row["deprecated"]),
            _minor(row["removed"]),
            row["replacement"],
            row.get("replacementKind"),
            row["note"],
            bool(re.fullmatch(r"v\d+", row["version"])),
        )
        for kind in row["kinds"]:
            table[(api_version, kind)] = entry
    return table


def _served_by_crds(views: Views) -> dict[tuple[str, str], Served]:
    """(group, kind) → what the deployed CRDs serve, all copies together (a chart's crds/ and
    a vendored copy may differ: a version any of them serves counts as served)."""
    found: dict[tuple[str, str], Served] = {}
    for crd in views.inventory.of_kind(CRD_KIND):  # deployed: what the API server will serve
        spec = as_dict(crd.get(("spec",)))
        names = as_dict(spec.get("names"))
        group, kind = spec.get("group"), names.get("kind")
        versions = [v for v in as_list(spec.get("versions")) if isinstance(v, dict) and isinstance(v.get("name"), str)]
        if not isinstance(group, str) or not isinstance(kind, str) or not versions:
            continue  # a v1beta1 CRD with spec.version, or a malformed one: nothing to judge by
        served = {str(v["name"]) for v in versions if v.get("served") is not False}
        deprecated = {str(v["name"]): str(v.get("deprecationWarning") or "") for v in versions if v.get("deprecated")}
        known = found.get((group, kind))
        if known is not None:
            served |= known.served
            deprecated = {**known.deprecated, **deprecated}
        crd_name = known.crd if known is not None else crd.id.name or f"{names.get('plural', kind)}.{group}"
        found[(group, kind)] = Served(crd_name, frozenset(served), deprecated)
    return found


@dataclass(frozen=True)
class LifecycleParams:
    match: Literal["removed", "deprecated"] = field(
        default="removed",
        metadata={
            "doc": "Report apiVersions the target no longer serves, or those it serves with a deprecation warning."
        },
    )


def check_api_lifecycle(views: Views, params: LifecycleParams) -> Iterator[Violation]:
    """Objects whose apiVersion is removed (or deprecated) in the target Kubernetes version."""
    inventory = views.inventory
    target = _minor(inventory.config.kubernetes_version or DEFAULT_KUBERNETES_VERSION) or (1, 34)
    table = lifecycle_table()
    # a chart that could not be rendered (LD010) may install a newer copy of a CRD: then what the
    # repository's copies serve is not the whole truth, and custom resources are not judged
    unrenderable = any(problem.rule == UNRENDERABLE for problem in inventory.model.problems)
    crds = _served_by_crds(views) if not unrenderable else {}
    for resources in inventory.by_kind.values():
        for resource in resources:
            if not inventory.may_keep(resource.id):
                continue
            api_version, kind = resource.id.api_version, resource.id.kind
            entry = table.get((api_version, kind))
            if entry is not None:
                fields = _builtin(entry, target, params.match)
            elif "/" in api_version and (served := crds.get((api_version.split("/")[0], kind))) is not None:
                fields = _custom(served, api_version.split("/", 1)[1], params.match)
            else:
                continue
            if fields is not None:
                yield _violation(views, resource, fields)


def _builtin(entry: Lifecycle, target: tuple[int, int], match: str) -> dict[str, str] | None:
    version = f"{target[0]}.{target[1]}"
    if entry.removed is not None and entry.removed <= target:
        if match != "removed":
            return None
        why = f"which Kubernetes {version} no longer serves (removed in {_shown(entry.removed)})"
    elif entry.deprecated is not None and entry.deprecated <= target:
        if match != "deprecated" or (entry.removed is None and entry.ga):
            return None  # a GA version deprecated with no removal planned (core v1 Endpoints) keeps working
        removal = f", removed in {_shown(entry.removed)}" if entry.removed else ""
        why = f"deprecated since Kubernetes {_shown(entry.deprecated)}{removal}: the API server warns on every sync"
    else:
        return None
    if entry.replacement_kind:
        fix = f"Move to `{entry.replacement}` `{entry.replacement_kind}`: {entry.note}"
    elif entry.replacement:
        fix = f"Change `apiVersion` to `{entry.replacement}`: {entry.note}"
    else:
        fix = f"Kubernetes has no replacement: {entry.note}"
    return {"why": why, "fix": fix, "replacement": entry.replacement or ""}


def _custom(served: Served, version: str, match: str) -> dict[str, str] | None:
    current = sorted(served.served - set(served.deprecated)) or sorted(served.served)
    others = ", ".join(f"`{v}`" for v in current) or "no version"
    if version not in served.served:
        if match != "removed":
            return None
        why = f"a version the CustomResourceDefinition `{served.crd}` in this repository does not serve"
        return {"why": why, "fix": f"Use a version it serves: {others}", "replacement": ""}
    if version in served.deprecated and match == "deprecated":
        warning = served.deprecated[version]
        why = f"which the CustomResourceDefinition `{served.crd}` marks deprecated" + (
            f" ({warning})" if warning else ""
        )
        return {"why": why, "fix": f"Move to a version it serves without deprecation: {others}", "replacement": ""}
    return None


def _shown(minor: tuple[int, int] | None) -> str:
    return f"{minor[0]}.{minor[1]}" if minor else "?"


def _violation(views: Views, resource: Resource, fields: dict[str, str]) -> Violation:
    if resource.render is not None:  # the template line: a chart you do not maintain is upgraded, not edited
        fields = {
            **fields,
            "fix": fields["fix"]
            + "; in a chart you do not maintain, upgrade to a release that renders the new version",
        }
    return Violation(
        views.locate(resource, ("apiVersion",)),
        {
            "kind": resource.id.kind,
            "name": resource.id.name or "(unnamed)",
            "api_version": resource.id.api_version,
            **fields,
        },
        resource.id,
        (fields["replacement"],) if fields["replacement"] else (),
    )


CHECKS: list[AnyCheck] = [
    Check(
        "api-lifecycle",
        check_api_lifecycle,
        LifecycleParams,
        frozenset({"kind", "name", "api_version", "why", "fix", "replacement"}),
        "Objects whose apiVersion the target Kubernetes version (or the repository's own CRD) no longer serves, "
        "or serves deprecated.",
    ),
]
