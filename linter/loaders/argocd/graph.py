"""The deployment graph: every Application and ApplicationSet in the repo, found by content, and
what each deploys, walked from the roots the way Argo CD syncs them
(docs/reference/argocd.md §11, §12).

- Nodes are found in any YAML file outside chart directories, and in what sources produce (a
  chart that renders child Applications, a kustomization listing them, an ApplicationSet).
- A root is a node no other node deploys (a node that deploys itself, as `path: argocd` with
  `recurse: true` does, counts as a root). A root that deploys other nodes (app-of-apps) is
  bootstrapped and synced; a standalone root is synced only when the repo has no app-of-apps at
  all (then every standalone Application is taken as applied by hand, except those kept in a
  `disabled/` or `archive/` folder). Nodes in a cycle no root reaches are taken as applied by
  hand. Children are synced when a synced parent deploys them.
- Walks always end (§11 "Self-reference and cycles"): a rendered Application that an ancestor
  already is (same kind, name and namespace) is that node, an app-of-apps chart is bootstrapped
  only when the walk has not reached it, and a chain deeper than `MAX_DEPTH` stops with AR013.
- Config can name the roots (`argocd.roots`) and force Applications on or off
  (`argocd.enable`/`disable`, `paths.applications`/`disabledApplications`); what
  `paths.disabledApplications` disables is staged: checked as if enabled, visible to nobody else.
- An Application lands in the namespace its manifest names, else its parent's destination
  namespace; Argo CD reconciles only those in its own namespaces (AR015).
- Clusters: a root runs in the cluster the config says (`argocd.clusters[].roots`), else
  `in-cluster`; a child runs where its parent deploys it; `destination` names the cluster an
  Application deploys to (`https://kubernetes.default.svc` and `in-cluster` mean its own).
"""

from __future__ import annotations

import fnmatch
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Literal

from ...core.globs import any_match
from ...model import IN_CLUSTER, ClusterConfig, Config, Problem, YamlDoc
from ...model.shapes import metadata
from ...model.yamldoc import PartOf
from ..files import RepoFiles, is_yaml
from ..produced import Produced
from .appsets import expand
from .repos import RepoIdentity
from .spec import IN_CLUSTER_SERVER, AppSpec, Destination, invalid, is_argo, read_application

Deploy = Callable[["Node"], list[Produced]]
Origin = Literal["manifest", "rendered", "generated", "bootstrap"]
# Documents of Applications nobody deploys but someone installs by hand (an app-of-apps chart),
# given the graph walked so far.
Bootstraps = Callable[["Graph"], list[YamlDoc]]
# Applications that render Applications, nested deeper than any real repository nests them: a
# bound for charts that render each other under ever new names (a repository is untrusted).
MAX_DEPTH = 32
# Folders whose standalone Applications a repo without app-of-apps keeps out of the cluster.
DISABLED_FOLDERS = frozenset(
    {
        "disabled",
        "archive",
        "archived",
        "deprecated",
        "old",
        "legacy",
        "hack",
        "docs",
        "doc",
        "experiments",
        "experimental",
        "exclude",
        "excluded",
        "examples",
        "example",
        "sandbox",
        "test",
        "tests",
        "tmp",
    }
)


@dataclass
class Node:
    key: str
    kind: Literal["Application", "ApplicationSet"]
    doc: YamlDoc
    name: str
    origin: Origin
    namespace: str | None  # where the object lives (metadata.namespace, or inherited)
    spec: AppSpec | None = None  # for Applications
    parents: list[str] = field(default_factory=list)
    children: list[str] = field(default_factory=list)
    produced: list[Produced] = field(default_factory=list)
    generated_by: str | None = None
    problems: list[Problem] = field(default_factory=list)  # reported only when it is synced or staged
    instance: str = IN_CLUSTER  # the cluster its Argo CD runs in
    enabled: bool = False
    staged: bool = False  # disabled by paths.disabledApplications: checked as if enabled
    why: str = ""


@dataclass
class Graph:
    nodes: dict[str, Node] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    order: list[str] = field(default_factory=list)  # the order nodes were processed (deterministic)
    forgotten: set[str] = field(default_factory=set)  # nodes dropped after processing (see walk)

    def applications(self) -> Iterator[Node]:
        return (self.nodes[k] for k in self.order if self.nodes[k].kind == "Application")


def manifest_documents(files: RepoFiles, skip: Callable[[str], bool]) -> Iterator[YamlDoc]:
    """Every document of every YAML file that is not part of a chart (`skip`)."""
    for rel in files.files:
        if is_yaml(rel) and not skip(rel):
            yield from files.yaml(rel, used=False)


def walk(
    files: RepoFiles,
    config: Config,
    repo: RepoIdentity,
    deploy: Deploy,
    in_chart: Callable[[str], bool],
    bootstraps: Bootstraps,
) -> Graph:
    graph = Graph()
    queue: deque[str] = deque()
    for doc in manifest_documents(files, in_chart):
        for kind in ("Application", "ApplicationSet"):
            if is_argo(doc.data, kind):
                node = _node(graph, f"{doc.path}#{doc.index}", kind, doc, "manifest", _own_namespace(doc))
                if node is not None:
                    queue.append(node.key)
    _assign_root_clusters(graph, config)
    _drain(graph, queue, files, repo, config, deploy)
    bootstrapped = _bootstrap(graph, bootstraps, files, repo, config, deploy)
    for key in bootstrapped:  # a chart that renders no Application is no app-of-apps: not a node at all
        if not [c for c in graph.nodes[key].children if c != key]:
            _forget(graph, key)
    _separate_instances(graph, config)
    _decide(graph, config)
    return graph


def _bootstrap(
    graph: Graph, bootstraps: Bootstraps, files: RepoFiles, repo: RepoIdentity, config: Config, deploy: Deploy
) -> list[str]:
    """Bootstrap the app-of-apps charts nobody deploys one at a time, each walked before the next
    is chosen: a chart the walk reached meanwhile (a cycle through two such charts, as when the
    Argo CD chart renders the root that syncs the chart of Applications) needs no stand-in."""
    bootstrapped: list[str] = []
    tried: set[str] = set()
    while doc := next((d for d in bootstraps(graph) if f"{d.path}#bootstrap" not in tried), None):
        key = f"{doc.path}#bootstrap"
        tried.add(key)
        if _node(graph, key, "Application", doc, "bootstrap", _own_namespace(doc)) is not None:
            bootstrapped.append(key)
            _drain(graph, deque([key]), files, repo, config, deploy)
    return bootstrapped


def _drain(
    graph: Graph, queue: deque[str], files: RepoFiles, repo: RepoIdentity, config: Config, deploy: Deploy
) -> None:
    while queue:
        node = graph.nodes[queue.popleft()]
        graph.order.append(node.key)
        with files.reading_for(node.key):
            queue.extend(_process(graph, node, files, repo, config, deploy))


def _forget(graph: Graph, key: str) -> None:
    del graph.nodes[key]
    graph.order.remove(key)
    graph.forgotten.add(key)


def _own_namespace(doc: YamlDoc) -> str | None:
    value = metadata(doc.data).get("namespace")
    return str(value) if value else None


def _node(
    graph: Graph,
    key: str,
    kind: Literal["Application", "ApplicationSet"],
    doc: YamlDoc,
    origin: Origin,
    namespace: str | None,
) -> Node | None:
    if key in graph.nodes:
        return None
    name = metadata(doc.data).get("name")
    if not isinstance(name, str) or not name:
        graph.problems.append(invalid(doc))
        return None
    node = Node(key, kind, doc, name, origin, namespace)
    graph.nodes[key] = node
    return node


def _process(
    graph: Graph, node: Node, files: RepoFiles, repo: RepoIdentity, config: Config, deploy: Deploy
) -> Iterator[str]:
    """Resolve what a node deploys; yield the keys of the nodes that were new."""
    if node.kind == "ApplicationSet":
        yield from _expand(graph, node, files, repo, config)
        return
    spec = read_application(node.doc, files, repo)
    if spec is None:
        node.problems.append(invalid(node.doc))
        return
    node.spec = spec
    node.problems.extend(spec.problems)
    node.produced = deploy(node)
    for produced in node.produced:
        for kind in ("Application", "ApplicationSet"):
            if not is_argo(produced.doc.data, kind):
                continue
            namespace = produced.namespace or _own_namespace(produced.doc) or spec.destination.namespace
            key = (
                f"{node.key}/{kind}/{metadata(produced.doc.data).get('name')}"
                if produced.rendered
                else f"{produced.doc.path}#{produced.doc.index}"
            )
            existing = graph.nodes.get(key)
            if existing is None and produced.rendered:
                where = _cluster(spec.destination, node.instance, config)
                existing = _itself(graph, node, kind, produced.doc, (where, namespace), files, repo)
                real_name = metadata(produced.doc.data).get("name")
                if existing is not None and existing.origin == "bootstrap" and isinstance(real_name, str) and real_name:
                    existing.name = real_name  # it stood in for this Application: call it by the real name
            if existing is None and produced.rendered and _depth(graph, node) >= MAX_DEPTH:
                node.problems.append(_too_deep(kind, produced.doc))
                continue
            child = existing or _node(graph, key, kind, produced.doc, "rendered", namespace)
            if child is None:
                continue
            if existing is not None and existing.origin == "manifest" and namespace and not existing.namespace:
                existing.namespace = namespace  # a manifest without metadata.namespace lands where it is deployed
            _link(node, child, _cluster(spec.destination, node.instance, config))
            if existing is None:
                yield child.key


def _itself(
    graph: Graph,
    node: Node,
    kind: str,
    doc: YamlDoc,
    lands: tuple[str, str | None],
    files: RepoFiles,
    repo: RepoIdentity,
) -> Node | None:
    """The node a rendered Application really is, when the walk has been here before: an
    Application that (through its children) renders itself again, by kind, name and where it
    lands (cluster, namespace); or the real Application behind a bootstrap stand-in, which deploys
    the stand-in's chart. Without this a cycle of charts rendering each other would be walked
    forever."""
    name = metadata(doc.data).get("name")
    cluster, namespace = lands
    chain = _ancestors(graph, node)
    for ancestor in chain:
        same_place = ancestor.instance == cluster and (ancestor.namespace or "") == (namespace or "")
        if ancestor.kind == kind and ancestor.name == name and same_place:
            return ancestor
    stand_ins = {n.spec.helm[0].chart_dir: n for n in chain if n.origin == "bootstrap" and n.spec and n.spec.helm}
    if kind != "Application" or not stand_ins:
        return None
    spec = read_application(doc, files, repo)
    dirs = [h.chart_dir for h in spec.helm] if spec is not None else []
    return next((stand_ins[d] for d in dirs if d in stand_ins), None)


def _ancestors(graph: Graph, node: Node) -> list[Node]:
    """`node` and every node that deploys it, directly or not."""
    seen = {node.key}
    out = [node]
    for current in out:
        for key in current.parents:
            if key not in seen and key in graph.nodes:
                seen.add(key)
                out.append(graph.nodes[key])
    return out


def _depth(graph: Graph, node: Node) -> int:
    """How many Applications deploy one another down to `node`, along first parents."""
    depth, seen = 0, {node.key}
    while parents := [p for p in node.parents if p not in seen and p in graph.nodes]:
        node = graph.nodes[parents[0]]
        seen.add(node.key)
        depth += 1
    return depth


def _too_deep(kind: str, doc: YamlDoc) -> Problem:
    reason = (
        f"it is rendered more than {MAX_DEPTH} Applications deep, by charts that render one another under ever "
        "new names; what it deploys is not followed"
    )
    app = str(metadata(doc.data).get("name"))
    return Problem("AR013", doc.location(("metadata",)), {"kind": kind, "app": app, "others": "", "reason": reason})


def _link(parent: Node, child: Node, instance: str) -> None:
    if child.key not in parent.children:
        parent.children.append(child.key)
    if parent.key in child.parents:
        return
    first = not [p for p in child.parents if p != child.key]
    child.parents.append(parent.key)
    if first and parent.key != child.key:
        child.instance = instance  # the first parent decides where the child's Argo CD runs


def _expand(graph: Graph, node: Node, files: RepoFiles, repo: RepoIdentity, config: Config) -> Iterator[str]:
    expansion = expand(node.doc, node.namespace, files, repo, config.argocd.clusters)
    node.problems.extend(expansion.problems)
    for generated in expansion.generated:
        name = metadata(generated.data).get("name")
        doc = YamlDoc(node.doc.path, node.doc.index, generated.data, PartOf(node.doc, generated.template_at))
        child = _node(graph, f"{node.key}/{name}", "Application", doc, "generated", node.namespace)
        if child is None:
            continue
        child.generated_by = node.key
        _link(node, child, node.instance)
        yield child.key


def _assign_root_clusters(graph: Graph, config: Config) -> None:
    for node in graph.nodes.values():
        for cluster in config.argocd.clusters:
            if cluster.roots and any_match(cluster.roots, node.doc.path):
                node.instance = cluster.name
                break


def _separate_instances(graph: Graph, config: Config) -> None:
    """Roots of the same name and namespace cannot live in one Argo CD (applying one replaces the
    other): each is bootstrapped into its own instance, one per cluster, named after its folder.
    Their subtrees follow them."""
    groups: dict[tuple[str, str], list[Node]] = {}
    for key in graph.order:
        node = graph.nodes[key]
        if node.kind == "Application" and not [p for p in node.parents if p != key] and node.instance == IN_CLUSTER:
            groups.setdefault((node.namespace or "argocd", node.name), []).append(node)
    moved = False
    for roots in groups.values():
        if len(roots) > 1 and len({r.doc.path for r in roots}) == len(roots):
            folders = [r.doc.path.rsplit("/", 1)[0] if "/" in r.doc.path else "." for r in roots]
            unique = len(set(folders)) == len(folders)  # else one file per cluster in one folder
            for root, folder in zip(roots, folders, strict=True):
                root.instance = folder if unique else root.doc.path.rsplit(".", 1)[0]
                moved = True
    if not moved:
        return
    for key in graph.order:  # parents come before their children in the walk's order
        node = graph.nodes[key]
        parents = [graph.nodes[p] for p in node.parents if p != key and p in graph.nodes]
        if parents and not _configured_instance(node, config):
            first = parents[0]
            destination = first.spec.destination if first.spec is not None else None
            node.instance = _cluster(destination, first.instance, config) if destination else first.instance


def _configured_instance(node: Node, config: Config) -> bool:
    return any(c.roots and any_match(c.roots, node.doc.path) for c in config.argocd.clusters)


def cluster_of(node: Node, config: Config) -> str:
    """The cluster an Application deploys its objects to."""
    if node.spec is None:
        return node.instance
    return _cluster(node.spec.destination, node.instance, config)


def _cluster(destination: Destination, instance: str, config: Config) -> str:
    clusters: tuple[ClusterConfig, ...] = config.argocd.clusters
    if destination.name:
        if destination.name == IN_CLUSTER:
            return instance
        return destination.name
    server = (destination.server or IN_CLUSTER_SERVER).rstrip("/")
    if server == IN_CLUSTER_SERVER:
        return instance
    named = next((c.name for c in clusters if c.server and c.server.rstrip("/") == server), None)
    return named or server


# --- which nodes Argo CD syncs ---------------------------------------------------------------


def _decide(graph: Graph, config: Config) -> None:
    nodes = graph.nodes
    parents = {k: [p for p in n.parents if p != k] for k, n in nodes.items()}
    configured = config.argocd.roots
    if configured:
        roots = [k for k, n in nodes.items() if n.origin == "manifest" and any_match(configured, n.doc.path)]
    else:
        roots = [k for k in graph.order if not parents[k]]
    deploys = {k: any(c != k for c in n.children) for k, n in nodes.items()}
    app_of_apps = any(deploys.values())
    allowed = _argo_namespaces(graph, config, roots)
    # `kubectl apply -f` applies every document of a file: a root beside a bootstrapped one is applied too
    bootstrap_files = {nodes[k].doc.path for k in roots if deploys[k] and nodes[k].origin == "manifest"}
    for key in roots:
        node = nodes[key]
        if deploys[key] and node.origin == "bootstrap":
            _set(
                node,
                True,
                "a chart that renders Applications and that no Application deploys: taken as installed "
                "by hand (helm install, argocd app create)",
            )
        elif deploys[key]:
            _set(node, True, "a root that deploys other Applications (app-of-apps): bootstrapped by hand")
        elif configured:
            _set(node, True, "a root named in the config (argocd.roots)")
        elif node.doc.path in bootstrap_files:
            _set(node, True, "in the same file as an app-of-apps root, so applied by hand with it")
        elif not app_of_apps and _in_disabled_folder(node.doc.path):
            folder = next(p for p in node.doc.path.split("/")[:-1] if p.lower() in DISABLED_FOLDERS)
            _set(node, False, f"a standalone Application in a `{folder}/` folder: taken as not applied")
        elif not app_of_apps:
            _set(node, True, "a standalone Application: the repo has no app-of-apps, so it is taken as applied by hand")
        else:
            _set(node, False, "no enabled Application deploys it")
    reached = _spread(graph, roots, allowed)
    for key in graph.order:  # cycles no root reaches: someone applied one of them by hand
        if key not in reached and not configured and any(_reaches(graph, c, key) for c in nodes[key].children):
            _set(nodes[key], True, "part of a cycle no root reaches: taken as applied by hand")
            reached |= _spread(graph, [key], allowed)
    for key, node in nodes.items():
        if key not in reached and not node.why:
            listed = ", ".join(f"`{nodes[p].name}`" for p in parents[key])
            why = f"only disabled Applications deploy it ({listed})" if listed else "no enabled Application deploys it"
            _set(node, False, why)
    _overrides(graph, config, allowed)


def _in_disabled_folder(path: str) -> bool:
    return any(part.lower() in DISABLED_FOLDERS for part in path.split("/")[:-1])


def _set(node: Node, enabled: bool, why: str) -> None:
    node.enabled, node.why = enabled, why


def _argo_namespaces(graph: Graph, config: Config, roots: list[str]) -> set[str] | None:
    """The namespaces Argo CD reconciles Applications in; None when unknown (anything goes)."""
    if config.argocd.namespaces != ("argocd",):
        return set(config.argocd.namespaces)
    found = {"argocd"} | {n.namespace for k in roots if (n := graph.nodes[k]).namespace}
    return found


def _spread(graph: Graph, starts: list[str], allowed: set[str] | None) -> set[str]:
    """Enabled nodes reachable from enabled `starts`; children outside Argo CD's namespaces stop."""
    reached: set[str] = set()
    queue = deque(k for k in starts if graph.nodes[k].enabled)
    while queue:
        key = queue.popleft()
        if key in reached:
            continue
        reached.add(key)
        parent = graph.nodes[key]
        for child_key in parent.children:
            child = graph.nodes[child_key]
            if child_key in reached or child_key == key:
                continue
            if (
                child.generated_by is None
                and allowed is not None
                and child.namespace
                and child.namespace not in allowed
            ):
                reason = (
                    f"Application `{child.name}` is created in namespace `{child.namespace}`, where Argo CD does "
                    "not reconcile Applications"
                )
                problem = Problem("AR015", child.doc.location(("metadata",)), {"app": child.name, "reason": reason})
                if problem not in graph.problems:
                    graph.problems.append(problem)
                _set(child, False, f"created in namespace `{child.namespace}`, which Argo CD does not watch")
                continue
            how = "generated by" if child.generated_by else "deployed by"
            _set(child, True, f"{how} the enabled {parent.kind} `{parent.name}`")
            queue.append(child_key)
    return reached


def _reaches(graph: Graph, start: str, target: str) -> bool:
    seen: set[str] = set()
    queue = deque([start])
    while queue:
        key = queue.popleft()
        if key == target:
            return True
        if key in seen:
            continue
        seen.add(key)
        queue.extend(graph.nodes[key].children)
    return False


def _overrides(graph: Graph, config: Config, allowed: set[str] | None) -> None:
    """The config's word is final: forced on (with what the node deploys) or off (with the subtree
    only it deploys). `paths.disabledApplications` stages what it disables (Node.staged)."""
    argo = config.argocd
    for key in graph.order:
        node = graph.nodes[key]
        staged = bool(config.disabled_applications) and any_match(config.disabled_applications, node.doc.path)
        if staged or (argo.disable and _named(node, argo.disable)):
            _set(node, False, "disabled in the config")
            node.staged = staged
            for child_key in _descendants(graph, key):
                child = graph.nodes[child_key]
                if not any(graph.nodes[p].enabled for p in child.parents if p != child_key):
                    _set(child, False, f"its parent `{node.name}` is disabled in the config")
                    child.staged = staged
        elif (argo.enable and _named(node, argo.enable)) or (
            config.applications and any_match(config.applications, node.doc.path)
        ):
            _set(node, True, "enabled in the config")
            _spread(graph, [key], allowed)


def _named(node: Node, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(node.name, p) for p in patterns)


def _descendants(graph: Graph, key: str) -> list[str]:
    out: list[str] = []
    queue = deque(graph.nodes[key].children)
    while queue:
        child = queue.popleft()
        if child == key or child in out:
            continue
        out.append(child)
        queue.extend(graph.nodes[child].children)
    return out
