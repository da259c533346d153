"""HelmValues: the values one Helm release gets, as Argo CD and Helm compute them.

The only place that knows:
- precedence: the chart's values.yaml, then the Application's valueFiles in order, then
  `helm.values`, `helm.valuesObject`, `helm.parameters` (later wins; loaders/repo.py builds the
  layers in that order, views never reorder them);
- merging: nested mappings merge key by key, a `null` removes the key (model/values.py);
- subcharts: a dependency sees the parent's values under its alias (or name), plus the parent's
  `global` block, which wins over the subchart's own `global`;
- `condition` and `tags`: the first condition path that holds a boolean decides; otherwise any
  true tag enables and a false one disables; otherwise the dependency is enabled;
- where the user must edit a value: the highest-precedence layer that sets it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from ..model import Dependency, Location, ValuesLayer, YamlPath, get_path
from ..model.values import merge_all, without_nulls

GLOBAL = "global"


@dataclass(frozen=True)
class ReleaseValues:
    """The values of one release (or of one subchart inside it), layer by layer."""

    layers: tuple[ValuesLayer, ...]  # lowest precedence first

    @cached_property
    def merged(self) -> dict[str, Any]:
        """The effective values, as Helm computes them."""
        return without_nulls(merge_all(layer.data for layer in self.layers))

    def get(self, vpath: YamlPath, default: Any = None) -> Any:
        return get_path(self.merged, vpath, default)

    def setter(self, vpath: YamlPath) -> ValuesLayer | None:
        """The highest-precedence layer that sets `vpath` to something other than null."""
        for layer in reversed(self.layers):
            if get_path(layer.data, vpath) is not None:
                return layer
        return None

    def locate(self, vpath: YamlPath) -> Location | None:
        """Where the user must edit `vpath`: the layer that sets it, else the one that sets its
        nearest ancestor; None when no layer mentions it."""
        for cut in range(len(vpath), 0, -1):
            layer = self.setter(vpath[:cut])
            if layer is not None:
                return layer.locate(vpath)
        return None

    def scoped(self, scope: tuple[str, ...]) -> ReleaseValues:
        """What the subchart at `scope` (aliases from the parent down) sees of these values."""
        values = self
        for name in scope:
            values = values._child(name)
        return values

    def _child(self, name: str) -> ReleaseValues:
        layers: list[ValuesLayer] = []
        for layer in self.layers:
            data = layer.data.get(name)
            if isinstance(data, dict):
                layers.append(ValuesLayer(layer.label, data, layer.doc, (*layer.prefix, name), layer.location))
            globals_ = layer.data.get(GLOBAL)
            if isinstance(globals_, dict):  # the parent's globals win over the subchart's own
                layers.append(ValuesLayer(layer.label, {GLOBAL: globals_}, layer.doc, layer.prefix, layer.location))
        return ReleaseValues(tuple(layers))

    def enabled(self, dependency: Dependency) -> bool:
        """Helm's `condition`, then `tags`: is this dependency rendered?"""
        for path in (dependency.condition or "").split(","):
            steps = tuple(p for p in path.strip().split(".") if p)
            value = self.get(steps) if steps else None
            if isinstance(value, bool):
                return value
        tags = self.get(("tags",))
        states = [tags.get(tag) for tag in dependency.tags] if isinstance(tags, dict) else []
        if any(state is True for state in states):
            return True
        return not any(state is False for state in states)

    def leaves(self) -> Iterator[tuple[YamlPath, Any, ValuesLayer]]:
        """Every effective scalar (or empty collection) with the layer that set it."""
        yield from self._leaves(self.merged, ())

    def _leaves(self, data: Any, prefix: YamlPath) -> Iterator[tuple[YamlPath, Any, ValuesLayer]]:
        if isinstance(data, dict) and data:
            for key, value in data.items():
                yield from self._leaves(value, (*prefix, key))
        elif isinstance(data, list) and data:
            for index, value in enumerate(data):
                yield from self._leaves(value, (*prefix, index))
        else:
            layer = self._owner(prefix)
            if layer is not None:
                yield prefix, data, layer

    def _owner(self, vpath: YamlPath) -> ValuesLayer | None:
        """The layer an effective value comes from (lists are replaced whole, so the nearest
        layer that sets any ancestor list owns its items)."""
        for cut in range(len(vpath), 0, -1):
            layer = self.setter(vpath[:cut])
            if layer is not None:
                return layer
        return None
