"""Where the user must edit a rendered value: a values-file line, or the template line.

A rendered object's positions are already template lines. For the field in question this looks
at the `.Values` paths that template line uses and finds the highest-precedence values layer that
sets one of them (views/values.py). Values that arrive through `toYaml` blocks are found by
searching the subtrees the template reads for the same key and value; a fetched chart's value
read through a helper, by the one place the user's values hold it. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..model import Location, Resource, ValuesLayer, ValuesPath, YamlPath
from .values import ReleaseValues


@dataclass(frozen=True)
class Provenance:
    location: Location
    kind: str  # "values" | "template-default" | "template" | "manifest"
    values_path: YamlPath | None = None
    layer: str | None = None
    file_path: YamlPath | None = None  # the value's path inside the file to edit


def locate(resource: Resource, ypath: YamlPath, values: ReleaseValues | None) -> Provenance:
    """The line to edit for `ypath` of `resource`; `values` are what its template saw."""
    origin = resource.render
    here = resource.doc.location(ypath)
    if origin is None or values is None:
        return Provenance(here, "manifest")
    value = resource.get(ypath)
    template_line = (origin.trace or resource.doc).location(ypath).line
    line_refs = origin.template.refs.get(template_line)
    layers = values.layers
    if line_refs is not None:
        for ref in line_refs.values:
            found = _find(layers, ref, value, exact=True)
            if found:
                return found
        if value is not None and str(value) in line_refs.defaults:
            return Provenance(here, "template-default")
        for ref in line_refs.values:
            found = _find(layers, ref, value, exact=False)
            if found:
                return found
    last = ypath[-1] if ypath else None
    if value is not None and not isinstance(value, (dict, list)) and isinstance(last, str):
        found = _search_subtrees(resource, layers, last, value)
        if found:
            return found
    if (origin.from_archive or origin.upstream is not None) and _distinctive(value):
        found = _only_place(layers, value)  # read through a helper (`include "x.secretName"`)
        if found:
            return found
    return Provenance(here, "template")


def _find(layers: tuple[ValuesLayer, ...], ref: ValuesPath, value: Any, exact: bool) -> Provenance | None:
    for layer in reversed(layers):
        for vpath, found in _expand(layer.data, ref):
            if not exact or _same(found, value):
                return _values(layer, vpath)
    return None


def _values(layer: ValuesLayer, vpath: YamlPath) -> Provenance:
    return Provenance(layer.locate(vpath), "values", vpath, layer.label, layer.file_path(vpath))


def _expand(data: Any, ref: ValuesPath, prefix: YamlPath = ()) -> Iterator[tuple[YamlPath, Any]]:
    """Concrete paths matching `ref`, where "*" matches every key or list index."""
    if not ref:
        yield prefix, data
        return
    head, rest = ref[0], ref[1:]
    if head == "*":
        items: Any = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
        for key, child in items:
            yield from _expand(child, rest, (*prefix, key))
    elif isinstance(data, dict) and head in data:
        yield from _expand(data[head], rest, (*prefix, head))


def _same(found: Any, value: Any) -> bool:
    if isinstance(found, (dict, list)) or isinstance(value, (dict, list)):
        return False
    return found is not None and str(found) == str(value)


def _search_subtrees(resource: Resource, layers: tuple[ValuesLayer, ...], key: str, value: Any) -> Provenance | None:
    """A value that came through `toYaml .Values.x`: find `key: value` under a path the template reads."""
    assert resource.render is not None
    refs = {ref for line in resource.render.template.refs.values() for ref in line.values}
    for layer in reversed(layers):
        for ref in sorted(refs):
            for base, subtree in _expand(layer.data, ref):
                hit = _find_leaf(subtree, key, value)
                if hit is not None:
                    return _values(layer, base + hit)
    return None


def _find_leaf(data: Any, key: str, value: Any, prefix: YamlPath = ()) -> YamlPath | None:
    if isinstance(data, dict):
        for k, child in data.items():
            if k == key and _same(child, value):
                return (*prefix, k)
            found = _find_leaf(child, key, value, (*prefix, k))
            if found is not None:
                return found
    elif isinstance(data, list):
        for index, child in enumerate(data):
            found = _find_leaf(child, key, value, (*prefix, index))
            if found is not None:
                return found
    return None


_COMMON_WORDS = frozenset({"true", "false", "null", "none", "yes", "enabled", "disabled", "default"})


def _distinctive(value: Any) -> bool:
    """A string that does not turn up in values by chance (a Secret or class name, not `true`)."""
    if not isinstance(value, str) or len(value) < 4 or value.lower() in _COMMON_WORDS:
        return False
    return not value.replace(".", "").isdigit()


def _only_place(layers: tuple[ValuesLayer, ...], value: Any) -> Provenance | None:
    """An upstream template's value that the user's values set at exactly one path (in the
    highest-precedence layer that sets it there): where to edit it, although the template reads
    it through a helper the line's `.Values` references do not show."""
    hits = [(layer, vpath) for layer in reversed(layers) for vpath in _leaves_equal(layer.data, value)]
    if not hits or len({vpath for _, vpath in hits}) != 1:
        return None
    layer, vpath = hits[0]
    return _values(layer, vpath)


def _leaves_equal(data: Any, value: Any, prefix: YamlPath = ()) -> Iterator[YamlPath]:
    if isinstance(data, dict):
        for key, child in data.items():
            yield from _leaves_equal(child, value, (*prefix, key))
    elif isinstance(data, list):
        for index, child in enumerate(data):
            yield from _leaves_equal(child, value, (*prefix, index))
    elif _same(data, value):
        yield prefix
