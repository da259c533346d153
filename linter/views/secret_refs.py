"""Secret references: every place an object (or a chart's values) names a Secret, with the keys
it needs, as declared in rules/secrets/references/*.yaml (and the user's ruleDirs).

Object references are read from the objects themselves; values references (a chart whose
templates do not render here, e.g. an unvendored dependency) from the release's values, through
HelmValues, so precedence and `condition` are Helm's.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..inventory import Inventory
from ..model import Location, Rendering, Resource, Viewer, YamlPath, format_path, get_path
from ..model.objpath import POD_SPECS, expand_path, kind_matches
from .values import ReleaseValues


@dataclass(frozen=True)
class SecretRef:
    namespace: str | None
    name: str
    keys: tuple[str, ...]  # keys it needs; empty: only the Secret
    optional: bool
    group: str
    what: str  # e.g. "env secretKeyRef"
    locate: Callable[[], Location] = field(repr=False, compare=False)
    resource: Resource | None  # None for values-level references
    app: str | None
    viewer: Viewer  # what it can count on (views/visibility.py)

    @functools.cached_property
    def location(self) -> Location:
        """The line to edit, worked out only when asked: most references resolve and are never
        reported, and locating a rendered field walks its document's positions."""
        return self.locate()


def _text(data: Any, path: str) -> str | None:
    value = get_path(data, tuple(path.split("."))) if path not in ("", ".") else data
    return str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) and value != "" else None


def _truthy(data: Any, path: str) -> bool:
    value = get_path(data, tuple(path.split(".")))
    return bool(value) and str(value).lower() not in ("false", "0")


def _kinds(match: Sequence[str]) -> list[tuple[str, str]]:
    """(kind selector, pod spec path) pairs; `@workloads` expands to every workload kind."""
    out: list[tuple[str, str]] = []
    for kind in match:
        if kind == "@workloads":
            out.extend(POD_SPECS.items())
        else:
            out.append((kind, ""))
    return out


Locate = Callable[[Resource, YamlPath], Location]


def object_refs(
    spec: Mapping[str, Any], inventory: Inventory, locate: Locate, keep: Callable[[Resource], bool] | None = None
) -> Iterator[SecretRef]:
    for selector, pod in _kinds(spec.get("match") or []):
        for resource in inventory.of_kind(selector):
            if not kind_matches(selector, resource.id) or (keep is not None and not keep(resource)):
                continue
            for ref in spec.get("refs") or []:
                yield from _refs_at(spec, ref, resource, ref["at"].replace("{pod}", pod), locate)


def _refs_at(
    spec: Mapping[str, Any], ref: Mapping[str, Any], resource: Resource, at: str, locate: Locate
) -> Iterator[SecretRef]:
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
        explicit = _text(node, ref["namespace"]) if ref.get("namespace") and isinstance(node, dict) else None
        optional = bool(ref.get("optional") and isinstance(node, dict) and _truthy(node, ref["optional"]))
        yield SecretRef(
            explicit or resource.id.namespace,
            name,
            tuple(keys),
            optional,
            spec["group"],
            ref.get("what") or format_path(name_path),
            functools.partial(locate, resource, name_path),
            resource,
            resource.app,
            resource.viewer,
        )


def values_refs(
    spec: Mapping[str, Any], inventory: Inventory, release: Callable[[Rendering], ReleaseValues]
) -> Iterator[SecretRef]:
    """References in the values of an unrendered dependency named `values.chart`."""
    values_spec = spec["values"]
    for rendering in inventory.renderings:
        chart = inventory.charts.get(rendering.chart_dir)
        if chart is None:
            continue
        values = release(rendering)
        for dependency in chart.dependencies:
            if dependency.name != values_spec["chart"] or not values.enabled(dependency):
                continue
            if dependency.scope in rendering.rendered_subcharts:
                continue  # the subchart renders: its objects carry the references
            yield from _values_scope_refs(spec, values_spec, rendering, values, (dependency.scope,))


def _values_scope_refs(
    spec: Mapping[str, Any],
    values_spec: Mapping[str, Any],
    rendering: Rendering,
    values: ReleaseValues,
    scope: tuple[str, ...],
) -> Iterator[SecretRef]:
    def lookup(path: str) -> tuple[Any, Location | None]:
        vpath = scope + tuple(path.split("."))
        layer = values.setter(vpath)
        return (get_path(layer.data, vpath), layer.locate(vpath)) if layer is not None else (None, None)

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
        what = "values " + ".".join((*scope, ref["name"]))
        yield SecretRef(
            rendering.namespace,
            name,
            tuple(k for k in keys if k and k != "None"),
            False,
            spec["group"],
            what,
            functools.partial(_known, location),
            None,
            rendering.app,
            rendering.viewer,
        )


def _known(location: Location) -> Location:
    return location
