"""NP006: PodDisruptionBudgets that allow no eviction, and single-instance CloudNativePG Clusters whose
own budget blocks every node drain."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

from ...core.numbers import as_int, as_percent
from ...model import Violation, get_path
from ...views import Views, Workload
from ...views.scheduling import label_selector_matches
from ..base import NoParams
from ..wording import count

NOT_DRAINED = ("DaemonSet", "Job", "CronJob")  # kubectl drain skips DaemonSet pods; Jobs finish


def check_disruption(views: Views, params: NoParams) -> Iterator[Violation]:
    """PodDisruptionBudgets that allow no eviction, and single-instance CNPG clusters with their PDB."""
    pods = [w for w in views.workloads if w.labels is not None and w.kind not in NOT_DRAINED]
    for pdb in views.inventory.by_kind.get("PodDisruptionBudget", ()):
        if not pdb.id.api_version.startswith("policy/"):
            continue
        spec = pdb.get(("spec",)) or {}
        if not isinstance(spec, dict):
            continue
        selected = [
            w
            for w in pods
            if w.namespace == pdb.id.namespace
            and w.viewer.cluster == pdb.cluster
            and (w.deployed if pdb.deployed else w.app == pdb.app)
            and label_selector_matches(w.labels or {}, spec.get("selector"))
        ]
        problem, field_name = _budget_problem(spec, selected)
        if problem is None:
            continue
        fields = {
            "subject": f"PodDisruptionBudget `{pdb.id.name}`",
            "problem": problem,
            "fix": (
                "Allow at least one eviction: lower minAvailable below the replica count, use maxUnavailable: 1, "
                "or run more replicas"
            ),
        }
        yield Violation(views.locate(pdb, ("spec", field_name)), fields, pdb.id)
    for workload in pods:
        if not workload.cnpg or workload.replicas != 1 or get_path(workload.data, ("spec", "enablePDB")) is False:
            continue
        enable = ("spec", "enablePDB")
        path = (
            enable
            if get_path(workload.data, enable) is not None
            else workload.paths["instances"]
            if get_path(workload.data, workload.paths["instances"]) is not None
            else ("metadata", "name")
        )
        fields = {
            "subject": workload.title,
            "problem": "it runs a single instance and CloudNativePG's PodDisruptionBudget (enablePDB is not false) "
            "prevents draining the node it runs on, since a switchover is not possible",
            "fix": "Set spec.enablePDB: false for a single-instance cluster, or run 2 or more instances",
        }
        yield Violation(workload.locate(path), fields, workload.rid)


def _budget_problem(spec: Mapping[str, Any], selected: list[Workload]) -> tuple[str | None, str]:
    max_unavailable = spec.get("maxUnavailable")
    if max_unavailable is not None:
        if as_int(max_unavailable) == 0 or as_percent(max_unavailable) == 0:
            return f"maxUnavailable `{max_unavailable}` allows no voluntary eviction", "maxUnavailable"
        return None, ""
    min_available = spec.get("minAvailable")
    if min_available is None:
        return None, ""
    percent = as_percent(min_available)
    if percent is not None and percent >= 100:
        return f"minAvailable `{min_available}` allows no voluntary eviction", "minAvailable"
    if not selected or any(w.replicas is None for w in selected):
        return None, ""
    replicas = sum(w.replicas or 0 for w in selected)
    need = math.ceil(percent * replicas / 100) if percent is not None else as_int(min_available)
    if need is None or need < replicas:
        return None, ""
    owners = ", ".join(w.title for w in selected[:6]) + (f" and {len(selected) - 6} more" if len(selected) > 6 else "")
    shown = f"`{min_available}` ({count(need, 'pod')})" if percent is not None else f"`{min_available}`"
    return f"minAvailable {shown} is not below the {count(replicas, 'replica')} it selects ({owners})", "minAvailable"
