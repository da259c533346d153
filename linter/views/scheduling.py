"""Scheduling semantics as the kube-scheduler applies them: label selectors, node affinity terms,
taints and tolerations, and the node sets a workload can use.

- *selectable*: nodes whose labels satisfy the nodeSelector and the required node affinity;
- *eligible*: selectable nodes whose NoSchedule/NoExecute taints the pod tolerates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..core.numbers import as_int
from ..model import Node, Taint
from ..model.shapes import as_dict, as_list
from .workloads import Workload

BLOCKING_EFFECTS = ("NoSchedule", "NoExecute")


def label_text(value: Any) -> str:
    """A label value as Kubernetes stores it: YAML `true` is the string "true", null is empty."""
    return str(value).lower() if isinstance(value, bool) else "" if value is None else str(value)


def selector_matches(labels: Mapping[str, str], selector: Any) -> bool:
    """A nodeSelector (or matchLabels): every key must carry exactly that value."""
    return all(labels.get(str(k)) == label_text(v) for k, v in as_dict(selector).items())


def expression_matches(labels: Mapping[str, str], expression: Mapping[str, Any], name: str | None = None) -> bool:
    """One NodeSelectorRequirement (or label-selector requirement); `name` answers matchFields."""
    key = str(expression.get("key", ""))
    operator = expression.get("operator")
    values = [label_text(v) for v in as_list(expression.get("values"))]
    have = name if name is not None else labels.get(key)
    if operator == "In":
        return have is not None and have in values
    if operator == "NotIn":
        return have is None or have not in values
    if operator == "Exists":
        return have is not None
    if operator == "DoesNotExist":
        return have is None
    if operator in ("Gt", "Lt") and have is not None and len(values) == 1:
        mine, bound = as_int(have), as_int(values[0])
        if mine is None or bound is None:
            return False
        return mine > bound if operator == "Gt" else mine < bound
    return False


def term_matches(node: Node, term: Any) -> bool:
    """A nodeSelectorTerm: its requirements are ANDed; an empty term matches no node."""
    if not isinstance(term, dict):
        return False
    expressions = [e for e in as_list(term.get("matchExpressions")) if isinstance(e, dict)]
    fields = [e for e in as_list(term.get("matchFields")) if isinstance(e, dict)]
    if not expressions and not fields:
        return False
    return all(expression_matches(node.labels, e) for e in expressions) and all(
        expression_matches({}, e, node.name if e.get("key") == "metadata.name" else None) for e in fields
    )


def label_selector_matches(labels: Mapping[str, str], selector: Any) -> bool | None:
    """A metav1.LabelSelector; None selector → None (matches nothing), {} → everything."""
    if not isinstance(selector, dict):
        return None
    return selector_matches(labels, selector.get("matchLabels") or {}) and all(
        expression_matches(labels, e) for e in as_list(selector.get("matchExpressions")) if isinstance(e, dict)
    )


def tolerates(toleration: Any, taint: Taint) -> bool:
    if not isinstance(toleration, dict):
        return False
    effect = toleration.get("effect")
    if effect and effect != taint.effect:
        return False
    key = toleration.get("key")
    operator = toleration.get("operator") or "Equal"
    if not key:
        return bool(operator == "Exists")  # empty key with Exists tolerates everything
    if str(key) != taint.key:
        return False
    return operator == "Exists" or label_text(toleration.get("value")) == taint.value


def untolerated(node: Node, tolerations: list[Any]) -> list[Taint]:
    return [t for t in node.taints if t.effect in BLOCKING_EFFECTS and not any(tolerates(x, t) for x in tolerations)]


def selectable(workload: Workload, nodes: Iterable[Node]) -> list[Node]:
    """Nodes whose labels satisfy the nodeSelector and the required node affinity (ORed terms)."""
    selector, terms = workload.node_selector(), workload.required_terms()
    return [
        n
        for n in nodes
        if selector_matches(n.labels, selector) and (not terms or any(term_matches(n, t) for t in terms))
    ]


def eligible(workload: Workload, nodes: Iterable[Node]) -> list[Node]:
    tolerations = workload.tolerations()
    return [n for n in selectable(workload, nodes) if not untolerated(n, tolerations)]
