"""Topology: NP004 (a topology key no node carries), NP010 (a DoNotSchedule spread the eligible
nodes cannot satisfy) and NP007 (required anti-affinity with more replicas than domains)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ...core.numbers import as_int
from ...core.suggest import close_matches
from ...model import Node, Violation, YamlPath, format_path, get_path
from ...views import Views, Workload
from ...views.scheduling import eligible, label_selector_matches, selectable, untolerated
from ...views.workloads import HOSTNAME
from ..base import NoParams
from ..wording import count, names
from .shared import nodes_from


@dataclass(frozen=True)
class _TopologyUse:
    path: YamlPath
    key: str
    what: str  # "topologySpreadConstraints[0]" …
    effect: str  # what a key no node carries does


def topology_uses(workload: Workload) -> Iterator[_TopologyUse]:
    for index, constraint in workload.spread():
        if constraint.get("topologyKey"):
            blocking = constraint.get("whenUnsatisfiable", "DoNotSchedule") == "DoNotSchedule"
            effect = (
                "its pods stay Pending (DoNotSchedule filters out nodes without the key)"
                if blocking
                else "the spread is silently ignored"
            )
            yield _TopologyUse(
                workload.at("spread", index, "topologyKey"),
                str(constraint["topologyKey"]),
                f"topologySpreadConstraints[{index}]",
                effect,
            )
    for kind in ("podAffinity", "podAntiAffinity"):
        for path, term, required in workload.affinity_terms(kind):
            if isinstance(term, dict) and term.get("topologyKey"):
                if required and kind == "podAffinity":
                    effect = "its pods stay Pending"
                else:
                    effect = f"the {'required' if required else 'preferred'} {kind} has no effect"
                what = format_path(path[len(workload.paths[kind]) - 1 :])
                yield _TopologyUse((*path, "topologyKey"), str(term["topologyKey"]), what, effect)
    cnpg = workload.cnpg_anti_affinity()
    if cnpg and get_path(workload.data, workload.paths["topologyKey"]):
        yield _TopologyUse(
            workload.paths["topologyKey"],
            cnpg[0],
            "spec.affinity.topologyKey",
            "CloudNativePG's pod anti-affinity has no effect",
        )


def check_topology_keys(views: Views, params: NoParams) -> Iterator[Violation]:
    """NP004: topology keys no node carries."""
    nodes = views.inventory.nodes
    if not nodes:
        return
    keys = {k for n in nodes for k in n.labels}
    for workload in views.workloads:
        for use in topology_uses(workload):
            if use.key in keys:
                continue
            fields = {
                "workload": workload.title,
                "key": use.key,
                "what": use.what,
                "effect": use.effect,
                "nodes_from": nodes_from(views),
            }
            yield Violation(workload.locate(use.path), fields, workload.rid, close_matches(use.key, keys))


def _domains(nodes: Iterable[Node], key: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for node in nodes:
        if key in node.labels:
            out.setdefault(node.labels[key], []).append(node.name)
    return out


def _selects_itself(workload: Workload, selector: Any, namespaces: Any = None, namespace_selector: Any = None) -> bool:
    """Does a pod (anti-)affinity or spread label selector select the workload's own pods?"""
    if workload.labels is None:
        return True  # subchart values: the chart's pod labels are unknown; spread selectors are written for them
    if namespaces and workload.namespace not in [str(n) for n in namespaces]:
        return False
    if namespace_selector not in (None, {}):
        return False
    return bool(label_selector_matches(workload.labels, selector))


def check_topology_spread(views: Views, params: NoParams) -> Iterator[Violation]:
    """NP010: DoNotSchedule spread constraints the eligible nodes cannot satisfy.

    Domains are the values of topologyKey. The scheduler computes skew against the smallest number
    of matching pods in any counted domain (nodes passing nodeAffinityPolicy / nodeTaintsPolicy).
    When a counted domain can never receive a pod (no eligible node in it), or there are fewer
    domains than minDomains, that minimum stays 0, so each usable domain holds at most maxSkew
    pods: replicas > usable domains × maxSkew leaves the rest Pending. Otherwise pods can always
    be spread evenly, and the constraint is satisfiable.
    """
    nodes = views.inventory.nodes
    if not nodes:
        return
    keys = {k for n in nodes for k in n.labels}
    for workload in views.workloads:
        constraints = [
            (i, c)
            for i, c in workload.spread()
            if c.get("whenUnsatisfiable", "DoNotSchedule") == "DoNotSchedule" and str(c.get("topologyKey")) in keys
        ]
        if not constraints:
            continue
        can_run = eligible(workload, nodes)
        if not can_run:
            continue  # NP001/NP002/NP009 explain why nothing can run
        by_labels = selectable(workload, nodes)
        tolerations = workload.tolerations()
        for index, constraint in constraints:
            key = str(constraint["topologyKey"])
            counted = nodes if constraint.get("nodeAffinityPolicy") == "Ignore" else by_labels
            if constraint.get("nodeTaintsPolicy") == "Honor":
                counted = [n for n in counted if not untolerated(n, tolerations)]
            counted_domains, usable = _domains(counted, key), _domains(can_run, key)
            skew = as_int(constraint.get("maxSkew")) or 1
            min_domains = as_int(constraint.get("minDomains"))
            path = workload.at("spread", index, "topologyKey")
            replicas = workload.replicas
            if not usable:
                reason = f"none of the nodes its pods can run on ({names(n.name for n in can_run)}) has label `{key}`"
            else:
                stuck = sorted(set(counted_domains) - set(usable))
                short = min_domains is not None and len(counted_domains) < min_domains
                if (
                    not (stuck or short)
                    or replicas is None
                    or not _selects_itself(workload, constraint.get("labelSelector"))
                ):
                    continue
                capacity = len(usable) * skew
                if replicas <= capacity:
                    continue
                why = (
                    f"domain {names(stuck)} counts toward the skew but its pods cannot run there"
                    if stuck
                    else f"minDomains {min_domains} exceeds the {len(counted_domains)} domains"
                )
                needed = math.ceil(replicas / skew)
                reason = (
                    f"{why}, so the global minimum stays 0 and each usable domain takes at most maxSkew = "
                    f"{count(skew, 'pod')}: "
                    f"{count(replicas, 'replica')} need {needed} usable domains, "
                    f"there are {len(usable)} ({names(usable)})"
                )
                path = workload.at("spread", index, "minDomains") if short and not stuck else path
            fields = {
                "workload": workload.title,
                "what": f"topologySpreadConstraints[{index}]",
                "key": key,
                "problem": reason,
            }
            yield Violation(workload.locate(path), fields, workload.rid)


def check_anti_affinity(views: Views, params: NoParams) -> Iterator[Violation]:
    """NP007: required pod anti-affinity against itself with more replicas than eligible domains."""
    nodes = views.inventory.nodes
    if not nodes:
        return
    keys = {k for n in nodes for k in n.labels}
    for workload in views.workloads:
        if workload.replicas is None or workload.labels is None or workload.replicas < 2:
            continue
        uses: list[tuple[YamlPath, str]] = []
        for path, term, required in workload.affinity_terms("podAntiAffinity"):
            if (
                required
                and isinstance(term, dict)
                and term.get("topologyKey")
                and _selects_itself(
                    workload, term.get("labelSelector"), term.get("namespaces"), term.get("namespaceSelector")
                )
            ):
                uses.append(((*path, "topologyKey"), str(term["topologyKey"])))
        cnpg = workload.cnpg_anti_affinity()
        if cnpg and cnpg[1]:
            uses.append((workload.paths["antiAffinityType"], cnpg[0]))
        if not uses:
            continue
        can_run = eligible(workload, nodes)
        if not can_run:
            continue
        for path, key in uses:
            if key not in keys:
                continue  # NP004
            domains = _domains(can_run, key)
            if workload.replicas <= len(domains):
                continue
            capacity = (
                count(len(domains), "node")
                if key == HOSTNAME
                else f"{count(len(domains), 'domain')} of `{key}` ({names(domains)})"
            )
            pending = workload.replicas - len(domains)
            fields = {
                "workload": workload.title,
                "replicas": workload.replicas,
                "key": key,
                "capacity": capacity,
                "nodes": names(n.name for n in can_run),
                "pending": f"{count(pending, 'replica')} {'stays' if pending == 1 else 'stay'} Pending",
            }
            yield Violation(workload.locate(path), fields, workload.rid)
