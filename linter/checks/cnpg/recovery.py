"""PG010: recovery wiring: `bootstrap.recovery.source` must name an `externalClusters` entry that
says where to recover from."""

from __future__ import annotations

from collections.abc import Iterator

from ...core.suggest import close_matches
from ...model import Violation, YamlPath
from ...views import Views
from ..base import NoParams
from ..wording import alternatives
from .shared import CLUSTER, violation

RECOVERY_METHODS = ("connectionParameters", "barmanObjectStore", "plugin")


def check_recovery_source(views: Views, params: NoParams) -> Iterator[Violation]:
    for cluster in views.inventory.of_kind(CLUSTER):
        source = cluster.get(("spec", "bootstrap", "recovery", "source"))
        if source in (None, ""):
            continue
        at: YamlPath = ("spec", "bootstrap", "recovery", "source")
        entries = cluster.get(("spec", "externalClusters"))
        named = [(i, e) for i, e in enumerate(entries if isinstance(entries, list) else []) if isinstance(e, dict)]
        names = [str(e.get("name")) for _, e in named if e.get("name")]
        match = next(((i, e) for i, e in named if str(e.get("name")) == str(source)), None)
        if match is None:
            listed = (
                f"(entries: {alternatives(names)})"
                if names
                else "(`spec.externalClusters` is empty)"
                if isinstance(entries, list)
                else "(the Cluster has no `spec.externalClusters`)"
            )
            fields = {
                "source": str(source),
                "problem": f"which names no `spec.externalClusters` entry {listed}",
                "fix": (
                    f"Add an `externalClusters` entry named `{source}` with a `plugin` or `barmanObjectStore` "
                    "block, or name an existing entry"
                ),
            }
            yield violation(views, cluster, at, fields, close_matches(str(source), names))
        elif not any(match[1].get(m) for m in RECOVERY_METHODS):
            fields = {
                "source": str(source),
                "problem": (
                    "whose `externalClusters` entry has no `connectionParameters`, `barmanObjectStore` or `plugin`"
                ),
                "fix": (
                    f"Give entry `{source}` a `plugin` (Barman Cloud plugin), `barmanObjectStore` or "
                    "`connectionParameters` block"
                ),
            }
            yield violation(views, cluster, ("spec", "externalClusters", match[0]), fields)
