"""StorageClass references: rendered objects (SC001/SC004/SC005), values (SC002), template defaults (SC003)."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Mapping

from ..findings import Fix, Violation
from ..inventory import Inventory
from ..model import Location, Resource, YamlPath, format_path, get_path
from ..provenance import locate
from .base import POD_SPECS, Check, expand_path, kind_matches

# Where objects name a StorageClass (domain.md C.3). `at` holds the claim spec; `fields` are tried
# in order (CNPG: storageClass wins over pvcTemplate.storageClassName); `omitted` says what a
# missing field means: the default class, or no class at all (PersistentVolume).
DEFAULT_REFERENCES: list[dict[str, Any]] = [
    {"kinds": ["PersistentVolumeClaim"], "at": "spec", "fields": ["storageClassName"], "omitted": "default"},
    {"kinds": ["PersistentVolume"], "at": "spec", "fields": ["storageClassName"], "omitted": "none"},
    {"kinds": ["StatefulSet"], "at": "spec.volumeClaimTemplates[*].spec", "fields": ["storageClassName"], "omitted": "default"},
    *[
        {"kinds": [kind], "at": f"{pod}.volumes[*].ephemeral.volumeClaimTemplate.spec", "fields": ["storageClassName"], "omitted": "default"}
        for kind, pod in POD_SPECS.items()
    ],
    *[
        {"kinds": ["postgresql.cnpg.io/Cluster"], "at": at, "fields": ["storageClass", "pvcTemplate.storageClassName"], "omitted": "default"}
        for at in ("spec.storage", "spec.walStorage", "spec.tablespaces[*].storage")
    ],
    {"kinds": ["postgresql.cnpg.io/Cluster"], "at": "spec.ephemeralVolumeSource.volumeClaimTemplate.spec", "fields": ["storageClassName"], "omitted": "default"},
]
NO_CLASS = ("", "-")  # "" is "no class"; Harbor's chart renders "-" as ""

_REFERENCE_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["kinds", "at", "fields"],
    "properties": {
        "kinds": {"type": "array", "items": {"type": "string"}, "minItems": 1},
        "at": {"type": "string"},
        "fields": {"type": "array", "items": {"type": "string"}, "minItems": 1},
        "omitted": {"enum": ["default", "none"]},
    },
}


@dataclass(frozen=True)
class ClassUse:
    resource: Resource
    holder: YamlPath
    field: YamlPath | None  # None: no class field at all
    value: Any


def _uses(inventory: Inventory, references: list[dict[str, Any]]) -> Iterator[tuple[ClassUse, dict[str, Any]]]:
    for reference in references:
        for kind in reference["kinds"]:
            for resource in _resources_of(inventory, kind):
                for holder in expand_path(resource.data, reference["at"]):
                    yield _use(resource, holder, reference["fields"]), reference


def _resources_of(inventory: Inventory, kind: str) -> Iterable[Resource]:
    bare = kind.rsplit("/", 1)[-1]
    return [r for r in inventory.by_kind.get(bare, ()) if kind_matches(kind, r.id)]


def _use(resource: Resource, holder: YamlPath, fields: list[str]) -> ClassUse:
    spec = get_path(resource.data, holder)
    for name in fields:
        path = tuple(name.split("."))
        if isinstance(spec, dict) and get_path(spec, path) is not None:
            return ClassUse(resource, holder, holder + path, get_path(spec, path))
    return ClassUse(resource, holder, None, None)


def rename_fix(inventory: Inventory, location: Location, name: str, ypath: YamlPath | None) -> Fix | None:
    """The config's `renames` as an edit: old class → new class, at the line to edit."""
    renamed = inventory.config.storage_class_renames.get(name)
    return Fix(location.path, location.line, name, renamed, ypath) if renamed else None


def suggestions(inventory: Inventory, name: str) -> tuple[str, ...]:
    """The configured rename, else close matches among the classes that exist."""
    renamed = inventory.config.storage_class_renames.get(name)
    if renamed:
        return (renamed,)
    return tuple(difflib.get_close_matches(name, inventory.known_storage_classes(), n=3, cutoff=0.6))


def _common_fields(inventory: Inventory, name: str) -> dict[str, Any]:
    known = inventory.known_storage_classes()
    files = inventory.storage_class_files()
    disabled = sorted({r.app or "?" for r in inventory.undeployed_storage_classes.get(name, ())})
    defined = ", ".join(f"`{k}`" for k in known)
    where = ", ".join(files) if files else "the config's cluster.storageClasses"
    advice = (f"Use one of the classes defined in {where}: {defined}" if known else
              "No StorageClass is defined: add one to an enabled app, or list the cluster's classes under "
              "cluster.storageClasses in .m0sh1-lint.yaml")
    return {
        "class": name,
        "defined": defined or "none",
        "defined_in": where,
        "apps": ", ".join(f"`{a}`" for a in disabled),
        "advice": advice,
    }


def _class_files(inventory: Inventory) -> tuple[str, ...]:
    """Files that define StorageClasses: editing one can cause or cure a reference finding."""
    defs = list(inventory.storage_classes.values()) + list(inventory.undeployed_storage_classes.values())
    return tuple(sorted({r.doc.path for group in defs for r in group}))


def _state(inventory: Inventory, name: str, resource: Resource) -> str:
    if inventory.storage_class_known(name, resource.app if not resource.deployed else None):
        return "defined"
    if name in inventory.undeployed_storage_classes:
        return "disabled-only"
    return "undefined"


def check_references(inventory: Inventory, params: Mapping[str, Any]) -> Iterator[Violation]:
    """Rendered and plain objects whose StorageClass does not exist (or only in a disabled app)."""
    match = params.get("match", "undefined")
    references = DEFAULT_REFERENCES + list(params.get("additionalReferences", []))
    for use, reference in _uses(inventory, references):
        resource = use.resource
        base = {"kind": resource.id.kind, "name": resource.id.name, "field": format_path(use.field or use.holder)}
        if use.field is None or use.value is None:
            if match == "default-missing" and reference.get("omitted", "default") == "default" and not inventory.default_storage_classes:
                provenance = locate(resource, use.holder)
                yield Violation(provenance.location, {**base, **_common_fields(inventory, "")}, resource.id)
            continue
        name = str(use.value)
        if name in NO_CLASS or match == "default-missing":
            continue
        state = _state(inventory, name, resource)
        if state != match:
            continue
        provenance = locate(resource, use.field)
        if match == "undefined" and provenance.kind == "template-default":
            continue  # SC003 reports template fallbacks, at the same line
        ypath = provenance.file_path if provenance.kind == "values" else (use.field if provenance.kind == "manifest" else None)
        fix = rename_fix(inventory, provenance.location, name, ypath)
        yield Violation(provenance.location, {**base, **_common_fields(inventory, name)}, resource.id, suggestions(inventory, name), fix,
                        related=_class_files(inventory))


# --- SC002: values that no local template renders -------------------------------------------


def _storage_key(ypath: YamlPath, keys: set[str], parent_pattern: re.Pattern[str], parent_keys: set[str]) -> bool:
    last = ypath[-1] if ypath else None
    if not isinstance(last, str):
        return False
    if last in keys:
        return True
    return last in parent_keys and any(isinstance(p, str) and parent_pattern.search(p) for p in ypath[:-1])


def _leaves(data: Any, prefix: YamlPath = ()) -> Iterator[tuple[YamlPath, Any]]:
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _leaves(value, prefix + (key,))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _leaves(value, prefix + (index,))
    else:
        yield prefix, data


def _consumed(vpath: YamlPath, used: frozenset[tuple[str, ...]]) -> bool:
    """A template reads `vpath` when it reads the path or any ancestor (e.g. via toYaml)."""
    for ref in used:
        if len(ref) <= len(vpath) and all(r == "*" or r == str(v) for r, v in zip(ref, vpath)):
            return True
    return False


def _resembles(value: str, known: list[str]) -> bool:
    """Named like the classes that exist: shares their first two dash-separated words."""
    parts = value.split("-")
    if len(parts) < 3:
        return False
    return any(k.split("-")[:2] == parts[:2] for k in known)


def check_values(inventory: Inventory, params: Mapping[str, Any]) -> Iterator[Violation]:
    """StorageClass names in values files that no local template renders (subchart values)."""
    keys = set(params.get("keys", ["storageClass", "storageClassName"]))
    parent_keys = set(params.get("parentKeys", ["className", "class"]))
    parent_pattern = re.compile(params.get("parentPattern", "(?i)storage|persist|pvc|volume|disk"))
    by_resemblance = params.get("resemblance", True)
    known = inventory.known_storage_classes()
    for rendering in inventory.model.renderings:
        for layer in rendering.values:
            for vpath, value in _leaves(layer.data):
                if not isinstance(value, str) or value in NO_CLASS:
                    continue
                if vpath and vpath[0] in rendering.rendered_subcharts:
                    continue  # a vendored subchart renders it: the rendered object is checked
                if _consumed(vpath, rendering.used_values):
                    continue
                if not (_storage_key(vpath, keys, parent_pattern, parent_keys) or (by_resemblance and _resembles(value, known))):
                    continue
                if inventory.storage_class_known(value, rendering.app if not rendering.deployed else None):
                    continue
                fields = {**_common_fields(inventory, value), "key": format_path(vpath), "chart": rendering.chart_dir}
                fields["why"] = (f"only the disabled Application {fields['apps']} defines"
                                 if value in inventory.undeployed_storage_classes else "no enabled app defines")
                location = layer.locate(vpath)
                fix = rename_fix(inventory, location, value, layer.prefix + vpath if layer.doc is not None else None)
                yield Violation(location, fields, None, suggestions(inventory, value), fix, related=_class_files(inventory))


# --- SC003: `| default "X"` fallbacks in templates ------------------------------------------

_LINE_KEY = re.compile(r"^\s*(?:-\s+)?([\w.-]+)\s*:")


def check_template_defaults(inventory: Inventory, params: Mapping[str, Any]) -> Iterator[Violation]:
    keys = set(params.get("keys", ["storageClass", "storageClassName", "className"]))
    for chart in inventory.model.charts:
        lines_cache: dict[str, list[str]] = {}
        for template in chart.templates:
            for line_number, refs in sorted(template.refs.items()):
                if not refs.defaults:
                    continue
                lines = lines_cache.setdefault(template.path, template.source.splitlines())
                text = lines[line_number - 1] if line_number <= len(lines) else ""
                key = _LINE_KEY.match(text)
                if not key or key.group(1) not in keys:
                    continue
                for fallback in refs.defaults:
                    if fallback in NO_CLASS or inventory.storage_class_known(fallback):
                        continue
                    column = text.find(f'"{fallback}"') + 1 or 1
                    fields = {**_common_fields(inventory, fallback), "key": key.group(1), "chart": chart.dir}
                    location = Location(template.path, line_number, column)
                    yield Violation(location, fields, None, suggestions(inventory, fallback), rename_fix(inventory, location, fallback, None),
                                    related=_class_files(inventory))


REFERENCE_PARAMS = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "match": {"enum": ["undefined", "disabled-only", "default-missing"]},
        "additionalReferences": {"type": "array", "items": _REFERENCE_SCHEMA},
    },
}
VALUES_PARAMS = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "keys": {"type": "array", "items": {"type": "string"}},
        "parentKeys": {"type": "array", "items": {"type": "string"}},
        "parentPattern": {"type": "string"},
        "resemblance": {"type": "boolean"},
    },
}
DEFAULTS_PARAMS = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"keys": {"type": "array", "items": {"type": "string"}}},
}
_FIELDS = frozenset({"class", "defined", "defined_in", "apps", "advice"})

CHECKS = [
    Check("storage-class-reference", check_references, REFERENCE_PARAMS, _FIELDS | {"kind", "name", "field"}),
    Check("values-storage-class", check_values, VALUES_PARAMS, _FIELDS | {"key", "chart", "why"}),
    Check("template-default-storage-class", check_template_defaults, DEFAULTS_PARAMS, _FIELDS | {"key", "chart"}),
]
