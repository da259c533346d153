"""Load a whole repository into the immutable RepoModel: the application graph, what each
Application deploys (objects, with whether Argo CD syncs them and to which cluster), charts,
nodes, suppressions and problems."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..model import (
    CLUSTER_SCOPED_KINDS,
    IN_CLUSTER,
    Application,
    ApplicationSet,
    Chart,
    Config,
    Location,
    Problem,
    Rendering,
    RenderOrigin,
    RepoModel,
    Resource,
    ResourceId,
    SourceInfo,
    SourceKind,
    Suppression,
    YamlDoc,
    YamlPath,
)
from ..model.shapes import as_dict
from ..model.yamldoc import PartOf
from .argocd.graph import Graph, Node, cluster_of, manifest_documents, walk
from .argocd.hooks import never_applied
from .argocd.repos import RepoIdentity, identity
from .argocd.spec import IN_CLUSTER_SERVER, is_argo
from .charts import chart_dirs, chart_used, in_chart, in_chart_templates, load_chart, load_charts
from .deploy import Deployer
from .fetch.fetcher import Fetcher
from .files import RepoFiles
from .git import remote_urls
from .helm.archive import TemplateSources
from .helm.capabilities import crd_api_versions
from .helm.package import Packager, archive_members
from .kustomize import Included, kustomization_file
from .nodes import load_nodes
from .produced import Produced, Release
from .suppressions import from_annotations
from .terraform import scan_terraform
from .yaml import parse_documents

NOT_OBJECTS = {"Kustomization", "Component"}
CRD_KIND = "CustomResourceDefinition"
# walks at most: CRDs that only rendering shows may open Capabilities gates that render more
CAPABILITY_ROUNDS = 3
BUILTIN_NAMESPACES = frozenset({"default", "kube-system", "kube-public", "kube-node-lease"})


def load_repo(
    root: Path, config: Config, fetcher: Fetcher | None = None, overlay: Mapping[str, str] | None = None
) -> RepoModel:
    """The repository as Argo CD will deploy it. Without a `fetcher`, charts that are not
    committed are not rendered (each is an LD010 problem: chart fetching is off). `overlay`:
    texts that stand in for files (planned fixes)."""
    store = fetcher.cache if fetcher is not None else None
    files = RepoFiles(root, config.exclude, overlay=overlay or {}, parse_store=store)
    repo = identity(remote_urls(files.root), config.argocd.repo_urls)
    sources = TemplateSources(files)
    charts_found, problems = load_charts(files, config, sources)
    charts = {chart.dir: chart for chart in charts_found}
    dirs = chart_dirs(files)

    def chart(directory: str) -> Chart | None:
        if directory not in charts:
            loaded, chart_problems = load_chart(files, directory, sources)
            problems.extend(chart_problems)
            if loaded is None:
                return None
            charts[directory] = loaded
        return charts[directory]

    packager = Packager(sources, chart, fetcher, config.charts.mirrors)
    if fetcher is not None:
        fetcher.fetch_all(packager.requests(charts_found))  # in parallel, before the walk needs them
    known_crds = list(_crd_objects(files, dirs, fetcher))
    api_versions = crd_api_versions(known_crds)
    for _ in range(CAPABILITY_ROUNDS):
        deployer = Deployer(files, sources, chart, config.kubernetes_version, packager, api_versions)
        graph = _walk(files, config, repo, deployer, dirs, charts_found)
        # CRDs a synced Application renders (a chart's templates, an Application-level chart's
        # crds/) are in the cluster too: walk again if they add API versions. Once installed, a
        # CRD stays (the union), so a chart that installs one only while it is absent settles.
        grown = tuple(sorted({*api_versions, *crd_api_versions(_rendered_crds(graph))}))
        if grown == api_versions:
            break
        api_versions = grown
    assembled = _assemble(graph, deployer, config)
    orphans = list(_orphans(files, dirs, assembled.produced, deployer.kustomizations | {""}, deployer.fragments))
    resources = assembled.resources + orphans
    synced = {key for key, node in graph.nodes.items() if node.enabled or node.staged}
    for key in graph.order:  # an Application Argo CD does not sync: its problems do not matter yet
        if key in synced:
            problems += graph.nodes[key].problems + deployer.problems.get(key, [])
    problems += graph.problems + assembled.problems
    terraform = scan_terraform(files)
    problems += _graph_problems(graph, config, resources, deployer, assembled.deployments, terraform.namespaces)
    try:
        nodes, node_problems = load_nodes(files, config)
    except (AttributeError, TypeError, KeyError, ValueError) as exc:  # an inventory field of an unexpected shape
        reason = f"the node inventory has a field of an unexpected type ({type(exc).__name__})"
        nodes, node_problems = (), [Problem("NP012", Location(".m0sh1-lint.yaml"), {"reason": reason})]
    problems += node_problems
    problems += files.used_problems(synced)
    return RepoModel(
        files.root,
        tuple(assembled.applications),
        tuple(sorted(charts.values(), key=lambda c: c.dir)),
        tuple(assembled.renderings),
        tuple(resources),
        tuple(_unique(problems)),
        tuple(sorted(deployer.kustomizations)),
        nodes=nodes,
        suppressions=tuple(_suppressions(files, resources)),
        applicationsets=tuple(assembled.applicationsets),
        unrendered=tuple(c for key, c in deployer.unrendered if key in graph.nodes and graph.nodes[key].enabled),
        declared_secrets=terraform.secrets,
    )


def _crd_objects(files: RepoFiles, dirs: set[str], fetcher: Fetcher | None) -> Iterator[object]:
    """Every CRD the repository holds, for .Capabilities (helm/capabilities.py): manifests, the
    charts' crds/ files, and those of the charts already fetched."""
    for doc in manifest_documents(files, lambda rel: in_chart_templates(rel, dirs)):
        yield doc.data
    for fetched in fetcher.fetched() if fetcher is not None else ():
        for name, data in archive_members(fetched.archive).items():
            if "/crds/" in name and name.endswith((".yaml", ".yml")):
                docs, _ = parse_documents(data.decode("utf-8", "replace"), name)
                yield from (doc.data for doc in docs)


def _walk(
    files: RepoFiles, config: Config, repo: RepoIdentity, deployer: Deployer, dirs: set[str], charts: list[Chart]
) -> Graph:
    return walk(
        files,
        config,
        repo,
        deployer,
        lambda rel: in_chart_templates(rel, dirs),
        lambda walked: _bootstrapped_charts(charts, deployer, repo),
    )


def _rendered_crds(graph: Graph) -> Iterator[object]:
    for node in graph.nodes.values():
        if node.enabled:
            yield from (p.doc.data for p in node.produced if p.rendered and as_dict(p.doc.data).get("kind") == CRD_KIND)


def _bootstrapped_charts(charts: list[Chart], deployer: Deployer, repo: RepoIdentity) -> list[YamlDoc]:
    """App-of-apps charts no Application deploys (installed with `helm install` or `argocd app
    create`, as argocd-example-apps does): an Application document for each, to walk from."""
    deployed = {release.chart.dir for release in deployer.releases}
    url = f"https://{sorted(repo.keys)[0]}" if repo.keys else ""
    docs = []
    for chart in charts:
        if chart.dir in deployed or not _renders_applications(chart):
            continue
        data = {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Application",
            "metadata": {"name": chart.name, "namespace": "argocd"},
            "spec": {
                "project": "default",
                "source": {"repoURL": url, "path": chart.dir},
                "destination": {"server": IN_CLUSTER_SERVER, "namespace": "argocd"},
            },
        }
        docs.append(YamlDoc(chart.chart_doc.path, 0, data, PartOf(chart.chart_doc, ())))
    return docs


def _renders_applications(chart: Chart) -> bool:
    return any(d.name == "argocd-apps" for d in chart.dependencies) or any(
        "argoproj.io" in t.source and ("kind: Application" in t.source) for t in chart.templates
    )


def _suppressions(files: RepoFiles, resources: list[Resource]) -> list[Suppression]:
    found = sorted(files.suppressions, key=lambda s: (s.location.path, s.location.line))
    return found + from_annotations(resources)


def _unique(problems: list[Problem]) -> list[Problem]:
    seen: set[tuple[object, ...]] = set()
    out = []
    for problem in _one_per_template_line(problems):
        key = (problem.rule, problem.location, tuple(sorted((k, str(v)) for k, v in problem.fields.items())))
        if key not in seen:
            seen.add(key)
            out.append(problem)
    return out


def _one_per_template_line(problems: list[Problem]) -> list[Problem]:
    """AR013 notes that differ only in the Application's name (every Application one
    ApplicationSet template line generates): one note, naming the first and counting the rest."""
    apps: dict[tuple[object, ...], list[str]] = {}
    for problem in problems:
        if problem.rule == "AR013":
            key = (problem.location, problem.fields.get("kind"), problem.fields.get("reason"))
            apps.setdefault(key, []).append(str(problem.fields.get("app")))
    out = []
    for problem in problems:
        if problem.rule != "AR013":
            out.append(problem)
            continue
        key = (problem.location, problem.fields.get("kind"), problem.fields.get("reason"))
        names = sorted(set(apps.pop(key, [])))
        if names:  # the first problem of its group stands for all of it
            more = f" (and {len(names) - 1} more from the same template)" if len(names) > 1 else ""
            out.append(Problem("AR013", problem.location, {**problem.fields, "app": names[0], "others": more}))
    return out


# --- from the graph to model records ------------------------------------------------------------


@dataclass
class _Assembled:
    applications: list[Application]
    applicationsets: list[ApplicationSet]
    renderings: list[Rendering]
    resources: list[Resource]
    produced: set[tuple[str, int]]  # (file, document) of every repo document some Application deploys
    problems: list[Problem]
    deployments: list[_Deployment] = field(default_factory=list)  # every object a synced app deploys


@dataclass(frozen=True)
class _Deployment:
    """One synced Application deploying one object (AR006 compares them)."""

    identity: tuple[str, str, str, str, str]  # cluster, group, kind, namespace, name
    node: Node
    source: YamlPath  # the source in the Application that deploys it
    doc: YamlDoc  # the object's document


def _assemble(graph: Graph, deployer: Deployer, config: Config) -> _Assembled:
    nodes = graph.nodes
    clusters = {key: cluster_of(node, config) for key, node in nodes.items()}
    renderings = {
        id(release): _rendering(release, nodes[release.app_key], clusters)
        for release in deployer.releases
        if release.app_key in nodes
    }
    out = _Assembled([], [], list(renderings.values()), [], set(), [])
    manifest_owner: dict[tuple[str, int, str, str, str], Resource] = {}
    for key in graph.order:
        node = nodes[key]
        if node.kind == "ApplicationSet":
            out.applicationsets.append(
                ApplicationSet(
                    key, node.name, node.doc, node.namespace, tuple(node.children), node.enabled, _parent(node)
                )
            )
            continue
        counts: dict[int, int] = defaultdict(int)
        for produced in node.produced:
            if is_argo(produced.doc.data, "Application"):
                counts[produced.source] += 1
                if node.enabled:
                    out.deployments.append(_application_deployment(node, produced, clusters[key]))
                continue
            if not produced.rendered:
                out.produced.add((produced.doc.path, produced.doc.index))
            for resource in _resources(produced, node, clusters[key], renderings):
                counts[produced.source] += 1
                if resource.deployed and node.spec is not None:
                    rid = resource.id
                    identity = (resource.cluster, rid.group, rid.kind, rid.namespace or "", rid.name)
                    where = node.spec.sources[produced.source].where
                    out.deployments.append(_Deployment(identity, node, where, resource.doc))
                if produced.rendered:
                    out.resources.append(resource)
                    continue
                identity_key = (
                    produced.doc.path,
                    produced.doc.index,
                    resource.id.kind,
                    resource.id.namespace or "",
                    resource.id.name,
                )
                current = manifest_owner.get(identity_key)
                if current is None or (resource.deployed and not current.deployed):
                    manifest_owner[identity_key] = resource
        out.applications.append(_application(node, clusters[key], counts))
    out.resources += manifest_owner.values()
    return out


def _application_deployment(node: Node, produced: Produced, cluster: str) -> _Deployment:
    meta = as_dict(as_dict(produced.doc.data).get("metadata"))
    namespace = str(meta.get("namespace") or produced.namespace or "")
    identity = (node.instance, "argoproj.io", "Application", namespace, str(meta.get("name") or ""))
    assert node.spec is not None, "only Applications deploy"
    return _Deployment(identity, node, node.spec.sources[produced.source].where, produced.doc)


def _parent(node: Node) -> str | None:
    others = [p for p in node.parents if p != node.key]
    return others[0] if others else None


def _rendering(release: Release, node: Node, clusters: dict[str, str]) -> Rendering:
    chart = release.chart
    return Rendering(
        chart.dir,
        node.name,
        node.enabled,
        release.release_name,
        release.namespace,
        release.layers,
        chart_used(chart),
        release.subcharts,
        clusters[node.key],
        node.staged,
        node.spec.destination.namespace if node.spec is not None else None,
    )


def _application(node: Node, cluster: str, counts: dict[int, int]) -> Application:
    spec = node.spec
    infos: tuple[SourceInfo, ...] = ()
    if spec is not None:
        infos = tuple(replace(info, objects=counts.get(i, 0)) for i, info in enumerate(spec.sources))
    return Application(
        node.key,
        node.name,
        node.enabled,
        node.doc,
        spec.destination.namespace if spec else None,
        tuple(spec.helm) if spec else (),
        tuple(d for d, _ in spec.directories) if spec else (),
        infos,
        why=node.why,
        app_namespace=node.namespace,
        project=spec.project if spec else "default",
        cluster=cluster,
        parent=_parent(node),
        generated_by=node.generated_by,
        origin=node.origin,
        create_namespace=spec.create_namespace if spec else False,
        children=tuple(node.children),
        staged=node.staged,
    )


def _resources(produced: Produced, node: Node, cluster: str, renderings: dict[int, Rendering]) -> Iterator[Resource]:
    """The objects one produced document holds (a `List` holds several)."""
    data = produced.doc.data
    if not isinstance(data, dict):
        return
    items = data.get("items")
    if isinstance(items, list) and data.get("kind", "").endswith("List"):
        for index, item in enumerate(items):
            doc = YamlDoc(produced.doc.path, produced.doc.index, item, PartOf(produced.doc, ("items", index)))
            yield from _resources(_with_doc(produced, doc), node, cluster, renderings)
        return
    origin = None
    if produced.release is not None and produced.file is not None:
        item = produced.file
        origin = RenderOrigin(
            produced.release.chart.dir,
            item.template,
            renderings[id(produced.release)],
            item.subcharts,
            item.from_archive,
            item.trace(produced.doc),
            item.upstream.describe if item.upstream is not None else None,
        )
    spec = node.spec
    # Argo CD puts a namespaced object without a namespace into the destination namespace, even
    # when Helm rendered it for another release namespace (DeduplicateTargetObjects)
    default = spec.destination.namespace if spec else None
    note = None if node.enabled else f"only the disabled Application `{node.name}` deploys it"
    resource = resource_of(
        produced.doc,
        produced.kind,
        node.enabled,
        node.name,
        default,
        origin,
        produced.included,
        note,
        cluster,
        node.staged,
    )
    if resource is not None:
        yield resource


def _with_doc(produced: Produced, doc: YamlDoc) -> Produced:
    return replace(produced, doc=doc)


def resource_of(
    doc: YamlDoc,
    source: SourceKind,
    deployed: bool,
    app: str | None,
    namespace: str | None,
    render: RenderOrigin | None = None,
    included: Included | None = None,
    note: str | None = None,
    cluster: str = IN_CLUSTER,
    staged: bool = False,
) -> Resource | None:
    data = doc.data
    if not isinstance(data, dict):
        return None
    api_version, kind = data.get("apiVersion"), data.get("kind")
    meta = as_dict(data.get("metadata"))
    if not isinstance(api_version, str) or not isinstance(kind, str) or kind in NOT_OBJECTS:
        return None
    name = str(meta.get("name") or meta.get("generateName") or "")
    if included is not None:
        name = included.name_prefix + name + included.name_suffix
    own_namespace = meta.get("namespace")
    if kind in CLUSTER_SCOPED_KINDS:
        effective = None
    elif included is not None and included.namespace:
        effective = included.namespace
    else:
        effective = str(own_namespace) if own_namespace else namespace
    rid = ResourceId(api_version, kind, effective, name)
    return Resource(rid, doc, source, deployed, app, render, note, cluster, staged)


def _orphans(
    files: RepoFiles, dirs: set[str], produced: set[tuple[str, int]], kustomizations: set[str], fragments: set[str]
) -> Iterator[Resource]:
    """Objects in repo files that no Application deploys: linted by nothing, but known (a Secret
    committed and forgotten explains an SS001)."""
    for doc in manifest_documents(files, lambda rel: in_chart(rel, dirs) or rel in fragments):
        if (doc.path, doc.index) in produced or not isinstance(doc.data, dict) or is_argo(doc.data, "Application"):
            continue
        resource = resource_of(
            doc, SourceKind.MANIFEST, False, None, None, note=_why_not_deployed(files, doc, kustomizations)
        )
        if resource is not None:
            yield resource


def _why_not_deployed(files: RepoFiles, doc: YamlDoc, kustomizations: set[str]) -> str:
    hook = never_applied(doc.data)
    if hook is not None:
        return f"Argo CD never applies it ({hook})"
    rel = doc.path
    directory = rel.rsplit("/", 1)[0] if "/" in rel else ""
    kfile = kustomization_file(files, directory)
    if kfile is not None and kfile in kustomizations:
        return f"`{kfile}` does not list it under `resources`"
    return "no Application deploys it"


# --- what only the whole graph can tell ----------------------------------------------------------


def _graph_problems(
    graph: Graph,
    config: Config,
    resources: list[Resource],
    deployer: Deployer,
    deployments: list[_Deployment],
    bootstrapped_namespaces: frozenset[str],
) -> list[Problem]:
    problems: list[Problem] = []
    problems += _deployed_twice(deployments)
    problems += _skipped_applications(graph, deployer)
    problems += _undefined_projects(graph, resources)
    problems += _missing_namespaces(graph, config, resources, bootstrapped_namespaces)
    problems += _duplicate_names(graph, config)
    return problems


def _deployed_twice(deployments: list[_Deployment]) -> Iterator[Problem]:
    """AR006: two synced Applications deploy the same object to the same cluster (they fight over
    it). Reported at the source of every Application after the first (by file order)."""
    owners: dict[tuple[str, str, str, str, str], list[_Deployment]] = defaultdict(list)
    for deployment in deployments:
        owners[deployment.identity].append(deployment)
    for (_, _, kind, namespace, name), found in owners.items():
        first, *others = sorted(found, key=lambda d: (d.node.doc.path, d.node.doc.index, d.node.key))
        reported = {first.node.key}
        for other in others:
            spec = other.node.spec
            if other.node.key in reported or spec is None:
                continue
            reported.add(other.node.key)
            where = f" in namespace `{namespace}`" if namespace else ""
            first_at = first.node.doc.location(("metadata", "name"))
            yield Problem(
                "AR006",
                spec.doc.location((*other.source, "path")),
                {
                    "app": other.node.name,
                    "object": f"{kind} `{name}`{where} ({other.doc.path})",
                    "other": f"`{first.node.name}` ({first_at.path}:{first_at.line})",
                },
            )


def _skipped_applications(graph: Graph, deployer: Deployer) -> Iterator[Problem]:
    """AR009: an Application file in a synced source's directory that its include/exclude leaves
    out, and that nothing syncs otherwise: it is never synced, silently. (A root excluding its own
    file is the usual pattern: the root is synced by hand, so it is not reported.)"""
    orphaned = {
        node.doc.path: node
        for node in graph.applications()
        if node.origin == "manifest" and not node.enabled and not [p for p in node.parents if p != node.key]
    }
    for key in graph.order:
        node = graph.nodes[key]
        if not node.enabled:
            continue
        for where, rel in deployer.skipped.get(key, []):
            skipped = orphaned.get(rel)
            if skipped is None or node.spec is None:
                continue
            directory = as_dict(_source_at(node, where).get("directory"))
            field = "exclude" if directory.get("exclude") else "include"
            yield Problem(
                "AR009",
                node.spec.doc.location((*where, "directory", field)),
                {"app": node.name, "file": rel, "child": skipped.name, "field": field},
            )


def _source_at(node: Node, where: tuple[str | int, ...]) -> dict[str, object]:
    data = node.doc.data
    for step in where:
        data = data[step] if isinstance(data, (dict, list)) else {}  # type: ignore[index]
    return data if isinstance(data, dict) else {}


def _undefined_projects(graph: Graph, resources: list[Resource]) -> Iterator[Problem]:
    """AR010: a project no AppProject in the repo defines (only when the repo defines some). An
    AppProject file no Application deploys counts: projects are often applied with the roots."""
    projects = {
        r.id.name for r in resources if r.id.kind == "AppProject" and r.id.api_version.startswith("argoproj.io")
    }
    if not projects:
        return
    for node in graph.applications():
        spec = node.spec
        if spec is None or not node.enabled or spec.project in projects or spec.project == "default":
            continue
        yield Problem(
            "AR010",
            spec.doc.location(("spec", "project")),
            {"app": node.name, "project": spec.project, "projects": ", ".join(f"`{p}`" for p in sorted(projects))},
        )


def _missing_namespaces(
    graph: Graph, config: Config, resources: list[Resource], bootstrapped: frozenset[str]
) -> Iterator[Problem]:
    """AR011: objects go to a destination namespace that nothing creates. A Namespace file no
    Application deploys counts (for every cluster): it is applied by hand, like the roots; so does
    a namespace the repository's Terraform creates (`bootstrapped`)."""
    created: dict[str, set[str]] = defaultdict(set)  # cluster → namespaces
    by_hand: set[str] = set()
    for resource in resources:
        if resource.id.kind == "Namespace" and resource.id.api_version == "v1":
            if resource.deployed:
                created[resource.cluster].add(resource.id.name)
            elif resource.app is None:
                by_hand.add(resource.id.name)
    for node in graph.applications():
        spec = node.spec
        if spec is not None and node.enabled and spec.create_namespace and spec.destination.namespace:
            created[cluster_of(node, config)].add(spec.destination.namespace)
    known = BUILTIN_NAMESPACES | set(config.argocd.namespaces) | set(config.cluster_namespaces) | by_hand | bootstrapped
    needs: dict[str, set[str]] = defaultdict(set)  # app key → namespaces its objects land in by default
    for resource in resources:
        if resource.deployed and resource.id.namespace and resource.app:
            needs[resource.cluster].add(resource.id.namespace)
    for node in graph.applications():
        spec = node.spec
        if spec is None or not node.enabled or not spec.destination.namespace:
            continue
        namespace, cluster = spec.destination.namespace, cluster_of(node, config)
        if namespace in known or namespace in created[cluster] or namespace not in needs[cluster]:
            continue
        yield Problem(
            "AR011", spec.doc.location(("spec", "destination", "namespace")), {"app": node.name, "namespace": namespace}
        )


def _duplicate_names(graph: Graph, config: Config) -> Iterator[Problem]:
    """AR016: two Applications of one name in one Argo CD: one overwrites the other."""
    seen: dict[tuple[str, str, str], Node] = {}
    for node in graph.applications():
        if not node.enabled or node.generated_by is not None:
            continue
        key = (node.instance, node.namespace or "argocd", node.name)
        first = seen.setdefault(key, node)
        if first is not node:
            yield Problem(
                "AR016",
                node.doc.location(("metadata", "name")),
                {"app": node.name, "other": f"{first.doc.path}:{first.doc.location(('metadata', 'name')).line}"},
            )
