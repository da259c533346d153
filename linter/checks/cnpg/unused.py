"""PG011: an ObjectStore (Barman Cloud plugin) that no Cluster names: not archived to, not
recovered from. Usually the wiring has a typo (PG004 reports the Cluster's side) or a migration
stopped half-way."""

from __future__ import annotations

from collections.abc import Iterator

from ...core.suggest import close_matches
from ...model import Resource, Violation
from ...views import Views
from ..base import NoParams
from .shared import CLUSTER, OBJECT_STORE, mapping, namespace, plugins, violation


def _named_stores(cluster: Resource) -> set[str]:
    """The ObjectStores a Cluster names: its plugin entries and its externalClusters' plugins."""
    names = {str(mapping(p.get("parameters")).get("barmanObjectName")) for _, p in plugins(cluster)}
    external = cluster.get(("spec", "externalClusters"))
    for entry in external if isinstance(external, list) else []:
        parameters = mapping(mapping(mapping(entry).get("plugin")).get("parameters"))
        names.add(str(parameters.get("barmanObjectName")))
    return names - {"None", ""}


def check_object_store_unused(views: Views, params: NoParams) -> Iterator[Violation]:
    named: dict[str, set[str]] = {}  # namespace → store names some Cluster there names
    for cluster in views.inventory.defined_anywhere(CLUSTER):
        named.setdefault(namespace(cluster), set()).update(_named_stores(cluster))
    for store in views.inventory.of_kind(OBJECT_STORE):
        wanted = named.get(namespace(store), set())
        if store.id.name in wanted:
            continue
        here = sorted({s.id.name for s in views.inventory.of_kind(OBJECT_STORE) if namespace(s) == namespace(store)})
        # a name a Cluster uses that exists nowhere, offered to the store it is closest to
        typos = [n for n in sorted(wanted - set(here)) if close_matches(n, here)[:1] == (store.id.name,)]
        yield violation(views, store, ("metadata", "name"), {}, typos)
