"""StorageClass references (SC): claims on classes that do not exist (SC001), exist only in a
disabled app (SC004) or rely on a default class there is none of (SC005); StorageClass names in
the values of charts that do not render here (SC002); template fallbacks (SC003)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ..core.suggest import close_matches
from ..inventory import Inventory
from ..model import Fix, Location, Viewer, Violation, YamlPath, format_path, get_path
from ..model.values import read_covers
from ..views import Views
from ..views.claims import CLAIM_SITES, NO_CLASS, Claim, ClaimSite, claims
from . import wording
from .base import AnyCheck, Check


def _rename_fix(inventory: Inventory, location: Location, name: str, ypath: YamlPath | None) -> Fix | None:
    """The config's `renames` as an edit: old class → new class, at the line to edit."""
    renamed = inventory.config.storage_class_renames.get(name)
    return Fix(location.path, location.line, name, renamed, ypath) if renamed else None


def _suggestions(views: Views, name: str) -> tuple[str, ...]:
    """The configured rename, else close matches among the classes that exist (or that a chart
    which could not be rendered may make)."""
    renamed = views.inventory.config.storage_class_renames.get(name)
    candidates = [*views.inventory.known_storage_classes(), *views.unrendered.class_names()]
    return (renamed,) if renamed else close_matches(name, sorted(set(candidates)))


def _common_fields(inventory: Inventory, name: str) -> dict[str, object]:
    known = inventory.known_storage_classes()
    files = inventory.storage_classes.files()
    defined = ", ".join(f"`{k}`" for k in known)
    where = ", ".join(files) if files else "the config's cluster.storageClasses"
    advice = (
        f"Use one of the classes defined in {where}: {defined}"
        if known
        else "No StorageClass is defined: add one to an enabled app, or list the cluster's classes under "
        "cluster.storageClasses in .m0sh1-lint.yaml"
    )
    undeployed = inventory.storage_classes.undeployed.get(name, ())
    defined_by, enable = wording.defined_by((r.doc.path, r.app) for r in undeployed) if undeployed else ("", "")
    return {
        "class": name,
        "defined": defined or "none",
        "defined_in": where,
        "advice": advice,
        "defined_by": defined_by,
        "enable": enable,
    }


def _state(views: Views, name: str, viewer: Viewer) -> str:
    if views.visibility.storage_class(name, viewer):
        return "defined"
    if name in views.inventory.storage_classes.undeployed:
        return "disabled-only"
    if name in views.static_volume_classes:
        return "static-volumes"  # claims bind to the PersistentVolumes of that class
    if views.unrendered.storage_class(name) is not None:
        return "maybe-unrendered"  # a chart that could not be had may make it (LD010 says so)
    if views.inventory.distribution_storage_class(name) is not None:
        return "distribution-default"
    return "undefined"


# --- SC001 / SC004 / SC005 ---------------------------------------------------------------


@dataclass(frozen=True)
class ReferenceParams:
    match: Literal["undefined", "disabled-only", "default-missing"] = field(
        default="undefined",
        metadata={
            "doc": "Which state to report: a class nobody defines, one only an undeployed "
            "app defines, or a claim on the default class when there is none."
        },
    )
    additional_references: tuple[ClaimSite, ...] = field(
        default=(), metadata={"doc": "More places that name a StorageClass, beside the built-in ones."}
    )


def check_references(views: Views, params: ReferenceParams) -> Iterator[Violation]:
    """Claims whose StorageClass does not exist, exists only in a disabled app, or is the missing default."""
    inventory = views.inventory
    found = (
        tuple(claims(inventory, CLAIM_SITES + params.additional_references))
        if params.additional_references
        else views.claims
    )
    related = inventory.storage_classes.all_files()
    default_unknown = params.match == "default-missing" and (
        not inventory.default_storage_classes
        and views.unrendered.default_storage_class() is None
        and not _distribution_in_use(views, found)
    )
    for claim in found:
        if not inventory.may_keep(claim.resource.id, related):
            continue  # --changed, and neither the claim nor a StorageClass changed
        if params.match == "default-missing":
            if claim.uses_default and default_unknown:
                yield _claim_violation(views, claim, "", claim.holder)
            continue
        name = claim.class_name
        if name is None or claim.field is None or _state(views, name, claim.resource.viewer) != params.match:
            continue
        provenance = views.provenance(claim.resource, claim.field)
        if params.match == "undefined" and provenance.kind == "template-default":
            continue  # SC003 reports template fallbacks, at the same line
        ypath = (
            provenance.file_path
            if provenance.kind == "values"
            else claim.field
            if provenance.kind == "manifest"
            else None
        )
        fix = _rename_fix(inventory, provenance.location, name, ypath)
        yield _claim_violation(views, claim, name, claim.field, provenance.location, fix)


def _distribution_in_use(views: Views, found: Sequence[Claim]) -> bool:
    """Does a claim name a class a distribution installs (`local-path`, `microk8s-hostpath`)?
    Each is its distribution's default class, so the cluster has a default (SC005)."""
    return any(c.class_name and views.inventory.distribution_storage_class(c.class_name) for c in found)


def _claim_violation(
    views: Views, claim: Claim, name: str, at: YamlPath, location: Location | None = None, fix: Fix | None = None
) -> Violation:
    resource = claim.resource
    fields = {
        "kind": resource.id.kind,
        "name": resource.id.name,
        "field": format_path(claim.field or claim.holder),
        **_common_fields(views.inventory, name),
    }
    suggestions = _suggestions(views, name) if name else ()
    return Violation(
        location or views.locate(resource, at),
        fields,
        resource.id,
        suggestions,
        fix,
        related=views.inventory.storage_classes.all_files(),
    )


# --- SC002: values that no local template renders -------------------------------------------


@dataclass(frozen=True)
class ValuesParams:
    keys: tuple[str, ...] = field(
        default=("storageClass", "storageClassName"), metadata={"doc": "Values keys that hold a StorageClass name."}
    )
    parent_keys: tuple[str, ...] = field(
        default=("className", "class"), metadata={"doc": "Keys that hold one under a storage-like parent key."}
    )
    parent_pattern: str = field(
        default="(?i)storage|persist|pvc|volume|disk",
        metadata={"doc": "Regex a parent key must match for `parentKeys` to count.", "schema": {"format": "regex"}},
    )


def _storage_key(vpath: YamlPath, params: ValuesParams, parent_pattern: re.Pattern[str]) -> bool:
    last = vpath[-1] if vpath else None
    if not isinstance(last, str):
        return False
    if last in params.keys:
        return True
    return last in params.parent_keys and any(isinstance(p, str) and parent_pattern.search(p) for p in vpath[:-1])


def _consumed(vpath: YamlPath, used: frozenset[tuple[str, ...]]) -> bool:
    """A template reads `vpath` when it reads the path or any ancestor (e.g. via toYaml)."""
    return any(read_covers(ref, vpath) for ref in used)


def check_values(views: Views, params: ValuesParams) -> Iterator[Violation]:
    """StorageClass names in values that no local template renders (subchart values)."""
    inventory = views.inventory
    parent_pattern = re.compile(params.parent_pattern)
    related = inventory.storage_classes.all_files()
    for rendering in inventory.renderings:
        if not inventory.release_may_keep(rendering, related):
            continue
        release = views.release(rendering)
        leaves = list(release.leaves())
        static = _values_volume_classes(release.merged, leaves)
        for vpath, value, layer in leaves:
            if not isinstance(value, str) or value in NO_CLASS:
                continue
            if vpath and vpath[0] in rendering.rendered_subcharts:
                continue  # a vendored subchart renders it: the rendered object is checked
            if not _storage_key(vpath, params, parent_pattern):
                continue
            if _consumed(vpath, rendering.used_values):
                continue
            if value in static or _state(views, value, rendering.viewer) not in ("undefined", "disabled-only"):
                continue
            fields = {**_common_fields(inventory, value), "key": format_path(vpath), "chart": rendering.chart_dir}
            undeployed = value in inventory.storage_classes.undeployed
            fields["why"] = f"only {fields['defined_by']} defines" if undeployed else "no enabled app defines"
            location = layer.locate(vpath)
            fix = _rename_fix(inventory, location, value, layer.file_path(vpath))
            yield Violation(
                location,
                fields,
                None,
                _suggestions(views, value),
                fix,
                related=related,
            )


def _values_volume_classes(merged: Any, leaves: Sequence[tuple[YamlPath, Any, Any]]) -> frozenset[str]:
    """The classes of PersistentVolume manifests written out in values (a chart's raw-resources
    values, as bjw-s app-template's `rawResources`): static volumes, which need no StorageClass."""
    return frozenset(
        str(value)
        for vpath, value, _ in leaves
        if vpath[-2:] == ("spec", "storageClassName") and get_path(merged, (*vpath[:-2], "kind")) == "PersistentVolume"
    )


# --- SC003: `| default "X"` fallbacks in templates ------------------------------------------

_LINE_KEY = re.compile(r"^\s*(?:-\s+)?([\w.-]+)\s*:")


@dataclass(frozen=True)
class DefaultsParams:
    keys: tuple[str, ...] = field(
        default=("storageClass", "storageClassName", "className"),
        metadata={"doc": "Template keys whose `default` fallback names a StorageClass."},
    )


def check_template_defaults(views: Views, params: DefaultsParams) -> Iterator[Violation]:
    inventory = views.inventory
    deployed_charts = {rendering.chart_dir for rendering in inventory.renderings}
    for chart in inventory.model.charts:
        if chart.dir not in deployed_charts:
            continue
        for template in chart.templates:
            lines = template.source.splitlines()
            for line_number, refs in sorted(template.refs.items()):
                if not refs.defaults:
                    continue
                text = lines[line_number - 1] if line_number <= len(lines) else ""
                key = _LINE_KEY.match(text)
                if not key or key.group(1) not in params.keys:
                    continue
                for fallback in refs.defaults:
                    if fallback in NO_CLASS or views.visibility.storage_class_anywhere(fallback):
                        continue
                    if views.unrendered.storage_class(fallback) or inventory.distribution_storage_class(fallback):
                        continue
                    column = text.find(f'"{fallback}"') + 1 or 1
                    fields = {**_common_fields(inventory, fallback), "key": key.group(1), "chart": chart.dir}
                    location = Location(template.path, line_number, column)
                    yield Violation(
                        location,
                        fields,
                        None,
                        _suggestions(views, fallback),
                        _rename_fix(inventory, location, fallback, None),
                        related=inventory.storage_classes.all_files(),
                    )


_FIELDS = frozenset({"class", "defined", "defined_in", "advice", "defined_by", "enable"})

CHECKS: list[AnyCheck] = [
    Check(
        "storage-class-reference",
        check_references,
        ReferenceParams,
        _FIELDS | {"kind", "name", "field"},
        "Claims (PVCs, volumeClaimTemplates, ephemeral volumes, CNPG storage) checked against the StorageClasses "
        "the cluster will have.",
        fixes=True,
    ),
    Check(
        "values-storage-class",
        check_values,
        ValuesParams,
        _FIELDS | {"key", "chart", "why"},
        "StorageClass names in the values of charts whose templates do not render here.",
        fixes=True,
    ),
    Check(
        "template-default-storage-class",
        check_template_defaults,
        DefaultsParams,
        _FIELDS | {"key", "chart"},
        '`default "X"` StorageClass fallbacks in chart templates.',
        fixes=True,
    ),
]
