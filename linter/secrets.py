"""The secret inventory: every Secret the cluster will contain and every reference to one.

Both sides are declared as data (rules/secrets/producers/*.yaml, rules/secrets/references/*.yaml,
plus the user's ruleDirs), so supporting another operator needs YAML, not Python. Pure: it reads
the RepoModel and the specs, never the filesystem.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Iterator, Mapping

from .objpath import POD_SPECS, expand_path, kind_matches
from .model import Location, Resource, Rendering, YamlPath, format_path, get_path
from .provenance import locate

REFLECTOR = "reflector.v1.k8s.emberstack.com/"
_TEMPLATE_FIELD = re.compile(r"\{([^{}]+)\}")


@dataclass(frozen=True)
class ProducedSecret:
    namespace: str | None
    name: str
    keys: frozenset[str] | None  # None: any key (cannot be known, e.g. ExternalSecret dataFrom)
    resource: Resource | None  # None for config-declared secrets
    producer: str  # producer spec name, or "config"
    deployed: bool
    mirrored_from: str | None = None  # namespace of the original, for Reflector copies

    @property
    def where(self) -> str:
        return self.resource.doc.path if self.resource else "the config's cluster.secrets"


@dataclass(frozen=True)
class SecretRef:
    namespace: str | None
    name: str
    keys: tuple[str, ...]  # keys it needs; empty: only the Secret
    optional: bool
    group: str
    what: str  # e.g. "env secretKeyRef"
    location: Location
    resource: Resource | None  # None for values-level references
    deployed: bool
    app: str | None


# --- small path helpers shared by producers and references -----------------------------------


def _text(data: Any, path: str) -> str | None:
    value = get_path(data, tuple(path.split("."))) if path not in ("", ".") else data
    return str(value) if isinstance(value, (str, int)) and value != "" else None


def render_template(template: str, data: Any) -> str | None:
    """"{metadata.name}-app" → "harbor-postgres-app"; None when a field is missing."""
    missing = False

    def substitute(match: re.Match[str]) -> str:
        nonlocal missing
        for alternative in match.group(1).split("|"):
            value = _text(data, alternative.strip())
            if value is not None:
                return value
        missing = True
        return ""

    out = _TEMPLATE_FIELD.sub(substitute, template)
    return None if missing else out


def _truthy(data: Any, path: str) -> bool:
    value = get_path(data, tuple(path.split(".")))
    return bool(value) and str(value).lower() not in ("false", "0")


# --- producers -------------------------------------------------------------------------------


def _keys(spec: Mapping[str, Any], data: Any) -> frozenset[str] | None:
    if any(get_path(data, tuple(p.split("."))) is not None for p in spec.get("anyKeysIf", ())):
        return None
    keys: set[str] = set()
    for entry in spec.get("keys", ()):
        if isinstance(entry, str):
            keys.add(entry)
            continue
        if entry.get("unlessFalse") and get_path(data, tuple(entry["unlessFalse"].split("."))) is False:
            continue
        keys.add(_text(data, entry["from"]) if entry.get("from") and _text(data, entry["from"]) else entry["name"])
    for path in spec.get("keysFrom", ()):
        value = get_path(data, tuple(path.split(".")))
        if isinstance(value, dict):
            keys.update(str(k) for k in value)
    for path in spec.get("keysAt", ()):
        for ypath in expand_path(data, path):
            value = get_path(data, ypath)
            if isinstance(value, str):
                keys.add(value)
    return frozenset(keys)


def _annotations(spec: Mapping[str, Any], data: Any) -> dict[str, str]:
    merged: dict[str, str] = {}
    for path in spec.get("annotations", ()):
        value = get_path(data, tuple(path.split(".")))
        if isinstance(value, dict):
            merged.update({str(k): str(v) for k, v in value.items()})
    return merged


def _mirror_namespaces(annotations: Mapping[str, str], namespaces: set[str]) -> set[str]:
    """Reflector auto-mirrors: the listed namespaces (regexes allowed), or all when unlisted."""
    if str(annotations.get(REFLECTOR + "reflection-auto-enabled", "")).lower() != "true":
        return set()
    listed = annotations.get(REFLECTOR + "reflection-auto-namespaces") or annotations.get(REFLECTOR + "reflection-allowed-namespaces") or ""
    patterns = [p.strip() for p in listed.split(",") if p.strip()]
    if not patterns:
        return set(namespaces)
    out = set()
    for pattern in patterns:
        for namespace in namespaces:
            try:
                if namespace == pattern or re.fullmatch(pattern, namespace):
                    out.add(namespace)
            except re.error:
                continue
    return out


def produced_secrets(resources: tuple[Resource, ...], producers: list[Mapping[str, Any]],
                     config_secrets: tuple[Mapping[str, Any], ...]) -> list[ProducedSecret]:
    namespaces = {r.id.namespace for r in resources if r.id.namespace}
    out: list[ProducedSecret] = []
    for producer in producers:
        sources = set(producer.get("sources") or ("rendered", "manifest", "generated"))
        for resource in resources:
            if resource.source.value not in sources or not any(kind_matches(k, resource.id) for k in producer["match"]):
                continue
            data = resource.data
            for spec in producer["produces"]:
                if spec.get("when") and not _truthy(data, spec["when"]):
                    continue
                if spec.get("unless") and _truthy(data, spec["unless"]):
                    continue
                name = render_template(spec["name"], data)
                if not name:
                    continue
                namespace = render_template(spec["namespace"], data) if spec.get("namespace") else resource.id.namespace
                keys = _keys(spec, data)
                secret = ProducedSecret(namespace, name, keys, resource, producer["name"], resource.deployed)
                out.append(secret)
                for mirror in sorted(_mirror_namespaces(_annotations(spec, data), namespaces) - {namespace}):
                    out.append(ProducedSecret(mirror, name, keys, resource, producer["name"], resource.deployed, namespace))
    for entry in config_secrets:
        keys = frozenset(entry["keys"]) if entry.get("keys") is not None else None
        out.append(ProducedSecret(entry["namespace"], entry["name"], keys, None, "config", True))
    return out


# --- references ------------------------------------------------------------------------------


def _kinds(match: list[str]) -> list[tuple[str, str]]:
    """(kind selector, pod spec path) pairs; `@workloads` expands to every workload kind."""
    out = []
    for kind in match:
        if kind == "@workloads":
            out.extend(POD_SPECS.items())
        else:
            out.append((kind, ""))
    return out


def _object_refs(spec: Mapping[str, Any], resources: tuple[Resource, ...]) -> Iterator[SecretRef]:
    for selector, pod in _kinds(spec.get("match") or []):
        for resource in resources:
            if not kind_matches(selector, resource.id):
                continue
            for ref in spec.get("refs") or []:
                yield from _refs_at(spec, ref, resource, ref["at"].replace("{pod}", pod))


def _refs_at(spec: Mapping[str, Any], ref: Mapping[str, Any], resource: Resource, at: str) -> Iterator[SecretRef]:
    for node_path in expand_path(resource.data, at):
        node = get_path(resource.data, node_path)
        name_path: YamlPath = node_path if ref["name"] == "." else node_path + tuple(ref["name"].split("."))
        name = get_path(resource.data, name_path)
        if not isinstance(name, str) or not name:
            continue
        keys: list[str] = list(ref.get("keys") or ())
        if ref.get("key") and isinstance(node, dict):
            key = _text(node, ref["key"])
            if key:
                keys.append(key)
        if ref.get("keysAt") and isinstance(node, dict):
            keys.extend(str(get_path(node, p)) for p in expand_path(node, ref["keysAt"]))
        namespace = (_text(node, ref["namespace"]) if ref.get("namespace") and isinstance(node, dict) else None) or resource.id.namespace
        optional = bool(ref.get("optional") and isinstance(node, dict) and _truthy(node, ref["optional"]))
        location = locate(resource, name_path).location
        yield SecretRef(namespace, name, tuple(keys), optional, spec["group"], ref.get("what") or format_path(name_path),
                        location, resource, resource.deployed, resource.app)


def _values_refs(spec: Mapping[str, Any], renderings: tuple[Rendering, ...], charts: Mapping[str, Any]) -> Iterator[SecretRef]:
    values_spec = spec["values"]
    for rendering in renderings:
        chart = charts.get(rendering.chart_dir)
        if chart is None:
            continue
        for dependency in chart.dependencies:
            if dependency.get("name") != values_spec["chart"] or _disabled(dependency, rendering):
                continue
            scope = str(dependency.get("alias") or dependency.get("name"))
            if scope in rendering.rendered_subcharts:
                continue  # the subchart renders: its objects carry the references
            yield from _values_scope_refs(spec, values_spec, rendering, (scope,))


def _disabled(dependency: Mapping[str, Any], rendering: Rendering) -> bool:
    """Helm's `condition`: the first of its comma-separated value paths that is set decides."""
    for path in str(dependency.get("condition") or "").split(","):
        path = path.strip()
        if not path:
            continue
        for layer in reversed(rendering.values):
            value = get_path(layer.data, tuple(path.split(".")))
            if value is not None:
                return value is False
    return False


def _values_scope_refs(spec: Mapping[str, Any], values_spec: Mapping[str, Any], rendering: Rendering, scope: tuple[str, ...]) -> Iterator[SecretRef]:
    def lookup(path: str) -> tuple[Any, Location | None]:
        vpath = scope + tuple(path.split("."))
        for layer in reversed(rendering.values):
            value = get_path(layer.data, vpath)
            if value is not None:
                return value, layer.locate(vpath)
        return None, None

    for ref in values_spec["refs"]:
        name, location = lookup(ref["name"])
        if not isinstance(name, str) or not name or location is None:
            continue
        when = ref.get("when")
        if when and str(lookup(when["path"])[0]) != str(when["equals"]):
            continue
        keys = list(ref.get("keys") or ())
        if ref.get("key") or ref.get("keyDefault"):
            key_value = lookup(ref["key"])[0] if ref.get("key") else None
            keys.append(str(key_value) if key_value else str(ref.get("keyDefault")))
        what = "values " + ".".join(scope + (ref["name"],))
        yield SecretRef(rendering.namespace, name, tuple(k for k in keys if k and k != "None"), False, spec["group"], what,
                        location, None, rendering.deployed, rendering.app)


def secret_references(resources: tuple[Resource, ...], renderings: tuple[Rendering, ...], charts: Mapping[str, Any],
                      references: list[Mapping[str, Any]]) -> list[SecretRef]:
    out: list[SecretRef] = []
    for spec in references:
        if spec.get("refs"):
            out.extend(_object_refs(spec, resources))
        if spec.get("values"):
            out.extend(_values_refs(spec, renderings, charts))
    return out


def index(secrets: list[ProducedSecret]) -> dict[tuple[str | None, str], list[ProducedSecret]]:
    by_key: dict[tuple[str | None, str], list[ProducedSecret]] = defaultdict(list)
    for secret in secrets:
        by_key[(secret.namespace, secret.name)].append(secret)
    return dict(by_key)
