"""Views: typed read models derived from the inventory, each the only implementation of one
semantic. Built lazily, once per run; checks ask them and never re-derive.

| view | module | semantic |
|---|---|---|
| `release(rendering)`, `values_of(resource)` | values.py | Helm values: precedence, subcharts, `global`, conditions |
| `locate(resource, path)` | provenance.py | the line the user must edit for a rendered field |
| `workloads` | workloads.py | pod templates of every workload kind, with scheduling fields |
| (functions) | scheduling.py | selectors, node affinity, taints and tolerations as the scheduler reads them |
| `visibility` | visibility.py | which objects a referrer can count on (its cluster; a staged app's own objects) |
| `claims` | claims.py | every claim spec and the StorageClass it names |
| `secret_refs` | secret_refs.py | every reference to a Secret, with the keys it needs |
| `unrendered` | unrendered.py | what charts that could not be rendered may create |
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import cached_property
from typing import Any, TypeVar

from ..core.kept import ResultStore, kept
from ..inventory import Inventory
from ..model import Location, Rendering, Resource, YamlPath
from .claims import Claim, claims
from .provenance import Provenance, locate
from .secret_refs import SecretRef, object_refs, values_refs
from .unrendered import UnrenderedCharts
from .values import ReleaseValues
from .visibility import Visibility
from .workloads import CNPG_CLUSTER, WORKLOAD_GROUPS, Workload, cnpg_workload, pod_workload, values_workloads

T = TypeVar("T")


class _Failed:
    """A memoised computation that raised: raising again is cheaper than recomputing."""

    def __init__(self, error: Exception) -> None:
        self.error = error


class Views:
    """The derived read models of one run. Not shared between runs; `store` keeps results that
    depend only on their inputs from one run to the next (`kept`)."""

    def __init__(
        self, inventory: Inventory, references: Sequence[Mapping[str, Any]] = (), store: ResultStore | None = None
    ) -> None:
        self.inventory = inventory
        self._references = tuple(references)
        self._releases: dict[tuple[int, tuple[str, ...]], ReleaseValues] = {}
        self._memo: dict[str, object] = {}
        self._store = store

    # --- values and provenance -----------------------------------------------------------------

    def release(self, rendering: Rendering, subchart: tuple[str, ...] = ()) -> ReleaseValues:
        """The values of a release (chart values.yaml first), or what one of its subcharts sees."""
        key = (id(rendering), subchart)
        if key not in self._releases:
            whole = self._releases.get((id(rendering), ())) or ReleaseValues(rendering.values)
            self._releases[(id(rendering), ())] = whole
            self._releases[key] = whole.scoped(subchart)
        return self._releases[key]

    def values_of(self, resource: Resource) -> ReleaseValues | None:
        """What the template that rendered `resource` saw; None for a plain manifest."""
        origin = resource.render
        return None if origin is None else self.release(origin.rendering, origin.subchart)

    def provenance(self, resource: Resource, ypath: YamlPath) -> Provenance:
        return locate(resource, ypath, self.values_of(resource))

    def locate(self, resource: Resource, ypath: YamlPath) -> Location:
        """The line the user must edit for `ypath` of `resource`."""
        return self.provenance(resource, ypath).location

    # --- derived collections ---------------------------------------------------------------------

    @cached_property
    def visibility(self) -> Visibility:
        return Visibility(self.inventory)

    @cached_property
    def unrendered(self) -> UnrenderedCharts:
        return UnrenderedCharts(self.inventory.model)

    @cached_property
    def claims(self) -> tuple[Claim, ...]:
        return tuple(claims(self.inventory))

    @cached_property
    def static_volume_classes(self) -> frozenset[str]:
        """The classes deployed PersistentVolumes carry. A claim of such a class binds to one of
        them with no StorageClass object of that name (static provisioning, the Kubernetes docs'
        `storageClassName: manual`); the PV's own class needs none either."""
        return frozenset(
            c.class_name for c in self.claims if c.site.kinds == ("PersistentVolume",) and c.class_name is not None
        )

    @cached_property
    def workloads(self) -> tuple[Workload, ...]:
        out: list[Workload] = []
        for kind in ("Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"):
            for resource in self.inventory.of_kind(kind):
                if resource.id.group in WORKLOAD_GROUPS:
                    workload = pod_workload(resource, self._locator(resource))
                    if workload is not None:
                        out.append(workload)
        for resource in self.inventory.of_kind(CNPG_CLUSTER):
            out.append(cnpg_workload(resource, self._locator(resource)))
        for rendering in self.inventory.renderings:
            chart = self.inventory.charts.get(rendering.chart_dir)
            if chart is not None and chart.dependencies:
                release = self.release(rendering)
                scopes = iter([(d.scope, release.enabled(d)) for d in chart.dependencies])
                out.extend(values_workloads(rendering, release, scopes))
        return tuple(out)

    @cached_property
    def secret_refs(self) -> tuple[SecretRef, ...]:
        return self.secret_refs_of(None)

    def secret_refs_of(self, keep: Callable[[Resource], bool] | None) -> tuple[SecretRef, ...]:
        """The references of the objects `keep` accepts (all when None), and every values
        reference: what a check needs under --changed when only some objects can matter."""
        out: list[SecretRef] = []
        for spec in self._references:
            if spec.get("refs"):
                out.extend(object_refs(spec, self.inventory, self.locate, keep))
            if spec.get("values"):
                out.extend(values_refs(spec, self.inventory, self.release))
        return tuple(out)

    def _locator(self, resource: Resource) -> Callable[[YamlPath], Location]:
        return lambda ypath: self.locate(resource, ypath)

    # --- shared results of one check's rules ------------------------------------------------

    def kept(
        self, key: str | None, compute: Callable[[], T], encode: Callable[[T], Any], decode: Callable[[Any], T | None]
    ) -> T:
        """compute(), or what an earlier run kept under `key` (which must name all its inputs;
        None: not kept). `decode` returns None for what is not a value it encoded (damaged)."""
        return kept(self._store, key, compute, encode, decode)

    def memo(self, key: str, compute: Callable[[], T]) -> T:
        """A result several rules of one check share (one schema validation pass for KV001 and
        KV004). A computation that raised raises again without running twice."""
        if key not in self._memo:
            try:
                self._memo[key] = compute()
            except Exception as exc:
                self._memo[key] = _Failed(exc)
        found = self._memo[key]
        if isinstance(found, _Failed):
            raise found.error
        return found  # type: ignore[return-value]


__all__ = ["Claim", "ReleaseValues", "SecretRef", "Views", "Workload"]
