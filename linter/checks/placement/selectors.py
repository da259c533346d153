"""NP001 (nodeSelector matches no node), NP002 (required node affinity matches no node) and NP008
(a preferred node affinity term prefers nodes the pods cannot use)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from ...model import Node, Violation, YamlPath
from ...model.shapes import templated
from ...views import Views, Workload
from ...views.scheduling import eligible, expression_matches, label_text, selector_matches, term_matches
from ..base import NoParams
from ..wording import names
from .shared import expression_text, label_problem, nodes_from, term_text


def check_node_selector(views: Views, params: NoParams) -> Iterator[Violation]:
    nodes = views.inventory.nodes
    if not nodes:
        return
    for workload in views.workloads:
        selector = workload.node_selector()
        if not selector or templated(selector) or any(selector_matches(n.labels, selector) for n in nodes):
            continue
        culprit = next(
            (k for k, v in selector.items() if not any(n.labels.get(str(k)) == label_text(v) for n in nodes)), None
        )
        if culprit is None:
            culprit = next(iter(selector))
            problem = f"each label exists, but no single node carries all of them ({names(n.name for n in nodes)})"
            suggestions: tuple[str, ...] = ()
        else:
            problem, suggestions = label_problem(nodes, str(culprit), [label_text(selector[culprit])])
        fields = {
            "workload": workload.title,
            "selector": ", ".join(f"{k}={label_text(v)}" for k, v in selector.items()),
            "problem": problem,
            "nodes_from": nodes_from(views),
        }
        yield Violation(workload.locate(workload.at("nodeSelector", culprit)), fields, workload.rid, suggestions)


def _term_problem(nodes: tuple[Node, ...], term: Any) -> tuple[int, str, tuple[str, ...], YamlPath]:
    """For a term no node satisfies: the first requirement to blame, why, suggestions, its path."""
    expressions = (
        [e for e in (term.get("matchExpressions") or []) if isinstance(e, dict)] if isinstance(term, dict) else []
    )
    for index, expression in enumerate(expressions):
        if any(expression_matches(n.labels, expression) for n in nodes):
            continue
        key = str(expression.get("key"))
        operator = expression.get("operator")
        if operator in ("In", "Exists"):
            wanted = [label_text(v) for v in expression.get("values") or []]
            problem, suggestions = label_problem(nodes, key, wanted)
            if operator == "In" and wanted and any(key in n.labels for n in nodes):
                return index, problem, suggestions, ("matchExpressions", index, "values", 0)  # the value is wrong
            return index, problem, suggestions, ("matchExpressions", index)
        if operator == "DoesNotExist":
            return index, f"every node has label `{key}`", (), ("matchExpressions", index)
        return index, f"no node satisfies `{expression_text(expression)}`", (), ("matchExpressions", index)
    return 0, "no node satisfies all of its requirements together", (), ("matchExpressions", 0) if expressions else ()


@dataclass(frozen=True)
class AffinityParams:
    match: Literal["required", "preferred"] = field(
        default="required",
        metadata={"doc": "Report required terms no node satisfies, or preferences the pods can never get."},
    )


def check_node_affinity(views: Views, params: AffinityParams) -> Iterator[Violation]:
    nodes = views.inventory.nodes
    if not nodes:
        return
    preferred = params.match == "preferred"
    for workload in views.workloads:
        if preferred:
            yield from _preferred(views, workload)
            continue
        terms = workload.required_terms()
        if not terms or templated(terms):
            continue
        by_selector = [n for n in nodes if selector_matches(n.labels, workload.node_selector())]
        if any(term_matches(n, t) for n in by_selector for t in terms):
            continue
        base = workload.at("nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms")
        matched = [n.name for n in nodes if any(term_matches(n, t) for t in terms)]
        if matched and not by_selector:
            continue  # the affinity alone is satisfiable: NP001 reports the nodeSelector that matches nothing
        if matched:
            problem = f"the nodes it selects ({names(matched)}) do not match its nodeSelector"
            suggestions: tuple[str, ...] = ()
            where = (*base, 0)
        else:
            _, problem, suggestions, sub = _term_problem(nodes, terms[0])
            if len(terms) > 1:
                problem = f"none of its {len(terms)} nodeSelectorTerms matches a node (first term: {problem})"
            where = (*base, 0, *sub)
        fields = {
            "workload": workload.title,
            "term": " or ".join(term_text(t) for t in terms),
            "problem": problem,
            "nodes_from": nodes_from(views),
        }
        yield Violation(workload.locate(where), fields, workload.rid, suggestions)


def _preferred(views: Views, workload: Workload) -> Iterator[Violation]:
    terms = workload.preferred_terms()
    if not terms:
        return
    usable = eligible(workload, views.inventory.nodes)
    if not usable:
        return  # NP001/NP002/NP009 say why it cannot run at all
    for index, term in enumerate(terms):
        preference = term.get("preference") if isinstance(term, dict) else None
        if any(term_matches(n, preference) for n in usable):
            continue
        elsewhere = [n.name for n in views.inventory.nodes if term_matches(n, preference)]
        where = workload.at("nodeAffinity", "preferredDuringSchedulingIgnoredDuringExecution", index, "preference")
        if elsewhere:
            problem = (
                f"it matches only {names(elsewhere)}, where the pods cannot run "
                f"(they can run on {names(n.name for n in usable)})"
            )
            suggestions: tuple[str, ...] = ()
        else:
            _, problem, suggestions, sub = _term_problem(views.inventory.nodes, preference)
            where = where + sub
        fields = {
            "workload": workload.title,
            "term": term_text(preference),
            "problem": problem,
            "nodes_from": nodes_from(views),
        }
        yield Violation(workload.locate(where), fields, workload.rid, suggestions)
