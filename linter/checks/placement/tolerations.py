"""NP003 (a toleration lets pods onto tainted nodes the config does not allow) and NP009 (every
node the pods may use has a taint they do not tolerate)."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ...model import Taint, Violation
from ...views import Views, Workload
from ...views.scheduling import BLOCKING_EFFECTS, selectable, tolerates, untolerated
from ..wording import names
from .shared import toleration_text


def _allowed(config_entries: Iterable[Mapping[str, Any]], workload: Workload, taint: Taint) -> bool:
    def glob(patterns: Any, value: str | None) -> bool:
        return patterns is None or any(fnmatch.fnmatchcase(value or "", str(p)) for p in patterns)

    for entry in config_entries:
        if entry.get("taints") is not None and taint.key not in entry["taints"]:
            continue
        if entry.get("kinds") is not None and workload.kind not in entry["kinds"]:
            continue
        if (
            glob(entry.get("names"), workload.name)
            and glob(entry.get("namespaces"), workload.namespace)
            and glob(entry.get("apps"), workload.app)
        ):
            return True
    return False


@dataclass(frozen=True)
class TolerationParams:
    match: Literal["not-allowed", "untolerated"] = field(
        default="not-allowed",
        metadata={"doc": "Report tolerations the config does not allow, or pods no untainted node can take."},
    )


def check_tolerations(views: Views, params: TolerationParams) -> Iterator[Violation]:
    nodes = views.inventory.nodes
    if not nodes:
        return
    match = params.match
    for workload in views.workloads:
        if match == "untolerated":
            yield from _untolerated(views, workload)
            continue
        for index, toleration in enumerate(workload.tolerations()):
            taints: dict[Taint, list[str]] = {}
            for node in nodes:
                for taint in node.taints:
                    if taint.effect in BLOCKING_EFFECTS and tolerates(toleration, taint):
                        taints.setdefault(taint, []).append(node.name)
            denied = {
                t: names
                for t, names in taints.items()
                if not _allowed(views.inventory.config.allow_tolerations, workload, t)
            }
            if not denied:
                continue
            on = sorted({name for names in denied.values() for name in names})
            fields = {
                "workload": workload.title,
                "toleration": toleration_text(toleration),
                "taints": names(sorted(t.text() for t in denied)),
                "nodes": names(on),
            }
            yield Violation(workload.locate(workload.at("tolerations", index)), fields, workload.rid)


def _untolerated(views: Views, workload: Workload) -> Iterator[Violation]:
    candidates = selectable(workload, views.inventory.nodes)
    tolerations = workload.tolerations()
    if not candidates or any(not untolerated(n, tolerations) for n in candidates):
        return
    taints = sorted({t.text() for n in candidates for t in untolerated(n, tolerations)})
    if workload.node_selector():
        where = workload.at("nodeSelector", next(iter(workload.node_selector())))
    elif workload.required_terms():
        where = workload.at("nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution")
    elif workload.get("tolerations") is not None:
        where = workload.at("tolerations")
    else:
        where = workload.paths["nodeSelector"][:-1]
    restricted = bool(workload.node_selector() or workload.required_terms())
    fields = {
        "workload": workload.title,
        "nodes": names(n.name for n in candidates),
        "taints": names(taints),
        "scope": "the nodes it selects" if restricted else "every node",
    }
    yield Violation(workload.locate(where), fields, workload.rid)
