"""NP011: placement fields that only a node inventory can check, in a repo that describes no nodes."""

from __future__ import annotations

from collections.abc import Iterator

from ...model import Violation, YamlPath
from ...views import Views, Workload
from ..base import NoParams
from ..wording import count
from .shared import WELL_KNOWN_KEYS
from .topology import topology_uses

# Labels and taints every cluster's nodes have, set by Kubernetes itself or by every common
# distribution (kubeadm, k3s, RKE2, Talos) on its control plane: a selector or toleration of
# these alone needs no node inventory (docs/reference/kubernetes.md §3).
SELF_EVIDENT_LABELS = frozenset(
    {"kubernetes.io/os", "node-role.kubernetes.io/control-plane", "node-role.kubernetes.io/master"}
)
SELF_EVIDENT_TAINTS = frozenset(
    {
        "node-role.kubernetes.io/control-plane",
        "node-role.kubernetes.io/master",
        "node.cloudprovider.kubernetes.io/uninitialized",
        "CriticalAddonsOnly",
    }
)
_NODE_CONDITION_TAINT = "node.kubernetes.io/"  # not-ready, unreachable, disk-pressure, ...


def _self_evident_toleration(toleration: object) -> bool:
    if not isinstance(toleration, dict):
        return False
    key = toleration.get("key")
    if key in (None, "") and toleration.get("operator") == "Exists":
        return True  # tolerates every taint
    return isinstance(key, str) and (key in SELF_EVIDENT_TAINTS or key.startswith(_NODE_CONDITION_TAINT))


def _needs_nodes(workload: Workload) -> Iterator[YamlPath]:
    """Placement fields that only a node inventory can check."""
    if any(key not in SELF_EVIDENT_LABELS for key in workload.node_selector()):
        yield workload.at("nodeSelector")
    if workload.required_terms() or workload.preferred_terms():
        yield workload.at("nodeAffinity")
    if not all(_self_evident_toleration(t) for t in workload.tolerations()):
        yield workload.at("tolerations")
    for use in topology_uses(workload):
        if use.key not in WELL_KNOWN_KEYS:
            yield use.path


def check_inventory_missing(views: Views, params: NoParams) -> Iterator[Violation]:
    if views.inventory.nodes:
        return
    found = [(workload, path) for workload in views.workloads for path in _needs_nodes(workload)]
    if not found:
        return
    # one finding for the repo, at the first workload's line: locate that one only (locating
    # every workload would walk the positions of every rendered document)
    first = min(found, key=lambda item: (item[0].kind, item[0].namespace or "", item[0].name, str(item[1])))
    workloads = len({(w.kind, w.name, w.namespace) for w, _ in found})
    fields = {"constraints": count(len(found), "placement constraint"), "workloads": count(workloads, "workload")}
    yield Violation(first[0].locate(first[1]), fields)
