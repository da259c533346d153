"""Load a whole repository into the immutable RepoModel: Applications, charts, objects, problems."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..config import Config
from ..model import (
    RepoModel,
    Suppression,
    Application,
    Chart,
    Location,
    Problem,
    Rendering,
    RenderOrigin,
    Resource,
    ResourceId,
    SourceKind,
    Template,
    ValuesLayer,
    YamlDoc,
    get_path,
)
from ..shapes import as_list
from ..suppress import from_annotations, scan_text
from ..templates import all_paths, scan
from .argocd import is_application, load_applications
from .files import RepoFiles, is_yaml, posix_join
from .helm import build_archive, helmignore_patterns, render_chart
from .kustomize import Included, build_directory, kustomization_file
from .nodes import load_nodes

# Kinds that have no namespace; every other kind gets the release/destination namespace.
CLUSTER_SCOPED = {
    "Namespace", "Node", "PersistentVolume", "StorageClass", "CSIDriver", "VolumeSnapshotClass",
    "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "PriorityClass",
    "IngressClass", "RuntimeClass", "APIService", "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding",
    "ClusterIssuer", "ClusterSecretStore", "ClusterPolicy", "GatewayClass", "IPAddressPool",
}
NOT_OBJECTS = {"Kustomization", "Component"}


def load_repo(root: Path, config: Config) -> RepoModel:
    files = RepoFiles(root, config.exclude)
    apps, problems = load_applications(files, config)
    charts, chart_problems = _load_charts(files, config)
    problems += chart_problems
    renderings: list[Rendering] = []
    resources: list[Resource] = []
    for chart in charts:
        chart_renderings, chart_resources, render_problems = _render(files, chart, apps)
        renderings += chart_renderings
        resources += chart_resources
        problems += render_problems
    manifest_resources, kustomizations, manifest_problems = _manifests(files, apps, charts)
    resources += manifest_resources
    problems += manifest_problems
    try:
        nodes, node_problems = load_nodes(files, config)
    except (AttributeError, TypeError, KeyError, ValueError) as exc:  # an inventory field of an unexpected shape
        nodes, node_problems = (), [Problem("NP012", Location(".m0sh1-lint.yaml"), {"reason": f"the node inventory has a field of an unexpected type ({type(exc).__name__})"})]
    problems += node_problems
    problems += files.problems
    return RepoModel(
        files.root,
        tuple(apps),
        tuple(charts),
        tuple(renderings),
        tuple(resources),
        tuple(_unique(problems)),
        tuple(kustomizations),
        nodes=nodes,
        suppressions=tuple(_suppressions(files, resources)),
    )


def _suppressions(files: RepoFiles, resources: list[Resource]) -> list[Suppression]:
    found = [s for rel in sorted(files.texts) for s in scan_text(rel, files.texts[rel] or "")]
    return found + from_annotations(resources)


def _unique(problems: list[Problem]) -> list[Problem]:
    seen: set[tuple] = set()
    out = []
    for problem in problems:
        key = (problem.rule, problem.location, tuple(sorted((k, str(v)) for k, v in problem.fields.items())))
        if key not in seen:
            seen.add(key)
            out.append(problem)
    return out


# --- charts --------------------------------------------------------------------------------


def _load_charts(files: RepoFiles, config: Config) -> tuple[list[Chart], list[Problem]]:
    charts: list[Chart] = []
    problems: list[Problem] = []
    chart_files = [
        rel for rel in files.files
        if rel.endswith("/Chart.yaml") and any(rel.startswith(root + "/") or not root for root in config.chart_roots)
    ]
    chart_dirs = [rel.rsplit("/", 1)[0] for rel in chart_files]
    for chart_dir in chart_dirs:
        if any(chart_dir.startswith(other + "/charts/") for other in chart_dirs):
            continue  # an unpacked subchart renders as part of its parent
        chart, chart_problems = _chart(files, chart_dir)
        problems += chart_problems
        if chart is not None:
            charts.append(chart)
    return charts, problems


def _chart(files: RepoFiles, chart_dir: str) -> tuple[Chart | None, list[Problem]]:
    chart_path = posix_join(chart_dir, "Chart.yaml")
    docs = files.yaml(chart_path)
    if not docs:
        text = files.read_text(chart_path)
        if text is not None and not text.strip():
            return None, [Problem("LD005", Location(chart_path), {"reason": "Chart.yaml is empty"})]
        return None, []  # unparsable or unreadable: LD001/LD003 is already recorded
    meta = docs[0].data
    if not isinstance(meta, dict):
        return None, [Problem("LD005", Location(chart_path), {"reason": "Chart.yaml is not a mapping"})]
    problems: list[Problem] = []
    for key in ("name", "version"):
        if meta.get(key) in (None, ""):
            problems.append(Problem("LD005", docs[0].location(), {"reason": f"Chart.yaml has no `{key}`, so Helm cannot load the chart"}))
    values_path = posix_join(chart_dir, "values.yaml")
    values_doc = None
    values_ok = True
    if files.exists(values_path):
        values_docs = files.yaml(values_path)
        text = files.read_text(values_path)
        if values_docs and values_docs[0].data is not None and not isinstance(values_docs[0].data, dict):
            problems.append(Problem("LD005", values_docs[0].location(), {"reason": "values.yaml is not a mapping of keys to values"}))
            values_ok = False
        elif values_docs:
            values_doc = values_docs[0]
        elif text is None or text.strip() and not _only_comments(text):
            values_ok = False  # unreadable or unparsable: LD001/LD003 is already recorded
    dependencies = tuple(d for d in as_list(meta.get("dependencies")) if isinstance(d, dict))
    vendored = _vendored(files, chart_dir, dependencies)
    templates = tuple(
        Template(rel, text, scan(text))
        for rel in files.under(posix_join(chart_dir, "templates"))
        if (text := files.read_text(rel)) is not None
    )
    name = str(meta.get("name") or chart_dir.rsplit("/", 1)[-1])
    lock_path = posix_join(chart_dir, "Chart.lock")
    lock_docs = files.yaml(lock_path) if files.exists(lock_path) else []
    chart = Chart(chart_dir, name, meta.get("version"), docs[0], values_doc, dependencies, vendored, templates, values_ok,
                  lock_docs[0] if lock_docs else None, tuple(helmignore_patterns(files, chart_dir)))
    return (None if problems and any("cannot load" in p.fields.get("reason", "") for p in problems) else chart), problems


def _only_comments(text: str) -> bool:
    return all(not line.strip() or line.lstrip().startswith("#") or line.strip() == "---" for line in text.splitlines())


def _vendored(files: RepoFiles, chart_dir: str, dependencies: tuple[dict, ...]) -> tuple[str, ...]:
    present = {p.split("/")[len(chart_dir.split("/")) + 1] for p in files.under(posix_join(chart_dir, "charts"))}
    names = []
    for dep in dependencies:
        name = str(dep.get("name", ""))
        if any(entry == name or (entry.startswith(name + "-") and entry.endswith(".tgz")) for entry in present):
            names.append(str(dep.get("alias") or name))
    return tuple(names)


@dataclass(frozen=True)
class _Release:
    app: str | None
    deployed: bool
    release_name: str
    namespace: str
    layers: tuple[ValuesLayer, ...]  # the Application's layers (value files, inline values)


def _releases(files: RepoFiles, chart: Chart, apps: list[Application]) -> list[_Release]:
    """Enabled Applications deploying the chart; else a disabled one; else Helm's defaults."""
    found: list[_Release] = []
    for want_enabled in (True, False):
        for app in apps:
            if app.enabled != want_enabled:
                continue
            for source in app.helm:
                if source.chart_dir != chart.dir:
                    continue
                layers = [_file_layer(files, path) for path in source.value_files]
                found.append(_Release(app.name, app.enabled, source.release_name, app.namespace or "default",
                                      tuple(layer for layer in layers if layer is not None) + source.values_layers))
        if found:
            return found
    return [_Release(None, False, chart.name, "default", ())]


def _file_layer(files: RepoFiles, path: str) -> ValuesLayer | None:
    docs = files.yaml(path)
    if not docs or not isinstance(docs[0].data, dict):
        return None
    return ValuesLayer(path, docs[0].data, docs[0])


def _render(files: RepoFiles, chart: Chart, apps: list[Application]) -> tuple[list[Rendering], list[Resource], list[Problem]]:
    import helm_python

    if not chart.values_ok:
        return [], [], []  # Helm would fail on the same values.yaml; its problem is reported
    try:
        handle = helm_python.Chart.load_archive(build_archive(files, chart.dir))
    except helm_python.HelmError as exc:
        reason = " ".join(str(getattr(exc, "detail", None) or exc).split())[:300]
        return [], [], [Problem("LD005", chart.chart_doc.location(), {"reason": f"Helm cannot load the chart: {reason}"})]
    chart_layer = ValuesLayer(chart.values_doc.path, chart.values_doc.data, chart.values_doc) if chart.values_doc else None
    used = frozenset(_used_values(chart))
    renderings: list[Rendering] = []
    resources: list[Resource] = []
    problems: list[Problem] = []
    with handle:
        for release in _releases(files, chart, apps):
            # Helm merges values.yaml itself; it heads the layers for provenance only, once
            # even when the Application also lists it under valueFiles.
            user_layers = tuple(layer for layer in release.layers if chart_layer is None or layer.label != chart_layer.label)
            layers = ((chart_layer,) if chart_layer else ()) + user_layers
            renderings.append(Rendering(chart.dir, release.app, release.deployed, release.release_name,
                                        release.namespace, layers, used, chart.vendored))
            rendered, render_problems = render_chart(files, handle, chart, user_layers, release.release_name, release.namespace)
            problems += render_problems
            for item in rendered:
                origin = RenderOrigin(chart.dir, item.template, _scoped(layers, item.subcharts, chart), item.from_archive)
                for doc in item.docs:
                    resource = _resource(doc, SourceKind.RENDERED, release.deployed, release.app, release.namespace, origin)
                    if resource is not None:
                        resources.append(resource)
    return renderings, resources, problems


def _scoped(layers: tuple[ValuesLayer, ...], subcharts: tuple[str, ...], chart: Chart) -> tuple[ValuesLayer, ...]:
    """A subchart sees only the parent's values under its name (or alias): scope the layers."""
    if not subcharts:
        return layers
    path = subcharts  # Helm names a subchart's templates by its alias, which is also its values key
    scoped = []
    for layer in layers:
        data = get_path(layer.data, path)
        if isinstance(data, dict):
            scoped.append(ValuesLayer(layer.label, data, layer.doc, layer.prefix + path, layer.location))
    return tuple(scoped)


def _used_values(chart: Chart) -> set[tuple[str, ...]]:
    used: set[tuple[str, ...]] = set()
    for template in chart.templates:
        used |= all_paths(template.refs)
    return used


# --- plain manifests -----------------------------------------------------------------------


def _resource(doc: YamlDoc, source: SourceKind, deployed: bool, app: str | None, namespace: str | None,
              render: RenderOrigin | None = None, included: Included | None = None, note: str | None = None) -> Resource | None:
    data = doc.data
    if not isinstance(data, dict):
        return None
    api_version, kind = data.get("apiVersion"), data.get("kind")
    metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    if not isinstance(api_version, str) or not isinstance(kind, str) or kind in NOT_OBJECTS:
        return None
    name = str(metadata.get("name") or metadata.get("generateName") or "")
    if included is not None:
        name = included.name_prefix + name + included.name_suffix
    own_namespace = metadata.get("namespace")
    if kind in CLUSTER_SCOPED:
        effective = None
    elif included is not None and included.namespace:
        effective = included.namespace
    else:
        effective = str(own_namespace) if own_namespace else namespace
    rid = ResourceId(api_version, kind, effective, name)
    return Resource(rid, doc, source, deployed, app, render, note)


def _manifests(files: RepoFiles, apps: list[Application], charts: list[Chart]) -> tuple[list[Resource], list[str], list[Problem]]:
    """Objects in plain YAML files; deployed when an enabled Application's directory source builds them."""
    problems: list[Problem] = []
    deployers: dict[tuple[str, int], tuple[Application, Included]] = {}
    disabled_only: dict[tuple[str, int], str] = {}
    generated: list[Resource] = []
    kustomizations: list[str] = []
    fragments: set[str] = set()
    for app in apps:
        for directory in app.directories:
            build = build_directory(files, directory.path, directory.recurse, directory.include, directory.exclude)
            problems += build.problems
            kustomizations += build.kustomizations
            fragments.update(build.fragments)
            for item in build.included:
                key = (item.doc.path, item.doc.index)
                if app.enabled:
                    deployers.setdefault(key, (app, item))
                else:
                    disabled_only.setdefault(key, app.name)
            for item in build.generated:
                resource = _resource(item.doc, SourceKind.GENERATED, app.enabled, app.name, app.namespace, included=item)
                if resource is not None:
                    generated.append(resource)

    # Nothing inside a chart directory is a plain manifest (templates, values, vendored charts).
    chart_prefixes = tuple(rel.rsplit("/", 1)[0] + "/" for rel in files.files if rel.endswith("/Chart.yaml"))
    resources: list[Resource] = []
    for rel in files.files:
        if not is_yaml(rel) and not rel.endswith(".json") or rel.startswith(chart_prefixes) or rel in fragments:
            continue
        if rel.endswith(".json") and not _included_anywhere(rel, deployers, disabled_only):
            continue
        for doc in files.yaml(rel):
            if not isinstance(doc.data, dict) or is_application(doc.data):
                continue
            key = (doc.path, doc.index)
            if key in deployers:
                app, item = deployers[key]
                resource = _resource(doc, SourceKind.MANIFEST, True, app.name, app.namespace, included=item)
            else:
                note = _why_not_deployed(files, rel, disabled_only.get(key), kustomizations)
                resource = _resource(doc, SourceKind.MANIFEST, False, disabled_only.get(key), None, note=note)
            if resource is not None:
                resources.append(resource)
    return resources + generated, sorted(set(kustomizations)), problems


def _included_anywhere(rel: str, deployers: dict, disabled_only: dict) -> bool:
    return any(path == rel for path, _ in list(deployers) + list(disabled_only))


def _why_not_deployed(files: RepoFiles, rel: str, disabled_app: str | None, kustomizations: list[str]) -> str:
    if disabled_app:
        return f"only the disabled Application `{disabled_app}` deploys it"
    directory = rel.rsplit("/", 1)[0] if "/" in rel else ""
    kfile = kustomization_file(files, directory)
    if kfile is not None and kfile in kustomizations:
        return f"`{kfile}` does not list it under `resources`"
    return "no Application deploys it"

