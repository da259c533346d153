"""Node placement (NP): selectors, node affinity, taints and tolerations, topology spread, pod
anti-affinity, PriorityClasses and disruption budgets, checked against the node inventory.

Semantics follow domain.md D (core/v1 scheduling fields, k3s labels and taints) and A.6
(CloudNativePG `spec.affinity`, `enablePDB`). A *workload* is anything that makes pods: rendered or
plain Pods, Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs, CronJobs, CloudNativePG
Clusters, and the placement values (`nodeSelector`, `tolerations`, `affinity`,
`topologySpreadConstraints`, `priorityClassName`) of subcharts that do not render (dependencies
not vendored under charts/), whose pod labels are unknown.

Node sets used throughout:
- *selectable*: nodes whose labels satisfy the nodeSelector and the required node affinity;
- *eligible*: selectable nodes whose NoSchedule/NoExecute taints the pod tolerates.
"""

from __future__ import annotations

import difflib
import fnmatch
import math
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Mapping

from ..findings import Violation
from ..inventory import Inventory
from ..model import Location, Node, Resource, Taint, ValuesLayer, YamlPath, format_path, get_path
from ..provenance import locate
from ..shapes import as_dict, as_list
from .base import POD_SPECS, Check, kind_matches

CNPG_CLUSTER = "postgresql.cnpg.io/Cluster"
HOSTNAME = "kubernetes.io/hostname"
WELL_KNOWN_KEYS = (HOSTNAME, "kubernetes.io/os", "kubernetes.io/arch")  # every node has them
BLOCKING_EFFECTS = ("NoSchedule", "NoExecute")
VALUES_KEYS = ("nodeSelector", "tolerations", "affinity", "topologySpreadConstraints", "priorityClassName")
NOT_DRAINED = ("DaemonSet", "Job", "CronJob")  # kubectl drain skips DaemonSet pods; Jobs finish
WORKLOAD_GROUPS = ("", "apps", "batch", "extensions")  # the groups of the POD_SPECS kinds
MAX_VALUES_DEPTH = 8


# --- workloads -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Workload:
    """Something that makes pods, with the paths (in `data`) of its placement fields."""

    kind: str  # Deployment, …, Cluster (CloudNativePG), or "values" for subchart values
    name: str  # object name, or the dotted values path
    namespace: str | None
    app: str | None
    deployed: bool
    data: Any  # the object, or the merged values of the subchart
    paths: Mapping[str, YamlPath]  # nodeSelector, nodeAffinity, podAffinity, podAntiAffinity, tolerations, spread, priority
    replicas: int | None  # None: unknown, or one per node (DaemonSet)
    labels: Mapping[str, str] | None  # pod labels; None for subchart values
    resource: Resource | None = None
    layers: tuple[ValuesLayer, ...] = ()
    cnpg: bool = False

    @property
    def title(self) -> str:
        return f"subchart values `{self.name}`" if self.kind == "values" else f"{self.kind} `{self.name}`"

    def get(self, key: str) -> Any:
        path = self.paths.get(key)
        return None if path is None else get_path(self.data, path)

    def at(self, key: str, *rest: str | int) -> YamlPath:
        return self.paths[key] + tuple(rest)

    def locate(self, ypath: YamlPath) -> Location:
        """The line to edit: the values line that set it, else the template or manifest line."""
        ypath = _scalar_path(self.data, ypath)
        if self.resource is not None:
            return locate(self.resource, ypath).location
        for cut in range(len(ypath), 0, -1):
            for layer in reversed(self.layers):
                if get_path(layer.data, ypath[:cut]) is not None:
                    return layer.locate(ypath)
        return self.layers[0].locate(ypath[:1]) if self.layers else Location("?")


def _scalar_path(data: Any, ypath: YamlPath) -> YamlPath:
    """Point at a scalar inside a mapping or list, so provenance can find the values line."""
    for _ in range(4):
        node = get_path(data, ypath)
        if isinstance(node, dict) and node:
            key = next((k for k in ("key", "topologyKey", "operator", "effect") if k in node and not isinstance(node[k], (dict, list))), None)
            ypath = ypath + ((key,) if key else (next(iter(node)),))
            if key:
                break
        elif isinstance(node, list) and node:
            ypath = ypath + (0,)
        else:
            break
    return ypath


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _labels(value: Any) -> dict[str, str]:
    return {str(k): _text(v) for k, v in value.items()} if isinstance(value, dict) else {}


def _text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else "" if value is None else str(value)


def _pod_workload(resource: Resource) -> Workload | None:
    pod = tuple(POD_SPECS[resource.id.kind].split("."))
    if not isinstance(resource.get(pod), dict):
        return None
    meta = pod[:-1] + ("metadata", "labels")
    kind = resource.id.kind
    spec = resource.get(("spec",)) or {}
    if kind in ("Deployment", "StatefulSet", "ReplicaSet"):
        replicas = _int(spec.get("replicas", 1))
    elif kind == "Job":
        replicas = _int(spec.get("parallelism", 1))
    elif kind == "CronJob":
        replicas = _int(resource.get(("spec", "jobTemplate", "spec", "parallelism"), 1))
    elif kind == "Pod":
        replicas = 1
    else:
        replicas = None  # DaemonSet: one per node
    paths = _placement_paths(pod)
    return Workload(kind, resource.id.name, resource.id.namespace, resource.app, resource.deployed, resource.data,
                    paths, replicas, _labels(resource.get(meta)), resource)


def _cnpg_workload(resource: Resource) -> Workload:
    """A CloudNativePG Cluster: placement under spec.affinity (AffinityConfiguration, domain.md A.6)."""
    affinity = ("spec", "affinity")
    labels = {**_labels(resource.get(("spec", "inheritedMetadata", "labels"))),
              "cnpg.io/cluster": resource.id.name, "cnpg.io/podRole": "instance"}
    paths = {
        "nodeSelector": affinity + ("nodeSelector",),
        "nodeAffinity": affinity + ("nodeAffinity",),
        "podAffinity": affinity + ("additionalPodAffinity",),
        "podAntiAffinity": affinity + ("additionalPodAntiAffinity",),
        "tolerations": affinity + ("tolerations",),
        "spread": ("spec", "topologySpreadConstraints"),
        "priority": ("spec", "priorityClassName"),
        "topologyKey": affinity + ("topologyKey",),
        "antiAffinityType": affinity + ("podAntiAffinityType",),
        "instances": ("spec", "instances"),
    }
    return Workload("Cluster", resource.id.name, resource.id.namespace, resource.app, resource.deployed, resource.data,
                    paths, _int(resource.get(("spec", "instances"), 1)), labels, resource, cnpg=True)


def _merge(base: Any, over: Any) -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for key, value in over.items():
            out[key] = _merge(base.get(key), value)
        return out
    return over


def _has_placement(node: Mapping[str, Any]) -> bool:
    return any(node.get(key) not in (None, "", {}, []) for key in VALUES_KEYS)


def _values_workloads(inventory: Inventory) -> Iterator[Workload]:
    """Placement values of dependencies that do not render (not vendored): like secrets._values_refs."""
    charts = {chart.dir: chart for chart in inventory.model.charts}
    for rendering in inventory.model.renderings:
        chart = charts.get(rendering.chart_dir)
        if chart is None:
            continue
        for dependency in chart.dependencies:
            scope = str(dependency.get("alias") or dependency.get("name"))
            if scope in rendering.rendered_subcharts:
                continue  # the subchart renders: its objects are checked
            merged: Any = None
            for layer in rendering.values:
                merged = _merge(merged, get_path(layer.data, (scope,)))
            if not isinstance(merged, dict) or _disabled(dependency, rendering.values):
                continue
            data = {scope: merged}
            for vpath, node in _placement_maps(merged, (scope,)):
                paths = _placement_paths(vpath)
                replicas = _int(node.get("replicas", node.get("replicaCount", 1)))
                yield Workload("values", ".".join(str(p) for p in vpath), rendering.namespace, rendering.app, rendering.deployed,
                               data, paths, replicas, None, None, rendering.values)


def _disabled(dependency: Mapping[str, Any], layers: tuple[ValuesLayer, ...]) -> bool:
    """Helm's `condition`: the first of its comma-separated values paths that is set decides."""
    for path in str(dependency.get("condition") or "").split(","):
        steps = tuple(p for p in path.strip().split(".") if p)
        values = [get_path(layer.data, steps) for layer in layers if steps]
        found = [v for v in values if v is not None]
        if found:
            return found[-1] is False
    return False


def _placement_maps(node: Mapping[str, Any], vpath: YamlPath, depth: int = 0) -> Iterator[tuple[YamlPath, Mapping[str, Any]]]:
    if _has_placement(node):
        yield vpath, node
    if depth >= MAX_VALUES_DEPTH:
        return
    for key, child in node.items():
        if key not in VALUES_KEYS and isinstance(child, dict):
            yield from _placement_maps(child, vpath + (key,), depth + 1)


def _placement_paths(spec: YamlPath) -> dict[str, YamlPath]:
    """Where the placement fields sit under a pod spec (or a subchart's values block)."""
    return {
        "nodeSelector": spec + ("nodeSelector",),
        "nodeAffinity": spec + ("affinity", "nodeAffinity"),
        "podAffinity": spec + ("affinity", "podAffinity"),
        "podAntiAffinity": spec + ("affinity", "podAntiAffinity"),
        "tolerations": spec + ("tolerations",),
        "spread": spec + ("topologySpreadConstraints",),
        "priority": spec + ("priorityClassName",),
    }


def workloads(inventory: Inventory) -> list[Workload]:
    """Every pod-bearing object and unrendered subchart's placement values (built once per run)."""
    return inventory.memo("placement:workloads", lambda: _collect_workloads(inventory))


def _collect_workloads(inventory: Inventory) -> list[Workload]:
    out: list[Workload] = []
    for kind in POD_SPECS:
        for resource in inventory.by_kind.get(kind, ()):
            if resource.id.group not in WORKLOAD_GROUPS:
                continue
            workload = _pod_workload(resource)
            if workload is not None:
                out.append(workload)
    for resource in inventory.by_kind.get("Cluster", ()):
        if kind_matches(CNPG_CLUSTER, resource.id):
            out.append(_cnpg_workload(resource))
    out.extend(_values_workloads(inventory))
    return out


# --- matching --------------------------------------------------------------------------------


def selector_matches(labels: Mapping[str, str], selector: Any) -> bool:
    return all(labels.get(str(k)) == _text(v) for k, v in as_dict(selector).items())


def expression_matches(labels: Mapping[str, str], expression: Mapping[str, Any], name: str | None = None) -> bool:
    """One NodeSelectorRequirement (or label-selector requirement); `name` answers matchFields."""
    key = str(expression.get("key", ""))
    operator = expression.get("operator")
    values = [_text(v) for v in as_list(expression.get("values"))]
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
        mine, bound = _int(have), _int(values[0])
        if mine is None or bound is None:
            return False
        return mine > bound if operator == "Gt" else mine < bound
    return False


def term_matches(node: Node, term: Any) -> bool:
    """A nodeSelectorTerm: its requirements are ANDed; an empty term matches no node."""
    if not isinstance(term, dict):
        return False
    expressions = [e for e in term.get("matchExpressions") or () if isinstance(e, dict)]
    fields = [e for e in term.get("matchFields") or () if isinstance(e, dict)]
    if not expressions and not fields:
        return False
    return (all(expression_matches(node.labels, e) for e in expressions)
            and all(expression_matches({}, e, node.name if e.get("key") == "metadata.name" else None) for e in fields))


def label_selector_matches(labels: Mapping[str, str], selector: Any) -> bool | None:
    """A metav1.LabelSelector; None selector → None (matches nothing), {} → everything."""
    if not isinstance(selector, dict):
        return None
    return (selector_matches(labels, selector.get("matchLabels") or {})
            and all(expression_matches(labels, e) for e in selector.get("matchExpressions") or () if isinstance(e, dict)))


def tolerates(toleration: Any, taint: Taint) -> bool:
    if not isinstance(toleration, dict):
        return False
    effect = toleration.get("effect")
    if effect and effect != taint.effect:
        return False
    key = toleration.get("key")
    operator = toleration.get("operator") or "Equal"
    if not key:
        return operator == "Exists"  # empty key with Exists tolerates everything
    if str(key) != taint.key:
        return False
    return operator == "Exists" or _text(toleration.get("value")) == taint.value


def untolerated(node: Node, tolerations: list[Any]) -> list[Taint]:
    return [t for t in node.taints if t.effect in BLOCKING_EFFECTS and not any(tolerates(x, t) for x in tolerations)]


def _required_terms(workload: Workload) -> list[Any]:
    affinity = workload.get("nodeAffinity")
    required = affinity.get("requiredDuringSchedulingIgnoredDuringExecution") if isinstance(affinity, dict) else None
    terms = required.get("nodeSelectorTerms") if isinstance(required, dict) else None
    return list(terms) if isinstance(terms, list) else []


def _preferred_terms(workload: Workload) -> list[Any]:
    affinity = workload.get("nodeAffinity")
    preferred = affinity.get("preferredDuringSchedulingIgnoredDuringExecution") if isinstance(affinity, dict) else None
    return list(preferred) if isinstance(preferred, list) else []


def _node_selector(workload: Workload) -> dict[str, Any]:
    selector = workload.get("nodeSelector")
    return dict(selector) if isinstance(selector, dict) else {}


def _tolerations(workload: Workload) -> list[Any]:
    tolerations = workload.get("tolerations")
    return list(tolerations) if isinstance(tolerations, list) else []


def selectable(workload: Workload, nodes: Iterable[Node]) -> list[Node]:
    """Nodes whose labels satisfy the nodeSelector and the required node affinity (ORed terms)."""
    selector, terms = _node_selector(workload), _required_terms(workload)
    return [n for n in nodes if selector_matches(n.labels, selector) and (not terms or any(term_matches(n, t) for t in terms))]


def eligible(workload: Workload, nodes: Iterable[Node]) -> list[Node]:
    tolerations = _tolerations(workload)
    return [n for n in selectable(workload, nodes) if not untolerated(n, tolerations)]


# --- texts -----------------------------------------------------------------------------------


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _names(items: Iterable[str], limit: int = 6) -> str:
    items = list(items)
    shown = ", ".join(f"`{i}`" for i in items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "") if items else "none"


def _nodes_from(inventory: Inventory) -> str:
    places = sorted({n.source.path.rsplit("/", 1)[0] if n.origin == "ansible" and "/" in n.source.path else n.source.path
                     for n in inventory.nodes})
    return ", ".join(places) or "none"


def _expression_text(expression: Mapping[str, Any]) -> str:
    values = expression.get("values") or []
    shown = f" ({', '.join(_text(v) for v in values)})" if values else ""
    return f"{expression.get('key')} {expression.get('operator')}{shown}"


def _term_text(term: Any) -> str:
    if not isinstance(term, dict):
        return "?"
    parts = [_expression_text(e) for e in as_list(term.get("matchExpressions")) + as_list(term.get("matchFields")) if isinstance(e, dict)]
    return " and ".join(parts) or "(empty term)"


def _toleration_text(toleration: Any) -> str:
    """`key=value:Effect`, `key:Effect (Exists)`, or `* (Exists: every taint)`, like taints are written."""
    if not isinstance(toleration, dict):
        return str(toleration)
    effect = f":{toleration['effect']}" if toleration.get("effect") else ""
    if (toleration.get("operator") or "Equal") == "Exists":
        return f"{toleration['key']}{effect} (Exists)" if toleration.get("key") else f"*{effect} (Exists: every taint)"
    return f"{toleration.get('key')}={_text(toleration.get('value'))}{effect}"


def _close(word: str, options: Iterable[str]) -> tuple[str, ...]:
    """Did-you-mean: the closest names, dropping clearly worse runners-up (pve-1 → pve-01 only)."""
    scored = sorted(((difflib.SequenceMatcher(None, word, o).ratio(), o) for o in set(options)), key=lambda s: (-s[0], s[1]))
    best = scored[0][0] if scored else 0.0
    return tuple(o for score, o in scored[:3] if score >= 0.6 and score >= best - 0.1)


def _label_problem(nodes: tuple[Node, ...], key: str, wanted: list[str]) -> tuple[str, tuple[str, ...]]:
    """Why no node carries `key` with one of `wanted`, and did-you-mean suggestions."""
    values = sorted({n.labels[key] for n in nodes if key in n.labels})
    if not values:
        return f"no node has label `{key}`", _close(key, {k for n in nodes for k in n.labels})
    shown = " or ".join(f"`{key}={v}`" if v else f"`{key}` with an empty value" for v in wanted) or f"`{key}`"
    suggestions = tuple(dict.fromkeys(s for v in wanted for s in (_close(v, values) if v else values[:3])))
    return f"no node has {shown} (nodes have {_names(values)})", suggestions


# --- NP001 -----------------------------------------------------------------------------------


def check_node_selector(inventory: Inventory, params: Mapping[str, Any]) -> Iterator[Violation]:
    nodes = inventory.nodes
    if not nodes:
        return
    for workload in workloads(inventory):
        selector = _node_selector(workload)
        if not selector or _templated(selector) or any(selector_matches(n.labels, selector) for n in nodes):
            continue
        culprit = next((k for k, v in selector.items() if not any(n.labels.get(str(k)) == _text(v) for n in nodes)), None)
        if culprit is None:
            culprit = next(iter(selector))
            problem = f"each label exists, but no single node carries all of them ({_names(n.name for n in nodes)})"
            suggestions: tuple[str, ...] = ()
        else:
            problem, suggestions = _label_problem(nodes, str(culprit), [_text(selector[culprit])])
        fields = {"workload": workload.title, "selector": ", ".join(f"{k}={_text(v)}" for k, v in selector.items()),
                  "problem": problem, "nodes_from": _nodes_from(inventory)}
        yield Violation(workload.locate(workload.at("nodeSelector", culprit)), fields, _rid(workload), suggestions)


def _templated(data: Any) -> bool:
    """Values that a chart passes through `tpl`: not checkable as written."""
    return "{{" in repr(data)


def _rid(workload: Workload) -> Any:
    return workload.resource.id if workload.resource is not None else None


# --- NP002 / NP008 ---------------------------------------------------------------------------


def _term_problem(nodes: tuple[Node, ...], term: Any) -> tuple[int, str, tuple[str, ...], YamlPath]:
    """For a term no node satisfies: the first requirement to blame, why, suggestions, its path."""
    expressions = [e for e in (term.get("matchExpressions") or []) if isinstance(e, dict)] if isinstance(term, dict) else []
    for index, expression in enumerate(expressions):
        if any(expression_matches(n.labels, expression) for n in nodes):
            continue
        key = str(expression.get("key"))
        operator = expression.get("operator")
        if operator in ("In", "Exists"):
            wanted = [_text(v) for v in expression.get("values") or []]
            problem, suggestions = _label_problem(nodes, key, wanted)
            if operator == "In" and wanted and any(key in n.labels for n in nodes):
                return index, problem, suggestions, ("matchExpressions", index, "values", 0)  # the value is wrong
            return index, problem, suggestions, ("matchExpressions", index)
        if operator == "DoesNotExist":
            return index, f"every node has label `{key}`", (), ("matchExpressions", index)
        return index, f"no node satisfies `{_expression_text(expression)}`", (), ("matchExpressions", index)
    return 0, "no node satisfies all of its requirements together", (), ("matchExpressions", 0) if expressions else ()


def check_node_affinity(inventory: Inventory, params: Mapping[str, Any]) -> Iterator[Violation]:
    nodes = inventory.nodes
    if not nodes:
        return
    preferred = params.get("match", "required") == "preferred"
    for workload in workloads(inventory):
        if preferred:
            yield from _preferred(inventory, workload)
            continue
        terms = _required_terms(workload)
        if not terms or _templated(terms):
            continue
        by_selector = [n for n in nodes if selector_matches(n.labels, _node_selector(workload))]
        if not by_selector or any(term_matches(n, t) for n in by_selector for t in terms):
            continue  # NP001 reports a nodeSelector that matches nothing
        base = workload.at("nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms")
        matched = [n.name for n in nodes if any(term_matches(n, t) for t in terms)]
        if matched:
            problem = f"the nodes it selects ({_names(matched)}) do not match its nodeSelector"
            suggestions: tuple[str, ...] = ()
            where = base + (0,)
        else:
            _, problem, suggestions, sub = _term_problem(nodes, terms[0])
            if len(terms) > 1:
                problem = f"none of its {len(terms)} nodeSelectorTerms matches a node (first term: {problem})"
            where = base + (0,) + sub
        fields = {"workload": workload.title, "term": " or ".join(_term_text(t) for t in terms),
                  "problem": problem, "nodes_from": _nodes_from(inventory)}
        yield Violation(workload.locate(where), fields, _rid(workload), suggestions)


def _preferred(inventory: Inventory, workload: Workload) -> Iterator[Violation]:
    terms = _preferred_terms(workload)
    if not terms:
        return
    usable = eligible(workload, inventory.nodes)
    if not usable:
        return  # NP001/NP002/NP009 say why it cannot run at all
    for index, term in enumerate(terms):
        preference = term.get("preference") if isinstance(term, dict) else None
        if any(term_matches(n, preference) for n in usable):
            continue
        elsewhere = [n.name for n in inventory.nodes if term_matches(n, preference)]
        where = workload.at("nodeAffinity", "preferredDuringSchedulingIgnoredDuringExecution", index, "preference")
        if elsewhere:
            problem = f"it matches only {_names(elsewhere)}, where the pods cannot run (they can run on {_names(n.name for n in usable)})"
            suggestions: tuple[str, ...] = ()
        else:
            _, problem, suggestions, sub = _term_problem(inventory.nodes, preference)
            where = where + sub
        fields = {"workload": workload.title, "term": _term_text(preference), "problem": problem,
                  "nodes_from": _nodes_from(inventory)}
        yield Violation(workload.locate(where), fields, _rid(workload), suggestions)


# --- NP003 / NP009 ---------------------------------------------------------------------------


def _allowed(config_entries: Iterable[Mapping[str, Any]], workload: Workload, taint: Taint) -> bool:
    def glob(patterns: Any, value: str | None) -> bool:
        return patterns is None or any(fnmatch.fnmatchcase(value or "", str(p)) for p in patterns)

    for entry in config_entries:
        if entry.get("taints") is not None and taint.key not in entry["taints"]:
            continue
        if entry.get("kinds") is not None and workload.kind not in entry["kinds"]:
            continue
        if glob(entry.get("names"), workload.name) and glob(entry.get("namespaces"), workload.namespace) and glob(entry.get("apps"), workload.app):
            return True
    return False


def check_tolerations(inventory: Inventory, params: Mapping[str, Any]) -> Iterator[Violation]:
    nodes = inventory.nodes
    if not nodes:
        return
    match = params.get("match", "not-allowed")
    for workload in workloads(inventory):
        if match == "untolerated":
            yield from _untolerated(inventory, workload)
            continue
        for index, toleration in enumerate(_tolerations(workload)):
            taints: dict[Taint, list[str]] = {}
            for node in nodes:
                for taint in node.taints:
                    if taint.effect in BLOCKING_EFFECTS and tolerates(toleration, taint):
                        taints.setdefault(taint, []).append(node.name)
            denied = {t: names for t, names in taints.items() if not _allowed(inventory.config.allow_tolerations, workload, t)}
            if not denied:
                continue
            on = sorted({name for names in denied.values() for name in names})
            fields = {"workload": workload.title, "toleration": _toleration_text(toleration),
                      "taints": _names(sorted(t.text() for t in denied)), "nodes": _names(on)}
            yield Violation(workload.locate(workload.at("tolerations", index)), fields, _rid(workload))


def _untolerated(inventory: Inventory, workload: Workload) -> Iterator[Violation]:
    candidates = selectable(workload, inventory.nodes)
    tolerations = _tolerations(workload)
    if not candidates or any(not untolerated(n, tolerations) for n in candidates):
        return
    taints = sorted({t.text() for n in candidates for t in untolerated(n, tolerations)})
    if _node_selector(workload):
        where = workload.at("nodeSelector", next(iter(_node_selector(workload))))
    elif _required_terms(workload):
        where = workload.at("nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution")
    elif workload.get("tolerations") is not None:
        where = workload.at("tolerations")
    else:
        where = workload.paths["nodeSelector"][:-1]
    restricted = bool(_node_selector(workload) or _required_terms(workload))
    fields = {"workload": workload.title, "nodes": _names(n.name for n in candidates), "taints": _names(taints),
              "scope": "the nodes it selects" if restricted else "every node"}
    yield Violation(workload.locate(where), fields, _rid(workload))


# --- NP004 / NP010 / NP007: topology ---------------------------------------------------------


@dataclass(frozen=True)
class _TopologyUse:
    path: YamlPath
    key: str
    what: str  # "topologySpreadConstraints[0]" …
    effect: str  # what a key no node carries does


def _affinity_terms(workload: Workload, kind: str) -> Iterator[tuple[YamlPath, Any, bool]]:
    """(path of the PodAffinityTerm, the term, required?) for podAffinity or podAntiAffinity."""
    affinity = workload.get(kind)
    if isinstance(affinity, list):  # CloudNativePG additionalPodAntiAffinity is a PodAntiAffinity object, but be lenient
        affinity = {}
    if not isinstance(affinity, dict):
        return
    for index, term in enumerate(as_list(affinity.get("requiredDuringSchedulingIgnoredDuringExecution"))):
        yield workload.at(kind, "requiredDuringSchedulingIgnoredDuringExecution", index), term, True
    for index, weighted in enumerate(as_list(affinity.get("preferredDuringSchedulingIgnoredDuringExecution"))):
        term = weighted.get("podAffinityTerm") if isinstance(weighted, dict) else None
        yield workload.at(kind, "preferredDuringSchedulingIgnoredDuringExecution", index, "podAffinityTerm"), term, False


def _spread(workload: Workload) -> list[tuple[int, Mapping[str, Any]]]:
    spread = workload.get("spread")
    return [(i, c) for i, c in enumerate(spread) if isinstance(c, dict)] if isinstance(spread, list) else []


def _cnpg_anti_affinity(workload: Workload) -> tuple[str, bool] | None:
    """CloudNativePG's generated anti-affinity: (topologyKey, required?), or None when disabled."""
    if not workload.cnpg:
        return None
    affinity = get_path(workload.data, ("spec", "affinity")) or {}
    if not isinstance(affinity, dict) or affinity.get("enablePodAntiAffinity") is False:
        return None
    return str(affinity.get("topologyKey") or HOSTNAME), affinity.get("podAntiAffinityType") == "required"


def _topology_uses(workload: Workload) -> Iterator[_TopologyUse]:
    for index, constraint in _spread(workload):
        if constraint.get("topologyKey"):
            blocking = constraint.get("whenUnsatisfiable", "DoNotSchedule") == "DoNotSchedule"
            effect = "its pods stay Pending (DoNotSchedule filters out nodes without the key)" if blocking else "the spread is silently ignored"
            yield _TopologyUse(workload.at("spread", index, "topologyKey"), str(constraint["topologyKey"]),
                               f"topologySpreadConstraints[{index}]", effect)
    for kind in ("podAffinity", "podAntiAffinity"):
        for path, term, required in _affinity_terms(workload, kind):
            if isinstance(term, dict) and term.get("topologyKey"):
                if required and kind == "podAffinity":
                    effect = "its pods stay Pending"
                else:
                    effect = f"the {'required' if required else 'preferred'} {kind} has no effect"
                what = format_path(path[len(workload.paths[kind]) - 1:])
                yield _TopologyUse(path + ("topologyKey",), str(term["topologyKey"]), what, effect)
    cnpg = _cnpg_anti_affinity(workload)
    if cnpg and get_path(workload.data, workload.paths["topologyKey"]):
        yield _TopologyUse(workload.paths["topologyKey"], cnpg[0], "spec.affinity.topologyKey",
                           "CloudNativePG's pod anti-affinity has no effect")


def check_topology_keys(inventory: Inventory, params: Mapping[str, Any]) -> Iterator[Violation]:
    """NP004: topology keys no node carries."""
    nodes = inventory.nodes
    if not nodes:
        return
    keys = {k for n in nodes for k in n.labels}
    for workload in workloads(inventory):
        for use in _topology_uses(workload):
            if use.key in keys:
                continue
            fields = {"workload": workload.title, "key": use.key, "what": use.what, "effect": use.effect,
                      "nodes_from": _nodes_from(inventory)}
            yield Violation(workload.locate(use.path), fields, _rid(workload), _close(use.key, keys))


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


def check_topology_spread(inventory: Inventory, params: Mapping[str, Any]) -> Iterator[Violation]:
    """NP010: DoNotSchedule spread constraints the eligible nodes cannot satisfy.

    Domains are the values of topologyKey. The scheduler computes skew against the smallest number
    of matching pods in any counted domain (nodes passing nodeAffinityPolicy / nodeTaintsPolicy).
    When a counted domain can never receive a pod (no eligible node in it), or there are fewer
    domains than minDomains, that minimum stays 0, so each usable domain holds at most maxSkew
    pods: replicas > usable domains × maxSkew leaves the rest Pending. Otherwise pods can always
    be spread evenly, and the constraint is satisfiable.
    """
    nodes = inventory.nodes
    if not nodes:
        return
    keys = {k for n in nodes for k in n.labels}
    for workload in workloads(inventory):
        constraints = [(i, c) for i, c in _spread(workload)
                       if c.get("whenUnsatisfiable", "DoNotSchedule") == "DoNotSchedule" and str(c.get("topologyKey")) in keys]
        if not constraints:
            continue
        can_run = eligible(workload, nodes)
        if not can_run:
            continue  # NP001/NP002/NP009 explain why nothing can run
        by_labels = selectable(workload, nodes)
        tolerations = _tolerations(workload)
        for index, constraint in constraints:
            key = str(constraint["topologyKey"])
            counted = nodes if constraint.get("nodeAffinityPolicy") == "Ignore" else by_labels
            if constraint.get("nodeTaintsPolicy") == "Honor":
                counted = [n for n in counted if not untolerated(n, tolerations)]
            counted_domains, usable = _domains(counted, key), _domains(can_run, key)
            skew = _int(constraint.get("maxSkew")) or 1
            min_domains = _int(constraint.get("minDomains"))
            path = workload.at("spread", index, "topologyKey")
            replicas = workload.replicas
            if not usable:
                reason = f"none of the nodes its pods can run on ({_names(n.name for n in can_run)}) has label `{key}`"
            else:
                stuck = sorted(set(counted_domains) - set(usable))
                short = min_domains is not None and len(counted_domains) < min_domains
                if not (stuck or short) or replicas is None or not _selects_itself(workload, constraint.get("labelSelector")):
                    continue
                capacity = len(usable) * skew
                if replicas <= capacity:
                    continue
                why = (f"domain {_names(stuck)} counts toward the skew but its pods cannot run there" if stuck else
                       f"minDomains {min_domains} exceeds the {len(counted_domains)} domains")
                needed = math.ceil(replicas / skew)
                reason = (f"{why}, so the global minimum stays 0 and each usable domain takes at most maxSkew = {_count(skew, 'pod')}: "
                          f"{_count(replicas, 'replica')} need {needed} usable domains, there are {len(usable)} ({_names(usable)})")
                path = workload.at("spread", index, "minDomains") if short and not stuck else path
            fields = {"workload": workload.title, "what": f"topologySpreadConstraints[{index}]", "key": key, "problem": reason}
            yield Violation(workload.locate(path), fields, _rid(workload))


def check_anti_affinity(inventory: Inventory, params: Mapping[str, Any]) -> Iterator[Violation]:
    """NP007: required pod anti-affinity against itself with more replicas than eligible domains."""
    nodes = inventory.nodes
    if not nodes:
        return
    keys = {k for n in nodes for k in n.labels}
    for workload in workloads(inventory):
        if workload.replicas is None or workload.labels is None or workload.replicas < 2:
            continue
        uses: list[tuple[YamlPath, str]] = []
        for path, term, required in _affinity_terms(workload, "podAntiAffinity"):
            if required and isinstance(term, dict) and term.get("topologyKey") \
                    and _selects_itself(workload, term.get("labelSelector"), term.get("namespaces"), term.get("namespaceSelector")):
                uses.append((path + ("topologyKey",), str(term["topologyKey"])))
        cnpg = _cnpg_anti_affinity(workload)
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
            capacity = _count(len(domains), "node") if key == HOSTNAME else f"{_count(len(domains), 'domain')} of `{key}` ({_names(domains)})"
            pending = workload.replicas - len(domains)
            fields = {"workload": workload.title, "replicas": workload.replicas, "key": key, "capacity": capacity,
                      "nodes": _names(n.name for n in can_run),
                      "pending": f"{_count(pending, 'replica')} {'stays' if pending == 1 else 'stay'} Pending"}
            yield Violation(workload.locate(path), fields, _rid(workload))


# --- NP005 -----------------------------------------------------------------------------------


def check_priority_class(inventory: Inventory, params: Mapping[str, Any]) -> Iterator[Violation]:
    known = inventory.known_priority_classes()
    for workload in workloads(inventory):
        name = workload.get("priority")
        if not isinstance(name, str) or not name or "{{" in name:
            continue
        if inventory.priority_class_known(name, None if workload.deployed else workload.app):
            continue
        disabled = sorted({r.app or "?" for r in inventory.undeployed_priority_classes.get(name, ())})
        why = f"only the disabled Application {_names(disabled)} defines" if disabled else "no enabled app defines and is not built in"
        files = sorted({r.doc.path for defs in inventory.priority_classes.values() for r in defs})
        fields = {"workload": workload.title, "class": name, "why": why, "known": _names(known),
                  "defined_in": f"; defined in {', '.join(files)}" if files else ""}
        yield Violation(workload.locate(workload.at("priority")), fields, _rid(workload), _close(name, known))


# --- NP006 -----------------------------------------------------------------------------------


def _percent(value: Any) -> float | None:
    if isinstance(value, str) and value.strip().endswith("%"):
        try:
            return float(value.strip()[:-1])
        except ValueError:
            return None
    return None


def check_disruption(inventory: Inventory, params: Mapping[str, Any]) -> Iterator[Violation]:
    """PodDisruptionBudgets that allow no eviction, and single-instance CNPG clusters with their PDB."""
    pods = [w for w in workloads(inventory) if w.labels is not None and w.kind not in NOT_DRAINED]
    for pdb in inventory.by_kind.get("PodDisruptionBudget", ()):
        if not pdb.id.api_version.startswith("policy/"):
            continue
        spec = pdb.get(("spec",)) or {}
        if not isinstance(spec, dict):
            continue
        selected = [w for w in pods if w.namespace == pdb.id.namespace and (w.deployed if pdb.deployed else w.app == pdb.app)
                    and label_selector_matches(w.labels or {}, spec.get("selector"))]
        problem, field_name = _budget_problem(spec, selected)
        if problem is None:
            continue
        fields = {"subject": f"PodDisruptionBudget `{pdb.id.name}`", "problem": problem,
                  "fix": "Allow at least one eviction: lower minAvailable below the replica count, use maxUnavailable: 1, or run more replicas"}
        yield Violation(locate(pdb, ("spec", field_name)).location, fields, pdb.id)
    for workload in pods:
        if not workload.cnpg or workload.replicas != 1 or get_path(workload.data, ("spec", "enablePDB")) is False:
            continue
        enable = ("spec", "enablePDB")
        path = enable if get_path(workload.data, enable) is not None else workload.paths["instances"] \
            if get_path(workload.data, workload.paths["instances"]) is not None else ("metadata", "name")
        fields = {"subject": workload.title,
                  "problem": "it runs a single instance and CloudNativePG's PodDisruptionBudget (enablePDB is not false) "
                             "prevents draining the node it runs on, since a switchover is not possible",
                  "fix": "Set spec.enablePDB: false for a single-instance cluster, or run 2 or more instances"}
        yield Violation(workload.locate(path), fields, _rid(workload))


def _budget_problem(spec: Mapping[str, Any], selected: list[Workload]) -> tuple[str | None, str]:
    max_unavailable = spec.get("maxUnavailable")
    if max_unavailable is not None:
        if _int(max_unavailable) == 0 or _percent(max_unavailable) == 0:
            return f"maxUnavailable `{max_unavailable}` allows no voluntary eviction", "maxUnavailable"
        return None, ""
    min_available = spec.get("minAvailable")
    if min_available is None:
        return None, ""
    percent = _percent(min_available)
    if percent is not None and percent >= 100:
        return f"minAvailable `{min_available}` allows no voluntary eviction", "minAvailable"
    if not selected or any(w.replicas is None for w in selected):
        return None, ""
    replicas = sum(w.replicas or 0 for w in selected)
    need = math.ceil(percent * replicas / 100) if percent is not None else _int(min_available)
    if need is None or need < replicas:
        return None, ""
    owners = ", ".join(w.title for w in selected[:6]) + (f" and {len(selected) - 6} more" if len(selected) > 6 else "")
    shown = f"`{min_available}` ({_count(need, 'pod')})" if percent is not None else f"`{min_available}`"
    return f"minAvailable {shown} is not below the {_count(replicas, 'replica')} it selects ({owners})", "minAvailable"


# --- NP011: no node inventory ----------------------------------------------------------------


def _needs_nodes(workload: Workload) -> Iterator[YamlPath]:
    """Placement fields that only a node inventory can check."""
    if _node_selector(workload):
        yield workload.at("nodeSelector")
    if _required_terms(workload) or _preferred_terms(workload):
        yield workload.at("nodeAffinity")
    if _tolerations(workload):
        yield workload.at("tolerations")
    for use in _topology_uses(workload):
        if use.key not in WELL_KNOWN_KEYS:
            yield use.path


def check_inventory_missing(inventory: Inventory, params: Mapping[str, Any]) -> Iterator[Violation]:
    if inventory.nodes:
        return
    found = [(workload, path) for workload in workloads(inventory) for path in _needs_nodes(workload)]
    if not found:
        return
    first = min(found, key=lambda item: item[0].locate(item[1]))
    fields = {"count": len(found), "workloads": len({(w.kind, w.name, w.namespace) for w, _ in found})}
    yield Violation(first[0].locate(first[1]), fields)


# --- registry --------------------------------------------------------------------------------

NO_PARAMS: dict[str, Any] = {"type": "object", "additionalProperties": False, "properties": {}}


def _match(*options: str) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": False, "properties": {"match": {"enum": list(options)}}}


CHECKS = [
    Check("node-selector", check_node_selector, NO_PARAMS, frozenset({"workload", "selector", "problem", "nodes_from"})),
    Check("node-affinity", check_node_affinity, _match("required", "preferred"), frozenset({"workload", "term", "problem", "nodes_from"})),
    Check("node-tolerations", check_tolerations, _match("not-allowed", "untolerated"),
          frozenset({"workload", "toleration", "taints", "nodes", "scope"})),
    Check("topology-key", check_topology_keys, NO_PARAMS, frozenset({"workload", "key", "what", "effect", "nodes_from"})),
    Check("topology-spread", check_topology_spread, NO_PARAMS, frozenset({"workload", "what", "key", "problem"})),
    Check("pod-anti-affinity", check_anti_affinity, NO_PARAMS,
          frozenset({"workload", "replicas", "key", "capacity", "nodes", "pending"})),
    Check("priority-class", check_priority_class, NO_PARAMS, frozenset({"workload", "class", "why", "known", "defined_in"})),
    Check("disruption-budget", check_disruption, NO_PARAMS, frozenset({"subject", "problem", "fix"})),
    Check("node-inventory", check_inventory_missing, NO_PARAMS, frozenset({"count", "workloads"})),
]
