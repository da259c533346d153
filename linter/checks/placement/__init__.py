"""Node placement (NP): pods checked against the node inventory. One module per concern.

| rules | module |
|---|---|
| NP001 nodeSelector, NP002/NP008 node affinity | selectors.py |
| NP003/NP009 tolerations and taints | tolerations.py |
| NP004 topology keys, NP007 anti-affinity, NP010 topology spread | topology.py |
| NP005 PriorityClasses | a `reference` template rule (rules/placement/NP005-*.yaml) |
| NP006 disruption budgets | disruption.py |
| NP011 no node inventory | coverage.py |
| NP012 node inventory problems | the `loading-problem` check (loaders/nodes.py) |

Workloads and scheduling semantics (matching, eligible nodes) are views (views/workloads.py,
views/scheduling.py).
"""

from __future__ import annotations

from ..base import AnyCheck, Check, NoParams
from .coverage import check_inventory_missing
from .disruption import check_disruption
from .selectors import AffinityParams, check_node_affinity, check_node_selector
from .tolerations import TolerationParams, check_tolerations
from .topology import check_anti_affinity, check_topology_keys, check_topology_spread

CHECKS: list[AnyCheck] = [
    Check(
        "node-selector",
        check_node_selector,
        NoParams,
        frozenset({"workload", "selector", "problem", "nodes_from"}),
        "nodeSelectors no node satisfies.",
    ),
    Check(
        "node-affinity",
        check_node_affinity,
        AffinityParams,
        frozenset({"workload", "term", "problem", "nodes_from"}),
        "Node affinity terms no node satisfies, and preferences the pods can never get.",
    ),
    Check(
        "node-tolerations",
        check_tolerations,
        TolerationParams,
        frozenset({"workload", "toleration", "taints", "nodes", "scope"}),
        "Tolerations of tainted nodes, and pods whose nodes are all tainted.",
    ),
    Check(
        "topology-key",
        check_topology_keys,
        NoParams,
        frozenset({"workload", "key", "what", "effect", "nodes_from"}),
        "Topology keys no node carries.",
    ),
    Check(
        "topology-spread",
        check_topology_spread,
        NoParams,
        frozenset({"workload", "what", "key", "problem"}),
        "DoNotSchedule spread constraints the nodes cannot satisfy.",
    ),
    Check(
        "pod-anti-affinity",
        check_anti_affinity,
        NoParams,
        frozenset({"workload", "replicas", "key", "capacity", "nodes", "pending"}),
        "Required anti-affinity with more replicas than domains.",
    ),
    Check(
        "disruption-budget",
        check_disruption,
        NoParams,
        frozenset({"subject", "problem", "fix"}),
        "Disruption budgets that block every node drain.",
    ),
    Check(
        "node-inventory",
        check_inventory_missing,
        NoParams,
        frozenset({"constraints", "workloads"}),
        "Placement that only a node inventory can check, in a repo without one.",
    ),
]
