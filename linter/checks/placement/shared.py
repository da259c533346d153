"""What the placement checks share: where the node inventory came from, and how they word
labels, terms, tolerations and what no node carries."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...core.suggest import close_matches
from ...model import Node
from ...model.shapes import as_list
from ...views import Views
from ...views.scheduling import label_text
from ..wording import names

WELL_KNOWN_KEYS = ("kubernetes.io/hostname", "kubernetes.io/os", "kubernetes.io/arch")  # every node has them


def nodes_from(views: Views) -> str:
    nodes = views.inventory.nodes
    places = sorted(
        {
            n.source.path.rsplit("/", 1)[0] if n.origin == "ansible" and "/" in n.source.path else n.source.path
            for n in nodes
        }
    )
    return ", ".join(places) or "none"


def expression_text(expression: Mapping[str, Any]) -> str:
    values = expression.get("values") or []
    shown = f" ({', '.join(label_text(v) for v in values)})" if values else ""
    return f"{expression.get('key')} {expression.get('operator')}{shown}"


def term_text(term: Any) -> str:
    if not isinstance(term, dict):
        return "?"
    parts = [
        expression_text(e)
        for e in as_list(term.get("matchExpressions")) + as_list(term.get("matchFields"))
        if isinstance(e, dict)
    ]
    return " and ".join(parts) or "(empty term)"


def toleration_text(toleration: Any) -> str:
    """`key=value:Effect`, `key:Effect (Exists)`, or `* (Exists: every taint)`, like taints are written."""
    if not isinstance(toleration, dict):
        return str(toleration)
    effect = f":{toleration['effect']}" if toleration.get("effect") else ""
    if (toleration.get("operator") or "Equal") == "Exists":
        return f"{toleration['key']}{effect} (Exists)" if toleration.get("key") else f"*{effect} (Exists: every taint)"
    return f"{toleration.get('key')}={label_text(toleration.get('value'))}{effect}"


def label_problem(nodes: tuple[Node, ...], key: str, wanted: list[str]) -> tuple[str, tuple[str, ...]]:
    """Why no node carries `key` with one of `wanted`, and did-you-mean suggestions."""
    values = sorted({n.labels[key] for n in nodes if key in n.labels})
    if not values:
        return f"no node has label `{key}`", close_matches(key, {k for n in nodes for k in n.labels})
    shown = " or ".join(f"`{key}={v}`" if v else f"`{key}` with an empty value" for v in wanted) or f"`{key}`"
    suggestions = tuple(dict.fromkeys(s for v in wanted for s in (close_matches(v, values) if v else values[:3])))
    return f"no node has {shown} (nodes have {names(values)})", suggestions
